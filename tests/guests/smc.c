/* smc: self-modifying code.
 *  (a) patch the imm32 of "mov $imm, %eax" in a function, call again (loop)
 *  (b) overwrite a whole function with different code bytes (rep movsb
 *      and byte loops) and call it
 *  (c) store to an instruction shortly ahead in the same straight-line
 *      block (must take effect: P6+ invalidate prefetched instructions)
 *  (d) a loop that patches an instruction earlier in its own body
 *  (e) JIT-style: generate code into a .data buffer, run, patch, run
 * The patched code lives in .text, which is writable since paging is off. */
#include "lib.h"

__asm__(".text\n"
        /* (a) */
        ".globl smc_imm\n"
        "smc_imm:\n\t"
        "movl $0x11111111, %eax\n\t"     /* B8 imm32: imm at smc_imm+1 */
        "ret\n"
        /* (b) slot overwritten by templates; padded with int3 */
        ".p2align 4\n"
        "smc_slot:\n\t"
        "movl $1, %eax\n\t"
        "ret\n\t"
        ".fill 48, 1, 0xcc\n"
        "tmpl_square:\n\t"
        "movl 4(%esp), %eax\n\timull %eax, %eax\n\tret\n"
        "tmpl_square_end:\n"
        "tmpl_add:\n\t"
        "movl 4(%esp), %eax\n\taddl $1000, %eax\n\tret\n"
        "tmpl_add_end:\n"
        "tmpl_shift:\n\t"
        "movl 4(%esp), %eax\n\tleal 7(,%eax,8), %eax\n\tnotl %eax\n\tret\n"
        "tmpl_shift_end:\n"
        /* (c) patch ahead in the same block */
        "smc_ahead:\n\t"
        "movl 4(%esp), %ecx\n\t"
        "movb %cl, 1f+1\n"
        "1:\tmovb $0, %al\n\t"           /* B0 ib */
        "movzbl %al, %eax\n\t"
        "ret\n"
        /* (c2) patch an imm32 a few instructions ahead */
        "smc_ahead2:\n\t"
        "movl 4(%esp), %ecx\n\t"
        "movl %ecx, 2f+1\n\t"
        "xorl %edx, %edx\n\t"
        "addl $3, %edx\n\t"
        "nop\n\tnop\n"
        "2:\tmovl $0, %eax\n\t"          /* B8 id */
        "addl %edx, %eax\n\t"
        "ret\n"
        /* (c3) patch the ModRM of the next instruction: add -> sub */
        "smc_opcode:\n\t"
        "movl 4(%esp), %ecx\n\t"         /* new opcode byte */
        "movl $100, %eax\n\t"
        "movb %cl, 3f+1\n"
        "3:\taddl $7, %eax\n\t"          /* 83 C0 07; 83 E8 07 = subl $7 */
        "ret\n"
        /* (d) loop patching its own body */
        "smc_loop:\n\t"
        "xorl %eax, %eax\n\t"
        "movl $5, %ecx\n"
        "4:\taddl $1, %eax\n\t"          /* 83 C0 ib: imm8 at 4b+2 */
        "incb 4b+2\n\t"
        "loop 4b\n\t"
        "movb $1, 4b+2\n\t"
        "ret\n");

u32 smc_imm(void);
u32 smc_slot(u32);
u32 smc_ahead(u32);
u32 smc_ahead2(u32);
u32 smc_opcode(u32);
u32 smc_loop(void);
extern u8 tmpl_square[], tmpl_square_end[], tmpl_add[], tmpl_add_end[], tmpl_shift[],
    tmpl_shift_end[];

static void rep_copy(void *d, const void *s, u32 n)
{
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

u8 jitbuf[64] __attribute__((aligned(16)));

int main(void)
{
    /* (a) */
    volatile u32 *imm = (volatile u32 *)((u8 *)smc_imm + 1);
    printf("a: initial %08x\n", smc_imm());
    u32 acc = 0;
    for (u32 i = 0; i < 12; i++) {
        *imm = i * 0x01010101u + 0x100;
        u32 r = smc_imm();
        acc = acc * 33 + r;
        if (i < 4 || i == 11)
            printf("a: iter %u -> %08x\n", i, r);
    }
    printf("a: acc %08x\n", acc);

    /* (b) */
    u8 *slot = (u8 *)smc_slot;
    printf("b: initial %u\n", smc_slot(5));
    rep_copy(slot, tmpl_square, tmpl_square_end - tmpl_square);
    printf("b: square(12) %u\n", smc_slot(12));
    memcpy(slot, tmpl_add, tmpl_add_end - tmpl_add);
    printf("b: add(12) %u\n", smc_slot(12));
    rep_copy(slot, tmpl_shift, tmpl_shift_end - tmpl_shift);
    printf("b: shift(12) %08x\n", smc_slot(12));
    for (u32 i = 0; i < 6; i++) {
        const u8 *t = (i % 3 == 0) ? tmpl_square : (i % 3 == 1) ? tmpl_add : tmpl_shift;
        const u8 *e = (i % 3 == 0) ? tmpl_square_end : (i % 3 == 1) ? tmpl_add_end : tmpl_shift_end;
        memcpy(slot, t, e - t);
        printf("b: round %u f(%u) = %08x\n", i, i + 3, smc_slot(i + 3));
    }

    /* (c) */
    for (u32 v = 0x10; v < 0x100; v += 0x3b)
        printf("c: ahead(%02x) -> %02x\n", v, smc_ahead(v));
    printf("c: ahead2 %08x %08x\n", smc_ahead2(0x12345678), smc_ahead2(0x7ffffff0));
    printf("c: opcode add %u sub %u add %u\n", smc_opcode(0xc0), smc_opcode(0xe8), smc_opcode(0xc0));
    /* the opcode patch writes the ModRM byte: 3f+1 is C0 (add) / E8 (sub) */

    /* (d) */
    printf("d: loop %u %u\n", smc_loop(), smc_loop());

    /* (e) JIT into a data buffer: mov $imm32,%eax; ret */
    for (u32 i = 0; i < 3; i++) {
        jitbuf[0] = 0xb8;
        jitbuf[1] = (u8)(0x10 + i);
        jitbuf[2] = 0x20;
        jitbuf[3] = 0x30;
        jitbuf[4] = 0x40;
        jitbuf[5] = 0xc3;
        u32 (*fn)(void) = (u32(*)(void))(void *)jitbuf;
        u32 r1 = fn();
        jitbuf[4] = 0x80 + i; /* patch one byte and rerun */
        u32 r2 = fn();
        printf("e: jit %u: %08x %08x\n", i, r1, r2);
    }
    /* overwrite the data-page code with a different instruction length */
    static const u8 code2[] = {0x31, 0xc0, 0x40, 0x40, 0x40, 0xc3}; /* xor eax; inc x3; ret */
    memcpy(jitbuf, code2, sizeof(code2));
    printf("e: jit2 %u\n", ((u32(*)(void))(void *)jitbuf)());
    return finish();
}
