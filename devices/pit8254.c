/*
 * pit8254.c - the 8254 programmable interval timer (ports 0x40-0x43) and
 * the PIT-related bits of system control port B (0x61).
 *
 * Channel 0's OUT is ISA IRQ 0 (the system timer); channel 1 (DRAM refresh
 * on old PCs) is unwired; channel 2's gate is port 0x61 bit 0 and its OUT
 * is readable as port 0x61 bit 5, which is how Linux calibrates the TSC.
 * Behaviour follows the 8254 datasheet as QEMU (hw/timer/i8254*.c) and
 * Bochs (iodev/pit82c54.cc) model it.
 *
 * Nothing ticks. The clock runs at 1193182 Hz and everything is computed
 * from struct vclock: a counter that runs is a "segment" that started at
 * start_ns with start_d clocks already counted, so after t ns it has
 * counted d = start_d + t * 1193182 / 10^9 clocks (128-bit product). The
 * counter value, OUT and the number of rising edges of OUT are closed-form
 * functions of the mode, the count N and d (mode_ce, mode_out, mode_edges
 * below). A counter that stops (control word, gate low) is frozen: its
 * value and OUT are kept in held_ce/held_out. A counter is loaded at the
 * instant its count is written, not at the next clock edge (as QEMU):
 * mode 0 with count N raises OUT exactly N clocks after the write.
 *
 * The modes, with d counted from the load and N the count:
 *  0 interrupt on terminal count: OUT low, rises at d = N and stays high;
 *    the counter wraps on. Gate low pauses counting; writing the first
 *    byte of a two-byte count stops the counter and drops OUT.
 *  1 hardware one-shot: a gate rising edge loads N and drops OUT, which
 *    rises at d = N; each rising edge retriggers.
 *  2 rate generator: OUT low for the one clock the counter is 1, i.e. at
 *    d % N == N-1; rising edges at d = kN. Gate low stops it with OUT
 *    high, a gate rising edge restarts it.
 *  3 square wave: OUT high for ceil(N/2) clocks, low for floor(N/2); the
 *    counter decrements by two, with the datasheet's odd-count steps.
 *    Gate as mode 2.
 *  4 software strobe: OUT low for the one clock at d = N. Gate low pauses.
 *  5 hardware strobe: mode 4 started by a gate rising edge, as mode 1.
 * A count written while a counter runs takes effect at once in modes 0 and
 * 4, at the next trigger in modes 1 and 5, and at the end of the current
 * period (mode 2) or half-period (mode 3) otherwise. Count 0 means 65536
 * (10000 in BCD).
 *
 * IRQ 0: channel 0's rising edges are counted as time passes (edges_due)
 * and pit_update() turns them into one low-high pulse on the line (the
 * PIC latches edges), counting any extra in irq0_lost: a VMM that wakes
 * late gets one timer interrupt, not a burst. Between edges the line
 * follows OUT. The line is not driven at reset; it is assumed to sit at
 * the reset OUT level, high.
 *
 * Reset: every channel in mode 3, LSB-then-MSB, binary, waiting for a
 * count (the BIOS's job on a PC), OUT high, so nothing ticks until the
 * guest programs a channel. Gates: 0 and 1 tied high, 2 low (port 0x61 is
 * 0).
 */
#include <string.h>
#include "pit8254.h"

#define NS_PER_SEC 1000000000u
#define PIT_CONTROL (PIT_PORT + 3)

/* control word */
#define CW_SELECT(v) ((v) >> 6)
#define CW_READ_BACK 3 /* select field 11: the read-back command */
#define CW_RW(v) (((v) >> 4) & 3)
#define CW_MODE(v) (((v) >> 1) & 7)
#define CW_BCD 0x01
/* read-back command */
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10
#define RB_CHANNEL(i) (2u << (i))
/* status byte */
#define ST_OUT 0x80
#define ST_NULL_COUNT 0x40

/* Access (rw) values, also the byte states of count reads and writes. */
#define RW_LATCH 0 /* in a control word: the counter latch command */
#define RW_LSB 1
#define RW_MSB 2
#define RW_WORD 3  /* LSB, then MSB */
#define RW_WORD1 4 /* byte state: the MSB of a word */

