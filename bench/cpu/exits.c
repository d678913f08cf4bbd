/* exits.c - call-out nanobenchmark guest: the cost of one exit from
 * translated code to the monitor and back, the path whose FS-base restore
 * differs between the compat backend's wrfsbase and arch_prctl variants
 * (docs/ARCHITECTURE.md, "Running translated code"). Lives in bench/cpu/
 * because tests/guests/build.sh finds guest sources there.
 *
 * EXITS_N times each (default 100000), timed by rdtsc (btvmm's TSC runs at
 * 1 GHz, so ticks are ns):
 *   cpuid  `cpuid` leaf 0 (a call-out)
 *   in     `inb` from port 0x7e, which no device claims (a call-out)
 * Output: "exits NAME N=n tsc_us=t ns_per_exit=x" per part. Build:
 *   EXTRA_CFLAGS=-DEXITS_N=100000u tests/guests/build.sh OUT exits */
#include "lib.h"

#ifndef EXITS_N
#define EXITS_N 100000u
#endif

static inline u64 tsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (u64)hi << 32 | lo;
}

static void report(const char *name, u32 n, u64 t)
{
    u32 per = (u32)(t / n), frac = (u32)((t % n) * 100 / n);
    printf("exits %s N=%u tsc_us=%u ns_per_exit=%u.%02u\n", name, n, (u32)(t / 1000), per, frac);
}

int main(void)
{
    u32 n = EXITS_N;
    u64 t0 = tsc();
    for (u32 i = 0; i < n; i++) {
        u32 a = 0, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    }
    u64 t1 = tsc();
    for (u32 i = 0; i < n; i++)
        (void)inb(0x7e);
    u64 t2 = tsc();
    report("cpuid", n, t1 - t0);
    report("in", n, t2 - t1);
    return 0;
}
