/* emit64.c - the x64 backend's emitter: guest 32-bit instructions re-encoded,
 * one by one, as 64-bit host code that can reach nothing but the guest's
 * 4 GiB linear window.
 *
 * Register use in translated code: guest EAX..EDI live in the low halves of
 * RAX..RDI with the upper halves zero (every write to them is a 32-bit or
 * narrower operation), RSP is the guest ESP zero-extended, RFLAGS holds the
 * guest's arithmetic flags and DF. R15 is the vCPU block (above 4 GiB, like
 * the translation cache); R8-R11 are scratch inside one guest instruction.
 *
 * Confinement by construction. Every guest memory access is re-encoded with
 * the address-size prefix 0x67, so its effective address is computed in 32
 * bits, wraps at 4 GiB as on a 32-bit CPU, and is zero-extended: it lies in
 * [0, 4 GiB). Segment overrides are dropped (64-bit mode would add the
 * host's FS/GS base). A segment with a non-zero base (and a 4 GiB limit) is
 * reached by computing base + offset with a 32-bit lea into R10 and
 * addressing through it, so that sum wraps too. Segments with a limit, a
 * read-only or expand-down type, 16-bit addressing, and the instructions
 * that do not exist in 64-bit mode are handed to the emulator (a call-out)
 * by adjust(). ModRM mod=00 rm=101 (absolute disp32) means RIP-relative in
 * 64-bit mode and becomes the SIB form with no base and no index.
 *
 * Stack instructions (push, pop, call, ret, pushf, popf, leave) are
 * rewritten as a store or load at the guest ESP followed by a flag-free lea
 * that moves ESP: the access comes first, so a fault leaves the guest state
 * as it was at the instruction (precise state, as in the compat backend).
 * Nothing in translated code uses the host stack except pushf/popf, which
 * switch RSP to a small stack in the block for one pushfq/popfq. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "block.h"
#include "cpu.h"
#include "emit.h"
#include "emulate.h"
#include "operand.h"
#include "segments.h"
#include "vm.h"
#include "xlat_priv.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11 };

/* ---- encodings through the block (%r15) ---- */

/* REX prefix: w for 64-bit operand size, reg and rm register numbers. */
static void rex(struct emitter *e, bool w, int reg, int index, int rm)
{
	e8(e, (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
			((rm & 8) ? 1 : 0)));
}

/* op reg, off(%r15) (or the reverse, as op says); 32-bit operand size. */
static void blk_op(struct emitter *e, uint8_t op, int reg, uint32_t off)
{
	rex(e, false, reg, 0, 15);
	e8(e, op);
	e8(e, (uint8_t)(0x80 | ((reg & 7) << 3) | 7));
	e32(e, off);
}

static void blk_load(struct emitter *e, int reg, uint32_t off) /* mov off(%r15), %reg32 */
{
	blk_op(e, 0x8b, reg, off);
}

static void blk_store(struct emitter *e, int reg, uint32_t off) /* mov %reg32, off(%r15) */
{
	blk_op(e, 0x89, reg, off);
}

static void blk_store_imm(struct emitter *e, uint32_t off, uint32_t imm) /* movl $imm, off(%r15) */
{
	blk_op(e, 0xc7, 0, off);
	e32(e, imm);
}

static void blk_movzwl(struct emitter *e, int reg, uint32_t off) /* movzwl off(%r15), %reg32 */
{
	rex(e, false, reg, 0, 15);
	e8(e, 0x0f);
	e8(e, 0xb7);
	e8(e, (uint8_t)(0x80 | ((reg & 7) << 3) | 7));
	e32(e, off);
}

/* mov %src64, %dst64 */
static void mov64(struct emitter *e, int dst, int src)
{
	rex(e, true, src, 0, dst);
	e8(e, 0x89);
	e8(e, (uint8_t)(0xc0 | ((src & 7) << 3) | (dst & 7)));
}

/* mov %src32, %dst32 */
static void mov32(struct emitter *e, int dst, int src)
{
	if ((dst | src) & 8)
		rex(e, false, src, 0, dst);
	e8(e, 0x89);
	e8(e, (uint8_t)(0xc0 | ((src & 7) << 3) | (dst & 7)));
}

/* lea disp(%rsp), %esp: moves the guest ESP without touching flags; the
 * 32-bit destination makes it wrap at 4 GiB. */
static void adjust_esp(struct emitter *e, int32_t disp)
{
	if (disp >= -128 && disp <= 127) {
		static const uint8_t lea8[] = {0x8d, 0x64, 0x24};
		ebytes(e, lea8, sizeof(lea8));
		e8(e, (uint8_t)disp);
	} else {
		static const uint8_t lea32[] = {0x8d, 0xa4, 0x24};
		ebytes(e, lea32, sizeof(lea32));
		e32(e, (uint32_t)disp);
	}
}

/* 0x67 op ModRM(mod=01, reg, rm=esp) SIB(esp) disp8: an access at
 * disp(%esp) with a 32-bit address. reg may be r8-r15 (REX.R). */
static void esp_access(struct emitter *e, bool o16, const uint8_t *op, int oplen, int reg,
		       int8_t disp)
{
	e8(e, 0x67);
	if (o16)
		e8(e, 0x66);
	if (reg & 8)
		rex(e, false, reg, 0, 0);
	ebytes(e, op, (size_t)oplen);
	e8(e, (uint8_t)(0x44 | ((reg & 7) << 3)));
	e8(e, 0x24);
	e8(e, (uint8_t)disp);
}

