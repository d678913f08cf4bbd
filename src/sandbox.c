/* sandbox.c - the direct-execution sandbox process (see sandbox.h, and
 * docs/ARCHITECTURE.md, "The direct-execution sandbox").
 *
 * The monitor side: view changes are queued here and written, as raw
 * system calls, to the command page, which the stub runs under
 * PTRACE_CONT and acknowledges with int3 (one "stub round" per page of
 * ops); guest code runs under PTRACE_SYSEMU only, and each stop of the
 * traced process becomes a struct sb_stop. A process that dies is replaced
 * at once, so that sandbox_restarted() tells the caller before its next
 * run that the view must be queued again.
 *
 * Every ptrace call must come from the thread that started the process
 * (Linux makes that thread, not the monitor process, the tracer):
 * everything here but sandbox_kick runs on the vCPU thread. */
#define _GNU_SOURCE
#include "sandbox.h"

#include "sandbox_proc.h"

#include <asm/ldt.h>
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define SB_KICK_SIG SIGUSR2
#define SB_USER32_CS 0x23 /* Linux's __USER32_CS */
#define SB_LDT_ENTRIES 8192
#define SB_PAGES_4G (1u << 20)
#define SB_FOUR_GIB (1ull << 32)

enum sb_qkind { Q_MAP, Q_PROTECT, Q_UNMAP, Q_LDT };

/* A queued view change, turned into a struct sb_op at the next round. */
struct sb_qop {
	enum sb_qkind kind;
	uint32_t lin, npages; /* pages */
	uint64_t off;	      /* Q_MAP: byte offset in guest RAM */
	int prot;
	struct user_desc desc; /* Q_LDT */
};

struct sandbox {
	_Atomic pid_t pid;	 /* 0: no process (a restart failed) */
	atomic_int running;	 /* guest code resumed: sandbox_kick may signal */
	atomic_int kick_pending; /* sandbox_kick since sandbox_clear_kick */
	bool segv_stopped;	 /* the last run stopped at a SIGSEGV (sandbox_fault_code) */
	int view_errno;		 /* why the last refused view change was refused */
	int memfd;
	uint64_t ram_size;
	struct sb_cmd *cmd; /* MAP_SHARED: the same address in the process */
	struct sb_qop *q;   /* queued view changes, in order */
	size_t nq, capq;
	uint32_t *ldt_base; /* base of each host LDT entry as queued (fs/gs bases) */
	int cpu;	    /* the CPU the process is pinned to (-1: not pinned) */
	bool restarted;
	uint16_t host_cs, host_ss; /* the monitor's own 64-bit selectors, for the stub */
	struct sb_counters c;
};

const struct sb_counters *sandbox_counters(const struct sandbox *sb)
{
	return &sb->c;
}

pid_t sandbox_pid(const struct sandbox *sb)
{
	return atomic_load(&sb->pid);
}

size_t sandbox_xstate_size(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_XSAVE))
		return 512;
	__cpuid_count(0xd, 0, a, b, c, d);
	return b < 576 ? 576 : b;
}

/* ---- the queue ---- */

static int push(struct sandbox *sb, const struct sb_qop *op)
{
	if (sb->nq == sb->capq) {
		size_t cap = sb->capq ? 2 * sb->capq : 256;
		struct sb_qop *q = realloc(sb->q, cap * sizeof(*q));
		if (!q)
			return -1;
		sb->q = q;
		sb->capq = cap;
	}
	sb->q[sb->nq++] = *op;
	return 0;
}

static bool range_ok(uint32_t lin, uint32_t npages)
{
	return npages && lin < SB_PAGES_4G && npages <= SB_PAGES_4G - lin;
}

/* Guest pages without PAE are executable wherever they are readable. */
static int host_prot(int prot)
{
	prot &= PROT_READ | PROT_WRITE;
	return prot ? prot | PROT_READ | PROT_EXEC : PROT_NONE;
}

