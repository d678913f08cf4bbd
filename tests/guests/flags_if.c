/* flags_if: EFLAGS semantics at CPL0 via cli/sti/pushf/popf/lahf/sahf.
 * The PIC is fully masked first so that briefly setting IF cannot let a
 * (BIOS-programmed) timer interrupt in; no IDT exists. TF is never set.
 * Whole EFLAGS values are printed (bit 1 always reads as 1). At CPL0 popf
 * may change every non-reserved flag except RF (cleared), VM, VIF, VIP
 * (unaffected = stay 0); reserved bits read back as 0 (bit 1 as 1). */
#include "lib.h"

static inline u32 getfl(void)
{
    u32 f;
    __asm__ volatile("pushfl\n\tpopl %0" : "=r"(f));
    return f;
}

/* popf v, read back with pushf, then return to a neutral state */
static u32 rt(u32 v)
{
    u32 f;
    __asm__ volatile("pushl %1\n\tpopfl\n\tpushfl\n\tpopl %0\n\tpushl $2\n\tpopfl"
                     : "=r"(f) : "r"(v) : "cc", "memory");
    return f;
}

int main(void)
{
    outb(0x21, 0xff); /* mask all IRQs on both PICs */
    outb(0xa1, 0xff);
    __asm__ volatile("pushl $2\n\tpopfl" ::: "cc");
    printf("neutral: %08x\n", getfl());

    u32 a, b, c;
    __asm__ volatile("cli\n\tpushfl\n\tpopl %0\n\tsti\n\tpushfl\n\tpopl %1\n\tcli\n\tpushfl\n\tpopl %2"
                     : "=r"(a), "=r"(b), "=r"(c));
    printf("cli: %08x sti: %08x cli: %08x\n", a, b, c);
    printf("popf IF=1: %08x IF=0: %08x\n", rt(0x202), rt(0x002));

    /* ID (bit 21) toggle = CPUID availability test */
    u32 f0 = getfl();
    u32 f1 = rt(f0 ^ 0x200000);
    u32 f2 = rt(f1 ^ 0x200000);
    printf("ID toggle: %08x %08x %08x toggles=%d\n", f0, f1, f2,
           ((f0 ^ f1) & 0x200000) && !((f0 ^ f2) & 0x200000));
    /* AC (bit 18) */
    printf("AC: %08x %08x\n", rt(0x40002), rt(0x2));
    /* IOPL */
    printf("IOPL: %08x %08x %08x %08x\n", rt(0x1002), rt(0x2002), rt(0x3002), rt(0x0002));
    /* NT */
    printf("NT: %08x\n", rt(0x4002));
    /* DF via popf and std/cld */
    printf("DF popf: %08x\n", rt(0x402));
    __asm__ volatile("std\n\tpushfl\n\tpopl %0\n\tcld\n\tpushfl\n\tpopl %1" : "=r"(a), "=r"(b));
    printf("std: %08x cld: %08x\n", a, b);
    /* arithmetic flags round trip, one at a time and all together */
    static const u32 bits[] = {0x001, 0x004, 0x010, 0x040, 0x080, 0x800, 0x8d5};
    for (unsigned i = 0; i < sizeof(bits) / 4; i++)
        printf("arith %03x: %08x\n", bits[i], rt(bits[i]));
    /* reserved bits and RF/VM/VIF/VIP (IF and TF kept clear) */
    printf("all-ones (no TF/IF): %08x\n", rt(0xfffffcff));
    printf("RF only: %08x VM only: %08x VIF|VIP: %08x\n", rt(0x10002), rt(0x20002), rt(0x180002));
    printf("reserved 3/5/15: %08x high: %08x\n", rt(0x802a), rt(0xffc00002));
    /* clc/stc/cmc */
    __asm__ volatile("pushl $2\n\tpopfl\n\tstc\n\tpushfl\n\tpopl %0\n\tcmc\n\tpushfl\n\tpopl %1\n\t"
                     "cmc\n\tclc\n\tpushfl\n\tpopl %2"
                     : "=r"(a), "=r"(b), "=r"(c) : : "cc");
    printf("stc: %08x cmc: %08x clc: %08x\n", a, b, c);
    /* lahf/sahf: AH <-> SF ZF AF PF CF (bit 1 reads 1 in AH) */
    u32 ax;
    __asm__ volatile("pushl $0x8d5\n\tpopfl\n\tmovl $0, %%eax\n\tlahf\n\tpushl $2\n\tpopfl"
                     : "=&a"(ax) : : "cc");
    printf("lahf (8d5): %08x\n", ax);
    __asm__ volatile("pushl $0x800\n\tpopfl\n\tmovl $0xffff, %%eax\n\tsahf\n\tpushfl\n\tpopl %0\n\t"
                     "pushl $2\n\tpopfl"
                     : "=r"(a) : : "eax", "cc");
    printf("sahf (ff, OF preset): %08x\n", a);
    __asm__ volatile("pushl $0x8d5\n\tpopfl\n\tmovl $0x2a00, %%eax\n\tsahf\n\tpushfl\n\tpopl %0\n\t"
                     "pushl $2\n\tpopfl"
                     : "=r"(a) : : "eax", "cc");
    printf("sahf (2a): %08x\n", a);
    /* 16-bit pushf/popf: upper half (AC, ID) must be untouched by popfw */
    u32 lo16, full;
    __asm__ volatile("pushl $0x240002\n\tpopfl\n\t"
                     "pushw $0x0cd5\n\tpopfw\n\t"
                     "pushfl\n\tpopl %0\n\t"
                     "pushfw\n\tpopw %w1\n\t"
                     "pushl $2\n\tpopfl"
                     : "=r"(full), "=r"(lo16) : : "cc");
    printf("popfw: %08x pushfw: %04x\n", full, lo16 & 0xffff);
    /* pushf leaves ESP - 4 / pushfw ESP - 2 */
    u32 d1, d2;
    __asm__ volatile("movl %%esp, %0\n\tpushfl\n\tsubl %%esp, %0\n\taddl $4, %%esp\n\t"
                     "movl %%esp, %1\n\tpushfw\n\tsubl %%esp, %1\n\taddl $2, %%esp"
                     : "=&r"(d1), "=&r"(d2));
    printf("pushf sizes: %u %u\n", d1, d2);
    __asm__ volatile("cli");
    printf("final IF: %u\n", (getfl() >> 9) & 1);
    return finish();
}
