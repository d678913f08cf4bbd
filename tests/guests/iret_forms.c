/* iret_forms: iret at the same privilege, iret from ring 0 to ring 3 and
 * interrupts/exceptions from ring 3 back to ring 0 through the TSS stack.
 *
 *   ring 0 -> ring 0 iret: EIP/CS/EFLAGS popped; at CPL0 IOPL and IF are
 *     loaded from the popped image; a second flat code selector is loaded
 *   ring 0 -> ring 3 iret (common/idt.c ring3_jump: SS:ESP 0x23:user stack,
 *     EFLAGS 0x202, DS/ES/FS 0x23, GS left at the DPL0 0x10 -> nulled by
 *     the iret since DPL < new CPL)
 *   ring 3 `int $0x80` through a DPL3 trap gate: the frame on the ESP0
 *     stack (handler ESP = TSS.ESP0 - 20) holds user EIP (after int), CS
 *     0x1b, EFLAGS, user ESP, SS 0x23; the handler irets back to ring 3,
 *     which continues; a second int uses the same ESP0 again
 *   ring 3 popf with IOPL 0: IF and IOPL unchanged, no fault
 *   ring 3 `int $0x81` through a DPL0 gate: #GP((0x81 << 3) | 2) = 0x40a;
 *     `int3` through the (DPL0) vector 3 gate: #GP(0x1a)
 *   ring 3 with IOPL 0: cli, in, out, hlt, mov from cr0: #GP(0), eip = the
 *     instruction, frame CS 0x1b
 *   ring 3 with IOPL 3: cli/sti and in allowed
 *   ring 3 -> ring 3 iret: IOPL and IF in the popped image ignored (CPL 3 >
 *     IOPL 0), CF loaded
 *   ring 3 iret to a ring-0 code selector: #GP(0x08)
 * (Intel SDM vol. 2 IRET, INT n; vol. 3 6.12.1, 5.8.) */
#include "idt.c"

/* Ring-3 programs. Each ends in a trap that run_catch turns into a return
 * to ring 0; u_* labels are used to check saved EIPs. */
__asm__(".text\n"
        ".globl u_p1, u_p1_int1, u_p1_int2, u_p1_int3, u_p1_gp\n"
        "u_p1:\n"
        "movl %cs, %ebx\n"
        "movl %ss, %ecx\n"
        "movl $0xffffffff, %esi\n"
        "movw %gs, %si\n"
        "movl %ds, %edi\n"
        "movl $1, %eax\n"
        "pushfl\n"
        "popl %edx\n"
        "u_p1_int1: int $0x80\n"
        "movl $2, %eax\n"
        "movl %esp, %edx\n"
        "u_p1_int2: int $0x80\n"
        "pushl $0x3002\n" /* popf: IF=0, IOPL=3 requested */
        "popfl\n"
        "pushfl\n"
        "popl %edx\n"
        "movl $3, %eax\n"
        "u_p1_int3: int $0x80\n"
        "u_p1_gp: int $0x81\n"
        "jmp .\n"
        ".globl u_cli, u_in, u_out, u_hlt, u_cr0, u_int3\n"
        "u_cli: cli\n jmp .\n"
        "u_in: inb $0x21, %al\n jmp .\n"
        "u_out: outb %al, $0x80\n jmp .\n"
        "u_hlt: hlt\n jmp .\n"
        "u_cr0: movl %cr0, %eax\n jmp .\n"
        "u_int3: int3\n jmp .\n"
        ".globl u_iopl3\n"
        "u_iopl3:\n"
        "cli\n"
        "pushfl\n"
        "popl %edx\n"
        "xorl %ecx, %ecx\n"
        "inb $0x21, %al\n"
        "movb %al, %cl\n"
        "sti\n"
        "movl $4, %eax\n"
        "int $0x80\n"
        "int $0x82\n"
        ".globl u_iret3, u_iret3_back\n"
        "u_iret3:\n"
        "pushl $0x3001\n" /* EFLAGS image: IOPL 3, IF 0, CF 1 */
        "pushl $0x1b\n"
        "pushl $u_iret3_back\n"
        "iret\n"
        "u_iret3_back:\n"
        "pushfl\n"
        "popl %edx\n"
        "movl $5, %eax\n"
        "int $0x80\n"
        "int $0x82\n"
        ".globl u_iret0, u_iret0_insn\n"
        "u_iret0:\n"
        "pushfl\n"
        "pushl $0x08\n"
        "pushl $u_iret0\n"
        "u_iret0_insn: iret\n"
        "jmp .\n");
