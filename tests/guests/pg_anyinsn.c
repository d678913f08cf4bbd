/* pg_anyinsn: instructions of every kind writing the live page directory,
 * live page tables and executed code (pages btvmm write-protects: traced
 * page tables, translated code). On hardware each write simply lands; the
 * test checks that it did, that the mappings follow the new entries, and
 * that patched code runs as patched.
 *
 * Writers (asm below, each with ESP or the destination pointed into the
 * page): call rel32, far call (lcall $0x08), push reg, enter $0,$0,
 * pusha, fxsave, rep movsb, lock cmpxchg8b, and movdqu into page tables.
 * Some btvmm's emulator does (call rel32, push, pusha, enter, movs,
 * cmpxchg8b: the emulated trace write), some it does not (fxsave, movdqu:
 * run natively once with the page opened); far call is a call-out on the
 * x64 backend.
 *  1. Page tables: PT0, PT1, PT2 (adjacent frames) map regions 256..258
 *     (0x40000000..0x40bfffff), entry i of PT0/PT1/PT2 to frame i&7, 8+(i&7),
 *     16+(i&7) at first. Each writer puts new PTEs (frames 24..31) into
 *     entries that were present and have been read through; pusha crosses
 *     from PT0 into PT1, fxsave from PT1 into PT2 (two traced pages in one
 *     instruction). Then CR3 is reloaded (SDM vol. 3 4.10.4.1: the TLB
 *     drops non-global entries) and each new entry's page is read: it must
 *     show the new frame. call and far call write return addresses (and CS):
 *     checked against the labels, never used as entries. Then plain stores
 *     to PT1 and PT2 (traced again after the native writes?), and 40 rounds
 *     of movdqu and fxsave rewriting entries, each followed by a CR3 reload
 *     and reads through them (hashed).
 *  2. The page directory: writers put PDEs (new page tables PTA, PTB) into
 *     not-present directory entries 0x310..0x3ff (regions 0xc4000000 up);
 *     a not-present entry is never cached (SDM 4.10.2.3), so the new regions
 *     are read at once. fxsave fills entries 0x380..0x3ff.
 *  3. Code (paging off first, then on): a page of small functions, each called (its page is translated
 *     code again), then patched by a writer (the new immediate, or a whole new function) and
 *     called again: the new code must run.
 * Only architecturally defined fxsave fields are printed (FCW, MXCSR,
 * XMM0, XMM7); the far call's CS dword is printed as its low 16 bits (the
 * upper half is implementation specific, SDM vol. 2 CALL).
 */
#include "idt.c"
#include "paging.h"

u32 g_sp, g_top, g_regs[8];
u32 g_xmm0[4], g_xmm7[4];
u8 g_scratch[16];

void w_call(u32 top);
void w_farcall(u32 top);
void w_push(u32 top, u32 v);
void w_enter(u32 top, u32 v);
void w_pusha(u32 top);
void w_fxsave(u32 dest);
void w_movdqu(u32 dest);
void w_movs(u32 dst, u32 src, u32 n);
u32 w_cmpxchg8b(u32 dst, u32 lo, u32 hi);
u32 call_fn(u32 fn);
extern char w_call_ret[], w_farcall_ret[];

