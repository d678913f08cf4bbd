/* boot_gdt.c - a GDT for multiboot guests. The multiboot spec leaves GDTR
 * undefined, but guests written against QEMU reload CS/DS with the
 * selectors they were started with (far returns, pushes of %cs), so the
 * table behind them must hold what those selectors promise. */
#include "boot_gdt.h"

#include <string.h>

int boot_gdt_build(uint8_t *ram, uint64_t ram_size)
{
	static const uint64_t gdt[4] = {
	    0, 0x00cf9b000000ffffull, /* 0x08: code, base 0, 4 GiB, accessed */
	    0x00cf9b000000ffffull,    /* 0x10: code */
	    0x00cf93000000ffffull,    /* 0x18: data, read/write */
	};
	if (ram_size < BOOT_GDT_ADDR + sizeof(gdt))
		return -1;
	memcpy(ram + BOOT_GDT_ADDR, gdt, sizeof(gdt));
	return 0;
}
