/*
 * ide.c - a legacy IDE channel (primary or secondary) with up to two ATA
 * hard disks, master and slave.
 *
 * Registers and commands follow ATA/ATAPI-6; where the standard leaves
 * room, behaviour follows QEMU's hw/ide/core.c so that drivers tested
 * against QEMU (Linux ata_piix and the old ide driver) see the same thing.
 *
 *  - Ports (primary channel; the secondary is 0x170-0x177 and 0x376,
 *    IRQ 15, the same registers at the same offsets): 0x1F0 data (16-bit
 *    PIO; a 32-bit access moves two words, low word first; byte accesses
 *    read 0xFF and are dropped), 0x1F1 error / features, 0x1F2 sector
 *    count, 0x1F3-0x1F5 LBA low/mid/high (sector, cylinder low/high in CHS
 *    mode), 0x1F6 device/head, 0x1F7 status / command, 0x3F6 alternate
 *    status / device control. 0x3F7 belongs to the floppy controller and
 *    is left alone.
 *  - There is one task file for the channel, as both devices snoop every
 *    register write; status and error are each device's own (a command
 *    runs on the selected device). A slave position with no disk beside a
 *    master: status and error read 0, commands are ignored and the data
 *    port is idle; the other registers read back what was written (QEMU).
 *    A master position with no disk beside a slave answers and aborts
 *    every command (QEMU). With no disk on the channel, every register
 *    reads 0 and commands are ignored.
 *  - Everything is synchronous: a command has done its disk I/O by the
 *    time the OUT to 0x1F7 returns, so the guest never sees BSY except
 *    while it holds SRST. Status is then DRDY|DSC, plus DRQ while a data
 *    block waits, or DRDY|ERR with the reason in the error register.
 *  - Interrupts (INTRQ on IRQ 14): raised when each data-in block is ready
 *    (there is none after the last one is read, as ATA specifies), after
 *    each data-out block is written (so also at completion), and when a
 *    non-data command completes or any command fails. Reading status,
 *    writing a command and SRST clear the request; alternate status does
 *    not. nIEN gates the line: while set the line is low, and clearing it
 *    with a request still pending raises it.
 *  - Addressing: LBA28 (device bit 6), LBA48 for the EXT commands (each of
 *    sector count and LBA low/mid/high written twice, high byte first), or
 *    CHS through the current translation, 16 heads and 63 sectors unless
 *    INITIALIZE DEVICE PARAMETERS set another. As in QEMU, the task file
 *    tracks progress: after each block it holds the next sector's address
 *    and the sectors still to go, so an error leaves the failing address.
 *  - A transfer that would run past the last sector fails with IDNF before
 *    moving any data; writes to a read-only image fail with ABRT.
 *  - Software reset (SRST set then cleared) puts the ATA signature in the
 *    task file (count 1, LBA low 1, mid/high 0), error 01h (diagnostics
 *    passed) and selects the master. The multiple count, CHS translation
 *    and write-cache setting survive it, as ATA-6 allows.
 *  - Commands: IDENTIFY DEVICE, READ/WRITE SECTORS, MULTIPLE and their EXT
 *    forms, SET MULTIPLE MODE (1-16, powers of two; 0 = off, the power-on
 *    state), SET FEATURES, INITIALIZE DEVICE PARAMETERS, RECALIBRATE, FLUSH
 *    CACHE (EXT), and what ATA-6 makes mandatory for a disk besides: READ
 *    VERIFY, EXECUTE DEVICE DIAGNOSTIC and the power management commands
 *    (all no-ops). Anything else, IDENTIFY PACKET DEVICE included, aborts.
 *  - The write cache is the host page cache: with it enabled (the default,
 *    reported in IDENTIFY) FLUSH CACHE does fsync; SET FEATURES 82h turns it
 *    off, after which every written block is synced before completion.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ide.h"

/* register offsets from 0x1F0 */
#define REG_DATA 0
#define REG_ERROR 1 /* read; features on write */
#define REG_NSECTOR 2
#define REG_LBAL 3
#define REG_LBAM 4
#define REG_LBAH 5
#define REG_SELECT 6
#define REG_STATUS 7 /* read; command on write */

