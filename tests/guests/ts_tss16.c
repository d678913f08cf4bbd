/* ts_tss16: task switches to and from 16-bit TSSes (the 80286 format, Intel
 * SDM vol. 3, 7.6 and figure 7-10: IP, FLAGS, AX..DI, ES CS SS DS, LDT; no
 * CR3, FS, GS or T bit; minimum limit 0x2B).
 *
 *  - call from the 32-bit main task to task W (16-bit TSS, descriptor type
 *    1/3): W starts with the registers, FLAGS and selectors of its TSS, NT
 *    set and the back link written; iret back saves IP, FLAGS (NT clear in
 *    the image), the low halves of the registers and ES CS SS DS into W's
 *    TSS; a second call resumes W after its iret with the saved registers.
 *  - #GP through a task gate naming a 16-bit TSS (task G): the error code
 *    is pushed as 16 bits on G's stack.
 *  - jmp to a 16-bit TSS with limit 0x2A: #TS(selector).
 * Only the low 16 bits of registers are printed: the SDM says the upper
 * halves "are modified and not maintained" when loaded from a 16-bit TSS.
 * (QEMU keeps them, and so does btvmm.) A 16-bit TSS holds only IP, so W
 * and G run 32-bit code through a code segment based at the kernel's load
 * address (1 MiB), where their offsets are below 64 KiB, and use a 16-bit
 * stack segment (SS.B clear: SP addresses it, whatever ESP's upper half)
 * in low memory.
 * Every line agrees with QEMU 7.2 TCG. */
#include "idt.c"
#include "task.h"

struct tss16 {
    u16 link, sp0, ss0, sp1, ss1, sp2, ss2;
    u16 ip, flags, ax, cx, dx, bx, sp, bp, si, di;
    u16 es, cs, ss, ds, ldt;
} __attribute__((packed));

#define SEL_W 0x30
#define SEL_G 0x38
#define SEL_SMALL16 0x40
#define SEL_CODE_1M 0x48 /* 32-bit code, base 1 MiB */
#define SEL_STACK16 0x50 /* data, 16-bit (B clear): the stack pointer is SP */
#define CODE_BASE 0x00100000u

static struct tss16 tss_w, tss_g __attribute__((aligned(64)));
static struct tss32 *tss_main;

u32 w_regs[8], w_flags, w_mark, w_runs, g_err, g_mark;
u32 *main_eip_ptr;

void task_w(void);
void task_g(void);
__asm__(".text\n"
        "task_w:\n\t"
        "movl %eax, w_regs\n\t"
        "movl %ecx, w_regs+4\n\t"
        "movl %edx, w_regs+8\n\t"
        "movl %ebx, w_regs+12\n\t"
        "movl %esp, w_regs+16\n\t"
        "movl %ebp, w_regs+20\n\t"
        "movl %esi, w_regs+24\n\t"
        "movl %edi, w_regs+28\n\t"
        "pushfl\n\t"
        "popl w_flags\n\t"
        "incl w_runs\n\t"
        "movl $0x1234abcd, %eax\n\t"
        "movl $0x5678c0de, %ebx\n\t"
        "movl $0x9abcf00d, %edi\n\t"
        "movl $1f, w_mark\n\t"
        "iret\n"
        "1:\tjmp task_w\n"
        "task_g:\n\t"
        "movl $0, g_err\n\t"
        "popw g_err\n\t"
        "movl %esp, g_mark\n\t"
        "movl main_eip_ptr, %eax\n\t"
        "movl $g_resume, (%eax)\n\t"
        "iret\n\t"
        "jmp task_g\n");

static void tss16_init(struct tss16 *t, void (*entry)(void), u16 sp)
{
    memset(t, 0, sizeof(*t));
    t->ip = (u16)((u32)entry - CODE_BASE);
    t->flags = 0x0002;
    t->sp = sp;
    t->cs = SEL_CODE_1M;
    t->ds = t->es = SEL_KDATA;
    t->ss = SEL_STACK16;
}

