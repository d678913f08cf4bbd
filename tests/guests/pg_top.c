/* pg_top: the top of the linear address space under paging.
 *
 *  - RAM frames mapped at 0xffc00000 and 0xfffff000 (the page-directory
 *    slot a self-map would use, and the last page) are read and written
 *    through those addresses and through low aliases;
 *  - code copied to the last page runs there (fetch, a call and a ret);
 *  - linear addresses wrap at 4 GiB (a 32-bit linear address, SDM vol. 3,
 *    3.4): through %fs with base 0xfffff000, a dword read and a dword write
 *    at offset 0xffe touch two bytes of the last page and two of page 0;
 *    rep movsb and rep stosb run across the top, forwards and backwards.
 *    (A flat segment's dword at offset 0xfffffffe is left out: past a
 *    4 GiB limit the SDM, 5.3, leaves #GP or not to the implementation.)
 * btvmm's compat backend keeps its hole there, so these accesses go through
 * its software path; the x64 backend maps them like any other page and
 * lets the emulator finish an access that runs past 4 GiB.
 */
#include "idt.c"
#include "paging.h"

#define TOP 0xfffff000u /* -> frame 0 */
#define HIGH 0xffc00000u /* -> frame 1 */
#define LOW0 0x40000000u /* alias of frame 0 */
#define LOW1 0x40001000u /* alias of frame 1 */

static u32 pd;
static u8 dst[32];

/* page 0 through a value the compiler cannot see (address 0 is valid here) */
static u32 page0(u32 off)
{
    __asm__("" : "+r"(off));
    return off;
}

static u32 __attribute__((noinline)) call_at(u32 va) { return ((u32(*)(void))va)(); }

int main(void)
{
    cpu_init();
    pd = pg_new_pd(PTE_P | PTE_W);
    pg_frame_fill(0);
    pg_frame_fill(1);
    pg_map(pd, TOP, PG_FRAME(0), PTE_P | PTE_W);
    pg_map(pd, HIGH, PG_FRAME(1), PTE_P | PTE_W);
    pg_map(pd, LOW0, PG_FRAME(0), PTE_P | PTE_W);
    pg_map(pd, LOW1, PG_FRAME(1), PTE_P | PTE_W);
    /* page 0 keeps its identity mapping: bytes 0..15 are marked */
    for (u32 i = 0; i < 16; i++)
        pokeb(page0(i), (u8)(0xc0 + i));
    pg_enable(pd);

    printf("read 0xfffff000: %08x  0xfffffffc: %08x\n", peek(TOP), peek(TOP + 0xffc));
    printf("read 0xffc00000: %08x  0xffc00ffc: %08x\n", peek(HIGH), peek(HIGH + 0xffc));
    poke(TOP + 0x100, 0x11223344);
    poke(HIGH + 0x200, 0x55667788);
    printf("written high, read low: %08x %08x\n", peek(LOW0 + 0x100), peek(LOW1 + 0x200));
    poke(LOW0 + 0x104, 0x99aabbcc);
    printf("written low, read high: %08x\n", peek(TOP + 0x104));

    /* mov $0x1234abcd, %eax; add $1, %eax; ret at 0xfffff800 */
    static const u8 code[] = {0xb8, 0xcd, 0xab, 0x34, 0x12, 0x83, 0xc0, 0x01, 0xc3};
    for (u32 i = 0; i < sizeof(code); i++)
        pokeb(TOP + 0x800 + i, code[i]);
    printf("code at 0xfffff800 returns %08x\n", call_at(TOP + 0x800));

    gdt[GDT_N - 1] = seg_desc(TOP, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt_load();
    u32 v;
    __asm__ volatile("movw %w1, %%fs\n\tmovl %%fs:(%2), %0\n\tmovw %w3, %%fs"
                     : "=&r"(v) : "r"((GDT_N - 1) * 8), "r"(0xffeu), "r"(0x10) : "memory");
    printf("dword read at %%fs:0xffe (linear 0xfffffffe): %08x\n", v);
    __asm__ volatile("movw %w1, %%fs\n\tmovl %0, %%fs:(%2)\n\tmovw %w3, %%fs"
                     : : "r"(0x5a6b7c8du), "r"((GDT_N - 1) * 8), "r"(0xffeu), "r"(0x10) : "memory");
    printf("dword written at %%fs:0xffe: last page %02x %02x, page 0 %02x %02x\n",
           peekb(TOP + 0xffe), peekb(TOP + 0xfff), peekb(page0(0)), peekb(page0(1)));

    u32 si = 0xfffffff8u, di = (u32)dst, cx = 16;
    __asm__ volatile("cld\n\trep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    printf("rep movsb from 0xfffffff8, 16 bytes:");
    for (int i = 0; i < 16; i++)
        printf(" %02x", dst[i]);
    printf("\n  esi=%08x\n", si);

    u32 ax = 0x77;
    di = 4;
    cx = 8;
    __asm__ volatile("std\n\trep stosb\n\tcld" : "+D"(di), "+c"(cx) : "a"(ax) : "memory");
    printf("rep stosb down from 4, 8 bytes: edi=%08x last page %02x %02x %02x, page 0 %02x %02x\n",
           di, peekb(TOP + 0xffd), peekb(TOP + 0xffe), peekb(TOP + 0xfff), peekb(page0(0)), peekb(page0(4)));
    printf("frame 0 seen low: %08x %08x\n", peek(LOW0 + 0xff8), peek(LOW0 + 0xffc));
    outb(0xf4, 0);
    return 0;
}
