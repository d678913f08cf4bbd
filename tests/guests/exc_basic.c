/* exc_basic: one exception of each kind delivered through the guest IDT at
 * CPL0, caught with run_catch() (common/idt.c). For each case the test prints
 * the vector, the error code (0 for vectors without one: the stub pushes 0)
 * and the saved EIP relative to a label placed on the faulting instruction
 * ("eip=+0" = the faulting instruction itself = fault; "+n" = the next
 * instruction = trap). All vectors are 32-bit interrupt gates unless stated.
 *
 *  #DE  div by 0, idiv overflow         fault, eip = the div
 *  #DB  icebp (F1, "INT1"): #DB trap, eip after it (Intel SDM INT1; QEMU
 *       7.2 TCG raises #UD instead: exc_basic.qemu.expect has that line); int $1 (CD 01): eip after it;
 *       single step: popf sets TF -> #DB after the instruction following
 *       popf, DR6.BS=1; stepping a sequence (the #DB handler irets with TF)
 *       traps after every instruction incl. the popf that clears TF
 *  #BP  int3 (CC) / int $3 (CD 03)      trap, eip after
 *  #OF  into with OF=1                  trap, eip after; OF=0: nothing
 *  #BR  bound out of range              fault; upper bound inclusive
 *  #UD  ud2, lock nop                   fault
 *  #NM  CR0.TS=1: fld1 (always); fwait only with CR0.MP=1   fault
 *  #GP  mov ds, selector beyond the GDT limit: err = selector & ~3 (RPL
 *       dropped); ljmp to the null selector: #GP(0); mov ss, null
 *       selector (RPL 0 or 3): #GP(0)
 *  #NP  mov ds, not-present data segment: err = selector
 *  #SS  mov ss, not-present writable data segment: err = selector
 *  #MF  CR0.NE=1, ZM unmasked, fdiv by 0, then fwait: fault at the fwait
 *  #XM  CR4.OSFXSR|OSXMMEXCPT, MXCSR.ZM=0, divss by 0: fault at divss;
 *       with OSXMMEXCPT=0 the same is #UD (QEMU 7.2 TCG never raises SSE
 *       numeric exceptions: no exception in exc_basic.qemu.expect). The
 *       hardware lines (icebp, divss) were confirmed on the host CPU from a
 *       32-bit Linux process (signal trapno/eip).
 *  int n through interrupt gates (0x30, 0xff: handler sees IF=0) and a trap
 *       gate (0x80: IF stays 1); TF is cleared in both; saved IF=1.
 * The write to a read-only data segment (#GP(0)) is in segs_checks, since
 * QEMU TCG does not check segment rights/limits on accesses. #AC needs
 * CPL3 and is not tested.
 */
#include "idt.c"

static const char *vname(u32 v)
{
    static const char *n[] = {"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "CSO",
                              "TS", "NP", "SS", "GP", "PF", "15", "MF", "AC", "MC", "XM"};
    return v < 20 ? n[v] : "int";
}

static void report(const char *name, int r)
{
    if (r < 0) {
        printf("%-14s no exception\n", name);
        return;
    }
    printf("%-14s vec=%d(#%s) err=%04x eip=+%d cs=%04x\n", name, r, vname(r), trap_last.err,
           (int)(trap_last.eip - trap_mark), trap_last.cs);
}

/* ---- cases: each stores the address of the label on the interesting
 * instruction in trap_mark, then executes it ---- */
static void c_div0(void *a)
{
    (void)a;
    __asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tdivl %%ecx" ::: "eax", "ecx", "edx", "memory");
}

static void c_idiv_ovf(void *a)
{
    (void)a;
    __asm__ volatile("movl $0x80000000, %%eax\n\tcltd\n\tmovl $-1, %%ecx\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tidivl %%ecx" ::: "eax", "ecx", "edx", "memory");
}

static void c_icebp(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\t.byte 0xf1\n\tnop" ::: "memory");
}

static void c_int1(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tint $1\n\tnop" ::: "memory");
}

