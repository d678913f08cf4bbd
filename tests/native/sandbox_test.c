/* sandbox_test.c - the direct-execution sandbox process (src/sandbox.c) on
 * its own: a memfd stands for guest RAM, 32-bit code bytes are written
 * into it, and every case checks the exact stop and registers.
 *
 * Guest linear address L is RAM offset L (pages 0x10-0x3f mapped read/
 * write: data at 0x10000, code at 0x20000, stack below 0x31000). LDT code
 * (DPL 3, 32-bit flat) at entry 14 and data at 15: host selectors 0x77 and
 * 0x7f. Cases: system calls (int $0x80, syscall from compatibility mode),
 * page faults and map-then-retry, other faults and traps, x87/SSE state in
 * and out, LDT segment bases in %gs (the FSGSBASE detail), a hostile guest
 * (far jump to 0x33, raw 64-bit system calls, a jump into the stub's own
 * syscall instruction, a load from the monitor's heap), kicks, and death
 * and restart. Then round-trip times (information only).
 *
 * Exits 77 with the reason where the host cannot run a sandbox (no
 * compatibility mode or LDT: a PVM host; run it in a VM that has them,
 * e.g. with the team's compat-vm.sh).
 * Runs outside ASan: it maps guest pages in the low 4 GiB. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

extern const uint8_t sb_stub_syscall[]; /* src/sandbox_stub.S */

#define RAM_SIZE 0x100000u
#define CODE 0x20000u
#define STACK_TOP 0x31000u
#define SEL_CS 0x77
#define SEL_DS 0x7f
#define LDT_CODE_HI 0x00cffa00u /* flat 32-bit code, DPL 3 */
#define LDT_DATA_HI 0x00cff200u /* flat 32-bit data, DPL 3 */

struct t {
	int fd;
	uint8_t *ram; /* the test's own view of guest RAM */
	struct sandbox *sb;
	void *xs;
	size_t xs_size;
	int fails;
};

#define CHECK(t, cond, ...)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL %s:%d: ", __func__, __LINE__);                                \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			(t)->fails++;                                                              \
		}                                                                                  \
	} while (0)

static void die(const char *what, const char *why)
{
	printf("FAIL %s: %s\n", what, why);
	exit(1);
}

/* A case's closing line: "ok" only if it added no failure. */
static void say(const struct t *t, int f0, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s", t->fails == f0 ? "ok   " : "BAD  ");
	vprintf(fmt, ap);
	va_end(ap);
}

static struct sb_regs regs_at(uint32_t eip)
{
	struct sb_regs r = {
	    .eip = eip, .eflags = 0x202, .cs = SEL_CS, .ss = SEL_DS, .ds = SEL_DS, .es = SEL_DS};
	r.gpr[4] = STACK_TOP;
	return r;
}

/* The view every case starts from (again after a restart). */
static void queue_view(struct t *t)
{
	sandbox_map(t->sb, 0x10, 0x30, 0x10000, PROT_READ | PROT_WRITE);
	sandbox_map(t->sb, 0x50, 1, 0x50000, PROT_READ);
	sandbox_map(t->sb, 0x60, 1, 0x60000, PROT_READ);
	if (sandbox_set_ldt(t->sb, 14, 0x0000ffff, LDT_CODE_HI) ||
	    sandbox_set_ldt(t->sb, 15, 0x0000ffff, LDT_DATA_HI))
		die("sandbox_set_ldt", "a flat DPL 3 descriptor was refused");
}

static void code(struct t *t, uint32_t at, const void *bytes, size_t n)
{
	memcpy(t->ram + at, bytes, n);
}

static void run(struct t *t, struct sb_regs *r, void *xs, struct sb_stop *st)
{
	char err[200];
	if (sandbox_run(t->sb, r, xs, st, err, sizeof(err)))
		die("sandbox_run", err);
}

static const char *kind_name(enum sb_stop_kind k)
{
	static const char *const names[] = {"SYSCALL", "SIGNAL", "KICK", "DIED"};
	return (unsigned)k < 4 ? names[k] : "?";
}

/* Runs code at CODE from fresh registers; checks the stop's kind. */
static struct sb_stop run_code(struct t *t, const void *bytes, size_t n, struct sb_regs *r,
			       enum sb_stop_kind want)
{
	struct sb_stop st;
	code(t, CODE, bytes, n);
	run(t, r, NULL, &st);
	CHECK(t, st.kind == want, "stop %s (signal %d code %d addr 0x%llx), want %s",
	      kind_name(st.kind), st.signo, st.si_code, (unsigned long long)st.addr,
	      kind_name(want));
	return st;
}

static bool mapped_in_sandbox(pid_t pid, uint64_t addr, int *lines)
{
	char path[64], line[256];
	bool hit = false;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	*lines = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		(*lines)++;
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && addr >= lo && addr < hi)
			hit = true;
	}
	fclose(f);
	return hit;
}

/* Right after the start: the stub page, the command pages, the signal
 * stack after them and the [vsyscall] page (which no process can unmap)
 * are all there is. */
