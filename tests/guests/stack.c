/* stack: enter/leave (nesting levels 0, 1, 3), pushad/popad, pushaw/popaw,
 * push imm8/imm32/imm16, push/pop memory (incl. ESP-relative addressing
 * corner cases), push %esp / pop %esp, xchg, xadd, cmpxchg, movzx/movsx
 * and lea forms. Stack-relative values are printed as offsets from the
 * top of a private stack area so that the output is position independent. */
#include "lib.h"

u32 pstack[64];          /* private stack; top = &pstack[64] */
u32 dump[16];
u32 saved_esp;
u32 fake_frame[8] = {0x11111111, 0x22222222, 0x33333333, 0x44444444,
                     0x55555555, 0x66666666, 0x77777777, 0x88888888};

#define PTOP ((u32)&pstack[64])

/* enter $12, $LEVEL with EBP pointing at &fake_frame[4]; dumps the words
 * pushed, ESP/EBP after enter and after leave. */
#define ENTER_PROBE(name, level)                                              \
    __asm__(".text\n" #name ":\n\t"                                           \
            "pushal\n\t"                                                      \
            "movl %esp, saved_esp\n\t"                                        \
            "movl $pstack+256, %esp\n\t"                                      \
            "movl $fake_frame+16, %ebp\n\t"                                   \
            "enter $12, $" #level "\n\t"                                      \
            "movl %esp, dump+0\n\t"                                           \
            "movl %ebp, dump+4\n\t"                                           \
            "movl $0xcafe, (%esp)\n\t" /* lowest local */                      \
            "leave\n\t"                                                       \
            "movl %esp, dump+8\n\t"                                           \
            "movl %ebp, dump+12\n\t"                                          \
            "movl saved_esp, %esp\n\t"                                        \
            "popal\n\t"                                                       \
            "ret\n");                                                         \
    void name(void);
ENTER_PROBE(enter0, 0)
ENTER_PROBE(enter1, 1)
ENTER_PROBE(enter3, 3)

static u32 rel(u32 v)
{
    /* addresses inside the private stack or fake frame as symbolic offsets */
    if (v >= (u32)pstack && v <= PTOP)
        return 0x50000000 | (PTOP - v);
    if (v >= (u32)fake_frame && v <= (u32)&fake_frame[8])
        return 0xf0000000 | (v - (u32)fake_frame);
    return v;
}

static void enter_tests(void)
{
    static void (*const fns[3])(void) = {enter0, enter1, enter3};
    static const int lv[3] = {0, 1, 3};
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 64; k++)
            pstack[k] = 0xa5a5a5a5;
        fns[i]();
        printf("enter $12,$%d: esp=%08x ebp=%08x after leave: esp=%08x ebp=%08x\n", lv[i],
               rel(dump[0]), rel(dump[1]), rel(dump[2]), rel(dump[3]));
        printf("  stack:");
        for (int k = 56; k < 64; k++)
            printf(" %08x", rel(pstack[k]));
        printf("\n");
    }
}

__asm__(".text\npushad_probe:\n\t"
        "pushal\n\t"
        "movl %esp, saved_esp\n\t"
        "movl $pstack+256, %esp\n\t"
        "movl $0xa0a0a0a0, %eax\n\tmovl $0xb1b1b1b1, %ebx\n\t"
        "movl $0xc2c2c2c2, %ecx\n\tmovl $0xd3d3d3d3, %edx\n\t"
        "movl $0xe4e4e4e4, %esi\n\tmovl $0xf5f5f5f5, %edi\n\t"
        "movl $0x06060606, %ebp\n\t"
        "pushal\n\t"
        "movl $0x99999999, 12(%esp)\n\t" /* ESP image: ignored by popal */
        "movl $0x12345678, 28(%esp)\n\t" /* EAX image */
        "xorl %eax, %eax\n\txorl %ebx, %ebx\n\txorl %ecx, %ecx\n\txorl %edx, %edx\n\t"
        "xorl %esi, %esi\n\txorl %edi, %edi\n\txorl %ebp, %ebp\n\t"
        "popal\n\t"
        "movl %eax, dump+0\n\tmovl %ebx, dump+4\n\tmovl %ecx, dump+8\n\tmovl %edx, dump+12\n\t"
        "movl %esi, dump+16\n\tmovl %edi, dump+20\n\tmovl %ebp, dump+24\n\tmovl %esp, dump+28\n\t"
        /* 16-bit forms, below the pushal image */
        "subl $32, %esp\n\t"
        "movl $0x1111aaaa, %eax\n\tmovl $0x2222bbbb, %ebx\n\t"
        "pushaw\n\t"
        "movl %esp, dump+32\n\t"
        "movw $0x7777, 14(%esp)\n\t" /* AX image */
        "movl $0, %eax\n\tmovl $0, %ebx\n\t"
        "popaw\n\t"
        "movl %eax, dump+36\n\tmovl %ebx, dump+40\n\tmovl %esp, dump+44\n\t"
        "addl $32, %esp\n\t"
        "movl saved_esp, %esp\n\t"
        "popal\n\t"
        "ret\n");
