/* modules.h - multiboot boot modules from -initrd, as QEMU loads them for
 * a multiboot kernel: -initrd "FILE [ARGS][,FILE [ARGS]]..." (",," is a
 * literal comma). Each file goes into guest RAM page-aligned after the
 * kernel, in order; its module string is the whole item, file name
 * included. */
#ifndef BTVMM_MODULES_H
#define BTVMM_MODULES_H

#include <stddef.h>
#include <stdint.h>

#include "multiboot.h"

#define MODULES_MAX 16

struct module_set {
	unsigned n;
	struct mb_module mod[MODULES_MAX]; /* string points into items[] */
	char *items[MODULES_MAX];	   /* the items of the -initrd list */
};

/* Split spec into set->items (heap strings). Returns 0, or -1 with err set
 * (an empty item, more than MODULES_MAX). */
int modules_split(const char *spec, struct module_set *set, char *err, size_t errlen);

/* Split spec and load each file at the next 4 KiB boundary at or after
 * from. Returns 0, or -1 with one line in err (a file that cannot be read,
 * modules that do not fit in RAM). The caller frees with modules_free. */
int modules_load(const char *spec, uint8_t *ram, uint64_t ram_size, uint32_t from,
		 struct module_set *set, char *err, size_t errlen);

void modules_free(struct module_set *set);

/* A Linux initrd: the file at path placed as high as it goes, page-aligned,
 * ending at or below min(ram_size, max + 1), starting at or above low.
 * Returns 0 with *addr and *size, or -1 with one line in err. */
int initrd_load_high(const char *path, uint8_t *ram, uint64_t ram_size, uint32_t low, uint32_t max,
		     uint32_t *addr, uint32_t *size, char *err, size_t errlen);

#endif
