/* irq_window: an interrupt that became pending while IF=0 is taken right
 * after the instruction following sti (SDM: sti's interrupt shadow covers
 * one instruction), even when the code after it is a tight loop that never
 * leaves btvmm's translation cache (no port I/O, no call-outs). The same
 * for popf setting IF. The loop counts iterations until the handler runs:
 * hardware takes the interrupt before the first iteration. */
#include "lib.h"
#include "idt.h"
#include "idt.c"

#define LAPIC 0xfee00000u
#define L_EOI 0xb0
#define L_SVR 0xf0
#define L_ICRLO 0x300

static void lw(u32 r, u32 v) { mmio_write32(LAPIC + r, v); }

static volatile u32 taken;

static void h_ipi(struct trapframe *f)
{
    (void)f;
    taken++;
    lw(L_EOI, 0);
}

/* iterations of a cache-resident loop before the interrupt arrives (the
 * loop gives up after 100M) */
static u32 after_sti(void)
{
    u32 n = 0;
    __asm__ volatile("sti\n\tnop\n"
                     "1:\tcmpl $0, taken\n\tjne 2f\n\tincl %0\n\t"
                     "cmpl $100000000, %0\n\tjne 1b\n"
                     "2:\tcli" : "+r"(n) : : "memory", "cc");
    return n;
}

static u32 after_popf(void)
{
    u32 n = 0;
    __asm__ volatile("pushl $0x202\n\tpopfl\n"
                     "1:\tcmpl $0, taken\n\tjne 2f\n\tincl %0\n\t"
                     "cmpl $100000000, %0\n\tjne 1b\n"
                     "2:\tcli" : "+r"(n) : : "memory", "cc");
    return n;
}

int main(void)
{
    cpu_init();
    trap_handlers[0x50] = h_ipi;
    lw(L_SVR, 0x1ff);

    /* three rounds: by the last, btvmm has translated and chained the code,
     * so nothing but the interrupt logic itself brings it back to the monitor */
    for (int round = 1; round <= 3; round++) {
        taken = 0;
        lw(L_ICRLO, 0x40000 | 0x50); /* self-IPI while IF=0: it waits */
        u32 before = taken;
        u32 n = after_sti();
        printf("round %d: pending with IF=0 taken=%u; sti; nop; loop: taken=%u, "
               "iterations before it=%u\n", round, before, taken, n);
        taken = 0;
        lw(L_ICRLO, 0x40000 | 0x50);
        n = after_popf();
        printf("round %d: popf IF=1; loop: taken=%u, iterations before it=%u\n", round, taken, n);
    }
    return 0;
}
