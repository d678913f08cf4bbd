/* msr.c - the MSR table: which model-specific registers the guest's CPU has.
 *
 * btvmm shows the guest the host's vendor and family (src/guest_cpuid.c),
 * so the MSRs are those such a CPU architecturally has, as far as the
 * virtual CPUID advertises the features they belong to: a row is present
 * when the vendor matches and its CPUID bit (if any) is set in what
 * cpuid_guest() returns, so taking a feature out of the CPUID takes its
 * MSRs away too. Rows are emulated where btvmm has the function; where it
 * has not (performance counters, debug control) they read as zero and
 * ignore writes, as KVM does for a guest without a virtual PMU. Everything
 * else is #GP. docs/ARCHITECTURE.md ("MSRs") has the table in prose. */
#include "msr.h"

#include <stddef.h>
#include <string.h>

#include "guest_cpuid.h"
#include "machine.h"
#include "vm.h"

enum { EAX, EBX, ECX, EDX };
#define ANY_VENDOR ((1u << VENDOR_INTEL) | (1u << VENDOR_AMD) | (1u << VENDOR_OTHER))
#define INTEL (1u << VENDOR_INTEL)
#define AMD (1u << VENDOR_AMD)

struct cpuid_bit {
	uint32_t leaf; /* 0: no condition */
	uint8_t reg, bit;
};

struct msr_row {
	uint32_t first, last;
	unsigned vendors;
	struct cpuid_bit need;
	bool (*present)(uint32_t msr); /* a finer condition, or NULL */
	int (*rd)(struct vcpu *cpu, uint32_t msr, uint64_t *v);
	int (*wr)(struct vcpu *cpu, uint32_t msr, uint64_t v);
};

enum cpu_vendor msr_vendor(void)
{
	uint32_t r[4];
	cpuid_guest(0, 0, r);
	char id[13];
	memcpy(id, &r[EBX], 4);
	memcpy(id + 4, &r[EDX], 4);
	memcpy(id + 8, &r[ECX], 4);
	id[12] = 0;
	if (!strcmp(id, "GenuineIntel"))
		return VENDOR_INTEL;
	if (!strcmp(id, "AuthenticAMD") || !strcmp(id, "HygonGenuine"))
		return VENDOR_AMD;
	return VENDOR_OTHER;
}

static bool cpuid_has(struct cpuid_bit b)
{
	if (!b.leaf)
		return true;
	uint32_t r[4];
	cpuid_guest(b.leaf, 0, r);
	return (r[b.reg] >> b.bit) & 1;
}

/* ---- handlers ---- */

static int rd_zero(struct vcpu *cpu, uint32_t msr, uint64_t *v)
{
	*v = 0;
	return 0;
}

static int wr_ignore(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	return 0;
}

static int wr_gp(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	return -1; /* read-only */
}

static uint64_t *slot(struct vcpu *cpu, uint32_t msr)
{
	switch (msr) {
	case MSR_SYSENTER_CS: return &cpu->msr_sysenter_cs;
	case MSR_SYSENTER_ESP: return &cpu->msr_sysenter_esp;
	case MSR_SYSENTER_EIP: return &cpu->msr_sysenter_eip;
	case MSR_PAT: return &cpu->msr_pat;
	case MSR_BIOS_SIGN_ID: return &cpu->msr_bios_sign_id;
	case MSR_MISC_ENABLE: return &cpu->msr_misc_enable;
	case MSR_TSC_AUX: return &cpu->msr_tsc_aux;
	}
	return NULL;
}

static int rd_slot(struct vcpu *cpu, uint32_t msr, uint64_t *v)
{
	*v = *slot(cpu, msr);
	return 0;
}

static int wr_slot(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	*slot(cpu, msr) = v;
	return 0;
}

/* Each PAT entry must name a memory type: 0, 1, 4, 5, 6 or 7 (SDM 11.12.2). */
static int wr_pat(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (v >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return -1;
	}
	return wr_slot(cpu, msr, v);
}

/* TSC_AUX holds 32 bits; the upper half is reserved. */
static int wr_tsc_aux(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	return v >> 32 ? -1 : wr_slot(cpu, msr, v);
}

static int rd_tsc(struct vcpu *cpu, uint32_t msr, uint64_t *v)
{
	*v = machine_tsc(cpu->vm);
	return 0;
}

static int wr_tsc(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	cpu->tsc_offset += machine_tsc(cpu->vm) - v;
	return 0;
}

static int rd_apic_base(struct vcpu *cpu, uint32_t msr, uint64_t *v)
{
	*v = lapic_get_base_msr(&cpu->vm->lapic);
	return 0;
}

static int wr_apic_base(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	lapic_set_base_msr(&cpu->vm->lapic, v);
	return 0;
}

static int rd_tsc_deadline(struct vcpu *cpu, uint32_t msr, uint64_t *v)
{
	*v = lapic_tsc_deadline(&cpu->vm->lapic);
	return 0;
}

