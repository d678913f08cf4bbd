/* sweep: differential instruction sweep. One source, two builds:
 *   guest kernel : tests/guests/build.sh (compiled with -DGUEST, linked with
 *                  tests/guests/common crt0 + lib)
 *   native Linux : gcc -m32 -O2 -static tests/native/sweep.c
 * Both print identical lines: per-group sub-checksums, a total checksum and
 * the number of checks. Every instruction result and the *defined* subset
 * of EFLAGS (& 0x8D5, further masked where the architecture leaves flags
 * undefined) is folded into FNV-1a style hashes. Operands come from a
 * simple LCG. No privileged instructions; no faults (division operands are
 * chosen so the quotient fits). */
#ifdef GUEST
#include "lib.h"
#define OUT printf_
#else
#include <stdio.h>
#include <string.h>
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int s32;
typedef short s16;
#define OUT printf
#endif

#ifndef SWEEP_N
#define SWEEP_N 3000
#endif

static u32 lcg_state = 0x12345678;
static u32 rnd(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state ^ (lcg_state >> 15);
}

/* interesting values are mixed in so edge cases are always covered */
static u32 operand(void)
{
    static const u32 edge[8] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x7f, 0x80, 0xffff};
    u32 r = rnd();
    switch (r & 7) {
    case 0: return edge[(r >> 3) & 7];
    case 1: return (r >> 8) & 0xff;
    case 2: return edge[(r >> 3) & 7] ^ ((r >> 16) & 1);
    default: return rnd();
    }
}

static u32 g_hash, g_checks;
static void fold(u32 v)
{
    for (int i = 0; i < 4; i++) {
        g_hash ^= v & 0xff;
        g_hash *= 16777619u;
        v >>= 8;
    }
    g_checks++;
}

#define ALL 0x8D5u
#define LOG 0x8C5u /* AF undefined after logic ops */

/* ---------------- ALU ---------------- */
#define ALU2(insn, T, C, mask)                                                \
    do {                                                                      \
        T x = (T)a;                                                           \
        u32 f;                                                                \
        __asm__ volatile("push %[fi]\n\tpopf\n\t" insn " %[y], %[x]\n\tpushf\n\tpop %[f]" \
                         : [x] "+" C(x), [f] "=&r"(f)                         \
                         : [y] C((T)b), [fi] "r"(fin)                         \
                         : "cc");                                             \
        fold((u32)x);                                                         \
        fold(f & (mask));                                                     \
    } while (0)

#define ALU1(insn, T, C, mask)                                                \
    do {                                                                      \
        T x = (T)a;                                                           \
        u32 f;                                                                \
        __asm__ volatile("push %[fi]\n\tpopf\n\t" insn " %[x]\n\tpushf\n\tpop %[f]" \
                         : [x] "+" C(x), [f] "=&r"(f)                         \
                         : [fi] "r"(fin)                                      \
                         : "cc");                                             \
        fold((u32)x);                                                         \
        fold(f & (mask));                                                     \
    } while (0)

#define ALU_SIZE(sfx, T, C)                                                   \
    ALU2("add" sfx, T, C, ALL); ALU2("adc" sfx, T, C, ALL);                   \
    ALU2("sub" sfx, T, C, ALL); ALU2("sbb" sfx, T, C, ALL);                   \
    ALU2("and" sfx, T, C, LOG); ALU2("or" sfx, T, C, LOG);                    \
    ALU2("xor" sfx, T, C, LOG); ALU2("cmp" sfx, T, C, ALL);                   \
    ALU2("test" sfx, T, C, LOG);                                              \
    ALU1("inc" sfx, T, C, ALL); ALU1("dec" sfx, T, C, ALL);                   \
    ALU1("neg" sfx, T, C, ALL); ALU1("not" sfx, T, C, ALL)

static void group_alu(void)
{
    for (int i = 0; i < SWEEP_N; i++) {
        u32 a = operand(), b = operand(), fin = rnd() & ALL;
        ALU_SIZE("l", u32, "r");
        ALU_SIZE("w", u16, "r");
        ALU_SIZE("b", u8, "q");
    }
}

