/*
 * vga.c - the registers of a VGA, enough for text-mode guests.
 *
 * Register behaviour follows the IBM VGA as QEMU's hw/display/vga.c models
 * it, so that guest tests agree with QEMU:
 *  - index/data pairs: sequencer 0x3C4/0x3C5 (index 3 bits), graphics
 *    controller 0x3CE/0x3CF (4 bits), CRTC 0x3D4/0x3D5 (8-bit index,
 *    CR00-CR18 exist; the others read 0xff and ignore writes). Reserved
 *    bits of the sequencer and graphics registers read 0.
 *  - CR11 bit 7 write-protects CR00-CR07, except CR07 bit 4.
 *  - The CRTC and input-status ports answer at 0x3Dx when misc output bit 0
 *    is set (colour) and at 0x3Bx when it is clear (mono), never both; the
 *    other set reads 0xff and ignores writes.
 *  - Input status 1 flips its vertical-retrace and display-enable bits on
 *    every read, so guests that wait for a retrace edge proceed at once; the
 *    read also sends the attribute flip-flop back to the index phase.
 *  - Attribute controller 0x3C0: index and data writes alternate; 0x3C1
 *    reads the selected register.
 *  - DAC: 0x3C8 sets the write index, 0x3C7 the read index, three 0x3C9
 *    accesses move one colour (6 bits per component) and advance the index;
 *    0x3C7 reads 0 after a write index and 3 after a read index.
 * Nothing here draws: vga_view copies the text the registers select for the
 * display (src/display.c) and the screen dump.
 */
#include <string.h>

#include "vga.h"

/* Mode 3 as a VGA BIOS programs it (IBM's table; SeaBIOS uses the same). */
static const uint8_t mode3_seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
static const uint8_t mode3_gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x0f, 0xff};
static const uint8_t mode3_crtc[VGA_CRTC_N] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
					       0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
					       0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
static const uint8_t mode3_attr[VGA_ATTR_N] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14,
					       0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d,
					       0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};

/* Writable bits per register (the rest read as 0). */
static const uint8_t seq_mask[VGA_SEQ_N] = {0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff};
static const uint8_t gc_mask[VGA_GC_N] = {0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff};
static const uint8_t attr_mask[VGA_ATTR_N] = {0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
					      0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
					      0x3f, 0x3f, 0xef, 0xff, 0x3f, 0x0f, 0x0f};

#define MISC_COLOR 0x01	     /* I/O address select: CRTC at 0x3Dx */
#define ST01_TOGGLE 0x09     /* vertical retrace | display disabled */
#define CR11_PROTECT 0x80    /* CR00-CR07 read-only */
#define CR07_ALWAYS 0x10     /* ...except this bit of CR07 */
#define CR0A_CURSOR_OFF 0x20 /* cursor start register: cursor disabled */
#define ATTR_PAS 0x20	     /* attribute index: palette address source */
#define AMC_GRAPHICS 0x01    /* attribute mode control */
#define AMC_BLINK 0x08
#define GC6_GRAPHICS 0x01 /* graphics misc: alphanumerics disabled */
#define DAC_STATE_READ 3

/* The EGA colours a BIOS loads into DAC entries 0-63: bits 2/1/0 add 2/3
 * of red/green/blue, bits 5/4/3 another third. */
static void load_ega_palette(uint8_t *pal)
{
	memset(pal, 0, 256 * 3);
	for (int i = 0; i < 64; i++) {
		pal[3 * i] = (uint8_t)((i >> 2 & 1) * 0x2a + (i >> 5 & 1) * 0x15);
		pal[3 * i + 1] = (uint8_t)((i >> 1 & 1) * 0x2a + (i >> 4 & 1) * 0x15);
		pal[3 * i + 2] = (uint8_t)((i & 1) * 0x2a + (i >> 3 & 1) * 0x15);
	}
}

void vga_reset(struct vga *v)
{
	uint8_t *mem = v->mem;
	memset(v, 0, sizeof(*v));
	v->mem = mem;
	v->misc = 0x67;
	memcpy(v->seq, mode3_seq, sizeof(mode3_seq));
	memcpy(v->gc, mode3_gc, sizeof(mode3_gc));
	memcpy(v->crtc, mode3_crtc, sizeof(mode3_crtc));
	memcpy(v->attr, mode3_attr, sizeof(mode3_attr));
	v->attr_idx = ATTR_PAS; /* the BIOS turns the screen on with PAS last */
	/* st01 = 0: the first read returns both bits set, as in QEMU after
	 * SeaBIOS (which reads it an even number of times). */
	v->pel_mask = 0xff;
	load_ega_palette(v->palette);
}

