/* fault_paging.S - setting CR0.PG with CR3 = 0: the page directory at
 * physical 0 is all zeros, so the very next instruction fetch faults (#PF,
 * error code 0, CR2 = its address), the #PF handler cannot be reached (the
 * IDT's linear address is not mapped either: #PF again, then #DF, then a
 * triple fault). fault_here is the first instruction fetched with paging on.
 * See fault.h; run_cli_tests.sh case fault_paging checks the stop message. */
#include "fault.h"
	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl %cr0, %ecx
	orl $0x80000000, %ecx
	FILLER
	movl %ecx, %cr0
	.globl fault_here
fault_here:
	FILLER
	NOT_STOPPED
	.section .note.GNU-stack, "", @progbits
