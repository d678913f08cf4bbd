/*
 * stats.c - the -stats report printed at exit.
 *
 * One dotted row per counter in stats.inc, then a few ratios that are the
 * numbers one actually wants (how often the cache lookup hits, how much of
 * the guest code ran unchanged), then the call-outs broken down by kind and
 * the port I/O broken down by device. Rows with nothing to say (call-out
 * kinds never seen) are left out so the table stays readable.
 */
#include <inttypes.h>
#include <string.h>
#include "stats.h"
#include "mmio.h"
#include "interrupt.h"
#include "../devices/iobus.h"

#define LABEL_COLS 46 /* label plus its dot leader */
#define VALUE_COLS 14

/* "  label ........ value", the value right-aligned. */
static void print_row(FILE *out, const char *label, const char *value)
{
	int len = (int)strlen(label);
	int dots = LABEL_COLS - len - 2;

	fprintf(out, "  %s ", label);
	if (dots < 3)
		dots = 3; /* an over-long label still gets a visible leader */
	while (dots--)
		fputc('.', out);
	fprintf(out, " %*s\n", VALUE_COLS, value);
}

static void print_count(FILE *out, const char *label, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	print_row(out, label, buf);
}

/* part/whole as a percentage; "n/a" when nothing was counted at all. */
static void print_percent(FILE *out, const char *label, uint64_t part, uint64_t whole)
{
	char buf[24];

	if (whole)
		snprintf(buf, sizeof(buf), "%.2f %%", 100.0 * (double)part / (double)whole);
	else
		snprintf(buf, sizeof(buf), "n/a");
	print_row(out, label, buf);
}

static void print_counters(const struct stats *s, FILE *out)
{
#define STAT(name, desc) print_count(out, desc, s->name);
#include "stats.inc"
#undef STAT
}

static void print_derived(const struct stats *s, FILE *out)
{
	print_percent(out, "tcache lookup hit rate", s->lookup_hits, s->lookups);
	print_percent(out, "IDENT share of translated instructions", s->insns_ident,
		      s->insns_ident + s->insns_nonident);
}

static void print_callouts(const struct stats *s, FILE *out)
{
	int k, shown = 0;

	fprintf(out, "call-outs by kind:\n");
	for (k = 0; k < CO_COUNT; k++) {
		if (!s->callout_by_kind[k])
			continue;
		print_count(out, callout_kind_name[k], s->callout_by_kind[k]);
		shown++;
	}
	if (!shown)
		fprintf(out, "  (none)\n");
}

static void print_vectors(const struct stats *s, FILE *out)
{
	int shown = 0;

	fprintf(out, "deliveries through the IDT by vector:\n");
	for (int v = 0; v < 256; v++) {
		char label[32];

		if (!s->vectors[v])
			continue;
		snprintf(label, sizeof(label), "vector %3d %s", v, exception_name(v));
		print_count(out, label, s->vectors[v]);
		shown++;
	}
	if (!shown)
		fprintf(out, "  (none)\n");
}

static void print_port_io(const struct io_bus *bus, FILE *out)
{
	int i;

	fprintf(out, "port I/O by device:\n");
	fprintf(out, "  %-16s %-11s %*s %*s\n", "device", "ports", VALUE_COLS, "reads", VALUE_COLS,
		"writes");
	for (i = 0; i < bus->nranges; i++) {
		const struct io_range *r = &bus->ranges[i];
		char ports[16];

		snprintf(ports, sizeof(ports), "%04x-%04x", r->base,
			 (unsigned)(r->base + r->len - 1));
		fprintf(out, "  %-16s %-11s %*" PRIu64 " %*" PRIu64 "\n", r->name ? r->name : "?",
			ports, VALUE_COLS, r->reads, VALUE_COLS, r->writes);
	}
	/* The bus counts unassigned reads and writes together. */
	fprintf(out, "  %-16s %-11s %*" PRIu64 " accesses\n", "unassigned", "-", VALUE_COLS,
		bus->unassigned);
}

void stats_print_mmio(const struct mmio_bus *bus, FILE *out)
{
	fprintf(out, "MMIO by device:\n");
	for (int i = 0; i < bus->nranges; i++) {
		const struct mmio_range *r = &bus->ranges[i];
		char addr[32];

		snprintf(addr, sizeof(addr), "%08" PRIx64, r->base);
		fprintf(out, "  %-16s %-11s %*" PRIu64 " %*" PRIu64 "\n", r->name ? r->name : "?",
			addr, VALUE_COLS, r->reads, VALUE_COLS, r->writes);
	}
	fprintf(out, "  %-16s %-11s %*" PRIu64 " accesses\n", "unassigned", "-", VALUE_COLS,
		bus->unassigned);
}

void stats_print(const struct stats *s, const struct io_bus *bus, FILE *out)
{
	fprintf(out, "btvmm statistics\n");
	print_counters(s, out);
	print_derived(s, out);
	print_callouts(s, out);
	print_vectors(s, out);
	if (bus)
		print_port_io(bus, out);
}
