/* msr.h - the model-specific registers of the CPU the guest is shown. */
#ifndef BTVMM_MSR_H
#define BTVMM_MSR_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define MSR_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_APIC_BASE 0x1b
#define MSR_BIOS_SIGN_ID 0x8b /* AMD: PATCH_LEVEL */
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_DEBUGCTL 0x1d9
#define MSR_PAT 0x277
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_EFER 0xc0000080
#define MSR_TSC_AUX 0xc0000103
#define MSR_K7_PERF_CTL0 0xc0010000 /* 4 event selects, then 4 counters */
#define MSR_K7_HWCR 0xc0010015
#define MSR_AMD64_NB_CFG 0xc001001f   /* Linux sets bit 46 on family 10h+ (amd_bus.c) */
#define MSR_F15H_PERF_CTL0 0xc0010200 /* 6 select/counter pairs */

/* The vendor the virtual CPUID names (the host's). */
enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD };
enum cpu_vendor msr_vendor(void);

/* rdmsr/wrmsr: 0, or -1 when the guest must get #GP(0) (an MSR this CPU
 * does not have, or a value it refuses). */
int msr_read(struct vcpu *cpu, uint32_t msr, uint64_t *val);
int msr_write(struct vcpu *cpu, uint32_t msr, uint64_t val);

#endif
