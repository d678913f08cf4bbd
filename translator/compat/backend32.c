/* backend32.c - the compat backend's host side: the vCPU block, the static
 * code (src/bt_entry.S) and the translation cache in the hole at the top of
 * the guest window; entry by far jump into 32-bit compatibility mode. */
#include "backend.h"

#include <asm/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "block.h"
#include "ibl.h"
#include "physmem.h"
#include "vm.h"
#include "xlat_priv.h"

extern const uint8_t bt_hole_code_start[], bt_hole_code_end[];
extern const uint8_t bt_exit_tramp[], bt_exit_tramp_nofsgs[], bt_ibl_miss[];
extern uint64_t bt_monitor_fsbase;
extern uint8_t bt_fsgsbase;
extern void bt_enter(struct vcpu_block *blk);
extern void bt_sigexit(void);

_Static_assert(HOLE_BLOCK + BLK_SIZE <= HOLE_STATIC, "hole layout");

static uint32_t hole_addr(const uint8_t *sym)
{
	return HOLE_STATIC + (uint32_t)(sym - bt_hole_code_start);
}

/* Whether to restore the monitor's FS base with rd/wrfsbase: only where
 * AT_HWCAP2 says the kernel enabled FSGSBASE (executing the instructions
 * proves nothing: on a PVM host they do not fault although the kernel lacks
 * support). TEST-ONLY: BTVMM_NO_FSGSBASE=1 takes the arch_prctl path even
 * there, to test and measure it on a host that has FSGSBASE. */
static bool use_fsgsbase(void)
{
	const char *e = getenv("BTVMM_NO_FSGSBASE");
	if (e && strcmp(e, "1") == 0)
		return false;
	return (getauxval(AT_HWCAP2) & 2) != 0; /* HWCAP2_FSGSBASE */
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
	bool fsgs = use_fsgsbase();
	const uint8_t *tramp = fsgs ? bt_exit_tramp : bt_exit_tramp_nofsgs;
	blk->exit_far = (struct far32){hole_addr(tramp), HOST_CS64, 0};
	blk->entry_far.sel = HOST_CS32;
	if (fsgs) {
		__asm__ volatile("rdfsbase %0" : "=r"(blk->host_fsbase));
	} else {
		unsigned long base;
		if (syscall(SYS_arch_prctl, ARCH_GET_FS, &base)) {
			snprintf(err, n, "arch_prctl(ARCH_GET_FS) failed");
			return -1;
		}
		blk->host_fsbase = base;
	}
	bt_monitor_fsbase = blk->host_fsbase;
	bt_fsgsbase = fsgs;
	vm->fs_restore = fsgs ? "wrfsbase" : "arch_prctl";
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
    .loads_guest_fs = true,
    .init = init,
    .enter = enter,
    .owns_pc = owns_pc,
    .sigexit = bt_sigexit,
};
