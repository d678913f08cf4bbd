/* wrap4g: linear addresses wrap at 4 GiB (paging off, RAM at the bottom).
 *
 * Through data segments whose base + offset overflows 32 bits (base
 * 0xfffff000, 0xfffffffd, 0xc0000000; 4 GiB limit, G=1, writable): loads
 * and stores of each size through FS, ES, DS, GS and SS, add/inc/neg to
 * memory (with flags), xchg, cmpxchg, cmpxchg8b, lock xadd/or, the moffs
 * forms, xlat, push/pop of a memory operand, indirect call and jmp, x87
 * fld/fstp/fild/fistp, SSE movups/paddd, rep movs/stos/lods; and with SS
 * based at 0xfffff000: push/pop (imm, reg, word, memory), call/ret, ret
 * imm, pushf/popf, enter/leave, pusha/popa, and ESP/EBP-based operands.
 * Every value written is read back through the flat DS at the linear
 * address the wrap gives (base + offset - 4 GiB), inside wbuf/wstk.
 *
 * String instructions whose ESI/EDI cross 0xffffffff -> 0 (both
 * directions, movsb/stosl/stosw/lodsb/scasb/cmpsb) use segments with a
 * small base inside wbuf, so that the linear addresses on both sides of
 * the offset wrap are RAM. A stack whose ESP wraps through 0 likewise.
 *
 * Effective-address wrap with the flat DS: base + disp32, index * scale,
 * base + index * scale + disp overflowing 32 bits (loads, stores, add,
 * cmpxchg, push/pop memory, call *mem), lea results (32-bit, 16-bit
 * operand, 16-bit address size).
 *
 * Not done: accesses at linear 0xffc00000 and up (no RAM there on a 128 MiB
 * PC: btvmm reads all ones, QEMU maps the BIOS ROM at the top), so no
 * access crosses linear 4 GiB itself; and no single access straddles the
 * offset wrap (a word at offset 0xffffffff: "may or may not cause" #GP,
 * Intel SDM vol. 3, 5.3). Flags printed: add/neg/cmpsb EFLAGS & 0x8d5, inc
 * & 0x8d4 (CF unchanged), cmpxchg/cmpxchg8b ZF only. */
#include "idt.c"

#define S_TOP 0x30 /* base 0xfffff000: offset L + 0x1000 reaches linear L */
#define S_ODD 0x38 /* base 0xfffffffd: offset L + 3 */
#define S_HI 0x40  /* base 0xc0000000: offset L + 0x40000000 */
#define S_SRC 0x48 /* base wbuf + 0x300 */
#define S_DST 0x50 /* base wbuf + 0x500 */
#define S_STK 0x58 /* base wstk + 0x800: ESP wraps through 0 */

#define B_TOP 0xfffff000u
#define T(p) ((u32)(p) - B_TOP) /* the S_TOP offset of linear p */

u8 wbuf[0x1000] __attribute__((aligned(4096)));
u8 wstk[0x1000] __attribute__((aligned(4096)));
u32 ss_res[16];
u32 ss_saved_esp;
u32 ss_push_src = 0xc0ffee00;

#define W(o) (*(volatile u32 *)(wbuf + (o)))
#define WB(o) (*(volatile u8 *)(wbuf + (o)))

static void fill(void)
{
    for (u32 i = 0; i < sizeof(wbuf); i++)
        wbuf[i] = (u8)(i * 0x1d + 0x35);
}

static void set_fs(u32 sel) { __asm__ volatile("movw %w0, %%fs" : : "r"(sel)); }
static void set_gs(u32 sel) { __asm__ volatile("movw %w0, %%gs" : : "r"(sel)); }

static u32 flags_of(u32 f, u32 mask) { return f & mask; }

__asm__(".text\n.globl ret_42\nret_42:\n\tmovl $42, %eax\n\tret\n");
void ret_42(void);

