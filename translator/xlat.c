/* xlat.c - the block translator.
 *
 * A guest basic block (at most XLAT_MAX_INSNS instructions, never crossing a
 * page, ending at control flow or an instruction the monitor must handle)
 * becomes one CCF: innocuous instructions copied byte for byte (IDENT),
 * control flow rewritten to exits that are later chained straight to their
 * target CCF, a few sensitive instructions emulated in place (cli, sti,
 * pushf, popf, segment-register reads, %gs uses), everything else a call-out.
 *
 * Layout of a CCF: the translated instructions, then its exit stubs. An exit
 * is a jmp/jcc rel32 (the patch site) that first points at its stub; the
 * stub stores the exit's record id and far-jumps to the exit trampoline.
 * Chaining rewrites the rel32 to the target CCF. Exits whose target is not
 * above the block (back edges) first pass a pending-event check, so every
 * loop in chained code polls BLK_PENDING; the indirect lookup polls too.
 *
 * Precise state: every instruction's host range is in ccf->map. Each
 * emulation sequence is ordered so that its only faulting access comes
 * before any guest-visible change (scratch slots aside), so a host fault
 * anywhere maps to the start of one guest instruction with guest registers
 * as they were there. */
#include "xlat.h"

#include "xlat_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "emit.h"
#include "emulate.h"
#include "gmem.h"
#include "physmem.h"
#include "stats.h"
#include "tcache.h"
#include "vm.h"
#include "cpu.h"

#define CCF_ROOM_NEEDED 4096 /* worst case for one block, with stubs */

uint32_t xlat_new_rec(struct xlat *x, enum rec_kind kind, uint32_t eip, struct ccf *c, int exit_idx,
		      const struct xinsn *in)
{
	if (x->nrecs == x->caprecs) {
		uint32_t cap = x->caprecs ? x->caprecs * 2 : 1024;
		struct exit_rec *r = realloc(x->recs, cap * sizeof(*r));
		if (!r) {
			perror("btvmm: out of memory");
			exit(70);
		}
		x->recs = r;
		x->caprecs = cap;
	}
	struct exit_rec *r = &x->recs[x->nrecs];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->guest_eip = eip;
	r->ccf = c;
	r->exit_idx = exit_idx;
	if (in) {
		r->insn = malloc(sizeof(*in));
		if (!r->insn) {
			perror("btvmm: out of memory");
			exit(70);
		}
		*r->insn = *in;
	}
	return x->nrecs++;
}

/* Are the arithmetic flags dead at guest eip: overwritten by the straight-
 * line code there before anything reads them? Looks a few instructions
 * ahead; anything it cannot see through counts as a read. */
static bool flags_dead_at(struct block_builder *b, uint32_t eip)
{
	for (int i = 0, written = 0; i < 8; i++) {
		uint32_t avail;
		const uint8_t *code =
		    gmem_code_ptr(b->cpu, b->cpu->seg[SEG_CS].base + eip, &avail, NULL);
		struct xinsn in;
		if (!code || xdecode(&b->x->dec, code, avail, eip, &in))
			return false;
		if (in.flags_read & ~written)
			return false;
		written |= in.flags_written;
		if (written == XFL_ALL)
			return true;
		if (in.ends_block || in.cls != XC_IDENT)
			return false;
		eip = in.next;
	}
	return false;
}

void xlat_add_exit(struct block_builder *b, uint8_t *site, uint32_t target, bool check)
{
	struct pending_exit *pe = &b->exits[b->nexits++];
	pe->site = site;
	pe->target = target;
	pe->check = check || b->force_check;
	pe->flags_dead = pe->check && flags_dead_at(b, target);
	pe->one_shot = b->transient;
}

void xlat_exit_jmp(struct block_builder *b, uint32_t target, uint32_t from_eip)
{
	uint8_t *site = e_jmp32(&b->e, 0);
	xlat_add_exit(b, site, target, target <= from_eip);
}

void xlat_emit_jmp(struct block_builder *b, const struct xinsn *in)
{
	xlat_exit_jmp(b, in->target, in->eip);
	b->end = true;
}

/* jcc rel32 to the taken exit (the same encoding in both modes), then the
 * fall-through exit. */
void xlat_emit_jcc(struct block_builder *b, const struct xinsn *in)
{
	struct emitter *e = &b->e;
	e8(e, 0x0f);
	e8(e, (uint8_t)(0x80 | in->cc));
	uint8_t *site = e->p;
	e32(e, 0);
	xlat_add_exit(b, site, in->target, in->target <= in->eip);
	xlat_exit_jmp(b, in->next, in->eip);
	b->end = true;
}

