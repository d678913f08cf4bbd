/* host_probe.c - what this host lets a user process do (see host_probe.h).
 *
 * The checks that can fault run in a forked child, under a SIGSEGV guard
 * (siglongjmp out of the handler), so a host that kills the process, hangs
 * it or misbehaves in some new way cannot hurt the monitor. The child
 * writes one record per check to a pipe as soon as it knows the result; a
 * check with no record is one the child died (or hung) in. In order:
 *
 *   1. modify_ldt installs a flat 32-bit code segment and a small data
 *      segment (limit 0xff, byte granular) in the child's LDT;
 *   2. %es is loaded with the data segment's LDT selector (64-bit code);
 *   3. a far jump to __USER32_CS (0x23, where the compat backend runs its
 *      translations) reaches 32-bit code below 4 GiB, which proves it runs
 *      in 32-bit mode and far-jumps back to __USER_CS (host_probe_stub.S);
 *   4. with 1 to 3 working, the 32-bit code reads the last byte inside the
 *      data segment (must not fault) and then the first byte past it (must
 *      fault: QEMU TCG as the host does not check the limit, and the compat
 *      backend's confinement of guest accesses depends on it).
 *
 * FSGSBASE comes from AT_HWCAP2 only: on a PVM host `wrfsbase` does not
 * fault although the kernel does not support it, so executing it tells
 * nothing. */
#define _GNU_SOURCE
#include "host_probe.h"

#include <stdbool.h>

#include <asm/ldt.h>
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE_USER32_CS 0x23  /* Linux x86-64 __USER32_CS */
#define PROBE_LDT_CODE 0      /* LDT entry of the flat 32-bit code segment */
#define PROBE_LDT_DATA 1      /* LDT entry of the small data segment */
#define PROBE_DATA_OFF 0x800  /* the data segment's base, inside the low page */
#define PROBE_DATA_LIMIT 0xff /* its byte-granular limit */
#define PROBE_TIMEOUT_MS 2000 /* a child that takes longer is killed */
#define HWCAP2_FSGSBASE_BIT 2 /* AT_HWCAP2 bit 1 */

extern const uint8_t probe_stub_start[], probe_stub_end[], probe_stub_32[], probe_stub_back[];

struct probe_far {
	uint32_t off;
	uint16_t sel;
	uint16_t pad;
};

/* Shared with host_probe_stub.S (the AREA_* offsets). */
struct probe_area {
	struct probe_far far32;
	struct probe_far far64;
	uint16_t es_sel;
	uint16_t pad;
	uint32_t es_off;
	uint64_t saved_rsp;
	uint32_t saved_ds;
	uint32_t in32;
};

_Static_assert(offsetof(struct probe_area, far64) == 8, "AREA_FAR64");
_Static_assert(offsetof(struct probe_area, es_sel) == 16, "AREA_ES_SEL");
_Static_assert(offsetof(struct probe_area, es_off) == 20, "AREA_ES_OFF");
_Static_assert(offsetof(struct probe_area, saved_rsp) == 24, "AREA_SAVED_RSP");
_Static_assert(offsetof(struct probe_area, saved_ds) == 32, "AREA_SAVED_DS");
_Static_assert(offsetof(struct probe_area, in32) == 36, "AREA_IN32");

enum probe_step {
	STEP_MAP,
	STEP_LDT_WRITE,
	STEP_LDT_LOAD,
	STEP_FAR,
	STEP_LIMIT_IN,
	STEP_LIMIT_OUT
};

/* One record on the pipe: a check, whether it went through without a
 * signal, the signal or errno otherwise, and for STEP_FAR whether the
 * code really ran in 32-bit mode. */
struct probe_rec {
	uint8_t step;
	uint8_t ok;
	uint8_t sig;
	uint8_t in32;
	int32_t err;
};

static sigjmp_buf probe_jmp;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	probe_sig = sig;
	siglongjmp(probe_jmp, 1);
}

static void put_rec(int fd, enum probe_step step, int ok, int sig, int err, int in32)
{
	struct probe_rec r = {(uint8_t)step, (uint8_t)ok, (uint8_t)sig, (uint8_t)in32, err};
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
}

