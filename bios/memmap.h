/* memmap.h - the PC memory layout of guest RAM, as firmware reports it
 * (BIOS e820; the multiboot memory map and Linux's boot_params copy it). */
#ifndef BTVMM_MEMMAP_H
#define BTVMM_MEMMAP_H

#include <stdint.h>

#define MEMMAP_MAX 4

enum { MEM_AVAILABLE = 1, MEM_RESERVED = 2 }; /* e820 / multiboot type codes */

#define MEMMAP_EBDA 0x9fc00u /* top of conventional memory: 639 KiB */
#define MEMMAP_VGA 0xa0000u
#define MEMMAP_BIOS 0xf0000u  /* system BIOS ROM image */
#define MEMMAP_HIGH 0x100000u /* 1 MiB: extended memory */

struct mem_range {
	uint64_t base, length;
	uint32_t type;
};

/* [0, 639 KiB) available, the EBDA and the BIOS area reserved, [1 MiB,
 * ram_size) available. Returns the number of ranges (<= MEMMAP_MAX). */
unsigned memmap_pc(uint64_t ram_size, struct mem_range *out);

#endif
