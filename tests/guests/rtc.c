/* rtc: the MC146818-compatible CMOS RTC at ports 0x70/0x71.
 *  - register B as set by the firmware: BCD (DM=0) and 24-hour mode
 *  - time/date registers (read with UIP clear) are valid BCD and in range;
 *    a second read 1.1 s later (timed with PIT channel 2) differs
 *  - register C UF (update ended) is set 1.1 s after C was read
 *  - register A UIP (bit 7) is seen set while polling (up to 5 s)
 *  - periodic interrupt, rate 6 = 1024 Hz (register A 0x26), PIE in
 *    register B, IRQ8 on the slave PIC (vector 0x28 + 0, cascade IRQ2):
 *    64 interrupts, each acknowledged by reading register C (IRQF|PF set);
 *    with PIE off again, IRQF reads 0
 *  - the index port's bit 7 (NMI disable) does not change which register is
 *    read: register B via 0x0b and 0x8b read the same
 * Values of the clock itself are not printed. */
#include "idt.c"

static u8 cmos(u8 reg)
{
    outb(0x70, reg);
    return inb(0x71);
}
static void cmos_w(u8 reg, u8 v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

static int ch2_10ms(void)
{
    u8 p61 = inb(0x61);
    outb(0x61, (p61 & ~0x02) | 0x01);
    outb(0x43, 0xb0);
    outb(0x42, 11932 & 0xff);
    outb(0x42, 11932 >> 8);
    for (u32 i = 0; i < 200000000u; i++)
        if (inb(0x61) & 0x20)
            return 1;
    return 0;
}

static int bcd_ok(u8 v, u8 lo, u8 hi)
{
    if ((v & 0x0f) > 9 || (v >> 4) > 9)
        return 0;
    u8 b = (v >> 4) * 10 + (v & 0x0f);
    return b >= lo && b <= hi;
}

struct tm_ {
    u8 s, m, h, d, mo, y;
};

static void read_time(struct tm_ *t)
{
    while (cmos(0x0a) & 0x80)
        ;
    t->s = cmos(0);
    t->m = cmos(2);
    t->h = cmos(4);
    t->d = cmos(7);
    t->mo = cmos(8);
    t->y = cmos(9);
}

static volatile u32 rtc_n, regc_or, regc_and = 0xff;

static void h_rtc(struct trapframe *f)
{
    (void)f;
    u8 c = cmos(0x0c);
    regc_or |= c;
    regc_and &= c;
    rtc_n++;
    pic_eoi(8);
}

int main(void)
{
    cpu_init();
    u8 b = cmos(0x0b);
    printf("reg B: BCD=%u 24h=%u PIE/AIE/UIE=%u\n", !(b & 4), (b >> 1) & 1, (b >> 4) & 7);
    outb(0x70, 0x8b);
    u8 b2 = inb(0x71);
    printf("reg B via index 0x8b (NMI masked) same: %u\n", b2 == b);
    outb(0x70, 0x0d);
    printf("reg D VRT: %u\n", inb(0x71) >> 7);

    struct tm_ t1, t2;
    read_time(&t1);
    int valid = bcd_ok(t1.s, 0, 59) && bcd_ok(t1.m, 0, 59) && bcd_ok(t1.h, 0, 23) &&
                bcd_ok(t1.d, 1, 31) && bcd_ok(t1.mo, 1, 12) && bcd_ok(t1.y, 0, 99);
    printf("time valid BCD and in range: %u\n", valid);
    int ok = 1;
    for (int i = 0; i < 110; i++)
        ok &= ch2_10ms();
    read_time(&t2);
    printf("pit ch2 worked: %u, time changed after 1.1 s: %u\n", ok,
           t1.s != t2.s || t1.m != t2.m || t1.h != t2.h);

    /* UF (register C bit 4) latches every update until C is read: robust */
    cmos(0x0c);
    for (int i = 0; i < 110; i++)
        ch2_10ms();
    printf("reg C UF set after 1.1 s: %u\n", (cmos(0x0c) >> 4) & 1);

    /* UIP is set only for the last 244 us before each update: poll for up
     * to 5 s (normally seen within the first second; the margin is for a
     * host that deschedules the VM for longer than the window) */
    int uip = 0;
    for (int i = 0; i < 500 && !uip; i++) {
        u8 p61 = inb(0x61);
        outb(0x61, (p61 & ~0x02) | 0x01);
        outb(0x43, 0xb0);
        outb(0x42, 11932 & 0xff);
        outb(0x42, 11932 >> 8);
        for (u32 j = 0; j < 200000000u && !(inb(0x61) & 0x20); j++)
            if (cmos(0x0a) & 0x80) {
                uip = 1;
                break;
            }
    }
    printf("UIP seen: %u\n", uip);

    /* periodic interrupt at 1024 Hz */
    trap_handlers[0x28] = h_rtc;
    u8 a = cmos(0x0a);
    cmos_w(0x0a, (a & 0xf0) | 0x06);
    printf("reg A rate bits: %x divider: %x\n", cmos(0x0a) & 0x0f, (cmos(0x0a) >> 4) & 7);
    cmos(0x0c);
    cmos_w(0x0b, cmos(0x0b) | 0x40);
    pic_unmask(2);
    pic_unmask(8);
    while (rtc_n < 64)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    cmos_w(0x0b, cmos(0x0b) & ~0x40);
    pic_mask(8);
    u32 n = rtc_n;
    printf("rtc periodic %s (%u interrupts), reg C in handler: IRQF|PF always=%u\n",
           n >= 64 ? "ok" : "FAILED", n >= 64 ? 64 : n, (regc_and & 0xc0) == 0xc0);
    cmos(0x0c);
    for (int i = 0; i < 2; i++)
        ch2_10ms();
    printf("PIE off: reg C IRQF=%u\n", cmos(0x0c) >> 7);
    cmos_w(0x0a, a);
    printf("ISR after: %02x %02x\n", pic_read_isr(0), pic_read_isr(1));
    return finish();
}
