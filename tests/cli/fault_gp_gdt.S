/* fault_gp_gdt.S - loading %ds with a selector the CPU must refuse: 0x1230
 * is a GDT selector (index 0x246) far beyond the boot GDT limit (0x1f),
 * so the load raises #GP with the selector as the error code: #GP(0x1230).
 * See fault.h; run_cli_tests.sh case fault_gp_gdt checks the message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movw $0x1230, %cx
	FILLER
	.globl fault_here
fault_here:
	movw %cx, %ds
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
