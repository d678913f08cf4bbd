/* Common multiboot v1 entry for btvmm guest tests.
 * Entered in 32-bit protected mode, paging off, flat segments, IF=0,
 * EAX=0x2BADB002, EBX=multiboot info physical address. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003        /* page-align modules + memory info; no a.out kludge */

        .section .multiboot, "a"
        .p2align 2
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .text
        .globl _start
        .type _start, @function
_start:
        cli
        cld
        movl %eax, %esi            /* magic */
        movl %ebx, %edx            /* mbinfo */
        /* zero .bss ourselves (do not rely on the loader for it) */
        movl $__bss_start, %edi
        movl $__bss_end, %ecx
        subl %edi, %ecx
        xorl %eax, %eax
        rep stosb
        movl $stack_top, %esp
        xorl %ebp, %ebp
        pushl %edx                 /* mbinfo */
        pushl %esi                 /* magic */
        call main
        addl $8, %esp
        outb %al, $0xf4            /* isa-debug-exit: status (al<<1)|1 */
1:      cli
        hlt
        jmp 1b
        .size _start, . - _start

        .section .bss
        .p2align 4
stack_bottom:
        .skip 16384
stack_top:

        .section .note.GNU-stack, "", @progbits
