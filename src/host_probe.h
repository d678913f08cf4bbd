/* host_probe.h - what this host lets a user process do, measured at start-up.
 *
 * Not every x86-64 Linux host runs the compat backend: a PVM guest kernel
 * gives user space no 32-bit compatibility mode and no usable LDT, and
 * QEMU TCG as the host does not check data-segment limits (see
 * docs/ARCHITECTURE.md, "Host probe and backend selection"). */
#ifndef BTVMM_HOST_PROBE_H
#define BTVMM_HOST_PROBE_H

#include <stdbool.h>

#define HOST_WHY_LEN 160

struct host_caps {
	bool compat_mode;     /* a far jump to __USER32_CS runs 32-bit code and comes back */
	bool ldt;	      /* modify_ldt works and an LDT selector loads */
	bool limits_enforced; /* an access past a data segment's limit faults (#GP) */
	bool fsgsbase;	      /* AT_HWCAP2 says the kernel enabled rd/wrfsbase (optional) */
	bool lahf_lm;	      /* lahf/sahf exist in 64-bit mode (cpuid 0x80000001 ecx.0) */
	/* Why the compat backend cannot run here: the reason of the first
	 * failed check among compat_mode, ldt, limits_enforced (in that
	 * order); "" when all passed. FSGSBASE is not needed by it. */
	char why_compat[HOST_WHY_LEN];
	/* The reason of each failed check, "" when it passed. */
	char why_compat_mode[HOST_WHY_LEN];
	char why_ldt[HOST_WHY_LEN];
	char why_limits[HOST_WHY_LEN];
	char why_fsgsbase[HOST_WHY_LEN];
	char why_lahf_lm[HOST_WHY_LEN];
};

/* Fills caps. The checks that may fault run in a forked child, so the
 * caller is never hurt; takes about a millisecond. Returns 0, or -1 if the
 * child could not even be started (then every probed cap is false, with
 * the reason). */
int host_probe(struct host_caps *caps);

/* vm.max_map_count bounds btvmm's shadow mappings (one host mapping per
 * guest page at worst; beyond it every mapping is dropped and refilled).
 * As root, raise it to want if it is lower. Returns the value in force (-1
 * if unreadable); *old is the value before when it was raised, else 0. */
long host_raise_map_count(long want, long *old);

/* True when the compat backend can run: compat mode, LDT and enforced
 * limits (with or without FSGSBASE). */
bool host_caps_compat(const struct host_caps *caps);

#endif