#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DSC 0x10
#define ST_DRDY 0x40
#define ST_BSY 0x80

#define ERR_DIAG_OK 0x01 /* after a reset or diagnostic: device 0 passed */
#define ERR_ABRT 0x04
#define ERR_IDNF 0x10
#define ERR_UNC 0x40

#define SEL_DEV 0x10
#define SEL_LBA 0x40
#define SEL_OBSOLETE 0xa0 /* bits 7 and 5 read as one */

#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB 0x80

#define DEFAULT_HEADS 16
#define DEFAULT_SPT 63
#define MAX_CYLS 16383
#define LBA28_MAX 0x0fffffffull
#define LBA48_LIMIT (1ull << 48)

/* command flags */
#define CMD_WRITE 0x01
#define CMD_EXT 0x02  /* 48-bit address and count */
#define CMD_MULT 0x04 /* blocks of the multiple count */

/* the selected device's state (device/head bit 4) */
#define SEL_UNIT(d) (((d)->select & SEL_DEV) ? 1 : 0)
#define SEL_DISK(d) (&(d)->disk[SEL_UNIT(d)])
#define SEL_STATUS(d) ((d)->status[SEL_UNIT(d)])
#define SEL_ERROR(d) ((d)->error[SEL_UNIT(d)])

struct ide_cmd {
	uint8_t op;
	uint8_t flags;
	void (*run)(struct ide *d, uint8_t flags);
};

/* ---- interrupt and status ---- */

static void ide_update_irq(struct ide *d)
{
	bool level = d->irq_pending && !(d->ctl & CTL_NIEN);

	if (level != d->irq_level) {
		d->irq_level = level;
		irq_set(&d->irq, level);
	}
}

static void ide_raise(struct ide *d)
{
	d->irq_pending = true;
	ide_update_irq(d);
}

static void ide_lower(struct ide *d)
{
	d->irq_pending = false;
	ide_update_irq(d);
}

/* A command finished without error. */
static void ide_done(struct ide *d)
{
	d->xfer = IDE_XFER_NONE;
	SEL_STATUS(d) = ST_DRDY | ST_DSC;
	ide_raise(d);
}

static void ide_fail(struct ide *d, uint8_t error)
{
	d->xfer = IDE_XFER_NONE;
	SEL_ERROR(d) = error;
	SEL_STATUS(d) = ST_DRDY | ST_ERR;
	ide_raise(d);
}

/* The selected device is a slave with no disk: it does not answer. ATA
 * has device 0 answer for it (status and error read 0); QEMU also ignores
 * a command to it. An absent master beside a slave (a layout ATA does not
 * allow; QEMU's -drive index=1 alone) is an answering device that aborts
 * every command, as in QEMU. */
static bool absent_selected(const struct ide *d)
{
	return SEL_UNIT(d) == 1 && !SEL_DISK(d)->present;
}

/* No disk on the channel at all: every register reads 0. */
static bool channel_empty(const struct ide *d)
{
	return !d->disk[0].present && !d->disk[1].present;
}

/* ---- task file addressing ---- */

static uint32_t sector_count(const struct ide *d, bool ext)
{
	uint32_t n = ext ? (uint32_t)d->hob_nsector << 8 | d->nsector : d->nsector;

	/* a count of zero means the most the command can move */
	if (n == 0)
		return ext ? 65536 : 256;
	return n;
}

static uint64_t lba48(const struct ide *d)
{
	return (uint64_t)d->hob_lbah << 40 | (uint64_t)d->hob_lbam << 32 |
	       (uint64_t)d->hob_lbal << 24 | (uint64_t)d->lbah << 16 | (uint64_t)d->lbam << 8 |
	       d->lbal;
}

/* The starting sector of a command, or false if a CHS address names no
 * sector of the current translation (sector 0, or beyond the track). */
