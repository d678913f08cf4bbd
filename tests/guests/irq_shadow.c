/* irq_shadow: where a pending maskable interrupt is taken relative to
 * sti / hlt / popf / iret, and the MOV SS / POP SS debug-trap shadow.
 *
 * Interrupt source: PIT channel 0 in mode 0 (OUT rises once at terminal
 * count) -> PIC IRQ0 (remapped to vector 0x20). "Pending" cases wait with
 * IF=0 until the PIC's IRR shows IRQ0, so the interrupt is already
 * requested when the instruction under test runs. The handler records EAX
 * and the saved EIP, then sends EOI. Printed EIPs are relative to a label
 * after the named instruction ("+0" = right after it).
 *
 *  sti; hlt, IRQ arrives ~10 ms later: taken in hlt, EIP = after hlt
 *  sti; hlt, IRQ already pending: STI's shadow covers hlt; the interrupt
 *    is taken when halted, EIP = after hlt
 *  sti; inc: the inc executes before the interrupt (EAX=1, EIP after inc)
 *  sti; cli: no interrupt at all (the shadow covers cli); IRR still set
 *  popf (IF=1); inc: no shadow, taken before the inc (EAX=0)
 *  iret (IF=1 image); inc: no shadow, taken before the inc (EAX=0)
 *  single step (TF=1): mov %ax,%ss / pop %ss suppress the #DB after
 *    themselves; one #DB is reported after the following instruction
 *  (Intel SDM vol. 2 STI, MOV, HLT; vol. 3 6.8.3, 17.3.1.4). */
#include "idt.c"

static volatile u32 irq_n, irq_eax, irq_eip;

static void h_irq0(struct trapframe *f)
{
    if (irq_n == 0) {
        irq_eax = f->eax;
        irq_eip = f->eip;
    }
    irq_n++;
    pic_eoi(0);
}

/* PIT ch0 mode 0 (binary, lobyte/hibyte): OUT low now, high after count */
static void pit_oneshot(u16 count)
{
    outb(0x43, 0x30);
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
}

static int wait_irr(void)
{
    for (u32 i = 0; i < 100000000u; i++)
        if (pic_read_irr(0) & 1)
            return 1;
    return 0;
}

static void arm_pending(void)
{
    irq_n = 0;
    irq_eax = 0xdead;
    irq_eip = 0;
    pit_oneshot(100); /* ~84 us */
    if (!wait_irr())
        printf("IRR0 never set\n");
}

static void result(const char *name, int with_eax)
{
    printf("%-26s irqs=%u", name, irq_n);
    if (with_eax)
        printf(" eax=%x", irq_eax);
    if (irq_n)
        printf(" eip=+%d", (int)(irq_eip - trap_mark));
    printf("\n");
}

static u32 step_eips[8], step_bs[8], step_n;
static void h_step(struct trapframe *f)
{
    (void)f;
    if (step_n < 8) {
        step_eips[step_n] = trap_last.eip;
        step_bs[step_n] = (trap_last.dr6 >> 14) & 1;
    }
    step_n++;
}

int main(void)
{
    cpu_init();
    trap_handlers[0x20] = h_irq0;
    pic_unmask(0);

    /* 1. sti; hlt with the interrupt arriving later */
    irq_n = 0;
    pit_oneshot(11932); /* ~10 ms */
    __asm__ volatile("movl $1f, trap_mark\n\t"
                     "sti\n\thlt\n"
                     "1:\tcli" ::: "memory");
    result("sti;hlt (irq later)", 0);

    /* 2. sti; hlt with the interrupt pending */
    arm_pending();
    __asm__ volatile("movl $1f, trap_mark\n\t"
                     "sti\n\thlt\n"
                     "1:\tcli" ::: "memory");
    result("sti;hlt (pending)", 0);

    /* 3. sti; inc */
    arm_pending();
    __asm__ volatile("movl $1f, trap_mark\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "sti\n\tincl %%eax\n"
                     "1:\tincl %%eax\n\tincl %%eax\n\tcli" ::: "eax", "memory", "cc");
    result("sti;inc (pending)", 1);

    /* 4. sti; cli */
    arm_pending();
    __asm__ volatile("movl $1f, trap_mark\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "sti\n\tcli\n"
                     "1:\tincl %%eax" ::: "eax", "memory", "cc");
    result("sti;cli (pending)", 1);
    printf("  IRR0 still set: %u\n", pic_read_irr(0) & 1);
    __asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
    printf("  after sti;nop: irqs=%u\n", irq_n);

    /* 5. popf IF=1; inc */
    arm_pending();
    __asm__ volatile("movl $1f, trap_mark\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "pushl $0x202\n\tpopfl\n"
                     "1:\tincl %%eax\n\tincl %%eax\n\tcli" ::: "eax", "memory", "cc");
    result("popf IF=1;inc (pending)", 1);

    /* 6. iret with IF=1 in the image */
    arm_pending();
    __asm__ volatile("movl $1f, trap_mark\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "pushl $0x202\n\tpushl %%cs\n\tpushl $1f\n\tiret\n"
                     "1:\tincl %%eax\n\tincl %%eax\n\tcli" ::: "eax", "memory", "cc");
    result("iret IF=1;inc (pending)", 1);

    /* 7. MOV SS / POP SS and single step */
    pic_mask(0);
    trap_handlers[1] = h_step;
    step_n = 0;
    __asm__ volatile("movl $0, %%eax\n\tmovl %%eax, %%dr6\n\t"
                     "movw %%ss, %%ax\n\t"
                     "pushfl\n\torl $0x100, (%%esp)\n\t"
                     "movl $1f, trap_mark\n\t"
                     "popfl\n"
                     "1:\tnop\n\t"           /* #DB at +1 */
                     "movw %%ax, %%ss\n\t"   /* (8e d0) no #DB after this ... */
                     "incl %%eax\n\t"        /* ... one after this: +4 */
                     "pushl %%ss\n\t"        /* +5 */
                     "popl %%ss\n\t"         /* no #DB */
                     "nop\n\t"               /* +7 */
                     "pushfl\n\tandl $~0x100, (%%esp)\n\tpopfl\n\t" /* +8 +15 +16 */
                     "nop" ::: "eax", "memory", "cc");
    trap_handlers[1] = 0;
    printf("single-step over mov ss/pop ss: %u traps:", step_n);
    for (u32 i = 0; i < step_n && i < 8; i++)
        printf(" +%d(BS=%u)", (int)(step_eips[i] - trap_mark), step_bs[i]);
    printf("\n");
    return finish();
}
