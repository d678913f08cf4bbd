/*
 * test_vga.c - unit tests for the VGA's registers and text view
 * (devices/vga.c), the terminal renderer (src/render.c), the keyboard map
 * (src/keymap.c) and the BIOS data area's video fields (bios/bda.c).
 *
 * The VGA is driven through the port bus as a guest drives it, over a
 * 128 KiB buffer standing in for guest RAM at 0xA0000.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bda.h"
#include "iobus.h"
#include "keymap.h"
#include "render.h"
#include "vga.h"

static struct io_bus bus;
static struct vga vga;
static uint8_t mem[VGA_MEM_SIZE];

static void setup(void)
{
	iobus_init(&bus);
	memset(mem, 0xaa, sizeof(mem));
	ck_assert_int_eq(vga_init(&vga, &bus, mem), 0);
}

static uint8_t in8(uint16_t port)
{
	return (uint8_t)iobus_in(&bus, port, 1);
}

static void out8(uint16_t port, uint8_t v)
{
	iobus_out(&bus, port, 1, v);
}

static uint8_t crtc(uint8_t i)
{
	out8(0x3d4, i);
	return in8(0x3d5);
}

static void set_crtc(uint8_t i, uint8_t v)
{
	out8(0x3d4, i);
	out8(0x3d5, v);
}

static uint16_t text_cell(unsigned i)
{
	uint8_t *t = mem + (VGA_TEXT_BASE - VGA_MEM_BASE);
	return (uint16_t)(t[2 * i] | t[2 * i + 1] << 8);
}

static void put_cell(unsigned i, uint16_t v)
{
	uint8_t *t = mem + (VGA_TEXT_BASE - VGA_MEM_BASE);
	t[2 * i] = (uint8_t)v;
	t[2 * i + 1] = (uint8_t)(v >> 8);
}

/* ---- registers ---- */

START_TEST(starts_in_mode3)
{
	static const uint8_t want_crtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
					      0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
					      0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
	for (unsigned i = 0; i < 25; i++)
		ck_assert_msg(crtc((uint8_t)i) == want_crtc[i], "CR%02x", i);
	ck_assert_uint_eq(in8(0x3cc), 0x67);
	out8(0x3c4, 4);
	ck_assert_uint_eq(in8(0x3c5), 0x02);
	out8(0x3ce, 6);
	ck_assert_uint_eq(in8(0x3cf), 0x0e);
	ck_assert_uint_eq(in8(0x3c6), 0xff);
	/* the whole 32 KiB text window is blank; the rest of the window untouched */
	for (unsigned i = 0; i < 0x4000; i++)
		ck_assert_uint_eq(text_cell(i), VGA_BLANK_CELL);
	ck_assert_uint_eq(mem[0], 0xaa);
	ck_assert_uint_eq(mem[VGA_TEXT_BASE - VGA_MEM_BASE - 1], 0xaa);
	struct vga_screen s;
	vga_view(&vga, &s);
	ck_assert_uint_eq(s.cols, 80);
	ck_assert_uint_eq(s.rows, 25);
	ck_assert_int_eq(s.cursor_row, 0);
	ck_assert_int_eq(s.cursor_col, 0);
	ck_assert(s.blink);
	ck_assert(!s.graphics);
}
END_TEST

START_TEST(crtc_protect)
{
	set_crtc(1, 0x33); /* CR11 bit 7 is set after the BIOS */
	ck_assert_uint_eq(crtc(1), 0x4f);
	set_crtc(7, 0x00);
	ck_assert_uint_eq(crtc(7), 0x0f); /* 0x1f with bit 4 cleared */
	set_crtc(7, 0x1f);
	set_crtc(0x11, 0x0e);
	set_crtc(1, 0x33);
	ck_assert_uint_eq(crtc(1), 0x33);
	set_crtc(0x0a, 0x5a);
	ck_assert_uint_eq(crtc(0x0a), 0x5a);
	out8(0x3d4, 0x40); /* no such register */
	ck_assert_uint_eq(in8(0x3d4), 0x40);
	ck_assert_uint_eq(in8(0x3d5), 0xff);
}
END_TEST

