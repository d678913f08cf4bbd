/* idt.c - see idt.h. Included (#include "idt.c") by the tests that use it. */
#include "idt.h"

u64 gdt[GDT_N] __attribute__((aligned(8)));
static u64 idt[256] __attribute__((aligned(8)));
static struct __attribute__((packed)) {
    u16 limit;
    u32 base;
} gdtr_, idtr_;

static struct tss32 tss_ __attribute__((aligned(128)));

static u8 tss_stack[8192] __attribute__((aligned(16)));
static u8 user_stack[8192] __attribute__((aligned(16)));
u32 tss_esp0;
u32 user_stack_top;

volatile struct trap_rec trap_last;
volatile struct trap_rec trap_log[TRAP_LOG_N];
volatile u32 trap_log_n;
volatile u32 trap_count[256];
trap_handler_fn trap_handlers[256];
volatile u32 trap_skip;
volatile u32 trap_resume;
volatile u32 trap_mark;
volatile u32 trap_mark2;
u32 catch_top; /* run_catch's frame (0: not inside run_catch) */

extern char trap_stubs[];

/* 256 stubs, 16 bytes apart. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl trap_stubs\n"
        "trap_stubs:\n"
        ".set trapvec, 0\n"
        ".rept 256\n"
        ".p2align 4\n"
        ".if (trapvec == 8) || ((trapvec >= 10) && (trapvec <= 14)) || (trapvec == 17) || (trapvec == 21)\n"
        ".else\n"
        "pushl $0\n"
        ".endif\n"
        "pushl $trapvec\n"
        "jmp trap_common\n"
        ".set trapvec, trapvec + 1\n"
        ".endr\n"
        "trap_common:\n"
        "pushal\n"
        "pushl %ds\n"
        "pushl %es\n"
        "pushl %fs\n"
        "pushl %gs\n"
        "movl $0x10, %eax\n"
        "movw %ax, %ds\n"
        "movw %ax, %es\n"
        "cld\n"
        "pushl %esp\n"
        "call trap_dispatch\n"
        "addl $4, %esp\n"
        "testl %eax, %eax\n"
        "jnz 1f\n"
        "popl %gs\n"
        "popl %fs\n"
        "popl %es\n"
        "popl %ds\n"
        "popal\n"
        "addl $8, %esp\n"
        "iret\n"
        "1:\n"
        "movl $0x10, %eax\n"
        "movw %ax, %ss\n"
        "movl catch_top, %esp\n"
        "movw %ax, %ds\n"
        "movw %ax, %es\n"
        "movw %ax, %fs\n"
        "movw %ax, %gs\n"
        "movl trap_last, %eax\n" /* trap_last.vec */
        "jmp catch_resume\n"
        /* int run_catch(void (*fn)(void *), void *arg) */
        ".globl run_catch\n"
        "run_catch:\n"
        "pushl %ebp\n"
        "pushl %ebx\n"
        "pushl %esi\n"
        "pushl %edi\n"
        "pushfl\n"
        "pushl catch_top\n"
        "movl %esp, catch_top\n"
        "pushl 32(%esp)\n" /* arg */
        "call *32(%esp)\n" /* fn */
        "addl $4, %esp\n"
        "movl $-1, %eax\n"
        "catch_resume:\n"
        "popl catch_top\n"
        "popfl\n"
        "popl %edi\n"
        "popl %esi\n"
        "popl %ebx\n"
        "popl %ebp\n"
        "ret\n");

u64 seg_desc(u32 base, u32 limit, u32 access, u32 flags)
{
    u32 lo = (base << 16) | (limit & 0xffff);
    u32 hi = (base & 0xff000000) | (flags << 20) | (limit & 0xf0000) | (access << 8) |
             ((base >> 16) & 0xff);
    return ((u64)hi << 32) | lo;
}

u32 trap_stub_addr(int vec) { return (u32)trap_stubs + 16u * (u32)vec; }

void idt_set(int vec, u32 handler, u16 sel, int type, int dpl, int present)
{
    u32 lo = (handler & 0xffff) | ((u32)sel << 16);
    u32 hi = (handler & 0xffff0000) | ((u32)(present ? 1 : 0) << 15) | ((u32)dpl << 13) |
             ((u32)type << 8);
    idt[vec] = ((u64)hi << 32) | lo;
}

void idt_gate(int vec, int type, int dpl, int present)
{
    idt_set(vec, trap_stub_addr(vec), SEL_KCODE, type, dpl, present);
}

