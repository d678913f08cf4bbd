/* mptable.h - the Intel MultiProcessor Specification 1.4 tables. */
#ifndef BTVMM_MPTABLE_H
#define BTVMM_MPTABLE_H

#include <stdint.h>

/* Where the VMM puts the tables: in the BIOS area the memory map reports
 * reserved, past the boot GDT at 0xf0000..0xf001f. */
#define MPTABLE_ADDR 0xf0100u
#define MPTABLE_SIZE 240u /* floating pointer (16) + configuration table (224) */

/* What the table says about the APICs; the device models must agree.
 * Linux warns when the local APIC version register differs from the
 * processor entry, and treats versions 0x1X as integrated APICs. */
#define MPTABLE_LAPIC_VERSION 0x14
#define MPTABLE_IOAPIC_VERSION 0x11

/* Writes the MP floating pointer structure at guest physical address at,
 * followed directly by the configuration table: one enabled bootstrap
 * processor (local APIC ID lapic_id), bus 0 PCI and bus 1 ISA, one IOAPIC
 * (ID ioapic_id, 24 pins at 0xfec00000), ISA IRQs 0-15 but 2 on IOAPIC pins
 * (IRQ 0 on pin 2, IRQ n on pin n), and ExtINT on LINT0, NMI on LINT1 of
 * every local APIC. The floating pointer says "virtual wire mode" (no
 * IMCR): the local APIC must pass the 8259's interrupts in through LINT0.
 *
 * at must be 16-byte aligned and the MPTABLE_SIZE bytes from it must lie
 * in the BIOS area [0xf0000, 0x100000) and below ram_size; the IDs must be
 * below 0xff (0xff means "all local APICs") and different. Returns at, or 0
 * (nothing written) if any of that does not hold. */
uint32_t mptable_build(uint8_t *ram, uint64_t ram_size, uint32_t at, uint32_t lapic_id,
		       uint32_t ioapic_id);

#endif
