/* test_tcache.c - unit tests for the translation cache (tcache/): lookup by
 * (eip, mode, pfn), code arena allocation, chaining, per-page invalidation,
 * flush, and host pc -> CCF mapping. The arena is an ordinary heap buffer;
 * the "code" is just jmp rel32 instructions whose targets we decode back. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "tcache.h"

#define ARENA_SIZE (1u << 20)
#define STUB_SIZE 8

static uint8_t *arena_buf;
static struct tcache tc;
static struct stats st;

/* What on_evict saw. */
#define EVICT_MAX 64
static struct {
	int n;
	struct ccf *c[EVICT_MAX];
	bool findable[EVICT_MAX]; /* was c still in the lookup hash at the call? */
} evicted;

static void on_evict(void *opaque, struct ccf *c)
{
	struct tcache *t = opaque;
	uint64_t lookups = t->stats->lookups, hits = t->stats->lookup_hits;

	ck_assert_int_lt(evicted.n, EVICT_MAX);
	evicted.findable[evicted.n] =
	    !c->dead && tc_lookup(t, c->guest_eip, c->mode, c->guest_pfn) == c;
	evicted.c[evicted.n++] = c;
	/* Keep the counters as the code under test left them. */
	t->stats->lookups = lookups;
	t->stats->lookup_hits = hits;
}

static int times_evicted(const struct ccf *c)
{
	int i, n = 0;

	for (i = 0; i < evicted.n; i++)
		n += evicted.c[i] == c;
	return n;
}

static void setup(void)
{
	arena_buf = malloc(ARENA_SIZE);
	ck_assert_ptr_nonnull(arena_buf);
	memset(arena_buf, 0xcc, ARENA_SIZE);
	memset(&st, 0, sizeof(st));
	memset(&evicted, 0, sizeof(evicted));
	ck_assert_int_eq(tc_init(&tc, arena_buf, ARENA_SIZE, &st), 0);
	tc.on_evict = on_evict;
	tc.opaque = &tc;
}

static void teardown(void)
{
	tc_fini(&tc);
	free(arena_buf);
}

static int32_t read_rel32(const uint8_t *site)
{
	int32_t rel;

	memcpy(&rel, site, sizeof(rel));
	return rel;
}

/* Where the jump through exit e lands right now, decoded from the code. */
static const uint8_t *jump_dest(const struct tc_exit *e)
{
	return e->patch_site + 4 + read_rel32(e->patch_site);
}

/* Emit a CCF like the translator would: n_exits "jmp rel32" (E9) each
 * pointing at its own stub, then the stubs, then int3 padding up to
 * min_len. Not inserted: callers decide. */
static struct ccf *emit_ccf(uint32_t eip, uint32_t mode, uint32_t pfn, int n_exits, size_t min_len)
{
	struct ccf *c = tc_new_ccf(&tc, eip, mode, pfn);
	size_t room, len = (size_t)n_exits * (5 + STUB_SIZE);
	uint8_t *p = tc_code_begin(&tc, &room);
	int i;

	ck_assert_ptr_nonnull(c);
	if (len < min_len)
		len = min_len;
	ck_assert_uint_ge(room, len);
	memset(p, 0xcc, len);
	for (i = 0; i < n_exits; i++) {
		struct tc_exit *e = &c->exits[i];
		int32_t rel;

		p[5 * i] = 0xe9;
		e->patch_site = p + 5 * i + 1;
		e->stub = p + 5 * n_exits + STUB_SIZE * i;
		e->target_eip = eip + 0x100 * (i + 1);
		rel = (int32_t)(e->stub - (e->patch_site + 4));
		memcpy(e->patch_site, &rel, 4);
		ck_assert_ptr_eq(e->owner, c);
	}
	c->n_exits = n_exits;
	tc_code_commit(&tc, c, len);
	ck_assert_ptr_eq(c->code, p);
	ck_assert_uint_eq(c->code_len, len);
	return c;
}