void idt_load_limit(u16 limit)
{
    idtr_.limit = limit;
    idtr_.base = (u32)idt;
    __asm__ volatile("lidt %0" : : "m"(idtr_) : "memory");
}

void gdt_load(void)
{
    gdtr_.limit = sizeof(gdt) - 1;
    gdtr_.base = (u32)gdt;
    __asm__ volatile("lgdt %0" : : "m"(gdtr_) : "memory");
}

void trap_log_reset(void)
{
    trap_log_n = 0;
}

void cpu_init(void)
{
    pic_remap(0x20, 0x28);
    gdt[0] = 0;
    gdt[1] = seg_desc(0, 0xfffff, ACC_CODE, FL_G | FL_DB);
    gdt[2] = seg_desc(0, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt[3] = seg_desc(0, 0xfffff, ACC_CODE | 0x60, FL_G | FL_DB);
    gdt[4] = seg_desc(0, 0xfffff, ACC_DATA | 0x60, FL_G | FL_DB);
    for (int i = 5; i < GDT_N; i++)
        gdt[i] = 0;
    gdt_load();
    __asm__ volatile("ljmp $0x08, $1f\n"
                     "1:\tmovw $0x10, %%ax\n\t"
                     "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
                     "movw %%ax, %%fs\n\tmovw %%ax, %%gs"
                     : : : "eax", "memory");
    for (int v = 0; v < 256; v++)
        idt_gate(v, GATE_INT, 0, 1);
    idt_load_limit(sizeof(idt) - 1);
    user_stack_top = (u32)user_stack + sizeof(user_stack);
}

void tss_init(void)
{
    memset(&tss_, 0, sizeof(tss_));
    tss_esp0 = (u32)tss_stack + sizeof(tss_stack);
    tss_.esp0 = tss_esp0;
    tss_.ss0 = SEL_KDATA;
    tss_.iomap = sizeof(tss_); /* no I/O bitmap: ring-3 port access needs IOPL 3 */
    gdt[SEL_TSS >> 3] = seg_desc((u32)&tss_, sizeof(tss_) - 1, 0x89, 0);
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS) : "memory");
}

void ring3_jump(void (*fn)(void), u32 esp, u32 eflags)
{
    __asm__ volatile("movw $0x23, %%ax\n\t"
                     "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%fs\n\t"
                     "pushl $0x23\n\tpushl %0\n\tpushl %1\n\tpushl $0x1b\n\tpushl %2\n\t"
                     "iret"
                     : : "r"(esp), "r"(eflags), "r"(fn) : "eax", "memory");
    __builtin_unreachable();
}

int trap_dispatch(struct trapframe *f) __attribute__((used));
int trap_dispatch(struct trapframe *f)
{
    struct trap_rec r;
    r.vec = f->vec;
    r.err = f->err;
    r.eip = f->eip;
    r.cs = f->cs & 0xffff;
    r.eflags = f->eflags;
    if (r.cs & 3) {
        r.esp = f->esp;
        r.ss = f->ss & 0xffff;
    } else {
        u32 ss;
        __asm__ volatile("xorl %0, %0\n\tmovw %%ss, %w0" : "=r"(ss));
        r.esp = (u32)&f->esp;
        r.ss = ss;
    }
    r.hflags = read_eflags();
    r.hesp = (u32)&f->eip;
    r.dr6 = 0;
    r.cr2 = 0;
    if (f->vec == 1) {
        __asm__ volatile("movl %%dr6, %0" : "=r"(r.dr6));
        __asm__ volatile("movl %0, %%dr6" : : "r"(0u));
    }
    if (f->vec == 14)
        __asm__ volatile("movl %%cr2, %0" : "=r"(r.cr2));
    trap_last = r;
    if (trap_log_n < TRAP_LOG_N)
        trap_log[trap_log_n] = r;
    trap_log_n++;
    trap_count[f->vec & 0xff]++;

    if (trap_handlers[f->vec & 0xff]) {
        trap_handlers[f->vec & 0xff](f);
        return 0;
    }
    if (trap_skip) {
        f->eip += trap_skip;
        trap_skip = 0;
        return 0;
    }
    if (trap_resume) {
        f->eip = trap_resume;
        trap_resume = 0;
        return 0;
    }
    if (catch_top)
        return 1;
    printf("UNEXPECTED trap vec=%x err=%x eip=%08x cs=%04x eflags=%08x\n", r.vec, r.err, r.eip,
           r.cs, r.eflags);
    outb(0xf4, 1);
    for (;;)
        __asm__ volatile("cli\n\thlt");
}
