/* bcd: daa/das/aaa/aas/aam/aad. Printed flags are restricted to the
 * defined ones:
 *   daa/das: CF AF SF ZF PF (OF undefined)          mask 0x0D5
 *   aaa/aas: CF AF (OF SF ZF PF undefined)           mask 0x011
 *   aam/aad: SF ZF PF (OF AF CF undefined)           mask 0x0C4
 * Besides sampled lines, every AL value x every AF/CF input (and AH for
 * aaa/aas) is folded into a per-instruction FNV hash. aaa/aas use the
 * modern AX+0x106 / AX-6 semantics (Intel SDM, AMD, QEMU). */
#include "lib.h"

#define M_DAA 0x0D5u
#define M_AAA 0x011u
#define M_AAM 0x0C4u

#define AX_OP(name, insn)                                                     \
    static u32 name(u32 ax, u32 fin, u32 *fl)                                 \
    {                                                                         \
        u32 f;                                                                \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]" \
                         : "+a"(ax), [f] "=&r"(f)                             \
                         : [fin] "r"(fin)                                     \
                         : "cc");                                             \
        *fl = f;                                                              \
        return ax;                                                            \
    }
AX_OP(do_daa, "daa")
AX_OP(do_das, "das")
AX_OP(do_aaa, "aaa")
AX_OP(do_aas, "aas")
AX_OP(do_aam10, "aam")
AX_OP(do_aam16, "aam $16")
AX_OP(do_aam7, "aam $7")
AX_OP(do_aad10, "aad")
AX_OP(do_aad16, "aad $16")
AX_OP(do_aad7, "aad $7")
AX_OP(do_aad0, "aad $0")

typedef u32 (*axfn)(u32, u32, u32 *);

static const u8 samples[] = {0x00, 0x05, 0x09, 0x0a, 0x0f, 0x10, 0x19, 0x1a, 0x45,
                             0x99, 0x9a, 0x9f, 0xa0, 0xf9, 0xfa, 0xff};

static u32 fold(u32 h, u32 v)
{
    return crc_update(h, &v, 4);
}

static void run(const char *name, axfn fn, u32 mask, int vary_ah, int vary_flags)
{
    u32 h = 0x811c9dc5, n = 0;
    for (u32 al = 0; al < 256; al++) {
        for (u32 fi = 0; fi < (vary_flags ? 4u : 1u); fi++) {
            for (u32 ahi = 0; ahi < (vary_ah ? 3u : 1u); ahi++) {
                static const u32 ahs[] = {0x00, 0x12, 0xff};
                u32 fin = (fi & 1 ? 0x001 : 0) | (fi & 2 ? 0x010 : 0), fl;
                u32 ax = 0xabcd0000 | (ahs[ahi] << 8) | al;
                u32 r = fn(ax, fin, &fl);
                h = fold(fold(h, r), fl & mask);
                n++;
            }
        }
    }
    printf("%s exhaustive: %u cases hash=%08x\n", name, n, h);
    for (unsigned i = 0; i < sizeof(samples); i++) {
        for (u32 fi = 0; fi < (vary_flags ? 4u : 1u); fi++) {
            u32 fin = (fi & 1 ? 0x001 : 0) | (fi & 2 ? 0x010 : 0), fl;
            u32 ax = 0x00001200 | samples[i];
            u32 r = fn(ax, fin, &fl);
            printf("%s ax=%04x cf=%d af=%d: %08x %03x\n", name, ax, fi & 1, (fi >> 1) & 1, r,
                   fl & mask);
        }
    }
}

int main(void)
{
    run("daa", do_daa, M_DAA, 0, 1);
    run("das", do_das, M_DAA, 0, 1);
    run("aaa", do_aaa, M_AAA, 1, 1);
    run("aas", do_aas, M_AAA, 1, 1);
    run("aam", do_aam10, M_AAM, 1, 0);
    run("aam16", do_aam16, M_AAM, 0, 0);
    run("aam7", do_aam7, M_AAM, 0, 0);
    run("aad", do_aad10, M_AAM, 1, 0);
    run("aad16", do_aad16, M_AAM, 1, 0);
    run("aad7", do_aad7, M_AAM, 1, 0);
    run("aad0", do_aad0, M_AAM, 1, 0);
    /* a packed-BCD addition chain: 0x1999 + 0x0001 ... with daa/adc */
    u32 a = 0x19, b = 0x99, carry;
    __asm__ volatile("addb $0x01, %b[b]\n\t"
                     "movb %b[b], %%al\n\tdaa\n\tmovb %%al, %b[b]\n\t"
                     "movb %b[a], %%al\n\tadcb $0, %%al\n\tdaa\n\tmovb %%al, %b[a]\n\t"
                     "setc %%al\n\tmovzbl %%al, %[c]"
                     : [a] "+q"(a), [b] "+q"(b), [c] "=a"(carry) : : "cc");
    printf("bcd 1999+1: %02x%02x carry=%u\n", a & 0xff, b & 0xff, carry);
    return finish();
}
