/* stats.h - event counters (one X-macro list in stats.inc), printed by -stats. */
#ifndef BTVMM_STATS_H
#define BTVMM_STATS_H

#include <stdbool.h>
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

struct vm;
/* -stats-json: one JSON line with every counter (final: the line at exit) */
void stats_json_line(struct vm *vm, bool final);
/* -stats-interval: when the next line is due (UINT64_MAX: never), and the
 * device-style update that writes it */
uint64_t stats_sample_deadline(const struct vm *vm);
void stats_sample_update(struct vm *vm, uint64_t now);

#endif