void pushad_probe(void);

static void pushad_tests(void)
{
    for (int k = 0; k < 64; k++)
        pstack[k] = 0;
    pushad_probe();
    printf("pushal image:");
    for (int k = 56; k < 64; k++)
        printf(" %08x", rel(pstack[k]));
    printf("\npopal regs:");
    for (int k = 0; k < 8; k++)
        printf(" %08x", rel(dump[k]));
    printf("\npushaw: esp=%08x image:", rel(dump[8]));
    for (int k = 52; k < 56; k++) /* SP image shown relative to its expected value */
        printf(" %08x", k == 53 ? pstack[k] - ((PTOP - 32) << 16) : pstack[k]);
    printf("\npopaw: eax=%08x ebx=%08x esp=%08x\n", dump[9], dump[10], rel(dump[11]));
}

u32 memslot = 0xfeedface, memslot2;
__asm__(".text\npush_probe:\n\t"
        "pushal\n\t"
        "movl %esp, saved_esp\n\t"
        "movl $pstack+256, %esp\n\t"
        "pushl $-1\n\t"              /* 6A: sign-extended imm8 */
        "pushl $0x7f\n\t"
        "pushl $0x12345678\n\t"      /* 68: imm32 */
        "pushw $0xbeef\n\t"          /* 66 68: imm16, ESP -= 2 */
        "pushw $-2\n\t"
        "pushl memslot\n\t"          /* FF /6 mem */
        "pushl %esp\n\t"             /* pushes ESP before decrement */
        "pushl (%esp)\n\t"           /* address uses ESP before decrement */
        "movl %esp, dump+0\n\t"
        "popl memslot2\n\t"          /* 8F /0 mem */
        "popl 4(%esp)\n\t"           /* address computed with ESP after the pop */
        "movl %esp, dump+4\n\t"
        "movl %esp, %eax\n\t"
        "pushl $0x50505050\n\t"
        "movl %eax, (%esp)\n\t"
        "subl $8, (%esp)\n\t"
        "popl %esp\n\t"              /* ESP := value loaded */
        "movl %esp, dump+8\n\t"
        "pushw %ds\n\t"
        /* 32-bit push of a segment register: the upper half of the slot is
         * either zeroed or left unmodified depending on the CPU, so zero it
         * beforehand; the selector value itself depends on the loader and
         * is compared with mov %ds instead of printed. */
        "movl $0, -4(%esp)\n\t"
        "pushl %ds\n\t"
        "movl %esp, dump+12\n\t"
        "movw %ds, %ax\n\t"
        "movzwl %ax, %eax\n\t"
        "xorl %eax, (%esp)\n\t"     /* -> 0 if pushed value == DS */
        "xorw %ax, 4(%esp)\n\t"
        "movl saved_esp, %esp\n\t"
        "popal\n\t"
        "ret\n");
void push_probe(void);

static void push_tests(void)
{
    for (int k = 0; k < 64; k++)
        pstack[k] = 0xa5a5a5a5;
    push_probe();
    printf("push: esp after pushes=%08x after pops=%08x after pop esp=%08x after push ds=%08x\n",
           rel(dump[0]), rel(dump[1]), rel(dump[2]), rel(dump[3]));
    printf("  stack:");
    for (int k = 50; k < 64; k++)
        printf(" %08x", rel(pstack[k]));
    printf("\n  memslot2=%08x\n", rel(memslot2));
}

