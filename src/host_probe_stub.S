/* host_probe_stub.S - the code host_probe() runs in its child process to
 * find out whether this host gives user space 32-bit compatibility mode.
 *
 * Position independent; host_probe.c copies it, with a struct probe_area
 * right behind it (at probe_stub_end), into a page below 4 GiB, since 32-bit code and the
 * 64-bit code a far jump returns to must both have 32-bit addresses.
 *
 *   void probe_stub_enter(struct probe_area *a)      (64-bit, SysV ABI)
 *
 * far-jumps through a->far32 (selector __USER32_CS), where the 32-bit code
 * records that it really runs in 32-bit mode (0x40 is `inc %eax` there and
 * a REX prefix in 64-bit mode), optionally loads a->es_sel into %es and
 * reads %es:a->es_off (the limit check), and far-jumps back through
 * a->far64 (the 64-bit __USER_CS). A fault anywhere arrives as a signal
 * that host_probe.c's handler turns into a siglongjmp. */
#define AREA_FAR32 0	   /* m16:32 to probe_stub_32 */
#define AREA_FAR64 8	   /* m16:32 to probe_stub_back */
#define AREA_ES_SEL 16	   /* 0: do not touch %es */
#define AREA_ES_OFF 20
#define AREA_SAVED_RSP 24
#define AREA_SAVED_DS 32
#define AREA_IN32 36	   /* 1 once the 32-bit code ran in 32-bit mode */

	.text
	.globl probe_stub_start, probe_stub_end, probe_stub_32, probe_stub_back
	.p2align 4
probe_stub_start:
	.code64
	/* probe_stub_enter */
	pushq %rbx
	pushq %rbp
	movq %rdi, %rbx
	movq %rsp, AREA_SAVED_RSP(%rbx)
	movl %ds, %eax
	movl %eax, AREA_SAVED_DS(%rbx)
	movl %ss, %eax			/* a flat data selector for 32-bit code */
	movl %eax, %ds
	ljmpl *AREA_FAR32(%rbx)

	.code32
probe_stub_32:
	xorl %eax, %eax
	.byte 0x40			/* inc %eax in 32-bit mode only */
	movl %eax, AREA_IN32(%ebx)
	movzwl AREA_ES_SEL(%ebx), %eax
	testl %eax, %eax
	jz 1f
	movl %eax, %es
	movl AREA_ES_OFF(%ebx), %ecx
	movb %es:(%ecx), %al
1:	ljmpl *AREA_FAR64(%ebx)

	.code64
probe_stub_back:
	leaq probe_stub_end(%rip), %rbx	/* the area; %rbx's upper half is undefined */
	movq AREA_SAVED_RSP(%rbx), %rsp
	movl AREA_SAVED_DS(%rbx), %eax
	movl %eax, %ds
	xorl %eax, %eax
	movl %eax, %es
	popq %rbp
	popq %rbx
	ret
	.p2align 4
probe_stub_end:

	.section .note.GNU-stack, "", @progbits