static void store_esp(struct emitter *e, bool o16, int reg, int8_t disp) /* mov %reg, disp(%esp) */
{
	static const uint8_t op[] = {0x89};
	esp_access(e, o16, op, 1, reg, disp);
}

/* A load from the stack into reg, zero-extended for 16-bit operands. */
static void load_esp(struct emitter *e, bool o16, int reg, int8_t disp)
{
	static const uint8_t mov[] = {0x8b}, movzwl[] = {0x0f, 0xb7};
	if (o16)
		esp_access(e, false, movzwl, 2, reg, disp);
	else
		esp_access(e, false, mov, 1, reg, disp);
}

/* movl/movw $imm, disp(%esp) */
static void store_esp_imm(struct emitter *e, bool o16, uint32_t imm, int8_t disp)
{
	static const uint8_t op[] = {0xc7};
	esp_access(e, o16, op, 1, 0, disp);
	if (o16) {
		e8(e, (uint8_t)imm);
		e8(e, (uint8_t)(imm >> 8));
	} else {
		e32(e, imm);
	}
}

/* ---- guest memory operands ---- */

struct gmem {
	uint8_t mod, rm; /* from the guest's ModRM */
	bool has_sib;
	uint8_t sib;
	int32_t disp;
	int len;       /* ModRM + SIB + displacement bytes */
	int seg;       /* effective segment register */
	bool esp_base; /* the base register is ESP */
};

static int sib_base(const struct gmem *m)
{
	return m->has_sib ? (m->sib & 7) : m->rm;
}

/* Parse the guest's 32-bit ModRM memory operand at in->modrm_off. */
static void parse_mem(const struct xinsn *in, struct gmem *m)
{
	const uint8_t *p = in->bytes + in->modrm_off;
	m->mod = p[0] >> 6;
	m->rm = p[0] & 7;
	m->has_sib = m->rm == 4;
	m->sib = m->has_sib ? p[1] : 0;
	const uint8_t *d = p + 1 + m->has_sib;
	bool no_base = m->mod == 0 && sib_base(m) == 5;
	if (m->mod == 1) {
		m->disp = (int8_t)d[0];
		m->len = 2 + m->has_sib;
	} else if (m->mod == 2 || no_base) {
		m->disp = (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
				    (uint32_t)d[3] << 24);
		m->len = 5 + m->has_sib;
	} else {
		m->disp = 0;
		m->len = 1 + m->has_sib;
	}
	int base = no_base ? -1 : sib_base(m);
	m->esp_base = base == RSP;
	m->seg = insn_seg(in, base == RSP || base == RBP ? SEG_SS : SEG_DS);
}

/* Write the guest operand with ModRM.reg = reg (low 3 bits), 32-bit
 * addressing, delta added to the displacement. Absolute disp32 (mod=00
 * rm=101, RIP-relative in 64-bit mode) becomes SIB with no base and index. */
static void put_mem(struct emitter *e, int reg, const struct gmem *m, int32_t delta)
{
	uint8_t r = (uint8_t)((reg & 7) << 3);
	bool no_base = m->mod == 0 && sib_base(m) == 5;
	if (m->mod == 0 && !m->has_sib && m->rm == 5) {
		e8(e, (uint8_t)(r | 4));
		e8(e, 0x25);
		e32(e, (uint32_t)(m->disp + delta));
	} else if (delta == 0 || no_base) {
		e8(e, (uint8_t)((m->mod << 6) | r | m->rm));
		if (m->has_sib)
			e8(e, m->sib);
		if (m->mod == 1)
			e8(e, (uint8_t)m->disp);
		else if (m->mod == 2 || no_base)
			e32(e, (uint32_t)(m->disp + delta));
	} else {
		e8(e, (uint8_t)(0x80 | r | m->rm)); /* mod=10: disp32 */
		if (m->has_sib)
			e8(e, m->sib);
		e32(e, (uint32_t)(m->disp + delta));
	}
}

/* Segment classes, as segments.c computes them for the code mode. */
static int seg_class(const struct block_builder *b, int seg)
{
	return seg_x64_class(&b->cpu->seg[seg], seg);
}

/* For a based segment: R10 = segment base + effective address, 32-bit wrap. */
static void based_address(struct emitter *e, const struct gmem *m, int32_t delta)
{
	blk_load(e, R8, BLK_SEGBASE + 4u * (uint32_t)m->seg);
	e8(e, 0x67);
	rex(e, false, R10, 0, 0);
	e8(e, 0x8d); /* lea ea, %r10d */
	put_mem(e, R10, m, delta);
	static const uint8_t add[] = {0x47, 0x8d, 0x14, 0x02}; /* lea (%r10,%r8), %r10d */
	ebytes(e, add, sizeof(add));
}

/* The guest's legacy prefixes without segment overrides and 0x67. */
static void put_prefixes(struct emitter *e, const struct xinsn *in)
{
	for (int i = 0; i < in->opcode_off; i++) {
		uint8_t p = in->bytes[i];
		if (p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e || p == 0x64 || p == 0x65 ||
		    p == 0x67)
			continue;
		e8(e, p);
	}
}

/* The instruction with its memory operand at a 32-bit address: in place for
 * a flat segment, through R10 for a based one (or for no segment at all:
 * lea and hints). op/oplen are the opcode bytes to use, reg the ModRM.reg
 * (R8-R11 allowed), delta an addition to the displacement. */
