/* cpu.h - the virtual CPU's architectural state outside translated code:
 * reset, EFLAGS composition, stack access, exceptions. */
#ifndef BTVMM_CPU_H
#define BTVMM_CPU_H

#include <stdint.h>
#include "modrm.h" /* R_EAX..R_EDI */
#include "vm.h"

#define EFL_CF 0x1u
#define EFL_ZF 0x40u
#define EFL_TF 0x100u
#define EFL_IF 0x200u
#define EFL_DF 0x400u
#define EFL_OF 0x800u

/* State a multiboot loader leaves: protected mode, paging off, flat
 * segments (CS 0x10, data 0x18, as QEMU), interrupts off. */
int cpu_reset_multiboot(struct vcpu *cpu, uint32_t eip, uint32_t eax, uint32_t ebx);
/* The same state for the Linux 32-bit boot protocol: %esi = boot_params,
 * CS 0x10 and DS/ES/SS 0x18 (its __BOOT_CS/__BOOT_DS), other registers 0. */
int cpu_reset_linux(struct vcpu *cpu, uint32_t eip, uint32_t boot_params);

/* The translation-cache key's "code mode": what changes how the same bytes
 * translate. Bit 0 CS.D, bits 1-2 CPL, bit 3 CR0.EM or TS (x87/SIMD trap),
 * bit 4 CR4.OSFXSR clear (SSE instructions are #UD); for the x64 backend,
 * bits 5-16 the classes of es..gs (segments.h: SEGC_*). */
uint32_t cpu_code_mode(const struct vcpu *cpu);
#define CODE_MODE_FPU_TRAP 0x8u
#define CODE_MODE_NO_SSE 0x10u

/* The guest's general registers (reg: R_EAX..R_EDI), EIP and EFLAGS, as the
 * monitor sees them between runs of guest code. Their home today is the
 * vCPU block that translated code shares (block.h); the monitor's C code
 * goes through these, not through the block, so a backend that keeps them
 * elsewhere changes only these. */
static inline uint32_t cpu_gpr(const struct vcpu *cpu, int reg)
{
	return cpu->blk->gpr[reg];
}

static inline void cpu_set_gpr(struct vcpu *cpu, int reg, uint32_t v)
{
	cpu->blk->gpr[reg] = v;
}

static inline uint32_t cpu_esp(const struct vcpu *cpu)
{
	return cpu_gpr(cpu, R_ESP);
}

static inline void cpu_set_esp(struct vcpu *cpu, uint32_t v)
{
	cpu_set_gpr(cpu, R_ESP, v);
}

/* All eight at once, eax..edi (for code that works on an array of them). */
static inline void cpu_get_gprs(const struct vcpu *cpu, uint32_t gpr[8])
{
	for (int i = 0; i < 8; i++)
		gpr[i] = cpu_gpr(cpu, i);
}

static inline void cpu_set_gprs(struct vcpu *cpu, const uint32_t gpr[8])
{
	for (int i = 0; i < 8; i++)
		cpu_set_gpr(cpu, i, gpr[i]);
}

static inline uint32_t cpu_eip(const struct vcpu *cpu)
{
	return cpu->blk->eip;
}

static inline void cpu_set_eip(struct vcpu *cpu, uint32_t v)
{
	cpu->blk->eip = v;
}

uint32_t cpu_get_eflags(const struct vcpu *cpu);
/* Set EFLAGS as a CPL-0 popf would, for the bits in mask. */
void cpu_set_eflags(struct vcpu *cpu, uint32_t val, uint32_t mask);

/* Push/pop on the guest stack (SS:ESP, 32- or 16-bit stack per SS.B).
 * Return 0 or an exception vector (#SS 12, #GP 13). */
int cpu_push(struct vcpu *cpu, uint32_t v, int size);
int cpu_pop(struct vcpu *cpu, uint32_t *v, int size);

/* The instruction at eip raised exception vec (a fault: the guest resumes
 * at eip after its handler). Delivered through the IDT (interrupt.c). */
void cpu_exception(struct vcpu *cpu, int vec, uint32_t err, uint32_t eip);

#endif
