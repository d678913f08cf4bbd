/* bda.h - the BIOS data area a PC BIOS leaves at 0x400, and the EBDA. */
#ifndef BTVMM_BDA_H
#define BTVMM_BDA_H

#include <stdint.h>

#define BDA_ADDR 0x400u	       /* segment 0x40 */
#define BDA_SIZE 0x100u	       /* 0x400..0x4ff */
#define BDA_EBDA_ADDR 0x9fc00u /* top KiB of conventional memory */
#define BDA_EBDA_KIB 1u

/* Fills the BIOS data area: COM1 at 0x3f8 (COM2-4, LPT1-3 absent), the
 * equipment word (one serial port, x87), 639 KiB of base memory, the EBDA
 * segment 0x9fc0, an empty keyboard buffer and a zero tick count; every
 * other BDA byte is zeroed. Also zeroes the EBDA's first KiB and sets its
 * size byte to 1 KiB. Writes nothing else: in particular nothing in the
 * option/system ROM area 0xc0000-0xfffff, which is left without ROM
 * signatures. Returns 0, or -1 if RAM does not reach the end of the EBDA
 * (0xa0000), in which case nothing is written. */
int bda_build(uint8_t *ram, uint64_t ram_size);
/* With a VGA (after bda_build): the video fields a VGA BIOS leaves after
 * setting mode 3, 80x25 colour text with the cursor at 0,0 on page 0 (mode,
 * columns, page size, CRTC base 0x3d4, rows - 1, character height, cursor
 * shape, EGA/VGA information bytes), and equipment word bits 4-5 = 80x25
 * colour. */
void bda_vga_text_mode(uint8_t *ram);

#endif