static void emit_mem_insn(struct block_builder *b, const struct xinsn *in, const uint8_t *op,
			  int oplen, int reg, int32_t delta, bool no_segment)
{
	struct emitter *e = &b->e;
	struct gmem m;
	parse_mem(in, &m);
	const uint8_t *rest = in->bytes + in->modrm_off + m.len;
	int restlen = in->len - (in->modrm_off + m.len);
	if (!no_segment && seg_class(b, m.seg) == SEGC_BASED) {
		based_address(e, &m, delta);
		put_prefixes(e, in);
		rex(e, false, reg, 0, R10);
		ebytes(e, op, (size_t)oplen);
		e8(e, (uint8_t)(((reg & 7) << 3) | (R10 & 7))); /* (%r10) */
	} else {
		e8(e, 0x67);
		put_prefixes(e, in);
		if (reg & 8)
			rex(e, false, reg, 0, 0);
		ebytes(e, op, (size_t)oplen);
		put_mem(e, reg, &m, delta);
	}
	ebytes(e, rest, (size_t)restlen);
}

/* ---- instruction forms ---- */

static int opcode(const struct xinsn *in)
{
	int op = in->bytes[in->opcode_off];
	return op == 0x0f ? 0x100 | in->bytes[in->opcode_off + 1] : op;
}

static bool has_mem(const struct xinsn *in)
{
	return in->modrm_off && (in->bytes[in->modrm_off] >> 6) != 3;
}

static int modrm_reg(const struct xinsn *in)
{
	return (in->bytes[in->modrm_off] >> 3) & 7;
}

static int modrm_rm(const struct xinsn *in)
{
	return in->bytes[in->modrm_off] & 7;
}

/* Opcodes whose ModRM.reg names a byte register (AH-BH need no REX). */
static bool byte_reg_form(int op)
{
	switch (op) {
	case 0x00:
	case 0x02:
	case 0x08:
	case 0x0a:
	case 0x10:
	case 0x12:
	case 0x18:
	case 0x1a:
	case 0x20:
	case 0x22:
	case 0x28:
	case 0x2a:
	case 0x30:
	case 0x32:
	case 0x38:
	case 0x3a:
	case 0x84:
	case 0x86:
	case 0x88:
	case 0x8a:
	case 0x1b0:
	case 0x1c0: return true;
	}
	return false;
}

/* Memory operands that are only an address (no access through a segment). */
static bool address_only(int op, const struct xinsn *in)
{
	if (op == 0x8d)
		return true; /* lea */
	if (op >= 0x118 && op <= 0x11f)
		return true; /* prefetch hints and long nops */
	return op == 0x10d;  /* 3DNow! prefetch */
}

static bool string_op(int op)
{
	return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf);
}

static bool moffs_op(int op)
{
	return op >= 0xa0 && op <= 0xa3;
}

/* Stack instructions this emitter rewrites (needs a flat 32-bit SS). */
static bool stack_op(int op, const struct xinsn *in)
{
	if ((op >= 0x50 && op <= 0x61) || op == 0x68 || op == 0x6a || op == 0x8f || op == 0xc9)
		return true;
	return op == 0xff && modrm_reg(in) == 6;
}

/* Instructions that do not exist in 64-bit mode (or mean something else),
 * and forms this emitter leaves to the emulator. */
static bool needs_emulator(int op, const struct xinsn *in)
{
	switch (op) {
	case 0x27:
	case 0x2f:
	case 0x37:
	case 0x3f: /* BCD */
	case 0x62: /* bound */
	case 0xc8: /* enter */
	case 0xd4:
	case 0xd5:
	case 0xd6: /* aam, aad, salc */ return true;
	case 0x60:
	case 0x61: /* pushaw, popaw */
	case 0xc9: /* leave with SP/BP */ return in->opsize16;
	}
	return false;
}

/* Would the native form be wrong for this instruction's segments? */
static const char *unnative(struct block_builder *b, const struct xinsn *in)
{
	int op = opcode(in);
	if (needs_emulator(op, in))
		return "it does not exist in 64-bit mode";
	bool stack = stack_op(op, in) || in->cls == XC_CALL || in->cls == XC_RET ||
		     in->cls == XC_CALL_IND || in->cls == XC_PUSHF || in->cls == XC_POPF ||
		     (in->cls == XC_SEG_READ && in->dest_reg == XREG_PUSH);
	if (stack && seg_class(b, SEG_SS) != SEGC_FLAT)
		return "a stack access through a segment with a base or limit";
	if (in->addr16 && op == 0x8d && has_mem(in))
		return NULL; /* lea: computed by emit_lea16 */
	if (in->addr16 && op == 0xd7 && seg_class(b, insn_seg(in, SEG_DS)) != SEGC_SOFT)
		return NULL; /* xlat with BX: emit_xlat */
	if (in->addr16 && (has_mem(in) || string_op(op) || moffs_op(op) || op == 0xd7))
		return "16-bit addressing";
	if (string_op(op)) {
		int src = insn_seg(in, SEG_DS);
		bool uses_src = op != 0xaa && op != 0xab && op != 0xae && op != 0xaf;
		bool uses_dst = op != 0xac && op != 0xad;
		if ((uses_src && seg_class(b, src) != SEGC_FLAT) ||
		    (uses_dst && seg_class(b, SEG_ES) != SEGC_FLAT))
			return "a string access through a segment with a base or limit";
		return NULL;
	}
	if (op == 0xd7 || moffs_op(op)) {
		int cls = seg_class(b, insn_seg(in, SEG_DS));
		if (cls == SEGC_SOFT)
			return "an access through a segment with a limit";
		return NULL;
	}
	if (has_mem(in) && !address_only(op, in)) {
		struct gmem m;
		parse_mem(in, &m);
		int cls = seg_class(b, m.seg);
		if (cls == SEGC_SOFT)
			return "an access through a segment with a limit";
		if (cls == SEGC_BASED && byte_reg_form(op) && modrm_reg(in) >= 4)
			return "AH-BH with a based segment";
		if (cls == SEGC_BASED && m.esp_base && op == 0x8f)
			return "pop to a based ESP operand";
	}
	return NULL;
}

