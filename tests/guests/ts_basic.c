/* ts_basic: hardware task switches that succeed (Intel SDM vol. 3, 7.3 and
 * table 7-2, the busy bit, NT and back link for each way in).
 *
 *  - jmp far to a TSS descriptor and back: TR, the busy bits (the old task's
 *    cleared, the new one's set), NT clear, no back link written; the old
 *    task's state saved in its TSS (EIP after the jmp, EAX..EDI, EFLAGS,
 *    selectors); the second jmp resumes the task after its own jmp; CR0.TS
 *    set by every switch.
 *  - call far to a TSS and iret: the new task runs with NT set and the back
 *    link = the caller's TSS, both TSSes busy; iret returns to the caller
 *    and clears the callee's busy bit; the callee's saved EFLAGS image has
 *    NT clear (SDM 7.3 step 6: iret clears it in the saved image) and its
 *    saved EIP is after the iret, where the next call resumes it.
 *  - call through a task gate in the GDT and in the LDT (LDTR reloaded from
 *    the main TSS's LDT field on the way back).
 *  - int $0x40 through a task gate in the IDT (no error code pushed), twice.
 *  - #DF through a task gate, the classic case: #GP with a not-present IDT
 *    gate 13 gives #NP, and two contributory faults make #DF, whose task
 *    finds the error code 0 on its stack and the main task in its back
 *    link. The saved EIP of a #DF is undefined (SDM, interrupt 8), so the
 *    #DF task sets the main task's EIP to a resume label before its iret.
 *  - IRQ0 (PIT) through a task gate: the task runs with NT, the back link
 *    and its own EFLAGS (IF clear); the main task's saved EFLAGS had IF set
 *    and its iret restores it;
 *  - with paging on, each task runs in the address space of its TSS's CR3:
 *    one linear page maps a different frame in the two page directories.
 *  - DR7's local breakpoint enables (L0-L3) are cleared by a switch (SDM
 *    17.2.4), the global ones kept;
 *  - the T bit in a TSS: a #DB trap on entering the task, DR6.BT set.
 * Every line agrees with QEMU 7.2 TCG except the last: QEMU ignores the T
 * bit (no #DB, DR6.BT clear); ts_basic.qemu.expect has its output, and
 * ts_basic.expect the SDM's (7.2.1: "the T flag causes the processor to
 * raise a debug exception when a task switch to this task occurs"; 17.2.3:
 * DR6.BT "set when the debug exception resulted from a task switch where
 * the T flag ... in the TSS of the target task was set"). */
#include "idt.c"
#include "paging.h"
#include "task.h"

#define SEL_A 0x30
#define SEL_B 0x38
#define SEL_C 0x40 /* int 0x40 */
#define SEL_D 0x48 /* #DF */
#define SEL_GATE_B 0x50
#define SEL_LDT 0x58
#define SEL_E 0x60 /* paging */
#define SEL_T 0x68 /* T bit */
#define SEL_I 0x70 /* IRQ0 */
#define LSEL_GATE_B 0x0c /* LDT index 1 */

static struct tss32 tss_a, tss_b, tss_c, tss_d, tss_e, tss_t __attribute__((aligned(128)));
static u8 stk_a[TASK_STACK], stk_b[TASK_STACK], stk_c[TASK_STACK], stk_d[TASK_STACK],
    stk_e[TASK_STACK], stk_t[TASK_STACK] __attribute__((aligned(16)));
static u64 ldt[4] __attribute__((aligned(8)));
static struct tss32 *tss_main;

u32 a_mark, b_mark, c_err, df_err;
static u32 a_runs, b_runs, c_runs, d_runs;

static u32 nt(void)
{
    return (read_eflags() & EFL_NT) ? 1 : 0;
}

static u32 ts_flag(void)
{
    return (read_cr0() & CR0_TS_BIT) ? 1 : 0;
}

/* Task A: reports, then loads known values into the registers and jumps
 * back to the main task (its next run resumes after that jmp). */