extern char u_p1[], u_p1_int1[], u_p1_int2[], u_p1_int3[], u_p1_gp[], u_cli[], u_in[], u_out[],
    u_hlt[], u_cr0[], u_int3[], u_iopl3[], u_iret3[], u_iret3_back[], u_iret0[], u_iret0_insn[];

struct urec {
    u32 eax, ebx, ecx, edx, esi, edi;
    u32 eip, cs, eflags, esp, ss, hesp;
};
static struct urec urec[8];
static u32 urec_n;

static void h80(struct trapframe *f)
{
    if (urec_n < 8) {
        struct urec *u = &urec[urec_n];
        u->eax = f->eax;
        u->ebx = f->ebx;
        u->ecx = f->ecx;
        u->edx = f->edx;
        u->esi = f->esi;
        u->edi = f->edi;
        u->eip = f->eip;
        u->cs = f->cs & 0xffff;
        u->eflags = f->eflags;
        u->esp = f->esp;
        u->ss = f->ss & 0xffff;
        u->hesp = (u32)&f->eip;
    }
    urec_n++;
}

static u32 g_eflags;

static void user(void *fn)
{
    ring3_jump((void (*)(void))fn, user_stack_top, g_eflags);
}

static void show_fault(const char *name, int r, const char *label)
{
    printf("%-22s vec=%d err=%04x eip=%s%s cs=%04x ss=%04x esp=top%s%d frame-eip-at=esp0-%u\n", name,
           r, trap_last.err, label, "", trap_last.cs, trap_last.ss,
           (int)(trap_last.esp - user_stack_top) < 0 ? "" : "+",
           (int)(trap_last.esp - user_stack_top), tss_esp0 - trap_last.hesp);
}

static void user_fault(const char *name, char *prog, u32 eflags, char *expect_eip)
{
    g_eflags = eflags;
    int r = run_catch(user, prog);
    show_fault(name, r, trap_last.eip == (u32)expect_eip ? "ok" : "WRONG");
}