static void case_clean_start(struct t *t)
{
	int f0 = t->fails;
	int lines;
	bool heap = mapped_in_sandbox(sandbox_pid(t->sb), (uint64_t)(uintptr_t)t, &lines);
	CHECK(t, !heap, "the monitor's heap is mapped in the sandbox");
	CHECK(t, lines <= 4,
	      "%d mappings in a fresh sandbox (want the stub, the command pages, the "
	      "signal stack and [vsyscall])",
	      lines);
	say(t, f0, "a fresh sandbox has %d mappings\n", lines);
}

static void case_syscalls(struct t *t)
{
	int f0 = t->fails;
	static const uint8_t int80[] = {0xb8, 42, 0, 0, 0, 0xcd, 0x80};
	struct sb_regs r = regs_at(CODE);
	struct sb_stop st = run_code(t, int80, sizeof(int80), &r, SB_STOP_SYSCALL);
	CHECK(t,
	      st.sysno == 42 && r.gpr[0] == 42 && r.eip == CODE + 7 && r.cs == SEL_CS &&
		  r.rip == CODE + 7 && !st.fast_entry,
	      "int $0x80: sysno %lld eax %u eip 0x%x cs 0x%x", (long long)st.sysno, r.gpr[0], r.eip,
	      r.cs);

	/* write(3, "EVIL", 4) through int $0x80 and through syscall: fd 3 is
	 * guest RAM in the sandbox, so an executed call would show there */
	off_t pos = lseek(t->fd, 0, SEEK_CUR);
	memcpy(t->ram + CODE + 0x100, "EVIL", 4);
	static const uint8_t wr80[] = {0xcd, 0x80};
	r = regs_at(CODE);
	r.gpr[0] = 4, r.gpr[3] = 3, r.gpr[1] = CODE + 0x100, r.gpr[2] = 4;
	st = run_code(t, wr80, sizeof(wr80), &r, SB_STOP_SYSCALL);
	CHECK(t, st.sysno == 4 && r.gpr[0] == 4 && r.gpr[3] == 3 && r.eip == CODE + 2,
	      "int $0x80 write: sysno %lld eax %u eip 0x%x", (long long)st.sysno, r.gpr[0], r.eip);

	/* syscall: the host's fast path (AMD) or #UD (Intel) */
	static const uint8_t sys[] = {0x0f, 0x05, 0x90};
	uint32_t word = 0xfeedface;
	memcpy(t->ram + STACK_TOP, &word, 4);
	r = regs_at(CODE);
	r.gpr[0] = 4, r.gpr[3] = 3, r.gpr[1] = CODE + 0x100, r.gpr[2] = 4, r.gpr[5] = 0x1234;
	code(t, CODE, sys, sizeof(sys));
	run(t, &r, NULL, &st);
	if (st.kind == SB_STOP_SYSCALL) {
		CHECK(t,
		      st.sysno == 4 && r.gpr[0] == 4 && st.fast_entry && r.eip == 0 &&
			  r.cs == SEL_CS && r.ss == SEL_DS && r.gpr[1] == 0x1234 &&
			  r.gpr[5] == word,
		      "compat syscall: sysno %lld eax %u fast %d eip 0x%x cs 0x%x ss 0x%x ecx 0x%x "
		      "ebp 0x%x",
		      (long long)st.sysno, r.gpr[0], st.fast_entry, r.eip, r.cs, r.ss, r.gpr[1],
		      r.gpr[5]);
		say(t, f0,
		    "syscall in compatibility mode: a fast-path system call stop (AMD-like "
		    "host)\n");
	} else {
		CHECK(t, st.kind == SB_STOP_SIGNAL && st.signo == SIGILL && r.eip == CODE,
		      "compat syscall: stop %s signal %d eip 0x%x", kind_name(st.kind), st.signo,
		      r.eip);
		say(t, f0, "syscall in compatibility mode: #UD (Intel-like host)\n");
	}
	CHECK(t, memcmp(t->ram, "EVIL", 4) && lseek(t->fd, 0, SEEK_CUR) == pos,
	      "a guest write(3) was executed");
	say(t, f0, "system calls stop and are not executed\n");
}