/* The CRTC and input status answer at 0x3Dx or 0x3Bx, as misc bit 0 says. */
static bool crtc_port_live(const struct vga *v, uint16_t port)
{
	bool colour = (port & 0xfff0) == 0x3d0;
	return colour == ((v->misc & MISC_COLOR) != 0);
}

static uint8_t dac_read(struct vga *v)
{
	uint8_t val = v->palette[v->dac_rd * 3 + v->dac_sub];
	if (++v->dac_sub == 3) {
		v->dac_sub = 0;
		v->dac_rd++;
	}
	return val;
}

static void dac_write(struct vga *v, uint8_t val)
{
	v->dac_cache[v->dac_sub] = val & 0x3f;
	if (++v->dac_sub == 3) {
		memcpy(&v->palette[v->dac_wr * 3], v->dac_cache, 3);
		v->dac_sub = 0;
		v->dac_wr++;
	}
}

static uint8_t crtc_read(const struct vga *v)
{
	return v->crtc_idx < VGA_CRTC_N ? v->crtc[v->crtc_idx] : 0xff;
}

static void crtc_write(struct vga *v, uint8_t val)
{
	uint8_t i = v->crtc_idx;
	if (i >= VGA_CRTC_N)
		return;
	if ((v->crtc[0x11] & CR11_PROTECT) && i <= 7) {
		if (i == 7)
			v->crtc[7] = (uint8_t)((v->crtc[7] & ~CR07_ALWAYS) | (val & CR07_ALWAYS));
		return;
	}
	v->crtc[i] = val;
}

static uint8_t attr_read_data(const struct vga *v)
{
	uint8_t i = v->attr_idx & 0x1f;
	return i < VGA_ATTR_N ? v->attr[i] : 0;
}

static void attr_write(struct vga *v, uint8_t val)
{
	if (!v->attr_data) {
		v->attr_idx = val & 0x3f;
	} else {
		uint8_t i = v->attr_idx & 0x1f;
		if (i < VGA_ATTR_N)
			v->attr[i] = val & attr_mask[i];
	}
	v->attr_data ^= 1;
}

static uint8_t read_byte(struct vga *v, uint16_t port)
{
	switch (port) {
	case 0x3c0: return v->attr_idx;
	case 0x3c1: return attr_read_data(v);
	case 0x3c4: return v->seq_idx;
	case 0x3c5: return v->seq[v->seq_idx];
	case 0x3c6: return v->pel_mask;
	case 0x3c7: return v->dac_state;
	case 0x3c8: return v->dac_wr;
	case 0x3c9: return dac_read(v);
	case 0x3ca: return v->fcr;
	case 0x3cc: return v->misc;
	case 0x3ce: return v->gc_idx;
	case 0x3cf: return v->gc[v->gc_idx];
	case 0x3b4:
	case 0x3d4: return crtc_port_live(v, port) ? v->crtc_idx : 0xff;
	case 0x3b5:
	case 0x3d5: return crtc_port_live(v, port) ? crtc_read(v) : 0xff;
	case 0x3ba:
	case 0x3da:
		if (!crtc_port_live(v, port))
			return 0xff;
		v->st01 ^= ST01_TOGGLE;
		v->attr_data = 0;
		return v->st01;
	default: /* 0x3c2 input status 0, 0x3c3, 0x3cb, 0x3cd */
		return port >= 0x3c0 && port <= 0x3cf ? 0 : 0xff;
	}
}

static void write_byte(struct vga *v, uint16_t port, uint8_t val)
{
	switch (port) {
	case 0x3c0: attr_write(v, val); break;
	case 0x3c2: v->misc = val & ~0x10; break;
	case 0x3c4: v->seq_idx = val & (VGA_SEQ_N - 1); break;
	case 0x3c5: v->seq[v->seq_idx] = val & seq_mask[v->seq_idx]; break;
	case 0x3c6: v->pel_mask = val; break;
	case 0x3c7:
		v->dac_rd = val;
		v->dac_sub = 0;
		v->dac_state = DAC_STATE_READ;
		break;
	case 0x3c8:
		v->dac_wr = val;
		v->dac_sub = 0;
		v->dac_state = 0;
		break;
	case 0x3c9: dac_write(v, val); break;
	case 0x3ce: v->gc_idx = val & (VGA_GC_N - 1); break;
	case 0x3cf: v->gc[v->gc_idx] = val & gc_mask[v->gc_idx]; break;
	case 0x3b4:
	case 0x3d4:
		if (crtc_port_live(v, port))
			v->crtc_idx = val;
		break;
	case 0x3b5:
	case 0x3d5:
		if (crtc_port_live(v, port))
			crtc_write(v, val);
		break;
	case 0x3ba:
	case 0x3da:
		if (crtc_port_live(v, port))
			v->fcr = val & 0x10;
		break;
	}
}

