/* pg_faults: #PF error codes, CR2 and saved EIP for every combination that
 * 32-bit paging with 4 KiB pages can produce at CPL0 and CPL3 (Intel SDM
 * vol. 3: 4.6 access rights, 4.7 page-fault exceptions, 6.15 #PF).
 *
 * Error code bits: P (bit 0) 0 = not present, 1 = protection violation;
 * W/R (bit 1) 1 = write; U/S (bit 2) 1 = CPL 3. I/D (bit 4) stays 0 on
 * instruction fetches: it is only reported with PAE+NXE or SMEP, neither of
 * which exists here; RSVD (bit 3) cannot occur with 4 KiB pages (a 32-bit
 * PTE/PDE has no reserved bits; pg_pse covers RSVD in a 4 MiB PDE).
 *
 * Rights (SDM 4.6, CR4.SMEP/SMAP = 0): a CPL3 access needs U/S=1 in both
 * the PDE and the PTE, a CPL3 write also R/W=1 in both; a CPL0 write needs
 * R/W=1 in both only if CR0.WP=1 (with WP=0 it always succeeds, and sets
 * the dirty flag); CPL0 may read user pages.
 *
 * Layout: the low 8 MiB identity-mapped with U/S=1 R/W=1 (the ring-3 code,
 * its stack and the variables it touches live in the kernel image); test
 * pages at T = 0x40000000 + n*0x1000, page n backed by frame n; the frame
 * contents are self-describing (dword at offset o of frame n =
 * 0xa0000000 + n*0x1000 + o). PDE-level cases use 0x40400000 (PDE 257),
 * 0x40800000 (258), 0x40c00000 (259) and 0x41000000 (260).
 *
 * Each case runs under run_catch(); the #PF handler applies the case's next
 * "fix" (OR bits into a PTE or PDE), executes INVLPG on CR2 and returns, so
 * the faulting instruction restarts (a case may fault several times, e.g.
 * not-present PDE, then not-present PTE, then read-only PTE). Ring-3 cases
 * end with int $0x80. Printed per fault: err, CR2 (absolute, the test
 * addresses are fixed), saved EIP relative to the faulting instruction's
 * label (+0 = the instruction restarts) and CS; then how the case ended,
 * the value read or written (checked through the frame's identity
 * address) and the final flags of the entry (set by the successful retry).
 * A rep movsl whose source and then destination run into not-present
 * pages: two faults (err 0 then 2, CR2 = the page starts, EIP = the rep
 * prefix), restarted with the remaining count; ECX/ESI/EDI at the faults
 * are not printed (only the final state and the copied data).
 * Page-crossing accesses: CR2 = the first byte of the access that lies in
 * the page that faulted (the start of the second page, or the access
 * address when the first page faults). Instruction fetch: CR2 = the
 * address of the byte that could not be fetched, saved EIP = the start of
 * the instruction (a fault, not a trap).
 */
#include "idt.c"
#include "paging.h"

#define T 0x40000000u
#define TP(n) (T + (u32)(n) * 0x1000u)
#define R1 0x40400000u /* PDE 257: not present, then a PT with a not-present PTE (CPL0) */
#define R2 0x41000000u /* PDE 260: same for CPL3 */
#define R3 0x40800000u /* PDE 258: P|U, R/W=0; PTE P|W|U */
#define R4 0x40c00000u /* PDE 259: P|W, U/S=0; PTE P|W|U */

#include "pf_cases.h"

static void show_entries(u32 va)
{
    printf("  PTE %s | PDE %s\n", pg_flags(*pte(va) & 0x1ff), pg_flags(*pde(va) & 0x3f));
}

static void wp(int on)
{
    write_cr0(on ? read_cr0() | CR0_WP : read_cr0() & ~CR0_WP);
}

