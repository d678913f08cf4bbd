/* loader.h - put a kernel image into guest RAM (ELF multiboot v1 or flat binary). */
#ifndef BTVMM_LOADER_H
#define BTVMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "linux_boot.h"

enum kernel_kind { KERNEL_MULTIBOOT_ELF, KERNEL_FLAT, KERNEL_LINUX };

struct boot_info {
	enum kernel_kind kind;
	uint32_t entry;	   /* guest physical entry point (EIP) */
	uint32_t load_end; /* first guest physical byte after the image (page aligned up) */
	uint32_t mb_flags; /* multiboot header flags (multiboot only) */
	struct linux_kernel bzimage; /* KERNEL_LINUX: the bzImage's setup header */
};

/* Flat binaries (file name ending in .bin, or any file without ELF magic
 * that carries no multiboot header) load at FLAT_LOAD_ADDR and start
 * there in 32-bit protected mode. */
#define FLAT_LOAD_ADDR 0x100000u

/* A Linux bzImage's protected-mode part loads at LINUX_LOAD_ADDR; the
 * caller builds boot_params (bios/linux_boot.h). load_end then covers the
 * kernel's init_size, the memory it decompresses into. */

/* Loads the kernel at path into ram[0, ram_size). On failure returns -1 and
 * writes one line (no trailing newline) naming the problem into err, e.g.
 * "kernel 'x.elf': no multiboot header in the first 8192 bytes".
 * Errors: missing/unreadable file, empty or truncated file, ELF that is not
 * ELFCLASS32/EM_386/ET_EXEC, program headers past EOF or outside RAM, ELF
 * without a multiboot v1 header (magic 0x1BADB002, checksum) in its first
 * 8 KiB, multiboot header asking for video mode or unsupported required
 * flags (bits 0-15 other than 0,1,2 with 2 unsupported -> refuse if bit 2). */
int loader_load_kernel(const char *path, uint8_t *ram, uint64_t ram_size, struct boot_info *bi,
		       char *err, size_t errlen);

#endif