static int ldt_write(int entry, uint32_t base, uint32_t limit, int code, int pages)
{
	struct user_desc d = {
	    .entry_number = (unsigned)entry,
	    .base_addr = base,
	    .limit = limit,
	    .seg_32bit = 1,
	    .contents = code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA,
	    .limit_in_pages = (unsigned)pages,
	    .useable = 1,
	};
	return (int)syscall(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

static __attribute__((noinline)) void load_es(uint16_t sel)
{
	__asm__ volatile("movw %0, %%es\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%es" ::"r"(sel)
			 : "eax", "memory");
}

/* Loads %es (then the null selector again) under the guard: 0, or the
 * signal that interrupted it. */
static int guarded_es(uint16_t sel)
{
	if (sigsetjmp(probe_jmp, 1))
		return probe_sig;
	load_es(sel);
	return 0;
}

/* Runs the stub under the guard: 0, or the signal that interrupted it. */
static int guarded_stub(void (*enter)(struct probe_area *), struct probe_area *a)
{
	if (sigsetjmp(probe_jmp, 1))
		return probe_sig;
	enter(a);
	return 0;
}

/* The child: every check, one record each, then exit. */
static void probe_child(int fd)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE};
	size_t stub_len = (size_t)(probe_stub_end - probe_stub_start);
	uint16_t data_sel = (PROBE_LDT_DATA << 3) | 4 | 3;
	static char altstack[1 << 16];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	struct sigaction sa;
	int sig;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);

	/* 32-bit code, and the 64-bit code it returns to, below 4 GiB */
	uint8_t *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED || (uintptr_t)low + 4096 > (1ull << 32)) {
		put_rec(fd, STEP_MAP, 0, 0, errno, 0);
		_exit(0);
	}
	if (stub_len + sizeof(struct probe_area) > PROBE_DATA_OFF)
		_exit(4);
	put_rec(fd, STEP_MAP, 1, 0, 0, 0);
	memcpy(low, probe_stub_start, stub_len);
	struct probe_area *a = (struct probe_area *)(low + stub_len);
	uint32_t base = (uint32_t)(uintptr_t)low;
	uint16_t cs64;
	__asm__("movw %%cs, %0" : "=r"(cs64));
	a->far32 = (struct probe_far){base + (uint32_t)(probe_stub_32 - probe_stub_start),
				      PROBE_USER32_CS, 0};
	a->far64 =
	    (struct probe_far){base + (uint32_t)(probe_stub_back - probe_stub_start), cs64, 0};
	void (*enter)(struct probe_area *) = (void (*)(struct probe_area *))(void *)low;

	int ldt_ok = !ldt_write(PROBE_LDT_CODE, 0, 0xfffff, 1, 1) &&
		     !ldt_write(PROBE_LDT_DATA, base + PROBE_DATA_OFF, PROBE_DATA_LIMIT, 0, 0);
	put_rec(fd, STEP_LDT_WRITE, ldt_ok, 0, ldt_ok ? 0 : errno, 0);
	if (ldt_ok) {
		sig = guarded_es(data_sel);
		ldt_ok = !sig;
		put_rec(fd, STEP_LDT_LOAD, !sig, sig, 0, 0);
	}

	a->es_sel = 0;
	a->in32 = 0;
	sig = guarded_stub(enter, a);
	put_rec(fd, STEP_FAR, !sig, sig, 0, (int)a->in32);
	if (sig || a->in32 != 1 || !ldt_ok)
		_exit(0);

	a->es_sel = data_sel;
	a->es_off = PROBE_DATA_LIMIT;
	sig = guarded_stub(enter, a);
	put_rec(fd, STEP_LIMIT_IN, !sig, sig, 0, 0);
	if (sig)
		_exit(0);
	a->es_off = PROBE_DATA_LIMIT + 1;
	sig = guarded_stub(enter, a);
	put_rec(fd, STEP_LIMIT_OUT, !sig, sig, 0, 0);
	_exit(0);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads the child's records into got[] (indexed by step) until EOF or the
 * timeout; returns 1 if it timed out. */
static int read_recs(int fd, struct probe_rec *got, bool *have)
{
	struct timespec t0;
	struct probe_rec r;
	size_t fill = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = PROBE_TIMEOUT_MS - ms_since(&t0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0)
			return 1;
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0;
		ssize_t got_n = read(fd, (char *)&r + fill, sizeof(r) - fill);
		if (got_n < 0 && errno == EINTR)
			continue;
		if (got_n <= 0)
			return 0;
		fill += (size_t)got_n;
		if (fill < sizeof(r))
			continue;
		fill = 0;
		if (r.step <= STEP_LIMIT_OUT) {
			got[r.step] = r;
			have[r.step] = true;
		}
	}
}

#define WHY(buf, ...) snprintf((buf), HOST_WHY_LEN, __VA_ARGS__)

