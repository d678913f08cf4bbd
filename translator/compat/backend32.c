/* backend32.c - the compat backend's host side: the vCPU block, the static
 * code (src/bt_entry.S) and the translation cache in the hole at the top of
 * the guest window; entry by far jump into 32-bit compatibility mode. */
#include "backend.h"

#include <string.h>

#include "block.h"
#include "ibl.h"
#include "physmem.h"
#include "vm.h"
#include "xlat_priv.h"

extern const uint8_t bt_hole_code_start[], bt_hole_code_end[];
extern const uint8_t bt_exit_tramp[], bt_ibl_miss[];
extern uint64_t bt_monitor_fsbase;
extern void bt_enter(struct vcpu_block *blk);
extern void bt_sigexit(void);

_Static_assert(HOLE_BLOCK + BLK_SIZE <= HOLE_STATIC, "hole layout");

static uint32_t hole_addr(const uint8_t *sym)
{
	return HOLE_STATIC + (uint32_t)(sym - bt_hole_code_start);
}

static int init(struct vm *vm, char *err, size_t n)
{
	struct vcpu_block *blk = (struct vcpu_block *)(uintptr_t)HOLE_BLOCK;
	size_t code_len = (size_t)(bt_hole_code_end - bt_hole_code_start);
	if (code_len > HOLE_ARENA - HOLE_STATIC) {
		snprintf(err, n, "hole code does not fit");
		return -1;
	}
	memcpy((void *)(uintptr_t)HOLE_STATIC, bt_hole_code_start, code_len);
	vm->cpu.blk = blk;
	blk->exit_far = (struct far32){hole_addr(bt_exit_tramp), HOST_CS64, 0};
	blk->entry_far.sel = HOST_CS32;
	__asm__ volatile("rdfsbase %0" : "=r"(blk->host_fsbase));
	bt_monitor_fsbase = blk->host_fsbase;
	size_t arena = (size_t)vm->cfg->tc_size_kb * 1024;
	if (arena > HOLE_ARENA_MAX)
		arena = HOLE_ARENA_MAX;
	if (tc_init(&vm->tc, (uint8_t *)(uintptr_t)HOLE_ARENA, arena, &vm->stats)) {
		snprintf(err, n, "cannot set up the translation cache");
		return -1;
	}
	vm->xl.ibl_miss = hole_addr(bt_ibl_miss);
	return 0;
}

static void enter(struct vm *vm, uintptr_t pc)
{
	vm->cpu.blk->entry_far.off = (uint32_t)pc;
	bt_enter(vm->cpu.blk);
}

static bool owns_pc(const struct vm *vm, uint64_t pc, uint16_t cs)
{
	return cs == HOST_CS32 && pc >= HOLE_BASE && pc < WINDOW_SIZE;
}

const struct backend backend_compat = {
    .name = "compat",
    .xlat = &xlat_backend_compat,
    .map_hole = true,
    .needs_fsgsbase = true,
    .init = init,
    .enter = enter,
    .owns_pc = owns_pc,
    .sigexit = bt_sigexit,
};
