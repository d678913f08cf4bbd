/* pg_cr3: address-space switches and global pages (Intel SDM vol. 3, 4.10.2.4
 * global pages, 4.10.4.1 operations that invalidate TLBs).
 *
 * Two page directories share the kernel page tables (PDEs 0 and 1 point to
 * the same two page tables: the low 8 MiB identity-mapped) and map linear
 * 0x40000000 to different frames (frame 0 / frame 1).
 *  - 100 CR3 switches alternating PD1/PD2, each reading 0x40000000+10 and
 *    incrementing the dword at 0x40000000+100: sums, counts, frame counters
 *  - CR3 written with PWT|PCD (bits 3, 4) reads back with them
 *  - a PTE of PD2's page table changed while PD1 is current, then a switch
 *    to PD2: the new frame (MOV to CR3 invalidates all non-global TLB
 *    entries and the paging-structure caches)
 *  - a page table shared by both directories (0x48000000) changed while
 *    PD2 is current (+INVLPG): both address spaces see the new frame
 *  - a PDE added to PD2 while PD1 is current: used after the switch; the
 *    same address in PD1 is not present (#PF err 0)
 *  - global pages (CPUID.1:EDX.PGE printed), CR4.PGE=1: 0x40400000 is a global page (G=1) in PD1
 *    (frame 8) and a non-global one in PD2 (frame 9). After switching to
 *    PD2 the processor MAY keep using the global translation, so nothing is
 *    read there before INVLPG; after INVLPG PD2's frame 9 is read; back in
 *    PD1 (the only cached entry was PD2's non-global one) frame 8; switching
 *    to PD2 again and clearing then setting CR4.PGE (a MOV to CR4 that
 *    changes PGE invalidates all entries, global ones included): frame 9.
 *  - CR4.PGE=0: the G flag is ignored, every CR3 load flushes: PD1 frame 8,
 *    PD2 frame 9, PD1 frame 8.
 * Frames are self-describing: dword at offset o of frame n is
 * 0xa0000000 + n*0x1000 + o.
 */
#include "idt.c"
#include "paging.h"

#define VA 0x40000000u
#define VG 0x40400000u
#define VS 0x48000000u
#define VN 0x4c000000u

static u32 frame_of(u32 v) { return (v >> 12) & 0xfff; }

int main(void)
{
    cpu_init();
    for (u32 n = 0; n < 16; n++)
        pg_frame_fill(n);
    const u32 PW = PTE_P | PTE_W;
    u32 pd1 = pg_new_pd(PW);
    u32 pd2 = pg_new_pd_sharing(pd1);
    pg_map(pd1, VA, PG_FRAME(0), PW);
    pg_map(pd2, VA, PG_FRAME(1), PW);
    pg_map(pd1, VG, PG_FRAME(8), PW | PTE_G);
    pg_map(pd2, VG, PG_FRAME(9), PW);
    u32 pts = pg_alloc();
    poke(pts, PG_FRAME(3) | PW);
    *pg_pde(pd1, VS) = pts | PW;
    *pg_pde(pd2, VS) = pts | PW;
    printf("PD1=%08x PD2=%08x kernel PDEs shared: %u\n", pd1, pd2,
           peek(pd1) == peek(pd2) && peek(pd1 + 4) == peek(pd2 + 4));

    pg_enable(pd1);
    printf("cr3=%08x VA+10=%08x\n", read_cr3(), peek(VA + 0x10));

    u32 sum[2] = {0, 0}, cnt[2] = {0, 0};
    for (u32 i = 0; i < 100; i++) {
        u32 k = i & 1;
        write_cr3(k ? pd2 : pd1);
        u32 v = peek(VA + 0x10);
        sum[k] += v;
        cnt[k] += frame_of(v) == k;
        poke(VA + 0x100, peek(VA + 0x100) + 1);
    }
    printf("100 switches: PD1 sum=%08x (%u reads of frame 0), PD2 sum=%08x (%u reads of frame 1)\n", sum[0],
           cnt[0], sum[1], cnt[1]);
    printf("  frame0+100=%08x frame1+100=%08x\n", peek(PG_FRAME(0) + 0x100), peek(PG_FRAME(1) + 0x100));
    printf("  cr3 after the loop=%08x\n", read_cr3());

    write_cr3(pd1 | PTE_PWT | PTE_PCD);
    printf("cr3 = PD1|PWT|PCD: reads %08x, VA+10=%08x\n", read_cr3(), peek(VA + 0x10));
    write_cr3(pd1);

    /* inactive directory's page table changed */
    *pg_pte(pd2, VA) = PG_FRAME(2) | PW;
    write_cr3(pd2);
    printf("PD2's PTE changed under PD1, switch to PD2: VA+20=%08x\n", peek(VA + 0x20));

    /* shared page table */
    printf("shared PT, PD2: VS+30=%08x\n", peek(VS + 0x30));
    poke(pts, PG_FRAME(4) | PW);
    invlpg(VS);
    printf("shared PTE -> frame 4 (PD2 current), invlpg: VS+30=%08x\n", peek(VS + 0x30));
    write_cr3(pd1);
    printf("  switch to PD1: VS+30=%08x\n", peek(VS + 0x30));

    /* PDE added to the inactive directory */
    {
        u32 pt = pg_alloc();
        poke(pt, PG_FRAME(5) | PW);
        *pg_pde(pd2, VN) = pt | PW;
        pg_fault_addr = VN + 0x40;
        int r = run_catch(pg_read_fault, 0);
        printf("PD1 read VN+40: vec=%d err=%x cr2=%08x eip=+%d\n", r, trap_last.err, trap_last.cr2,
               (int)(trap_last.eip - trap_mark));
        write_cr3(pd2);
        printf("PDE added to PD2 under PD1, switch to PD2: VN+40=%08x\n", peek(VN + 0x40));
        write_cr3(pd1);
    }

    /* global pages */
    {
        u32 a, b, c, d;
        cpuid(1, 0, &a, &b, &c, &d);
        printf("CPUID.1:EDX.PGE=%u\n", (d >> 13) & 1);
    }
    write_cr4(read_cr4() | CR4_PGE);
    printf("CR4.PGE=%u\n", (read_cr4() >> 7) & 1);
    printf("PD1 (VG global -> frame 8): VG+50=%08x\n", peek(VG + 0x50));
    write_cr3(pd2);
    invlpg(VG);
    printf("PD2 (VG -> frame 9), invlpg: VG+50=%08x\n", peek(VG + 0x50));
    write_cr3(pd1);
    printf("PD1: VG+50=%08x\n", peek(VG + 0x50));
    write_cr3(pd2);
    write_cr4(read_cr4() & ~CR4_PGE);
    write_cr4(read_cr4() | CR4_PGE);
    printf("PD2, CR4.PGE off/on: VG+50=%08x\n", peek(VG + 0x50));
    write_cr3(pd1);
    printf("PD1: VG+50=%08x\n", peek(VG + 0x50));
    write_cr4(read_cr4() & ~CR4_PGE);
    printf("CR4.PGE=%u\n", (read_cr4() >> 7) & 1);
    printf("PD1: VG+54=%08x\n", peek(VG + 0x54));
    write_cr3(pd2);
    printf("PD2: VG+54=%08x\n", peek(VG + 0x54));
    write_cr3(pd1);
    printf("PD1: VG+54=%08x\n", peek(VG + 0x54));

    return finish();
}
