/* sandbox_proc.c - starting a sandbox process (see sandbox.h, sandbox_proc.h).
 *
 * The monitor is multi-threaded, so the forked child makes only raw
 * system calls (no malloc, no stdio; everything it needs, the seccomp
 * program included, is prepared before fork). In order it: asks to be
 * traced; dies with its creator (PR_SET_PDEATHSIG, checked against a race
 * with getppid); moves to the monitor's CPU (cross-CPU ptrace wake-ups are
 * expensive on these hosts); keeps guest RAM as descriptor 3 and closes
 * every other one; drops core dumps; resets every signal to its default
 * action and unblocks them all (the kick must get through; the monitor's
 * handlers are about to be unmapped); unregisters glibc's rseq area and
 * the clear-tid address (both in the monitor's TLS, which goes away: the
 * kernel would fault on them); makes rdtsc trap (the monitor gives the
 * virtual TSC); makes cpuid trap where the host has CPUID faulting (the
 * guest's ring 3 then sees the virtual CPUID, as its kernel does); sets
 * no_new_privs and installs the seccomp filter; then
 * jumps to the stub, which unmaps everything but itself and the command
 * page and stops with int3.
 *
 * The filter (the second wall: guest code only ever runs under
 * PTRACE_SYSEMU, which skips every system call it makes before seccomp
 * sees it): the x86-64 arch only, an instruction pointer in the stub page
 * only, and only the stub's calls: mmap (MAP_SHARED|MAP_FIXED of
 * descriptor 3), munmap, mprotect, modify_ldt (write, 0x11). Anything else
 * kills the process. */
#define _GNU_SOURCE
#include "sandbox_proc.h"

#include <asm/ldt.h>
#include <asm/prctl.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif
#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_SIG_X86 0x53053053
#define RSEQ_MIN_LEN 32

/* glibc 2.35 and later: where this thread's rseq area is (weak: older
 * libraries register none). */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

struct rseq_config { /* PTRACE_GET_RSEQ_CONFIGURATION */
	uint64_t abi_pointer;
	uint32_t len, flags, sig;
};

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel's; glibc keeps it to itself */
#endif

/* The child's set-up steps, as its exit status when one fails. */
enum child_step {
	CS_TRACEME = 10,
	CS_PARENT,
	CS_RAM_FD,
	CS_CLOSE,
	CS_RLIMIT,
	CS_SIGNALS,
	CS_SIGSEGV,
	CS_TSC,
	CS_CPUID,
	CS_NO_NEW_PRIVS,
	CS_SECCOMP,
	CS_STUB, /* the stub returned: cannot happen */
};

static const char *const step_names[] = {
    "PTRACE_TRACEME",
    "PR_SET_PDEATHSIG (the monitor was gone)",
    "moving guest RAM to fd 3",
    "closing the other descriptors",
    "setrlimit(RLIMIT_CORE)",
    "resetting signals",
    "the SIGSEGV handler and its stack",
    "PR_SET_TSC",
    "ARCH_SET_CPUID (CPUID faulting)",
    "PR_SET_NO_NEW_PRIVS",
    "installing the seccomp filter",
    "the stub's start",
};

