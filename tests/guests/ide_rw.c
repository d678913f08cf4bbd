/* ide_rw: PCI configuration mechanism #1 and the legacy primary IDE
 * channel (0x1F0-0x1F7, 0x3F6, IRQ14 through the slave 8259).
 *
 * Needs the test image on the primary master: run with
 * tests/guests/run_qemu_disk.sh (QEMU) - 1 MiB, sector n filled with n & 0xff
 * and n (LE u32) in its first 4 bytes - and compare with ide_rw.disk-expect.
 * Without a drive the test prints the PCI part, "ide: no drive", and passes.
 *
 *  PCI: CF8 reads back; IDs/class of 00:00.0 (i440FX 8086:1237, host
 *    bridge 0600), 00:01.0 (PIIX3 ISA 8086:7000, 0601), 00:01.1 (PIIX3 IDE
 *    8086:7010, 0101 prog-if 0x80); 00:02.0 absent (all ones). Other
 *    functions (e.g. QEMU's PIIX4 ACPI at 00:01.3) are not looked at.
 *  IDENTIFY DEVICE: model is printable ASCII (the text itself is not
 *    printed: it names the emulator), LBA supported, LBA28 sectors = 2048,
 *    LBA48 supported, LBA48 sectors = 2048, max sectors per READ MULTIPLE
 *    >= 4
 *  READ SECTORS (0x20) LBA 0..7: pattern checked, one IRQ per sector
 *  WRITE SECTORS (0x30) LBA 5 with a new pattern: one IRQ (at completion);
 *    read back
 *  READ SECTORS EXT (0x24) LBA 1 and LBA 0x7ff (LBA48 register pairs)
 *  SET MULTIPLE MODE (0xC6) 4, READ MULTIPLE (0xC4) LBA 8..15: one IRQ per
 *    4-sector block
 *  nIEN=1 in the device control register: READ SECTORS completes with no
 *    IRQ (data taken by polling the alternate status)
 *  READ SECTORS beyond the end (LBA 4096): ERR set in the status
 *  IRQ14 count is checked after every command; FNV checksum of all data
 *  read. (ATA/ATAPI-6; PIIX3 datasheet; PCI 2.1 3.2.2.3.2.) */
#include "idt.c"

static u32 pci_read(u32 bus, u32 dev, u32 fn, u32 reg)
{
    outl(0xcf8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc));
    return inl(0xcfc);
}

#define ATA_DATA 0x1f0
#define ATA_ERR 0x1f1
#define ATA_COUNT 0x1f2
#define ATA_LBA0 0x1f3
#define ATA_LBA1 0x1f4
#define ATA_LBA2 0x1f5
#define ATA_DEV 0x1f6
#define ATA_CMD 0x1f7
#define ATA_CTL 0x3f6

#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DRQ 0x08
#define ST_ERR 0x01

static volatile u32 irqs;
static volatile u8 irq_status;
static u32 hash = 2166136261u;
static int fails;

static void h_ide(struct trapframe *f)
{
    (void)f;
    irq_status = inb(ATA_CMD); /* acknowledges INTRQ */
    irqs++;
    pic_eoi(14);
}

static u8 altstatus(void) { return inb(ATA_CTL); }

static int wait_not_busy(void)
{
    for (u32 i = 0; i < 50000000u; i++) {
        u8 s = altstatus();
        if (!(s & ST_BSY))
            return s;
    }
    return -1;
}

/* wait with IF=1 (as a driver would) until the IRQ count reaches n; gives
 * up after ~1 s measured with PIT channel 2 (mode 0, 10 ms per round) so
 * that a slow but correct interrupt path is not a failure */
static int wait_irq(u32 n)
{
    int ok = 0;
    __asm__ volatile("sti" ::: "memory");
    for (int round = 0; round < 100 && !ok; round++) {
        outb(0x61, (inb(0x61) & ~0x02) | 0x01);
        outb(0x43, 0xb0);
        outb(0x42, 11932 & 0xff);
        outb(0x42, 11932 >> 8);
        for (u32 i = 0; i < 100000000u; i++) {
            if (irqs >= n) {
                ok = 1;
                break;
            }
            if (inb(0x61) & 0x20)
                break;
        }
    }
    __asm__ volatile("cli" ::: "memory");
    return ok;
}

static int wait_drq(void)
{
    int s = wait_not_busy();
    return s >= 0 && (s & ST_DRQ) && !(s & ST_ERR);
}

static void read_block(u16 *buf, u32 words)
{
    __asm__ volatile("cld\n\trep insw" : "+D"(buf), "+c"(words) : "d"(ATA_DATA) : "memory");
}

