/* control: loop/loope/loopne/jecxz, compiler-generated and hand-written
 * jump tables, indirect calls/jumps through registers and memory,
 * recursion (fib, ackermann), a hand-written setjmp/longjmp, ret imm16,
 * far return / far call to the current code segment, and near jcc/jmp
 * forms with 32-bit displacements. */
#include "lib.h"

static u32 loops(void)
{
    u32 n, c, f;
    /* loop: runs ECX times */
    c = 10, n = 0;
    __asm__ volatile("1: incl %[n]\n\tloop 1b" : [n] "+r"(n), "+c"(c));
    printf("loop: n=%u ecx=%u\n", n, c);
    /* loop does not modify flags */
    c = 3, n = 0;
    __asm__ volatile("push $0x8d5\n\tpopf\n\t1: leal 1(%[n]), %[n]\n\tloop 1b\n\tpushf\n\tpop %[f]"
                     : [n] "+r"(n), "+c"(c), [f] "=r"(f) : : "cc");
    printf("loop flags: n=%u fl=%03x\n", n, f & 0x8D5);
    /* loope: continue while ZF=1 and ECX!=0; stops at first nonzero */
    static const u8 arr[] = {0, 0, 0, 5, 0, 0, 0, 0};
    u32 i = (u32)-1;
    c = 8;
    __asm__ volatile("1: incl %[i]\n\tcmpb $0, (%[a],%[i])\n\tloope 1b"
                     : [i] "+r"(i), "+c"(c) : [a] "r"(arr) : "cc");
    printf("loope: i=%u ecx=%u\n", i, c);
    /* loopne: continue while ZF=0 */
    static const u8 arr2[] = {7, 8, 9, 0, 1, 2};
    i = (u32)-1;
    c = 6;
    __asm__ volatile("1: incl %[i]\n\tcmpb $0, (%[a],%[i])\n\tloopne 1b"
                     : [i] "+r"(i), "+c"(c) : [a] "r"(arr2) : "cc");
    printf("loopne: i=%u ecx=%u\n", i, c);
    /* loopne running out of ECX */
    i = 0;
    c = 3;
    __asm__ volatile("1: incl %[i]\n\tcmpl $100, %[i]\n\tloopne 1b" : [i] "+r"(i), "+c"(c) : : "cc");
    printf("loopne exhaust: i=%u ecx=%u\n", i, c);
    /* jecxz */
    u32 r = 0;
    c = 0;
    __asm__ volatile("jecxz 1f\n\tmovl $1, %[r]\n\tjmp 2f\n1:\tmovl $2, %[r]\n2:" : [r] "+r"(r) : "c"(c));
    printf("jecxz ecx=0: %u\n", r);
    c = 0x10000; /* CX == 0 but ECX != 0 */
    __asm__ volatile("jecxz 1f\n\tmovl $1, %[r]\n\tjmp 2f\n1:\tmovl $2, %[r]\n2:" : [r] "+r"(r) : "c"(c));
    printf("jecxz ecx=10000: %u\n", r);
    return 0;
}

/* gcc -O2 emits a jump table for this dense switch */
static __attribute__((noinline)) u32 sw(u32 x)
{
    switch (x) {
    case 0: return 0x100;
    case 1: return 0x2a1;
    case 2: return 0x3f2;
    case 3: return 0x453;
    case 4: return 0x5e4;
    case 5: return 0x675;
    case 6: return 0x706;
    case 7: return 0x8a7;
    case 8: return 0x9b8;
    case 9: return 0xa09;
    case 10: return 0xbca;
    case 11: return 0xc1b;
    default: return 0xdead;
    }
}

/* hand-written jump table: jmp *table(,%eax,4) */
__asm__(".text\n"
        "hw_switch:\n\t"
        "movl 4(%esp), %eax\n\t"
        "cmpl $4, %eax\n\t"
        "jae 9f\n\t"
        "jmp *hw_table(,%eax,4)\n"
        "0:\tmovl $1000, %eax\n\tret\n"
        "1:\tmovl $1001, %eax\n\tret\n"
        "2:\tmovl $1002, %eax\n\tret\n"
        "3:\tmovl $1003, %eax\n\tret\n"
        "9:\tmovl $-1, %eax\n\tret\n"
        ".section .rodata\n\t.p2align 2\n"
        "hw_table: .long 0b, 1b, 2b, 3b\n"
        ".text\n");
u32 hw_switch(u32 x);

static u32 f_add(u32 a, u32 b) { return a + b; }
static u32 f_sub(u32 a, u32 b) { return a - b; }
static u32 f_mul(u32 a, u32 b) { return a * b; }
static u32 f_xor(u32 a, u32 b) { return a ^ b; }
static u32 (*volatile ftab[4])(u32, u32) = {f_add, f_sub, f_mul, f_xor};

