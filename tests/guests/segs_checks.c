/* segs_checks: protection checks on segment-register loads and on memory
 * accesses through segments, at CPL0, with exact vectors and error codes.
 *
 * Loads (mov sreg; Intel SDM vol. 2 MOV, vol. 3 5.4-5.6):
 *   DS/FS null (0, 3): allowed; an access through it: #GP(0)
 *   SS null: #GP(0)
 *   index beyond the GDT limit, TI=1 with a null LDTR: #GP(selector & ~3)
 *   system descriptor (TSS, LDT) into FS: #GP(sel)
 *   execute-only code into FS: #GP(sel); readable code into FS: ok
 *   code or read-only data into SS: #GP(sel)
 *   data segment with RPL 3 > DPL 0 into FS: #GP(sel); into SS (RPL != CPL
 *   or DPL != CPL): #GP(sel)
 *   not present: FS #NP(sel), SS #SS(sel) (checked after the type checks:
 *   a not-present *code* segment into SS is #GP(sel))
 * Accesses (every one is checked against the cached limit/rights; #GP(0) for
 * DS/ES/FS/GS, #SS(0) for SS-relative accesses, SDM vol. 3 5.3):
 *   byte/word/dword at the limit of an expand-up segment: ok iff the last
 *   byte is <= limit
 *   expand-down (type 0x96): valid offsets are limit+1 .. 0xffff (B=0) or
 *   .. 0xffffffff (B=1); the first byte at the limit faults
 *   write to read-only data (type 0x90) and to a readable code segment
 *   loaded in FS: #GP(0); read from them: ok
 *   SS with a limit: reads through SS (via %esp or an %ss: override)
 *   beyond the limit: #SS(0); expand-down SS: at/below the limit #SS(0),
 *   above ok. (Pushes across the limit are not tested: at CPL0 the #SS
 *   frame would go to the same stack -> #DF -> triple fault.)
 * Values read are printed only when the byte read lies inside buf[]
 * (elsewhere memory contents depend on the link layout).
 * Descriptor cache: FS keeps the base/limit it was loaded with after the
 *   GDT entry is rewritten, until FS is reloaded.
 *
 * QEMU TCG (7.2) checks only the loads, not the accesses: it never raises
 * the access faults above (reads return memory at base+offset, the writes
 * are done). segs_checks.qemu.expect holds what QEMU prints; segs_checks.expect
 * the hardware result. The access-check lines were confirmed on the host CPU
 * with the same descriptors in an LDT from a 32-bit Linux process
 * (modify_ldt; trapno/err of the SIGSEGV), except the SS cases, which follow
 * the SDM (#SS(0) for a limit violation through SS). */
#include "idt.c"

static u8 buf[0x2000] __attribute__((aligned(4096)));

enum {
    S_TSS = 0x30,  /* available 32-bit TSS (system) */
    S_XO = 0x38,   /* execute-only code */
    S_RCODE = 0x40,/* readable code, base buf */
    S_RO = 0x48,   /* read-only data, base buf */
    S_NP = 0x50,   /* not-present data */
    S_SMALL = 0x58,/* data base buf, limit 0xff */
    S_DN16 = 0x60, /* expand-down, B=0, limit 0xfff, base buf */
    S_DN32 = 0x68, /* expand-down, B=1, limit 0xfff, base buf */
    S_STK = 0x70,  /* SS: expand-up, base 0, limit just above the stack */
    S_STKDN = 0x78,/* SS: expand-down, base 0, limit below the stack */
    S_CACHE = 0x80,/* base buf, later rewritten to buf+0x1000 */
    S_LDT = 0x88,  /* LDT descriptor (system) */
    S_NPCODE = 0x90,/* not-present code */
};

static void report(const char *name, int r)
{
    if (r < 0)
        printf("%-26s ok\n", name);
    else
        printf("%-26s vec=%d err=%04x eip=+%d\n", name, r, trap_last.err,
               (int)(trap_last.eip - trap_mark));
}

struct ld {
    u32 sel;
    int ss;
};

static void c_load(void *a)
{
    struct ld *l = a;
    if (l->ss)
        __asm__ volatile("movl $1f, trap_mark\n"
                         "1:\tmovw %w0, %%ss\n\t"
                         "movw $0x10, %w0\n\tmovw %w0, %%ss" : : "r"(l->sel) : "memory");
    else
        __asm__ volatile("movl $1f, trap_mark\n"
                         "1:\tmovw %w0, %%fs" : : "r"(l->sel) : "memory");
}

static void load(const char *name, u32 sel, int ss)
{
    struct ld l = {sel, ss};
    report(name, run_catch(c_load, &l));
}

