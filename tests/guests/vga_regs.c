/* vga_regs: the VGA's registers and text buffer as a text-mode guest sees
 * them after the BIOS left 80x25 colour text mode (mode 3).
 *  - the mode-3 register values (misc output, sequencer, graphics and
 *    attribute controllers, CRTC 0x00-0x18, DAC mask, first 16 DAC entries)
 *    and the BIOS data area's video fields (0x449-0x489, equipment bits 4-5);
 *  - CRTC read-back (index and data, byte and word accesses), the write
 *    protection of CR0-CR7 by CR11 bit 7 (CR7 bit 4 stays writable), cursor
 *    position, shape and start address;
 *  - the mono addresses 0x3B4/0x3B5/0x3BA answer only with misc output bit 0
 *    clear, the colour ones 0x3D4/0x3D5/0x3DA only with it set;
 *  - input status 1 toggles retrace bits on each read and resets the
 *    attribute flip-flop; attribute index/data through 0x3C0/0x3C1 (0x3C0
 *    is read only in the index phase: QEMU returns 0 in the data phase,
 *    a VGA its index);
 *  - sequencer and graphics index and data masks, DAC read/write indexes;
 *  - text written to 0xB8000 (bytes, words, rep movsl) reads back.
 * The cursor position and cells at entry depend on what the BIOS printed:
 * btvmm starts blank with the cursor at 0,0; under QEMU SeaBIOS has printed
 * its banner, so that line differs (vga_regs.qemu.expect). QEMU also reads
 * the DAC's pixel mask (0x3C6) as 0 whatever was written; a VGA reads back
 * the mask, which the BIOS leaves at 0xff (btvmm does that). The QEMU
 * run needs a VGA: run_qemu.sh passes -vga std for vga_* guests. */
#include "lib.h"

#define CRTC_I 0x3D4
#define CRTC_D 0x3D5
#define ST1 0x3DA

static u8 crtc_rd(u16 base, u8 i)
{
    outb(base, i);
    return inb(base + 1);
}

static void crtc_wr(u16 base, u8 i, u8 v)
{
    outb(base, i);
    outb(base + 1, v);
}

static u8 seq_rd(u8 i)
{
    outb(0x3C4, i);
    return inb(0x3C5);
}

static u8 gc_rd(u8 i)
{
    outb(0x3CE, i);
    return inb(0x3CF);
}

static u8 attr_rd(u8 i)
{
    (void)inb(ST1); /* flip-flop to index */
    outb(0x3C0, i | 0x20);
    return inb(0x3C1);
}

static void dump_initial(void)
{
    printf("misc %02x\nseq", inb(0x3CC));
    for (int i = 0; i < 5; i++)
        printf(" %02x", seq_rd(i));
    printf("\ngc");
    for (int i = 0; i < 9; i++)
        printf(" %02x", gc_rd(i));
    printf("\ncrtc");
    for (int i = 0; i <= 0x18; i++)
        if (i != 0x0e && i != 0x0f && i != 0x0c && i != 0x0d)
            printf(" %02x", crtc_rd(CRTC_I, i));
    printf("\nattr");
    for (int i = 0; i < 0x15; i++)
        printf(" %02x", attr_rd(i));
    printf("\ndac mask %02x\ndac", inb(0x3C6));
    outb(0x3C7, 0);
    for (int i = 0; i < 16 * 3; i++)
        printf(" %02x", inb(0x3C9));
    printf("\n");
    volatile u8 *bda = (volatile u8 *)0x400;
    __asm__("" : "+r"(bda)); /* not a zero-length object to the compiler */
    printf("bda mode %02x cols %02x%02x page size %02x%02x crtc %02x%02x rows %02x "
           "char height %02x%02x equip video %x\n",
           bda[0x49], bda[0x4b], bda[0x4a], bda[0x4d], bda[0x4c], bda[0x64], bda[0x63],
           bda[0x84], bda[0x86], bda[0x85], (bda[0x10] >> 4) & 3);
    printf("bda page start %02x%02x cursor type %02x%02x page %02x mode reg %02x palette %02x "
           "ega info %02x %02x %02x\n",
           bda[0x4f], bda[0x4e], bda[0x61], bda[0x60], bda[0x62], bda[0x65], bda[0x66],
           bda[0x87], bda[0x88], bda[0x89]);
}

