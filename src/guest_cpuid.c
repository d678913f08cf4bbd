/* guest_cpuid.c - the virtual CPUID.
 *
 * Ring-0 guest code asks through a call-out; what it sees is the host's
 * answer with what btvmm cannot give taken out: VMX/SVM, the monitor's
 * hypervisor-free view (we set the hypervisor bit), x2APIC, PCID, AVX and
 * XSAVE (the guest's extended state is saved with fxsave only), PAE/NX until
 * the MMU supports them, MCE/MCA, MTRR, and leaves beyond what we filter.
 * What stays decides which MSRs the guest has (src/msr.c).
 *
 * Leaves 2-0x14 read as zeros (caches, topology and extended features are
 * not described yet); leaf 0x15 says what btvmm's clocks are: the TSC and
 * the local APIC timer both run at exactly 1 GHz (a 1 GHz "crystal", TSC
 * ratio 1/1). Linux takes that as a known TSC frequency and skips its PIT
 * calibration, which host jitter (a signal in the middle of a 10 ms loop)
 * can make fail; it only reads the leaf on Intel CPUs, though. */
#include "guest_cpuid.h"

#include <cpuid.h>
#include <string.h>

/* leaf 1 EDX: FPU, PSE, TSC, MSR, CX8, APIC, SEP, PGE, CMOV, PAT, MMX, FXSR, SSE, SSE2
 * (PAT: the MSR is kept, src/msr.c; memory types mean nothing to btvmm) */
#define L1_EDX_KEEP                                                                                \
	(1u << 0 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 8 | 1u << 9 | 1u << 11 | 1u << 13 |         \
	 1u << 15 | 1u << 16 | 1u << 23 | 1u << 24 | 1u << 25 | 1u << 26)
#define X1_EDX_RDTSCP (1u << 27) /* with TSC_AUX (src/msr.c), where the host has it */
/* leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, CX16, SSE4.1, SSE4.2, MOVBE, POPCNT */
#define L1_ECX_KEEP                                                                                \
	(1u << 0 | 1u << 1 | 1u << 9 | 1u << 13 | 1u << 19 | 1u << 20 | 1u << 22 | 1u << 23)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L1_ECX_TSC_DEADLINE (1u << 24) /* the local APIC implements it, whatever the host */
#define GUEST_CRYSTAL_HZ 1000000000u   /* the guest TSC and APIC timer clock (machine.c) */

void cpuid_guest(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	memset(r, 0, 4 * sizeof(uint32_t));
	uint32_t max = __get_cpuid_max(0, NULL);
	if (leaf >= 0x80000000u) {
		uint32_t xmax = __get_cpuid_max(0x80000000u, NULL);
		if (leaf > xmax || leaf > 0x80000008u)
			return;
		__cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
		if (leaf == 0x80000000u)
			r[0] = xmax < 0x80000008u ? xmax : 0x80000008u;
		if (leaf == 0x80000001u) {
			r[2] &= 1u << 0;       /* LAHF in compat mode */
			r[3] &= X1_EDX_RDTSCP; /* no NX, no long mode, no syscall */
		}
		return;
	}
	if (leaf == 0x15) {
		r[0] = 1; /* TSC / crystal = EBX / EAX = 1 */
		r[1] = 1;
		r[2] = GUEST_CRYSTAL_HZ; /* also the local APIC timer's clock */
		return;
	}
	if (leaf > 1 || leaf > max)
		return; /* leaves 2-0x14 (caches, topology, xsave) not exposed yet */
	__cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
	if (leaf == 0) {
		r[0] = 0x15; /* max basic leaf: the TSC leaf */
	} else if (leaf == 1) {
		r[1] &= 0x0000ffffu; /* one logical CPU, APIC ID 0 */
		r[1] |= 1u << 16;
		r[2] = (r[2] & L1_ECX_KEEP) | L1_ECX_HYPERVISOR | L1_ECX_TSC_DEADLINE;
		r[3] &= L1_EDX_KEEP;
	}
}