static __attribute__((noinline)) u32 fib(u32 n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) u32 ack(u32 m, u32 n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

/* minimal setjmp/longjmp: saves ebx esi edi ebp esp eip */
typedef u32 jbuf[6];
__asm__(".text\n"
        "my_setjmp:\n\t"
        "movl 4(%esp), %eax\n\t"
        "movl %ebx, 0(%eax)\n\tmovl %esi, 4(%eax)\n\tmovl %edi, 8(%eax)\n\t"
        "movl %ebp, 12(%eax)\n\t"
        "leal 4(%esp), %ecx\n\tmovl %ecx, 16(%eax)\n\t"
        "movl (%esp), %ecx\n\tmovl %ecx, 20(%eax)\n\t"
        "xorl %eax, %eax\n\tret\n"
        "my_longjmp:\n\t"
        "movl 4(%esp), %edx\n\t"
        "movl 8(%esp), %eax\n\t"
        "movl 0(%edx), %ebx\n\tmovl 4(%edx), %esi\n\tmovl 8(%edx), %edi\n\t"
        "movl 12(%edx), %ebp\n\tmovl 16(%edx), %esp\n\t"
        "jmp *20(%edx)\n");
int my_setjmp(jbuf b) __attribute__((returns_twice));
void my_longjmp(jbuf b, int v) __attribute__((noreturn));

static jbuf jb;
static volatile u32 depth_reached, depth_limit = 20;

static __attribute__((noinline)) void deep(u32 d)
{
    depth_reached = d;
    if (d > 1000)
        return;
    if (d >= depth_limit)
        my_longjmp(jb, (int)d * 3);
    else
        deep(d + 1);
    __asm__ volatile("" ::: "memory"); /* prevent tail call */
}

/* stdcall-style callee popping its arguments with ret $12 */
__asm__(".text\n"
        "callee_pop:\n\t"
        "movl 4(%esp), %eax\n\t"
        "subl 8(%esp), %eax\n\t"
        "imull 12(%esp), %eax\n\t"
        "ret $12\n"
        "ret16_probe:\n\t"
        "pushl $3\n\tpushl $5\n\tpushl $50\n\t"
        "call callee_pop\n\t"   /* (50-5)*3 = 135, args popped by callee */
        "ret\n");
u32 ret16_probe(void);

/* far transfers within the current (flat) code segment */
__asm__(".text\n"
        "far_probe:\n\t"
        "pushl %ebx\n\t"
        "xorl %eax, %eax\n\t"
        "pushl %cs\n\t"
        "pushl $1f\n\t"
        "lret\n\t"               /* far return to the same CS */
        "movl $0xbad, %eax\n"
        "1:\taddl $1, %eax\n\t"
        "movw %cs, %bx\n\t"
        "movw %bx, far_ptr+4\n\t"
        "movw %bx, far_ptr2+4\n\t"
        "lcall *far_ptr\n\t"     /* far call via m16:32 */
        "addl $10, %eax\n\t"
        "ljmp *far_ptr2\n\t"     /* far jump via m16:32 */
        "movl $0xbad, %eax\n"
        "2:\tpopl %ebx\n\t"
        "ret\n"
        "far_callee:\n\t"
        "addl $100, %eax\n\t"
        "lret\n"
        ".data\n"
        "far_ptr: .long far_callee\n\t.word 0\n"
        "far_ptr2: .long 2b\n\t.word 0\n"
        ".text\n");
u32 far_probe(void);

static u32 long_jumps(u32 x)
{
    u32 r = 0;
    /* force rel32 forms of jcc and jmp by putting >127 bytes between */
    __asm__ volatile("testl %[x], %[x]\n\t"
                     "jz.d32 1f\n\t"
                     ".fill 200, 1, 0x90\n\t"
                     "addl $1, %[r]\n\t"
                     "jmp.d32 2f\n"
                     "1:\t.fill 150, 1, 0x90\n\t"
                     "addl $2, %[r]\n"
                     "2:"
                     : [r] "+r"(r) : [x] "r"(x) : "cc");
    return r;
}

int main(void)
{
    loops();
    u32 acc = 0;
    for (u32 i = 0; i < 14; i++)
        acc = acc * 31 + sw(i);
    printf("switch: %08x sw(5)=%x sw(12)=%x\n", acc, sw(5), sw(12));
    printf("hw_switch: %d %d %d %d %d\n", hw_switch(0), hw_switch(3), hw_switch(2), hw_switch(1),
           (int)hw_switch(7));
    u32 v = 7;
    for (u32 i = 0; i < 12; i++)
        v = ftab[i & 3](v, i + 3);
    printf("fnptr: %08x\n", v);
    /* call *%reg and call *mem */
    u32 (*fp)(u32, u32) = ftab[2];
    u32 r1, r2;
    __asm__ volatile("pushl $6\n\tpushl $7\n\tcall *%[fp]\n\taddl $8, %%esp"
                     : "=a"(r1) : [fp] "r"(fp) : "ecx", "edx", "memory", "cc");
    __asm__ volatile("pushl $100\n\tpushl $1\n\tcall *ftab+4\n\taddl $8, %%esp"
                     : "=a"(r2) : : "ecx", "edx", "memory", "cc");
    printf("call reg/mem: %u %d\n", r1, (int)r2);
    printf("fib(20)=%u ack(2,3)=%u ack(3,3)=%u\n", fib(20), ack(2, 3), ack(3, 3));
    volatile int pass = 0;
    int rv = my_setjmp(jb);
    pass++;
    if (rv == 0)
        deep(0);
    printf("longjmp: rv=%d depth=%u pass=%d\n", rv, depth_reached, pass);
    printf("ret imm16: %u\n", ret16_probe());
    printf("far: %u\n", far_probe());
    printf("rel32 jumps: %u %u\n", long_jumps(0), long_jumps(1));
    return finish();
}
