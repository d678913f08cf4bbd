/* physmem.c - guest RAM and the linear window.
 *
 * Guest RAM is a memfd. The monitor maps it once wherever the kernel likes
 * (above 4 GiB, because the window below is reserved first) and uses that
 * "physmap" for everything it does to guest memory. Translated guest code
 * instead reaches memory at its guest linear address through the window:
 * with paging off, window page L maps RAM page L. Pages that hold translated
 * code are write-protected there so that guest stores into them fault. */
#define _GNU_SOURCE
#include "physmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(char *err, size_t n, const char *what)
{
	snprintf(err, n, "%s: %s", what, strerror(errno));
	return -1;
}

/* Reserve [0, 4 GiB) so nothing of the monitor lands there. Linux refuses
 * the lowest pages to processes without CAP_SYS_RAWIO (vm.mmap_min_addr):
 * reserve from the first address we may. */
static int reserve_window(struct physmem *pm, char *err, size_t n)
{
	for (uint64_t lo = 0; lo <= 0x10000; lo += PAGE_SIZE) {
		void *p =
		    mmap((void *)lo, WINDOW_SIZE - lo, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == (void *)lo) {
			pm->low_unmapped = (uint32_t)lo;
			return 0;
		}
		if (p != MAP_FAILED)
			munmap(p, WINDOW_SIZE - lo);
		if (errno == EEXIST)
			return fail(err, n,
				    "cannot reserve the low 4 GiB of address space "
				    "(something is already mapped there)");
	}
	return fail(err, n, "cannot reserve the low 4 GiB of address space");
}

static int map_ram_identity(struct physmem *pm, char *err, size_t n)
{
	uint64_t lo = pm->low_unmapped;
	if (lo >= pm->ram_size)
		return 0;
	void *p = mmap((void *)lo, pm->ram_size - lo, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, pm->memfd, (off_t)lo);
	if (p == MAP_FAILED)
		return fail(err, n, "cannot map guest RAM into the linear window");
	return 0;
}

static int map_hole(char *err, size_t n)
{
	void *p = mmap((void *)(uintptr_t)HOLE_BASE, HOLE_SIZE - PAGE_SIZE,
		       PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		       -1, 0);
	if (p == MAP_FAILED)
		return fail(err, n, "cannot map the translation-cache hole");
	return 0;
}

int physmem_init(struct physmem *pm, uint64_t ram_size, bool map_hole_too, char *err, size_t n)
{
	memset(pm, 0, sizeof(*pm));
	pm->memfd = -1;
	pm->ram_size = ram_size;
	if (ram_size > HOLE_BASE) {
		snprintf(err, n, "RAM size %llu MiB overlaps the monitor's hole",
			 (unsigned long long)(ram_size >> 20));
		return -1;
	}
	if (reserve_window(pm, err, n))
		return -1;
	pm->memfd = memfd_create("btvmm-ram", MFD_CLOEXEC);
	if (pm->memfd < 0)
		return fail(err, n, "memfd_create");
	if (ftruncate(pm->memfd, (off_t)ram_size))
		return fail(err, n, "cannot size guest RAM");
	pm->physmap = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, pm->memfd, 0);
	if (pm->physmap == MAP_FAILED)
		return fail(err, n, "cannot map guest RAM");
	pm->ro_pages = calloc(ram_size >> PAGE_SHIFT, 1);
	if (!pm->ro_pages)
		return fail(err, n, "out of memory");
	if (map_ram_identity(pm, err, n) || (map_hole_too && map_hole(err, n)))
		return -1;
	return 0;
}

void physmem_fini(struct physmem *pm)
{
	free(pm->ro_pages);
	if (pm->physmap && pm->physmap != MAP_FAILED)
		munmap(pm->physmap, pm->ram_size);
	if (pm->memfd >= 0)
		close(pm->memfd);
}

int physmem_protect_page(struct physmem *pm, uint32_t pfn, bool ro)
{
	uint64_t addr = (uint64_t)pfn << PAGE_SHIFT;
	if (addr >= pm->ram_size || addr < pm->low_unmapped)
		return -1;
	if (pm->ro_pages[pfn] == ro)
		return 0;
	if (mprotect((void *)(uintptr_t)addr, PAGE_SIZE, ro ? PROT_READ : PROT_READ | PROT_WRITE))
		return -1;
	pm->ro_pages[pfn] = ro;
	return 0;
}
