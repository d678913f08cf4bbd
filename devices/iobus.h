/* iobus.h - the port-I/O bus: devices register port ranges with handlers. */
#ifndef BTVMM_IOBUS_H
#define BTVMM_IOBUS_H

#include <stdint.h>

typedef uint32_t (*io_read_fn)(void *opaque, uint16_t port, int size);
typedef void (*io_write_fn)(void *opaque, uint16_t port, int size, uint32_t val);

#define IOBUS_MAX_RANGES 64

struct io_range {
	uint16_t base, len; /* ports [base, base+len) */
	io_read_fn read;    /* NULL: reads return all ones */
	io_write_fn write;  /* NULL: writes ignored */
	void *opaque;
	const char *name;	/* for -stats ("uart", "debug-exit", ...) */
	uint64_t reads, writes; /* accesses, for -stats */
};

struct io_bus {
	struct io_range ranges[IOBUS_MAX_RANGES];
	int nranges;
	uint64_t unassigned; /* accesses that hit no device */
};

void iobus_init(struct io_bus *bus);
/* Returns 0, or -1 if the range overlaps an existing one or the bus is full. */
int iobus_register(struct io_bus *bus, uint16_t base, uint16_t len, io_read_fn rd, io_write_fn wr,
		   void *opaque, const char *name);
/* size is 1, 2 or 4. Unassigned ports read as all ones (0xff, 0xffff,
 * 0xffffffff) and ignore writes, as on a PC. A 2- or 4-byte access is
 * routed to the device owning the first port. */
uint32_t iobus_in(struct io_bus *bus, uint16_t port, int size);
void iobus_out(struct io_bus *bus, uint16_t port, int size, uint32_t val);

#endif
