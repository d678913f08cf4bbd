/* mptable.c - the MP tables (Intel MultiProcessor Specification 1.4).
 *
 * Without ACPI, a kernel learns from these tables that the machine has a
 * local APIC and an IOAPIC, and which IOAPIC pin each ISA interrupt
 * arrives on.  Linux looks for the floating pointer in the first KiB of
 * the EBDA, in the last KiB of base memory and in the BIOS area
 * 0xf0000-0xfffff, on 16-byte boundaries; we put it in the BIOS area with
 * the configuration table right behind it:
 *
 *   at:       floating pointer "_MP_" (16 bytes) -> at + 16
 *   at + 16:  configuration table "PCMP": a 44-byte header, then entries
 *             sorted by type as the spec requires:
 *               processor         1   (20 bytes each, all others 8)
 *               bus               2   0 "PCI", 1 "ISA"
 *               IOAPIC            1
 *               I/O interrupt    15   ISA IRQs 0-15 without 2
 *               local interrupt   2   ExtINT -> LINT0, NMI -> LINT1
 *
 * Both structures carry a checksum byte that makes their bytes sum to 0.
 */
#include <stddef.h>
#include <string.h>

#include "mptable.h"

#define BIOS_START 0xf0000u
#define BIOS_END 0x100000u
#define LAPIC_ADDR 0xfee00000u
#define IOAPIC_ADDR 0xfec00000u

#define MP_SPEC_REV 4 /* 1.4 */
#define MP_APIC_ALL 0xff

/* Entry types, in the order entries must appear. */
enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_IOINTR, MP_LINTR };

/* Interrupt types of I/O and local interrupt entries. */
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

#define MP_CPU_ENABLED (1u << 0)
#define MP_CPU_BSP (1u << 1)
#define MP_IOAPIC_ENABLED (1u << 0)

/* Polarity and trigger "conform to the bus": for ISA, active high and edge
 * triggered, which is what the PIT, keyboard, UART, RTC, mouse and IDE
 * models raise. */
#define MP_IRQ_CONFORMING 0

/*
 * A P6-family CPU (family 6, model 15, stepping 0) and, in the CPUID leaf 1
 * EDX layout, the features the guest CPUID keeps (src/guest_cpuid.c) plus
 * APIC, which this table is about: FPU, TSC, CX8, APIC, CMOV, MMX, FXSR,
 * SSE, SSE2.  Linux does not act on them.
 */
#define CPU_SIGNATURE (6u << 8 | 15u << 4 | 0u)
#define CPU_FEATURES                                                                               \
	(1u << 0 | 1u << 4 | 1u << 8 | 1u << 9 | 1u << 15 | 1u << 23 | 1u << 24 | 1u << 25 |       \
	 1u << 26)

#define BUS_PCI 0
#define BUS_ISA 1
#define ISA_IRQS 16
#define ISA_CASCADE_IRQ 2  /* the slave 8259's input: never raised by a device */
#define IOAPIC_TIMER_PIN 2 /* the PIT: IRQ 0 on pin 2, as chipsets wire it */

/* The floating pointer structure; no default configuration, so feature1 is
 * 0 and physptr points at the configuration table.  Bit 7 of feature2
 * (IMCRP) stays clear: virtual wire mode.  A set bit would promise an IMCR
 * at ports 0x22/0x23 that Linux writes to take the 8259 off the CPU's INTR
 * pin; btvmm has no IMCR, and with virtual wire the 8259 already reaches
 * the CPU through the local APIC's LINT0 (ExtINT). */
struct mp_floating {
	char signature[4]; /* "_MP_" */
	uint32_t physptr;
	uint8_t length; /* in 16-byte units: 1 */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature1;
	uint8_t feature2;
	uint8_t feature3[3];
} __attribute__((packed));