/* jcxz/loop (op) have only rel8 forms: branch over a short jmp to the two
 * exits. prefix67: precede it with 0x67 (ECX in 64-bit code, CX in 32-bit). */
void xlat_emit_short_branch(struct block_builder *b, const struct xinsn *in, uint8_t op,
			    bool prefix67)
{
	struct emitter *e = &b->e;
	if (prefix67)
		e8(e, 0x67);
	e8(e, op);
	e8(e, 2); /* taken: skip the short jmp */
	e8(e, 0xeb);
	e8(e, 5); /* not taken: skip the taken exit's jmp rel32 */
	xlat_exit_jmp(b, in->target, in->eip);
	xlat_exit_jmp(b, in->next, in->eip);
	b->end = true;
}

void xlat_emit_callout(struct block_builder *b, const struct xinsn *in)
{
	b->x->be->emit_exit(&b->e, xlat_new_rec(b->x, REC_CALLOUT, in->eip, b->c, -1, in));
	b->end = true;
}

/* Stubs after the block body: the optional event check, the patchable jump
 * and the stub that reports the exit. */
static void emit_stubs(struct block_builder *b)
{
	struct emitter *e = &b->e;
	struct xlat *x = b->x;
	const struct xlat_backend *be = x->be;
	for (int i = 0; i < b->nexits; i++) {
		struct pending_exit *pe = &b->exits[i];
		uint8_t *site = pe->site;
		uint8_t *event_jne = NULL;
		if (pe->check && pe->flags_dead) {
			/* flags are dead at the target: a plain compare will do, and
			 * the usual path falls through to the patchable jmp */
			if (!e->overflow)
				patch_rel32(site, emit_pos(e));
			be->emit_poll_cmp(e);
			e8(e, 0x0f);
			e8(e, 0x85); /* jne to the event exit, after the stub */
			event_jne = e->p;
			e32(e, 0);
			site = e_jmp32(e, 0);
		} else if (pe->check) {
			/* flags live: a test that touches no flags */
			if (!e->overflow)
				patch_rel32(site, emit_pos(e));
			be->emit_poll_live(b, pe->target);
			site = e_jmp32(e, 0);
		}
		uintptr_t stub = emit_pos(e);
		if (!e->overflow)
			patch_rel32(site, stub);
		if (pe->one_shot) {
			be->emit_exit(e, xlat_new_rec(x, REC_END, pe->target, b->c, -1, NULL));
		} else {
			int idx = (int)b->c->n_exits++;
			struct tc_exit *te = &b->c->exits[idx];
			te->patch_site = site;
			te->stub = (uint8_t *)stub;
			te->target_eip = pe->target;
			te->owner = b->c;
			be->emit_exit(e, xlat_new_rec(x, REC_BRANCH, pe->target, b->c, idx, NULL));
		}
		if (event_jne) {
			if (!e->overflow)
				patch_rel32(event_jne, emit_pos(e));
			be->emit_exit(e, xlat_new_rec(x, REC_EVENT, pe->target, b->c, -1, NULL));
		}
	}
}

static void log_block(struct xlat *x, struct ccf *c, struct xinsn *ins, int n)
{
	FILE *f = x->log;
	fprintf(f, "block 0x%08x: %d guest insns -> CCF %p, %u host bytes%s\n", c->guest_eip, n,
		(void *)c->code, c->code_len, c->transient ? " (one-shot)" : "");
	for (int i = 0; i < n; i++) {
		const struct ccf_map *m = &c->map[i];
		fprintf(f, "  %08x  %-40s |", ins[i].eip, ins[i].text);
		for (int j = m->host_off; j < m->host_end; j++)
			fprintf(f, " %02x", c->code[j]);
		fputc('\n', f);
	}
	uint32_t tail = c->n_map ? c->map[c->n_map - 1].host_end : 0;
	if (tail < c->code_len) {
		fprintf(f, "  %-50s |", "  (exit stubs)");
		for (uint32_t j = tail; j < c->code_len; j++)
			fprintf(f, " %02x", c->code[j]);
		fputc('\n', f);
	}
}

/* Outside ring 0, cli/sti/popf depend on IOPL: the monitor does them. */
static void outer_ring_rules(struct xinsn *in)
{
	static const enum callout_kind co[] = {
	    [XC_CLI] = CO_CLI, [XC_STI] = CO_STI, [XC_POPF] = CO_POPF};
	if (in->cls != XC_CLI && in->cls != XC_STI && in->cls != XC_POPF)
		return;
	in->co = co[in->cls];
	in->cls = XC_CALLOUT;
	in->ends_block = true;
}

