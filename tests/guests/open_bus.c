/* open_bus: memory where there is neither RAM nor a device (run with the
 * default 128 MiB, so 0x20000000 is past the end of RAM and below the PCI
 * hole's devices). On a PC such an access goes unclaimed: a read returns
 * all ones (PCI master abort), a write is dropped.
 *  - paging off: reads of every size with mov (which btvmm's emulator
 *    handles) and with instructions it does not (imul, cmov, x87 fild,
 *    SSE movups), a read-modify-write (add) and a plain write, each followed
 *    by a read: still all ones
 *  - the same through a page table mapping linear 0x40000000 to physical
 *    0x20000000 */
#include "idt.c"
#include "paging.h"

#define NOWHERE 0x20000000u
#define VA 0x40000000u

static void probe(const char *where, u32 a)
{
    u32 r32, m, q;
    u16 r16;
    u8 r8;
    __asm__ volatile("movl (%1), %0" : "=r"(r32) : "r"(a) : "memory");
    __asm__ volatile("movw 2(%1), %0" : "=r"(r16) : "r"(a) : "memory");
    __asm__ volatile("movb 5(%1), %0" : "=q"(r8) : "r"(a) : "memory");
    printf("%s: mov 32/16/8: %08x %04x %02x\n", where, r32, r16, r8);

    m = 7;
    __asm__ volatile("imull 8(%1), %0" : "+r"(m) : "r"(a) : "memory", "cc");
    printf("%s: imul 7 by it: %08x\n", where, m);

    u32 c = 0x5a5a5a5a;
    __asm__ volatile("xorl %%edx, %%edx\n\tcmovel 12(%1), %0" : "+r"(c) : "r"(a) : "memory", "cc", "edx");
    printf("%s: cmove: %08x\n", where, c);

    int fi;
    __asm__ volatile("fildl 16(%1)\n\tfistpl %0" : "=m"(fi) : "r"(a) : "memory");
    printf("%s: fild/fistp: %d\n", where, fi);

    u32 x[4];
    __asm__ volatile("movups 32(%1), %%xmm1\n\tmovups %%xmm1, %0" : "=m"(x) : "r"(a) : "memory");
    printf("%s: movups: %08x %08x %08x %08x\n", where, x[0], x[1], x[2], x[3]);

    __asm__ volatile("addl $5, 48(%0)" : : "r"(a) : "memory", "cc");
    __asm__ volatile("movl $0x12345678, 52(%0)" : : "r"(a) : "memory");
    __asm__ volatile("movl 48(%1), %0" : "=r"(r32) : "r"(a) : "memory");
    __asm__ volatile("movl 52(%1), %0" : "=r"(q) : "r"(a) : "memory");
    printf("%s: after add and mov to it: %08x %08x\n", where, r32, q);
}

int main(void)
{
    cpu_init();
    u32 cr4;
    __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("movl %0, %%cr4" : : "r"(cr4 | 0x200)); /* OSFXSR: SSE on */
    __asm__ volatile("fninit");
    probe("paging off", NOWHERE);
    u32 pd = pg_new_pd(PTE_P | PTE_W);
    pg_map(pd, VA, NOWHERE, PTE_P | PTE_W);
    pg_enable(pd);
    probe("paged", VA);
    return finish();
}
