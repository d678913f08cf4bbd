/* pg_selfmap: a self-mapping ("recursive") page directory (Intel SDM vol. 3,
 * 4.3 / 4.10.2.3: a paging-structure entry may be used both as a PDE and as
 * a PTE). PDE 768 points at the page directory itself, so the page table
 * of PDE i appears at 0xc0000000 + i*0x1000 and the page directory at
 * 0xc0300000 (the usual slot, PDE 1023, would put them in the top 4 MiB,
 * which btvmm reserves).
 *
 *  - PDE 768 read through 0xc0300c00: PD|P|W|A (the walk of that very read
 *    sets A, the entry being both the PDE and the PTE used)
 *  - the PTE of main()'s page read through the self-map equals the one read
 *    at its physical address (P W A: fetched, never written)
 *  - a PTE written through the self-map (0xc0100000 = PTE of 0x40000000):
 *    mapping a page (P 0 -> 1 needs no INVLPG, SDM 4.10.4.3), use it; the
 *    PTE reads back P W A D; PDE 256, which is the PTE used for the write
 *    to 0xc0100000, now has D=1 as well (SDM 4.8: D is set in the entry
 *    that maps the page written)
 *  - the PTE cleared through the self-map + INVLPG: read and write #PF
 *    (err 0 / 2, CR2 exact)
 *  - a #PF handler that maps the faulting page by writing its PTE through
 *    the self-map (demand paging): 4 pages, one fault each
 *  - a PDE written through the self-map (0xc0300500 = PDE 320): its page
 *    table appears at 0xc0140000 and a PTE written there maps 0x50003000;
 *    the PDE cleared through the self-map + INVLPG of the page and of
 *    0xc0140000: both fault (err 0)
 *  - present PDEs counted through the self-map; final PDE 768 and PDE 256
 *    values: A and D set (D: the directory/page table were written through
 *    the self-map).
 * Frames are self-describing: dword at offset o of frame n is
 * 0xa0000000 + n*0x1000 + o.
 */
#include "idt.c"
#include "paging.h"

#define SELF 0xc0000000u
#define SELF_PD (SELF + 768u * 0x1000u)
#define SELF_PTE(va) (SELF + ((va) >> 12) * 4u)
#define SELF_PDE(va) (SELF_PD + ((va) >> 22) * 4u)
#define VA 0x40000000u
#define VB 0x50000000u

static u32 next_frame = 4;
static u32 demand_cr2[8];
static u32 demand_n;
static void demand_pf(struct trapframe *f)
{
    (void)f;
    u32 cr2 = trap_last.cr2;
    if (demand_n < 8)
        demand_cr2[demand_n] = cr2;
    demand_n++;
    poke(SELF_PTE(cr2 & PG_ADDR), PG_FRAME(next_frame++) | PTE_P | PTE_W);
}

int main(void)
{
    cpu_init();
    pg_fault_value = 0x77u;
    for (u32 n = 0; n < 8; n++)
        pg_frame_fill(n);
    const u32 PW = PTE_P | PTE_W;
    u32 pd = pg_new_pd(PW);
    poke(pd + 768 * 4, pd | PW);
    pg_pte(pd, VA); /* page table for 0x40000000 (PDE 256), all entries 0 */
    u32 pt256 = peek(pd + 256 * 4) & PG_ADDR;
    pg_enable(pd);
    printf("PD=%08x PT(256)=%08x\n", pd, pt256);

    printf("PDE 768 via 0xc0300c00: %08x\n", peek(SELF_PDE(SELF)));
    {
        u32 a0 = peek(pd), a1 = peek(pd + 4); /* this read sets A in PDE 1 (pd is in 4..8 MiB) */
        a1 = peek(pd + 4);
        printf("PD[0] via self-map == at PD: %u, PD[1]: %u (%08x)\n", peek(SELF_PD) == a0, peek(SELF_PD + 4) == a1, a1);
    }
    u32 m = (u32)main & PG_ADDR;
    printf("PTE of main()'s page via 0xc0000000+%x: %s, == physical: %u\n", SELF_PTE(m) - SELF,
           pg_flags(peek(SELF_PTE(m)) & 0x1ff), peek(SELF_PTE(m)) == *pg_pte(pd, m));

    /* map a page through the self-map */
    poke(SELF_PTE(VA), PG_FRAME(0) | PW);
    printf("PTE(VA) via %08x = frame 0: VA+10=%08x\n", SELF_PTE(VA), peek(VA + 0x10));
    poke(VA + 0x20, 0x20202020);
    printf("  wrote VA+20: frame0+20=%08x\n", peek(PG_FRAME(0) + 0x20));
    printf("  PTE(VA) via self-map: %08x, PT(256)[0]: %08x\n", peek(SELF_PTE(VA)), peek(pt256));
    printf("  PDE 256 via self-map: %08x (as PTE of 0xc0100000: written -> D)\n", peek(SELF_PDE(VA)));

    /* unmap it through the self-map */
    poke(SELF_PTE(VA), 0);
    invlpg(VA);
    pg_fault_addr = VA + 0x10;
    pg_report("PTE cleared via self-map + invlpg, read VA+10", run_catch(pg_read_fault, 0));
    pg_fault_addr = VA + 0x24;
    pg_report("write VA+24", run_catch(pg_write_fault, 0));

    /* demand paging through the self-map */
    trap_handlers[14] = demand_pf;
    __asm__ volatile("" ::: "memory"); /* the handler must be in place before the loads */
    u32 s = 0;
    for (u32 i = 0; i < 4; i++)
        s += peek(VA + 0x4000 + i * 0x1000 + 0x40 * i);
    __asm__ volatile("" ::: "memory");
    trap_handlers[14] = 0;
    printf("demand paging VA+4000..7fff: faults=%u cr2:", demand_n);
    for (u32 i = 0; i < demand_n && i < 8; i++)
        printf(" %08x", demand_cr2[i]);
    printf(" sum=%08x\n", s);
    for (u32 i = 0; i < 4; i++)
        printf("  PTE(VA+%x) = %08x\n", 0x4000 + i * 0x1000, peek(SELF_PTE(VA + 0x4000 + i * 0x1000)));

    /* a PDE through the self-map */
    u32 ptb = pg_alloc();
    poke(SELF_PDE(VB), ptb | PW);
    u32 ptb_view = SELF + (VB >> 22) * 0x1000;
    printf("PDE 320 via %08x = %08x: its PT at %08x, entry 0 = %08x\n", SELF_PDE(VB), ptb, ptb_view,
           peek(ptb_view));
    poke(ptb_view + 3 * 4, PG_FRAME(1) | PW);
    printf("  PTE 3 via %08x = frame 1: VB+3030=%08x\n", ptb_view + 12, peek(VB + 0x3030));
    printf("  PT at its physical address: entry 3 = %08x\n", peek(ptb + 12));
    poke(SELF_PDE(VB), 0);
    invlpg(VB + 0x3000);
    invlpg(ptb_view);
    pg_fault_addr = VB + 0x3030;
    pg_report("PDE cleared via self-map + invlpg, read VB+3030", run_catch(pg_read_fault, 0));
    pg_fault_addr = ptb_view;
    pg_report("read its PT view", run_catch(pg_read_fault, 0));

    u32 present = 0;
    for (u32 i = 0; i < 1024; i++)
        present += peek(SELF_PD + 4 * i) & 1;
    printf("present PDEs (via self-map): %u\n", present);
    printf("PDE 768 = %08x, PDE 256 = %08x\n", peek(pd + 768 * 4), peek(pd + 256 * 4));

    return finish();
}
