/* pg_aspace: returning to an address space after its page tables changed
 * while another one was current (Intel SDM vol. 3, 4.10.4.1: a MOV to CR3
 * invalidates every non-global TLB entry, so the tables are read afresh).
 *
 * btvmm remembers the pages each address space used and maps them again at
 * a CR3 load (shadow prefill); this test checks that nothing of that shows:
 * a page comes back only as the tables say now, and A/D bits change only
 * as the processor would change them.
 *
 * PD1 and PD2 share the kernel page tables (the low 8 MiB) and map the 8
 * pages at VA to frames 0..7 (PD1) and 8..15 (PD2). Three warm-up rounds
 * read all 8 pages in each and write pages 0, 3, 5 in PD1. Then, with PD2
 * current, PD1's page table is edited, and after the switch back to PD1:
 *   page 0: PTE -> frame 20: reads frame 20
 *   page 1: PTE not present: #PF err 0 (read) with CR2
 *   page 2: A cleared: the PTE stays without A until the page is read
 *   page 3: R/W cleared (D kept): a write faults (#PF err 3, CR0.WP=1),
 *           a read works
 *   page 4: never written (D clear): a write sets D and lands in frame 4
 *   page 5: D cleared: a write sets D again
 *   page 7: A cleared and PTE -> frame 21: A stays clear until the read,
 *           which sees frame 21
 * then PD1's PDE for VA loses its A bit while PD2 is current: back in PD1
 * the PDE and the PTE of page 6 (A set) stay as they are until page 6 is
 * read, and the read sets the PDE's A.
 * Finally 20 directories (more than btvmm remembers) are visited round
 * robin 5 times, each reading its own 2 frames.
 * Frames are self-describing: dword at offset o of frame n is
 * 0xa0000000 + n*0x1000 + o.
 */
#include "idt.c"
#include "paging.h"

#define VA 0x40000000u
#define PAGE(i) (VA + (u32)(i) * 4096u)
#define NSPACES 20

static u32 ad(u32 e) { return (e >> 5) & 3; } /* A=1, D=2 */

int main(void)
{
    cpu_init();
    pg_fault_value = 0x5a5a5a5au;
    for (u32 n = 0; n < 22 + 2 * NSPACES; n++)
        pg_frame_fill(n);
    const u32 PW = PTE_P | PTE_W;
    u32 pd1 = pg_new_pd(PW);
    u32 pd2 = pg_new_pd_sharing(pd1);
    for (u32 i = 0; i < 8; i++) {
        pg_map(pd1, PAGE(i), PG_FRAME(i), PW);
        pg_map(pd2, PAGE(i), PG_FRAME(8 + i), PW);
    }
    volatile u32 *pte1 = pg_pte(pd1, VA);
    pg_enable(pd1);

    u32 sum = 0;
    for (u32 round = 0; round < 3; round++) {
        write_cr3(pd1);
        for (u32 i = 0; i < 8; i++)
            sum += peek(PAGE(i) + 4 * round);
        poke(PAGE(0) + 0x800, round);
        poke(PAGE(3) + 0x800, round);
        poke(PAGE(5) + 0x800, round);
        write_cr3(pd2);
        for (u32 i = 0; i < 8; i++)
            sum += peek(PAGE(i) + 4 * round);
    }
    printf("warm-up sum=%08x\n", sum);
    printf("PD1 PTE A/D after warm-up:");
    for (u32 i = 0; i < 8; i++)
        printf(" %u", ad(pte1[i]));
    printf("\n");

    /* PD2 current: edit PD1's page table */
    pte1[0] = PG_FRAME(20) | PW | PTE_A | PTE_D;
    pte1[1] = 0;
    pte1[2] &= ~PTE_A;
    pte1[3] &= ~PTE_W;
    pte1[5] &= ~PTE_D;
    pte1[7] = PG_FRAME(21) | PW;
    write_cr3(pd1);
    printf("PTE A/D right after the switch: 2:%u 4:%u 5:%u 7:%u\n", ad(pte1[2]), ad(pte1[4]),
           ad(pte1[5]), ad(pte1[7]));

    printf("page 0 (now frame 20): %08x\n", peek(PAGE(0) + 0x10));
    pg_fault_addr = PAGE(1) + 0x14;
    pg_report("page 1 (not present) read", run_catch(pg_read_fault, 0));
    printf("page 2 (A cleared): A=%u before the read, ", ad(pte1[2]) & 1);
    u32 v = peek(PAGE(2) + 0x18);
    printf("read %08x, A=%u after\n", v, ad(pte1[2]) & 1);
    pg_fault_addr = PAGE(3) + 0x1c;
    pg_report("page 3 (read-only) write", run_catch(pg_write_fault, 0));
    printf("page 3 read: %08x, frame 3 +1c unchanged: %u\n", peek(PAGE(3) + 0x1c),
           peek(PG_FRAME(3) + 0x1c) == 0xa000301cu);
    printf("page 4 (clean) D=%u, ", ad(pte1[4]) >> 1);
    poke(PAGE(4) + 0x20, 0x44444444);
    printf("after a write D=%u, frame 4 +20=%08x\n", ad(pte1[4]) >> 1, peek(PG_FRAME(4) + 0x20));
    printf("page 5 (D cleared) D=%u, ", ad(pte1[5]) >> 1);
    poke(PAGE(5) + 0x24, 0x55555555);
    printf("after a write D=%u, frame 5 +24=%08x\n", ad(pte1[5]) >> 1, peek(PG_FRAME(5) + 0x24));
    printf("page 7 (A cleared, frame 21): A=%u, ", ad(pte1[7]) & 1);
    v = peek(PAGE(7) + 0x28);
    printf("read %08x, A=%u\n", v, ad(pte1[7]) & 1);

    /* the PDE's A bit */
    write_cr3(pd2);
    *pg_pde(pd1, VA) &= ~PTE_A;
    write_cr3(pd1);
    printf("PDE A=%u after the switch, page 6 PTE A=%u, ", ad(*pg_pde(pd1, VA)) & 1, ad(pte1[6]) & 1);
    v = peek(PAGE(6) + 0x2c);
    printf("read %08x, PDE A=%u\n", v, ad(*pg_pde(pd1, VA)) & 1);

    /* more address spaces than btvmm remembers */
    u32 pds[NSPACES];
    for (u32 k = 0; k < NSPACES; k++) {
        pds[k] = pg_new_pd_sharing(pd1);
        pg_map(pds[k], PAGE(0), PG_FRAME(22 + 2 * k), PW);
        pg_map(pds[k], PAGE(1), PG_FRAME(23 + 2 * k), PW);
    }
    u32 good = 0;
    for (u32 round = 0; round < 5; round++)
        for (u32 k = 0; k < NSPACES; k++) {
            write_cr3(pds[k]);
            good += peek(PAGE(0) + 8) == 0xa0000008u + (22 + 2 * k) * 0x1000u;
            good += peek(PAGE(1) + 12) == 0xa000000cu + (23 + 2 * k) * 0x1000u;
        }
    write_cr3(pd1);
    printf("%u address spaces x 5 rounds: %u of %u reads right\n", NSPACES, good, 2 * 5 * NSPACES);
    return finish();
}