START_TEST(word_access)
{
	iobus_out(&bus, 0x3d4, 2, 0x120e); /* index 0x0e, data 0x12 */
	ck_assert_uint_eq(crtc(0x0e), 0x12);
	out8(0x3d4, 0x0e);
	ck_assert_uint_eq(iobus_in(&bus, 0x3d4, 2), 0x120e);
}
END_TEST

START_TEST(mono_colour_ports)
{
	out8(0x3d4, 0x0e);
	ck_assert_uint_eq(in8(0x3b4), 0xff);
	ck_assert_uint_eq(in8(0x3ba), 0xff);
	out8(0x3b4, 0x0f); /* ignored */
	ck_assert_uint_eq(in8(0x3d4), 0x0e);
	out8(0x3c2, 0x66);
	ck_assert_uint_eq(in8(0x3d4), 0xff);
	out8(0x3b4, 0x0f);
	out8(0x3b5, 0x44);
	ck_assert_uint_eq(in8(0x3b5), 0x44);
	out8(0x3c2, 0x67);
	ck_assert_uint_eq(crtc(0x0f), 0x44);
}
END_TEST

START_TEST(status_and_attr_flipflop)
{
	uint8_t a = in8(0x3da), b = in8(0x3da);
	ck_assert_uint_eq(a, 0x09);
	ck_assert_uint_eq(b, 0x00);
	out8(0x3c0, 0x20 | 0x12);
	out8(0x3c0, 0x05);
	ck_assert_uint_eq(in8(0x3c0), 0x32);
	ck_assert_uint_eq(in8(0x3c1), 0x05);
	out8(0x3c0, 0x13); /* index phase again */
	(void)in8(0x3da);  /* ...and a status read makes the next write an index */
	out8(0x3c0, 0x20 | 0x10);
	out8(0x3c0, 0x01 | 0x10); /* graphics; bit 4 does not stick */
	ck_assert_uint_eq(in8(0x3c1), 0x01);
	struct vga_screen s;
	vga_view(&vga, &s);
	ck_assert(s.graphics);
	ck_assert(!s.blink);
}
END_TEST

START_TEST(dac)
{
	out8(0x3c8, 5);
	out8(0x3c9, 0x01);
	out8(0x3c9, 0x22);
	out8(0x3c9, 0xff); /* 6 bits */
	ck_assert_uint_eq(in8(0x3c8), 6);
	ck_assert_uint_eq(in8(0x3c7), 0);
	out8(0x3c7, 5);
	ck_assert_uint_eq(in8(0x3c7), 3);
	ck_assert_uint_eq(in8(0x3c9), 0x01);
	ck_assert_uint_eq(in8(0x3c9), 0x22);
	ck_assert_uint_eq(in8(0x3c9), 0x3f);
	ck_assert_uint_eq(in8(0x3c9), 0x2a); /* entry 6: the EGA palette's red */
}
END_TEST

START_TEST(seq_gc_masks)
{
	out8(0x3c4, 0xff);
	ck_assert_uint_eq(in8(0x3c4), 7);
	out8(0x3c4, 2);
	out8(0x3c5, 0xff);
	ck_assert_uint_eq(in8(0x3c5), 0x0f);
	out8(0x3ce, 0xff);
	ck_assert_uint_eq(in8(0x3ce), 0x0f);
	out8(0x3ce, 5);
	out8(0x3cf, 0xff);
	ck_assert_uint_eq(in8(0x3cf), 0x7b);
}
END_TEST

/* ---- the text view ---- */