static struct ccf *add_ccf(uint32_t eip, uint32_t mode, uint32_t pfn, int n_exits)
{
	struct ccf *c = emit_ccf(eip, mode, pfn, n_exits, 16);

	tc_insert(&tc, c);
	return c;
}

static bool on_incoming(const struct ccf *target, const struct tc_exit *e)
{
	const struct tc_exit *x;

	for (x = target->incoming; x; x = x->in_next)
		if (x == e)
			return true;
	return false;
}

static int incoming_count(const struct ccf *target)
{
	const struct tc_exit *x;
	int n = 0;

	for (x = target->incoming; x; x = x->in_next)
		n++;
	return n;
}

START_TEST(test_init_rejects_bad_args)
{
	struct tcache t;
	uint8_t a[64];

	ck_assert_int_eq(tc_init(&t, a, sizeof(a), NULL), -1);
	ck_assert_int_eq(tc_init(&t, NULL, sizeof(a), &st), -1);
	ck_assert_int_eq(tc_init(&t, a, 0, &st), -1);
	ck_assert_uint_gt(tc.hash_size, 0);
	ck_assert_uint_eq(tc.hash_size & (tc.hash_size - 1), 0);
}
END_TEST

START_TEST(test_insert_lookup)
{
	struct ccf *a = add_ccf(0x1000, 0, 5, 0);
	struct ccf *b = add_ccf(0x1000, 1, 5, 0); /* same eip, other mode */
	struct ccf *c = add_ccf(0x1000, 0, 6, 0); /* same eip, other page */

	ck_assert_ptr_eq(tc_lookup(&tc, 0x1000, 0, 5), a);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x1000, 1, 5), b);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x1000, 0, 6), c);
	ck_assert_ptr_null(tc_lookup(&tc, 0x1001, 0, 5));
	ck_assert_ptr_null(tc_lookup(&tc, 0x1000, 2, 5));
	ck_assert_ptr_null(tc_lookup(&tc, 0x1000, 0, 7));
	ck_assert_ptr_null(tc_lookup(&tc, 0, 0, 0));

	ck_assert_uint_eq(st.lookups, 7);
	ck_assert_uint_eq(st.lookup_hits, 3);
	ck_assert_uint_eq(st.ccfs_live, 3);
	ck_assert(tc_page_has_code(&tc, 5));
	ck_assert(tc_page_has_code(&tc, 6));
	ck_assert(!tc_page_has_code(&tc, 7));
}
END_TEST

START_TEST(test_bucket_chains)
{
	size_t n = tc.hash_size * 4, i, longest = 0, used_buckets = 0;
	struct ccf **all = calloc(n, sizeof(*all));

	/* More CCFs than buckets: chains are certain. Headers only; lookup
	 * does not care whether a CCF has code. */
	ck_assert_ptr_nonnull(all);
	for (i = 0; i < n; i++) {
		all[i] = tc_new_ccf(&tc, 0xc0100000u + (uint32_t)i * 3, (uint32_t)i & 3,
				    0xc0100 + (uint32_t)(i / 1000));
		ck_assert_ptr_nonnull(all[i]);
		tc_insert(&tc, all[i]);
	}
	for (i = 0; i < n; i++)
		ck_assert_ptr_eq(tc_lookup(&tc, all[i]->guest_eip, all[i]->mode, all[i]->guest_pfn),
				 all[i]);
	/* Right eip and page, wrong mode. */
	ck_assert_ptr_null(tc_lookup(&tc, all[0]->guest_eip, 1, all[0]->guest_pfn));

	for (i = 0; i < tc.hash_size; i++) {
		size_t len = 0;
		struct ccf *c;

		for (c = tc.hash[i]; c; c = c->hash_next)
			len++;
		if (len)
			used_buckets++;
		if (len > longest)
			longest = len;
	}
	ck_assert_uint_ge(longest, 2);
	/* XXH3 spreads sequential keys: load 4, so nearly every bucket is
	 * used and no chain is absurdly long. */
	ck_assert_uint_gt(used_buckets, tc.hash_size * 9 / 10);
	ck_assert_uint_lt(longest, 32);
	ck_assert_uint_eq(st.ccfs_live, n);
	free(all);
}
END_TEST

