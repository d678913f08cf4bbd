/* vga_tos: a "teaching OS" console, the way hobby kernels write one.
 * It reads the hardware cursor from the CRTC (0x3D4/0x3D5), prints through
 * the text buffer at 0xB8000 with colours, handles '\n', '\r', '\t' and
 * '\b', scrolls the screen up when the cursor runs off the bottom, and
 * moves the hardware cursor after every character. At the end it prints on
 * COM1 a summary (cursor read back from the CRTC, scroll count, a checksum
 * of the buffer) and the 25 rows as text between "screen:" and "end",
 * trailing blanks cut; run_vga_dump.sh checks that btvmm's -vga-dump shows
 * exactly those rows. The cursor at entry differs between btvmm (0,0) and
 * QEMU (after SeaBIOS's banner), so only its validity is printed. */
#include "lib.h"

#define COLS 80
#define ROWS 25

static volatile u16 *const vram = (volatile u16 *)0xB8000;
static unsigned row, col, scrolls;
static u8 colour = 0x07;

static u16 cursor_get(void)
{
    outb(0x3D4, 0x0E);
    u16 pos = (u16)(inb(0x3D5) << 8);
    outb(0x3D4, 0x0F);
    return pos | inb(0x3D5);
}

static void cursor_set(unsigned pos)
{
    outb(0x3D4, 0x0F);
    outb(0x3D5, (u8)pos);
    outb(0x3D4, 0x0E);
    outb(0x3D5, (u8)(pos >> 8));
}

static void scroll(void)
{
    for (unsigned i = 0; i < (ROWS - 1) * COLS; i++)
        vram[i] = vram[i + COLS];
    for (unsigned i = (ROWS - 1) * COLS; i < ROWS * COLS; i++)
        vram[i] = (u16)(colour << 8 | ' ');
    row = ROWS - 1;
    scrolls++;
}

static void con_putc(char c)
{
    switch (c) {
    case '\n':
        col = 0;
        row++;
        break;
    case '\r':
        col = 0;
        break;
    case '\t':
        col = (col + 8) & ~7u;
        break;
    case '\b':
        if (col)
            vram[row * COLS + --col] = (u16)(colour << 8 | ' ');
        break;
    default:
        vram[row * COLS + col++] = (u16)(colour << 8 | (u8)c);
    }
    if (col >= COLS) {
        col = 0;
        row++;
    }
    if (row >= ROWS)
        scroll();
    cursor_set(row * COLS + col);
}

static void con_puts(const char *s)
{
    while (*s)
        con_putc(*s++);
}

static void con_clear(void)
{
    for (unsigned i = 0; i < ROWS * COLS; i++)
        vram[i] = 0x0720;
    row = col = 0;
    cursor_set(0);
}

static void con_dec(unsigned v)
{
    char buf[12];
    int n = 0;
    do
        buf[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        con_putc(buf[--n]);
}

static void dump_rows(void)
{
    printf("screen:\n");
    for (unsigned r = 0; r < ROWS; r++) {
        int end = COLS;
        while (end > 0 && (vram[r * COLS + end - 1] & 0xff) == ' ')
            end--;
        for (int c = 0; c < end; c++)
            serial_putc((char)vram[r * COLS + c]);
        serial_putc('\n');
    }
    printf("end\n");
}

int main(void)
{
    u16 boot = cursor_get();
    printf("boot cursor valid: %u\n", boot < COLS * ROWS);
    con_clear();
    colour = 0x1f;
    con_puts("tos 0.1 - a teaching OS on btvmm\n");
    colour = 0x07;
    for (unsigned i = 1; i <= 40; i++) {
        colour = (u8)(i % 15 + 1);
        con_puts("line ");
        con_dec(i);
        con_puts(":\tsquare ");
        con_dec(i * i);
        if (i % 7 == 0)
            con_puts(" (seven!)");
        if (i % 5 == 0)
            con_puts("xx\b\b  ");
        con_putc('\n');
    }
    colour = 0x4e;
    for (unsigned i = 0; i < 100; i++) /* a long line that wraps */
        con_putc((char)('a' + i % 26));
    con_puts("\rover");
    u16 pos = cursor_get();
    printf("cursor %u row %u col %u (console row %u col %u)\n", pos, pos / COLS, pos % COLS, row,
           col);
    printf("scrolls %u\n", scrolls);
    printf("buffer checksum %08x\n", crc_update(0, (const void *)vram, ROWS * COLS * 2));
    dump_rows();
    return 0;
}