/* ---------------- shifts / rotates ---------------- */
static u32 shmask(int kind, u32 cnt, int bits)
{
    /* kind: 0 shl/shr, 1 sar, 2 rotates (SF ZF AF PF preserved), 3 shld/shrd */
    cnt &= 31;
    if (cnt == 0)
        return ALL;
    u32 of = cnt == 1 ? 0x800u : 0;
    switch (kind) {
    case 0: return 0xC4u | of | (cnt < (u32)bits ? 1u : 0);
    case 1: return 0xC5u | of;
    case 2: return 0xD5u | of;
    default: return 0xC5u | of;
    }
}

#define SH(insn, T, C, kind, bits)                                            \
    do {                                                                      \
        T x = (T)a;                                                           \
        u32 f;                                                                \
        __asm__ volatile("push %[fi]\n\tpopf\n\t" insn " %%cl, %[x]\n\tpushf\n\tpop %[f]" \
                         : [x] "+" C(x), [f] "=&r"(f)                         \
                         : "c"(cnt), [fi] "r"(fin)                            \
                         : "cc");                                             \
        fold((u32)x);                                                         \
        fold(f & shmask(kind, cnt, bits));                                    \
    } while (0)

#define SH_SIZE(sfx, T, C, bits)                                              \
    SH("shl" sfx, T, C, 0, bits); SH("shr" sfx, T, C, 0, bits);               \
    SH("sar" sfx, T, C, 1, bits); SH("rol" sfx, T, C, 2, bits);               \
    SH("ror" sfx, T, C, 2, bits); SH("rcl" sfx, T, C, 2, bits);               \
    SH("rcr" sfx, T, C, 2, bits)

static void group_shift(void)
{
    for (int i = 0; i < SWEEP_N; i++) {
        u32 a = operand(), b = operand(), fin = rnd() & ALL;
        u32 cnt = rnd() & 63; /* includes counts >= 32 (masked by the CPU) */
        if ((i & 3) == 0)
            cnt &= 3;
        SH_SIZE("l", u32, "r", 32);
        SH_SIZE("w", u16, "r", 16);
        SH_SIZE("b", u8, "q", 8);
        /* shld/shrd 32-bit, and 16-bit with count <= 16 (else undefined) */
        u32 x = a, y = a, f1, f2;
        __asm__ volatile("push %[fi]\n\tpopf\n\tshldl %%cl, %[b], %[x]\n\tpushf\n\tpop %[f]"
                         : [x] "+r"(x), [f] "=&r"(f1) : [b] "r"(b), "c"(cnt), [fi] "r"(fin) : "cc");
        __asm__ volatile("push %[fi]\n\tpopf\n\tshrdl %%cl, %[b], %[y]\n\tpushf\n\tpop %[f]"
                         : [y] "+r"(y), [f] "=&r"(f2) : [b] "r"(b), "c"(cnt), [fi] "r"(fin) : "cc");
        fold(x); fold(f1 & shmask(3, cnt, 32));
        fold(y); fold(f2 & shmask(3, cnt, 32));
        u32 c16 = cnt % 17;
        u16 xw = (u16)a, yw = (u16)a;
        __asm__ volatile("push %[fi]\n\tpopf\n\tshldw %%cl, %[b], %[x]\n\tpushf\n\tpop %[f]"
                         : [x] "+r"(xw), [f] "=&r"(f1) : [b] "r"((u16)b), "c"(c16), [fi] "r"(fin) : "cc");
        __asm__ volatile("push %[fi]\n\tpopf\n\tshrdw %%cl, %[b], %[y]\n\tpushf\n\tpop %[f]"
                         : [y] "+r"(yw), [f] "=&r"(f2) : [b] "r"((u16)b), "c"(c16), [fi] "r"(fin) : "cc");
        fold(xw); fold(f1 & shmask(3, c16, 16));
        fold(yw); fold(f2 & shmask(3, c16, 16));
    }
}

