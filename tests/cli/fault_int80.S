/* fault_int80.S - int $0x80: software interrupts are not delivered yet.
 * See fault.h; run_cli_tests.sh case fault_int80 checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl $1, %ecx
	FILLER
	.globl fault_here
fault_here:
	int $0x80
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
