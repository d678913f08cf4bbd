/* fpu_sse: x87 and SSE2 basics with exactly-rounded operations only
 * (no transcendental instructions): results are printed as integers or
 * as raw IEEE bit patterns.
 * GUEST_CFLAGS: -msse2
 * HOST_CFLAGS: -msse2 */
#include "lib.h"

static u32 g_sw;

static void enable_sse(void)
{
#ifndef HOST
    u32 cr0, cr4;
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    cr0 &= ~(1u << 2); /* EM */
    cr0 |= 1u << 1;    /* MP */
    cr0 &= ~(1u << 3); /* TS */
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0));
    __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
    cr4 |= (1u << 9) | (1u << 10); /* OSFXSR | OSXMMEXCPT */
    __asm__ volatile("movl %0, %%cr4" : : "r"(cr4));
#endif
    __asm__ volatile("fninit");
}

static void pd(const char *name, const u64 *v)
{
    const u32 *p = (const u32 *)v;
    printf("%s: %08x%08x\n", name, p[1], p[0]);
}

static void x87(void)
{
    u16 cw, sw;
    __asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(cw), "=m"(sw));
    printf("x87 init: cw=%04x sw=%04x\n", cw, sw);

    static s32 i10 = 10, i3 = 3, i2 = 2, i144 = 144, i5 = 5;
    static u64 d;
    static s32 ri;
    /* 10 / 3 */
    __asm__ volatile("fildl %1\n\tfildl %2\n\tfdivrp\n\tfstl %0\n\tfistpl %3\n\tfnstsw %%ax\n\tmovl %%eax, %4"
                     : "=m"(d), "+m"(i10), "+m"(i3), "=m"(ri), "=m"(g_sw) : : "eax");
    pd("fdiv 10/3", &d);
    printf("fistp 10/3: %d sw=%04x\n", ri, g_sw & 0xffff);
    __asm__ volatile("fnclex");
    /* sqrt(2), sqrt(144) */
    __asm__ volatile("fildl %1\n\tfsqrt\n\tfstpl %0" : "=m"(d) : "m"(i2));
    pd("fsqrt 2", &d);
    __asm__ volatile("fildl %1\n\tfsqrt\n\tfistpl %0" : "=m"(ri) : "m"(i144));
    printf("fsqrt 144: %d\n", ri);
    /* constants */
    __asm__ volatile("fldpi\n\tfstpl %0" : "=m"(d));
    pd("fldpi", &d);
    __asm__ volatile("fld1\n\tfldz\n\tfaddp\n\tfstpl %0" : "=m"(d));
    pd("fld1+fldz", &d);
    /* (5 * 3 + 10) * -2 with fmul/fadd/fchs */
    __asm__ volatile("fildl %1\n\tfimull %2\n\tfiaddl %3\n\tfildl %4\n\tfchs\n\tfmulp\n\tfistpl %0"
                     : "=m"(ri) : "m"(i5), "m"(i3), "m"(i10), "m"(i2));
    printf("fmul/fadd/fchs: %d\n", ri);
    /* rounding modes: 2.5 and -2.5 through frndint/fistp */
    static const u16 cws[4] = {0x037f, 0x077f, 0x0b7f, 0x0f7f};
    static const char *const names[4] = {"nearest", "down", "up", "trunc"};
    static s32 five = 5, neg7 = -7;
    for (int m = 0; m < 4; m++) {
        s32 a, b;
        __asm__ volatile("fldcw %2\n\t"
                         "fildl %3\n\tfildl %4\n\tfdivrp\n\tfistpl %0\n\t"  /* 5/2 */
                         "fildl %5\n\tfildl %4\n\tfdivrp\n\tfistpl %1\n\t"  /* -7/2 */
                         "fldcw %6"
                         : "=m"(a), "=m"(b)
                         : "m"(cws[m]), "m"(five), "m"(i2), "m"(neg7), "m"(cws[0]));
        printf("round %-7s: 2.5->%d -3.5->%d\n", names[m], a, b);
    }
    /* 64-bit integer round trip and 16-bit store */
    static s64 big = 0x0123456789abcdefll, big2;
    static s16 w;
    __asm__ volatile("fildll %2\n\tfld %%st(0)\n\tfistpll %0\n\tfildl %3\n\tfdivrp\n\tfistps %1"
                     : "=m"(big2), "=m"(w) : "m"(big), "m"(i10));
    __asm__ volatile("fnstsw %%ax\n\tmovl %%eax, %0\n\tfnclex" : "=m"(g_sw) : : "eax");
    printf("fistpll: %08x%08x fistps(overflow): %04x IE=%u\n", (u32)(big2 >> 32), (u32)big2,
           (u16)w, g_sw & 1);
    /* fcomi / fucomi -> ZF PF CF; OF SF AF are architecturally cleared but
     * QEMU (7.2 TCG) leaves them unchanged, so fcomi runs with them preset
     * (masked out) and fucomip runs with all flags preset clear. */
    static const s32 pairs[4][2] = {{3, 5}, {5, 3}, {4, 4}, {-1, 1}};
    for (int i = 0; i < 4; i++) {
        u32 f1, f2;
        __asm__ volatile("fildl %3\n\tfildl %2\n\t" /* st0 = a, st1 = b */
                         "push $0x8d5\n\tpopf\n\t"
                         "fcomi %%st(1), %%st\n\tpushf\n\tpopl %0\n\t"
                         "push $0\n\tpopf\n\t"
                         "fucomip %%st(1), %%st\n\tpushf\n\tpopl %1\n\t"
                         "fstp %%st(0)"
                         : "=r"(f1), "=r"(f2) : "m"(pairs[i][0]), "m"(pairs[i][1]) : "cc");
        /* classic fcom + fnstsw: C3 C2 C0 and TOP */
        u16 s;
        __asm__ volatile("fildl %2\n\tfildl %1\n\tfcompp\n\tfnstsw %0" : "=m"(s)
                         : "m"(pairs[i][0]), "m"(pairs[i][1]));
        printf("fcomi %d,%d: %03x fucomip: %03x fcompp sw: %04x\n", pairs[i][0], pairs[i][1],
               f1 & 0x045, f2 & 0x8d5, s & 0x4700);
    }
    /* fxch, fabs, fsub/fsubr, stack TOP tracking */
    static s32 r1, r2;
    __asm__ volatile("fildl %2\n\tfildl %3\n\tfxch\n\tfsub %%st(1), %%st\n\tfabs\n\tfistpl %0\n\t"
                     "fnstsw %%ax\n\tmovl %%eax, %4\n\tfistpl %1"
                     : "=m"(r1), "=m"(r2) : "m"(i3), "m"(i10), "m"(g_sw) : "eax");
    printf("fxch/fsub/fabs: %d %d top-after-1-pop=%u\n", r1, r2, (g_sw >> 11) & 7);
    __asm__ volatile("fnstsw %%ax\n\tmovl %%eax, %0" : "=m"(g_sw) : : "eax");
    printf("final x87 top=%u\n", (g_sw >> 11) & 7);
}

