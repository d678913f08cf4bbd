/* boot_gdt.h - the GDT a multiboot loader leaves behind. */
#ifndef BTVMM_BOOT_GDT_H
#define BTVMM_BOOT_GDT_H

#include <stdint.h>

#define BOOT_GDT_ADDR 0xf0000u /* in the BIOS area the memory map reports reserved */
#define BOOT_GDT_LIMIT 0x1f
#define BOOT_CS 0x10
#define BOOT_DS 0x18

/* Writes a GDT with flat 4 GiB ring-0 segments: 0x08 and 0x10 code,
 * 0x18 data (QEMU's multiboot loader uses CS 0x10, DS 0x18). Returns 0, or
 * -1 if RAM does not reach BOOT_GDT_ADDR. */
int boot_gdt_build(uint8_t *ram, uint64_t ram_size);

#endif
