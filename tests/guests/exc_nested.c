/* exc_nested: exceptions raised inside handlers and during the delivery of
 * another event (Intel SDM vol. 3 6.13 error code, 6.15 table 6-4/6-5,
 * interrupt 8).
 *
 *  - #GP raised by an instruction inside a #DE handler: an ordinary nested
 *    exception (the #DE was delivered), #GP(selector)
 *  - #BP inside a #DE handler, both handlers return: the nested frame lies
 *    below the outer one; the #DE handler then skips the div
 *  - not-present IDT gates: error code = vector*8 + 2 (IDT) + EXT; EXT=0 for
 *    INT n and INT3 (software interrupts), EXT=1 when delivering an
 *    exception (ud2) or an external interrupt (PIT IRQ0 at vector 0x20)
 *  - vector beyond the IDT limit: #GP(vector*8 + 2)
 *  - a call gate (type 0xC) in the IDT: #GP(vector*8 + 2)
 *  - a gate whose code selector is beyond the GDT limit: #GP(selector)
 *  - double faults (contributory during contributory): #DE with a
 *    not-present gate 0 -> #NP -> #DF; #NP whose gate has a bad selector ->
 *    #GP -> #DF; #GP with a not-present gate 13 -> #NP -> #DF. #DF has error
 *    code 0; its saved EIP is undefined and not printed.
 *  - benign first events do not double fault: #UD / #BP with not-present
 *    gates give a plain #NP.
 * A triple fault is in triple.c (no .expect).
 * QEMU 7.2 TCG never sets EXT in these error codes (it gives 0x32 for the
 * ud2 case and 0x102 for IRQ0); exc_nested.qemu.expect has QEMU's output,
 * exc_nested.expect the architectural values (0x33, 0x103; SDM vol. 3
 * 6.13: EXT is set when the exception occurs while delivering an event
 * external to the program - an interrupt or an earlier exception - and clear
 * for INT n / INT3 / INTO). */
#include "idt.c"

static void showlog(const char *name, int r)
{
    printf("%-24s ->", name);
    for (u32 i = 0; i < trap_log_n && i < TRAP_LOG_N; i++)
        printf(" #%u(%x)", trap_log[i].vec, trap_log[i].err);
    if (r >= 0)
        printf(" caught=%d", r);
    else
        printf(" returned");
    printf("\n");
}

static u32 de_hesp, bp_hesp;

/* #DE handler that raises #GP with a bad selector load */
static void h_de_gp(struct trapframe *f)
{
    (void)f;
    __asm__ volatile("movl $1f, trap_mark2\n"
                     "1:\tmovw %w0, %%fs" : : "r"(0x3f8) : "memory");
}

/* #DE handler that does int3 (handled) and then skips the 2-byte div */
static void h_bp(struct trapframe *f) { bp_hesp = (u32)&f->eip; }
static void h_de_bp(struct trapframe *f)
{
    de_hesp = (u32)&f->eip;
    __asm__ volatile("int3");
    f->eip += 2;
}

static void c_div0(void *a)
{
    (void)a;
    __asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tdivl %%ecx" ::: "eax", "ecx", "edx", "memory");
}

static void c_int31(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tint $0x31" ::: "memory");
}

static void c_int90(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tint $0x90" ::: "memory");
}

static void c_int3(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tint3" ::: "memory");
}

static void c_ud2(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tud2" ::: "memory");
}

static void c_np(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovw %w0, %%fs" : : "r"(0x30) : "memory");
}

static void c_gp(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovw %w0, %%fs" : : "r"(0x3f8) : "memory");
}

static void c_irq0(void *a)
{
    (void)a;
    /* PIT channel 0, mode 2, count 1193 (~1 kHz); IRQ0 unmasked; wait */
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    pic_unmask(0);
    __asm__ volatile("sti" ::: "memory");
    for (volatile u32 i = 0; i < 200000000u; i++) /* bounded: IF=1 throughout */
        ;
    __asm__ volatile("cli" ::: "memory");
    printf("no IRQ0 within the wait\n");
}

