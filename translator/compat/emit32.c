/* emit32.c - the compat backend's emitter: guest instructions copied into
 * 32-bit compatibility-mode host code. Innocuous instructions are copied
 * byte for byte (IDENT); control flow becomes exits; cli, sti, pushf, popf,
 * segment-register reads and %gs uses are emulated in place through the
 * vCPU block, which translated code reaches through %gs (its base is the
 * block in the hole). Guest memory is reached through the shadow segments
 * (host LDT descriptors cut at the hole: src/segments.c).
 *
 * Each emulation sequence does its only faultable access before any
 * guest-visible change (scratch slots aside), so a host fault maps to the
 * start of one guest instruction (see xlat.c). */
#include <stdbool.h>
#include <stdint.h>

#include "block.h"
#include "cpu.h"
#include "emit.h"
#include "vm.h"
#include "xlat_priv.h"

static void emit_exit_to_monitor(struct emitter *e, uint32_t rec)
{
	e_store_gs_imm(e, BLK_EXIT_REC, rec);
	e_ljmp_gs(e, BLK_EXIT_FAR);
}

/* The flag-free event poll, with the guest's %ecx already saved in BLK_SC0:
 * leave for the monitor (resuming at guest eip) if BLK_PENDING is set,
 * else go on with %ecx restored. */
static void emit_poll_ecx_saved(struct block_builder *b, uint32_t eip)
{
	struct emitter *e = &b->e;
	e_load_gs(e, R_ECX, BLK_PENDING);
	e8(e, 0xe3); /* jecxz over the event exit */
	uint8_t *skip = e->p;
	e8(e, 0);
	e_load_gs(e, R_ECX, BLK_SC0);
	emit_exit_to_monitor(e, xlat_new_rec(b->x, REC_EVENT, eip, b->c, -1, NULL));
	if (!e->overflow)
		*skip = (uint8_t)(e->p - skip - 1);
	e_load_gs(e, R_ECX, BLK_SC0);
}

/* Copy an instruction, replacing its %gs override with %fs and switching
 * %fs to the guest-%gs shadow around it (%gs belongs to the monitor). */
static void emit_gs_rewrite(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	e_gs_modrm(e, 0x8e, 4, BLK_HSEL + 2 * HSEL_GS); /* mov %gs:hsel_gs, %fs */
	for (int i = 0; i < in->len; i++)
		e8(e, i == in->seg_prefix_off ? 0x64 : in->bytes[i]);
	e_gs_modrm(e, 0x8e, 4, BLK_HSEL + 2 * HSEL_FS); /* mov %gs:hsel_fs, %fs */
}

/* Indirect branches jump through the lookup table with the guest's %ecx in
 * BLK_SC0 and the target EIP in BLK_TGT: each site has its own indirect
 * jump, so the host predicts it from that site's history. The entry found
 * is the target CCF's indirect entry (emit_ientry), which checks the tag. */
static void emit_ibl_jump(struct block_builder *b)
{
	static const uint8_t jmp[] = {0x65, 0xff, 0x24, 0x8d}; /* jmp *%gs:ibl(, %ecx, 4) */
	ebytes(&b->e, jmp, sizeof(jmp));
	e32(&b->e, BLK_IBL);
	b->end = true;
}

/* The table index from the target still in %ecx. */
static void emit_index_from_ecx(struct emitter *e)
{
	static const uint8_t movzwl[] = {0x0f, 0xb7, 0xc9}; /* movzwl %cx, %ecx */
	ebytes(e, movzwl, sizeof(movzwl));
}

/* jmp/call r/m: load the target into BLK_TGT through %ecx (saved first).
 * The load is the only access that can fault, and %ecx is still intact then. */
static void emit_load_target(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	bool gs = in->seg_prefix == 0x65;
	e_store_gs(e, R_ECX, BLK_SC0);
	if (gs)
		e_gs_modrm(e, 0x8e, 4, BLK_HSEL + 2 * HSEL_GS);
	for (int i = 0; i < in->modrm_off; i++) {
		uint8_t p = in->bytes[i];
		if (p == 0x66 || p == 0xf2 || p == 0xf3 || p == 0xff)
			continue; /* operand size is handled by the opcode below */
		e8(e, i == in->seg_prefix_off && gs ? 0x64 : p);
	}
	if (in->opsize16) {
		e8(e, 0x0f); /* movzwl r/m16, %ecx */
		e8(e, 0xb7);
	} else {
		e8(e, 0x8b); /* mov r/m32, %ecx */
	}
	e8(e, (uint8_t)((in->bytes[in->modrm_off] & 0xc7) | (R_ECX << 3)));
	ebytes(e, in->bytes + in->modrm_off + 1, in->len - in->modrm_off - 1u);
	if (gs)
		e_gs_modrm(e, 0x8e, 4, BLK_HSEL + 2 * HSEL_FS);
	e_store_gs(e, R_ECX, BLK_TGT);
}