/* port 0x61 */
#define P61_GATE2 0x01
#define P61_WRITABLE 0x0f /* gate 2, speaker data, parity and IOCHK enables */
#define P61_REFRESH 0x10
#define P61_OUT2 0x20

#define NO_EDGE UINT64_MAX

/* ---- time ---- */

static uint64_t ns_to_clocks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_FREQ_HZ / NS_PER_SEC);
}

/* The fewest ns after which ns_to_clocks() reaches clocks (rounded up). */
static uint64_t clocks_to_ns(uint64_t clocks)
{
	unsigned __int128 ns =
	    ((unsigned __int128)clocks * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;

	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- the modes, as functions of count n and clocks counted d ---- */

/*
 * Mode 3's counter p clocks into a period. Even n counts n, n-2, .. 2 in
 * each half. Odd n (datasheet): the high half starts with a decrement by
 * one, the low half with one by three, the rest by two, which makes the
 * high half one clock longer.
 */
static uint32_t square_wave_ce(uint32_t n, uint64_t p)
{
	uint64_t high = (n + 1) / 2;

	if (!(n & 1))
		return n - 2 * (p % (n / 2));
	if (p < high)
		return p == 0 ? n : n + 1 - 2 * p;
	p -= high;
	return p == 0 ? n : n - 1 - 2 * p;
}

/* The counter's value (binary, 0 .. modulus-1). */
static uint32_t mode_ce(int mode, uint32_t n, uint64_t d, uint32_t modulus)
{
	switch (mode) {
	case 2: return (n - d % n) % modulus;
	case 3: return square_wave_ce(n, d % n) % modulus;
	default: return (n + modulus - d % modulus) % modulus; /* n - d, wrapping */
	}
}

static bool mode_out(int mode, uint32_t n, uint64_t d)
{
	switch (mode) {
	case 0:
	case 1: return d >= n;
	case 2: return n == 1 || d % n != n - 1;
	case 3: return d % n < (n + 1) / 2;
	default: return d != n; /* 4, 5 */
	}
}

/* Rising edges of OUT in (0, d]. */
static uint64_t mode_edges(int mode, uint32_t n, uint64_t d)
{
	switch (mode) {
	case 0:
	case 1: return d >= n;
	case 2:
	case 3: return d / n;
	default: return d > n; /* OUT comes back up one clock after the strobe */
	}
}

/* The first d after d at which OUT rises, or NO_EDGE. */
static uint64_t mode_next_edge(int mode, uint32_t n, uint64_t d)
{
	switch (mode) {
	case 0:
	case 1: return d < n ? n : NO_EDGE;
	case 2:
	case 3: return (d / n + 1) * n;
	default: return d <= n ? (uint64_t)n + 1 : NO_EDGE;
	}
}

/* ---- one channel's counter element ---- */

static uint32_t ch_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* Clocks counted by a running segment at time now. */
static uint64_t ch_d(const struct pit_channel *c, uint64_t now)
{
	return c->start_d + ns_to_clocks(now > c->start_ns ? now - c->start_ns : 0);
}

static void ch_start(struct pit_channel *c, uint64_t when, uint64_t d0)
{
	c->counting = true;
	c->start_ns = when;
	c->start_d = d0;
	c->edges_seen = mode_edges(c->mode, c->count, d0);
}

/* A boundary reached while a mode 2/3 reload is pending: load cr there. */
static void ch_settle(struct pit_channel *c, uint64_t now)
{
	uint64_t when;

	if (!c->counting || !c->reload_pending || ch_d(c, now) < c->reload_d)
		return;
	when = add_sat(c->start_ns, clocks_to_ns(c->reload_d - c->start_d));
	c->edges_due += mode_edges(c->mode, c->count, c->reload_d) - c->edges_seen;
	c->reload_pending = false;
	c->null_count = false;
	c->count = c->cr;
	ch_start(c, when, c->reload_off);
}

/* Bring the channel to time now: pending reload, OUT edges so far. */
static void ch_sync(struct pit_channel *c, uint64_t now)
{
	uint64_t e;

	ch_settle(c, now);
	if (!c->counting)
		return;
	e = mode_edges(c->mode, c->count, ch_d(c, now));
	if (e > c->edges_seen) { /* a clock that stepped back changes nothing */
		c->edges_due += e - c->edges_seen;
		c->edges_seen = e;
	}
}

/* The counter value (binary) and OUT, of a channel synced to now. */
static uint32_t ch_ce(const struct pit_channel *c, uint64_t now)
{
	if (!c->counting)
		return c->held_ce;
	return mode_ce(c->mode, c->count, ch_d(c, now), ch_modulus(c));
}

static bool ch_out(const struct pit_channel *c, uint64_t now)
{
	if (!c->counting)
		return c->held_out;
	return mode_out(c->mode, c->count, ch_d(c, now));
}

/* Stop a synced channel where it is, with OUT at out. A pending reload
 * is dropped: a restart loads the count register anyway. */
static void ch_freeze(struct pit_channel *c, uint64_t now, bool out)
{
	if (c->counting) {
		c->held_ce = ch_ce(c, now);
		c->held_d = ch_d(c, now);
	}
	c->held_out = out;
	c->counting = false;
	c->reload_pending = false;
}

/* Load cr into the counter element and run from d0 (if the gate allows). */
static void ch_load(struct pit_channel *c, uint64_t now, uint64_t d0)
{
	c->count = c->cr;
	c->null_count = false;
	ch_start(c, now, d0);
}

/* ---- the gate ---- */

static void ch_gate_rise(struct pit_channel *c, uint64_t now)
{
	if (!c->has_count)
		return;
	switch (c->mode) {
	case 0:
	case 4:
		if (!c->counting)
			ch_start(c, now, c->held_d); /* resume */
		break;
	default: ch_load(c, now, 0); break; /* 1, 5: trigger; 2, 3: restart */
	}
}

static void ch_gate_fall(struct pit_channel *c, uint64_t now)
{
	switch (c->mode) {
	case 0:
	case 4: ch_freeze(c, now, ch_out(c, now)); break; /* pause */
	case 2:
	case 3:
		if (c->counting)
			ch_freeze(c, now, true); /* stop, OUT forced high */
		break;
	default: break; /* 1, 5: only the rising edge matters */
	}
}

static void ch_set_gate(struct pit_channel *c, uint64_t now, bool gate)
{
	if (gate == c->gate)
		return;
	ch_sync(c, now);
	c->gate = gate;
	if (gate)
		ch_gate_rise(c, now);
	else
		ch_gate_fall(c, now);
}

/* ---- writing the count ---- */

static uint32_t from_bcd(uint16_t v)
{
	return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

static uint16_t to_bcd(uint32_t v)
{
	return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
}

/* The count register as a number of clocks. Invalid BCD digits are taken
 * at face value. */
static uint32_t count_clocks(const struct pit_channel *c, uint16_t raw)
{
	uint32_t n = c->bcd ? from_bcd(raw) % 10000 : raw;

	return n ? n : ch_modulus(c);
}

/* Mode 2/3 written while counting: load at the end of this (half) cycle. */
static void ch_schedule_reload(struct pit_channel *c, uint64_t now)
{
	uint64_t d = ch_d(c, now);
	uint64_t p = d % c->count;
	uint64_t high = (c->count + 1) / 2;

	c->reload_pending = true;
	if (c->mode == 3 && p < high) {
		/* the low half starts with the new count */
		c->reload_d = d - p + high;
		c->reload_off = (c->cr + 1) / 2;
	} else {
		c->reload_d = d - p + c->count;
		c->reload_off = 0;
	}
}

/* A complete count was written. */
static void ch_write_count(struct pit_channel *c, uint64_t now, uint16_t raw)
{
	ch_sync(c, now);
	c->cr = count_clocks(c, raw);
	c->has_count = true;
	c->null_count = true;
	switch (c->mode) {
	case 0:
	case 4:
		if (c->gate) {
			ch_load(c, now, 0);
		} else {
			/* loaded, but counting waits for the gate */
			c->count = c->cr;
			c->null_count = false;
			c->held_ce = c->cr % ch_modulus(c);
			c->held_out = mode_out(c->mode, c->cr, 0);
			c->held_d = 0;
			c->counting = false;
		}
		break;
	case 2:
	case 3:
		if (c->counting)
			ch_schedule_reload(c, now);
		else if (c->gate)
			ch_load(c, now, 0);
		break;
	default: break; /* 1, 5: loaded by the next trigger */
	}
}

static void ch_write(struct pit_channel *c, uint64_t now, uint8_t val)
{
	switch (c->write_state) {
	case RW_LSB: ch_write_count(c, now, val); break;
	case RW_MSB: ch_write_count(c, now, val << 8); break;
	case RW_WORD:
		c->write_lsb = val;
		c->write_state = RW_WORD1;
		if (c->mode == 0) {
			/* mode 0: the first byte stops the count and drops OUT */
			ch_sync(c, now);
			ch_freeze(c, now, false);
			c->has_count = false;
			c->null_count = true;
		}
		break;
	default:
		c->write_state = RW_WORD;
		ch_write_count(c, now, c->write_lsb | val << 8);
		break;
	}
}

/* ---- reading the count and status ---- */

/* The counter as the guest reads it (BCD in BCD mode). */
static uint16_t ch_read_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t v = ch_ce(c, now);

	return c->bcd ? to_bcd(v) : v;
}

static void ch_latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->latch_state)
		return; /* the first latch holds until read */
	ch_sync(c, now);
	c->latched_count = ch_read_value(c, now);
	c->latch_state = c->rw;
}

