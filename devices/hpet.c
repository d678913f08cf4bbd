/* hpet.c - the High Precision Event Timer (see hpet.h).
 *
 * The main counter is derived from the virtual clock: 10 ns per tick
 * since it was last enabled, on top of the value it held. A timer whose
 * interrupt is enabled (while the HPET is) is "armed" with the counter
 * value it fires at; the machine asks hpet_next_deadline() for the clock
 * time of the earliest one and calls hpet_update() at exits, as for the
 * PIT and the local APIC timer. The rules follow QEMU's hpet.c where the
 * specification (IA-PC HPET 1.0a) leaves room: a comparator already passed
 * fires one tick later; in periodic mode a comparator write sets the
 * period, and also the comparator when Tn_VAL_SET was set (which then
 * clears); a periodic timer that missed periods fires once and moves its
 * comparator past the counter; a 32-bit one-shot timer also fires when
 * the counter's low half wraps. Edge-triggered interrupts are a pulse on
 * the line; level-triggered ones set the timer's bit in the general
 * interrupt status register and hold the line until the guest writes 1
 * there. */
#include "hpet.h"

#include <string.h>

#define NS_PER_TICK (HPET_PERIOD_FS / 1000000u)
#define CAP_LOW                                                                                    \
	(0x01u /* revision */ | (HPET_NTIMERS - 1u) << 8 | 1u << 13 /* 64-bit counter */ |         \
	 1u << 15 /* legacy replacement capable */ | 0x8086u << 16 /* vendor, as QEMU */)

static bool enabled(const struct hpet *h)
{
	return h->config & HPET_CFG_ENABLE;
}

bool hpet_legacy(const struct hpet *h)
{
	return h->config & HPET_CFG_LEGACY;
}

static uint64_t counter_at(const struct hpet *h, uint64_t now)
{
	if (!enabled(h))
		return h->counter;
	return h->counter + (now - h->ns_base) / NS_PER_TICK;
}

uint64_t hpet_counter(struct hpet *h)
{
	return counter_at(h, vclock_now(h->clk));
}