int sandbox_map(struct sandbox *sb, uint32_t lin, uint32_t npages, uint64_t ram_off, int prot)
{
	if (!range_ok(lin, npages) || (ram_off & 0xfff) || ram_off > sb->ram_size ||
	    (uint64_t)npages << 12 > sb->ram_size - ram_off)
		return -1;
	struct sb_qop op = {
	    .kind = Q_MAP, .lin = lin, .npages = npages, .off = ram_off, .prot = host_prot(prot)};
	return push(sb, &op);
}

int sandbox_protect(struct sandbox *sb, uint32_t lin, uint32_t npages, int prot)
{
	if (!range_ok(lin, npages))
		return -1;
	struct sb_qop op = {
	    .kind = Q_PROTECT, .lin = lin, .npages = npages, .prot = host_prot(prot)};
	return push(sb, &op);
}

int sandbox_unmap(struct sandbox *sb, uint32_t lin, uint32_t npages)
{
	if (!range_ok(lin, npages))
		return -1;
	struct sb_qop op = {.kind = Q_UNMAP, .lin = lin, .npages = npages};
	return push(sb, &op);
}

void sandbox_reset_view(struct sandbox *sb)
{
	size_t keep = 0;
	for (size_t i = 0; i < sb->nq; i++) /* LDT changes stay, in order */
		if (sb->q[i].kind == Q_LDT)
			sb->q[keep++] = sb->q[i];
	sb->nq = keep;
	sandbox_unmap(sb, 0, SB_PAGES_4G);
}

/* ---- LDT descriptors ---- */

/* The empty entry modify_ldt clears a slot with. */
static void empty_desc(struct user_desc *d, unsigned idx)
{
	memset(d, 0, sizeof(*d));
	d->entry_number = idx;
	d->read_exec_only = 1;
	d->seg_not_present = 1;
}

/* Raw guest descriptor -> user_desc. 0, or 1 when it had to become empty. */
static int convert_desc(unsigned idx, uint32_t lo, uint32_t hi, struct user_desc *d)
{
	unsigned type = hi >> 8 & 0xf, s = hi >> 12 & 1, dpl = hi >> 13 & 3, p = hi >> 15 & 1;
	bool code = type & 8;

	empty_desc(d, idx);
	if (!lo && !hi)
		return 0; /* a null entry: as unusable on the host as in the guest */
	if (!s || dpl != 3)
		return 1;
	if (code && (type & 4) && p)
		return 1; /* Linux refuses present conforming code */
	d->base_addr = lo >> 16 | (hi & 0xff) << 16 | (hi & 0xff000000u);
	d->limit = (lo & 0xffff) | (hi & 0xf0000);
	d->seg_32bit = hi >> 22 & 1;
	d->contents = code ? (type & 4 ? MODIFY_LDT_CONTENTS_CODE | 1 : MODIFY_LDT_CONTENTS_CODE)
			   : (type & 4 ? MODIFY_LDT_CONTENTS_STACK : MODIFY_LDT_CONTENTS_DATA);
	d->read_exec_only = !(type & 2); /* data: not writable; code: not readable */
	d->limit_in_pages = hi >> 23 & 1;
	d->seg_not_present = !p;
	d->useable = hi >> 20 & 1;
	/* the L bit (21) is dropped: a 32-bit processor ignores it, and an
	 * LDT entry with it would be 64-bit code on the host */
	return 0;
}

int sandbox_set_ldt(struct sandbox *sb, unsigned idx, uint32_t lo, uint32_t hi)
{
	if (idx < 1 || idx >= SB_LDT_ENTRIES)
		return -1;
	struct sb_qop op = {.kind = Q_LDT};
	int r = convert_desc(idx, lo, hi, &op.desc);
	sb->ldt_base[idx] = op.desc.base_addr;
	if (push(sb, &op))
		return -1;
	return r;
}

/* ---- the process ---- */

static int start(struct sandbox *sb, char *err, size_t n)
{
	int cpu = sched_getcpu();
	pid_t pid = sbp_start(sb->memfd, sb->cmd, cpu, err, n);
	if (pid < 0)
		return -1;
	sb->cpu = cpu;
	atomic_store(&sb->pid, pid);
	memset(sb->ldt_base, 0, SB_LDT_ENTRIES * sizeof(*sb->ldt_base));
	sb->restarted = true;
	sb->c.starts++;
	return 0;
}

