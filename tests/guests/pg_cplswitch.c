/* pg_cplswitch: supervisor pages the kernel has just used must be out of
 * ring 3's reach, and user pages between them must stay in it, however
 * often the CPL changes (Intel SDM vol. 3, 4.6: a CPL 3 access needs U/S=1;
 * CPL 0 may use both). btvmm keeps the kernel's shadows mapped across a
 * change to CPL 3 but PROT_NONE (mmu/shadow.c, suspend_supervisor: one
 * mprotect over the span of the supervisor pages, user pages inside the
 * span given their protection back), and gives them back when the kernel
 * touches them again (restore_all, restore_run).
 *
 * Layout (as pg_faults: the low 8 MiB identity-mapped user RW, where the
 * kernel and the ring-3 code run): T+0 supervisor RW, T+1 user RW, T+2
 * supervisor RW, T+3 user read-only, T+4 supervisor read-only; frames are
 * self-describing (dword at offset o of frame n = 0xa0000000 + n*0x1000 + o).
 * Three rounds of: the kernel reads and writes T+0, T+2 and reads T+4, T+1
 * (so they are shadowed and accessible), then ring 3 reads T+1 and T+3,
 * writes T+1 (each must work, inside the supervisor span), then reads T+0
 * and T+2, writes T+2 and reads T+4 (each must be #PF with U/S set), then
 * the kernel reads back what ring 3 wrote.
 */
#include "idt.c"
#include "paging.h"

#define T 0x40000000u
#define TP(n) (T + (u32)(n) * 0x1000u)
#define R1 0x40400000u /* PDE 257: not present, then a PT with a not-present PTE (CPL0) */
#define R2 0x41000000u /* PDE 260: same for CPL3 */
#define R3 0x40800000u /* PDE 258: P|U, R/W=0; PTE P|W|U */
#define R4 0x40c00000u /* PDE 259: P|W, U/S=0; PTE P|W|U */

static u32 pd;

/* ---- ring-3 programs; they read u_addr/u_val and store u_result ---- */
u32 u_addr, u_val, u_result;
__asm__(".text\n"
        ".globl u_read, u_read_i, u_write, u_write_i, u_push, u_push_i, bail\n"
        "u_read:\n"
        "movl u_addr, %esi\n"
        "u_read_i: movl (%esi), %eax\n"
        "movl %eax, u_result\n"
        "int $0x80\n"
        "u_write:\n"
        "movl u_addr, %esi\n"
        "movl u_val, %edi\n"
        "u_write_i: movl %edi, (%esi)\n"
        "int $0x80\n"
        "u_push:\n"
        "u_push_i: pushl $0x5a5a5a5a\n"
        "int $0x80\n"
        "bail: int $0x81\n"
        "jmp bail\n");
extern char u_read[], u_read_i[], u_write[], u_write_i[], u_push[], u_push_i[], bail[];

static u32 u_esp;
static void go_user(void *prog)
{
    ring3_jump((void (*)(void))prog, u_esp, 0x002);
}

