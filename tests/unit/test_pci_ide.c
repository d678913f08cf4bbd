/*
 * test_pci_ide.c - unit tests for PCI configuration mechanism #1 with the
 * i440FX/PIIX3 functions, and for the legacy IDE channel.
 *
 * Both devices are driven through the port-I/O bus exactly as a guest
 * would (iobus_in / iobus_out). The disk is a temporary image file that
 * the tests fill with a pattern naming each sector, so every sector read
 * through the data port can be checked against the file, and every sector
 * written can be checked with pread. The LBA48 test uses a sparse file of
 * more than 2^28 sectors (128 GiB), which costs only the blocks written.
 * A fake interrupt line records every level IRQ 14 is driven to.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iobus.h"
#include "irq.h"
#include "pci.h"
#include "ide.h"

/* ---- port helpers ---- */

static uint8_t inb(struct io_bus *b, uint16_t port)
{
	return (uint8_t)iobus_in(b, port, 1);
}

static uint16_t inw(struct io_bus *b, uint16_t port)
{
	return (uint16_t)iobus_in(b, port, 2);
}

static uint32_t inl(struct io_bus *b, uint16_t port)
{
	return iobus_in(b, port, 4);
}

static void outb(struct io_bus *b, uint16_t port, uint8_t v)
{
	iobus_out(b, port, 1, v);
}

static void outw(struct io_bus *b, uint16_t port, uint16_t v)
{
	iobus_out(b, port, 2, v);
}

static void outl(struct io_bus *b, uint16_t port, uint32_t v)
{
	iobus_out(b, port, 4, v);
}

/* ---- PCI ---- */

struct pci_rig {
	struct io_bus bus;
	struct pci_bus pci;
};

static void pci_rig_init(struct pci_rig *r)
{
	iobus_init(&r->bus);
	ck_assert_int_eq(pci_init(&r->pci, &r->bus), 0);
}

static uint32_t cfg_addr(int bus, int dev, int fn, int off)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc);
}

/* A config read as a guest does it: select the dword, access 0xCFC + n. */
static uint32_t cfg_read(struct pci_rig *r, int dev, int fn, int off, int size)
{
	outl(&r->bus, 0xcf8, cfg_addr(0, dev, fn, off));
	return iobus_in(&r->bus, 0xcfc + (off & 3), size);
}

static void cfg_write(struct pci_rig *r, int dev, int fn, int off, int size, uint32_t v)
{
	outl(&r->bus, 0xcf8, cfg_addr(0, dev, fn, off));
	iobus_out(&r->bus, 0xcfc + (off & 3), size, v);
}

START_TEST(test_pci_ids)
{
	static const struct {
		int dev, fn;
		uint32_t id, class_rev, header;
	} want[] = {
	    {0, 0, 0x12378086, 0x06000002, 0x00}, /* i440FX host bridge */
	    {1, 0, 0x70008086, 0x06010000, 0x80}, /* PIIX3 ISA, multifunction */
	    {1, 1, 0x70108086, 0x01018000, 0x00}, /* PIIX3 IDE, prog-if 0x80 */
	};
	struct pci_rig r;
	size_t i;

	pci_rig_init(&r);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_uint_eq(cfg_read(&r, want[i].dev, want[i].fn, 0x00, 4), want[i].id);
		ck_assert_uint_eq(cfg_read(&r, want[i].dev, want[i].fn, 0x08, 4),
				  want[i].class_rev);
		ck_assert_uint_eq(cfg_read(&r, want[i].dev, want[i].fn, 0x0e, 1), want[i].header);
	}
	/* IDE channel enables: primary decoded (IDETIM bit 15), secondary not */
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x40, 2), 0x8000);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x42, 2), 0x0000);
	/* PIIX3 PIRQ routing starts disabled */
	ck_assert_uint_eq(cfg_read(&r, 1, 0, 0x60, 4), 0x80808080);
	/* BAR4 (bus-master DMA) is not implemented */
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x20, 4), 0);
}
END_TEST