static bool decode_address(const struct ide *d, bool ext, uint64_t *lba)
{
	uint32_t cyl, head = d->select & 0x0f, sect = d->lbal;

	if (ext) {
		*lba = lba48(d);
		return true;
	}
	if (d->select & SEL_LBA) {
		*lba = (uint64_t)head << 24 | (uint64_t)d->lbah << 16 | d->lbam << 8 | d->lbal;
		return true;
	}
	cyl = (uint32_t)d->lbah << 8 | d->lbam;
	if (sect == 0 || sect > SEL_DISK(d)->spt || head >= SEL_DISK(d)->heads)
		return false;
	*lba = ((uint64_t)cyl * SEL_DISK(d)->heads + head) * SEL_DISK(d)->spt + sect - 1;
	return true;
}

/* Writes lba back into the task file in the addressing mode in use. */
static void set_address(struct ide *d, uint64_t lba)
{
	uint32_t track = SEL_DISK(d)->heads * SEL_DISK(d)->spt;
	uint64_t cyl;

	if (d->ext) {
		d->hob_lbal = (uint8_t)(lba >> 24);
		d->hob_lbam = (uint8_t)(lba >> 32);
		d->hob_lbah = (uint8_t)(lba >> 40);
	} else if (d->select & SEL_LBA) {
		d->select = (d->select & 0xf0) | ((lba >> 24) & 0x0f);
	} else {
		cyl = lba / track;
		d->select = (d->select & 0xf0) | (uint8_t)(lba % track / SEL_DISK(d)->spt);
		d->lbal = (uint8_t)(lba % SEL_DISK(d)->spt + 1);
		d->lbam = (uint8_t)cyl;
		d->lbah = (uint8_t)(cyl >> 8);
		return;
	}
	d->lbal = (uint8_t)lba;
	d->lbam = (uint8_t)(lba >> 8);
	d->lbah = (uint8_t)(lba >> 16);
}

static void set_count(struct ide *d, uint32_t count)
{
	d->nsector = (uint8_t)count;
	if (d->ext)
		d->hob_nsector = (uint8_t)(count >> 8);
}

/* ---- disk I/O ---- */

/* Moves n sectors between buf and the image at lba; 0 or -1. A read past
 * the end of the file (the image shrank under us) returns zeros. */
static int disk_io(struct ide *d, bool write, uint64_t lba, uint32_t n)
{
	size_t len = (size_t)n * IDE_SECTOR_SIZE, done = 0;
	off_t off = (off_t)(lba * IDE_SECTOR_SIZE);
	ssize_t r;

	while (done < len) {
		if (write)
			r = pwrite(SEL_DISK(d)->fd, d->buf + done, len - done, off + done);
		else
			r = pread(SEL_DISK(d)->fd, d->buf + done, len - done, off + done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r == 0 && write))
			return -1;
		if (r == 0) {
			memset(d->buf + done, 0, len - done);
			break;
		}
		done += (size_t)r;
	}
	if (write && !SEL_DISK(d)->wcache && fdatasync(SEL_DISK(d)->fd) < 0)
		return -1;
	return 0;
}

/* ---- PIO transfers ---- */

static uint32_t block_sectors(const struct ide *d)
{
	return d->remaining < d->block ? d->remaining : d->block;
}

/* Offers the guest a data-in block of len bytes already in buf. */
static void pio_in_ready(struct ide *d, uint32_t len)
{
	d->xfer = IDE_XFER_IN;
	d->pos = 0;
	d->end = len;
	SEL_STATUS(d) = ST_DRDY | ST_DSC | ST_DRQ;
	ide_raise(d);
}

static void read_block(struct ide *d)
{
	uint32_t n = block_sectors(d);

	if (disk_io(d, false, d->lba, n) < 0) {
		ide_fail(d, ERR_UNC);
		return;
	}
	d->sectors_read += n;
	pio_in_ready(d, n * IDE_SECTOR_SIZE);
}

/* Asks for the next data-out block. Only later blocks interrupt: the
 * first DRQ follows the command directly. */
