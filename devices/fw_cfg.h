/* fw_cfg.h - QEMU's firmware configuration device, at the I/O ports QEMU's
 * PC has it: a 16-bit selector at 0x510, a byte-wide data port at 0x511 and
 * the DMA address register at 0x514-0x51b. Guests written for QEMU read the
 * CPU count, the RAM size and files such as etc/e820 from it. */
#ifndef BTVMM_FW_CFG_H
#define BTVMM_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"

#define FW_CFG_PORT_SEL 0x510  /* 16-bit selector (write); a byte read gives data */
#define FW_CFG_PORT_DATA 0x511 /* data, one byte per read */
#define FW_CFG_PORT_DMA 0x514  /* DMA address, big-endian: high dword, then low at 0x518 */

/* Item keys (QEMU's numbering) */
#define FW_CFG_SIGNATURE 0x00 /* "QEMU" */
#define FW_CFG_ID 0x01	      /* feature bits, FW_CFG_VERSION_* */
#define FW_CFG_RAM_SIZE 0x03  /* 64-bit little-endian */
#define FW_CFG_NB_CPUS 0x05   /* 16-bit */
#define FW_CFG_MAX_CPUS 0x0f  /* 16-bit */
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_ARCH_LOCAL 0x8000		     /* key bit: the x86-specific item set */
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL | 2) /* 32-bit: 1, IRQ 0 is IOAPIC pin 2 */
#define FW_CFG_ENTRY_MASK 0x3fff

#define FW_CFG_VERSION_TRADITIONAL 1u /* the selector/data ports */
#define FW_CFG_VERSION_DMA 2u	      /* the DMA interface */

#define FW_CFG_FILE_SLOTS 0x20 /* as QEMU's default: keys 0x20-0x3f are files */
#define FW_CFG_MAX_KEY (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)
#define FW_CFG_NAME_MAX 56 /* file names, with their terminating zero */
#define FW_CFG_POOL 8192   /* bytes for all item contents */

/* DMA control word bits (big-endian in the guest's FWCfgDmaAccess) */
#define FW_CFG_DMA_ERROR 0x01u
#define FW_CFG_DMA_READ 0x02u
#define FW_CFG_DMA_SKIP 0x04u
#define FW_CFG_DMA_SELECT 0x08u /* selector in bits 16-31 */
#define FW_CFG_DMA_WRITE 0x10u

/* How DMA reaches guest physical memory: 0, or -1 when [gpa, gpa+n) is
 * not all RAM (the transfer then fails with FW_CFG_DMA_ERROR). */
struct fw_cfg_mem {
	int (*read)(void *opaque, uint64_t gpa, void *buf, uint32_t n);
	int (*write)(void *opaque, uint64_t gpa, const void *buf, uint32_t n);
	void *opaque;
};

struct fw_cfg_item {
	const uint8_t *data; /* into pool; NULL: no such item (reads give zeros) */
	uint32_t len;
};

struct fw_cfg {
	struct fw_cfg_item items[2][FW_CFG_MAX_KEY]; /* [arch-local][key] */
	uint16_t cur;				     /* selected key */
	bool cur_valid;				     /* false: an out-of-range key */
	uint32_t off;				     /* next byte of the selected item */
	uint8_t pool[FW_CFG_POOL];		     /* item contents, bump-allocated */
	uint32_t pool_used;
	/* the file directory, rebuilt on every add: be32 count, then per file
	 * be32 size, be16 key, be16 0, name[56]; sorted by name as QEMU does */
	uint8_t dir[4 + 64 * FW_CFG_FILE_SLOTS];
	char names[FW_CFG_FILE_SLOTS][FW_CFG_NAME_MAX]; /* file i is key FILE_FIRST + i */
	unsigned nfiles;
	bool dma;	   /* the DMA interface is there */
	uint64_t dma_addr; /* being assembled from the two dword writes */
	struct fw_cfg_mem mem;
};

/* Registers the ports and adds the signature, ID and directory items.
 * mem NULL: no DMA (the ID says so and ports 0x514-0x51b are left free). */
int fw_cfg_init(struct fw_cfg *f, struct io_bus *bus, const struct fw_cfg_mem *mem);

/* Items are copied into the device. -1 if the key is taken, out of range,
 * or the pool is full. Integers are stored little-endian, as QEMU does. */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len);
int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v);
int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v);
/* A named file in the directory; keys follow the sorted names, so adding
 * a file renumbers those after it (as in QEMU, before the guest runs). */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t len);

/* The port handlers, for tests. */
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
uint8_t fw_cfg_read_byte(struct fw_cfg *f);
/* Run the transfer described at guest physical address gpa. */
void fw_cfg_dma(struct fw_cfg *f, uint64_t gpa);

#endif