static void write_block(const u16 *buf, u32 words)
{
    __asm__ volatile("cld\n\trep outsw" : "+S"(buf), "+c"(words) : "d"(ATA_DATA) : "memory");
}

static void lba28(u8 cmd, u32 lba, u8 count)
{
    wait_not_busy();
    outb(ATA_DEV, 0xe0 | ((lba >> 24) & 0x0f));
    outb(ATA_COUNT, count);
    outb(ATA_LBA0, lba & 0xff);
    outb(ATA_LBA1, (lba >> 8) & 0xff);
    outb(ATA_LBA2, (lba >> 16) & 0xff);
    outb(ATA_CMD, cmd);
}

static void lba48(u8 cmd, u32 lba, u16 count)
{
    wait_not_busy();
    outb(ATA_DEV, 0x40);
    outb(ATA_COUNT, count >> 8); /* "previous" (high) bytes first */
    outb(ATA_LBA0, (lba >> 24) & 0xff);
    outb(ATA_LBA1, 0);
    outb(ATA_LBA2, 0);
    outb(ATA_COUNT, count & 0xff);
    outb(ATA_LBA0, lba & 0xff);
    outb(ATA_LBA1, (lba >> 8) & 0xff);
    outb(ATA_LBA2, (lba >> 16) & 0xff);
    outb(ATA_CMD, cmd);
}

static int pattern_ok(const u8 *s, u32 n)
{
    if (s[0] != (n & 0xff) || s[1] != ((n >> 8) & 0xff) || s[2] != ((n >> 16) & 0xff) || s[3] != (n >> 24))
        return 0;
    for (int i = 4; i < 512; i++)
        if (s[i] != (n & 0xff))
            return 0;
    return 1;
}

static u16 sec[8][256];

static void check_irqs(const char *what, u32 want)
{
    if (irqs != want) {
        printf("  %s: irq14 count %u, expected %u\n", what, irqs, want);
        fails++;
    }
}

