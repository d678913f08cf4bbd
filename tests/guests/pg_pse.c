/* pg_pse: 4 MiB pages with CR4.PSE=1 (Intel SDM vol. 3, 4.3 and table 4-4).
 *
 * Page directory: PDEs 0..3 identity-map 0..16 MiB with 4 MiB pages (P W U
 * PS: the kernel and the ring-3 code run from them); linear 0x80000000
 * (PDE 512) is a supervisor 4 MiB page backed by physical 0x00800000, so
 * its contents are also visible at their identity addresses; PDE 513 is a
 * 4 KiB page table (page 0 -> frame 0); further PDEs for the fault cases.
 * Physical 4 MiB regions 0x00800000 and 0x00c00000 hold, at offsets 0x10
 * and 0xffc of each 4 KiB page p, 0xb0000000 resp. 0xc0000000 +
 * p*0x1000 + offset; frames: dword at offset o of frame n is 0xa0000000 +
 * n*0x1000 + o.
 *
 *  - CPUID.1:EDX.PSE, CR4.PSE read back; PDE 0 flags after running (A and
 *    D set: code, stack and data are in it)
 *  - reads/writes through 0x80000000 at several 4 KiB offsets, checked at
 *    the identity addresses
 *  - A/D in the 4 MiB PDE (SDM 4.8): read -> A, write -> D; cleared, then
 *    INVLPG of another 4 KiB page of the same 4 MiB page (0x80200000): an
 *    access to 0x80000000 sets them again. A processor may cache a 4 MiB
 *    page as several 4 KiB TLB entries, but INVLPG of any address in it
 *    invalidates all of them (SDM 4.10.2.3)
 *  - PDE 512 re-pointed to 0x00c00000 + INVLPG(0x803ff000): 0x80000000 and
 *    0x803ff000 read the new region; back to 0x00800000 + INVLPG(0x80000000):
 *    0x80001000 reads the old region
 *  - a 4 KiB page table next to the 4 MiB page, and a 4-byte read crossing
 *    from the 4 MiB page (0x803ffffe) into it
 *  - #PF (err, CR2 exact, EIP = the access): not-present PDE (0) with PS=0
 *    and with PS=1; CPL0 write to a read-only 4 MiB page, WP=1 (3); CPL3
 *    read of the supervisor 4 MiB page (5); CPL3 write to a read-only user
 *    4 MiB page (7); reserved bit 21 set in a present 4 MiB PDE (bit 21 is
 *    reserved whatever MAXPHYADDR/PSE-36: bits 21:(M-19), M <= 40): RSVD|P
 *    = 9 on a read, 0xb on a write, 0xd at CPL3 (SDM 4.7: "bit 3 of the
 *    error code can be set only if bit 0 is also set"); the same PDE with
 *    P=0: plain not-present (0), reserved bits are not checked. QEMU 7.2
 *    TCG reports RSVD without P (8, 0xa, 0xc): pg_pse.qemu.expect; its
 *    mmu_translate sets error_code = PG_ERROR_RSVD_MASK only. The faulting
 *    writes leave memory unchanged.
 *  - CR4.PSE=0 (a MOV to CR4 changing PSE invalidates all TLB entries,
 *    SDM 4.10.4.1), on a directory whose kernel half uses 4 KiB page
 *    tables: PDE 512's PS bit is ignored and it references a page table at
 *    physical 0x00800000, whose first dword holds frame 2|P|W; the read
 *    sets A in that dword, which is visible as data through the 4 MiB page
 *    again after CR4.PSE=1
 */
#include "idt.c"
#include "paging.h"

#define L 0x80000000u   /* PDE 512: 4 MiB supervisor page -> 0x00800000 */
#define L4K 0x80400000u /* PDE 513: page table */
#define LNP 0x80800000u /* PDE 514: 0 */
#define LNPS 0x80c00000u /* PDE 515: PS, P=0 */
#define LRO 0x81000000u /* PDE 516: P PS (read-only, supervisor) -> 0x00800000 */
#define LURO 0x81400000u /* PDE 517: P U PS (read-only, user) -> 0x00800000 */
#define LRSV 0x81800000u /* PDE 518: P W U PS + bit 21 */
#define LRSVNP 0x81c00000u /* PDE 519: W PS + bit 21, P=0 */
#define PHYS_A 0x00800000u
#define PHYS_B 0x00c00000u
#define BIT21 (1u << 21)

static u32 pd;

static u32 pde_fl(u32 va) { return *pg_pde(pd, va) & 0x1ff; }