static void initial_screen(void)
{
    u16 pos = (u16)(crtc_rd(CRTC_I, 0x0e) << 8 | crtc_rd(CRTC_I, 0x0f));
    volatile u16 *t = (volatile u16 *)0xB8000;
    u32 blank = 0;
    for (int i = 0; i < 80 * 25; i++)
        blank += t[i] == 0x0720;
    printf("initial cursor %u start %02x%02x blank cells %u\n", pos, crtc_rd(CRTC_I, 0x0c),
           crtc_rd(CRTC_I, 0x0d), blank);
}

static void crtc_readback(void)
{
    static const u8 regs[] = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x13, 0x14, 0x08};
    static const u8 vals[] = {0x00, 0xff, 0x5a, 0xa5};
    for (unsigned r = 0; r < sizeof(regs); r++) {
        u8 old = crtc_rd(CRTC_I, regs[r]);
        printf("crtc %02x:", regs[r]);
        for (unsigned v = 0; v < sizeof(vals); v++) {
            crtc_wr(CRTC_I, regs[r], vals[v]);
            printf(" %02x", crtc_rd(CRTC_I, regs[r]));
        }
        crtc_wr(CRTC_I, regs[r], old);
        printf(" index %02x\n", inb(CRTC_I));
    }
    /* CR0-7 are locked by CR11 bit 7, which the BIOS leaves set */
    u8 cr11 = crtc_rd(CRTC_I, 0x11), cr1 = crtc_rd(CRTC_I, 1), cr7 = crtc_rd(CRTC_I, 7);
    crtc_wr(CRTC_I, 1, 0x33);
    crtc_wr(CRTC_I, 7, cr7 ^ 0xff);
    printf("locked: cr1 %02x cr7 %02x\n", crtc_rd(CRTC_I, 1), crtc_rd(CRTC_I, 7));
    crtc_wr(CRTC_I, 7, cr7);
    crtc_wr(CRTC_I, 0x11, cr11 & 0x7f);
    crtc_wr(CRTC_I, 1, 0x33);
    printf("unlocked: cr1 %02x\n", crtc_rd(CRTC_I, 1));
    crtc_wr(CRTC_I, 1, cr1);
    crtc_wr(CRTC_I, 0x11, cr11);
    printf("restored: cr1 %02x cr11 %02x\n", crtc_rd(CRTC_I, 1), crtc_rd(CRTC_I, 0x11));
}

static void cursor_positions(void)
{
    static const u16 pos[] = {0, 79, 80, 1999, 81 * 7 + 3, 0x3fff};
    for (unsigned i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
        /* as most hobby kernels do it: word writes of index | data << 8 */
        outw(CRTC_I, (u16)(0x0e | (pos[i] & 0xff00)));
        outw(CRTC_I, (u16)(0x0f | (pos[i] << 8)));
        u16 got = (u16)(crtc_rd(CRTC_I, 0x0e) << 8 | crtc_rd(CRTC_I, 0x0f));
        outb(CRTC_I, 0x0f);
        u16 w = inw(CRTC_I);
        printf("cursor %u -> %u (row %u col %u) inw %04x\n", pos[i], got, got / 80, got % 80, w);
    }
    crtc_wr(CRTC_I, 0x0e, 0);
    crtc_wr(CRTC_I, 0x0f, 0);
}

static void mono_aliases(void)
{
    u8 misc = inb(0x3CC);
    printf("colour: 3b4 %02x 3b5 %02x 3ba %02x\n", inb(0x3B4), inb(0x3B5), inb(0x3BA));
    outb(0x3C2, misc & ~1);
    printf("misc now %02x\n", inb(0x3CC));
    outb(0x3B4, 0x0e);
    outb(0x3B5, 0x12);
    printf("mono: 3b4 %02x 3b5 %02x 3d4 %02x 3d5 %02x\n", inb(0x3B4), inb(0x3B5), inb(CRTC_I),
           inb(CRTC_D));
    outb(0x3B5, 0);
    u8 a = inb(0x3BA), b = inb(0x3BA);
    printf("mono status %02x %02x 3da %02x\n", a & 0x09, b & 0x09, inb(ST1));
    outb(0x3C2, misc);
    printf("misc back %02x 3d4 %02x\n", inb(0x3CC), inb(CRTC_I));
}

