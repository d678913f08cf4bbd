/* msr: the MSRs of the CPU the guest is shown (btvmm: src/msr.c).
 * QEMU_ARGS: -cpu EPYC
 *
 * The expected answer for every MSR is computed here from the vendor and
 * the CPUID bits the guest sees, with the architectural rules: TSC (TSC),
 * APIC_BASE (APIC), SYSENTER_* (SEP), PAT (PAT), MTRRs (MTRR), MCG_CAP and
 * MCG_STATUS (MCA), TSC_DEADLINE (leaf 1 ECX 24), FEATURE_CONTROL (VMX or
 * SMX), EFER (always on AMD; on Intel with NX or LM), STAR (SYSCALL),
 * FS_BASE (LM), TSC_AUX (RDTSCP or RDPID), PLATFORM_ID (Intel), the Intel
 * PMU's PMC0/PERFEVTSEL0 (leaf 0xA version >= 1 with a counter), AMD's
 * legacy performance counters 0xc0010000-7, HWCR and NB_CFG (AMD), the core
 * extension counters 0xc0010200-b (AMD with PerfCtrExtCore). 0x8b (Intel
 * BIOS_SIGN_ID, AMD PATCH_LEVEL), DEBUGCTL and MISC_ENABLE are on every
 * CPU btvmm shows (MISC_ENABLE on AMD too, as KVM and QEMU have it; a real
 * AMD CPU has none). 0x2 and 0xdeadbeef exist nowhere. Each line says
 * only whether rdmsr matched that expectation ("ok"), so the output is
 * the same whatever CPU btvmm shows (the CI hosts are AMD EPYC; an Intel
 * host gives the same lines).
 * Then, with the same lines on every CPU: values written to SYSENTER_CS,
 * PAT, MISC_ENABLE and TSC_AUX read back (rdtscp returns TSC_AUX, and is
 * #UD without RDTSCP); a PAT entry of type 2 and a TSC_AUX with bits above
 * 31 are #GP; the performance counters (AMD's legacy ones, or Intel's
 * first PMC/select) read 0 after a write where they exist and #GP where
 * not; EFER takes its own value back, and SCE only with SYSCALL.
 *
 * QEMU is run with -cpu EPYC (QEMU_ARGS above; run_qemu.sh reads it) so
 * that it shows an AMD CPU like the CI hosts. QEMU TCG never raises #GP
 * for rdmsr/wrmsr: unknown MSRs read 0 and writes vanish, and EFER drops
 * bits it does not allow. msr.qemu.expect has its output: "UNEXPECTED:
 * present" for the MSRs the CPUID says do not exist, EFER.SCE (QEMU's
 * -cpu EPYC asks for SYSCALL, which qemu-system-i386 TCG drops from the
 * CPUID), PAT type 2 and TSC_AUX bit 32; and QEMU 7.2's rdmsr of TSC_AUX
 * reads 0 although rdtscp returns what wrmsr stored. */
#include "idt.c"

enum cond {
    C_ALWAYS, C_NEVER, C_TSC, C_APIC, C_SEP, C_PAT, C_MTRR, C_MCA, C_TSCDL, C_VMXSMX,
    C_EFER, C_SYSCALL, C_LM, C_TSC_AUX, C_INTEL, C_INTEL_PMC, C_AMD, C_AMD_PERFCORE,
};

struct msr_case {
    u32 msr;
    const char *name;
    enum cond cond;
};

