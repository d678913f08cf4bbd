/* exit5.S - prints two lines on COM1, then writes 5 to isa-debug-exit:
 * btvmm must print exactly those lines and exit with status (5<<1)|1 = 11.
 * run_cli_tests.sh case debug_exit_5 checks it. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl $msg, %esi
1:	movb (%esi), %bl
	testb %bl, %bl
	jz 3f
	movw $0x3fd, %dx	/* LSR: wait for THR empty */
2:	inb %dx, %al
	testb $0x20, %al
	jz 2b
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	incl %esi
	jmp 1b
3:	movb $5, %al
	outb %al, $0xf4
4:	cli
	hlt
	jmp 4b

	.data
msg:	.asciz "exit5: serial output before debug-exit\nexit5: value 5 -> status 11\n"

	.section .note.GNU-stack, "", @progbits