START_TEST(view_start_cursor)
{
	struct vga_screen s;
	put_cell(0, 0x1f41);
	put_cell(80 * 24 + 79, 0x0742);
	put_cell(80, 0x0743);
	set_crtc(0x0e, 0x07);
	set_crtc(0x0f, 0xcf); /* 1999: row 24, col 79 */
	vga_view(&vga, &s);
	ck_assert_uint_eq(s.cell[0], 0x1f41);
	ck_assert_uint_eq(s.cell[80 * 25 - 1], 0x0742);
	ck_assert_int_eq(s.cursor_row, 24);
	ck_assert_int_eq(s.cursor_col, 79);
	set_crtc(0x0d, 80); /* scrolled by one row through the start address */
	vga_view(&vga, &s);
	ck_assert_uint_eq(s.cell[0], 0x0743);
	ck_assert_int_eq(s.cursor_row, 23);
	ck_assert(!s.cursor_block); /* mode 3: lines 13-14 of 16, an underline */
	set_crtc(0x0a, 0x00);
	vga_view(&vga, &s);
	ck_assert(s.cursor_block);
	set_crtc(0x0a, 0x20); /* cursor off */
	vga_view(&vga, &s);
	ck_assert_int_eq(s.cursor_row, -1);
	set_crtc(0x0a, 0x0f); /* start after end: no cursor either */
	vga_view(&vga, &s);
	ck_assert_int_eq(s.cursor_row, -1);
	/* the start address wraps within the 32 KiB window */
	set_crtc(0x0c, 0x3f);
	set_crtc(0x0d, 0xff);
	vga_view(&vga, &s);
	ck_assert_uint_eq(s.cell[1], 0x1f41);
}
END_TEST

START_TEST(view_geometry_and_map)
{
	struct vga_screen s;
	set_crtc(0x11, 0x0e); /* unlock CR0-7 */
	set_crtc(1, 39);      /* 40 columns */
	set_crtc(0x13, 20);
	set_crtc(9, 0x47); /* 8-line characters: 50 rows */
	vga_view(&vga, &s);
	ck_assert_uint_eq(s.cols, 40);
	ck_assert_uint_eq(s.rows, 50);
	out8(0x3ce, 6);
	out8(0x3cf, 0x0a); /* memory map 2: 0xB0000 */
	mem[0x10000] = 'M';
	mem[0x10001] = 0x07;
	vga_view(&vga, &s);
	ck_assert_uint_eq(s.cell[0], 0x074d);
}
END_TEST

/* ---- rendering ---- */

static struct vga_screen scr;

static void blank_screen(struct vga_screen *s)
{
	memset(s, 0, sizeof(*s));
	s->cols = 80;
	s->rows = 25;
	s->blink = true;
	for (unsigned i = 0; i < 80 * 25; i++)
		s->cell[i] = VGA_BLANK_CELL;
}

static char rbuf[RENDER_MAX_BYTES + 1];

START_TEST(render_full_and_diff)
{
	struct vga_screen old;
	blank_screen(&scr);
	scr.cell[0] = 0x1f48; /* 'H' bright white on blue */
	scr.cell[1] = 0x8c69; /* 'i' bright red on black, blinking */
	size_t n = render_diff(NULL, &scr, rbuf, sizeof(rbuf));
	rbuf[n] = 0;
	ck_assert_ptr_nonnull(strstr(rbuf, "\033[H\033[2J"));
	ck_assert_ptr_nonnull(
	    strstr(rbuf, "\033[1;1H\033[0;97;44mH\033[0;91;40;5mi\033[0;37;40m "));
	ck_assert_ptr_nonnull(strstr(rbuf, "\033[25;1H"));
	ck_assert_ptr_nonnull(strstr(rbuf, "\033[4 q\033[1;1H\033[?25h")); /* cursor last */
	old = scr;
	ck_assert_uint_eq(render_diff(&old, &scr, rbuf, sizeof(rbuf)), 0);
	scr.cell[80 * 3 + 5] = 0x0741;
	n = render_diff(&old, &scr, rbuf, sizeof(rbuf));
	rbuf[n] = 0;
	ck_assert_ptr_null(strstr(rbuf, "\033[2J"));
	ck_assert_ptr_nonnull(strstr(rbuf, "\033[4;1H"));
	ck_assert_ptr_null(strstr(rbuf, "\033[1;1H\033[0"));
	ck_assert_ptr_null(strstr(rbuf, "\033[5;1H"));
	old = scr;
	scr.cursor_row = -1;
	n = render_diff(&old, &scr, rbuf, sizeof(rbuf));
	rbuf[n] = 0;
	ck_assert_str_eq(rbuf, "\033[0m\033[?25l");
	/* without blink, bit 7 is a bright background */
	scr.blink = false;
	n = render_diff(&old, &scr, rbuf, sizeof(rbuf));
	rbuf[n] = 0;
	ck_assert_ptr_nonnull(strstr(rbuf, "\033[0;91;100mi"));
}
END_TEST