START_TEST(test_code_alignment_and_room)
{
	struct tcache t;
	struct stats s = {0};
	uint8_t *base = arena_buf + 3;	     /* deliberately misaligned arena */
	size_t size = 4096 - 5, room, room2; /* end unaligned too */
	uint8_t *p, *p2;
	struct ccf *c;

	ck_assert_int_eq(tc_init(&t, base, size, &s), 0);
	p = tc_code_begin(&t, &room);
	ck_assert_uint_eq((uintptr_t)p % 16, 0);
	ck_assert_ptr_eq(p, arena_buf + 16);
	ck_assert_uint_eq(room, size - (size_t)(p - base));

	c = tc_new_ccf(&t, 1, 0, 0);
	tc_code_commit(&t, c, 5);
	ck_assert_ptr_eq(c->code, p);
	ck_assert_uint_eq(c->code_len, 5);
	ck_assert_uint_eq(t.used, (size_t)(p - base) + 5);
	ck_assert_uint_eq(s.tc_bytes, t.used);

	p2 = tc_code_begin(&t, &room2);
	ck_assert_uint_eq((uintptr_t)p2 % 16, 0);
	ck_assert_ptr_eq(p2, p + 16);
	ck_assert_uint_eq(room2, room - 16);

	/* Begin without commit claims nothing. */
	p2 = tc_code_begin(&t, &room2);
	ck_assert_ptr_eq(p2, p + 16);

	/* Fill to the last byte: then there is no room at all. */
	c = tc_new_ccf(&t, 2, 0, 0);
	tc_code_commit(&t, c, room2);
	ck_assert_uint_eq(t.used, size);
	tc_code_begin(&t, &room);
	ck_assert_uint_eq(room, 0);

	/* Room left smaller than the alignment padding also means none. */
	tc_flush(&t);
	p = tc_code_begin(&t, &room);
	c = tc_new_ccf(&t, 3, 0, 0);
	tc_code_commit(&t, c, room - 4);
	tc_code_begin(&t, &room);
	ck_assert_uint_eq(room, 0);
	tc_fini(&t);
}
END_TEST

START_TEST(test_link)
{
	struct ccf *a = add_ccf(0x1000, 0, 1, 2);
	struct ccf *b = add_ccf(0x2000, 0, 2, 1);
	struct tc_exit *e = &a->exits[1];

	ck_assert_ptr_eq(jump_dest(e), e->stub);
	tc_link(&tc, e, b);
	ck_assert_ptr_eq(e->patch_site + 4 + read_rel32(e->patch_site), b->code);
	ck_assert_uint_eq(e->patch_site[-1], 0xe9); /* opcode untouched */
	ck_assert_ptr_eq(e->target, b);
	ck_assert_ptr_eq(b->incoming, e);
	ck_assert_int_eq(incoming_count(b), 1);
	/* The other exit is not affected. */
	ck_assert_ptr_eq(jump_dest(&a->exits[0]), a->exits[0].stub);
	ck_assert_ptr_null(a->exits[0].target);
	ck_assert_uint_eq(st.chain_patches, 1);
	ck_assert_uint_eq(st.unlinks, 0);

	/* A backward link (b -> a, a is earlier in the arena) and a self loop. */
	tc_link(&tc, &b->exits[0], a);
	ck_assert_ptr_eq(jump_dest(&b->exits[0]), a->code);
	tc_link(&tc, &a->exits[0], a);
	ck_assert_ptr_eq(jump_dest(&a->exits[0]), a->code);
	ck_assert_int_eq(incoming_count(a), 2);
}
END_TEST