struct kernel_sigaction { /* rt_sigaction's own layout */
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* Everything the child needs, prepared before fork. */
struct child_plan {
	pid_t parent;
	int memfd;
	int cpu;
	struct sb_cmd *cmd;
	void *rseq;
	uint32_t rseq_len;
	bool cpuid_fault; /* make cpuid trap (sbp_cpuid_faulting) */
	struct sock_fprog prog;
};

#define FILTER_MAX 40

/* seccomp_data offsets: nr, arch, instruction_pointer, args[] */
#define SD_NR 0
#define SD_ARCH 4
#define SD_IP_LO 8
#define SD_IP_HI 12
#define SD_ARG_LO(i) (16 + 8 * (i))

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* The filter, in f[FILTER_MAX]; returns its length. */
static unsigned short build_filter(struct sock_filter *f)
{
	uint64_t stub = (uint64_t)(uintptr_t)sb_stub_page;
	struct sock_filter prog[] = {
	    LD(SD_ARCH),
	    JEQ(AUDIT_ARCH_X86_64, 1, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    LD(SD_IP_HI),
	    JEQ((uint32_t)(stub >> 32), 1, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    LD(SD_IP_LO),
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xfffff000u),
	    JEQ((uint32_t)stub, 1, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    LD(SD_NR),
	    JEQ(SYS_munmap, 4, 0),
	    JEQ(SYS_mprotect, 3, 0),
	    JEQ(SYS_mmap, 3, 0),
	    JEQ(SYS_modify_ldt, 8, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    RET(SECCOMP_RET_ALLOW),
	    /* mmap: flags MAP_SHARED|MAP_FIXED, descriptor SB_RAM_FD */
	    LD(SD_ARG_LO(3)),
	    JEQ(MAP_SHARED | MAP_FIXED, 1, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    LD(SD_ARG_LO(4)),
	    JEQ(SB_RAM_FD, 1, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    RET(SECCOMP_RET_ALLOW),
	    /* modify_ldt: only writes (func 0x11) */
	    LD(SD_ARG_LO(0)),
	    JEQ(0x11, 1, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    RET(SECCOMP_RET_ALLOW),
	};
	_Static_assert(sizeof(prog) / sizeof(prog[0]) <= FILTER_MAX, "FILTER_MAX");
	memcpy(f, prog, sizeof(prog));
	return (unsigned short)(sizeof(prog) / sizeof(prog[0]));
}

/* Reset every catchable signal to its default action, unblock them all. */
static int child_signals(void)
{
	struct kernel_sigaction dfl = {0};
	uint64_t none = 0;
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8) && errno != EINVAL)
			return -1;
	}
	return (int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
}

/* SIGSEGV goes to the stub's int3 on the signal stack when the monitor
 * delivers it (sandbox_fault_code): never otherwise, since the monitor
 * suppresses every signal it stops. SA_NODEFER: the handler never returns,
 * and a blocked SIGSEGV would be forced back to its default action. */
static int child_sigsegv(struct sb_cmd *cmd)
{
	stack_t ss = {.ss_sp = (uint8_t *)cmd + SB_CMD_SIZE, .ss_size = SB_SIGSTK_SIZE};
	if (syscall(SYS_sigaltstack, &ss, NULL))
		return -1;
	struct kernel_sigaction sa = {
	    .handler = (void *)(uintptr_t)sb_stub_sig,
	    .flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTORER,
	    .restorer = (void *)(uintptr_t)sb_stub_sig,
	};
	return (int)syscall(SYS_rt_sigaction, SIGSEGV, &sa, NULL, 8);
}

static int child_fds(int memfd)
{
	if (memfd != SB_RAM_FD && syscall(SYS_dup2, memfd, SB_RAM_FD) != SB_RAM_FD)
		return CS_RAM_FD;
	if (syscall(SYS_close_range, 0, SB_RAM_FD - 1, 0) ||
	    syscall(SYS_close_range, SB_RAM_FD + 1, ~0u, 0)) {
		if (errno != ENOSYS)
			return CS_CLOSE;
		for (int fd = 0; fd < 4096; fd++) /* kernels before 5.9 */
			if (fd != SB_RAM_FD)
				syscall(SYS_close, fd);
	}
	return 0;
}

static __attribute__((noreturn)) void child(const struct child_plan *p)
{
	int step = CS_TRACEME;
	if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0))
		goto fail;
	step = CS_PARENT;
	if (syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) ||
	    syscall(SYS_getppid) != p->parent)
		goto fail;
	if (p->cpu >= 0) { /* best effort: a restricted cpuset may refuse */
		cpu_set_t set;
		memset(&set, 0, sizeof(set));
		CPU_SET(p->cpu, &set);
		syscall(SYS_sched_setaffinity, 0, sizeof(set), &set);
	}
	step = child_fds(p->memfd);
	if (step)
		goto fail;
	step = CS_RLIMIT;
	struct rlimit no_core = {0, 0};
	if (syscall(SYS_setrlimit, RLIMIT_CORE, &no_core))
		goto fail;
	step = CS_SIGNALS;
	if (child_signals())
		goto fail;
	step = CS_SIGSEGV;
	if (child_sigsegv(p->cmd))
		goto fail;
	if (p->rseq) /* checked by the parent afterwards */
		syscall(SYS_rseq, p->rseq, p->rseq_len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG_X86);
	syscall(SYS_set_tid_address, NULL);
	step = CS_TSC;
	if (syscall(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0))
		goto fail;
	step = CS_CPUID;
	if (p->cpuid_fault && syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0))
		goto fail;
	step = CS_NO_NEW_PRIVS;
	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto fail;
	step = CS_SECCOMP;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->prog))
		goto fail;
	/* no system call from here on but the stub's */
	((void (*)(void *, size_t, size_t))(uintptr_t)sb_stub_start)(p->cmd, SB_SHARED_SIZE,
								     SB_CMD_SIZE);
	step = CS_STUB;