int main(void)
{
    cpu_init();
    tss_init();
    gdt[GDT_FREE] = seg_desc(0, 0xfffff, ACC_CODE, FL_G | FL_DB); /* 0x30: second code */
    gdt_load();

    /* 1. same-privilege iret */
    u32 fl, cs;
    __asm__ volatile("pushl $0x8d7\n\t" /* OF SF ZF AF PF CF + bit 1 */
                     "pushl $0x30\n\t"
                     "pushl $1f\n\t"
                     "iret\n"
                     "1:\tpushfl\n\tpopl %0\n\t"
                     "movl $0, %1\n\tmovw %%cs, %w1\n\t"
                     "cld\n\t"
                     "ljmp $0x08, $2f\n"
                     "2:" : "=r"(fl), "=r"(cs) : : "memory", "cc");
    printf("iret cpl0->cpl0: eflags=%08x cs=%04x\n", fl, cs);
    __asm__ volatile("pushl $0x3202\n\t" /* IOPL 3, IF 1 */
                     "pushl %%cs\n\t"
                     "pushl $1f\n\t"
                     "iret\n"
                     "1:\tpushfl\n\tpopl %0\n\t"
                     "pushl $0x002\n\tpopfl" : "=r"(fl) : : "memory", "cc");
    printf("iret cpl0 IOPL=3 IF=1 image: eflags=%08x\n", fl);
    __asm__ volatile("pushl $0x3002\n\tpopfl\n\t"
                     "pushl $0x0202\n\t" /* back to IOPL 0 */
                     "pushl %%cs\n\t"
                     "pushl $1f\n\t"
                     "iret\n"
                     "1:\tpushfl\n\tpopl %0\n\t"
                     "pushl $0x002\n\tpopfl" : "=r"(fl) : : "memory", "cc");
    printf("iret cpl0 IOPL=0 image: eflags=%08x\n", fl);

    /* 2. ring 3 and int $0x80 through a DPL3 trap gate */
    idt_gate(0x80, GATE_TRAP, 3, 1);
    idt_gate(0x82, GATE_INT, 3, 1);
    trap_handlers[0x80] = h80;
    printf("tss: esp0 set, ss0=0x10\n");
    g_eflags = 0x202;
    int r = run_catch(user, u_p1);
    for (u32 i = 0; i < urec_n && i < 8; i++) {
        struct urec *u = &urec[i];
        const char *lab = "?";
        if (u->eip == (u32)u_p1_int1 + 2)
            lab = "int1+2";
        else if (u->eip == (u32)u_p1_int2 + 2)
            lab = "int2+2";
        else if (u->eip == (u32)u_p1_int3 + 2)
            lab = "int3+2";
        printf("int80 #%u: eax=%u eip=%s cs=%04x ss=%04x esp=top%s%d eflags=%08x frame-eip-at=esp0-%u\n",
               i, u->eax, lab, u->cs, u->ss, (int)(u->esp - user_stack_top) < 0 ? "" : "+",
               (int)(u->esp - user_stack_top), u->eflags, tss_esp0 - u->hesp);
        if (i == 0)
            printf("  in ring 3: cs=%08x ss=%08x gs=%08x ds=%08x eflags=%08x\n", u->ebx, u->ecx,
                   u->esi, u->edi, u->edx);
        if (i == 1)
            printf("  ring-3 esp before int: top%s%d\n", (int)(u->edx - user_stack_top) < 0 ? "" : "+",
                   (int)(u->edx - user_stack_top));
        if (i == 2)
            printf("  eflags after ring-3 popf 0x3002: %08x\n", u->edx);
    }
    show_fault("int $0x81 (DPL0 gate)", r, trap_last.eip == (u32)u_p1_gp ? "ok" : "WRONG");
    trap_handlers[0x80] = 0;
    urec_n = 0;

    /* 3. privileged/IO instructions at CPL3 IOPL0 */
    user_fault("int3 (DPL0 gate)", u_int3, 0x202, u_int3);
    user_fault("cli IOPL0", u_cli, 0x202, u_cli);
    user_fault("in IOPL0", u_in, 0x202, u_in);
    user_fault("out IOPL0", u_out, 0x202, u_out);
    user_fault("hlt", u_hlt, 0x202, u_hlt);
    user_fault("mov cr0", u_cr0, 0x202, u_cr0);
    user_fault("iret to cpl0 code", u_iret0, 0x202, u_iret0_insn);

    /* 4. IOPL 3, and ring3 -> ring3 iret */
    trap_handlers[0x80] = h80;
    g_eflags = 0x3202;
    r = run_catch(user, u_iopl3);
    printf("iopl3: end vec=0x%x int80 calls=%u eflags after cli=%08x in 0x21=%02x saved eflags=%08x\n",
           r, urec_n, urec[0].edx, urec[0].ecx, urec[0].eflags);
    urec_n = 0;
    g_eflags = 0x202;
    r = run_catch(user, u_iret3);
    printf("iret cpl3->cpl3 image 0x3001: end vec=0x%x calls=%u eflags=%08x eip ok=%u\n", r, urec_n,
           urec[0].edx, urec[0].eip == (u32)u_iret3_back + 9);
    trap_handlers[0x80] = 0;

    u32 ds, ss;
    __asm__ volatile("movl $0, %0\n\tmovw %%ds, %w0\n\tmovl $0, %1\n\tmovw %%ss, %w1" : "=&r"(ds), "=&r"(ss));
    printf("back in ring 0: ds=%04x ss=%04x\n", ds, ss);
    return finish();
}
