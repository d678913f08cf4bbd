#include "lib.h"
#include <stdarg.h>

#define COM1 0x3F8

int g_failures;

void serial_putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (u8)c);
}

void puts_(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

static void put_num(u32 v, unsigned base, int width, char pad, int neg, int upper)
{
    /* negative width = left-justify */
    char buf[12];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        buf[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg)
        buf[n++] = '-';
    int left = width < 0;
    if (left)
        width = -width;
    int fill = width - n;
    while (!left && fill-- > 0)
        serial_putc(pad);
    while (n)
        serial_putc(buf[--n]);
    while (left && fill-- > 0)
        serial_putc(' ');
}

void printf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, left = 0;
        if (*fmt == '-') {
            left = 1;
            fmt++;
        }
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (left)
            width = -width;
        while (*fmt == 'l')
            fmt++;
        switch (*fmt) {
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0)
                put_num(-(u32)v, 10, width, pad, 1, 0);
            else
                put_num((u32)v, 10, width, pad, 0, 0);
            break;
        }
        case 'u': put_num(va_arg(ap, u32), 10, width, pad, 0, 0); break;
        case 'x': put_num(va_arg(ap, u32), 16, width, pad, 0, 0); break;
        case 'X': put_num(va_arg(ap, u32), 16, width, pad, 0, 1); break;
        case 'c': serial_putc((char)va_arg(ap, int)); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = (int)strlen(s);
            int w = width < 0 ? -width : width;
            while (width > 0 && w-- > len)
                serial_putc(' ');
            puts_(s);
            while (width < 0 && w-- > len)
                serial_putc(' ');
            break;
        }
        case '%': serial_putc('%'); break;
        case 0: fmt--; break;
        default: serial_putc('%'); serial_putc(*fmt); break;
        }
    }
    va_end(ap);
}

/* Written with plain byte loops; -fno-builtin on this file (see build.sh)
 * prevents gcc from turning them back into memset/memcpy calls. */
void *memset(void *d, int c, size_t n)
{
    u8 *p = d;
    while (n--)
        *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    u8 *dp = d;
    const u8 *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    u8 *dp = d;
    const u8 *sp = s;
    if (dp < sp) {
        while (n--)
            *dp++ = *sp++;
    } else {
        while (n--)
            dp[n] = sp[n];
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void show(const char *name, u32 v)
{
    printf_("%s: %08x\n", name, v);
}

void show2(const char *name, u32 v, u32 flags)
{
    printf_("%s: %08x fl=%03x\n", name, v, flags);
}

void check(const char *name, u32 got, u32 expected)
{
    if (got == expected) {
        printf_("%s: %08x\n", name, got);
    } else {
        printf_("%s: %08x MISMATCH expected %08x\n", name, got, expected);
        g_failures++;
    }
}

int finish(void)
{
    if (g_failures) {
        printf_("FAIL: %d mismatches\n", g_failures);
        return 1;
    }
    printf_("done\n");
    return 0;
}

u32 crc_update(u32 h, const void *p, size_t n)
{
    const u8 *b = p;
    while (n--) {
        h ^= *b++;
        h *= 16777619u;
    }
    return h;
}
