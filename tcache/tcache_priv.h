/* tcache_priv.h - what the tcache/ files share but nobody else sees: the
 * per-guest-page record and the helpers one concept's file offers to the
 * others (e.g. invalidation needs to take a CCF out of the lookup hash). */
#ifndef BTVMM_TCACHE_PRIV_H
#define BTVMM_TCACHE_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include "tcache.h"

/* Code is handed out on 16-byte boundaries: branch targets that start a
 * fetch block decode faster, and it keeps CCFs apart in disassembly. */
#define TC_CODE_ALIGN 16

/* Lookup buckets per arena byte: one bucket per TC_BYTES_PER_BUCKET bytes
 * of arena, roughly one average CCF, so chains stay short while the arena
 * is full. Page buckets are a quarter of that: several CCFs share a page. */
#define TC_BYTES_PER_BUCKET 128
#define TC_MIN_BUCKETS 256

/* One guest physical page that holds live translated code. pages[] is the
 * bucket array; each bucket is a struct tc_page used only as a list head
 * (its next field), so unhooking a record never special-cases the first
 * one in a chain. */
struct tc_page {
	uint32_t pfn;
	struct ccf *ccfs;     /* live CCFs on this page, via ccf->page_next */
	struct tc_page *next; /* next record in the same bucket */
};

/* Out of monitor heap in a path that cannot report failure: say so, abort. */
_Noreturn void tc_oom(const char *what, size_t n);
/* calloc(1, n) or tc_oom. */
void *tc_xalloc(size_t n, const char *what);

/* lookup.c */
int tc_hash_alloc(struct tcache *tc, size_t buckets);
void tc_hash_clear(struct tcache *tc);
void tc_hash_free(struct tcache *tc);
void tc_hash_remove(struct tcache *tc, struct ccf *c);
/* Calls fn for every CCF in the hash, i.e. every one lookup can find. */
void tc_hash_for_each(struct tcache *tc, void (*fn)(struct tcache *, struct ccf *));

/* invalidate.c */
int tc_pages_alloc(struct tcache *tc, size_t buckets);
void tc_pages_add(struct tcache *tc, struct ccf *c);
void tc_pages_clear(struct tcache *tc);
void tc_pages_free(struct tcache *tc);

/* find.c */
void tc_host_index_add(struct tcache *tc, struct ccf *c);
void tc_host_index_clear(struct tcache *tc);
void tc_host_index_free(struct tcache *tc);

#endif
