/*
 * vga.h - a VGA in text mode: its registers on ports 0x3B4-0x3DA and a view
 * of the text buffer for whoever draws it.
 *
 * The memory window 0xA0000-0xBFFFF is ordinary guest RAM (the caller
 * passes the host address of its first byte): guests write text at RAM
 * speed, and the display reads the cells when it draws.
 */
#ifndef BTVMM_VGA_H
#define BTVMM_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "iobus.h"

#define VGA_MEM_BASE 0xa0000u /* guest-physical start of the memory window */
#define VGA_MEM_SIZE 0x20000u /* 128 KiB, up to 0xbffff */
#define VGA_TEXT_BASE 0xb8000u
#define VGA_BLANK_CELL 0x0720 /* space, light grey on black: a BIOS's clear screen */

#define VGA_SEQ_N 8
#define VGA_GC_N 16
#define VGA_CRTC_N 0x19 /* CR00-CR18 */
#define VGA_ATTR_N 0x15
#define VGA_MAX_COLS 132 /* what a view can hold; larger geometries are cut */
#define VGA_MAX_ROWS 60

struct vga {
	uint8_t misc;			    /* miscellaneous output (0x3C2 write, 0x3CC read) */
	uint8_t st01;			    /* input status 1 (0x3DA/0x3BA): retrace bits */
	uint8_t fcr;			    /* feature control (0x3DA/0x3BA write, 0x3CA read) */
	uint8_t seq_idx, seq[VGA_SEQ_N];    /* sequencer, 0x3C4/0x3C5 */
	uint8_t gc_idx, gc[VGA_GC_N];	    /* graphics controller, 0x3CE/0x3CF */
	uint8_t crtc_idx, crtc[VGA_CRTC_N]; /* CRT controller, 0x3D4/0x3D5 (0x3B4/0x3B5) */
	uint8_t attr_idx, attr[VGA_ATTR_N]; /* attribute controller, 0x3C0/0x3C1 */
	uint8_t attr_data;		    /* flip-flop: the next 0x3C0 write is data */
	uint8_t pel_mask;		    /* DAC pixel mask, 0x3C6 */
	uint8_t dac_state;		    /* 0x3C7 read: 0 after a write index, 3 after a read */
	uint8_t dac_rd, dac_wr, dac_sub;    /* DAC read/write indexes, component 0-2 */
	uint8_t dac_cache[3];		    /* a colour being written */
	uint8_t palette[256 * 3];	    /* DAC: 6 bits per component */
	uint8_t *mem;			    /* host address of guest-physical 0xA0000 */
};

/* What is on the screen, copied out of the text buffer. */
struct vga_screen {
	uint16_t cell[VGA_MAX_ROWS * VGA_MAX_COLS]; /* char | attribute << 8, row-major */
	unsigned cols, rows;
	int cursor_row, cursor_col; /* -1, -1: no cursor visible */
	bool cursor_block;	    /* starts in the cell's top half (else an underline) */
	bool blink;		    /* attribute bit 7 blinks (else: bright background) */
	bool graphics;		    /* a graphics mode: cell[] means nothing */
};

/*
 * Registers ports 0x3B4/0x3B5/0x3BA, 0x3C0-0x3CF and 0x3D4/0x3D5/0x3DA and
 * puts the card in the state a VGA BIOS leaves after setting mode 3
 * (80x25 colour text, cursor at 0,0): the registers, the DAC's EGA
 * palette, and the text buffer 0xB8000-0xBFFFF filled with blank cells.
 * mem is the host address of the 128 KiB window at 0xA0000. 0, or -1 if
 * the ports are taken.
 */
int vga_init(struct vga *v, struct io_bus *bus, uint8_t *mem);
/* The registers of mode 3 (vga_init without the bus and the buffer). */
void vga_reset(struct vga *v);
/* Port access, as the bus makes it (wider accesses act on consecutive
 * ports, low byte first). */
uint32_t vga_io_read(void *opaque, uint16_t port, int size);
void vga_io_write(void *opaque, uint16_t port, int size, uint32_t val);
/* Copies the displayed text (start address, line offset, memory map and
 * cursor as the registers say) into s. */
void vga_view(const struct vga *v, struct vga_screen *s);

#endif
