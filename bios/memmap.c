/* memmap.c - the PC memory layout of guest RAM. */
#include "memmap.h"

unsigned memmap_pc(uint64_t ram_size, struct mem_range *out)
{
	static const struct mem_range low[] = {
	    {0, MEMMAP_EBDA, MEM_AVAILABLE},
	    {MEMMAP_EBDA, MEMMAP_VGA - MEMMAP_EBDA, MEM_RESERVED},
	    {MEMMAP_BIOS, MEMMAP_HIGH - MEMMAP_BIOS, MEM_RESERVED},
	};
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(low) / sizeof(low[0]); i++)
		out[n++] = low[i];
	if (ram_size > MEMMAP_HIGH)
		out[n++] = (struct mem_range){MEMMAP_HIGH, ram_size - MEMMAP_HIGH, MEM_AVAILABLE};
	return n;
}
