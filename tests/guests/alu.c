/* alu: add/adc/sub/sbb/and/or/xor/cmp/test/inc/dec/neg/not on 8/16/32-bit
 * operands with edge values. Each line prints the operands, the incoming
 * carry, the result and EFLAGS & mask.
 *
 * Flags are preset via popf to either all-clear (c0) or all of
 * OF|SF|ZF|AF|PF|CF set (c1) so flags an op must leave untouched are
 * checked too (CF for inc/dec, everything for not).
 * Masked (architecturally undefined): AF after and/or/xor/test. */
#include "lib.h"

typedef u32 (*binfn)(u32 a, u32 b, u32 fin, u32 *fl);

#define BIN(name, insn, T, C)                                                 \
    static u32 name(u32 a32, u32 b32, u32 fin, u32 *fl)                       \
    {                                                                         \
        T a = (T)a32, b = (T)b32;                                             \
        u32 f;                                                                \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %[b], %[a]\n\t"     \
                         "pushf\n\tpop %[f]"                                  \
                         : [a] "+" C(a), [f] "=&r"(f)                         \
                         : [b] C(b), [fin] "r"(fin)                           \
                         : "cc");                                             \
        *fl = f;                                                              \
        return a;                                                             \
    }

/* memory destination form: op %reg, mem */
#define BINM(name, insn, T, C)                                                \
    static u32 name(u32 a32, u32 b32, u32 fin, u32 *fl)                       \
    {                                                                         \
        static volatile T m;                                                  \
        T b = (T)b32;                                                         \
        u32 f;                                                                \
        m = (T)a32;                                                           \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %[b], %[m]\n\t"     \
                         "pushf\n\tpop %[f]"                                  \
                         : [m] "+m"(m), [f] "=&r"(f)                          \
                         : [b] C(b), [fin] "r"(fin)                           \
                         : "cc");                                             \
        *fl = f;                                                              \
        return m;                                                             \
    }

/* memory source form: op mem, %reg */
#define BINS(name, insn, T, C)                                                \
    static u32 name(u32 a32, u32 b32, u32 fin, u32 *fl)                       \
    {                                                                         \
        static volatile T m;                                                  \
        T a = (T)a32;                                                         \
        u32 f;                                                                \
        m = (T)b32;                                                           \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %[m], %[a]\n\t"     \
                         "pushf\n\tpop %[f]"                                  \
                         : [a] "+" C(a), [f] "=&r"(f)                         \
                         : [m] "m"(m), [fin] "r"(fin)                         \
                         : "cc");                                             \
        *fl = f;                                                              \
        return a;                                                             \
    }

#define UN(name, insn, T, C)                                                  \
    static u32 name(u32 a32, u32 b32, u32 fin, u32 *fl)                       \
    {                                                                         \
        T a = (T)a32;                                                         \
        u32 f;                                                                \
        (void)b32;                                                            \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %[a]\n\t"           \
                         "pushf\n\tpop %[f]"                                  \
                         : [a] "+" C(a), [f] "=&r"(f)                         \
                         : [fin] "r"(fin)                                     \
                         : "cc");                                             \
        *fl = f;                                                              \
        return a;                                                             \
    }

#define ALL_SIZES(X, op)                                                      \
    X(op##b, #op "b", u8, "q")                                                \
    X(op##w, #op "w", u16, "r")                                               \
    X(op##l, #op "l", u32, "r")

ALL_SIZES(BIN, add)
ALL_SIZES(BIN, adc)
ALL_SIZES(BIN, sub)
ALL_SIZES(BIN, sbb)
ALL_SIZES(BIN, and)
ALL_SIZES(BIN, or)
ALL_SIZES(BIN, xor)
ALL_SIZES(BIN, cmp)
ALL_SIZES(BIN, test)
ALL_SIZES(UN, inc)
ALL_SIZES(UN, dec)
ALL_SIZES(UN, neg)
ALL_SIZES(UN, not)
BINM(addl_m, "addl", u32, "r")
BINM(adcw_m, "adcw", u16, "r")
BINM(sbbl_m, "sbbl", u32, "r")
BINM(subb_m, "subb", u8, "q")
BINM(xorl_m, "xorl", u32, "r")
BINS(cmpl_s, "cmpl", u32, "r")
BINS(sbbb_s, "sbbb", u8, "q")
BINS(orw_s, "orw", u16, "r")

struct op {
    const char *name;
    binfn fn;
    int bits;
    u32 fmask;
    int unary;
};

#define M_ALL 0x8D5u
#define M_LOG 0x8C5u /* AF undefined for logical ops */

static const struct op ops[] = {
    {"add", addb, 8, M_ALL, 0}, {"add", addw, 16, M_ALL, 0}, {"add", addl, 32, M_ALL, 0},
    {"adc", adcb, 8, M_ALL, 0}, {"adc", adcw, 16, M_ALL, 0}, {"adc", adcl, 32, M_ALL, 0},
    {"sub", subb, 8, M_ALL, 0}, {"sub", subw, 16, M_ALL, 0}, {"sub", subl, 32, M_ALL, 0},
    {"sbb", sbbb, 8, M_ALL, 0}, {"sbb", sbbw, 16, M_ALL, 0}, {"sbb", sbbl, 32, M_ALL, 0},
    {"and", andb, 8, M_LOG, 0}, {"and", andw, 16, M_LOG, 0}, {"and", andl, 32, M_LOG, 0},
    {"or", orb, 8, M_LOG, 0},   {"or", orw, 16, M_LOG, 0},   {"or", orl, 32, M_LOG, 0},
    {"xor", xorb, 8, M_LOG, 0}, {"xor", xorw, 16, M_LOG, 0}, {"xor", xorl, 32, M_LOG, 0},
    {"cmp", cmpb, 8, M_ALL, 0}, {"cmp", cmpw, 16, M_ALL, 0}, {"cmp", cmpl, 32, M_ALL, 0},
    {"test", testb, 8, M_LOG, 0}, {"test", testw, 16, M_LOG, 0}, {"test", testl, 32, M_LOG, 0},
    {"addm", addl_m, 32, M_ALL, 0}, {"adcm", adcw_m, 16, M_ALL, 0},
    {"sbbm", sbbl_m, 32, M_ALL, 0}, {"subm", subb_m, 8, M_ALL, 0},
    {"xorm", xorl_m, 32, M_LOG, 0}, {"cmps", cmpl_s, 32, M_ALL, 0},
    {"sbbs", sbbb_s, 8, M_ALL, 0},  {"ors", orw_s, 16, M_LOG, 0},
    {"inc", incb, 8, M_ALL, 1}, {"inc", incw, 16, M_ALL, 1}, {"inc", incl, 32, M_ALL, 1},
    {"dec", decb, 8, M_ALL, 1}, {"dec", decw, 16, M_ALL, 1}, {"dec", decl, 32, M_ALL, 1},
    {"neg", negb, 8, M_ALL, 1}, {"neg", negw, 16, M_ALL, 1}, {"neg", negl, 32, M_ALL, 1},
    {"not", notb, 8, M_ALL, 1}, {"not", notw, 16, M_ALL, 1}, {"not", notl, 32, M_ALL, 1},
};

/* edge values, truncated to the operand size */
static const u32 vals[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678};

static u32 fit(u32 v, int bits)
{
    if (bits == 8)
        return v == 0x7fffffff ? 0x7f : v == 0x80000000 ? 0x80 : v & 0xff;
    if (bits == 16)
        return v == 0x7fffffff ? 0x7fff : v == 0x80000000 ? 0x8000 : v & 0xffff;
    return v;
}

static u32 immtests(void);

int main(void)
{
    const int nv = sizeof(vals) / sizeof(vals[0]);
    u32 count = 0;
    for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        const struct op *o = &ops[i];
        int w = o->bits / 4;
        for (int cin = 0; cin < 2; cin++) {
            u32 fin = cin ? 0x8D5 : 0;
            for (int x = 0; x < nv; x++) {
                for (int y = 0; y < (o->unary ? 1 : nv); y++) {
                    u32 a = fit(vals[x], o->bits), b = fit(vals[y], o->bits), fl;
                    u32 r = o->fn(a, b, fin, &fl);
                    if (o->unary)
                        printf("%s%d %0*x c%d: %0*x %03x\n", o->name, o->bits, w, a,
                               cin, w, r, fl & o->fmask);
                    else
                        printf("%s%d %0*x %0*x c%d: %0*x %03x\n", o->name, o->bits, w, a,
                               w, b, cin, w, r, fl & o->fmask);
                    count++;
                }
            }
        }
    }
    count += immtests();
    printf("alu: %u cases\n", count);
    return finish();
}

/* Immediate forms, incl. sign-extended imm8 (opcode 0x83) and the
 * short accumulator encodings (0x05, 0x2d, ...). */
#define IMM(label, insn, init, T, C, fin, mask)                               \
    do {                                                                      \
        T a = (T)(init);                                                      \
        u32 f;                                                                \
        __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]" \
                         : [a] "+" C(a), [f] "=&r"(f)                         \
                         : [fi] "r"((u32)(fin))                               \
                         : "cc");                                             \
        printf("imm %-16s %08x c%d: %08x %03x\n", label, (u32)(init),         \
               (fin) ? 1 : 0, (u32)a, f & (mask));                            \
        n++;                                                                  \
    } while (0)

static u32 immtests(void)
{
    u32 n = 0;
    IMM("addl $-1,r", "addl $-1, %[a]", 1, u32, "r", 0, M_ALL);
    IMM("addl $0x7f,r", "addl $0x7f, %[a]", 0x7fffff81, u32, "r", 0, M_ALL);
    IMM("subl $-128,r", "subl $-128, %[a]", 0x7fffff80, u32, "r", 0, M_ALL);
    IMM("adcl $0x12345678,r", "adcl $0x12345678, %[a]", 0xedcba987, u32, "r", 1, M_ALL);
    IMM("sbbl $1,r", "sbbl $1, %[a]", 1, u32, "r", 1, M_ALL);
    IMM("cmpl $-1,r", "cmpl $-1, %[a]", 0x7fffffff, u32, "r", 0, M_ALL);
    IMM("andl $0xf0f0f0f0,r", "andl $0xf0f0f0f0, %[a]", 0x0ff00ff0, u32, "r", 0x8D5, M_LOG);
    IMM("orw $-2,r", "orw $-2, %[a]", 0x0001, u16, "r", 0, M_LOG);
    IMM("xorw $0x1234,r", "xorw $0x1234, %[a]", 0x1234, u16, "r", 0, M_LOG);
    IMM("addb $0x80,r", "addb $0x80, %[a]", 0x80, u8, "q", 0, M_ALL);
    IMM("sbbb $0x7f,r", "sbbb $0x7f, %[a]", 0xff, u8, "q", 1, M_ALL);
    IMM("addl $0x10,%eax", "addl $0x10, %%eax", 0xfffffff8, u32, "a", 0, M_ALL);
    IMM("subl $0x10000,%eax", "subl $0x10000, %%eax", 0x0000ffff, u32, "a", 0, M_ALL);
    IMM("adcb $0x0f,%al", "adcb $0x0f, %%al", 0xf0, u8, "a", 1, M_ALL);
    IMM("cmpw $0x8000,%ax", "cmpw $0x8000, %%ax", 0x7fff, u16, "a", 0, M_ALL);
    IMM("testl $0x80000001,%eax", "testl $0x80000001, %%eax", 0x80000000, u32, "a", 0, M_LOG);
    IMM("testb $0x80,r", "testb $0x80, %[a]", 0x7f, u8, "q", 0x8D5, M_LOG);
    return n;
}