static bool is_direct_branch(const struct xinsn *in)
{
	return in->cls == XC_JMP || in->cls == XC_JCC || in->cls == XC_JCXZ || in->cls == XC_LOOP;
}

/* The block plan: decode and classify up to max_insns instructions (one
 * more if it is the branch that closes a loop: splitting it off would cost
 * a block transition per iteration), each with its final class for this
 * backend. Nothing is emitted. Returns the number of guest instructions,
 * or -1 with err set if the first one cannot be handled. */
static int plan(struct block_builder *b, struct vcpu *cpu, uint32_t eip, int max_insns,
		struct xinsn *ins, char *err, size_t errlen)
{
	struct xlat *x = b->x;
	uint32_t cs_base = cpu->seg[SEG_CS].base;
	uint32_t page_end = ((cs_base + eip) | (PAGE_SIZE - 1)) - cs_base;
	int n = 0;
	bool after_sti = false;
	while (n < max_insns + 1 && n < CCF_MAX_INSNS - 1) {
		uint32_t avail;
		const uint8_t *code = gmem_code_ptr(cpu, cs_base + eip, &avail, NULL);
		struct xinsn *in = &ins[n];
		int r = code ? xdecode(&x->dec, code, avail, eip, in) : -3;
		uint8_t straddle[16];
		if (r == -2 && n == 0) {
			/* the first instruction runs into the next page, which paging
			 * may put anywhere: decode it from its bytes gathered */
			int g = gmem_fetch(cpu, cs_base + eip, straddle, sizeof(straddle));
			if (g == 14) {
				x->fetch_fault = true; /* the guest's #PF (pf_lin set) */
				snprintf(err, errlen, "page fault fetching code at 0x%08x", eip);
				return -1;
			}
			if (!g) {
				code = straddle;
				r = xdecode(&x->dec, straddle, sizeof(straddle), eip, in);
			}
		}
		if (r == -3 || r == -2) {
			if (n == 0) {
				snprintf(err, errlen, "guest code at EIP 0x%08x is not in RAM",
					 eip);
				return -1;
			}
			break;
		}
		if (r == -1) { /* invalid opcode: the monitor raises #UD */
			memset(in, 0, sizeof(*in));
			in->eip = eip;
			in->len = 1;
			in->next = eip + 1;
			in->cls = XC_CALLOUT;
			in->co = CO_UD;
			memcpy(in->bytes, code, avail < 15 ? avail : 15);
			snprintf(in->text, sizeof(in->text), "(bad)");
		}
		if (n > 0 && in->eip + in->len - 1 > page_end)
			break; /* the instruction crosses into the next page */
		if (n == max_insns && (max_insns == 1 || !is_direct_branch(in)))
			break; /* at the cap, only a branch that ends the block may follow */
		if (adapt_emulated(&x->adapt, eip, cpu_code_mode(b->cpu)) && !in->ends_block &&
		    emu_handles(in)) {
			/* it kept faulting into the monitor: do it there directly (the
			 * record is by address: the code there may have changed since) */
			in->cls = XC_CALLOUT;
			in->co = CO_EMULATE;
			in->ends_block = true;
		}
		if (in->cls == XC_UNSUPPORTED && in->seg_prefix == 0x2e) {
			/* a data access through %cs: translated code runs in the host's
			 * CS, so the monitor does it with the guest's CS */
			in->cls = XC_CALLOUT;
			in->co = CO_EMULATE;
		}
		if (in->cls == XC_UNSUPPORTED && n > 0)
			break; /* let it start its own block, reached only if executed */
		if (b->cpu->cpl > 0)
			outer_ring_rules(in);
		if ((cpu_code_mode(b->cpu) & CODE_MODE_NO_SSE) && in->sse) {
			in->cls = XC_CALLOUT; /* CR4.OSFXSR=0: #UD, before any #NM */
			in->co = CO_UD;
			in->ends_block = true;
		} else if ((cpu_code_mode(b->cpu) & CODE_MODE_FPU_TRAP) && (in->x87 || in->simd)) {
			in->cls = XC_CALLOUT; /* CR0.EM/TS: the monitor raises #NM or #UD */
			in->co = CO_FPU_TRAP;
			in->ends_block = true;
		} else {
			x->be->adjust(b, in);
			if (in->cls == XC_UNSUPPORTED && n > 0)
				break;
		}
		n++;
		eip = in->next;
		if (in->ends_block || after_sti)
			break; /* after sti, the shadow covered one instruction: now poll */
		if (in->cls == XC_STI)
			after_sti = true;
		if (in->cls == XC_POPF)
			break;
		if (eip - 1 == page_end)
			break;
	}
	return n;
}

