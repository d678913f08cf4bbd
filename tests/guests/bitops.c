/* bitops: bt/bts/btr/btc (register, immediate, and memory bit strings with
 * offsets beyond 32 and negative offsets), bsf/bsr, bswap, setcc/cmovcc/jcc
 * for all 16 conditions.
 * Flags: after bt* only CF is defined and ZF is unaffected (preset and
 * compared); OF SF AF PF are undefined and masked. After bsf/bsr only ZF is
 * defined; for a zero source the destination is undefined (Intel) so only ZF
 * is printed then. */
#include "lib.h"

#define ALL 0x8D5u
#define BTMASK 0x41u /* ZF (preserved) | CF */

#define BTR_(name, insn, T)                                                   \
    static u32 name(u32 a32, u32 bit, u32 fin, u32 *fl)                       \
    {                                                                         \
        T a = (T)a32, b = (T)bit;                                             \
        u32 f;                                                                \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %[b], %[a]\n\t"     \
                         "pushf\n\tpop %[f]"                                  \
                         : [a] "+r"(a), [f] "=&r"(f)                          \
                         : [b] "r"(b), [fin] "r"(fin)                         \
                         : "cc");                                             \
        *fl = f;                                                              \
        return a;                                                             \
    }
BTR_(btw_, "btw", u16)
BTR_(btsw_, "btsw", u16)
BTR_(btrw_, "btrw", u16)
BTR_(btcw_, "btcw", u16)
BTR_(btl_, "btl", u32)
BTR_(btsl_, "btsl", u32)
BTR_(btrl_, "btrl", u32)
BTR_(btcl_, "btcl", u32)

typedef u32 (*btfn)(u32, u32, u32, u32 *);

static u32 bitbuf[8]; /* 256-bit string; tests address bitbuf+4 dwords */

/* memory bit string with register offset (may be negative / > 31) */
#define BTM(name, insn)                                                       \
    static u32 name(u32 off, u32 fin)                                         \
    {                                                                         \
        u32 f;                                                                \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %[o], %[m]\n\t"     \
                         "pushf\n\tpop %[f]"                                  \
                         : [f] "=&r"(f), [m] "+m"(bitbuf[4])                  \
                         : [o] "r"(off), [fin] "r"(fin), "m"(bitbuf)          \
                         : "cc", "memory");                                   \
        return f;                                                             \
    }
BTM(btm, "btl")
BTM(btsm, "btsl")
BTM(btrm, "btrl")
BTM(btcm, "btcl")

static u32 bufsum(void)
{
    return crc_update(0x811c9dc5, bitbuf, sizeof(bitbuf));
}

static void bt_tests(void)
{
    static const struct { const char *n; btfn f; int bits; } t[] = {
        {"btw", btw_, 16}, {"btsw", btsw_, 16}, {"btrw", btrw_, 16}, {"btcw", btcw_, 16},
        {"btl", btl_, 32}, {"btsl", btsl_, 32}, {"btrl", btrl_, 32}, {"btcl", btcl_, 32},
    };
    static const u32 offs[] = {0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 0xffffffff};
    for (unsigned i = 0; i < 8; i++) {
        u32 v = t[i].bits == 16 ? 0xa5c3 : 0x8000a5c3;
        for (unsigned j = 0; j < sizeof(offs) / 4; j++) {
            for (int cin = 0; cin < 2; cin++) {
                u32 fl, r = t[i].f(v, offs[j], cin ? ALL : 0, &fl);
                printf("%s %08x,%d c%d: %08x %03x\n", t[i].n, v, (int)offs[j], cin, r, fl & BTMASK);
            }
        }
    }
    /* immediate forms (imm is taken modulo the operand size) */
    u32 a = 0x00010001, f;
    __asm__ volatile("push $0\n\tpopf\n\tbtsl $33, %[a]\n\tpushf\n\tpop %[f]" : [a] "+r"(a), [f] "=r"(f) : : "cc");
    printf("btsl $33: %08x %03x\n", a, f & BTMASK);
    __asm__ volatile("push $0x40\n\tpopf\n\tbtrl $16, %[a]\n\tpushf\n\tpop %[f]" : [a] "+r"(a), [f] "=r"(f) : : "cc");
    printf("btrl $16: %08x %03x\n", a, f & BTMASK);
    __asm__ volatile("push $0\n\tpopf\n\tbtcw $20, %w[a]\n\tpushf\n\tpop %[f]" : [a] "+r"(a), [f] "=r"(f) : : "cc");
    printf("btcw $20: %08x %03x\n", a, f & BTMASK);
    __asm__ volatile("push $0\n\tpopf\n\tbtl $31, %[a]\n\tpushf\n\tpop %[f]" : [a] "+r"(a), [f] "=r"(f) : : "cc");
    printf("btl $31: %08x %03x\n", a, f & BTMASK);
    /* memory immediate forms: bit offset stays within the addressed dword */
    bitbuf[4] = 0x0000ffff;
    __asm__ volatile("push $0\n\tpopf\n\tbtsl $40, %[m]\n\tpushf\n\tpop %[f]" : [m] "+m"(bitbuf[4]), [f] "=r"(f) : : "cc");
    printf("btsl $40,mem: %08x %08x %03x\n", bitbuf[4], bitbuf[5], f & BTMASK);
    __asm__ volatile("push $0\n\tpopf\n\tbtcw $15, %[m]\n\tpushf\n\tpop %[f]" : [m] "+m"(bitbuf[4]), [f] "=r"(f) : : "cc");
    printf("btcw $15,mem: %08x %03x\n", bitbuf[4], f & BTMASK);

    /* memory bit strings with register offsets reaching other dwords */
    static const s32 moffs[] = {0, 5, 31, 32, 45, 64, 100, 127, -1, -32, -33, -100, -128};
    static const struct { const char *n; u32 (*f)(u32, u32); } m[] = {
        {"btm", btm}, {"btsm", btsm}, {"btrm", btrm}, {"btcm", btcm}};
    for (unsigned k = 0; k < 4; k++) {
        for (int i = 0; i < 8; i++)
            bitbuf[i] = 0x01234567u * (i + 1);
        for (unsigned j = 0; j < sizeof(moffs) / 4; j++) {
            u32 fl = m[k].f((u32)moffs[j], j & 1 ? ALL : 0);
            printf("%s %d: %03x buf=%08x\n", m[k].n, moffs[j], fl & BTMASK, bufsum());
        }
    }
    /* 16-bit memory bit string: offset is a signed 16-bit value, word units */
    for (int i = 0; i < 8; i++)
        bitbuf[i] = 0;
    u16 o16 = (u16)-17;
    __asm__ volatile("push $0\n\tpopf\n\tbtsw %[o], %[m]\n\tpushf\n\tpop %[f]"
                     : [m] "+m"(bitbuf[4]), [f] "=r"(f) : [o] "r"(o16), "m"(bitbuf) : "cc", "memory");
    printf("btsw -17,mem: %08x %08x %03x\n", bitbuf[3], bitbuf[4], f & BTMASK);
    o16 = 40;
    __asm__ volatile("push $0\n\tpopf\n\tbtsw %[o], %[m]\n\tpushf\n\tpop %[f]"
                     : [m] "+m"(bitbuf[4]), [f] "=r"(f) : [o] "r"(o16), "m"(bitbuf) : "cc", "memory");
    printf("btsw 40,mem: %08x %08x %03x\n", bitbuf[4], bitbuf[5], f & BTMASK);
}

static void bsf_tests(void)
{
    static const u32 v[] = {1, 2, 0x80000000, 0xffffffff, 0x00010000, 0x12345678, 0x00000300, 0x7fff8000};
    for (unsigned i = 0; i < sizeof(v) / 4; i++) {
        u32 r1, r2, f1, f2;
        __asm__ volatile("push $0x40\n\tpopf\n\tbsfl %[s], %[d]\n\tpushf\n\tpop %[f]"
                         : [d] "=&r"(r1), [f] "=r"(f1) : [s] "rm"(v[i]) : "cc");
        __asm__ volatile("push $0x40\n\tpopf\n\tbsrl %[s], %[d]\n\tpushf\n\tpop %[f]"
                         : [d] "=&r"(r2), [f] "=r"(f2) : [s] "rm"(v[i]) : "cc");
        printf("bsf/bsr %08x: %d %03x %d %03x\n", v[i], r1, f1 & 0x40, r2, f2 & 0x40);
        u16 w = (u16)(v[i] >> 8), r3 = 0, r4 = 0;
        if (w) {
            __asm__ volatile("bsfw %[s], %[d]\n\tbsrw %[s], %[e]" : [d] "=&r"(r3), [e] "=&r"(r4) : [s] "r"(w) : "cc");
            printf("bsfw/bsrw %04x: %d %d\n", w, r3, r4);
        }
    }
    u32 z = 0, r = 0x1234, f;
    __asm__ volatile("push $0\n\tpopf\n\tbsfl %[s], %[d]\n\tpushf\n\tpop %[f]" : [d] "+r"(r), [f] "=r"(f) : [s] "r"(z) : "cc");
    printf("bsf 0: ZF=%d\n", (f >> 6) & 1);
    __asm__ volatile("push $0\n\tpopf\n\tbsrl %[s], %[d]\n\tpushf\n\tpop %[f]" : [d] "+r"(r), [f] "=r"(f) : [s] "r"(z) : "cc");
    printf("bsr 0: ZF=%d\n", (f >> 6) & 1);
}

static void bswap_tests(void)
{
    u32 a = 0x12345678, b = 0x80ff0001, f;
    __asm__ volatile("push $0x8d5\n\tpopf\n\tbswap %[a]\n\tbswap %[b]\n\tpushf\n\tpop %[f]"
                     : [a] "+r"(a), [b] "+r"(b), [f] "=r"(f));
    printf("bswap: %08x %08x %03x\n", a, b, f & ALL);
    u32 c = 0xdeadbeef;
    __asm__ volatile("bswap %%eax\n\tbswap %%eax\n\tbswap %%eax" : "+a"(c));
    printf("bswap x3: %08x\n", c);
}

/* setcc for all 16 conditions as a bit mask (bit n = condition n) */
#define SETCC(cc, bit)                                                        \
    "push %[fl]\n\tpopf\n\tset" cc " %%al\n\tmovzbl %%al, %%eax\n\tshll $" #bit ", %%eax\n\torl %%eax, %[r]\n\t"

static u32 setcc_mask(u32 flags)
{
    u32 r = 0;
    __asm__ volatile(SETCC("o", 0) SETCC("no", 1) SETCC("b", 2) SETCC("ae", 3)
                     SETCC("e", 4) SETCC("ne", 5) SETCC("be", 6) SETCC("a", 7)
                     SETCC("s", 8) SETCC("ns", 9) SETCC("p", 10) SETCC("np", 11)
                     SETCC("l", 12) SETCC("ge", 13) SETCC("le", 14) SETCC("g", 15)
                     : [r] "+r"(r) : [fl] "r"(flags) : "eax", "cc");
    return r;
}

/* cmovcc: each selects bit n from one of two sources */
#define CMOVCC(cc, bit)                                                       \
    "movl $0, %%eax\n\tmovl $(1<<" #bit "), %%edx\n\tpush %[fl]\n\tpopf\n\t"  \
    "cmov" cc "l %%edx, %%eax\n\torl %%eax, %[r]\n\t"

static u32 cmov_mask(u32 flags)
{
    u32 r = 0;
    __asm__ volatile(CMOVCC("o", 0) CMOVCC("no", 1) CMOVCC("b", 2) CMOVCC("ae", 3)
                     CMOVCC("e", 4) CMOVCC("ne", 5) CMOVCC("be", 6) CMOVCC("a", 7)
                     CMOVCC("s", 8) CMOVCC("ns", 9) CMOVCC("p", 10) CMOVCC("np", 11)
                     CMOVCC("l", 12) CMOVCC("ge", 13) CMOVCC("le", 14) CMOVCC("g", 15)
                     : [r] "+r"(r) : [fl] "r"(flags) : "eax", "edx", "cc");
    return r;
}

/* jcc (short forms): bit set when the branch is taken */
#define JCC(cc, bit)                                                          \
    "push %[fl]\n\tpopf\n\tj" cc " 1f\n\tjmp 2f\n1:\torl $(1<<" #bit "), %[r]\n2:\n\t"

static u32 jcc_mask(u32 flags)
{
    u32 r = 0;
    __asm__ volatile(JCC("o", 0) JCC("no", 1) JCC("b", 2) JCC("ae", 3)
                     JCC("e", 4) JCC("ne", 5) JCC("be", 6) JCC("a", 7)
                     JCC("s", 8) JCC("ns", 9) JCC("p", 10) JCC("np", 11)
                     JCC("l", 12) JCC("ge", 13) JCC("le", 14) JCC("g", 15)
                     : [r] "+r"(r) : [fl] "r"(flags) : "cc");
    return r;
}

/* cmovcc with a memory source: the load happens (or not) but the result
 * must reflect only the condition */
static u32 cmov_mem(u32 flags)
{
    static volatile u32 m = 0xcafef00d;
    u32 r = 0x11111111;
    __asm__ volatile("push %[fl]\n\tpopf\n\tcmovzl %[m], %[r]" : [r] "+r"(r) : [m] "m"(m), [fl] "r"(flags) : "cc");
    return r;
}

static void cond_tests(void)
{
    /* combinations of OF SF ZF PF CF */
    static const u32 fl[] = {0x000, 0x001, 0x004, 0x040, 0x041, 0x080, 0x800, 0x880,
                             0x8c0, 0x0c0, 0x840, 0x801, 0x081, 0x8d5, 0x045, 0x884};
    for (unsigned i = 0; i < sizeof(fl) / 4; i++) {
        printf("cc fl=%03x: setcc=%04x cmov=%04x jcc=%04x cmovz(mem)=%08x\n", fl[i],
               setcc_mask(fl[i]), cmov_mask(fl[i]), jcc_mask(fl[i]), cmov_mem(fl[i]));
    }
    /* setcc to memory and to a high-byte register */
    static volatile u8 mb = 0x55;
    u32 ax = 0xffffffff;
    __asm__ volatile("push $0x41\n\tpopf\n\tsetbe %[m]\n\tsetg %%ah" : [m] "=m"(mb), "+a"(ax) : : "cc");
    printf("setbe mem=%02x setg ah: %08x\n", mb, ax);
    /* cmovcc with a 16-bit operand */
    u32 d = 0xaaaaaaaa, s = 0x12345678;
    __asm__ volatile("push $0x800\n\tpopf\n\tcmovow %w[s], %w[d]" : [d] "+r"(d) : [s] "r"(s) : "cc");
    printf("cmovow: %08x\n", d);
}

int main(void)
{
    bt_tests();
    bsf_tests();
    bswap_tests();
    cond_tests();
    return finish();
}
