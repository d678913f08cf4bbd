/* keymap.c - terminal input bytes to PS/2 scan code set 1 (US layout).
 *
 * The guest sees what an AT keyboard behind an i8042 with translation on
 * would send: a make code when the key goes down, the same | 0x80 when it
 * comes up, and 0xE0 before either for the keys of the extended block.
 * A terminal reports characters, not keys, so each character becomes a
 * whole press and release, wrapped in shift, ctrl or alt when needed. */
#include "keymap.h"

#include <stdbool.h>
#include <string.h>

#define SC_ESC 0x01
#define SC_BACKSPACE 0x0e
#define SC_TAB 0x0f
#define SC_ENTER 0x1c
#define SC_LCTRL 0x1d
#define SC_LSHIFT 0x2a
#define SC_LALT 0x38
#define SC_SPACE 0x39
#define SC_F1 0x3b
#define SC_F11 0x57
#define SC_F12 0x58
#define EXT 0x100   /* preceded by 0xE0 */
#define SHIFT 0x200 /* typed with shift */

/* US layout: the key of each printable ASCII character, and whether shift
 * is held for it. */
static unsigned ascii_key(uint8_t c)
{
	static const char row_lo[] = "1234567890-=";
	static const char row_hi[] = "!@#$%^&*()_+";
	static const char *letters[] = {"qwertyuiop[]", "asdfghjkl;'`", "\\zxcvbnm,./"};
	static const char *shifted[] = {"QWERTYUIOP{}", "ASDFGHJKL:\"~", "|ZXCVBNM<>?"};
	static const uint8_t first[] = {0x10, 0x1e, 0x2b};
	const char *p;
	if (c == ' ')
		return SC_SPACE;
	if (c && (p = strchr(row_lo, c)))
		return 0x02 + (unsigned)(p - row_lo);
	if (c && (p = strchr(row_hi, c)))
		return (0x02 + (unsigned)(p - row_hi)) | SHIFT;
	for (int i = 0; i < 3; i++) {
		if (c && (p = strchr(letters[i], c)))
			return first[i] + (unsigned)(p - letters[i]);
		if (c && (p = strchr(shifted[i], c)))
			return (first[i] + (unsigned)(p - shifted[i])) | SHIFT;
	}
	return 0;
}

/* What the terminal sends after "ESC [" for the editing keys ("ESC [ 3 ~"
 * etc.), and after "ESC [" / "ESC O" for the cursor keys and F1-F4. */
struct seq {
	const char *text;
	unsigned key;
};

static const struct seq sequences[] = {
    {"[A", EXT | 0x48},	 {"[B", EXT | 0x50},  {"[C", EXT | 0x4d},  {"[D", EXT | 0x4b},
    {"[H", EXT | 0x47},	 {"[F", EXT | 0x4f},  {"OA", EXT | 0x48},  {"OB", EXT | 0x50},
    {"OC", EXT | 0x4d},	 {"OD", EXT | 0x4b},  {"OH", EXT | 0x47},  {"OF", EXT | 0x4f},
    {"[1~", EXT | 0x47}, {"[2~", EXT | 0x52}, {"[3~", EXT | 0x53}, {"[4~", EXT | 0x4f},
    {"[5~", EXT | 0x49}, {"[6~", EXT | 0x51}, {"OP", SC_F1},	   {"OQ", SC_F1 + 1},
    {"OR", SC_F1 + 2},	 {"OS", SC_F1 + 3},   {"[15~", SC_F1 + 4}, {"[17~", SC_F1 + 5},
    {"[18~", SC_F1 + 6}, {"[19~", SC_F1 + 7}, {"[20~", SC_F1 + 8}, {"[21~", SC_F1 + 9},
    {"[23~", SC_F11},	 {"[24~", SC_F12},
};

/* Appends one press and release of key, with modifier held around it. */
static size_t press(unsigned key, uint8_t modifier, uint8_t *out)
{
	size_t n = 0;
	if (key & SHIFT)
		modifier = SC_LSHIFT;
	if (modifier)
		out[n++] = modifier;
	for (int up = 0; up < 2; up++) {
		if (key & EXT)
			out[n++] = 0xe0;
		out[n++] = (uint8_t)((key & 0x7f) | (up ? 0x80 : 0));
	}
	if (modifier)
		out[n++] = modifier | 0x80;
	return n;
}

/* The key a control byte stands for, with ctrl held if it is Ctrl+letter. */
static unsigned control_key(uint8_t c, uint8_t *modifier)
{
	switch (c) {
	case '\r':
	case '\n': return SC_ENTER;
	case '\t': return SC_TAB;
	case 0x7f:
	case 0x08: return SC_BACKSPACE;
	case 0x1b: return SC_ESC;
	}
	if (c >= 1 && c <= 26) {
		*modifier = SC_LCTRL;
		return ascii_key((uint8_t)('a' + c - 1));
	}
	return 0;
}

/* An escape sequence at in (starting after ESC): its key and length. */
static unsigned escape_key(const uint8_t *in, size_t n, size_t *len)
{
	for (size_t i = 0; i < sizeof(sequences) / sizeof(sequences[0]); i++) {
		size_t l = strlen(sequences[i].text);
		if (l <= n && !memcmp(in, sequences[i].text, l)) {
			*len = l;
			return sequences[i].key;
		}
	}
	*len = 0;
	return 0;
}

/* One key from in: its scancodes into out; returns the input bytes used. */
static size_t one_key(const uint8_t *in, size_t n, uint8_t *out, size_t *outn)
{
	uint8_t modifier = 0;
	unsigned key;
	size_t used = 1, len;
	if (in[0] == 0x1b && n > 1) {
		key = escape_key(in + 1, n - 1, &len);
		if (key) {
			used += len;
		} else if ((key = ascii_key(in[1])) != 0) {
			modifier = SC_LALT; /* ESC x: Alt+x, as terminals send Meta */
			used = 2;
		} else {
			key = SC_ESC;
		}
	} else if (in[0] < 0x20 || in[0] == 0x7f) {
		key = control_key(in[0], &modifier);
	} else {
		key = ascii_key(in[0]);
	}
	*outn = key ? press(key, modifier, out) : 0;
	return used;
}

size_t keymap_translate(const uint8_t *in, size_t n, size_t *used, uint8_t *out, size_t cap)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint8_t tmp[KEYMAP_MAX_PER_KEY];
		size_t k;
		size_t step = one_key(in + i, n - i, tmp, &k);
		if (o + k > cap)
			break;
		memcpy(out + o, tmp, k);
		o += k;
		i += step;
	}
	*used = i;
	return o;
}
