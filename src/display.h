/* display.h - showing the VGA: -display curses on the terminal, the screen
 * dump of -vga-dump and -stats, and keys typed into the PS/2 keyboard. */
#ifndef BTVMM_DISPLAY_H
#define BTVMM_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render.h"
#include "vga.h"

#define DISPLAY_REFRESH_NS 40000000ull /* redraw at most every 40 ms */
#define DISPLAY_KEYQ 256	       /* scancodes waiting for the i8042 */

struct vm;

struct display {
	bool active;		/* -display curses: drawing on the terminal */
	int out_fd;		/* the terminal */
	uint64_t next_ns;	/* virtual time of the next look at the screen */
	bool drawn;		/* last holds what the terminal shows */
	struct vga_screen last; /* what was drawn */
	struct vga_screen now;	/* scratch: the screen as it is */
	uint8_t typed[64];	/* from the console, not yet scancodes (no room) */
	size_t ntyped;
	uint8_t keyq[DISPLAY_KEYQ]; /* scancodes, not yet in the i8042 */
	size_t nkeys;
	uint64_t redraws; /* -stats */
	char out[RENDER_MAX_BYTES];
};

/* -display curses: starts drawing (the console put the terminal in raw
 * mode). -1 with a reason in err if stdin and stdout are not a terminal. */
int display_init(struct vm *vm, char *err, size_t errlen);
/* From the run loop's device update: every DISPLAY_REFRESH_NS, feeds
 * typed keys and redraws what changed. */
void display_tick(struct vm *vm);
/* Typed bytes from the console (vm->con) to the i8042, as scancodes. */
void display_keys(struct vm *vm);
/* When display_tick wants to run next (UINT64_MAX: never). */
uint64_t display_deadline(struct vm *vm);
/* Around text of btvmm's own (Ctrl-A h, Ctrl-A c): it goes below the
 * guest's screen, whose cursor is then put back. Nothing without a display. */
void display_aside_begin(struct vm *vm);
void display_aside_end(struct vm *vm);
/* At exit, or before a stop message: the last drawing, the cursor left
 * below the screen, the terminal restored. Only the first call acts. */
void display_fini(struct vm *vm);
/* The VGA's text as lines (-vga-dump, -stats). */
void display_dump(struct vm *vm, FILE *f);

#endif