static void write_block_wanted(struct ide *d)
{
	d->xfer = IDE_XFER_OUT;
	d->pos = 0;
	d->end = block_sectors(d) * IDE_SECTOR_SIZE;
	SEL_STATUS(d) = ST_DRDY | ST_DSC | ST_DRQ;
}

/* A block is done: step the address and count in state and task file. */
static void advance(struct ide *d, uint32_t n)
{
	d->lba += n;
	d->remaining -= n;
	set_address(d, d->lba);
	set_count(d, d->remaining);
}

/* The guest has read the whole data-in block. IDENTIFY has remaining 0. */
static void pio_in_block_done(struct ide *d)
{
	if (d->remaining)
		advance(d, d->end / IDE_SECTOR_SIZE);
	if (d->remaining) {
		read_block(d);
		return;
	}
	d->xfer = IDE_XFER_NONE;
	SEL_STATUS(d) = ST_DRDY | ST_DSC;
}

static void pio_out_block_done(struct ide *d)
{
	uint32_t n = d->end / IDE_SECTOR_SIZE;

	if (disk_io(d, true, d->lba, n) < 0) {
		ide_fail(d, ERR_ABRT);
		return;
	}
	d->sectors_written += n;
	advance(d, n);
	if (!d->remaining) {
		ide_done(d);
		return;
	}
	write_block_wanted(d);
	ide_raise(d);
}

static uint16_t data_read16(struct ide *d)
{
	uint16_t v;

	if (d->xfer != IDE_XFER_IN || absent_selected(d))
		return 0;
	v = (uint16_t)(d->buf[d->pos] | d->buf[d->pos + 1] << 8);
	d->pos += 2;
	if (d->pos >= d->end)
		pio_in_block_done(d);
	return v;
}

static void data_write16(struct ide *d, uint16_t v)
{
	if (d->xfer != IDE_XFER_OUT || absent_selected(d))
		return;
	d->buf[d->pos] = (uint8_t)v;
	d->buf[d->pos + 1] = (uint8_t)(v >> 8);
	d->pos += 2;
	if (d->pos >= d->end)
		pio_out_block_done(d);
}

/* ---- commands ---- */

/* READ/WRITE SECTORS, MULTIPLE and their EXT forms. */
static void cmd_rw(struct ide *d, uint8_t flags)
{
	bool ext = flags & CMD_EXT;
	uint32_t count = sector_count(d, ext);
	uint64_t lba;

	if ((flags & CMD_MULT) && !SEL_DISK(d)->mult_sectors) {
		ide_fail(d, ERR_ABRT);
		return;
	}
	if ((flags & CMD_WRITE) && SEL_DISK(d)->readonly) {
		ide_fail(d, ERR_ABRT);
		return;
	}
	if (!decode_address(d, ext, &lba) || lba > SEL_DISK(d)->sectors ||
	    count > SEL_DISK(d)->sectors - lba) {
		ide_fail(d, ERR_IDNF);
		return;
	}
	d->ext = ext;
	d->lba = lba;
	d->remaining = count;
	d->block = (flags & CMD_MULT) ? SEL_DISK(d)->mult_sectors : 1;
	if (flags & CMD_WRITE)
		write_block_wanted(d);
	else
		read_block(d);
}

/* READ VERIFY SECTORS: the image cannot have bad sectors; check the range. */
static void cmd_verify(struct ide *d, uint8_t flags)
{
	bool ext = flags & CMD_EXT;
	uint32_t count = sector_count(d, ext);
	uint64_t lba;

	if (!decode_address(d, ext, &lba) || lba > SEL_DISK(d)->sectors ||
	    count > SEL_DISK(d)->sectors - lba) {
		ide_fail(d, ERR_IDNF);
		return;
	}
	ide_done(d);
}

/* ATA strings: space padded, two characters a word, the first in the high
 * byte, so that a little-endian dump of the words shows them swapped. */