__asm__(".text\n"
        "w_call:\n"
        "  movl 4(%esp), %eax\n"
        "  movl %esp, g_sp\n"
        "  movl %eax, %esp\n"
        "  call w_call_target\n"
        "w_call_ret:\n"
        "  movl g_sp, %esp\n"
        "  ret\n"
        "w_call_target:\n"
        "  ret\n"
        "w_farcall:\n"
        "  movl 4(%esp), %eax\n"
        "  movl %esp, g_sp\n"
        "  movl %eax, %esp\n"
        "  lcall $0x08, $w_far_target\n"
        "w_farcall_ret:\n"
        "  movl g_sp, %esp\n"
        "  ret\n"
        "w_far_target:\n"
        "  lret\n"
        "w_push:\n"
        "  movl 4(%esp), %eax\n"
        "  movl 8(%esp), %ecx\n"
        "  movl %esp, g_sp\n"
        "  movl %eax, %esp\n"
        "  pushl %ecx\n"
        "  movl g_sp, %esp\n"
        "  ret\n"
        "w_enter:\n"
        "  pushl %ebp\n"
        "  movl 8(%esp), %eax\n"
        "  movl 12(%esp), %ebp\n"
        "  movl %esp, g_sp\n"
        "  movl %eax, %esp\n"
        "  enter $0, $0\n"
        "  movl g_sp, %esp\n"
        "  popl %ebp\n"
        "  ret\n"
        "w_pusha:\n"
        "  pushal\n"
        "  movl 36(%esp), %eax\n"
        "  movl %esp, g_sp\n"
        "  movl %eax, g_top\n"
        "  movl g_regs+4, %ecx\n"
        "  movl g_regs+8, %edx\n"
        "  movl g_regs+12, %ebx\n"
        "  movl g_regs+20, %ebp\n"
        "  movl g_regs+24, %esi\n"
        "  movl g_regs+28, %edi\n"
        "  movl g_regs, %eax\n"
        "  movl g_top, %esp\n"
        "  pushal\n"
        "  movl g_sp, %esp\n"
        "  popal\n"
        "  ret\n"
        "w_fxsave:\n"
        "  movl 4(%esp), %eax\n"
        "  movdqu g_xmm0, %xmm0\n"
        "  movdqu g_xmm7, %xmm7\n"
        "  fxsave (%eax)\n"
        "  ret\n"
        "w_movdqu:\n"
        "  movl 4(%esp), %eax\n"
        "  movdqu g_xmm0, %xmm0\n"
        "  movdqu %xmm0, (%eax)\n"
        "  ret\n"
        "w_movs:\n"
        "  pushl %esi\n"
        "  pushl %edi\n"
        "  movl 12(%esp), %edi\n"
        "  movl 16(%esp), %esi\n"
        "  movl 20(%esp), %ecx\n"
        "  cld\n"
        "  rep movsb\n"
        "  popl %edi\n"
        "  popl %esi\n"
        "  ret\n"
        "w_cmpxchg8b:\n"
        "  pushl %ebx\n"
        "  pushl %esi\n"
        "  movl 12(%esp), %esi\n"
        "  movl 16(%esp), %ebx\n"
        "  movl 20(%esp), %ecx\n"
        "  movl (%esi), %eax\n"
        "  movl 4(%esi), %edx\n"
        "  lock cmpxchg8b (%esi)\n"
        "  setz %al\n"
        "  movzbl %al, %eax\n"
        "  popl %esi\n"
        "  popl %ebx\n"
        "  ret\n"
        /* the code tests' functions may touch (%eax): point it at scratch */
        "call_fn:\n"
        "  movl 4(%esp), %edx\n"
        "  pushl %ebx\n"
        "  movl $g_scratch, %eax\n"
        "  call *%edx\n"
        "  popl %ebx\n"
        "  ret\n");

#define VA(region) ((u32)(region) << 22)
#define PW (PTE_P | PTE_W)

static u32 pd, pt[3], pta, ptb;

/* The frame number (relative to PG_FRAME(0)) the page at va maps. */
static u32 frame_at(u32 va)
{
    return (peek(va + 0x10) - 0xa0000000u) >> 12;
}

/* Entry e of page table k (region 256 + k): read its page (a shadow). */
static void touch(int k, u32 e)
{
    (void)frame_at(VA(256 + k) + e * 4096);
}

static void show_pte(int k, u32 e)
{
    u32 v = peek(pt[k] + 4 * e);
    printf("  PT%d[%u]=PG_FRAMES+%05x -> frame %u\n", k, e, v - PG_FRAMES,
           frame_at(VA(256 + k) + e * 4096));
}

static void reload_cr3(void)
{
    write_cr3(read_cr3());
}