START_TEST(test_unlink_restores_stub)
{
	struct ccf *a = add_ccf(0x1000, 0, 1, 1);
	struct ccf *b = add_ccf(0x2000, 0, 2, 0);
	struct ccf *c = add_ccf(0x3000, 0, 3, 1);
	struct tc_exit *e = &a->exits[0];

	tc_link(&tc, e, b);
	tc_link(&tc, &c->exits[0], b);
	ck_assert_int_eq(incoming_count(b), 2);

	tc_unlink(&tc, e);
	ck_assert_ptr_eq(jump_dest(e), e->stub);
	ck_assert_ptr_null(e->target);
	ck_assert(!on_incoming(b, e));
	ck_assert(on_incoming(b, &c->exits[0]));
	ck_assert_ptr_eq(jump_dest(&c->exits[0]), b->code);
	ck_assert_uint_eq(st.unlinks, 1);

	/* Unlinking an unlinked exit is a no-op. */
	tc_unlink(&tc, e);
	ck_assert_ptr_eq(jump_dest(e), e->stub);
	ck_assert_uint_eq(st.unlinks, 1);
}
END_TEST

START_TEST(test_relink)
{
	struct ccf *a = add_ccf(0x1000, 0, 1, 1);
	struct ccf *b = add_ccf(0x2000, 0, 2, 0);
	struct ccf *c = add_ccf(0x3000, 0, 3, 0);
	struct tc_exit *e = &a->exits[0];

	tc_link(&tc, e, b);
	tc_link(&tc, e, c);
	ck_assert_ptr_eq(jump_dest(e), c->code);
	ck_assert_ptr_eq(e->target, c);
	ck_assert_ptr_null(b->incoming);
	ck_assert_ptr_eq(c->incoming, e);
	ck_assert_int_eq(incoming_count(c), 1);
	ck_assert_uint_eq(st.chain_patches, 2);
	ck_assert_uint_eq(st.unlinks, 1);

	/* Relinking to the same target leaves exactly one record. */
	tc_link(&tc, e, c);
	ck_assert_int_eq(incoming_count(c), 1);
	ck_assert_ptr_eq(jump_dest(e), c->code);
}
END_TEST

START_TEST(test_invalidate_page)
{
	/* Page 10: x, y. Page 20: q. Page 30: r. */
	struct ccf *x = add_ccf(0x10000, 0, 10, 1);
	struct ccf *y = add_ccf(0x10040, 0, 10, 1);
	struct ccf *q = add_ccf(0x20000, 0, 20, 2);
	struct ccf *r = add_ccf(0x30000, 0, 30, 1);
	const uint8_t *mid_x = x->code + x->code_len / 2;

	tc_link(&tc, &q->exits[0], x); /* into page 10 from another page */
	tc_link(&tc, &y->exits[0], x); /* within page 10 */
	tc_link(&tc, &x->exits[0], r); /* out of page 10 */
	tc_link(&tc, &q->exits[1], r); /* unrelated, must survive */
	tc_link(&tc, &r->exits[0], q); /* unrelated, must survive */

	ck_assert_int_eq(tc_invalidate_page(&tc, 10), 2);

	ck_assert_ptr_null(tc_lookup(&tc, 0x10000, 0, 10));
	ck_assert_ptr_null(tc_lookup(&tc, 0x10040, 0, 10));
	ck_assert(x->dead && y->dead);
	ck_assert(!tc_page_has_code(&tc, 10));

	/* Links into the dead CCFs point at their stubs again. */
	ck_assert_ptr_eq(jump_dest(&q->exits[0]), q->exits[0].stub);
	ck_assert_ptr_null(q->exits[0].target);
	ck_assert_ptr_null(x->incoming);
	/* Their own links are gone from their targets' incoming lists. */
	ck_assert_ptr_null(x->exits[0].target);
	ck_assert_ptr_null(y->exits[0].target);
	ck_assert_ptr_eq(jump_dest(&x->exits[0]), x->exits[0].stub);
	ck_assert(!on_incoming(r, &x->exits[0]));

	/* Other pages untouched. */
	ck_assert_ptr_eq(tc_lookup(&tc, 0x20000, 0, 20), q);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x30000, 0, 30), r);
	ck_assert(!q->dead && !r->dead);
	ck_assert(tc_page_has_code(&tc, 20) && tc_page_has_code(&tc, 30));
	ck_assert_ptr_eq(jump_dest(&q->exits[1]), r->code);
	ck_assert_ptr_eq(jump_dest(&r->exits[0]), q->code);
	ck_assert_int_eq(incoming_count(r), 1);
	ck_assert_int_eq(incoming_count(q), 1);

	/* on_evict once per CCF, while it was still findable. */
	ck_assert_int_eq(evicted.n, 2);
	ck_assert_int_eq(times_evicted(x), 1);
	ck_assert_int_eq(times_evicted(y), 1);
	ck_assert(evicted.findable[0] && evicted.findable[1]);

	/* Dead code still maps back for faults. */
	ck_assert_ptr_eq(tc_find_by_host(&tc, mid_x), x);
	ck_assert_ptr_eq(tc_find_by_host(&tc, y->code), y);

	ck_assert_uint_eq(st.smc_invalidations, 2);
	ck_assert_uint_eq(st.ccfs_live, 2);

	/* Nothing left there, and pages that never had code. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 10), 0);
	ck_assert_int_eq(tc_invalidate_page(&tc, 99), 0);
	ck_assert_int_eq(evicted.n, 2);

	/* The page can get new code, and its old key works again. */
	x = add_ccf(0x10000, 0, 10, 0);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x10000, 0, 10), x);
	ck_assert(tc_page_has_code(&tc, 10));
}
END_TEST

