/* tiny.S - the smallest kernel the CLI tests need: with -DWITH_MULTIBOOT a
 * valid multiboot v1 ELF that leaves through isa-debug-exit at once,
 * without it an ELF32 executable the loader must refuse. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003

	.text
	.globl _start
#ifdef WITH_MULTIBOOT
	.p2align 2
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#endif
_start:
	movb $0, %al
	outb %al, $0xf4		/* isa-debug-exit: status 1 */
1:	cli
	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
