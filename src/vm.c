/* vm.c - building the machine: guest memory and the hole, the vCPU block
 * and the code copied into the hole, the translation cache, the devices. */
#define _GNU_SOURCE
#include "vm.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_select.h"
#include "cpu.h"
#include "ibl.h"
#include "machine.h"
#include "segments.h"

extern const uint8_t bt_hole_code_start[], bt_hole_code_end[];
extern const uint8_t bt_exit_tramp[], bt_ibl_miss[];
extern uint64_t bt_monitor_fsbase;

_Static_assert(offsetof(struct vcpu_block, eip) == BLK_EIP, "block layout");
_Static_assert(offsetof(struct vcpu_block, exit_rec) == BLK_EXIT_REC, "block layout");
_Static_assert(offsetof(struct vcpu_block, pending) == BLK_PENDING, "block layout");
_Static_assert(offsetof(struct vcpu_block, irq_req) == BLK_IRQ_REQ, "block layout");
_Static_assert(offsetof(struct vcpu_block, sc) == BLK_SC0, "block layout");
_Static_assert(offsetof(struct vcpu_block, tgt) == BLK_TGT, "block layout");
_Static_assert(offsetof(struct vcpu_block, entry_far) == BLK_ENTRY_FAR, "block layout");
_Static_assert(offsetof(struct vcpu_block, exit_far) == BLK_EXIT_FAR, "block layout");
_Static_assert(offsetof(struct vcpu_block, gsel) == BLK_GSEL, "block layout");
_Static_assert(offsetof(struct vcpu_block, hsel) == BLK_HSEL, "block layout");
_Static_assert(offsetof(struct vcpu_block, host_rsp) == BLK_HOST_RSP, "block layout");
_Static_assert(offsetof(struct vcpu_block, host_fsbase) == BLK_HOST_FSBASE, "block layout");
_Static_assert(offsetof(struct vcpu_block, fx) == BLK_FX, "block layout");
_Static_assert(offsetof(struct vcpu_block, host_fx) == BLK_HOST_FX, "block layout");
_Static_assert(offsetof(struct vcpu_block, ibl) == BLK_IBL, "block layout");
_Static_assert(sizeof(struct vcpu_block) == BLK_SIZE, "block layout");
_Static_assert(HOLE_BLOCK + BLK_SIZE <= HOLE_STATIC, "hole layout");

void vm_fail(struct vm *vm, const char *fmt, ...)
{
	if (vm->stop != STOP_NONE)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("btvmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	vm->stop = STOP_ERROR;
	vm->exit_status = 2;
}

static uint32_t hole_addr(const uint8_t *sym)
{
	return HOLE_STATIC + (uint32_t)(sym - bt_hole_code_start);
}

static int init_block(struct vm *vm)
{
	struct vcpu_block *blk = (struct vcpu_block *)(uintptr_t)HOLE_BLOCK;
	size_t code_len = (size_t)(bt_hole_code_end - bt_hole_code_start);
	if (code_len > HOLE_ARENA - HOLE_STATIC)
		return -1;
	memcpy((void *)(uintptr_t)HOLE_STATIC, bt_hole_code_start, code_len);
	vm->cpu.blk = blk;
	vm->cpu.vm = vm;
	blk->exit_far = (struct far32){hole_addr(bt_exit_tramp), HOST_CS64, 0};
	blk->entry_far.sel = HOST_CS32;
	__asm__ volatile("rdfsbase %0" : "=r"(blk->host_fsbase));
	bt_monitor_fsbase = blk->host_fsbase;
	__asm__ volatile("fxsave %0" : "=m"(blk->host_fx));
	memcpy(blk->fx, blk->host_fx, sizeof(blk->fx));
	return 0;
}

static int init_translator(struct vm *vm, char *err, size_t n)
{
	size_t arena = (size_t)vm->cfg->tc_size_kb * 1024;
	if (arena > HOLE_ARENA_MAX)
		arena = HOLE_ARENA_MAX;
	if (tc_init(&vm->tc, (uint8_t *)(uintptr_t)HOLE_ARENA, arena, &vm->stats)) {
		snprintf(err, n, "cannot set up the translation cache");
		return -1;
	}
	if (ibl_init(vm, hole_addr(bt_ibl_miss))) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	vm->tc.on_evict = ibl_evict;
	vm->tc.opaque = vm;
	if (xlat_init(&vm->xl, &vm->tc, &vm->stats)) {
		snprintf(err, n, "cannot set up the instruction decoder (Capstone)");
		return -1;
	}
	vm->xl.no_chain = vm->cfg->no_chain;
	vm->xl.adapt.disabled = vm->cfg->no_adapt;
	vm->xl.exit_tramp = hole_addr(bt_exit_tramp);
	vm->xl.ibl_miss = hole_addr(bt_ibl_miss);
	vm->xl.log = vm->cfg->debug & DBG_TRANSLATIONS ? vm->log : NULL;
	return 0;
}

int vm_init(struct vm *vm, const struct vm_config *cfg, char *err, size_t n)
{
	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	/* backend_select() chose a backend this binary has (today only compat,
	 * whose init_block executes rdfsbase; chosen only where AT_HWCAP2 has
	 * FSGSBASE). Checked again here so no other backend gets this far. */
	if (!backend_available(cfg->backend)) {
		snprintf(err, n, "the %s backend is not built into this binary",
			 backend_name(cfg->backend));
		return -1;
	}
	vm->log = stderr;
	if (cfg->debug_log && !(vm->log = fopen(cfg->debug_log, "w"))) {
		snprintf(err, n, "-D %s: cannot open the log file", cfg->debug_log);
		return -1;
	}
	if (physmem_init(&vm->mem, (uint64_t)cfg->ram_mb << 20, err, n))
		return -1;
	if (shadow_init(vm)) {
		snprintf(err, n, "out of memory for the shadow page tables");
		return -1;
	}
	vm->sh.limit = cfg->shadow_limit;
	vm->sh.prefill = !cfg->no_prefill;
	if (init_block(vm)) {
		snprintf(err, n, "hole code does not fit");
		return -1;
	}
	if (init_translator(vm, err, n))
		return -1;
	if (machine_init(vm, err, n))
		return -1;
	if (signals_install(vm)) {
		snprintf(err, n, "cannot install the signal handlers");
		return -1;
	}
	return 0;
}

void vm_fini(struct vm *vm)
{
	xlat_fini(&vm->xl);
	ibl_fini(vm);
	shadow_fini(vm);
	tc_fini(&vm->tc);
	physmem_fini(&vm->mem);
	if (vm->log && vm->log != stderr)
		fclose(vm->log);
}