int main(void)
{
    cpu_init();
    outl(0xcf8, 0x80000000u);
    printf("pci: cf8 reads back %08x\n", inl(0xcf8));
    static const u32 bdf[3][2] = {{0, 0}, {1, 0}, {1, 1}};
    for (int i = 0; i < 3; i++) {
        u32 id = pci_read(0, bdf[i][0], bdf[i][1], 0);
        u32 cls = pci_read(0, bdf[i][0], bdf[i][1], 8);
        u32 hdr = pci_read(0, bdf[i][0], bdf[i][1], 0xc);
        printf("pci 00:%02x.%u: vendor=%04x device=%04x class=%04x progif=%02x multifunction=%u\n",
               bdf[i][0], bdf[i][1], id & 0xffff, id >> 16, cls >> 16, (cls >> 8) & 0xff,
               (hdr >> 23) & 1);
    }
    printf("pci 00:02.0: %08x\n", pci_read(0, 2, 0, 0));
    printf("pci 00:1f.0: %08x\n", pci_read(0, 0x1f, 0, 0));

    trap_handlers[0x2e] = h_ide;
    pic_unmask(2);
    pic_unmask(14);
    outb(ATA_CTL, 0x00); /* nIEN = 0 */
    outb(ATA_DEV, 0xa0);
    io_delay();
    u8 st = altstatus();
    if (st == 0xff || st == 0x00) {
        printf("ide: no drive (status %02x)\n", st);
        return finish();
    }
    /* IDENTIFY DEVICE */
    irqs = 0;
    outb(ATA_CMD, 0xec);
    if (!wait_irq(1) || !wait_drq()) {
        printf("ide: no drive (IDENTIFY failed, status %02x)\n", altstatus());
        return finish();
    }
    static u16 id[256];
    read_block(id, 256);
    check_irqs("identify", 1);
    int printable = 1, len = 0;
    for (int i = 27; i <= 46; i++) {
        char c[2] = {(char)(id[i] >> 8), (char)(id[i] & 0xff)};
        for (int k = 0; k < 2; k++) {
            if (c[k] < 0x20 || c[k] > 0x7e)
                printable = 0;
            if (c[k] != ' ')
                len = (i - 27) * 2 + k + 1;
        }
    }
    printf("identify: model printable=%u non-empty=%u\n", printable, len > 0);
    printf("identify: lba=%u lba28 sectors=%u lba48=%u lba48 sectors=%u max multiple>=4: %u\n",
           (id[49] >> 9) & 1, id[60] | ((u32)id[61] << 16), (id[83] >> 10) & 1,
           id[100] | ((u32)id[101] << 16), (id[47] & 0xff) >= 4);

    /* READ SECTORS 0..7 */
    lba28(0x20, 0, 8);
    int ok = 1;
    for (int s = 0; s < 8; s++) {
        if (!wait_irq(2 + s) || !wait_drq()) {
            ok = 0;
            break;
        }
        read_block(sec[s], 256);
        ok &= pattern_ok((u8 *)sec[s], s);
        hash = crc_update(hash, sec[s], 512);
    }
    wait_not_busy();
    printf("read sectors 0-7: pattern ok=%u\n", ok);
    check_irqs("read 0-7", 9);

    /* WRITE SECTORS 5 */
    static u16 wbuf[256];
    for (int i = 0; i < 256; i++)
        wbuf[i] = (u16)(0xa55a ^ (i * 0x0101));
    lba28(0x30, 5, 1);
    ok = wait_drq(); /* no IRQ before the first sector of a write */
    check_irqs("write: before data", 9);
    write_block(wbuf, 256);
    ok &= wait_irq(10);
    st = (u8)wait_not_busy();
    printf("write sector 5: ok=%u status=%02x\n", ok, st & (ST_BSY | ST_DRDY | ST_DRQ | ST_ERR));
    lba28(0x20, 5, 1);
    ok = wait_irq(11) && wait_drq();
    read_block(sec[0], 256);
    hash = crc_update(hash, sec[0], 512);
    printf("read back sector 5: equal=%u\n", ok && memcmp(sec[0], wbuf, 512) == 0);
    check_irqs("write+read back", 11);

    /* READ SECTORS EXT */
    lba48(0x24, 1, 1);
    ok = wait_irq(12) && wait_drq();
    read_block(sec[0], 256);
    hash = crc_update(hash, sec[0], 512);
    printf("read sectors ext lba 1: pattern ok=%u\n", ok && pattern_ok((u8 *)sec[0], 1));
    lba48(0x24, 0x7ff, 1);
    ok = wait_irq(13) && wait_drq();
    read_block(sec[0], 256);
    hash = crc_update(hash, sec[0], 512);
    printf("read sectors ext lba 0x7ff: pattern ok=%u\n", ok && pattern_ok((u8 *)sec[0], 0x7ff));
    check_irqs("read ext", 13);

    /* SET MULTIPLE 4 + READ MULTIPLE 8..15 */
    wait_not_busy();
    outb(ATA_DEV, 0xe0);
    outb(ATA_COUNT, 4);
    outb(ATA_CMD, 0xc6);
    ok = wait_irq(14);
    st = (u8)wait_not_busy();
    printf("set multiple 4: ok=%u err=%u\n", ok, st & ST_ERR);
    lba28(0xc4, 8, 8);
    ok = 1;
    for (int blk = 0; blk < 2; blk++) {
        if (!wait_irq(15 + blk) || !wait_drq()) {
            ok = 0;
            break;
        }
        read_block(sec[blk * 4], 4 * 256);
    }
    wait_not_busy();
    for (int s = 0; s < 8; s++) {
        ok &= pattern_ok((u8 *)sec[s], 8 + s);
        hash = crc_update(hash, sec[s], 512);
    }
    printf("read multiple 8-15: pattern ok=%u\n", ok);
    check_irqs("read multiple", 16);

    /* nIEN = 1: no interrupt */
    outb(ATA_CTL, 0x02);
    lba28(0x20, 100, 1);
    ok = wait_drq();
    read_block(sec[0], 256);
    wait_not_busy();
    for (volatile int i = 0; i < 100000; i++)
        ;
    sti();
    for (volatile int i = 0; i < 100000; i++)
        ;
    cli();
    printf("nIEN=1 read lba 100: pattern ok=%u irq14 count unchanged=%u\n",
           ok && pattern_ok((u8 *)sec[0], 100), irqs == 16);
    outb(ATA_CTL, 0x00);
    inb(ATA_CMD);

    /* beyond the end */
    lba28(0x20, 4096, 1);
    wait_irq(17);
    st = (u8)wait_not_busy();
    printf("read lba 4096: ERR=%u DRQ=%u error register nonzero=%u\n", st & ST_ERR,
           (st >> 3) & 1, inb(ATA_ERR) != 0);
    check_irqs("read past end", 17);
    printf("irq14 total: %u\n", irqs);
    printf("checksum: %08x\n", hash);
    if (fails)
        g_failures += fails;
    return finish();
}
