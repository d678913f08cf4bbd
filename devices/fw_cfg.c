/* fw_cfg.c - QEMU's firmware configuration device (see fw_cfg.h).
 *
 * Items are byte strings selected by a 16-bit key; the data port returns
 * them a byte at a time from offset 0 after each selection, and zeros past
 * the end, for keys with no item and for keys out of range, as QEMU does.
 * Named files get keys from FW_CFG_FILE_FIRST in the order of their names
 * and are listed, big-endian, in the FW_CFG_FILE_DIR item. The DMA
 * interface takes the guest physical address of a 16-byte descriptor
 * (be32 control, be32 length, be64 address) and reaches guest memory only
 * through the callbacks it was given, which refuse anything not in RAM. */
#include "fw_cfg.h"

#include <string.h>

static const uint8_t dma_signature[8] = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | v << 24;
}

static struct fw_cfg_item *item_of(struct fw_cfg *f, uint16_t key)
{
	if ((key & FW_CFG_ENTRY_MASK) >= FW_CFG_MAX_KEY)
		return NULL;
	return &f->items[!!(key & FW_CFG_ARCH_LOCAL)][key & FW_CFG_ENTRY_MASK];
}

static const uint8_t *pool_copy(struct fw_cfg *f, const void *data, uint32_t len)
{
	if (len > FW_CFG_POOL - f->pool_used)
		return NULL;
	uint8_t *p = f->pool + f->pool_used;
	memcpy(p, data, len);
	f->pool_used += len;
	return p;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len)
{
	struct fw_cfg_item *it = item_of(f, key);
	if (!it || it->data)
		return -1;
	const uint8_t *p = pool_copy(f, data, len);
	if (!p)
		return -1;
	*it = (struct fw_cfg_item){p, len};
	return 0;
}

int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

static void rebuild_dir(struct fw_cfg *f)
{
	memset(f->dir, 0, sizeof(f->dir));
	put_be32(f->dir, f->nfiles);
	for (unsigned i = 0; i < f->nfiles; i++) {
		uint8_t *e = f->dir + 4 + 64 * i;
		put_be32(e, f->items[0][FW_CFG_FILE_FIRST + i].len);
		put_be16(e + 4, (uint16_t)(FW_CFG_FILE_FIRST + i));
		memcpy(e + 8, f->names[i], FW_CFG_NAME_MAX);
	}
	f->items[0][FW_CFG_FILE_DIR] = (struct fw_cfg_item){f->dir, 4 + 64 * f->nfiles};
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t len)
{
	size_t n = strlen(name);
	if (n == 0 || n >= FW_CFG_NAME_MAX || f->nfiles == FW_CFG_FILE_SLOTS)
		return -1;
	unsigned pos = 0;
	while (pos < f->nfiles && strcmp(f->names[pos], name) < 0)
		pos++;
	if (pos < f->nfiles && !strcmp(f->names[pos], name))
		return -1;
	const uint8_t *p = pool_copy(f, data, len);
	if (!p)
		return -1;
	struct fw_cfg_item *files = &f->items[0][FW_CFG_FILE_FIRST];
	memmove(&files[pos + 1], &files[pos], (f->nfiles - pos) * sizeof(*files));
	memmove(f->names[pos + 1], f->names[pos], (f->nfiles - pos) * sizeof(f->names[0]));
	files[pos] = (struct fw_cfg_item){p, len};
	memset(f->names[pos], 0, FW_CFG_NAME_MAX);
	memcpy(f->names[pos], name, n);
	f->nfiles++;
	rebuild_dir(f);
	return 0;
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->off = 0;
	f->cur = key;
	f->cur_valid = item_of(f, key) != NULL;
}

static const struct fw_cfg_item *selected(struct fw_cfg *f)
{
	if (!f->cur_valid)
		return NULL;
	const struct fw_cfg_item *it = item_of(f, f->cur);
	return it->data ? it : NULL;
}

uint8_t fw_cfg_read_byte(struct fw_cfg *f)
{
	const struct fw_cfg_item *it = selected(f);
	if (!it || f->off >= it->len)
		return 0;
	return it->data[f->off++];
}

/* ---- DMA ---- */

/* Zeros for a read past the end of an item, written a chunk at a time. */
static int dma_zero(struct fw_cfg *f, uint64_t gpa, uint32_t n)
{
	static const uint8_t zeros[256];
	while (n) {
		uint32_t k = n < sizeof(zeros) ? n : (uint32_t)sizeof(zeros);
		if (f->mem.write(f->mem.opaque, gpa, zeros, k))
			return -1;
		gpa += k;
		n -= k;
	}
	return 0;
}