/* The process ended with status: report it in st, forget what was queued
 * for it and start the next one (if that fails, the next run retries). */
static void ended(struct sandbox *sb, int status, struct sb_stop *st)
{
	char err[160];
	memset(st, 0, sizeof(*st));
	st->kind = SB_STOP_DIED;
	sbp_describe_end(status, st->why, sizeof(st->why));
	atomic_store(&sb->pid, 0);
	sb->nq = 0;
	if (start(sb, err, sizeof(err)))
		snprintf(st->why + strlen(st->why), sizeof(st->why) - strlen(st->why),
			 "; restart failed");
}

/* A ptrace call failed: if the process is gone (ESRCH), reap it and
 * report the death (returns 1); else -1 with err. */
static int lost(struct sandbox *sb, const char *what, struct sb_stop *st, char *err, size_t n)
{
	int status;
	if (errno == ESRCH && !sbp_wait(atomic_load(&sb->pid), &status) &&
	    (WIFEXITED(status) || WIFSIGNALED(status))) {
		ended(sb, status, st);
		return 1;
	}
	snprintf(err, n, "sandbox: %s: %s", what, strerror(errno));
	return -1;
}

bool sandbox_restarted(struct sandbox *sb)
{
	bool r = sb->restarted;
	sb->restarted = false;
	return r;
}

struct sandbox *sandbox_new(int memfd, uint64_t ram_size, char *err, size_t n)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb || !(sb->ldt_base = calloc(SB_LDT_ENTRIES, sizeof(*sb->ldt_base)))) {
		snprintf(err, n, "sandbox: out of memory");
		goto fail;
	}
	sb->memfd = memfd;
	sb->ram_size = ram_size;
	__asm__("movw %%cs, %0; movw %%ss, %1" : "=r"(sb->host_cs), "=r"(sb->host_ss));
	if ((uintptr_t)sb_stub_page < SB_FOUR_GIB) {
		snprintf(err, n, "sandbox: the stub lies below 4 GiB (btvmm must be a PIE)");
		goto fail;
	}
	void *cmd =
	    mmap(NULL, SB_SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cmd == MAP_FAILED) {
		snprintf(err, n, "sandbox: command page: %s", strerror(errno));
		goto fail;
	}
	sb->cmd = cmd;
	if ((uintptr_t)cmd < SB_FOUR_GIB) {
		snprintf(err, n, "sandbox: the command page lies below 4 GiB");
		goto fail;
	}
	if (start(sb, err, n))
		goto fail;
	return sb;
fail:
	if (sb) {
		if (sb->cmd)
			munmap(sb->cmd, SB_SHARED_SIZE);
		free(sb->ldt_base);
	}
	free(sb);
	return NULL;
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	pid_t pid = atomic_load(&sb->pid);
	if (pid > 0) {
		int status;
		atomic_store(&sb->pid, 0);
		kill(pid, SIGKILL);
		sbp_wait(pid, &status);
	}
	munmap(sb->cmd, SB_SHARED_SIZE);
	free(sb->q);
	free(sb->ldt_base);
	free(sb);
}

int sandbox_view_refused(struct sandbox *sb)
{
	int e = sb->view_errno;
	sb->view_errno = 0;
	return e;
}

bool sandbox_cpuid_faults(void)
{
	return sbp_cpuid_faulting();
}

void sandbox_clear_kick(struct sandbox *sb)
{
	atomic_store(&sb->kick_pending, 0);
}

/* The flag closes the window between the caller's last look at its events
 * and `running`: a kick that lands there is seen by sandbox_run instead of
 * being lost (the guest would run on to its next stop). */
void sandbox_kick(struct sandbox *sb)
{
	atomic_store(&sb->kick_pending, 1);
	if (!atomic_load(&sb->running))
		return;
	pid_t pid = atomic_load(&sb->pid);
	if (pid > 0)
		kill(pid, SB_KICK_SIG);
}

