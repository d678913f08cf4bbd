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
 *    default CPU has no leaf 0x15): within 2%. Each check passes if one of
 *    three tries does (a descheduled guest skews one try; a wrong rate
 *    fails all three)
 *  - from here on everything uses IOAPIC pin 2 (the only pin in QEMU's
 *    route cap) with legacy replacement mode on, which cuts the PIT off
 *    (QEMU's PIT raises an edge in any mode when a count runs out); an
 *    edge latched at the masked pin (QEMU's IOAPIC keeps it; SeaBIOS ran
 *    the PIT) is drained to a dummy vector first
 *  - periodic, edge-triggered: timer 2 in 32-bit mode, programmed as Linux
 *    does (comparator with Tn_VAL_SET, then the period) but enabled last
 *    (the reset comparator cut to 32 bits is behind the counter in QEMU's
 *    signed comparison, so enabling first fires at once; btvmm follows
 *    it), 1 ms: 20 interrupts, none early (the 1st not before the
 *    comparator, the 20th not before 19 periods later), within 1 s. The
 *    first comparator is 10 ms ahead: until the second write sets the
 *    period, the period is that comparator value, and QEMU runs the timer
 *    even before it is enabled, so a host delay of more than the first
 *    interval between the two writes would push the interrupts seconds
 *    away
 *  - one-shot, level-triggered: timer 2 fires once; the handler sees its
 *    bit in the general interrupt status register, clears it by writing 1,
 *    then sends EOI, and no second interrupt comes. The comparator is set
 *    before the timer is enabled, for the same reason
 *  - 32-bit one-shot across the wrap (counter started at 0xfe000000,
 *    comparator 0x02000000, 335 ms each way): one interrupt when the
 *    counter's low half wraps (after the wrap, before the comparator) and
 *    one at the comparator (after it), then none; the comparator's high
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
        hw(H_STATUS, 4);
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

/* One try of both rate checks; bit 0: PIT, bit 1: TSC. */
static int rate_try(void)
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
    int ok = within_2pct((u64)hd * 1193182u, (u64)pit_clocks * 100000000u);

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
    if (within_2pct((u64)(h1 - h0) * udiv64(tsc_hz, 1000u), (t1 - t0) * 100000u))
        ok |= 2;
    return ok;
}

/* A host that deschedules the guest between two samples skews one try:
 * each check passes if one of three tries does (a wrong rate fails all). */
static void rate_checks(void)
{
    int ok = 0;
    for (int i = 0; i < 3 && ok != 3; i++)
        ok |= rate_try();
    printf_("counter rate vs PIT: %s\n", ok & 1 ? "PASS" : "FAIL");
    printf_("counter rate vs TSC: %s\n", ok & 2 ? "PASS" : "FAIL");
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
     * offers (route cap 0x4). ISA IRQ 0 is there too, and QEMU's PIT makes
     * an edge in any mode once a count runs out (it does not model channel
     * 0's gate), so legacy replacement mode stays on from here: it cuts the
     * PIT off (timers 0 and 1 are left alone until the legacy test).
     * An edge latched while the pin was masked (QEMU's IOAPIC keeps it
     * until the pin is unmasked; SeaBIOS ran the PIT) goes to a dummy
     * vector first. */
    hw(H_CFG, 3);
    route(2, 0x45);
    spin_ticks(200000);
    io_w(0x10 + 2 * 2, 0x10000);

    /* periodic, edge, timer 2 in 32-bit mode, set up as Linux does
     * (comparator with Tn_VAL_SET, then the period) but enabled last: the
     * reset comparator cut to 32 bits is behind the counter in QEMU's
     * signed comparison and would fire at once. Interrupts may come late,
     * never early: the 1st not before the comparator, the 20th not before
     * 19 periods after it, and all within a second. */
    u32 rcap = hr(T_CAP(2));
    int pin = top_pin(rcap, 24);
    printf_("timers routed to pin %d\n", pin);
    route(pin, 0x41);
    u32 cfg = TN_PERIODIC | TN_32BIT | (u32)pin << 9;
    u32 first = hr(H_CNT) + 1000000;
    hw(T_CFG(2), cfg | TN_SETVAL);
    hw(T_CMP(2), first);
    hw(T_CMP(2), 100000);
    hw(T_CFG(2), cfg | TN_ENB);
    wait_for(0x41, 20);
    hw(T_CFG(2), 0);
    printf_("periodic: 20 interrupts, none early, within 1 s: %u\n",
            stamp[0] - first < 100000000u && stamp[19] - first >= 1900000u &&
                stamp[19] - first < 100000000u);

    /* one-shot, level, timer 2 (comparator first: QEMU counts a
     * comparator behind the counter, such as the reset value ~0, as due) */
    route(pin, 0x42 | 0x8000);
    hw(T_CMP_HI(2), 0);
    hw(T_CMP(2), hr(H_CNT) + 100000);
    hw(T_CFG(2), TN_LEVEL | TN_ENB | (u32)pin << 9);
    wait_for(0x42, 1);
    spin_ticks(500000);
    printf_("level one-shot: %u interrupt, status in handler %x, after clear %x\n",
            cnt[0x42], status_seen & 7, hr(H_STATUS) & 7);
    hw(T_CFG(2), 0);

    /* 32-bit one-shot across the 32-bit wrap, timer 2: the wrap comes
     * 32M ticks (~335 ms) after the start, the comparator 32M after that,
     * so that a late delivery on a loaded host neither merges the two
     * edges nor reorders them. The wait spins (no hlt) and gives up 0.5 s
     * after the comparator. */
    route(pin, 0x41);
    hw(H_CFG, 2);
    hw(H_CNT, 0xfe000000u);
    hw(H_CNT_HI, 0);
    hw(T_CFG(2), TN_32BIT | TN_ENB | (u32)pin << 9);
    hw(T_CMP(2), 0x02000000u);
    printf_("32-bit: comparator %08x%08x\n", hr(T_CMP_HI(2)), hr(T_CMP(2)));
    u32 before = cnt[0x41];
    hw(H_CFG, 3);
    sti();
    for (;;) {
        u32 c = hr(H_CNT);
        if (cnt[0x41] >= before + 2 || (c >= 0x02000000u + 50000000u && c < 0x80000000u))
            break;
    }
    cli();
    u32 w = stamp[before], m = stamp[before + 1];
    printf_("32-bit one-shot: %u interrupts, the first after the wrap %u, the second after "
            "the comparator %u\n",
            cnt[0x41] - before, w >= 0xffffff00u || w < 0x02000000u,
            m >= 0x02000000u && m < 0x80000000u);
    spin_ticks(300000);
    printf_("32-bit one-shot: no more interrupts %u\n", cnt[0x41] == before + 2);
    hw(T_CFG(2), 0);
    io_w(0x10 + 2 * pin, 0x10000);

    /* legacy replacement: timer 0 -> IRQ 0 (pin 2), timer 1 -> IRQ 8 (pin 8) */
    hw(H_CFG, 3);
    route(2, 0x43);
    route(8, 0x44);
    hw(T_CFG(0), TN_PERIODIC | TN_SETVAL | TN_32BIT);
    hw(T_CMP(0), hr(H_CNT) + 1000000);
    hw(T_CMP(0), 100000);
    hw(T_CFG(0), TN_PERIODIC | TN_ENB | TN_32BIT);
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