static void status_and_attr(void)
{
    u8 s[4];
    for (int i = 0; i < 4; i++)
        s[i] = inb(ST1) & 0x09;
    printf("status 1 bits 0,3 over 4 reads: %02x %02x %02x %02x toggles %u\n", s[0], s[1], s[2],
           s[3], s[0] != s[1] && s[1] != s[2] && s[2] != s[3]);
    /* flip-flop: index, data, index ...; a status read goes back to index */
    (void)inb(ST1);
    outb(0x3C0, 0x20 | 0x12); /* colour plane enable */
    outb(0x3C0, 0x05);
    printf("attr index %02x data %02x\n", inb(0x3C0), inb(0x3C1));
    outb(0x3C0, 0x20 | 0x11); /* back in the index phase: selects 0x11 */
    outb(0x3C0, 0x07);        /* overscan */
    u8 idx = inb(0x3C0);
    printf("attr index after second pair %02x\n", idx);
    printf("attr 11 %02x 12 %02x\n", attr_rd(0x11), attr_rd(0x12));
    (void)inb(ST1);
    outb(0x3C0, 0x20 | 0x12);
    outb(0x3C0, 0x0f);
    outb(0x3C0, 0x20 | 0x00);
    outb(0x3C0, 0x3f); /* palette entry 0: 6 bits */
    printf("attr 12 %02x pal0 %02x\n", attr_rd(0x12), attr_rd(0));
    (void)inb(ST1);
    outb(0x3C0, 0x00);
    outb(0x3C0, 0x00);
    outb(0x3C0, 0x11);
    outb(0x3C0, 0x00);
    (void)inb(ST1);
    outb(0x3C0, 0x20);
}

static void seq_gc_dac(void)
{
    outb(0x3C4, 0xff);
    printf("seq index ff -> %02x\n", inb(0x3C4));
    u8 sr2 = seq_rd(2);
    outb(0x3C5, 0xff);
    printf("seq 2 ff -> %02x\n", inb(0x3C5));
    outb(0x3C5, sr2);
    outb(0x3CE, 0xff);
    printf("gc index ff -> %02x\n", inb(0x3CE));
    u8 gr5 = gc_rd(5);
    outb(0x3CF, 0xff);
    printf("gc 5 ff -> %02x\n", inb(0x3CF));
    outb(0x3CF, gr5);
    outb(0x3C8, 5);
    outb(0x3C9, 0x01);
    outb(0x3C9, 0x22);
    outb(0x3C9, 0x3f);
    outb(0x3C9, 0x10); /* entry 6, red */
    printf("dac write index %02x\n", inb(0x3C8));
    outb(0x3C7, 5);
    printf("dac state %02x\n", inb(0x3C7));
    u8 r = inb(0x3C9), g = inb(0x3C9), b = inb(0x3C9), r6 = inb(0x3C9);
    printf("dac 5 %02x %02x %02x 6 red %02x write index %02x\n", r, g, b, r6, inb(0x3C8));
    outb(0x3C8, 0);
    printf("dac state after write index %02x\n", inb(0x3C7));
    outb(0x3C6, 0x0f);
    printf("dac mask %02x\n", inb(0x3C6));
    outb(0x3C6, 0xff);
}

static void text_buffer(void)
{
    volatile u8 *b = (volatile u8 *)0xB8000;
    volatile u16 *w = (volatile u16 *)0xB8000;
    const char *msg = "btvmm VGA text";
    for (unsigned i = 0; i < 80 * 25; i++) /* whatever the BIOS printed */
        w[i] = 0x0720;
    for (unsigned i = 0; msg[i]; i++) {
        b[2 * i] = (u8)msg[i];
        b[2 * i + 1] = 0x1f;
    }
    for (unsigned i = 0; i < 80; i++)
        w[80 + i] = (u16)(0x4e00 | ('0' + i % 10));
    /* row 2 from row 0 with rep movsl */
    u32 *src = (u32 *)0xB8000, *dst = (u32 *)(0xB8000 + 320), n = 40;
    __asm__ volatile("rep movsl" : "+S"(src), "+D"(dst), "+c"(n) : : "memory");
    printf("row0:");
    for (unsigned i = 0; i < 16; i++)
        printf(" %04x", w[i]);
    printf("\nrow2 = row0: %u row1 sum %u last cell %04x\n",
           memcmp((void *)0xB8000, (void *)(0xB8000 + 320), 160) == 0,
           crc_update(0, (void *)(0xB8000 + 160), 160), w[16383]);
    w[16383] = 0x1234;
    printf("last cell %04x\n", w[16383]);
}

int main(void)
{
    dump_initial();
    initial_screen();
    crtc_readback();
    cursor_positions();
    mono_aliases();
    status_and_attr();
    seq_gc_dac();
    text_buffer();
    return 0;
}