typedef u32 v4[4] __attribute__((aligned(16)));

static void p4(const char *name, const v4 v)
{
    printf("%s: %08x %08x %08x %08x\n", name, v[0], v[1], v[2], v[3]);
}

static void sse2(void)
{
    static v4 a = {1, 0x7fffffff, 0xffffffff, 0x12345678};
    static v4 b = {2, 1, 1, 0x11111111};
    static v4 r;
    __asm__ volatile("movdqa %1, %%xmm0\n\tpaddd %2, %%xmm0\n\tmovdqa %%xmm0, %0"
                     : "=m"(r) : "m"(a), "m"(b) : "xmm0");
    p4("paddd", r);
    __asm__ volatile("movdqa %1, %%xmm0\n\tpsubd %2, %%xmm0\n\tmovdqa %%xmm0, %0"
                     : "=m"(r) : "m"(a), "m"(b) : "xmm0");
    p4("psubd", r);
    __asm__ volatile("movdqa %1, %%xmm0\n\tmovdqa %2, %%xmm1\n\tpmuludq %%xmm1, %%xmm0\n\tmovdqa %%xmm0, %0"
                     : "=m"(r) : "m"(a), "m"(b) : "xmm0", "xmm1");
    p4("pmuludq", r);
    __asm__ volatile("movdqa %1, %%xmm2\n\tpxor %2, %%xmm2\n\tmovdqa %%xmm2, %0"
                     : "=m"(r) : "m"(a), "m"(b) : "xmm2");
    p4("pxor", r);
    __asm__ volatile("pxor %%xmm3, %%xmm3\n\tmovdqa %%xmm3, %0" : "=m"(r) : : "xmm3");
    p4("pxor self", r);
    __asm__ volatile("movdqa %1, %%xmm0\n\tpcmpeqd %2, %%xmm0\n\tmovdqa %%xmm0, %0"
                     : "=m"(r) : "m"(a), "m"(a) : "xmm0");
    p4("pcmpeqd", r);
    __asm__ volatile("pshufd $0x1b, %1, %%xmm4\n\tmovdqa %%xmm4, %0" : "=m"(r) : "m"(a) : "xmm4");
    p4("pshufd 1b", r);
    __asm__ volatile("movdqa %1, %%xmm5\n\tpsllq $4, %%xmm5\n\tpsrldq $2, %%xmm5\n\tmovdqu %%xmm5, %0"
                     : "=m"(r) : "m"(a) : "xmm5");
    p4("psllq/psrldq", r);
    __asm__ volatile("movdqa %1, %%xmm6\n\tpunpckldq %2, %%xmm6\n\tmovdqa %%xmm6, %0"
                     : "=m"(r) : "m"(a), "m"(b) : "xmm6");
    p4("punpckldq", r);
    u32 mv;
    __asm__ volatile("movl $0xdeadbeef, %%eax\n\tmovd %%eax, %%xmm7\n\tpaddd %%xmm7, %%xmm7\n\tmovd %%xmm7, %0"
                     : "=r"(mv) : : "eax", "xmm7");
    printf("movd: %08x\n", mv);

    /* scalar double */
    static u64 d;
    s32 i1, i2;
    __asm__ volatile("movl $7, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\t"
                     "movl $2, %%eax\n\tcvtsi2sd %%eax, %%xmm1\n\t"
                     "divsd %%xmm1, %%xmm0\n\t"              /* 3.5 */
                     "movsd %%xmm0, %0\n\t"
                     "cvttsd2si %%xmm0, %1\n\t"              /* 3 */
                     "cvtsd2si %%xmm0, %2"                   /* 4 (nearest even) */
                     : "=m"(d), "=r"(i1), "=r"(i2) : : "eax", "xmm0", "xmm1");
    pd("7/2", &d);
    printf("cvttsd2si 3.5: %d cvtsd2si 3.5: %d\n", i1, i2);
    __asm__ volatile("movl $5, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\tmovl $2, %%eax\n\tcvtsi2sd %%eax, %%xmm1\n\t"
                     "divsd %%xmm1, %%xmm0\n\tcvtsd2si %%xmm0, %0\n\t"
                     "movl $-7, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\tdivsd %%xmm1, %%xmm0\n\tcvttsd2si %%xmm0, %1"
                     : "=r"(i1), "=r"(i2) : : "eax", "xmm0", "xmm1");
    printf("cvtsd2si 2.5: %d cvttsd2si -3.5: %d\n", i1, i2);
    __asm__ volatile("movl $1, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\tmovl $3, %%eax\n\tcvtsi2sd %%eax, %%xmm1\n\t"
                     "divsd %%xmm1, %%xmm0\n\tmovsd %%xmm0, %0"
                     : "=m"(d) : : "eax", "xmm0", "xmm1");
    pd("1/3", &d);
    __asm__ volatile("movl $2, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\tsqrtsd %%xmm0, %%xmm0\n\tmovsd %%xmm0, %0"
                     : "=m"(d) : : "eax", "xmm0");
    pd("sqrtsd 2", &d);
    __asm__ volatile("movl $144, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\tsqrtsd %%xmm0, %%xmm1\n\t"
                     "movl $3, %%eax\n\tcvtsi2sd %%eax, %%xmm2\n\tmulsd %%xmm2, %%xmm1\n\t"
                     "addsd %%xmm2, %%xmm1\n\tcvttsd2si %%xmm1, %0"
                     : "=r"(i1) : : "eax", "xmm0", "xmm1", "xmm2");
    printf("sqrt(144)*3+3: %d\n", i1);
    /* ucomisd -> ZF PF CF (OF SF AF cleared) */
    u32 f;
    __asm__ volatile("movl $1, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\tmovl $2, %%eax\n\tcvtsi2sd %%eax, %%xmm1\n\t"
                     "push $0x8d5\n\tpopf\n\tucomisd %%xmm1, %%xmm0\n\tpushf\n\tpopl %0"
                     : "=r"(f) : : "eax", "xmm0", "xmm1", "cc");
    printf("ucomisd 1,2: %03x\n", f & 0x8d5);
    /* integer indefinite on overflow */
    static const u64 huge = 0x43f0000000000000ull; /* 2^64 */
    __asm__ volatile("movsd %1, %%xmm0\n\tcvttsd2si %%xmm0, %0" : "=r"(i1) : "m"(huge) : "xmm0");
    printf("cvttsd2si 2^64: %08x\n", i1);
    u32 mx;
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    printf("mxcsr: %08x\n", mx);
    static const u32 mxdef = 0x1f80;
    __asm__ volatile("ldmxcsr %1\n\tstmxcsr %0" : "=m"(mx) : "m"(mxdef));
    printf("mxcsr reset: %08x\n", mx);
    u32 msk;
    static const u64 pdv[2] __attribute__((aligned(16))) = {0x8000000000000000ull, 0x3ff0000000000000ull};
    __asm__ volatile("movapd %1, %%xmm0\n\tmovmskpd %%xmm0, %0" : "=r"(msk) : "m"(pdv[0]) : "xmm0");
    printf("movmskpd: %u\n", msk);
}

int main(void)
{
    enable_sse();
    x87();
    sse2();
    return finish();
}
