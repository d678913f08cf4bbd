/* sandbox.h - the direct-execution sandbox (issue 8): a separate host
 * process that runs guest ring-3 code natively in 32-bit compatibility mode,
 * traced by the monitor with ptrace.
 *
 * The process holds nothing of the monitor: after fork it unmaps everything
 * but one page of stub code and one read-only command page, so its address
 * space is the guest's user view in [0, 4 GiB) plus those two pages. The
 * monitor resumes guest code with PTRACE_SYSEMU, so no system call a guest
 * makes -- from compatibility mode or after escaping to 64-bit mode with a
 * far jump to the host's selector 0x33 -- is ever executed: each one stops
 * the process and comes back here. The stub's own calls (mmap, mprotect,
 * munmap, modify_ldt: the view changes the monitor queued) run only when the
 * monitor resumes the stub with PTRACE_CONT; a seccomp filter kills the
 * process for any other call, any call from another address and any i386
 * call, as a second wall.
 *
 * Linear address L of the guest is host address L in the sandbox. Guest
 * GDT entry i is mirrored at host LDT entry i (set with sandbox_set_ldt),
 * so guest selector (i << 3) | 3 becomes host selector (i << 3) | 7. This
 * module knows nothing about guest page tables, descriptors or the IDT: it
 * moves registers and mappings in and reports stops; src/de.c gives them
 * meaning. */
#ifndef BTVMM_SANDBOX_H
#define BTVMM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sandbox;

/* Guest registers as the sandbox runs them. Selectors are HOST selectors. */
struct sb_regs {
	uint32_t gpr[8]; /* eax, ecx, edx, ebx, esp, ebp, esi, edi */
	uint32_t eip, eflags;
	uint16_t cs, ss, ds, es, fs, gs;
	/* out only: the full RIP and CS at the stop. A guest that left
	 * compatibility mode shows here (rip above 4 GiB, or cs not an LDT
	 * selector): eip is then rip's low half. */
	uint64_t rip;
};

enum sb_stop_kind {
	SB_STOP_SYSCALL, /* a system call instruction (int $0x80, syscall; sysenter on
			  * Intel): stopped at entry, NOT executed; rip is after it */
	SB_STOP_SIGNAL,	 /* a fault or trap the host turned into a signal */
	SB_STOP_KICK,	 /* sandbox_kick() (a virtual interrupt or a time slice) */
	SB_STOP_DIED,	 /* the process is gone; a new one is started (sandbox_restarted) */
};

struct sb_stop {
	enum sb_stop_kind kind;
	int signo;     /* SB_STOP_SIGNAL: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
	int si_code;   /* siginfo si_code (SEGV_MAPERR, SEGV_ACCERR, SI_KERNEL, FPE_*, TRAP_*) */
	uint64_t addr; /* siginfo si_addr */
	int64_t sysno; /* SB_STOP_SYSCALL: the system call number the host saw */
	/* SB_STOP_SYSCALL through the host's 32-bit fast path (syscall from
	 * compatibility mode on AMD, sysenter on Intel and QEMU TCG): the host
	 * kernel lost the guest's eip (reported as 0; cs and ss are the
	 * entry's) and applied the 32-bit vDSO convention to the registers
	 * (syscall: ecx := ebp; sysenter: esp := ebp; both: ebp := the word at
	 * the stack pointer). sysno -1: the host dropped the call because that
	 * word was unreadable (eax is then -EFAULT). */
	bool fast_entry;
	char why[120]; /* SB_STOP_DIED: how it ended (signal, exit status) */
};

/* Counters for -stats (the monitor reads them). */
struct sb_counters {
	uint64_t starts;      /* processes started (the first and every restart) */
	uint64_t runs;	      /* guest resumptions */
	uint64_t stub_rounds; /* stub resumptions to apply queued view changes */
	uint64_t host_calls;  /* view changes made (mmap, mprotect, munmap, modify_ldt) */
	uint64_t cpu_follows; /* the process moved to the CPU the monitor thread moved to */
	uint64_t early_kicks; /* runs ended by a kick before the guest resumed */
	uint64_t fault_codes; /* page-fault error codes read (sandbox_fault_code) */
};

/* Why this host cannot run a sandbox (NULL if it can): no compat mode, no
 * usable LDT, ptrace or seccomp refused... Probes once; cheap afterwards. */
const char *sandbox_unsupported(void);
/* Does guest code in a sandbox get #GP for cpuid (the host's CPUID
 * faulting, ARCH_SET_CPUID), so that the monitor answers it? */
bool sandbox_cpuid_faults(void);

