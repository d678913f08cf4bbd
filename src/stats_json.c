/*
 * stats_json.c - the -stats-json form of the counters: one JSON object per
 * line (JSON Lines), for bench/ and other programs.
 *
 * The same numbers as the text report (stats.c), by the names stats.inc
 * gives them, plus the call-outs by kind, the IDT deliveries by vector and
 * the port and MMIO accesses by device. Each line carries the host's
 * CLOCK_MONOTONIC time in nanoseconds, so that a program which timestamps
 * the guest's console output with the same clock can difference two lines
 * around a stretch of guest work. With -stats-interval a line is written
 * every interval (the sampler below); the last line, written at exit, has
 * "final": true.
 */
#include <inttypes.h>
#include <time.h>
#include "stats.h"
#include "vm.h"
#include "backend_select.h"
#include "../devices/iobus.h"
#include "../devices/mmio.h"

/* Names here are C identifiers and device names without quotes or
 * backslashes, so they go out as they are. */
static void json_counts(FILE *out, const struct stats *s)
{
	const char *sep = "";
#define STAT(name, desc)                                                                           \
	fprintf(out, "%s\"" #name "\":%" PRIu64, sep, s->name);                                    \
	sep = ",";
#include "stats.inc"
#undef STAT
}

static void json_callouts(FILE *out, const struct stats *s)
{
	const char *sep = "";
	fprintf(out, ",\"callouts_by_kind\":{");
	for (int k = 0; k < CO_COUNT; k++) {
		if (!s->callout_by_kind[k])
			continue;
		fprintf(out, "%s\"%s\":%" PRIu64, sep, callout_kind_name[k], s->callout_by_kind[k]);
		sep = ",";
	}
	fprintf(out, "}");
}

static void json_vectors(FILE *out, const struct stats *s)
{
	const char *sep = "";
	fprintf(out, ",\"idt_vectors\":{");
	for (int v = 0; v < 256; v++) {
		if (!s->vectors[v])
			continue;
		fprintf(out, "%s\"%d\":%" PRIu64, sep, v, s->vectors[v]);
		sep = ",";
	}
	fprintf(out, "}");
}

static void json_devices(FILE *out, const struct io_bus *io, const struct mmio_bus *mmio)
{
	fprintf(out, ",\"io\":{");
	for (int i = 0; i < io->nranges; i++)
		fprintf(out, "%s\"%s@%04x\":[%" PRIu64 ",%" PRIu64 "]", i ? "," : "",
			io->ranges[i].name ? io->ranges[i].name : "?", io->ranges[i].base,
			io->ranges[i].reads, io->ranges[i].writes);
	fprintf(out, "},\"io_unassigned\":%" PRIu64 ",\"mmio\":{", io->unassigned);
	for (int i = 0; i < mmio->nranges; i++)
		fprintf(out, "%s\"%s@%08" PRIx64 "\":[%" PRIu64 ",%" PRIu64 "]", i ? "," : "",
			mmio->ranges[i].name ? mmio->ranges[i].name : "?", mmio->ranges[i].base,
			mmio->ranges[i].reads, mmio->ranges[i].writes);
	fprintf(out, "},\"mmio_unassigned\":%" PRIu64, mmio->unassigned);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void stats_json_line(struct vm *vm, bool final)
{
	FILE *out = vm->stats_json;
	if (!out)
		return;
	fprintf(out, "{\"t_ns\":%" PRIu64 ",\"final\":%s,\"backend\":\"%s\",", mono_ns(),
		final ? "true" : "false", backend_name(vm->cfg->backend));
	json_counts(out, &vm->stats);
	json_callouts(out, &vm->stats);
	json_vectors(out, &vm->stats);
	json_devices(out, &vm->io, &vm->mmio);
	fprintf(out, "}\n");
	fflush(out); /* whole lines, even if btvmm is killed */
}

uint64_t stats_sample_deadline(const struct vm *vm)
{
	return vm->stats_json && vm->cfg->stats_interval_ms ? vm->stats_due : UINT64_MAX;
}

void stats_sample_update(struct vm *vm, uint64_t now)
{
	uint64_t period = (uint64_t)vm->cfg->stats_interval_ms * 1000000ull;
	if (!vm->stats_json || !period || now < vm->stats_due)
		return;
	stats_json_line(vm, false);
	/* the next sample a whole period on, skipping any the run loop missed */
	vm->stats_due += period * ((now - vm->stats_due) / period + 1);
}