static int wr_tsc_deadline(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	lapic_set_tsc_deadline(&cpu->vm->lapic, v);
	return 0;
}

/* EFER's bits belong to features (SCE: SYSCALL, NXE: NX, LME: long mode)
 * that the virtual CPUID does not offer, so it holds 0 and refuses any
 * set bit, as a CPU does for the bits of features it lacks. */
static int wr_efer(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
	return v ? -1 : 0;
}

/* HWCR: only TscFreqSel (bit 24: the TSC counts at a fixed rate) is set,
 * which is true of btvmm's 1 GHz TSC; Linux checks it on family 10h+. */
static int rd_hwcr(struct vcpu *cpu, uint32_t msr, uint64_t *v)
{
	*v = 1ull << 24;
	return 0;
}

/* Intel's architectural PMU: leaf 0xA gives the version and the number of
 * general-purpose counters (btvmm reports version 0: none). */
static bool intel_pmc_present(uint32_t msr)
{
	uint32_t r[4];
	cpuid_guest(0xa, 0, r);
	unsigned version = r[EAX] & 0xff, n = (r[EAX] >> 8) & 0xff;
	uint32_t base = msr >= 0x186 ? 0x186 : 0xc1;
	return version >= 1 && msr - base < n;
}

/* ---- the table ---- */

static const struct msr_row rows[] = {
    {MSR_TSC, MSR_TSC, ANY_VENDOR, {1, EDX, 4}, NULL, rd_tsc, wr_tsc},
    {MSR_PLATFORM_ID, MSR_PLATFORM_ID, INTEL, {0}, NULL, rd_zero, wr_gp},
    {MSR_APIC_BASE, MSR_APIC_BASE, ANY_VENDOR, {1, EDX, 9}, NULL, rd_apic_base, wr_apic_base},
    {MSR_BIOS_SIGN_ID, MSR_BIOS_SIGN_ID, ANY_VENDOR, {0}, NULL, rd_slot, wr_slot},
    {0xc1, 0xc8, INTEL, {0}, intel_pmc_present, rd_zero, wr_ignore},
    {MSR_SYSENTER_CS, MSR_SYSENTER_EIP, ANY_VENDOR, {1, EDX, 11}, NULL, rd_slot, wr_slot},
    {0x186, 0x18d, INTEL, {0}, intel_pmc_present, rd_zero, wr_ignore},
    {MSR_MISC_ENABLE, MSR_MISC_ENABLE, ANY_VENDOR, {0}, NULL, rd_slot, wr_slot},
    {MSR_DEBUGCTL, MSR_DEBUGCTL, ANY_VENDOR, {0}, NULL, rd_zero, wr_ignore},
    {MSR_PAT, MSR_PAT, ANY_VENDOR, {1, EDX, 16}, NULL, rd_slot, wr_pat},
    {MSR_TSC_DEADLINE,
     MSR_TSC_DEADLINE,
     ANY_VENDOR,
     {1, ECX, 24},
     NULL,
     rd_tsc_deadline,
     wr_tsc_deadline},
    {MSR_EFER, MSR_EFER, AMD, {0}, NULL, rd_zero, wr_efer},
    {MSR_EFER, MSR_EFER, INTEL, {0x80000001, EDX, 20}, NULL, rd_zero, wr_efer},
    {MSR_TSC_AUX, MSR_TSC_AUX, ANY_VENDOR, {0x80000001, EDX, 27}, NULL, rd_slot, wr_tsc_aux},
    {MSR_K7_PERF_CTL0, MSR_K7_PERF_CTL0 + 7, AMD, {0}, NULL, rd_zero, wr_ignore},
    {MSR_K7_HWCR, MSR_K7_HWCR, AMD, {0}, NULL, rd_hwcr, wr_ignore},
    {MSR_AMD64_NB_CFG, MSR_AMD64_NB_CFG, AMD, {0}, NULL, rd_zero, wr_ignore},
    {MSR_F15H_PERF_CTL0,
     MSR_F15H_PERF_CTL0 + 11,
     AMD,
     {0x80000001, ECX, 23},
     NULL,
     rd_zero,
     wr_ignore},
};

static const struct msr_row *find(uint32_t msr)
{
	unsigned vendor = 1u << msr_vendor();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct msr_row *r = &rows[i];
		if (msr < r->first || msr > r->last || !(r->vendors & vendor))
			continue;
		if (cpuid_has(r->need) && (!r->present || r->present(msr)))
			return r;
	}
	return NULL;
}

int msr_read(struct vcpu *cpu, uint32_t msr, uint64_t *val)
{
	const struct msr_row *r = find(msr);
	return r ? r->rd(cpu, msr, val) : -1;
}

int msr_write(struct vcpu *cpu, uint32_t msr, uint64_t val)
{
	const struct msr_row *r = find(msr);
	return r ? r->wr(cpu, msr, val) : -1;
}
