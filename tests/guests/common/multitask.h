/* multitask.h - a small multitasking kernel for the ring-3 guest tests
 * (de_tasks, de_hostile): the guest side of what direct execution of
 * ring-3 code must reproduce exactly (btvmm issue 8). Header-only; include
 * after "idt.c" and "paging.h".
 *
 * The machine it sets up, modelled on 32-bit Linux:
 *  - GDT (limit 0x7f, entries 0..15): 0x08/0x10 kernel code/data (the trap
 *    stubs of idt.c use them), 0x28 the TSS (tss_init), 0x33 (entry 6) the
 *    TLS segment (DPL 3 data, base per task, byte limit 0xfff; a task loads
 *    it into %gs itself with `mov`, as glibc does), 0x60/0x68 kernel
 *    code/data for SYSENTER (SYSENTER_CS = 0x60), 0x73/0x7b user code/data
 *    (entries 14/15, what SYSEXIT loads), 0x48 (entry 9) the LDT a task
 *    asks for with set_ldt (its entry 6: DPL 3 data at U_TLS + 0x800, byte
 *    limit 0xfff; the others null). Entries 3, 4, 7, 8, 10, 11 are null:
 *    entry 4 (0x23) is the host's compat-mode code selector and 6 (0x33)
 *    its 64-bit one, which hostile user code must not reach.
 *  - IDT: every vector an interrupt gate (idt.c), DPL 3 for #BP (3), #OF
 *    (4) and int $0x80; int $0x81 stays DPL 0.
 *  - Paging: each task has its own page directory (CR3 switched with the
 *    task); the low 8 MiB is identity-mapped supervisor-only in all of
 *    them (page tables shared), except the pages of the `.text.user`
 *    section (user programs), which are user read-only. Per task:
 *      U_INFO   RW   task id, catch record, scratch (the task's data)
 *      U_TLS    RW   the TLS page (the %gs base is U_TLS + TLS_OFF(id))
 *      U_RO     RO   words U_RO_WORD(o) at offset o
 *      U_SUP    supervisor-only, in the user range
 *      U_VVAR   RO   the kernel writes the task's preemption count here
 *      U_DEMAND (16 pages) and U_DEMAND2: demand paged; a read of a
 *               missing page maps a shared zero page read-only, a write
 *               to it (error 7) or to a missing page (error 6) a fresh
 *               zeroed page; each such fault is logged in the task's output
 *      U_STACK_TOP - 8 KiB: the user stack
 *  - A TSS whose ESP0 is the current task's kernel stack (changed at every
 *    switch, as Linux does); CR0 = PE MP ET NE WP AM PG, CR4.OSFXSR and
 *    OSXMMEXCPT set, CR0.TS clear; FPU/SSE state saved and restored with
 *    fxsave/fxrstor at every task switch; CR4.TSD, SYSENTER_CS and LDTR
 *    (null, or 0x48 after set_ldt(1)) per task.
 *  - Entries from ring 3: int $0x80 and sysenter (the vsyscall convention
 *    of Linux: push ecx, edx, ebp; ebp = esp; sysenter; the kernel reads the
 *    three back from the user stack and returns to u_sysenter_ret), the
 *    PIT's IRQ 0 through the 8259 (100 Hz; each tick in ring 3 counts as a
 *    preemption of the task, and moves to the next task round-robin unless
 *    the task was switched to since the previous tick) and the exceptions. A task's user state is the trap frame at the top of its own
 *    kernel stack; a switch loads the other task's frame (iret, or sysexit
 *    when the frame is at u_sysenter_ret, where both are equivalent).
 *  - Faults from ring 3 that are not demand paging: when the task armed a
 *    catch (U_TRY / U_ARM below: a record in its U_INFO page), the kernel
 *    appends "vec=V err=E [cr2=C] [eip=+N]" (N relative to the armed mark)
 *    to the task's output and resumes it at the armed resume address, with
 *    the armed ESP, DS=ES=0x7b, FS=GS=0 and EFLAGS 0x202. Otherwise it kills
 *    the task ("killed: vec=V err=E [cr2=C]").
 *  - Output: a write syscall appends to the task's buffer (after checking
 *    the range is user-readable in the task's page tables), so what a task
 *    prints does not depend on the interleaving. When every task has
 *    exited, the buffers are printed on COM1 in task order and the guest
 *    exits through port 0xf4.
 *
 * Syscalls (eax = number, ebx/ecx/edx = arguments, eax = result; an unknown
 * number returns -38, a bad user range -14):
 *   0 exit(code)  1 write(ptr, len)  2 yield()  3 getpid()
 *   4 nofault(): ends an armed catch whose instruction did not fault
 *     ("no exception")   5 set_tsd(on)   6 set_sysenter_cs(value)
 *   7 preempts(): this task's preemption count   8 set_ldt(on)
 *   9 cpuid_cmp(leaf, regs): which of the 4 words at regs (EAX, EBX, ECX,
 *     EDX of cpuid leaf, subleaf 0, as ring 3 saw them) differ from what
 *     the kernel's cpuid gives: bit 0 EAX .. bit 3 EDX
 */
