/* cpu.c - virtual CPU state outside translated code. */
#include "cpu.h"

#include <stdio.h>

#include "boot_gdt.h"
#include "gmem.h"
#include "interrupt.h"
#include "segments.h"

/* Protected mode, paging off, flat boot segments, IF=0, registers gpr. */
static int reset_protected(struct vcpu *cpu, uint32_t eip, const uint32_t *gpr)
{
	struct vcpu_block *blk = cpu->blk;
	cpu_set_gprs(cpu, gpr);
	cpu_set_eip(cpu, eip);
	blk->hflags = 0x2;
	blk->vsys = 0x2;
	blk->vif = 0;
	seg_set_flat(cpu, SEG_CS, BOOT_CS, 0x9b);
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			seg_set_flat(cpu, s, BOOT_DS, 0x93);
	cpu->ldtr = (struct seg_cache){.attr = 0x82, .limit = 0xffff};
	cpu->tr = (struct seg_cache){.attr = 0x8b, .limit = 0xffff};
	cpu->gdtr = (struct dtr){BOOT_GDT_ADDR, BOOT_GDT_LIMIT};
	cpu->idtr = (struct dtr){0, 0x3ff};
	cpu->cr0 = CR0_PE | CR0_ET;
	cpu->cpl = 0;
	cpu->dr[6] = 0xffff0ff0u;
	cpu->dr[7] = 0x400;
	cpu->msr_pat = 0x0007040600070406ull; /* the SDM's power-up value */
	cpu->msr_misc_enable = 1;	      /* fast strings on, as firmware leaves it */
	cpu->msr_bios_sign_id = 0;
	return seg_shadow_init(cpu);
}

int cpu_reset_multiboot(struct vcpu *cpu, uint32_t eip, uint32_t eax, uint32_t ebx)
{
	uint32_t gpr[8] = {[0] = eax, [3] = ebx};
	return reset_protected(cpu, eip, gpr);
}

int cpu_reset_linux(struct vcpu *cpu, uint32_t eip, uint32_t boot_params)
{
	uint32_t gpr[8] = {[6] = boot_params}; /* %esi; %ebp, %edi, %ebx zero */
	return reset_protected(cpu, eip, gpr);
}

uint32_t cpu_code_mode(const struct vcpu *cpu)
{
	uint32_t m = cpu->seg[SEG_CS].attr & SEG_ATTR_DB ? 1u : 0u;
	m |= (uint32_t)cpu->cpl << 1;
	if (cpu->cr0 & (CR0_EM | CR0_TS))
		m |= CODE_MODE_FPU_TRAP;
	if (!(cpu->cr4 & CR4_OSFXSR))
		m |= CODE_MODE_NO_SSE;
	return m | cpu->seg_mode << 5; /* x64: segment classes (0 for compat) */
}

uint32_t cpu_get_eflags(const struct vcpu *cpu)
{
	const struct vcpu_block *blk = cpu->blk;
	return (blk->hflags & EFL_ARITH_DF) | blk->vsys | blk->vif;
}

void cpu_set_eflags(struct vcpu *cpu, uint32_t val, uint32_t mask)
{
	struct vcpu_block *blk = cpu->blk;
	uint32_t old = cpu_get_eflags(cpu);
	val = (old & ~mask) | (val & mask);
	blk->hflags = (blk->hflags & ~EFL_ARITH_DF) | (val & EFL_ARITH_DF);
	blk->vif = val & EFL_IF;
	blk->vsys = (val & ~(EFL_ARITH_DF | EFL_IF)) | 0x2;
}

static uint32_t sp_mask(struct vcpu *cpu)
{
	return cpu->seg[SEG_SS].attr & SEG_ATTR_DB ? 0xffffffffu : 0xffffu;
}

int cpu_push(struct vcpu *cpu, uint32_t v, int size)
{
	uint32_t esp = cpu_esp(cpu), m = sp_mask(cpu);
	uint32_t nsp = (esp - (uint32_t)size) & m;
	int vec = gmem_seg_write(cpu, SEG_SS, nsp, &v, (uint32_t)size);
	if (vec)
		return vec;
	cpu_set_esp(cpu, (esp & ~m) | nsp);
	return 0;
}

int cpu_pop(struct vcpu *cpu, uint32_t *v, int size)
{
	uint32_t esp = cpu_esp(cpu), m = sp_mask(cpu);
	*v = 0;
	int vec = gmem_seg_read(cpu, SEG_SS, esp & m, v, (uint32_t)size);
	if (vec)
		return vec;
	cpu_set_esp(cpu, (esp & ~m) | ((esp + (uint32_t)size) & m));
	return 0;
}

void cpu_exception(struct vcpu *cpu, int vec, uint32_t err, uint32_t eip)
{
	if (vec == 14)
		err = cpu->pf_err; /* CR2 is set at delivery, from pf_lin */
	cpu_interrupt(cpu, vec, exception_has_error_code(vec), err, INT_EXCEPTION, eip);
}