START_TEST(test_pci_absent)
{
	struct pci_rig r;

	pci_rig_init(&r);
	ck_assert_uint_eq(cfg_read(&r, 2, 0, 0x00, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_read(&r, 0, 1, 0x00, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_read(&r, 31, 7, 0x00, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_read(&r, 2, 0, 0x02, 2), 0xffff);
	ck_assert_uint_eq(cfg_read(&r, 2, 0, 0x0b, 1), 0xff);
	/* another bus */
	outl(&r.bus, 0xcf8, cfg_addr(1, 0, 0, 0));
	ck_assert_uint_eq(inl(&r.bus, 0xcfc), 0xffffffff);
	/* enable bit clear: CONFIG_DATA is not decoded */
	outl(&r.bus, 0xcf8, cfg_addr(0, 0, 0, 0) & ~0x80000000u);
	ck_assert_uint_eq(inl(&r.bus, 0xcfc), 0xffffffff);
	/* writes to an absent function go nowhere and break nothing */
	cfg_write(&r, 2, 0, 0x04, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_read(&r, 2, 0, 0x00, 4), 0xffffffff);
}
END_TEST

START_TEST(test_pci_config_address)
{
	struct pci_rig r;

	pci_rig_init(&r);
	/* the probe Linux's pci_check_type1() does */
	outb(&r.bus, 0xcfb, 0x01);
	outl(&r.bus, 0xcf8, 0x80000000);
	ck_assert_uint_eq(inl(&r.bus, 0xcf8), 0x80000000);
	/* reserved bits 30:24 and 1:0 read as zero */
	outl(&r.bus, 0xcf8, 0xffffffff);
	ck_assert_uint_eq(inl(&r.bus, 0xcf8), 0x80fffffc);
	/* narrow accesses to 0xCF8 are plain I/O: they neither read nor set it */
	outl(&r.bus, 0xcf8, 0x80000800);
	outw(&r.bus, 0xcf8, 0x1234);
	outb(&r.bus, 0xcf8, 0x56);
	ck_assert_uint_eq(inw(&r.bus, 0xcf8), 0xffff);
	ck_assert_uint_eq(inb(&r.bus, 0xcf8), 0xff);
	ck_assert_uint_eq(inl(&r.bus, 0xcf8), 0x80000800);
	/* 0xCF9 (PIIX3 reset control) is left for another device */
	ck_assert_int_eq(iobus_register(&r.bus, 0xcf9, 1, NULL, NULL, NULL, "rcr"), 0);
}
END_TEST

START_TEST(test_pci_narrow_data)
{
	struct pci_rig r;

	pci_rig_init(&r);
	/* dword 0 of 00:01.1 is 7010:8086; CONFIG_DATA port picks the byte */
	outl(&r.bus, 0xcf8, cfg_addr(0, 1, 1, 0x00));
	ck_assert_uint_eq(inb(&r.bus, 0xcfc), 0x86);
	ck_assert_uint_eq(inb(&r.bus, 0xcfd), 0x80);
	ck_assert_uint_eq(inb(&r.bus, 0xcfe), 0x10);
	ck_assert_uint_eq(inb(&r.bus, 0xcff), 0x70);
	ck_assert_uint_eq(inw(&r.bus, 0xcfc), 0x8086);
	ck_assert_uint_eq(inw(&r.bus, 0xcfe), 0x7010);
	ck_assert_uint_eq(inw(&r.bus, 0xcfd), 0x1080); /* unaligned: bytes 1-2 */
	/* dword 2: revision, prog-if, subclass, class */
	outl(&r.bus, 0xcf8, cfg_addr(0, 1, 1, 0x08));
	ck_assert_uint_eq(inb(&r.bus, 0xcfd), 0x80);
	ck_assert_uint_eq(inw(&r.bus, 0xcfe), 0x0101);
	ck_assert_uint_eq(inb(&r.bus, 0xcff), 0x01);
	/* a byte write at 0xCFD lands in byte 1 only */
	outl(&r.bus, 0xcf8, cfg_addr(0, 0, 0, 0x0c));
	outb(&r.bus, 0xcfd, 0x40); /* latency timer */
	ck_assert_uint_eq(inl(&r.bus, 0xcfc), 0x00004000);
	outb(&r.bus, 0xcfc, 0x08); /* cache line size */
	ck_assert_uint_eq(inl(&r.bus, 0xcfc), 0x00004008);
	/* a dword read at the last dword, started at 0xCFD, runs off the end */
	outl(&r.bus, 0xcf8, cfg_addr(0, 1, 1, 0xfc));
	ck_assert_uint_eq(inl(&r.bus, 0xcfd), 0xff000000);
}
END_TEST

START_TEST(test_pci_write_masks)
{
	struct pci_rig r;
	struct pci_func *f;

	pci_rig_init(&r);
	/* IDs, class and header type are read-only */
	cfg_write(&r, 1, 1, 0x00, 4, 0);
	cfg_write(&r, 1, 1, 0x08, 4, 0);
	cfg_write(&r, 1, 0, 0x0c, 4, 0);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x00, 4), 0x70108086);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x08, 4), 0x01018000);
	ck_assert_uint_eq(cfg_read(&r, 1, 0, 0x0e, 1), 0x80);
	/* command: only the defined control bits stick */
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x04, 2), 0x0000);
	cfg_write(&r, 1, 1, 0x04, 2, 0xffff);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x04, 2), 0x0547);
	cfg_write(&r, 1, 1, 0x04, 2, 0x0001);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x04, 2), 0x0001);
	/* status: read-only, error bits cleared by writing one */
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x06, 2), 0x0280);
	f = pci_find(&r.pci, 1, 1);
	ck_assert_ptr_nonnull(f);
	f->config[0x07] |= 0x20; /* received master abort */
	cfg_write(&r, 1, 1, 0x06, 2, 0x0000);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x06, 2), 0x2280);
	cfg_write(&r, 1, 1, 0x06, 2, 0x2000);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x06, 2), 0x0280);
	/* unimplemented BARs read 0 even after sizing writes */
	cfg_write(&r, 1, 1, 0x10, 4, 0xffffffff);
	cfg_write(&r, 1, 1, 0x20, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x10, 4), 0);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x20, 4), 0);
	/* interrupt line is writable, pin and min/max latency are not */
	cfg_write(&r, 1, 1, 0x3c, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x3c, 4), 0x000000ff);
	cfg_write(&r, 1, 1, 0x3c, 1, 14);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x3c, 1), 14);
	/* latency timer writable */
	cfg_write(&r, 1, 1, 0x0d, 1, 0x20);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x0d, 1), 0x20);
	/* device-specific registers are storage (IDE timing, PAM, PIRQ) */
	cfg_write(&r, 1, 1, 0x42, 2, 0x8000);
	ck_assert_uint_eq(cfg_read(&r, 1, 1, 0x42, 2), 0x8000);
	cfg_write(&r, 0, 0, 0x59, 1, 0x30);
	ck_assert_uint_eq(cfg_read(&r, 0, 0, 0x59, 1), 0x30);
	cfg_write(&r, 1, 0, 0x60, 1, 0x0b);
	ck_assert_uint_eq(cfg_read(&r, 1, 0, 0x60, 4), 0x8080800b);
}
END_TEST

struct hook_log {
	int calls, off, size;
	uint32_t val;
};

static void hook_write(void *opaque, struct pci_func *f, int off, int size, uint32_t val)
{
	struct hook_log *l = opaque;

	l->calls++;
	l->off = off;
	l->size = size;
	l->val = val;
}

static const struct pci_dev_ops hook_ops = {.write = hook_write};

