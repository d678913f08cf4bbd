/* pic_pit: 8259A pair + 8254 channel 0 periodic interrupts.
 *  - remap (ICW1-4: 0x11, 0x20/0x28, 4/2, 1), IMR read back
 *  - PIT ch0 mode 2, count 1193 (~1000 Hz), IRQ0 unmasked, `sti; hlt`
 *    loop; the handler masks IRQ0 itself at the 50th tick, so exactly 50
 *  - ISR (OCW3 0x0b) inside the handler before EOI = 0x01, 0 after EOI
 *  - with IRQ0 masked and the PIT still running: IRR bit 0 becomes set
 *    (the IRR latches the edge regardless of the IMR) and no interrupt is
 *    taken with IF=1 during a ~10 ms busy wait timed by PIT channel 2
 *    (mode 0 with the gate on port 0x61 bit 0, OUT2 polled on port 0x61
 *    bit 5, as Linux's TSC calibration does)
 *  - unmasking delivers the latched request: exactly one more tick
 *  - no spurious IRQ7/IRQ15 (vectors 0x27, 0x2f) at any point
 * Only timing-independent facts are printed. */
#include "idt.c"

static volatile u32 ticks, tick_limit;
static volatile u8 isr_in_handler = 0xee;

static void h_irq0(struct trapframe *f)
{
    (void)f;
    if (ticks == 0)
        isr_in_handler = pic_read_isr(0);
    ticks++;
    if (ticks >= tick_limit)
        pic_mask(0);
    pic_eoi(0);
}

static void pit_ch0_periodic(u16 count)
{
    outb(0x43, 0x34); /* ch0, lobyte/hibyte, mode 2, binary */
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
}

/* PIT ch2 one-shot of `count` (mode 0); returns 1 when OUT2 went high. */
static int ch2_wait(u16 count)
{
    u8 p61 = inb(0x61);
    outb(0x61, (p61 & ~0x02) | 0x01); /* gate on, speaker off */
    outb(0x43, 0xb0);                 /* ch2, lobyte/hibyte, mode 0, binary */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    int low_seen = !(inb(0x61) & 0x20);
    for (u32 i = 0; i < 200000000u; i++)
        if (inb(0x61) & 0x20)
            return low_seen ? 1 : 2;
    return 0;
}

int main(void)
{
    cpu_init();
    printf("IMR after remap: master=%02x slave=%02x\n", pic_read_imr(0), pic_read_imr(1));
    printf("ISR: %02x %02x\n", pic_read_isr(0), pic_read_isr(1));
    trap_handlers[0x20] = h_irq0;

    tick_limit = 50;
    pit_ch0_periodic(1193);
    pic_unmask(0);
    printf("IMR with IRQ0 unmasked: %02x\n", pic_read_imr(0));
    while (ticks < 50)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    printf("ticks=%u\n", ticks);
    printf("ISR in handler before EOI: %02x\n", isr_in_handler);
    printf("ISR after EOI: %02x %02x\n", pic_read_isr(0), pic_read_isr(1));
    printf("IMR after the handler masked IRQ0: %02x\n", pic_read_imr(0));

    /* masked: IRR latches, no delivery even with IF=1 */
    sti();
    int w = ch2_wait(11932); /* ~10 ms */
    cli();
    printf("ch2 out went high: %s\n", w == 1 ? "yes (low first)" : w == 2 ? "already high" : "no");
    printf("ticks after 10 ms masked with IF=1: %u\n", ticks);
    printf("IRR0 while masked: %u\n", pic_read_irr(0) & 1);

    tick_limit = 51;
    pic_unmask(0);
    sti();
    ch2_wait(2386); /* ~2 ms: the latched request is delivered at once */
    cli();
    printf("ticks after unmask: %u\n", ticks);
    outb(0x43, 0x30); /* stop periodic interrupts: ch0 mode 0 */
    outb(0x40, 0);
    outb(0x40, 0);
    printf("spurious irq7/irq15: %u %u\n", trap_count[0x27], trap_count[0x2f]);
    u32 other = 0;
    for (int v = 0; v < 256; v++)
        if (v != 0x20)
            other += trap_count[v];
    printf("other vectors: %u\n", other);
    return finish();
}
