/* sandbox_stub.S - the only code the sandbox process keeps (see sandbox.h).
 *
 * One page of position-independent 64-bit code in a page-aligned section of
 * its own, padded to the page's end, so that the page holds nothing else of
 * btvmm. The seccomp filter allows system calls only from this page.
 *
 * sb_stub_start (entered by the forked child, filter in force, with
 * %rdi = the shared mapping, %rsi = its length, %rdx = the length of its
 * command part): makes the command part read-only (the signal stack after
 * it stays writable), unmaps every other mapping of the process (the monitor's
 * image, heap, stacks, guest-RAM physmap, vDSO: [0, lo), the gap between
 * the two kept regions and [hi, top of user space)), then stops with int3.
 * %rax = 0, or the failing call's -errno with %r15 = its step (1 mprotect,
 * 2..4 the munmaps). It uses no stack: there is none left.
 *
 * sb_stub_loop (resumed by the monitor with PTRACE_CONT, %r12 = the
 * command page): runs the page's ops in order, each a raw system call
 * (number and six arguments), and stops with int3 after the last one or at
 * the first that fails: %rax = 0 or that call's -errno, %r14 = the index
 * of the op it stopped at. Layout: see struct sb_cmd in sandbox_cmd.h.
 *
 * sb_stub_sig: the SIGSEGV handler (and its restorer), on the signal stack,
 * entered only when the monitor delivers a SIGSEGV it stopped: int3 at
 * once, %rdx = the ucontext, whose err the monitor reads. The handler never
 * returns: the monitor sets every register before the next run. */

#define SYS_MPROTECT 10
#define SYS_MUNMAP 11
#define PROT_READ 1
#define TOP_LA57 0x00fffffffffff000 /* TASK_SIZE_MAX with 5-level paging */
#define TOP_LA48 0x00007ffffffff000 /* and with 4-level paging */
#define EINVAL 22
#define CMD_COUNT 0
#define CMD_OPS 64
#define OP_SIZE 72

	.section .text.btvmm_sandbox_stub, "ax", @progbits
	.balign 4096
	.globl sb_stub_page
	.hidden sb_stub_page
sb_stub_page:

	.globl sb_stub_start
	.hidden sb_stub_start
sb_stub_start:
	mov %rdi, %r12
	mov %rsi, %r13
	mov %rdx, %rsi /* mprotect(shared, command part, PROT_READ) */
	mov $1, %r15d
	mov $SYS_MPROTECT, %eax
	mov $PROT_READ, %edx
	syscall
	test %rax, %rax
	jnz 9f

	/* the two kept regions, sorted: [rbx, rbp) below [r8, r9) */
	lea sb_stub_page(%rip), %rbx
	lea 4096(%rbx), %rbp
	mov %r12, %r8
	lea (%r12, %r13), %r9
	cmp %r8, %rbx
	jb 1f
	xchg %rbx, %r8
	xchg %rbp, %r9
1:
	mov $2, %r15d /* [0, rbx) */
	xor %edi, %edi
	mov %rbx, %rsi
	mov $SYS_MUNMAP, %eax
	syscall
	test %rax, %rax
	jnz 9f

	mov $3, %r15d /* [rbp, r8): the gap, if any */
	mov %rbp, %rdi
	mov %r8, %rsi
	sub %rbp, %rsi
	jbe 2f
	mov $SYS_MUNMAP, %eax
	syscall
	test %rax, %rax
	jnz 9f
2:
	mov $4, %r15d /* [r9, top): the top depends on the paging depth */
	mov %r9, %rdi
	movabs $TOP_LA57, %rsi
	sub %r9, %rsi
	mov $SYS_MUNMAP, %eax
	syscall
	cmp $-EINVAL, %rax
	jne 3f
	mov %r9, %rdi
	movabs $TOP_LA48, %rsi
	sub %r9, %rsi
	mov $SYS_MUNMAP, %eax
	syscall
3:
	test %rax, %rax
	jnz 9f
	xor %r15d, %r15d
9:
	int3
	.globl sb_stub_started
	.hidden sb_stub_started
sb_stub_started:
	ud2 /* the monitor resumes at sb_stub_loop, never here */

	.globl sb_stub_loop
	.hidden sb_stub_loop
sb_stub_loop:
	mov CMD_COUNT(%r12), %r13d
	xor %r14d, %r14d
	lea CMD_OPS(%r12), %r15
1:
	xor %eax, %eax
	cmp %r13d, %r14d
	jae 9f
	mov 0(%r15), %rax
	mov 8(%r15), %rdi
	mov 16(%r15), %rsi
	mov 24(%r15), %rdx
	mov 32(%r15), %r10
	mov 40(%r15), %r8
	mov 48(%r15), %r9
	.globl sb_stub_syscall
	.hidden sb_stub_syscall
sb_stub_syscall:
	syscall
	cmp $-4095, %rax
	jae 9f
	inc %r14d
	add $OP_SIZE, %r15
	jmp 1b
9:
	int3
	.globl sb_stub_done
	.hidden sb_stub_done
sb_stub_done:
	ud2

	.globl sb_stub_sig
	.hidden sb_stub_sig
sb_stub_sig:
	int3
	.globl sb_stub_sig_done
	.hidden sb_stub_sig_done
sb_stub_sig_done:
	ud2

	.balign 4096, 0xcc /* the rest of the page: int3, nothing of btvmm */
	.globl sb_stub_page_end
	.hidden sb_stub_page_end
sb_stub_page_end:

	.section .note.GNU-stack, "", @progbits