START_TEST(test_pci_add_device_and_bar)
{
	struct hook_log log = {0};
	struct pci_dev_desc desc = {
	    .vendor_id = 0x1234,
	    .device_id = 0x5678,
	    .class_code = 0xff,
	    .irq_pin = 1,
	    .ops = &hook_ops,
	    .opaque = &log,
	};
	struct pci_rig r;
	struct pci_func *f;

	pci_rig_init(&r);
	ck_assert_int_eq(pci_add_device(&r.pci, 3, 0, &desc), 0);
	ck_assert_int_eq(pci_add_device(&r.pci, 3, 0, &desc), -1); /* taken */
	ck_assert_int_eq(pci_add_device(&r.pci, 0, 0, &desc), -1);
	ck_assert_int_eq(pci_add_device(&r.pci, 32, 0, &desc), -1);
	ck_assert_int_eq(pci_add_device(&r.pci, 4, 8, &desc), -1);
	ck_assert_int_eq(pci_add_device(&r.pci, -1, 0, &desc), -1);
	ck_assert_uint_eq(cfg_read(&r, 3, 0, 0x00, 4), 0x56781234);
	ck_assert_uint_eq(cfg_read(&r, 3, 0, 0x3d, 1), 1);
	f = pci_find(&r.pci, 3, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(pci_find(&r.pci, 3, 1));
	ck_assert_int_eq(pci_set_io_bar(f, 0, 16, 0xc000), 0);
	ck_assert_int_eq(pci_set_io_bar(f, 6, 16, 0xc000), -1);
	ck_assert_int_eq(pci_set_io_bar(f, 1, 24, 0xc000), -1);
	ck_assert_uint_eq(cfg_read(&r, 3, 0, 0x10, 4), 0xc001);
	/* sizing: all ones read back as ~(size - 1) with the I/O bit */
	cfg_write(&r, 3, 0, 0x10, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_read(&r, 3, 0, 0x10, 4), 0xfffffff1);
	cfg_write(&r, 3, 0, 0x10, 4, 0xd04f);
	ck_assert_uint_eq(cfg_read(&r, 3, 0, 0x10, 4), 0xd041);
	/* the device hears about writes, after the mask is applied */
	ck_assert_int_eq(log.calls, 2);
	ck_assert_int_eq(log.off, 0x10);
	ck_assert_int_eq(log.size, 4);
	ck_assert_uint_eq(log.val, 0xd04f);
	/* the port range is taken once */
	ck_assert_int_eq(pci_init(&(struct pci_bus){0}, &r.bus), -1);
}
END_TEST

/* ---- IDE ---- */

#define P_DATA 0x1f0
#define P_ERROR 0x1f1
#define P_FEATURE 0x1f1
#define P_NSECT 0x1f2
#define P_LBAL 0x1f3
#define P_LBAM 0x1f4
#define P_LBAH 0x1f5
#define P_SELECT 0x1f6
#define P_STATUS 0x1f7
#define P_CMD 0x1f7
#define P_CTL 0x3f6

#define ST_READY 0x50 /* DRDY | DSC */
#define ST_DATA 0x58  /* DRDY | DSC | DRQ */
#define ST_FAIL 0x41  /* DRDY | ERR */

#define SECT 512

struct fake_irq {
	int level;
	int n; /* level changes */
	int history[256];
};

static void fake_irq_set(void *opaque, int irq, int level)
{
	struct fake_irq *f = opaque;

	ck_assert_int_eq(irq, 14);
	f->level = level;
	if (f->n < (int)(sizeof(f->history) / sizeof(f->history[0])))
		f->history[f->n] = level;
	f->n++;
}

struct rig {
	struct io_bus bus;
	struct ide ide;
	struct fake_irq irq;
	int fd;
	uint64_t sectors;
};

/* Sector lba of the test image: its number, then a pattern of it. */
static void pattern(uint8_t *buf, uint64_t lba)
{
	int i;

	for (i = 0; i < SECT; i++)
		buf[i] = (uint8_t)(lba * 13 + i * 7 + (lba >> 8));
	memcpy(buf, &lba, sizeof(lba));
}

static int temp_image(uint64_t size)
{
	const char *dir = getenv("TMPDIR");
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/btvmm-ide-XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static void write_pattern(int fd, uint64_t lba, uint32_t n)
{
	uint8_t buf[SECT];
	uint32_t i;

	for (i = 0; i < n; i++) {
		pattern(buf, lba + i);
		ck_assert_int_eq(pwrite(fd, buf, SECT, (off_t)((lba + i) * SECT)), SECT);
	}
}

/* An IDE channel on a fresh bus with a disk of size_bytes, the first
 * min(sectors, 4096) sectors filled with the pattern. */
static void rig_init(struct rig *r, uint64_t size_bytes, bool readonly)
{
	char err[128];
	struct irq_line line;

	memset(&r->irq, 0, sizeof(r->irq));
	line = (struct irq_line){.set = fake_irq_set, .opaque = &r->irq, .irq = 14};
	iobus_init(&r->bus);
	ck_assert_int_eq(ide_init(&r->ide, &r->bus, line), 0);
	r->fd = temp_image(size_bytes);
	r->sectors = size_bytes / SECT;
	write_pattern(r->fd, 0, r->sectors < 4096 ? (uint32_t)r->sectors : 4096);
	ck_assert_int_eq(ide_attach(&r->ide, r->fd, size_bytes, readonly, err, sizeof(err)), 0);
}

static void rig_done(struct rig *r)
{
	close(r->fd);
}

static void set_lba28(struct rig *r, uint32_t lba, uint8_t count)
{
	outb(&r->bus, P_SELECT, 0xe0 | ((lba >> 24) & 0x0f));
	outb(&r->bus, P_NSECT, count);
	outb(&r->bus, P_LBAL, (uint8_t)lba);
	outb(&r->bus, P_LBAM, (uint8_t)(lba >> 8));
	outb(&r->bus, P_LBAH, (uint8_t)(lba >> 16));
}

/* Each register written twice, high-order byte first. */
static void set_lba48(struct rig *r, uint64_t lba, uint16_t count)
{
	outb(&r->bus, P_SELECT, 0x40);
	outb(&r->bus, P_NSECT, (uint8_t)(count >> 8));
	outb(&r->bus, P_NSECT, (uint8_t)count);
	outb(&r->bus, P_LBAL, (uint8_t)(lba >> 24));
	outb(&r->bus, P_LBAL, (uint8_t)lba);
	outb(&r->bus, P_LBAM, (uint8_t)(lba >> 32));
	outb(&r->bus, P_LBAM, (uint8_t)(lba >> 8));
	outb(&r->bus, P_LBAH, (uint8_t)(lba >> 40));
	outb(&r->bus, P_LBAH, (uint8_t)(lba >> 16));
}

static void read_data(struct rig *r, uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 2) {
		uint16_t w = inw(&r->bus, P_DATA);

		buf[i] = (uint8_t)w;
		buf[i + 1] = (uint8_t)(w >> 8);
	}
}

static void write_data(struct rig *r, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 2)
		outw(&r->bus, P_DATA, (uint16_t)(buf[i] | buf[i + 1] << 8));
}