START_TEST(test_invalidate_many_pages_shared_bucket)
{
	/* More code pages than page buckets, so page records share chains;
	 * invalidate every other page and check the rest. */
	uint32_t n = (uint32_t)tc.pages_size * 3, pfn;
	int killed = 0;

	tc.on_evict = NULL;
	for (pfn = 0; pfn < n; pfn++)
		tc_insert(&tc, tc_new_ccf(&tc, pfn << 12, 0, pfn));
	for (pfn = 0; pfn < n; pfn += 2)
		killed += tc_invalidate_page(&tc, pfn);
	ck_assert_int_eq(killed, (int)((n + 1) / 2));
	for (pfn = 0; pfn < n; pfn++) {
		bool live = pfn & 1;

		ck_assert(tc_page_has_code(&tc, pfn) == live);
		ck_assert((tc_lookup(&tc, pfn << 12, 0, pfn) != NULL) == live);
	}
}
END_TEST

START_TEST(test_flush)
{
	struct ccf *a = add_ccf(0x1000, 0, 1, 1);
	struct ccf *b = add_ccf(0x2000, 0, 2, 1);
	struct ccf *d = add_ccf(0x3000, 0, 3, 0);
	struct ccf *t = emit_ccf(0x4000, 0, 4, 0, 16);
	const uint8_t *pa = a->code, *pt;
	uint8_t *p;
	size_t room;

	t->transient = true;
	pt = t->code;
	tc_link(&tc, &a->exits[0], b);
	tc_link(&tc, &b->exits[0], a);
	ck_assert_int_eq(tc_invalidate_page(&tc, 3), 1); /* d dead already */
	ck_assert_int_eq(evicted.n, 1);
	(void)tc_new_ccf(&tc, 0x5000, 0, 5); /* never committed: freed too */

	tc_flush(&tc);

	/* on_evict for the live ones only, once each (d was done before). */
	ck_assert_int_eq(evicted.n, 3);
	ck_assert_int_eq(times_evicted(a), 1);
	ck_assert_int_eq(times_evicted(b), 1);
	ck_assert_int_eq(times_evicted(d), 1);
	ck_assert(evicted.findable[1] && evicted.findable[2]);

	ck_assert_ptr_null(tc_lookup(&tc, 0x1000, 0, 1));
	ck_assert_ptr_null(tc_lookup(&tc, 0x2000, 0, 2));
	ck_assert(!tc_page_has_code(&tc, 1) && !tc_page_has_code(&tc, 2));
	ck_assert_ptr_null(tc_find_by_host(&tc, pa));
	ck_assert_ptr_null(tc_find_by_host(&tc, pt));
	ck_assert_ptr_null(tc.all_head);
	ck_assert_uint_eq(tc.used, 0);
	ck_assert_uint_eq(st.flushes, 1);
	ck_assert_uint_eq(st.ccfs_live, 0);
	ck_assert_uint_eq(st.tc_bytes, 0);

	/* The arena starts over from the beginning. */
	p = tc_code_begin(&tc, &room);
	ck_assert_ptr_eq(p, arena_buf);
	ck_assert_uint_eq(room, ARENA_SIZE);
	a = add_ccf(0x1000, 0, 1, 1);
	ck_assert_ptr_eq(a->code, arena_buf);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x1000, 0, 1), a);
	ck_assert_ptr_eq(tc_find_by_host(&tc, arena_buf), a);
	ck_assert_uint_eq(st.ccfs_live, 1);

	/* Flushing an empty cache is fine too. */
	tc_flush(&tc);
	tc_flush(&tc);
	ck_assert_uint_eq(st.flushes, 3);
	ck_assert_uint_eq(st.ccfs_live, 0);
}
END_TEST