static void adjust(struct block_builder *b, struct xinsn *in)
{
	if (in->cls == XC_CALLOUT || in->cls == XC_UNSUPPORTED)
		return;
	const char *why = unnative(b, in);
	if (!why)
		return;
	static const enum callout_kind monitor_path[] = {
	    [XC_SEG_READ] = CO_PUSH_SREG, [XC_CALL] = CO_NEAR_STACK,  [XC_CALL_IND] = CO_NEAR_STACK,
	    [XC_RET] = CO_NEAR_STACK,	  [XC_PUSHF] = CO_NEAR_STACK, [XC_POPF] = CO_POPF};
	if (in->cls < sizeof(monitor_path) / sizeof(monitor_path[0]) && monitor_path[in->cls]) {
		in->co = monitor_path[in->cls]; /* the monitor does it on the guest's stack */
		in->cls = XC_CALLOUT;
		in->ends_block = true;
		return;
	}
	if (emu_handles(in)) { /* the emulator sets EIP itself, branches too */
		in->cls = XC_CALLOUT;
		in->co = CO_EMULATE;
		in->ends_block = true;
		return;
	}
	in->cls = XC_UNSUPPORTED;
	in->why = why;
	in->ends_block = true;
}

/* ---- exits, polls, indirect branches ---- */

static void emit_exit(struct emitter *e, uint32_t rec)
{
	blk_store_imm(e, BLK_EXIT_REC, rec);
	rex(e, false, 0, 0, 15);
	e8(e, 0xff); /* jmp *BLK_X64_EXIT(%r15) */
	e8(e, 0xa7);
	e32(e, BLK_X64_EXIT);
}

static void emit_poll_cmp(struct emitter *e)
{
	blk_op(e, 0x83, 7, BLK_PENDING); /* cmpl $0, pending(%r15) */
	e8(e, 0);
}

/* Leave for REC_EVENT at eip if BLK_PENDING is set; %rcx is kept in %r9
 * around jrcxz, so no flag and no guest register changes. */
static void emit_poll_live(struct block_builder *b, uint32_t eip)
{
	struct emitter *e = &b->e;
	mov64(e, R9, RCX);
	blk_load(e, RCX, BLK_PENDING);
	e8(e, 0xe3); /* jrcxz over the event exit */
	uint8_t *skip = e->p;
	e8(e, 0);
	mov64(e, RCX, R9);
	emit_exit(e, xlat_new_rec(b->x, REC_EVENT, eip, b->c, -1, NULL));
	if (!e->overflow)
		*skip = (uint8_t)(e->p - skip - 1);
	mov64(e, RCX, R9);
}

/* The target is in %r11d: record it and jump through the lookup table. */
static void emit_ibl_jump(struct block_builder *b)
{
	struct emitter *e = &b->e;
	blk_store(e, R11, BLK_TGT);
	static const uint8_t idx[] = {0x45, 0x0f, 0xb7, 0xd3}; /* movzwl %r11w, %r10d */
	ebytes(e, idx, sizeof(idx));
	static const uint8_t jmp[] = {0x43, 0xff, 0xa4, 0xd7}; /* jmp *ibl(%r15,%r10,8) */
	ebytes(e, jmp, sizeof(jmp));
	e32(e, BLK_IBL64);
	b->end = true;
}

/* %ecx == the 32-bit block word at off, or the miss path (%rcx back from
 * %r9 first): lea and jrcxz, no flags touched. */
static void emit_tag_check(struct emitter *e, uint32_t off, uint32_t want)
{
	blk_load(e, RCX, off);
	e8(e, 0x8d); /* lea -want(%rcx), %ecx */
	e8(e, 0x89);
	e32(e, (uint32_t)-want);
	e8(e, 0xe3); /* jrcxz: it matches */
	e8(e, 3 + 7);
	mov64(e, RCX, R9);
	rex(e, false, 0, 0, 15);
	e8(e, 0xff); /* jmp *BLK_X64_MISS(%r15) */
	e8(e, 0xa7);
	e32(e, BLK_X64_MISS);
}

/* Entered through the table with BLK_TGT set and the guest state intact:
 * check the tag -- the EIP, and the code mode the table is read in, since
 * entries stay across mode changes (src/ibl.c) --, poll, run the body. */
static void emit_ientry(struct block_builder *b)
{
	struct emitter *e = &b->e;
	struct ccf *c = b->c;
	c->ientry = e->p;
	mov64(e, R9, RCX);
	emit_tag_check(e, BLK_TGT, c->guest_eip);
	emit_tag_check(e, BLK_IBL_MODE, c->mode);
	blk_load(e, RCX, BLK_PENDING);
	e8(e, 0xe3); /* jrcxz: nothing pending */
	uint8_t *skip = e->p;
	e8(e, 0);
	mov64(e, RCX, R9);
	emit_exit(e, xlat_new_rec(b->x, REC_EVENT, c->guest_eip, c, -1, NULL));
	if (!e->overflow)
		*skip = (uint8_t)(e->p - skip - 1);
	mov64(e, RCX, R9);
	e_jmp32(e, (uintptr_t)e->start);
}