/* Status must be want; reading it (not the alternate) acknowledges. */
static void expect_status(struct rig *r, uint8_t want)
{
	ck_assert_uint_eq(inb(&r->bus, P_CTL), want);
	ck_assert_uint_eq(inb(&r->bus, P_STATUS), want);
	ck_assert_int_eq(r->irq.level, 0);
}

/* A data-in block is announced by DRQ and an interrupt. */
static void expect_data_irq(struct rig *r)
{
	ck_assert_int_eq(r->irq.level, 1);
	expect_status(r, ST_DATA);
}

static void expect_error(struct rig *r, uint8_t err)
{
	ck_assert_int_eq(r->irq.level, 1);
	expect_status(r, ST_FAIL);
	ck_assert_uint_eq(inb(&r->bus, P_ERROR), err);
}

static void file_sector(struct rig *r, uint64_t lba, uint8_t *buf)
{
	ck_assert_int_eq(pread(r->fd, buf, SECT, (off_t)(lba * SECT)), SECT);
}

/* Reads n sectors of a READ SECTORS-style command, one block each. */
static void read_and_check(struct rig *r, uint64_t lba, uint32_t n)
{
	uint8_t got[SECT], want[SECT];
	uint32_t i;

	for (i = 0; i < n; i++) {
		expect_data_irq(r);
		read_data(r, got, SECT);
		pattern(want, lba + i);
		ck_assert_mem_eq(got, want, SECT);
	}
}

static void identify(struct rig *r, uint16_t *id)
{
	int i;

	outb(&r->bus, P_CMD, 0xec);
	expect_data_irq(r);
	for (i = 0; i < 256; i++)
		id[i] = inw(&r->bus, P_DATA);
	expect_status(r, ST_READY);
}

