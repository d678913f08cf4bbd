/* segs_basic: a private GDT loaded with lgdt; CS reloaded with ljmp,
 * DS/ES/SS/FS/GS with mov; FS/GS with non-zero bases used for loads,
 * stores, string ops and SIB addressing; push/pop of segment registers,
 * lfs/lgs, far jumps between two code selectors, lsl/lar, linear address
 * wraparound through a segment base, and the descriptor accessed bit.
 * (btvmm reserves %gs internally and rewrites guest %gs uses.) */
#include "lib.h"

u8 fsbuf[256] __attribute__((aligned(16)));
u8 gsbuf[256] __attribute__((aligned(16)));

static u64 gdt[8] __attribute__((aligned(8)));
static struct __attribute__((packed)) {
    u16 limit;
    u32 base;
} gdtr;

static u64 desc(u32 base, u32 limit, u32 type, u32 flags /* G D/B nibble */)
{
    u32 lo = (base << 16) | (limit & 0xffff);
    u32 hi = (base & 0xff000000) | (flags << 20) | (limit & 0xf0000) | (type << 8) |
             ((base >> 16) & 0xff);
    return ((u64)hi << 32) | lo;
}

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_FS 0x18
#define SEL_GS 0x20
#define SEL_CODE2 0x28
#define SEL_WRAP 0x30

static void load_segments(void)
{
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n"
                     "1:\tmovw $0x10, %%ax\n\t"
                     "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
                     "movw $0x18, %%ax\n\tmovw %%ax, %%fs\n\t"
                     "movw $0x20, %%ax\n\tmovw %%ax, %%gs"
                     : : "m"(gdtr) : "eax", "memory");
}

static void show_sregs(const char *when)
{
    u32 cs, ds, es, ss, fs, gs;
    __asm__ volatile("movl $0xffffffff, %0\n\tmovw %%cs, %w0" : "=&r"(cs));
    __asm__ volatile("movl $0xffffffff, %0\n\tmovw %%ds, %w0" : "=&r"(ds));
    __asm__ volatile("movl $0xffffffff, %0\n\tmovw %%es, %w0" : "=&r"(es));
    __asm__ volatile("movl $0xffffffff, %0\n\tmovw %%ss, %w0" : "=&r"(ss));
    __asm__ volatile("movl $0xffffffff, %0\n\tmovw %%fs, %w0" : "=&r"(fs));
    __asm__ volatile("movl $0xffffffff, %0\n\tmovw %%gs, %w0" : "=&r"(gs));
    printf("%s: cs=%04x ds=%04x es=%04x ss=%04x fs=%04x gs=%04x\n", when, cs & 0xffff,
           ds & 0xffff, es & 0xffff, ss & 0xffff, fs & 0xffff, gs & 0xffff);
    /* mov sreg -> r32 zero-extends on all P6+ CPUs */
    u32 r32;
    __asm__ volatile("movl $0xffffffff, %0\n\tmovl %%gs, %0" : "=&r"(r32));
    printf("%s: movl %%gs,r32 = %08x\n", when, r32);
}

