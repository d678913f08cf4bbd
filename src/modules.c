/* modules.c - multiboot boot modules from -initrd. */
#include "modules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

int modules_split(const char *spec, struct module_set *set, char *err, size_t errlen)
{
	memset(set, 0, sizeof(*set));
	size_t len = strlen(spec);
	char *item = malloc(len + 1);
	size_t k = 0;
	if (!item) {
		snprintf(err, errlen, "-initrd: out of memory");
		return -1;
	}
	for (size_t i = 0;; i++) {
		if (spec[i] == ',' && spec[i + 1] == ',') {
			item[k++] = ',';
			i++;
			continue;
		}
		if (spec[i] != ',' && spec[i] != '\0') {
			item[k++] = spec[i];
			continue;
		}
		item[k] = '\0';
		if (k == 0 || item[0] == ' ') {
			snprintf(err, errlen, "-initrd '%s': an empty module name", spec);
			goto fail;
		}
		if (set->n == MODULES_MAX) {
			snprintf(err, errlen, "-initrd: more than %d modules", MODULES_MAX);
			goto fail;
		}
		set->items[set->n] = strdup(item);
		if (!set->items[set->n]) {
			snprintf(err, errlen, "-initrd: out of memory");
			goto fail;
		}
		set->mod[set->n].string = set->items[set->n];
		set->n++;
		k = 0;
		if (spec[i] == '\0')
			break;
	}
	free(item);
	return 0;
fail:
	free(item);
	modules_free(set);
	return -1;
}

/* Open path and find its size; what names it in messages ("module",
 * "initrd"). NULL with err set on failure. */
static FILE *open_sized(const char *what, const char *path, uint64_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s '%s': cannot open: %s", what, path, strerror(errno));
		return NULL;
	}
	long n = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s '%s': cannot read: %s", what, path, strerror(errno));
		fclose(f);
		return NULL;
	}
	*len = (uint64_t)n;
	return f;
}

/* Read all len bytes of f into dst and close it. */
static int read_close(FILE *f, const char *what, const char *path, uint8_t *dst, uint64_t len,
		      char *err, size_t errlen)
{
	int rc = 0;
	if (len && fread(dst, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "%s '%s': cannot read %llu bytes", what, path,
			 (unsigned long long)len);
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* Read the file an item names (up to its first space) into ram at addr. */
static int load_one(const char *item, uint8_t *ram, uint64_t ram_size, uint64_t addr,
		    uint64_t *size, char *err, size_t errlen)
{
	size_t n = strcspn(item, " ");
	char path[4096];
	if (n >= sizeof(path)) {
		snprintf(err, errlen, "-initrd: a module file name is too long");
		return -1;
	}
	memcpy(path, item, n);
	path[n] = '\0';
	uint64_t len;
	FILE *f = open_sized("module", path, &len, err, errlen);
	if (!f)
		return -1;
	if (addr + len > ram_size || addr + len > UINT32_MAX) {
		snprintf(err, errlen,
			 "module '%s': %llu bytes at 0x%08llx do not fit in %llu MiB of guest RAM",
			 path, (unsigned long long)len, (unsigned long long)addr,
			 (unsigned long long)(ram_size >> 20));
		fclose(f);
		return -1;
	}
	*size = len;
	return read_close(f, "module", path, ram + addr, len, err, errlen);
}

int modules_load(const char *spec, uint8_t *ram, uint64_t ram_size, uint32_t from,
		 struct module_set *set, char *err, size_t errlen)
{
	if (modules_split(spec, set, err, errlen))
		return -1;
	uint64_t addr = ((uint64_t)from + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	for (unsigned i = 0; i < set->n; i++) {
		uint64_t size;
		if (load_one(set->items[i], ram, ram_size, addr, &size, err, errlen)) {
			modules_free(set);
			return -1;
		}
		set->mod[i].start = (uint32_t)addr;
		set->mod[i].end = (uint32_t)(addr + size);
		addr = (addr + size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	}
	return 0;
}

int initrd_load_high(const char *path, uint8_t *ram, uint64_t ram_size, uint32_t low, uint32_t max,
		     uint32_t *addr, uint32_t *size, char *err, size_t errlen)
{
	uint64_t len;
	FILE *f = open_sized("initrd", path, &len, err, errlen);
	if (!f)
		return -1;
	uint64_t top = (uint64_t)max + 1 < ram_size ? (uint64_t)max + 1 : ram_size;
	uint64_t at = top >= len ? (top - len) & ~(uint64_t)(PAGE - 1) : 0;
	if (len > top || at < low) {
		snprintf(err, errlen,
			 "initrd '%s': %llu bytes do not fit between the kernel (0x%08x) and "
			 "0x%08llx; give more -m",
			 path, (unsigned long long)len, low, (unsigned long long)top);
		fclose(f);
		return -1;
	}
	*addr = (uint32_t)at;
	*size = (uint32_t)len;
	return read_close(f, "initrd", path, ram + at, len, err, errlen);
}

void modules_free(struct module_set *set)
{
	for (unsigned i = 0; i < set->n; i++)
		free(set->items[i]);
	memset(set, 0, sizeof(*set));
}
