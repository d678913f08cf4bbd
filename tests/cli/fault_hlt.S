/* fault_hlt.S - hlt with IF=0: nothing can ever wake the guest.
 * See fault.h; run_cli_tests.sh case fault_hlt checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	cli
	FILLER
	.globl fault_here
fault_here:
	hlt
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
