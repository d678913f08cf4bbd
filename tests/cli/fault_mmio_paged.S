/* fault_mmio_paged.S - fault_mmio_imul with paging on: linear 0x40000000 is
 * a 4 MiB page at physical 0xfec00000, so 0x40200030 is the local APIC's
 * version register. The emulator has no imul; device registers cannot be
 * read natively, so the machine stops, naming the linear address, the
 * device and the physical address. (A write to a traced page table by any
 * instruction never stops it: tests/guests/pg_anyinsn.c.)
 * See fault.h; run_cli_tests.sh case fault_mmio_paged checks the stop message. */
#include "fault.h"

	.text
	.globl _start
	MULTIBOOT_HEADER
_start:
	movl $pd, %edi
	movl $0x00000083, (%edi)		/* 0: 4 MiB at 0, P W PS (this code) */
	movl $0xfec00083, 0x400(%edi)		/* 0x40000000: 4 MiB at 0xfec00000 */
	movl %cr4, %eax
	orl $0x10, %eax				/* PSE */
	movl %eax, %cr4
	movl %edi, %cr3
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0
	movl $0x40200030, %esi
	FILLER
	.globl fault_here
fault_here:
	imull (%esi), %ecx	/* a device register, and not an instruction the emulator has */
	FILLER
	NOT_STOPPED

	.data
	.p2align 12
pd:	.fill 1024, 4, 0

	.section .note.GNU-stack, "", @progbits
