/* hpet: the High Precision Event Timer at 0xFED00000 (fixed address, no
 * ACPI table needed), with both 8259s masked and interrupts through the
 * IOAPIC to the local APIC.
 *  - capabilities: revision, number of timers, 64-bit counter, legacy
 *    replacement capable, vendor, period in fs; each timer's capability
 *    bits, Tn_INT_ROUTE_CAP (QEMU's pc machine: pin 2 only) and the reset
 *    comparator
 *  - the main counter stands still while disabled and can be written
 *    then; once enabled it counts on from that value
 *  - rate (only PASS/FAIL is printed): PIT channel 2 counts down in mode 0
 *    while the counter runs ~45 ms; samples of (latched PIT count, HPET,
 *    TSC) read back to back must agree within 2%. Then 2,000,000 HPET
 *    ticks are timed with the TSC, whose rate comes from CPUID leaf 0x15
 *    where it is given (btvmm: 1 GHz) or else from the PIT window (QEMU's
 *    default CPU has no leaf 0x15): within 2%
 *  - the PIT is stopped (mode 1 waits for a gate edge channel 0 never
 *    gets) and an edge latched at the masked pin 2 is drained to a dummy
 *    vector: on QEMU, SeaBIOS ran the PIT and QEMU's IOAPIC keeps such an
 *    edge until the pin is unmasked
 *  - periodic, edge-triggered: timer 2 in 32-bit mode, programmed as Linux
 *    does (comparator with Tn_VAL_SET, then the period), 1 ms; 20
 *    interrupts must come with 18-200 ms of HPET time between the 1st and
 *    the 20th (missed periods merge, so a slow host only stretches it)
 *  - one-shot, level-triggered: timer 1 fires once; the handler sees its
 *    bit in the general interrupt status register, clears it by writing 1,
 *    then sends EOI, and no second interrupt comes. The comparator is set
 *    before the timer is enabled: QEMU (and btvmm, which follows it) counts
 *    a comparator behind the counter, such as the reset value ~0, as due
 *  - 32-bit one-shot across the wrap (counter started at 0xfffff000,
 *    comparator 2 ms later): one interrupt when the counter's low half
 *    wraps and one at the comparator, then none; the comparator's high
 *    dword reads 0
 *  - legacy replacement: timer 0 (periodic) reaches IOAPIC pin 2 (ISA
 *    IRQ 0) and timer 1 (one-shot) pin 8 (IRQ 8) */
#include "idt.c"

#define HPET 0xfed00000u
#define IOAPIC 0xfec00000u
#define LAPIC 0xfee00000u

#define H_CAP 0x000
#define H_PERIOD 0x004
#define H_CFG 0x010
#define H_STATUS 0x020
#define H_CNT 0x0f0
#define H_CNT_HI 0x0f4
#define T_CFG(n) (0x100 + 0x20 * (n))
#define T_CAP(n) (0x104 + 0x20 * (n))
#define T_CMP(n) (0x108 + 0x20 * (n))
#define T_CMP_HI(n) (0x10c + 0x20 * (n))

#define TN_LEVEL 0x2
#define TN_ENB 0x4
#define TN_PERIODIC 0x8
#define TN_SETVAL 0x40
#define TN_32BIT 0x100

static u32 hr(u32 off) { return mmio_read32(HPET + off); }
static void hw(u32 off, u32 v) { mmio_write32(HPET + off, v); }

static void io_w(u32 reg, u32 v)
{
    mmio_write32(IOAPIC, reg);
    mmio_write32(IOAPIC + 0x10, v);
}

static void route(int pin, u32 vec_flags)
{
    io_w(0x10 + 2 * pin + 1, 0);
    io_w(0x10 + 2 * pin, vec_flags);
}

static volatile u32 cnt[256];
static volatile u32 stamp[32];  /* counter at each of the first 32 interrupts of 0x41 */
static volatile u32 status_seen;

static void h_irq(struct trapframe *f)
{
    u32 n = cnt[f->vec]++;
    if (f->vec == 0x41 && n < 32)
        stamp[n] = hr(H_CNT);
    if (f->vec == 0x42) { /* level: clear the status bit before the EOI */
        status_seen = hr(H_STATUS);
        hw(H_STATUS, 2);
    }
    mmio_write32(LAPIC + 0xb0, 0);
}

static void wait_for(int vec, u32 n)
{
    while (cnt[vec] < n)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
}

/* Busy-wait t HPET ticks (the counter must run), interrupts enabled. */
static void spin_ticks(u32 t)
{
    u32 s = hr(H_CNT);
    sti();
    while (hr(H_CNT) - s < t)
        ;
    cli();
}

