/* chaos: random code that keeps running after its exceptions, for
 * tests/cli/random_code.c (no .expect: what it prints is not checked; only
 * that btvmm survives it).
 *
 * -append "seed=N" picks 4 KiB of xorshift32 bytes at CODE. Odd seeds run
 * them at ring 0, even seeds at ring 3 (with a fresh user stack after each
 * exception, so the code gets further). Every vector's handler counts the
 * event and resumes one byte after the faulting instruction's first byte
 * if that is inside CODE, else at a random offset in it; after LIMIT
 * events the guest exits through the debug port with status 1. Random
 * ring-0 code can wreck the handler, the stacks and the tables, so a run
 * may also end in a triple fault or another stop, or loop: all fine. */
#include "idt.c"

#define CODE 0x00300000u
#define CODE_SIZE 4096u
#define USTACK_TOP 0x00380000u
#define LIMIT 3000u

static u32 rng;
static u32 events;
static int user;

static u32 next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void h_any(struct trapframe *f)
{
    if (++events >= LIMIT)
        outb(0xf4, 0); /* status 1 */
    if (f->eip >= CODE && f->eip < CODE + CODE_SIZE - 1)
        f->eip++;
    else
        f->eip = CODE + next_random() % CODE_SIZE;
    f->eflags = (f->eflags & ~0x4000u) | EFL_IF; /* NT off: iret must not task-switch */
    if (user) {
        f->cs = SEL_UCODE;
        f->ss = SEL_UDATA;
        f->esp = USTACK_TOP;
        f->ds = f->es = f->fs = f->gs = SEL_UDATA;
        f->eflags &= ~0x3000u; /* IOPL 0: port I/O faults at ring 3 */
    } else {
        f->ds = f->es = f->fs = f->gs = SEL_KDATA;
    }
}

static u32 parse_seed(u32 magic, const u32 *mbi)
{
    u32 seed = 1;
    if (magic != 0x2badb002u || !(mbi[0] & 4))
        return seed;
    const char *s = (const char *)mbi[4];
    for (; *s; s++) {
        if (s[0] == 's' && s[1] == 'e' && s[2] == 'e' && s[3] == 'd' && s[4] == '=') {
            seed = 0;
            for (s += 5; *s >= '0' && *s <= '9'; s++)
                seed = seed * 10 + (u32)(*s - '0');
            break;
        }
    }
    return seed;
}

static void run_code(void) { ((void (*)(void))CODE)(); }

int main(u32 magic, const u32 *mbi)
{
    u32 seed = parse_seed(magic, mbi);
    cpu_init();
    tss_init();
    gdt_load();
    for (int v = 0; v < 256; v++) {
        trap_handlers[v] = h_any;
        idt_gate(v, GATE_INT, 3, 1); /* reachable by int n at ring 3 too */
    }
    rng = seed * 2654435761u + 1;
    for (u32 i = 0; i < CODE_SIZE; i += 4) {
        u32 r = next_random();
        memcpy((void *)(CODE + i), &r, 4);
    }
    printf("chaos seed=%u %s\n", seed, seed & 1 ? "ring 0" : "ring 3");
    user = !(seed & 1);
    if (user)
        ring3_jump((void (*)(void))CODE, USTACK_TOP, EFL_IF);
    run_code();
    return 0;
}
