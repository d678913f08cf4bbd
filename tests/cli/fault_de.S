/* fault_de.S - divide error: divl %ecx with ECX=0 raises #DE (bytes f7 f1).
 * See fault.h; run_cli_tests.sh case fault_de checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	xorl %ecx, %ecx
	FILLER
	.globl fault_here
fault_here:
	divl %ecx
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
