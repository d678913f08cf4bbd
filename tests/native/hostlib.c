/* Host (32-bit Linux user mode) implementation of the guest support
 * library, so that unprivileged guest tests can also be run natively on
 * the real CPU as a second oracle next to QEMU:
 *   gcc -m32 -O2 -DHOST -I tests/guests/common tests/guests/alu.c tests/native/hostlib.c
 *   ./a.out | diff - tests/guests/alu.expect
 * (see tests/native/run_host.sh). */
#include <stdarg.h>
#include <stdio.h>

typedef unsigned int u32;
int g_failures;

void serial_putc(char c) { putchar(c); }
void puts_(const char *s) { fputs(s, stdout); }

void printf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void show(const char *name, u32 v) { printf("%s: %08x\n", name, v); }
void show2(const char *name, u32 v, u32 flags) { printf("%s: %08x fl=%03x\n", name, v, flags); }

void check(const char *name, u32 got, u32 expected)
{
    if (got == expected) {
        printf("%s: %08x\n", name, got);
    } else {
        printf("%s: %08x MISMATCH expected %08x\n", name, got, expected);
        g_failures++;
    }
}

int finish(void)
{
    if (g_failures) {
        printf("FAIL: %d mismatches\n", g_failures);
        return 1;
    }
    printf("done\n");
    return 0;
}

u32 crc_update(u32 h, const void *p, unsigned n)
{
    const unsigned char *b = p;
    while (n--) {
        h ^= *b++;
        h *= 16777619u;
    }
    return h;
}