/* What happened to the child in a check it wrote no record for. */
static void died_in(char *why, const char *what, int status, int timed_out)
{
	if (timed_out)
		WHY(why, "the probe hung in %s", what);
	else if (WIFSIGNALED(status))
		WHY(why, "the probe process died in %s (signal %d, %s)", what, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		WHY(why, "the probe process exited (status %d) in %s", WEXITSTATUS(status), what);
}

static void interpret(struct host_caps *c, const struct probe_rec *got, const bool *have,
		      int status, int timed_out)
{
	const struct probe_rec *r;

	if (!have[STEP_MAP]) {
		died_in(c->why_compat_mode, "its set-up", status, timed_out);
		WHY(c->why_ldt, "%s", c->why_compat_mode);
		WHY(c->why_limits, "%s", c->why_compat_mode);
		return;
	}
	if (!got[STEP_MAP].ok) {
		WHY(c->why_compat_mode, "cannot map a page below 4 GiB for 32-bit code: %s",
		    strerror(got[STEP_MAP].err));
		WHY(c->why_ldt, "not checked: no page below 4 GiB for the probe");
		WHY(c->why_limits, "not checked: no page below 4 GiB for the probe");
		return;
	}

	/* LDT */
	r = &got[STEP_LDT_WRITE];
	if (!have[STEP_LDT_WRITE])
		died_in(c->why_ldt, "modify_ldt", status, timed_out);
	else if (!r->ok)
		WHY(c->why_ldt, "modify_ldt fails: %s", strerror(r->err));
	else if (!have[STEP_LDT_LOAD])
		died_in(c->why_ldt, "loading an LDT selector", status, timed_out);
	else if (!got[STEP_LDT_LOAD].ok)
		WHY(c->why_ldt, "loading an LDT selector raises #GP (signal %d)",
		    got[STEP_LDT_LOAD].sig);
	else
		c->ldt = true;

	/* compatibility mode */
	r = &got[STEP_FAR];
	if (!have[STEP_FAR])
		died_in(c->why_compat_mode, "a far jump to 32-bit code", status, timed_out);
	else if (!r->ok)
		WHY(c->why_compat_mode,
		    "a far jump to a 32-bit code segment faults (no compatibility mode for user "
		    "space)");
	else if (r->in32 != 1)
		WHY(c->why_compat_mode,
		    "a far jump to __USER32_CS does not run 32-bit code (no compatibility mode)");
	else
		c->compat_mode = true;

	/* data-segment limits */
	if (!c->compat_mode || !c->ldt)
		WHY(c->why_limits, "not checked: needs compatibility mode and a working LDT");
	else if (!have[STEP_LIMIT_IN])
		died_in(c->why_limits, "an access inside a segment limit", status, timed_out);
	else if (!got[STEP_LIMIT_IN].ok)
		WHY(c->why_limits, "an access inside a data segment's limit faults (signal %d)",
		    got[STEP_LIMIT_IN].sig);
	else if (!have[STEP_LIMIT_OUT])
		died_in(c->why_limits, "an access past a segment limit", status, timed_out);
	else if (got[STEP_LIMIT_OUT].ok)
		WHY(c->why_limits, "data-segment limits are not enforced (QEMU TCG host?)");
	else
		c->limits_enforced = true;
}

static void fill_why_compat(struct host_caps *c)
{
	const char *why = !c->compat_mode	? c->why_compat_mode
			  : !c->ldt		? c->why_ldt
			  : !c->limits_enforced ? c->why_limits
						: "";
	WHY(c->why_compat, "%s", why);
}

int host_probe(struct host_caps *c)
{
	struct probe_rec got[STEP_LIMIT_OUT + 1];
	bool have[STEP_LIMIT_OUT + 1] = {false};
	unsigned a, b, cx, d;
	int fds[2], status = 0, timed_out, rc = 0;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	memset(got, 0, sizeof(got));
	c->fsgsbase = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_BIT) != 0;
	if (!c->fsgsbase)
		WHY(c->why_fsgsbase, "the host kernel does not enable FSGSBASE (AT_HWCAP2)");
	c->lahf_lm = __get_cpuid(0x80000001, &a, &b, &cx, &d) && (cx & 1);
	if (!c->lahf_lm)
		WHY(c->why_lahf_lm, "the CPU has no LAHF/SAHF in 64-bit mode");

	if (pipe2(fds, O_CLOEXEC)) {
		WHY(c->why_compat_mode, "cannot start the probe: pipe: %s", strerror(errno));
		goto no_child;
	}
	pid = fork();
	if (pid < 0) {
		WHY(c->why_compat_mode, "cannot start the probe: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		goto no_child;
	}
	if (pid == 0) {
		close(fds[0]);
		probe_child(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	timed_out = read_recs(fds[0], got, have);
	close(fds[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	interpret(c, got, have, status, timed_out);
	fill_why_compat(c);
	return 0;

no_child:
	WHY(c->why_ldt, "%s", c->why_compat_mode);
	WHY(c->why_limits, "%s", c->why_compat_mode);
	rc = -1;
	fill_why_compat(c);
	return rc;
}

bool host_caps_compat(const struct host_caps *c)
{
	return c->compat_mode && c->ldt && c->limits_enforced;
}

long host_raise_map_count(long want, long *old)
{
	static const char path[] = "/proc/sys/vm/max_map_count";
	long cur = -1;
	*old = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &cur) != 1)
		cur = -1;
	fclose(f);
	if (cur < 0 || cur >= want || geteuid() != 0)
		return cur;
	f = fopen(path, "w");
	if (!f)
		return cur;
	bool ok = fprintf(f, "%ld\n", want) > 0;
	ok = fclose(f) == 0 && ok;
	if (!ok)
		return cur;
	*old = cur;
	return want;
}
