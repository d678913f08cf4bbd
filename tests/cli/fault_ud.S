/* fault_ud.S - ud2 raises #UD (bytes 0f 0b).
 * See fault.h; run_cli_tests.sh case fault_ud checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl $0x1234, %ecx
	FILLER
	.globl fault_here
fault_here:
	ud2
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