/* ---- ring-0 accesses (trap_mark = the instruction's address) ---- */
static u32 k_addr, k_val, k_result;
static void k_read(void *a)
{
    (void)a;
    u32 r;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovl (%1), %0" : "=r"(r) : "r"(k_addr) : "memory");
    k_result = r;
}
static void k_write(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n1:\tmovl %1, (%0)" : : "r"(k_addr), "r"(k_val) : "memory");
}
static u32 movs_esi, movs_edi, movs_ecx;
static void k_movs(void *a)
{
    (void)a;
    u32 si = k_addr, di = k_val, cx = 0x300;
    __asm__ volatile("cld\n\tmovl $1f, trap_mark\n1:\trep movsl" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    movs_esi = si;
    movs_edi = di;
    movs_ecx = cx;
}
static void k_call(void *a)
{
    (void)a;
    u32 r;
    __asm__ volatile("movl $1f, trap_mark\n1:\tcall *%1" : "=a"(r) : "r"(k_addr) : "ecx", "edx", "memory", "cc");
    k_result = r;
}

/* ---- fixes applied by the #PF handler, one per fault ---- */
struct fix {
    volatile u32 *e;
    u32 set;
};
static struct fix fixes[4];
static u32 nfix, fix_i;

static void pf_handler(struct trapframe *f)
{
    if (fix_i < nfix) {
        *fixes[fix_i].e |= fixes[fix_i].set;
        fix_i++;
        invlpg(trap_last.cr2);
    } else {
        f->eip = (u32)bail; /* int $0x81 ends the case */
    }
}

static volatile u32 *pte(u32 va) { return pg_pte(pd, va); }

enum { K_READ, K_WRITE, K_CALL, K_MOVS, U_READ, U_WRITE, U_PUSH, U_JUMP };

/* Runs one case. label: the address EIPs are printed against (0: the
 * ring-0 access's trap_mark, or the ring-3 program's instruction). */
static void run_case(const char *name, int op, u32 addr, u32 val, u32 label)
{
    int r;
    trap_log_reset();
    fix_i = 0;
    k_addr = u_addr = addr;
    k_val = u_val = val;
    k_result = u_result = 0xdeaddead;
    u_esp = user_stack_top;
    switch (op) {
    case K_READ: r = run_catch(k_read, 0); break;
    case K_WRITE: r = run_catch(k_write, 0); break;
    case K_CALL: r = run_catch(k_call, 0); break;
    case K_MOVS: r = run_catch(k_movs, 0); break;
    case U_READ: r = run_catch(go_user, u_read); label = (u32)u_read_i; break;
    case U_WRITE: r = run_catch(go_user, u_write); label = (u32)u_write_i; break;
    case U_PUSH: u_esp = addr; r = run_catch(go_user, u_push); label = (u32)u_push_i; break;
    default: r = run_catch(go_user, (void *)addr); break;
    }
    if (!label)
        label = trap_mark;
    printf("%s\n", name);
    for (u32 i = 0; i < trap_log_n && i < TRAP_LOG_N; i++) {
        volatile struct trap_rec *t = &trap_log[i];
        if (t->vec != 14)
            continue;
        printf("  #PF err=%x cr2=%08x eip=%s%d cs=%02x\n", t->err, t->cr2,
               (int)(t->eip - label) < 0 ? "" : "+", (int)(t->eip - label), t->cs);
    }
    const char *how = r == -1 ? "returned" : r == 0x80 ? "int 0x80" : r == 0x81 ? "BAIL (no fix left)" : "?";
    printf("  ended: %s, faults=%u", how, trap_count[14]);
    trap_count[14] = 0;
    if (op == K_READ || op == K_CALL)
        printf(", eax=%08x", k_result);
    if (op == U_READ || op == U_JUMP)
        printf(", user eax=%08x", u_result);
    printf("\n");
    nfix = 0;
}

int main(void)
{
    cpu_init();
    tss_init();
    gdt_load();
    idt_gate(0x80, GATE_INT, 3, 1);
    idt_gate(0x81, GATE_INT, 3, 1);
    trap_handlers[14] = pf_handler;

    pd = pg_new_pd(PTE_P | PTE_W | PTE_U);
    for (u32 n = 0; n < 5; n++)
        pg_frame_fill(n);
    pte(T); /* the page table for T (PDE P|W|U) */
    pg_map(pd, TP(0), PG_FRAME(0), PTE_P | PTE_W);
    pg_map(pd, TP(1), PG_FRAME(1), PTE_P | PTE_W | PTE_U);
    pg_map(pd, TP(2), PG_FRAME(2), PTE_P | PTE_W);
    pg_map(pd, TP(3), PG_FRAME(3), PTE_P | PTE_U);
    pg_map(pd, TP(4), PG_FRAME(4), PTE_P);
    pg_enable(pd);
    printf("paging on, WP=%u\n", (read_cr0() >> 16) & 1);

    for (u32 round = 0; round < 3; round++) {
        printf("round %u\n", round);
        run_case("CPL0 write T+0", K_WRITE, TP(0) + 0x10, 0x10000000 + round, 0);
        run_case("CPL0 read T+0", K_READ, TP(0) + 0x10, 0, 0);
        run_case("CPL0 read T+2", K_READ, TP(2) + 0x20, 0, 0);
        run_case("CPL0 write T+2", K_WRITE, TP(2) + 0x24, 0x20000000 + round, 0);
        run_case("CPL0 read T+4", K_READ, TP(4) + 0x40, 0, 0);
        run_case("CPL0 read T+1", K_READ, TP(1) + 0x30, 0, 0);
        run_case("CPL3 read T+1 (user, inside the span)", U_READ, TP(1) + 0x30, 0, 0);
        run_case("CPL3 write T+1", U_WRITE, TP(1) + 0x34, 0x30000000 + round, 0);
        run_case("CPL3 read T+3 (user read-only)", U_READ, TP(3) + 0x38, 0, 0);
        run_case("CPL3 read T+0 (supervisor)", U_READ, TP(0) + 0x10, 0, 0);
        run_case("CPL3 read T+2 (supervisor)", U_READ, TP(2) + 0x24, 0, 0);
        run_case("CPL3 write T+2 (supervisor)", U_WRITE, TP(2) + 0x28, 0x66666666, 0);
        run_case("CPL3 read T+4 (supervisor read-only)", U_READ, TP(4) + 0x40, 0, 0);
        run_case("CPL0 read T+1 (what ring 3 wrote)", K_READ, TP(1) + 0x34, 0, 0);
        run_case("CPL0 read T+2 (ring 3's write did not land)", K_READ, TP(2) + 0x28, 0, 0);
        run_case("CPL0 read T+2 (the kernel's write)", K_READ, TP(2) + 0x24, 0, 0);
    }
    return 0;
}