/* A new sandbox over guest RAM memfd (ram_size bytes). NULL with err set.
 * The process starts here; it is restarted as soon as sandbox_run (or
 * sandbox_flush) finds it dead. The process is pinned to the CPU the
 * caller runs on, and follows the caller when the scheduler moves it
 * (checked at each run: cross-CPU ptrace wake-ups are slow on these hosts). */
struct sandbox *sandbox_new(int memfd, uint64_t ram_size, char *err, size_t n);
void sandbox_free(struct sandbox *sb);

/* View changes, queued and applied in order at the next sandbox_run (or
 * sandbox_flush). lin and npages are in pages of 4 KiB, below 4 GiB;
 * prot is PROT_* (PROT_EXEC is added: guest pages without PAE are always
 * executable). Return -1 only for arguments out of range. */
int sandbox_map(struct sandbox *sb, uint32_t lin, uint32_t npages, uint64_t ram_off, int prot);
int sandbox_protect(struct sandbox *sb, uint32_t lin, uint32_t npages, int prot);
int sandbox_unmap(struct sandbox *sb, uint32_t lin, uint32_t npages);
/* Host LDT entry idx (1..8191) gets the guest's raw 8-byte descriptor
 * (lo = bits 0-31, hi = 32-63), converted for modify_ldt; a descriptor the
 * host cannot hold (a system segment, DPL below 3, present conforming
 * code) becomes an empty entry, and the function returns 1 so that the
 * caller knows a selector for it would not work. The L bit is dropped (a
 * 32-bit processor ignores it); an all-zero descriptor is empty, returns 0. */
int sandbox_set_ldt(struct sandbox *sb, unsigned idx, uint32_t lo, uint32_t hi);
/* Everything queued reaches the process now. 0, or -1 with err set. If
 * the process turns out dead, the queue is dropped with it and a new one
 * started (0; sandbox_restarted() tells). */
int sandbox_flush(struct sandbox *sb, char *err, size_t n);
/* Forget the whole view (the next run starts with nothing mapped below
 * 4 GiB), e.g. after a death or when the caller lost track. */
void sandbox_reset_view(struct sandbox *sb);
/* True once a new process was started since the last call (its view and
 * LDT are empty: the caller must queue them again). */
bool sandbox_restarted(struct sandbox *sb);

/* Run guest code from r and the extended state xs (an XSAVE image of
 * sandbox_xstate_size() bytes, its first 512 the FXSAVE layout; NULL: the
 * state stays in the process as the last stop left it) until the next
 * stop, which is written to st; r and xs are updated in place. The XSAVE
 * header must be valid (xcomp_bv 0; xstate_bv bits 0 and 1 set for the
 * x87/SSE values of the legacy area to count, clear for their init state).
 * Kick signals and other signals sent to the process are suppressed
 * (SB_STOP_KICK); faults are suppressed too, and reported. When the
 * process died (SB_STOP_DIED), a new one is already started:
 * sandbox_restarted() is true. Returns 0, or -1 with err set for a failure
 * of the monitor's own calls (ptrace, a view change the host refused).
 * All calls but sandbox_kick must come from the thread that called
 * sandbox_new: Linux makes that thread the tracer. */
int sandbox_run(struct sandbox *sb, struct sb_regs *r, void *xs, struct sb_stop *st, char *err,
		size_t n);
size_t sandbox_xstate_size(void);

/* Make the sandbox stop soon with SB_STOP_KICK: a running one at once, else
 * the next sandbox_run returns that stop without running guest code, unless
 * sandbox_clear_kick comes first. Any stop of a run answers the kicks sent
 * during it. Async-signal-safe: the monitor's SIGALRM and console handlers
 * call it, after setting what they announce. */
void sandbox_kick(struct sandbox *sb);
/* Forget kicks so far: call it before looking at the events a kick
 * announces, so that one arriving after the look still stops the run. */
void sandbox_clear_kick(struct sandbox *sb);

const struct sb_counters *sandbox_counters(const struct sandbox *sb);

/* The errno of the last view change the host refused (then forgotten), 0
 * if none: ENOMEM when the process has as many mappings as the host allows
 * (vm.max_map_count). The queue is then gone, applied in part: empty the
 * view (sandbox_reset_view) before going on. */
int sandbox_view_refused(struct sandbox *sb);

/* After a run that stopped at a SIGSEGV page fault (and before anything
 * else is asked of the sandbox): the host's error code of that fault (bit
 * 0 present in the view, bit 1 write, bit 2 user, bit 4 instruction
 * fetch). 0, or -1 if it could not be had (the caller then finds it
 * another way). The guest's registers and XSAVE image in the process are
 * no longer the stop's afterwards: the next sandbox_run sets them all. */
int sandbox_fault_code(struct sandbox *sb, uint32_t *err);
pid_t sandbox_pid(const struct sandbox *sb);

#endif
