/* smc.c - self-modifying code.
 *
 * Every guest frame that holds the source of a live CCF is write-protected
 * in the window: with paging off that is the identity page, with paging on
 * every linear alias of the frame (shadow.c consults the same flag when it
 * maps). A guest store into it faults; the monitor invalidates the frame's
 * CCFs, lifts the protection and re-executes the store as a one-shot block,
 * after which execution goes on through fresh translations of the modified
 * code (which protect the frame again). The monitor's own writes (string
 * I/O, descriptor updates, emulated instructions) call smc_notify_write. */
#include "smc.h"

#include "vm.h"

static void set_code_frame(struct vm *vm, uint32_t pfn, bool code)
{
	if (vm->sh.on) {
		if (vm->mem.ro_pages[pfn] == code)
			return;
		vm->mem.ro_pages[pfn] = code;
		shadow_reprotect_frame(vm, pfn);
	} else {
		physmem_protect_page(&vm->mem, pfn, code);
	}
}

void smc_track_page(struct vm *vm, uint32_t pfn)
{
	set_code_frame(vm, pfn, true);
}

void smc_page_written(struct vm *vm, uint32_t pfn)
{
	vm->stats.smc_faults++;
	tc_invalidate_page(&vm->tc, pfn);
	set_code_frame(vm, pfn, false);
}

void smc_notify_write(struct vm *vm, uint32_t gpa, uint32_t n)
{
	uint32_t first = gpa >> PAGE_SHIFT, last = (gpa + n - 1) >> PAGE_SHIFT;
	for (uint32_t pfn = first; pfn <= last; pfn++) {
		if (!tc_page_has_code(&vm->tc, pfn))
			continue;
		tc_invalidate_page(&vm->tc, pfn);
		set_code_frame(vm, pfn, false);
	}
}

void smc_retranslate_page(struct vm *vm, uint32_t pfn)
{
	tc_invalidate_page(&vm->tc, pfn);
	set_code_frame(vm, pfn, false);
}