/* |a - b| <= b / 50, without 64-bit division */
static int within_2pct(u64 a, u64 b)
{
    u64 d = a > b ? a - b : b - a;
    return d * 50 <= b;
}

static u64 udiv64(u64 n, u32 d)
{
    u64 q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = r << 1 | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    return q;
}

/* PIT channel 2's count (latched), then the HPET counter and the TSC, read
 * back to back so that a host delay between samples cannot skew them. */
struct sample {
    u32 pit, hpet;
    u64 tsc;
};

static struct sample take(void)
{
    struct sample s;
    outb(0x43, 0x80);
    s.pit = inb(0x42);
    s.pit |= (u32)inb(0x42) << 8;
    s.hpet = hr(H_CNT);
    s.tsc = rdtsc();
    return s;
}

static void rate_checks(void)
{
    /* window A: PIT channel 2 counting down from 65535 in mode 0 (gate on
     * through port 0x61), sampled about 45 ms apart */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    struct sample a = take();
    while (hr(H_CNT) - a.hpet < 4500000u)
        ;
    struct sample b = take();
    u32 pit_clocks = a.pit - b.pit, hd = b.hpet - a.hpet;
    u64 td = b.tsc - a.tsc;
    printf_("counter rate vs PIT: %s\n",
            within_2pct((u64)hd * 1193182u, (u64)pit_clocks * 100000000u) ? "PASS" : "FAIL");

    /* the TSC's rate: CPUID leaf 0x15 where it is given (btvmm: 1 GHz),
     * else calibrated in window A */
    u32 max, eax, ebx, ecx, edx;
    cpuid(0, 0, &max, &ebx, &ecx, &edx);
    u64 tsc_hz = 0;
    if (max >= 0x15) {
        cpuid(0x15, 0, &eax, &ebx, &ecx, &edx);
        if (eax && ebx && ecx)
            tsc_hz = udiv64((u64)ecx * ebx, eax);
    }
    if (!tsc_hz)
        tsc_hz = udiv64(td * 1193182u, pit_clocks);

    /* window B: 2,000,000 HPET ticks (20 ms) timed by the TSC */
    u32 h0 = hr(H_CNT), h1;
    u64 t0 = rdtsc(), t1;
    do {
        h1 = hr(H_CNT);
        t1 = rdtsc();
    } while (h1 - h0 < 2000000u);
    printf_("counter rate vs TSC: %s\n",
            within_2pct((u64)(h1 - h0) * udiv64(tsc_hz, 1000u), (t1 - t0) * 100000u)
                ? "PASS"
                : "FAIL");
}

static int top_pin(u32 cap, int below)
{
    for (int p = below - 1; p >= 0; p--)
        if (cap & (1u << p))
            return p;
    return -1;
}