fail:
	syscall(SYS_exit_group, step);
	__builtin_unreachable();
}

int sbp_wait(pid_t pid, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, __WALL);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

void sbp_describe_end(int status, char *why, size_t n)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		snprintf(why, n, "killed by SIGSYS: the seccomp filter refused a system call");
	else if (WIFSIGNALED(status))
		snprintf(why, n, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(why, n, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(why, n, "ended (wait status 0x%x)", status);
}

static void rseq_of_this_thread(struct child_plan *p)
{
	p->rseq = NULL;
	p->rseq_len = 0;
	if (&__rseq_size == NULL || &__rseq_offset == NULL || !__rseq_size)
		return;
	char *tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	p->rseq = tp + __rseq_offset;
	p->rseq_len = __rseq_size < RSEQ_MIN_LEN ? RSEQ_MIN_LEN : __rseq_size;
}

/* The child stopped at the stub's int3 after its clean-up: check it. */
static int check_first_stop(pid_t pid, int status, char *err, size_t n)
{
	struct user_regs_struct u;
	if (!WIFSTOPPED(status)) {
		char why[100];
		if (WIFEXITED(status) && WEXITSTATUS(status) >= CS_TRACEME &&
		    WEXITSTATUS(status) <= CS_STUB)
			snprintf(err, n, "sandbox process set-up failed: %s",
				 step_names[WEXITSTATUS(status) - CS_TRACEME]);
		else {
			sbp_describe_end(status, why, sizeof(why));
			snprintf(err, n, "sandbox process %s during its set-up", why);
		}
		return -1;
	}
	if (WSTOPSIG(status) != SIGTRAP) {
		snprintf(err, n, "sandbox process stopped by signal %d during its set-up",
			 WSTOPSIG(status));
		return -1;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) ||
	    ptrace(PTRACE_GETREGS, pid, 0, &u)) {
		snprintf(err, n, "ptrace on the sandbox process: %s", strerror(errno));
		return -1;
	}
	if (u.rip != (uintptr_t)sb_stub_started) {
		snprintf(err, n, "sandbox stub stopped at 0x%llx, not after its clean-up", u.rip);
		return -1;
	}
	if (u.rax) {
		snprintf(err, n, "sandbox stub clean-up step %llu failed: %s", u.r15,
			 strerror((int)-u.rax));
		return -1;
	}
	struct rseq_config rc;
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, pid, sizeof(rc), &rc) == sizeof(rc) &&
	    rc.abi_pointer) {
		snprintf(err, n, "the sandbox process still has an rseq area (0x%llx)",
			 (unsigned long long)rc.abi_pointer);
		return -1;
	}
	return 0;
}

/* ARCH_SET_CPUID fails with ENODEV where the processor (or the hypervisor
 * below the host) has no CPUID faulting; asking for cpuid to keep working
 * changes nothing for the monitor itself. */
bool sbp_cpuid_faulting(void)
{
	return syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1) == 0;
}

pid_t sbp_start(int memfd, struct sb_cmd *cmd, int cpu, char *err, size_t n)
{
	struct sock_filter filter[FILTER_MAX];
	struct child_plan p = {.parent = getpid(), .memfd = memfd, .cpu = cpu, .cmd = cmd};
	p.cpuid_fault = sbp_cpuid_faulting();
	int status;

	p.prog.len = build_filter(filter);
	p.prog.filter = filter;
	rseq_of_this_thread(&p);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, n, "cannot start the sandbox process: fork: %s", strerror(errno));
		return -1;
	}
	if (!pid)
		child(&p);
	if (sbp_wait(pid, &status)) {
		snprintf(err, n, "waiting for the sandbox process: %s", strerror(errno));
		kill(pid, SIGKILL);
		return -1;
	}
	if (check_first_stop(pid, status, err, n)) {
		if (WIFSTOPPED(status)) {
			kill(pid, SIGKILL);
			sbp_wait(pid, &status);
		}
		return -1;
	}
	return pid;
}