static const struct msr_case cases[] = {
    {0x2, "none", C_NEVER},
    {0x10, "TSC", C_TSC},
    {0x17, "PLATFORM_ID", C_INTEL},
    {0x1b, "APIC_BASE", C_APIC},
    {0x3a, "FEATURE_CTL", C_VMXSMX},
    {0x8b, "SIGN_ID/PATCH", C_ALWAYS},
    {0xc1, "PMC0", C_INTEL_PMC},
    {0xfe, "MTRRCAP", C_MTRR},
    {0x174, "SYSENTER_CS", C_SEP},
    {0x175, "SYSENTER_ESP", C_SEP},
    {0x176, "SYSENTER_EIP", C_SEP},
    {0x179, "MCG_CAP", C_MCA},
    {0x17a, "MCG_STATUS", C_MCA},
    {0x186, "PERFEVTSEL0", C_INTEL_PMC},
    {0x1a0, "MISC_ENABLE", C_ALWAYS},
    {0x1d9, "DEBUGCTL", C_ALWAYS},
    {0x200, "MTRR_BASE0", C_MTRR},
    {0x250, "MTRR_FIX64K", C_MTRR},
    {0x277, "PAT", C_PAT},
    {0x2ff, "MTRR_DEFTYPE", C_MTRR},
    {0x6e0, "TSC_DEADLINE", C_TSCDL},
    {0xc0000080, "EFER", C_EFER},
    {0xc0000081, "STAR", C_SYSCALL},
    {0xc0000100, "FS_BASE", C_LM},
    {0xc0000103, "TSC_AUX", C_TSC_AUX},
    {0xc0010000, "K7_PERF_CTL0", C_AMD},
    {0xc0010003, "K7_PERF_CTL3", C_AMD},
    {0xc0010004, "K7_PERF_CTR0", C_AMD},
    {0xc0010007, "K7_PERF_CTR3", C_AMD},
    {0xc0010015, "HWCR", C_AMD},
    {0xc001001f, "NB_CFG", C_AMD},
    {0xc0010200, "F15H_PERF_CTL0", C_AMD_PERFCORE},
    {0xc001020b, "F15H_PERF_CTR5", C_AMD_PERFCORE},
    {0xdeadbeef, "none", C_NEVER},
};

static u32 l1c, l1d, x1c, x1d, l7c, pmu_a;
static int amd, intel;

static int bit(u32 r, int b) { return (r >> b) & 1; }