static void xchg_tests(void)
{
    u32 a = 0x11111111, b = 0x22222222, f;
    static volatile u32 m = 0x33333333;
    __asm__ volatile("push $0\n\tpopf\n\txchgl %[a], %[b]\n\txchgl %[b], %[m]\n\tpushf\n\tpop %[f]"
                     : [a] "+r"(a), [b] "+r"(b), [m] "+m"(m), [f] "=r"(f) : : "cc");
    printf("xchg: a=%08x b=%08x m=%08x fl=%03x\n", a, b, m, f & 0x8D5);
    u32 ax = 0x1234abcd, cx = 0x55667788;
    __asm__ volatile("xchgb %%ah, %%al\n\txchgw %%ax, %%cx\n\txchg %%eax, %%eax" : "+a"(ax), "+c"(cx));
    printf("xchg8/16: eax=%08x ecx=%08x\n", ax, cx);
    /* xadd */
    u32 x = 0x7fffffff, y = 1;
    __asm__ volatile("xaddl %[y], %[x]\n\tpushf\n\tpop %[f]" : [x] "+r"(x), [y] "+r"(y), [f] "=r"(f) : : "cc");
    printf("xadd: dst=%08x src=%08x fl=%03x\n", x, y, f & 0x8D5);
    u8 xb = 0xf0, yb = 0x20;
    __asm__ volatile("lock xaddb %[y], %[x]\n\tpushf\n\tpop %[f]" : [x] "+m"(xb), [y] "+q"(yb), [f] "=r"(f) : : "cc");
    printf("lock xaddb mem: dst=%02x src=%02x fl=%03x\n", xb, yb, f & 0x8D5);
    /* cmpxchg: success and failure */
    static volatile u32 cm = 100;
    u32 eax = 100, nv = 200;
    __asm__ volatile("lock cmpxchgl %[n], %[m]\n\tpushf\n\tpop %[f]" : "+a"(eax), [m] "+m"(cm), [f] "=r"(f) : [n] "r"(nv) : "cc");
    printf("cmpxchg ok: eax=%u m=%u fl=%03x\n", eax, cm, f & 0x8D5);
    eax = 100;
    __asm__ volatile("cmpxchgl %[n], %[m]\n\tpushf\n\tpop %[f]" : "+a"(eax), [m] "+m"(cm), [f] "=r"(f) : [n] "r"(nv) : "cc");
    printf("cmpxchg fail: eax=%u m=%u fl=%03x\n", eax, cm, f & 0x8D5);
    u32 r8 = 0x000000ff;
    eax = 0x123456ff;
    __asm__ volatile("cmpxchgb %%ah, %b[r]\n\tpushf\n\tpop %[f]" : "+a"(eax), [r] "+q"(r8), [f] "=r"(f) : : "cc");
    printf("cmpxchgb: eax=%08x r=%08x fl=%03x\n", eax, r8, f & 0x8D5);
    /* movzx / movsx */
    static volatile u8 mb = 0x80;
    static volatile u16 mw = 0x8001;
    u32 z1, z2, s1, s2;
    u16 s3;
    __asm__ volatile("movzbl %[b], %[z1]\n\tmovzwl %[w], %[z2]\n\tmovsbl %[b], %[s1]\n\t"
                     "movswl %[w], %[s2]\n\tmovsbw %[b], %[s3]"
                     : [z1] "=&r"(z1), [z2] "=&r"(z2), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3)
                     : [b] "m"(mb), [w] "m"(mw));
    printf("movzx/movsx: %08x %08x %08x %08x %04x\n", z1, z2, s1, s2, s3);
    /* cbw/cwde/cwd/cdq */
    u32 e1 = 0xffff0080, e2 = 0x00008000, d1 = 0x5555, e3 = 0x80000000, d3;
    __asm__ volatile("cbtw" : "+a"(e1));
    __asm__ volatile("cwtl" : "+a"(e2));
    __asm__ volatile("cwtd" : "+a"(e1), "+d"(d1));
    __asm__ volatile("cltd" : "+a"(e3), "=d"(d3));
    printf("cbw=%08x cwde=%08x cwd dx=%08x cdq edx=%08x\n", e1, e2, d1, d3);
}

u32 table[16] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150};

static void lea_tests(void)
{
    u32 b = 0x1000, i = 3, r1, r2, r3, r4, r5, f;
    u16 r6;
    __asm__ volatile("push $0x8d5\n\tpopf\n\t"
                     "leal 0x10(%[b],%[i],8), %[r1]\n\t"
                     "leal -1(,%[i],4), %[r2]\n\t"
                     "leal (%[b],%[b]), %[r3]\n\t"
                     "pushf\n\tpop %[f]"
                     : [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [f] "=&r"(f)
                     : [b] "r"(b), [i] "r"(i)
                     : "cc");
    __asm__ volatile("leal 0x12345678, %[r4]\n\t"
                     "leal -0x80(%[b]), %[r5]\n\t"
                     "leaw 0x7fff(%[b],%[i],2), %[r6]"
                     : [r4] "=&r"(r4), [r5] "=&r"(r5), [r6] "=&r"(r6)
                     : [b] "r"(b), [i] "r"(i));
    printf("lea: %08x %08x %08x %08x %08x %04x fl=%03x\n", r1, r2, r3, r4, r5, r6, f & 0x8D5);
    u32 e1, e2;
    __asm__ volatile("leal 8(%%esp), %0\n\tsubl %%esp, %0\n\t"
                     "movl %%ebp, %%eax\n\tleal -4(%%ebp), %1\n\tsubl %%eax, %1"
                     : "=&r"(e1), "=&r"(e2) : : "eax");
    printf("lea esp/ebp: %d %d\n", (s32)e1, (s32)e2);
    /* scaled-index memory loads with wraparound of base+index */
    u32 idx = 5, v1, v2, wb = (u32)table + 0x80000000u;
    __asm__ volatile("movl table(,%[i],4), %[v1]\n\t"
                     "movl 0x80000000-4(%[b],%[i],4), %[v2]"
                     : [v1] "=&r"(v1), [v2] "=&r"(v2) : [i] "r"(idx), [b] "r"(wb));
    printf("sib loads: %u %u\n", v1, v2);
}

int main(void)
{
    enter_tests();
    pushad_tests();
    push_tests();
    xchg_tests();
    lea_tests();
    return finish();
}