int main(void)
{
    cpu_init();
    mmio_write32(LAPIC + 0xf0, 0x1ff);
    mmio_write32(LAPIC + 0x80, 0);
    for (int v = 0x40; v <= 0x45; v++)
        trap_handlers[v] = h_irq;

    u32 cap = hr(H_CAP);
    printf_("cap: rev %u, timers %u, 64-bit %u, legacy capable %u, vendor %04x, "
            "period %u fs\n",
            cap & 0xff, ((cap >> 8) & 0x1f) + 1, (cap >> 13) & 1, (cap >> 15) & 1, cap >> 16,
            hr(H_PERIOD));
    u32 ntimers = ((cap >> 8) & 0x1f) + 1;
    for (u32 n = 0; n < ntimers && n < 3; n++)
        printf_("timer %u: config %08x, route cap %08x, comparator %08x%08x\n", n,
                hr(T_CFG(n)), hr(T_CAP(n)), hr(T_CMP_HI(n)), hr(T_CMP(n)));
    printf_("config %08x, status %08x\n", hr(H_CFG), hr(H_STATUS));

    u32 c0 = hr(H_CNT);
    for (volatile int i = 0; i < 100000; i++)
        ;
    printf_("halted counter still: %u\n", hr(H_CNT) == c0);
    hw(H_CNT, 0x12345678);
    hw(H_CNT_HI, 0);
    printf_("written while halted: %08x%08x\n", hr(H_CNT_HI), hr(H_CNT));
    hw(H_CFG, 1);
    u32 a = hr(H_CNT);
    for (volatile int i = 0; i < 100000; i++)
        ;
    u32 b = hr(H_CNT);
    printf_("enabled: counts on from the written value %u, advances %u\n",
            a - 0x12345678u < 50000000u, b != a);
    rate_checks();

    /* Everything below uses IOAPIC pin 2, the only pin QEMU's pc machine
     * offers (route cap 0x4). ISA IRQ 0 is there too: stop the PIT (mode 1
     * waits for a gate edge that never comes on channel 0), then let an
     * edge latched while the pin was masked go to a dummy vector. */
    outb(0x43, 0x32);
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    route(2, 0x45);
    spin_ticks(200000);
    io_w(0x10 + 2 * 2, 0x10000);

    /* periodic, edge, timer 2, set up as Linux does (32-bit mode, the
     * comparator with Tn_VAL_SET, then the period) */
    u32 rcap = hr(T_CAP(2));
    int pin = top_pin(rcap, 24);
    printf_("timers routed to pin %d\n", pin);
    route(pin, 0x41);
    hw(T_CFG(2), TN_PERIODIC | TN_SETVAL | TN_ENB | TN_32BIT | (u32)pin << 9);
    hw(T_CMP(2), hr(H_CNT) + 100000);
    hw(T_CMP(2), 100000);
    wait_for(0x41, 20);
    hw(T_CFG(2), 0);
    u32 span = stamp[19] - stamp[0];
    printf_("periodic: 20 interrupts, 19 periods in 18-200 ms: %u\n",
            span >= 1800000u && span <= 20000000u);

    /* one-shot, level, timer 1 (comparator first: QEMU counts a
     * comparator behind the counter, such as the reset value ~0, as due) */
    route(pin, 0x42 | 0x8000);
    hw(T_CMP_HI(1), 0);
    hw(T_CMP(1), hr(H_CNT) + 100000);
    hw(T_CFG(1), TN_LEVEL | TN_ENB | (u32)pin << 9);
    wait_for(0x42, 1);
    spin_ticks(500000);
    printf_("level one-shot: %u interrupt, status in handler %x, after clear %x\n",
            cnt[0x42], status_seen & 7, hr(H_STATUS) & 7);
    hw(T_CFG(1), 0);

    /* 32-bit one-shot across the 32-bit wrap, timer 2 */
    route(pin, 0x41);
    hw(H_CFG, 0);
    hw(H_CNT, 0xfffff000u);
    hw(H_CNT_HI, 0);
    hw(T_CFG(2), TN_32BIT | TN_ENB | (u32)pin << 9);
    hw(T_CMP(2), 0xfffff000u + 200000u);
    printf_("32-bit: comparator %08x%08x\n", hr(T_CMP_HI(2)), hr(T_CMP(2)));
    u32 before = cnt[0x41];
    hw(H_CFG, 1);
    wait_for(0x41, before + 2);
    u32 w = stamp[before], m = stamp[before + 1];
    printf_("32-bit one-shot: at the wrap %u, at the comparator %u\n",
            w >= 0xfffff000u || w < 100000u, m >= 200000u - 10000u && m <= 2000000u);
    spin_ticks(300000);
    printf_("32-bit one-shot: no more interrupts %u\n", cnt[0x41] == before + 2);
    hw(T_CFG(2), 0);
    io_w(0x10 + 2 * pin, 0x10000);

    /* legacy replacement: timer 0 -> IRQ 0 (pin 2), timer 1 -> IRQ 8 (pin 8) */
    hw(H_CFG, 3);
    route(2, 0x43);
    route(8, 0x44);
    hw(T_CFG(0), TN_PERIODIC | TN_SETVAL | TN_ENB | TN_32BIT);
    hw(T_CMP(0), hr(H_CNT) + 100000);
    hw(T_CMP(0), 100000);
    hw(T_CMP_HI(1), 0);
    hw(T_CMP(1), hr(H_CNT) + 300000);
    hw(T_CFG(1), TN_ENB);
    wait_for(0x43, 10);
    wait_for(0x44, 1);
    hw(T_CFG(0), 0);
    hw(T_CFG(1), 0);
    hw(H_CFG, 0);
    io_w(0x10 + 2 * 2, 0x10000);
    io_w(0x10 + 2 * 8, 0x10000);
    printf_("legacy: timer 0 on pin 2: %u, timer 1 on pin 8: %u\n", cnt[0x43] >= 10,
            cnt[0x44] >= 1);
    u32 other = 0;
    for (int v = 0; v < 256; v++)
        if (v < 0x40 || v > 0x45)
            other += trap_count[v];
    printf_("other vectors: %u\n", other);
    return finish();
}