struct mp_config {
	char signature[4]; /* "PCMP" */
	uint16_t length;   /* header and base entries */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mp_processor {
	uint8_t type;
	uint8_t lapic_id;
	uint8_t lapic_version;
	uint8_t flags;
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mp_bus {
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6]; /* space padded */
} __attribute__((packed));

struct mp_ioapic {
	uint8_t type;
	uint8_t id;
	uint8_t version;
	uint8_t flags;
	uint32_t addr;
} __attribute__((packed));

/* I/O and local interrupt entries share this layout; dst_apic and dst_pin
 * name an IOAPIC and its INTIN pin, or a local APIC and its LINT pin. */
struct mp_interrupt {
	uint8_t type;
	uint8_t int_type;
	uint16_t flags;
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;
	uint8_t dst_pin;
} __attribute__((packed));

_Static_assert(sizeof(struct mp_floating) == 16, "MP floating pointer layout");
_Static_assert(sizeof(struct mp_config) == 44, "MP configuration table header layout");
_Static_assert(offsetof(struct mp_config, lapic_addr) == 36, "MP configuration table layout");
_Static_assert(sizeof(struct mp_processor) == 20, "MP processor entry layout");
_Static_assert(sizeof(struct mp_bus) == 8, "MP bus entry layout");
_Static_assert(sizeof(struct mp_ioapic) == 8, "MP IOAPIC entry layout");
_Static_assert(sizeof(struct mp_interrupt) == 8, "MP interrupt entry layout");

#define N_IOINTR (ISA_IRQS - 1)
#define CONFIG_SIZE                                                                                \
	(sizeof(struct mp_config) + sizeof(struct mp_processor) + 2 * sizeof(struct mp_bus) +      \
	 sizeof(struct mp_ioapic) + (N_IOINTR + 2) * sizeof(struct mp_interrupt))

_Static_assert(sizeof(struct mp_floating) + CONFIG_SIZE == MPTABLE_SIZE, "MPTABLE_SIZE");

/* Appends entries to the configuration table in guest RAM. */
struct writer {
	uint8_t *p;
	uint16_t count;
};

static void put_entry(struct writer *w, const void *entry, size_t len)
{
	memcpy(w->p, entry, len);
	w->p += len;
	w->count++;
}

/* The value that makes the len bytes at p, itself included, sum to 0. */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

static void put_bus(struct writer *w, uint8_t id, const char *type)
{
	struct mp_bus b = {.type = MP_BUS, .bus_id = id};

	memcpy(b.bus_type, type, sizeof(b.bus_type));
	put_entry(w, &b, sizeof(b));
}

static void put_interrupt(struct writer *w, uint8_t type, uint8_t int_type, uint8_t src_irq,
			  uint8_t dst_apic, uint8_t dst_pin)
{
	struct mp_interrupt e = {
	    .type = type,
	    .int_type = int_type,
	    .flags = MP_IRQ_CONFORMING,
	    .src_bus = BUS_ISA,
	    .src_irq = src_irq,
	    .dst_apic = dst_apic,
	    .dst_pin = dst_pin,
	};

	put_entry(w, &e, sizeof(e));
}

/* ISA IRQ n arrives on pin n, except the PIT's IRQ 0, which chipsets wire
 * to pin 2 (pin 0 carries the 8259's INTR); IRQ 2 is the cascade and has
 * no source, so it gets no entry.  A kernel that knows these conventions
 * handles an omitted IRQ 2 and an IRQ 0 on pin 2 without complaint. */
static void put_isa_interrupts(struct writer *w, uint8_t ioapic_id)
{
	unsigned irq;

	for (irq = 0; irq < ISA_IRQS; irq++) {
		if (irq == ISA_CASCADE_IRQ)
			continue;
		put_interrupt(w, MP_IOINTR, MP_INT, irq, ioapic_id,
			      irq == 0 ? IOAPIC_TIMER_PIN : irq);
	}
}

/* Virtual wire: every local APIC takes the 8259 on LINT0 and NMI on LINT1,
 * the wiring the spec's default configurations use.  The 8259 sits on the
 * ISA bus; its IRQ number does not apply. */
static void put_local_interrupts(struct writer *w)
{
	put_interrupt(w, MP_LINTR, MP_EXTINT, 0, MP_APIC_ALL, 0);
	put_interrupt(w, MP_LINTR, MP_NMI, 0, MP_APIC_ALL, 1);
}

/* Writes the configuration table at cfg. */
static void build_config(uint8_t *cfg, uint8_t lapic_id, uint8_t ioapic_id)
{
	struct mp_config h = {
	    .signature = {'P', 'C', 'M', 'P'},
	    .spec_rev = MP_SPEC_REV,
	    .lapic_addr = LAPIC_ADDR,
	};
	struct mp_processor cpu = {
	    .type = MP_PROCESSOR,
	    .lapic_id = lapic_id,
	    .lapic_version = MPTABLE_LAPIC_VERSION,
	    .flags = MP_CPU_ENABLED | MP_CPU_BSP,
	    .signature = CPU_SIGNATURE,
	    .features = CPU_FEATURES,
	};
	struct mp_ioapic ioapic = {
	    .type = MP_IOAPIC,
	    .id = ioapic_id,
	    .version = MPTABLE_IOAPIC_VERSION,
	    .flags = MP_IOAPIC_ENABLED,
	    .addr = IOAPIC_ADDR,
	};
	struct writer w = {cfg + sizeof(h), 0};

	put_entry(&w, &cpu, sizeof(cpu));
	put_bus(&w, BUS_PCI, "PCI   ");
	put_bus(&w, BUS_ISA, "ISA   ");
	put_entry(&w, &ioapic, sizeof(ioapic));
	put_isa_interrupts(&w, ioapic_id);
	put_local_interrupts(&w);

	/* The ID strings are space padded, not NUL terminated. */
	memcpy(h.oem_id, "BTVMM   ", sizeof(h.oem_id));
	memcpy(h.product_id, "BTVMM PC    ", sizeof(h.product_id));
	h.length = (uint16_t)(w.p - cfg);
	h.entry_count = w.count;
	memcpy(cfg, &h, sizeof(h));
	cfg[offsetof(struct mp_config, checksum)] = checksum(cfg, h.length);
}

static void build_floating(uint8_t *p, uint32_t config_addr)
{
	struct mp_floating f = {
	    .signature = {'_', 'M', 'P', '_'},
	    .physptr = config_addr,
	    .length = 1,
	    .spec_rev = MP_SPEC_REV,
	};

	f.checksum = checksum((const uint8_t *)&f, sizeof(f));
	memcpy(p, &f, sizeof(f));
}

uint32_t mptable_build(uint8_t *ram, uint64_t ram_size, uint32_t at, uint32_t lapic_id,
		       uint32_t ioapic_id)
{
	uint64_t end = (uint64_t)at + MPTABLE_SIZE;

	if (at % 16 || at < BIOS_START || end > BIOS_END || end > ram_size)
		return 0;
	if (lapic_id >= MP_APIC_ALL || ioapic_id >= MP_APIC_ALL || lapic_id == ioapic_id)
		return 0;
	build_config(ram + at + sizeof(struct mp_floating), lapic_id, ioapic_id);
	build_floating(ram + at, at + sizeof(struct mp_floating));
	return at;
}
