/* invalidate.c - per-guest-page CCF lists and invalidation when the guest
 * writes to a page it has code translated from (self-modifying code, or a
 * page reused for new code).
 *
 * Guest RAM may hold 786,432 pages but only a few thousand ever carry code,
 * so pages with live CCFs get a record in a small chained hash instead of
 * a slot in a RAM-sized array. A record exists exactly while its page has
 * live CCFs, which also makes tc_page_has_code a plain lookup: the MMU asks
 * it to decide whether to write-protect a page. */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <xxhash.h>

#include "stats.h"
#include "tcache.h"
#include "tcache_priv.h"

static struct tc_page *bucket_of(const struct tcache *tc, uint32_t pfn)
{
	return &tc->pages[XXH32(&pfn, sizeof(pfn), 0) & (tc->pages_size - 1)];
}

/* The link pointing at pfn's record (so the caller can unhook it), or at
 * the bucket's terminating NULL. */
static struct tc_page **find_page(const struct tcache *tc, uint32_t pfn)
{
	struct tc_page **pp = &bucket_of(tc, pfn)->next;

	while (*pp && (*pp)->pfn != pfn)
		pp = &(*pp)->next;
	return pp;
}

int tc_pages_alloc(struct tcache *tc, size_t buckets)
{
	assert(buckets && !(buckets & (buckets - 1)));
	tc->pages = calloc(buckets, sizeof(*tc->pages));
	if (!tc->pages)
		return -1;
	tc->pages_size = buckets;
	return 0;
}

void tc_pages_clear(struct tcache *tc)
{
	struct tc_page *p, *next;
	size_t i;

	for (i = 0; i < tc->pages_size; i++) {
		for (p = tc->pages[i].next; p; p = next) {
			next = p->next;
			free(p);
		}
		tc->pages[i].next = NULL;
	}
}

void tc_pages_free(struct tcache *tc)
{
	if (!tc->pages)
		return;
	tc_pages_clear(tc);
	free(tc->pages);
	tc->pages = NULL;
	tc->pages_size = 0;
}

void tc_pages_add(struct tcache *tc, struct ccf *c)
{
	struct tc_page **pp = find_page(tc, c->guest_pfn);
	struct tc_page *p = *pp;

	if (!p) {
		/* tc_insert cannot fail, and a CCF missing from its page list
		 * would survive writes to its code: no heap means stop. */
		p = tc_xalloc(sizeof(*p), "page record");
		p->pfn = c->guest_pfn;
		*pp = p;
	}
	c->page_next = p->ccfs;
	p->ccfs = c;
}

bool tc_page_has_code(struct tcache *tc, uint32_t pfn)
{
	return *find_page(tc, pfn) != NULL;
}

/* Make c unreachable: nothing can look it up and no jump leads into it or,
 * through it, onward. Its code stays in the arena for find_by_host. */
static void kill_ccf(struct tcache *tc, struct ccf *c)
{
	uint32_t i;

	/* First, while c is still whole: the owner may want its key or
	 * code to drop its own references (e.g. in-cache lookup entries). */
	if (tc->on_evict)
		tc->on_evict(tc->opaque, c);

	tc_hash_remove(tc, c);
	while (c->incoming)
		tc_unlink(tc, c->incoming);
	/* Its own links too: otherwise c's exits would sit on other CCFs'
	 * incoming lists, and invalidating those later would patch code of a
	 * CCF that is dead, or freed by then. Unused exits are unlinked
	 * already, so all slots, not just n_exits, are safe to visit. */
	for (i = 0; i < CCF_MAX_EXITS; i++)
		tc_unlink(tc, &c->exits[i]);

	c->page_next = NULL;
	c->dead = true;
	tc->stats->ccfs_live--;
	tc->stats->smc_invalidations++;
}

/* Take c off its page's list, and the record off the hash once empty. */
static void page_remove(struct tcache *tc, struct ccf *c)
{
	struct tc_page **pp = find_page(tc, c->guest_pfn);
	struct tc_page *p = *pp;
	struct ccf **cp;

	if (!p)
		return;
	for (cp = &p->ccfs; *cp && *cp != c; cp = &(*cp)->page_next)
		;
	if (*cp)
		*cp = c->page_next;
	if (!p->ccfs) {
		*pp = p->next;
		free(p);
	}
}

int tc_invalidate_linear(struct tcache *tc, uint32_t lp)
{
	struct ccf *c;
	int n = 0;

	for (c = tc->all_head; c; c = c->all_next) {
		if (c->dead || c->transient || !c->code)
			continue;
		if (c->guest_lin >> 12 != lp && (c->guest_lin + c->guest_len - 1) >> 12 != lp)
			continue;
		page_remove(tc, c);
		kill_ccf(tc, c);
		n++;
	}
	return n;
}

int tc_invalidate_page(struct tcache *tc, uint32_t pfn)
{
	struct tc_page **pp = find_page(tc, pfn);
	struct tc_page *p = *pp;
	struct ccf *c, *next;
	int n = 0;

	if (!p)
		return 0;
	/* Unhook the record first so the page reads as code-free while its
	 * CCFs are torn down. */
	*pp = p->next;
	for (c = p->ccfs; c; c = next) {
		next = c->page_next;
		kill_ccf(tc, c);
		n++;
	}
	free(p);
	return n;
}