/* The plan through the backend's emitter, with each instruction's host
 * range in the map, then the fall-through exit unless the block ended. */
static void emit_plan(struct block_builder *b, const struct xinsn *ins, int n)
{
	struct xlat *x = b->x;
	for (int i = 0; i < n; i++) {
		const struct xinsn *in = &ins[i];
		struct ccf_map *m = &b->c->map[b->c->n_map++];
		m->guest_eip = in->eip;
		m->host_off = (uint16_t)(b->e.p - b->e.start);
		x->be->emit_insn(b, in);
		m->host_end = (uint16_t)(b->e.p - b->e.start);
		if (in->cls == XC_IDENT || in->cls == XC_GS_REWRITE)
			x->stats->insns_ident++;
		else
			x->stats->insns_nonident++;
		if (in->cls == XC_STI || in->cls == XC_POPF)
			b->force_check = true; /* later exits poll: IF may be 1 now */
	}
	uint32_t next = ins[n - 1].next;
	if (!b->end)
		xlat_exit_jmp(b, next, next - 1); /* fall through; forward unless wrapped */
}

struct ccf *xlat_block(struct xlat *x, struct vcpu *cpu, uint32_t eip, int max_insns, char *err,
		       size_t errlen)
{
	struct xinsn ins[CCF_MAX_INSNS];
	uint32_t pfn = 0;
	uint32_t avail;
	if (!gmem_code_ptr(cpu, cpu->seg[SEG_CS].base + eip, &avail, &pfn)) {
		snprintf(err, errlen, "guest code at EIP 0x%08x is not in RAM", eip);
		return NULL;
	}
	if (!(cpu->seg[SEG_CS].attr & SEG_ATTR_DB)) {
		snprintf(err, errlen, "16-bit guest code at EIP 0x%08x is not supported yet", eip);
		return NULL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		size_t room;
		uint8_t *buf = tc_code_begin(x->tc, &room);
		if (room < CCF_ROOM_NEEDED) {
			xlat_flush(x);
			continue;
		}
		struct block_builder b = {.x = x, .cpu = cpu, .transient = max_insns == 1};
		b.c = tc_new_ccf(x->tc, eip, cpu_code_mode(cpu), pfn);
		b.c->transient = b.transient;
		emit_init(&b.e, buf, room);
		int n = plan(&b, cpu, eip, max_insns, ins, err, errlen);
		if (n < 0)
			return NULL;
		emit_plan(&b, ins, n);
		emit_stubs(&b);
		if (!b.transient)
			x->be->emit_ientry(&b);
		if (b.e.overflow) {
			xlat_flush(x);
			continue;
		}
		b.c->guest_len = ins[n - 1].next - eip;
		b.c->guest_lin = cpu->seg[SEG_CS].base + eip;
		tc_code_commit(x->tc, b.c, (size_t)(b.e.p - buf));
		if (!b.transient)
			tc_insert(x->tc, b.c);
		x->stats->blocks_translated++;
		if (x->log)
			log_block(x, b.c, ins, n);
		return b.c;
	}
	snprintf(err, errlen, "translation cache too small for the block at 0x%08x", eip);
	return NULL;
}

void xlat_flush(struct xlat *x)
{
	tc_flush(x->tc);
	for (uint32_t i = REC_FIRST_DYNAMIC; i < x->nrecs; i++)
		free(x->recs[i].insn);
	x->nrecs = REC_FIRST_DYNAMIC;
}

int xlat_init(struct xlat *x, struct tcache *tc, struct stats *st)
{
	x->tc = tc;
	x->stats = st;
	x->nrecs = 0;
	x->caprecs = 0;
	x->recs = NULL;
	x->be = &xlat_backend_compat;
	xlat_new_rec(x, REC_IBL_MISS, 0, NULL, -1, NULL);
	if (adapt_init(&x->adapt, false))
		return -1;
	return xdecode_init(&x->dec, true);
}

void xlat_fini(struct xlat *x)
{
	for (uint32_t i = 0; i < x->nrecs; i++)
		free(x->recs[i].insn);
	free(x->recs);
	xdecode_fini(&x->dec);
	adapt_fini(&x->adapt);
}