START_TEST(render_never_overflows)
{
	blank_screen(&scr);
	for (unsigned i = 0; i < 80 * 25; i++)
		scr.cell[i] = (uint16_t)((i & 0xff) << 8 | 0xdb); /* attribute change per cell */
	size_t full = render_diff(NULL, &scr, rbuf, sizeof(rbuf));
	ck_assert_uint_lt(full, RENDER_MAX_BYTES);
	memset(rbuf, 0x55, sizeof(rbuf));
	size_t n = render_diff(NULL, &scr, rbuf, 1000);
	ck_assert_uint_le(n, 1000);
	ck_assert_uint_eq((uint8_t)rbuf[1000], 0x55);
}
END_TEST

START_TEST(render_glyphs_and_dump)
{
	char g[4];
	ck_assert_int_eq(render_glyph('A', g), 1);
	ck_assert_int_eq(render_glyph(0, g), 1);
	ck_assert_int_eq(g[0], ' ');
	ck_assert_int_eq(render_glyph(0xc4, g), 3); /* U+2500 box drawing */
	ck_assert(!memcmp(g, "\xe2\x94\x80", 3));
	ck_assert_int_eq(render_glyph(0x82, g), 2); /* U+00E9 */
	ck_assert(!memcmp(g, "\xc3\xa9", 2));
	blank_screen(&scr);
	scr.cell[0] = 0x0741;
	scr.cell[80 * 24 + 2] = 0x0742;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	render_dump(&scr, f);
	fclose(f);
	char want[64] = "A\n";
	for (int i = 0; i < 23; i++)
		strcat(want, "\n");
	strcat(want, "  B\n");
	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

/* ---- keys ---- */

static size_t keys(const char *in, uint8_t *out)
{
	size_t used;
	size_t n = keymap_translate((const uint8_t *)in, strlen(in), &used, out, 64);
	ck_assert_uint_eq(used, strlen(in));
	return n;
}

START_TEST(keymap_basic)
{
	uint8_t o[64];
	ck_assert_uint_eq(keys("a", o), 2);
	ck_assert(!memcmp(o, "\x1e\x9e", 2));
	ck_assert_uint_eq(keys("A", o), 4);
	ck_assert(!memcmp(o, "\x2a\x1e\x9e\xaa", 4));
	ck_assert_uint_eq(keys("\r", o), 2);
	ck_assert(!memcmp(o, "\x1c\x9c", 2));
	ck_assert_uint_eq(keys("\x7f", o), 2);
	ck_assert(!memcmp(o, "\x0e\x8e", 2));
	ck_assert_uint_eq(keys("\x03", o), 4); /* Ctrl-C */
	ck_assert(!memcmp(o, "\x1d\x2e\xae\x9d", 4));
	ck_assert_uint_eq(keys("!", o), 4);
	ck_assert(!memcmp(o, "\x2a\x02\x82\xaa", 4));
	ck_assert_uint_eq(keys(" 0", o), 4);
	ck_assert(!memcmp(o, "\x39\xb9\x0b\x8b", 4));
}
END_TEST

START_TEST(keymap_sequences)
{
	uint8_t o[64];
	ck_assert_uint_eq(keys("\033[A", o), 4); /* up */
	ck_assert(!memcmp(o, "\xe0\x48\xe0\xc8", 4));
	ck_assert_uint_eq(keys("\033[3~", o), 4); /* delete */
	ck_assert(!memcmp(o, "\xe0\x53\xe0\xd3", 4));
	ck_assert_uint_eq(keys("\033OP", o), 2); /* F1 */
	ck_assert(!memcmp(o, "\x3b\xbb", 2));
	ck_assert_uint_eq(keys("\033[24~", o), 2); /* F12 */
	ck_assert(!memcmp(o, "\x58\xd8", 2));
	ck_assert_uint_eq(keys("\033", o), 2); /* a lone Escape */
	ck_assert(!memcmp(o, "\x01\x81", 2));
	ck_assert_uint_eq(keys("\033x", o), 4); /* Alt-x */
	ck_assert(!memcmp(o, "\x38\x2d\xad\xb8", 4));
	ck_assert_uint_eq(keys("\x80\xc3", o), 0); /* no key */
}
END_TEST

START_TEST(keymap_whole_keys_only)
{
	uint8_t o[8];
	size_t used;
	size_t n = keymap_translate((const uint8_t *)"aAb", 3, &used, o, 5);
	ck_assert_uint_eq(n, 2); /* 'A' needs 4 more: it waits */
	ck_assert_uint_eq(used, 1);
}
END_TEST

/* ---- BIOS data area ---- */

START_TEST(bda_video)
{
	static uint8_t ram[0xa0000];
	ck_assert_int_eq(bda_build(ram, sizeof(ram)), 0);
	uint16_t equip = (uint16_t)(ram[0x410] | ram[0x411] << 8);
	ck_assert_uint_eq(equip & 0x30, 0); /* no VGA: "EGA/VGA with its own BIOS" */
	bda_vga_text_mode(ram);
	ck_assert_uint_eq(ram[0x449], 3);
	ck_assert_uint_eq(ram[0x44a] | ram[0x44b] << 8, 80);
	ck_assert_uint_eq(ram[0x44c] | ram[0x44d] << 8, 0x1000);
	ck_assert_uint_eq(ram[0x460] | ram[0x461] << 8, 0x0607);
	ck_assert_uint_eq(ram[0x463] | ram[0x464] << 8, 0x3d4);
	ck_assert_uint_eq(ram[0x484], 24);
	ck_assert_uint_eq(ram[0x485] | ram[0x486] << 8, 16);
	ck_assert_uint_eq(ram[0x487], 0x60);
	ck_assert_uint_eq(ram[0x488], 0xf9);
	ck_assert_uint_eq(ram[0x489], 0x51);
	ck_assert_uint_eq((ram[0x410] | ram[0x411] << 8), equip | 0x20);
	for (unsigned i = 0x450; i < 0x460; i++) /* cursor 0,0 on every page */
		ck_assert_uint_eq(ram[i], 0);
}
END_TEST

static Suite *vga_suite(void)
{
	Suite *s = suite_create("vga");
	TCase *regs = tcase_create("registers");
	tcase_add_checked_fixture(regs, setup, NULL);
	tcase_add_test(regs, starts_in_mode3);
	tcase_add_test(regs, crtc_protect);
	tcase_add_test(regs, word_access);
	tcase_add_test(regs, mono_colour_ports);
	tcase_add_test(regs, status_and_attr_flipflop);
	tcase_add_test(regs, dac);
	tcase_add_test(regs, seq_gc_masks);
	tcase_add_test(regs, view_start_cursor);
	tcase_add_test(regs, view_geometry_and_map);
	suite_add_tcase(s, regs);
	TCase *render = tcase_create("render");
	tcase_add_test(render, render_full_and_diff);
	tcase_add_test(render, render_never_overflows);
	tcase_add_test(render, render_glyphs_and_dump);
	suite_add_tcase(s, render);
	TCase *keymap = tcase_create("keymap");
	tcase_add_test(keymap, keymap_basic);
	tcase_add_test(keymap, keymap_sequences);
	tcase_add_test(keymap, keymap_whole_keys_only);
	suite_add_tcase(s, keymap);
	TCase *bda = tcase_create("bda");
	tcase_add_test(bda, bda_video);
	suite_add_tcase(s, bda);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vga_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
