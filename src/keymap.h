/* keymap.h - bytes typed on a terminal as PS/2 scan code set 1 (US layout). */
#ifndef BTVMM_KEYMAP_H
#define BTVMM_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

/* The longest output for one input key: shift/ctrl/alt make, an extended
 * key's make and break, modifier break. */
#define KEYMAP_MAX_PER_KEY 8

/*
 * Translates n bytes read from a terminal in one go into set-1 make and
 * break codes, as a keyboard seen through the i8042's translation would
 * send them: printable ASCII (with shift where the US layout needs it),
 * Enter, Backspace (0x7f and 0x08), Tab, Ctrl+letter, Escape, Alt+key
 * (ESC followed by a key), the cursor keys, Home/End/Insert/Delete/PgUp/
 * PgDn and F1-F12 as xterm sends them. An escape sequence must arrive whole
 * in one read; a lone ESC at the end of a read is the Escape key. Bytes
 * with no key (other control bytes, non-ASCII) are skipped. Writes at most
 * cap bytes to out (whole keys only); returns how many, and sets *used to
 * the input bytes consumed.
 */
size_t keymap_translate(const uint8_t *in, size_t n, size_t *used, uint8_t *out, size_t cap);

#endif
