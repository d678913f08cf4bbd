/* native_write.c - traced page tables written by any instruction.
 *
 * A write to a traced frame (a guest page table some shadow was built
 * from) faults, and the emulator (mmu/emulate.c) normally does it and
 * tells the shadows. For an instruction the emulator lacks (call, fxsave,
 * an SSE or x87 store...) a PC would simply write. So the frame is opened
 * instead: its contents are copied, every linear alias of it gets the
 * protection it would have untraced, and the run loop runs the instruction
 * natively as a one-shot block. Afterwards the frame is traced again and
 * compared with the copy: every changed dword is processed as the
 * emulator's write would have been. Nothing else runs while a frame is
 * open (one vCPU; no interrupt comes between a fault and its one-shot),
 * and the comparison catches writes through any alias. This is how the
 * original VMware monitor completed such writes. */
#include "native_write.h"

#include <string.h>

#include "smc.h"
#include "vm.h"

int native_write_open(struct vm *vm, uint32_t pfn)
{
	struct native_write *nw = &vm->native_write;
	for (int i = 0; i < nw->n; i++)
		if (nw->pfn[i] == pfn)
			return -1; /* open, yet its write faulted: running again would loop */
	if (nw->n == NATIVE_WRITE_PAGES)
		native_write_close(vm); /* a long rep string: done with those */
	const uint8_t *now = gpa_ptr(&vm->mem, (uint64_t)pfn << PAGE_SHIFT, PAGE_SIZE);
	if (!now)
		return -1;
	memcpy(nw->before[nw->n], now, PAGE_SIZE);
	nw->pfn[nw->n++] = pfn;
	vm->stats.native_write_pages++;
	shadow_trace_open(vm, pfn);
	return 0;
}

/* What changed in frame pfn since `before`, run by run of changed dwords
 * (page-table entries are dwords): tell SMC and the shadows. */
static void process_changes(struct vm *vm, uint32_t pfn, const uint8_t *before)
{
	uint32_t pa = pfn << PAGE_SHIFT;
	const uint8_t *now = gpa_ptr(&vm->mem, pa, PAGE_SIZE);
	uint32_t run = 0, len = 0;
	for (uint32_t off = 0; off <= PAGE_SIZE; off += 4) {
		if (off < PAGE_SIZE && memcmp(now + off, before + off, 4)) {
			if (!len)
				run = off;
			len += 4;
			continue;
		}
		if (!len)
			continue;
		smc_notify_write(vm, pa + run, len);
		shadow_pt_written(vm, pa + run, len);
		len = 0;
	}
}

void native_write_close(struct vm *vm)
{
	struct native_write *nw = &vm->native_write;
	int n = nw->n;
	nw->n = 0;
	/* every frame read-only again before any shadow is dropped, so that
	 * nothing is left writable whatever the processing unmaps */
	for (int i = 0; i < n; i++)
		shadow_trace_close(vm, nw->pfn[i]);
	for (int i = 0; i < n; i++)
		process_changes(vm, nw->pfn[i], nw->before[i]);
}