uint32_t vga_io_read(void *opaque, uint16_t port, int size)
{
	uint32_t val = 0;
	for (int i = 0; i < size; i++)
		val |= (uint32_t)read_byte(opaque, (uint16_t)(port + i)) << (8 * i);
	return val;
}

void vga_io_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	for (int i = 0; i < size; i++)
		write_byte(opaque, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
}

/* Where the graphics controller puts the CPU's window (GC06 bits 2-3):
 * offset into the 128 KiB at 0xA0000 and its size in bytes. */
static void memory_map(const struct vga *v, uint32_t *off, uint32_t *size)
{
	static const uint32_t offs[4] = {0, 0, 0x10000, 0x18000};
	static const uint32_t sizes[4] = {0x20000, 0x10000, 0x8000, 0x8000};
	unsigned m = (v->gc[6] >> 2) & 3;
	*off = offs[m];
	*size = sizes[m];
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The cursor's row and column on the screen, or -1, -1. */
static void cursor_place(const struct vga *v, struct vga_screen *s, unsigned start, unsigned stride,
			 unsigned ncells)
{
	unsigned pos = (unsigned)v->crtc[0x0e] << 8 | v->crtc[0x0f];
	unsigned first = v->crtc[0x0a] & 0x1f, last = v->crtc[0x0b] & 0x1f;
	unsigned rel = (pos - start) & (ncells - 1);
	s->cursor_row = s->cursor_col = -1;
	s->cursor_block = first * 2 < (v->crtc[0x09] & 0x1fu) + 1;
	if ((v->crtc[0x0a] & CR0A_CURSOR_OFF) || first > last)
		return;
	if (rel / stride < s->rows && rel % stride < s->cols) {
		s->cursor_row = (int)(rel / stride);
		s->cursor_col = (int)(rel % stride);
	}
}

void vga_view(const struct vga *v, struct vga_screen *s)
{
	const uint8_t *cr = v->crtc;
	unsigned vde = cr[0x12] | (cr[7] & 0x02) << 7 | (cr[7] & 0x40) << 3;
	unsigned height = (cr[0x09] & 0x1f) + 1u;
	unsigned stride = cr[0x13] * 2u, start = (unsigned)cr[0x0c] << 8 | cr[0x0d];
	uint32_t off, size;
	memory_map(v, &off, &size);
	unsigned ncells = size / 2; /* a power of two */
	const uint8_t *win = v->mem + off;

	s->cols = clamp(cr[0x01] + 1u, 1, VGA_MAX_COLS);
	s->rows = clamp((vde + 1) / height, 1, VGA_MAX_ROWS);
	s->blink = v->attr[0x10] & AMC_BLINK;
	s->graphics = (v->attr[0x10] & AMC_GRAPHICS) || (v->gc[6] & GC6_GRAPHICS);
	if (stride == 0)
		stride = s->cols;
	for (unsigned r = 0; r < s->rows; r++)
		for (unsigned c = 0; c < s->cols; c++) {
			unsigned at = (start + r * stride + c) & (ncells - 1);
			s->cell[r * s->cols + c] = (uint16_t)(win[2 * at] | win[2 * at + 1] << 8);
		}
	cursor_place(v, s, start, stride, ncells);
}

int vga_init(struct vga *v, struct io_bus *bus, uint8_t *mem)
{
	v->mem = mem;
	vga_reset(v);
	uint8_t *text = mem + (VGA_TEXT_BASE - VGA_MEM_BASE);
	for (unsigned i = 0; i < 0x8000; i += 2) {
		text[i] = VGA_BLANK_CELL & 0xff;
		text[i + 1] = VGA_BLANK_CELL >> 8;
	}
	if (iobus_register(bus, 0x3b4, 2, vga_io_read, vga_io_write, v, "vga") ||
	    iobus_register(bus, 0x3ba, 1, vga_io_read, vga_io_write, v, "vga") ||
	    iobus_register(bus, 0x3c0, 16, vga_io_read, vga_io_write, v, "vga") ||
	    iobus_register(bus, 0x3d4, 2, vga_io_read, vga_io_write, v, "vga") ||
	    iobus_register(bus, 0x3da, 1, vga_io_read, vga_io_write, v, "vga"))
		return -1;
	return 0;
}