static void emit_push_imm(struct emitter *e, uint32_t v, bool o16)
{
	if (o16) {
		e8(e, 0x66);
		e8(e, 0x68);
		e8(e, (uint8_t)v);
		e8(e, (uint8_t)(v >> 8));
	} else {
		e8(e, 0x68);
		e32(e, v);
	}
}

static void emit_ret(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	static const uint8_t lea[] = {0x8d, 0xa4, 0x24}; /* lea disp32(%esp), %esp */
	e_store_gs(e, R_ECX, BLK_SC0);
	if (in->opsize16) {
		e8(e, 0x66);
		e8(e, 0x59); /* popw %cx: faults before changing %esp or %ecx */
		emit_index_from_ecx(e);
	} else {
		e8(e, 0x59); /* pop %ecx: faults before changing %esp or %ecx */
	}
	if (in->ret_pop) {
		ebytes(e, lea, sizeof(lea));
		e32(e, in->ret_pop);
	}
	e_store_gs(e, R_ECX, BLK_TGT);
	emit_index_from_ecx(e);
	emit_ibl_jump(b);
}

/* The indirect entry of a CCF: reached through the lookup table with the
 * guest's %ecx in BLK_SC0. Checks that BLK_TGT is this block's EIP (lea and
 * jecxz: no flags touched), polls for pending events, then runs the block. */
static void emit_ientry(struct block_builder *b)
{
	struct emitter *e = &b->e;
	struct ccf *c = b->c;
	c->ientry = e->p;
	/* the EIP, then the code mode the table is read in (entries stay
	 * across mode changes: src/ibl.c) */
	const uint32_t off[2] = {BLK_TGT, BLK_IBL_MODE}, want[2] = {c->guest_eip, c->mode};
	for (int i = 0; i < 2; i++) {
		e_load_gs(e, R_ECX, off[i]);
		e8(e, 0x8d); /* lea -want(%ecx), %ecx */
		e8(e, 0x89);
		e32(e, (uint32_t)-want[i]);
		e8(e, 0xe3); /* jecxz: it matches */
		e8(e, 5);
		e_jmp32(e, b->x->ibl_miss);
	}
	emit_poll_ecx_saved(b, c->guest_eip);
	e_jmp32(e, (uintptr_t)e->start);
}

/* pushf: guest EFLAGS = host arithmetic flags + DF | virtual system flags | IF. */
static void emit_pushf(struct block_builder *b)
{
	struct emitter *e = &b->e;
	e8(e, 0x9c); /* pushfl (the only access that can fault) */
	e_store_gs(e, R_EAX, BLK_SC0);
	static const uint8_t ld[] = {0x8b, 0x04, 0x24}; /* mov (%esp), %eax */
	ebytes(e, ld, sizeof(ld));
	e8(e, 0x25); /* and $ARITH_DF, %eax */
	e32(e, EFL_ARITH_DF);
	e_gs_modrm(e, 0x0b, R_EAX, BLK_VSYS); /* or %gs:vsys, %eax */
	e_gs_modrm(e, 0x0b, R_EAX, BLK_VIF);  /* or %gs:vif, %eax */
	e8(e, 0x9d);			      /* popfl: host flags back as they were */
	e8(e, 0x50);			      /* push %eax */
	e_load_gs(e, R_EAX, BLK_SC0);
}

/* Flags a CPL-0 popf may change besides arithmetic, DF and IF. */
#define POPF_SYS_MASK 0x00247100u /* TF, IOPL, NT, AC, ID */

/* popf: arithmetic flags and DF go to the host EFLAGS through a real popfl of
 * a sanitized copy; IF and the system flags go to the block. The copy is
 * written over the slot just read, which the guest itself pushed. */
static void emit_popf(struct block_builder *b)
{
	struct emitter *e = &b->e;
	static const uint8_t ld[] = {0x8b, 0x04, 0x24}; /* mov (%esp), %eax */
	static const uint8_t st[] = {0x89, 0x04, 0x24}; /* mov %eax, (%esp) */
	e_store_gs(e, R_EAX, BLK_SC0);
	ebytes(e, ld, sizeof(ld)); /* can fault: %eax still intact */
	e_store_gs(e, R_EAX, BLK_SC1);
	e8(e, 0x25);
	e32(e, 0x200); /* and $IF */
	e_store_gs(e, R_EAX, BLK_SC2);
	e_load_gs(e, R_EAX, BLK_SC1);
	e8(e, 0x25);
	e32(e, POPF_SYS_MASK);
	e8(e, 0x0d);
	e32(e, 0x2); /* or $2 (reserved bit 1) */
	e_store_gs(e, R_EAX, BLK_SC3);
	e_load_gs(e, R_EAX, BLK_SC1);
	e8(e, 0x25);
	e32(e, EFL_ARITH_DF);
	ebytes(e, st, sizeof(st));
	e8(e, 0x9d); /* popfl */
	e_load_gs(e, R_EAX, BLK_SC2);
	e_store_gs(e, R_EAX, BLK_VIF);
	e_load_gs(e, R_EAX, BLK_SC3);
	e_store_gs(e, R_EAX, BLK_VSYS);
	e_load_gs(e, R_EAX, BLK_SC0);
}

