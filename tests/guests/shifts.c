/* shifts: shl/shr/sar/rol/ror/rcl/rcr (by 1, imm8, %cl) and shld/shrd on
 * 8/16/32-bit operands. Flags are preset via popf to all-clear (c0) or
 * OF|SF|ZF|AF|PF|CF all set (c1); the printed flags are masked to what the
 * architecture defines (Intel SDM / AMD APM), so values that legitimately
 * differ between CPUs are not compared:
 *   - masked count (cnt & 31) == 0: no flag is modified -> all compared.
 *   - shl/shr/sar: SF ZF PF from the result; CF = last bit out, undefined
 *     for shl/shr when cnt >= operand size; AF undefined; OF only for cnt==1.
 *   - rol/ror: only CF (and OF when cnt==1) are modified; SF ZF AF PF must
 *     be preserved and are compared.
 *   - rcl/rcr: count is (cnt&31) mod 9 (8-bit) / mod 17 (16-bit); CF
 *     defined, OF only for cnt==1; SF ZF AF PF preserved.
 *   - shld/shrd: SF ZF PF CF defined, OF only for cnt==1, AF undefined;
 *     16-bit forms with cnt > 16 have an undefined result and are skipped. */
#include "lib.h"

#define OF 0x800u
#define SZP 0xC4u
#define CF 0x1u
#define ALL 0x8D5u

typedef u32 (*shfn)(u32 a, u32 cnt, u32 fin, u32 *fl);