START_TEST(test_ide_identify)
{
	struct rig r;
	uint16_t id[256];
	uint8_t raw[512], sum = 0;
	char model[41];
	int i;

	rig_init(&r, 5000 * SECT + 100, false); /* the partial sector is ignored */
	identify(&r, id);
	ck_assert_uint_eq(id[0], 0x0040);
	/* ATA strings: first character in the high byte of each word */
	ck_assert_uint_eq(id[27], 'B' << 8 | 'T');
	for (i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = '\0';
	ck_assert_str_eq(model, "BTVMM HARDDISK                          ");
	/* so the bytes as they come off the data port are swapped */
	memcpy(raw, id, sizeof(raw));
	ck_assert_int_eq(memcmp(raw + 54, "TBMV MAHDRIDKS", 14), 0);
	ck_assert_uint_ne(id[10], 0x2020); /* a serial number */
	ck_assert_uint_ne(id[23], 0x2020); /* a firmware revision */
	ck_assert_uint_eq(id[1], 4);	   /* 5000 / (16 * 63) cylinders */
	ck_assert_uint_eq(id[3], 16);
	ck_assert_uint_eq(id[6], 63);
	ck_assert_uint_eq(id[47], 0x8010);
	ck_assert_uint_eq(id[49] & 0x0200, 0x0200); /* LBA */
	ck_assert_uint_eq(id[59], 0);		    /* multiple mode off */
	ck_assert_uint_eq(id[60] | (uint32_t)id[61] << 16, 5000);
	ck_assert_uint_eq(id[83] & 0x0400, 0x0400); /* 48-bit address */
	ck_assert_uint_eq(id[86] & 0x0400, 0x0400);
	ck_assert_uint_eq(id[100], 5000);
	ck_assert_uint_eq(id[101] | id[102] | id[103], 0);
	/* integrity word: signature A5h, all bytes sum to zero */
	ck_assert_uint_eq(id[255] & 0xff, 0xa5);
	for (i = 0; i < 512; i++)
		sum += raw[i];
	ck_assert_uint_eq(sum, 0);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_lba28_read)
{
	struct rig r;

	rig_init(&r, 4096 * SECT, false);
	set_lba28(&r, 10, 3);
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 10, 3);
	/* no interrupt after the last data-in block */
	ck_assert_int_eq(r.irq.level, 0);
	expect_status(&r, ST_READY);
	/* the task file is left at the next sector, count exhausted */
	ck_assert_uint_eq(inb(&r.bus, P_NSECT), 0);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 13);
	/* 0x21 is the same command; a high LBA nibble in the device register */
	set_lba28(&r, 0x0000fff, 1);
	outb(&r.bus, P_CMD, 0x21);
	read_and_check(&r, 0xfff, 1);
	/* reads past the data ready return 0, the transfer is over */
	ck_assert_uint_eq(inw(&r.bus, P_DATA), 0);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_lba28_write)
{
	struct rig r;
	uint8_t buf[SECT], back[SECT];
	int i;

	rig_init(&r, 4096 * SECT, false);
	set_lba28(&r, 100, 3);
	outb(&r.bus, P_CMD, 0x30);
	/* the first block is asked for at once, without an interrupt */
	ck_assert_int_eq(r.irq.n, 0);
	expect_status(&r, ST_DATA);
	for (i = 0; i < 3; i++) {
		pattern(buf, 7000 + i);
		write_data(&r, buf, SECT);
		ck_assert_int_eq(r.irq.level, 1);
		expect_status(&r, i < 2 ? ST_DATA : ST_READY);
		file_sector(&r, 100 + i, back);
		ck_assert_mem_eq(back, buf, SECT);
	}
	/* neighbours untouched */
	file_sector(&r, 99, back);
	pattern(buf, 99);
	ck_assert_mem_eq(back, buf, SECT);
	file_sector(&r, 103, back);
	pattern(buf, 103);
	ck_assert_mem_eq(back, buf, SECT);
	/* and it reads back through the device, with 32-bit data accesses */
	set_lba28(&r, 101, 1);
	outb(&r.bus, P_CMD, 0x20);
	expect_data_irq(&r);
	for (i = 0; i < SECT; i += 4) {
		uint32_t v = inl(&r.bus, P_DATA);

		memcpy(back + i, &v, 4);
	}
	pattern(buf, 7001);
	ck_assert_mem_eq(back, buf, SECT);
	expect_status(&r, ST_READY);
	/* count 0 means 256 sectors */
	set_lba28(&r, 0, 0);
	outb(&r.bus, P_CMD, 0x30);
	pattern(buf, 1);
	for (i = 0; i < 256; i++) {
		for (int j = 0; j < SECT; j += 4)
			outl(&r.bus, P_DATA,
			     buf[j] | buf[j + 1] << 8 | buf[j + 2] << 16 |
				 (uint32_t)buf[j + 3] << 24);
		expect_status(&r, i < 255 ? ST_DATA : ST_READY);
	}
	file_sector(&r, 255, back);
	ck_assert_mem_eq(back, buf, SECT);
	file_sector(&r, 256, back);
	pattern(buf, 256);
	ck_assert_mem_eq(back, buf, SECT);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_lba48)
{
	const uint64_t total = (1ull << 28) + 64;
	const uint64_t lba = (1ull << 28) + 5;
	struct rig r;
	uint16_t id[256];
	uint8_t buf[SECT], back[SECT];
	int i;

	rig_init(&r, total * SECT, false);
	identify(&r, id);
	ck_assert_uint_eq(id[60] | (uint32_t)id[61] << 16, 0x0fffffff);
	ck_assert_uint_eq(id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32 |
			      (uint64_t)id[103] << 48,
			  total);
	/* the HOB bit of device control reads the first-written bytes */
	set_lba48(&r, 0x123456789abcull, 0x0102);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 0xbc);
	outb(&r.bus, P_CTL, 0x80);
	ck_assert_uint_eq(inb(&r.bus, P_NSECT), 0x01);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 0x56);
	ck_assert_uint_eq(inb(&r.bus, P_LBAM), 0x34);
	ck_assert_uint_eq(inb(&r.bus, P_LBAH), 0x12);
	/* ... until any command block register is written */
	outb(&r.bus, P_FEATURE, 0);
	ck_assert_uint_eq(inb(&r.bus, P_NSECT), 0x02);
	ck_assert_uint_eq(inb(&r.bus, P_LBAH), 0x78);

	/* WRITE SECTORS EXT beyond what 28 bits can address */
	set_lba48(&r, lba, 2);
	outb(&r.bus, P_CMD, 0x34);
	expect_status(&r, ST_DATA);
	for (i = 0; i < 2; i++) {
		pattern(buf, lba + i);
		write_data(&r, buf, SECT);
		ck_assert_int_eq(r.irq.level, 1);
		expect_status(&r, i == 0 ? ST_DATA : ST_READY);
	}
	for (i = 0; i < 2; i++) {
		file_sector(&r, lba + i, back);
		pattern(buf, lba + i);
		ck_assert_mem_eq(back, buf, SECT);
	}
	/* the task file holds the next LBA, high bytes behind HOB */
	outb(&r.bus, P_CTL, 0x80);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 0x10);
	outb(&r.bus, P_CTL, 0x00);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 0x07);
	/* READ SECTORS EXT gets the same sectors back */
	set_lba48(&r, lba, 2);
	outb(&r.bus, P_CMD, 0x24);
	read_and_check(&r, lba, 2);
	expect_status(&r, ST_READY);
	/* the same address under LBA28 is the low 28 bits: sector 5 */
	set_lba28(&r, (uint32_t)lba, 1);
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 5, 1);
	/* the last sector is reachable, one more is not */
	write_pattern(r.fd, total - 1, 1);
	set_lba48(&r, total - 1, 1);
	outb(&r.bus, P_CMD, 0x24);
	read_and_check(&r, total - 1, 1);
	set_lba48(&r, total - 1, 2);
	outb(&r.bus, P_CMD, 0x24);
	expect_error(&r, 0x10);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_multiple)
{
	struct rig r;
	uint16_t id[256];
	uint8_t buf[4 * SECT], back[SECT];
	int raises, i, b;

	rig_init(&r, 4096 * SECT, false);
	/* READ/WRITE MULTIPLE abort until SET MULTIPLE MODE */
	set_lba28(&r, 0, 4);
	outb(&r.bus, P_CMD, 0xc4);
	expect_error(&r, 0x04);
	/* only powers of two up to 16 */
	outb(&r.bus, P_NSECT, 3);
	outb(&r.bus, P_CMD, 0xc6);
	expect_error(&r, 0x04);
	outb(&r.bus, P_NSECT, 32);
	outb(&r.bus, P_CMD, 0xc6);
	expect_error(&r, 0x04);
	outb(&r.bus, P_NSECT, 4);
	outb(&r.bus, P_CMD, 0xc6);
	ck_assert_int_eq(r.irq.level, 1);
	expect_status(&r, ST_READY);
	identify(&r, id);
	ck_assert_uint_eq(id[59], 0x0104);

	/* WRITE MULTIPLE of 10 sectors: blocks of 4, 4, 2, one interrupt each */
	set_lba28(&r, 200, 10);
	outb(&r.bus, P_CMD, 0xc5);
	expect_status(&r, ST_DATA);
	raises = r.irq.n;
	for (b = 0; b < 3; b++) {
		int n = b < 2 ? 4 : 2;

		for (i = 0; i < n; i++)
			pattern(buf + i * SECT, 9000 + b * 4 + i);
		write_data(&r, buf, (size_t)n * SECT);
		ck_assert_int_eq(r.irq.level, 1);
		expect_status(&r, b < 2 ? ST_DATA : ST_READY);
	}
	ck_assert_int_eq(r.irq.n - raises, 6); /* three up, three down */
	for (i = 0; i < 10; i++) {
		file_sector(&r, 200 + i, back);
		pattern(buf, 9000 + i);
		ck_assert_mem_eq(back, buf, SECT);
	}
	/* READ MULTIPLE of 10 sectors: DRQ blocks of 4, 4, 2 */
	write_pattern(r.fd, 200, 10);
	set_lba28(&r, 200, 10);
	outb(&r.bus, P_CMD, 0xc4);
	for (b = 0; b < 3; b++) {
		int n = b < 2 ? 4 : 2;

		expect_data_irq(&r);
		read_data(&r, buf, (size_t)n * SECT);
		for (i = 0; i < n; i++) {
			pattern(back, 200 + b * 4 + i);
			ck_assert_mem_eq(buf + i * SECT, back, SECT);
		}
	}
	ck_assert_int_eq(r.irq.level, 0);
	expect_status(&r, ST_READY);
	/* the EXT forms */
	set_lba48(&r, 300, 5);
	outb(&r.bus, P_CMD, 0x39);
	for (b = 0; b < 2; b++) {
		int n = b < 1 ? 4 : 1;

		for (i = 0; i < n; i++)
			pattern(buf + i * SECT, 20300 + b * 4 + i);
		write_data(&r, buf, (size_t)n * SECT);
		expect_status(&r, b < 1 ? ST_DATA : ST_READY);
	}
	set_lba48(&r, 300, 5);
	outb(&r.bus, P_CMD, 0x29);
	expect_data_irq(&r);
	read_data(&r, buf, 4 * SECT);
	pattern(back, 20303);
	ck_assert_mem_eq(buf + 3 * SECT, back, SECT);
	expect_data_irq(&r);
	read_data(&r, buf, SECT);
	pattern(back, 20304);
	ck_assert_mem_eq(buf, back, SECT);
	expect_status(&r, ST_READY);
	/* count 0 turns multiple mode off again */
	outb(&r.bus, P_NSECT, 0);
	outb(&r.bus, P_CMD, 0xc6);
	expect_status(&r, ST_READY);
	set_lba28(&r, 0, 1);
	outb(&r.bus, P_CMD, 0xc4);
	expect_error(&r, 0x04);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_irq_sequence)
{
	struct rig r;
	uint8_t buf[SECT];

	rig_init(&r, 64 * SECT, false);
	ck_assert_int_eq(r.irq.n, 0);
	/* a non-data command interrupts at completion */
	outb(&r.bus, P_FEATURE, 0x03);
	outb(&r.bus, P_NSECT, 0x0c);
	outb(&r.bus, P_CMD, 0xef);
	ck_assert_int_eq(r.irq.n, 1);
	ck_assert_int_eq(r.irq.level, 1);
	/* the alternate status does not acknowledge, status does */
	ck_assert_uint_eq(inb(&r.bus, P_CTL), ST_READY);
	ck_assert_int_eq(r.irq.level, 1);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_READY);
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_int_eq(r.irq.n, 2);
	/* writing a command clears a request nobody acknowledged */
	outb(&r.bus, P_CMD, 0xe7);
	ck_assert_int_eq(r.irq.level, 1);
	outb(&r.bus, P_CMD, 0x10);
	ck_assert_int_eq(r.irq.n, 5);
	ck_assert_int_eq(r.irq.history[3], 0);
	ck_assert_int_eq(r.irq.history[4], 1);
	expect_status(&r, ST_READY);
	/* a two-sector read: up, ack, (data), up, ack, (data), nothing more */
	set_lba28(&r, 1, 2);
	outb(&r.bus, P_CMD, 0x20);
	ck_assert_int_eq(r.irq.level, 1);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_DATA);
	ck_assert_int_eq(r.irq.level, 0);
	read_data(&r, buf, SECT - 2);
	ck_assert_int_eq(r.irq.level, 0); /* not until the block is all read */
	read_data(&r, buf, 2);
	ck_assert_int_eq(r.irq.level, 1);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_DATA);
	read_data(&r, buf, SECT);
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_int_eq(r.irq.n, 10);
	/* a write: no interrupt for the first block, one after each block */
	set_lba28(&r, 1, 1);
	outb(&r.bus, P_CMD, 0x30);
	ck_assert_int_eq(r.irq.n, 10);
	write_data(&r, buf, SECT - 2);
	ck_assert_int_eq(r.irq.n, 10);
	write_data(&r, buf, 2);
	ck_assert_int_eq(r.irq.level, 1);
	expect_status(&r, ST_READY);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_nien)
{
	struct rig r;
	uint16_t id[256];
	int i;

	rig_init(&r, 64 * SECT, false);
	outb(&r.bus, P_CTL, 0x02);
	outb(&r.bus, P_CMD, 0xec);
	ck_assert_int_eq(r.irq.n, 0);
	ck_assert_uint_eq(inb(&r.bus, P_CTL), ST_DATA); /* polled instead */
	for (i = 0; i < 256; i++)
		id[i] = inw(&r.bus, P_DATA);
	ck_assert_uint_eq(id[47], 0x8010);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_READY);
	ck_assert_int_eq(r.irq.n, 0);
	/* a request still pending when nIEN clears reaches the line */
	outb(&r.bus, P_CMD, 0xe7);
	ck_assert_int_eq(r.irq.n, 0);
	outb(&r.bus, P_CTL, 0x00);
	ck_assert_int_eq(r.irq.level, 1);
	/* setting nIEN takes the line down, acknowledged or not */
	outb(&r.bus, P_CTL, 0x02);
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_READY);
	outb(&r.bus, P_CTL, 0x00);
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_int_eq(r.irq.n, 2);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_srst)
{
	struct rig r;

	rig_init(&r, 64 * SECT, false);
	/* a read in progress, an interrupt pending, junk in the task file */
	set_lba28(&r, 3, 2);
	outb(&r.bus, P_CMD, 0x20);
	ck_assert_int_eq(r.irq.level, 1);
	outb(&r.bus, P_CTL, 0x04); /* SRST */
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_uint_eq(inb(&r.bus, P_CTL) & 0x80, 0x80); /* BSY */
	/* commands are not taken while the reset is held */
	outb(&r.bus, P_CMD, 0xec);
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_uint_eq(inb(&r.bus, P_CTL) & 0x88, 0x80);
	outb(&r.bus, P_CTL, 0x00);
	ck_assert_int_eq(r.irq.level, 0); /* a reset does not interrupt */
	/* the ATA signature and "diagnostics passed" */
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_READY);
	ck_assert_uint_eq(inb(&r.bus, P_ERROR), 0x01);
	ck_assert_uint_eq(inb(&r.bus, P_NSECT), 0x01);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 0x01);
	ck_assert_uint_eq(inb(&r.bus, P_LBAM), 0x00);
	ck_assert_uint_eq(inb(&r.bus, P_LBAH), 0x00);
	ck_assert_uint_eq(inb(&r.bus, P_SELECT), 0xa0);
	ck_assert_uint_eq(inw(&r.bus, P_DATA), 0); /* the read was abandoned */
	/* reset from the slave's side selects the master again */
	outb(&r.bus, P_SELECT, 0xb0);
	outb(&r.bus, P_CTL, 0x04);
	outb(&r.bus, P_CTL, 0x00);
	ck_assert_uint_eq(inb(&r.bus, P_SELECT), 0xa0);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_READY);
	/* the device works afterwards */
	set_lba28(&r, 3, 1);
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 3, 1);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_idnf)
{
	struct rig r;

	rig_init(&r, 100 * SECT, false);
	set_lba28(&r, 99, 1);
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 99, 1);
	set_lba28(&r, 99, 2); /* runs one past the end */
	outb(&r.bus, P_CMD, 0x20);
	expect_error(&r, 0x10);
	ck_assert_uint_eq(inw(&r.bus, P_DATA), 0); /* no data moved */
	set_lba28(&r, 100, 1);
	outb(&r.bus, P_CMD, 0x30);
	expect_error(&r, 0x10);
	set_lba28(&r, 0x0ffffff, 0); /* 256 sectors from far away */
	outb(&r.bus, P_CMD, 0x20);
	expect_error(&r, 0x10);
	set_lba48(&r, 1ull << 40, 1);
	outb(&r.bus, P_CMD, 0x34);
	expect_error(&r, 0x10);
	set_lba28(&r, 90, 20);
	outb(&r.bus, P_CMD, 0x40); /* READ VERIFY */
	expect_error(&r, 0x10);
	set_lba28(&r, 90, 10);
	outb(&r.bus, P_CMD, 0x40);
	ck_assert_int_eq(r.irq.level, 1);
	expect_status(&r, ST_READY);
	/* the error register clears with the next command */
	outb(&r.bus, P_CMD, 0xe7);
	expect_status(&r, ST_READY);
	ck_assert_uint_eq(inb(&r.bus, P_ERROR), 0);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_readonly)
{
	struct rig r;
	uint8_t buf[SECT], back[SECT];

	rig_init(&r, 64 * SECT, true);
	set_lba28(&r, 5, 1);
	outb(&r.bus, P_CMD, 0x30);
	expect_error(&r, 0x04);
	write_data(&r, buf, SECT); /* the data goes nowhere */
	file_sector(&r, 5, back);
	pattern(buf, 5);
	ck_assert_mem_eq(back, buf, SECT);
	set_lba48(&r, 5, 1);
	outb(&r.bus, P_CMD, 0x34);
	expect_error(&r, 0x04);
	outb(&r.bus, P_NSECT, 2);
	outb(&r.bus, P_CMD, 0xc6);
	expect_status(&r, ST_READY);
	set_lba28(&r, 5, 2);
	outb(&r.bus, P_CMD, 0xc5);
	expect_error(&r, 0x04);
	/* reads and flushes are fine */
	set_lba28(&r, 5, 1);
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 5, 1);
	outb(&r.bus, P_CMD, 0xea);
	ck_assert_int_eq(r.irq.level, 1);
	expect_status(&r, ST_READY);
	rig_done(&r);
}
END_TEST