/* ---- stub rounds ---- */

static void op_to_cmd(const struct sb_qop *q, struct sb_op *o)
{
	uint64_t addr = (uint64_t)q->lin << 12, len = (uint64_t)q->npages << 12;
	memset(o, 0, sizeof(*o));
	o->a[0] = addr;
	o->a[1] = len;
	switch (q->kind) {
	case Q_MAP:
		o->nr = SYS_mmap;
		o->a[2] = (uint64_t)q->prot;
		o->a[3] = MAP_SHARED | MAP_FIXED;
		o->a[4] = SB_RAM_FD;
		o->a[5] = q->off;
		break;
	case Q_PROTECT:
		o->nr = SYS_mprotect;
		o->a[2] = (uint64_t)q->prot;
		break;
	case Q_UNMAP: o->nr = SYS_munmap; break;
	case Q_LDT: /* the descriptor travels in the op; the process sees it at o->data */
		o->nr = SYS_modify_ldt;
		o->a[0] = 0x11;
		o->a[1] = (uint64_t)(uintptr_t)o->data;
		o->a[2] = sizeof(struct user_desc);
		memcpy(o->data, &q->desc, sizeof(q->desc));
		break;
	}
}

static void describe_op(const struct sb_qop *q, int e, char *err, size_t n)
{
	static const char *const names[] = {"mmap", "mprotect", "munmap", "modify_ldt"};
	if (q->kind == Q_LDT)
		snprintf(err, n, "sandbox: modify_ldt of entry %u failed: %s", q->desc.entry_number,
			 strerror(e));
	else
		snprintf(err, n, "sandbox: %s of %u pages at 0x%llx failed: %s", names[q->kind],
			 q->npages, (unsigned long long)q->lin << 12, strerror(e));
}

/* Waits for the stub's int3 after its last op, its registers in *u;
 * signals sent by others (a late kick) are discarded on the way. 0, 1 if
 * the process died (st filled), -1 with err. */
static int wait_stub(struct sandbox *sb, struct user_regs_struct *u, struct sb_stop *st, char *err,
		     size_t n)
{
	pid_t pid = atomic_load(&sb->pid);
	int status;
	for (;;) {
		if (sbp_wait(pid, &status)) {
			snprintf(err, n, "sandbox: waitpid: %s", strerror(errno));
			return -1;
		}
		if (!WIFSTOPPED(status)) {
			ended(sb, status, st);
			return 1;
		}
		if (WSTOPSIG(status) == SIGTRAP) {
			if (ptrace(PTRACE_GETREGS, pid, 0, u))
				return lost(sb, "PTRACE_GETREGS", st, err, n);
			if (u->rip == (uintptr_t)sb_stub_done)
				return 0;
		}
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si))
			return lost(sb, "PTRACE_GETSIGINFO", st, err, n);
		if (si.si_code > 0) { /* raised by the stub itself: a bug here */
			snprintf(err, n, "sandbox: the stub got signal %d (code %d, addr %p)",
				 si.si_signo, si.si_code, si.si_addr);
			return -1;
		}
		if (ptrace(PTRACE_CONT, pid, 0, 0))
			return lost(sb, "PTRACE_CONT", st, err, n);
	}
}

/* One round: up to SB_CMD_MAX_OPS ops from q[*done]. */
static int stub_round(struct sandbox *sb, size_t *done, struct sb_stop *st, char *err, size_t n)
{
	pid_t pid = atomic_load(&sb->pid);
	size_t k = sb->nq - *done;
	if (k > SB_CMD_MAX_OPS)
		k = SB_CMD_MAX_OPS;
	for (size_t i = 0; i < k; i++)
		op_to_cmd(&sb->q[*done + i], &sb->cmd->ops[i]);
	sb->cmd->count = (uint32_t)k;

	struct user_regs_struct u = {0};
	u.rip = (uintptr_t)sb_stub_loop;
	u.cs = sb->host_cs;
	u.ss = sb->host_ss;
	u.eflags = 0x202;
	u.r12 = (uintptr_t)sb->cmd;
	u.orig_rax = (unsigned long long)-1;
	if (ptrace(PTRACE_SETREGS, pid, 0, &u))
		return lost(sb, "PTRACE_SETREGS", st, err, n);
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		return lost(sb, "PTRACE_CONT", st, err, n);
	sb->c.stub_rounds++;
	int r = wait_stub(sb, &u, st, err, n);
	if (r)
		return r;
	sb->c.host_calls += u.r14;
	if (u.rax) {
		if (sb->q[*done + u.r14].kind != Q_LDT)
			sb->view_errno = (int)-u.rax;
		describe_op(&sb->q[*done + u.r14], (int)-u.rax, err, n);
		return -1;
	}
	*done += k;
	return 0;
}

