/* fault.h - shared parts of the tests/cli/fault_*.S guests.
 *
 * Each fault_*.S is a tiny multiboot kernel that makes the machine stop on
 * one guest instruction, labelled with the global symbol `fault_here`.
 * The faulting instruction sits in the middle of a straight-line run of
 * ordinary instructions (FILLER before and after), so it lies inside a
 * translated block rather than at its start: the EIP that btvmm reports
 * must still be exactly fault_here (run_cli_tests.sh reads it with nm).
 * If the machine does not stop, the guest leaves through isa-debug-exit
 * with status 0x7f (exit status 255), which the tests reject. */
/* Assembler macros, not C: */
/* clang-format off */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003

#define MULTIBOOT_HEADER \
	.p2align 2; \
	.long MB_MAGIC; \
	.long MB_FLAGS; \
	.long -(MB_MAGIC + MB_FLAGS)

/* Ordinary instructions that touch neither %ecx, %edi, %esi nor memory. */
#define FILLER \
	addl $3, %edx; \
	leal 5(%edx,%edx,2), %ebx; \
	xorl %ebx, %edx; \
	roll $7, %ebx

/* Reached only if the instruction at fault_here did not stop the machine. */
#define NOT_STOPPED \
	movb $0x7f, %al; \
	outb %al, $0xf4; \
9:	cli; \
	hlt; \
	jmp 9b