static int route_of(const struct hpet *h, int n)
{
	if (n <= 1 && hpet_legacy(h))
		return n == 0 ? 0 : 8; /* IRQ 0 (IOAPIC pin 2) and IRQ 8 */
	return (int)((h->t[n].config & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT);
}

static void set_line(struct hpet *h, int route, int level)
{
	if (route < HPET_NGSI)
		irq_set(&h->gsi[route], level);
}

/* Raise (fire) or withdraw timer n's interrupt. */
static void timer_irq(struct hpet *h, int n, bool fire)
{
	struct hpet_timer *t = &h->t[n];
	uint64_t bit = 1ull << n;
	int route = route_of(h, n);
	if (!fire || !(t->config & HPET_TN_INT_ENB) || !enabled(h)) {
		h->isr &= ~bit;
		set_line(h, route, 0);
	} else if (t->config & HPET_TN_LEVEL) {
		h->isr |= bit;
		set_line(h, route, 1);
	} else {
		h->isr &= ~bit;
		set_line(h, route, 1);
		set_line(h, route, 0);
	}
}

/* Ticks from cur to the comparator; a comparator not ahead counts as 1. */
static uint64_t ticks_to_cmp(const struct hpet_timer *t, uint64_t cur)
{
	if (t->config & HPET_TN_32BIT) {
		uint32_t d = (uint32_t)t->cmp - (uint32_t)cur;
		return (int32_t)d > 0 ? d : 1;
	}
	uint64_t d = t->cmp - cur;
	return (int64_t)d > 0 ? d : 1;
}

static void arm(struct hpet *h, int n, uint64_t cur)
{
	struct hpet_timer *t = &h->t[n];
	t->armed = enabled(h) && (t->config & HPET_TN_INT_ENB);
	t->wrap_pending = false;
	if (!t->armed)
		return;
	uint64_t d = ticks_to_cmp(t, cur);
	if ((t->config & HPET_TN_32BIT) && !(t->config & HPET_TN_PERIODIC)) {
		/* a 32-bit one-shot timer also interrupts when the counter's low
		 * half wraps (as QEMU reads the specification: at 0xffffffff) */
		uint32_t to_wrap = 0xffffffffu - (uint32_t)cur;
		if (to_wrap < d) {
			d = to_wrap;
			t->wrap_pending = true;
		}
	}
	t->fire_tick = cur + d;
}

static void fire(struct hpet *h, int n, uint64_t cur)
{
	struct hpet_timer *t = &h->t[n];
	if ((t->config & HPET_TN_PERIODIC) && t->period) {
		if (t->config & HPET_TN_32BIT) {
			while ((int32_t)((uint32_t)t->cmp - (uint32_t)cur) <= 0)
				t->cmp = (uint32_t)(t->cmp + t->period);
		} else {
			while ((int64_t)(t->cmp - cur) <= 0)
				t->cmp += t->period;
		}
		t->fire_tick = cur + ticks_to_cmp(t, cur);
	} else if (t->wrap_pending) {
		t->wrap_pending = false; /* the wrap's interrupt; the match comes next */
		t->fire_tick = cur + ticks_to_cmp(t, cur);
	} else {
		t->armed = false; /* one-shot: fires again only when re-armed */
	}
	timer_irq(h, n, true);
}

void hpet_update(struct hpet *h)
{
	if (!enabled(h))
		return;
	uint64_t cur = hpet_counter(h);
	for (int n = 0; n < HPET_NTIMERS; n++)
		if (h->t[n].armed && h->t[n].fire_tick <= cur)
			fire(h, n, cur);
}

uint64_t hpet_next_deadline(struct hpet *h)
{
	uint64_t best = VCLOCK_NEVER;
	if (!enabled(h))
		return best;
	for (int n = 0; n < HPET_NTIMERS; n++) {
		const struct hpet_timer *t = &h->t[n];
		if (!t->armed)
			continue;
		uint64_t ticks = t->fire_tick - h->counter;
		if (ticks > (VCLOCK_NEVER - 1 - h->ns_base) / NS_PER_TICK)
			continue; /* centuries away */
		uint64_t ns = h->ns_base + ticks * NS_PER_TICK;
		if (ns < best)
			best = ns;
	}
	return best;
}

/* ---- registers ---- */

static uint64_t reg_read(struct hpet *h, uint64_t off)
{
	if (off >= HPET_TIMER(0) && off < HPET_TIMER(HPET_NTIMERS)) {
		const struct hpet_timer *t = &h->t[(off - HPET_TIMER(0)) / 0x20];
		switch ((off - HPET_TIMER(0)) % 0x20) {
		case 0x00: return t->config;
		case 0x08: return t->cmp;
		case 0x10: return t->fsb;
		}
		return 0;
	}
	switch (off) {
	case HPET_CAP: return CAP_LOW | (uint64_t)HPET_PERIOD_FS << 32;
	case HPET_CFG: return h->config;
	case HPET_STATUS: return h->isr;
	case HPET_COUNTER: return hpet_counter(h);
	}
	return 0;
}

static void write_global_cfg(struct hpet *h, uint64_t val)
{
	uint64_t old = h->config, now = vclock_now(h->clk);
	uint64_t cur = counter_at(h, now);
	h->config = val & (HPET_CFG_ENABLE | HPET_CFG_LEGACY);
	if (!(old & HPET_CFG_ENABLE) && enabled(h)) {
		h->ns_base = now; /* the counter runs on from the value it held */
		for (int n = 0; n < HPET_NTIMERS; n++)
			arm(h, n, cur);
	} else if ((old & HPET_CFG_ENABLE) && !enabled(h)) {
		h->counter = cur;
		for (int n = 0; n < HPET_NTIMERS; n++) {
			h->t[n].armed = false;
			timer_irq(h, n, false);
		}
	}
	if ((old ^ h->config) & HPET_CFG_LEGACY) {
		/* the routes of timers 0 and 1 change: start from low lines */
		set_line(h, 0, 0);
		set_line(h, 8, 0);
	}
}

static void write_timer_cfg(struct hpet *h, int n, uint64_t val)
{
	struct hpet_timer *t = &h->t[n];
	uint64_t old = t->config;
	t->config = (old & ~(uint64_t)HPET_TN_WRITABLE) | (val & HPET_TN_WRITABLE);
	if (t->config & HPET_TN_32BIT) {
		t->cmp = (uint32_t)t->cmp;
		t->period = (uint32_t)t->period;
	}
	if ((old & HPET_TN_LEVEL) && !(t->config & HPET_TN_LEVEL))
		h->isr &= ~(1ull << n);
	if (!(old & HPET_TN_INT_ENB) && (t->config & HPET_TN_INT_ENB)) {
		arm(h, n, hpet_counter(h));
	} else if ((old & HPET_TN_INT_ENB) && !(t->config & HPET_TN_INT_ENB)) {
		t->armed = false;
		timer_irq(h, n, false);
	}
}

/* mask: the bits the guest wrote (a 32-bit write changes one half) */
static void write_cmp(struct hpet *h, int n, uint64_t val, uint64_t mask)
{
	struct hpet_timer *t = &h->t[n];
	if (t->config & HPET_TN_32BIT)
		mask &= 0xffffffffu;
	bool periodic = t->config & HPET_TN_PERIODIC;
	if (!periodic || (t->config & HPET_TN_SETVAL))
		t->cmp = (t->cmp & ~mask) | (val & mask);
	if (periodic) {
		/* as QEMU: at most half the counter's range */
		uint64_t limit = (t->config & HPET_TN_32BIT ? 0xffffffffull : ~0ull) >> 1;
		t->period = (t->period & ~mask) | (val & mask & limit);
	}
	t->config &= ~(uint64_t)HPET_TN_SETVAL;
	if (enabled(h))
		arm(h, n, hpet_counter(h));
}

static void reg_write(struct hpet *h, uint64_t off, uint64_t val, uint64_t mask)
{
	uint64_t merged = (reg_read(h, off) & ~mask) | (val & mask);
	if (off >= HPET_TIMER(0) && off < HPET_TIMER(HPET_NTIMERS)) {
		int n = (int)((off - HPET_TIMER(0)) / 0x20);
		switch ((off - HPET_TIMER(0)) % 0x20) {
		case 0x00:
			if (mask & 0xffffffffu)
				write_timer_cfg(h, n, merged);
			break;
		case 0x08: write_cmp(h, n, val, mask); break;
		case 0x10: h->t[n].fsb = merged; break;
		}
		return;
	}
	switch (off) {
	case HPET_CFG:
		if (mask & 0xffffffffu)
			write_global_cfg(h, merged);
		break;
	case HPET_STATUS:
		for (int n = 0; n < HPET_NTIMERS; n++)
			if (val & mask & h->isr & (1ull << n))
				timer_irq(h, n, false);
		break;
	case HPET_COUNTER:
		if (!enabled(h)) /* writable only while halted */
			h->counter = merged;
		break;
	}
}

uint64_t hpet_read(void *opaque, uint64_t off, int size)
{
	uint64_t v = reg_read(opaque, off & ~7ull);
	if (size == 8)
		return v;
	v >>= 8 * (off & 7);
	return v & ((1ull << (8 * size)) - 1);
}

void hpet_write(void *opaque, uint64_t off, int size, uint64_t val)
{
	/* QEMU takes 32- and 64-bit accesses only */
	if (size == 8 && !(off & 7))
		reg_write(opaque, off, val, ~0ull);
	else if (size == 4 && !(off & 3))
		reg_write(opaque, off & ~7ull, val << (8 * (off & 4)),
			  0xffffffffull << (8 * (off & 4)));
}

int hpet_init(struct hpet *h, struct mmio_bus *bus, const struct vclock *clk,
	      const struct irq_line gsi[HPET_NGSI])
{
	memset(h, 0, sizeof(*h));
	h->clk = clk;
	memcpy(h->gsi, gsi, sizeof(h->gsi));
	for (int n = 0; n < HPET_NTIMERS; n++) {
		h->t[n].config =
		    (uint64_t)HPET_ROUTE_CAP << 32 | HPET_TN_PER_CAP | HPET_TN_SIZE_CAP;
		h->t[n].cmp = ~0ull;
	}
	return mmio_register(bus, HPET_BASE, HPET_SIZE, hpet_read, hpet_write, h, "hpet");
}
