/* link.c - chaining: patching a CCF's exit jump to go straight to the
 * next CCF instead of through its stub back to the monitor.
 *
 * Each exit ends in a jmp/jcc rel32; the rel32 points at the exit's stub
 * while unlinked and at the target's code once linked. Every link is also
 * recorded on the target's incoming list, so when the target dies every
 * jump into it can be pointed back at its stub before anything runs it. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stats.h"
#include "tcache.h"
#include "tcache_priv.h"

/* Make the rel32 at site encode a jump to dest. The field sits inside an
 * instruction, at any alignment, hence memcpy. */
static void patch_rel32(uint8_t *site, const uint8_t *dest)
{
	intptr_t disp = (intptr_t)dest - (intptr_t)(site + 4);
	int32_t rel = (int32_t)disp;

	/* Arena code is always within reach; only a misused test buffer
	 * could put the two more than 2 GiB apart. */
	assert(disp >= INT32_MIN && disp <= INT32_MAX);
	memcpy(site, &rel, sizeof(rel));
}

void tc_link(struct tcache *tc, struct tc_exit *e, struct ccf *target)
{
	/* A dead target is unreachable by lookup and about to be forgotten;
	 * linking to it would resurrect it behind the monitor's back. */
	assert(target && !target->dead && target->code);
	assert(e->patch_site && e->stub);

	if (e->target)
		tc_unlink(tc, e);

	patch_rel32(e->patch_site, target->code);
	e->target = target;
	e->in_next = target->incoming;
	target->incoming = e;
	tc->stats->chain_patches++;
}

/* Take e off target's incoming list; false if it was not there. */
static bool remove_incoming(struct ccf *target, struct tc_exit *e)
{
	struct tc_exit **pp;

	for (pp = &target->incoming; *pp; pp = &(*pp)->in_next) {
		if (*pp == e) {
			*pp = e->in_next;
			e->in_next = NULL;
			return true;
		}
	}
	return false;
}

void tc_unlink(struct tcache *tc, struct tc_exit *e)
{
	bool found;

	if (!e->target)
		return;

	patch_rel32(e->patch_site, e->stub);
	found = remove_incoming(e->target, e);
	assert(found);
	(void)found;
	e->target = NULL;
	tc->stats->unlinks++;
}
