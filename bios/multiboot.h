/* multiboot.h - the multiboot v1 information structure a loader leaves in memory. */
#ifndef BTVMM_MULTIBOOT_H
#define BTVMM_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#define MB_BOOTLOADER_MAGIC 0x2BADB002u
#define MB_HEADER_MAGIC 0x1BADB002u

/* A boot module already in guest RAM at [start, end), and its string. */
struct mb_module {
	uint32_t start, end;
	const char *string;
};

/* Builds the multiboot info (flags: MEM, CMDLINE, MMAP, BOOT_LOADER_NAME,
 * and MODS when nmods > 0: the module list and the modules' strings)
 * in guest RAM starting at guest physical address at (16-byte aligned),
 * with mem_lower = 639 KiB, mem_upper = (ram_size - 1 MiB)/1K, a memory map
 * of [0, 0x9FC00) available, [0x9FC00, 0xA0000) reserved, [0xF0000, 0x100000)
 * reserved, [0x100000, ram_size) available; the command line (cmdline may be
 * NULL -> ""), and the loader name "btvmm". Returns the guest physical
 * address of the info structure, or 0 if it does not fit below ram_size. */
uint32_t mb_build_info(uint8_t *ram, uint64_t ram_size, uint32_t at, const char *cmdline,
		       const struct mb_module *mods, unsigned nmods);

#endif