/* ---------------- mul / div ---------------- */
static void group_muldiv(void)
{
    for (int i = 0; i < SWEEP_N; i++) {
        u32 a = operand(), b = operand(), lo, hi, f;
        lo = a;
        __asm__ volatile("mull %[b]\n\tpushf\n\tpop %[f]" : "+a"(lo), "=d"(hi), [f] "=r"(f) : [b] "r"(b) : "cc");
        fold(lo); fold(hi); fold(f & 0x801);
        lo = a;
        __asm__ volatile("imull %[b]\n\tpushf\n\tpop %[f]" : "+a"(lo), "=d"(hi), [f] "=r"(f) : [b] "r"(b) : "cc");
        fold(lo); fold(hi); fold(f & 0x801);
        lo = a;
        __asm__ volatile("imull %[b], %[x]\n\tpushf\n\tpop %[f]" : [x] "+r"(lo), [f] "=r"(f) : [b] "r"(b) : "cc");
        fold(lo); fold(f & 0x801);
        __asm__ volatile("imull $-77, %[b], %[x]\n\tpushf\n\tpop %[f]" : [x] "=r"(lo), [f] "=r"(f) : [b] "r"(b) : "cc");
        fold(lo); fold(f & 0x801);
        u16 w = (u16)a, wd = (u16)b;
        u32 ax = w, dx = 0;
        __asm__ volatile("mulw %[b]\n\tpushf\n\tpop %[f]" : "+a"(ax), "+d"(dx), [f] "=r"(f) : [b] "r"(wd) : "cc");
        fold(ax); fold(dx); fold(f & 0x801);
        ax = (u8)a;
        __asm__ volatile("imulb %[b]\n\tpushf\n\tpop %[f]" : "+a"(ax), [f] "=r"(f) : [b] "q"((u8)b) : "cc");
        fold(ax); fold(f & 0x801);
        /* div32: EDX < divisor guarantees no overflow */
        u32 d = b ? b : 7;
        hi = rnd() % d;
        lo = a;
        __asm__ volatile("divl %[d]" : "+a"(lo), "+d"(hi) : [d] "r"(d) : "cc");
        fold(lo); fold(hi);
        /* idiv32 with a sign-extended dividend; avoid INT_MIN / -1 */
        s32 sd = (s32)d;
        if (sd == -1)
            sd = 3;
        lo = a;
        __asm__ volatile("cltd\n\tidivl %[d]" : "+a"(lo), "=&d"(hi) : [d] "r"(sd) : "cc");
        fold(lo); fold(hi);
        /* div16 / idiv16 / div8 / idiv8 */
        u16 d16 = (u16)(d | 1);
        ax = (u16)a;
        dx = (u16)(rnd() % d16);
        __asm__ volatile("divw %[d]" : "+a"(ax), "+d"(dx) : [d] "r"(d16) : "cc");
        fold(ax); fold(dx);
        s32 q16 = (s16)(u16)a;
        u16 sd16 = (u16)(d16 == 0xffff ? 5 : d16);
        ax = (u16)q16;
        dx = q16 < 0 ? 0xffff : 0;
        __asm__ volatile("idivw %[d]" : "+a"(ax), "+d"(dx) : [d] "r"(sd16) : "cc");
        fold(ax & 0xffff); fold(dx & 0xffff);
        u8 d8 = (u8)(d | 1);
        ax = ((rnd() % d8) << 8) | (a & 0xff);
        __asm__ volatile("divb %[d]" : "+a"(ax) : [d] "q"(d8) : "cc");
        fold(ax & 0xffff);
        u8 sd8 = d8 == 0xff ? 3 : d8;
        ax = (u32)(s32)(signed char)(u8)a & 0xffff;
        __asm__ volatile("idivb %[d]" : "+a"(ax) : [d] "q"(sd8) : "cc");
        fold(ax & 0xffff);
    }
}

/* ---------------- bit ops ---------------- */
static u32 bitmem[8];

