/* muldiv: mul/imul (1-, 2- and 3-operand forms) and div/idiv on 8/16/32-bit
 * operands. Printed flags: CF and OF only (mask 0x801) for mul/imul -- SF ZF
 * AF PF are undefined after multiplication. All flags are undefined after
 * div/idiv, so none are printed. Division cases that would raise #DE
 * (divide by zero, quotient overflow) are filtered out in C beforehand. */
#include "lib.h"

#define CFOF 0x801u

static const u32 v32[] = {0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
                          0x12345678, 0x0000ffff, 0x00010000, 0x9e3779b9};
#define NV (sizeof(v32) / sizeof(v32[0]))

static u32 fitw(u32 v, int bits)
{
    if (bits == 32)
        return v;
    u32 m = (1u << bits) - 1;
    /* keep the signed edge values meaningful at the smaller width */
    if (v == 0x7fffffff)
        return m >> 1;
    if (v == 0x80000000)
        return (m >> 1) + 1;
    return v & m;
}

static u32 g_fl;

/* one-operand forms: returns high:low (8-bit: AX; 16-bit: DX<<16|AX) */
static u32 mul1_8(u32 a, u32 b, int sgn)
{
    u32 ax = a & 0xff, f;
    u8 s = (u8)b;
    if (sgn)
        __asm__ volatile("imulb %[s]\n\tpushf\n\tpop %[f]" : "+a"(ax), [f] "=r"(f) : [s] "qm"(s) : "cc");
    else
        __asm__ volatile("mulb %[s]\n\tpushf\n\tpop %[f]" : "+a"(ax), [f] "=r"(f) : [s] "qm"(s) : "cc");
    g_fl = f;
    return ax & 0xffff;
}

static u32 mul1_16(u32 a, u32 b, int sgn)
{
    u32 ax = a & 0xffff, dx = 0x5555aaaa, f;
    u16 s = (u16)b;
    if (sgn)
        __asm__ volatile("imulw %[s]\n\tpushf\n\tpop %[f]" : "+a"(ax), "+d"(dx), [f] "=r"(f) : [s] "rm"(s) : "cc");
    else
        __asm__ volatile("mulw %[s]\n\tpushf\n\tpop %[f]" : "+a"(ax), "+d"(dx), [f] "=r"(f) : [s] "rm"(s) : "cc");
    g_fl = f;
    /* upper halves of EAX/EDX must be preserved */
    return ((dx & 0xffff) << 16) | (ax & 0xffff) | ((ax >> 16) != 0 || (dx >> 16) != 0x5555 ? 0xdead : 0);
}

static u32 mul1_32(u32 a, u32 b, int sgn, u32 *hi)
{
    u32 eax = a, edx, f;
    if (sgn)
        __asm__ volatile("imull %[s]\n\tpushf\n\tpop %[f]" : "+a"(eax), "=d"(edx), [f] "=r"(f) : [s] "rm"(b) : "cc");
    else
        __asm__ volatile("mull %[s]\n\tpushf\n\tpop %[f]" : "+a"(eax), "=d"(edx), [f] "=r"(f) : [s] "rm"(b) : "cc");
    g_fl = f;
    *hi = edx;
    return eax;
}

static u32 imul2_16(u32 a, u32 b)
{
    u16 x = (u16)a, y = (u16)b;
    u32 f;
    __asm__ volatile("imulw %[y], %[x]\n\tpushf\n\tpop %[f]" : [x] "+r"(x), [f] "=r"(f) : [y] "rm"(y) : "cc");
    g_fl = f;
    return x;
}

static u32 imul2_32(u32 a, u32 b)
{
    u32 f;
    __asm__ volatile("imull %[y], %[x]\n\tpushf\n\tpop %[f]" : [x] "+r"(a), [f] "=r"(f) : [y] "rm"(b) : "cc");
    g_fl = f;
    return a;
}

