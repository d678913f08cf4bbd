/* ibl.c - the indirect-branch lookup table's monitor side.
 *
 * Translated indirect branches jump through BLK_IBL[target & 0xffff] to a
 * CCF's indirect entry, which checks the EIP. The mode (CPL, CS.D, CR0.EM/TS)
 * is not checked in the cache, so every entry must belong to the current
 * mode: the run loop calls ibl_check_mode before entering translated code,
 * and a mode change empties the entries filled since the previous one (a
 * short list: mode changes such as ring transitions are frequent, whole-table
 * clears would not be cheap). */
#include "ibl.h"

#include <stdlib.h>

#include "cpu.h"
#include "vm.h"

/* The compat backend's table holds 32-bit addresses (in the hole), the x64
 * backend's 64-bit ones (BLK_IBL64, after the block). */
static void set_entry(struct vm *vm, uint32_t idx, uintptr_t target)
{
	if (vm->cpu.x64)
		((uint64_t *)((uint8_t *)vm->cpu.blk + BLK_IBL64))[idx] = target;
	else
		vm->cpu.blk->ibl[idx] = (uint32_t)target;
}

static uintptr_t get_entry(struct vm *vm, uint32_t idx)
{
	if (vm->cpu.x64)
		return ((uint64_t *)((uint8_t *)vm->cpu.blk + BLK_IBL64))[idx];
	return vm->cpu.blk->ibl[idx];
}

static void reset_all(struct vm *vm)
{
	for (uint32_t i = 0; i < BLK_IBL_ENTRIES; i++)
		set_entry(vm, i, vm->ibl.miss);
	vm->ibl.ndirty = 0;
}

int ibl_init(struct vm *vm, uintptr_t miss)
{
	vm->ibl.miss = miss;
	vm->ibl.dirty = malloc(BLK_IBL_ENTRIES * sizeof(uint16_t));
	if (!vm->ibl.dirty)
		return -1;
	reset_all(vm);
	return 0;
}

void ibl_fini(struct vm *vm)
{
	free(vm->ibl.dirty);
}

void ibl_fill(struct vm *vm, struct ccf *c)
{
	if (!c->ientry)
		return;
	uint32_t idx = c->guest_eip & (BLK_IBL_ENTRIES - 1);
	if (vm->ibl.ndirty == BLK_IBL_ENTRIES)
		reset_all(vm); /* the list is full: start over */
	vm->ibl.dirty[vm->ibl.ndirty++] = (uint16_t)idx;
	set_entry(vm, idx, (uintptr_t)c->ientry);
}

void ibl_evict(void *opaque, struct ccf *c)
{
	struct vm *vm = opaque;
	uint32_t idx = c->guest_eip & (BLK_IBL_ENTRIES - 1);
	if (c->ientry && get_entry(vm, idx) == (uintptr_t)c->ientry)
		set_entry(vm, idx, vm->ibl.miss);
}

void ibl_check_mode(struct vm *vm)
{
	uint32_t mode = cpu_code_mode(&vm->cpu);
	if (mode == vm->ibl.mode)
		return;
	for (uint32_t i = 0; i < vm->ibl.ndirty; i++)
		set_entry(vm, vm->ibl.dirty[i], vm->ibl.miss);
	vm->ibl.ndirty = 0;
	vm->ibl.mode = mode;
}
