/* apic_timer: the local APIC at 0xFEE00000 (xAPIC MMIO), PICs masked.
 *  - CPUID.1:EDX.APIC, IA32_APIC_BASE (MSR 0x1b): base 0xFEE00000, enabled,
 *    BSP; version register: integrated APIC (0x10..0x15), >= 4 LVT entries
 *  - SVR = 0x1ff (software enable, spurious vector 0xff), read back
 *  - one-shot timer (LVT timer vector 0x40, divide 16): current count runs
 *    down, fires once (hlt wakes), current count then 0
 *  - periodic timer (vector 0x41): 20 interrupts, then masked; LVT read back.
 *    A period that ends while the 20th handler runs leaves 0x41 latched in
 *    the IRR (masking the LVT does not clear it) and it is delivered after
 *    the EOI, so the handler reads that IRR bit after masking and the test
 *    counts nothing beyond it
 *  - self-IPI through the ICR (shorthand "self", fixed, vector 0x50);
 *    ICR delivery status idle afterwards
 *  - TPR 0x50 blocks vector 0x52 (priority class 5 <= 5): stays in IRR;
 *    TPR 0 lets it in; TPR read back
 *  - nesting: in the handler of 0x60 (IF set again) a self-IPI of 0x70 is
 *    taken at once (class 7 > 6), ISR has both bits; in the handler of 0x70
 *    a self-IPI of 0x61 waits until 0x70's EOI (class 6 <= 7) and until
 *    IF=1 again; EOI clears the highest ISR bit first
 * TSC-deadline mode is not tested (QEMU TCG does not offer it; btvmm's
 * CPUID need not either). Timer periods are not printed. */
#include "idt.c"

#define LAPIC 0xfee00000u
#define L_ID 0x20
#define L_VER 0x30
#define L_TPR 0x80
#define L_PPR 0xa0
#define L_EOI 0xb0
#define L_SVR 0xf0
#define L_ISR 0x100
#define L_IRR 0x200
#define L_ESR 0x280
#define L_ICRLO 0x300
#define L_ICRHI 0x310
#define L_TIMER 0x320
#define L_TICR 0x380
#define L_TCCR 0x390
#define L_TDCR 0x3e0

static u32 lr(u32 r) { return mmio_read32(LAPIC + r); }
static void lw(u32 r, u32 v) { mmio_write32(LAPIC + r, v); }
static u32 bit_in(u32 base, u32 vec) { return (lr(base + (vec / 32) * 0x10) >> (vec % 32)) & 1; }

static u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

static volatile u32 cnt[256];
static char seq[32];
static volatile u32 seq_n;
static volatile u32 latched41; /* IRR bit of 0x41 right after the mask */
static volatile u32 isr60_in_70, isr70_in_70;

static void seq_add(char c)
{
    if (seq_n < sizeof(seq) - 1)
        seq[seq_n++] = c;
}

static void h_count(struct trapframe *f)
{
    cnt[f->vec]++;
    if (f->vec == 0x41 && cnt[0x41] == 20) {
        lw(L_TIMER, 0x10000 | 0x20000 | 0x41); /* mask */
        latched41 = bit_in(L_IRR, 0x41);
    }
    lw(L_EOI, 0);
}

static void self_ipi(u32 vec) { lw(L_ICRLO, 0x40000 | vec); }

static void spin_until(volatile u32 *p, u32 v)
{
    for (u32 i = 0; i < 10000000u && *p < v; i++)
        __asm__ volatile("pause");
}

static void h60(struct trapframe *f)
{
    (void)f;
    seq_add('A');
    self_ipi(0x70);
    __asm__ volatile("sti" ::: "memory");
    spin_until(&cnt[0x70], 1);
    __asm__ volatile("cli" ::: "memory");
    seq_add('a');
    cnt[0x60]++;
    lw(L_EOI, 0);
}

static void h70(struct trapframe *f)
{
    (void)f;
    seq_add('B');
    isr60_in_70 = bit_in(L_ISR, 0x60);
    isr70_in_70 = bit_in(L_ISR, 0x70);
    self_ipi(0x61);
    __asm__ volatile("sti" ::: "memory");
    for (volatile int i = 0; i < 100000; i++) /* 0x61 must not come in here */
        ;
    __asm__ volatile("cli" ::: "memory");
    seq_add(cnt[0x61] ? '!' : 'b');
    cnt[0x70]++;
    lw(L_EOI, 0);
}

