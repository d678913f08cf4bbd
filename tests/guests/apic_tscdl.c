/* apic_tscdl: the local APIC timer in TSC-deadline mode (SDM 10.5.4.1).
 * CPUID.1:ECX[24] says the mode exists; LVT timer mode 2 arms it; a write of
 * IA32_TSC_DEADLINE (0x6e0) sets the deadline, which reads back; the
 * interrupt arrives once the TSC reaches it; writing 0 disarms.
 * QEMU's default CPU does not offer the mode: apic_tscdl.qemu.expect holds
 * what it prints ("not offered"); btvmm's CPUID offers it. */
#include "lib.h"
#include "idt.h"
#include "idt.c"

#define LAPIC 0xfee00000u
#define L_EOI 0xb0
#define L_SVR 0xf0
#define L_TIMER 0x320
#define MSR_TSC_DEADLINE 0x6e0

static void lw(u32 r, u32 v) { mmio_write32(LAPIC + r, v); }

static u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

static void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static volatile u32 fired;
static volatile u64 tsc_at_irq;

static void h_timer(struct trapframe *f)
{
    (void)f;
    tsc_at_irq = rdtsc();
    fired++;
    lw(L_EOI, 0);
}

int main(void)
{
    u32 a, b, c, d;
    cpu_init();
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1));
    if (!(c & (1u << 24))) {
        printf("tsc-deadline: not offered\n");
        return 0;
    }
    printf("tsc-deadline: offered\n");
    trap_handlers[0x41] = h_timer;
    lw(L_SVR, 0x1ff);
    lw(L_TIMER, (2u << 17) | 0x41);

    u64 deadline = rdtsc() + 2000000; /* 2 ms at btvmm's 1 GHz TSC */
    wrmsr(MSR_TSC_DEADLINE, deadline);
    printf("deadline reads back: %u\n", rdmsr(MSR_TSC_DEADLINE) == deadline);
    __asm__ volatile("sti" ::: "memory");
    for (u32 i = 0; i < 1000 && !fired; i++)
        __asm__ volatile("hlt" ::: "memory");
    __asm__ volatile("cli" ::: "memory");
    printf("fired=%u at or after the deadline: %u\n", fired, tsc_at_irq >= deadline);
    printf("deadline after firing: %u\n", (u32)rdmsr(MSR_TSC_DEADLINE));

    /* a deadline written back to 0 never fires */
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + 1000000);
    wrmsr(MSR_TSC_DEADLINE, 0);
    u64 until = rdtsc() + 5000000;
    __asm__ volatile("sti" ::: "memory");
    while (rdtsc() < until)
        ;
    __asm__ volatile("cli" ::: "memory");
    printf("disarmed: fired=%u\n", fired);
    return 0;
}