static void muls(void)
{
    for (int s = 0; s < 3; s++) {
        int bits = 8 << s, w = bits / 4;
        for (unsigned i = 0; i < NV; i++) {
            for (unsigned j = 0; j < NV; j++) {
                u32 a = fitw(v32[i], bits), b = fitw(v32[j], bits), hi, lo, fm, fi;
                if (bits == 8) {
                    lo = mul1_8(a, b, 0); fm = g_fl;
                    hi = mul1_8(a, b, 1); fi = g_fl;
                    printf("mul8 %02x %02x: %04x %03x imul: %04x %03x\n", a, b, lo, fm & CFOF, hi,
                           fi & CFOF);
                } else if (bits == 16) {
                    u32 r1 = mul1_16(a, b, 0); fm = g_fl;
                    u32 r2 = mul1_16(a, b, 1); fi = g_fl;
                    u32 r3 = imul2_16(a, b);
                    printf("mul16 %04x %04x: %08x %03x imul: %08x %03x imul2: %04x %03x\n", a, b,
                           r1, fm & CFOF, r2, fi & CFOF, r3, g_fl & CFOF);
                } else {
                    u32 hi2, lo2;
                    lo = mul1_32(a, b, 0, &hi); fm = g_fl;
                    lo2 = mul1_32(a, b, 1, &hi2); fi = g_fl;
                    u32 r3 = imul2_32(a, b);
                    printf("mul32 %08x %08x: %08x:%08x %03x imul: %08x:%08x %03x imul2: %08x %03x\n",
                           a, b, hi, lo, fm & CFOF, hi2, lo2, fi & CFOF, r3, g_fl & CFOF);
                }
                (void)w;
            }
        }
    }
}

/* three-operand imul with imm8 (sign-extended) and imm16/imm32 */
#define IMUL3(label, insn, T, src)                                            \
    do {                                                                      \
        T d = (T)0x5a5a5a5a, s = (T)(src);                                    \
        u32 f;                                                                \
        __asm__ volatile(insn ", %[s], %[d]\n\tpushf\n\tpop %[f]"             \
                         : [d] "=&r"(d), [f] "=r"(f)                          \
                         : [s] "rm"(s), "0"(d)                                \
                         : "cc");                                             \
        printf("imul3 %-18s %08x: %08x %03x\n", label, (u32)(src), (u32)d, f & CFOF); \
    } while (0)

static void imul3(void)
{
    IMUL3("$-1 l", "imull $-1", u32, 0x80000000);
    IMUL3("$-1 l", "imull $-1", u32, 0x7fffffff);
    IMUL3("$127 l", "imull $127", u32, 0x01020304);
    IMUL3("$-128 l", "imull $-128", u32, 0x01000000);
    IMUL3("$100000 l", "imull $100000", u32, 0x00005000);
    IMUL3("$100000 l", "imull $100000", u32, 0xffffff00);
    IMUL3("$0x12345 l", "imull $0x12345", u32, 0x00010000);
    IMUL3("$0 l", "imull $0", u32, 0xffffffff);
    IMUL3("$3 w", "imulw $3", u16, 0x2aaa);
    IMUL3("$3 w", "imulw $3", u16, 0x2aab);
    IMUL3("$-2 w", "imulw $-2", u16, 0xc000);
    IMUL3("$-2 w", "imulw $-2", u16, 0xbfff);
    IMUL3("$1000 w", "imulw $1000", u16, 0x0021);
    IMUL3("$1000 w", "imulw $1000", u16, 0x0020);
}

/* division; returns quotient, remainder via *rem */
static u32 div8(u32 ax, u32 d, int sgn, u32 *rem)
{
    u32 a = ax & 0xffff;
    u8 s = (u8)d;
    if (sgn)
        __asm__ volatile("idivb %[s]" : "+a"(a) : [s] "qm"(s) : "cc");
    else
        __asm__ volatile("divb %[s]" : "+a"(a) : [s] "qm"(s) : "cc");
    *rem = (a >> 8) & 0xff;
    return a & 0xff;
}

static u32 div16(u32 dxax, u32 d, int sgn, u32 *rem)
{
    u32 a = (dxax & 0xffff) | 0xabcd0000, dx = (dxax >> 16) | 0x12340000;
    u16 s = (u16)d;
    if (sgn)
        __asm__ volatile("idivw %[s]" : "+a"(a), "+d"(dx) : [s] "rm"(s) : "cc");
    else
        __asm__ volatile("divw %[s]" : "+a"(a), "+d"(dx) : [s] "rm"(s) : "cc");
    *rem = dx; /* upper half must stay 0x1234 */
    return a;  /* upper half must stay 0xabcd */
}

static u32 div32(u32 hi, u32 lo, u32 d, int sgn, u32 *rem)
{
    if (sgn)
        __asm__ volatile("idivl %[s]" : "+a"(lo), "+d"(hi) : [s] "rm"(d) : "cc");
    else
        __asm__ volatile("divl %[s]" : "+a"(lo), "+d"(hi) : [s] "rm"(d) : "cc");
    *rem = hi;
    return lo;
}

static int fits_u(u64 n, u32 d, int bits)
{
    return d != 0 && (n / d) < (1ull << bits);
}

