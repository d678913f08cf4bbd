/* stats.h - event counters (one X-macro list in stats.inc), printed by -stats. */
#ifndef BTVMM_STATS_H
#define BTVMM_STATS_H

#include <stdint.h>
#include <stdio.h>
#include "../translator/callout_kind.h"

struct stats {
#define STAT(name, desc) uint64_t name;
#include "stats.inc"
#undef STAT
	uint64_t callout_by_kind[CO_COUNT];
	uint64_t vectors[256]; /* deliveries through the IDT, by vector */
};

struct io_bus;
void stats_print(const struct stats *s, const struct io_bus *bus, FILE *out);
struct mmio_bus;
void stats_print_mmio(const struct mmio_bus *bus, FILE *out);

#endif