#ifndef GUEST_MULTITASK_H
#define GUEST_MULTITASK_H
#include "paging.h"

#define SEL_TLS 0x33
#define SEL_SE_KCODE 0x60
#define SEL_SE_KDATA 0x68
#define SEL_U_CODE 0x73
#define SEL_U_DATA 0x7b
#define SEL_LDT 0x48
#define MK_LDT_DATA (U_TLS + 0x800u) /* base of the LDT's entry 6 */
#define MK_GDT_LIMIT 0x7f /* 16 entries */

#define U_INFO 0x40000000u
#define U_TLS 0x40001000u
#define U_RO 0x40002000u
#define U_SUP 0x40003000u
#define U_VVAR 0x40004000u
#define U_DEMAND 0x50000000u
#define U_DEMAND_PAGES 16
#define U_DEMAND2 0x50400000u /* its own page table, made at the fault */
#define U_STACK_TOP 0xc0000000u
#define TLS_OFF(id) (0x100u * ((id) + 1))
#define TLS_WORD(owner, id) (0x71500000u | ((u32)(owner) << 8) | (u32)(id))
#define U_RO_WORD(o) (0x20200000u + (u32)(o))

/* U_INFO layout (offsets) */
#define UI_ID 0x00
#define UI_CATCH_ARMED 0x10 /* bit 0 armed, bit 1: do not report EIP */
#define UI_CATCH_MARK 0x14
#define UI_CATCH_RESUME 0x18
#define UI_CATCH_ESP 0x1c
#define UI_SCRATCH 0x100 /* free for the user programs */

#define SYS_EXIT 0
#define SYS_WRITE 1
#define SYS_YIELD 2
#define SYS_GETPID 3
#define SYS_NOFAULT 4
#define SYS_SET_TSD 5
#define SYS_SET_SYSENTER_CS 6
#define SYS_PREEMPTS 7
#define SYS_SET_LDT 8
#define SYS_CPUID_CMP 9
#define ENOSYS 38
#define EFAULT 14

#define MK_MAX_TASKS 6
#define MK_KSTACK 8192
#define MK_OUT 3072
#define MK_VEC_SYSENTER 0x100 /* the vec field of a frame made by sysenter */
#define MK_HZ_COUNT 11932     /* PIT count: 100 Hz (slow hosts must progress) */

#define MSR_SE_CS 0x174
#define MSR_SE_ESP 0x175
#define MSR_SE_EIP 0x176