int main(void)
{
    cpu_init();
    tss_init();
    gdt_load();
    idt_gate(0x80, GATE_INT, 3, 1);
    idt_gate(0x81, GATE_INT, 3, 1);
    trap_handlers[14] = pf_handler;

    pd = pg_new_pd(PTE_P | PTE_W | PTE_U);
    for (u32 n = 0; n < 0x20; n++)
        pg_frame_fill(n);
    memset((void *)PG_FRAME(0x1e), 0, 0x2000); /* rep movs destination */
    for (u32 n = 0x40; n < 0x48; n++)
        pg_frame_fill(n);
    const u32 PWU = PTE_P | PTE_W | PTE_U;
    pte(T); /* creates the page table for T (PDE P|W|U); all PTEs 0 */
    pg_map(pd, TP(4), PG_FRAME(4), PTE_P | PTE_W);
    pg_map(pd, TP(5), PG_FRAME(5), PTE_P | PTE_W);
    pg_map(pd, TP(6), PG_FRAME(6), PTE_P | PTE_U);
    pg_map(pd, TP(7), PG_FRAME(7), PTE_P);
    pg_map(pd, TP(8), PG_FRAME(8), PTE_P);
    pg_map(pd, TP(9), PG_FRAME(9), PTE_P | PTE_U);
    pg_map(pd, TP(10), PG_FRAME(10), PTE_P | PTE_U);
    pg_map(pd, TP(11), PG_FRAME(11), PWU);
    pg_map(pd, TP(14), PG_FRAME(14), PWU);
    pg_map(pd, TP(15), PG_FRAME(15), PTE_P | PTE_W);
    pg_map(pd, TP(16), PG_FRAME(16), PTE_P);
    pg_map(pd, TP(17), PG_FRAME(17), PWU);
    pg_map(pd, TP(18), PG_FRAME(18), PTE_P | PTE_W);
    pg_map(pd, TP(0x14), PG_FRAME(0x14), PTE_P | PTE_W);
    pg_map(pd, TP(0x17), PG_FRAME(0x17), PTE_P | PTE_W);
    pg_map(pd, TP(0x18), PG_FRAME(0x18), PTE_P | PTE_U);
    pg_map(pd, TP(0x19), PG_FRAME(0x19), PTE_P);
    pg_map(pd, TP(0x1c), PG_FRAME(0x1c), PTE_P | PTE_W);
    pg_map(pd, TP(0x1e), PG_FRAME(0x1e), PTE_P | PTE_W);
    /* R3: PDE read-only (user), R4: PDE supervisor; PTEs P|W|U */
    *pde(R3) = pg_alloc() | PTE_P | PTE_U;
    *pte(R3) = PG_FRAME(0x41) | PWU;
    *pde(R4) = pg_alloc() | PTE_P | PTE_W;
    *pte(R4) = PG_FRAME(0x42) | PWU;

    /* code frames */
    static const u8 c13[] = {0xb8, 0x13, 0x13, 0x13, 0x13, 0xc3}; /* mov $0x13131313,%eax; ret */
    memcpy((void *)(PG_FRAME(0x13) + 0x80), c13, sizeof(c13));
    pokeb(PG_FRAME(0x14) + 0xffd, 0xb8); /* mov $0x44332211,%eax split 3+3 bytes */
    pokeb(PG_FRAME(0x14) + 0xffe, 0x11);
    pokeb(PG_FRAME(0x14) + 0xfff, 0x22);
    pokeb(PG_FRAME(0x15) + 0, 0x33);
    pokeb(PG_FRAME(0x15) + 1, 0x44);
    pokeb(PG_FRAME(0x15) + 2, 0xc3); /* ret */
    pokeb(PG_FRAME(0x16) + 0x40, 0xcd); /* int $0x80 */
    pokeb(PG_FRAME(0x16) + 0x41, 0x80);
    pokeb(PG_FRAME(0x17) + 0x40, 0xcd);
    pokeb(PG_FRAME(0x17) + 0x41, 0x80);
    /* T+0x18ffe: mov $0x88776655,%eax (b8 55 | 66 77 88 in page 0x19);
     * mov %eax, u_result; int $0x80 */
    pokeb(PG_FRAME(0x18) + 0xffe, 0xb8);
    pokeb(PG_FRAME(0x18) + 0xfff, 0x55);
    {
        u8 c19[] = {0x66, 0x77, 0x88, 0xa3, 0, 0, 0, 0, 0xcd, 0x80};
        u32 a = (u32)&u_result;
        memcpy(&c19[4], &a, 4);
        memcpy((void *)PG_FRAME(0x19), c19, sizeof(c19));
    }

    pg_enable(pd);
    printf("paging on, WP=%u\n", (read_cr0() >> 16) & 1);

    /* ---- not present (PTE) ---- */
    add_fix(pte(TP(0)), PG_FRAME(0) | PTE_P | PTE_W);
    run_case("CPL0 read, PTE not present", K_READ, TP(0) + 0x10, 0, 0);
    show_entries(TP(0));
    add_fix(pte(TP(1)), PG_FRAME(1) | PTE_P | PTE_W);
    run_case("CPL0 write, PTE not present", K_WRITE, TP(1) + 0x20, 0x11111111, 0);
    printf("  frame1+20=%08x\n", peek(PG_FRAME(1) + 0x20));
    show_entries(TP(1));
    add_fix(pte(TP(2)), PG_FRAME(2) | PWU);
    run_case("CPL3 read, PTE not present", U_READ, TP(2) + 0x30, 0, 0);
    show_entries(TP(2));
    add_fix(pte(TP(3)), PG_FRAME(3) | PWU);
    run_case("CPL3 write, PTE not present", U_WRITE, TP(3) + 0x40, 0x33333333, 0);
    printf("  frame3+40=%08x\n", peek(PG_FRAME(3) + 0x40));
    show_entries(TP(3));

    /* ---- not present (PDE) ---- */
    {
        u32 pt1 = pg_alloc();
        add_fix(pde(R1), pt1 | PWU);
        add_fix((volatile u32 *)pt1 + 1, PG_FRAME(0x40) | PTE_P | PTE_W);
        run_case("CPL0 read, PDE not present, then PTE not present", K_READ, R1 + 0x1234, 0, 0);
        show_entries(R1 + 0x1000);
        u32 pt2 = pg_alloc();
        add_fix(pde(R2), pt2 | PWU);
        add_fix((volatile u32 *)pt2 + 5, PG_FRAME(0x43) | PTE_P | PTE_U);
        add_fix((volatile u32 *)pt2 + 5, PTE_W);
        run_case("CPL3 write, PDE not present, PTE not present, PTE read-only", U_WRITE, R2 + 0x5678,
                 0x56785678, 0);
        printf("  frame43+678=%08x\n", peek(PG_FRAME(0x43) + 0x678));
        show_entries(R2 + 0x5000);
    }

    /* ---- protection, PTE ---- */
    add_fix(pte(TP(4)), PTE_U);
    run_case("CPL3 read of a supervisor page", U_READ, TP(4) + 0x50, 0, 0);
    show_entries(TP(4));
    add_fix(pte(TP(5)), PTE_U);
    run_case("CPL3 write of a supervisor page (R/W=1)", U_WRITE, TP(5) + 0x60, 0x55555555, 0);
    printf("  frame5+60=%08x\n", peek(PG_FRAME(5) + 0x60));
    show_entries(TP(5));
    run_case("CPL3 read of a read-only user page", U_READ, TP(6) + 0x70, 0, 0);
    add_fix(pte(TP(6)), PTE_W);
    run_case("CPL3 write of a read-only user page", U_WRITE, TP(6) + 0x74, 0x66666666, 0);
    printf("  frame6+74=%08x\n", peek(PG_FRAME(6) + 0x74));
    show_entries(TP(6));
    add_fix(pte(TP(7)), PTE_W);
    run_case("CPL0 write of a read-only supervisor page, WP=1", K_WRITE, TP(7) + 0x80, 0x77777777, 0);
    printf("  frame7+80=%08x\n", peek(PG_FRAME(7) + 0x80));
    show_entries(TP(7));
    add_fix(pte(TP(9)), PTE_W);
    run_case("CPL0 write of a read-only user page, WP=1", K_WRITE, TP(9) + 0x90, 0x99999999, 0);
    printf("  frame9+90=%08x\n", peek(PG_FRAME(9) + 0x90));
    *pte(TP(9)) &= ~(PTE_W | PTE_D);
    invlpg(TP(9));
    run_case("CPL0 read of a user page", K_READ, TP(9) + 0x94, 0, 0);

    wp(0);
    printf("WP=%u\n", (read_cr0() >> 16) & 1);
    run_case("CPL0 write of a read-only supervisor page, WP=0", K_WRITE, TP(8) + 0x88, 0x88888888, 0);
    printf("  frame8+88=%08x\n", peek(PG_FRAME(8) + 0x88));
    show_entries(TP(8));
    run_case("CPL0 write of a read-only user page, WP=0", K_WRITE, TP(9) + 0x98, 0x98989898, 0);
    printf("  frame9+98=%08x\n", peek(PG_FRAME(9) + 0x98));
    show_entries(TP(9));
    add_fix(pte(TP(10)), PTE_W);
    run_case("CPL3 write of a read-only user page, WP=0", U_WRITE, TP(10) + 0xa0, 0xaaaaaaaa, 0);
    printf("  frame10+a0=%08x\n", peek(PG_FRAME(10) + 0xa0));
    show_entries(TP(10));
    run_case("CPL0 write, PDE R/W=0, WP=0", K_WRITE, R3 + 0x100, 0x31003100, 0);
    printf("  frame41+100=%08x\n", peek(PG_FRAME(0x41) + 0x100));
    wp(1);
    printf("WP=%u\n", (read_cr0() >> 16) & 1);

    /* ---- protection, PDE ---- */
    run_case("CPL3 read, PDE R/W=0", U_READ, R3 + 0x104, 0, 0);
    add_fix(pde(R3), PTE_W);
    run_case("CPL3 write, PDE R/W=0 (PTE R/W=1)", U_WRITE, R3 + 0x108, 0x31083108, 0);
    printf("  frame41+108=%08x\n", peek(PG_FRAME(0x41) + 0x108));
    show_entries(R3);
    *pde(R3) &= ~PTE_W;
    invlpg(R3);
    add_fix(pde(R3), PTE_W);
    run_case("CPL0 write, PDE R/W=0, WP=1", K_WRITE, R3 + 0x10c, 0x310c310c, 0);
    printf("  frame41+10c=%08x\n", peek(PG_FRAME(0x41) + 0x10c));
    run_case("CPL0 read, PDE U/S=0", K_READ, R4 + 0x200, 0, 0);
    add_fix(pde(R4), PTE_U);
    run_case("CPL3 read, PDE U/S=0 (PTE U/S=1)", U_READ, R4 + 0x204, 0, 0);
    show_entries(R4);

    /* ---- page-crossing data accesses ---- */
    add_fix(pte(TP(12)), PG_FRAME(12) | PWU);
    run_case("CPL0 read 4 bytes at T+bffe, page c not present", K_READ, TP(11) + 0xffe, 0, 0);
    add_fix(pte(TP(13)), PG_FRAME(13) | PWU);
    run_case("CPL0 read 4 bytes at T+dffe, page d not present", K_READ, TP(13) + 0xffe, 0, 0);
    add_fix(pte(TP(16)), PTE_W);
    run_case("CPL0 write 4 bytes at T+fffd, page 10 read-only", K_WRITE, TP(15) + 0xffd, 0xc0ffee11, 0);
    printf("  frame f+ffc=%08x frame10+0=%08x\n", peek(PG_FRAME(15) + 0xffc), peek(PG_FRAME(16)));
    add_fix(pte(TP(18)), PTE_U);
    run_case("CPL3 read 4 bytes at T+11fff, page 12 supervisor", U_READ, TP(17) + 0xfff, 0, 0);

    /* rep movsl, 0x300 dwords from T+1cc00 to T+1e800: the source reaches
     * the not-present page 1d at element 0x100, the destination the
     * not-present page 1f at element 0x200; each fault restarts the rep
     * instruction (EIP = the rep prefix) with the remaining count */
    add_fix(pte(TP(0x1d)), PG_FRAME(0x1d) | PTE_P | PTE_W);
    add_fix(pte(TP(0x1f)), PG_FRAME(0x1f) | PTE_P | PTE_W);
    run_case("CPL0 rep movsl T+1cc00 -> T+1e800, 0x300 dwords, pages 1d and 1f not present", K_MOVS,
             TP(0x1c) + 0xc00, TP(0x1e) + 0x800, 0);
    {
        u32 bad = 0;
        for (u32 i = 0; i < 0x300; i++)
            bad += peek(PG_FRAME(0x1e) + 0x800 + 4 * i) != peek(PG_FRAME(0x1c) + 0xc00 + 4 * i);
        printf("  after: ecx=%x esi=T+%x edi=T+%x, destination mismatches=%u, dst[0x1ff]=%08x dst[0x2ff]=%08x\n",
               movs_ecx, movs_esi - T, movs_edi - T, bad, peek(PG_FRAME(0x1e) + 0x800 + 4 * 0x1ff),
               peek(PG_FRAME(0x1e) + 0x800 + 4 * 0x2ff));
    }

    /* ---- instruction fetch ---- */
    add_fix(pte(TP(0x13)), PG_FRAME(0x13) | PTE_P | PTE_W);
    run_case("CPL0 call into a not-present page", K_CALL, TP(0x13) + 0x80, 0, TP(0x13) + 0x80);
    show_entries(TP(0x13));
    add_fix(pte(TP(0x15)), PG_FRAME(0x15) | PTE_P | PTE_W);
    run_case("CPL0 call, instruction at T+14ffd crosses into not-present T+15000", K_CALL,
             TP(0x14) + 0xffd, 0, TP(0x14) + 0xffd);
    add_fix(pte(TP(0x16)), PG_FRAME(0x16) | PTE_P | PTE_U);
    run_case("CPL3 jump into a not-present page", U_JUMP, TP(0x16) + 0x40, 0, TP(0x16) + 0x40);
    add_fix(pte(TP(0x17)), PTE_U);
    run_case("CPL3 jump into a supervisor page", U_JUMP, TP(0x17) + 0x40, 0, TP(0x17) + 0x40);
    add_fix(pte(TP(0x19)), PTE_U);
    run_case("CPL3 jump, instruction at T+18ffe crosses into supervisor T+19000", U_JUMP,
             TP(0x18) + 0xffe, 0, TP(0x18) + 0xffe);

    /* ---- ring-3 stack ---- */
    add_fix(pte(TP(0x1a)), PG_FRAME(0x1a) | PWU);
    run_case("CPL3 push, ESP=T+1b000, page 1a not present", U_PUSH, TP(0x1b), 0, 0);
    printf("  frame1a+ffc=%08x\n", peek(PG_FRAME(0x1a) + 0xffc));
    show_entries(TP(0x1a));

    return finish();
}
