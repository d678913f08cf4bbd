/* mmu.c - MMU nanobenchmark guest (bench/mmu/run.sh; issue 4).
 *
 * Lives in bench/cpu/ only because tests/guests/build.sh looks for guest
 * sources in bench/cpu/NAME.c and tests/guests/ (not in bench/mmu/).
 *
 * Paging: 32-bit, 4 KiB pages, CR0.PG|WP, ring 0 throughout, IF=0. The main
 * page directory identity-maps the low 8 MiB (paging.h: kernel image below
 * 1 MiB..2 MiB, page tables from 0x00400000, frames PG_FRAME(i) from
 * 0x00600000), so the page tables are edited at their physical addresses.
 *
 * (1) pagefault: FAULT_N (20000) pages at FAULT_VA = 0x80000000.. have page
 *     tables (allocated back to back before timing, all PTEs 0 = not
 *     present). The #PF handler (IDT vector 14, a lean hand-written
 *     interrupt gate, no C) computes the PTE address from CR2, writes
 *     "next fresh frame | P | W" (frames from 8 MiB up, not zeroed), bumps
 *     the frame pointer, pops the error code and irets. The guest writes
 *     one dword into each page once, in order. Event = one fault, i.e. the
 *     #PF delivery, the handler (including its write to a page table) and
 *     the restarted store. Checked: FAULT_N faults, each page reads back
 *     its value, page i maps frame i.
 * (2) ptemod: the PTE of PTE_VA = 0x50000000 is rewritten PTE_N (100000)
 *     times, alternating between two frames (first dwords 0xaaaa0000 and
 *     0xbbbb0000), each write followed by a read through PTE_VA.
 *       ptemod_invlpg: write PTE; invlpg; read (what a guest kernel does).
 *                      Every read must see the new frame (checked).
 *       ptemod:        write PTE; read. Architecturally the read may use a
 *                      stale TLB entry; the count of stale reads is printed
 *                      (btvmm's tracing makes it 0, QEMU's TLB does not).
 * (3) cr3switch: two page directories, each with the kernel PDEs 0-1 (the
 *     low 8 MiB page tables, shared) and a page table of its own at
 *     CR3_VA = 0x40000000 mapping 16 pages to 16 frames of its own. After
 *     one untimed warm-up round, CR3_N (20000) times: CR3 = A, read the 16
 *     pages, CR3 = B, read the 16 pages. Event = one CR3 load with the 16
 *     reads after it: tsc / (2 * CR3_N). Checked by a checksum of the values
 *     read. Also timed (not part of the event): the same loop without the
 *     CR3 loads (touch_tsc_ticks), i.e. 32 reads of a warm working set.
 *
 * Elapsed time comes from rdtsc. btvmm's TSC runs at 1 GHz (1 tick = 1 ns);
 * under QEMU it runs at the host's TSC rate, so only the raw tick counts
 * mean anything there. Output, one line per benchmark
 * (ns_per_event = tsc_ticks / events, 2 decimals):
 *   mmu pagefault N=20000 events=20000 tsc_ticks=T ns_per_event=X
 *   mmu ptemod_invlpg N=100000 events=100000 tsc_ticks=T ns_per_event=X
 *   mmu ptemod N=100000 events=100000 tsc_ticks=T ns_per_event=X stale_reads=K
 *   mmu cr3switch N=20000 events=40000 tsc_ticks=T ns_per_event=X touch_tsc_ticks=B
 * Sizes can be overridden with -DFAULT_N=... etc. (EXTRA_CFLAGS). Exit
 * status 1 (main returns 0) if every check passed; a fault outside the
 * fault region exits with status 5 (outb 2 to port 0xf4).
 */
#include "idt.c"
#include "paging.h"

#ifndef FAULT_N
#define FAULT_N 20000u
#endif
#ifndef PTE_N
#define PTE_N 100000u
#endif
#ifndef CR3_N
#define CR3_N 20000u
#endif
#define CR3_PAGES 16u

#define FAULT_VA 0x80000000u
#define FAULT_FRAMES 0x00800000u /* fresh frames for the fault handler: 8 MiB.. */
#define PTE_VA 0x50000000u
#define CR3_VA 0x40000000u

/* 128 MiB guests: FAULT_N frames from 8 MiB must stay below 127 MiB, and
 * their page tables must fit in the paging.h pool (with room to spare). */
#if FAULT_N > 30000u
#error "FAULT_N too large for a 128 MiB guest"
#endif

