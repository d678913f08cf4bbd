/* backend64.c - the x64 backend's host side: one mapping above 4 GiB holds
 * the vCPU block, the 64-bit indirect-lookup table and the translation
 * cache, so nothing translated code can address through a guest operand
 * (always below 4 GiB) reaches them. The hole in the guest window stays
 * unmapped: guest accesses there fault into the software path as before. */
#define _GNU_SOURCE
#include "backend.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "block.h"
#include "physmem.h"
#include "vm.h"
#include "xlat_priv.h"

extern void x64_enter(struct vcpu_block *blk);
extern void x64_exit_tramp(void);
extern void x64_ibl_miss(void);
extern void x64_sigexit(void);

#define IBL64_BYTES ((size_t)BLK_IBL_ENTRIES * 8)

static int init(struct vm *vm, char *err, size_t n)
{
	/* A guest access that starts below 4 GiB may run up to 512 bytes past
	 * it (fxsave at 0xfffffe01): the host does not wrap there as a 32-bit
	 * CPU does. Keep what lies above unmapped, so such an access faults
	 * (run.c hands it to the emulator) instead of touching the monitor. */
	void *guard =
	    mmap((void *)WINDOW_SIZE, X64_GUARD_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (guard != (void *)WINDOW_SIZE) {
		snprintf(err, n, "cannot reserve the guard pages at 4 GiB");
		return -1;
	}
	size_t arena = (size_t)vm->cfg->tc_size_kb * 1024;
	size_t total = BLK_SIZE + IBL64_BYTES + arena;
	uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED || (uintptr_t)base < WINDOW_SIZE) {
		snprintf(err, n, "cannot map the translation cache above 4 GiB");
		return -1;
	}
	struct vcpu_block *blk = (struct vcpu_block *)base;
	vm->cpu.blk = blk;
	vm->cpu.x64 = true;
	blk->x64_exit = (uint64_t)(uintptr_t)x64_exit_tramp;
	blk->x64_miss = (uint64_t)(uintptr_t)x64_ibl_miss;
	vm->x64_code_lo = base + BLK_SIZE + IBL64_BYTES;
	vm->x64_code_hi = vm->x64_code_lo + arena;
	if (tc_init(&vm->tc, vm->x64_code_lo, arena, &vm->stats)) {
		snprintf(err, n, "cannot set up the translation cache");
		return -1;
	}
	vm->xl.ibl_miss = (uintptr_t)x64_ibl_miss;
	return 0;
}

static void enter(struct vm *vm, uintptr_t pc)
{
	vm->cpu.blk->x64_entry = pc;
	x64_enter(vm->cpu.blk);
}

static bool owns_pc(const struct vm *vm, uint64_t pc, uint16_t cs)
{
	return pc >= (uintptr_t)vm->x64_code_lo && pc < (uintptr_t)vm->x64_code_hi;
}

const struct backend backend_x64 = {
    .name = "x64",
    .xlat = &xlat_backend_x64,
    .map_hole = false,
    .loads_guest_fs = false,
    .init = init,
    .enter = enter,
    .owns_pc = owns_pc,
    .sigexit = x64_sigexit,
};