static void ata_string(uint16_t *w, int nwords, const char *s)
{
	size_t len = strlen(s);
	int i;

	for (i = 0; i < 2 * nwords; i++) {
		uint8_t c = (size_t)i < len ? (uint8_t)s[i] : ' ';

		if (i & 1)
			w[i / 2] |= c;
		else
			w[i / 2] = (uint16_t)(c << 8);
	}
}

static void put_u32_words(uint16_t *w, uint32_t v)
{
	w[0] = (uint16_t)v;
	w[1] = (uint16_t)(v >> 16);
}

/* Default (words 1-6) and current (words 54-58) CHS geometry. */
static void identify_geometry(const struct ide_disk *k, uint16_t *id)
{
	uint64_t cyls = k->sectors / (DEFAULT_HEADS * DEFAULT_SPT);
	uint64_t cur = k->sectors / (k->heads * k->spt);

	id[1] = (uint16_t)(cyls > MAX_CYLS ? MAX_CYLS : cyls);
	id[3] = DEFAULT_HEADS;
	id[6] = DEFAULT_SPT;
	cur = cur > 65535 ? 65535 : cur;
	id[54] = (uint16_t)cur;
	id[55] = k->heads;
	id[56] = k->spt;
	put_u32_words(&id[57], (uint32_t)(cur * k->heads * k->spt));
}

/* Word 255: signature A5h and a checksum making all 512 bytes sum to 0. */
static void identify_checksum(uint16_t *id)
{
	uint8_t sum = 0xa5;
	int i;

	for (i = 0; i < 255; i++)
		sum += (uint8_t)(id[i] + (id[i] >> 8));
	id[255] = (uint16_t)((uint8_t)-sum << 8 | 0xa5);
}

static void build_identify(const struct ide_disk *k, uint16_t *id)
{
	uint64_t lba28 = k->sectors > LBA28_MAX ? LBA28_MAX : k->sectors;

	memset(id, 0, 512);
	id[0] = 0x0040; /* fixed device */
	identify_geometry(k, id);
	ata_string(&id[10], 10, "BTVMM0000000001");
	ata_string(&id[23], 4, "1.0");
	ata_string(&id[27], 20, "BTVMM HARDDISK");
	id[47] = 0x8000 | IDE_MAX_MULT;
	id[49] = 0x0a00; /* LBA, IORDY; no DMA */
	id[50] = 0x4000;
	id[51] = 0x0200; /* PIO mode 2 timing (obsolete word) */
	id[53] = 0x0003; /* words 54-58 and 64-70 valid */
	id[59] = k->mult_sectors ? 0x0100 | k->mult_sectors : 0;
	put_u32_words(&id[60], (uint32_t)lba28);
	id[64] = 0x0003; /* PIO modes 3 and 4 */
	id[67] = 120;	 /* minimum PIO cycle times, ns */
	id[68] = 120;
	id[80] = 0x007e; /* ATA-1 to ATA-6 */
	id[82] = 0x0028; /* write cache, power management */
	id[83] = 0x7400; /* FLUSH CACHE (EXT), 48-bit address */
	id[84] = 0x4000;
	id[85] = (k->wcache ? 0x0020 : 0) | 0x0008;
	id[86] = 0x3400;
	id[87] = 0x4000;
	put_u32_words(&id[100], (uint32_t)k->sectors);
	put_u32_words(&id[102], (uint32_t)(k->sectors >> 32));
	identify_checksum(id);
}

static void cmd_identify(struct ide *d, uint8_t flags)
{
	uint16_t id[256];
	int i;

	build_identify(SEL_DISK(d), id);
	for (i = 0; i < 256; i++) {
		d->buf[2 * i] = (uint8_t)id[i];
		d->buf[2 * i + 1] = (uint8_t)(id[i] >> 8);
	}
	d->remaining = 0;
	pio_in_ready(d, IDE_SECTOR_SIZE);
}

/* Block sizes the device takes: powers of two up to IDE_MAX_MULT; 0 turns
 * multiple mode off. */