/* ---- the user side: library and macros (section .text.user) ---- */
__asm__(".set SYS_EXIT, 0\n.set SYS_WRITE, 1\n.set SYS_YIELD, 2\n.set SYS_GETPID, 3\n"
        ".set SYS_NOFAULT, 4\n.set SYS_SET_TSD, 5\n.set SYS_SET_SYSENTER_CS, 6\n"
        ".set SYS_PREEMPTS, 7\n.set SYS_SET_LDT, 8\n.set SYS_CPUID_CMP, 9\n"
        ".set U_INFO, 0x40000000\n.set U_TLS, 0x40001000\n.set U_RO, 0x40002000\n"
        ".set U_SUP, 0x40003000\n.set U_VVAR, 0x40004000\n.set U_DEMAND, 0x50000000\n"
        ".set U_DEMAND2, 0x50400000\n.set U_SCR, 0x40000100\n"
        /* int $0x80 */
        ".macro U_SYS nr\n"
        "  movl $\\nr, %eax\n"
        "  int $0x80\n"
        ".endm\n"
        /* through sysenter (u_vsyscall) */
        ".macro U_SYSE nr\n"
        "  movl $\\nr, %eax\n"
        "  call u_vsyscall\n"
        ".endm\n"
        /* append a string to the task's output (int $0x80 or sysenter) */
        ".macro U_PUTS s\n"
        "  jmp .Lps\\@\n"
        ".Lpd\\@: .ascii \"\\s\"\n"
        ".Lps\\@: movl $.Lpd\\@, %ebx\n"
        "  movl $(.Lps\\@ - .Lpd\\@), %ecx\n"
        "  U_SYS SYS_WRITE\n"
        ".endm\n"
        ".macro U_PUTS_SE s\n"
        "  jmp .Lps\\@\n"
        ".Lpd\\@: .ascii \"\\s\"\n"
        ".Lps\\@: movl $.Lpd\\@, %ebx\n"
        "  movl $(.Lps\\@ - .Lpd\\@), %ecx\n"
        "  U_SYSE SYS_WRITE\n"
        ".endm\n"
        /* arm a catch: a fault at mark is reported relative to mark and the
         * task resumes at resume with this ESP. Clobbers nothing. */
        ".macro U_ARM flags, mark, resume\n"
        "  movl $\\mark, U_INFO+0x14\n"
        "  movl $\\resume, U_INFO+0x18\n"
        "  movl %esp, U_INFO+0x1c\n"
        "  movl $(1 | \\flags), U_INFO+0x10\n"
        ".endm\n"
        ".macro U_NOFAULT\n"
        "  U_SYS SYS_NOFAULT\n"
        ".endm\n"
        /* "desc: " then the outcome of one instruction (or a sequence whose
         * first instruction is the one expected to fault) */
        ".macro U_TRY desc, flags, insn:vararg\n"
        "  U_PUTS \"\\desc: \"\n"
        "  U_ARM \\flags, .Ltm\\@, .Ltr\\@\n"
        ".Ltm\\@: \\insn\n"
        "  U_NOFAULT\n"
        ".Ltr\\@:\n"
        ".endm\n"
        /* print eax in hex (8 digits), keeps every register */
        ".macro U_HEX\n"
        "  call u_puthex\n"
        ".endm\n"
        ".macro U_NL\n"
        "  call u_putnl\n"
        ".endm\n"
        ".section .text.user, \"ax\"\n"
        ".p2align 12\n"
        ".globl mk_utext_start\n"
        "mk_utext_start:\n"
        /* Linux's __kernel_vsyscall */
        "u_vsyscall:\n"
        "  pushl %ecx\n"
        "  pushl %edx\n"
        "  pushl %ebp\n"
        "  movl %esp, %ebp\n"
        "  sysenter\n"
        ".globl u_sysenter_ret\n"
        "u_sysenter_ret:\n"
        "  popl %ebp\n"
        "  popl %edx\n"
        "  popl %ecx\n"
        "  ret\n"
        "u_hexdigits: .ascii \"0123456789abcdef\"\n"
        "u_puthex:\n"
        "  pushal\n"
        "  subl $8, %esp\n"
        "  movl $8, %ecx\n"
        "  movl %esp, %edi\n"
        "1: roll $4, %eax\n"
        "  movl %eax, %edx\n"
        "  andl $15, %edx\n"
        "  movb u_hexdigits(%edx), %dl\n"
        "  movb %dl, (%edi)\n"
        "  incl %edi\n"
        "  decl %ecx\n"
        "  jnz 1b\n"
        "  movl %esp, %ebx\n"
        "  movl $8, %ecx\n"
        "  U_SYS SYS_WRITE\n"
        "  addl $8, %esp\n"
        "  popal\n"
        "  ret\n"
        "u_putnl:\n"
        "  pushal\n"
        "  U_PUTS \"\\n\"\n"
        "  popal\n"
        "  ret\n"
        ".text\n");
/* A test ends its user programs with MK_UTEXT_END (in .text.user). */
#define MK_UTEXT_END ".p2align 12\n.globl mk_utext_end\nmk_utext_end:\n"
extern char mk_utext_start[], mk_utext_end[], u_sysenter_ret[];