static void case_faults(struct t *t)
{
	int f0 = t->fails;
	/* mov 0x40000,%eax; int $0x80 */
	static const uint8_t load[] = {0xa1, 0x00, 0x00, 0x04, 0x00, 0xcd, 0x80};
	struct sb_regs r = regs_at(CODE);
	struct sb_stop st = run_code(t, load, sizeof(load), &r, SB_STOP_SIGNAL);
	CHECK(t,
	      st.signo == SIGSEGV && st.si_code == SEGV_MAPERR && st.addr == 0x40000 &&
		  r.eip == CODE,
	      "unmapped load: signal %d code %d addr 0x%llx eip 0x%x", st.signo, st.si_code,
	      (unsigned long long)st.addr, r.eip);
	uint32_t code_err = 0;
	CHECK(t, sandbox_fault_code(t->sb, &code_err) == 0 && code_err == 4,
	      "unmapped load: error code 0x%x (want 4: user read, not present)", code_err);
	CHECK(t, sandbox_fault_code(t->sb, &code_err) < 0, "a second error code for one fault");
	uint32_t v = 0x12345678;
	memcpy(t->ram + 0x40000, &v, 4);
	sandbox_map(t->sb, 0x40, 1, 0x40000, PROT_READ);
	run(t, &r, NULL, &st);
	CHECK(t, st.kind == SB_STOP_SYSCALL && r.gpr[0] == v && r.eip == CODE + 7,
	      "after the map: stop %s eax 0x%x eip 0x%x", kind_name(st.kind), r.gpr[0], r.eip);
	sandbox_unmap(t->sb, 0x40, 1);

	/* movl $1, 0x50000 (a read-only page) */
	static const uint8_t store[] = {0xc7, 0x05, 0x00, 0x00, 0x05, 0x00, 1, 0, 0, 0};
	r = regs_at(CODE);
	st = run_code(t, store, sizeof(store), &r, SB_STOP_SIGNAL);
	CHECK(t,
	      st.signo == SIGSEGV && st.si_code == SEGV_ACCERR && st.addr == 0x50000 &&
		  r.eip == CODE,
	      "store to read-only: signal %d code %d addr 0x%llx", st.signo, st.si_code,
	      (unsigned long long)st.addr);
	/* (P is the host's: the page may not be populated yet) */
	CHECK(t, sandbox_fault_code(t->sb, &code_err) == 0 && (code_err & 6) == 6,
	      "store to read-only: error code 0x%x (want user write)", code_err);

	/* movl $1, 0xc0000 (nothing there); then the same with the page mapped */
	static const uint8_t store2[] = {0xc7, 0x05, 0x00, 0x00, 0x0c, 0x00,
					 1,    0,    0,	   0,	 0xcd, 0x80};
	r = regs_at(CODE);
	r.gpr[0] = 0xabc;
	st = run_code(t, store2, sizeof(store2), &r, SB_STOP_SIGNAL);
	CHECK(t, sandbox_fault_code(t->sb, &code_err) == 0 && code_err == 6,
	      "store to unmapped: error code 0x%x (want 6)", code_err);
	sandbox_map(t->sb, 0xc0, 1, 0xc0000, PROT_READ | PROT_WRITE);
	run(t, &r, NULL, &st);
	uint32_t got;
	memcpy(&got, t->ram + 0xc0000, 4);
	CHECK(t, st.kind == SB_STOP_SYSCALL && got == 1 && r.eip == CODE + 12 && r.gpr[0] == 0xabc,
	      "after the error code and the map: stop %s (signal %d code %d addr 0x%llx) word %u "
	      "eip 0x%x eax 0x%x",
	      kind_name(st.kind), st.signo, st.si_code, (unsigned long long)st.addr, got, r.eip,
	      r.gpr[0]);
	sandbox_unmap(t->sb, 0xc0, 1);
	say(t, f0, "page faults: MAPERR, map and retry, ACCERR, their error codes\n");
}

struct trap_case {
	const char *name;
	uint8_t bytes[4];
	size_t n;
	int signo, si_code; /* si_code -1: not checked */
	uint32_t eip_after;
};