static void page_tables(void)
{
    printf("1. page tables\n");
    /* entries written, all present and read through beforehand */
    static const struct {
        int k;
        u32 e;
    } used[] = {{0, 10}, {0, 20}, {0, 30}, {0, 31}, {0, 40}, {0, 50}, {0, 51}, {0, 256}, {0, 257},
                {0, 258}, {0, 1018}, {0, 1019}, {0, 1020}, {0, 1022}, {0, 1023}, {1, 0}, {1, 1},
                {1, 1000}, {1, 1001}, {1, 1002}, {1, 1003}, {2, 4}, {2, 5}, {2, 6}, {2, 7},
                {2, 100}, {2, 101}, {2, 102}, {2, 103}};
    for (u32 i = 0; i < sizeof(used) / sizeof(used[0]); i++)
        touch(used[i].k, used[i].e);

    w_push(pt[0] + 4 * 11, PG_FRAME(24) | PW);
    w_call(pt[0] + 4 * 21);
    w_farcall(pt[0] + 4 * 32);
    w_enter(pt[0] + 4 * 41, PG_FRAME(25) | PW);
    printf("cmpxchg8b ZF=%u\n", w_cmpxchg8b(pt[0] + 4 * 50, PG_FRAME(26) | PW, PG_FRAME(27) | PW));
    u32 src[3] = {PG_FRAME(28) | PW, PG_FRAME(29) | PW, PG_FRAME(30) | PW};
    w_movs(pt[0] + 4 * 256, (u32)src, sizeof(src));
    /* pusha from PT0 entry 1018 up to PT1 entry 1 */
    for (int r = 0; r < 8; r++)
        g_regs[r] = PG_FRAME(24 + r) | PW; /* eax ecx edx ebx - ebp esi edi */
    w_pusha(pt[1] + 8);
    /* fxsave from PT1 + 0xf00 into PT2: XMM0 -> PT1 1000..1003, XMM7 -> PT2 4..7 */
    for (int i = 0; i < 4; i++) {
        g_xmm0[i] = PG_FRAME(28 + i) | PW;
        g_xmm7[i] = PG_FRAME(24 + i) | PW;
    }
    w_fxsave(pt[1] + 0xf00);
    for (int i = 0; i < 4; i++)
        g_xmm0[i] = PG_FRAME(31 - i) | PW;
    w_movdqu(pt[2] + 4 * 100);
    reload_cr3();

    printf("push:\n");
    show_pte(0, 10);
    printf("call: PT0[20] is the return address: %u\n", peek(pt[0] + 80) == (u32)w_call_ret);
    printf("far call: PT0[30] is the return address: %u, PT0[31] low half %04x\n",
           peek(pt[0] + 120) == (u32)w_farcall_ret, peek(pt[0] + 124) & 0xffff);
    printf("enter:\n");
    show_pte(0, 40);
    printf("cmpxchg8b:\n");
    show_pte(0, 50);
    show_pte(0, 51);
    printf("rep movsb:\n");
    for (u32 e = 256; e < 259; e++)
        show_pte(0, e);
    printf("pusha (PT0 1018..1023, PT1 0..1):\n");
    for (u32 e = 1018; e < 1024; e++)
        if (e != 1021)
            show_pte(0, e);
    printf("  PT0[1021] (ESP) = PT1+8: %u\n", peek(pt[0] + 4 * 1021) == pt[1] + 8);
    show_pte(1, 0);
    show_pte(1, 1);
    printf("fxsave: FCW=%04x MXCSR=%08x\n", peek(pt[1] + 0xf00) & 0xffff, peek(pt[1] + 0xf18));
    for (u32 e = 1000; e < 1004; e++)
        show_pte(1, e);
    for (u32 e = 4; e < 8; e++)
        show_pte(2, e);
    printf("movdqu:\n");
    for (u32 e = 100; e < 104; e++)
        show_pte(2, e);
    /* after native writes the frames are traced again: a plain store to
     * an entry whose page was read (a shadow exists) must still be seen */
    touch(1, 500);
    touch(2, 500);
    poke(pt[1] + 4 * 500, PG_FRAME(20) | PW);
    poke(pt[2] + 4 * 500, PG_FRAME(21) | PW);
    reload_cr3();
    printf("plain stores after: PT1[500] -> frame %u, PT2[500] -> frame %u\n",
           frame_at(VA(257) + 500 * 4096), frame_at(VA(258) + 500 * 4096));
    /* 40 rounds: movdqu rewrites PT2 600..603 to frames 16+(it&3).. and
     * fxsave (through PT1's end) rewrites PT1 1000..1003 and PT2 4..7 */
    u32 sum = 0;
    for (u32 it = 0; it < 40; it++) {
        for (int i = 0; i < 4; i++)
            g_xmm0[i] = g_xmm7[i] = PG_FRAME(16 + ((it + i) & 7)) | PW;
        w_movdqu(pt[2] + 4 * 600);
        w_fxsave(pt[1] + 0xf00);
        reload_cr3();
        for (u32 i = 0; i < 4; i++)
            sum = sum * 31 + frame_at(VA(258) + (600 + i) * 4096) * 7 +
                  frame_at(VA(257) + (1000 + i) * 4096) * 3 + frame_at(VA(258) + (4 + i) * 4096);
    }
    printf("40 rounds of native rewrites: hash %08x, PT2[603] -> frame %u\n", sum,
           frame_at(VA(258) + 603 * 4096));
    printf("untouched: PT0[9] -> frame %u, PT0[259] -> frame %u, PT1[959] -> frame %u\n",
           frame_at(VA(256) + 9 * 4096), frame_at(VA(256) + 259 * 4096), frame_at(VA(257) + 959 * 4096));
}