static void ch_latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	ch_sync(c, now);
	c->latched_status = (ch_out(c, now) ? ST_OUT : 0) | (c->null_count ? ST_NULL_COUNT : 0) |
			    c->rw << 4 | c->mode_bits << 1 | (c->bcd ? CW_BCD : 0);
	c->status_latched = true;
}

/* A latched count: its bytes as rw says, then the latch is released. */
static uint8_t ch_read_latched(struct pit_channel *c)
{
	uint16_t v = c->latched_count;

	switch (c->latch_state) {
	case RW_WORD: c->latch_state = RW_MSB; return v & 0xff;
	case RW_MSB: c->latch_state = 0; return v >> 8;
	default: c->latch_state = 0; return v & 0xff; /* RW_LSB */
	}
}

/* The live count: LSB-then-MSB alternates, each byte read as it is now. */
static uint8_t ch_read_live(struct pit_channel *c, uint64_t now)
{
	uint16_t v = ch_read_value(c, now);

	switch (c->read_state) {
	case RW_WORD: c->read_state = RW_WORD1; return v & 0xff;
	case RW_WORD1: c->read_state = RW_WORD; return v >> 8;
	case RW_MSB: return v >> 8;
	default: return v & 0xff; /* RW_LSB */
	}
}

static uint8_t ch_read(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->latched_status;
	}
	if (c->latch_state)
		return ch_read_latched(c);
	ch_sync(c, now);
	return ch_read_live(c, now);
}

