/* fault_taskgate.S - int $0x30 through a task gate (IDT vector 0x30: type
 * 0x5, present, DPL 0) naming a 32-bit TSS whose EFLAGS has VM set: btvmm
 * switches tasks but has no virtual-8086 mode, and must stop with a message
 * naming the int instruction's EIP and the TSS selector.
 * The other IDT entries (0..0x2f) are empty; IF stays 0 throughout.
 * See fault.h; run_cli_tests.sh case fault_taskgate checks the message. */
#include "fault.h"

#define TG_VEC 0x30
#define TG_TSS_SEL 0x28

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	cli
	movl $tss, %eax		/* the TSS descriptor's base, in its three pieces */
	movw %ax, gdt + TG_TSS_SEL + 2
	shrl $16, %eax
	movb %al, gdt + TG_TSS_SEL + 4
	movb %ah, gdt + TG_TSS_SEL + 7
	lgdt gdtr
	lidt idtr
	movl $1, %ecx
	FILLER
	.globl fault_here
fault_here:
	int $TG_VEC
	FILLER
	NOT_STOPPED

	.data
	.p2align 3
gdt:
	.fill TG_TSS_SEL / 8, 8, 0
	/* available 32-bit TSS (type 0x9, present, DPL 0), limit 0x67; the
	 * base (tss) is filled in at _start */
	.word 0x67
	.word 0
	.byte 0
	.byte 0x89
	.byte 0
	.byte 0
gdt_end:

idt:
	.fill TG_VEC, 8, 0
	/* task gate: selector in bits 16..31 of the low dword; P=1, DPL=0,
	 * type 0x5 in the high dword (offset fields unused) */
	.long TG_TSS_SEL << 16
	.long 0x00008500
idt_end:

	.p2align 2
	.word 0
gdtr:
	.word gdt_end - gdt - 1
	.long gdt
	.word 0
idtr:
	.word idt_end - idt - 1
	.long idt

	/* a TSS whose EFLAGS (offset 0x24) has VM (bit 17) set */
	.p2align 7
tss:
	.fill 0x24, 1, 0
	.long 0x00020002
	.fill 0x68 - 0x28, 1, 0

	.section .note.GNU-stack, "", @progbits
