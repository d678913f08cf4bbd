/* vm.c - building the machine: guest memory, the backend's vCPU block and
 * translation cache (src/backend.h), the translator, the devices. */
#define _GNU_SOURCE
#include "vm.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cpu.h"
#include "ibl.h"
#include "machine.h"
#include "segments.h"

_Static_assert(offsetof(struct vcpu_block, eip) == BLK_EIP, "block layout");
_Static_assert(offsetof(struct vcpu_block, exit_rec) == BLK_EXIT_REC, "block layout");
_Static_assert(offsetof(struct vcpu_block, pending) == BLK_PENDING, "block layout");
_Static_assert(offsetof(struct vcpu_block, irq_req) == BLK_IRQ_REQ, "block layout");
_Static_assert(offsetof(struct vcpu_block, sc) == BLK_SC0, "block layout");
_Static_assert(offsetof(struct vcpu_block, tgt) == BLK_TGT, "block layout");
_Static_assert(offsetof(struct vcpu_block, ibl_mode) == BLK_IBL_MODE, "block layout");
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
_Static_assert(offsetof(struct vcpu_block, x64_entry) == BLK_X64_ENTRY, "block layout");
_Static_assert(offsetof(struct vcpu_block, x64_exit) == BLK_X64_EXIT, "block layout");
_Static_assert(offsetof(struct vcpu_block, x64_miss) == BLK_X64_MISS, "block layout");
_Static_assert(offsetof(struct vcpu_block, segbase) == BLK_SEGBASE, "block layout");
_Static_assert(offsetof(struct vcpu_block, x64_rsp) == BLK_X64_RSP, "block layout");

void vm_fail(struct vm *vm, const char *fmt, ...)
{
	if (vm->stop != STOP_NONE)
		return;
	display_fini(vm); /* -display curses: the message goes below the last screen */
	va_list ap;
	va_start(ap, fmt);
	fputs("btvmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	vm->stop = STOP_ERROR;
	vm->exit_status = 2;
}

static int init_translator(struct vm *vm, char *err, size_t n)
{
	struct vcpu_block *blk = vm->cpu.blk;
	vm->cpu.vm = vm;
	__asm__ volatile("fxsave %0" : "=m"(blk->host_fx));
	memcpy(blk->fx, blk->host_fx, sizeof(blk->fx));
	if (xlat_init(&vm->xl, &vm->tc, &vm->stats)) {
		snprintf(err, n, "cannot set up the instruction decoder (Capstone)");
		return -1;
	}
	vm->xl.be = vm->be->xlat;
	ibl_init(vm, vm->xl.ibl_miss);
	vm->tc.on_evict = ibl_evict;
	vm->tc.opaque = vm;
	vm->xl.no_chain = vm->cfg->no_chain;
	vm->xl.adapt.disabled = vm->cfg->no_adapt;
	vm->xl.log = vm->cfg->debug & DBG_TRANSLATIONS ? vm->log : NULL;
	return 0;
}

int vm_init(struct vm *vm, const struct vm_config *cfg, char *err, size_t n)
{
	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	/* backend_select() resolved auto and checked what the host allows */
	if (cfg->backend != BACKEND_COMPAT && cfg->backend != BACKEND_X64) {
		snprintf(err, n, "internal error: no backend chosen");
		return -1;
	}
	vm->log = stderr;
	if (cfg->debug_log && !(vm->log = fopen(cfg->debug_log, "w"))) {
		snprintf(err, n, "-D %s: cannot open the log file", cfg->debug_log);
		return -1;
	}
	vm->be = cfg->backend == BACKEND_X64 ? &backend_x64 : &backend_compat;
	vm->window_end = vm->be->map_hole ? HOLE_BASE : WINDOW_SIZE;
	if (physmem_init(&vm->mem, (uint64_t)cfg->ram_mb << 20, vm->be->map_hole, err, n))
		return -1;
	if (shadow_init(vm)) {
		snprintf(err, n, "out of memory for the shadow page tables");
		return -1;
	}
	vm->sh.limit = cfg->shadow_limit;
	vm->sh.prefill = !cfg->no_prefill;
	if (de_init(vm, err, n))
		return -1;
	if (vm->be->init(vm, err, n) || init_translator(vm, err, n))
		return -1;
	if (machine_init(vm, err, n))
		return -1;
	if (signals_install(vm)) {
		snprintf(err, n, "cannot install the signal handlers");
		return -1;
	}
	return console_start(&vm->con, err, n);
}

void vm_fini(struct vm *vm)
{
	de_fini(vm);
	xlat_fini(&vm->xl);
	shadow_fini(vm);
	tc_fini(&vm->tc);
	physmem_fini(&vm->mem);
	if (vm->log && vm->log != stderr)
		fclose(vm->log);
}
