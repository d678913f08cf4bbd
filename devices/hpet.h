/* hpet.h - the High Precision Event Timer at 0xFED00000, as QEMU's PC has
 * it: a 64-bit main counter at 100 MHz (10 ns period), 3 timers with
 * comparators (one-shot or periodic, 64- or 32-bit), legacy replacement
 * routing (timer 0 to IRQ 0, timer 1 to IRQ 8) and routing to IOAPIC pins. */
#ifndef BTVMM_HPET_H
#define BTVMM_HPET_H

#include <stdbool.h>
#include <stdint.h>
#include "irq.h"
#include "mmio.h"
#include "vclock.h"

#define HPET_BASE 0xfed00000u
#define HPET_SIZE 0x400u
#define HPET_NTIMERS 3		 /* QEMU's default */
#define HPET_PERIOD_FS 10000000u /* counter period in femtoseconds: 10 ns */
#define HPET_NGSI 24		 /* interrupt lines: ISA IRQ n / IOAPIC pin n */
/* Tn_INT_ROUTE_CAP: the IOAPIC pins a timer may use (QEMU's pc machine: pin 2) */
#define HPET_ROUTE_CAP 0x00000004u

/* registers (offsets in the 1 KiB block) */
#define HPET_CAP 0x000
#define HPET_CFG 0x010
#define HPET_STATUS 0x020
#define HPET_COUNTER 0x0f0
#define HPET_TIMER(n) (0x100 + 0x20 * (n)) /* +0 config/caps, +8 comparator, +0x10 FSB */

/* HPET_CFG */
#define HPET_CFG_ENABLE 0x1u
#define HPET_CFG_LEGACY 0x2u

/* Tn config bits */
#define HPET_TN_LEVEL 0x002u /* level-triggered (else edge) */
#define HPET_TN_INT_ENB 0x004u
#define HPET_TN_PERIODIC 0x008u
#define HPET_TN_PER_CAP 0x010u
#define HPET_TN_SIZE_CAP 0x020u /* 64-bit comparator */
#define HPET_TN_SETVAL 0x040u	/* next comparator write sets the comparator (periodic) */
#define HPET_TN_32BIT 0x100u
#define HPET_TN_ROUTE_SHIFT 9
#define HPET_TN_ROUTE_MASK 0x3e00u
#define HPET_TN_WRITABLE 0x3f4eu /* no FSB delivery (bit 14) */

struct hpet_timer {
	uint64_t config;   /* low 32 bits as written (HPET_TN_WRITABLE), high: route caps */
	uint64_t cmp;	   /* comparator */
	uint64_t period;   /* periodic mode: added to cmp at each firing */
	uint64_t fsb;	   /* FSB route register (stored, never used) */
	bool armed;	   /* will fire when the counter reaches fire_tick */
	bool wrap_pending; /* 32-bit one-shot: fire_tick is the wrap, not the match */
	uint64_t fire_tick;
};

struct hpet {
	const struct vclock *clk;
	struct irq_line gsi[HPET_NGSI];
	uint64_t config; /* HPET_CFG */
	uint64_t isr;	 /* general interrupt status: level-triggered timers asserted */
	/* main counter: counter while halted; counter + (now - ns_base) / 10
	 * ns while enabled */
	uint64_t counter;
	uint64_t ns_base;
	struct hpet_timer t[HPET_NTIMERS];
};

/* Resets and registers the block at HPET_BASE. gsi[n] is the line for
 * route n (timer 0 in legacy mode uses gsi[0], timer 1 gsi[8]). */
int hpet_init(struct hpet *h, struct mmio_bus *bus, const struct vclock *clk,
	      const struct irq_line gsi[HPET_NGSI]);

/* In legacy replacement mode the PIT's and the RTC's interrupt outputs are
 * cut off (the machine gates them on this). */
bool hpet_legacy(const struct hpet *h);

/* The main counter now. */
uint64_t hpet_counter(struct hpet *h);

/* The time (ns) of the next timer firing, or VCLOCK_NEVER; hpet_update()
 * fires every timer whose time has come (periodic timers that missed
 * several periods fire once). */
uint64_t hpet_next_deadline(struct hpet *h);
void hpet_update(struct hpet *h);

/* The register block, for tests: offsets and sizes as the MMIO bus gives. */
uint64_t hpet_read(void *opaque, uint64_t off, int size);
void hpet_write(void *opaque, uint64_t off, int size, uint64_t val);

#endif
