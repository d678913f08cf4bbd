/* operand.c - ModRM/SIB effective addresses (16- and 32-bit addressing) and
 * register access for the monitor's instruction emulation. */
#include "operand.h"

#include "decode.h"
#include "gmem.h"
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

static uint32_t rd_disp(const struct xinsn *in, int *i, int n)
{
	uint32_t v = 0;
	for (int k = 0; k < n; k++)
		v |= (uint32_t)in->bytes[*i + k] << (8 * k);
	*i += n;
	if (n == 1)
		v = (uint32_t)(int32_t)(int8_t)v; /* disp8 is signed; disp16 sums wrap at 16 bits */
	return v;
}

static void ea16(struct vcpu *cpu, const struct xinsn *in, int mod, int rm, int *i,
		 struct operand *op)
{
	const uint32_t *g = cpu->blk->gpr;
	static const int base_reg[8] = {3, 3, 5, 5, 6, 7, 5, 3}; /* bx bx bp bp si di bp bx */
	static const int index_reg[8] = {6, 7, 6, 7, -1, -1, -1, -1};
	uint32_t ea = 0;
	int dseg = SEG_DS;
	if (mod == 0 && rm == 6) {
		ea = rd_disp(in, i, 2);
	} else {
		ea = g[base_reg[rm]];
		if (index_reg[rm] >= 0)
			ea += g[index_reg[rm]];
		if (rm == 2 || rm == 3 || rm == 6)
			dseg = SEG_SS;
		if (mod == 1)
			ea += rd_disp(in, i, 1);
		else if (mod == 2)
			ea += rd_disp(in, i, 2);
	}
	op->off = ea & 0xffff;
	op->seg = insn_seg(in, dseg);
}

static void ea32(struct vcpu *cpu, const struct xinsn *in, int mod, int rm, int *i,
		 struct operand *op)
{
	const uint32_t *g = cpu->blk->gpr;
	uint32_t ea = 0;
	int dseg = SEG_DS;
	if (rm == 4) {
		uint8_t sib = in->bytes[(*i)++];
		int scale = sib >> 6, index = (sib >> 3) & 7, base = sib & 7;
		if (base == 5 && mod == 0) {
			ea = rd_disp(in, i, 4);
		} else {
			ea = g[base];
			if (base == 4 || base == 5)
				dseg = SEG_SS;
		}
		if (index != 4)
			ea += g[index] << scale;
	} else if (rm == 5 && mod == 0) {
		ea = rd_disp(in, i, 4);
	} else {
		ea = g[rm];
		if (rm == 5)
			dseg = SEG_SS;
	}
	if (mod == 1)
		ea += rd_disp(in, i, 1);
	else if (mod == 2)
		ea += rd_disp(in, i, 4);
	op->off = ea;
	op->seg = insn_seg(in, dseg);
}

int insn_modrm(struct vcpu *cpu, const struct xinsn *in, int modrm_index, struct operand *op)
{
	uint8_t modrm = in->bytes[modrm_index];
	int mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
	int i = modrm_index + 1;
	op->is_reg = mod == 3;
	op->reg = rm;
	op->seg = SEG_DS;
	op->off = 0;
	if (mod == 3)
		return reg;
	if (in->addr16)
		ea16(cpu, in, mod, rm, &i, op);
	else
		ea32(cpu, in, mod, rm, &i, op);
	return reg;
}

uint32_t reg_get(struct vcpu *cpu, int reg, int size)
{
	uint32_t *g = cpu->blk->gpr;
	if (size == 1)
		return reg < 4 ? g[reg] & 0xff : (g[reg - 4] >> 8) & 0xff;
	if (size == 2)
		return g[reg] & 0xffff;
	return g[reg];
}

void reg_set(struct vcpu *cpu, int reg, int size, uint32_t v)
{
	uint32_t *g = cpu->blk->gpr;
	if (size == 1) {
		if (reg < 4)
			g[reg] = (g[reg] & ~0xffu) | (v & 0xff);
		else
			g[reg - 4] = (g[reg - 4] & ~0xff00u) | ((v & 0xff) << 8);
	} else if (size == 2) {
		g[reg] = (g[reg] & ~0xffffu) | (v & 0xffff);
	} else {
		g[reg] = v;
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
