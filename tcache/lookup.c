/* lookup.c - the hash table the monitor consults on every exit: key
 * (guest EIP, code mode, guest physical page) -> live CCF.
 *
 * The same EIP can be translated several times: under a different code
 * mode (e.g. 16- vs 32-bit, CPL) or, after the guest remaps it, from a
 * different physical page. All three parts are the key, hashed together
 * with XXH3 over a packed 12-byte record. Buckets are a power of two so
 * the hash is masked, not divided; collisions chain through hash_next. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "stats.h"
#include "tcache.h"
#include "tcache_priv.h"

static size_t bucket_of(const struct tcache *tc, uint32_t eip, uint32_t mode, uint32_t pfn)
{
	/* Packed by hand: a struct could carry padding into the hash. */
	uint8_t key[12];

	memcpy(key + 0, &eip, 4);
	memcpy(key + 4, &mode, 4);
	memcpy(key + 8, &pfn, 4);
	return (size_t)XXH3_64bits(key, sizeof(key)) & (tc->hash_size - 1);
}

int tc_hash_alloc(struct tcache *tc, size_t buckets)
{
	assert(buckets && !(buckets & (buckets - 1)));
	tc->hash = calloc(buckets, sizeof(*tc->hash));
	if (!tc->hash)
		return -1;
	tc->hash_size = buckets;
	return 0;
}

void tc_hash_clear(struct tcache *tc)
{
	memset(tc->hash, 0, tc->hash_size * sizeof(*tc->hash));
}

void tc_hash_free(struct tcache *tc)
{
	free(tc->hash);
	tc->hash = NULL;
	tc->hash_size = 0;
}

void tc_hash_for_each(struct tcache *tc, void (*fn)(struct tcache *, struct ccf *))
{
	size_t i;
	struct ccf *c;

	for (i = 0; i < tc->hash_size; i++)
		for (c = tc->hash[i]; c; c = c->hash_next)
			fn(tc, c);
}

void tc_hash_remove(struct tcache *tc, struct ccf *c)
{
	struct ccf **pp = &tc->hash[bucket_of(tc, c->guest_eip, c->mode, c->guest_pfn)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == c) {
			*pp = c->hash_next;
			c->hash_next = NULL;
			return;
		}
	}
	assert(!"tc_hash_remove: CCF not in the hash");
}

void tc_insert(struct tcache *tc, struct ccf *c)
{
	struct ccf **head = &tc->hash[bucket_of(tc, c->guest_eip, c->mode, c->guest_pfn)];

	/* Transient CCFs run once and must never be found again; dead ones
	 * were already taken out for good. */
	assert(!c->transient && !c->dead);

	/* At the head: a retranslation of the same key shadows the old one. */
	c->hash_next = *head;
	*head = c;
	tc_pages_add(tc, c);
	tc->stats->ccfs_live++;
}

struct ccf *tc_lookup(struct tcache *tc, uint32_t eip, uint32_t mode, uint32_t pfn)
{
	struct ccf *c = tc->hash[bucket_of(tc, eip, mode, pfn)];

	tc->stats->lookups++;
	for (; c; c = c->hash_next) {
		if (c->guest_eip == eip && c->mode == mode && c->guest_pfn == pfn) {
			tc->stats->lookup_hits++;
			return c;
		}
	}
	return NULL;
}