static void case_traps(struct t *t)
{
	int f0 = t->fails;
	static const struct trap_case cases[] = {
	    {"ud2", {0x0f, 0x0b}, 2, SIGILL, ILL_ILLOPN, 0},
	    {"int3", {0xcc}, 1, SIGTRAP, SI_KERNEL, 1},
	    {"div by zero", {0x31, 0xc9, 0xf7, 0xf1}, 4, SIGFPE, FPE_INTDIV, 2},
	    {"cli", {0xfa}, 1, SIGSEGV, SI_KERNEL, 0},
	    {"rdtsc", {0x0f, 0x31}, 2, SIGSEGV, SI_KERNEL, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct trap_case *c = &cases[i];
		struct sb_regs r = regs_at(CODE);
		struct sb_stop st = run_code(t, c->bytes, c->n, &r, SB_STOP_SIGNAL);
		CHECK(t,
		      st.signo == c->signo && (c->si_code < 0 || st.si_code == c->si_code) &&
			  r.eip == CODE + c->eip_after,
		      "%s: signal %d code %d eip 0x%x (want %d, %d, 0x%x)", c->name, st.signo,
		      st.si_code, r.eip, c->signo, c->si_code, CODE + c->eip_after);
	}
	/* sysenter: #UD (AMD) or the host's fast path (Intel, QEMU TCG), which
	 * takes esp from ebp and ebp from the word there, and drops the call
	 * when that word is unreadable */
	static const uint8_t sysenter[] = {0x0f, 0x34};
	uint32_t word = 0xfeedface;
	memcpy(t->ram + STACK_TOP, &word, 4);
	struct sb_regs r = regs_at(CODE);
	struct sb_stop st;
	r.gpr[0] = 20, r.gpr[5] = STACK_TOP;
	code(t, CODE, sysenter, sizeof(sysenter));
	run(t, &r, NULL, &st);
	if (st.kind == SB_STOP_SIGNAL && st.signo == SIGILL && r.eip == CODE) {
		say(t, f0, "sysenter: #UD (SIGILL): an AMD-like host\n");
	} else {
		CHECK(t,
		      st.kind == SB_STOP_SYSCALL && st.fast_entry && st.sysno == 20 &&
			  r.gpr[0] == 20 && r.eip == 0 && r.cs == SEL_CS && r.gpr[4] == STACK_TOP &&
			  r.gpr[5] == word,
		      "sysenter: stop %s fast %d sysno %lld eax %u eip 0x%x cs 0x%x esp 0x%x ebp "
		      "0x%x",
		      kind_name(st.kind), st.fast_entry, (long long)st.sysno, r.gpr[0], r.eip, r.cs,
		      r.gpr[4], r.gpr[5]);
		r = regs_at(CODE);
		r.gpr[0] = 20, r.gpr[5] = 0x40000; /* unmapped */
		run(t, &r, NULL, &st);
		CHECK(t,
		      st.kind == SB_STOP_SYSCALL && st.fast_entry && st.sysno == -1 &&
			  r.gpr[0] == (uint32_t)-EFAULT,
		      "sysenter, unreadable [ebp]: stop %s fast %d sysno %lld eax 0x%x (signal %d "
		      "addr 0x%llx rip 0x%llx cs 0x%x ss 0x%x)",
		      kind_name(st.kind), st.fast_entry, (long long)st.sysno, r.gpr[0], st.signo,
		      (unsigned long long)st.addr, (unsigned long long)r.rip, r.cs, r.ss);
		say(t, f0,
		    "sysenter: a fast-path system call stop: an Intel-like host (or QEMU)\n");
	}
	say(t, f0, "ud2, int3, divide error, cli, rdtsc\n");

	/* cpuid: #GP where the host has CPUID faulting, else it runs */
	static const uint8_t cpuid80[] = {0x31, 0xc0, 0x0f, 0xa2, 0xcd, 0x80};
	int f1 = t->fails;
	r = regs_at(CODE);
	if (sandbox_cpuid_faults()) {
		st = run_code(t, cpuid80, sizeof(cpuid80), &r, SB_STOP_SIGNAL);
		CHECK(t, st.signo == SIGSEGV && st.si_code == SI_KERNEL && r.eip == CODE + 2,
		      "cpuid: signal %d code %d eip 0x%x", st.signo, st.si_code, r.eip);
		say(t, f1, "cpuid: #GP (CPUID faulting)\n");
	} else {
		run_code(t, cpuid80, sizeof(cpuid80), &r, SB_STOP_SYSCALL);
		CHECK(t, r.eip == CODE + 6 && r.gpr[0] != 0, "cpuid: eip 0x%x eax 0x%x", r.eip,
		      r.gpr[0]);
		say(t, f1, "cpuid: runs (the host has no CPUID faulting)\n");
	}
}

/* x87 and SSE values go in and come out through the XSAVE image. */
static void case_xstate(struct t *t)
{
	int f0 = t->fails;
	uint8_t *xs = t->xs;
	static const uint8_t nop80[] = {0xcd, 0x80};
	struct sb_regs r = regs_at(CODE);
	struct sb_stop st;
	memset(xs, 0, t->xs_size); /* xstate_bv 0: the init state */
	code(t, CODE, nop80, sizeof(nop80));
	run(t, &r, xs, &st);
	uint16_t fcw;
	uint32_t mxcsr;
	memcpy(&fcw, xs, 2);
	memcpy(&mxcsr, xs + 24, 4);
	CHECK(t, fcw == 0x37f && mxcsr == 0x1f80, "init state: fcw 0x%x mxcsr 0x%x", fcw, mxcsr);

	/* in: xmm1 = 0x44444444_33333333_22222222_11111111, st0 = 3.0 */
	static const uint32_t x1[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
	memcpy(xs + 160 + 16, x1, 16);
	uint16_t fsw = 7 << 11, exp = 0x4000;
	uint64_t mant = 0xc000000000000000ull;
	memcpy(xs + 2, &fsw, 2);
	xs[4] = 0x80; /* abridged tag: physical register 7 (ST0) valid */
	memcpy(xs + 32, &mant, 8);
	memcpy(xs + 40, &exp, 2);
	xs[512] |= 3; /* xstate_bv: x87 and SSE from the image */
	/* movd %xmm1,%eax; psrldq $4,%xmm1; movd %xmm1,%ebx; fld1; faddp; int $0x80 */
	static const uint8_t prog[] = {0x66, 0x0f, 0x7e, 0xc8, 0x66, 0x0f, 0x73, 0xd9, 0x04, 0x66,
				       0x0f, 0x7e, 0xcb, 0xd9, 0xe8, 0xde, 0xc1, 0xcd, 0x80};
	r = regs_at(CODE);
	code(t, CODE, prog, sizeof(prog));
	run(t, &r, xs, &st);
	uint32_t x1_out[4];
	memcpy(x1_out, xs + 160 + 16, 16);
	memcpy(&fsw, xs + 2, 2);
	memcpy(&mant, xs + 32, 8);
	memcpy(&exp, xs + 40, 2);
	CHECK(t, st.kind == SB_STOP_SYSCALL && r.gpr[0] == 0x11111111 && r.gpr[3] == 0x22222222,
	      "xmm1 in: eax 0x%x ebx 0x%x", r.gpr[0], r.gpr[3]);
	CHECK(t,
	      x1_out[0] == 0x22222222 && x1_out[1] == 0x33333333 && x1_out[2] == 0x44444444 &&
		  x1_out[3] == 0,
	      "xmm1 out: %08x %08x %08x %08x", x1_out[3], x1_out[2], x1_out[1], x1_out[0]);
	CHECK(t, (fsw >> 11 & 7) == 7 && mant == 0x8000000000000000ull && exp == 0x4001,
	      "st0 out: top %d mantissa 0x%llx exponent 0x%x (want 4.0)", fsw >> 11 & 7,
	      (unsigned long long)mant, exp);
	say(t, f0, "x87 and SSE values in and out through the XSAVE image (%zu bytes)\n",
	    t->xs_size);
}

/* LDT data segments in %gs: the base is the descriptor's, whether the
 * monitor sets the selector or the guest loads it. */
static void case_segments(struct t *t)
{
	int f0 = t->fails;
	uint32_t vals[3] = {0xcafef00d, 0x0badbeef, 0x600dd00d};
	memcpy(t->ram + 0x10000, vals, sizeof(vals));
	sandbox_set_ldt(t->sb, 16, 0x0000ffff, LDT_DATA_HI | 0x01); /* base 0x10000 */
	sandbox_set_ldt(t->sb, 17, 0x0004ffff, LDT_DATA_HI | 0x01); /* base 0x10004 */
	/* mov %gs:0,%eax; int $0x80 */
	static const uint8_t gsload[] = {0x65, 0xa1, 0, 0, 0, 0, 0xcd, 0x80};
	struct sb_regs r = regs_at(CODE);
	r.gs = 16 << 3 | 7;
	struct sb_stop st = run_code(t, gsload, sizeof(gsload), &r, SB_STOP_SYSCALL);
	CHECK(t, r.gpr[0] == vals[0] && r.gs == (16 << 3 | 7), "gs 0x87: eax 0x%x gs 0x%x",
	      r.gpr[0], r.gs);
	r = regs_at(CODE);
	r.gs = 17 << 3 | 7; /* another selector: the kernel must not keep the old base */
	run_code(t, gsload, sizeof(gsload), &r, SB_STOP_SYSCALL);
	CHECK(t, r.gpr[0] == vals[1], "gs 0x8f: eax 0x%x (want 0x%x)", r.gpr[0], vals[1]);
	sandbox_set_ldt(t->sb, 17, 0x0008ffff, LDT_DATA_HI | 0x01); /* same selector, new base */
	r = regs_at(CODE);
	r.gs = 17 << 3 | 7;
	run_code(t, gsload, sizeof(gsload), &r, SB_STOP_SYSCALL);
	CHECK(t, r.gpr[0] == vals[2], "gs 0x8f, base changed: eax 0x%x (want 0x%x)", r.gpr[0],
	      vals[2]);
	/* mov $0x87,%ax; mov %ax,%gs; mov %gs:0,%eax; int $0x80 */
	static const uint8_t guest_gs[] = {0x66, 0xb8, 0x87, 0x00, 0x8e, 0xe8, 0x65,
					   0xa1, 0,    0,    0,	   0,	 0xcd, 0x80};
	r = regs_at(CODE);
	run_code(t, guest_gs, sizeof(guest_gs), &r, SB_STOP_SYSCALL);
	CHECK(t, r.gpr[0] == vals[0] && r.gs == 0x87, "guest-loaded gs: eax 0x%x gs 0x%x", r.gpr[0],
	      r.gs);
	(void)st;
	/* descriptors the host cannot hold */
	CHECK(t, sandbox_set_ldt(t->sb, 18, 0x0000ffff, 0x00cf9a00) == 1, "DPL 0 code accepted");
	CHECK(t, sandbox_set_ldt(t->sb, 18, 0x0000ffff, 0x00cffe00) == 1,
	      "present conforming code accepted");
	CHECK(t, sandbox_set_ldt(t->sb, 18, 0x00000067, 0x0000e900) == 1, "a TSS accepted");
	CHECK(t, sandbox_set_ldt(t->sb, 18, 0x0000ffff, 0x00effa00) == 0, "L-bit code refused");
	say(t, f0,
	    "LDT segment bases in %%gs (set by the monitor, changed, loaded by the guest)\n");
}

static void hostile_stop(struct t *t, struct sb_regs *r, int64_t sysno, uint64_t rip)
{
	struct sb_stop st;
	run(t, r, NULL, &st);
	CHECK(t, st.kind == SB_STOP_SYSCALL && st.sysno == sysno && r->cs == 0x33 && r->rip == rip,
	      "64-bit syscall %lld: stop %s sysno %lld cs 0x%x rip 0x%llx (want 0x%llx)",
	      (long long)sysno, kind_name(st.kind), (long long)st.sysno, r->cs,
	      (unsigned long long)r->rip, (unsigned long long)rip);
}

/* A guest that escapes to 64-bit mode gets nothing: its system calls stop
 * unexecuted, and the monitor's memory is not there. */
static void case_hostile(struct t *t)
{
	int f0 = t->fails;
	pid_t pid = sandbox_pid(t->sb);
	off_t pos = lseek(t->fd, 0, SEEK_CUR);
	uint64_t heap = (uint64_t)(uintptr_t)t;
	/* at 0x60000, 64-bit code: getpid; write(3, 0x60100, 4); mmap(0x70000000,
	 * 4096, RWX, PRIVATE|ANON|FIXED, -1, 0); load from 0x70000000 */
	uint8_t c64[] = {
	    0xb8, 39,	0,    0,    0,	  0x0f, 0x05, /* 0x60000 */
	    0xb8, 1,	0,    0,    0,	  0xbf, 3,    0,    0,	  0,	0xbe, 0x00,
	    0x01, 0x06, 0,			      /* 0x60007 */
	    0xba, 4,	0,    0,    0,	  0x0f, 0x05, /* ..0x6001d */
	    0xb8, 9,	0,    0,    0,	  0xbf, 0,    0,    0,	  0x70, 0xbe, 0,
	    0x10, 0,	0, /* 0x6001d */
	    0xba, 7,	0,    0,    0,	  0x41, 0xba, 0x32, 0,	  0,	0,    0x49,
	    0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, 0x4d, 0x31, 0xc9, 0x0f, 0x05, /* ..0x60043 */
	    0x8b, 0x04, 0x25, 0,    0,	  0,	0x70,			      /* 0x60043 */
	};
	memcpy(t->ram + 0x60000, c64, sizeof(c64));
	memcpy(t->ram + 0x60100, "EVIL", 4);
	static const uint8_t ljmp[] = {0xea, 0x00, 0x00, 0x06, 0x00, 0x33, 0x00};
	struct sb_regs r = regs_at(CODE);
	code(t, CODE, ljmp, sizeof(ljmp));
	hostile_stop(t, &r, 39, 0x60007);
	hostile_stop(t, &r, 1, 0x6001d);
	hostile_stop(t, &r, 9, 0x60043);
	struct sb_stop st;
	run(t, &r, NULL, &st);
	CHECK(t, st.kind == SB_STOP_SIGNAL && st.signo == SIGSEGV && st.addr == 0x70000000,
	      "load after the mmap: stop %s signal %d addr 0x%llx", kind_name(st.kind), st.signo,
	      (unsigned long long)st.addr);

	/* movabs $heap,%rax; mov (%rax),%eax */
	uint8_t peek[] = {0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x8b, 0x00};
	memcpy(peek + 2, &heap, 8);
	memcpy(t->ram + 0x60000, peek, sizeof(peek));
	r = regs_at(CODE);
	run(t, &r, NULL, &st);
	CHECK(t,
	      st.kind == SB_STOP_SIGNAL && st.signo == SIGSEGV && st.addr == heap && r.cs == 0x33,
	      "load from the monitor's heap 0x%llx: stop %s signal %d addr 0x%llx",
	      (unsigned long long)heap, kind_name(st.kind), st.signo, (unsigned long long)st.addr);

	/* movabs $sb_stub_syscall,%rcx; mov $39,%eax; jmp *%rcx */
	uint64_t sc = (uint64_t)(uintptr_t)sb_stub_syscall;
	uint8_t into_stub[] = {0x48, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0, 0xb8, 39, 0, 0, 0, 0xff, 0xe1};
	memcpy(into_stub + 2, &sc, 8);
	memcpy(t->ram + 0x60000, into_stub, sizeof(into_stub));
	r = regs_at(CODE);
	hostile_stop(t, &r, 39, sc + 2);

	int lines;
	CHECK(t, !mapped_in_sandbox(pid, 0x70000000, &lines), "the guest's mmap was executed");
	CHECK(t, !mapped_in_sandbox(pid, heap, &lines), "the monitor's heap is mapped");
	CHECK(t, memcmp(t->ram, "EVIL", 4) && lseek(t->fd, 0, SEEK_CUR) == pos,
	      "the guest's write(3) was executed");
	CHECK(t, sandbox_pid(t->sb) == pid, "the sandbox died (seccomp?)");
	say(t, f0, "hostile 64-bit code: getpid, write, mmap, the stub's syscall: none executed\n");
}

struct kicker {
	struct sandbox *sb;
	int ms;
};

static void *kick_later(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = {0, k->ms * 1000000L};
	nanosleep(&ts, NULL);
	sandbox_kick(k->sb);
	return NULL;
}

static void case_kick(struct t *t)
{
	int f0 = t->fails;
	static const uint8_t nop80[] = {0xcd, 0x80};
	struct sb_regs r = regs_at(CODE);
	/* a kick while nothing runs is kept: the next run stops before the
	 * guest executes anything (the race de_run closes with it) */
	sandbox_kick(t->sb);
	run_code(t, nop80, sizeof(nop80), &r, SB_STOP_KICK);
	CHECK(t, r.eip == CODE, "early kick: eip 0x%x, want 0x%x", r.eip, CODE);
	/* ... once: then the guest runs; sandbox_clear_kick forgets one */
	run_code(t, nop80, sizeof(nop80), &r, SB_STOP_SYSCALL);
	r = regs_at(CODE);
	sandbox_kick(t->sb);
	sandbox_clear_kick(t->sb);
	run_code(t, nop80, sizeof(nop80), &r, SB_STOP_SYSCALL);

	static const uint8_t spin[] = {0xeb, 0xfe};
	struct kicker k = {t->sb, 50};
	pthread_t th;
	r = regs_at(CODE);
	code(t, CODE, spin, sizeof(spin));
	pthread_create(&th, NULL, kick_later, &k);
	struct sb_stop st;
	run(t, &r, NULL, &st);
	pthread_join(th, NULL);
	CHECK(t, st.kind == SB_STOP_KICK && r.eip == CODE, "kick: stop %s eip 0x%x",
	      kind_name(st.kind), r.eip);
	say(t, f0,
	    "a kick before the run stops it at once (once); one from another thread stops a "
	    "spinning guest\n");
}

/* sandbox_reset_view drops every mapping below 4 GiB: the next fetch faults. */
/* More ops than one stub round holds; a refused op names itself. */
static void case_batches(struct t *t)
{
	int f0 = t->fails;
	const struct sb_counters *c = sandbox_counters(t->sb);
	uint64_t rounds = c->stub_rounds, calls = c->host_calls;
	uint32_t v = 0x5eed1234;
	memcpy(t->ram + 0x80000 + 4 * 4096, &v, 4);
	for (uint32_t i = 0; i < 600; i++) /* page 0x1000 + i shows RAM page 0x80 + i % 8 */
		sandbox_map(t->sb, 0x1000 + i, 1, 0x80000 + (i % 8) * 4096, PROT_READ);
	/* mov 0x1254000,%eax (page 0x1254 = 0x1000 + 596: RAM page 0x84); int $0x80 */
	static const uint8_t load[] = {0xa1, 0x00, 0x40, 0x25, 0x01, 0xcd, 0x80};
	struct sb_regs r = regs_at(CODE);
	run_code(t, load, sizeof(load), &r, SB_STOP_SYSCALL);
	CHECK(t, r.gpr[0] == v, "after 600 maps: eax 0x%x (want 0x%x)", r.gpr[0], v);
	CHECK(t, c->stub_rounds - rounds == 3 && c->host_calls - calls == 600,
	      "600 ops took %llu rounds and %llu calls (want 3 and 600)",
	      (unsigned long long)(c->stub_rounds - rounds),
	      (unsigned long long)(c->host_calls - calls));
	sandbox_unmap(t->sb, 0x1000, 600);

	char err[200] = "";
	struct sb_stop st;
	CHECK(t, sandbox_map(t->sb, 0x10, 1, RAM_SIZE, PROT_READ) == -1,
	      "a map past the end of RAM was queued");
	CHECK(t, sandbox_unmap(t->sb, 0xfffff, 2) == -1, "an unmap past 4 GiB was queued");
	sandbox_protect(t->sb, 0x2000, 1, PROT_READ); /* nothing mapped there: ENOMEM */
	r = regs_at(CODE);
	int rc = sandbox_run(t->sb, &r, NULL, &st, err, sizeof(err));
	CHECK(t, rc == -1 && strstr(err, "mprotect of 1 pages at 0x2000000"),
	      "a refused mprotect: rc %d, err \"%s\"", rc, err);
	r = regs_at(CODE);
	run_code(t, load, sizeof(load), &r, SB_STOP_SIGNAL); /* usable again; unmapped */
	say(t, f0, "600 view changes in 3 stub rounds; a refused one: %s\n", err);
}

static void case_reset_view(struct t *t)
{
	int f0 = t->fails;
	static const uint8_t nop80[] = {0xcd, 0x80};
	sandbox_reset_view(t->sb);
	struct sb_regs r = regs_at(CODE);
	struct sb_stop st = run_code(t, nop80, sizeof(nop80), &r, SB_STOP_SIGNAL);
	CHECK(t, st.signo == SIGSEGV && st.si_code == SEGV_MAPERR && st.addr == CODE,
	      "after reset_view: signal %d code %d addr 0x%llx", st.signo, st.si_code,
	      (unsigned long long)st.addr);
	queue_view(t);
	r = regs_at(CODE);
	run_code(t, nop80, sizeof(nop80), &r, SB_STOP_SYSCALL);
	say(t, f0, "reset_view empties the view; queueing it again works\n");
}

static void case_death(struct t *t)
{
	int f0 = t->fails;
	static const uint8_t nop80[] = {0xcd, 0x80};
	pid_t old = sandbox_pid(t->sb);
	(void)sandbox_restarted(t->sb);
	kill(old, SIGKILL);
	struct sb_regs r = regs_at(CODE);
	struct sb_stop st = run_code(t, nop80, sizeof(nop80), &r, SB_STOP_DIED);
	CHECK(t, sandbox_restarted(t->sb) && sandbox_pid(t->sb) != old && sandbox_pid(t->sb) > 0,
	      "no restart after death (%s)", st.why);
	CHECK(t, !sandbox_restarted(t->sb), "sandbox_restarted true twice");
	queue_view(t);
	r = regs_at(CODE);
	run_code(t, nop80, sizeof(nop80), &r, SB_STOP_SYSCALL);
	CHECK(t, r.eip == CODE + 2, "after restart: eip 0x%x", r.eip);
	say(t, f0, "death (%s) and restart\n", st.why);
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Average round trip of the program at CODE, resumed where it stopped. */
static double round_trip(struct t *t, const void *bytes, size_t n, void *xs, int count)
{
	struct sb_regs r = regs_at(CODE);
	struct sb_stop st;
	code(t, CODE, bytes, n);
	run(t, &r, xs, &st); /* warm-up */
	double t0 = now_us();
	for (int i = 0; i < count; i++) {
		if (st.kind == SB_STOP_SYSCALL)
			r.eip = CODE; /* int $0x80 again */
		run(t, &r, xs, &st);
	}
	return (now_us() - t0) / count;
}

/* The process follows this thread's CPU (sandbox_run): measure on one
 * CPU, across two (the process pinned elsewhere behind sandbox_run's
 * back), and with this thread free to move. */
static void timings(struct t *t, int count)
{
	static const uint8_t nop80[] = {0xcd, 0x80}, ud2[] = {0x0f, 0x0b};
	int cpu = sched_getcpu(), ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t me, other, all;
	CPU_ZERO(&me);
	CPU_ZERO(&other);
	CPU_ZERO(&all);
	CPU_SET(cpu, &me);
	CPU_SET(cpu ? 0 : 1, &other);
	for (int i = 0; i < ncpu && i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof(me), &me);
	memset(t->xs, 0, t->xs_size);
	double sys = round_trip(t, nop80, 2, NULL, count);
	double sys_xs = round_trip(t, nop80, 2, t->xs, count);
	double fault = round_trip(t, ud2, 2, t->xs, count);
	double t0 = now_us();
	char err[200];
	for (int i = 0; i < count / 10; i++) {
		sandbox_protect(t->sb, 0x50, 1, PROT_READ);
		if (sandbox_flush(t->sb, err, sizeof(err)))
			die("sandbox_flush", err);
	}
	double round = (now_us() - t0) / (count / 10);
	printf("time on one CPU: int $0x80 round trip %.1f us (%.1f us with the XSAVE image), "
	       "ud2 fault round trip %.1f us (with it), stub round with one mprotect %.1f us\n",
	       sys, sys_xs, fault, round);
	if (ncpu > 1 && !sched_setaffinity(sandbox_pid(t->sb), sizeof(other), &other)) {
		sys = round_trip(t, nop80, 2, NULL, count);
		fault = round_trip(t, ud2, 2, t->xs, count);
		printf("time across CPUs: int $0x80 round trip %.1f us, ud2 fault round trip "
		       "%.1f us\n",
		       sys, fault);
		sched_setaffinity(sandbox_pid(t->sb), sizeof(all), &all);
		sched_setaffinity(0, sizeof(all), &all);
		sys = round_trip(t, nop80, 2, NULL, count);
		printf("time with this thread free to move: int $0x80 round trip %.1f us "
		       "(the process followed it %llu times)\n",
		       sys, (unsigned long long)sandbox_counters(t->sb)->cpu_follows);
	}
	t0 = now_us();
	struct sandbox *sb2 = sandbox_new(t->fd, RAM_SIZE, err, sizeof(err));
	double start = now_us() - t0;
	sandbox_free(sb2);
	printf("time sandbox_new %.0f us\n", start);
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 2000;
	const char *why = sandbox_unsupported();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (why) {
		printf("SKIP: this host cannot run the sandbox: %s\n", why);
		return 77;
	}
	struct t t = {0};
	char err[200];
	t.fd = memfd_create("sandbox_test-ram", MFD_CLOEXEC);
	if (t.fd < 0 || ftruncate(t.fd, RAM_SIZE))
		die("memfd", strerror(errno));
	t.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, t.fd, 0);
	if (t.ram == MAP_FAILED)
		die("mmap of the memfd", strerror(errno));
	t.xs_size = sandbox_xstate_size();
	t.xs = aligned_alloc(64, (t.xs_size + 63) & ~(size_t)63);
	t.sb = sandbox_new(t.fd, RAM_SIZE, err, sizeof(err));
	if (!t.sb)
		die("sandbox_new", err);
	CHECK(&t, sandbox_restarted(t.sb), "sandbox_restarted false after the first start");
	case_clean_start(&t);
	queue_view(&t);
	case_syscalls(&t);
	case_faults(&t);
	case_traps(&t);
	case_xstate(&t);
	case_segments(&t);
	case_hostile(&t);
	case_kick(&t);
	case_batches(&t);
	case_reset_view(&t);
	case_death(&t);
	if (!t.fails && count > 0)
		timings(&t, count);
	const struct sb_counters *c = sandbox_counters(t.sb);
	printf("counters: starts %llu runs %llu stub rounds %llu host calls %llu\n",
	       (unsigned long long)c->starts, (unsigned long long)c->runs,
	       (unsigned long long)c->stub_rounds, (unsigned long long)c->host_calls);
	sandbox_free(t.sb);
	printf("%s: %d failure(s)\n", t.fails ? "FAIL" : "PASS", t.fails);
	return t.fails ? 1 : 0;
}
