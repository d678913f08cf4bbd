/* pg_basic: 32-bit paging with 4 KiB pages (Intel SDM vol. 3, ch. 4).
 *
 *  - identity-map the low 8 MiB (supervisor, read/write), CR3 = the page
 *    directory, CR0.PG|WP = 1: code, stack and data keep working; CR0/CR3
 *    read back.
 *  - aliasing: two linear pages in different page tables (0x40000000 and
 *    0x50000000) map one frame; a write through one is read through the
 *    other, both directions, also bytes at the end of the page and a
 *    rep movsl from one alias to the other (no overlap).
 *  - accessed/dirty flags (SDM 4.8): a fresh PTE (A=D=0) gets A=1 D=0 on a
 *    read and D=1 on a write; D is per PTE, not per frame (the alias that
 *    was only read keeps D=0); the PDE referencing a page table gets A=1
 *    (its bit 6 is ignored and not printed); a write-first access sets A
 *    and D together; a read-only page read: A only; an instruction fetch
 *    sets A, not D; a read-modify-write sets both. After software clears
 *    A/D (and the PDE's A) and executes INVLPG for the page - which also
 *    flushes the paging-structure caches (SDM 4.10.4.1) - the next access
 *    walks the tables again and sets them again. Clearing only D: a read
 *    leaves D=0.
 *  - kernel pages: the PTE of the page holding main() has A=1 D=0 (only
 *    fetched), the stack page A=1 D=1.
 *  - paging off/on: clearing CR0.PG invalidates all TLB entries (SDM
 *    4.10.4.1), so a PTE changed while paging is off is used after PG=1.
 * Only architecturally defined values are printed: nothing is read through
 * a translation that software changed without invalidating it.
 */
#include "idt.c"
#include "paging.h"

#define VA1 0x40000000u /* -> frame 0 */
#define VA2 0x50000000u /* -> frame 0 (alias, other page table) */
#define VA3 0x60000000u /* -> frame 1, A/D tests (fresh page table) */
#define VA4 0x60001000u /* -> frame 2, write first */
#define VA5 0x60002000u /* -> frame 3, read-only */
#define VA6 0x60003000u /* -> frame 4, code */

static u32 pd;

static u32 fl(u32 va) { return *pg_pte(pd, va) & 0xfff; }
static u32 pdefl(u32 va) { return *pg_pde(pd, va) & 0x3f; } /* P W U PWT PCD A */

static void show_pte(const char *what, u32 va)
{
    printf("%-34s PTE %s\n", what, pg_flags(fl(va)));
}

static void show_both(const char *what, u32 va)
{
    printf("%-34s PTE %s | PDE %s\n", what, pg_flags(fl(va)), pg_flags(pdefl(va)));
}

static u32 __attribute__((noinline)) fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static u32 (*volatile fibp)(u32) = fib;