#define SH(name, insn, T, C)                                                  \
    static u32 name(u32 a32, u32 cnt, u32 fin, u32 *fl)                       \
    {                                                                         \
        T a = (T)a32;                                                         \
        u32 f;                                                                \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %%cl, %[a]\n\t"     \
                         "pushf\n\tpop %[f]"                                  \
                         : [a] "+" C(a), [f] "=&r"(f)                         \
                         : "c"(cnt), [fin] "r"(fin)                           \
                         : "cc");                                             \
        *fl = f;                                                              \
        return a;                                                             \
    }

#define ALL_SIZES(op)                                                         \
    SH(op##b, #op "b", u8, "q")                                               \
    SH(op##w, #op "w", u16, "r")                                              \
    SH(op##l, #op "l", u32, "r")

ALL_SIZES(shl)
ALL_SIZES(shr)
ALL_SIZES(sar)
ALL_SIZES(rol)
ALL_SIZES(ror)
ALL_SIZES(rcl)
ALL_SIZES(rcr)

enum { K_SHL, K_SHR, K_SAR, K_ROT, K_RC };

struct op {
    const char *name;
    shfn fn[3];
    int kind;
};

static const struct op ops[] = {
    {"shl", {shlb, shlw, shll}, K_SHL}, {"shr", {shrb, shrw, shrl}, K_SHR},
    {"sar", {sarb, sarw, sarl}, K_SAR}, {"rol", {rolb, rolw, roll}, K_ROT},
    {"ror", {rorb, rorw, rorl}, K_ROT}, {"rcl", {rclb, rclw, rcll}, K_RC},
    {"rcr", {rcrb, rcrw, rcrl}, K_RC},
};

static const u32 vals[3][3] = {
    {0x81, 0x7f, 0xc0},
    {0x8001, 0x7fff, 0xc350},
    {0x80000001, 0x7fffffff, 0xc0de1234},
};
static const u32 counts[] = {0, 1, 3, 7, 8, 9, 16, 17, 31, 32, 33};

static u32 defmask(int kind, u32 cnt, int bits)
{
    cnt &= 31;
    if (cnt == 0)
        return ALL;
    u32 of = cnt == 1 ? OF : 0;
    switch (kind) {
    case K_SHL:
    case K_SHR:
        return SZP | of | (cnt < (u32)bits ? CF : 0);
    case K_SAR:
        return SZP | of | CF;
    default: /* rotates: SF ZF AF PF preserved */
        return 0xD4u | CF | of;
    }
}

/* Immediate-count and by-one encodings on a 32-bit register. */
#define IMM(label, insn, init, fin)                                           \
    do {                                                                      \
        u32 a = (init), f;                                                    \
        __asm__ volatile("push %[fi]\n\tpopf\n\t" insn " %[a]\n\t"            \
                         "pushf\n\tpop %[f]"                                  \
                         : [a] "+r"(a), [f] "=&r"(f)                          \
                         : [fi] "r"((u32)(fin))                               \
                         : "cc");                                             \
        printf("imm %-12s %08x c%d: %08x %03x\n", label, (u32)(init),         \
               (fin) ? 1 : 0, a, f & defmask(kind, cnt, 32));                 \
        n++;                                                                  \
    } while (0)

static u32 immtests(void)
{
    u32 n = 0;
    int kind;
    u32 cnt;
    kind = K_SHL, cnt = 1;
    IMM("shl $1", "shll $1,", 0xc0000000, 0);   /* D1 /4 */
    IMM("shl $1", "shll $1,", 0x40000000, ALL);
    kind = K_SHR;
    IMM("shr $1", "shrl $1,", 0x80000001, 0);
    kind = K_SAR;
    IMM("sar $1", "sarl $1,", 0x80000001, ALL);
    kind = K_ROT;
    IMM("rol $1", "roll $1,", 0x80000000, 0);
    IMM("ror $1", "rorl $1,", 0x00000001, 0);
    kind = K_RC;
    IMM("rcl $1", "rcll $1,", 0x80000000, 0);
    IMM("rcr $1", "rcrl $1,", 0x00000001, ALL);
    kind = K_SHL, cnt = 4;
    IMM("shl $4", "shll $4,", 0x1234567f, 0);   /* C1 /4 ib */
    kind = K_SHR, cnt = 31;
    IMM("shr $31", "shrl $31,", 0x80000000, 0);
    kind = K_SAR, cnt = 31;
    IMM("sar $31", "sarl $31,", 0x80000000, 0);
    kind = K_SHL, cnt = 0;
    IMM("shl $0", "shll $0,", 0x12345678, ALL);
    kind = K_SHL, cnt = 32;
    IMM("shl $32", "shll $32,", 0x12345678, 0);
    kind = K_ROT, cnt = 8;
    IMM("rol $8", "roll $8,", 0x12345678, ALL);
    IMM("ror $8", "rorl $8,", 0x12345678, 0);
    kind = K_RC, cnt = 5;
    IMM("rcl $5", "rcll $5,", 0x87654321, ALL);
    IMM("rcr $5", "rcrl $5,", 0x87654321, 0);
    /* 8-bit register by one, high-byte register (%ah) */
    {
        u32 a = 0x1281, f;
        __asm__ volatile("push $0\n\tpopf\n\tshlb $1, %%ah\n\trorb $1, %%al\n\tpushf\n\tpop %[f]"
                         : "+a"(a), [f] "=r"(f) : : "cc");
        /* AF is undefined after a shift (SDM SAL/SAR/SHL/SHR): an AMD EPYC
         * host sets it here, QEMU clears it, so it is masked */
        printf("imm shlb/rorb %%ah,%%al: %08x %03x\n", a, f & (CF | OF | 0xC4));
        n++;
    }
    return n;
}

/* shld/shrd with %cl and imm counts */
#define DSH(name, insn, T)                                                    \
    static u32 name(u32 a32, u32 b32, u32 cnt, u32 fin, u32 *fl)              \
    {                                                                         \
        T a = (T)a32, b = (T)b32;                                             \
        u32 f;                                                                \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %%cl, %[b], %[a]\n\t" \
                         "pushf\n\tpop %[f]"                                  \
                         : [a] "+r"(a), [f] "=&r"(f)                          \
                         : [b] "r"(b), "c"(cnt), [fin] "r"(fin)               \
                         : "cc");                                             \
        *fl = f;                                                              \
        return a;                                                             \
    }
DSH(shldw, "shldw", u16)
DSH(shldl, "shldl", u32)
DSH(shrdw, "shrdw", u16)
DSH(shrdl, "shrdl", u32)

static u32 dshtests(void)
{
    u32 n = 0;
    static const u32 dcounts[] = {0, 1, 4, 15, 16, 17, 31, 32, 36};
    for (unsigned i = 0; i < sizeof(dcounts) / sizeof(dcounts[0]); i++) {
        for (int cin = 0; cin < 2; cin++) {
            u32 c = dcounts[i], fin = cin ? ALL : 0, fl, r, m;
            m = (c & 31) == 0 ? ALL : (SZP | CF | ((c & 31) == 1 ? OF : 0));
            r = shldl(0x80f01234, 0xa5c3e187, c, fin, &fl);
            printf("shld32 cl=%02d c%d: %08x %03x\n", c, cin, r, fl & m);
            r = shrdl(0x80f01234, 0xa5c3e187, c, fin, &fl);
            printf("shrd32 cl=%02d c%d: %08x %03x\n", c, cin, r, fl & m);
            n += 2;
            if ((c & 31) <= 16) {
                r = shldw(0x81f0, 0xa5c3, c, fin, &fl);
                printf("shld16 cl=%02d c%d: %04x %03x\n", c, cin, r, fl & m);
                r = shrdw(0x81f0, 0xa5c3, c, fin, &fl);
                printf("shrd16 cl=%02d c%d: %04x %03x\n", c, cin, r, fl & m);
                n += 2;
            }
        }
    }
    /* immediate count forms, memory destination */
    {
        static volatile u32 m = 0x12345678;
        u32 b = 0x9abcdef0, f;
        __asm__ volatile("push $0\n\tpopf\n\tshldl $12, %[b], %[m]\n\tpushf\n\tpop %[f]"
                         : [m] "+m"(m), [f] "=r"(f) : [b] "r"(b) : "cc");
        printf("shld $12 mem: %08x %03x\n", m, f & (SZP | CF));
        __asm__ volatile("push $0\n\tpopf\n\tshrdl $1, %[b], %[m]\n\tpushf\n\tpop %[f]"
                         : [m] "+m"(m), [f] "=r"(f) : [b] "r"(b) : "cc");
        printf("shrd $1 mem: %08x %03x\n", m, f & (SZP | CF | OF));
        n += 2;
    }
    return n;
}

int main(void)
{
    u32 n = 0;
    for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
        for (int s = 0; s < 3; s++) {
            int bits = 8 << s, w = bits / 4;
            for (int v = 0; v < 3; v++) {
                for (unsigned ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
                    for (int cin = 0; cin < 2; cin++) {
                        u32 a = vals[s][v], c = counts[ci], fl;
                        u32 r = ops[o].fn[s](a, c, cin ? ALL : 0, &fl);
                        printf("%s%d %0*x cl=%02d c%d: %0*x %03x\n", ops[o].name, bits, w, a, c,
                               cin, w, r, fl & defmask(ops[o].kind, c, bits));
                        n++;
                    }
                }
            }
        }
    }
    n += immtests();
    n += dshtests();
    printf("shifts: %u cases\n", n);
    return finish();
}