static void cmd_set_multiple(struct ide *d, uint8_t flags)
{
	uint8_t n = d->nsector;

	if (n > IDE_MAX_MULT || (n & (n - 1))) {
		ide_fail(d, ERR_ABRT);
		return;
	}
	SEL_DISK(d)->mult_sectors = n;
	ide_done(d);
}

/* Transfer modes and the rest change nothing for an emulated disk; only
 * the write cache setting has an effect (on disk_io). */
static void cmd_set_features(struct ide *d, uint8_t flags)
{
	if (d->feature == 0x02)
		SEL_DISK(d)->wcache = true;
	else if (d->feature == 0x82)
		SEL_DISK(d)->wcache = false;
	ide_done(d);
}

/* INITIALIZE DEVICE PARAMETERS: the CHS translation, heads from the
 * device register and sectors per track from the count. */
static void cmd_init_params(struct ide *d, uint8_t flags)
{
	if (d->nsector == 0) {
		ide_fail(d, ERR_ABRT);
		return;
	}
	SEL_DISK(d)->heads = (d->select & 0x0f) + 1;
	SEL_DISK(d)->spt = d->nsector;
	ide_done(d);
}

static void cmd_flush(struct ide *d, uint8_t flags)
{
	if (fsync(SEL_DISK(d)->fd) < 0)
		ide_fail(d, ERR_ABRT);
	else
		ide_done(d);
}

static void set_signature(struct ide *d)
{
	d->nsector = d->lbal = 1;
	d->lbam = d->lbah = 0;
	d->hob_nsector = d->hob_lbal = d->hob_lbam = d->hob_lbah = 0;
	d->select = SEL_OBSOLETE;
}

/* EXECUTE DEVICE DIAGNOSTIC: the reset outputs, without the reset. */
static void cmd_diagnostic(struct ide *d, uint8_t flags)
{
	set_signature(d);
	d->error[0] = d->error[1] = ERR_DIAG_OK;
	ide_done(d);
}

/* CHECK POWER MODE: always active (count FFh). */
static void cmd_check_power(struct ide *d, uint8_t flags)
{
	d->nsector = 0xff;
	ide_done(d);
}

/* RECALIBRATE, IDLE, STANDBY and their IMMEDIATE forms: nothing to do. */
static void cmd_nop_ok(struct ide *d, uint8_t flags)
{
	ide_done(d);
}

static const struct ide_cmd ide_cmds[] = {
    {0x10, 0, cmd_nop_ok},			    /* RECALIBRATE */
    {0x20, 0, cmd_rw},				    /* READ SECTORS */
    {0x21, 0, cmd_rw},				    /* ... without retries */
    {0x24, CMD_EXT, cmd_rw},			    /* READ SECTORS EXT */
    {0x29, CMD_EXT | CMD_MULT, cmd_rw},		    /* READ MULTIPLE EXT */
    {0x30, CMD_WRITE, cmd_rw},			    /* WRITE SECTORS */
    {0x31, CMD_WRITE, cmd_rw},			    /* ... without retries */
    {0x34, CMD_WRITE | CMD_EXT, cmd_rw},	    /* WRITE SECTORS EXT */
    {0x39, CMD_WRITE | CMD_EXT | CMD_MULT, cmd_rw}, /* WRITE MULTIPLE EXT */
    {0x40, 0, cmd_verify},			    /* READ VERIFY SECTORS */
    {0x41, 0, cmd_verify},			    /* ... without retries */
    {0x42, CMD_EXT, cmd_verify},		    /* READ VERIFY SECTORS EXT */
    {0x90, 0, cmd_diagnostic},			    /* EXECUTE DEVICE DIAGNOSTIC */
    {0x91, 0, cmd_init_params},			    /* INITIALIZE DEVICE PARAMETERS */
    {0xc4, CMD_MULT, cmd_rw},			    /* READ MULTIPLE */
    {0xc5, CMD_WRITE | CMD_MULT, cmd_rw},	    /* WRITE MULTIPLE */
    {0xc6, 0, cmd_set_multiple},		    /* SET MULTIPLE MODE */
    {0xe0, 0, cmd_nop_ok},			    /* STANDBY IMMEDIATE */
    {0xe1, 0, cmd_nop_ok},			    /* IDLE IMMEDIATE */
    {0xe2, 0, cmd_nop_ok},			    /* STANDBY */
    {0xe3, 0, cmd_nop_ok},			    /* IDLE */
    {0xe5, 0, cmd_check_power},			    /* CHECK POWER MODE */
    {0xe7, 0, cmd_flush},			    /* FLUSH CACHE */
    {0xea, 0, cmd_flush},			    /* FLUSH CACHE EXT */
    {0xec, 0, cmd_identify},			    /* IDENTIFY DEVICE */
    {0xef, 0, cmd_set_features},		    /* SET FEATURES */
};