/* After IF may have become 1 (sti, popf): if an interrupt waits, make the
 * block's closing poll leave the cache (%ecx saved around; no flags). */
static void emit_irq_window_check(struct emitter *e)
{
	e_store_gs(e, R_ECX, BLK_SC0);
	e_load_gs(e, R_ECX, BLK_IRQ_REQ);
	e_store_gs(e, R_ECX, BLK_PENDING);
	e_load_gs(e, R_ECX, BLK_SC0);
}

/* mov %sreg, reg / push %sreg: the guest's selector, not the host's. */
static void emit_seg_read(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	uint32_t off = BLK_GSEL + 4u * in->sreg;
	if (in->dest_reg == XREG_PUSH) {
		if (in->opsize16)
			e8(e, 0x66);
		e_gs_modrm(e, 0xff, 6, off); /* push %gs:gsel */
	} else if (in->opsize16) {
		e8(e, 0x66);
		e_gs_modrm(e, 0x8b, in->dest_reg, off);
	} else {
		e_movzwl_gs(e, in->dest_reg, off);
	}
}

static void emit_insn(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	static const uint8_t loop_op[] = {0xe0, 0xe1, 0xe2};
	switch (in->cls) {
	case XC_IDENT: ebytes(e, in->bytes, in->len); break;
	case XC_GS_REWRITE: emit_gs_rewrite(b, in); break;
	case XC_JMP: xlat_emit_jmp(b, in); break;
	case XC_JCC: xlat_emit_jcc(b, in); break;
	case XC_JCXZ: xlat_emit_short_branch(b, in, 0xe3, in->addr16); break;
	case XC_LOOP: xlat_emit_short_branch(b, in, loop_op[in->loop_kind], in->addr16); break;
	case XC_CALL:
		emit_push_imm(e, in->next, in->opsize16);
		xlat_exit_jmp(b, in->target, in->eip);
		b->end = true;
		break;
	case XC_RET: emit_ret(b, in); break;
	case XC_JMP_IND:
		emit_load_target(b, in);
		emit_index_from_ecx(e);
		emit_ibl_jump(b);
		break;
	case XC_CALL_IND:
		emit_load_target(b, in);
		e_load_gs(e, R_ECX, BLK_SC0); /* %ecx back before the push can fault */
		emit_push_imm(e, in->next, in->opsize16);
		e_movzwl_gs(e, R_ECX, BLK_TGT); /* the index, from the target saved above */
		emit_ibl_jump(b);
		break;
	case XC_CLI: e_store_gs_imm(e, BLK_VIF, 0); break;
	case XC_STI:
		e_store_gs_imm(e, BLK_VIF, 0x200);
		emit_irq_window_check(e);
		break;
	case XC_PUSHF: emit_pushf(b); break;
	case XC_POPF:
		emit_popf(b);
		emit_irq_window_check(e); /* with IF clear the monitor just re-enters */
		break;
	case XC_SEG_READ: emit_seg_read(b, in); break;
	case XC_CALLOUT:
	case XC_UNSUPPORTED: xlat_emit_callout(b, in); break;
	}
}

/* With flags dead at the target: cmpl $0, %gs:pending (a jne follows). */
static void emit_poll_cmp(struct emitter *e)
{
	static const uint8_t cmp[] = {0x65, 0x83, 0x3d};
	ebytes(e, cmp, sizeof(cmp));
	e32(e, BLK_PENDING);
	e8(e, 0);
}

/* Flags live: save %ecx and test through it with jecxz. */
static void emit_poll_live(struct block_builder *b, uint32_t eip)
{
	e_store_gs(&b->e, R_ECX, BLK_SC0);
	emit_poll_ecx_saved(b, eip);
}

static void adjust(struct block_builder *b, struct xinsn *in)
{
}

const struct xlat_backend xlat_backend_compat = {
    .name = "compat",
    .adjust = adjust,
    .emit_insn = emit_insn,
    .emit_exit = emit_exit_to_monitor,
    .emit_poll_cmp = emit_poll_cmp,
    .emit_poll_live = emit_poll_live,
    .emit_ientry = emit_ientry,
};
