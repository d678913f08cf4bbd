/* fault_paging.S - setting CR0.PG (with CR3 = 0): paging is not supported yet.
 * See fault.h; run_cli_tests.sh case fault_paging checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl %cr0, %ecx
	orl $0x80000000, %ecx
	FILLER
	.globl fault_here
fault_here:
	movl %ecx, %cr0
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