static void show_pde(u32 slot, u32 page)
{
    u32 v = peek(pd + 4 * slot);
    printf("  PD[%x]=%s%s page %u -> frame %u\n", slot, v == (pta | PW) ? "PTA" : v == (ptb | PW) ? "PTB" : "?",
           "", page, frame_at(VA(slot) + page * 4096));
}

static void page_directory(void)
{
    printf("2. page directory\n");
    w_push(pd + 4 * 0x311, pta | PW);
    w_call(pd + 4 * 0x321);
    w_farcall(pd + 4 * 0x332);
    w_enter(pd + 4 * 0x341, ptb | PW);
    printf("cmpxchg8b ZF=%u\n", w_cmpxchg8b(pd + 4 * 0x350, pta | PW, ptb | PW));
    u32 src[2] = {ptb | PW, pta | PW};
    w_movs(pd + 4 * 0x370, (u32)src, sizeof(src));
    for (int r = 0; r < 8; r++)
        g_regs[r] = (r & 1 ? ptb : pta) | PW;
    w_pusha(pd + 4 * 0x368);
    for (int i = 0; i < 4; i++)
        g_xmm0[i] = g_xmm7[i] = (i & 1 ? pta : ptb) | PW;
    w_fxsave(pd + 4 * 0x380);

    printf("push:\n");
    show_pde(0x310, 3);
    printf("call: PD[320] is the return address: %u\n", peek(pd + 4 * 0x320) == (u32)w_call_ret);
    printf("far call: PD[330] is the return address: %u, PD[331] low half %04x\n",
           peek(pd + 4 * 0x330) == (u32)w_farcall_ret, peek(pd + 4 * 0x331) & 0xffff);
    printf("enter:\n");
    show_pde(0x340, 1000);
    printf("cmpxchg8b:\n");
    show_pde(0x350, 1);
    show_pde(0x351, 2);
    printf("rep movsb:\n");
    show_pde(0x370, 7);
    show_pde(0x371, 8);
    printf("pusha:\n");
    for (u32 s = 0x360; s < 0x368; s++)
        if (s != 0x363)
            show_pde(s, s & 7);
    printf("  PD[363] (ESP) = PD+0xda0: %u\n", peek(pd + 4 * 0x363) == pd + 4 * 0x368);
    printf("fxsave: FCW=%04x\n", peek(pd + 4 * 0x380) & 0xffff);
    for (u32 s = 0x3a8; s < 0x3ac; s++)
        show_pde(s, s & 15);
    for (u32 s = 0x3c4; s < 0x3c8; s++)
        show_pde(s, s & 15);
}

#define CODE PG_FRAME(40)
#define FN(i) (CODE + 64u * (i))
#define FN_FX (CODE + 0x800u)

/* mov $v, %eax; ret at p */
static void put_mov_ret(u32 p, u32 v)
{
    pokeb(p, 0xb8);
    poke(p + 1, v);
    pokeb(p + 5, 0xc3);
}

