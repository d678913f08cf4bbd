/* ts_faults: the faults of hardware task switches (Intel SDM vol. 3, 7.3;
 * the JMP, CALL, IRET and INT n pseudo-code; table 7-1, "exception
 * conditions checked during a task switch").
 *
 * Before the commit point, in the old task's context (caught with ordinary
 * interrupt gates; TR and the busy bits are unchanged afterwards):
 *  - jmp to a TSS whose limit is 0x66 (< 0x67): #TS(TSS selector)
 *  - jmp to a TSS not present: #NP(TSS selector)
 *  - jmp and call to a busy TSS (the current one): #GP(TSS selector)
 *  - jmp with RPL 3 to a DPL-0 TSS descriptor: #GP(TSS selector)
 *  - task gate not present: #NP(gate selector); task gate DPL 0 with RPL 3:
 *    #GP(gate selector); task gate naming a busy TSS: #GP(TSS selector);
 *    task gate naming a TSS with a small limit: #TS(TSS selector)
 *  - iret with NT set whose back link names an available (not busy) TSS,
 *    or the null selector: #TS(link)
 *  - int $0x41 through a task gate naming a busy TSS: #GP(TSS selector),
 *    EXT clear; ud2 (#UD) through such a gate: #GP(TSS selector + EXT).
 * After the commit point, in the new task's context: #TS, #NP and #SS go
 * through task gates to fault tasks, which print the error code they find
 * on their stack, their back link (the new task) and what the new task's
 * TSS holds (its saved EIP is its first instruction, its selectors are the
 * bad ones), then repair the bad field and iret to the new task, which runs
 * and irets to the main task:
 *  - SS a code segment: #TS(SS); CS a data segment: #TS(CS); DS beyond the
 *    GDT limit: #TS(DS); DS not present: #NP(DS); SS not present: #SS(SS);
 *    the LDT selector naming a data segment: #TS(LDT).
 * QEMU 7.2 TCG differs from the SDM in two places; ts_faults.qemu.expect
 * has QEMU's output:
 *  - it never sets EXT in error codes (the ud2 case gives 0x28, the SDM
 *    0x29: EXT is set when the fault happens while delivering an event
 *    other than INT n/INT3/INTO);
 *  - after the commit point it saves, as the new task's EIP, the address of
 *    the old task's lcall instead of the new task's first instruction (its
 *    helper's fault unwinds EIP to the instruction that started the
 *    switch), so "eip at entry" is 0 there. The SDM (7.3: a fault after the
 *    commit point is generated "prior to beginning execution of the new
 *    task", whose state is loaded) gives 1. The fault tasks set that EIP to
 *    the entry before their iret, so that both runs go on the same way;
 *  - a new SS not present gives #NP(SS) on QEMU; the SDM's table 7-1 says
 *    #SS(SS) ("stack segment is present in memory: #SS"). */
#include "idt.c"
#include "task.h"

#define SEL_X 0x30       /* the task under test */
#define SEL_F10 0x38     /* fault tasks for #TS, #NP, #SS */
#define SEL_F11 0x40
#define SEL_F12 0x48
#define SEL_SMALL 0x50   /* limit 0x66 */
#define SEL_NP_TSS 0x58  /* not present */
#define SEL_GATE_NP 0x60 /* task gate, not present */
#define SEL_GATE_BUSY 0x68
#define SEL_GATE_SMALL 0x70
#define SEL_NP_DATA 0x78 /* a data segment, not present */
#define SEL_GATE_X 0x80

static struct tss32 tss_x, tss_f10, tss_f11, tss_f12, tss_small __attribute__((aligned(128)));
static u8 stk_x[TASK_STACK], stk_f10[TASK_STACK], stk_f11[TASK_STACK],
    stk_f12[TASK_STACK] __attribute__((aligned(16)));
static struct tss32 *tss_main;

/* ---- before the commit point ---- */