START_TEST(test_find_by_host)
{
	struct ccf *a = emit_ccf(0x1000, 0, 1, 0, 7);
	struct ccf *b = emit_ccf(0x1007, 0, 1, 0, 33);
	struct ccf *c = emit_ccf(0x1028, 0, 1, 0, 16);
	struct ccf *z = emit_ccf(0x1038, 0, 1, 0, 0); /* empty: owns no byte */

	tc_insert(&tc, a);
	tc_insert(&tc, b);
	c->transient = true; /* transient: not inserted, still findable */
	tc_insert(&tc, z);

	ck_assert_ptr_eq(tc_find_by_host(&tc, a->code), a);
	ck_assert_ptr_eq(tc_find_by_host(&tc, a->code + 3), a);
	ck_assert_ptr_eq(tc_find_by_host(&tc, a->code + 6), a);
	ck_assert_ptr_null(tc_find_by_host(&tc, a->code + 7)); /* padding */
	ck_assert_ptr_eq(b->code, a->code + 16);
	ck_assert_ptr_eq(tc_find_by_host(&tc, b->code), b);
	ck_assert_ptr_eq(tc_find_by_host(&tc, b->code + 16), b);
	ck_assert_ptr_eq(tc_find_by_host(&tc, b->code + 32), b);
	ck_assert_ptr_null(tc_find_by_host(&tc, b->code + 33));
	ck_assert_ptr_eq(tc_find_by_host(&tc, c->code), c);
	ck_assert_ptr_eq(tc_find_by_host(&tc, c->code + 8), c);
	ck_assert_ptr_eq(tc_find_by_host(&tc, c->code + 15), c);
	ck_assert_ptr_null(tc_find_by_host(&tc, c->code + 16));
	ck_assert_ptr_null(tc_find_by_host(&tc, z->code));
	ck_assert_ptr_null(tc_find_by_host(&tc, arena_buf + ARENA_SIZE - 1));
	ck_assert_ptr_null(tc_find_by_host(&tc, arena_buf - 1));
	ck_assert_ptr_null(tc_lookup(&tc, 0x1028, 0, 1));
}
END_TEST

