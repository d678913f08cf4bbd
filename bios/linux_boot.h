/* linux_boot.h - the Linux/x86 32-bit boot protocol (the kernel's
 * Documentation/x86/boot.rst and zero-page.rst): a bzImage's setup header,
 * and the boot_params ("zero page") a loader hands the protected-mode
 * kernel in %esi. */
#ifndef BTVMM_LINUX_BOOT_H
#define BTVMM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINUX_HDR_OFF 0x1f1	  /* the setup header, in the image and in boot_params */
#define LINUX_HDR_MAX 0x7f	  /* at most 0x202 + 0x7f - 0x1f1 bytes */
#define LINUX_LOAD_ADDR 0x100000u /* where a bzImage's protected-mode part goes */

/* What btvmm needs from a bzImage's setup header. */
struct linux_kernel {
	uint16_t version;      /* boot protocol, e.g. 0x020f */
	uint32_t setup_bytes;  /* real-mode part (boot sector included): skipped */
	uint32_t code32_start; /* 32-bit entry (normally LINUX_LOAD_ADDR) */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size; /* longest command line, without the NUL */
	uint32_t init_size;    /* memory the kernel needs from where it runs */
	uint64_t pref_address; /* where a relocatable kernel moves itself to run (2.10+) */
	uint32_t hdr_len;      /* bytes of setup header from LINUX_HDR_OFF */
	uint8_t hdr[LINUX_HDR_MAX + 0x202 - LINUX_HDR_OFF];
};

/* Whether buf looks like a bzImage (boot flag 0xAA55 and "HdrS"). */
bool linux_is_bzimage(const uint8_t *buf, size_t len);

/* Reads and checks the setup header: protocol 2.06 or later (the 32-bit
 * protocol with cmdline_size), a bzImage (LOADED_HIGH). Returns 0, or -1
 * with one line in err. */
int linux_parse(const uint8_t *buf, size_t len, struct linux_kernel *k, char *err, size_t errlen);

/* Writes boot_params at `at` (4 KiB, zeroed first): the image's setup
 * header with the loader's fields (type_of_loader 0xff, vid_mode normal,
 * the command line and initrd addresses), alt_mem_k, and an e820 map of
 * the PC layout of ram_size bytes. */
void linux_boot_params(uint8_t *ram, uint64_t ram_size, uint32_t at, const struct linux_kernel *k,
		       uint32_t cmdline_addr, uint32_t initrd_addr, uint32_t initrd_size);

#endif