/* CHS address under the default translation: 16 heads, 63 sectors. */
static void set_chs(struct rig *r, uint16_t cyl, uint8_t head, uint8_t sect, uint8_t count)
{
	outb(&r->bus, P_SELECT, 0xa0 | head);
	outb(&r->bus, P_NSECT, count);
	outb(&r->bus, P_LBAL, sect);
	outb(&r->bus, P_LBAM, (uint8_t)cyl);
	outb(&r->bus, P_LBAH, (uint8_t)(cyl >> 8));
}

START_TEST(test_ide_chs)
{
	struct rig r;

	rig_init(&r, 4096 * SECT, false);
	/* C/H/S 1/2/3 is LBA (1 * 16 + 2) * 63 + 2 = 1136 */
	set_chs(&r, 1, 2, 3, 2);
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 1136, 2);
	expect_status(&r, ST_READY);
	/* the task file now names the next sector, 1/2/5, in CHS */
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 5);
	ck_assert_uint_eq(inb(&r.bus, P_LBAM), 1);
	ck_assert_uint_eq(inb(&r.bus, P_LBAH), 0);
	ck_assert_uint_eq(inb(&r.bus, P_SELECT), 0xa2);
	/* the end of a track carries into the next head */
	set_chs(&r, 0, 15, 63, 2);
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 15 * 63 + 62, 2);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 2);
	ck_assert_uint_eq(inb(&r.bus, P_LBAM), 1);
	ck_assert_uint_eq(inb(&r.bus, P_SELECT), 0xa0);
	/* sectors count from 1, and a track has 63 */
	set_chs(&r, 0, 0, 0, 1);
	outb(&r.bus, P_CMD, 0x20);
	expect_error(&r, 0x10);
	set_chs(&r, 0, 0, 64, 1);
	outb(&r.bus, P_CMD, 0x20);
	expect_error(&r, 0x10);
	/* INITIALIZE DEVICE PARAMETERS: 4 heads of 17 sectors */
	outb(&r.bus, P_SELECT, 0xa0 | 3);
	outb(&r.bus, P_NSECT, 17);
	outb(&r.bus, P_CMD, 0x91);
	ck_assert_int_eq(r.irq.level, 1);
	expect_status(&r, ST_READY);
	set_chs(&r, 2, 1, 1, 1); /* (2 * 4 + 1) * 17 = 153 */
	outb(&r.bus, P_CMD, 0x20);
	read_and_check(&r, 153, 1);
	set_chs(&r, 0, 4, 1, 1); /* head 4 of 4 does not exist */
	outb(&r.bus, P_CMD, 0x20);
	expect_error(&r, 0x10);
	outb(&r.bus, P_NSECT, 0);
	outb(&r.bus, P_CMD, 0x91);
	expect_error(&r, 0x04);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_absent_slave)
{
	struct rig r;

	rig_init(&r, 64 * SECT, false);
	outb(&r.bus, P_SELECT, 0xb0);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), 0);
	ck_assert_uint_eq(inb(&r.bus, P_CTL), 0);
	ck_assert_uint_eq(inb(&r.bus, P_ERROR), 0);
	/* commands are ignored: no interrupt, no data */
	outb(&r.bus, P_CMD, 0xec);
	ck_assert_int_eq(r.irq.n, 0);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), 0);
	ck_assert_uint_eq(inw(&r.bus, P_DATA), 0);
	/* the shadow task file still reads back (Linux's device check) */
	outb(&r.bus, P_NSECT, 0x55);
	outb(&r.bus, P_LBAL, 0xaa);
	ck_assert_uint_eq(inb(&r.bus, P_NSECT), 0x55);
	ck_assert_uint_eq(inb(&r.bus, P_LBAL), 0xaa);
	ck_assert_uint_eq(inb(&r.bus, P_SELECT), 0xb0);
	/* the master is still there */
	outb(&r.bus, P_SELECT, 0xa0);
	ck_assert_uint_eq(inb(&r.bus, P_STATUS), ST_READY);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_other_commands)
{
	static const uint8_t aborted[] = {0xa1, 0xa0, 0x00, 0x08, 0xc8, 0xff};
	struct rig r;
	size_t i;

	rig_init(&r, 64 * SECT, false);
	for (i = 0; i < sizeof(aborted); i++) {
		outb(&r.bus, P_CMD, aborted[i]);
		expect_error(&r, 0x04);
	}
	outb(&r.bus, P_CMD, 0xe5); /* CHECK POWER MODE */
	expect_status(&r, ST_READY);
	ck_assert_uint_eq(inb(&r.bus, P_NSECT), 0xff);
	outb(&r.bus, P_CMD, 0x90); /* EXECUTE DEVICE DIAGNOSTIC */
	ck_assert_int_eq(r.irq.level, 1);
	expect_status(&r, ST_READY);
	ck_assert_uint_eq(inb(&r.bus, P_ERROR), 0x01);
	ck_assert_uint_eq(inb(&r.bus, P_NSECT), 0x01);
	/* write cache off is reported, and on again */
	outb(&r.bus, P_FEATURE, 0x82);
	outb(&r.bus, P_CMD, 0xef);
	expect_status(&r, ST_READY);
	{
		uint16_t id[256];

		identify(&r, id);
		ck_assert_uint_eq(id[85] & 0x20, 0);
		outb(&r.bus, P_FEATURE, 0x02);
		outb(&r.bus, P_CMD, 0xef);
		expect_status(&r, ST_READY);
		identify(&r, id);
		ck_assert_uint_eq(id[85] & 0x20, 0x20);
	}
	/* byte accesses to the data port do nothing */
	ck_assert_uint_eq(inb(&r.bus, P_DATA), 0xff);
	rig_done(&r);
}
END_TEST