static void read_cpuid(void)
{
    u32 max, xmax, a, b, c, d;
    cpuid(0, 0, &max, &b, &c, &d);
    intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* GenuineIntel */
    amd = (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||  /* AuthenticAMD */
          (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);    /* HygonGenuine */
    cpuid(1, 0, &a, &b, &l1c, &l1d);
    if (max >= 7)
        cpuid(7, 0, &a, &b, &l7c, &d);
    if (max >= 0xa)
        cpuid(0xa, 0, &pmu_a, &b, &c, &d);
    cpuid(0x80000000u, 0, &xmax, &b, &c, &d);
    if (xmax >= 0x80000001u)
        cpuid(0x80000001u, 0, &a, &b, &x1c, &x1d);
}

static int expected(enum cond c)
{
    switch (c) {
    case C_ALWAYS: return 1;
    case C_NEVER: return 0;
    case C_TSC: return bit(l1d, 4);
    case C_APIC: return bit(l1d, 9);
    case C_SEP: return bit(l1d, 11);
    case C_PAT: return bit(l1d, 16);
    case C_MTRR: return bit(l1d, 12);
    case C_MCA: return bit(l1d, 14);
    case C_TSCDL: return bit(l1c, 24);
    case C_VMXSMX: return bit(l1c, 5) || bit(l1c, 6);
    case C_EFER: return amd || bit(x1d, 20) || bit(x1d, 29);
    case C_SYSCALL: return bit(x1d, 11);
    case C_LM: return bit(x1d, 29);
    case C_TSC_AUX: return bit(x1d, 27) || bit(l7c, 22);
    case C_INTEL: return intel;
    case C_INTEL_PMC: return intel && (pmu_a & 0xff) >= 1 && ((pmu_a >> 8) & 0xff) >= 1;
    case C_AMD: return amd;
    case C_AMD_PERFCORE: return amd && bit(x1c, 23);
    }
    return 0;
}

struct access {
    u32 msr, lo, hi;
};

static void do_rdmsr(void *p)
{
    struct access *a = p;
    __asm__ volatile("rdmsr" : "=a"(a->lo), "=d"(a->hi) : "c"(a->msr));
}

static void do_wrmsr(void *p)
{
    struct access *a = p;
    __asm__ volatile("wrmsr" : : "c"(a->msr), "a"(a->lo), "d"(a->hi) : "memory");
}

/* -1: no fault, else the vector; *v gets what was read */
static int rd(u32 msr, u64 *v)
{
    struct access a = {msr, 0, 0};
    int r = run_catch(do_rdmsr, &a);
    *v = (u64)a.hi << 32 | a.lo;
    return r;
}

static int wr(u32 msr, u64 v)
{
    struct access a = {msr, (u32)v, (u32)(v >> 32)};
    return run_catch(do_wrmsr, &a);
}

static void rdtscp_case(void *p)
{
    u32 lo, hi, aux;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    *(u32 *)p = aux;
}

static void show_rw(const char *what, int ok)
{
    printf_("%s: %s\n", what, ok ? "ok" : "UNEXPECTED");
}

/* Every line is printed whatever the CPU; what "ok" needs depends on it. */
static void value_checks(void)
{
    u64 v, old;
    int ok = 1;
    if (expected(C_SEP)) {
        wr(0x174, 0x1234);
        rd(0x174, &v);
        ok = v == 0x1234;
        wr(0x174, 0);
    }
    show_rw("SYSENTER_CS reads back", ok);
    int ok2 = 1;
    ok = 1;
    if (expected(C_PAT)) {
        rd(0x277, &old);
        int r = wr(0x277, 0x0606060606060606ull);
        rd(0x277, &v);
        ok = r == -1 && v == 0x0606060606060606ull;
        ok2 = wr(0x277, 0x0606060606060602ull) == 13;
        wr(0x277, old);
    }
    show_rw("PAT reads back", ok);
    show_rw("PAT type 2 is #GP", ok2);
    rd(0x1a0, &old);
    wr(0x1a0, old | 0x10000); /* enhanced SpeedStep enable: a plain bit */
    rd(0x1a0, &v);
    show_rw("MISC_ENABLE reads back", v == (old | 0x10000));
    wr(0x1a0, old);

    u32 aux = 0;
    int has_rdtscp = bit(x1d, 27);
    int r = run_catch(rdtscp_case, &aux);
    if (expected(C_TSC_AUX)) {
        wr(0xc0000103, 0x1234);
        rd(0xc0000103, &v);
        r = run_catch(rdtscp_case, &aux);
        ok = v == 0x1234 && (has_rdtscp ? r == -1 && aux == 0x1234 : r == 6);
        ok2 = wr(0xc0000103, 1ull << 32) == 13;
        wr(0xc0000103, 0);
    } else {
        ok = r == 6; /* no RDTSCP: #UD */
        ok2 = wr(0xc0000103, 1ull << 32) == 13;
    }
    show_rw("TSC_AUX and rdtscp as the CPUID says", ok);
    show_rw("TSC_AUX bit 32 is #GP", ok2);

    /* no PMU: the counters btvmm lists read 0 whatever is written */
    u32 sel = amd ? 0xc0010000 : 0x186, ctr = amd ? 0xc0010004 : 0xc1;
    int present = amd || expected(C_INTEL_PMC);
    int w = wr(sel, 0x430076) | wr(ctr, 0x1234);
    u64 a = 1, b = 1;
    int rs = rd(sel, &a), rc = rd(ctr, &b);
    show_rw("performance counter writes are ignored",
            present ? w == -1 && a == 0 && b == 0 : rs == 13 && rc == 13);

    if (expected(C_EFER)) {
        rd(0xc0000080, &old);
        int r0 = wr(0xc0000080, old);
        int r1 = wr(0xc0000080, old | 1);
        rd(0xc0000080, &v);
        ok = r0 == -1 && (bit(x1d, 11) ? r1 == -1 && (v & 1) : r1 == 13);
        wr(0xc0000080, old);
    } else {
        ok = wr(0xc0000080, 0) == 13;
    }
    show_rw("EFER takes its value back, SCE only with SYSCALL", ok);
}

int main(void)
{
    cpu_init();
    read_cpuid();
    u32 bad = 0, n = 0;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        u64 v;
        int r = rd(cases[i].msr, &v);
        int want = expected(cases[i].cond);
        int got = r == -1;
        n++;
        if (r != -1 && r != 13)
            printf_("%08x %-14s UNEXPECTED: vector %d\n", cases[i].msr, cases[i].name, r);
        else if (got != want)
            printf_("%08x %-14s UNEXPECTED: %s\n", cases[i].msr, cases[i].name,
                    got ? "present" : "#GP");
        else
            printf_("%08x %-14s ok\n", cases[i].msr, cases[i].name);
        bad += got != want;
    }
    printf_("%u MSRs checked against the CPUID, %u unexpected\n", n, bad);
    value_checks();
    return finish();
}
