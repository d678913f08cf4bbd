/* pit8254.h - the 8254 programmable interval timer and port 0x61. */
#ifndef BTVMM_PIT8254_H
#define BTVMM_PIT8254_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"
#include "irq.h"
#include "vclock.h"

#define PIT_FREQ_HZ 1193182u /* the PC's 14.31818 MHz / 12 */
#define PIT_PORT 0x40	     /* channels 0-2 at 0x40-0x42, control word at 0x43 */
#define PIT_PORT61 0x61	     /* system control port B: channel 2 gate, OUT2 */

/* One counter. Time is counted in clocks ("d") since the counter element
 * was loaded: d(now) = start_d + clocks elapsed since start_ns. */
struct pit_channel {
	/* programming (control word and count register) */
	uint8_t mode;	   /* 0-5 (control word modes 6 and 7 are 2 and 3) */
	uint8_t mode_bits; /* M2-M0 as written, for the status byte */
	uint8_t rw;	   /* access: 1 LSB only, 2 MSB only, 3 LSB then MSB */
	bool bcd;
	uint32_t cr;	/* count register: the last count written, in clocks (0 -> 65536/10000) */
	bool has_count; /* a count was written since the control word */
	uint8_t write_state; /* which byte the next count write is */
	uint8_t write_lsb;   /* LSB of a two-byte count, waiting for its MSB */
	uint8_t read_state;  /* which byte the next unlatched count read returns */
	uint8_t latch_state; /* bytes of a latched count still to read; 0: none */
	uint16_t latched_count;
	bool status_latched;
	uint8_t latched_status;
	bool null_count; /* count register written but not yet loaded into the counter */
	/* the counter element */
	bool gate;
	bool counting;	/* running a segment; else frozen at held_* */
	uint32_t count; /* the count N the counter element is running with */
	uint64_t start_ns;
	uint64_t start_d;
	uint32_t held_ce; /* counter value while frozen (binary) */
	bool held_out;	  /* OUT while frozen */
	uint64_t held_d;  /* modes 0 and 4: where a gate-low pause resumes */
	/* modes 2 and 3: a count written while counting loads at a cycle boundary */
	bool reload_pending;
	uint64_t reload_d;   /* d of the boundary in the current segment */
	uint64_t reload_off; /* start_d of the segment after it (which counts cr) */
	/* rising edges of OUT, for IRQ 0 */
	uint64_t edges_seen; /* edge index (mode_edges() in pit8254.c) reached in this segment */
	uint64_t edges_due;  /* edges that happened and were not yet delivered */
};

struct pit8254 {
	struct pit_channel ch[3];
	uint8_t port61;	 /* bits 0-3 as written: gate 2, speaker data, parity/IOCHK enables */
	uint8_t refresh; /* bit 4 of port 0x61, toggled on every read */
	struct irq_line irq0;
	bool irq0_level;    /* the level IRQ 0 was last driven to */
	uint64_t irq0_lost; /* periodic edges merged into one because pit_update came late */
	const struct vclock *clk;
};

/* Claims 0x40-0x43 and 0x61. Channel 0's OUT drives irq0. */
int pit_init(struct pit8254 *t, struct io_bus *bus, struct irq_line irq0, const struct vclock *clk);
/* The time (ns) at which channel 0's OUT next rises (the IRQ 0 edge), or
 * VCLOCK_NEVER. Returns the current time if an edge awaits pit_update. */
uint64_t pit_next_deadline(struct pit8254 *t);
/* Bring IRQ 0 up to date with the clock: one rising edge for the edges of
 * OUT since the last call (any beyond the first are counted in irq0_lost),
 * then the line follows OUT. */
void pit_update(struct pit8254 *t);

#endif
