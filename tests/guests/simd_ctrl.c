/* simd_ctrl: which control bits make x87/MMX/SSE instructions fault
 * (Intel SDM vol. 3 table 2-2 and 13.1.3; vol. 2 exception classes).
 *  - CR4.OSFXSR=0: instructions with an XMM operand and ldmxcsr/stmxcsr
 *    are #UD; MMX, MMX-register forms of SSE (pshufw), fxsave/fxrstor,
 *    sfence and prefetches run
 *  - CR4.OSFXSR=1: all of them run
 *  - OSFXSR=0 with CR0.TS=1: the #UD wins over #NM for SSE; MMX and x87
 *    take #NM
 *  - CR0.EM=1 (OSFXSR=1): SSE and MMX are #UD, x87 is #NM
 * Each line: the vector each probe raised, "-" for none. Built without
 * -msse2 so that no compiler-made SSE code runs with OSFXSR=0; the probes
 * are assembly. */
#include "idt.c"

#define CR0_MP 0x2u
#define CR0_EM 0x4u
#define CR0_TS 0x8u
#define CR4_OSFXSR 0x200u

static u8 area[512] __attribute__((aligned(16)));
static u32 mxcsr = 0x1f80;

#define PROBE(name, insn)                                                                        \
    static void name(void *a)                                                                    \
    {                                                                                            \
        (void)a;                                                                                 \
        __asm__ volatile("movl $1f, trap_mark\n1:\t" insn : : "r"(area), "r"(&mxcsr) : "memory"); \
    }

PROBE(p_movaps, "movaps %%xmm1, %%xmm0")
PROBE(p_addps, "addps %%xmm1, %%xmm0")
PROBE(p_movd_xmm, "movd %%eax, %%xmm0")
PROBE(p_cvtpi2ps, "cvtpi2ps %%mm1, %%xmm0")
PROBE(p_ldmxcsr, "ldmxcsr (%1)")
PROBE(p_stmxcsr, "stmxcsr (%1)")
PROBE(p_pxor_mm, "pxor %%mm1, %%mm0")
PROBE(p_pshufw, "pshufw $0x1b, %%mm1, %%mm0")
PROBE(p_fxsave, "fxsave (%0)")
PROBE(p_sfence, "sfence")
PROBE(p_prefetch, "prefetchnta (%0)")
PROBE(p_fld1, "fld1\n\tfstp %%st(0)")

static const struct {
    const char *name;
    void (*fn)(void *);
} probes[] = {
    {"movaps", p_movaps},   {"addps", p_addps},     {"movd xmm", p_movd_xmm}, {"cvtpi2ps", p_cvtpi2ps},
    {"ldmxcsr", p_ldmxcsr}, {"stmxcsr", p_stmxcsr}, {"pxor mm", p_pxor_mm},   {"pshufw", p_pshufw},
    {"fxsave", p_fxsave},   {"sfence", p_sfence},   {"prefetch", p_prefetch}, {"fld1", p_fld1},
};

static u32 rd_cr0(void) { u32 v; __asm__ volatile("movl %%cr0, %0" : "=r"(v)); return v; }
static u32 rd_cr4(void) { u32 v; __asm__ volatile("movl %%cr4, %0" : "=r"(v)); return v; }
static void wr_cr0(u32 v) { __asm__ volatile("movl %0, %%cr0" : : "r"(v)); }
static void wr_cr4(u32 v) { __asm__ volatile("movl %0, %%cr4" : : "r"(v)); }

static void row(const char *what, u32 cr0, u32 cr4)
{
    printf("%-22s", what);
    for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        wr_cr4(cr4);
        wr_cr0(cr0);
        int v = run_catch(probes[i].fn, 0);
        wr_cr0(cr0 & ~(CR0_TS | CR0_EM));
        __asm__ volatile("emms");
        wr_cr4(cr4 | CR4_OSFXSR);
        if (v < 0)
            printf(" %s:-", probes[i].name);
        else
            printf(" %s:%d", probes[i].name, v);
    }
    printf("\n");
}

int main(void)
{
    cpu_init();
    u32 cr0 = (rd_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS), cr4 = rd_cr4() & ~CR4_OSFXSR;
    __asm__ volatile("fninit");
    row("OSFXSR=0", cr0, cr4);
    row("OSFXSR=1", cr0, cr4 | CR4_OSFXSR);
    row("OSFXSR=0 TS=1", cr0 | CR0_TS, cr4);
    row("OSFXSR=1 EM=1", cr0 | CR0_EM, cr4 | CR4_OSFXSR);
    return finish();
}
