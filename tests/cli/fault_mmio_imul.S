/* fault_mmio_imul.S - imul with its operand in a device register (the local
 * APIC's version register): the emulator has no imul, and a device register
 * cannot be read natively (memory with nothing behind it can: open_bus.c).
 * See fault.h; run_cli_tests.sh case fault_mmio_imul checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl $0xfee00030, %esi
	FILLER
	.globl fault_here
fault_here:
	imull (%esi), %ecx	/* a device register, and not an instruction the emulator has */
	FILLER
	NOT_STOPPED

	.section .note.GNU-stack, "", @progbits
