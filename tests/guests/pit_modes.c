/* pit_modes: 8254 channel 2 (gate = port 0x61 bit 0, OUT2 = port 0x61
 * bit 5; speaker data bit 1 kept 0), counts read with the counter-latch
 * command and the read-back command. No interrupts are used. Printed facts
 * hold for any counting speed (relationships, not exact counts):
 *  - mode 0: OUT low after the control word and while counting, high at
 *    terminal count; latched counts decrease
 *  - mode 2 (count 1000): latched values stay in 1..1000, the counter
 *    reloads (a later value larger than an earlier one), OUT is high for
 *    all but one clock
 *  - mode 3 (count 1000): counts are even (decrement by 2), OUT toggles
 *  - read-back status byte (bit 7 OUT, bits 5-4 access = 3 (lo/hi), bits
 *    3-1 mode, bit 0 BCD): printed with bit 6 (null count) masked, since
 *    whether the count has been loaded yet depends on timing (QEMU never
 *    sets it)
 *  - read-back of status + count together: status first, then the count
 *  - port 0x61 reads back gate/speaker bits written
 * (Intel 82C54 datasheet: modes, read-back command, status byte.)
 *  - mode 0 with the gate low: counting is suspended (count held), resumes
 *    when the gate goes high again
 * QEMU 7.2 differs from the 8254 in two places, so pit_modes.qemu.expect
 * holds QEMU's output: its mode 2 OUT is inverted (low except for one
 * clock per period; the 8254's OUT is high except for one clock), and it
 * ignores GATE in mode 0 (the count keeps running). */
#include "idt.c"

static void ch2_ctrl(u8 mode) { outb(0x43, 0x80 | 0x30 | (mode << 1)); }
static void ch2_count(u16 c)
{
    outb(0x42, c & 0xff);
    outb(0x42, c >> 8);
}
static u16 ch2_latch(void)
{
    outb(0x43, 0x80); /* counter 2, latch */
    u8 lo = inb(0x42);
    u8 hi = inb(0x42);
    return (u16)(lo | (hi << 8));
}
static u8 ch2_status(void)
{
    outb(0x43, 0xe8); /* read-back: status only, counter 2 */
    return inb(0x42);
}
static int out2(void) { return (inb(0x61) >> 5) & 1; }
static void gate(int on) { outb(0x61, (inb(0x61) & ~0x03) | (on ? 1 : 0)); }

int main(void)
{
    cpu_init();
    gate(0);
    printf("port 0x61 gate=0: bits1-0=%u\n", inb(0x61) & 3);
    gate(1);
    printf("port 0x61 gate=1: bits1-0=%u\n", inb(0x61) & 3);

    /* mode 0 */
    ch2_ctrl(0);
    int out_after_ctrl = out2();
    printf("mode 0: status after control word=%02x\n", ch2_status() & 0xbf);
    ch2_count(0xffff);
    u16 a = ch2_latch();
    for (volatile int i = 0; i < 2000; i++)
        ;
    u16 b = ch2_latch();
    printf("mode 0: OUT after control word=%u, while counting=%u, latched counts decrease=%u\n",
           out_after_ctrl, out2(), b < a);
    printf("mode 0: status while counting=%02x\n", ch2_status() & 0xbf);
    ch2_ctrl(0);
    ch2_count(200);
    int low_seen = !out2(), high = 0;
    for (u32 i = 0; i < 100000000u && !high; i++)
        high = out2();
    printf("mode 0 count 200: OUT low then high=%u\n", low_seen && high);
    printf("mode 0: status after terminal count=%02x\n", ch2_status() & 0xbf);
    outb(0x43, 0xc8); /* read-back status + count, counter 2 */
    u8 st = inb(0x42);
    u16 cnt = inb(0x42);
    cnt |= inb(0x42) << 8;
    printf("mode 0: read-back status+count: status=%02x count past 0 (wrapped)=%u\n", st & 0xbf,
           cnt > 200);

    /* mode 2 */
    ch2_ctrl(2);
    ch2_count(1000);
    int inrange = 1, reload = 0, low = 0;
    u16 prev = ch2_latch(), maxv = 0;
    for (u32 i = 0; i < 2000000u && !reload; i++) {
        u16 v = ch2_latch();
        if (v < 1 || v > 1000)
            inrange = 0;
        if (v > prev)
            reload = 1;
        if (v > maxv)
            maxv = v;
        prev = v;
    }
    for (u32 i = 0; i < 1000; i++)
        low += !out2();
    printf("mode 2 count 1000: values in 1..1000=%u reload seen=%u OUT low in <= 1%% of reads=%u\n",
           inrange, reload, low <= 10);
    printf("mode 2: status & 0x3f=%02x\n", ch2_status() & 0x3f);

    /* mode 3 */
    ch2_ctrl(3);
    ch2_count(1000);
    int even = 1, saw_lo = 0, saw_hi = 0;
    for (u32 i = 0; i < 5000000u && !(saw_lo && saw_hi && i > 1000); i++) {
        u16 v = ch2_latch();
        if (v & 1)
            even = 0;
        if (out2())
            saw_hi = 1;
        else
            saw_lo = 1;
    }
    printf("mode 3 count 1000: counts even=%u OUT toggles=%u\n", even, saw_lo && saw_hi);
    printf("mode 3: status & 0x3f=%02x\n", ch2_status() & 0x3f);

    /* gate low in mode 0 holds the count */
    ch2_ctrl(0);
    ch2_count(0xffff);
    for (volatile int i = 0; i < 1000; i++)
        ;
    gate(0);
    a = ch2_latch();
    for (volatile int i = 0; i < 20000; i++)
        ;
    b = ch2_latch();
    printf("mode 0, gate low: count held=%u\n", a == b);
    gate(1);
    for (volatile int i = 0; i < 20000; i++)
        ;
    b = ch2_latch();
    printf("mode 0, gate high again: counting=%u\n", b < a);
    gate(0);
    return finish();
}
