/* pg_fetch_chain: a direct call into a page that is not present yet.
 * The first call takes #PF on the fetch; the handler maps the page and the
 * call is restarted. Later calls must go to the function, never to the
 * #PF handler again: in btvmm the monitor delivers that #PF while looking
 * up the call's target, and it once linked the calling block straight to
 * the handler's translation, so every later call "faulted" without a
 * fault.
 *  - paging on, the low 8 MiB identity-mapped; linear 0x40000000 maps
 *    nothing until the handler maps it to a frame holding
 *    `mov $0x1234, %eax; ret`
 *  - the same direct `call 0x40000000` (one call site) runs 5 times
 * Printed: #PF count (1), CR2 and error code of that #PF (a supervisor
 * fetch of a page that is not present: 0x10 without NX, so 0), and the
 * value every call returned. */
#include "idt.c"
#include "paging.h"

#define VA 0x40000000u

static u32 pd, pf_count, pf_cr2, pf_err;

static void h_pf(struct trapframe *f)
{
    pf_count++;
    pf_cr2 = read_cr2();
    pf_err = f->err;
    pg_map(pd, VA, PG_FRAME(0), PTE_P | PTE_W);
    if (pf_count > 10) {
        printf("#PF loop: %u faults\n", pf_count);
        outb(0xf4, 2);
    }
}

/* One call site, run again and again (the bug was in that site's link). */
static __attribute__((noinline)) u32 call_va(void)
{
    u32 v;
    __asm__ volatile("call 0x40000000" : "=a"(v) : : "ecx", "edx", "memory", "cc");
    return v;
}

int main(void)
{
    cpu_init();
    static const u8 fn[] = {0xb8, 0x34, 0x12, 0x00, 0x00, 0xc3}; /* mov $0x1234,%eax; ret */
    memcpy((void *)PG_FRAME(0), fn, sizeof(fn));
    pd = pg_new_pd(PTE_P | PTE_W);
    trap_handlers[14] = h_pf;
    pg_enable(pd);
    u32 got[5];
    for (volatile int i = 0; i < 5; i++)
        got[i] = call_va();
    printf("#PF count: %u, cr2=%08x err=%x\n", pf_count, pf_cr2, pf_err);
    printf("returned: %x %x %x %x %x\n", got[0], got[1], got[2], got[3], got[4]);
    return finish();
}