int main(void)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    gdt[0] = 0;
    gdt[1] = desc(0, 0xfffff, 0x9b, 0xc);            /* code, accessed preset */
    gdt[2] = desc(0, 0xfffff, 0x93, 0xc);            /* data */
    gdt[3] = desc((u32)fsbuf, 0xff, 0x93, 0x4);      /* 256-byte data, byte gran. */
    gdt[4] = desc((u32)gsbuf, 0xfffff, 0x92, 0xc);   /* flat limit, base gsbuf, not accessed */
    gdt[5] = desc(0, 0xfffff, 0x9a, 0xc);            /* second code selector */
    gdt[6] = desc((u32)gsbuf + 0x10000000u, 0xfffff, 0x93, 0xc); /* base past gsbuf */
    gdtr.limit = sizeof(gdt) - 1;
    gdtr.base = (u32)gdt;
    load_segments();
    show_sregs("loaded");
    printf("gs descriptor accessed bit: %u\n", (u32)(gdt[4] >> 40) & 1);

    /* fs/gs loads and stores */
    for (int i = 0; i < 256; i++) {
        fsbuf[i] = (u8)i;
        gsbuf[i] = (u8)(0xff - i);
    }
    u32 a, b, c, d;
    __asm__ volatile("movl %%fs:0, %0\n\tmovl %%fs:0x10, %1\n\tmovl %%gs:0, %2\n\tmovl %%gs:0xfc, %3"
                     : "=&r"(a), "=&r"(b), "=&r"(c), "=&r"(d));
    printf("fs/gs loads: %08x %08x %08x %08x\n", a, b, c, d);
    __asm__ volatile("movl $0xcafebabe, %%fs:0x20\n\tmovw $0x1234, %%gs:0x40\n\tmovb $0x99, %%gs:0x43\n\t"
                     "addl $0x01010101, %%fs:0x24\n\tincl %%gs:0x44"
                     : : : "memory", "cc");
    printf("fs/gs stores: %08x %08x %08x %08x\n", *(u32 *)&fsbuf[0x20], *(u32 *)&gsbuf[0x40],
           *(u32 *)&fsbuf[0x24], *(u32 *)&gsbuf[0x44]);
    u32 idx = 5, base = 0x10;
    __asm__ volatile("movl %%gs:8(%2,%3,4), %0\n\tmovzbl %%fs:(%2,%3,2), %1"
                     : "=&r"(a), "=&r"(b) : "r"(base), "r"(idx));
    printf("sib with override: %08x %08x\n", a, b);
    /* xchg / cmpxchg / push / pop with a gs memory operand */
    a = 0x11223344;
    __asm__ volatile("xchgl %0, %%gs:0x80" : "+r"(a) : : "memory");
    __asm__ volatile("pushl %%gs:0x84\n\tpopl %%fs:0x84\n\tpushl $0x55aa55aa\n\tpopl %%gs:0x88"
                     : : : "memory");
    printf("xchg/push/pop gs: %08x %08x %08x %08x\n", a, *(u32 *)&gsbuf[0x80],
           *(u32 *)&fsbuf[0x84], *(u32 *)&gsbuf[0x88]);
    /* string ops with segment override on the source */
    static u8 dst[16];
    const void *s = (const void *)0x30;
    void *dp = dst;
    u32 n = 4;
    __asm__ volatile("cld\n\trep movsl %%fs:(%%esi), %%es:(%%edi)" : "+S"(s), "+D"(dp), "+c"(n) : : "memory");
    printf("rep movsl fs: %08x %08x %08x %08x esi=%08x\n", ((u32 *)dst)[0], ((u32 *)dst)[1],
           ((u32 *)dst)[2], ((u32 *)dst)[3], (u32)s);
    s = (const void *)0x10;
    __asm__ volatile("lodsl %%gs:(%%esi), %%eax" : "=a"(a), "+S"(s));
    printf("lodsl gs: %08x esi=%08x\n", a, (u32)s);
    s = (const void *)0x20;
    dp = dst;
    n = 4;
    __asm__ volatile("repe cmpsb %%es:(%%edi), %%gs:(%%esi)" : "+S"(s), "+D"(dp), "+c"(n) : : "cc");
    printf("repe cmpsb gs: ecx=%u\n", n);

    /* push/pop segment registers */
    u32 p1, p2, p3, p4;
    __asm__ volatile("movl $0, -4(%%esp)\n\tpushl %%cs\n\tpopl %0\n\t"
                     "movl $0, -4(%%esp)\n\tpushl %%ds\n\tpopl %1\n\t"
                     "movl $0, -4(%%esp)\n\tpushl %%fs\n\tpopl %2\n\t"
                     "movl $0, -4(%%esp)\n\tpushl %%gs\n\tpopl %3"
                     : "=r"(p1), "=r"(p2), "=r"(p3), "=r"(p4));
    printf("push cs/ds/fs/gs: %08x %08x %08x %08x\n", p1, p2, p3, p4);
    __asm__ volatile("pushl %%gs\n\tpushl %%fs\n\tpopl %%gs\n\tpopl %%fs" ::: "memory");
    show_sregs("swapped fs/gs");
    __asm__ volatile("movl %%gs:0, %0" : "=r"(a));
    printf("gs:0 after swap: %08x\n", a);
    __asm__ volatile("pushl %%gs\n\tpushl %%fs\n\tpopl %%gs\n\tpopl %%fs" ::: "memory");
    /* mov sreg <-> memory */
    static u16 m16 = 0x20, m16b;
    __asm__ volatile("movw %%fs, %0\n\tmovw %1, %%fs" : "=m"(m16b) : "m"(m16) : "memory");
    __asm__ volatile("movl %%fs:0, %0" : "=r"(a));
    printf("mov mem->fs: saved=%04x fs:0=%08x\n", m16b, a);
    __asm__ volatile("movw %0, %%fs" : : "m"(m16b));
    /* lfs / lgs with m16:32 far pointers */
    static struct __attribute__((packed)) { u32 off; u16 sel; } fp1 = {0x44, SEL_FS}, fp2 = {0x48, SEL_GS};
    u32 o1, o2;
    __asm__ volatile("lgs %2, %0\n\tlfs %3, %1" : "=r"(o1), "=r"(o2) : "m"(fp1), "m"(fp2));
    __asm__ volatile("movl %%gs:(%2), %0\n\tmovl %%fs:(%3), %1" : "=&r"(a), "=&r"(b) : "r"(o1), "r"(o2));
    show_sregs("after lgs/lfs");
    printf("lgs/lfs loads: %08x %08x\n", a, b);
    __asm__ volatile("movw %0, %%fs\n\tmovw %1, %%gs" : : "r"((u16)SEL_FS), "r"((u16)SEL_GS));
    /* far jumps between code selectors, far return */
    u32 cs2, cs3;
    __asm__ volatile("ljmp $0x28, $1f\n"
                     "1:\tmovl $0, %0\n\tmovw %%cs, %w0\n\t"
                     "pushl $0x08\n\tpushl $2f\n\tlret\n"
                     "2:\tmovl $0, %1\n\tmovw %%cs, %w1"
                     : "=&r"(cs2), "=&r"(cs3));
    printf("ljmp cs=%04x lret cs=%04x\n", cs2, cs3);
    /* lsl / lar */
    u32 l1 = 0, l2 = 0, ar = 0, zf1, zf2;
    __asm__ volatile("lsll %3, %0\n\tsetz %b1\n\tlsll %4, %2" : "=&r"(l1), "=&q"(zf1), "=&r"(l2)
                     : "r"((u32)SEL_FS), "r"((u32)SEL_GS) : "cc");
    __asm__ volatile("larl %2, %0\n\tsetz %b1" : "=&r"(ar), "=&q"(zf2) : "r"((u32)SEL_CODE2) : "cc");
    printf("lsl fs=%08x gs=%08x zf=%u lar code2=%08x zf=%u\n", l1, l2, zf1 & 1, ar & 0x00f0ff00, zf2 & 1);
    /* sgdt round trip */
    static struct __attribute__((packed)) { u16 limit; u32 base; } g2;
    __asm__ volatile("sgdt %0" : "=m"(g2));
    printf("sgdt: limit=%04x base_ok=%u\n", g2.limit, g2.base == (u32)gdt);
    show_sregs("final");
    /* last, as the most exotic case: linear-address wraparound through a
     * segment base (base = gsbuf + 0x10000000, offset 0xf0000000) */
    __asm__ volatile("movw %2, %%gs\n\tmovl %%gs:0xf0000000, %0\n\tmovl %%gs:0xf00000fc, %1\n\tmovw %3, %%gs"
                     : "=&r"(a), "=&r"(b) : "r"((u16)SEL_WRAP), "r"((u16)SEL_GS));
    printf("wraparound: %08x %08x\n", a, b);
    return finish();
}
