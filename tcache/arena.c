/* arena.c - the code arena and the life cycle of CCF headers.
 *
 * Host code is bump-allocated in one fixed arena (the hole at the top of
 * the guest window), so a CCF's code never moves and never gets freed on
 * its own: invalidated CCFs keep their bytes until the next full flush,
 * which is the only way space comes back. That keeps allocation a pointer
 * add and lets faulting host pcs inside dead code still be mapped. Headers
 * live in the monitor heap and are chained on the all-list so a flush can
 * free every one, inserted or not. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "tcache.h"
#include "tcache_priv.h"

_Noreturn void tc_oom(const char *what, size_t n)
{
	fprintf(stderr, "btvmm: tcache: out of memory (%s, %zu bytes)\n", what, n);
	abort();
}

void *tc_xalloc(size_t n, const char *what)
{
	void *p = calloc(1, n);

	if (!p)
		tc_oom(what, n);
	return p;
}

/* Smallest power of two >= n (n > 0, small enough not to overflow). */
static size_t pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

int tc_init(struct tcache *tc, uint8_t *arena, size_t arena_size, struct stats *st)
{
	size_t buckets;

	memset(tc, 0, sizeof(*tc));
	if (!arena || !arena_size || !st)
		return -1;
	tc->arena = arena;
	tc->arena_size = arena_size;
	tc->stats = st;

	buckets = pow2_at_least(arena_size / TC_BYTES_PER_BUCKET);
	if (buckets < TC_MIN_BUCKETS)
		buckets = TC_MIN_BUCKETS;
	if (tc_hash_alloc(tc, buckets) || tc_pages_alloc(tc, buckets / 4)) {
		tc_fini(tc);
		return -1;
	}
	return 0;
}

static void free_all_ccfs(struct tcache *tc)
{
	struct ccf *c, *next;

	for (c = tc->all_head; c; c = next) {
		next = c->all_next;
		free(c);
	}
	tc->all_head = tc->all_tail = NULL;
}

void tc_fini(struct tcache *tc)
{
	free_all_ccfs(tc);
	tc_pages_free(tc);
	tc_hash_free(tc);
	tc_host_index_free(tc);
	tc->used = 0;
}

/* Where the next CCF's code starts: used rounded up so the absolute host
 * address (not just the offset) is aligned, whatever the arena base. Past
 * the end it clamps to the end, which simply means no room. */
static size_t next_code_off(const struct tcache *tc)
{
	uintptr_t at = (uintptr_t)(tc->arena + tc->used);
	size_t pad = (size_t)(-at & (TC_CODE_ALIGN - 1));

	if (pad > tc->arena_size - tc->used)
		return tc->arena_size;
	return tc->used + pad;
}

uint8_t *tc_code_begin(struct tcache *tc, size_t *room)
{
	size_t off = next_code_off(tc);

	*room = tc->arena_size - off;
	return tc->arena + off;
}

void tc_code_commit(struct tcache *tc, struct ccf *c, size_t len)
{
	size_t off = next_code_off(tc);

	/* The translator must not write past the room tc_code_begin gave it. */
	assert(off <= tc->arena_size && len <= tc->arena_size - off);
	assert(len <= UINT32_MAX);

	c->code = tc->arena + off;
	c->code_len = (uint32_t)len;
	tc->used = off + len;
	tc->stats->tc_bytes = tc->used;
	tc_host_index_add(tc, c);
}

struct ccf *tc_new_ccf(struct tcache *tc, uint32_t eip, uint32_t mode, uint32_t pfn)
{
	struct ccf *c = calloc(1, sizeof(*c));
	int i;

	if (!c)
		return NULL;
	c->guest_eip = eip;
	c->mode = mode;
	c->guest_pfn = pfn;
	/* Every exit belongs to c whether or not the translator uses it, so
	 * link/unlink never meet an ownerless exit. */
	for (i = 0; i < CCF_MAX_EXITS; i++)
		c->exits[i].owner = c;

	/* On the all-list from birth: a flush frees it even if the
	 * translation that made it never got to commit. */
	if (tc->all_tail)
		tc->all_tail->all_next = c;
	else
		tc->all_head = c;
	tc->all_tail = c;
	return c;
}

/* Flush step 1: tell the owner each findable CCF is going, while its
 * header is still intact. */
static void evict_one(struct tcache *tc, struct ccf *c)
{
	if (tc->on_evict)
		tc->on_evict(tc->opaque, c);
	tc->stats->ccfs_live--;
}

void tc_flush(struct tcache *tc)
{
	/* The hash holds exactly the CCFs lookup could return: not dead, not
	 * transient, inserted. Those are the ones on_evict promises to cover.
	 * Links need no undoing: the code they patch is discarded wholesale. */
	tc_hash_for_each(tc, evict_one);

	tc_hash_clear(tc);
	tc_pages_clear(tc);
	tc_host_index_clear(tc);
	free_all_ccfs(tc);
	tc->used = 0;
	tc->stats->tc_bytes = 0;
	tc->stats->flushes++;
}
