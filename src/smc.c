/* smc.c - self-modifying code.
 *
 * Every guest page that holds the source of a live CCF is write-protected in
 * the window. A guest store there faults; the monitor invalidates the page's
 * CCFs, lifts the protection and re-executes the store as a one-shot block,
 * after which execution goes on through fresh translations of the modified
 * code (which protect the page again). The monitor's own writes (string I/O,
 * descriptor updates, loaders) go through physmap and call
 * smc_notify_write. */
#include "smc.h"

#include "vm.h"

void smc_track_page(struct vm *vm, uint32_t pfn)
{
	physmem_protect_page(&vm->mem, pfn, true);
}

void smc_page_written(struct vm *vm, uint32_t pfn)
{
	vm->stats.smc_faults++;
	tc_invalidate_page(&vm->tc, pfn);
	physmem_protect_page(&vm->mem, pfn, false);
}

void smc_notify_write(struct vm *vm, uint32_t gpa, uint32_t n)
{
	uint32_t first = gpa >> PAGE_SHIFT, last = (gpa + n - 1) >> PAGE_SHIFT;
	for (uint32_t pfn = first; pfn <= last; pfn++) {
		if (!tc_page_has_code(&vm->tc, pfn))
			continue;
		tc_invalidate_page(&vm->tc, pfn);
		physmem_protect_page(&vm->mem, pfn, false);
	}
}

void smc_retranslate_page(struct vm *vm, uint32_t pfn)
{
	tc_invalidate_page(&vm->tc, pfn);
	physmem_protect_page(&vm->mem, pfn, false);
}