/* Everything queued reaches the process. 0, 1 if it died, -1 with err. */
static int apply_queue(struct sandbox *sb, struct sb_stop *st, char *err, size_t n)
{
	size_t done = 0;
	int r = 0;
	while (done < sb->nq && !r)
		r = stub_round(sb, &done, st, err, n);
	sb->nq = 0; /* applied, dropped with a process that died, or failed */
	return r;
}

int sandbox_flush(struct sandbox *sb, char *err, size_t n)
{
	struct sb_stop st;
	if (!atomic_load(&sb->pid) && start(sb, err, n))
		return -1;
	return apply_queue(sb, &st, err, n) < 0 ? -1 : 0;
}

/* ---- guest runs ---- */

/* The base an LDT selector in %fs or %gs stands for: Linux with FSGSBASE
 * keeps the old fs_base/gs_base across PTRACE_SETREGS unless told. */
static uint64_t sel_base(const struct sandbox *sb, uint16_t sel)
{
	return (sel & 4) ? sb->ldt_base[sel >> 3] : 0;
}

static void regs_to_user(const struct sandbox *sb, const struct sb_regs *r,
			 struct user_regs_struct *u)
{
	memset(u, 0, sizeof(*u));
	u->rax = r->gpr[0];
	u->rcx = r->gpr[1];
	u->rdx = r->gpr[2];
	u->rbx = r->gpr[3];
	u->rsp = r->gpr[4];
	u->rbp = r->gpr[5];
	u->rsi = r->gpr[6];
	u->rdi = r->gpr[7];
	u->rip = r->eip;
	u->eflags = r->eflags;
	u->cs = r->cs;
	u->ss = r->ss;
	u->ds = r->ds;
	u->es = r->es;
	u->fs = r->fs;
	u->gs = r->gs;
	u->fs_base = sel_base(sb, r->fs);
	u->gs_base = sel_base(sb, r->gs);
	u->orig_rax = (unsigned long long)-1; /* no system call to restart */
}

static void user_to_regs(const struct user_regs_struct *u, struct sb_regs *r)
{
	r->gpr[0] = (uint32_t)u->rax;
	r->gpr[1] = (uint32_t)u->rcx;
	r->gpr[2] = (uint32_t)u->rdx;
	r->gpr[3] = (uint32_t)u->rbx;
	r->gpr[4] = (uint32_t)u->rsp;
	r->gpr[5] = (uint32_t)u->rbp;
	r->gpr[6] = (uint32_t)u->rsi;
	r->gpr[7] = (uint32_t)u->rdi;
	r->rip = u->rip;
	r->eip = (uint32_t)u->rip;
	r->eflags = (uint32_t)u->eflags;
	r->cs = (uint16_t)u->cs;
	r->ss = (uint16_t)u->ss;
	r->ds = (uint16_t)u->ds;
	r->es = (uint16_t)u->es;
	r->fs = (uint16_t)u->fs;
	r->gs = (uint16_t)u->gs;
}

static int xstate_io(pid_t pid, int req, void *xs)
{
	struct iovec iov = {xs, sandbox_xstate_size()};
	return (int)ptrace(req, pid, iov.iov_len == 512 ? NT_PRFPREG : NT_X86_XSTATE, &iov);
}

/* What the stop with wait status `status` was. 0, 1 if the process died
 * (st filled), -1 with err. */
