/*
 * iobus.c - the port-I/O bus.
 *
 * Devices claim non-overlapping ranges of the 64 KiB port space. An IN or
 * OUT is routed to the range holding its first port (a wide access that
 * straddles two devices goes to the first one only). Ports no device owns
 * behave like a floating ISA bus: reads return all ones, writes vanish.
 * There are at most IOBUS_MAX_RANGES ranges, so lookup is a linear scan.
 */
#include <stddef.h>
#include <string.h>
#include "iobus.h"

void iobus_init(struct io_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

/* All ones for an access of size bytes (1, 2 or 4). */
static uint32_t size_mask(int size)
{
	if (size == 1)
		return 0xff;
	if (size == 2)
		return 0xffff;
	return 0xffffffff;
}

/* Do [a, a+alen) and [b, b+blen) share a port? 32-bit math: no wrap. */
static int ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

int iobus_register(struct io_bus *bus, uint16_t base, uint16_t len, io_read_fn rd, io_write_fn wr,
		   void *opaque, const char *name)
{
	struct io_range *r;
	int i;

	if (len == 0 || (uint32_t)base + len > 0x10000 || bus->nranges >= IOBUS_MAX_RANGES)
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

static struct io_range *iobus_find(struct io_bus *bus, uint16_t port)
{
	int i;

	for (i = 0; i < bus->nranges; i++) {
		struct io_range *r = &bus->ranges[i];

		if ((uint32_t)port - r->base < r->len)
			return r;
	}
	return NULL;
}

uint32_t iobus_in(struct io_bus *bus, uint16_t port, int size)
{
	struct io_range *r = iobus_find(bus, port);
	uint32_t mask = size_mask(size);

	if (!r) {
		bus->unassigned++;
		return mask;
	}
	r->reads++;
	if (!r->read)
		return mask;
	/* Mask so a sloppy device cannot leak bits wider than the access. */
	return r->read(r->opaque, port, size) & mask;
}

void iobus_out(struct io_bus *bus, uint16_t port, int size, uint32_t val)
{
	struct io_range *r = iobus_find(bus, port);

	if (!r) {
		bus->unassigned++;
		return;
	}
	r->writes++;
	if (r->write)
		r->write(r->opaque, port, size, val & size_mask(size));
}
