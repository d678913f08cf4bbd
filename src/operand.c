/* operand.c - ModRM operands (effective addresses through translator/modrm.c)
 * and register access for the monitor's instruction emulation. */
#include "operand.h"

#include "cpu.h"
#include "decode.h"
#include "gmem.h"
#include "modrm.h"
#include "vm.h"

int insn_opcode_index(const struct xinsn *in)
{
	return in->opcode_off;
}

int insn_seg(const struct xinsn *in, int dflt)
{
	if (in->seg_prefix_off < 0)
		return dflt;
	switch (in->seg_prefix) {
	case 0x26: return SEG_ES;
	case 0x2e: return SEG_CS;
	case 0x36: return SEG_SS;
	case 0x3e: return SEG_DS;
	case 0x64: return SEG_FS;
	case 0x65: return SEG_GS;
	}
	return dflt;
}

int insn_modrm(struct vcpu *cpu, const struct xinsn *in, int modrm_index, struct operand *op)
{
	struct modrm m;
	int dseg;
	if (modrm_parse(in->bytes + modrm_index, in->len - modrm_index, in->addr16, &m))
		m = (struct modrm){.mod = 3}; /* cannot be: in was decoded whole */
	op->is_reg = m.mod == 3;
	op->reg = m.rm;
	op->seg = SEG_DS;
	op->off = 0;
	if (m.mod == 3)
		return m.reg;
	uint32_t gpr[8];
	cpu_get_gprs(cpu, gpr);
	op->off = modrm_ea(&m, in->addr16, gpr, &dseg);
	op->seg = insn_seg(in, dseg);
	return m.reg;
}

uint32_t reg_get(struct vcpu *cpu, int reg, int size)
{
	if (size == 1)
		return reg < 4 ? cpu_gpr(cpu, reg) & 0xff : (cpu_gpr(cpu, reg - 4) >> 8) & 0xff;
	if (size == 2)
		return cpu_gpr(cpu, reg) & 0xffff;
	return cpu_gpr(cpu, reg);
}

void reg_set(struct vcpu *cpu, int reg, int size, uint32_t v)
{
	if (size == 1) {
		if (reg < 4)
			cpu_set_gpr(cpu, reg, (cpu_gpr(cpu, reg) & ~0xffu) | (v & 0xff));
		else
			cpu_set_gpr(cpu, reg - 4,
				    (cpu_gpr(cpu, reg - 4) & ~0xff00u) | ((v & 0xff) << 8));
	} else if (size == 2) {
		cpu_set_gpr(cpu, reg, (cpu_gpr(cpu, reg) & ~0xffffu) | (v & 0xffff));
	} else {
		cpu_set_gpr(cpu, reg, v);
	}
}

int op_read(struct vcpu *cpu, const struct operand *op, int size, uint32_t *v)
{
	if (op->is_reg) {
		*v = reg_get(cpu, op->reg, size);
		return 0;
	}
	*v = 0;
	return gmem_seg_read(cpu, op->seg, op->off, v, (uint32_t)size);
}

int op_write(struct vcpu *cpu, const struct operand *op, int size, uint32_t v)
{
	if (op->is_reg) {
		reg_set(cpu, op->reg, size, v);
		return 0;
	}
	return gmem_seg_write(cpu, op->seg, op->off, &v, (uint32_t)size);
}
