/* sandbox_probe.c - can this host run the sandbox (sandbox_unsupported)?
 *
 * First host_probe's forked checks (compatibility mode: a far jump to the
 * host's 0x23 runs 32-bit code; an LDT selector loads): on a PVM host
 * either kills its child at once, so the answer comes in about a
 * millisecond. Then a real sandbox, on a one-page memfd, runs
 * `mov $42,%eax; int $0x80` through an LDT code selector and must stop at
 * the system call: that proves ptrace, PTRACE_SYSEMU, the seccomp filter,
 * the stub's clean-up and modify_ldt together.
 *
 * The answer is a fact about the host, the same for every machine in the
 * process, so it is computed once and kept (the one static here). */
#define _GNU_SOURCE
#include "host_probe.h"
#include "sandbox.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PROBE_RAM 0x10000
#define PROBE_CODE_PAGE 0x10 /* linear page 0x10: address 0x10000 */
#define PROBE_LDT_CODE 14
#define PROBE_LDT_DATA 15

struct sb_probe {
	pthread_once_t once;
	const char *why;
	char buf[320];
};

static struct sb_probe probe = {.once = PTHREAD_ONCE_INIT};

/* Runs the int $0x80 program; NULL or why not. */
static const char *try_sandbox(char *buf, size_t n)
{
	static const uint8_t code[] = {0xb8, 0x2a, 0, 0, 0, 0xcd, 0x80};
	char err[160];
	const char *why = NULL;
	int fd = memfd_create("btvmm-sandbox-probe", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PROBE_RAM) ||
	    pwrite(fd, code, sizeof(code), 0) != sizeof(code)) {
		snprintf(buf, n, "cannot make a memfd for the sandbox probe");
		if (fd >= 0)
			close(fd);
		return buf;
	}
	struct sandbox *sb = sandbox_new(fd, PROBE_RAM, err, sizeof(err));
	if (!sb) {
		snprintf(buf, n, "%s", err);
		close(fd);
		return buf;
	}
	sandbox_map(sb, PROBE_CODE_PAGE, 1, 0, PROT_READ | PROT_WRITE);
	sandbox_set_ldt(sb, PROBE_LDT_CODE, 0x0000ffff, 0x00cffa00);
	sandbox_set_ldt(sb, PROBE_LDT_DATA, 0x0000ffff, 0x00cff200);
	uint16_t cs = PROBE_LDT_CODE << 3 | 7, ds = PROBE_LDT_DATA << 3 | 7;
	struct sb_regs r = {
	    .eip = 0x10000, .eflags = 0x202, .cs = cs, .ss = ds, .ds = ds, .es = ds};
	r.gpr[4] = 0x10800;
	struct sb_stop st;
	if (sandbox_run(sb, &r, NULL, &st, err, sizeof(err))) {
		snprintf(buf, n, "%s", err);
		why = buf;
	} else if (st.kind != SB_STOP_SYSCALL || st.sysno != 42 || r.eip != 0x10007) {
		snprintf(buf, n,
			 "a sandboxed int $0x80 did not stop as a system call (stop %d, signal %d, "
			 "eip 0x%x%s%s)",
			 (int)st.kind, st.signo, r.eip, st.why[0] ? ": " : "", st.why);
		why = buf;
	}
	sandbox_free(sb);
	close(fd);
	return why;
}

static void probe_once(void)
{
	struct host_caps caps;
	memset(&caps, 0, sizeof(caps));
	host_probe(&caps);
	if (!caps.compat_mode)
		snprintf(probe.buf, sizeof(probe.buf), "%s", caps.why_compat_mode);
	else if (!caps.ldt)
		snprintf(probe.buf, sizeof(probe.buf), "%s", caps.why_ldt);
	else {
		probe.why = try_sandbox(probe.buf, sizeof(probe.buf));
		return;
	}
	probe.why = probe.buf;
}

const char *sandbox_unsupported(void)
{
	pthread_once(&probe.once, probe_once);
	return probe.why;
}