static void show_w(const char *when)
{
    printf("  W %s: run %u ax=%04x cx=%04x dx=%04x bx=%04x sp=%04x bp=%04x si=%04x di=%04x "
           "nt=%u\n",
           when, w_runs, w_regs[0] & 0xffff, w_regs[1] & 0xffff, w_regs[2] & 0xffff,
           w_regs[3] & 0xffff, w_regs[4] & 0xffff, w_regs[5] & 0xffff, w_regs[6] & 0xffff,
           w_regs[7] & 0xffff, (w_flags & EFL_NT) ? 1 : 0);
    printf("  W saved: ip at mark=%u flags&~arith=%04x ax=%04x bx=%04x di=%04x es=%04x "
           "cs=%04x ss=%04x ds=%04x link=%04x busy main=%u W=%u tr=%04x\n",
           tss_w.ip == (u16)(w_mark - CODE_BASE), tss_w.flags & ~0x8d5u, tss_w.ax, tss_w.bx,
           tss_w.di, tss_w.es, tss_w.cs, tss_w.ss, tss_w.ds, tss_w.link, busy(SEL_TSS),
           busy(SEL_W), str_());
}

static u16 target;
static void c_jmp(void *a)
{
    (void)a;
    static struct __attribute__((packed)) {
        u32 off;
        u16 sel;
    } fp;
    fp.sel = target;
    __asm__ volatile("movl $1f, trap_mark\n1:\tljmp *%0" : : "m"(fp) : "memory");
}

int main(void)
{
    cpu_init();
    tss_init();
    tss_main = tss_at(SEL_TSS);
    main_eip_ptr = (u32 *)((u8 *)tss_main + 0x20); /* its EIP field */
    if ((u32)task_w - CODE_BASE > 0xffff || (u32)task_g - CODE_BASE > 0xffff) {
        printf("task code above 1 MiB + 64 KiB\n");
        return 1;
    }
    gdt[SEL_CODE_1M >> 3] = seg_desc(CODE_BASE, 0xfffff, ACC_CODE, FL_DB);
    gdt[SEL_STACK16 >> 3] = seg_desc(0, 0xffff, ACC_DATA, 0);
    tss16_init(&tss_w, task_w, 0x7000);
    tss_w.ax = 0x1111;
    tss_w.cx = 0x2222;
    tss_w.dx = 0x3333;
    tss_w.bx = 0x4444;
    tss_w.bp = 0x6666;
    tss_w.si = 0x7777;
    tss_w.di = 0x8888;
    tss16_init(&tss_g, task_g, 0x6000);
    gdt[SEL_W >> 3] = seg_desc((u32)&tss_w, sizeof(tss_w) - 1, 0x81, 0);
    gdt[SEL_G >> 3] = seg_desc((u32)&tss_g, sizeof(tss_g) - 1, 0x81, 0);
    gdt[SEL_SMALL16 >> 3] = seg_desc((u32)&tss_w, 0x2a, 0x81, 0);

    printf("-- call a 16-bit task, iret back\n");
    for (int i = 0; i < 2; i++) {
        __asm__ volatile("lcall $0x30, $0" ::: "memory");
        clts_();
        show_w(i ? "second call" : "first call");
    }

    printf("-- #GP through a task gate to a 16-bit TSS\n");
    idt_set(13, 0, SEL_G, TASK_GATE, 0, 1);
    __asm__ volatile("movl $0x3f8, %%eax\n\t"
                     "movw %%ax, %%fs\n"
                     ".globl g_resume\n"
                     "g_resume:" ::: "eax", "memory");
    clts_();
    idt_gate(13, GATE_INT, 0, 1);
    printf("  G: err=%x (16 bits pushed: %u) link=%04x busy main=%u G=%u\n", g_err,
           (g_mark & 0xffff) == 0x6000, tss_g.link, busy(SEL_TSS), busy(SEL_G));

    printf("-- a 16-bit TSS with limit 0x2a\n");
    target = SEL_SMALL16;
    int r = run_catch(c_jmp, 0);
    printf("  jmp: vec=%d err=%x at insn=%u\n", r, trap_last.err, trap_last.eip == trap_mark);
    return 0;
}