START_TEST(test_ide_no_disk)
{
	struct io_bus bus;
	struct ide ide;
	struct fake_irq irq = {0};
	struct irq_line line = {.set = fake_irq_set, .opaque = &irq, .irq = 14};
	char err[128];
	int fd;

	iobus_init(&bus);
	ck_assert_int_eq(ide_init(&ide, &bus, line), 0);
	ck_assert_uint_eq(inb(&bus, P_STATUS), 0);
	ck_assert_uint_eq(inb(&bus, P_CTL), 0);
	ck_assert_uint_eq(inb(&bus, P_NSECT), 0);
	outb(&bus, P_CMD, 0xec);
	ck_assert_int_eq(irq.n, 0);
	ck_assert_uint_eq(inw(&bus, P_DATA), 0);
	/* attach errors */
	ck_assert_int_eq(ide_attach(&ide, -1, 1 << 20, false, err, sizeof(err)), -1);
	ck_assert_ptr_null(strchr(err, '\n'));
	fd = temp_image(511);
	ck_assert_int_eq(ide_attach(&ide, fd, 511, false, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "smaller than one"));
	ck_assert_int_eq(ide_attach(&ide, fd, 512, false, err, sizeof(err)), 0);
	ck_assert_uint_eq(inb(&bus, P_STATUS), ST_READY);
	ck_assert_int_eq(ide_attach(&ide, fd, 512, false, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "already"));
	/* the ports are taken once */
	ck_assert_int_eq(ide_init(&(struct ide){0}, &bus, line), -1);
	close(fd);
}
END_TEST