static u16 target;
static void c_jmp(void *a)
{
    (void)a;
    /* ljmp *mem: the far pointer (offset, selector) at fp */
    static struct __attribute__((packed)) {
        u32 off;
        u16 sel;
    } fp;
    fp.off = 0;
    fp.sel = target;
    __asm__ volatile("movl $1f, trap_mark\n1:\tljmp *%0" : : "m"(fp) : "memory");
}

static void c_call(void *a)
{
    (void)a;
    static struct __attribute__((packed)) {
        u32 off;
        u16 sel;
    } fp;
    fp.off = 0;
    fp.sel = target;
    __asm__ volatile("movl $1f, trap_mark\n1:\tlcall *%0" : : "m"(fp) : "memory");
}

static void c_iret_nt(void *a)
{
    (void)a;
    tss_main->link = target;
    __asm__ volatile("pushfl\n\torl $0x4000, (%%esp)\n\tpopfl\n\t"
                     "movl $1f, trap_mark\n1:\tiret" ::: "memory");
}

static void c_int41(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tint $0x41" ::: "memory");
}

static void c_ud2(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tud2" ::: "memory");
}

static void pre(const char *what, void (*fn)(void *), u16 sel)
{
    target = sel;
    int r = run_catch(fn, 0);
    printf("%-30s sel=%04x -> ", what, sel);
    if (r < 0)
        printf("no fault\n");
    else
        printf("vec=%d err=%x at insn=%u | tr=%04x busy main=%u X=%u nt=%u\n", r,
               trap_last.err, trap_last.eip == trap_mark, str_(), busy(SEL_TSS), busy(SEL_X),
               (read_eflags() & EFL_NT) ? 1 : 0);
    tss_main->link = 0;
}

/* ---- after the commit point ---- */

u32 f_vec, f_err;
static u32 x_runs;
static void task_x(void);
static u16 *fix_at; /* the bad field in tss_x, and what the fault task puts there */
static u16 fix_val;

static void fault_body(void) __attribute__((used));
static void fault_body(void)
{
    struct tss32 *me = tss_at(str_());
    struct tss32 *x = tss_at(me->link);
    printf("  fault task: vec=%u err=%x tr=%04x link=%04x | X saved: eip at entry=%u "
           "cs=%04x ss=%04x ds=%04x es=%04x ldt=%04x\n",
           f_vec, f_err, str_(), me->link, x->eip == (u32)task_x,
           x->cs, x->ss, x->ds, x->es, x->ldt);
    *fix_at = fix_val;
    x->eip = (u32)task_x; /* what it should hold already; QEMU differs, see the top */
}

void fault_task(void);
__asm__(".text\n"
        "fault_task:\n\t"
        "movl %esi, f_vec\n\t"
        "popl f_err\n\t"
        "call fault_body\n\t"
        "iret\n\t"
        "jmp fault_task\n");

static void task_x(void)
{
    for (;;) {
        x_runs++;
        __asm__ volatile("iret");
    }
}

/* field: a selector field's offset in the TSS */
static void post(const char *what, u32 field_off, u16 bad, u16 good)
{
    u16 *field = (u16 *)((u8 *)&tss_x + field_off);
    task_init(&tss_x, task_x, stk_x);
    tss_desc(SEL_X, &tss_x, sizeof(tss_x) - 1, TSS_AVAIL);
    *field = bad;
    fix_at = field;
    fix_val = good;
    u32 runs = x_runs;
    printf("%s (%04x):\n", what, bad);
    __asm__ volatile("lcall $0x30, $0" ::: "memory");
    printf("  back in main: X ran=%u tr=%04x busy main=%u X=%u F10=%u F11=%u F12=%u\n",
           x_runs - runs, str_(), busy(SEL_TSS), busy(SEL_X), busy(SEL_F10), busy(SEL_F11),
           busy(SEL_F12));
    clts_();
}

