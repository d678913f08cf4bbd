/* pf_cases.h - the case runner of the paging fault tests (pg_faults,
 * pg_cplswitch): ring-3 programs and ring-0 accesses at a test address,
 * a #PF handler that applies one "fix" (bits ORed into a PTE or PDE) per
 * fault and retries, and run_case(), which runs one case under run_catch()
 * and prints each #PF (error code, CR2, saved EIP against the access,
 * CS) and how the case ended. Include after idt.c and paging.h; the test
 * sets pd to its page directory. See pg_faults.c for the conventions. */
#ifndef PF_CASES_H
#define PF_CASES_H

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
static inline void add_fix(volatile u32 *e, u32 set) { fixes[nfix++] = (struct fix){e, set}; }

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

static inline volatile u32 *pte(u32 va) { return pg_pte(pd, va); }
static inline volatile u32 *pde(u32 va) { return pg_pde(pd, va); }

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

#endif
