/* lapic.h - the local APIC of the one virtual CPU, in xAPIC mode (memory-
 * mapped at 0xFEE00000), with its timer (one-shot, periodic, TSC-deadline). */
#ifndef BTVMM_LAPIC_H
#define BTVMM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "mmio.h"
#include "vclock.h"

#define LAPIC_BASE 0xfee00000u
#define LAPIC_SIZE 0x1000u

/* IA32_APIC_BASE (MSR 0x1B) bits */
#define LAPIC_MSR_BSP (1u << 8)
#define LAPIC_MSR_ENABLE (1u << 11)
#define LAPIC_MSR_BASE_MASK 0xffffff000ull /* bits 12-35: a 36-bit physical space */

#define LAPIC_NLVT 6 /* timer, thermal, perf, LINT0, LINT1, error */

struct lapic {
	/* wiring, fixed at init */
	const struct vclock *clk;
	uint64_t tsc_hz;
	uint64_t (*read_tsc)(void *opaque); /* NULL or tsc_hz 0: no TSC-deadline mode */
	void *tsc_opaque;
	void (*eoi)(void *opaque, int vector); /* level-triggered EOI broadcast */
	void *eoi_opaque;

	/* IA32_APIC_BASE as the guest last wrote it. The registers stay at
	 * LAPIC_BASE whatever the base field says (relocation unsupported). */
	uint64_t base_msr;

	/* registers, as the guest reads them (PPR, APR, counts are computed) */
	uint32_t id, tpr, ldr, dfr, svr, icr_lo, icr_hi, divide;
	uint32_t esr;	      /* as latched by the last ESR write */
	uint32_t esr_pending; /* errors seen since then */
	uint32_t lvt[LAPIC_NLVT];
	uint32_t irr[8], isr[8], tmr[8]; /* 256-bit vector sets, bit v = vector v */

	/* timer: the count was timer_base at timer_start (ns) and falls by one
	 * every 2^shift ns; in periodic mode it reloads timer_initial at 0. */
	uint32_t timer_initial;
	uint32_t timer_base;
	uint64_t timer_start;
	uint64_t timer_next;   /* ns of the next expiry, valid while armed */
	bool timer_armed;      /* one-shot/periodic count running */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE; 0: disarmed */
};

/* Resets to power-up state (ID 0, BSP, enabled) and registers the 4 KiB
 * register page at LAPIC_BASE. clk must outlive a; read_tsc may be NULL. */
int lapic_init(struct lapic *a, struct mmio_bus *bus, const struct vclock *clk, uint64_t tsc_hz,
	       uint64_t (*read_tsc)(void *), void *opaque);

/* IA32_APIC_BASE. Writes keep the BSP bit; clearing the enable bit resets
 * the APIC (except its ID) and leaves it deaf until re-enabled. */
void lapic_set_base_msr(struct lapic *a, uint64_t val);
uint64_t lapic_get_base_msr(const struct lapic *a);

/* Global (MSR) and software (SVR bit 8) enable both set. */
bool lapic_enabled(const struct lapic *a);

/* Would a message to dest (physical ID, or logical per LDR/DFR when logical)
 * reach this APIC? 0xFF is broadcast. False while globally disabled. */
bool lapic_accepts(const struct lapic *a, uint8_t dest, bool logical);

/* A fixed interrupt arrives (IOAPIC, self-IPI, LVT): sets IRR, and TMR when
 * level-triggered (clears it when edge). Vectors 0-15 are illegal (ESR). */
void lapic_set_irq(struct lapic *a, int vector, bool level);

/* The 8259's INTR output may reach the CPU: the APIC is globally disabled
 * (LINT0 is then the plain INTR pin) or LVT LINT0 is an unmasked ExtINT
 * entry. The CPU should take lapic_pending_vector() first, as QEMU does. */
bool lapic_accept_pic_intr(const struct lapic *a);

/* What a BIOS does for MP "virtual wire mode" before booting an OS:
 * software-enable the APIC, LINT0 ExtINT, LINT1 NMI. Reset leaves LINT0
 * masked (SDM), so without this the 8259 cannot interrupt an enabled APIC. */
void lapic_set_virtual_wire(struct lapic *a);

/* Highest IRR vector whose priority class is above PPR's, or -1 (also -1
 * while software-disabled: pending interrupts are held). */
int lapic_pending_vector(const struct lapic *a);

/* The CPU takes an interrupt: moves the highest deliverable vector from IRR
 * to ISR and returns it, or returns the spurious vector (SVR[7:0]) and
 * changes nothing if none is deliverable any more. */
int lapic_intack(struct lapic *a);

/* Called with the vector of each EOI whose TMR bit is set (IOAPIC). */
void lapic_set_eoi_callback(struct lapic *a, void (*eoi)(void *opaque, int vector), void *opaque);

/* Timer: the clock time (ns) at which lapic_update() next has work, or
 * VCLOCK_NEVER; lapic_update() fires whatever expired up to now. */
uint64_t lapic_next_deadline(struct lapic *a);
void lapic_update(struct lapic *a);

/* IA32_TSC_DEADLINE (MSR 0x6E0): reads 0 and ignores writes unless the LVT
 * timer is in TSC-deadline mode; 0 disarms; a past deadline fires at once. */
uint64_t lapic_tsc_deadline(struct lapic *a);
void lapic_set_tsc_deadline(struct lapic *a, uint64_t tsc);

#endif