static int classify(struct sandbox *sb, int status, struct sb_stop *st, char *err, size_t n)
{
	pid_t pid = atomic_load(&sb->pid);
	if (!WIFSTOPPED(status)) {
		ended(sb, status, st);
		return 1;
	}
	if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
		st->kind = SB_STOP_SYSCALL;
		return 0;
	}
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si))
		return lost(sb, "PTRACE_GETSIGINFO", st, err, n);
	if (si.si_code <= 0 || si.si_signo == SB_KICK_SIG) {
		st->kind = SB_STOP_KICK; /* sent by someone, not raised by the code */
		return 0;
	}
	st->kind = SB_STOP_SIGNAL;
	st->signo = si.si_signo;
	st->si_code = si.si_code;
	st->addr = (uint64_t)(uintptr_t)si.si_addr;
	return 0;
}

/* The kernel's 32-bit fast system call path (syscall from compatibility
 * mode on AMD, sysenter on Intel and under QEMU TCG) builds its own frame:
 * cs __USER32_CS, ss __USER_DS, rip the vDSO's int $0x80 landing pad (gone
 * here), and the 32-bit vDSO's register convention (syscall: ecx := ebp;
 * sysenter: esp := ebp; both: ebp := the word at the stack pointer). When
 * that word cannot be read, the kernel drops the call with eax = -EFAULT
 * and no stop, and the return to the missing landing pad faults (at the
 * low half of its address: the code is in compatibility mode; should the
 * guest's view map that address, its code there runs instead). Either
 * way: a fast_entry system call stop with the entry's cs and ss, eip 0
 * (unknown), and sysno -1 for a dropped call. */
static void fix_fast_entry(const struct sandbox *sb, uint16_t cs_in, uint16_t ss_in,
			   struct sb_regs *r, struct sb_stop *st)
{
	if (r->cs != SB_USER32_CS || r->ss != sb->host_ss || !(cs_in & 4))
		return;
	if (st->kind == SB_STOP_SIGNAL && st->signo == SIGSEGV &&
	    (uint32_t)st->addr == (uint32_t)r->rip) { /* compat mode fetched at rip's low half */
		memset(st, 0, sizeof(*st));
		st->kind = SB_STOP_SYSCALL;
		st->sysno = -1;
	}
	if (st->kind != SB_STOP_SYSCALL)
		return;
	st->fast_entry = true;
	r->cs = cs_in;
	r->ss = ss_in;
	r->rip = r->eip = 0;
}

/* Hand-offs between the monitor thread and the process are cheapest on
 * one CPU (a cross-CPU wake-up costs tens of microseconds on these hosts):
 * when the scheduler moved this thread, the process follows it. Costs a
 * getcpu (vDSO) per run and one sched_setaffinity per migration. */
static void follow_cpu(struct sandbox *sb, pid_t pid)
{
	int cpu = sched_getcpu();
	if (cpu < 0 || cpu == sb->cpu || cpu >= CPU_SETSIZE)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!sched_setaffinity(pid, sizeof(set), &set)) {
		sb->cpu = cpu;
		sb->c.cpu_follows++;
	}
}