/* ---- the kernel ---- */
struct mk_task {
    u8 fx[512] __attribute__((aligned(16))); /* fxsave image */
    u32 id, live;
    u32 pd;
    u32 kstack_top;
    struct trapframe *tf; /* the user state: the frame at the top of the kernel stack */
    u32 info, tls, vvar;  /* frames (identity addresses) */
    u32 tsd, sysenter_cs, ldt;
    u32 preempts;
    u32 out_n;
    char out[MK_OUT];
};

static struct mk_task mk_tasks[MK_MAX_TASKS] __attribute__((aligned(16)));
static u8 mk_kstacks[MK_MAX_TASKS][MK_KSTACK] __attribute__((aligned(16)));
static u8 mk_se_stack[256] __attribute__((aligned(16))); /* SYSENTER_ESP: never used */
static u8 mk_fx_init[512] __attribute__((aligned(16)));
static u32 mk_ntasks;
static struct mk_task *mk_cur;
static u32 mk_kpd;      /* the kernel's page directory (low 8 MiB) */
static u32 mk_zero;     /* the shared zero page */
static u32 mk_msr_se_cs;
static u64 mk_ldt[8]; /* the LDT of set_ldt(1) */
static u32 mk_fresh; /* the current task was switched to since the last tick */
u32 mk_esp0; /* ESP0 of the current task, read by the sysenter entry */

static inline void mk_wrmsr(u32 msr, u32 lo, u32 hi)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi));
}