static void task_a(void)
{
    for (;;) {
        a_runs++;
        printf("  A run %u: tr=%04x nt=%u link=%04x busy main=%u A=%u cr0.ts=%u\n", a_runs,
               str_(), nt(), tss_a.link, busy(SEL_TSS), busy(SEL_A), ts_flag());
        clts_();
        __asm__ volatile("movl $0xa0a0a0a0, %%eax\n\tmovl $0xa1a1a1a1, %%ecx\n\t"
                         "movl $0xa2a2a2a2, %%edx\n\tmovl $0xa3a3a3a3, %%ebx\n\t"
                         "movl $0xa6a6a6a6, %%esi\n\tmovl $0xa7a7a7a7, %%edi\n\t"
                         "movl $1f, a_mark\n\t"
                         "ljmp $0x28, $0\n"
                         "1:"
                         :
                         :
                         : "eax", "ecx", "edx", "ebx", "esi", "edi", "memory");
    }
}

/* Task B: called (directly or through a gate); returns with iret. */
static void task_b(void)
{
    for (;;) {
        b_runs++;
        u32 ldtr = 0;
        __asm__ volatile("sldt %w0" : "+r"(ldtr));
        printf("  B run %u: tr=%04x nt=%u link=%04x busy main=%u B=%u ldtr=%04x\n", b_runs,
               str_(), nt(), tss_b.link, busy(SEL_TSS), busy(SEL_B), ldtr);
        __asm__ volatile("movl $1f, b_mark\n\tiret\n1:" ::: "memory");
    }
}

/* Task C (int 0x40) and task D (#DF): entered at an asm stub; D pops the
 * error code the switch pushed. */
static void task_c_body(void) __attribute__((used));
static void task_c_body(void)
{
    c_runs++;
    printf("  C run %u: tr=%04x nt=%u link=%04x busy main=%u C=%u eflags.if=%u\n", c_runs,
           str_(), nt(), tss_c.link, busy(SEL_TSS), busy(SEL_C),
           (read_eflags() & EFL_IF) ? 1 : 0);
}

static void task_d_body(void) __attribute__((used));
static void task_d_body(void)
{
    d_runs++;
    printf("  D run %u: tr=%04x nt=%u link=%04x err=%x busy main=%u D=%u #NP seen=%u\n",
           d_runs, str_(), nt(), tss_d.link, df_err, busy(SEL_TSS), busy(SEL_D),
           trap_count[11]);
    extern char df_resume[];
    tss_main->eip = (u32)df_resume; /* the #DF's saved EIP is undefined */
}

void task_c(void);
void task_d(void);
__asm__(".text\n"
        "task_c:\n\t"
        "call task_c_body\n\t"
        "iret\n\t"
        "jmp task_c\n"
        "task_d:\n\t"
        "popl df_err\n\t"
        "call task_d_body\n\t"
        "iret\n\t"
        "jmp task_d\n");

/* Task E: reads the page that the two address spaces map differently. */
#define E_PAGE 0x00900000u
static u32 e_read;
static void task_e(void)
{
    for (;;) {
        e_read = peek(E_PAGE);
        __asm__ volatile("iret");
    }
}

/* Task I: IRQ0 (PIT) through a task gate; masks IRQ0 and acknowledges. */
static struct tss32 tss_i __attribute__((aligned(128)));
static u8 stk_i[TASK_STACK] __attribute__((aligned(16)));
static volatile u32 i_runs, i_link, i_nt, i_if, i_main_if;
static void task_i(void)
{
    for (;;) {
        i_runs++;
        i_link = tss_i.link;
        i_nt = (read_eflags() & EFL_NT) ? 1 : 0;
        i_if = (read_eflags() & EFL_IF) ? 1 : 0;
        i_main_if = (tss_main->eflags & EFL_IF) ? 1 : 0;
        pic_mask(0);
        pic_eoi(0);
        __asm__ volatile("iret");
    }
}

/* Task T (T bit set): a #DB trap before its first instruction. */
static u32 t_runs, db_tr;
static void h_db(struct trapframe *f)
{
    (void)f;
    db_tr = str_();
}
static void task_t(void)
{
    for (;;) {
        t_runs++;
        __asm__ volatile("iret");
    }
}