static void c_single_step(void *a)
{
    (void)a;
    __asm__ volatile("movl $0, %%eax\n\tmovl %%eax, %%dr6\n\t"
                     "pushfl\n\torl $0x100, (%%esp)\n\t"
                     "movl $1f, trap_mark\n\t"
                     "popfl\n"
                     "1:\tmovl $0x1234, %%eax\n\t" /* 5 bytes; #DB after it */
                     "nop\n\tnop" ::: "eax", "memory", "cc");
}

static u32 step_eips[16];
static u32 step_n;
static void step_handler(struct trapframe *f)
{
    if (step_n < 16)
        step_eips[step_n] = f->eip;
    step_n++;
}

static void c_step_seq(void *a)
{
    (void)a;
    __asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\t"
                     "movl $1f, trap_mark\n\t"
                     "popfl\n"
                     "1:\tnop\n\t"                  /* +1 */
                     "movl $5, %%eax\n\t"           /* +6 */
                     "addl %%eax, %%eax\n\t"        /* +8 */
                     "pushfl\n\t"                   /* +9 */
                     "andl $~0x100, (%%esp)\n\t"    /* +16 (81 24 24 imm32) */
                     "popfl\n\t"                    /* +17: TF was 1 at its start -> trap */
                     "nop\n\tnop" ::: "eax", "memory", "cc");
}

static void c_int3(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tint3\n\tnop" ::: "memory");
}

static void c_int_3(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\t.byte 0xcd, 0x03\n\tnop" ::: "memory");
}

static void c_into(void *a)
{
    __asm__ volatile("movl %0, %%eax\n\taddl $1, %%eax\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tinto\n\tnop" : : "r"((u32)a) : "eax", "memory", "cc");
}

static s32 bounds[2] = {0, 10};
static void c_bound(void *a)
{
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tboundl %0, %1" : : "r"((u32)a), "m"(bounds) : "memory");
}

static void c_ud2(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tud2\n\tnop" ::: "memory");
}

static void c_lock_nop(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\t.byte 0xf0, 0x90\n\tnop" ::: "memory");
}

static void c_fld1(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tfld1\n\tfstp %%st(0)" ::: "memory");
}

static void c_fwait(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tfwait\n\tnop" ::: "memory");
}

static void c_bad_sel(void *a)
{
    __asm__ volatile("movl %0, %%eax\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tmovw %%ax, %%ds\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%ds" : : "r"((u32)a) : "eax", "memory");
}

static void c_bad_ss(void *a)
{
    __asm__ volatile("movl %0, %%eax\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tmovw %%ax, %%ss\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%ss" : : "r"((u32)a) : "eax", "memory");
}

static void c_ljmp_null(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tljmp $0, $2f\n"
                     "2:" ::: "memory");
}

static u16 fcw_zm_unmasked = 0x037b; /* default 0x037f with ZM (bit 2) clear */
static float f_one = 1.0f, f_zero = 0.0f;
static void c_mf(void *a)
{
    (void)a;
    __asm__ volatile("fninit\n\tfldcw %0\n\t"
                     "fld1\n\tfdivs %1\n\t" /* 1/0: ZE with ZM=0 -> ES pending */
                     "movl $1f, trap_mark\n"
                     "1:\tfwait\n\tnop" : : "m"(fcw_zm_unmasked), "m"(f_zero) : "memory");
}

static u32 mxcsr_zm_unmasked = 0x1f80 & ~0x200u;
static u32 mxcsr_default = 0x1f80;
static void c_xm(void *a)
{
    (void)a;
    __asm__ volatile("ldmxcsr %0\n\t"
                     "movss %1, %%xmm0\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tdivss %2, %%xmm0\n\tnop"
                     : : "m"(mxcsr_zm_unmasked), "m"(f_one), "m"(f_zero) : "memory"); /* no -msse: gcc uses no xmm registers */
}

static void c_int(void *a)
{
    switch ((u32)a) {
    case 0x30: __asm__ volatile("movl $1f, trap_mark\n1:\tint $0x30" ::: "memory"); break;
    case 0x80: __asm__ volatile("movl $1f, trap_mark\n1:\tint $0x80" ::: "memory"); break;
    case 0xff: __asm__ volatile("movl $1f, trap_mark\n1:\tint $0xff" ::: "memory"); break;
    }
}