static void group_bits(void)
{
    for (int i = 0; i < 8; i++)
        bitmem[i] = rnd();
    for (int i = 0; i < SWEEP_N; i++) {
        u32 a = operand(), b = rnd(), f, x, fin = rnd() & ALL;
#define BT(insn)                                                              \
        x = a;                                                                \
        __asm__ volatile("push %[fi]\n\tpopf\n\t" insn " %[b], %[x]\n\tpushf\n\tpop %[f]" \
                         : [x] "+r"(x), [f] "=&r"(f) : [b] "r"(b), [fi] "r"(fin) : "cc"); \
        fold(x); fold(f & 0x41)
        BT("btl"); BT("btsl"); BT("btrl"); BT("btcl");
        /* memory bit string, offset within +-128 bits of bitmem[4] */
        s32 off = (s32)(b & 0xff) - 128;
        __asm__ volatile("push %[fi]\n\tpopf\n\tbtcl %[o], %[m]\n\tpushf\n\tpop %[f]"
                         : [f] "=&r"(f), [m] "+m"(bitmem[4]) : [o] "r"(off), [fi] "r"(fin), "m"(bitmem) : "cc", "memory");
        fold(f & 0x41);
        if (a) {
            u32 r1, r2;
            __asm__ volatile("bsfl %2, %0\n\tbsrl %2, %1" : "=&r"(r1), "=&r"(r2) : "r"(a) : "cc");
            fold(r1); fold(r2);
        }
        x = a;
        __asm__ volatile("bswap %0" : "+r"(x));
        fold(x);
        /* setcc (16 conditions) and cmovcc after a cmp */
        u32 m = 0, cm = 0;
#define SETCC(cc, bit) \
        __asm__ volatile("cmpl %[b], %[a]\n\tset" cc " %%al\n\tmovzbl %%al, %%eax\n\tshll $" #bit ", %%eax\n\torl %%eax, %[m]" \
                         : [m] "+r"(m) : [a] "r"(a), [b] "r"(b) : "eax", "cc"); \
        __asm__ volatile("xorl %%eax, %%eax\n\tcmpl %[b], %[a]\n\tcmov" cc "l %[one], %%eax\n\torl %%eax, %[m]" \
                         : [m] "+r"(cm) : [a] "r"(a), [b] "r"(b), [one] "r"(1u << bit) : "eax", "cc")
        SETCC("o", 0); SETCC("no", 1); SETCC("b", 2); SETCC("ae", 3);
        SETCC("e", 4); SETCC("ne", 5); SETCC("be", 6); SETCC("a", 7);
        SETCC("s", 8); SETCC("ns", 9); SETCC("p", 10); SETCC("np", 11);
        SETCC("l", 12); SETCC("ge", 13); SETCC("le", 14); SETCC("g", 15);
        fold(m); fold(cm);
    }
    for (int i = 0; i < 8; i++)
        fold(bitmem[i]);
}

/* ---------------- BCD ---------------- */
static void group_bcd(void)
{
    for (int i = 0; i < SWEEP_N; i++) {
        u32 r = rnd(), f;
        u32 fin = r & 0x11; /* AF, CF */
        u32 ax = r >> 8;
#define BCD(insn, mask)                                                       \
        {                                                                     \
            u32 x = ax;                                                       \
            __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]" \
                             : "+a"(x), [f] "=&r"(f) : [fi] "r"(fin) : "cc"); \
            fold(x); fold(f & (mask));                                        \
        }
        BCD("daa", 0xD5); BCD("das", 0xD5); BCD("aaa", 0x11); BCD("aas", 0x11);
        BCD("aam", 0xC4); BCD("aad", 0xC4); BCD("aam $16", 0xC4); BCD("aad $7", 0xC4);
    }
}

/* ---------------- strings ---------------- */
static u8 sbuf[512];

