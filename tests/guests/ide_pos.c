/* ide_pos: the four IDE positions as QEMU numbers them (index 0..3 =
 * primary master/slave at 0x1F0/0x3F6, secondary master/slave at
 * 0x170/0x376), probed the way a driver does, by polling (nIEN set).
 *
 * For each position: select it (device/head 0xE0 | unit << 4), then print
 * the status and error registers, and the device/head register read back.
 * A position whose status reads 0 or 0xFF has no device and is left alone
 * (ATA: device 0 answers 0 for an absent device 1; no drive on the channel
 * reads 0 everywhere). Otherwise: IDENTIFY DEVICE (LBA28 sector count),
 * READ SECTORS of LBA 3, WRITE SECTORS of LBA 5 with a pattern naming the
 * position, and the read-back. Every wait is bounded: a probing guest must
 * not hang. Each channel gets a software reset first.
 *
 * What an empty position does, as QEMU: a slave with no disk beside a
 * master reads status 0 and error 0 (ATA: device 0 answers for it) and
 * ignores commands; a master with no disk beside a slave (layout b's
 * index 0, which ATA does not allow) reads DRDY|DSC after the reset and
 * aborts IDENTIFY (status 41h, error 04h).
 *
 * run_ide_pos.sh runs it twice, with disks at indexes 0 and 3 (layout a)
 * and at 1 and 2 (layout b), each image's sector n filled with the byte
 * 16 * index + n and n (LE u32) in its first 4 bytes; its output is
 * compared with ide_pos.a.disk-expect / ide_pos.b.disk-expect, which are
 * QEMU's (run_ide_pos.sh --qemu). */
#include "lib.h"

#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01

static const u16 cmd_base[2] = {0x1f0, 0x170};
static const u16 ctl_port[2] = {0x3f6, 0x376};

static u16 buf[256];

/* status once BSY is clear, or -1 after a bounded wait */
static int wait_ready(int ch)
{
    for (u32 i = 0; i < 1000000u; i++) {
        u8 s = inb(ctl_port[ch]);
        if (!(s & ST_BSY))
            return s;
    }
    return -1;
}

static void read_block(int ch)
{
    u16 *p = buf;
    u32 n = 256;
    __asm__ volatile("cld\n\trep insw" : "+D"(p), "+c"(n) : "d"(cmd_base[ch]) : "memory");
}

static void write_block(int ch)
{
    const u16 *p = buf;
    u32 n = 256;
    __asm__ volatile("cld\n\trep outsw" : "+S"(p), "+c"(n) : "d"(cmd_base[ch]) : "memory");
}

/* issue a one-sector LBA28 command; returns the status after BSY clears */
static int command(int ch, int unit, u8 cmd, u32 lba)
{
    u16 b = cmd_base[ch];
    outb(b + 6, 0xe0 | (unit << 4) | ((lba >> 24) & 0x0f));
    outb(b + 2, 1);
    outb(b + 3, lba & 0xff);
    outb(b + 4, (lba >> 8) & 0xff);
    outb(b + 5, (lba >> 16) & 0xff);
    outb(b + 7, cmd);
    return wait_ready(ch);
}

static void probe(int index)
{
    int ch = index / 2, unit = index % 2;
    u16 b = cmd_base[ch];
    outb(b + 6, 0xe0 | (unit << 4));
    u8 st = inb(b + 7), err = inb(b + 1), dev = inb(b + 6);
    printf("index %d: status %02x error %02x device %02x", index, st, err, dev);
    if (st == 0 || st == 0xff) {
        printf(": no device\n");
        return;
    }
    int s = command(ch, unit, 0xec, 0);
    if (s < 0 || !(s & ST_DRQ) || (s & ST_ERR)) {
        printf(": IDENTIFY status %02x error %02x\n", s & 0xff, inb(b + 1));
        return;
    }
    read_block(ch);
    printf(": disk, %u sectors\n", buf[60] | (u32)buf[61] << 16);
    s = command(ch, unit, 0x20, 3);
    if (s >= 0 && (s & ST_DRQ))
        read_block(ch);
    printf("  read LBA 3: status %02x, bytes %02x %02x %02x\n", s & 0xff, buf[0] & 0xff,
           buf[2] & 0xff, buf[100] >> 8);
    s = command(ch, unit, 0x30, 5);
    if (s >= 0 && (s & ST_DRQ)) {
        for (int i = 0; i < 256; i++)
            buf[i] = (u16)(0xa000 + index * 0x100 + i);
        write_block(ch);
    }
    int done = wait_ready(ch);
    printf("  write LBA 5: status %02x then %02x\n", s & 0xff, done & 0xff);
    for (int i = 0; i < 256; i++)
        buf[i] = 0;
    s = command(ch, unit, 0x20, 5);
    if (s >= 0 && (s & ST_DRQ))
        read_block(ch);
    printf("  read back LBA 5: %04x %04x\n", buf[0], buf[255]);
}

int main(void)
{
    /* software reset of each channel first, as drivers do (and so that
     * what a BIOS did before does not show: SeaBIOS probes under QEMU) */
    for (int ch = 0; ch < 2; ch++) {
        outb(ctl_port[ch], 0x06); /* SRST, nIEN */
        for (int i = 0; i < 100; i++)
            inb(ctl_port[ch]);
        outb(ctl_port[ch], 0x02); /* nIEN: polling only */
        wait_ready(ch);
    }
    for (int i = 0; i < 4; i++)
        probe(i);
    /* the slave's absence must not disturb the master: select it again */
    for (int ch = 0; ch < 2; ch++) {
        outb(cmd_base[ch] + 6, 0xe0);
        printf("channel %d master again: status %02x\n", ch, inb(cmd_base[ch] + 7));
    }
    return 0;
}