START_TEST(test_find_by_host_many)
{
	enum { N = 5000 };
	struct ccf **all = calloc(N, sizeof(*all));
	int i;

	ck_assert_ptr_nonnull(all);
	for (i = 0; i < N; i++)
		all[i] = emit_ccf(0x1000 + i, 0, 1, 0, 1 + (i * 7) % 60);
	for (i = 0; i < N; i++) {
		ck_assert_ptr_eq(tc_find_by_host(&tc, all[i]->code), all[i]);
		ck_assert_ptr_eq(tc_find_by_host(&tc, all[i]->code + all[i]->code_len - 1), all[i]);
	}
	free(all);
}
END_TEST

START_TEST(test_ccf_map_at)
{
	struct ccf *c = emit_ccf(0x1000, 0, 1, 0, 20);

	c->n_map = 3;
	c->map[0] = (struct ccf_map){.host_off = 0, .host_end = 3, .guest_eip = 0x1000};
	c->map[1] = (struct ccf_map){.host_off = 3, .host_end = 8, .guest_eip = 0x1002};
	c->map[2] = (struct ccf_map){.host_off = 8, .host_end = 20, .guest_eip = 0x1005};

	ck_assert_ptr_eq(ccf_map_at(c, c->code), &c->map[0]);
	ck_assert_ptr_eq(ccf_map_at(c, c->code + 2), &c->map[0]);
	ck_assert_ptr_eq(ccf_map_at(c, c->code + 3), &c->map[1]);
	ck_assert_ptr_eq(ccf_map_at(c, c->code + 7), &c->map[1]);
	ck_assert_ptr_eq(ccf_map_at(c, c->code + 8), &c->map[2]);
	ck_assert_ptr_eq(ccf_map_at(c, c->code + 19), &c->map[2]);
	ck_assert_uint_eq(ccf_map_at(c, c->code + 5)->guest_eip, 0x1002);
	ck_assert_ptr_null(ccf_map_at(c, c->code + 20));
	ck_assert_ptr_null(ccf_map_at(c, c->code - 1));

	/* A gap in the map (e.g. an exit stub) maps to no instruction. */
	c->map[1].host_end = 6;
	ck_assert_ptr_null(ccf_map_at(c, c->code + 6));
}
END_TEST

START_TEST(test_transient)
{
	struct ccf *t = emit_ccf(0x1000, 0, 1, 1, 16);
	const uint8_t *code = t->code;

	t->transient = true;
	ck_assert_ptr_null(tc_lookup(&tc, 0x1000, 0, 1));
	ck_assert(!tc_page_has_code(&tc, 1));
	ck_assert_ptr_eq(tc_find_by_host(&tc, t->code + 1), t);
	ck_assert_ptr_eq(tc.all_head, t);
	ck_assert_int_eq(tc_invalidate_page(&tc, 1), 0);
	ck_assert_uint_eq(st.ccfs_live, 0);
	tc_flush(&tc); /* ASan: the header is freed here */
	ck_assert_int_eq(evicted.n, 0);
	ck_assert_ptr_null(tc_find_by_host(&tc, code + 1));
}
END_TEST

static Suite *tcache_suite(void)
{
	Suite *s = suite_create("tcache");
	TCase *tcs = tcase_create("core");

	tcase_add_checked_fixture(tcs, setup, teardown);
	tcase_set_timeout(tcs, 30);
	tcase_add_test(tcs, test_init_rejects_bad_args);
	tcase_add_test(tcs, test_insert_lookup);
	tcase_add_test(tcs, test_bucket_chains);
	tcase_add_test(tcs, test_code_alignment_and_room);
	tcase_add_test(tcs, test_link);
	tcase_add_test(tcs, test_unlink_restores_stub);
	tcase_add_test(tcs, test_relink);
	tcase_add_test(tcs, test_invalidate_page);
	tcase_add_test(tcs, test_invalidate_many_pages_shared_bucket);
	tcase_add_test(tcs, test_flush);
	tcase_add_test(tcs, test_find_by_host);
	tcase_add_test(tcs, test_find_by_host_many);
	tcase_add_test(tcs, test_ccf_map_at);
	tcase_add_test(tcs, test_transient);
	suite_add_tcase(s, tcs);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
