/* hello: the default demo guest (scripts/run-default.sh, the README's first
 * command). Greets, shows what the multiboot loader handed over, computes a
 * few things, and leaves through isa-debug-exit with 0 (exit status 1).
 *
 * The output must be the same under btvmm and QEMU for -m 128, so it does
 * not print the command line (QEMU puts the kernel's path in front of
 * -append's text, btvmm passes -append's text alone), prints the memory
 * size only to the MiB (the two differ by 128 KiB), and nothing that
 * depends on the host CPU or on time. */
#include "lib.h"

struct mbinfo {
    u32 flags, mem_lower, mem_upper;
};

static u32 fib(u32 n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static u32 cpl(void)
{
    u32 cs;
    __asm__ volatile("movl %%cs, %0" : "=r"(cs));
    return cs & 3;
}

static u32 read_cr0(void)
{
    u32 v;
    __asm__ volatile("movl %%cr0, %0" : "=r"(v));
    return v;
}

int main(u32 magic, const struct mbinfo *mbi)
{
    printf("Hello from a btvmm guest kernel (ring %u, binary-translated).\n", cpl());

    u32 cr0 = read_cr0();
    printf("multiboot magic in EAX: 0x%08x (%s)\n", magic,
           magic == MB_BOOT_MAGIC ? "ok" : "WRONG");
    printf("CPU mode: protected mode %s, paging %s\n", (cr0 & 1) ? "on" : "off",
           (cr0 & 0x80000000u) ? "on" : "off");
    /* Rounded to MiB: for -m 128 btvmm reports 130048 KiB, QEMU 129920. */
    if (mbi->flags & 1)
        printf("memory above 1 MiB (multiboot mem_upper): about %u MiB\n",
               (mbi->mem_upper + 512) / 1024);
    else
        printf("memory above 1 MiB: not reported by the loader\n");

    printf("first 10 primes:");
    u32 found = 0;
    for (u32 n = 2; found < 10; n++) {
        u32 d = 2;
        while (d * d <= n && n % d)
            d++;
        if (d * d > n) {
            printf(" %u", n);
            found++;
        }
    }
    printf("\n");

    u32 sum = 0;
    for (u32 i = 1; i <= 100; i++)
        sum += i * i;
    printf("sum of squares 1..100: %u\n", sum);
    printf("fib(25), recursively: %u\n", fib(25));
    printf("Goodbye: writing 0 to isa-debug-exit (port 0xf4).\n");
    return 0;
}