/* ---- output ---- */
static void mk_putc(struct mk_task *t, char c)
{
    if (t->out_n < MK_OUT)
        t->out[t->out_n++] = c;
}
static void mk_puts(struct mk_task *t, const char *s)
{
    while (*s)
        mk_putc(t, *s++);
}
static void mk_hex(struct mk_task *t, u32 v, int digits)
{
    for (int i = digits - 1; i >= 0; i--)
        mk_putc(t, "0123456789abcdef"[(v >> (4 * i)) & 15]);
}
static void mk_hexmin(struct mk_task *t, u32 v)
{
    int d = 1;
    while (d < 8 && (v >> (4 * d)))
        d++;
    mk_hex(t, v, d);
}
static void mk_dec(struct mk_task *t, s32 v)
{
    char b[12];
    int n = 0;
    u32 u = v < 0 ? -(u32)v : (u32)v;
    if (v < 0)
        mk_putc(t, '-');
    do {
        b[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        mk_putc(t, b[--n]);
}

static void __attribute__((noreturn)) mk_panic(const char *what, struct trapframe *f)
{
    printf("PANIC: %s vec=%x err=%x eip=%08x cs=%04x\n", what, f->vec, f->err, f->eip, f->cs);
    outb(0xf4, 3);
    for (;;)
        __asm__ volatile("cli\n\thlt");
}

/* ---- user memory ---- */
/* Is [va, va+len) mapped for ring 3 (and writable if write) in the
 * current task's page tables? */
static int mk_user_ok(u32 va, u32 len, int write)
{
    if (len == 0)
        return 1;
    if (va + len - 1 < va)
        return 0;
    u32 need = PTE_P | PTE_U | (write ? PTE_W : 0);
    for (u32 p = va & PG_ADDR; p <= ((va + len - 1) & PG_ADDR); p += 4096) {
        u32 pde = *pg_pde(mk_cur->pd, p);
        if ((pde & need) != need)
            return 0;
        u32 pte = ((volatile u32 *)(pde & PG_ADDR))[(p >> 12) & 1023];
        if ((pte & need) != need)
            return 0;
        if (p == 0xfffff000u)
            break;
    }
    return 1;
}

/* ---- switching ---- */
__asm__(".text\n"
        /* mk_iret_frame(f): return to the state in f */
        "mk_iret_frame:\n"
        "  movl 4(%esp), %esp\n"
        "  popl %gs\n"
        "  popl %fs\n"
        "  popl %es\n"
        "  popl %ds\n"
        "  popal\n"
        "  addl $8, %esp\n"
        "  iret\n"
        /* mk_sysexit_frame(f): the same through sysexit; f->edx = EIP,
         * f->ecx = ESP and f->eflags has IF clear (set again by sti, whose
         * shadow covers the sysexit) */
        "mk_sysexit_frame:\n"
        "  movl 4(%esp), %esp\n"
        "  popl %gs\n"
        "  popl %fs\n"
        "  popl %es\n"
        "  popl %ds\n"
        "  popal\n"
        "  addl $16, %esp\n"
        "  popfl\n"
        "  sti\n"
        "  sysexit\n"
        /* the SYSENTER entry: a trap frame as int $0x80 makes one, with the
         * user's ESP from EBP and EIP = u_sysenter_ret */
        "mk_sysenter_entry:\n"
        "  movl %ss:mk_esp0, %esp\n"
        "  pushl $0x7b\n"
        "  pushl %ebp\n"
        "  pushfl\n"
        "  orl $0x200, (%esp)\n"
        "  pushl $2\n" /* NT, AC, DF, TF as the user left them must not stay */
        "  popfl\n"
        "  pushl $0x73\n"
        "  pushl $u_sysenter_ret\n"
        "  pushl $0\n"
        "  pushl $0x100\n"
        "  pushal\n"
        "  pushl %ds\n"
        "  pushl %es\n"
        "  pushl %fs\n"
        "  pushl %gs\n"
        "  movl $0x10, %eax\n"
        "  movw %ax, %ds\n"
        "  movw %ax, %es\n"
        "  pushl %esp\n"
        "  call mk_sysenter_c\n"
        "1: hlt\n"
        "  jmp 1b\n");
void mk_iret_frame(struct trapframe *f) __attribute__((noreturn));
void mk_sysexit_frame(struct trapframe *f) __attribute__((noreturn));
extern char mk_sysenter_entry[];

static void mk_finish(void) __attribute__((noreturn));

/* Leave the kernel into task t (the current one or another). */
static void __attribute__((noreturn)) mk_enter(struct mk_task *t)
{
    if (t != mk_cur) {
        if (mk_cur && mk_cur->live)
            __asm__ volatile("fxsave %0" : "=m"(mk_cur->fx));
        __asm__ volatile("fxrstor %0" : : "m"(t->fx));
        write_cr3(t->pd);
        mk_cur = t;
        mk_fresh = 1;
    }
    tss_.esp0 = mk_esp0 = t->kstack_top;
    /* the TLS descriptor: the task's pop of %gs (or its own mov) loads it */
    gdt[SEL_TLS >> 3] = seg_desc(U_TLS + TLS_OFF(t->id), 0xfff, 0xf2, FL_DB);
    u32 cr4 = read_cr4();
    u32 want = t->tsd ? (cr4 | 4u) : (cr4 & ~4u);
    if (want != cr4)
        write_cr4(want);
    /* before the frame's segments are popped: they may be LDT selectors */
    __asm__ volatile("lldt %w0" : : "r"(t->ldt ? SEL_LDT : 0));
    if (mk_msr_se_cs != t->sysenter_cs) {
        mk_msr_se_cs = t->sysenter_cs;
        mk_wrmsr(MSR_SE_CS, mk_msr_se_cs, 0);
    }
    struct trapframe *f = t->tf;
    /* At u_sysenter_ret the user pops EBP, EDX and ECX from its stack, so
     * sysexit's ECX/EDX do not matter there (as in Linux's vDSO). */
    if (f->eip == (u32)u_sysenter_ret && f->cs == SEL_U_CODE && f->ss == SEL_U_DATA &&
        t->sysenter_cs == SEL_SE_KCODE) {
        f->edx = f->eip;
        f->ecx = f->esp;
        f->eflags &= ~EFL_IF;
        mk_sysexit_frame(f);
    }
    mk_iret_frame(f);
}

/* The next live task after mk_cur, round robin (mk_cur itself if it is
 * the only one); prints everything when none is left. */
static void __attribute__((noreturn)) mk_schedule(void)
{
    for (u32 k = 1; k <= mk_ntasks; k++) {
        struct mk_task *t = &mk_tasks[(mk_cur->id + k) % mk_ntasks];
        if (t->live)
            mk_enter(t);
    }
    mk_finish();
}

static void __attribute__((noreturn)) mk_exit(struct mk_task *t)
{
    t->live = 0;
    mk_schedule();
}

/* ---- system calls ---- */
static void __attribute__((noreturn)) mk_syscall(struct trapframe *f)
{
    struct mk_task *t = mk_cur;
    u32 *info = (u32 *)t->info;
    switch (f->eax) {
    case SYS_EXIT:
        mk_puts(t, "exit ");
        mk_dec(t, (s32)f->ebx);
        mk_putc(t, '\n');
        mk_exit(t);
    case SYS_WRITE:
        if (!mk_user_ok(f->ebx, f->ecx, 0) || f->ecx > MK_OUT) {
            f->eax = (u32)-EFAULT;
            break;
        }
        for (u32 i = 0; i < f->ecx; i++)
            mk_putc(t, ((const char *)f->ebx)[i]);
        f->eax = f->ecx;
        break;
    case SYS_YIELD:
        f->eax = 0;
        mk_schedule();
    case SYS_GETPID: f->eax = t->id; break;
    case SYS_NOFAULT:
        if (info[UI_CATCH_ARMED / 4] & 1)
            mk_puts(t, "no exception\n");
        info[UI_CATCH_ARMED / 4] = 0;
        f->eax = 0;
        break;
    case SYS_SET_TSD:
        t->tsd = f->ebx != 0;
        f->eax = 0;
        mk_enter(t); /* applies it */
    case SYS_SET_SYSENTER_CS:
        t->sysenter_cs = f->ebx;
        f->eax = 0;
        mk_enter(t);
    case SYS_PREEMPTS: f->eax = t->preempts; break;
    case SYS_CPUID_CMP: {
        if (!mk_user_ok(f->ecx, 16, 0)) {
            f->eax = (u32)-EFAULT;
            break;
        }
        u32 r[4];
        __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                         : "a"(f->ebx), "c"(0));
        const u32 *u = (const u32 *)f->ecx;
        f->eax = 0;
        for (int i = 0; i < 4; i++)
            if (u[i] != r[i])
                f->eax |= 1u << i;
        break;
    }
    case SYS_SET_LDT:
        t->ldt = f->ebx != 0;
        f->eax = 0;
        break; /* mk_enter applies it */
    default: f->eax = (u32)-ENOSYS; break;
    }
    mk_enter(t);
}

void mk_sysenter_c(struct trapframe *f) __attribute__((used, noreturn));
void mk_sysenter_c(struct trapframe *f)
{
    u32 ubp = f->esp;
    if (!mk_user_ok(ubp, 12, 0)) {
        f->eax = (u32)-EFAULT;
        mk_enter(mk_cur);
    }
    f->ebp = ((u32 *)ubp)[0];
    f->edx = ((u32 *)ubp)[1];
    f->ecx = ((u32 *)ubp)[2];
    mk_syscall(f);
}

static void mk_int80(struct trapframe *f)
{
    if ((f->cs & 3) != 3)
        mk_panic("int $0x80 from ring 0", f);
    mk_syscall(f);
}

/* ---- the timer ---- */
static void mk_irq0(struct trapframe *f)
{
    pic_eoi(0);
    if ((f->cs & 3) != 3)
        mk_panic("IRQ 0 in the kernel", f);
    mk_cur->preempts++;
    *(volatile u32 *)mk_cur->vvar = mk_cur->preempts;
    /* A task switched to since the last tick keeps the CPU until the next
     * one: when a switch costs more than a tick (a slow or loaded host),
     * the pending tick would otherwise take every task away again before
     * its first instruction, and nothing would make progress. */
    if (mk_fresh) {
        mk_fresh = 0;
        mk_enter(mk_cur);
    }
    mk_schedule();
}

/* ---- faults ---- */
static int mk_demand(struct mk_task *t, u32 cr2, u32 err)
{
    int in1 = cr2 >= U_DEMAND && cr2 < U_DEMAND + U_DEMAND_PAGES * 4096u;
    int in2 = cr2 >= U_DEMAND2 && cr2 < U_DEMAND2 + 4096u;
    if (!(err & PF_U) || !(in1 || in2))
        return 0;
    volatile u32 *pte = pg_pte(t->pd, cr2);
    const char *what;
    if (!(err & PF_P)) {
        if (err & PF_W) {
            *pte = pg_alloc() | PTE_P | PTE_W | PTE_U;
            what = "new page";
        } else {
            *pte = mk_zero | PTE_P | PTE_U;
            what = "zero page";
        }
        /* a not-present entry is never cached: no invlpg (as Linux) */
    } else if ((err & PF_W) && (*pte & PG_ADDR) == mk_zero) {
        *pte = pg_alloc() | PTE_P | PTE_W | PTE_U;
        invlpg(cr2);
        what = "copy of the zero page";
    } else {
        return 0;
    }
    mk_puts(t, "  [#PF cr2=");
    mk_hex(t, cr2, 8);
    mk_puts(t, " err=");
    mk_hexmin(t, err);
    mk_puts(t, ": ");
    mk_puts(t, what);
    mk_puts(t, "]\n");
    return 1;
}

static void mk_fault(struct trapframe *f)
{
    struct mk_task *t = mk_cur;
    if ((f->cs & 3) != 3)
        mk_panic("fault in the kernel", f);
    u32 cr2 = read_cr2();
    if (f->vec == 14 && mk_demand(t, cr2, f->err))
        mk_enter(t);
    u32 *info = (u32 *)t->info;
    u32 armed = info[UI_CATCH_ARMED / 4];
    mk_puts(t, (armed & 1) ? "vec=" : "killed: vec=");
    mk_dec(t, (s32)f->vec);
    mk_puts(t, " err=");
    mk_hexmin(t, f->err);
    if (f->vec == 14) {
        mk_puts(t, " cr2=");
        mk_hex(t, cr2, 8);
    }
    if (!(armed & 1)) {
        mk_putc(t, '\n');
        mk_exit(t);
    }
    if (!(armed & 2)) {
        mk_puts(t, " eip=");
        s32 d = (s32)(f->eip - info[UI_CATCH_MARK / 4]);
        if (d >= 0)
            mk_putc(t, '+');
        mk_dec(t, d);
    }
    mk_putc(t, '\n');
    info[UI_CATCH_ARMED / 4] = 0;
    f->eip = info[UI_CATCH_RESUME / 4];
    f->esp = info[UI_CATCH_ESP / 4];
    f->cs = SEL_U_CODE;
    f->ss = f->ds = f->es = SEL_U_DATA;
    f->fs = f->gs = 0;
    f->eflags = 0x202;
    mk_enter(t);
}

/* ---- set-up ---- */
static void mk_init(void)
{
    cpu_init();
    tss_init();
    gdt[3] = gdt[4] = 0; /* cpu_init's user segments: 0x1b, 0x23 */
    for (int i = 6; i < 12; i++)
        gdt[i] = 0;
    gdt[SEL_SE_KCODE >> 3] = seg_desc(0, 0xfffff, ACC_CODE, FL_G | FL_DB);
    gdt[SEL_SE_KDATA >> 3] = seg_desc(0, 0xfffff, ACC_DATA, FL_G | FL_DB);
    gdt[SEL_U_CODE >> 3] = seg_desc(0, 0xfffff, ACC_CODE | 0x60, FL_G | FL_DB);
    gdt[SEL_U_DATA >> 3] = seg_desc(0, 0xfffff, ACC_DATA | 0x60, FL_G | FL_DB);
    struct __attribute__((packed)) {
        u16 limit;
        u32 base;
    } r = {MK_GDT_LIMIT, (u32)gdt};
    __asm__ volatile("lgdt %0" : : "m"(r) : "memory");
    /* LDTR null (as Linux): an LDT selector then faults whatever the
     * loader left in LDTR (after reset: base 0, limit 0xffff) */
    __asm__ volatile("lldt %w0" : : "r"(0));
    mk_ldt[6] = seg_desc(MK_LDT_DATA, 0xfff, 0xf2, FL_DB);
    gdt[SEL_LDT >> 3] = seg_desc((u32)mk_ldt, sizeof(mk_ldt) - 1, 0x82, 0);

    idt_gate(3, GATE_INT, 3, 1);
    idt_gate(4, GATE_INT, 3, 1);
    idt_gate(0x80, GATE_INT, 3, 1);
    for (int v = 0; v < 32; v++)
        trap_handlers[v] = mk_fault;
    trap_handlers[0x20] = mk_irq0;
    trap_handlers[0x80] = mk_int80;

    /* paging: the kernel supervisor-only, the user programs user read-only */
    mk_kpd = pg_new_pd(PTE_P | PTE_W);
    for (u32 p = (u32)mk_utext_start; p < (u32)mk_utext_end; p += 4096)
        pg_map(mk_kpd, p, p, PTE_P | PTE_U);
    mk_zero = pg_alloc();
    pg_enable(mk_kpd);
    write_cr0(read_cr0() | 0x2u | 0x20u | (1u << 18)); /* MP NE AM */
    write_cr0(read_cr0() & ~0xcu);                     /* EM TS clear */
    write_cr4(read_cr4() | (1u << 9) | (1u << 10));    /* OSFXSR OSXMMEXCPT */
    u32 mxcsr = 0x1f80;
    __asm__ volatile("fninit\n\tldmxcsr %1\n\tfxsave %0" : "=m"(mk_fx_init) : "m"(mxcsr));

    mk_msr_se_cs = SEL_SE_KCODE;
    mk_wrmsr(MSR_SE_CS, SEL_SE_KCODE, 0);
    mk_wrmsr(MSR_SE_ESP, (u32)mk_se_stack + sizeof(mk_se_stack), 0);
    mk_wrmsr(MSR_SE_EIP, (u32)mk_sysenter_entry, 0);
}

/* A ring-3 task starting at entry (a label in .text.user). */
static struct mk_task *mk_spawn(void (*entry)(void))
{
    struct mk_task *t = &mk_tasks[mk_ntasks];
    memset(t, 0, sizeof(*t));
    t->id = mk_ntasks++;
    t->live = 1;
    t->pd = pg_new_pd_sharing(mk_kpd);
    t->info = pg_alloc();
    t->tls = pg_alloc();
    t->vvar = pg_alloc();
    u32 ro = pg_alloc(), sup = pg_alloc();
    const u32 URW = PTE_P | PTE_W | PTE_U;
    pg_map(t->pd, U_INFO, t->info, URW);
    pg_map(t->pd, U_TLS, t->tls, URW);
    pg_map(t->pd, U_RO, ro, PTE_P | PTE_U);
    pg_map(t->pd, U_SUP, sup, PTE_P | PTE_W);
    pg_map(t->pd, U_VVAR, t->vvar, PTE_P | PTE_U);
    pg_map(t->pd, U_STACK_TOP - 0x2000, pg_alloc(), URW);
    pg_map(t->pd, U_STACK_TOP - 0x1000, pg_alloc(), URW);
    pg_pte(t->pd, U_DEMAND); /* the demand region's page table (U_DEMAND2: at the fault) */
    poke(t->info + UI_ID, t->id);
    for (u32 j = 0; j < MK_MAX_TASKS; j++)
        poke(t->tls + TLS_OFF(j), TLS_WORD(t->id, j));
    for (u32 o = 0; o < 4096; o += 4) {
        poke(ro + o, U_RO_WORD(o));
        poke(sup + o, 0x5e5e0000u + o);
    }
    memcpy(t->fx, mk_fx_init, sizeof(t->fx));
    t->sysenter_cs = SEL_SE_KCODE;
    t->kstack_top = (u32)mk_kstacks[t->id] + MK_KSTACK;
    struct trapframe *f = (struct trapframe *)(t->kstack_top - sizeof(struct trapframe));
    memset(f, 0, sizeof(*f));
    f->gs = f->fs = 0;
    f->ds = f->es = f->ss = SEL_U_DATA;
    f->cs = SEL_U_CODE;
    f->eip = (u32)entry;
    f->esp = U_STACK_TOP - 16;
    f->eflags = 0x202;
    t->tf = f;
    return t;
}

/* Start the timer and the first task; never returns. */
static void __attribute__((noreturn)) mk_start(void)
{
    outb(0x43, 0x34); /* PIT channel 0, mode 2 */
    outb(0x40, MK_HZ_COUNT & 0xff);
    outb(0x40, MK_HZ_COUNT >> 8);
    pic_unmask(0);
    mk_cur = 0;
    mk_enter(&mk_tasks[0]);
}

static void mk_finish(void)
{
    outb(0x43, 0x30); /* stop the timer */
    outb(0x40, 0);
    outb(0x40, 0);
    pic_mask(0);
    write_cr3(mk_kpd);
    for (u32 i = 0; i < mk_ntasks; i++) {
        struct mk_task *t = &mk_tasks[i];
        printf("== task %u ==\n", t->id);
        for (u32 k = 0; k < t->out_n; k++)
            serial_putc(t->out[k]);
        if (t->out_n == MK_OUT)
            printf("(output truncated)\n");
    }
    printf("all tasks done\n");
    outb(0xf4, 0);
    for (;;)
        __asm__ volatile("cli\n\thlt");
}

#endif