/* One step of a transfer: returns the bytes done, or 0 with *err set. */
static uint32_t dma_step(struct fw_cfg *f, uint32_t ctl, uint64_t addr, uint32_t len, bool *err)
{
	const struct fw_cfg_item *it = selected(f);
	if (!it || f->off >= it->len) {
		/* nothing left: a read gets zeros, a write fails, a skip is done */
		if (ctl & FW_CFG_DMA_READ)
			*err = dma_zero(f, addr, len) != 0;
		else if (ctl & FW_CFG_DMA_WRITE)
			*err = true;
		return len;
	}
	uint32_t n = it->len - f->off < len ? it->len - f->off : len;
	if (ctl & FW_CFG_DMA_READ)
		*err = f->mem.write(f->mem.opaque, addr, it->data + f->off, n) != 0;
	else if (ctl & FW_CFG_DMA_WRITE)
		*err = true; /* every item is read-only */
	f->off += n;
	return n;
}

void fw_cfg_dma(struct fw_cfg *f, uint64_t gpa)
{
	uint8_t d[16], done[4];
	if (f->mem.read(f->mem.opaque, gpa, d, sizeof(d))) {
		put_be32(done, FW_CFG_DMA_ERROR);
		f->mem.write(f->mem.opaque, gpa, done, sizeof(done));
		return;
	}
	uint32_t ctl = get_be32(d), len = get_be32(d + 4);
	uint64_t addr = (uint64_t)get_be32(d + 8) << 32 | get_be32(d + 12);
	if (ctl & FW_CFG_DMA_SELECT)
		fw_cfg_select(f, (uint16_t)(ctl >> 16));
	if (!(ctl & (FW_CFG_DMA_READ | FW_CFG_DMA_WRITE | FW_CFG_DMA_SKIP)))
		len = 0;
	bool err = false;
	while (len && !err) {
		uint32_t n = dma_step(f, ctl, addr, len, &err);
		addr += n;
		len -= n;
	}
	put_be32(done, err ? FW_CFG_DMA_ERROR : 0);
	f->mem.write(f->mem.opaque, gpa, done, sizeof(done));
}

/* ---- ports ---- */

static uint32_t port_read(void *opaque, uint16_t port, int size)
{
	/* QEMU accepts only byte reads here, at either port */
	return size == 1 ? fw_cfg_read_byte(opaque) : (size == 2 ? 0xffffu : 0xffffffffu);
}

static void port_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	/* a 16-bit write at 0x510 selects (QEMU splits one at 0x511 into byte
	 * writes); byte writes were QEMU's old write channel and are ignored,
	 * as QEMU now does */
	if (size == 2 && port == FW_CFG_PORT_SEL)
		fw_cfg_select(opaque, (uint16_t)val);
}

static uint32_t dma_port_read(void *opaque, uint16_t port, int size)
{
	unsigned off = port - FW_CFG_PORT_DMA;
	uint32_t v = 0;
	for (int i = 0; i < size && off + i < sizeof(dma_signature); i++)
		v |= (uint32_t)dma_signature[off + i] << (8 * i);
	return v;
}

static void dma_port_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct fw_cfg *f = opaque;
	if (size != 4)
		return;
	/* the register is big-endian: the guest's first byte is the top one */
	if (port == FW_CFG_PORT_DMA) {
		f->dma_addr = (uint64_t)bswap32(val) << 32;
	} else if (port == FW_CFG_PORT_DMA + 4) {
		uint64_t gpa = f->dma_addr | bswap32(val);
		f->dma_addr = 0;
		fw_cfg_dma(f, gpa);
	}
}

int fw_cfg_init(struct fw_cfg *f, struct io_bus *bus, const struct fw_cfg_mem *mem)
{
	memset(f, 0, sizeof(*f));
	f->dma = mem != NULL;
	if (mem)
		f->mem = *mem;
	uint32_t id = FW_CFG_VERSION_TRADITIONAL | (f->dma ? FW_CFG_VERSION_DMA : 0);
	if (fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4) || fw_cfg_add_i32(f, FW_CFG_ID, id))
		return -1;
	rebuild_dir(f);
	fw_cfg_select(f, FW_CFG_SIGNATURE);
	if (iobus_register(bus, FW_CFG_PORT_SEL, 2, port_read, port_write, f, "fw_cfg"))
		return -1;
	if (f->dma &&
	    iobus_register(bus, FW_CFG_PORT_DMA, 8, dma_port_read, dma_port_write, f, "fw_cfg-dma"))
		return -1;
	return 0;
}
