/* idt.h - exception/interrupt support for guest tests: a private GDT
 * (with ring-3 segments and a TSS), an IDT with 256 recording stubs, a
 * setjmp-like run_catch(), PIC helpers (pic.h) and ring-3 entry.
 *
 * build.sh links only crt0.o + NAME.o + lib.o, so a test that uses this
 * does `#include "idt.c"` (which includes this header) once.
 *
 * GDT layout (cpu_init):
 *   0x00 null   0x08 kernel code (flat, DPL0)   0x10 kernel data (flat, DPL0)
 *   0x18 user code (flat, DPL3; selector 0x1b)  0x20 user data (flat, DPL3; 0x23)
 *   0x28 TSS (tss_init)   0x30.. (index GDT_FREE..GDT_N-1) free for tests
 *
 * Every IDT vector starts as a present 32-bit interrupt gate (DPL0, CS 0x08)
 * to a stub that pushes a 0 error code unless the CPU pushes one (vectors 8,
 * 10-14, 17, 21 - so do not use `int $n` for those), the vector, the segment
 * registers and pusha, then calls trap_dispatch(). trap_dispatch records the
 * event in trap_last / trap_log / trap_count and then, in this order:
 *   1. trap_handlers[vec] set: calls it (it may edit the frame), then iret;
 *   2. trap_skip != 0: eip += trap_skip (one-shot), iret;
 *   3. trap_resume != 0: eip = trap_resume (one-shot), iret;
 *   4. inside run_catch(): abandons the frame and makes run_catch return
 *      the vector (stack, callee-saved registers and EFLAGS as at the call;
 *      DS/ES/FS/GS/SS reloaded with 0x10);
 *   5. otherwise prints "UNEXPECTED trap ..." and exits with status 3.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H
#include "lib.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1b
#define SEL_UDATA 0x23
#define SEL_TSS 0x28
#define GDT_FREE 6 /* first GDT index tests may use (selector 0x30) */
#define GDT_N 32

/* access byte values (P DPL S type) */
#define ACC_CODE 0x9a    /* present, DPL0, code exec/read */
#define ACC_CODE_XO 0x98 /* execute-only */
#define ACC_DATA 0x92    /* present, DPL0, data read/write */
#define ACC_DATA_RO 0x90 /* read-only */
#define ACC_DATA_DN 0x96 /* read/write, expand-down */
/* flags nibble: G (8) D/B (4) */
#define FL_G 0x8
#define FL_DB 0x4

#define GATE_INT 0xe
#define GATE_TRAP 0xf

#define EFL_TF 0x100u
#define EFL_IF 0x200u

struct trapframe {
    u32 gs, fs, es, ds;                              /* upper 16 bits undefined */
    u32 edi, esi, ebp, kesp, ebx, edx, ecx, eax;     /* pusha */
    u32 vec, err;
    u32 eip, cs, eflags;                             /* pushed by the CPU */
    u32 esp, ss;                                     /* only on a privilege change */
};

struct trap_rec {
    u32 vec, err, eip, cs, eflags;
    u32 esp, ss;  /* interrupted ESP/SS (from the frame on a CPL change, else computed) */
    u32 hflags;   /* EFLAGS inside the handler (IF/TF as the gate left them) */
    u32 hesp;     /* ESP at handler entry (address of the pushed EIP) */
    u32 dr6, cr2; /* DR6 read on vector 1, CR2 on vector 14 */
};

extern u64 gdt[GDT_N];
extern volatile struct trap_rec trap_last;
#define TRAP_LOG_N 16
extern volatile struct trap_rec trap_log[TRAP_LOG_N]; /* first TRAP_LOG_N since trap_log_reset */
extern volatile u32 trap_log_n;
extern volatile u32 trap_count[256];
/* A 32-bit TSS (SDM vol. 3, figure 7-2): tss_init's own, and the task
 * tests' (task.h). */
struct tss32 {
    u16 link, r0;
    u32 esp0;
    u16 ss0, r1;
    u32 esp1;
    u16 ss1, r2;
    u32 esp2;
    u16 ss2, r3;
    u32 cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    u16 es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
    u16 trap, iomap;
} __attribute__((packed));

typedef void (*trap_handler_fn)(struct trapframe *f);
extern trap_handler_fn trap_handlers[256];
extern volatile u32 trap_skip;
extern volatile u32 trap_resume;
extern volatile u32 trap_mark;  /* tests store a label address here: `movl $1f, trap_mark` */
extern volatile u32 trap_mark2;

u64 seg_desc(u32 base, u32 limit, u32 access, u32 flags);
void cpu_init(void); /* GDT, IDT, reload segment registers, PICs remapped to 0x20/0x28 and masked */
void idt_set(int vec, u32 handler, u16 sel, int type, int dpl, int present);
void idt_gate(int vec, int type, int dpl, int present); /* default stub */
u32 trap_stub_addr(int vec);
void idt_load_limit(u16 limit);                       /* lidt with the given limit */
void gdt_load(void);                                  /* lgdt (after changing gdt[]) */
void tss_init(void);                                  /* TSS with SS0:ESP0 = 0x10:tss_stack_top */
extern u32 tss_esp0;                                  /* the ESP0 tss_init stored */
extern u32 user_stack_top;
void trap_log_reset(void);
int run_catch(void (*fn)(void *), void *arg);         /* -1 if fn returned, else the vector */
/* iret to ring 3 at fn with SS:ESP = 0x23:esp, DS=ES=FS=0x23; never returns
 * (use inside run_catch: the ring-3 code ends with an int/fault). */
void __attribute__((noreturn)) ring3_jump(void (*fn)(void), u32 esp, u32 eflags);

static inline u32 read_eflags(void)
{
    u32 f;
    __asm__ volatile("pushfl\n\tpopl %0" : "=r"(f));
    return f;
}
static inline u32 read_cr0(void) { u32 v; __asm__ volatile("movl %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(u32 v) { __asm__ volatile("movl %0, %%cr0" : : "r"(v) : "memory"); }
static inline u32 read_cr4(void) { u32 v; __asm__ volatile("movl %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(u32 v) { __asm__ volatile("movl %0, %%cr4" : : "r"(v) : "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void io_delay(void) { outb(0x80, 0); }
static inline u64 rdtsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}
static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline u32 mmio_read32(u32 addr) { return *(volatile u32 *)addr; }
static inline void mmio_write32(u32 addr, u32 v) { *(volatile u32 *)addr = v; }

#include "pic.h"
#endif
