/* operand.h - ModRM operands of a decoded guest instruction, for the
 * monitor's emulation of call-outs: which register or which segment:offset. */
#ifndef BTVMM_OPERAND_H
#define BTVMM_OPERAND_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct xinsn;

struct operand {
	bool is_reg;
	int reg;      /* is_reg: register number (0..7), size-dependent meaning */
	int seg;      /* memory: SEG_* (default or override) */
	uint32_t off; /* memory: effective address (offset in seg) */
};

/* Index of the first opcode byte (after prefixes) in in->bytes. */
int insn_opcode_index(const struct xinsn *in);
/* Segment named by the instruction's override prefix, or dflt. */
int insn_seg(const struct xinsn *in, int dflt);
/* Decode the ModRM at in->bytes[modrm_index]: returns the reg field. */
int insn_modrm(struct vcpu *cpu, const struct xinsn *in, int modrm_index, struct operand *op);

/* General registers by size. */
uint32_t reg_get(struct vcpu *cpu, int reg, int size);
void reg_set(struct vcpu *cpu, int reg, int size, uint32_t v);

/* Read or write an operand of size 1, 2 or 4; returns 0 or an exception vector. */
int op_read(struct vcpu *cpu, const struct operand *op, int size, uint32_t *v);
int op_write(struct vcpu *cpu, const struct operand *op, int size, uint32_t v);

#endif
