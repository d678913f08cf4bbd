/*
 * mmio.c - the memory-mapped I/O bus.
 *
 * Devices (local APIC, IOAPIC) claim non-overlapping physical address
 * ranges. A load or store that the memory code finds outside RAM is routed
 * here, to the range holding its first byte (an access that straddles the
 * end of a range goes to that range only), with the offset made relative to
 * the range base. Addresses no device owns behave like an empty bus: reads
 * return all ones, writes vanish. Each range counts its accesses and the bus
 * counts unassigned ones, for -stats. There are at most MMIO_MAX_RANGES
 * ranges, so lookup is a linear scan.
 */
#include <stddef.h>
#include <string.h>
#include "mmio.h"

void mmio_init(struct mmio_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

/* All ones for an access of size bytes; anything not 1, 2 or 4 is 8. */
static uint64_t size_mask(int size)
{
	if (size == 1)
		return 0xff;
	if (size == 2)
		return 0xffff;
	if (size == 4)
		return 0xffffffff;
	return UINT64_MAX;
}

/* Last address of [base, base+len); callers ensure it does not wrap. */
static uint64_t range_last(uint64_t base, uint64_t len)
{
	return base + (len - 1);
}

/* Inclusive ends, so a range may reach the very top of the address space. */
static int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= range_last(b, blen) && b <= range_last(a, alen);
}

int mmio_register(struct mmio_bus *bus, uint64_t base, uint64_t len, mmio_read_fn rd,
		  mmio_write_fn wr, void *opaque, const char *name)
{
	struct mmio_range *r;
	int i;

	if (len == 0 || len - 1 > UINT64_MAX - base || bus->nranges >= MMIO_MAX_RANGES)
		return -1;
	for (i = 0; i < bus->nranges; i++) {
		r = &bus->ranges[i];
		if (ranges_overlap(base, len, r->base, r->len))
			return -1;
	}
	r = &bus->ranges[bus->nranges++];
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->len = len;
	r->read = rd;
	r->write = wr;
	r->opaque = opaque;
	r->name = name;
	return 0;
}

struct mmio_range *mmio_find(struct mmio_bus *bus, uint64_t addr)
{
	int i;

	for (i = 0; i < bus->nranges; i++) {
		struct mmio_range *r = &bus->ranges[i];

		/* Unsigned subtraction: addresses below base wrap to huge. */
		if (addr - r->base < r->len)
			return r;
	}
	return NULL;
}

uint64_t mmio_read(struct mmio_bus *bus, uint64_t addr, int size)
{
	struct mmio_range *r = mmio_find(bus, addr);
	uint64_t mask = size_mask(size);

	if (!r) {
		bus->unassigned++;
		return mask;
	}
	r->reads++;
	if (!r->read)
		return mask;
	/* Mask so a sloppy device cannot leak bits wider than the access. */
	return r->read(r->opaque, addr - r->base, size) & mask;
}

void mmio_write(struct mmio_bus *bus, uint64_t addr, int size, uint64_t val)
{
	struct mmio_range *r = mmio_find(bus, addr);

	if (!r) {
		bus->unassigned++;
		return;
	}
	r->writes++;
	if (r->write)
		r->write(r->opaque, addr - r->base, size, val & size_mask(size));
}
