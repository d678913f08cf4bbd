/* ibl.c - the indirect-branch lookup table's monitor side.
 *
 * Translated indirect branches jump through BLK_IBL[target & 0xffff] to a
 * CCF's indirect entry, which checks the EIP and the code mode (CPL, CS.D,
 * CR0.EM/TS, the x64 backend's segment classes: cpu_code_mode) against
 * BLK_TGT and BLK_IBL_MODE. The mode changes only in the monitor (ring
 * transitions, segment loads and CR0 writes are call-outs), so the run loop
 * stores it before it enters translated code (ibl_check_mode), and entries
 * of other modes simply miss. They used to be emptied at every mode change,
 * which made every kernel return and call in a system call miss once per
 * call (about 20 exits per getppid in a Linux guest). */
#include "ibl.h"

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

void ibl_init(struct vm *vm, uintptr_t miss)
{
	vm->ibl.miss = miss;
	for (uint32_t i = 0; i < BLK_IBL_ENTRIES; i++)
		set_entry(vm, i, vm->ibl.miss);
	vm->cpu.blk->ibl_mode = cpu_code_mode(&vm->cpu);
}

void ibl_fill(struct vm *vm, struct ccf *c)
{
	if (!c->ientry)
		return;
	set_entry(vm, c->guest_eip & (BLK_IBL_ENTRIES - 1), (uintptr_t)c->ientry);
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
	vm->cpu.blk->ibl_mode = cpu_code_mode(&vm->cpu);
}