static void run(const char *name, void (*fn)(void *), u32 arg)
{
    report(name, run_catch(fn, (void *)arg));
}

int main(void)
{
    cpu_init();
    gdt[GDT_FREE] = seg_desc(0, 0xfffff, ACC_DATA & 0x7f, FL_G | FL_DB); /* 0x30 not present */
    gdt_load();

    run("div0", c_div0, 0);
    run("idiv-ovf", c_idiv_ovf, 0);

    run("icebp", c_icebp, 0);
    run("int1", c_int1, 0);
    int r = run_catch(c_single_step, 0);
    report("single-step", r);
    printf("  dr6: BS=%u B0-3=%x tf-in-frame=%u\n", (trap_last.dr6 >> 14) & 1, trap_last.dr6 & 0xf,
           (trap_last.eflags >> 8) & 1);
    trap_handlers[1] = step_handler;
    r = run_catch(c_step_seq, 0);
    trap_handlers[1] = 0;
    printf("step sequence: r=%d steps=%u eips:", r, step_n);
    for (u32 i = 0; i < step_n && i < 16; i++)
        printf(" +%d", (int)(step_eips[i] - trap_mark));
    printf("\n");

    run("int3", c_int3, 0);
    run("int $3", c_int_3, 0);
    run("into OF=1", c_into, 0x7fffffff);
    run("into OF=0", c_into, 0);
    run("bound 11", c_bound, 11);
    run("bound 10", c_bound, 10);
    run("bound -1", c_bound, (u32)-1);
    run("ud2", c_ud2, 0);
    run("lock nop", c_lock_nop, 0);

    u32 cr0 = read_cr0();
    write_cr0((cr0 & ~0x4u) | 0x8u | 0x2u | 0x20u); /* EM=0 TS=1 MP=1 NE=1 */
    run("TS fld1", c_fld1, 0);
    run("TS+MP fwait", c_fwait, 0);
    write_cr0((cr0 & ~0x6u) | 0x8u | 0x20u); /* TS=1 MP=0 */
    run("TS fwait", c_fwait, 0);
    __asm__ volatile("clts");
    run("fld1", c_fld1, 0);

    run("ds=0x3fb", c_bad_sel, 0x3fb);
    run("ds=0x30 (NP)", c_bad_sel, 0x30);
    run("ss=0x30 (NP)", c_bad_ss, 0x30);
    run("ljmp 0:x", c_ljmp_null, 0);
    run("ss=0 (null)", c_bad_ss, 0);
    run("ss=3 (null)", c_bad_ss, 3);

    write_cr0((read_cr0() & ~0xcu) | 0x22u); /* NE=1 MP=1 TS=0 EM=0 */
    run("fdiv0+fwait", c_mf, 0);
    u16 sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    printf("  fsw: ES=%u ZE=%u\n", (sw >> 7) & 1, (sw >> 2) & 1);
    __asm__ volatile("fninit");

    u32 cr4 = read_cr4();
    write_cr4(cr4 | 0x200u); /* OSFXSR only */
    run("divss OSXMM=0", c_xm, 0);
    write_cr4(cr4 | 0x600u); /* OSFXSR | OSXMMEXCPT */
    run("divss OSXMM=1", c_xm, 0);
    u32 mx;
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    printf("  mxcsr: ZE=%u\n", (mx >> 2) & 1);
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr_default));
    write_cr4(cr4);

    idt_gate(0x80, GATE_TRAP, 0, 1);
    sti(); /* all PIC inputs are masked by cpu_init */
    const u32 vecs[3] = {0x30, 0x80, 0xff};
    for (int i = 0; i < 3; i++) {
        r = run_catch(c_int, (void *)vecs[i]);
        printf("int $0x%x: vec=0x%x eip=+%d saved IF=%u handler IF=%u TF=%u (%s gate)\n", vecs[i], r,
               (int)(trap_last.eip - trap_mark), (trap_last.eflags >> 9) & 1,
               (trap_last.hflags >> 9) & 1, (trap_last.hflags >> 8) & 1,
               vecs[i] == 0x80 ? "trap" : "interrupt");
    }
    cli();
    return finish();
}
