/* pg_invlpg: changing translations and invalidating them (Intel SDM vol. 3,
 * 4.10.4: INVLPG, MOV to CR3; vol. 2 INVLPG).
 *
 * Only values read after the required invalidation are printed: reading
 * through a changed translation before INVLPG may return either the old or
 * the new frame (the TLB may or may not hold the old one), so the test
 * never does that. The exceptions the SDM allows (4.10.4.3): a PTE whose P
 * flag goes 0 -> 1 needs no invalidation (not-present translations are
 * never cached), which the test uses.
 *
 *  - a PTE re-pointed to another frame, INVLPG (also with an operand in
 *    the middle of the page): reads and writes go to the new frame; the
 *    old frame is unchanged
 *  - a PTE cleared, INVLPG: #PF (err 0, CR2); set again (P 0 -> 1, no
 *    INVLPG): the new frame is read
 *  - MOV to CR3 with the same value flushes non-global translations
 *  - R/W 1 -> 0 with INVLPG: a CPL0 write (WP=1) faults with err 3
 *  - INVLPG of an address whose PDE or PTE is not present: no exception;
 *    INVLPG at CPL3: #GP(0)
 *  - 16 consecutive pages re-pointed, each INVLPG'd: the new frames
 *  - a PDE re-pointed to another page table + INVLPG of the page (INVLPG
 *    also flushes the paging-structure caches, SDM 4.10.4.1)
 *  - code: a linear page holding code re-pointed between two frames with
 *    different code (INVLPG, CR3 reload, a 100-iteration loop); code in a
 *    frame rewritten through its identity address (another linear address)
 *    followed by CPUID (serializing: SDM vol. 3 11.6 asks software that
 *    modifies code through a different linear address than the one it is
 *    fetched from to serialize) executes the new code
 * Frames are self-describing: dword at offset o of frame n is
 * 0xa0000000 + n*0x1000 + o.
 */
#include "idt.c"
#include "paging.h"

#define VA 0x40000000u
#define VPDE 0x40400000u
#define VCODE 0x40800000u

static u32 pd;

static void set(u32 va, u32 e) { *pg_pte(pd, va) = e; }

__asm__(".text\n.globl u_invlpg\n"
        "u_invlpg: movl $1f, trap_mark\n" /* kernel pages are U/S=1 in this test */
        "1: invlpg 0x40000000\n"
        "int $0x80\n");
extern char u_invlpg[];
static void go_user(void *p) { ring3_jump((void (*)(void))p, user_stack_top, 0x002); }

static void do_invlpg(void *a) { invlpg((u32)a); }

static void write_code(u32 frame, u32 imm)
{
    u8 c[6] = {0xb8, 0, 0, 0, 0, 0xc3}; /* mov $imm, %eax; ret */
    memcpy(&c[1], &imm, 4);
    memcpy((void *)frame, c, 6);
}

static u32 call(u32 va)
{
    u32 r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(va) : "ecx", "edx", "memory", "cc");
    return r;
}

