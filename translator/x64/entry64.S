/* entry64.S - crossing between the monitor and code translated by the x64
 * backend. Translated code runs in 64-bit mode in the monitor process:
 * guest GPRs in the low halves of %rax..%rdi (upper halves zero, %rsp =
 * guest ESP), guest arithmetic flags and DF in RFLAGS, %r15 = the vCPU
 * block, %r10/%r11 scratch. Nothing here touches FS or GS, so the monitor's
 * FS base (glibc TLS) is never disturbed and FSGSBASE is not needed.
 * The block, the lookup table and the translation cache live above 4 GiB;
 * translated code reaches these routines through absolute addresses kept
 * in the block (BLK_X64_EXIT, BLK_X64_MISS). */
#include "block.h"

	.text
	.code64

#define POP_CALLEE_SAVED \
	popq %r15;       \
	popq %r14;       \
	popq %r13;       \
	popq %r12;       \
	popq %rbp;       \
	popq %rbx

/* void x64_enter(struct vcpu_block *blk): run translated code from
 * blk->x64_entry until it exits; returns with the guest state in blk. */
	.globl x64_enter
	.type x64_enter, @function
x64_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, BLK_HOST_RSP(%rdi)
	fxrstor BLK_FX(%rdi)
	movq %rdi, %r15
	movl BLK_HFLAGS(%r15), %eax
	pushq %rax
	popfq
	/* 32-bit loads clear the upper halves, which translated code relies on */
	movl BLK_EAX(%r15), %eax
	movl BLK_ECX(%r15), %ecx
	movl BLK_EDX(%r15), %edx
	movl BLK_EBX(%r15), %ebx
	movl BLK_EBP(%r15), %ebp
	movl BLK_ESI(%r15), %esi
	movl BLK_EDI(%r15), %edi
	movl BLK_ESP(%r15), %esp
	jmp *BLK_X64_ENTRY(%r15)
	.size x64_enter, . - x64_enter

/* The exit trampoline: translated code stored a record id in BLK_EXIT_REC
 * and jumped here with the guest's registers and flags live. */
	.globl x64_exit_tramp
	.type x64_exit_tramp, @function
x64_exit_tramp:
	movl %eax, BLK_EAX(%r15)
	movl %ecx, BLK_ECX(%r15)
	movl %edx, BLK_EDX(%r15)
	movl %ebx, BLK_EBX(%r15)
	movl %esp, BLK_ESP(%r15)
	movl %ebp, BLK_EBP(%r15)
	movl %esi, BLK_ESI(%r15)
	movl %edi, BLK_EDI(%r15)
	movq BLK_HOST_RSP(%r15), %rsp
	pushfq
	popq %rax
	movl %eax, BLK_HFLAGS(%r15)
	cld
	fxsave BLK_FX(%r15)
	fxrstor BLK_HOST_FX(%r15)
	POP_CALLEE_SAVED
	ret
	.size x64_exit_tramp, . - x64_exit_tramp

/* Indirect-lookup miss: empty table entries and tag mismatches come here
 * with the guest's registers intact and the target in BLK_TGT. */
	.globl x64_ibl_miss
	.type x64_ibl_miss, @function
x64_ibl_miss:
	movl $0, BLK_EXIT_REC(%r15) /* REC_IBL_MISS: continue at BLK_TGT */
	jmp x64_exit_tramp
	.size x64_ibl_miss, . - x64_ibl_miss

/* Where the signal handler sends a fault in x64 translated code: it has
 * stored the guest registers in the block and set %rdi to it. */
	.globl x64_sigexit
	.type x64_sigexit, @function
x64_sigexit:
	movq BLK_HOST_RSP(%rdi), %rsp
	fxsave BLK_FX(%rdi)
	fxrstor BLK_HOST_FX(%rdi)
	cld
	POP_CALLEE_SAVED
	ret
	.size x64_sigexit, . - x64_sigexit

	.section .note.GNU-stack, "", @progbits
