/* irq.c - interrupt-delivery benchmark guest (bench/irq/run.sh).
 *
 * Lives in bench/cpu/ only because tests/guests/build.sh looks for guest
 * sources in bench/cpu/NAME.c and tests/guests/ (not in bench/irq/).
 *
 * (a) Self-IPIs through the local APIC: SVR = 0x1ff (software enable), a
 *     lean IDT handler for vector 0x40 (incl counter; EOI write; iret), and
 *     with IF=1 throughout: write ICR (shorthand "self", fixed, vector
 *     0x40), spin until the counter moves, IPI_N times. One interrupt per
 *     ICR write, so exactly IPI_N interrupts.
 * (b) PIT channel 0, mode 2, count PIT_COUNT (12: ~99.4 kHz, nominal period
 *     10057 ns) on IRQ0 through the PIC (vector 0x20, lean handler with a
 *     non-specific EOI), `sti; hlt` until PIT_N ticks or PIT_TSC_LIMIT TSC
 *     ticks have passed (a VMM that cannot keep up coalesces late ticks, so
 *     the ticks per second it reaches is the figure of interest).
 *
 * Elapsed time comes from rdtsc. btvmm's TSC runs at 1 GHz (1 tick = 1 ns);
 * under QEMU or KVM it runs at the host's TSC rate, so the raw tick count
 * is printed too. Output (ns_per_irq = tsc_ticks / N, 2 decimals):
 *   irq selfipi N=100000 tsc_ticks=T ns_per_irq=X
 *   irq pit N=K tsc_ticks=T ns_per_irq=X nominal_ns=10057 [tsc limit hit]
 * Set IPI_N / PIT_N to 0 (-D, through EXTRA_CFLAGS) to skip a part; with
 * both 0 the guest only starts and exits (run.sh's start-up baseline).
 * Exit status 1 (guest returns 0) if every part counted what it should. */
#include "idt.c"

#ifndef IPI_N
#define IPI_N 100000u
#endif
#ifndef PIT_N
#define PIT_N 100000u
#endif
#ifndef PIT_COUNT
#define PIT_COUNT 12u
#endif
#ifndef PIT_TSC_LIMIT
#define PIT_TSC_LIMIT 5000000000ull /* 5 s at btvmm's 1 GHz */
#endif

#define LAPIC 0xfee00000u
#define L_EOI 0xb0
#define L_SVR 0xf0
#define L_TPR 0x80
#define L_ICRLO 0x300
#define L_ICRHI 0x310
#define IPI_VEC 0x40
#define PIT_VEC 0x20

volatile u32 ipi_count, pit_count;
static u32 ipi_n = IPI_N, pit_n = PIT_N; /* variables: no "always false" warnings for 0 */

/* Minimal handlers: no registers touched but %eax (PIT), flags preserved by
 * iret. The `incl` is a plain memory increment, not a locked one: there is
 * one CPU and the main loop only reads the counter. */
extern char irq_ipi_entry[], irq_pit_entry[];
__asm__(".text\n"
        ".p2align 4\n"
        "irq_ipi_entry:\n"
        "incl ipi_count\n"
        "movl $0, 0xfee000b0\n" /* LAPIC EOI */
        "iret\n"
        ".p2align 4\n"
        "irq_pit_entry:\n"
        "pushl %eax\n"
        "incl pit_count\n"
        "movb $0x20, %al\n"
        "outb %al, $0x20\n" /* master PIC non-specific EOI */
        "popl %eax\n"
        "iret\n");

static void lw(u32 r, u32 v) { mmio_write32(LAPIC + r, v); }

static void put_u64(u64 v)
{
    char buf[24];
    int i = 0;
    do {
        buf[i++] = (char)('0' + (u32)(v % 10));
        v /= 10;
    } while (v);
    while (i)
        serial_putc(buf[--i]);
}

/* "irq NAME N=n tsc_ticks=t ns_per_irq=x.xx" (no newline) */
static void report(const char *name, u32 n, u64 t)
{
    printf("irq %s N=%u tsc_ticks=", name, n);
    put_u64(t);
    printf(" ns_per_irq=");
    if (n) {
        u64 c = (t * 100 + n / 2) / n;
        put_u64(c / 100);
        printf(".%02u", (u32)(c % 100));
    } else {
        printf("n/a");
    }
}

static int bench_selfipi(void)
{
    idt_set(IPI_VEC, (u32)irq_ipi_entry, SEL_KCODE, GATE_INT, 0, 1);
    lw(L_SVR, 0x1ff); /* APIC software enable, spurious vector 0xff */
    lw(L_TPR, 0);
    lw(L_ICRHI, 0);
    ipi_count = 0;
    sti();
    u64 t0 = rdtsc();
    for (u32 i = 0; i < ipi_n; i++) {
        lw(L_ICRLO, 0x40000 | IPI_VEC); /* shorthand self, fixed, edge */
        while (ipi_count == i)
            __asm__ volatile("pause" ::: "memory");
    }
    u64 t1 = rdtsc();
    cli();
    report("selfipi", IPI_N, t1 - t0);
    printf("\n");
    if (ipi_count != IPI_N) {
        printf("irq selfipi: counted %u interrupts, want %u\n", ipi_count, IPI_N);
        return 1;
    }
    return 0;
}

static int bench_pit(void)
{
    idt_set(PIT_VEC, (u32)irq_pit_entry, SEL_KCODE, GATE_INT, 0, 1);
    pit_count = 0;
    outb(0x43, 0x34); /* ch0, lobyte/hibyte, mode 2, binary */
    outb(0x40, PIT_COUNT & 0xff);
    outb(0x40, PIT_COUNT >> 8);
    pic_unmask(0);
    /* start timing at a tick so the first (partial) period is not counted */
    while (pit_count == 0)
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
    u32 c0 = pit_count;
    u64 t0 = rdtsc(), t1 = t0;
    int limit_hit = 0;
    while (pit_count - c0 < pit_n) {
        __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
        t1 = rdtsc();
        if (t1 - t0 >= PIT_TSC_LIMIT) {
            limit_hit = 1;
            break;
        }
    }
    u32 n = pit_count - c0;
    pic_mask(0);
    outb(0x43, 0x30); /* ch0 mode 0, count 0: stop the periodic edges */
    outb(0x40, 0);
    outb(0x40, 0);
    report("pit", n, t1 - t0);
    printf(" nominal_ns=%u%s\n", (u32)((PIT_COUNT * 1000000000ull + 596591) / 1193182),
           limit_hit ? " [tsc limit hit]" : "");
    return n == 0;
}

int main(void)
{
    int bad = 0;
    cpu_init();
    if (IPI_N)
        bad |= bench_selfipi();
    if (PIT_N)
        bad |= bench_pit();
    u32 other = 0;
    for (int v = 0; v < 256; v++)
        other += trap_count[v]; /* the lean handlers do not go through trap_dispatch */
    if (other) {
        printf("irq: %u unexpected interrupts/exceptions (last vector %x)\n", other, trap_last.vec);
        bad = 1;
    }
    if (!IPI_N && !PIT_N)
        printf("irq baseline\n");
    return bad;
}
