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

static void reset_all(struct vm *vm)
{
	struct vcpu_block *blk = vm->cpu.blk;
	for (uint32_t i = 0; i < BLK_IBL_ENTRIES; i++)
		blk->ibl[i] = vm->ibl.miss;
	vm->ibl.ndirty = 0;
}

int ibl_init(struct vm *vm, uint32_t miss)
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
	vm->cpu.blk->ibl[idx] = (uint32_t)(uintptr_t)c->ientry;
}

void ibl_evict(void *opaque, struct ccf *c)
{
	struct vm *vm = opaque;
	uint32_t idx = c->guest_eip & (BLK_IBL_ENTRIES - 1);
	if (c->ientry && vm->cpu.blk->ibl[idx] == (uint32_t)(uintptr_t)c->ientry)
		vm->cpu.blk->ibl[idx] = vm->ibl.miss;
}

void ibl_check_mode(struct vm *vm)
{
	uint32_t mode = cpu_code_mode(&vm->cpu);
	if (mode == vm->ibl.mode)
		return;
	struct vcpu_block *blk = vm->cpu.blk;
	for (uint32_t i = 0; i < vm->ibl.ndirty; i++)
		blk->ibl[vm->ibl.dirty[i]] = vm->ibl.miss;
	vm->ibl.ndirty = 0;
	vm->ibl.mode = mode;
}
