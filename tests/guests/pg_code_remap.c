/* pg_code_remap: translated code whose page is mapped to other code.
 *
 * Two linear code pages: CALLER at 0x40000000 holds `call CALLEE; add $0x100,
 * %eax; ret`, CALLEE at 0x40001000 holds `mov $n, %eax; ret`, n telling which
 * frame it came from. After a call runs (and btvmm has chained the caller to
 * the callee), the callee's PTE is pointed at another frame (INVLPG), or
 * CR3 moves to an address space that maps other frames there: the next call
 * must run the code now mapped (SDM vol. 3, 4.10.4: after INVLPG or a CR3
 * load the processor uses the new translation). The caller's own page keeps
 * its mapping throughout, so only the callee's translations may go stale.
 */
#include "idt.c"
#include "paging.h"

#define CALLER 0x40000000u
#define CALLEE 0x40001000u

static u32 pd, pd2;

/* callee code in frame f: mov $(0x11 * (f + 1)), %eax; ret */
static void put_callee(u32 frame, u32 n)
{
    u8 *p = (u8 *)PG_FRAME(frame);
    p[0] = 0xb8;
    *(volatile u32 *)(p + 1) = n;
    p[5] = 0xc3;
}

static u32 call_caller(void) { return ((u32(*)(void))CALLER)(); }

int main(void)
{
    cpu_init();
    /* caller in frame 0: call rel32 CALLEE; add $0x100, %eax; ret */
    u8 *c = (u8 *)PG_FRAME(0);
    c[0] = 0xe8;
    *(volatile u32 *)(c + 1) = CALLEE - (CALLER + 5);
    c[5] = 0x05;
    *(volatile u32 *)(c + 6) = 0x100;
    c[10] = 0xc3;
    put_callee(1, 0x11);
    put_callee(2, 0x22);
    put_callee(3, 0x33);

    pd = pg_new_pd(PTE_P | PTE_W);
    pg_map(pd, CALLER, PG_FRAME(0), PTE_P | PTE_W);
    pg_map(pd, CALLEE, PG_FRAME(1), PTE_P | PTE_W);
    pd2 = pg_new_pd_sharing(pd);
    pg_map(pd2, CALLER, PG_FRAME(0), PTE_P | PTE_W);
    pg_map(pd2, CALLEE, PG_FRAME(3), PTE_P | PTE_W);
    pg_enable(pd);

    u32 r[8];
    int k = 0;
    for (int i = 0; i < 3; i++)
        r[k++] = call_caller();             /* frame 1, chained by now */
    *pg_pte(pd, CALLEE) = PG_FRAME(2) | PTE_P | PTE_W;
    invlpg(CALLEE);
    r[k++] = call_caller();                 /* frame 2 */
    r[k++] = call_caller();
    write_cr3(pd2);
    r[k++] = call_caller();                 /* frame 3 in the other space */
    write_cr3(pd);
    r[k++] = call_caller();                 /* frame 2 again */
    *pg_pte(pd, CALLEE) = PG_FRAME(1) | PTE_P | PTE_W;
    invlpg(CALLEE);
    r[k++] = call_caller();                 /* frame 1 again */
    printf("results:");
    for (int i = 0; i < k; i++)
        printf(" %x", r[i]);
    printf("\n");
    outb(0xf4, 0);
    return 0;
}