/* The saved EFLAGS without the arithmetic flags (the compiler's code
 * before the switch decides them); GPRs only for task A, which sets them. */
static void show_saved(const char *name, const struct tss32 *t, u32 mark)
{
    printf("  %s saved: eip at mark=%u eflags&~arith=%08x", name, t->eip == mark,
           t->eflags & ~0x8d5u);
    if (t == &tss_a)
        printf(" eax=%08x ecx=%08x edx=%08x ebx=%08x esi=%08x edi=%08x", t->eax, t->ecx,
               t->edx, t->ebx, t->esi, t->edi);
    printf("\n");
    printf("  %s saved: es=%04x cs=%04x ss=%04x ds=%04x fs=%04x gs=%04x ldt=%04x link=%04x\n",
           name, t->es, t->cs, t->ss, t->ds, t->fs, t->gs, t->ldt, t->link);
}

static void main_line(const char *when)
{
    printf("  main %s: tr=%04x nt=%u busy main=%u A=%u B=%u C=%u D=%u cr0.ts=%u\n", when,
           str_(), nt(), busy(SEL_TSS), busy(SEL_A), busy(SEL_B), busy(SEL_C), busy(SEL_D),
           ts_flag());
    clts_();
}

int main(void)
{
    cpu_init();
    tss_init();
    tss_main = tss_at(SEL_TSS);
    task_init(&tss_a, task_a, stk_a);
    task_init(&tss_b, task_b, stk_b);
    task_init(&tss_c, task_c, stk_c);
    task_init(&tss_d, task_d, stk_d);
    tss_desc(SEL_A, &tss_a, sizeof(tss_a) - 1, TSS_AVAIL);
    tss_desc(SEL_B, &tss_b, sizeof(tss_b) - 1, TSS_AVAIL);
    tss_desc(SEL_C, &tss_c, sizeof(tss_c) - 1, TSS_AVAIL);
    tss_desc(SEL_D, &tss_d, sizeof(tss_d) - 1, TSS_AVAIL);
    gdt[SEL_GATE_B >> 3] = task_gate(SEL_B, 0, 1);
    ldt[1] = task_gate(SEL_B, 0, 1);
    gdt[SEL_LDT >> 3] = seg_desc((u32)ldt, sizeof(ldt) - 1, 0x82, 0);

    printf("-- jmp to a TSS and back\n");
    main_line("start");
    for (int i = 0; i < 2; i++) {
        __asm__ volatile("ljmp $0x30, $0" ::: "memory");
        main_line("after jmp");
        show_saved("A", &tss_a, a_mark);
    }

    printf("-- call to a TSS, iret back\n");
    for (int i = 0; i < 2; i++) {
        __asm__ volatile("lcall $0x38, $0" ::: "memory");
        main_line("after call");
        show_saved("B", &tss_b, b_mark);
    }

    printf("-- call through task gates (GDT, LDT)\n");
    __asm__ volatile("lcall $0x50, $0" ::: "memory");
    main_line("after GDT gate");
    __asm__ volatile("lldt %w0" : : "r"(SEL_LDT));
    tss_main->ldt = SEL_LDT; /* LDTR comes back from the main TSS */
    __asm__ volatile("lcall $0x0c, $0" ::: "memory");
    main_line("after LDT gate");
    u32 ldtr = 0;
    __asm__ volatile("sldt %w0" : "+r"(ldtr));
    printf("  main ldtr=%04x\n", ldtr);

    printf("-- int $0x40 through a task gate\n");
    idt_set(0x40, 0, SEL_C, TASK_GATE, 0, 1);
    for (int i = 0; i < 2; i++) {
        __asm__ volatile("int $0x40" ::: "memory");
        main_line("after int");
    }
    printf("  C saved: esp unchanged=%u, eip at stub loop=%u\n",
           tss_c.esp == (u32)stk_c + TASK_STACK, tss_c.eip != (u32)task_c);

    printf("-- #DF through a task gate\n");
    idt_set(8, 0, SEL_D, TASK_GATE, 0, 1);
    idt_gate(13, GATE_INT, 0, 0); /* #GP gate not present: #GP -> #NP -> #DF */
    idt_gate(11, GATE_INT, 0, 1);
    trap_skip = 0;
    __asm__ volatile("movl $0x3f8, %%eax\n\t"
                     "movw %%ax, %%fs\n"
                     ".globl df_resume\n"
                     "df_resume:" ::: "eax", "memory");
    idt_gate(13, GATE_INT, 0, 1);
    main_line("after #DF");
    printf("  vec 8 through the IDT stub=%u, D saved esp=top: %u\n", trap_count[8],
           tss_d.esp == (u32)stk_d + TASK_STACK);

    printf("-- IRQ0 through a task gate\n");
    task_init(&tss_i, task_i, stk_i);
    tss_desc(SEL_I, &tss_i, sizeof(tss_i) - 1, TSS_AVAIL);
    idt_set(0x20, 0, SEL_I, TASK_GATE, 0, 1);
    outb(0x43, 0x34); /* PIT channel 0, mode 2, ~1 kHz */
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    pic_unmask(0);
    sti();
    for (volatile u32 n = 0; n < 200000000u && !i_runs; n++) /* bounded: IF=1 */
        ;
    u32 fl = read_eflags();
    cli();
    clts_();
    printf("  I ran=%u link=%04x nt=%u if=%u, main's saved if=%u, main's if after=%u busy I=%u\n",
           i_runs, i_link, i_nt, i_if, i_main_if, (fl & EFL_IF) ? 1 : 0, busy(SEL_I));

    printf("-- CR3 from the TSS\n");
    u32 pd1 = pg_new_pd(PTE_P | PTE_W);
    u32 pd2 = pg_new_pd_sharing(pd1);
    pg_frame_fill(1);
    pg_frame_fill(2);
    pg_map(pd1, E_PAGE, PG_FRAME(1), PTE_P | PTE_W);
    pg_map(pd2, E_PAGE, PG_FRAME(2), PTE_P | PTE_W);
    pg_enable(pd1);
    task_init(&tss_e, task_e, stk_e);
    tss_e.cr3 = pd2;
    tss_desc(SEL_E, &tss_e, sizeof(tss_e) - 1, TSS_AVAIL);
    tss_main->cr3 = pd1;
    for (int i = 0; i < 2; i++) {
        __asm__ volatile("lcall $0x60, $0" ::: "memory");
        printf("  main reads %08x, task E read %08x, cr3 back=%u\n", peek(E_PAGE), e_read,
               read_cr3() == pd1);
    }
    write_cr0(read_cr0() & ~CR0_PG);
    clts_();

    printf("-- DR7: a switch clears the local enables L0-L3\n");
    __asm__ volatile("movl %0, %%dr7" : : "r"(0x40fu)); /* L0 G0 L1 G1, execute at 0 */
    __asm__ volatile("ljmp $0x30, $0" ::: "memory");
    clts_();
    u32 dr7;
    __asm__ volatile("movl %%dr7, %0" : "=r"(dr7));
    __asm__ volatile("movl %0, %%dr7" : : "r"(0x400u));
    printf("  dr7 after jmp and back=%x\n", dr7 & 0xff);

    printf("-- T bit: #DB on entering the task\n");
    task_init(&tss_t, task_t, stk_t);
    tss_t.trap = 1;
    tss_desc(SEL_T, &tss_t, sizeof(tss_t) - 1, TSS_AVAIL);
    trap_log_reset();
    trap_handlers[1] = h_db;
    __asm__ volatile("lcall $0x68, $0" ::: "memory");
    clts_();
    printf("  #DB count=%u eip at task entry=%u dr6.bt=%u tr in handler=%04x, task ran=%u\n",
           trap_count[1], trap_log[0].eip == (u32)task_t, (trap_log[0].dr6 >> 15) & 1, db_tr,
           t_runs);
    return 0;
}
