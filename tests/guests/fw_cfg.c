/* fw_cfg: QEMU's firmware configuration device at ports 0x510 (16-bit
 * selector), 0x511 (data) and 0x514/0x518 (DMA address, big-endian).
 *  - signature "QEMU" through the data port, then zeros past its end; a
 *    byte read at the selector port also returns data (QEMU's combined
 *    port); a word write to the data port selects nothing
 *  - ID: the traditional interface and DMA bits
 *  - NB_CPUS and MAX_CPUS (1 each: -smp 1), RAM_SIZE (-m 128)
 *  - a key with no item (0x18), one out of range (0x3fff) and an
 *    arch-local one nothing uses (0x8010) read as zeros
 *  - the file directory (big-endian count, then size/key/name records):
 *    etc/e820 is found by name and read through its key; what is printed
 *    are facts both machines agree on (20-byte records, available RAM from
 *    1 MiB to the top, the top is the RAM size, low memory below 640 KiB),
 *    not the records themselves: btvmm's map is bios/memmap.c's (low RAM,
 *    EBDA and BIOS reserved, high RAM), QEMU's has one RAM record from 0
 *  - DMA: the signature at 0x514 ("QEMU CFG"); select+read of etc/e820
 *    matches the port read and clears the control word; a read past the
 *    end fills zeros; skip then read; a write to a read-only item sets the
 *    error bit; a read into memory with no RAM behind it sets the error bit */
#include "lib.h"

#define SEL 0x510
#define DATA 0x511
#define DMA_HI 0x514
#define DMA_LO 0x518

static u32 bswap(u32 v)
{
    return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static void read_item(u16 key, void *buf, u32 n)
{
    outw(SEL, key);
    for (u32 i = 0; i < n; i++)
        ((u8 *)buf)[i] = inb(DATA);
}

static u32 read_le(u16 key, int n)
{
    u8 b[8];
    read_item(key, b, n);
    u32 v = 0;
    for (int i = n > 4 ? 3 : n - 1; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

struct dma_access {
    u32 control, length, addr_hi, addr_lo; /* all big-endian */
};

static volatile struct dma_access dma_desc;

static u32 dma(u32 control, void *buf, u32 len)
{
    dma_desc.control = bswap(control);
    dma_desc.length = bswap(len);
    dma_desc.addr_hi = 0;
    dma_desc.addr_lo = bswap((u32)buf);
    outl(DMA_HI, 0);
    outl(DMA_LO, bswap((u32)&dma_desc));
    return bswap(dma_desc.control);
}

static u8 dir[4 + 64 * 64];
static u8 e820[20 * 32];
static u8 e820_dma[20 * 32];

static u16 find_file(const char *name, u32 *size)
{
    u32 count = (u32)dir[0] << 24 | dir[1] << 16 | dir[2] << 8 | dir[3];
    for (u32 i = 0; i < count && i < 64; i++) {
        const u8 *e = dir + 4 + 64 * i;
        if (!memcmp(e + 8, name, strlen(name) + 1)) {
            *size = (u32)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
            return (u16)(e[4] << 8 | e[5]);
        }
    }
    return 0;
}

static void e820_facts(const u8 *t, u32 size)
{
    u32 top = 0, high_ok = 0, low_ok = 0;
    for (u32 off = 0; off + 20 <= size; off += 20) {
        const u32 *r = (const u32 *)(t + off);
        /* base and length are 64-bit; 128 MiB guest: high halves 0 */
        if (r[1] || r[3] || r[4] != 1)
            continue;
        u32 end = r[0] + r[2];
        if (end > top)
            top = end;
        if (r[0] <= 0x100000 && end >= 0x100000)
            high_ok = end;
        if (r[0] == 0 && end >= 0x9f000)
            low_ok = 1;
    }
    printf_("e820: %u-byte records: %u\n", 20, size % 20 == 0 && size >= 20);
    printf_("e820: top of available RAM: %u MiB\n", top >> 20);
    printf_("e820: 1 MiB to the top available: %u\n", high_ok == top);
    printf_("e820: RAM from 0 to 636 KiB available: %u\n", low_ok);
}

int main(void)
{
    char sig[9] = {0};
    read_item(0, sig, 8);
    printf_("signature: %s, then %02x %02x %02x %02x\n", sig, (u8)sig[4], (u8)sig[5],
            (u8)sig[6], (u8)sig[7]);
    outw(SEL, 0);
    u8 a = inb(SEL), b = inb(DATA);
    outw(DATA, 0); /* not a select: QEMU splits it into byte writes, ignored */
    u8 c = inb(DATA);
    printf_("byte at 0x510: %c, next at 0x511: %c, after a word write to 0x511: %c\n", a, b, c);

    u32 id = read_le(1, 4);
    printf_("id: traditional %u, dma %u\n", id & 1, (id >> 1) & 1);
    printf_("nb_cpus: %u, max_cpus: %u\n", read_le(5, 2), read_le(0x0f, 2));
    u8 ram[8];
    read_item(3, ram, 8);
    printf_("ram size: %u MiB (high dword %u)\n",
            (ram[0] | ram[1] << 8 | ram[2] << 16 | (u32)ram[3] << 24) >> 20,
            ram[4] | ram[5] << 8 | ram[6] << 16 | (u32)ram[7] << 24);
    printf_("no item 0x18: %08x, out of range 0x3fff: %08x, arch 0x8010: %08x\n",
            read_le(0x18, 4), read_le(0x3fff, 4), read_le(0x8010, 4));

    read_item(0x19, dir, sizeof(dir));
    u32 size = 0;
    u16 key = find_file("etc/e820", &size);
    printf_("etc/e820: found %u, key in file range %u\n", key != 0, key >= 0x20);
    if (!key || size > sizeof(e820))
        return finish();
    read_item(key, e820, size);
    e820_facts(e820, size);

    u32 dsig0 = inl(DMA_HI), dsig1 = inl(DMA_LO);
    printf_("dma signature: %c%c%c%c%c%c%c%c\n", dsig0, dsig0 >> 8, dsig0 >> 16, dsig0 >> 24,
            dsig1, dsig1 >> 8, dsig1 >> 16, dsig1 >> 24);
    memset(e820_dma, 0xaa, sizeof(e820_dma));
    u32 ctl = dma((u32)key << 16 | 0x08 | 0x02, e820_dma, size);
    printf_("dma select+read: control %x, matches port read %u\n", ctl,
            !memcmp(e820, e820_dma, size));
    memset(e820_dma, 0xaa, 16);
    ctl = dma((u32)key << 16 | 0x08 | 0x04, 0, size - 4); /* skip all but 4 */
    u32 ctl2 = dma(0x02, e820_dma, 12);
    printf_("dma skip: control %x; read across the end: control %x, last 4 bytes %u, "
            "then zeros %u\n",
            ctl, ctl2, !memcmp(e820_dma, e820 + size - 4, 4),
            e820_dma[4] == 0 && e820_dma[11] == 0 && e820_dma[12] == 0xaa);
    ctl = dma(0x08 | 0x10, e820_dma, 4); /* write to the signature item */
    printf_("dma write to a read-only item: control %x\n", ctl);
    ctl = dma((u32)key << 16 | 0x08 | 0x02, (void *)0xf0000000u, 4);
    printf_("dma read to no RAM: control %x\n", ctl);
    return finish();
}
