/* fault_taskgate.S - int $0x30 through an IDT whose vector 0x30 entry is a
 * task gate (type 0x5, present, DPL 0): btvmm does not implement task
 * switches and must stop with a message naming the int instruction's EIP.
 * The other IDT entries (0..0x2f) are empty; IF stays 0 throughout.
 * See fault.h; run_cli_tests.sh case fault_taskgate checks the message. */
#include "fault.h"

#define TG_VEC 0x30
#define TG_TSS_SEL 0x28	/* never looked at: btvmm refuses the gate first */

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	cli
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
idt:
	.fill TG_VEC, 8, 0
	/* task gate: selector in bits 16..31 of the low dword; P=1, DPL=0,
	 * type 0x5 in the high dword (offset fields unused) */
	.long TG_TSS_SEL << 16
	.long 0x00008500
idt_end:

	.p2align 2
	.word 0
idtr:
	.word idt_end - idt - 1
	.long idt

	.section .note.GNU-stack, "", @progbits