/* an access through FS (loaded with sel) at offset off: size 1/2/4, write? */
struct acc {
    u32 sel, off, size, write;
    u32 val;
};
static u32 seg_base(u32 sel) /* from our GDT entry */
{
    u64 d = gdt[sel >> 3];
    return (u32)((d >> 16) & 0xffffff) | (u32)((d >> 32) & 0xff000000u);
}

static void c_access(void *a)
{
    struct acc *x = a;
    __asm__ volatile("movw %w0, %%fs" : : "r"(x->sel));
    u32 v = 0;
    switch (x->size * 2 + x->write) {
    case 2: __asm__ volatile("movl $1f, trap_mark\n1:\tmovzbl %%fs:(%1), %0" : "=r"(v) : "r"(x->off) : "memory"); break;
    case 3: __asm__ volatile("movl $1f, trap_mark\n1:\tmovb $0x5a, %%fs:(%0)" : : "r"(x->off) : "memory"); break;
    case 4: __asm__ volatile("movl $1f, trap_mark\n1:\tmovzwl %%fs:(%1), %0" : "=r"(v) : "r"(x->off) : "memory"); break;
    case 5: __asm__ volatile("movl $1f, trap_mark\n1:\tmovw $0x5a5a, %%fs:(%0)" : : "r"(x->off) : "memory"); break;
    case 8: __asm__ volatile("movl $1f, trap_mark\n1:\tmovl %%fs:(%1), %0" : "=r"(v) : "r"(x->off) : "memory"); break;
    case 9: __asm__ volatile("movl $1f, trap_mark\n1:\tmovl $0x5a5a5a5a, %%fs:(%0)" : : "r"(x->off) : "memory"); break;
    }
    x->val = v;
}

static void access(const char *name, u32 sel, u32 off, u32 size, u32 write)
{
    struct acc x = {sel, off, size, write, 0};
    int r = run_catch(c_access, &x);
    u32 lin = seg_base(sel) + off;
    if (r < 0 && !write && lin - (u32)buf <= sizeof(buf) - size)
        printf("%-26s ok val=%x\n", name, x.val);
    else
        report(name, r);
}

static void c_null_ds(void *a)
{
    (void)a;
    /* trap_mark is stored before DS goes null: the store itself goes through
     * DS, and hardware faults on it (QEMU TCG does not check at access) */
    __asm__ volatile("movl $1f, trap_mark\n\t"
                     "movw $3, %%ax\n\tmovw %%ax, %%ds\n"
                     "1:\tmovl (%%ebx), %%eax\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%ds" : : "b"((u32)buf) : "eax", "memory");
}

static void c_null_es_stos(void *a)
{
    (void)a;
    u32 d = (u32)buf;
    __asm__ volatile("movw $0, %%ax\n\tmovw %%ax, %%es\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tstosb\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%es" : "+D"(d) : : "eax", "memory");
}

/* an SS-relative read (%ss: override with a non-stack base register) */
struct sacc {
    u32 sel, off;
};

static void c_ss_read(void *a)
{
    struct sacc *x = a;
    __asm__ volatile("movw %w0, %%ss\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tmovl %%ss:(%1), %%eax\n\t"
                     "movw $0x10, %w0\n\tmovw %w0, %%ss" : : "r"(x->sel), "r"(x->off) : "eax", "memory");
}

static void c_esp_read(void *a)
{
    struct sacc *x = a;
    __asm__ volatile("movw %w0, %%ss\n\t"
                     "movl $1f, trap_mark\n"
                     "1:\tmovl (%%esp,%1), %%eax\n\t"
                     "movw $0x10, %w0\n\tmovw %w0, %%ss" : : "r"(x->sel), "r"(x->off) : "eax", "memory");
}

static void ss_read(const char *name, u32 sel, u32 off, int via_esp)
{
    struct sacc x = {sel, off};
    report(name, run_catch(via_esp ? c_esp_read : c_ss_read, &x));
}

