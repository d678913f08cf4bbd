/* multiboot.c - the multiboot v1 information structure a loader leaves in memory.
 *
 * A multiboot kernel starts with EBX pointing at this structure.  We fill
 * the parts a loader without firmware can truthfully give: the memory
 * sizes, a memory map describing the PC layout of guest RAM, the command
 * line and the loader's name.  Everything lives in one block of guest RAM:
 *
 *   at:            struct mb_info (flags say which fields are valid)
 *   then:          module entries (mod_start, mod_end, string, 0), if any
 *   then:          memory map entries
 *   then:          command line, NUL terminated
 *   then:          "btvmm", NUL terminated
 *   then:          the modules' strings, NUL terminated
 *
 * The guest sees physical addresses, so every pointer field holds a guest
 * physical address inside that block.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "memmap.h"
#include "multiboot.h"

#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS (1u << 3)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

#define LOADER_NAME "btvmm"

/* Layout fixed by the multiboot 0.6.96 spec; all fields little-endian. */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB */
	uint32_t mem_upper; /* KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length; /* bytes of mmap entries */
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));

_Static_assert(offsetof(struct mb_info, mmap_length) == 44, "multiboot info layout");
_Static_assert(offsetof(struct mb_info, boot_loader_name) == 64, "multiboot info layout");
_Static_assert(offsetof(struct mb_info, framebuffer_addr) == 88, "multiboot info layout");
_Static_assert(sizeof(struct mb_info) == 116, "multiboot info layout");

/* One memory map entry.  size counts the bytes after itself (20), which is
 * how a kernel steps to the next entry; mmap_addr points at size. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry layout");

/* The PC memory layout for ram_size bytes of RAM; returns the entry count. */
static unsigned build_mmap(uint64_t ram_size, struct mb_mmap_entry *e)
{
	struct mem_range r[MEMMAP_MAX];
	unsigned n = memmap_pc(ram_size, r);
	for (unsigned i = 0; i < n; i++)
		e[i] = (struct mb_mmap_entry){20, r[i].base, r[i].length, r[i].type};
	return n;
}

/* Copies a string into guest RAM at *pos and returns its guest address. */
static uint32_t put_string(uint8_t *ram, uint64_t *pos, const char *s)
{
	uint32_t addr = (uint32_t)*pos;
	size_t len = strlen(s) + 1;

	memcpy(ram + *pos, s, len);
	*pos += len;
	return addr;
}

/* One entry of the module list (multiboot 0.6.96, 3.3). */
struct mb_mod_entry {
	uint32_t mod_start, mod_end, string, reserved;
};

uint32_t mb_build_info(uint8_t *ram, uint64_t ram_size, uint32_t at, const char *cmdline,
		       const struct mb_module *mods, unsigned nmods)
{
	struct mb_mmap_entry mmap[MEMMAP_MAX];
	struct mb_info info;
	uint64_t base = ((uint64_t)at + 15) & ~15ull;
	uint64_t pos, end, mods_pos;
	unsigned n;

	if (cmdline == NULL)
		cmdline = "";
	n = build_mmap(ram_size, mmap);
	end = base + sizeof(info) + nmods * sizeof(struct mb_mod_entry) + n * sizeof(mmap[0]) +
	      strlen(cmdline) + 1 + sizeof(LOADER_NAME);
	for (unsigned i = 0; i < nmods; i++)
		end += strlen(mods[i].string) + 1;
	/* 0 is the failure value, so the structure cannot live at 0 either. */
	if (base == 0 || end > ram_size || end > UINT32_MAX)
		return 0;

	memset(&info, 0, sizeof(info));
	info.flags = MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME;
	info.mem_lower = MEMMAP_EBDA / 1024;
	info.mem_upper = ram_size > MEMMAP_HIGH ? (uint32_t)((ram_size - MEMMAP_HIGH) / 1024) : 0;
	pos = base + sizeof(info);
	mods_pos = pos;
	if (nmods) {
		info.flags |= MBI_FLAG_MODS;
		info.mods_count = nmods;
		info.mods_addr = (uint32_t)pos;
		pos += nmods * sizeof(struct mb_mod_entry);
	}
	info.mmap_addr = (uint32_t)pos;
	info.mmap_length = n * sizeof(mmap[0]);
	memcpy(ram + pos, mmap, info.mmap_length);
	pos += info.mmap_length;
	info.cmdline = put_string(ram, &pos, cmdline);
	info.boot_loader_name = put_string(ram, &pos, LOADER_NAME);
	for (unsigned i = 0; i < nmods; i++) {
		struct mb_mod_entry m = {mods[i].start, mods[i].end, 0, 0};
		m.string = put_string(ram, &pos, mods[i].string);
		memcpy(ram + mods_pos + i * sizeof(m), &m, sizeof(m));
	}
	memcpy(ram + base, &info, sizeof(info));
	return (uint32_t)base;
}
