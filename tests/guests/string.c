/* string: movs/stos/lods/cmps/scas in b/w/d sizes, with rep/repe/repne,
 * DF=0 and DF=1, overlapping copies and zero counts. Each line prints a
 * hash of the buffer, how far ESI/EDI moved, the final ECX,
 * EAX where relevant and the arithmetic flags after cmps/scas. */
#include "lib.h"

static u8 buf[1024];
static u8 buf2[1024];

static void fill(void)
{
    u32 x = 12345;
    for (int i = 0; i < 1024; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (u8)(x >> 16);
        buf2[i] = buf[i];
    }
}

static u32 hb(void)
{
    return crc_update(0x811c9dc5, buf, sizeof(buf));
}

struct regs {
    u32 esi, edi, ecx, eax, fl;
};

/* Run "insn" with ESI/EDI/ECX/EAX preset and DF as given; restores DF=0. */
#define STR(label, insn, si, di, cx, ax, df)                                  \
    do {                                                                      \
        struct regs r;                                                        \
        u32 s_ = (u32)(si), d_ = (u32)(di), c_ = (cx), a_ = (ax), f_;         \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]\n\tcld" \
                         : "+S"(s_), "+D"(d_), "+c"(c_), "+a"(a_), [f] "=&r"(f_) \
                         : [fin] "r"((df) ? 0x400u : 0u)                      \
                         : "memory", "cc");                                   \
        r.esi = s_ - (u32)(si); r.edi = d_ - (u32)(di);                      \
        r.ecx = c_; r.eax = a_; r.fl = f_;                                    \
        report(label, &r);                                                    \
    } while (0)

/* ESI/EDI are printed as the signed distance they moved */
static void report(const char *label, const struct regs *r)
{
    printf("%-20s buf=%08x dsi=%d ddi=%d ecx=%08x eax=%08x fl=%03x df=%d\n", label, hb(),
           (s32)r->esi, (s32)r->edi, r->ecx, r->eax, r->fl & 0x8D5, (r->fl >> 10) & 1);
}

int main(void)
{
    fill();
    printf("initial buf=%08x\n", hb());
    /* rep movs, forward */
    STR("rep movsb fwd", "rep movsb", buf + 0, buf + 512, 100, 0, 0);
    STR("rep movsw fwd", "rep movsw", buf + 1, buf + 601, 37, 0, 0);
    STR("rep movsl fwd", "rep movsl", buf + 3, buf + 700, 50, 0, 0);
    /* rep movs, backward (DF=1): pointers start at the last element */
    STR("rep movsb bwd", "rep movsb", buf + 99, buf + 999, 100, 0, 1);
    STR("rep movsw bwd", "rep movsw", buf + 98, buf + 902, 20, 0, 1);
    STR("rep movsl bwd", "rep movsl", buf + 96, buf + 800, 25, 0, 1);
    /* single movs */
    STR("movsb", "movsb", buf + 10, buf + 20, 7, 0, 0);
    STR("movsl std", "movsl", buf + 10, buf + 20, 7, 0, 1);
    /* overlapping: forward with dst = src+1 replicates the first byte */
    STR("ovl movsb dst=src+1", "rep movsb", buf + 200, buf + 201, 64, 0, 0);
    STR("ovl movsb dst=src-1", "rep movsb", buf + 301, buf + 300, 64, 0, 0);
    STR("ovl movsl dst=src+2", "rep movsl", buf + 400, buf + 402, 16, 0, 0);
    STR("ovl movsl bwd +4", "rep movsl", buf + 460, buf + 464, 16, 0, 1);
    STR("ovl movsw bwd -2", "rep movsw", buf + 150, buf + 148, 16, 0, 1);
    /* zero count does nothing */
    STR("rep movsb ecx=0", "rep movsb", buf + 0, buf + 1, 0, 0, 0);
    /* stos */
    STR("rep stosb", "rep stosb", 0, buf + 5, 33, 0x11223344, 0);
    STR("rep stosw", "rep stosw", 0, buf + 41, 17, 0x55667788, 0);
    STR("rep stosl", "rep stosl", 0, buf + 80, 9, 0x99aabbcc, 0);
    STR("rep stosl bwd", "rep stosl", 0, buf + 160, 9, 0xdeadbeef, 1);
    STR("rep stosb bwd", "rep stosb", 0, buf + 1000, 13, 0xa5, 1);
    STR("stosw", "stosw", 0, buf + 1020, 3, 0xbeef, 0);
    /* lods */
    STR("lodsb", "lodsb", buf + 5, 0, 1, 0xffffffff, 0);
    STR("lodsw", "lodsw", buf + 7, 0, 1, 0xffffffff, 0);
    STR("lodsl bwd", "lodsl", buf + 80, 0, 1, 0, 1);
    STR("rep lodsb", "rep lodsb", buf + 500, 0, 5, 0x12345678, 0);
    /* cmps: identical region then a difference */
    memcpy(buf + 600, buf + 100, 64);
    buf[600 + 40] ^= 0x80;
    STR("repe cmpsb", "repe cmpsb", buf + 100, buf + 600, 64, 0, 0);
    STR("repe cmpsl", "repe cmpsl", buf + 100, buf + 600, 16, 0, 0);
    STR("repe cmpsw bwd", "repe cmpsw", buf + 162, buf + 662, 32, 0, 1);
    STR("repne cmpsb", "repne cmpsb", buf + 100, buf + 100, 10, 0, 0);
    STR("repne cmpsl", "repne cmpsl", buf + 100, buf + 300, 20, 0, 0);
    STR("cmpsb", "cmpsb", buf + 0, buf + 1, 0, 0, 0);
    STR("repe cmpsb ecx=0", "push $0x8d5\n\tpopf\n\trepe cmpsb", buf, buf + 1, 0, 0, 0);
    STR("repe cmpsb equal", "repe cmpsb", buf + 100, buf + 600, 40, 0, 0);
    /* scas */
    buf[777] = 0x42;
    STR("repne scasb find", "repne scasb", 0, buf + 700, 200, 0x42, 0);
    STR("repne scasb miss", "repne scasb", 0, buf + 700, 5, 0x142, 0);
    STR("repe scasb", "repe scasb", 0, buf + 6, 30, 0x44, 0);
    STR("repe scasw", "repe scasw", 0, buf + 41, 30, 0x7788, 0);
    STR("repe scasl", "repe scasl", 0, buf + 80, 30, 0x99aabbcc, 0);
    STR("repne scasl bwd", "repne scasl", 0, buf + 200, 40, 0, 1);
    STR("scasb", "scasb", 0, buf + 0, 0, 0x80, 0);
    /* movs/stos with a large count crossing a page boundary */
    memcpy(buf2, buf, sizeof(buf));
    u32 sum = 0;
    for (int i = 0; i < 1024; i++)
        sum = sum * 31 + buf2[i];
    printf("buf2 copy sum=%08x\n", sum);
    return finish();
}
