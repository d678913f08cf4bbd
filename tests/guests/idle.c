/* idle: an idle guest must not spin on the host.
 * PIT channel 0 in mode 2 at 100 Hz (count 11932), IRQ0 unmasked at the
 * PIC (remapped to 0x20), then `sti; hlt; cli` until 100 ticks have
 * arrived (~1 s of guest time spent halted). Prints exactly
 *   idle: 100 ticks
 * and exits 0. No .expect on purpose: run_idle.sh (ctest guest_idle_cpu)
 * checks the output and that btvmm's user+sys CPU time stays below a
 * quarter of the elapsed time. */
#include "idt.c"

#define IDLE_TICKS 100

static volatile u32 ticks;

static void h_irq0(struct trapframe *f)
{
    (void)f;
    ticks++;
    pic_eoi(0);
}

int main(void)
{
    cpu_init();
    trap_handlers[0x20] = h_irq0;
    outb(0x43, 0x34); /* ch0, lobyte/hibyte, mode 2 (rate generator), binary */
    outb(0x40, 11932 & 0xff);
    outb(0x40, 11932 >> 8);
    pic_unmask(0);
    while (ticks < IDLE_TICKS)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    pic_mask(0);
    outb(0x43, 0x30); /* ch0 mode 0, count 0: no more periodic edges */
    outb(0x40, 0);
    outb(0x40, 0);
    u32 other = 0;
    for (int v = 0; v < 256; v++)
        if (v != 0x20)
            other += trap_count[v];
    if (other)
        printf("idle: %u unexpected interrupts\n", other);
    printf("idle: %u ticks\n", ticks);
    return other != 0 || ticks != IDLE_TICKS;
}
