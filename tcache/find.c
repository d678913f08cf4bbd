/* find.c - from a host pc back to the CCF (and the guest instruction) it
 * belongs to, for faults and interrupts that land inside translated code.
 *
 * The monitor needs this for dead and transient CCFs too, since a fault
 * can hit code that was invalidated a moment ago or a one-shot CCF. The
 * arena is bump-allocated, so committing CCFs in turn builds an array
 * already sorted by code address; a binary search then answers in
 * O(log n) with no tree to maintain. A flush empties it. */
#include <assert.h>
#include <stdlib.h>

#include "tcache.h"
#include "tcache_priv.h"

void tc_host_index_add(struct tcache *tc, struct ccf *c)
{
	/* Empty code contains no pc; leaving it out keeps code addresses
	 * in the array distinct. */
	if (!c->code_len)
		return;
	assert(!tc->n_by_host || tc->by_host[tc->n_by_host - 1]->code < c->code);

	if (tc->n_by_host == tc->by_host_cap) {
		size_t cap = tc->by_host_cap ? tc->by_host_cap * 2 : 256;
		struct ccf **v = realloc(tc->by_host, cap * sizeof(*v));

		/* Commit cannot fail, and an unfindable CCF would turn a fault
		 * in it into a monitor crash later: better to stop here. */
		if (!v)
			tc_oom("host-pc index", cap * sizeof(*v));
		tc->by_host = v;
		tc->by_host_cap = cap;
	}
	tc->by_host[tc->n_by_host++] = c;
}

void tc_host_index_clear(struct tcache *tc)
{
	tc->n_by_host = 0;
}

void tc_host_index_free(struct tcache *tc)
{
	free(tc->by_host);
	tc->by_host = NULL;
	tc->n_by_host = tc->by_host_cap = 0;
}

struct ccf *tc_find_by_host(struct tcache *tc, const uint8_t *pc)
{
	size_t lo = 0, hi = tc->n_by_host;
	struct ccf *c;

	/* Find the last CCF starting at or below pc: [lo, hi) narrows to
	 * the first one starting above it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)tc->by_host[mid]->code <= (uintptr_t)pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	c = tc->by_host[lo - 1];
	/* Gaps (alignment padding, the unused arena tail) belong to nobody. */
	if ((uintptr_t)pc - (uintptr_t)c->code >= c->code_len)
		return NULL;
	return c;
}

const struct ccf_map *ccf_map_at(const struct ccf *c, const uint8_t *pc)
{
	uintptr_t off = (uintptr_t)pc - (uintptr_t)c->code;
	uint32_t i;

	if ((uintptr_t)pc < (uintptr_t)c->code || off >= c->code_len)
		return NULL;
	/* At most CCF_MAX_INSNS entries: a scan beats any index. */
	for (i = 0; i < c->n_map && i < CCF_MAX_INSNS; i++) {
		if (off >= c->map[i].host_off && off < c->map[i].host_end)
			return &c->map[i];
	}
	return NULL;
}
