/* open_bus.c - scratch pages of all ones for one instruction.
 *
 * The emulator (mmu/emulate.c) covers the instructions kernels use on
 * device registers. Anything else that touches memory outside RAM (imul,
 * x87, SSE, a stack there) would stop btvmm, where a PC reads all ones and
 * drops the writes. Those instructions run natively once instead, against
 * private anonymous pages filled with 0xff at the linear pages they touch;
 * the run loop removes the pages once the instruction has run, discarding
 * whatever it wrote. Device registers never get this treatment: their
 * reads have effects a copy cannot give. */
#define _GNU_SOURCE
#include "open_bus.h"

#include <string.h>
#include <sys/mman.h>

#include "vm.h"
#include "walk.h"

/* The guest-physical address behind lin, or -1 (not mapped). */
static int64_t physical(struct vm *vm, uint32_t lin)
{
	struct walk w;
	uint32_t err;
	if (!mmu_paging(&vm->cpu))
		return lin;
	if (mmu_walk(&vm->cpu, lin, vm->cpu.cpl == 3 ? ACC_USER : 0, false, &w, &err))
		return -1;
	return w.pa;
}

int open_bus_map(struct vm *vm, uint32_t lin)
{
	struct open_bus *ob = &vm->open_bus;
	uint32_t lp = lin >> PAGE_SHIFT;
	int64_t pa = physical(vm, lin);
	if (pa < 0 || (uint64_t)pa < vm->mem.ram_size || mmio_find(&vm->mmio, (uint64_t)pa))
		return -1;
	if (lin >= vm->window_end || lin < vm->mem.low_unmapped || ob->n == OPEN_BUS_PAGES)
		return -1;
	for (int i = 0; i < ob->n; i++)
		if (ob->lp[i] == lp)
			return -1; /* open already: the fault was something else */
	void *p = mmap((void *)((uintptr_t)lp << PAGE_SHIFT), PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 0xff, PAGE_SIZE);
	ob->lp[ob->n++] = lp;
	vm->stats.open_bus_insns++;
	return 0;
}

void open_bus_close(struct vm *vm)
{
	struct open_bus *ob = &vm->open_bus;
	for (int i = 0; i < ob->n; i++) {
		uint32_t lp = ob->lp[i];
		if (vm->sh.on && vm->sh.ent[lp])
			continue; /* the guest mapped RAM there meanwhile: a shadow now */
		shadow_unmap_window(lp, 1);
	}
	ob->n = 0;
}
