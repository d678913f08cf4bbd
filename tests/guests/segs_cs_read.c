/* segs_cs_read: data accesses through CS (a %cs: segment override), kept
 * apart from segs_checks because a binary translator may handle CS-relative
 * data accesses specially.
 *   - read through the readable flat code segment (0x08): ok, the value
 *   - write through CS: #GP(0) (code segments are never writable)
 *   - running in an execute-only code segment (0x30, flat): a read through
 *     CS is #GP(0); the code itself runs fine; far jump back to 0x08
 *   - readable code segment with limit 2 MiB - 1 (0x38): reads below the
 *     limit ok, a read beyond it #GP(0)
 *   - verr/verw on code and data selectors (ZF)
 * QEMU TCG (7.2) does not check rights or limits on accesses: the write is
 * done and the exec-only / beyond-limit reads succeed there;
 * segs_cs_read.qemu.expect has what QEMU prints, segs_cs_read.expect the
 * hardware result (Intel SDM vol. 3 5.3, 5.4.1: #GP(0) for a write to a code
 * segment, a read from an execute-only one, or an offset beyond the limit;
 * confirmed on the host CPU from a 32-bit Linux process with an LDT code
 * segment for the write and execute-only cases). */
#include "idt.c"

#define S_XO 0x30
#define S_LIM 0x38

static volatile u32 cdata = 0x600dc0de;

static void report(const char *name, int r, u32 val)
{
    if (r < 0)
        printf("%-34s ok val=%08x\n", name, val);
    else
        printf("%-34s vec=%d err=%04x eip=+%d cs=%04x\n", name, r, trap_last.err,
               (int)(trap_last.eip - trap_mark), trap_last.cs);
}

static u32 val;

static void c_read(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tmovl %%cs:(%1), %0" : "=r"(val) : "r"(&cdata) : "memory");
}

static void c_read_abs(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tmovl %%cs:cdata, %0" : "=r"(val) : : "memory");
}

static void c_write(void *a)
{
    (void)a;
    __asm__ volatile("movl $1f, trap_mark\n"
                     "1:\tmovl $0xbad, %%cs:(%0)" : : "r"(&cdata) : "memory");
}

static void c_xo_run(void *a)
{
    (void)a;
    u32 cs = 0;
    __asm__ volatile("ljmp %1, $2f\n"
                     "2:\tmovw %%cs, %w0\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tljmp $0x08, $3f\n"
                     "3:" : "+r"(cs) : "i"(S_XO) : "memory");
    val = cs;
}

static void c_xo_read_mark(void *a)
{
    (void)a;
    __asm__ volatile("ljmp %1, $2f\n"
                     "2:\tmovl $1f, trap_mark\n"
                     "1:\tmovl %%cs:cdata, %0\n\t"
                     "ljmp $0x08, $3f\n"
                     "3:" : "=r"(val) : "i"(S_XO) : "memory");
}

static void c_lim_read(void *a)
{
    u32 off = (u32)a;
    __asm__ volatile("ljmp %2, $2f\n"
                     "2:\tmovl $1f, trap_mark\n"
                     "1:\tmovl %%cs:(%1), %0\n\t"
                     "ljmp $0x08, $3f\n"
                     "3:" : "=r"(val) : "r"(off), "i"(S_LIM) : "memory");
}

static u32 verr(u32 sel)
{
    u32 z = 0;
    __asm__ volatile("verr %w1\n\tsetz %b0" : "+q"(z) : "r"(sel) : "cc");
    return z;
}

static u32 verw(u32 sel)
{
    u32 z = 0;
    __asm__ volatile("verw %w1\n\tsetz %b0" : "+q"(z) : "r"(sel) : "cc");
    return z;
}

int main(void)
{
    cpu_init();
    gdt[S_XO >> 3] = seg_desc(0, 0xfffff, ACC_CODE_XO, FL_G | FL_DB);
    gdt[S_LIM >> 3] = seg_desc(0, 0x1ff, ACC_CODE, FL_G | FL_DB); /* limit 0x1fffff */
    gdt_load();
    int r;

    val = 0;
    r = run_catch(c_read, 0);
    report("read %cs:(reg)", r, val);
    val = 0;
    r = run_catch(c_read_abs, 0);
    report("read %cs:abs", r, val);
    r = run_catch(c_write, 0);
    report("write %cs:(reg)", r, 0);
    printf("cdata after write: %08x\n", cdata);
    cdata = 0x600dc0de;
    val = 0;
    r = run_catch(c_xo_run, 0);
    report("exec-only: run + ljmp back", r, val);
    val = 0;
    r = run_catch(c_xo_read_mark, 0);
    report("exec-only: read %cs:abs", r, val);
    val = 0;
    r = run_catch(c_lim_read, (void *)0x1ffffc);
    report("limit 2M: read %cs:0x1ffffc", r, 0); /* value not printed */
    r = run_catch(c_lim_read, (void *)0x1ffffd);
    report("limit 2M: read %cs:0x1ffffd", r, 0);
    val = 0;
    r = run_catch(c_lim_read, (void *)&cdata);
    report("limit 2M: read %cs:&cdata", r, val);
    printf("verr: 0x08=%u 0x30=%u 0x38=%u 0x10=%u 0x00=%u\n", verr(0x08), verr(S_XO), verr(S_LIM),
           verr(0x10), verr(0));
    printf("verw: 0x08=%u 0x30=%u 0x10=%u 0x23=%u\n", verw(0x08), verw(S_XO), verw(0x10),
           verw(0x23));
    return finish();
}
