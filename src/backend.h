/* backend.h - the seam between the machine and the way translated code runs
 * on the host. Decoding and block planning (translator/xlat.c), the
 * translation cache, shadow paging, the emulator, call-outs, interrupts and
 * devices are shared; a backend owns the host side: where the vCPU block
 * and the translation cache live, how code is emitted (its xlat_backend),
 * how translated code is entered and left, and which faults are its own.
 *
 *   compat (translator/compat): guest code copied into 32-bit compatibility
 *     mode, segments mirrored in the host LDT, the block and the cache in the
 *     hole at the top of the guest window. Needs compat mode, a working LDT,
 *     enforced segment limits; restores the monitor's FS base with
 *     wrfsbase where the kernel enables FSGSBASE, else with arch_prctl.
 *   x64 (translator/x64): guest code re-encoded as 64-bit code that can only
 *     reach the 4 GiB window; the block and the cache above 4 GiB. Runs on
 *     any x86-64 Linux host. */
#ifndef BTVMM_BACKEND_H
#define BTVMM_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct xlat_backend;

struct backend {
	const char *name;
	const struct xlat_backend *xlat; /* the emitter */
	bool map_hole;			 /* the hole in the window holds the block and cache */
	bool loads_guest_fs;		 /* translated code loads the guest's %fs */
	/* Place the vCPU block, static code and the translation-cache arena;
	 * set vm->cpu.blk. -1 with err set. */
	int (*init)(struct vm *vm, char *err, size_t n);
	/* Run translated code from host address pc until it exits to the
	 * monitor (the guest state is then in the block). */
	void (*enter)(struct vm *vm, uintptr_t pc);
	/* Is a fault at host pc, code selector cs, inside translated code? */
	bool (*owns_pc)(const struct vm *vm, uint64_t pc, uint16_t cs);
	void (*sigexit)(void); /* where the signal handler sends such a fault */
};

/* x64: reserved, unmapped, right above the guest window (backend64.c) */
#define X64_GUARD_SIZE (64u << 10)

extern const struct backend backend_compat;
extern const struct backend backend_x64;

#endif