/* ---- the control word ---- */

static void pit_read_back(struct pit8254 *t, uint8_t val, uint64_t now)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (!(val & RB_CHANNEL(i)))
			continue;
		if (!(val & RB_NO_COUNT))
			ch_latch_count(&t->ch[i], now);
		if (!(val & RB_NO_STATUS))
			ch_latch_status(&t->ch[i], now);
	}
}

/* Program a channel: it stops until given a count, OUT at the mode's
 * initial level (low in mode 0, high otherwise). */
static void ch_set_mode(struct pit_channel *c, uint64_t now, uint8_t val)
{
	uint8_t bits = CW_MODE(val);
	uint8_t mode = bits > 5 ? bits - 4 : bits;

	/* frozen under the old mode: the counter keeps its value */
	ch_sync(c, now);
	ch_freeze(c, now, mode != 0);
	c->mode_bits = bits;
	c->mode = mode;
	c->rw = CW_RW(val);
	c->bcd = val & CW_BCD;
	c->write_state = c->rw;
	c->read_state = c->rw;
	c->latch_state = 0;
	c->status_latched = false;
	c->null_count = true;
	c->has_count = false;
}

static void pit_write_control(struct pit8254 *t, uint8_t val, uint64_t now)
{
	struct pit_channel *c;

	if (CW_SELECT(val) == CW_READ_BACK) {
		pit_read_back(t, val, now);
		return;
	}
	c = &t->ch[CW_SELECT(val)];
	if (CW_RW(val) == RW_LATCH)
		ch_latch_count(c, now);
	else
		ch_set_mode(c, now, val);
}

