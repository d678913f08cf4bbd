/* vclock.h - the time source devices read: host monotonic time in a real
 * machine, a settable counter in unit tests. */
#ifndef BTVMM_VCLOCK_H
#define BTVMM_VCLOCK_H

#include <stdint.h>

struct vclock {
	uint64_t (*now_ns)(void *opaque);
	void *opaque;
};

static inline uint64_t vclock_now(const struct vclock *c)
{
	return c->now_ns(c->opaque);
}

#define VCLOCK_NEVER UINT64_MAX /* "no deadline" from a device's next_deadline() */

#endif
