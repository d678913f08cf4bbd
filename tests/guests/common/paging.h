/* paging.h - 32-bit paging helpers for the pg_* guest tests (header-only:
 * build.sh links crt0 + NAME + lib, so a test does `#include "idt.c"` and
 * then `#include "paging.h"`).
 *
 * Physical memory used by the tests (all below 8 MiB, which every test
 * identity-maps, so the tests edit their page tables at their physical
 * addresses and see the frames' contents there):
 *   0x00100000..  the kernel image (text, data, bss, stacks), < 1 MiB
 *   0x00400000..0x005fffff  page directories and tables (pg_alloc(), in
 *                           order: the first allocation is 0x00400000)
 *   0x00600000..0x007fffff  data frames PG_FRAME(0..511), for the tests
 *
 * Intel SDM vol. 3 ch. 4 (32-bit paging) terms: PDE = page-directory entry,
 * PTE = page-table entry; the bit names below are table 4-4..4-6.
 */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H
#include "idt.h"

#define PTE_P 0x001u   /* present */
#define PTE_W 0x002u   /* R/W */
#define PTE_U 0x004u   /* U/S */
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A 0x020u   /* accessed */
#define PTE_D 0x040u   /* dirty (PTE, 4 MiB PDE) */
#define PTE_PS 0x080u  /* PDE: maps a 4 MiB page when CR4.PSE=1 */
#define PTE_G 0x100u   /* global (PTE, 4 MiB PDE) when CR4.PGE=1 */
#define PG_ADDR 0xfffff000u

#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PGE (1u << 7)

/* #PF error code (SDM vol. 3, 4.7 / 6.15) */
#define PF_P 0x1u    /* 0: not present, 1: protection (or reserved bit) */
#define PF_W 0x2u    /* write */
#define PF_U 0x4u    /* CPL 3 */
#define PF_RSVD 0x8u /* reserved bit set in a paging-structure entry */

#define PG_POOL_BASE 0x00400000u
#define PG_POOL_END 0x00600000u
#define PG_FRAMES 0x00600000u
#define PG_FRAME(i) (PG_FRAMES + (u32)(i) * 4096u)
#define PG_LOW_END 0x00800000u /* the identity-mapped low 8 MiB */

static u32 pg_pool_next = PG_POOL_BASE;

static inline u32 read_cr2(void) { u32 v; __asm__ volatile("movl %%cr2, %0" : "=r"(v)); return v; }
static inline u32 read_cr3(void) { u32 v; __asm__ volatile("movl %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(u32 v) { __asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory"); }
static inline void invlpg(u32 va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }

static inline u32 peek(u32 va) { return *(volatile u32 *)va; }
static inline void poke(u32 va, u32 v) { *(volatile u32 *)va = v; }
static inline u8 peekb(u32 va) { return *(volatile u8 *)va; }
static inline void pokeb(u32 va, u8 v) { *(volatile u8 *)va = v; }

/* A zeroed 4 KiB page from the pool (its physical == identity address). */
static inline u32 pg_alloc(void)
{
    u32 p = pg_pool_next;
    if (p >= PG_POOL_END) {
        printf("pg_alloc: pool exhausted\n");
        outb(0xf4, 1);
    }
    pg_pool_next += 4096;
    memset((void *)p, 0, 4096);
    return p;
}

static inline volatile u32 *pg_pde(u32 pd, u32 va) { return (volatile u32 *)pd + (va >> 22); }

/* The PTE for va; creates the page table (PDE flags P|W|U, so that the PTE
 * alone decides the rights) if the PDE is not present. */
static inline volatile u32 *pg_pte(u32 pd, u32 va)
{
    volatile u32 *pde = pg_pde(pd, va);
    if (!(*pde & PTE_P))
        *pde = pg_alloc() | PTE_P | PTE_W | PTE_U;
    return (volatile u32 *)(*pde & PG_ADDR) + ((va >> 12) & 1023);
}

static inline void pg_map(u32 pd, u32 va, u32 pa, u32 flags) { *pg_pte(pd, va) = (pa & PG_ADDR) | flags; }

static inline void pg_map_range(u32 pd, u32 va, u32 pa, u32 size, u32 flags)
{
    for (u32 off = 0; off < size; off += 4096)
        pg_map(pd, va + off, pa + off, flags);
}

/* A new page directory identity-mapping the low 8 MiB with 4 KiB pages. */
static inline u32 pg_new_pd(u32 flags)
{
    u32 pd = pg_alloc();
    pg_map_range(pd, 0, 0, PG_LOW_END, flags);
    return pd;
}

/* A new page directory sharing pd's kernel page tables (PDEs 0 and 1: the
 * identity-mapped low 8 MiB), for address-space switches. */
static inline u32 pg_new_pd_sharing(u32 pd)
{
    u32 n = pg_alloc();
    poke(n + 0, peek(pd + 0));
    poke(n + 4, peek(pd + 4));
    return n;
}

/* CR3 = pd, then CR0.PG and CR0.WP on. */
static inline void pg_enable(u32 pd)
{
    write_cr3(pd);
    write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

/* Self-describing data frames: the dword at offset o of PG_FRAME(n) holds
 * 0xa0000000 + n*0x1000 + o, so a read tells which frame a page maps. */
static inline void pg_frame_fill(u32 n)
{
    for (u32 o = 0; o < 4096; o += 4)
        poke(PG_FRAME(n) + o, 0xa0000000u + n * 0x1000u + o);
}

/* run_catch() bodies: one read or one 32-bit write of pg_fault_value at
 * pg_fault_addr, with trap_mark at the faulting instruction. */
static u32 pg_fault_addr, pg_fault_value;
static inline void pg_read_fault(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovl (%0), %%eax" : : "r"(pg_fault_addr) : "eax", "memory");
}
static inline void pg_write_fault(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovl %1, (%0)"
                     :
                     : "r"(pg_fault_addr), "r"(pg_fault_value)
                     : "memory");
}

/* One line for run_catch()'s result r: the vector, error code, CR2 for a
 * #PF, and the faulting EIP relative to trap_mark. */
static inline void pg_report(const char *what, int r)
{
    if (r < 0)
        printf("%s: no exception\n", what);
    else if (r == 14)
        printf("%s: vec=%d err=%x cr2=%08x eip=+%d\n", what, r, trap_last.err, trap_last.cr2,
               (int)(trap_last.eip - trap_mark));
    else
        printf("%s: vec=%d err=%x eip=+%d\n", what, r, trap_last.err, (int)(trap_last.eip - trap_mark));
}

/* "P W U A D PS G" style rendering of an entry's flag bits. */
static inline const char *pg_flags(u32 e)
{
    static char buf[8][32];
    static u32 n;
    char *b = buf[n++ & 7], *p = b;
    static const char *names[] = {"P", "W", "U", "PWT", "PCD", "A", "D", "PS", "G"};
    for (int i = 0; i < 9; i++) {
        if (e & (1u << i)) {
            if (p != b)
                *p++ = ' ';
            for (const char *s = names[i]; *s; s++)
                *p++ = *s;
        }
    }
    if (p == b)
        *p++ = '-';
    *p = 0;
    return b;
}

#endif
