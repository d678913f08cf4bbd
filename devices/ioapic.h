/* ioapic.h - 82093AA I/O APIC at 0xFEC00000: 24 interrupt pins routed to
 * the local APIC through a redirection table. */
#ifndef BTVMM_IOAPIC_H
#define BTVMM_IOAPIC_H

#include <stdint.h>
#include "lapic.h"
#include "mmio.h"

#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_SIZE 0x1000u /* IOREGSEL at 0x00, IOWIN at 0x10; the rest reads 0 */
#define IOAPIC_NPINS 24

struct ioapic {
	struct lapic *dest; /* the one local APIC; NULL: nothing is delivered */
	uint32_t id;	    /* ID register, bits 24-27: 0 at reset; set it to the MP table's ID */
	uint32_t regsel;    /* IOREGSEL: the register IOWIN reaches */
	uint64_t redir[IOAPIC_NPINS];
	uint32_t pin_level; /* bit n: pin n's electrical level, as last set */
};

/* Resets (every entry masked), registers IOREGSEL/IOWIN at IOAPIC_BASE and
 * sets dest's EOI callback so level-triggered EOIs reach ioapic_eoi(). */
int ioapic_init(struct ioapic *io, struct mmio_bus *bus, struct lapic *dest);

/* Drive pin to an electrical level (an active-low entry inverts it).
 * Out-of-range pins are ignored. */
void ioapic_set_irq(struct ioapic *io, int pin, int level);
/* The same, shaped as struct irq_line's set (opaque is the ioapic). */
void ioapic_irq_line_set(void *opaque, int pin, int level);

/* The local APIC retired a level-triggered vector: clear Remote IRR of the
 * pins using it and deliver again those still asserted. */
void ioapic_eoi(struct ioapic *io, int vector);

#endif
