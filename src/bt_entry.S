/* bt_entry.S - crossing between the monitor (64-bit) and translated guest
 * code (32-bit compatibility mode), and the signal entry.
 *
 * bt_enter loads the guest's state from the vCPU block and far-jumps to a
 * CCF in the host's flat 32-bit code segment. Translated code leaves with
 * `ljmpl *%gs:BLK_EXIT_FAR` to the exit trampoline, which must sit below
 * 4 GiB (a compat-mode far pointer holds a 32-bit offset), so the code
 * between bt_hole_code_start and bt_hole_code_end is copied into the hole
 * at start-up. It reaches the block only through %gs (base = the block),
 * so it runs wherever it is copied. No stack is used on the way in or out:
 * translated code's stack is the guest's.
 *
 * Loading the guest's %fs replaces the monitor's FS base (glibc TLS); every
 * way back into C restores it. Where the kernel enables FSGSBASE (AT_HWCAP2
 * bit 1) that is `wrfsbase`; elsewhere it is the system call
 * arch_prctl(ARCH_SET_FS, base), which also loads the null selector into
 * %fs. The choice is made once at start-up (bt_fsgsbase, set by the compat
 * backend's init): it selects the exit trampoline (two variants in the hole)
 * and a branch in bt_sigexit and bt_signal_entry. Without FSGSBASE no
 * rdfsbase/wrfsbase is ever executed. */
#include "block.h"

#define NR_ARCH_PRCTL 158
#define ARCH_SET_FS 0x1002

#define SAVE_GPRS                        \
	movl %eax, %gs:BLK_EAX;          \
	movl %ecx, %gs:BLK_ECX;          \
	movl %edx, %gs:BLK_EDX;          \
	movl %ebx, %gs:BLK_EBX;          \
	movl %esp, %gs:BLK_ESP;          \
	movl %ebp, %gs:BLK_EBP;          \
	movl %esi, %gs:BLK_ESI;          \
	movl %edi, %gs:BLK_EDI

#define POP_CALLEE_SAVED \
	popq %r15;       \
	popq %r14;       \
	popq %r13;       \
	popq %r12;       \
	popq %rbp;       \
	popq %rbx

	.text
	.code64

/* void bt_enter(struct vcpu_block *blk): run translated code from
 * blk->entry_far until it exits; returns with the guest state in blk. */
	.globl bt_enter
	.type bt_enter, @function
bt_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, BLK_HOST_RSP(%rdi)
	fxrstor BLK_FX(%rdi)
	/* Shadow selectors. Loading %fs replaces the monitor's FS base (glibc
	 * TLS): no C from here until the exit trampoline restores it. */
	movw BLK_HSEL + 2 * HSEL_ES(%rdi), %ax
	movw %ax, %es
	movw BLK_HSEL + 2 * HSEL_DS(%rdi), %ax
	movw %ax, %ds
	movw BLK_HSEL + 2 * HSEL_FS(%rdi), %ax
	movw %ax, %fs
	movw BLK_HSEL + 2 * HSEL_SS(%rdi), %ax
	movw %ax, %ss
	movw BLK_HSEL + 2 * HSEL_BLK(%rdi), %ax
	movw %ax, %gs
	movl BLK_HFLAGS(%rdi), %eax
	pushq %rax
	popfq
	movl BLK_EAX(%rdi), %eax
	movl BLK_ECX(%rdi), %ecx
	movl BLK_EDX(%rdi), %edx
	movl BLK_EBX(%rdi), %ebx
	movl BLK_EBP(%rdi), %ebp
	movl BLK_ESI(%rdi), %esi
	movl BLK_ESP(%rdi), %esp
	movl BLK_EDI(%rdi), %edi
	ljmpl *%gs:BLK_ENTRY_FAR
	.size bt_enter, . - bt_enter

/* bt_sigexit: where the signal handler sends a fault in translated code.
 * The handler has stored the guest registers in the block and set %rdi to
 * it; sigreturn has put the guest's x87/SSE state back in the registers. */
	.globl bt_sigexit
	.type bt_sigexit, @function
bt_sigexit:
	movq BLK_HOST_RSP(%rdi), %rsp
	fxsave BLK_FX(%rdi)
	fxrstor BLK_HOST_FX(%rdi)
	/* Without FSGSBASE there is nothing to do: bt_signal_entry set the
	 * monitor's FS base with arch_prctl and, since the handler sent the
	 * fault here, did not put the guest's %fs back. */
	cmpb $0, bt_fsgsbase(%rip)
	je 1f
	movq BLK_HOST_FSBASE(%rdi), %rax
	wrfsbase %rax
1:	cld
	POP_CALLEE_SAVED
	ret
	.size bt_sigexit, . - bt_sigexit

