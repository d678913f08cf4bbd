/* ide.h - a legacy IDE channel (primary: 0x1F0-0x1F7, 0x3F6, IRQ 14;
 * secondary: 0x170-0x177, 0x376, IRQ 15) with up to two ATA hard disks,
 * master and slave, each backed by a raw image. */
#ifndef BTVMM_IDE_H
#define BTVMM_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iobus.h"
#include "irq.h"

#define IDE_PRIMARY_BASE 0x1f0
#define IDE_PRIMARY_CTL 0x3f6
#define IDE_PRIMARY_IRQ 14
#define IDE_SECONDARY_BASE 0x170
#define IDE_SECONDARY_CTL 0x376
#define IDE_SECONDARY_IRQ 15

#define IDE_SECTOR_SIZE 512
#define IDE_MAX_MULT 16 /* READ/WRITE MULTIPLE block limit (IDENTIFY word 47) */

enum ide_xfer {
	IDE_XFER_NONE,
	IDE_XFER_IN,  /* PIO data-in: the guest reads buf (IDENTIFY, READ) */
	IDE_XFER_OUT, /* PIO data-out: the guest fills buf (WRITE) */
};

/* The disk and the settings it keeps across a software reset. */
struct ide_disk {
	bool present;
	int fd; /* the image; owned by the caller, never closed here */
	uint64_t sectors;
	bool readonly;
	bool wcache;	      /* write cache on: writes reach the disk at FLUSH CACHE */
	uint8_t mult_sectors; /* SET MULTIPLE MODE; 0: READ/WRITE MULTIPLE abort */
	uint8_t heads, spt;   /* CHS translation (INITIALIZE DEVICE PARAMETERS) */
};

struct ide {
	/* Task file. The LBA48 registers are two-deep FIFOs: a write pushes the
	 * old value into hob_*, which reads return while device control HOB is set. */
	uint8_t feature, nsector, lbal, lbam, lbah;
	uint8_t hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah;
	uint8_t select;		     /* device/head: DEV bit 4, LBA bit 6 */
	uint8_t status[2], error[2]; /* per device: master, slave */
	uint8_t ctl;		     /* device control: nIEN, SRST, HOB */

	/* PIO transfer in progress */
	enum ide_xfer xfer;
	bool ext;	    /* LBA48 command: progress goes to the HOB registers too */
	uint64_t lba;	    /* first sector of the current block */
	uint32_t remaining; /* sectors not yet completed, current block included */
	uint32_t block;	    /* sectors per DRQ block: 1 or the multiple count */
	uint32_t pos, end;  /* byte offset in buf; bytes in the current block */
	uint8_t buf[IDE_MAX_MULT * IDE_SECTOR_SIZE];

	bool irq_pending; /* INTRQ wanted: cleared by a status read, a command, SRST */
	bool irq_level;	  /* what the line was last driven to */
	struct irq_line irq;

	struct ide_disk disk[2];		/* master, slave (device/head bit 4) */
	uint64_t sectors_read, sectors_written; /* for -stats */
};

/* Claims base..base+7 (8-aligned) and ctl on bus for a channel whose
 * INTRQ is irq; name and ctl_name label the ports in -stats. No disk yet.
 * Returns 0, or -1 if the ports are taken or base is not 8-aligned. */
int ide_init_channel(struct ide *d, struct io_bus *bus, uint16_t base, uint16_t ctl,
		     struct irq_line irq, const char *name, const char *ctl_name);
/* The primary channel: claims 0x1F0-0x1F7 and 0x3F6 on bus. No disk yet: every register reads
 * 0, as on QEMU with no drive on the channel. Returns 0, or -1 if the ports
 * are taken. */
int ide_init(struct ide *d, struct io_bus *bus, struct irq_line irq14);
/* Makes the raw image open on fd (size_bytes long; a partial last sector
 * is ignored) the master. readonly makes writes fail with ABRT. Returns 0,
 * or -1 with a one-line reason in err. */
int ide_attach(struct ide *d, int fd, uint64_t size_bytes, bool readonly, char *err, size_t errlen);
/* The same for unit 0 (master) or 1 (slave). */
int ide_attach_unit(struct ide *d, int unit, int fd, uint64_t size_bytes, bool readonly, char *err,
		    size_t errlen);

#endif