static void fault_task_init(struct tss32 *t, u16 sel, u8 *stack, u32 vec)
{
    task_init(t, fault_task, stack);
    t->esi = vec;
    tss_desc(sel, t, sizeof(*t) - 1, TSS_AVAIL);
}

int main(void)
{
    cpu_init();
    tss_init();
    tss_main = tss_at(SEL_TSS);
    task_init(&tss_x, task_x, stk_x);
    tss_desc(SEL_X, &tss_x, sizeof(tss_x) - 1, TSS_AVAIL);
    task_init(&tss_small, task_x, stk_x);
    tss_desc(SEL_SMALL, &tss_small, 0x66, TSS_AVAIL);
    tss_desc(SEL_NP_TSS, &tss_x, sizeof(tss_x) - 1, TSS_AVAIL & 0x7f);
    gdt[SEL_GATE_NP >> 3] = task_gate(SEL_X, 0, 0);
    gdt[SEL_GATE_BUSY >> 3] = task_gate(SEL_TSS, 0, 1);
    gdt[SEL_GATE_SMALL >> 3] = task_gate(SEL_SMALL, 0, 1);
    gdt[SEL_GATE_X >> 3] = task_gate(SEL_X, 0, 1);
    gdt[SEL_NP_DATA >> 3] = seg_desc(0, 0xfffff, ACC_DATA & 0x7f, FL_G | FL_DB);

    printf("-- before the commit point (old task)\n");
    pre("jmp, TSS limit 0x66", c_jmp, SEL_SMALL);
    pre("jmp, TSS not present", c_jmp, SEL_NP_TSS);
    pre("jmp, TSS busy", c_jmp, SEL_TSS);
    pre("call, TSS busy", c_call, SEL_TSS);
    pre("jmp, RPL 3 > TSS DPL 0", c_jmp, SEL_X | 3);
    pre("call, gate not present", c_call, SEL_GATE_NP);
    pre("call, RPL 3 > gate DPL 0", c_call, SEL_GATE_X | 3);
    pre("jmp, gate to a busy TSS", c_jmp, SEL_GATE_BUSY);
    pre("call, gate to TSS limit 0x66", c_call, SEL_GATE_SMALL);
    pre("iret NT, link not busy", c_iret_nt, SEL_X);
    pre("iret NT, link null", c_iret_nt, 0);
    idt_set(0x41, 0, SEL_TSS, TASK_GATE, 0, 1);
    pre("int $0x41, gate to busy TSS", c_int41, SEL_TSS);
    idt_set(6, 0, SEL_TSS, TASK_GATE, 0, 1);
    pre("ud2, gate to busy TSS", c_ud2, SEL_TSS);
    idt_gate(6, GATE_INT, 0, 1);

    printf("-- after the commit point (new task)\n");
    fault_task_init(&tss_f10, SEL_F10, stk_f10, 10);
    fault_task_init(&tss_f11, SEL_F11, stk_f11, 11);
    fault_task_init(&tss_f12, SEL_F12, stk_f12, 12);
    idt_set(10, 0, SEL_F10, TASK_GATE, 0, 1);
    idt_set(11, 0, SEL_F11, TASK_GATE, 0, 1);
    idt_set(12, 0, SEL_F12, TASK_GATE, 0, 1);
    post("SS a code segment", __builtin_offsetof(struct tss32, ss), SEL_KCODE, SEL_KDATA);
    post("CS a data segment", __builtin_offsetof(struct tss32, cs), SEL_KDATA, SEL_KCODE);
    post("DS beyond the GDT limit", __builtin_offsetof(struct tss32, ds), 0x3f8, SEL_KDATA);
    post("DS not present", __builtin_offsetof(struct tss32, ds), SEL_NP_DATA, SEL_KDATA);
    post("SS not present", __builtin_offsetof(struct tss32, ss), SEL_NP_DATA, SEL_KDATA);
    post("LDT a data segment", __builtin_offsetof(struct tss32, ldt), SEL_KDATA, 0);
    return 0;
}
