/* fault_gp_ro.S - a write through a read-only data segment: the guest loads
 * its own GDT whose selector 0x20 is a flat read-only data segment, loads
 * %es with it (allowed), then writes through %es, which raises #GP(0).
 * See fault.h; run_cli_tests.sh case fault_gp_ro checks the message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	lgdt gdt_desc
	movw $0x20, %cx
	movw %cx, %es
	movl $scratch, %edi
	movl $0x11223344, %eax
	FILLER
	.globl fault_here
fault_here:
#ifdef USE_STOS
	stosl			/* bytes ab */
#else
	movl %eax, %es:(%edi)	/* bytes 26 89 07 */
#endif
	FILLER
	NOT_STOPPED

	.data
	.p2align 12		/* data on its own page, away from the code */
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 code, flat */
	.quad 0x00cf9a000000ffff	/* 0x10 code, flat (the boot CS) */
	.quad 0x00cf92000000ffff	/* 0x18 data, read/write, flat */
	.quad 0x00cf90000000ffff	/* 0x20 data, read-only, flat */
gdt_end:
	.p2align 2
	.word 0
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
scratch:
	.long 0

	.section .note.GNU-stack, "", @progbits