/* ring 3 */
u32 u_addr, u_val, u_result;
__asm__(".text\n"
        ".globl u_read, u_read_i, u_write, u_write_i\n"
        "u_read:\n"
        "movl u_addr, %esi\n"
        "u_read_i: movl (%esi), %eax\n"
        "movl %eax, u_result\n"
        "int $0x80\n"
        "u_write:\n"
        "movl u_addr, %esi\n"
        "movl u_val, %edi\n"
        "u_write_i: movl %edi, (%esi)\n"
        "int $0x80\n");
extern char u_read[], u_read_i[], u_write[], u_write_i[];
static void go_user(void *p) { ring3_jump((void (*)(void))p, user_stack_top, 0x002); }

static u32 k_addr;
static void k_read(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovl (%0), %%eax" : : "r"(k_addr) : "eax", "memory");
}
static void k_write(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovl $0x12345678, (%0)" : : "r"(k_addr) : "memory");
}

static void fault(const char *what, int user, int write, u32 addr)
{
    int r;
    u32 label;
    k_addr = u_addr = addr;
    u_val = 0x87654321;
    if (user) {
        r = run_catch(go_user, write ? u_write : u_read);
        label = (u32)(write ? u_write_i : u_read_i);
    } else {
        r = run_catch(write ? k_write : k_read, 0);
        label = trap_mark;
    }
    if (r == 14)
        printf("%-44s #PF err=%x cr2=%08x eip=+%d cs=%02x\n", what, trap_last.err, trap_last.cr2,
               (int)(trap_last.eip - label), trap_last.cs);
    else if (r == -1 || r == 0x80)
        printf("%-44s no fault\n", what);
    else
        printf("%-44s vec=%d\n", what, r);
}

