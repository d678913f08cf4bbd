/* render.h - a VGA text screen as terminal escape sequences (ANSI/VT100,
 * UTF-8), and as plain text for screen dumps. */
#ifndef BTVMM_RENDER_H
#define BTVMM_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "vga.h"

/* Enough for any screen a struct vga_screen holds, drawn whole. */
#define RENDER_MAX_BYTES (VGA_MAX_ROWS * (VGA_MAX_COLS * 24 + 16) + 64)

/*
 * Writes into buf (of cap bytes) what turns a terminal that shows old into
 * one that shows now: the rows that differ, each drawn whole with its
 * colours, then the cursor (placed and shown, or hidden). With old NULL, or
 * of another size, the terminal is cleared and every row drawn. Returns
 * the length, or 0 when nothing changed. Stops short (never overflows) if
 * cap is below RENDER_MAX_BYTES.
 */
size_t render_diff(const struct vga_screen *old, const struct vga_screen *now, char *buf,
		   size_t cap);
/* One cell's character as UTF-8 (code page 437 glyphs); returns the length
 * (1-3). NUL shows as a space. */
int render_glyph(uint8_t ch, char *out);
/* The screen as rows lines of text, trailing blanks cut, each ending in
 * "\n" (a graphics mode is one line saying so). */
void render_dump(const struct vga_screen *s, FILE *f);

#endif
