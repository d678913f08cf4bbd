/* ioapic_irq: PIT IRQ0 through the IOAPIC (0xFEC00000, IOREGSEL +0,
 * IOWIN +0x10) to the local APIC, with both 8259s fully masked.
 *  - IOAPIC version register: 24 redirection entries (max index 23);
 *    after reset every entry is masked
 *  - ISA IRQ0 (PIT ch0) is on pin 2 (interrupt source override, as on the
 *    PC/ACPI MADT); pin 0 gets nothing: pin 2 -> vector 0x40, pin 0 ->
 *    vector 0x42, both fixed/physical/edge/high to APIC 0
 *  - 20 ticks at ~1000 Hz counted with LAPIC EOI, then the entry is
 *    masked; redirection entries read back (delivery status idle).
 *    An edge that reached the LAPIC before the mask stays latched in its
 *    IRR and is delivered after the EOI (on a loaded host a tick can come
 *    due while the handler runs), so the handler reads the IRR bit right
 *    after masking and the test checks that nothing beyond that latched
 *    edge arrives
 *  - the vector is changed to 0x41 and 5 more ticks arrive there
 * Level-triggered mode is not tested (the PIT is edge-triggered). */
#include "idt.c"

#define IOAPIC 0xfec00000u
#define LAPIC 0xfee00000u

static u32 io_r(u32 reg)
{
    mmio_write32(IOAPIC, reg);
    return mmio_read32(IOAPIC + 0x10);
}

static void io_w(u32 reg, u32 v)
{
    mmio_write32(IOAPIC, reg);
    mmio_write32(IOAPIC + 0x10, v);
}

static volatile u32 cnt[256];
static volatile u32 limit;
static volatile u32 latched[256]; /* IRR bit of the vector, read after masking */

static void h_tick(struct trapframe *f)
{
    cnt[f->vec]++;
    if (f->vec == 0x40 || f->vec == 0x41) {
        if (cnt[f->vec] == limit) {
            io_w(0x10 + 2 * 2, 0x10000 | f->vec); /* mask pin 2 */
            u32 irr = mmio_read32(LAPIC + 0x200 + 0x10 * (f->vec >> 5));
            latched[f->vec] = (irr >> (f->vec & 31)) & 1;
        }
    }
    mmio_write32(LAPIC + 0xb0, 0);
}

int main(void)
{
    cpu_init(); /* both PICs masked */
    mmio_write32(LAPIC + 0xf0, 0x1ff);
    mmio_write32(LAPIC + 0x80, 0);
    u32 ver = io_r(1);
    printf("ioapic: max redirection entry=%u\n", (ver >> 16) & 0xff);
    int all_masked = 1;
    for (int i = 0; i < 24; i++)
        if (!(io_r(0x10 + 2 * i) & 0x10000))
            all_masked = 0;
    printf("all entries masked after reset: %u\n", all_masked);

    trap_handlers[0x40] = h_tick;
    trap_handlers[0x41] = h_tick;
    trap_handlers[0x42] = h_tick;

    /* PIT ch0 mode 2 ~1000 Hz */
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);

    limit = 20;
    io_w(0x10 + 2 * 0 + 1, 0);
    io_w(0x10 + 2 * 0, 0x42);
    io_w(0x10 + 2 * 2 + 1, 0);
    io_w(0x10 + 2 * 2, 0x40);
    printf("pin2: lo=%08x hi=%08x\n", io_r(0x14), io_r(0x15));
    while (cnt[0x40] < 20)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    sti();
    for (volatile int i = 0; i < 300000; i++)
        ;
    cli();
    u32 ticks40 = cnt[0x40] - latched[0x40];
    printf("vector 0x40: %u ticks, pin 0 (vector 0x42): %u\n", ticks40, cnt[0x42]);
    printf("pin2 after mask: lo=%08x hi=%08x\n", io_r(0x14), io_r(0x15));

    limit = 5;
    io_w(0x10 + 2 * 2, 0x41);
    while (cnt[0x41] < 5)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    printf("vector 0x41: %u ticks, vector 0x40 still %u\n",
           cnt[0x41] - latched[0x41], cnt[0x40] - latched[0x40]);
    printf("pin2: lo=%08x\n", io_r(0x14));
    io_w(0x10, 0x10000);
    outb(0x43, 0x30); /* ch0 mode 0: no more periodic edges */
    outb(0x40, 0);
    outb(0x40, 0);
    u32 other = 0;
    for (int v = 0; v < 256; v++)
        if (v < 0x40 || v > 0x42)
            other += trap_count[v];
    printf("pin 0 total: %u, other vectors: %u\n", cnt[0x42], other);
    return finish();
}