static const struct ide_cmd *cmd_lookup(uint8_t op)
{
	size_t i;

	for (i = 0; i < sizeof(ide_cmds) / sizeof(ide_cmds[0]); i++)
		if (ide_cmds[i].op == op)
			return &ide_cmds[i];
	return NULL;
}

/* Anything not in the table, IDENTIFY PACKET DEVICE and NOP included, is
 * aborted: that is how a hard disk answers packet and unknown commands. */
static void ide_command(struct ide *d, uint8_t op)
{
	const struct ide_cmd *c;

	if (channel_empty(d) || absent_selected(d) || (d->ctl & CTL_SRST))
		return;
	ide_lower(d);
	d->xfer = IDE_XFER_NONE;
	d->ext = false;
	SEL_ERROR(d) = 0;
	c = SEL_DISK(d)->present ? cmd_lookup(op) : NULL;
	if (c)
		c->run(d, c->flags);
	else
		ide_fail(d, ERR_ABRT);
}

/* ---- device control and reset ---- */

static void soft_reset_done(struct ide *d)
{
	set_signature(d);
	d->feature = d->hob_feature = 0;
	for (int i = 0; i < 2; i++) {
		d->error[i] = ERR_DIAG_OK;
		d->status[i] = ST_DRDY | ST_DSC;
	}
	d->xfer = IDE_XFER_NONE;
}

/* SRST is acted on at its edges: BSY while held, the reset on release. */
static void ide_ctl_write(struct ide *d, uint8_t val)
{
	bool was = d->ctl & CTL_SRST;

	d->ctl = val;
	if (!was && (val & CTL_SRST)) {
		d->xfer = IDE_XFER_NONE;
		d->status[0] = d->status[1] = ST_BSY | ST_DSC;
		d->irq_pending = false;
	} else if (was && !(val & CTL_SRST)) {
		soft_reset_done(d);
	}
	ide_update_irq(d);
}

/* ---- port handlers ---- */

static uint8_t status_of_selected(const struct ide *d)
{
	return absent_selected(d) ? 0 : SEL_STATUS(d);
}

static uint8_t ide_reg_read(struct ide *d, int reg)
{
	bool hob = d->ctl & CTL_HOB;

	switch (reg) {
	case REG_ERROR: return absent_selected(d) ? 0 : SEL_ERROR(d);
	case REG_NSECTOR: return hob ? d->hob_nsector : d->nsector;
	case REG_LBAL: return hob ? d->hob_lbal : d->lbal;
	case REG_LBAM: return hob ? d->hob_lbam : d->lbam;
	case REG_LBAH: return hob ? d->hob_lbah : d->lbah;
	case REG_SELECT: return d->select;
	default: /* REG_STATUS: reading it acknowledges the interrupt */
		ide_lower(d);
		return status_of_selected(d);
	}
}

/* Shifts a register's FIFO: the previous value becomes its HOB byte. */
static void fifo_write(uint8_t *cur, uint8_t *hob, uint8_t val)
{
	*hob = *cur;
	*cur = val;
}