/* Signal entry: the kernel switches neither FS nor GS, and glibc (errno,
 * the stack protector) needs the monitor's FS base before any C runs.
 * bt_signal_dispatch returns nonzero when it sent the fault to bt_sigexit.
 *
 * With FSGSBASE: save the interrupted base, set the monitor's, put the saved
 * one back on return (bt_sigexit sets the monitor's again).
 * Without: save the interrupted %fs selector, set the monitor's base with
 * arch_prctl (which loads the null selector), and when the handler returns
 * to the interrupted code, reload the saved selector, which reloads the
 * guest segment's base from the LDT. A null selector is not reloaded (on
 * some CPUs that clears the base): then the interrupted code was either the
 * monitor, whose base is what was just set, or translated code whose guest
 * %fs is unusable, where any %fs access faults whatever the base. When the
 * handler sent the fault to bt_sigexit, the monitor's base stays. */
	.globl bt_signal_entry
	.type bt_signal_entry, @function
bt_signal_entry:
	pushq %rbx
	cmpb $0, bt_fsgsbase(%rip)
	je .Lsig_nofsgs
	rdfsbase %rbx
	movq bt_monitor_fsbase(%rip), %rax
	wrfsbase %rax
	call bt_signal_dispatch
	wrfsbase %rbx
	popq %rbx
	ret
.Lsig_nofsgs:
	movw %fs, %bx
	movzwl %bx, %ebx
	pushq %rdi
	pushq %rsi
	pushq %rdx
	movl $NR_ARCH_PRCTL, %eax
	movl $ARCH_SET_FS, %edi
	movq bt_monitor_fsbase(%rip), %rsi
	syscall /* clobbers %rcx and %r11; cannot fail for a valid base */
	popq %rdx
	popq %rsi
	popq %rdi
	call bt_signal_dispatch
	testl %eax, %eax
	jnz 1f
	testl $0xfffc, %ebx
	jz 1f
	movw %bx, %fs
1:	popq %rbx
	ret
	.size bt_signal_entry, . - bt_signal_entry

/* ---- code copied into the hole (position independent) ---- */
	.globl bt_hole_code_start
bt_hole_code_start:

#define EXIT_SAVE                      \
	SAVE_GPRS;                     \
	movq %gs:BLK_HOST_RSP, %rsp;   \
	pushfq;                        \
	popq %rax;                     \
	movl %eax, %gs:BLK_HFLAGS;     \
	cld;                           \
	fxsave %gs:BLK_FX;             \
	fxrstor %gs:BLK_HOST_FX

/* The exit trampolines, entered by far jump from translated code with the
 * guest's registers and arithmetic flags live; BLK_EXIT_FAR points at the
 * one chosen at start-up. bt_exit_tramp restores the monitor's FS base with
 * wrfsbase, bt_exit_tramp_nofsgs with arch_prctl(ARCH_SET_FS) (the guest's
 * registers are saved by then, so the system call may clobber %rax, %rcx,
 * %r11, %rdi and %rsi). */
	.globl bt_exit_tramp
bt_exit_tramp:
	.code64
	EXIT_SAVE
	movq %gs:BLK_HOST_FSBASE, %rax
	wrfsbase %rax
	POP_CALLEE_SAVED
	ret

	.globl bt_exit_tramp_nofsgs
bt_exit_tramp_nofsgs:
	EXIT_SAVE
	movl $NR_ARCH_PRCTL, %eax
	movl $ARCH_SET_FS, %edi
	movq %gs:BLK_HOST_FSBASE, %rsi
	syscall
	POP_CALLEE_SAVED
	ret

/* The indirect-lookup miss path (32-bit). Indirect branches jump through
 * BLK_IBL[target & 0xffff] with the guest's %ecx saved in BLK_SC0 and the
 * target in BLK_TGT; empty entries point here, and so does a CCF's indirect
 * entry when the target is another EIP that shares the slot. */
	.code32
	.globl bt_ibl_miss
bt_ibl_miss:
	movl %gs:BLK_SC0, %ecx
	movl $0, %gs:BLK_EXIT_REC /* REC_IBL_MISS: continue at BLK_TGT */
	ljmpl *%gs:BLK_EXIT_FAR

	.globl bt_hole_code_end
bt_hole_code_end:
	.code64

	.data
	.globl bt_monitor_fsbase
	.balign 8
bt_monitor_fsbase:
	.quad 0 /* the monitor thread's FS base: set once at start-up */
	.globl bt_fsgsbase
bt_fsgsbase:
	.byte 0 /* 1: restore it with wrfsbase; 0: with arch_prctl. Set at start-up */

	.section .note.GNU-stack, "", @progbits
