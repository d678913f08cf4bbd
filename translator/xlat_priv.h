/* xlat_priv.h - what the block builder (xlat.c) shares with the backends'
 * emitters (translator/compat, translator/x64): the block being built, its
 * pending exits, and the few primitives each backend provides. */
#ifndef BTVMM_XLAT_PRIV_H
#define BTVMM_XLAT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "emit.h"
#include "tcache.h"
#include "xlat.h"

struct pending_exit {
	uint8_t *site;	 /* rel32 that initially jumps to the check or stub */
	uint32_t target; /* guest EIP */
	bool check;	 /* poll BLK_PENDING before leaving */
	bool flags_dead; /* the guest's arithmetic flags are dead at target */
	bool one_shot;	 /* REC_END: never linked */
};

struct block_builder {
	struct xlat *x;
	struct vcpu *cpu;
	struct ccf *c;
	struct emitter e;
	struct pending_exit exits[CCF_MAX_EXITS];
	int nexits;
	bool end;	  /* the block is complete */
	bool force_check; /* fall-through must poll (after sti/popf) */
	bool transient;
};

/* How one backend turns a planned block into host code. The block builder
 * decides what goes in a block and in what order; the backend emits. */
struct xlat_backend {
	const char *name;
	/* Last say on an instruction's class before it is emitted: an
	 * instruction this backend cannot run natively becomes a call-out. */
	void (*adjust)(struct block_builder *b, struct xinsn *in);
	void (*emit_insn)(struct block_builder *b, const struct xinsn *in);
	/* Store record id rec and leave for the monitor. */
	void (*emit_exit)(struct emitter *e, uint32_t rec);
	/* Compare BLK_PENDING with 0 (flags may be clobbered; a jne follows). */
	void (*emit_poll_cmp)(struct emitter *e);
	/* Leave with a REC_EVENT record for guest eip if BLK_PENDING is set,
	 * without touching the guest's flags or registers. */
	void (*emit_poll_live)(struct block_builder *b, uint32_t eip);
	/* The CCF's indirect entry (sets c->ientry). */
	void (*emit_ientry)(struct block_builder *b);
};

extern const struct xlat_backend xlat_backend_compat;
extern const struct xlat_backend xlat_backend_x64;

uint32_t xlat_new_rec(struct xlat *x, enum rec_kind kind, uint32_t eip, struct ccf *c, int exit_idx,
		      const struct xinsn *in);
/* Record an exit through the rel32 at site to guest target. */
void xlat_add_exit(struct block_builder *b, uint8_t *site, uint32_t target, bool check);
/* jmp rel32 leaving the block for guest target (a back edge polls). */
void xlat_exit_jmp(struct block_builder *b, uint32_t target, uint32_t from_eip);
/* Direct jmp and jcc: exits to their guest targets; they end the block. */
void xlat_emit_jmp(struct block_builder *b, const struct xinsn *in);
void xlat_emit_jcc(struct block_builder *b, const struct xinsn *in);
void xlat_emit_short_branch(struct block_builder *b, const struct xinsn *in, uint8_t op,
			    bool prefix67);
/* The instruction ends the block in a call-out to the monitor. */
void xlat_emit_callout(struct block_builder *b, const struct xinsn *in);

#endif