static void ide_reg_write(struct ide *d, int reg, uint8_t val)
{
	/* ATA-6: a write to any command block register clears HOB. */
	d->ctl &= ~CTL_HOB;
	switch (reg) {
	case REG_ERROR: fifo_write(&d->feature, &d->hob_feature, val); break;
	case REG_NSECTOR: fifo_write(&d->nsector, &d->hob_nsector, val); break;
	case REG_LBAL: fifo_write(&d->lbal, &d->hob_lbal, val); break;
	case REG_LBAM: fifo_write(&d->lbam, &d->hob_lbam, val); break;
	case REG_LBAH: fifo_write(&d->lbah, &d->hob_lbah, val); break;
	case REG_SELECT: d->select = val | SEL_OBSOLETE; break;
	default: ide_command(d, val); break;
	}
}

static uint32_t ide_cmd_read(void *opaque, uint16_t port, int size)
{
	struct ide *d = opaque;
	int reg = port & 7; /* both channels' bases are 8-aligned */
	uint32_t lo;

	if (reg == REG_DATA && size == 1)
		return 0xff;
	if (channel_empty(d))
		return 0;
	if (reg != REG_DATA)
		return ide_reg_read(d, reg);
	lo = data_read16(d);
	if (size == 4)
		lo |= (uint32_t)data_read16(d) << 16;
	return lo;
}

static void ide_cmd_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct ide *d = opaque;
	int reg = port & 7; /* both channels' bases are 8-aligned */

	if (reg != REG_DATA) {
		ide_reg_write(d, reg, (uint8_t)val);
		return;
	}
	if (size == 1)
		return;
	data_write16(d, (uint16_t)val);
	if (size == 4)
		data_write16(d, (uint16_t)(val >> 16));
}

static uint32_t ide_ctl_read(void *opaque, uint16_t port, int size)
{
	struct ide *d = opaque;

	return channel_empty(d) ? 0 : status_of_selected(d);
}

static void ide_ctl_port_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	ide_ctl_write(opaque, (uint8_t)val);
}

/* ---- setup ---- */

int ide_init_channel(struct ide *d, struct io_bus *bus, uint16_t base, uint16_t ctl,
		     struct irq_line irq, const char *name, const char *ctl_name)
{
	memset(d, 0, sizeof(*d));
	d->irq = irq;
	d->disk[0].fd = d->disk[1].fd = -1;
	soft_reset_done(d);
	if ((base & 7) || iobus_register(bus, base, 8, ide_cmd_read, ide_cmd_write, d, name))
		return -1;
	return iobus_register(bus, ctl, 1, ide_ctl_read, ide_ctl_port_write, d, ctl_name);
}

int ide_init(struct ide *d, struct io_bus *bus, struct irq_line irq14)
{
	return ide_init_channel(d, bus, IDE_PRIMARY_BASE, IDE_PRIMARY_CTL, irq14, "ide", "ide-ctl");
}

int ide_attach_unit(struct ide *d, int unit, int fd, uint64_t size_bytes, bool readonly, char *err,
		    size_t errlen)
{
	uint64_t sectors = size_bytes / IDE_SECTOR_SIZE;

	if (d->disk[unit].present) {
		snprintf(err, errlen, "ide: the %s is already attached", unit ? "slave" : "master");
		return -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "ide: no disk image file descriptor");
		return -1;
	}
	if (sectors == 0) {
		snprintf(err, errlen, "ide: disk image is smaller than one %d-byte sector",
			 IDE_SECTOR_SIZE);
		return -1;
	}
	if (sectors > LBA48_LIMIT) {
		snprintf(err, errlen, "ide: disk image is larger than 2^48 sectors");
		return -1;
	}
	d->disk[unit] = (struct ide_disk){
	    .present = true,
	    .fd = fd,
	    .sectors = sectors,
	    .readonly = readonly,
	    .wcache = true,
	    .heads = DEFAULT_HEADS,
	    .spt = DEFAULT_SPT,
	};
	soft_reset_done(d);
	return 0;
}

int ide_attach(struct ide *d, int fd, uint64_t size_bytes, bool readonly, char *err, size_t errlen)
{
	return ide_attach_unit(d, 0, fd, size_bytes, readonly, err, errlen);
}