/* ---- IRQ 0 ---- */

static void irq0_drive(struct pit8254 *t, bool level)
{
	if (level == t->irq0_level)
		return;
	t->irq0_level = level;
	irq_set(&t->irq0, level);
}

void pit_update(struct pit8254 *t)
{
	struct pit_channel *c = &t->ch[0];
	uint64_t now = vclock_now(t->clk);

	ch_sync(c, now);
	if (c->edges_due) {
		t->irq0_lost += c->edges_due - 1;
		c->edges_due = 0;
		irq0_drive(t, false);
		irq0_drive(t, true);
	}
	irq0_drive(t, ch_out(c, now));
}

uint64_t pit_next_deadline(struct pit8254 *t)
{
	struct pit_channel *c = &t->ch[0];
	uint64_t now = vclock_now(t->clk);
	uint64_t next, when;

	ch_sync(c, now);
	if (c->edges_due)
		return now;
	if (!c->counting)
		return VCLOCK_NEVER;
	next = mode_next_edge(c->mode, c->count, ch_d(c, now));
	if (c->reload_pending && next > c->reload_d) {
		/* the next edge belongs to the segment after the reload */
		when = add_sat(c->start_ns, clocks_to_ns(c->reload_d - c->start_d));
		next = mode_next_edge(c->mode, c->cr, c->reload_off);
		return add_sat(when, clocks_to_ns(next - c->reload_off));
	}
	if (next == NO_EDGE)
		return VCLOCK_NEVER;
	return add_sat(c->start_ns, clocks_to_ns(next - c->start_d));
}

/* ---- ports ---- */

static uint8_t pit_read61(struct pit8254 *t, uint64_t now)
{
	struct pit_channel *c = &t->ch[2];

	ch_sync(c, now);
	/* No DRAM refresh to watch: flip the bit so delay loops that wait for
	 * it to change terminate, as QEMU and Bochs do. */
	t->refresh ^= P61_REFRESH;
	return (t->port61 & P61_WRITABLE) | t->refresh | (ch_out(c, now) ? P61_OUT2 : 0);
}

static void pit_write61(struct pit8254 *t, uint64_t now, uint8_t val)
{
	t->port61 = val & P61_WRITABLE;
	ch_set_gate(&t->ch[2], now, val & P61_GATE2);
}

static uint32_t pit_io_read(void *opaque, uint16_t port, int size)
{
	struct pit8254 *t = opaque;
	uint64_t now = vclock_now(t->clk);

	if (port == PIT_PORT61)
		return pit_read61(t, now);
	if (port == PIT_CONTROL)
		return 0xff; /* the control word register is write-only */
	return ch_read(&t->ch[port - PIT_PORT], now);
}

static void pit_io_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct pit8254 *t = opaque;
	uint64_t now = vclock_now(t->clk);

	if (port == PIT_PORT61) {
		pit_write61(t, now, val);
		return;
	}
	if (port == PIT_CONTROL)
		pit_write_control(t, val, now);
	else
		ch_write(&t->ch[port - PIT_PORT], now, val);
	pit_update(t); /* channel 0's OUT may have changed */
}

static void ch_reset(struct pit_channel *c, bool gate)
{
	memset(c, 0, sizeof(*c));
	c->mode = c->mode_bits = 3;
	c->rw = c->write_state = c->read_state = RW_WORD;
	c->cr = c->count = 65536;
	c->held_out = true;
	c->gate = gate;
}

int pit_init(struct pit8254 *t, struct io_bus *bus, struct irq_line irq0, const struct vclock *clk)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->irq0 = irq0;
	t->clk = clk;
	for (i = 0; i < 3; i++)
		ch_reset(&t->ch[i], i != 2);
	t->irq0_level = true; /* the reset OUT level; see the top */
	if (iobus_register(bus, PIT_PORT, 4, pit_io_read, pit_io_write, t, "pit") ||
	    iobus_register(bus, PIT_PORT61, 1, pit_io_read, pit_io_write, t, "port61"))
		return -1;
	return 0;
}
