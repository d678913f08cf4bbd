/*
 * ioapic.c - an 82093AA I/O APIC with 24 pins, delivering to our one local
 * APIC.
 *
 * Follows the 82093AA datasheet as QEMU (hw/intc/ioapic.c) implements it:
 *
 *  - Two 32-bit windows: IOREGSEL (0x00) selects a register, IOWIN (0x10)
 *    reads or writes it. IOREGSEL takes any access size (it is a byte
 *    register); IOWIN needs 32-bit accesses, others read 0 / are ignored.
 *    Registers: ID (0), version (1: 0x00170011, 24 entries), arbitration
 *    (2: mirrors the ID, as after the ID is loaded), and the redirection
 *    table at 0x10-0x3F, two registers per 64-bit entry. Anything else
 *    reads 0.
 *  - A pin's level is electrical: an entry with polarity bit 13 set (active
 *    low) sees the pin asserted when the level is 0. Whoever wires devices
 *    to pins must describe polarities to the guest (MP table / MADT) to
 *    match how the devices drive them.
 *  - Edge-triggered entries deliver on each rising edge of the asserted
 *    state, and ignore edges while masked (they are not held pending).
 *  - Level-triggered entries deliver while the pin is asserted, the entry
 *    is unmasked and Remote IRR is clear; delivery sets Remote IRR, and the
 *    local APIC's EOI for the vector (ioapic_eoi) clears it and delivers
 *    again if the pin is still asserted. So unmasking, or reprogramming the
 *    polarity of, an asserted pin delivers, as in QEMU.
 *  - Fixed and lowest-priority entries go to the local APIC when the
 *    destination (bits 56-63) names it: physical mode compares with its ID
 *    (0xFF broadcasts), logical mode matches its LDR under its DFR model
 *    (lapic_accepts()). SMI, NMI, INIT and ExtINT entries deliver nothing,
 *    and neither does an entry whose destination misses the APIC; either
 *    way Remote IRR stays clear. Delivery is immediate, so the delivery
 *    status bit (12) always reads 0.
 */
#include <stddef.h>
#include <string.h>
#include "ioapic.h"

/* indirect registers */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDIR 0x10

#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10

/* version 0x11, maximum redirection entry 23 */
#define IOAPIC_VERSION_VALUE (0x11u | ((IOAPIC_NPINS - 1u) << 16))
#define IOAPIC_ID_MASK 0x0f000000u

/* redirection entry bits */
#define RTE_VECTOR 0xffull
#define RTE_DM_SHIFT 8
#define RTE_LOGICAL (1ull << 11)
#define RTE_ACTIVE_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_DEST_SHIFT 56
/* writable: vector, delivery mode, dest mode, polarity, trigger, mask, dest */
#define RTE_WRITABLE (0x1afffull | (0xffull << RTE_DEST_SHIFT))

#define DM_FIXED 0
#define DM_LOWEST 1

/* Is pin asserted, given its level and the entry's polarity? */
static bool pin_asserted(const struct ioapic *io, int pin)
{
	bool level = io->pin_level & (1u << pin);

	return level != !!(io->redir[pin] & RTE_ACTIVE_LOW);
}

/* Send pin's entry to the local APIC; false if nobody took it. */
static bool ioapic_deliver(struct ioapic *io, int pin)
{
	uint64_t e = io->redir[pin];
	int mode = (e >> RTE_DM_SHIFT) & 7;

	if (!io->dest || (mode != DM_FIXED && mode != DM_LOWEST))
		return false;
	if (!lapic_accepts(io->dest, e >> RTE_DEST_SHIFT, e & RTE_LOGICAL))
		return false;
	lapic_set_irq(io->dest, e & RTE_VECTOR, e & RTE_LEVEL);
	return true;
}

/* A level-triggered pin: deliver if it is asserted and nothing is in flight. */
static void ioapic_service_level(struct ioapic *io, int pin)
{
	uint64_t *e = &io->redir[pin];

	if (!(*e & RTE_LEVEL) || (*e & (RTE_MASKED | RTE_REMOTE_IRR)) || !pin_asserted(io, pin))
		return;
	if (ioapic_deliver(io, pin))
		*e |= RTE_REMOTE_IRR;
}