int main(void)
{
    cpu_init();
    pd = pg_new_pd(PTE_P | PTE_W);
    u32 f0 = PG_FRAME(0), f1 = PG_FRAME(1), f2 = PG_FRAME(2), f3 = PG_FRAME(3), f4 = PG_FRAME(4),
        f5 = PG_FRAME(5);
    for (u32 i = 0; i < 6 * 1024; i++)
        poke(f0 + 4 * i, 0xf0000000u + i);
    pg_map(pd, VA1, f0, PTE_P | PTE_W);
    pg_map(pd, VA2, f0, PTE_P | PTE_W);
    pg_map(pd, VA3, f1, PTE_P | PTE_W);
    pg_map(pd, VA4, f2, PTE_P | PTE_W);
    pg_map(pd, VA5, f3, PTE_P);
    pg_map(pd, VA6, f4, PTE_P | PTE_W);
    /* frame 4: mov $0x600dc0de, %eax; ret */
    static const u8 code[] = {0xb8, 0xde, 0xc0, 0x0d, 0x60, 0xc3};
    memcpy((void *)f4, code, sizeof(code));

    pg_enable(pd);
    u32 cr0 = read_cr0();
    printf("paging on: PG=%u WP=%u PE=%u cr3=%08x\n", cr0 >> 31, (cr0 >> 16) & 1, cr0 & 1, read_cr3());
    printf("code runs: fib(20)=%u\n", fibp(20));
    show_pte("kernel page of main()", (u32)main);
    u32 esp;
    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    show_pte("kernel stack page", esp);

    /* ---- aliasing ---- */
    show_both("alias VA1 before", VA1);
    show_both("alias VA2 before", VA2);
    poke(VA1 + 0x10, 0x11111111);
    printf("write VA1+10=11111111: VA2+10=%08x frame+10=%08x\n", peek(VA2 + 0x10), peek(f0 + 0x10));
    show_both("VA1 (written)", VA1);
    show_both("VA2 (read)", VA2);
    poke(VA2 + 0x20, 0x22222222);
    printf("write VA2+20=22222222: VA1+20=%08x frame+20=%08x\n", peek(VA1 + 0x20), peek(f0 + 0x20));
    show_pte("VA2 (written)", VA2);
    pokeb(VA2 + 0xfff, 0xab);
    pokeb(VA1 + 0xffc, 0xcd);
    printf("bytes: VA1+ffc=%08x VA2+ffc=%08x\n", peek(VA1 + 0xffc), peek(VA2 + 0xffc));
    {
        u32 s = VA1 + 0x100, d = VA2 + 0x800, n = 64;
        __asm__ volatile("cld\n\trep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        u32 bad = 0;
        for (u32 i = 0; i < 64; i++)
            bad += peek(f0 + 0x800 + 4 * i) != 0xf0000000u + 0x40 + i;
        printf("rep movsl VA1+100 -> VA2+800 (64 dwords): frame mismatches=%u, VA1+8fc=%08x\n", bad,
               peek(VA1 + 0x8fc));
    }

    /* ---- accessed / dirty ---- */
    show_both("VA3 fresh", VA3);
    u32 v = peek(VA3 + 0x44);
    show_both("VA3 after read", VA3);
    printf("  read %08x\n", v);
    poke(VA3 + 0x44, 0x33333333);
    show_both("VA3 after write", VA3);
    *pg_pte(pd, VA3) &= ~(PTE_A | PTE_D);
    *pg_pde(pd, VA3) &= ~PTE_A;
    invlpg(VA3);
    show_both("VA3 cleared + invlpg", VA3);
    v = peek(VA3 + 0x44);
    show_both("VA3 read again", VA3);
    printf("  read %08x\n", v);
    poke(VA3 + 0x48, 0x34343434);
    show_both("VA3 written again", VA3);
    *pg_pte(pd, VA3) &= ~PTE_D;
    invlpg(VA3);
    v = peek(VA3 + 0x48);
    show_pte("VA3 D cleared + invlpg, read", VA3);
    printf("  read %08x\n", v);
    __asm__ volatile("addl $1, (%0)" : : "r"(VA3 + 0x48) : "memory", "cc");
    show_pte("VA3 add to memory", VA3);
    printf("  frame1+48=%08x\n", peek(f1 + 0x48));
    *pg_pte(pd, VA3) &= ~(PTE_A | PTE_D);
    invlpg(VA3);
    __asm__ volatile("lock incl (%0)" : : "r"(VA3 + 0x48) : "memory", "cc");
    show_pte("VA3 cleared + invlpg, lock inc", VA3);
    printf("  frame1+48=%08x\n", peek(f1 + 0x48));

    show_pte("VA4 fresh", VA4);
    poke(VA4 + 0x100, 0x44444444);
    show_pte("VA4 after write (no read)", VA4);
    printf("  frame2+100=%08x\n", peek(f2 + 0x100));

    show_pte("VA5 (read-only) fresh", VA5);
    v = peek(VA5 + 0xffc);
    show_pte("VA5 after read", VA5);
    printf("  read %08x\n", v);

    show_pte("VA6 (code) fresh", VA6);
    u32 r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(VA6) : "ecx", "edx", "memory", "cc");
    show_pte("VA6 after call", VA6);
    printf("  returned %08x\n", r);

    /* ---- paging off / on ---- */
    write_cr0(read_cr0() & ~CR0_PG);
    cr0 = read_cr0();
    *pg_pte(pd, VA1) = f5 | PTE_P | PTE_W;
    write_cr0(read_cr0() | CR0_PG);
    printf("paging off (PG=%u), VA1 -> frame 5, paging on: VA1+10=%08x\n", cr0 >> 31, peek(VA1 + 0x10));
    show_pte("VA1 -> frame 5 after read", VA1);

    return finish();
}
