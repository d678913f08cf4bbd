/* bda.c - the BIOS data area (BDA) and extended BIOS data area (EBDA).
 *
 * btvmm starts guests without running a BIOS, but kernels still read a few
 * of the facts a BIOS would have left at 0x400.  Linux reads the EBDA
 * segment (0x40e) and the base memory size (0x413) to decide what below
 * 1 MiB to keep away from its allocator, and scans the EBDA's first KiB
 * for the MP floating pointer.  We fill in what describes this machine and
 * zero the rest of the BDA, so that a field we do not set reads as "none"
 * rather than as whatever the RAM held.
 *
 *   0x400  COM1-COM4 I/O bases     0x3f8, 0, 0, 0
 *   0x408  LPT1-LPT3 I/O bases     0 (no parallel ports)
 *   0x40e  EBDA segment            0x9fc0
 *   0x410  equipment word          see EQUIP_*
 *   0x413  base memory, KiB        639 (the EBDA takes the 640th)
 *   0x41a  keyboard buffer head    0x1e  \ equal: buffer empty; offsets
 *   0x41c  keyboard buffer tail    0x1e  / from segment 0x40 (0x41e)
 *   0x46c  timer ticks since midnight  0
 *
 * Offsets follow the IBM PC/AT BIOS layout that every later BIOS keeps.
 */
#include <string.h>

#include "bda.h"

#define BDA_COM1 0x00
#define BDA_EBDA_SEG 0x0e
#define BDA_EQUIPMENT 0x10
#define BDA_BASE_MEM_KIB 0x13
#define BDA_KBD_HEAD 0x1a
#define BDA_KBD_TAIL 0x1c
#define BDA_KBD_BUF 0x1e /* 16 two-byte slots up to 0x3e */

#define COM1_BASE 0x3f8

/*
 * Equipment word (INT 11h): only what is present.
 *
 * Bit 0 (boot floppy) is clear: there is no floppy controller.  Bits 4-5
 * (initial video mode) are 00 here, "EGA/VGA or later, with its own BIOS",
 * which is also what a headless board reports (-vga none);
 * bda_vga_text_mode sets 10, 80x25 colour, as SeaBIOS does with a VGA.  Bit 2 (pointing
 * device) is left clear even though there is a PS/2 mouse: nothing reads
 * it (Linux probes the i8042 AUX port itself), and a BIOS sets it only
 * after initialising the mouse, which we have not done.
 */
#define EQUIP_FPU (1u << 1)
#define EQUIP_SERIAL_SHIFT 9 /* bits 9-11: number of serial ports */
#define EQUIP_WORD (EQUIP_FPU | 1u << EQUIP_SERIAL_SHIFT)

#define BASE_MEM_KIB (BDA_EBDA_ADDR / 1024)

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v)); /* the host is x86-64: little-endian like the guest */
}

static void fill_bda(uint8_t *bda)
{
	memset(bda, 0, BDA_SIZE);
	put16(bda + BDA_COM1, COM1_BASE);
	put16(bda + BDA_EBDA_SEG, BDA_EBDA_ADDR >> 4);
	put16(bda + BDA_EQUIPMENT, EQUIP_WORD);
	put16(bda + BDA_BASE_MEM_KIB, BASE_MEM_KIB);
	put16(bda + BDA_KBD_HEAD, BDA_KBD_BUF);
	put16(bda + BDA_KBD_TAIL, BDA_KBD_BUF);
	/* The tick count at 0x46c is already zero: no time has passed. */
}

/* The EBDA's first byte is its size in KiB; Linux's get_bios_ebda_length()
 * reads it.  The rest is the BIOS's own scratch space, zero here. */
static void fill_ebda(uint8_t *ebda)
{
	memset(ebda, 0, BDA_EBDA_KIB * 1024);
	ebda[0] = BDA_EBDA_KIB;
}

/* Video fields (IBM BIOS layout; the values SeaBIOS's VGA BIOS leaves for
 * mode 3, read back under QEMU by tests/guests/vga_regs.c). */
#define BDA_VIDEO_MODE 0x49
#define BDA_VIDEO_COLS 0x4a
#define BDA_VIDEO_PAGE_SIZE 0x4c
#define BDA_CURSOR_TYPE 0x60 /* end scan line, then start scan line */
#define BDA_CRTC_BASE 0x63
#define BDA_VIDEO_ROWS 0x84 /* rows - 1 */
#define BDA_CHAR_HEIGHT 0x85
#define BDA_EGA_INFO 0x87 /* 0x87-0x89 */
#define EQUIP_VIDEO_80X25_COLOR (2u << 4)

void bda_vga_text_mode(uint8_t *ram)
{
	uint8_t *bda = ram + BDA_ADDR;
	static const uint8_t ega_info[3] = {0x60, 0xf9, 0x51};
	bda[BDA_VIDEO_MODE] = 3;
	put16(bda + BDA_VIDEO_COLS, 80);
	put16(bda + BDA_VIDEO_PAGE_SIZE, 0x1000);
	put16(bda + BDA_CURSOR_TYPE, 0x0607);
	put16(bda + BDA_CRTC_BASE, 0x3d4);
	bda[BDA_VIDEO_ROWS] = 25 - 1;
	put16(bda + BDA_CHAR_HEIGHT, 16);
	for (int i = 0; i < 3; i++)
		bda[BDA_EGA_INFO + i] = ega_info[i];
	put16(bda + BDA_EQUIPMENT, EQUIP_WORD | EQUIP_VIDEO_80X25_COLOR);
}

int bda_build(uint8_t *ram, uint64_t ram_size)
{
	if (ram_size < BDA_EBDA_ADDR + BDA_EBDA_KIB * 1024)
		return -1;
	fill_bda(ram + BDA_ADDR);
	fill_ebda(ram + BDA_EBDA_ADDR);
	return 0;
}
