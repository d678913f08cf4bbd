/* linux_boot.c - the Linux/x86 32-bit boot protocol.
 *
 * A bzImage is a real-mode setup part (boot sector + setup_sects sectors)
 * and a protected-mode part (the decompressor with the compressed kernel).
 * A 16-bit loader runs the setup code, which asks the BIOS for the memory
 * map and so on; the 32-bit protocol skips it: the loader builds
 * boot_params itself, loads the protected-mode part at 1 MiB and jumps to
 * it in 32-bit protected mode with %esi = boot_params (boot.rst, "32-bit
 * boot protocol"). btvmm has no BIOS, so it uses this protocol. */
#include "linux_boot.h"

#include <stdio.h>
#include <string.h>

#include "le.h"
#include "memmap.h"

/* setup header fields, as offsets in the image / boot_params */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260

/* boot_params fields outside the header (zero-page.rst) */
#define BP_ALT_MEM_K 0x1e0
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_SIZE 0x1000

#define LOADED_HIGH 0x01 /* loadflags: the protected-mode part goes at 1 MiB */

bool linux_is_bzimage(const uint8_t *buf, size_t len)
{
	return len >= HDR_MAGIC + 4 && buf[HDR_BOOT_FLAG] == 0x55 &&
	       buf[HDR_BOOT_FLAG + 1] == 0xaa && !memcmp(buf + HDR_MAGIC, "HdrS", 4);
}

int linux_parse(const uint8_t *buf, size_t len, struct linux_kernel *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	if (!linux_is_bzimage(buf, len)) {
		snprintf(err, errlen, "not a Linux bzImage (no \"HdrS\" setup header)");
		return -1;
	}
	k->version = get_le16(buf + HDR_VERSION);
	if (k->version < 0x0206) {
		snprintf(err, errlen,
			 "Linux boot protocol %u.%02u is too old (btvmm's 32-bit entry needs 2.06)",
			 k->version >> 8, k->version & 0xff);
		return -1;
	}
	k->hdr_len = HDR_JUMP + 2 + buf[HDR_JUMP + 1] - LINUX_HDR_OFF;
	if (LINUX_HDR_OFF + k->hdr_len > len || HDR_INIT_SIZE + 4 > len) {
		snprintf(err, errlen, "truncated Linux setup header");
		return -1;
	}
	memcpy(k->hdr, buf + LINUX_HDR_OFF, k->hdr_len);
	if (!(buf[HDR_LOADFLAGS] & LOADED_HIGH)) {
		snprintf(err, errlen, "a zImage (loaded low): only bzImages are supported");
		return -1;
	}
	unsigned sects = buf[HDR_SETUP_SECTS] ? buf[HDR_SETUP_SECTS] : 4;
	k->setup_bytes = (sects + 1) * 512;
	if (k->setup_bytes >= len) {
		snprintf(err, errlen, "truncated bzImage: %zu bytes, setup alone is %u", len,
			 k->setup_bytes);
		return -1;
	}
	k->code32_start = get_le32(buf + HDR_CODE32_START);
	k->initrd_addr_max = get_le32(buf + HDR_INITRD_ADDR_MAX);
	k->cmdline_size = get_le32(buf + HDR_CMDLINE_SIZE);
	k->init_size = k->version >= 0x020a ? get_le32(buf + HDR_INIT_SIZE) : 0;
	k->pref_address = k->version >= 0x020a ? get_le64(buf + HDR_PREF_ADDRESS) : LINUX_LOAD_ADDR;
	return 0;
}

void linux_boot_params(uint8_t *ram, uint64_t ram_size, uint32_t at, const struct linux_kernel *k,
		       uint32_t cmdline_addr, uint32_t initrd_addr, uint32_t initrd_size)
{
	uint8_t *bp = ram + at;
	memset(bp, 0, BP_SIZE);
	memcpy(bp + LINUX_HDR_OFF, k->hdr, k->hdr_len);
	bp[HDR_VID_MODE] = 0xff; /* NORMAL_VGA: no mode change */
	bp[HDR_VID_MODE + 1] = 0xff;
	bp[HDR_TYPE_OF_LOADER] = 0xff; /* "undefined" loader: no registered ID */
	put_le32(bp + HDR_CMD_LINE_PTR, cmdline_addr);
	put_le32(bp + HDR_RAMDISK_IMAGE, initrd_addr);
	put_le32(bp + HDR_RAMDISK_SIZE, initrd_size);
	uint64_t above_1m = ram_size > MEMMAP_HIGH ? (ram_size - MEMMAP_HIGH) >> 10 : 0;
	put_le32(bp + BP_ALT_MEM_K, (uint32_t)above_1m);
	struct mem_range r[MEMMAP_MAX];
	unsigned n = memmap_pc(ram_size, r);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + 20 * i;
		put_le64(e, r[i].base);
		put_le64(e + 8, r[i].length);
		put_le32(e + 16, r[i].type);
	}
	bp[BP_E820_ENTRIES] = (uint8_t)n;
}