static void __attribute__((noinline)) seg_loads_stores(void)
{
    u32 a, b, c;
    fill();
    set_fs(S_TOP);
    __asm__ volatile("movzbl %%fs:(%3), %0\n\tmovzwl %%fs:0x11(%3), %1\n\tmovl %%fs:0x23(%3), %2"
                     : "=&r"(a), "=&r"(b), "=&r"(c) : "r"(T(wbuf + 0x40)));
    printf("fs loads: %02x %04x %08x flat: %02x %04x %08x\n", a, b, c, WB(0x40),
           W(0x51) & 0xffff, W(0x63));
    __asm__ volatile("movb $0x5a, %%fs:(%0)\n\tmovw $0x1234, %%fs:2(%0)\n\t"
                     "movl $0xdeadbeef, %%fs:5(%0)\n\tmovl %1, %%fs:9(%0)\n\tmovb %h2, %%fs:13(%0)"
                     : : "r"(T(wbuf + 0x80)), "r"(0x01020304), "Q"(0xabcd) : "memory");
    printf("fs stores: %08x %08x %08x %08x\n", W(0x80), W(0x84), W(0x88), W(0x8c));

    __asm__ volatile("movw %w3, %%es\n\tmovl %%es:(%2), %0\n\tmovl $0x600df00d, %%es:4(%2)\n\t"
                     "movzwl %%es:0x41(%2), %1\n\tmovw %w4, %%es"
                     : "=&r"(a), "=&r"(b) : "r"(T(wbuf + 0xa0)), "r"(S_TOP), "r"(SEL_KDATA)
                     : "memory");
    printf("es: %08x %04x stored %08x\n", a, b, W(0xa4));
    __asm__ volatile("movw %w3, %%ds\n\tmovl (%2), %0\n\taddl $0x11111111, 4(%2)\n\t"
                     "movsbl 9(%2), %1\n\tmovw %w4, %%ds"
                     : "=&r"(a), "=&r"(b) : "r"(T(wbuf + 0xc0)), "r"(S_TOP), "r"(SEL_KDATA)
                     : "memory", "cc");
    printf("ds: %08x %08x added %08x\n", a, b, W(0xc4));
    __asm__ volatile("movw %w3, %%ss\n\tmovl %%ss:(%2), %0\n\tmovw $0xbeef, %%ss:6(%2)\n\t"
                     "movl %%ss:8(%2), %1\n\tmovw %w4, %%ss"
                     : "=&r"(a), "=&r"(b) : "r"(T(wbuf + 0xe0)), "r"(S_TOP), "r"(SEL_KDATA)
                     : "memory");
    printf("ss: %08x %08x stored %08x\n", a, b, W(0xe4));
    set_gs(S_ODD);
    __asm__ volatile("movl %%gs:(%2), %0\n\tmovl $0xfeedbac0, %%gs:5(%2)\n\tmovzwl %%gs:0x21(%2), %1"
                     : "=&r"(a), "=&r"(b) : "r"((u32)wbuf + 0x100 + 3) : "memory");
    printf("gs (base fffffffd): %08x %04x stored %08x\n", a, b, W(0x105));
    set_gs(SEL_KDATA);
    __asm__ volatile("movw %w3, %%es\n\tmovl %%es:(%2), %0\n\tmovl $0x0badcafe, %%es:4(%2)\n\t"
                     "movl %%es:0xdc(%2), %1\n\tmovw %w4, %%es"
                     : "=&r"(a), "=&r"(b) : "r"((u32)wbuf + 0x120 + 0x40000000u), "r"(S_HI),
                       "r"(SEL_KDATA) : "memory");
    printf("es (base c0000000): %08x %08x stored %08x\n", a, b, W(0x124));
}