/* Read by the #PF handler. */
u32 pf_pt_base;          /* physical (= identity) address of the first fault PT */
u32 pf_next_frame = FAULT_FRAMES;
volatile u32 pf_count;

extern char pf_entry[];
__asm__(".text\n"
        ".p2align 4\n"
        "pf_entry:\n"
        "pushl %eax\n"
        "pushl %edx\n"
        "movl %cr2, %eax\n"
        "subl $0x80000000, %eax\n" /* FAULT_VA */
        "shrl $12, %eax\n"
        "cmpl $" "30000" ", %eax\n" /* page index sanity check (>= any FAULT_N) */
        "jae pf_bad\n"
        "shll $2, %eax\n"
        "addl pf_pt_base, %eax\n" /* &PTE */
        "movl pf_next_frame, %edx\n"
        "addl $4096, pf_next_frame\n"
        "orl $3, %edx\n" /* P | W */
        "movl %edx, (%eax)\n"
        "incl pf_count\n"
        "popl %edx\n"
        "popl %eax\n"
        "addl $4, %esp\n" /* error code */
        "iret\n"
        "pf_bad:\n"
        "movb $2, %al\n"
        "outb %al, $0xf4\n" /* isa-debug-exit: status 5 */
        "1: cli\n"
        "hlt\n"
        "jmp 1b\n");

static void put_u64(u64 v)
{
    char buf[24];
    int i = 0;
    do {
        buf[i++] = (char)('0' + (u32)(v % 10));
        v /= 10;
    } while (v);
    while (i)
        serial_putc(buf[--i]);
}

/* "mmu NAME N=n events=e tsc_ticks=t ns_per_event=x.xx" (no newline) */
static void report(const char *name, u32 n, u32 events, u64 t)
{
    printf("mmu %s N=%u events=%u tsc_ticks=", name, n, events);
    put_u64(t);
    printf(" ns_per_event=");
    u64 c = (t * 100 + events / 2) / events;
    put_u64(c / 100);
    printf(".%02u", (u32)(c % 100));
}

static u32 pd;

static int bench_pagefault(void)
{
    /* page tables for the whole region, back to back, before timing */
    u32 npt = (FAULT_N + 1023) / 1024;
    for (u32 i = 0; i < npt; i++) {
        u32 pt = pg_alloc();
        if (i == 0)
            pf_pt_base = pt;
        else if (pt != pf_pt_base + i * 4096) {
            printf("mmu pagefault: page tables not contiguous\n");
            return 1;
        }
        *pg_pde(pd, FAULT_VA + i * 0x400000u) = pt | PTE_P | PTE_W;
    }
    idt_set(14, (u32)pf_entry, SEL_KCODE, GATE_INT, 0, 1);
    write_cr3(pd); /* flush: the PDEs were written with paging on */

    u64 t0 = rdtsc();
    for (u32 i = 0; i < FAULT_N; i++)
        poke(FAULT_VA + i * 4096u, 0x5a000000u + i);
    u64 t1 = rdtsc();

    report("pagefault", FAULT_N, FAULT_N, t1 - t0);
    printf("\n");
    int bad = 0;
    if (pf_count != FAULT_N) {
        printf("mmu pagefault: %u faults, want %u\n", pf_count, FAULT_N);
        bad = 1;
    }
    u32 wrong = 0;
    for (u32 i = 0; i < FAULT_N; i++) {
        u32 pte = ((volatile u32 *)pf_pt_base)[i];
        if (peek(FAULT_VA + i * 4096u) != 0x5a000000u + i ||
            (pte & PG_ADDR) != FAULT_FRAMES + i * 4096u)
            wrong++;
    }
    if (wrong || pf_count != FAULT_N) {
        printf("mmu pagefault: %u pages read back wrong (or map the wrong frame); faults now %u\n",
               wrong, pf_count);
        bad = 1;
    }
    return bad;
}