int sandbox_run(struct sandbox *sb, struct sb_regs *r, void *xs, struct sb_stop *st, char *err,
		size_t n)
{
	struct user_regs_struct u;
	int status, rc;

	memset(st, 0, sizeof(*st));
	sb->segv_stopped = false;
	if (!atomic_load(&sb->pid) && start(sb, err, n))
		return -1;
	rc = apply_queue(sb, st, err, n);
	if (rc)
		return rc < 0 ? -1 : 0;
	pid_t pid = atomic_load(&sb->pid);
	uint16_t cs_in = r->cs, ss_in = r->ss;
	regs_to_user(sb, r, &u);
	if (ptrace(PTRACE_SETREGS, pid, 0, &u))
		return lost(sb, "PTRACE_SETREGS", st, err, n) < 0 ? -1 : 0;
	if (xs && xstate_io(pid, PTRACE_SETREGSET, xs)) {
		if (errno == ESRCH)
			return lost(sb, "PTRACE_SETREGSET", st, err, n) < 0 ? -1 : 0;
		snprintf(
		    err, n,
		    "sandbox: PTRACE_SETREGSET of the extended state: %s (a bad XSAVE header?)",
		    strerror(errno));
		return -1;
	}
	follow_cpu(sb, pid);
	atomic_store(&sb->running, 1);
	if (atomic_exchange(&sb->kick_pending, 0)) {
		/* kicked before running was set: stop at once, *r and xs as given */
		atomic_store(&sb->running, 0);
		sb->c.early_kicks++;
		st->kind = SB_STOP_KICK;
		return 0;
	}
	sb->c.runs++;
	if (ptrace(PTRACE_SYSEMU, pid, 0, 0)) {
		atomic_store(&sb->running, 0);
		return lost(sb, "PTRACE_SYSEMU", st, err, n) < 0 ? -1 : 0;
	}
	rc = sbp_wait(pid, &status);
	atomic_store(&sb->running, 0);
	/* this stop answers the kicks sent while the guest ran (their senders
	 * set the events they announce before kicking) */
	atomic_store(&sb->kick_pending, 0);
	if (rc) {
		snprintf(err, n, "sandbox: waitpid: %s", strerror(errno));
		return -1;
	}
	rc = classify(sb, status, st, err, n);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (ptrace(PTRACE_GETREGS, pid, 0, &u))
		return lost(sb, "PTRACE_GETREGS", st, err, n) < 0 ? -1 : 0;
	user_to_regs(&u, r);
	if (st->kind == SB_STOP_SYSCALL) { /* the entry set rax to -ENOSYS */
		st->sysno = (int64_t)u.orig_rax;
		r->gpr[0] = (uint32_t)u.orig_rax;
	}
	fix_fast_entry(sb, cs_in, ss_in, r, st);
	if (xs && xstate_io(pid, PTRACE_GETREGSET, xs))
		return lost(sb, "PTRACE_GETREGSET", st, err, n) < 0 ? -1 : 0;
	sb->segv_stopped = st->kind == SB_STOP_SIGNAL && st->signo == SIGSEGV;
	return 0;
}

/* The kernel knows a page fault's error code but tells a tracer only the
 * address and SEGV_MAPERR/ACCERR. Delivering the stopped SIGSEGV puts it in
 * the signal frame: the handler is the stub's int3, on the signal stack in
 * the shared mapping, where the frame can be read directly. */
int sandbox_fault_code(struct sandbox *sb, uint32_t *err)
{
	pid_t pid = atomic_load(&sb->pid);
	if (!sb->segv_stopped || pid <= 0)
		return -1;
	sb->segv_stopped = false;
	int status, sig = SIGSEGV;
	struct sb_stop dead;
	for (int tries = 0; tries < 8; tries++, sig = 0) {
		if (ptrace(PTRACE_CONT, pid, 0, sig) || sbp_wait(pid, &status))
			return -1;
		if (!WIFSTOPPED(status)) {
			ended(sb, status, &dead);
			return -1;
		}
		if (WSTOPSIG(status) == SIGTRAP)
			break;
		/* a late kick: suppressed, as every stopped signal is */
	}
	struct user_regs_struct u;
	if (WSTOPSIG(status) != SIGTRAP || ptrace(PTRACE_GETREGS, pid, 0, &u) ||
	    u.rip != (uintptr_t)sb_stub_sig_done)
		return -1;
	uintptr_t lo = (uintptr_t)sb->cmd + SB_CMD_SIZE, hi = lo + SB_SIGSTK_SIZE;
	if (u.rdx < lo || u.rdx + sizeof(ucontext_t) > hi)
		return -1;
	const ucontext_t *uc = (const ucontext_t *)(uintptr_t)u.rdx;
	if (uc->uc_mcontext.gregs[REG_TRAPNO] != 14)
		return -1;
	*err = (uint32_t)uc->uc_mcontext.gregs[REG_ERR];
	sb->c.fault_codes++;
	return 0;
}