static void __attribute__((noinline)) rmw(void)
{
    u32 p = T(wbuf + 0x200), f1, f2, f3;
    W(0x200) = 1;
    W(0x204) = 0x1234ffff;
    W(0x208) = 0x80;
    __asm__ volatile("addl $0x7fffffff, %%fs:(%3)\n\tpushfl\n\tpopl %0\n\t"
                     "incw %%fs:4(%3)\n\tpushfl\n\tpopl %1\n\t"
                     "negb %%fs:8(%3)\n\tpushfl\n\tpopl %2"
                     : "=&r"(f1), "=&r"(f2), "=&r"(f3) : "r"(p) : "memory", "cc");
    printf("add: %08x fl=%03x inc: %08x fl=%03x neg: %08x fl=%03x\n", W(0x200),
           flags_of(f1, 0x8d5), W(0x204), flags_of(f2, 0x8d4), W(0x208), flags_of(f3, 0x8d5));

    u32 x = 0x11112222, a1 = 0x55, a2 = 0x66, xa = 0x10, z1, z2;
    W(0x210) = 0xa0a0a0a0;
    W(0x214) = 0x55;
    W(0x218) = 0x77;
    W(0x21c) = 0x01000000;
    W(0x220) = 0x00000001;
    __asm__ volatile("xchgl %0, %%fs:(%3)\n\t"
                     "cmpxchgl %4, %%fs:4(%3)\n\tsetz %b2"
                     : "+r"(x), "+a"(a1), "=&q"(z1) : "r"(T(wbuf + 0x210)), "r"(0x99999999)
                     : "memory", "cc");
    __asm__ volatile("cmpxchgl %3, %%fs:8(%2)\n\tsetz %b1"
                     : "+a"(a2), "=&q"(z2) : "r"(T(wbuf + 0x210)), "r"(0x99999999)
                     : "memory", "cc");
    __asm__ volatile("lock xaddl %0, %%fs:0xc(%1)\n\t"
                     "lock orb $0x80, %%fs:0x10(%1)"
                     : "+r"(xa) : "r"(T(wbuf + 0x210)) : "memory", "cc");
    printf("xchg: %08x/%08x cmpxchg: %08x zf=%u %08x/%08x zf=%u xadd: %08x/%08x or: %08x\n", x,
           W(0x210), W(0x214), z1 & 1, a2, W(0x218), z2 & 1, xa, W(0x21c), W(0x220));

    u32 lo = 0x11111111, hi = 0x22222222, z3;
    W(0x228) = lo;
    W(0x22c) = hi;
    __asm__ volatile("cmpxchg8b %%fs:(%5)\n\tpushfl\n\tpopl %4"
                     : "+a"(lo), "+d"(hi), "+b"(x) , "+c"(a2), "=&r"(z3)
                     : "S"(T(wbuf + 0x228)) : "memory", "cc");
    printf("cmpxchg8b: %08x %08x zf=%u\n", W(0x228), W(0x22c), (z3 >> 6) & 1);
}

static void __attribute__((noinline)) forms(void)
{
    u32 a, b;
    fill();
    /* moffs (A0-A3), xlat */
    __asm__ volatile("movl %%fs:wbuf+0x1240, %%eax\n\tmovl %%eax, %%fs:wbuf+0x1250\n\t"
                     "movb %%fs:wbuf+0x1247, %%al\n\tmovb %%al, %%fs:wbuf+0x1255"
                     : "=a"(a) : : "memory");
    printf("moffs: %08x %08x %08x\n", a, W(0x250), W(0x254));
    __asm__ volatile("xlat %%fs:(%%ebx)" : "=a"(a) : "0"(0x1234ff05), "b"(T(wbuf + 0x260)));
    printf("xlat: %08x (wbuf[0x265] %02x)\n", a, WB(0x265));
    /* push/pop memory through FS; SS flat */
    __asm__ volatile("pushl %%fs:(%0)\n\tpopl %%fs:0x10(%0)\n\tpushw %%fs:6(%0)\n\tpopw %%fs:0x16(%0)"
                     : : "r"(T(wbuf + 0x270)) : "memory");
    printf("push/pop mem: %08x %08x\n", W(0x280), W(0x284));
    /* indirect call and jmp through FS */
    W(0x290) = (u32)ret_42;
    __asm__ volatile("call *%%fs:(%1)" : "=a"(a) : "r"(T(wbuf + 0x290)) : "ecx", "edx", "memory");
    __asm__ volatile("movl $1f, wbuf+0x294\n\tmovl $1, %0\n\t"
                     "jmp *%%fs:(%1)\n\tmovl $2, %0\n"
                     "1:" : "=&r"(b) : "r"(T(wbuf + 0x294)) : "memory");
    printf("call *fs: %u jmp *fs: %u\n", a, b);
}

