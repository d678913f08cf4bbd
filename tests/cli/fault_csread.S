/* fault_csread.S - a %cs-override access the monitor must emulate, with an
 * instruction its emulator lacks.
 * See fault.h; run_cli_tests.sh case fault_csread checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl $_start, %eax
	FILLER
	.globl fault_here
fault_here:
	imull %cs:(%eax), %ebx	/* the emulator has no multiply: refused */
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