static void eip_line(void)
{
    printf("  eip=+%d\n", (int)(trap_last.eip - trap_mark));
}

int main(void)
{
    cpu_init();
    gdt[GDT_FREE] = seg_desc(0, 0xfffff, ACC_DATA & 0x7f, FL_G | FL_DB); /* 0x30 not present */
    gdt_load();
    int r;

    printf("-- nested in handlers\n");
    trap_log_reset();
    trap_handlers[0] = h_de_gp;
    r = run_catch(c_div0, 0);
    showlog("#GP in #DE handler", r);
    printf("  #DE eip=+%d, #GP at the handler's label: %u, #GP cs=%04x\n",
           (int)(trap_log[0].eip - trap_mark), trap_log[1].eip == trap_mark2, trap_log[1].cs);
    trap_log_reset();
    trap_handlers[0] = h_de_bp;
    trap_handlers[3] = h_bp;
    r = run_catch(c_div0, 0);
    showlog("#BP in #DE handler", r);
    printf("  #BP frame below #DE frame: %u\n", bp_hesp < de_hesp);
    trap_handlers[0] = 0;
    trap_handlers[3] = 0;

    printf("-- bad gates\n");
    idt_gate(0x31, GATE_INT, 0, 0);
    trap_log_reset();
    r = run_catch(c_int31, 0);
    showlog("int $0x31, gate NP", r);
    eip_line();
    idt_gate(6, GATE_INT, 0, 0);
    trap_log_reset();
    r = run_catch(c_ud2, 0);
    showlog("ud2, gate 6 NP", r);
    eip_line();
    idt_gate(6, GATE_INT, 0, 1);
    idt_gate(3, GATE_INT, 0, 0);
    trap_log_reset();
    r = run_catch(c_int3, 0);
    showlog("int3, gate 3 NP", r);
    eip_line();
    idt_gate(3, GATE_INT, 0, 1);
    idt_gate(0x20, GATE_INT, 0, 0);
    trap_log_reset();
    r = run_catch(c_irq0, 0);
    pic_mask(0);
    pic_eoi(0);
    showlog("IRQ0, gate 0x20 NP", r);
    idt_gate(0x20, GATE_INT, 0, 1);
    idt_load_limit(0x90 * 8 - 1);
    trap_log_reset();
    r = run_catch(c_int90, 0);
    showlog("int $0x90, IDT limit", r);
    eip_line();
    idt_load_limit(256 * 8 - 1);
    idt_set(0x31, trap_stub_addr(0x31), SEL_KCODE, 0xc, 0, 1); /* 32-bit call gate */
    trap_log_reset();
    r = run_catch(c_int31, 0);
    showlog("int $0x31, call gate", r);
    idt_set(0x31, trap_stub_addr(0x31), 0x3f8, GATE_INT, 0, 1);
    trap_log_reset();
    r = run_catch(c_int31, 0);
    showlog("int $0x31, bad CS sel", r);
    eip_line();
    idt_gate(0x31, GATE_INT, 0, 1);

    printf("-- double faults\n");
    idt_gate(0, GATE_INT, 0, 0);
    trap_log_reset();
    r = run_catch(c_div0, 0);
    showlog("#DE, gate 0 NP", r);
    idt_gate(0, GATE_INT, 0, 1);
    idt_set(11, trap_stub_addr(11), 0x3f8, GATE_INT, 0, 1);
    trap_log_reset();
    r = run_catch(c_np, 0);
    showlog("#NP, gate 11 bad CS", r);
    idt_gate(11, GATE_INT, 0, 1);
    idt_gate(13, GATE_INT, 0, 0);
    trap_log_reset();
    r = run_catch(c_gp, 0);
    showlog("#GP, gate 13 NP", r);
    idt_gate(13, GATE_INT, 0, 1);
    printf("#DF frame cs=%04x\n", trap_log[0].cs);

    printf("-- all gates restored\n");
    trap_log_reset();
    r = run_catch(c_np, 0);
    showlog("#NP", r);
    trap_log_reset();
    r = run_catch(c_div0, 0);
    showlog("#DE", r);
    return finish();
}