static void __attribute__((noinline)) fpu_sse(void)
{
    u32 cr0, cr4;
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~((1u << 2) | (1u << 3))) | (1u << 1); /* EM=0 TS=0 MP=1 */
    __asm__ volatile("movl %0, %%cr0\n\tfninit" : : "r"(cr0));
    __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
    cr4 |= 1u << 9; /* OSFXSR */
    __asm__ volatile("movl %0, %%cr4" : : "r"(cr4));

    fill();
    W(0x300) = 0x54442d18; /* pi as a double */
    W(0x304) = 0x400921fb;
    W(0x310) = 0xfffffff9;
    __asm__ volatile("fldl %%fs:(%0)\n\tfstps %%fs:8(%0)\n\tfldl %%fs:(%0)\n\tfistpl %%fs:0xc(%0)\n\t"
                     "fildl %%fs:0x10(%0)\n\tfstpl %%fs:0x18(%0)"
                     : : "r"(T(wbuf + 0x300)) : "memory");
    printf("x87: fstps %08x fistpl %08x fstpl %08x%08x\n", W(0x308), W(0x30c), W(0x31c), W(0x318));
    __asm__ volatile("movups %%fs:1(%0), %%xmm0\n\tpaddd %%fs:0x20(%0), %%xmm0\n\t"
                     "movups %%xmm0, %%fs:0x41(%0)"
                     : : "r"(T(wbuf + 0x340)) : "memory"); /* no -msse: gcc keeps nothing in xmm0 */
    printf("sse: %08x %08x %08x %08x\n", W(0x381), W(0x385), W(0x389), W(0x38d));
}

/* string instructions through S_TOP (no crossing) */
static void __attribute__((noinline)) strings_top(void)
{
    u32 si, di, cx, a;
    fill();
    si = T(wbuf + 0x400);
    di = T(wbuf + 0x420);
    cx = 4;
    __asm__ volatile("movw %w3, %%ds\n\tmovw %w3, %%es\n\tcld\n\trep movsl\n\t"
                     "movw %w4, %%ds\n\tmovw %w4, %%es"
                     : "+S"(si), "+D"(di), "+c"(cx) : "r"(S_TOP), "r"(SEL_KDATA) : "memory");
    printf("rep movsl: %08x %08x %08x %08x esi=+%x edi=+%x\n", W(0x420), W(0x424), W(0x428),
           W(0x42c), si - T(wbuf), di - T(wbuf));
    di = T(wbuf + 0x446);
    cx = 3;
    __asm__ volatile("movw %w3, %%es\n\tstd\n\trep stosw\n\tcld\n\tmovw %w4, %%es"
                     : "+D"(di), "+c"(cx) : "a"(0x7777abcd), "r"(S_TOP), "r"(SEL_KDATA)
                     : "memory");
    printf("std rep stosw: %08x %08x edi=+%x\n", W(0x440), W(0x444), di - T(wbuf));
    si = T(wbuf + 0x45c);
    set_fs(S_TOP);
    __asm__ volatile("lodsl %%fs:(%%esi), %%eax" : "=a"(a), "+S"(si));
    set_fs(SEL_KDATA);
    printf("lodsl fs: %08x esi=+%x\n", a, si - T(wbuf));
}

/* string instructions whose ESI/EDI wrap 0xffffffff <-> 0: DS base
 * wbuf+0x300, ES base wbuf+0x500 */
#define STR_SEGS "pushl $0x48\n\tpopl %%ds\n\tpushl $0x50\n\tpopl %%es\n\t"
#define STR_FLAT "\n\tcld\n\tpushl $0x10\n\tpopl %%ds\n\tpushl $0x10\n\tpopl %%es"

