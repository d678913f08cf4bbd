/* pg_cplswitch: supervisor pages the kernel has just used must be out of
 * ring 3's reach, and user pages between them must stay in it, however
 * often the CPL changes (Intel SDM vol. 3, 4.6: a CPL 3 access needs U/S=1;
 * CPL 0 may use both). btvmm keeps the kernel's shadows mapped across a
 * change to CPL 3 but PROT_NONE (mmu/shadow.c, suspend_supervisor: one
 * mprotect over the span of the supervisor pages, user pages inside the
 * span given their protection back), and gives them back when the kernel
 * touches them again (restore_all, restore_run).
 *
 * Layout (as pg_faults: the low 8 MiB identity-mapped user RW, where the
 * kernel and the ring-3 code run): T+0 supervisor RW, T+1 user RW, T+2
 * supervisor RW, T+3 user read-only, T+4 supervisor read-only; frames are
 * self-describing (dword at offset o of frame n = 0xa0000000 + n*0x1000 + o).
 * Three rounds of: the kernel reads and writes T+0, T+2 and reads T+4, T+1
 * (so they are shadowed and accessible), then ring 3 reads T+1 and T+3,
 * writes T+1 (each must work, inside the supervisor span), then reads T+0
 * and T+2, writes T+2 and reads T+4 (each must be #PF with U/S set), then
 * the kernel reads back what ring 3 wrote.
 */
#include "idt.c"
#include "paging.h"

#define T 0x40000000u
#define TP(n) (T + (u32)(n) * 0x1000u)

#include "pf_cases.h"

int main(void)
{
    cpu_init();
    tss_init();
    gdt_load();
    idt_gate(0x80, GATE_INT, 3, 1);
    idt_gate(0x81, GATE_INT, 3, 1);
    trap_handlers[14] = pf_handler;

    pd = pg_new_pd(PTE_P | PTE_W | PTE_U);
    for (u32 n = 0; n < 5; n++)
        pg_frame_fill(n);
    pte(T); /* the page table for T (PDE P|W|U) */
    pg_map(pd, TP(0), PG_FRAME(0), PTE_P | PTE_W);
    pg_map(pd, TP(1), PG_FRAME(1), PTE_P | PTE_W | PTE_U);
    pg_map(pd, TP(2), PG_FRAME(2), PTE_P | PTE_W);
    pg_map(pd, TP(3), PG_FRAME(3), PTE_P | PTE_U);
    pg_map(pd, TP(4), PG_FRAME(4), PTE_P);
    pg_enable(pd);
    printf("paging on, WP=%u\n", (read_cr0() >> 16) & 1);

    for (u32 round = 0; round < 3; round++) {
        printf("round %u\n", round);
        run_case("CPL0 write T+0", K_WRITE, TP(0) + 0x10, 0x10000000 + round, 0);
        run_case("CPL0 read T+0", K_READ, TP(0) + 0x10, 0, 0);
        run_case("CPL0 read T+2", K_READ, TP(2) + 0x20, 0, 0);
        run_case("CPL0 write T+2", K_WRITE, TP(2) + 0x24, 0x20000000 + round, 0);
        run_case("CPL0 read T+4", K_READ, TP(4) + 0x40, 0, 0);
        run_case("CPL0 read T+1", K_READ, TP(1) + 0x30, 0, 0);
        run_case("CPL3 read T+1 (user, inside the span)", U_READ, TP(1) + 0x30, 0, 0);
        run_case("CPL3 write T+1", U_WRITE, TP(1) + 0x34, 0x30000000 + round, 0);
        run_case("CPL3 read T+3 (user read-only)", U_READ, TP(3) + 0x38, 0, 0);
        run_case("CPL3 read T+0 (supervisor)", U_READ, TP(0) + 0x10, 0, 0);
        run_case("CPL3 read T+2 (supervisor)", U_READ, TP(2) + 0x24, 0, 0);
        run_case("CPL3 write T+2 (supervisor)", U_WRITE, TP(2) + 0x28, 0x66666666, 0);
        run_case("CPL3 read T+4 (supervisor read-only)", U_READ, TP(4) + 0x40, 0, 0);
        run_case("CPL0 read T+1 (what ring 3 wrote)", K_READ, TP(1) + 0x34, 0, 0);
        run_case("CPL0 read T+2 (ring 3's write did not land)", K_READ, TP(2) + 0x28, 0, 0);
        run_case("CPL0 read T+2 (the kernel's write)", K_READ, TP(2) + 0x24, 0, 0);
    }
    return 0;
}
