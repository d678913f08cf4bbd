/* mmio.h - the memory-mapped I/O bus: physical address ranges handled by
 * devices (local APIC, IOAPIC) instead of RAM. */
#ifndef BTVMM_MMIO_H
#define BTVMM_MMIO_H

#include <stdint.h>

typedef uint64_t (*mmio_read_fn)(void *opaque, uint64_t off, int size);
typedef void (*mmio_write_fn)(void *opaque, uint64_t off, int size, uint64_t val);

#define MMIO_MAX_RANGES 16

struct mmio_range {
	uint64_t base, len;
	mmio_read_fn read;   /* NULL: reads return all ones */
	mmio_write_fn write; /* NULL: writes ignored */
	void *opaque;
	const char *name;
	uint64_t reads, writes;
};

struct mmio_bus {
	struct mmio_range ranges[MMIO_MAX_RANGES];
	int nranges;
	uint64_t unassigned;
};

void mmio_init(struct mmio_bus *bus);
int mmio_register(struct mmio_bus *bus, uint64_t base, uint64_t len, mmio_read_fn rd,
		  mmio_write_fn wr, void *opaque, const char *name);
/* The range containing addr, or NULL. */
struct mmio_range *mmio_find(struct mmio_bus *bus, uint64_t addr);
/* size 1, 2, 4 or 8; off is relative to the range base. Unassigned: all ones. */
uint64_t mmio_read(struct mmio_bus *bus, uint64_t addr, int size);
void mmio_write(struct mmio_bus *bus, uint64_t addr, int size, uint64_t val);

#endif
