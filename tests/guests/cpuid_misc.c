/* cpuid_misc: CPUID / RDTSC / control and descriptor-table registers.
 * Only VMM-independent facts are printed: the vendor string and exact
 * feature words may legitimately differ from QEMU's, so the test prints
 * just that leaf 0 reports max leaf >= 1 and a 12-character printable
 * vendor, plus the few feature bits the other guest tests rely on. */
#include "lib.h"

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static u64 rdtsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

struct __attribute__((packed)) dtr {
    u16 limit;
    u32 base;
};

static u64 gdt[4] __attribute__((aligned(8))) = {
    0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull, 0};

struct mbinfo {
    u32 flags, mem_lower, mem_upper;
};

int main(u32 magic, const struct mbinfo *mbi)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    /* entry state from the multiboot loader (crt0 passes EAX and EBX) */
    printf("multiboot magic: %08x mem info flag: %u\n", magic, mbi->flags & 1);
    u32 a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    char v[13];
    memcpy(v, &b, 4);
    memcpy(v + 4, &d, 4);
    memcpy(v + 8, &c, 4);
    v[12] = 0;
    int printable = 1;
    for (int i = 0; i < 12; i++)
        if (v[i] < 0x20 || v[i] > 0x7e)
            printable = 0;
    printf("cpuid 0: max leaf >= 1: %d, vendor length %u printable %d\n", a >= 1,
           (u32)strlen(v), printable);
    cpuid(1, &a, &b, &c, &d);
    /* FPU(0) TSC(4) CX8(8) CMOV(15) FXSR(24) SSE(25) SSE2(26) */
    u32 want = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15) | (1u << 24) | (1u << 25) | (1u << 26);
    printf("cpuid 1: edx & needed = %08x\n", d & want);
    printf("cpuid 1: family >= 6: %d\n", ((a >> 8) & 0xf) >= 6 || ((a >> 8) & 0xf) == 0xf);

    u64 t1 = rdtsc();
    for (volatile int i = 0; i < 1000; i++)
        ;
    u64 t2 = rdtsc();
    printf("rdtsc monotonic: %d\n", t2 >= t1);

    u32 cr0;
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    printf("cr0 & PG|ET|PE: %08x\n", cr0 & 0x80000011u);
    u32 msw = 0;
    __asm__ volatile("smsw %0" : "=r"(msw));
    printf("smsw & ET|PE: %04x\n", msw & 0x11);
    /* toggle WP and NE, read back, restore */
    u32 t = cr0 | (1u << 16) | (1u << 5), r;
    __asm__ volatile("movl %1, %%cr0\n\tmovl %%cr0, %0" : "=r"(r) : "r"(t));
    printf("cr0 set WP|NE: %08x\n", r & ((1u << 16) | (1u << 5)));
    t = cr0 & ~((1u << 16) | (1u << 5));
    __asm__ volatile("movl %1, %%cr0\n\tmovl %%cr0, %0" : "=r"(r) : "r"(t));
    printf("cr0 clear WP|NE: %08x\n", r & ((1u << 16) | (1u << 5)));
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0));
    /* clts clears TS */
    t = cr0 | (1u << 3);
    __asm__ volatile("movl %1, %%cr0\n\tclts\n\tmovl %%cr0, %0" : "=r"(r) : "r"(t));
    printf("clts: TS=%u\n", (r >> 3) & 1);
    /* cr2 / cr3 are plain registers while paging is off */
    __asm__ volatile("movl %1, %%cr2\n\tmovl %%cr2, %0" : "=r"(r) : "r"(0xdeadbeefu));
    printf("cr2: %08x\n", r);
    u32 cr3;
    __asm__ volatile("movl %%cr3, %0" : "=r"(cr3));
    __asm__ volatile("movl %1, %%cr3\n\tmovl %%cr3, %0" : "=r"(r) : "r"(0x00123000u));
    printf("cr3: %08x\n", r);
    __asm__ volatile("movl %0, %%cr3" : : "r"(cr3));
    /* cr4: set/clear OSFXSR and read back */
    u32 cr4, r4a, r4b;
    __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("movl %2, %%cr4\n\tmovl %%cr4, %0\n\tmovl %3, %%cr4\n\tmovl %%cr4, %1"
                     : "=&r"(r4a), "=&r"(r4b) : "r"(cr4 | 0x200), "r"(cr4 & ~0x200u));
    printf("cr4 OSFXSR set: %u clear: %u\n", (r4a >> 9) & 1, (r4b >> 9) & 1);
    __asm__ volatile("movl %0, %%cr4" : : "r"(cr4));

    /* lgdt/sgdt, lidt/sidt round trips */
    struct dtr g = {sizeof(gdt) - 1, (u32)gdt}, g2 = {0, 0}, oldidt, i1 = {0x7ff, 0x00345000}, i2;
    __asm__ volatile("lgdt %1\n\tsgdt %0" : "=m"(g2) : "m"(g));
    printf("sgdt: limit=%04x base matches=%d\n", g2.limit, g2.base == (u32)gdt);
    __asm__ volatile("ljmp $0x08, $1f\n1:\tmovw $0x10, %%ax\n\tmovw %%ax, %%ds\n\tmovw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs" ::: "eax", "memory");
    __asm__ volatile("sidt %0\n\tlidt %2\n\tsidt %1\n\tlidt %0" : "+m"(oldidt), "=m"(i2) : "m"(i1));
    printf("sidt: limit=%04x base=%08x\n", i2.limit, i2.base);
    i1.limit = 0;
    i1.base = 0xfffff000;
    __asm__ volatile("sidt %0\n\tlidt %2\n\tsidt %1\n\tlidt %0" : "+m"(oldidt), "=m"(i2) : "m"(i1));
    printf("sidt: limit=%04x base=%08x\n", i2.limit, i2.base);
    /* lidt with a 16-bit operand size loads only 24 bits of base */
    struct dtr i3 = {0x1234, 0xab345678};
    __asm__ volatile("sidt %0\n\tdata16 lidt %2\n\tsidt %1\n\tlidt %0" : "+m"(oldidt), "=m"(i2) : "m"(i3));
    printf("lidtw: limit=%04x base=%08x\n", i2.limit, i2.base);
    return finish();
}