/* ---- stack instructions ---- */

static void emit_push_reg(struct emitter *e, bool o16, int reg)
{
	int n = o16 ? 2 : 4;
	store_esp(e, o16, reg, (int8_t)-n);
	adjust_esp(e, -n);
}

static void emit_push_imm(struct emitter *e, bool o16, uint32_t v)
{
	int n = o16 ? 2 : 4;
	store_esp_imm(e, o16, v, (int8_t)-n);
	adjust_esp(e, -n);
}

static void emit_pop_reg(struct emitter *e, bool o16, int reg)
{
	int n = o16 ? 2 : 4;
	static const uint8_t mov[] = {0x8b};
	if (o16 && reg == RSP) {
		/* pop %sp: ESP moves first, then SP is replaced (SDM POP), so
		 * a carry out of SP reaches the upper half of ESP */
		esp_access(e, true, mov, 1, R11, 0); /* mov (%esp), %r11w */
		adjust_esp(e, 2);
		e8(e, 0x66);
		mov32(e, RSP, R11); /* mov %r11w, %sp */
		return;
	}
	esp_access(e, o16, mov, 1, reg, 0); /* can fault: nothing changed yet */
	if (reg != RSP)
		adjust_esp(e, n); /* pop %esp: the loaded value is the new ESP */
}

/* push r/m (FF /6) */
static void emit_push_rm(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	bool o16 = in->opsize16;
	if (!has_mem(in)) {
		emit_push_reg(e, o16, modrm_rm(in));
		return;
	}
	static const uint8_t mov[] = {0x8b}, movzwl[] = {0x0f, 0xb7};
	if (o16)
		emit_mem_insn(b, in, movzwl, 2, R11, 0, false);
	else
		emit_mem_insn(b, in, mov, 1, R11, 0, false);
	emit_push_reg(e, o16, R11);
}

/* pop r/m (8F /0): an ESP-based destination is addressed after the
 * increment (SDM POP); the store comes before ESP moves. */
static void emit_pop_rm(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	bool o16 = in->opsize16;
	int n = o16 ? 2 : 4;
	if (!has_mem(in)) {
		emit_pop_reg(e, o16, modrm_rm(in));
		return;
	}
	struct gmem m;
	parse_mem(in, &m);
	load_esp(e, o16, R11, 0);
	static const uint8_t mov[] = {0x89}; /* a 0x66 prefix among the guest's is kept */
	emit_mem_insn(b, in, mov, 1, R11, m.esp_base ? n : 0, false);
	adjust_esp(e, n);
}

/* pusha: the eight stores below ESP, then ESP moves (a fault part way
 * leaves ESP and the registers as they were). */
static void emit_pusha(struct emitter *e)
{
	for (int r = RAX; r <= RDI; r++)
		store_esp(e, false, r, (int8_t)(-4 * (r + 1)));
	adjust_esp(e, -32);
}

/* popa: touch both ends of the 32 bytes first (lowest first, as the CPU
 * reads), so that no register changes before a fault; ESP's slot is skipped. */
static void emit_popa(struct emitter *e)
{
	load_esp(e, false, R11, 0);
	load_esp(e, false, R11, 28);
	static const uint8_t mov[] = {0x8b};
	for (int r = RDI; r >= RAX; r--)
		if (r != RSP)
			esp_access(e, false, mov, 1, r, (int8_t)(4 * (RDI - r)));
	adjust_esp(e, 32);
}

/* leave: ESP = EBP, then pop EBP (32-bit stack, 32-bit operand) */
static void emit_leave(struct emitter *e)
{
	static const uint8_t ld[] = {0x67, 0x44, 0x8b, 0x5d, 0x00}; /* mov 0(%ebp), %r11d */
	ebytes(e, ld, sizeof(ld));
	static const uint8_t lea[] = {0x8d, 0x65, 0x04}; /* lea 4(%rbp), %esp */
	ebytes(e, lea, sizeof(lea));
	mov32(e, RBP, R11);
}

static void emit_ret(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	int n = in->opsize16 ? 2 : 4;
	load_esp(e, in->opsize16, R11, 0); /* can fault: nothing changed yet */
	adjust_esp(e, n + in->ret_pop);
	emit_ibl_jump(b);
}

/* The target of jmp/call r/m into %r11d (the only access that can fault). */
static void emit_load_target(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	static const uint8_t mov[] = {0x8b}, movzwl[] = {0x0f, 0xb7};
	if (!has_mem(in)) {
		if (in->opsize16) {
			rex(e, false, R11, 0, 0);
			e8(e, 0x0f);
			e8(e, 0xb7);
			e8(e, (uint8_t)(0xc0 | ((R11 & 7) << 3) | modrm_rm(in)));
		} else {
			mov32(e, R11, modrm_rm(in));
		}
		return;
	}
	struct xinsn t = *in;
	/* the operand size becomes the opcode's: drop a 0x66 prefix */
	int k = 0;
	for (int i = 0; i < in->opcode_off; i++)
		if (in->bytes[i] != 0x66)
			t.bytes[k++] = in->bytes[i];
	int dropped = in->opcode_off - k;
	for (int i = in->opcode_off; i < in->len; i++)
		t.bytes[i - dropped] = in->bytes[i];
	t.len = (uint8_t)(in->len - dropped);
	t.opcode_off = (uint8_t)k;
	t.modrm_off = (uint8_t)(in->modrm_off - dropped);
	if (in->opsize16)
		emit_mem_insn(b, &t, movzwl, 2, R11, 0, false);
	else
		emit_mem_insn(b, &t, mov, 1, R11, 0, false);
}