void ioapic_set_irq(struct ioapic *io, int pin, int level)
{
	bool was_asserted;
	uint64_t e;

	if (pin < 0 || pin >= IOAPIC_NPINS)
		return;
	was_asserted = pin_asserted(io, pin);
	if (level)
		io->pin_level |= 1u << pin;
	else
		io->pin_level &= ~(1u << pin);
	e = io->redir[pin];
	if (e & RTE_LEVEL)
		ioapic_service_level(io, pin);
	else if (!was_asserted && pin_asserted(io, pin) && !(e & RTE_MASKED))
		ioapic_deliver(io, pin);
}

void ioapic_irq_line_set(void *opaque, int pin, int level)
{
	ioapic_set_irq(opaque, pin, level);
}

void ioapic_eoi(struct ioapic *io, int vector)
{
	int pin;

	for (pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t *e = &io->redir[pin];

		if ((*e & RTE_REMOTE_IRR) && (int)(*e & RTE_VECTOR) == vector) {
			*e &= ~RTE_REMOTE_IRR;
			ioapic_service_level(io, pin);
		}
	}
}

/* The local APIC's EOI callback. */
static void ioapic_lapic_eoi(void *opaque, int vector)
{
	ioapic_eoi(opaque, vector);
}

/* ---- registers ---- */

static void ioapic_write_redir(struct ioapic *io, int pin, bool high, uint32_t val)
{
	uint64_t *e = &io->redir[pin];
	uint64_t v =
	    high ? (*e & 0xffffffffull) | ((uint64_t)val << 32) : (*e & ~0xffffffffull) | val;

	*e = (v & RTE_WRITABLE) | (*e & RTE_REMOTE_IRR);
	/* Remote IRR means nothing for an edge-triggered entry. */
	if (!(*e & RTE_LEVEL))
		*e &= ~RTE_REMOTE_IRR;
	/* Unmasked, or turned asserted by a polarity change: deliver now. */
	ioapic_service_level(io, pin);
}

static uint32_t ioapic_read_win(const struct ioapic *io)
{
	uint32_t r = io->regsel;
	int pin;

	switch (r) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB: return io->id;
	case IOAPIC_REG_VERSION: return IOAPIC_VERSION_VALUE;
	}
	if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * IOAPIC_NPINS)
		return 0;
	pin = (r - IOAPIC_REG_REDIR) >> 1;
	return (r & 1) ? io->redir[pin] >> 32 : (uint32_t)io->redir[pin];
}

static void ioapic_write_win(struct ioapic *io, uint32_t val)
{
	uint32_t r = io->regsel;

	if (r == IOAPIC_REG_ID) {
		io->id = val & IOAPIC_ID_MASK;
		return;
	}
	if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * IOAPIC_NPINS)
		return; /* version, arbitration: read-only */
	ioapic_write_redir(io, (r - IOAPIC_REG_REDIR) >> 1, r & 1, val);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t off, int size)
{
	struct ioapic *io = opaque;

	if (off == IOAPIC_IOREGSEL)
		return io->regsel;
	if (off == IOAPIC_IOWIN && size == 4)
		return ioapic_read_win(io);
	return 0;
}

static void ioapic_mmio_write(void *opaque, uint64_t off, int size, uint64_t val)
{
	struct ioapic *io = opaque;

	if (off == IOAPIC_IOREGSEL)
		io->regsel = val & 0xff;
	else if (off == IOAPIC_IOWIN && size == 4)
		ioapic_write_win(io, val);
}

/* Also makes the local APIC's level-triggered EOIs reach us. */
int ioapic_init(struct ioapic *io, struct mmio_bus *bus, struct lapic *dest)
{
	int pin;

	memset(io, 0, sizeof(*io));
	io->dest = dest;
	for (pin = 0; pin < IOAPIC_NPINS; pin++)
		io->redir[pin] = RTE_MASKED;
	if (dest)
		lapic_set_eoi_callback(dest, ioapic_lapic_eoi, io);
	return mmio_register(bus, IOAPIC_BASE, IOAPIC_SIZE, ioapic_mmio_read, ioapic_mmio_write, io,
			     "ioapic");
}
