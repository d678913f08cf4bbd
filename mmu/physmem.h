/* physmem.h - guest RAM (one memfd), the monitor's view of it (physmap,
 * above 4 GiB) and the guest linear window: host [0, 4 GiB) reserved so that
 * guest linear address L is host address L. The top 4 MiB of the window is
 * the hole: the vCPU block, static translated-code helpers and the
 * translation cache. */
#ifndef BTVMM_PHYSMEM_H
#define BTVMM_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12
#define WINDOW_SIZE (1ull << 32)
#define HOLE_SIZE (4u << 20)
#define HOLE_BASE 0xffc00000u			  /* data-segment limits stop below this */
#define HOLE_BLOCK HOLE_BASE			  /* struct vcpu_block */
#define HOLE_STATIC (HOLE_BASE + 0x81000u)	  /* trampoline, lookup code: 8 KiB */
#define HOLE_ARENA (HOLE_BASE + 0x83000u)	  /* translation cache */
#define HOLE_ARENA_MAX (0xfffff000u - HOLE_ARENA) /* last page stays a guard */

struct physmem {
	int memfd;
	uint64_t ram_size;
	uint8_t *physmap;      /* monitor view of guest RAM, above 4 GiB */
	uint32_t low_unmapped; /* guest-physical [0, low_unmapped) could not be mapped at
				  linear 0 (vm.mmap_min_addr); accesses there fault */
	uint8_t *ro_pages;     /* per guest page: 1 if write-protected in the window */
};

/* Reserves the window, creates RAM, maps it at linear = physical (paging
 * off) and, if map_hole, maps the hole (the compat backend's block and
 * cache). -1 with a message in err on failure. */
int physmem_init(struct physmem *pm, uint64_t ram_size, bool map_hole, char *err, size_t errlen);
void physmem_fini(struct physmem *pm);

static inline void *gpa_ptr(struct physmem *pm, uint64_t gpa, uint64_t len)
{
	if (gpa > pm->ram_size || len > pm->ram_size - gpa)
		return NULL;
	return pm->physmap + gpa;
}

/* Write-protect (or release) one guest page in the window: used to catch
 * guest writes to pages holding translated code. */
int physmem_protect_page(struct physmem *pm, uint32_t pfn, bool ro);
static inline bool physmem_page_ro(struct physmem *pm, uint32_t pfn)
{
	return (uint64_t)pfn << PAGE_SHIFT < pm->ram_size && pm->ro_pages[pfn];
}

#endif
