/* fault_outside_ram.S - a read at 32 MiB; run with -m 16, that is outside guest RAM.
 * See fault.h; run_cli_tests.sh case fault_outside_ram checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl $0x2000000, %esi
	FILLER
	.globl fault_here
fault_here:
	imull (%esi), %ecx	/* outside RAM, and not an instruction the emulator has */
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