/* RSP is the guest's ESP: around a pushfq/popfq, switch to the block's own
 * small stack (mov and lea: no flags) and back. */
static void private_stack(struct emitter *e, bool to)
{
	rex(e, true, RSP, 0, 15);
	if (to) {
		e8(e, 0x89); /* mov %rsp, x64_rsp(%r15) */
		e8(e, 0xa7);
		e32(e, BLK_X64_RSP);
		rex(e, true, RSP, 0, 15);
		e8(e, 0x8d); /* lea stk(%r15), %rsp */
		e8(e, 0xa7);
		e32(e, BLK_X64_STK);
	} else {
		e8(e, 0x8b); /* mov x64_rsp(%r15), %rsp */
		e8(e, 0xa7);
		e32(e, BLK_X64_RSP);
	}
}

static void and_imm(struct emitter *e, int reg, uint32_t imm) /* and $imm, %reg32 (r8-r15) */
{
	rex(e, false, 0, 0, reg);
	e8(e, 0x81);
	e8(e, (uint8_t)(0xe0 | (reg & 7)));
	e32(e, imm);
}

/* pushf: guest EFLAGS = arithmetic flags and DF | virtual system flags | IF */
static void emit_pushf(struct block_builder *b, bool o16)
{
	struct emitter *e = &b->e;
	private_stack(e, true);
	e8(e, 0x9c); /* pushfq */
	e8(e, 0x41);
	e8(e, 0x5b); /* pop %r11 */
	private_stack(e, false);
	/* compose in %r11d; the and/or below clobber flags, but these are
	 * the flags just saved, put back by popfq from the copy in %r10 */
	mov64(e, R10, R11);
	and_imm(e, R11, EFL_ARITH_DF);
	blk_op(e, 0x0b, R11, BLK_VSYS);
	blk_op(e, 0x0b, R11, BLK_VIF);
	private_stack(e, true);
	e8(e, 0x41);
	e8(e, 0x52); /* push %r10 */
	e8(e, 0x9d); /* popfq */
	private_stack(e, false);
	emit_push_reg(e, o16, R11); /* the only guest access */
}

/* Flags a CPL-0 popf may change besides arithmetic, DF and IF. */
#define POPF_SYS_MASK 0x00247100u /* TF, IOPL, NT, AC, ID */

/* popf at CPL 0: IF and the system flags to the block, arithmetic flags and
 * DF to RFLAGS through popfq on the private stack. */
static void emit_popf(struct block_builder *b)
{
	struct emitter *e = &b->e;
	load_esp(e, false, R11, 0); /* can fault: nothing changed yet */
	mov32(e, R10, R11);
	and_imm(e, R10, 0x200);
	blk_store(e, R10, BLK_VIF);
	mov32(e, R10, R11);
	and_imm(e, R10, POPF_SYS_MASK);
	rex(e, false, 0, 0, R10);
	e8(e, 0x81);
	e8(e, 0xca);
	e32(e, 2); /* or $2, %r10d (reserved bit 1) */
	blk_store(e, R10, BLK_VSYS);
	and_imm(e, R11, EFL_ARITH_DF);
	private_stack(e, true);
	e8(e, 0x41);
	e8(e, 0x53); /* push %r11 */
	e8(e, 0x9d); /* popfq */
	private_stack(e, false);
	adjust_esp(e, 4);
}

/* After IF may have become 1: an interrupt that waits makes the block's
 * closing poll leave. */
static void emit_irq_window_check(struct emitter *e)
{
	blk_load(e, R11, BLK_IRQ_REQ);
	blk_store(e, R11, BLK_PENDING);
}

static void emit_seg_read(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	uint32_t off = BLK_GSEL + 4u * in->sreg;
	if (in->dest_reg == XREG_PUSH) {
		blk_load(e, R11, off);
		emit_push_reg(e, in->opsize16, R11);
	} else if (in->opsize16) {
		e8(e, 0x66);
		blk_load(e, in->dest_reg, off);
	} else {
		blk_movzwl(e, in->dest_reg, off);
	}
}

/* xlat with 16-bit addressing: AL = [seg base + ((BX + AL) & 0xffff)]. */
static void emit_xlat16(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	static const uint8_t ea[] = {
	    0x44, 0x0f, 0xb6, 0xd8, /* movzbl %al, %r11d */
	    0x46, 0x8d, 0x1c, 0x1b, /* lea (%rbx,%r11), %r11d */
	    0x45, 0x0f, 0xb7, 0xdb, /* movzwl %r11w, %r11d */
	};
	ebytes(e, ea, sizeof(ea));
	int seg = insn_seg(in, SEG_DS);
	if (seg_class(b, seg) == SEGC_BASED) {
		blk_load(e, R8, BLK_SEGBASE + 4u * (uint32_t)seg);
		static const uint8_t add[] = {0x47, 0x8d, 0x1c, 0x03}; /* lea (%r11,%r8), %r11d */
		ebytes(e, add, sizeof(add));
	}
	static const uint8_t ld[] = {0x41, 0x8a, 0x03}; /* mov (%r11), %al */
	ebytes(e, ld, sizeof(ld));
}

/* jcxz and loop with 16-bit addressing count CX, which 64-bit mode cannot
 * name: CX is decremented with lea (no flags) and tested with jrcxz on a
 * zero-extended copy, RCX kept in R9. loope/loopne then test ZF. */
