/* fault_gp_sel.S - loading %ds with a selector the CPU must refuse: 0x1234
 * is TI=1 (LDT), index 0x246, and no LDT is loaded, so the load raises
 * #GP with the selector (RPL bits cleared) as the error code: #GP(0x1234).
 * See fault.h; run_cli_tests.sh case fault_gp_sel checks the message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movw $0x1234, %cx
	FILLER
	.globl fault_here
fault_here:
	movw %cx, %ds
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
