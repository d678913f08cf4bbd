/* tcache.h - the translation cache: compiled code fragments (CCFs) in a
 * bounded code arena, looked up by (guest EIP, code mode, guest physical
 * page), chained to each other, invalidated per guest page, flushed whole
 * when full. Code lives in the arena (in the hole at the top of the guest
 * window); fragment headers live in the monitor's heap. */
#ifndef BTVMM_TCACHE_H
#define BTVMM_TCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stats;
struct ccf;

#define CCF_MAX_EXITS 4
#define CCF_MAX_INSNS 16

/* A way out of a CCF through a patchable jmp/jcc rel32. */
struct tc_exit {
	uint8_t *patch_site; /* address of the rel32 field (last 4 bytes of the jmp/jcc) */
	uint8_t *stub;	     /* where the rel32 points while unlinked */
	uint32_t target_eip; /* guest EIP this exit continues at */
	struct ccf *owner;
	struct ccf *target;	 /* linked to (NULL: unlinked) */
	struct tc_exit *in_next; /* next exit linked into the same target */
};

/* Host-code offset -> guest instruction, one per translated instruction. */
struct ccf_map {
	uint16_t host_off; /* first host byte of the instruction's translation */
	uint16_t host_end; /* one past its last byte */
	uint32_t guest_eip;
};

struct ccf {
	uint32_t guest_eip; /* key: linear EIP of the first instruction */
	uint32_t mode;	    /* key: code mode (translator-defined bits) */
	uint32_t guest_pfn; /* key: guest physical page of the code */
	uint32_t guest_len; /* guest bytes covered */
	uint32_t guest_lin; /* linear address of the first byte (CS base + guest_eip) */
	uint8_t *code;	    /* host code in the arena */
	uint8_t *ientry;    /* indirect entry: checks BLK_TGT, then runs code (NULL if none) */
	uint32_t code_len;
	uint32_t n_exits;
	struct tc_exit exits[CCF_MAX_EXITS];
	uint32_t n_map;
	struct ccf_map map[CCF_MAX_INSNS];
	struct tc_exit *incoming; /* exits of other CCFs linked to this one */
	struct ccf *hash_next;
	struct ccf *page_next;
	struct ccf *all_next; /* every CCF since the last flush, in arena order */
	bool dead;	      /* invalidated: not findable by lookup, code kept until flush */
	bool transient;	      /* one-shot (SMC single-step): never inserted in lookup/page lists */
};

struct tcache {
	uint8_t *arena;
	size_t arena_size;
	size_t used;
	struct ccf **hash;     /* buckets */
	size_t hash_size;      /* power of two */
	struct tc_page *pages; /* hash of per-guest-page CCF lists (implementation-defined) */
	size_t pages_size;
	struct ccf *all_head, *all_tail;
	/* Every CCF with code since the last flush, in increasing code address
	 * (the arena is bump-allocated, so appending keeps it sorted). */
	struct ccf **by_host;
	size_t n_by_host, by_host_cap;
	struct stats *stats;
	/* Called whenever a CCF stops being findable (invalidate or flush), so
	 * the owner can drop in-cache lookup entries pointing at it. */
	void (*on_evict)(void *opaque, struct ccf *c);
	void *opaque;
};

/* 0 on success, -1 on bad arguments or out of memory. st is required. */
int tc_init(struct tcache *tc, uint8_t *arena, size_t arena_size, struct stats *st);
/* Frees every header and table; calls no on_evict and leaves stats alone. */
void tc_fini(struct tcache *tc);

/* Space for the next CCF's code: returns the write pointer (16-byte aligned)
 * and sets *room to the bytes left; tc_code_commit then claims len of them
 * for c (sets c->code, c->code_len). Nothing else may be allocated between
 * the two calls. */
uint8_t *tc_code_begin(struct tcache *tc, size_t *room);
void tc_code_commit(struct tcache *tc, struct ccf *c, size_t len);

/* A zeroed CCF header with its key set and exits[].owner = c, on the
 * all-list until the next flush; NULL if out of memory. */
struct ccf *tc_new_ccf(struct tcache *tc, uint32_t eip, uint32_t mode, uint32_t pfn);
void tc_insert(struct tcache *tc, struct ccf *c); /* into lookup hash and page list */
struct ccf *tc_lookup(struct tcache *tc, uint32_t eip, uint32_t mode, uint32_t pfn);

/* Point exit e at target's code and record the link (target->incoming). */
void tc_link(struct tcache *tc, struct tc_exit *e, struct ccf *target);
/* Point e back at its stub. */
void tc_unlink(struct tcache *tc, struct tc_exit *e);

bool tc_page_has_code(struct tcache *tc, uint32_t pfn);
/* Invalidate every CCF on guest page pfn: remove from lookup and page list,
 * undo every link into them and out of them, mark dead. Returns the count. */
int tc_invalidate_page(struct tcache *tc, uint32_t pfn);
/* Invalidate every live CCF whose guest bytes start or end on linear page
 * lp (its mapping changed: chains and lookup entries, keyed by linear EIP,
 * assumed the old one). Returns the count. */
int tc_invalidate_linear(struct tcache *tc, uint32_t lp);
/* Drop everything: all CCFs freed, arena reset. This includes CCFs from
 * tc_new_ccf that were never committed or inserted, so a translation that
 * runs out of room must start over with a new tc_new_ccf after the flush. */
void tc_flush(struct tcache *tc);
/* The CCF (live or dead, not yet flushed) whose code contains host address pc, or NULL. */
struct ccf *tc_find_by_host(struct tcache *tc, const uint8_t *pc);
/* The map entry of c covering host address pc, or NULL. */
const struct ccf_map *ccf_map_at(const struct ccf *c, const uint8_t *pc);

#endif