int main(void)
{
    cpu_init();
    u32 b = (u32)buf;
    u32 esp;
    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    gdt[S_TSS >> 3] = seg_desc(b, 0x67, 0x89, 0);
    gdt[S_XO >> 3] = seg_desc(0, 0xfffff, ACC_CODE_XO, FL_G | FL_DB);
    gdt[S_RCODE >> 3] = seg_desc(b, 0xfff, ACC_CODE, FL_DB);
    gdt[S_RO >> 3] = seg_desc(b, 0xfff, ACC_DATA_RO, FL_DB);
    gdt[S_NP >> 3] = seg_desc(0, 0xfffff, ACC_DATA & 0x7f, FL_G | FL_DB);
    gdt[S_SMALL >> 3] = seg_desc(b, 0xff, ACC_DATA, FL_DB);
    gdt[S_DN16 >> 3] = seg_desc(b, 0xfff, ACC_DATA_DN, 0);
    gdt[S_DN32 >> 3] = seg_desc(b, 0xfff, ACC_DATA_DN, FL_DB);
    /* limit in 4 KiB units: the page holding esp and the next one are in */
    gdt[S_STK >> 3] = seg_desc(0, (esp >> 12) + 1, ACC_DATA, FL_G | FL_DB);
    u32 stk_lim = (((esp >> 12) + 2) << 12) - 1;
    /* expand-down, G=1: offsets from stk_dn (2-3 pages below esp) up are valid */
    gdt[S_STKDN >> 3] = seg_desc(0, ((esp - 0x2000) >> 12) - 1, ACC_DATA_DN, FL_G | FL_DB);
    u32 stk_dn = ((esp - 0x2000) >> 12) << 12;
    gdt[S_CACHE >> 3] = seg_desc(b, 0xfff, ACC_DATA, FL_DB);
    gdt[S_LDT >> 3] = seg_desc(b, 0xff, 0x82, 0);
    gdt[S_NPCODE >> 3] = seg_desc(0, 0xfffff, ACC_CODE & 0x7f, FL_G | FL_DB);
    gdt_load();
    for (int i = 0; i < 0x2000; i++)
        buf[i] = (u8)(i * 7 + (i >> 8));

    __asm__ volatile("lldt %w0" : : "r"(0)); /* null LDTR: TI=1 selectors fault */
    printf("-- loads\n");
    load("fs=0", 0, 0);
    load("fs=3", 3, 0);
    load("ss=0", 0, 1);
    load("fs=0x100 (beyond limit)", 0x100, 0);
    load("fs=0x103 (beyond limit)", 0x103, 0);
    load("ss=0x100 (beyond limit)", 0x100, 1);
    load("fs=0x0c (LDT, LDTR null)", 0x0c, 0);
    load("fs=TSS", S_TSS, 0);
    load("fs=LDT", S_LDT, 0);
    load("ss=TSS", S_TSS, 1);
    load("fs=exec-only code", S_XO, 0);
    load("fs=readable code", S_RCODE, 0);
    load("ss=readable code", S_RCODE, 1);
    load("fs=read-only data", S_RO, 0);
    load("ss=read-only data", S_RO, 1);
    load("fs=0x13 (RPL3>DPL0)", 0x13, 0);
    load("ss=0x13 (RPL3!=CPL0)", 0x13, 1);
    load("ss=0x23 (DPL3!=CPL0)", 0x23, 1);
    load("fs=0x23 (DPL3 data)", 0x23, 0);
    load("ss=0x10", 0x10, 1);
    load("fs=not-present", S_NP, 0);
    load("ss=not-present", S_NP, 1);
    load("fs=not-present code", S_NPCODE, 0);
    load("ss=not-present code", S_NPCODE, 1);
    load("fs=not-present|RPL3", S_NP | 3, 0);

    printf("-- null selector access\n");
    report("ds=3; movl (%ebx)", run_catch(c_null_ds, 0));
    report("es=0; stosb", run_catch(c_null_es_stos, 0));

    printf("-- limits (expand-up, limit 0xff)\n");
    access("byte @0xff", S_SMALL, 0xff, 1, 0);
    access("byte @0x100", S_SMALL, 0x100, 1, 0);
    access("word @0xfe", S_SMALL, 0xfe, 2, 0);
    access("word @0xff", S_SMALL, 0xff, 2, 0);
    access("dword @0xfc", S_SMALL, 0xfc, 4, 0);
    access("dword @0xfd", S_SMALL, 0xfd, 4, 0);
    access("dword @0xffffffff", S_SMALL, 0xffffffff, 4, 0);
    access("write byte @0x100", S_SMALL, 0x100, 1, 1);
    access("write dword @0xfc", S_SMALL, 0xfc, 4, 1);
    printf("  buf[0xfc..0x100]: %02x %02x %02x %02x %02x\n", buf[0xfc], buf[0xfd], buf[0xfe],
           buf[0xff], buf[0x100]);

    printf("-- expand-down, B=0, limit 0xfff\n");
    access("byte @0xfff", S_DN16, 0xfff, 1, 0);
    access("byte @0x1000", S_DN16, 0x1000, 1, 0);
    access("word @0xfff", S_DN16, 0xfff, 2, 0);
    access("dword @0x1ffc", S_DN16, 0x1ffc, 4, 0);
    access("dword @0x1000", S_DN16, 0x1000, 4, 0);
    access("byte @0x0", S_DN16, 0, 1, 0);
    access("byte @0xffff", S_DN16, 0xffff, 1, 0);
    access("word @0xfffe", S_DN16, 0xfffe, 2, 0);
    access("word @0xffff", S_DN16, 0xffff, 2, 0);
    access("byte @0x10000", S_DN16, 0x10000, 1, 0);
    access("write byte @0x1001", S_DN16, 0x1001, 1, 1);
    access("write byte @0x800", S_DN16, 0x800, 1, 1);
    printf("-- expand-down, B=1, limit 0xfff\n");
    access("byte @0xfff", S_DN32, 0xfff, 1, 0);
    access("byte @0x1000", S_DN32, 0x1000, 1, 0);
    access("dword @0xffe", S_DN32, 0xffe, 4, 0);
    access("byte @0x1abc", S_DN32, 0x1abc, 1, 0);
    access("byte @0x10000", S_DN32, 0x10000, 1, 0);
    access("byte @0xffffffff", S_DN32, 0xffffffff, 1, 0);
    access("dword @0xfffffffc", S_DN32, 0xfffffffc, 4, 0);
    printf("  buf[0x1001]=%02x buf[0x800]=%02x after the writes\n", buf[0x1001], buf[0x800]);

    printf("-- rights\n");
    access("read-only: read @0x10", S_RO, 0x10, 4, 0);
    access("read-only: write @0x10", S_RO, 0x10, 4, 1);
    access("code in fs: read @0x20", S_RCODE, 0x20, 4, 0);
    access("code in fs: write @0x20", S_RCODE, 0x20, 4, 1);
    printf("  buf[0x10..0x13]=%08x buf[0x20..0x23]=%08x\n", *(u32 *)&buf[0x10], *(u32 *)&buf[0x20]);

    printf("-- stack segment limits\n");
    /* S_STK: expand-up, limit stk_lim (>= 4 KiB above esp); S_STKDN:
     * expand-down, valid offsets >= stk_dn (>= 4 KiB below esp) */
    ss_read("ss: (%esp+0)", S_STK, 0, 1);
    ss_read("ss: (%esp+0x100000)", S_STK, 0x100000, 1);
    ss_read("ss: dword @limit-3", S_STK, stk_lim - 3, 0);
    ss_read("ss: dword @limit-2", S_STK, stk_lim - 2, 0);
    ss_read("ss: dword @limit+1", S_STK, stk_lim + 1, 0);
    ss_read("ss dn: (%esp+0)", S_STKDN, 0, 1);
    ss_read("ss dn: (%esp-0x100000)", S_STKDN, -0x100000u, 1);
    ss_read("ss dn: dword @base", S_STKDN, stk_dn, 0);
    ss_read("ss dn: dword @base-1", S_STKDN, stk_dn - 1, 0);
    ss_read("ss dn: dword @base-4", S_STKDN, stk_dn - 4, 0);
    ss_read("ss dn: dword @0xfffffffc", S_STKDN, 0xfffffffc, 0);

    printf("-- descriptor cache\n");
    u32 v1, v2, v3;
    __asm__ volatile("movw %w1, %%fs\n\tmovl %%fs:0x40, %0" : "=r"(v1) : "r"((u32)S_CACHE));
    gdt[S_CACHE >> 3] = seg_desc(b + 0x1000, 0xfff, ACC_DATA, FL_DB);
    __asm__ volatile("movl %%fs:0x40, %0" : "=r"(v2));
    __asm__ volatile("movw %w1, %%fs\n\tmovl %%fs:0x40, %0" : "=r"(v3) : "r"((u32)S_CACHE));
    printf("fs:0x40 loaded=%08x after GDT rewrite=%08x after reload=%08x\n", v1, v2, v3);
    printf("buf[0x40]=%08x buf[0x1040]=%08x\n", *(u32 *)&buf[0x40], *(u32 *)&buf[0x1040]);
    /* a not-present rewrite does not affect the loaded FS either */
    gdt[S_CACHE >> 3] = seg_desc(b, 0xfff, ACC_DATA & 0x7f, FL_DB);
    __asm__ volatile("movl %%fs:0x40, %0" : "=r"(v2));
    printf("after marking not present: fs:0x40=%08x\n", v2);
    load("reload it", S_CACHE, 0);
    __asm__ volatile("movw %w0, %%fs" : : "r"(0x10));

    return finish();
}
