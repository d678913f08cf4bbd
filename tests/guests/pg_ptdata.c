/* pg_ptdata: a live page-table page that is also used as ordinary data, and
 * a PTE rewritten in a loop (stress for shadow page tables kept coherent by
 * write-protecting the guest's page tables).
 *
 * The page table PT for 0x40000000 (PDE 256) maps pages 0..14 to frames
 * 0..14 and page 15 (VPT = 0x4000f000) to PT itself, so PT is reachable at
 * its identity address and through VPT; entries 16..511 are 0; the upper
 * half (entries 512..1023, linear 0x40200000..0x403fffff, never accessed)
 * holds 512 counters. The counters are only ever incremented by 2, so
 * every upper-half word keeps bit 0 (P) clear: not-present entries, which
 * the processor never caches or modifies (SDM vol. 3 4.10.2.3, 4.8).
 *  1. 1000 iterations: two counters incremented (alternately through the
 *     identity address and through VPT) and a read through a lower-half
 *     mapping (page it%15, offset it*4 mod 4096); then the counter
 *     sum/hash, the read sum, each page's frame, and PT entry 15's flags
 *     (A and D set: VPT was read and written through it).
 *  2. 1000 iterations rewriting PTE 16 (0x40010000) to frame 16 / frame 17
 *     alternately (odd iterations through VPT), INVLPG, read at offset
 *     (it*4) mod 4096 and sum, and increment the dword at offset 0xffc of
 *     the frame through the mapping: sum, both frames' counters (500 each).
 * Frames are self-describing: dword at offset o of frame n is
 * 0xa0000000 + n*0x1000 + o (offset 0xffc of frames 16/17 starts at 0).
 */
#include "idt.c"
#include "paging.h"

#define VA 0x40000000u
#define VPT (VA + 15 * 0x1000u)
#define VX (VA + 16 * 0x1000u)

int main(void)
{
    cpu_init();
    for (u32 n = 0; n < 18; n++)
        pg_frame_fill(n);
    poke(PG_FRAME(16) + 0xffc, 0);
    poke(PG_FRAME(17) + 0xffc, 0);
    const u32 PW = PTE_P | PTE_W;
    u32 pd = pg_new_pd(PW);
    volatile u32 *pde = pg_pde(pd, VA);
    u32 pt = pg_alloc();
    *pde = pt | PW;
    for (u32 i = 0; i < 15; i++)
        poke(pt + 4 * i, PG_FRAME(i) | PW);
    poke(pt + 4 * 15, pt | PW);
    pg_enable(pd);
    printf("PT=%08x entry 15 (VPT) -> PT: VPT+3c=%08x\n", pt, peek(VPT + 0x3c));

    /* 1 */
    volatile u32 *ctr_id = (volatile u32 *)(pt + 2048);
    volatile u32 *ctr_va = (volatile u32 *)(VPT + 2048);
    u32 rsum = 0;
    for (u32 it = 0; it < 1000; it++) {
        volatile u32 *c = (it & 1) ? ctr_va : ctr_id;
        c[(it * 7) & 511] += 2;
        c[511 - (it & 511)] += 2 * (it & 3);
        rsum += peek(VA + (it % 15) * 0x1000 + ((it * 4) & 0xfff));
    }
    u32 csum = 0, odd = 0, h = 2166136261u;
    for (u32 i = 0; i < 512; i++) {
        u32 v = ctr_id[i];
        csum += v;
        odd += v & 1;
        h = crc_update(h, &v, 4);
    }
    printf("counters: sum=%u words with bit 0 set=%u hash=%08x c[0]=%u c[7]=%u c[511]=%u\n", csum, odd, h,
           ctr_id[0], ctr_id[7], ctr_id[511]);
    printf("  same through VPT: c[7]=%u c[300]=%u, identity c[300]=%u\n", ctr_va[7], ctr_va[300], ctr_id[300]);
    printf("reads through the lower half: sum=%08x\n", rsum);
    printf("lower-half pages -> frames:");
    for (u32 i = 0; i < 15; i++)
        printf(" %u", (peek(VA + i * 0x1000 + 4 * i) >> 12) & 0xfff);
    printf("\n");
    printf("PT entry 15 flags: %s; entries 16..511 all zero: %u\n", pg_flags(peek(pt + 60) & 0x1ff), ({
               u32 z = 1;
               for (u32 i = 16; i < 512; i++)
                   z &= peek(pt + 4 * i) == 0;
               z;
           }));

    /* 2 */
    u32 s = 0;
    for (u32 it = 0; it < 1000; it++) {
        u32 e = PG_FRAME(16 + (it & 1)) | PW;
        if (it & 1)
            poke(VPT + 4 * 16, e);
        else
            poke(pt + 4 * 16, e);
        invlpg(VX);
        s += peek(VX + ((it * 4) & 0xfff));
        poke(VX + 0xffc, peek(VX + 0xffc) + 1);
    }
    printf("1000 PTE rewrites: sum=%08x frame16+ffc=%u frame17+ffc=%u\n", s, peek(PG_FRAME(16) + 0xffc),
           peek(PG_FRAME(17) + 0xffc));
    printf("PTE 16 = %08x (frame 17, P W A D)\n", peek(pt + 64));

    return finish();
}