int main(void)
{
    cpu_init();
    tss_init();
    gdt_load();
    idt_gate(0x80, GATE_INT, 3, 1);
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    printf("CPUID.1:EDX.PSE=%u\n", (d >> 3) & 1);

    for (u32 p = 0; p < 1024; p++) {
        for (u32 o = 0x10; o < 0x1000; o += 0xfec) {
            poke(PHYS_A + p * 0x1000 + o, 0xb0000000u + p * 0x1000 + o);
            poke(PHYS_B + p * 0x1000 + o, 0xc0000000u + p * 0x1000 + o);
        }
    }
    poke(PHYS_A, PG_FRAME(2) | PTE_P | PTE_W); /* a PTE when CR4.PSE=0 (end of test) */
    for (u32 n = 0; n < 4; n++)
        pg_frame_fill(n);

    const u32 PW = PTE_P | PTE_W;
    pd = pg_alloc();
    for (u32 i = 0; i < 4; i++)
        poke(pd + 4 * i, (i << 22) | PW | PTE_U | PTE_PS);
    *pg_pde(pd, L) = PHYS_A | PW | PTE_PS;
    pg_map(pd, L4K, PG_FRAME(0), PW); /* PDE 513: P W U page table */
    *pg_pde(pd, LNPS) = PHYS_A | PTE_W | PTE_PS;
    *pg_pde(pd, LRO) = PHYS_A | PTE_P | PTE_PS;
    *pg_pde(pd, LURO) = PHYS_A | PTE_P | PTE_U | PTE_PS;
    *pg_pde(pd, LRSV) = PHYS_A | BIT21 | PW | PTE_U | PTE_PS;
    *pg_pde(pd, LRSVNP) = PHYS_A | BIT21 | PTE_W | PTE_PS;

    write_cr4(read_cr4() | CR4_PSE);
    pg_enable(pd);
    printf("CR4.PSE=%u CR0.PG=%u, running on 4 MiB pages\n", (read_cr4() >> 4) & 1, read_cr0() >> 31);
    printf("PDE 0 = %08x (%s)\n", peek(pd), pg_flags(peek(pd) & 0x1ff));

    /* reads / writes */
    printf("PDE 512 fresh: %s\n", pg_flags(pde_fl(L)));
    printf("L+10=%08x L+1ff010=%08x L+3ffffc=%08x\n", peek(L + 0x10), peek(L + 0x1ff010), peek(L + 0x3ffffc));
    printf("PDE 512 after reads: %s\n", pg_flags(pde_fl(L)));
    poke(L + 0x123450, 0x11223344);
    poke(L + 0x3ff000, 0x55667788);
    printf("wrote L+123450, L+3ff000: phys 923450=%08x bff000=%08x\n", peek(PHYS_A + 0x123450),
           peek(PHYS_A + 0x3ff000));
    printf("PDE 512 after writes: %s\n", pg_flags(pde_fl(L)));
    {
        u32 bad = 0;
        for (u32 p = 0; p < 1024; p++)
            bad += peek(L + p * 0x1000 + 0xffc) != 0xb0000000u + p * 0x1000 + 0xffc;
        printf("1024 4 KiB pages of L at +ffc: mismatches=%u\n", bad);
    }
    *pg_pde(pd, L) &= ~(PTE_A | PTE_D);
    invlpg(L + 0x200000);
    printf("A/D cleared, invlpg L+200000: %s\n", pg_flags(pde_fl(L)));
    u32 v = peek(L + 0x10);
    printf("  read L+10=%08x: %s\n", v, pg_flags(pde_fl(L)));
    poke(L + 0x14, 0x14141414);
    printf("  wrote L+14: %s, phys 800014=%08x\n", pg_flags(pde_fl(L)), peek(PHYS_A + 0x14));

    /* re-pointing the 4 MiB page */
    *pg_pde(pd, L) = PHYS_B | PW | PTE_PS;
    invlpg(L + 0x3ff000);
    printf("PDE 512 -> 00c00000, invlpg L+3ff000: L+10=%08x L+3ff010=%08x\n", peek(L + 0x10), peek(L + 0x3ff010));
    *pg_pde(pd, L) = PHYS_A | PW | PTE_PS;
    invlpg(L);
    printf("PDE 512 -> 00800000, invlpg L: L+1010=%08x\n", peek(L + 0x1010));

    /* 4 KiB table next to it */
    v = peek(L4K + 0x10);
    printf("L4K+10=%08x (PDE 513: %s)\n", v, pg_flags(pde_fl(L4K)));
    __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(L + 0x3ffffe) : "memory");
    printf("4 bytes at L+3ffffe (crossing into L4K): %08x\n", v);

    /* faults */
    fault("CPL0 read, PDE not present", 0, 0, LNP + 0x12345);
    fault("CPL0 write, PDE not present", 0, 1, LNP + 0x3ffffc);
    fault("CPL0 read, PDE PS=1 P=0", 0, 0, LNPS + 0x200010);
    fault("CPL0 read, read-only 4 MiB page", 0, 0, LRO + 0x10);
    printf("  (read %08x)\n", peek(LRO + 0x10));
    fault("CPL0 write, read-only 4 MiB page, WP=1", 0, 1, LRO + 0x2ab010);
    fault("CPL3 read, supervisor 4 MiB page", 1, 0, L + 0x100);
    fault("CPL3 read, read-only user 4 MiB page", 1, 0, LURO + 0x10);
    printf("  (user read %08x)\n", u_result);
    fault("CPL3 write, read-only user 4 MiB page", 1, 1, LURO + 0x3010);
    fault("CPL0 read, PDE bit 21 set", 0, 0, LRSV + 0x10);
    fault("CPL0 write, PDE bit 21 set", 0, 1, LRSV + 0x5010);
    fault("CPL3 read, PDE bit 21 set", 1, 0, LRSV + 0x30);
    fault("CPL0 read, PDE bit 21 set, P=0", 0, 0, LRSVNP + 0x40);
    printf("not written by the faulting writes: phys 82ab010=%08x 803010=%08x 805010=%08x\n",
           peek(PHYS_A + 0x2ab010), peek(PHYS_A + 0x3010), peek(PHYS_A + 0x5010));

    /* CR4.PSE=0 */
    u32 pd4k = pg_new_pd(PW);
    poke(pd4k + 512 * 4, PHYS_A | PW | PTE_PS);
    write_cr3(pd4k);
    printf("CR3=pd4k (kernel 4 KiB), PSE=1: L+10=%08x L+0=%08x\n", peek(L + 0x10), peek(L));
    write_cr4(read_cr4() & ~CR4_PSE);
    printf("CR4.PSE=%u: L+10=%08x (PDE 512 = page table at 00800000 -> frame 2)\n", (read_cr4() >> 4) & 1,
           peek(L + 0x10));
    printf("  PDE 512 = %08x\n", peek(pd4k + 512 * 4));
    write_cr4(read_cr4() | CR4_PSE);
    printf("CR4.PSE=%u: L+0=%08x (the PTE, A set by the walk)\n", (read_cr4() >> 4) & 1, peek(L));

    return finish();
}
