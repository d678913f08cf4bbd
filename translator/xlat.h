/* xlat.h - the translator: one guest basic block in, one CCF out. */
#ifndef BTVMM_XLAT_H
#define BTVMM_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "decode.h"
#include "adapt.h"

struct ccf;
struct tcache;
struct stats;
struct vcpu;

#define XLAT_MAX_INSNS 12 /* per block, as VMware's translator */

/* Why translated code left the cache. BLK_EXIT_REC holds a record id: 0 for
 * a lookup miss (bt_ibl_miss), or an index into xlat.recs. */
enum rec_kind {
	REC_IBL_MISS, /* in-cache lookup missed: continue at BLK_TGT */
	REC_BRANCH,   /* unlinked direct exit: continue at guest_eip, then link */
	REC_EVENT,    /* pending event seen on a back edge: continue at guest_eip */
	REC_CALLOUT,  /* the monitor emulates insn at guest_eip */
	REC_END,      /* one-shot block done: continue at guest_eip, never link */
};
#define REC_FIRST_DYNAMIC 1

struct exit_rec {
	enum rec_kind kind;
	uint32_t guest_eip;
	struct ccf *ccf;    /* owner */
	int exit_idx;	    /* REC_BRANCH: index into ccf->exits */
	struct xinsn *insn; /* REC_CALLOUT: the decoded instruction */
};

struct xlat_backend;

struct xlat {
	const struct xlat_backend *be; /* compat (default) or x64: emits host code */
	struct xdecoder dec;
	struct adapt adapt; /* instructions to translate as software call-outs */
	struct tcache *tc;
	struct stats *stats;
	struct exit_rec *recs; /* indexed by record id; reset on flush */
	uint32_t nrecs, caprecs;
	bool no_chain;
	bool fetch_fault;   /* the last xlat_block failed on a #PF fetching code */
	uintptr_t ibl_miss; /* compat: bt_ibl_miss in the hole */
	FILE *log;	    /* -d translations, or NULL */
};

int xlat_init(struct xlat *x, struct tcache *tc, struct stats *st);
void xlat_fini(struct xlat *x);

/* Translate the block at guest eip (CS offset). max_insns 1 makes a one-shot
 * block (transient: not entered in the lookup structures) used to re-execute
 * a single instruction. Returns NULL with one line in err if the first
 * instruction cannot be translated or the cache cannot hold the block. */
struct ccf *xlat_block(struct xlat *x, struct vcpu *cpu, uint32_t eip, int max_insns, char *err,
		       size_t errlen);
/* Flush the translation cache and the records that refer into it. */
void xlat_flush(struct xlat *x);

static inline struct exit_rec *xlat_rec(struct xlat *x, uint32_t id)
{
	return id < x->nrecs ? &x->recs[id] : NULL;
}

#endif