static void h61(struct trapframe *f)
{
    (void)f;
    seq_add('C');
    cnt[0x61]++;
    lw(L_EOI, 0);
}

int main(void)
{
    cpu_init();
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    printf("cpuid.1 edx.APIC: %u\n", (d >> 9) & 1);
    u64 base = rdmsr(0x1b);
    printf("APIC_BASE: base=%08x enable=%u bsp=%u\n", (u32)base & 0xfffff000u, (u32)(base >> 11) & 1,
           (u32)(base >> 8) & 1);
    u32 ver = lr(L_VER);
    printf("version: integrated=%u maxlvt>=4: %u\n", (ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15,
           ((ver >> 16) & 0xff) >= 4);
    printf("id: %u\n", lr(L_ID) >> 24);

    for (int v = 0x40; v <= 0x70; v++)
        trap_handlers[v] = h_count;
    trap_handlers[0x60] = h60;
    trap_handlers[0x70] = h70;
    trap_handlers[0x61] = h61;

    lw(L_SVR, 0x1ff);
    printf("svr: %03x\n", lr(L_SVR) & 0x1ff);
    lw(L_TPR, 0);

    /* one-shot */
    lw(L_TDCR, 0x3); /* divide by 16 */
    lw(L_TIMER, 0x40);
    lw(L_TICR, 2000000);
    u32 c1 = lr(L_TCCR);
    for (volatile int i = 0; i < 10000; i++)
        ;
    u32 c2 = lr(L_TCCR);
    printf("one-shot: tdcr=%x lvt=%05x counting down: %u\n", lr(L_TDCR) & 0xb, lr(L_TIMER), c2 < c1 || cnt[0x40] > 0);
    while (cnt[0x40] == 0)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    for (volatile int i = 0; i < 100000; i++)
        ;
    printf("one-shot: fired=%u current count=%u\n", cnt[0x40], lr(L_TCCR));

    /* periodic */
    lw(L_TIMER, 0x20000 | 0x41);
    lw(L_TICR, 100000);
    while (cnt[0x41] < 20)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    printf("periodic: count=%u lvt after mask=%05x\n", cnt[0x41] - latched41, lr(L_TIMER));
    sti();
    for (volatile int i = 0; i < 200000; i++)
        ;
    cli();
    printf("periodic: count after mask=%u\n", cnt[0x41] - latched41);
    lw(L_TICR, 0);

    /* self IPI */
    sti();
    self_ipi(0x50);
    spin_until(&cnt[0x50], 1);
    cli();
    printf("self-ipi 0x50: count=%u icr delivery status=%u icr vector=%02x\n", cnt[0x50],
           (lr(L_ICRLO) >> 12) & 1, lr(L_ICRLO) & 0xff);

    /* TPR */
    lw(L_TPR, 0x50);
    sti();
    self_ipi(0x52);
    for (volatile int i = 0; i < 100000; i++)
        ;
    cli();
    printf("tpr=%02x: 0x52 count=%u irr=%u isr=%u\n", lr(L_TPR) & 0xff, cnt[0x52], bit_in(L_IRR, 0x52),
           bit_in(L_ISR, 0x52));
    lw(L_TPR, 0);
    sti();
    spin_until(&cnt[0x52], 1);
    cli();
    printf("tpr=%02x: 0x52 count=%u irr=%u\n", lr(L_TPR) & 0xff, cnt[0x52], bit_in(L_IRR, 0x52));

    /* nesting and EOI order */
    sti();
    self_ipi(0x60);
    spin_until(&cnt[0x61], 1);
    cli();
    seq[seq_n] = 0;
    printf("nesting: sequence=%s (A/a: 0x60 in/out, B/b: 0x70, C: 0x61)\n", seq);
    printf("nesting: ISR in 0x70 handler: 0x60=%u 0x70=%u\n", isr60_in_70, isr70_in_70);
    printf("ISR/IRR empty at the end: %u\n",
           !(lr(L_ISR + 0x30) | lr(L_ISR + 0x20) | lr(L_ISR + 0x10) | lr(L_IRR + 0x30) | lr(L_IRR + 0x20) | lr(L_IRR + 0x10)));
    u32 other = 0;
    for (int v = 0; v < 256; v++)
        if (v < 0x40 || v > 0x70)
            other += trap_count[v];
    printf("unexpected vectors: %u\n", other);
    return finish();
}