static void emit_short_branch16(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	if (in->cls == XC_LOOP) {
		static const uint8_t dec[] = {0x44, 0x8d, 0x59, 0xff,  /* lea -1(%rcx), %r11d */
					      0x66, 0x44, 0x89, 0xd9}; /* mov %r11w, %cx */
		ebytes(e, dec, sizeof(dec));
	}
	mov64(e, R9, RCX);
	static const uint8_t zx[] = {0x0f, 0xb7, 0xc9}; /* movzwl %cx, %ecx */
	ebytes(e, zx, sizeof(zx));
	bool jcxz = in->cls == XC_JCXZ;
	bool zf = in->cls == XC_LOOP && in->loop_kind < 2;
	/* jcxz: CX = 0 is taken; loop: CX = 0 is not taken */
	e8(e, 0xe3);
	e8(e, (uint8_t)(3 + (zf ? 2 : 0) + 5)); /* to the CX = 0 path */
	mov64(e, RCX, R9);
	if (zf) { /* loopne (0) is not taken when ZF=1, loope (1) when ZF=0 */
		e8(e, in->loop_kind == 0 ? 0x74 : 0x75);
		e8(e, 5); /* to the CX = 0 path (its mov is harmless here) */
	}
	xlat_exit_jmp(b, jcxz ? in->next : in->target, in->eip); /* CX != 0 */
	mov64(e, RCX, R9);
	xlat_exit_jmp(b, jcxz ? in->target : in->next, in->eip); /* CX = 0, or ZF */
	b->end = true;
}

/* moffs forms (A0-A3) through a based segment: mov through (%r10). */
static void emit_moffs(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	int op = opcode(in);
	int seg = insn_seg(in, SEG_DS);
	const uint8_t *moffs = in->bytes + in->opcode_off + 1;
	if (seg_class(b, seg) == SEGC_FLAT) {
		e8(e, 0x67);
		put_prefixes(e, in);
		e8(e, (uint8_t)op);
		ebytes(e, moffs, 4);
		return;
	}
	struct gmem m = {.mod = 0, .rm = 5, .seg = seg};
	m.disp = (int32_t)((uint32_t)moffs[0] | (uint32_t)moffs[1] << 8 | (uint32_t)moffs[2] << 16 |
			   (uint32_t)moffs[3] << 24);
	based_address(e, &m, 0);
	put_prefixes(e, in);
	static const uint8_t movop[] = {0x8a, 0x8b, 0x88, 0x89};
	rex(e, false, 0, 0, R10);
	e8(e, movop[op - 0xa0]);
	e8(e, (uint8_t)(R10 & 7)); /* ModRM: (%r10), %al/%eax */
}

/* lea with 16-bit addressing (0x67 in 32-bit code; 64-bit mode has no
 * 16-bit addressing): the sum of the ModRM's registers and displacement in
 * %r11d, of which the low 16 bits are the address; written zero-extended
 * (32-bit operand) or to the low word only (0x66). */
static void emit_lea16(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	static const int8_t base16[8] = {RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX};
	static const int8_t index16[8] = {RSI, RDI, RSI, RDI, -1, -1, -1, -1};
	const uint8_t *p = in->bytes + in->modrm_off;
	int mod = p[0] >> 6, rm = p[0] & 7, reg = (p[0] >> 3) & 7;
	int32_t disp = 0;
	if (mod == 1)
		disp = (int8_t)p[1];
	else if (mod == 2 || (mod == 0 && rm == 6))
		disp = (int16_t)(p[1] | p[2] << 8);
	int base = mod == 0 && rm == 6 ? -1 : base16[rm], index = index16[rm];
	/* lea disp32(base,index), %r11d through a SIB byte: index 100 is "no
	 * index"; with no base (disp16 alone), mod=00 base=101 is disp32 alone */
	rex(e, false, R11, 0, 0);
	e8(e, 0x8d);
	if (base < 0) {
		e8(e, 0x1c); /* mod=00 reg=r11 rm=100: SIB */
		e8(e, 0x25); /* no index, no base: disp32 */
	} else {
		e8(e, 0x9c); /* mod=10 reg=r11 rm=100: SIB + disp32 */
		e8(e, (uint8_t)(((index < 0 ? 4 : index) << 3) | base));
	}
	e32(e, (uint32_t)disp);
	if (in->opsize16) { /* mov %r11w, %reg16 */
		e8(e, 0x66);
		rex(e, false, R11, 0, reg);
		e8(e, 0x89);
		e8(e, (uint8_t)(0xc0 | ((R11 & 7) << 3) | reg));
	} else { /* movzwl %r11w, %reg32 */
		rex(e, false, reg, 0, R11);
		e8(e, 0x0f);
		e8(e, 0xb7);
		e8(e, (uint8_t)(0xc0 | (reg << 3) | (R11 & 7)));
	}
}

/* xlat through a based segment: R10 = base + EBX + AL (32-bit wrap), then
 * mov (%r10), %al. No flags change, as for the guest's xlat. */
static void emit_xlat_based(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	blk_load(e, R8, BLK_SEGBASE + 4u * (uint32_t)insn_seg(in, SEG_DS));
	static const uint8_t ea[] = {
	    0x44, 0x0f, 0xb6, 0xd8,	  /* movzbl %al, %r11d */
	    0x67, 0x46, 0x8d, 0x14, 0x1b, /* lea (%ebx,%r11d), %r10d */
	    0x47, 0x8d, 0x14, 0x02,	  /* lea (%r10,%r8), %r10d */
	};
	ebytes(e, ea, sizeof(ea));
	put_prefixes(e, in);
	static const uint8_t ld[] = {0x41, 0x8a, 0x02}; /* mov (%r10), %al */
	ebytes(e, ld, sizeof(ld));
}

