/* signals.c - host signals raised by translated code.
 *
 * A fault in translated code (a store to a write-protected code page, a
 * guest #DE, #UD, a limit violation...) arrives as SIGSEGV/SIGBUS/SIGFPE/
 * SIGILL on the alternate stack, through bt_signal_entry, which restores the
 * monitor's FS base (wrfsbase where AT_HWCAP2 has FSGSBASE, else the
 * arch_prctl system call; src/bt_entry.S). The handler does no emulation: it copies the guest's
 * registers into the vCPU block, records the fault, and rewrites the
 * context so that sigreturn lands in bt_sigexit, which returns from
 * bt_enter as an ordinary exit would. The run loop then decides what the
 * fault means. A fault anywhere else is a bug in btvmm: report and exit.
 *
 * The handler finds the machine through signal_vm: the one piece of
 * process-global state, since a signal handler has no argument to carry it. */
#define _GNU_SOURCE
#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "backend.h"
#include "block.h"
#include "cpu.h"
#include "physmem.h"
#include "sandbox.h"
#include "term.h"
#include "vm.h"

extern void bt_signal_entry(int, siginfo_t *, void *);
int bt_signal_dispatch(int sig, siginfo_t *si, void *ucv);

static struct vm *signal_vm;

#define UC_SIGCONTEXT_SS_FLAG 0x2
#define UC_STRICT_RESTORE_SS_FLAG 0x4

static const int gpr_index[8] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX,
				 REG_RSP, REG_RBP, REG_RSI, REG_RDI};

static void internal_error(int sig, siginfo_t *si, uint64_t pc)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg),
			 "btvmm: internal error: signal %d (%s) at host pc 0x%llx, address %p\n",
			 sig, strsignal(sig), (unsigned long long)pc, si->si_addr);
	term_restore(); /* _exit skips the atexit restore */
	if (write(2, msg, (size_t)n) < 0)
		_exit(70);
	_exit(70);
}

/* Returns 1 when the context now returns into the backend's sigexit, 0 when
 * it returns to the interrupted code (bt_signal_entry needs to know). */
int bt_signal_dispatch(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *gr = uc->uc_mcontext.gregs;
	if (sig == SIGALRM) {
		/* a device deadline: wherever we are, the next poll in the cache
		 * (or the run loop, if we are in the monitor) will see it */
		if (signal_vm) {
			signal_vm->timer_fired = 1;
			signal_vm->cpu.blk->pending = 1;
			signal_vm->stats.timer_signals++;
			if (signal_vm->de.sb) /* guest ring 3 in the sandbox: stop it */
				sandbox_kick(signal_vm->de.sb);
		}
		return 0;
	}
	if (sig == CONSOLE_KICK_SIGNAL) {
		/* input on stdin (src/console.c): the run loop reads it */
		if (signal_vm) {
			signal_vm->cpu.blk->pending = 1;
			if (signal_vm->de.sb)
				sandbox_kick(signal_vm->de.sb);
		}
		return 0;
	}
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
		term_fatal_signal(sig);
	uint64_t pc = (uint64_t)gr[REG_RIP];
	uint16_t cs = (uint16_t)gr[REG_CSGSFS];
	struct vm *vm = signal_vm;
	if (!vm || !vm->be->owns_pc(vm, pc, cs))
		internal_error(sig, si, pc);
	struct vcpu_block *blk = vm->cpu.blk;
	for (int i = 0; i < 8; i++)
		cpu_set_gpr(&vm->cpu, i, (uint32_t)gr[gpr_index[i]]);
	blk->hflags = (uint32_t)gr[REG_EFL]; /* the host flags whole: the block's own image */
	struct host_fault *f = &vm->fault;
	f->valid = 1;
	f->signo = sig;
	f->code = si->si_code;
	f->trapno = (int)gr[REG_TRAPNO];
	f->err = (uint64_t)gr[REG_ERR];
	f->addr = (uint64_t)(uintptr_t)si->si_addr;
	f->pc = pc;
	/* Return into the backend's sigexit in 64-bit mode on the monitor's stack. */
	gr[REG_RIP] = (greg_t)(uintptr_t)vm->be->sigexit;
	gr[REG_RDI] = (greg_t)(uintptr_t)blk;
	gr[REG_RSP] = (greg_t)blk->host_rsp;
	gr[REG_EFL] &= ~(greg_t)(0x400 | 0x100 | 0x40000); /* DF, TF, AC */
	uint64_t csgsfs = (uint64_t)gr[REG_CSGSFS];
	csgsfs = (csgsfs & 0x0000ffffffff0000ull) | HOST_CS64 | (uint64_t)HOST_DS << 48;
	gr[REG_CSGSFS] = (greg_t)csgsfs;
	uc->uc_flags |= UC_SIGCONTEXT_SS_FLAG;
	uc->uc_flags &= ~(unsigned long)UC_STRICT_RESTORE_SS_FLAG;
	return 1;
}

/* The handler where the monitor's FS base is never disturbed (x64). */
static void bt_signal_handler(int sig, siginfo_t *si, void *ucv)
{
	(void)bt_signal_dispatch(sig, si, ucv);
}

int signals_install(struct vm *vm)
{
	stack_t ss = {.ss_size = 1 << 16};
	ss.ss_sp = malloc(ss.ss_size);
	if (!ss.ss_sp || sigaltstack(&ss, NULL))
		return -1;
	signal_vm = vm;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	/* The compat backend's code runs with the guest's %fs loaded: its
	 * entry restores the monitor's FS base before any C. The x64 backend
	 * never changes FS. */
	sa.sa_sigaction = vm->be->loads_guest_fs ? bt_signal_entry : bt_signal_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -1;
	/* the device timer, the console's kick, and the signals that end us
	 * (the terminal is restored first): the same entry, so that on the
	 * compat backend no C runs with the guest's FS base */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	static const int others[] = {SIGALRM, CONSOLE_KICK_SIGNAL, SIGINT, SIGTERM, SIGHUP,
				     SIGQUIT};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (sigaction(others[i], &sa, NULL))
			return -1;
	return 0;
}