int main(void)
{
    cpu_init();
    pg_fault_value = 0x5555aaaau;
    tss_init();
    gdt_load();
    idt_gate(0x80, GATE_INT, 3, 1);
    for (u32 n = 0; n < 48; n++)
        pg_frame_fill(n);
    pd = pg_new_pd(PTE_P | PTE_W | PTE_U);
    const u32 PW = PTE_P | PTE_W;
    set(VA, PG_FRAME(0) | PW);
    pg_enable(pd);

    printf("VA -> frame 0: VA+10=%08x\n", peek(VA + 0x10));
    set(VA, PG_FRAME(1) | PW);
    invlpg(VA);
    printf("VA -> frame 1, invlpg: VA+10=%08x\n", peek(VA + 0x10));
    poke(VA + 0x20, 0x12345678);
    printf("  wrote VA+20: frame1+20=%08x frame0+20=%08x\n", peek(PG_FRAME(1) + 0x20),
           peek(PG_FRAME(0) + 0x20));
    set(VA, PG_FRAME(0) | PW);
    invlpg(VA + 0x123);
    printf("VA -> frame 0, invlpg VA+123: VA+20=%08x\n", peek(VA + 0x20));

    set(VA, 0);
    invlpg(VA);
    pg_fault_addr = VA + 0x30;
    pg_report("VA not present, invlpg, read VA+30", run_catch(pg_read_fault, 0));
    set(VA, PG_FRAME(2) | PW);
    printf("VA -> frame 2 (P 0->1, no invlpg): VA+30=%08x\n", peek(VA + 0x30));

    set(VA, PG_FRAME(3) | PW);
    write_cr3(read_cr3());
    printf("VA -> frame 3, mov cr3,cr3: VA+40=%08x\n", peek(VA + 0x40));

    set(VA, PG_FRAME(3) | PTE_P);
    invlpg(VA);
    pg_fault_addr = VA + 0x44;
    pg_report("VA read-only, invlpg, write VA+44", run_catch(pg_write_fault, 0));
    printf("  frame3+44=%08x\n", peek(PG_FRAME(3) + 0x44));
    set(VA, PG_FRAME(3) | PW);
    invlpg(VA);
    pg_report("VA writable, invlpg, write VA+44", run_catch(pg_write_fault, 0));
    printf("  frame3+44=%08x\n", peek(PG_FRAME(3) + 0x44));

    pg_fault_addr = 0x70000000; /* PDE not present */
    {
        int r = run_catch(do_invlpg, (void *)pg_fault_addr);
        pg_report("invlpg 0x70000000 (PDE not present)", r);
        r = run_catch(do_invlpg, (void *)(VA + 0x5000)); /* PTE not present */
        pg_report("invlpg VA+5000 (PTE not present)", r);
        r = run_catch(go_user, u_invlpg);
        pg_report("invlpg at CPL3", r);
        printf("  cs=%02x\n", trap_last.cs);
    }

    /* 16 pages */
    for (u32 i = 0; i < 16; i++)
        set(VA + 0x10000 + i * 0x1000, PG_FRAME(16 + i) | PW);
    u32 s = 0;
    for (u32 i = 0; i < 16; i++)
        s += peek(VA + 0x10000 + i * 0x1000 + 4 * i);
    printf("16 pages -> frames 16..31: sum=%08x\n", s);
    for (u32 i = 0; i < 16; i++) {
        set(VA + 0x10000 + i * 0x1000, PG_FRAME(47 - i) | PW);
        invlpg(VA + 0x10000 + i * 0x1000);
    }
    printf("remapped -> frames 47..32, invlpg each:");
    for (u32 i = 0; i < 16; i++)
        printf(" %x", (peek(VA + 0x10000 + i * 0x1000) >> 12) & 0xff);
    printf("\n");

    /* PDE re-pointed */
    u32 pt1 = pg_alloc(), pt2 = pg_alloc();
    poke(pt1, PG_FRAME(4) | PW);
    poke(pt2, PG_FRAME(5) | PW);
    *pg_pde(pd, VPDE) = pt1 | PW;
    printf("PDE -> PT1 (page 0 -> frame 4): %08x\n", peek(VPDE + 0x50));
    *pg_pde(pd, VPDE) = pt2 | PW;
    invlpg(VPDE);
    printf("PDE -> PT2 (page 0 -> frame 5), invlpg: %08x\n", peek(VPDE + 0x50));
    *pg_pde(pd, VPDE) = pt1 | PW;
    write_cr3(read_cr3());
    printf("PDE -> PT1, mov cr3,cr3: %08x\n", peek(VPDE + 0x50));

    /* code */
    u32 fx = PG_FRAME(6), fy = PG_FRAME(7);
    write_code(fx, 0x11110001);
    write_code(fy, 0x22220002);
    set(VCODE, fx | PW);
    printf("code page -> X: call=%08x\n", call(VCODE));
    set(VCODE, fy | PW);
    invlpg(VCODE);
    printf("code page -> Y, invlpg: call=%08x\n", call(VCODE));
    set(VCODE, fx | PW);
    write_cr3(read_cr3());
    printf("code page -> X, mov cr3,cr3: call=%08x\n", call(VCODE));
    write_code(fx, 0x11110003);
    {
        u32 a, b, c, d;
        cpuid(0, 0, &a, &b, &c, &d);
    }
    printf("X rewritten through its identity address, cpuid: call=%08x\n", call(VCODE));
    s = 0;
    for (u32 i = 0; i < 100; i++) {
        set(VCODE, (i & 1 ? fy : fx) | PW);
        invlpg(VCODE);
        s += call(VCODE);
    }
    printf("100x alternate X/Y + invlpg + call: sum=%08x\n", s);

    return finish();
}