static Suite *pci_ide_suite(void)
{
	Suite *s = suite_create("pci_ide");
	TCase *pci = tcase_create("pci");
	TCase *ide = tcase_create("ide");

	tcase_add_test(pci, test_pci_ids);
	tcase_add_test(pci, test_pci_absent);
	tcase_add_test(pci, test_pci_config_address);
	tcase_add_test(pci, test_pci_narrow_data);
	tcase_add_test(pci, test_pci_write_masks);
	tcase_add_test(pci, test_pci_add_device_and_bar);
	tcase_add_test(ide, test_ide_identify);
	tcase_add_test(ide, test_ide_lba28_read);
	tcase_add_test(ide, test_ide_lba28_write);
	tcase_add_test(ide, test_ide_lba48);
	tcase_add_test(ide, test_ide_multiple);
	tcase_add_test(ide, test_ide_irq_sequence);
	tcase_add_test(ide, test_ide_nien);
	tcase_add_test(ide, test_ide_srst);
	tcase_add_test(ide, test_ide_idnf);
	tcase_add_test(ide, test_ide_readonly);
	tcase_add_test(ide, test_ide_chs);
	tcase_add_test(ide, test_ide_absent_slave);
	tcase_add_test(ide, test_ide_other_commands);
	tcase_add_test(ide, test_ide_no_disk);
	suite_add_tcase(s, pci);
	suite_add_tcase(s, ide);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pci_ide_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