static int bench_ptemod(int with_invlpg)
{
    u32 fa = PG_FRAME(0), fb = PG_FRAME(1);
    poke(fa, 0xaaaa0000u);
    poke(fb, 0xbbbb0000u);
    volatile u32 *pte = pg_pte(pd, PTE_VA);
    *pte = fa | PTE_P | PTE_W;
    invlpg(PTE_VA);
    u32 ea = fa | PTE_P | PTE_W, eb = fb | PTE_P | PTE_W;
    u32 stale = 0;
    (void)peek(PTE_VA);

    u64 t0 = rdtsc();
    if (with_invlpg) {
        for (u32 i = 0; i < PTE_N; i++) {
            u32 odd = i & 1;
            *pte = odd ? ea : eb;
            invlpg(PTE_VA);
            stale += peek(PTE_VA) != (odd ? 0xaaaa0000u : 0xbbbb0000u);
        }
    } else {
        for (u32 i = 0; i < PTE_N; i++) {
            u32 odd = i & 1;
            *pte = odd ? ea : eb;
            stale += peek(PTE_VA) != (odd ? 0xaaaa0000u : 0xbbbb0000u);
        }
    }
    u64 t1 = rdtsc();

    report(with_invlpg ? "ptemod_invlpg" : "ptemod", PTE_N, PTE_N, t1 - t0);
    if (with_invlpg) {
        printf("\n");
        if (stale) {
            printf("mmu ptemod_invlpg: %u reads saw the old frame after invlpg\n", stale);
            return 1;
        }
    } else {
        printf(" stale_reads=%u\n", stale); /* allowed without invlpg */
    }
    return 0;
}

static u32 cr3_sum(void)
{
    u32 s = 0;
    for (u32 j = 0; j < CR3_PAGES; j++)
        s += peek(CR3_VA + j * 4096u + (j & 7) * 64u);
    return s;
}

static int bench_cr3(void)
{
    u32 pds[2];
    u32 expect[2] = {0, 0};
    for (u32 k = 0; k < 2; k++) {
        pds[k] = pg_alloc();
        for (u32 e = 0; e < PG_LOW_END / 0x400000u; e++) /* the kernel: shared PTs */
            ((volatile u32 *)pds[k])[e] = ((volatile u32 *)pd)[e];
        for (u32 j = 0; j < CR3_PAGES; j++) {
            u32 f = PG_FRAME(2 + k * CR3_PAGES + j);
            u32 v = 0xc0000000u + (k << 16) + j;
            poke(f + (j & 7) * 64u, v);
            expect[k] += v;
            pg_map(pds[k], CR3_VA + j * 4096u, f, PTE_P | PTE_W);
        }
    }
    u32 a = pds[0], b = pds[1];
    u32 sum = 0;
    /* warm-up round (also checks the contents) */
    write_cr3(a);
    u32 sa = cr3_sum();
    write_cr3(b);
    u32 sb = cr3_sum();
    if (sa != expect[0] || sb != expect[1]) {
        printf("mmu cr3switch: warm-up read %x/%x, want %x/%x\n", sa, sb, expect[0], expect[1]);
        write_cr3(pd);
        return 1;
    }

    u64 t0 = rdtsc();
    for (u32 i = 0; i < CR3_N; i++) {
        write_cr3(a);
        sum += cr3_sum();
        write_cr3(b);
        sum += cr3_sum();
    }
    u64 t1 = rdtsc();

    /* the same reads without the switches (B stays loaded) */
    u32 sum2 = 0;
    u64 t2 = rdtsc();
    for (u32 i = 0; i < CR3_N; i++) {
        sum2 += cr3_sum();
        sum2 += cr3_sum();
    }
    u64 t3 = rdtsc();
    write_cr3(pd);

    report("cr3switch", CR3_N, 2 * CR3_N, t1 - t0);
    printf(" touch_tsc_ticks=");
    put_u64(t3 - t2);
    printf("\n");
    if (sum != CR3_N * (expect[0] + expect[1]) || sum2 != CR3_N * 2 * expect[1]) {
        printf("mmu cr3switch: checksum %x/%x, want %x/%x\n", sum, sum2,
               CR3_N * (expect[0] + expect[1]), CR3_N * 2 * expect[1]);
        return 1;
    }
    return 0;
}

int main(void)
{
    cpu_init();
    pd = pg_new_pd(PTE_P | PTE_W);
    pg_enable(pd);

    int bad = 0;
    bad |= bench_pagefault();
    bad |= bench_ptemod(1);
    bad |= bench_ptemod(0);
    bad |= bench_cr3();

    u32 other = 0;
    for (int v = 0; v < 256; v++)
        other += trap_count[v]; /* the lean #PF handler does not go through trap_dispatch */
    if (other) {
        printf("mmu: %u unexpected interrupts/exceptions (last vector %u)\n", other, trap_last.vec);
        bad = 1;
    }
    return bad;
}
