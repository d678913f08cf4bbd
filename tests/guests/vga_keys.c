/* vga_keys: the guest of tests/cli/vga_curses.py, which runs btvmm with
 * -display curses in a pseudo-terminal. The guest writes a banner in colour
 * on the screen, then reads the PS/2 keyboard by polling the i8042 (ports
 * 0x64/0x60, set-1 scancodes, shift tracked), echoes each character on
 * screen row 2 (moving the hardware cursor) and on COM1, and at Enter
 * writes "got: TEXT" on row 4 and exits through the debug port. With no
 * Enter after many polls it gives up (exit status 3). No .expect: it needs
 * typed keys, so it is not run by run_guest.sh or the QEMU oracle. */
#include "lib.h"

static volatile u16 *const vram = (volatile u16 *)0xB8000;

static void put_at(unsigned row, unsigned col, const char *s, u8 colour)
{
    for (; *s; s++)
        vram[row * 80 + col++] = (u16)(colour << 8 | (u8)*s);
}

static void cursor_set(unsigned pos)
{
    outw(0x3D4, (u16)(0x0E | (pos & 0xff00)));
    outw(0x3D4, (u16)(0x0F | pos << 8));
}

/* set 1 make codes 0x02-0x39 (US layout), unshifted and shifted */
static const char plain[] = "\0\0" "1234567890-=\0\0" "qwertyuiop[]\0\0" "asdfghjkl;'`\0\\"
                            "zxcvbnm,./\0*\0 ";
static const char shifted[] = "\0\0" "!@#$%^&*()_+\0\0" "QWERTYUIOP{}\0\0" "ASDFGHJKL:\"~\0|"
                              "ZXCVBNM<>?\0*\0 ";

int main(void)
{
    char line[64];
    unsigned n = 0, shift = 0;
    for (unsigned i = 0; i < 80 * 25; i++)
        vram[i] = 0x0720;
    put_at(0, 0, "btvmm curses test: type a line", 0x1e);
    cursor_set(2 * 80);
    printf("ready\n");
    for (u32 polls = 0; polls < 200000000u; polls++) {
        if (!(inb(0x64) & 1))
            continue;
        u8 sc = inb(0x60);
        if (sc == 0x2a || sc == 0x36 || sc == 0xaa || sc == 0xb6) {
            shift = !(sc & 0x80);
            continue;
        }
        if (sc == 0x1c) {
            line[n] = 0;
            put_at(4, 0, "got: ", 0x0a);
            put_at(4, 5, line, 0x0f);
            cursor_set(4 * 80 + 5 + n);
            printf("got: %s\n", line);
            return 0;
        }
        if (sc >= sizeof(plain) - 1 || n + 1 >= sizeof(line))
            continue;
        char c = shift ? shifted[sc] : plain[sc];
        if (!c)
            continue;
        line[n] = c;
        vram[2 * 80 + n] = (u16)(0x0700 | (u8)c);
        n++;
        cursor_set(2 * 80 + n);
    }
    printf("no Enter typed\n");
    return 1;
}