/* Everything the decoder calls IDENT: copied, except what 64-bit mode
 * encodes differently. */
static void emit_ident(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	int op = opcode(in);
	bool o16 = in->opsize16;
	if (op >= 0x40 && op <= 0x4f) { /* inc/dec r: REX prefixes in 64-bit mode */
		put_prefixes(e, in);
		e8(e, 0xff);
		e8(e, (uint8_t)((op < 0x48 ? 0xc0 : 0xc8) | (op & 7)));
		return;
	}
	if (op >= 0x50 && op <= 0x57)
		return emit_push_reg(e, o16, op & 7);
	if (op >= 0x58 && op <= 0x5f)
		return emit_pop_reg(e, o16, op & 7);
	if (op == 0x68 || op == 0x6a) {
		const uint8_t *imm = in->bytes + in->opcode_off + 1;
		uint32_t v;
		if (op == 0x6a)
			v = (uint32_t)(int32_t)(int8_t)imm[0];
		else if (o16)
			v = (uint32_t)imm[0] | (uint32_t)imm[1] << 8;
		else
			v = (uint32_t)imm[0] | (uint32_t)imm[1] << 8 | (uint32_t)imm[2] << 16 |
			    (uint32_t)imm[3] << 24;
		return emit_push_imm(e, o16, v);
	}
	if (op == 0x8f)
		return emit_pop_rm(b, in);
	if (op == 0xff && modrm_reg(in) == 6)
		return emit_push_rm(b, in);
	if (op == 0xc9)
		return emit_leave(e);
	if (op == 0x60)
		return emit_pusha(e);
	if (op == 0x61)
		return emit_popa(e);
	if (op == 0x8d && in->addr16 && has_mem(in))
		return emit_lea16(b, in);
	if (op == 0xd7 && in->addr16)
		return emit_xlat16(b, in);
	if (op == 0xd7 && seg_class(b, insn_seg(in, SEG_DS)) == SEGC_BASED)
		return emit_xlat_based(b, in);
	if (string_op(op) || op == 0xd7) {
		e8(e, 0x67);
		put_prefixes(e, in);
		ebytes(e, in->bytes + in->opcode_off, (size_t)(in->len - in->opcode_off));
		return;
	}
	if (moffs_op(op))
		return emit_moffs(b, in);
	if (has_mem(in)) {
		int oplen = in->modrm_off - in->opcode_off;
		uint8_t ops[4];
		for (int i = 0; i < oplen && i < 4; i++)
			ops[i] = in->bytes[in->opcode_off + i];
		if (op == 0x82)
			ops[0] = 0x80;
		return emit_mem_insn(b, in, ops, oplen, modrm_reg(in), 0, address_only(op, in));
	}
	if (op == 0x82) { /* an alias of 0x80, invalid in 64-bit mode */
		put_prefixes(e, in);
		e8(e, 0x80);
		ebytes(e, in->bytes + in->opcode_off + 1, (size_t)(in->len - in->opcode_off - 1));
		return;
	}
	put_prefixes(e, in); /* segment prefixes do nothing without memory */
	ebytes(e, in->bytes + in->opcode_off, (size_t)(in->len - in->opcode_off));
}

static void emit_insn(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	static const uint8_t loop_op[] = {0xe0, 0xe1, 0xe2};
	switch (in->cls) {
	case XC_IDENT:
	case XC_GS_REWRITE: emit_ident(b, in); break;
	case XC_JMP: xlat_emit_jmp(b, in); break;
	case XC_JCC: xlat_emit_jcc(b, in); break;
	case XC_JCXZ:
		if (in->addr16)
			emit_short_branch16(b, in);
		else
			xlat_emit_short_branch(b, in, 0xe3, true);
		break;
	case XC_LOOP:
		if (in->addr16)
			emit_short_branch16(b, in);
		else
			xlat_emit_short_branch(b, in, loop_op[in->loop_kind], true);
		break;
	case XC_CALL:
		emit_push_imm(e, in->opsize16, in->next);
		xlat_exit_jmp(b, in->target, in->eip);
		b->end = true;
		break;
	case XC_RET: emit_ret(b, in); break;
	case XC_JMP_IND:
		emit_load_target(b, in);
		emit_ibl_jump(b);
		break;
	case XC_CALL_IND:
		emit_load_target(b, in);
		emit_push_imm(e, in->opsize16, in->next);
		emit_ibl_jump(b);
		break;
	case XC_CLI: blk_store_imm(e, BLK_VIF, 0); break;
	case XC_STI:
		blk_store_imm(e, BLK_VIF, 0x200);
		emit_irq_window_check(e);
		break;
	case XC_PUSHF: emit_pushf(b, false); break;
	case XC_POPF:
		emit_popf(b);
		emit_irq_window_check(e);
		break;
	case XC_SEG_READ: emit_seg_read(b, in); break;
	case XC_CALLOUT:
	case XC_UNSUPPORTED: xlat_emit_callout(b, in); break;
	}
}

const struct xlat_backend xlat_backend_x64 = {
    .name = "x64",
    .adjust = adjust,
    .emit_insn = emit_insn,
    .emit_exit = emit_exit,
    .emit_poll_cmp = emit_poll_cmp,
    .emit_poll_live = emit_poll_live,
    .emit_ientry = emit_ientry,
};
