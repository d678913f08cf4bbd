/* fault_csread.S - a memory read with a %cs override, which the decoder refuses.
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
	movl %cs:(%eax), %ebx
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