static void group_string(void)
{
    for (int i = 0; i < 512; i++)
        sbuf[i] = (u8)rnd();
    for (int i = 0; i < SWEEP_N / 4; i++) {
        u32 r = rnd();
        u32 len = r & 63, so = (r >> 6) & 127, dof = (r >> 13) & 127, size = (r >> 20) % 3;
        int back = (r >> 23) & 1;
        u8 *s = sbuf + 192 + so, *d = sbuf + 192 + dof; /* room either side */
        u32 c = len >> size; /* at most 63 bytes moved */
        if (back) {
            if (size == 0)
                __asm__ volatile("std\n\trep movsb\n\tcld" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
            else if (size == 1)
                __asm__ volatile("std\n\trep movsw\n\tcld" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
            else
                __asm__ volatile("std\n\trep movsl\n\tcld" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
        } else {
            if (size == 0)
                __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
            else if (size == 1)
                __asm__ volatile("rep movsw" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
            else
                __asm__ volatile("rep movsl" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
        }
        fold((u32)(s - sbuf)); fold((u32)(d - sbuf)); fold(c);
        /* rep stosb/l */
        u32 val = rnd();
        d = sbuf + 64 + (r & 31);
        c = (r >> 5) & 15;
        if (r & 0x80000000)
            __asm__ volatile("rep stosl" : "+D"(d), "+c"(c) : "a"(val) : "memory");
        else
            __asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(val) : "memory");
        fold((u32)(d - sbuf));
        /* repe cmpsb / repne scasb */
        u32 f;
        s = sbuf + (r & 255);
        d = sbuf + ((r >> 8) & 255);
        c = (r >> 16) & 63;
        __asm__ volatile("cmpl %%ecx, %%ecx\n\trepe cmpsb\n\tpushf\n\tpop %[f]"
                         : "+S"(s), "+D"(d), "+c"(c), [f] "=r"(f) : : "cc", "memory");
        fold((u32)(s - sbuf)); fold(c); fold(f & ALL);
        d = sbuf + (r & 255);
        c = (r >> 16) & 255;
        __asm__ volatile("cmpl %%ecx, %%ecx\n\trepne scasb\n\tpushf\n\tpop %[f]"
                         : "+D"(d), "+c"(c), [f] "=r"(f) : "a"(val) : "cc", "memory");
        fold((u32)(d - sbuf)); fold(c); fold(f & ALL);
        u32 lv;
        s = sbuf + (r & 255);
        __asm__ volatile("lodsl" : "=a"(lv), "+S"(s) : : "memory");
        fold(lv);
    }
    for (int i = 0; i < 512; i += 4)
        fold(sbuf[i] | sbuf[i + 1] << 8 | sbuf[i + 2] << 16 | (u32)sbuf[i + 3] << 24);
}

/* ---------------- x87 ---------------- */
static void group_x87(void)
{
    __asm__ volatile("fninit");
    for (int i = 0; i < SWEEP_N / 2; i++) {
        s32 a = (s32)(rnd() % 2000001) - 1000000, b = (s32)(rnd() % 20001) - 10000;
        if (b == 0)
            b = 17;
        s32 r1, r2, r3, r4;
        u32 d[2], f;
        __asm__ volatile("fildl %[a]\n\tfildl %[b]\n\tfaddp\n\tfistpl %[r1]\n\t"
                         "fildl %[a]\n\tfildl %[b]\n\tfmulp\n\tfistpl %[r2]\n\t"
                         "fildl %[a]\n\tfildl %[b]\n\tfdivrp\n\tfistpl %[r3]\n\t"
                         "fildl %[a]\n\tfabs\n\tfsqrt\n\tfistpl %[r4]\n\t"
                         "fildl %[a]\n\tfildl %[b]\n\tfdivrp\n\tfstpl %[d]\n\t"
                         "fildl %[b]\n\tfildl %[a]\n\tfcomip %%st(1), %%st\n\tfstp %%st(0)\n\t"
                         "pushf\n\tpop %[f]"
                         : [r1] "=m"(r1), [r2] "=m"(r2), [r3] "=m"(r3), [r4] "=m"(r4), [d] "=m"(d), [f] "=r"(f)
                         : [a] "m"(a), [b] "m"(b)
                         : "cc");
        fold(r1); fold(r2); fold(r3); fold(r4); fold(d[0]); fold(d[1]);
        fold(f & 0x45); /* fcomi: ZF PF CF (QEMU leaves OF SF AF) */
    }
}

struct group {
    const char *name;
    void (*fn)(void);
};

int main(void)
{
    static const struct group groups[] = {
        {"alu", group_alu},   {"shift", group_shift}, {"muldiv", group_muldiv},
        {"bits", group_bits}, {"bcd", group_bcd},     {"string", group_string},
        {"x87", group_x87},
    };
    u32 total = 0x811c9dc5, checks = 0;
    for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        g_hash = 0x811c9dc5;
        g_checks = 0;
        groups[i].fn();
        OUT("sweep %s: %08x (%u checks)\n", groups[i].name, g_hash, g_checks);
        total = (total ^ g_hash) * 16777619u;
        checks += g_checks;
    }
    OUT("sweep checks: %u\n", checks);
    OUT("sweep checksum: %08x\n", total);
    return 0;
}