static void __attribute__((noinline)) strings_cross(void)
{
    u32 si, di, cx, a, f;
    fill();
    si = 0xfffffff8;
    di = 0xfffffffc;
    cx = 16;
    __asm__ volatile(STR_SEGS "cld\n\trep movsb" STR_FLAT
                     : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    printf("cross movsb up: %08x %08x %08x %08x esi=%08x edi=%08x\n", W(0x4fc), W(0x500),
           W(0x504), W(0x508), si, di);
    fill();
    si = 7;
    di = 3;
    cx = 16;
    __asm__ volatile(STR_SEGS "std\n\trep movsb" STR_FLAT
                     : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    printf("cross movsb down: %08x %08x %08x %08x esi=%08x edi=%08x\n", W(0x4f4), W(0x4f8),
           W(0x4fc), W(0x500), si, di);
    fill();
    di = 0xfffffff8;
    cx = 4;
    __asm__ volatile(STR_SEGS "cld\n\trep stosl" STR_FLAT
                     : "+D"(di), "+c"(cx) : "a"(0x89abcdef) : "memory");
    printf("cross stosl up: %08x %08x %08x %08x %08x edi=%08x\n", W(0x4f4), W(0x4f8), W(0x4fc),
           W(0x500), W(0x504), di);
    di = 2;
    cx = 4;
    __asm__ volatile(STR_SEGS "std\n\trep stosw" STR_FLAT
                     : "+D"(di), "+c"(cx) : "a"(0x1234) : "memory");
    printf("cross stosw down: %08x %08x %08x edi=%08x\n", W(0x4f8), W(0x4fc), W(0x500), di);
    fill();
    si = 0xfffffffd;
    cx = 6;
    __asm__ volatile(STR_SEGS "cld\n\trep lodsb" STR_FLAT
                     : "+S"(si), "+c"(cx), "=a"(a) : : "memory");
    printf("cross rep lodsb: al=%02x esi=%08x ecx=%u\n", a & 0xff, si, cx);
    di = 0xfffffff0;
    cx = 0x40;
    __asm__ volatile(STR_SEGS "cld\n\trepne scasb" STR_FLAT
                     : "+D"(di), "+c"(cx) : "a"(WB(0x505)) : "memory", "cc");
    printf("cross repne scasb: edi=%08x ecx=%x\n", di, cx);
    memcpy(wbuf + 0x4f8, wbuf + 0x2f8, 16);
    WB(0x503) ^= 0x40;
    si = di = 0xfffffff8;
    cx = 16;
    __asm__ volatile(STR_SEGS "cld\n\trepe cmpsb\n\tpushfl\n\tpopl %[f]" STR_FLAT
                     : "+S"(si), "+D"(di), "+c"(cx), [f] "=&r"(f) : : "memory", "cc");
    printf("cross repe cmpsb: esi=%08x edi=%08x ecx=%u fl=%03x\n", si, di, cx, f & 0x8d5);
}

/* SS based at 0xfffff000, ESP = T(wstk + 0x800): every push lands below
 * wstk + 0x800 */
__asm__(".text\n"
        "ss_top_probe:\n\t"
        "pushal\n\t"
        "movl %esp, ss_saved_esp\n\t"
        "movl $0x30, %eax\n\t"
        "movw %ax, %ss\n\t"
        "movl $wstk+0x1800, %esp\n\t"
        "movl $0x12345678, %ebx\n\t"
        "pushl $0x11111111\n\t"     /* wstk+0x7fc */
        "pushl %ebx\n\t"            /* wstk+0x7f8 */
        "pushw $0x2222\n\t"         /* wstk+0x7f6 */
        "pushl ss_push_src\n\t"     /* wstk+0x7f2 */
        "call 1f\n"                 /* wstk+0x7ee */
        "ss_top_ret:\n\t"
        "jmp 2f\n"
        "1:\tmovl (%esp), %eax\n\t"
        "movl %eax, ss_res+0\n\t"
        "movl %esp, ss_res+4\n\t"
        "movl 4(%esp), %eax\n\t"
        "movl %eax, ss_res+8\n\t"
        "ret\n"
        "2:\tmovl %esp, %ebp\n\t"
        "movzwl 4(%ebp), %eax\n\t"  /* SS by default */
        "movl %eax, ss_res+12\n\t"
        "popl %eax\n\t"
        "movl %eax, ss_res+16\n\t"
        "popw %ax\n\t"
        "popl ss_res+20\n\t"
        "popl %eax\n\t"
        "movl %eax, ss_res+24\n\t"
        "movl %esp, ss_res+28\n\t"
        /* ret imm16 */
        "pushl $0x33333333\n\t"
        "call 3f\n\t"
        "jmp 4f\n"
        "3:\tret $4\n"
        "4:\tmovl %esp, ss_res+32\n\t"
        /* pushf/popf */
        "pushfl\n\t"
        "orl $0x400, (%esp)\n\t"     /* DF */
        "popfl\n\t"
        "pushfl\n\t"
        "popl %eax\n\t"
        "cld\n\t"
        "andl $0x400, %eax\n\t"
        "movl %eax, ss_res+36\n\t"
        /* enter/leave */
        "movl $0xabcd0000, %ebp\n\t"
        "enter $8, $0\n\t"
        "movl %esp, ss_res+40\n\t"
        "movl $0x5555aaaa, -4(%ebp)\n\t"
        "leave\n\t"
        "movl %ebp, ss_res+44\n\t"
        /* pusha/popa */
        "movl $0xa0a0a0a0, %eax\n\tmovl $0xb1b1b1b1, %ebx\n\tmovl $0xc2c2c2c2, %ecx\n\t"
        "movl $0xd3d3d3d3, %edx\n\tmovl $0xe4e4e4e4, %esi\n\tmovl $0xf5f5f5f5, %edi\n\t"
        "movl $0x06060606, %ebp\n\t"
        "subl $64, %esp\n\t"
        "pushal\n\t"
        "movl $0, %eax\n\tmovl $0, %ebx\n\tmovl $0, %esi\n\t"
        "popal\n\t"
        "addl $64, %esp\n\t"
        "addl %ebx, %eax\n\taddl %esi, %eax\n\t"
        "movl %eax, ss_res+48\n\t"
        "movl %esp, ss_res+52\n\t"
        "movl $0x10, %eax\n\t"
        "movw %ax, %ss\n\t"
        "movl ss_saved_esp, %esp\n\t"
        "popal\n\t"
        "ret\n");
void ss_top_probe(void);
extern char ss_top_ret[];

/* SS based at wstk+0x800 with ESP = 4: pushes wrap ESP through 0 */
__asm__(".text\n"
        "ss_wrap_probe:\n\t"
        "pushal\n\t"
        "movl %esp, ss_saved_esp\n\t"
        "movl $0x58, %eax\n\t"
        "movw %ax, %ss\n\t"
        "movl $4, %esp\n\t"
        "pushl $0xaaaa0001\n\t"     /* offset 0: wstk+0x800 */
        "pushl $0xaaaa0002\n\t"     /* offset 0xfffffffc: wstk+0x7fc */
        "call 1f\n\t"               /* offset 0xfffffff8 */
        "jmp 2f\n"
        "1:\tmovl %esp, ss_res+0\n\t"
        "ret\n"
        "2:\tmovl %esp, ss_res+4\n\t"
        "popl %eax\n\t"
        "popl %ebx\n\t"
        "movl %eax, ss_res+8\n\t"
        "movl %ebx, ss_res+12\n\t"
        "movl %esp, ss_res+16\n\t"
        "movl $0x10, %eax\n\t"
        "movw %ax, %ss\n\t"
        "movl ss_saved_esp, %esp\n\t"
        "popal\n\t"
        "ret\n");
void ss_wrap_probe(void);

#define S(o) (*(volatile u32 *)(wstk + (o)))

static void __attribute__((noinline)) stacks(void)
{
    memset(wstk, 0, sizeof(wstk));
    memset(ss_res, 0, sizeof(ss_res));
    ss_top_probe();
    printf("ss top: ret=%d esp=+%x [esp+4]=%08x [ebp+4]=%08x pops %08x %08x %08x\n",
           (int)(ss_res[0] - (u32)ss_top_ret), ss_res[1] - T(wstk), ss_res[2], ss_res[3],
           ss_res[4], ss_res[5], ss_res[6]);
    printf("ss top: esp=+%x after ret $4 +%x df=%x enter esp=+%x leave ebp=%08x popa sum=%08x esp=+%x\n",
           ss_res[7] - T(wstk), ss_res[8] - T(wstk), ss_res[9], ss_res[10] - T(wstk), ss_res[11],
           ss_res[12], ss_res[13] - T(wstk));
    printf("ss top flat: ret=%d %08x %04x %08x %08x", (int)(*(volatile u32 *)(wstk + 0x7ee) -
           (u32)ss_top_ret), *(volatile u32 *)(wstk + 0x7f2), *(volatile u16 *)(wstk + 0x7f6),
           S(0x7f8), S(0x7fc));
    printf("\nss top pusha image:");
    for (u32 o = 0x7a0; o < 0x7c0; o += 4)
        printf(" %08x", o == 0x7ac ? S(o) - T(wstk) : S(o));
    printf("\n");
    memset(wstk, 0, sizeof(wstk));
    memset(ss_res, 0, sizeof(ss_res));
    ss_wrap_probe();
    printf("ss wrap: esp in call=%08x after ret=%08x pops %08x %08x esp=%08x flat: %08x %08x\n",
           ss_res[0], ss_res[1], ss_res[2], ss_res[3], ss_res[4], S(0x7fc), S(0x800));
}

/* effective addresses that overflow 32 bits, flat DS */
static void __attribute__((noinline)) ea_wrap(void)
{
    u32 a, b, c, d;
    fill();
    __asm__ volatile("movl wbuf+0x50(%2), %0\n\t"        /* ebx + disp32 */
                     "movl wbuf+0x60(,%3,4), %1"         /* index * 4 */
                     : "=&r"(a), "=&r"(b) : "r"(0xfffffff0u), "r"(0x40000001u) : "memory");
    __asm__ volatile("movl 0x70(%2,%3,2), %0\n\t"        /* base + index * 2 + disp8 */
                     "movzbl -0x80(%4), %1"              /* base + disp8 (negative) */
                     : "=&r"(c), "=&r"(d)
                     : "r"((u32)wbuf + 0x80000000u), "r"(0x40000000u), "r"((u32)wbuf + 0x80u)
                     : "memory");
    printf("ea loads: %08x %08x %08x %02x flat: %08x %08x %08x %02x\n", a, b, c, d, W(0x40),
           W(0x64), W(0x70), WB(0));
    __asm__ volatile("leal 0x7fffffff(%1,%2,8), %0" : "=r"(a) : "r"(0x80000010u), "r"(0x20000001u));
    b = 0x12340000;
    __asm__ volatile("leaw -2(%1), %w0" : "+r"(b) : "r"(1u));
    c = 0x56780000;
    __asm__ volatile("addr16 leal (%%bx,%%si), %0" : "=r"(c) : "b"(0xfff0u), "S"(0x20u));
    printf("lea: %08x leaw: %08x addr16 lea: %08x\n", a, b, c);
    a = b = c = d = 0x9abc0000;
    __asm__ volatile("addr16 leal -0x10(%%si), %0\n\t"
                     "pushl %%ebp\n\tmovl $0x1ff00, %%ebp\n\t"
                     "addr16 leal 0x1234(%%bp,%%di), %1\n\t"
                     "addr16 leaw 0x7fff(%%bp), %w2\n\t"
                     "popl %%ebp\n\t"
                     "addr16 leaw 0xfffe, %w3"
                     : "+r"(a), "+r"(b), "+r"(c), "+r"(d) : "S"(0x10008u), "D"(0x20f00u));
    printf("addr16 lea: %08x %08x leaw: %08x %08x\n", a, b, c, d);

    u32 i4 = (((u32)wbuf + 0xa0u - 0x40000000u) >> 2) | 0x40000000u;
    __asm__ volatile("movl %0, 0x7fffffff(%1,%2,1)"
                     : : "r"(0xc001d00du), "r"(0x90000000u),
                       "r"((u32)wbuf + 0x90u - 0x90000000u - 0x7fffffffu) : "memory");
    __asm__ volatile("addw $0x8001, 0x40000000(,%0,4)\n\tpushfl\n\tpopl %1"
                     : "+r"(i4), "=r"(a) : : "memory", "cc");
    W(0xa8) = 0x31;
    b = 0x31;
    __asm__ volatile("lock cmpxchgl %2, wbuf+0xa8(%3,%3,1)\n\tsetz %b1"
                     : "+a"(b), "=&q"(c) : "r"(0x13u), "r"(0x80000000u) : "memory", "cc");
    printf("ea store: %08x add: %08x fl=%03x cmpxchg: %08x zf=%u\n", W(0x90), W(0xa0),
           a & 0x8d5, W(0xa8), c & 1);
    __asm__ volatile("pushl wbuf+0x1b0(%0)\n\tpopl wbuf+0x1b4(%0)" : : "r"(0xffffff00u) : "memory");
    W(0xc0) = (u32)ret_42;
    __asm__ volatile("call *wbuf+0x1c0(%1)" : "=a"(a) : "r"(0xffffff00u) : "ecx", "edx", "memory");
    printf("ea push/pop: %08x (%08x) call: %u\n", W(0xb4), W(0xb0), a);
}

int main(void)
{
    cpu_init();
    gdt[S_TOP >> 3] = seg_desc(B_TOP, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt[S_ODD >> 3] = seg_desc(0xfffffffdu, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt[S_HI >> 3] = seg_desc(0xc0000000u, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt[S_SRC >> 3] = seg_desc((u32)wbuf + 0x300, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt[S_DST >> 3] = seg_desc((u32)wbuf + 0x500, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt[S_STK >> 3] = seg_desc((u32)wstk + 0x800, 0xfffff, ACC_DATA, FL_G | FL_DB);
    seg_loads_stores();
    rmw();
    forms();
    fpu_sse();
    set_fs(SEL_KDATA);
    strings_top();
    strings_cross();
    stacks();
    ea_wrap();
    return finish();
}