static int fits_s(s64 n, s32 d, int bits)
{
    if (d == 0)
        return 0;
    if (d == -1) /* avoid INT_MIN/-1 in C; quotient = -n */
        return -n >= -(1ll << (bits - 1)) && -n < (1ll << (bits - 1));
    s64 q = n / d;
    return q >= -(1ll << (bits - 1)) && q < (1ll << (bits - 1));
}

static s64 sx(u64 v, int bits)
{
    return (s64)(v << (64 - bits)) >> (64 - bits);
}

static void divs(void)
{
    static const u32 dividends[] = {0, 1, 7, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
                                    0x12345678, 0x7fffffff, 0x80000000, 0xffffffff,
                                    0xfffffff9, 0x0000fffe};
    static const u32 divisors[] = {1, 2, 3, 7, 0x7f, 0x80, 0xff, 0xffff, 0x8000, 0x10000,
                                   0xffffffff, 0xfffffff9, 0x7fffffff, 0x12345};
    u32 n = 0, skipped = 0;
    for (unsigned i = 0; i < sizeof(dividends) / 4; i++) {
        for (unsigned j = 0; j < sizeof(divisors) / 4; j++) {
            u32 a = dividends[i], d = divisors[j], q, r;
            /* 8-bit: AX / r8 */
            u32 ax = a & 0xffff, d8 = d & 0xff;
            if (fits_u(ax, d8, 8)) {
                q = div8(ax, d8, 0, &r);
                printf("div8 %04x/%02x: q=%02x r=%02x\n", ax, d8, q, r);
                n++;
            } else
                skipped++;
            if (fits_s(sx(ax, 16), (s32)sx(d8, 8), 8)) {
                q = div8(ax, d8, 1, &r);
                printf("idiv8 %04x/%02x: q=%02x r=%02x\n", ax, d8, q, r);
                n++;
            } else
                skipped++;
            /* 16-bit: DX:AX / r16, with DX:AX = a rotated */
            u32 dxax = (a << 8) | (a >> 24), d16 = d & 0xffff;
            if (fits_u(dxax, d16, 16)) {
                q = div16(dxax, d16, 0, &r);
                printf("div16 %08x/%04x: q=%08x r=%08x\n", dxax, d16, q, r);
                n++;
            } else
                skipped++;
            if (fits_s(sx(dxax, 32), (s32)sx(d16, 16), 16)) {
                q = div16(dxax, d16, 1, &r);
                printf("idiv16 %08x/%04x: q=%08x r=%08x\n", dxax, d16, q, r);
                n++;
            } else
                skipped++;
            /* 32-bit: EDX:EAX / r32 with several high halves */
            static const u32 his[] = {0, 1, 0xffffffff, 0x00001234};
            for (int h = 0; h < 4; h++) {
                u64 nn = ((u64)his[h] << 32) | a;
                if (fits_u(nn, d, 32)) {
                    q = div32(his[h], a, d, 0, &r);
                    printf("div32 %08x%08x/%08x: q=%08x r=%08x\n", his[h], a, d, q, r);
                    n++;
                } else
                    skipped++;
                if (fits_s((s64)nn, (s32)d, 32)) {
                    q = div32(his[h], a, d, 1, &r);
                    printf("idiv32 %08x%08x/%08x: q=%08x r=%08x\n", his[h], a, d, q, r);
                    n++;
                } else
                    skipped++;
            }
        }
    }
    printf("div: %u cases, %u skipped (would fault)\n", n, skipped);
}

int main(void)
{
    muls();
    imul3();
    divs();
    /* memory operand forms */
    static volatile u32 m32 = 0xfffffffd;
    static volatile u16 m16 = 0x00ff;
    u32 lo = 0x40000000, hi, f;
    __asm__ volatile("mull %[m]\n\tpushf\n\tpop %[f]" : "+a"(lo), "=d"(hi), [f] "=r"(f) : [m] "m"(m32) : "cc");
    printf("mull mem: %08x:%08x %03x\n", hi, lo, f & CFOF);
    lo = 7;
    __asm__ volatile("imull %[m], %[x]\n\tpushf\n\tpop %[f]" : [x] "+r"(lo), [f] "=r"(f) : [m] "m"(m32) : "cc");
    printf("imull mem,r: %08x %03x\n", lo, f & CFOF);
    lo = 0x12345;
    hi = 0;
    __asm__ volatile("divw %[m]" : "+a"(lo), "+d"(hi) : [m] "m"(m16) : "cc");
    printf("divw mem: %08x %08x\n", lo, hi);
    return finish();
}
