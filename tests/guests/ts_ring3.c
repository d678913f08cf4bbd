/* ts_ring3: task switches that change the privilege level (Intel SDM vol.
 * 3, 7.3 and the CALL/INT n pseudo-code's privilege checks), with paging on
 * so that the CPL the new task runs at also decides what the page tables
 * allow.
 *
 * The main task (ring 0) calls task U, whose TSS gives it ring-3 selectors
 * (CS 0x1b, SS/DS 0x23) and IOPL 3 (for the serial port). In U, at CPL 3:
 *  - a read of a supervisor-only page: #PF(P|U), through an interrupt gate
 *    that takes the stack from U's own TSS (SS0:ESP0);
 *  - int $0x42 through a task gate with DPL 3: ring-0 task K runs with the
 *    back link = U and U's saved CS = 0x1b, and its iret returns to U at
 *    CPL 3;
 *  - int $0x43 through a task gate with DPL 0: #GP(0x43*8+2), no switch;
 *  - lcall to a TSS descriptor with DPL 0: #GP(selector); to a TSS with
 *    DPL 3 (task V, ring 0): the switch; to a task gate with DPL 3 (naming
 *    K's DPL-0 TSS, whose DPL is not checked): the switch.
 * Then U's iret returns to the main task at CPL 0.
 * Every line agrees with QEMU 7.2 TCG. */
#include "idt.c"
#include "paging.h"
#include "task.h"

#define SEL_U 0x30
#define SEL_K 0x38     /* DPL 0 */
#define SEL_V 0x40     /* DPL 3 */
#define SEL_GATE3 0x48 /* task gate DPL 3 -> K */
#define SUP_PAGE 0x00900000u

static struct tss32 tss_u, tss_k, tss_v __attribute__((aligned(128)));
static u8 stk_u[TASK_STACK], kstk_u[TASK_STACK], stk_k[TASK_STACK],
    stk_v[TASK_STACK] __attribute__((aligned(16)));

static u32 cpl(void)
{
    u32 cs = 0;
    __asm__ volatile("movw %%cs, %w0" : "+r"(cs));
    return cs & 3;
}

static void show_trap(const char *what)
{
    printf("  U: %s: vec=%u err=%x from cs=%04x ss=%04x, handler stack in U's ESP0 area=%u\n",
           what, trap_last.vec, trap_last.err, trap_last.cs, trap_last.ss,
           trap_last.hesp > (u32)kstk_u && trap_last.hesp < (u32)kstk_u + TASK_STACK);
}

static void task_u(void)
{
    for (;;) {
        printf("  U: cpl=%u tr=%04x nt=%u link=%04x\n", cpl(), str_(),
               (read_eflags() & EFL_NT) ? 1 : 0, tss_u.link);
        trap_skip = 5; /* movl moffs32, %eax */
        __asm__ volatile("movl 0x00900000, %%eax" ::: "eax", "memory");
        show_trap("read of a supervisor page");
        __asm__ volatile("int $0x42" ::: "memory");
        printf("  U: back from int $0x42, cpl=%u tr=%04x\n", cpl(), str_());
        trap_skip = 2;
        __asm__ volatile("int $0x43" ::: "memory");
        show_trap("int $0x43, gate DPL 0");
        trap_skip = 7;
        __asm__ volatile("lcall $0x38, $0" ::: "memory");
        show_trap("lcall to a DPL-0 TSS");
        __asm__ volatile("lcall $0x43, $0" ::: "memory");
        printf("  U: back from task V, cpl=%u\n", cpl());
        __asm__ volatile("lcall $0x4b, $0" ::: "memory");
        printf("  U: back from the DPL-3 gate, cpl=%u\n", cpl());
        __asm__ volatile("iret");
    }
}

/* K and V: ring-0 tasks that report and return. */
static void task_k(void)
{
    for (;;) {
        struct tss32 *from = tss_at(tss_k.link);
        printf("  K: cpl=%u tr=%04x link=%04x, linked task's saved cs=%04x ss=%04x\n", cpl(),
               str_(), tss_k.link, from->cs, from->ss);
        __asm__ volatile("iret");
    }
}

static void task_v(void)
{
    for (;;) {
        printf("  V: cpl=%u tr=%04x link=%04x\n", cpl(), str_(), tss_v.link);
        __asm__ volatile("iret");
    }
}

int main(void)
{
    cpu_init();
    tss_init();
    u32 pd = pg_new_pd(PTE_P | PTE_W | PTE_U);
    pg_frame_fill(3);
    pg_map(pd, SUP_PAGE, PG_FRAME(3), PTE_P | PTE_W); /* supervisor only */
    pg_enable(pd);
    tss_at(SEL_TSS)->cr3 = pd;

    task_init(&tss_u, task_u, stk_u);
    tss_u.cs = SEL_UCODE;
    tss_u.ss = tss_u.ds = tss_u.es = tss_u.fs = tss_u.gs = SEL_UDATA;
    tss_u.eflags = 0x3002; /* IOPL 3 */
    tss_u.ss0 = SEL_KDATA;
    tss_u.esp0 = (u32)kstk_u + TASK_STACK;
    task_init(&tss_k, task_k, stk_k);
    task_init(&tss_v, task_v, stk_v);
    tss_desc(SEL_U, &tss_u, sizeof(tss_u) - 1, TSS_AVAIL);
    tss_desc(SEL_K, &tss_k, sizeof(tss_k) - 1, TSS_AVAIL);
    tss_desc(SEL_V, &tss_v, sizeof(tss_v) - 1, TSS_AVAIL | 0x60);
    gdt[SEL_GATE3 >> 3] = task_gate(SEL_K, 3, 1);
    idt_set(0x42, 0, SEL_K, TASK_GATE, 3, 1);
    idt_set(0x43, 0, SEL_K, TASK_GATE, 0, 1);

    printf("main: cpl=%u tr=%04x\n", cpl(), str_());
    __asm__ volatile("lcall $0x30, $0" ::: "memory");
    clts_();
    printf("main: back, cpl=%u tr=%04x busy main=%u U=%u K=%u V=%u, traps=%u\n", cpl(), str_(),
           busy(SEL_TSS), busy(SEL_U), busy(SEL_K), busy(SEL_V),
           trap_count[13] + trap_count[14]);
    return 0;
}
