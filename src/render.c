/* render.c - turning a VGA text screen into what a terminal draws.
 *
 * Colours: a cell's attribute has the foreground in bits 0-3 (blue, green,
 * red, intensity) and the background in bits 4-6, with bit 7 either blink
 * or a bright background (attribute mode control bit 3). These are mapped
 * to the 16 ANSI colours (SGR 30-37/90-97, 40-47/100-107, 5 for blink):
 * the VGA's palette and DAC are not consulted, so a guest that reprograms
 * them sees its text in the standard colours. Characters are shown as the
 * Unicode glyphs of code page 437, the VGA's ROM font.
 *
 * render_diff redraws whole rows that changed; a row is 80 cells, so the
 * cost of finer diffs is not worth their code at a 40 ms refresh. */
#include "render.h"

#include <string.h>

/* Code page 437 glyphs for 0x01-0x1f, 0x7f and 0x80-0xff; 0 = ASCII. */
/* clang-format off */
static const uint16_t cp437[256] = {
    [0x01] = 0x263a, 0x263b, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25d8,
    0x25cb, 0x25d9, 0x2642, 0x2640, 0x266a, 0x266b, 0x263c, 0x25ba, 0x25c4,
    0x2195, 0x203c, 0x00b6, 0x00a7, 0x25ac, 0x21a8, 0x2191, 0x2193, 0x2192,
    0x2190, 0x221f, 0x2194, 0x25b2, 0x25bc,
    [0x7f] = 0x2302,
    /* 0x80 */
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
    0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
    0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
    0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
    /* 0xa0 */
    0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
    0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
    /* 0xc0 */
    0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
    0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
    0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
    /* 0xe0 */
    0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
    0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
    0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
    0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};
/* clang-format on */

int render_glyph(uint8_t ch, char *out)
{
	unsigned u = cp437[ch];
	if (ch == 0) {
		out[0] = ' ';
		return 1;
	}
	if (u == 0) {
		out[0] = (char)ch;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | u >> 12);
	out[1] = (char)(0x80 | (u >> 6 & 0x3f));
	out[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

/* VGA colour bits (blue 1, green 2, red 4) to ANSI's (red 1, green 2, blue 4). */
static unsigned ansi(unsigned c)
{
	return (c & 1) << 2 | (c & 2) | (c & 4) >> 2;
}

/* The SGR sequence for an attribute; returns its length. */
static int sgr(uint8_t attr, bool blink, char *out)
{
	unsigned fg = attr & 0xf, bg = attr >> 4 & 7;
	bool hi_bg = (attr & 0x80) && !blink;
	return sprintf(out, "\033[0;%u;%u%sm", (fg & 8 ? 90 : 30) + ansi(fg & 7),
		       (hi_bg ? 100 : 40) + ansi(bg), (attr & 0x80) && blink ? ";5" : "");
}

/* A bounded appender: later writes are dropped once cap is reached. */
struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		o->len = o->cap; /* full: drop the rest */
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_row(struct out *o, const struct vga_screen *s, unsigned r)
{
	char tmp[48];
	int attr = -1;
	put(o, tmp, (size_t)snprintf(tmp, sizeof(tmp), "\033[%u;1H", r + 1));
	for (unsigned c = 0; c < s->cols; c++) {
		uint16_t cell = s->cell[r * s->cols + c];
		if ((cell >> 8) != attr) {
			attr = cell >> 8;
			put(o, tmp, (size_t)sgr((uint8_t)attr, s->blink, tmp));
		}
		put(o, tmp, (size_t)render_glyph((uint8_t)cell, tmp));
	}
}

static bool row_same(const struct vga_screen *a, const struct vga_screen *b, unsigned r)
{
	return !memcmp(&a->cell[r * a->cols], &b->cell[r * b->cols], a->cols * sizeof(a->cell[0]));
}

static void put_cursor(struct out *o, const struct vga_screen *s)
{
	char tmp[48];
	put_str(o, "\033[0m");
	if (s->cursor_row < 0) {
		put_str(o, "\033[?25l");
		return;
	}
	/* DECSCUSR: steady block (2) or steady underline (4), from CR0A's start line */
	put(o, tmp,
	    (size_t)snprintf(tmp, sizeof(tmp), "\033[%d q\033[%d;%dH\033[?25h",
			     s->cursor_block ? 2 : 4, s->cursor_row + 1, s->cursor_col + 1));
}

static void put_graphics_note(struct out *o)
{
	static const char note[] = "\033[0m\033[H\033[2J(the guest is in a graphics mode: "
				   "only text modes are shown)\033[?25l";
	put_str(o, note);
}

size_t render_diff(const struct vga_screen *old, const struct vga_screen *now, char *buf,
		   size_t cap)
{
	struct out o = {buf, 0, cap};
	bool full = !old || old->cols != now->cols || old->rows != now->rows ||
		    old->blink != now->blink || old->graphics != now->graphics;
	bool moved = full || old->cursor_row != now->cursor_row ||
		     old->cursor_col != now->cursor_col || old->cursor_block != now->cursor_block;
	if (now->graphics) {
		if (full)
			put_graphics_note(&o);
		return o.len;
	}
	if (full)
		put_str(&o, "\033[0m\033[H\033[2J");
	bool drew = false;
	for (unsigned r = 0; r < now->rows; r++)
		if (full || !row_same(old, now, r)) {
			put_row(&o, now, r);
			drew = true;
		}
	if (drew || moved)
		put_cursor(&o, now);
	return o.len;
}

void render_dump(const struct vga_screen *s, FILE *f)
{
	char g[4];
	if (s->graphics) {
		fputs("(graphics mode)\n", f);
		return;
	}
	for (unsigned r = 0; r < s->rows; r++) {
		unsigned end = s->cols;
		while (end > 0) {
			uint8_t ch = (uint8_t)s->cell[r * s->cols + end - 1];
			if (ch != ' ' && ch != 0)
				break;
			end--;
		}
		for (unsigned c = 0; c < end; c++)
			fwrite(g, 1, (size_t)render_glyph((uint8_t)s->cell[r * s->cols + c], g), f);
		fputc('\n', f);
	}
}