static void code_page(const char *when)
{
    printf("3. code, %s\n", when);
    memset((void *)CODE, 0xcc, 4096);
    for (u32 i = 0; i < 8; i++)
        if (i != 1 && i != 2)
            put_mov_ret(FN(i), 0x11111111u * (i + 1));
    put_mov_ret(FN(1), 0x22222222u);
    /* far call's function: mov $v, %ecx; nop; nop; add %al,(%eax);
     * mov %ecx, %eax; ret. The far call puts its return address in the
     * immediate and CS in the next dword: 08 00 (or %al,(%eax)), then 00 00
     * whether the processor writes the upper half of CS's slot or not. */
    pokeb(FN(2), 0xb9);
    poke(FN(2) + 1, 0x33333333u);
    poke(FN(2) + 5, 0x00009090u);
    pokeb(FN(2) + 9, 0x89);
    pokeb(FN(2) + 10, 0xc8);
    pokeb(FN(2) + 11, 0xc3);
    put_mov_ret(FN_FX, 0x88888888u);
    for (int r = 0; r < 8; r++)
        g_regs[r] = 0x90909090u;
    g_regs[7] = 0x050505b8u; /* pusha: EDI at FN(5), ESI next: */
    g_regs[6] = 0x9090c305u; /* mov $0x05050505, %eax; ret */
    static const u8 fn6[6] = {0xb8, 0x06, 0x06, 0x06, 0x06, 0xc3};
    g_xmm0[0] = 0x080808b8u;
    g_xmm0[1] = 0x9090c308u;
    g_xmm0[2] = g_xmm0[3] = 0x90909090u;
    /* each function runs (its page is translated code again), is patched,
     * runs again */
    for (u32 i = 0; i < 9; i++) {
        u32 fn = i < 8 ? FN(i) : FN_FX, before = call_fn(fn), zf = 0;
        switch (i) {
        case 0: w_push(FN(0) + 5, 0x01010101u); break;
        case 1: w_call(FN(1) + 5); break;
        case 2: w_farcall(FN(2) + 9); break;
        case 3: w_enter(FN(3) + 5, 0x03030303u); break;
        case 4: zf = w_cmpxchg8b(FN(4), 0x040404b8u, 0x9090c304u); break;
        case 5: w_pusha(FN(5) + 32); break;
        case 6: w_movs(FN(6), (u32)fn6, sizeof(fn6)); break;
        case 7: put_mov_ret(FN(7), 0x07070707u); break; /* a plain store */
        case 8: w_fxsave(FN_FX - 160); break;
        }
        u32 v = call_fn(fn);
        printf("  fn%u: before %08x after ", i, before);
        if (i == 1)
            printf("%s", v == (u32)w_call_ret ? "call's return address" : "?");
        else if (i == 2)
            printf("%s", v == (u32)w_farcall_ret ? "far call's return address" : "?");
        else
            printf("%08x", v);
        printf(i == 4 ? " ZF=%u\n" : "\n", zf);
    }
}

int main(void)
{
    cpu_init();
    write_cr4(read_cr4() | (1u << 9)); /* OSFXSR */
    __asm__ volatile("fninit");
    for (u32 n = 0; n < 32; n++)
        pg_frame_fill(n);
    pd = pg_new_pd(PW);
    for (int k = 0; k < 3; k++) {
        pt[k] = pg_alloc();
        *pg_pde(pd, VA(256 + k)) = pt[k] | PW;
        for (u32 i = 0; i < 1024; i++)
            poke(pt[k] + 4 * i, PG_FRAME(8 * k + (i & 7)) | PW);
    }
    pta = pg_alloc();
    ptb = pg_alloc();
    for (u32 i = 0; i < 1024; i++) {
        poke(pta + 4 * i, PG_FRAME(24 + (i & 7)) | PW);
        poke(ptb + 4 * i, PG_FRAME(16 + (i & 7)) | PW);
    }
    code_page("paging off");
    pg_enable(pd);
    printf("PT0..2 adjacent: %u %u\n", pt[1] == pt[0] + 4096, pt[2] == pt[1] + 4096);
    page_tables();
    page_directory();
    code_page("paging on");
    return finish();
}
