/*
 * test_apic.c - unit tests for the MMIO bus, the local APIC and the IOAPIC.
 *
 * The APICs are driven through the MMIO bus as a guest would, and the CPU's
 * side (lapic_pending_vector / lapic_intack) is called directly. Time is a
 * fake: a settable ns counter behind the vclock, and a TSC at 2 GHz that
 * advance() keeps in step with it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "ioapic.h"
#include "lapic.h"
#include "mmio.h"
#include "vclock.h"

#define TSC_HZ 2000000000ull

/* LAPIC registers */
#define ID 0x020
#define VER 0x030
#define TPR 0x080
#define APR 0x090
#define PPR 0x0a0
#define EOI 0x0b0
#define LDR 0x0d0
#define DFR 0x0e0
#define SVR 0x0f0
#define ISR0 0x100
#define TMR0 0x180
#define IRR0 0x200
#define ESR 0x280
#define ICR_LO 0x300
#define ICR_HI 0x310
#define LVT_TIMER 0x320
#define LVT_THERMAL 0x330
#define LVT_PERF 0x340
#define LVT_LINT0 0x350
#define LVT_LINT1 0x360
#define LVT_ERROR 0x370
#define TMICT 0x380
#define TMCCT 0x390
#define TDCR 0x3e0

#define MASKED 0x10000u
#define PERIODIC (1u << 17)
#define TSC_DEADLINE (2u << 17)

/* IOAPIC */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL (1u << 15)
#define RTE_LOGICAL (1u << 11)

/* ---- the rig: fake time, bus, both APICs ---- */

struct fake_time {
	uint64_t ns, tsc;
};

struct rig {
	struct fake_time t;
	struct vclock clk;
	struct mmio_bus bus;
	struct lapic a;
	struct ioapic io;
};

static uint64_t fake_now(void *opaque)
{
	return ((struct fake_time *)opaque)->ns;
}

static uint64_t fake_tsc(void *opaque)
{
	return ((struct fake_time *)opaque)->tsc;
}

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->t.ns = 1000000; /* not 0, so "started at 0" bugs show */
	r->t.tsc = r->t.ns * 2;
	r->clk.now_ns = fake_now;
	r->clk.opaque = &r->t;
	mmio_init(&r->bus);
	ck_assert_int_eq(lapic_init(&r->a, &r->bus, &r->clk, TSC_HZ, fake_tsc, &r->t), 0);
	ck_assert_int_eq(ioapic_init(&r->io, &r->bus, &r->a), 0);
}

static void advance(struct rig *r, uint64_t ns)
{
	r->t.ns += ns;
	r->t.tsc += ns * (TSC_HZ / 1000000000ull);
}

static uint32_t lr(struct rig *r, uint32_t off)
{
	return mmio_read(&r->bus, LAPIC_BASE + off, 4);
}

static void lw(struct rig *r, uint32_t off, uint32_t val)
{
	mmio_write(&r->bus, LAPIC_BASE + off, 4, val);
}

/* rig with the APIC software-enabled, spurious vector 0xFF */
static void rig_enabled(struct rig *r)
{
	rig_init(r);
	lw(r, SVR, 0x1ff);
	ck_assert(lapic_enabled(&r->a));
}

static bool vec_reg(struct rig *r, uint32_t base, int v)
{
	return lr(r, base + (v / 32) * 0x10) & (1u << (v % 32));
}

static uint32_t ior(struct rig *r, uint32_t reg)
{
	mmio_write(&r->bus, IOAPIC_BASE + IOREGSEL, 4, reg);
	return mmio_read(&r->bus, IOAPIC_BASE + IOWIN, 4);
}

static void iow(struct rig *r, uint32_t reg, uint32_t val)
{
	mmio_write(&r->bus, IOAPIC_BASE + IOREGSEL, 4, reg);
	mmio_write(&r->bus, IOAPIC_BASE + IOWIN, 4, val);
}

static void redir(struct rig *r, int pin, uint32_t lo, uint32_t hi)
{
	iow(r, 0x11 + 2 * pin, hi);
	iow(r, 0x10 + 2 * pin, lo);
}

/* Take an interrupt the way the CPU does; -1 if none is pending. */
static int take(struct rig *r)
{
	if (lapic_pending_vector(&r->a) < 0)
		return -1;
	return lapic_intack(&r->a);
}

/* ---- MMIO bus ---- */

struct fake_dev {
	uint64_t last_off, last_val, read_val;
	int last_size;
};

static uint64_t fake_read(void *opaque, uint64_t off, int size)
{
	struct fake_dev *d = opaque;

	d->last_off = off;
	d->last_size = size;
	return d->read_val;
}

static void fake_write(void *opaque, uint64_t off, int size, uint64_t val)
{
	struct fake_dev *d = opaque;

	d->last_off = off;
	d->last_size = size;
	d->last_val = val;
}

START_TEST(test_mmio_register_overlap)
{
	struct mmio_bus bus;
	int i;

	mmio_init(&bus);
	ck_assert_int_eq(mmio_register(&bus, 0x1000, 0x100, NULL, NULL, NULL, "a"), 0);
	ck_assert_int_eq(mmio_register(&bus, 0x1000, 0x100, NULL, NULL, NULL, "same"), -1);
	ck_assert_int_eq(mmio_register(&bus, 0x10ff, 1, NULL, NULL, NULL, "last"), -1);
	ck_assert_int_eq(mmio_register(&bus, 0xf00, 0x101, NULL, NULL, NULL, "first"), -1);
	ck_assert_int_eq(mmio_register(&bus, 0x800, 0x1000, NULL, NULL, NULL, "around"), -1);
	ck_assert_int_eq(mmio_register(&bus, 0x1010, 0x10, NULL, NULL, NULL, "inside"), -1);
	ck_assert_int_eq(mmio_register(&bus, 0x1100, 0x100, NULL, NULL, NULL, "after"), 0);
	ck_assert_int_eq(mmio_register(&bus, 0xf00, 0x100, NULL, NULL, NULL, "before"), 0);
	ck_assert_int_eq(mmio_register(&bus, 0x5000, 0, NULL, NULL, NULL, "empty"), -1);
	/* may end at the top of the address space, but not wrap past it */
	ck_assert_int_eq(mmio_register(&bus, UINT64_MAX - 0xfff, 0x1000, NULL, NULL, NULL, "top"),
			 0);
	ck_assert_int_eq(mmio_register(&bus, UINT64_MAX - 0x7ff, 0x100, NULL, NULL, NULL, "in top"),
			 -1);
	ck_assert_int_eq(mmio_register(&bus, UINT64_MAX - 0x10, 0x100, NULL, NULL, NULL, "wrap"),
			 -1);
	ck_assert_int_eq(bus.nranges, 4);
	for (i = bus.nranges; i < MMIO_MAX_RANGES; i++)
		ck_assert_int_eq(
		    mmio_register(&bus, 0x100000 + i * 0x1000, 0x1000, NULL, NULL, NULL, "fill"),
		    0);
	ck_assert_int_eq(mmio_register(&bus, 0x900000, 0x1000, NULL, NULL, NULL, "full"), -1);
}
END_TEST

START_TEST(test_mmio_routing_counters)
{
	struct fake_dev d1 = {.read_val = 0x1122334455667788ull}, d2 = {.read_val = 7};
	struct mmio_bus bus;

	mmio_init(&bus);
	ck_assert_int_eq(mmio_register(&bus, 0xfee00000, 0x1000, fake_read, fake_write, &d1, "d1"),
			 0);
	ck_assert_int_eq(mmio_register(&bus, 0xfec00000, 0x20, fake_read, fake_write, &d2, "d2"),
			 0);

	ck_assert_ptr_eq(mmio_find(&bus, 0xfee00fff), &bus.ranges[0]);
	ck_assert_ptr_eq(mmio_find(&bus, 0xfec00000), &bus.ranges[1]);
	ck_assert_ptr_null(mmio_find(&bus, 0xfee01000));
	ck_assert_ptr_null(mmio_find(&bus, 0xfedfffff));

	/* offsets are relative to the range; results are cut to the size */
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00030, 4), 0x55667788);
	ck_assert_uint_eq(d1.last_off, 0x30);
	ck_assert_int_eq(d1.last_size, 4);
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00031, 1), 0x88);
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00032, 2), 0x7788);
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00038, 8), 0x1122334455667788ull);
	mmio_write(&bus, 0xfec00010, 2, 0xabcdef);
	ck_assert_uint_eq(d2.last_off, 0x10);
	ck_assert_int_eq(d2.last_size, 2);
	ck_assert_uint_eq(d2.last_val, 0xcdef);
	mmio_write(&bus, 0xfec00000, 4, 0x1ffffffffull);
	ck_assert_uint_eq(d2.last_val, 0xffffffff);

	ck_assert_uint_eq(bus.ranges[0].reads, 4);
	ck_assert_uint_eq(bus.ranges[0].writes, 0);
	ck_assert_uint_eq(bus.ranges[1].reads, 0);
	ck_assert_uint_eq(bus.ranges[1].writes, 2);
	ck_assert_uint_eq(bus.unassigned, 0);
	ck_assert_str_eq(bus.ranges[1].name, "d2");
}
END_TEST

START_TEST(test_mmio_unassigned)
{
	struct mmio_bus bus;

	mmio_init(&bus);
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00000, 1), 0xff);
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00000, 2), 0xffff);
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00000, 4), 0xffffffff);
	ck_assert_uint_eq(mmio_read(&bus, 0xfee00000, 8), UINT64_MAX);
	mmio_write(&bus, 0xfee00000, 4, 0);
	ck_assert_uint_eq(bus.unassigned, 5);

	/* a range without handlers: reads all ones, writes vanish, counted */
	ck_assert_int_eq(mmio_register(&bus, 0x1000, 0x10, NULL, NULL, NULL, "hole"), 0);
	ck_assert_uint_eq(mmio_read(&bus, 0x1004, 4), 0xffffffff);
	mmio_write(&bus, 0x1004, 4, 1);
	ck_assert_uint_eq(bus.ranges[0].reads, 1);
	ck_assert_uint_eq(bus.ranges[0].writes, 1);
	ck_assert_uint_eq(bus.unassigned, 5);
}
END_TEST

/* ---- local APIC registers ---- */

START_TEST(test_lapic_reset_values)
{
	struct rig r;
	int i;

	rig_init(&r);
	ck_assert_uint_eq(lapic_get_base_msr(&r.a), 0xfee00900);
	ck_assert_uint_eq(lr(&r, ID), 0);
	ck_assert_uint_eq(lr(&r, VER), 0x00050014);
	ck_assert_uint_eq(lr(&r, TPR), 0);
	ck_assert_uint_eq(lr(&r, APR), 0);
	ck_assert_uint_eq(lr(&r, PPR), 0);
	ck_assert_uint_eq(lr(&r, LDR), 0);
	ck_assert_uint_eq(lr(&r, DFR), 0xffffffff);
	ck_assert_uint_eq(lr(&r, SVR), 0xff);
	ck_assert_uint_eq(lr(&r, ESR), 0);
	ck_assert_uint_eq(lr(&r, ICR_LO), 0);
	ck_assert_uint_eq(lr(&r, ICR_HI), 0);
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(lr(&r, LVT_TIMER + i * 0x10), MASKED);
	ck_assert_uint_eq(lr(&r, TMICT), 0);
	ck_assert_uint_eq(lr(&r, TMCCT), 0);
	ck_assert_uint_eq(lr(&r, TDCR), 0);
	for (i = 0; i < 8; i++) {
		ck_assert_uint_eq(lr(&r, ISR0 + i * 0x10), 0);
		ck_assert_uint_eq(lr(&r, TMR0 + i * 0x10), 0);
		ck_assert_uint_eq(lr(&r, IRR0 + i * 0x10), 0);
	}
	/* globally enabled, but software-disabled until SVR bit 8 is set */
	ck_assert(!lapic_enabled(&r.a));
	ck_assert_int_eq(lapic_pending_vector(&r.a), -1);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);
	ck_assert_uint_eq(lapic_tsc_deadline(&r.a), 0);
}
END_TEST

START_TEST(test_lapic_register_readback)
{
	struct rig r;

	rig_init(&r);
	lw(&r, ID, 0x05ffffff);
	ck_assert_uint_eq(lr(&r, ID), 0x05000000);
	lw(&r, TPR, 0x1ff);
	ck_assert_uint_eq(lr(&r, TPR), 0xff);
	lw(&r, TPR, 0);
	lw(&r, LDR, 0x01ffffff);
	ck_assert_uint_eq(lr(&r, LDR), 0x01000000);
	lw(&r, DFR, 0);
	ck_assert_uint_eq(lr(&r, DFR), 0x0fffffff); /* cluster model */
	lw(&r, SVR, 0xffffffff);
	ck_assert_uint_eq(lr(&r, SVR), 0x3ff);
	lw(&r, ICR_HI, 0xffffffff);
	ck_assert_uint_eq(lr(&r, ICR_HI), 0xff000000);
	lw(&r, TDCR, 0xffffffff);
	ck_assert_uint_eq(lr(&r, TDCR), 0xb);

	/* LVT entries keep their writable bits only (the timer's mode 3 is
	 * reserved but kept) */
	lw(&r, LVT_TIMER, 0xffffffff);
	ck_assert_uint_eq(lr(&r, LVT_TIMER), 0x000700ff);
	lw(&r, LVT_THERMAL, 0xffffffff);
	ck_assert_uint_eq(lr(&r, LVT_THERMAL), 0x000107ff);
	lw(&r, LVT_PERF, 0xffffffff);
	ck_assert_uint_eq(lr(&r, LVT_PERF), 0x000107ff);
	lw(&r, LVT_LINT0, 0xffffffff);
	ck_assert_uint_eq(lr(&r, LVT_LINT0), 0x0001a7ff);
	lw(&r, LVT_LINT1, 0x00000700);
	ck_assert_uint_eq(lr(&r, LVT_LINT1), 0x00000700);
	lw(&r, LVT_ERROR, 0x000000fe);
	ck_assert_uint_eq(lr(&r, LVT_ERROR), 0x000000fe);

	/* read-only registers ignore writes */
	lw(&r, VER, 0);
	lw(&r, PPR, 0xff);
	lw(&r, IRR0 + 0x20, 0xffffffff);
	lw(&r, ISR0 + 0x20, 0xffffffff);
	lw(&r, TMCCT, 1234);
	ck_assert_uint_eq(lr(&r, VER), 0x00050014);
	ck_assert_uint_eq(lr(&r, PPR), 0);
	ck_assert_uint_eq(lr(&r, IRR0 + 0x20), 0);
	ck_assert_uint_eq(lr(&r, ISR0 + 0x20), 0);
	ck_assert_uint_eq(lr(&r, TMCCT), 0);
	ck_assert_uint_eq(lr(&r, ESR), 0);
}
END_TEST

START_TEST(test_lapic_odd_accesses)
{
	struct rig r;

	rig_init(&r);
	lw(&r, ID, 0x07000000);
	/* not 32 bits, or not 16-byte aligned: read 0, writes ignored */
	ck_assert_uint_eq(mmio_read(&r.bus, LAPIC_BASE + ID + 3, 1), 0);
	ck_assert_uint_eq(mmio_read(&r.bus, LAPIC_BASE + ID, 2), 0);
	ck_assert_uint_eq(lr(&r, ID + 4), 0);
	mmio_write(&r.bus, LAPIC_BASE + ID, 2, 0);
	lw(&r, ID + 8, 0);
	ck_assert_uint_eq(lr(&r, ID), 0x07000000);

	/* an aligned offset holding no register logs "illegal register
	 * address", seen after the next ESR write */
	ck_assert_uint_eq(lr(&r, 0x040), 0);
	ck_assert_uint_eq(lr(&r, ESR), 0);
	lw(&r, ESR, 0);
	ck_assert_uint_eq(lr(&r, ESR), 0x80);
	lw(&r, ESR, 0);
	ck_assert_uint_eq(lr(&r, ESR), 0);
}
END_TEST

START_TEST(test_lapic_base_msr)
{
	struct rig r;

	rig_enabled(&r);
	lw(&r, TPR, 0x20);
	lw(&r, ID, 0x03000000);
	lapic_set_irq(&r.a, 0x40, false);

	/* a new base is recorded, the BSP bit is not writable, the page stays */
	lapic_set_base_msr(&r.a, 0xfed00800);
	ck_assert_uint_eq(lapic_get_base_msr(&r.a), 0xfed00900);
	ck_assert_uint_eq(lr(&r, TPR), 0x20);
	lapic_set_base_msr(&r.a, 0xfee00800);

	/* global disable: reset but for the ID; deaf; page reads as nothing */
	lapic_set_base_msr(&r.a, 0xfee00000);
	ck_assert_uint_eq(lapic_get_base_msr(&r.a), 0xfee00100);
	ck_assert(!lapic_enabled(&r.a));
	ck_assert_uint_eq(lr(&r, TPR), 0xffffffff);
	lapic_set_irq(&r.a, 0x50, false);
	ck_assert(!lapic_accepts(&r.a, 3, false));

	lapic_set_base_msr(&r.a, 0xfee00800);
	ck_assert_uint_eq(lr(&r, ID), 0x03000000);
	ck_assert_uint_eq(lr(&r, TPR), 0);
	ck_assert_uint_eq(lr(&r, SVR), 0xff);
	ck_assert_uint_eq(lr(&r, IRR0 + 0x20), 0);
	ck_assert(!lapic_enabled(&r.a));
}
END_TEST

/* ---- local APIC interrupt flow ---- */

START_TEST(test_lapic_tpr_ppr_masking)
{
	struct rig r;

	rig_enabled(&r);
	lapic_set_irq(&r.a, 0x45, false);
	ck_assert_int_eq(lapic_pending_vector(&r.a), 0x45);
	/* the TPR blocks its own priority class and below */
	lw(&r, TPR, 0x40);
	ck_assert_uint_eq(lr(&r, PPR), 0x40);
	ck_assert_int_eq(lapic_pending_vector(&r.a), -1);
	lw(&r, TPR, 0x4f);
	ck_assert_int_eq(lapic_pending_vector(&r.a), -1);
	lw(&r, TPR, 0x3f);
	ck_assert_uint_eq(lr(&r, PPR), 0x3f);
	ck_assert_int_eq(lapic_pending_vector(&r.a), 0x45);
	/* APR: the IRR class wins over a lower TPR */
	ck_assert_uint_eq(lr(&r, APR), 0x40);

	/* in service, the vector's class sets PPR above a lower TPR */
	lw(&r, TPR, 0);
	ck_assert_int_eq(lapic_intack(&r.a), 0x45);
	ck_assert_uint_eq(lr(&r, PPR), 0x40);
	lw(&r, TPR, 0x52);
	ck_assert_uint_eq(lr(&r, PPR), 0x52);
	ck_assert_uint_eq(lr(&r, APR), 0x52);

	/* a higher vector of the same class does not nest */
	lw(&r, TPR, 0);
	lapic_set_irq(&r.a, 0x4f, false);
	ck_assert_int_eq(lapic_pending_vector(&r.a), -1);
	lapic_set_irq(&r.a, 0x50, false);
	ck_assert_int_eq(lapic_pending_vector(&r.a), 0x50);
}
END_TEST

START_TEST(test_lapic_intack_irr_to_isr)
{
	struct rig r;

	rig_enabled(&r);
	lapic_set_irq(&r.a, 0x31, false);
	lapic_set_irq(&r.a, 0xe2, true);
	ck_assert(vec_reg(&r, IRR0, 0x31));
	ck_assert(vec_reg(&r, IRR0, 0xe2));
	ck_assert(vec_reg(&r, TMR0, 0xe2));
	ck_assert(!vec_reg(&r, TMR0, 0x31));

	ck_assert_int_eq(lapic_intack(&r.a), 0xe2);
	ck_assert(!vec_reg(&r, IRR0, 0xe2));
	ck_assert(vec_reg(&r, ISR0, 0xe2));
	ck_assert(vec_reg(&r, IRR0, 0x31));
	ck_assert_uint_eq(lr(&r, PPR), 0xe0);
	ck_assert_int_eq(lapic_pending_vector(&r.a), -1);

	/* vectors 0-15 are illegal: not accepted, ESR bit 6 */
	lapic_set_irq(&r.a, 0x0e, false);
	ck_assert_uint_eq(lr(&r, IRR0), 0);
	lw(&r, ESR, 0);
	ck_assert_uint_eq(lr(&r, ESR), 0x40);
}
END_TEST

START_TEST(test_lapic_eoi_nested)
{
	struct rig r;

	rig_enabled(&r);
	lapic_set_irq(&r.a, 0x30, false);
	ck_assert_int_eq(take(&r), 0x30);
	lapic_set_irq(&r.a, 0x50, false);
	ck_assert_int_eq(take(&r), 0x50); /* higher class nests */
	lapic_set_irq(&r.a, 0x40, false);
	ck_assert_int_eq(take(&r), -1); /* below the one in service */
	ck_assert(vec_reg(&r, ISR0, 0x30));
	ck_assert(vec_reg(&r, ISR0, 0x50));

	/* EOI retires the highest in service first */
	lw(&r, EOI, 0);
	ck_assert(!vec_reg(&r, ISR0, 0x50));
	ck_assert(vec_reg(&r, ISR0, 0x30));
	ck_assert_int_eq(take(&r), 0x40);
	lw(&r, EOI, 0);
	ck_assert(!vec_reg(&r, ISR0, 0x40));
	ck_assert(vec_reg(&r, ISR0, 0x30));
	ck_assert_uint_eq(lr(&r, PPR), 0x30);
	lw(&r, EOI, 0);
	ck_assert_uint_eq(lr(&r, ISR0 + 0x10), 0);
	ck_assert_uint_eq(lr(&r, PPR), 0);
	lw(&r, EOI, 0); /* nothing in service: harmless */
	ck_assert_int_eq(take(&r), -1);
}
END_TEST

START_TEST(test_lapic_spurious)
{
	struct rig r;

	rig_enabled(&r);
	lw(&r, SVR, 0x1ef);
	lapic_set_irq(&r.a, 0x61, false);
	ck_assert_int_eq(lapic_pending_vector(&r.a), 0x61);
	/* the guest raises TPR between INTR and INTA */
	lw(&r, TPR, 0x60);
	ck_assert_int_eq(lapic_intack(&r.a), 0xef);
	ck_assert(vec_reg(&r, IRR0, 0x61)); /* still pending */
	ck_assert_uint_eq(lr(&r, ISR0 + 0x70), 0);
	ck_assert_uint_eq(lr(&r, ISR0 + 0x30), 0);
	lw(&r, TPR, 0);
	ck_assert_int_eq(lapic_intack(&r.a), 0x61);
	ck_assert_int_eq(lapic_intack(&r.a), 0xef); /* nothing left */
}
END_TEST

struct eoi_log {
	int calls, last;
};

static void log_eoi(void *opaque, int vector)
{
	struct eoi_log *log = opaque;

	log->calls++;
	log->last = vector;
}

START_TEST(test_lapic_level_eoi_callback)
{
	struct eoi_log log = {0};
	struct rig r;

	rig_enabled(&r);
	lapic_set_eoi_callback(&r.a, log_eoi, &log);
	lapic_set_irq(&r.a, 0x70, true);
	lapic_set_irq(&r.a, 0x60, false);
	ck_assert_int_eq(take(&r), 0x70);
	lw(&r, EOI, 0);
	ck_assert_int_eq(log.calls, 1);
	ck_assert_int_eq(log.last, 0x70);
	ck_assert_int_eq(take(&r), 0x60);
	lw(&r, EOI, 0); /* edge: no broadcast */
	ck_assert_int_eq(log.calls, 1);
}
END_TEST

START_TEST(test_lapic_self_ipi)
{
	struct rig r;

	rig_enabled(&r);
	lw(&r, ID, 0x02000000);

	/* shorthand self, fixed */
	lw(&r, ICR_LO, (1u << 18) | 0x51);
	ck_assert(vec_reg(&r, IRR0, 0x51));
	ck_assert_uint_eq(lr(&r, ICR_LO), (1u << 18) | 0x51); /* delivery status 0 */
	ck_assert(!vec_reg(&r, TMR0, 0x51));

	/* physical destination = our ID; also with the level/trigger bits */
	lw(&r, ICR_HI, 0x02000000);
	lw(&r, ICR_LO, 0xc000 | 0x52);
	ck_assert(vec_reg(&r, IRR0, 0x52));
	ck_assert(!vec_reg(&r, TMR0, 0x52));

	/* all including self */
	lw(&r, ICR_LO, (2u << 18) | 0x53);
	ck_assert(vec_reg(&r, IRR0, 0x53));

	/* another CPU, all-but-self, INIT/SIPI/NMI: nothing arrives */
	lw(&r, ICR_HI, 0x01000000);
	lw(&r, ICR_LO, 0x54);
	lw(&r, ICR_LO, (3u << 18) | 0x55);
	lw(&r, ICR_HI, 0x02000000);
	lw(&r, ICR_LO, 0x500);
	lw(&r, ICR_LO, 0x600 | 0x56);
	lw(&r, ICR_LO, 0x400 | 0x57);
	ck_assert_uint_eq(lr(&r, IRR0 + 0x20), (1u << 0x11) | (1u << 0x12) | (1u << 0x13));

	/* logical destination, flat model */
	lw(&r, LDR, 0x04000000);
	lw(&r, ICR_HI, 0x0c000000);
	lw(&r, ICR_LO, (1u << 11) | 0x58);
	ck_assert(vec_reg(&r, IRR0, 0x58));
	lw(&r, ICR_HI, 0x03000000);
	lw(&r, ICR_LO, (1u << 11) | 0x59);
	ck_assert(!vec_reg(&r, IRR0, 0x59));

	/* an illegal vector is not sent: ESR bit 5 */
	lw(&r, ICR_LO, (1u << 18) | 0x05);
	ck_assert_uint_eq(lr(&r, IRR0), 0);
	lw(&r, ESR, 0);
	ck_assert_uint_eq(lr(&r, ESR), 0x20);
}
END_TEST

START_TEST(test_lapic_error_lvt)
{
	struct rig r;

	rig_enabled(&r);
	lw(&r, LVT_ERROR, 0xfe);
	lw(&r, ICR_LO, (1u << 18) | 0x03);
	ck_assert(vec_reg(&r, IRR0, 0xfe));
}
END_TEST

START_TEST(test_lapic_software_disable)
{
	struct rig r;

	rig_enabled(&r);
	lw(&r, LVT_LINT0, 0x700);
	lw(&r, LVT_TIMER, 0x20);
	lapic_set_irq(&r.a, 0x40, false);
	ck_assert_int_eq(lapic_pending_vector(&r.a), 0x40);

	lw(&r, SVR, 0x0ff);
	ck_assert(!lapic_enabled(&r.a));
	/* every LVT masked, and unmasking is refused */
	ck_assert_uint_eq(lr(&r, LVT_LINT0), 0x10700);
	ck_assert_uint_eq(lr(&r, LVT_TIMER), 0x10020);
	ck_assert_uint_eq(lr(&r, LVT_ERROR), MASKED);
	lw(&r, LVT_TIMER, 0x20);
	ck_assert_uint_eq(lr(&r, LVT_TIMER), 0x10020);
	/* interrupts are held, not delivered */
	lapic_set_irq(&r.a, 0x41, false);
	ck_assert_int_eq(lapic_pending_vector(&r.a), -1);
	ck_assert_int_eq(lapic_intack(&r.a), 0xff);
	ck_assert(vec_reg(&r, IRR0, 0x41));

	lw(&r, SVR, 0x1ff);
	ck_assert_uint_eq(lr(&r, LVT_TIMER), 0x10020); /* stays masked */
	ck_assert_int_eq(take(&r), 0x41);
	lw(&r, LVT_TIMER, 0x20);
	ck_assert_uint_eq(lr(&r, LVT_TIMER), 0x20);
}
END_TEST

START_TEST(test_lapic_pic_virtual_wire)
{
	struct rig r;

	rig_init(&r);
	/* reset: LINT0 masked, so an enabled APIC blocks the 8259 */
	ck_assert(!lapic_accept_pic_intr(&r.a));
	lapic_set_virtual_wire(&r.a);
	ck_assert(lapic_enabled(&r.a));
	ck_assert_uint_eq(lr(&r, LVT_LINT0), 0x700);
	ck_assert_uint_eq(lr(&r, LVT_LINT1), 0x400);
	ck_assert_uint_eq(lr(&r, SVR), 0x1ff);
	ck_assert(lapic_accept_pic_intr(&r.a));
	/* LINT0 fixed, or masked by a software disable: blocked */
	lw(&r, LVT_LINT0, 0x030);
	ck_assert(!lapic_accept_pic_intr(&r.a));
	lw(&r, LVT_LINT0, 0x700);
	lw(&r, SVR, 0xff);
	ck_assert(!lapic_accept_pic_intr(&r.a));
	/* globally disabled: LINT0 is the plain INTR pin */
	lapic_set_base_msr(&r.a, 0xfee00000);
	ck_assert(lapic_accept_pic_intr(&r.a));
}
END_TEST

/* ---- local APIC timer ---- */

START_TEST(test_timer_oneshot)
{
	struct rig r;
	uint64_t t0;

	rig_enabled(&r);
	lw(&r, TDCR, 0x3); /* divide by 16 */
	lw(&r, LVT_TIMER, 0x30);
	t0 = r.t.ns;
	lw(&r, TMICT, 1000);
	ck_assert_uint_eq(lr(&r, TMICT), 1000);
	ck_assert_uint_eq(lr(&r, TMCCT), 1000);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 16000);

	advance(&r, 160);
	ck_assert_uint_eq(lr(&r, TMCCT), 990);
	advance(&r, 15);
	ck_assert_uint_eq(lr(&r, TMCCT), 990); /* counts whole ticks only */
	advance(&r, 1);
	ck_assert_uint_eq(lr(&r, TMCCT), 989);

	r.t.ns = t0 + 15999;
	lapic_update(&r.a);
	ck_assert(!vec_reg(&r, IRR0, 0x30));
	ck_assert_uint_eq(lr(&r, TMCCT), 1);
	r.t.ns = t0 + 16000;
	lapic_update(&r.a);
	ck_assert(vec_reg(&r, IRR0, 0x30));
	ck_assert_uint_eq(lr(&r, TMCCT), 0);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);

	/* fires once */
	ck_assert_int_eq(take(&r), 0x30);
	lw(&r, EOI, 0);
	advance(&r, 100000);
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), -1);

	/* a zero initial count stops a running timer */
	lw(&r, TMICT, 50);
	lw(&r, TMICT, 0);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);
	advance(&r, 100000);
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), -1);
}
END_TEST

START_TEST(test_timer_divide)
{
	struct rig r;
	uint64_t t0;

	rig_enabled(&r);
	lw(&r, LVT_TIMER, 0x30);
	lw(&r, TDCR, 0xb); /* divide by 1 */
	t0 = r.t.ns;
	lw(&r, TMICT, 100);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 100);
	lw(&r, TDCR, 0xa); /* divide by 128 */
	lw(&r, TMICT, 100);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 12800);
	lw(&r, TDCR, 0x0); /* divide by 2 */
	lw(&r, TMICT, 100);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 200);

	/* changing the divider mid-count goes on from the current count */
	advance(&r, 100); /* 50 ticks */
	ck_assert_uint_eq(lr(&r, TMCCT), 50);
	lw(&r, TDCR, 0x1); /* divide by 4 */
	ck_assert_uint_eq(lr(&r, TMCCT), 50);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 100 + 200);
}
END_TEST

START_TEST(test_timer_periodic)
{
	struct rig r;
	uint64_t t0;

	rig_enabled(&r);
	lw(&r, TDCR, 0xb); /* divide by 1 */
	lw(&r, LVT_TIMER, PERIODIC | 0x31);
	t0 = r.t.ns;
	lw(&r, TMICT, 500);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 500);

	r.t.ns = t0 + 500;
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), 0x31);
	lw(&r, EOI, 0);
	ck_assert_uint_eq(lr(&r, TMCCT), 500); /* reloaded */
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 1000);

	r.t.ns = t0 + 700;
	ck_assert_uint_eq(lr(&r, TMCCT), 300);
	r.t.ns = t0 + 1000;
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), 0x31);
	lw(&r, EOI, 0);

	/* periods slept through coalesce, and the phase is kept */
	r.t.ns = t0 + 3200;
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), 0x31);
	lw(&r, EOI, 0);
	ck_assert_int_eq(take(&r), -1);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 3500);
	ck_assert_uint_eq(lr(&r, TMCCT), 300);

	/* to one-shot mid-period: runs out the current count, then stops */
	lw(&r, LVT_TIMER, 0x31);
	ck_assert_uint_eq(lr(&r, TMCCT), 300);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 3500);
	r.t.ns = t0 + 3500;
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), 0x31);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);
	ck_assert_uint_eq(lr(&r, TMCCT), 0);
}
END_TEST

START_TEST(test_timer_masked)
{
	struct rig r;
	uint64_t t0;

	rig_enabled(&r);
	lw(&r, TDCR, 0xb);
	lw(&r, LVT_TIMER, MASKED | 0x32);
	t0 = r.t.ns;
	lw(&r, TMICT, 100);
	/* a masked timer still counts, but asks for no wake-up */
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);
	advance(&r, 40);
	ck_assert_uint_eq(lr(&r, TMCCT), 60);
	r.t.ns = t0 + 150;
	lapic_update(&r.a);
	ck_assert_uint_eq(lr(&r, TMCCT), 0);
	/* unmasking after the expiry does not bring the lost interrupt back */
	lw(&r, LVT_TIMER, 0x32);
	ck_assert_int_eq(take(&r), -1);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);

	/* expired while masked, unmasked before anyone called lapic_update */
	lw(&r, LVT_TIMER, MASKED | 0x32);
	lw(&r, TMICT, 100);
	advance(&r, 200);
	lw(&r, LVT_TIMER, 0x32);
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), -1);

	/* periodic while masked: no interrupts; unmasked, it goes on */
	t0 = r.t.ns;
	lw(&r, LVT_TIMER, MASKED | PERIODIC | 0x32);
	lw(&r, TMICT, 100);
	r.t.ns = t0 + 1050;
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), -1);
	lw(&r, LVT_TIMER, PERIODIC | 0x32);
	ck_assert_uint_eq(lr(&r, TMCCT), 50);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 1100);
	r.t.ns = t0 + 1100;
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), 0x32);
}
END_TEST

START_TEST(test_timer_tsc_deadline)
{
	struct rig r;
	uint64_t t0;

	rig_enabled(&r);
	/* outside TSC-deadline mode the MSR reads 0 and ignores writes */
	lapic_set_tsc_deadline(&r.a, r.t.tsc + 100);
	ck_assert_uint_eq(lapic_tsc_deadline(&r.a), 0);

	lw(&r, TDCR, 0xb);
	lw(&r, TMICT, 1000); /* disarmed by the switch to TSC-deadline */
	lw(&r, LVT_TIMER, TSC_DEADLINE | 0x33);
	ck_assert_uint_eq(lr(&r, TMICT), 0);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);
	lw(&r, TMICT, 1000); /* ignored in this mode */
	ck_assert_uint_eq(lr(&r, TMICT), 0);
	ck_assert_uint_eq(lr(&r, TMCCT), 0);

	t0 = r.t.ns;
	lapic_set_tsc_deadline(&r.a, r.t.tsc + 2001); /* 1000.5 ns at 2 GHz */
	ck_assert_uint_eq(lapic_tsc_deadline(&r.a), r.t.tsc + 2001);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 1001); /* rounded up */
	advance(&r, 1000);
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), -1);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), t0 + 1001);
	advance(&r, 1);
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), 0x33);
	lw(&r, EOI, 0);
	/* fired: the MSR clears itself, no second interrupt */
	ck_assert_uint_eq(lapic_tsc_deadline(&r.a), 0);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);

	/* a deadline in the past fires at once; 0 disarms */
	lapic_set_tsc_deadline(&r.a, r.t.tsc - 1);
	ck_assert_int_eq(take(&r), 0x33);
	lw(&r, EOI, 0);
	lapic_set_tsc_deadline(&r.a, r.t.tsc + 10);
	lapic_set_tsc_deadline(&r.a, 0);
	ck_assert_uint_eq(lapic_next_deadline(&r.a), VCLOCK_NEVER);
	advance(&r, 100);
	lapic_update(&r.a);
	ck_assert_int_eq(take(&r), -1);

	/* far deadlines do not overflow the conversion */
	lapic_set_tsc_deadline(&r.a, UINT64_MAX);
	ck_assert_uint_gt(lapic_next_deadline(&r.a), r.t.ns);
	ck_assert_uint_lt(lapic_next_deadline(&r.a), VCLOCK_NEVER);

	/* leaving TSC-deadline mode disarms it */
	lapic_set_tsc_deadline(&r.a, r.t.tsc + 10);
	lw(&r, LVT_TIMER, 0x33);
	lw(&r, LVT_TIMER, TSC_DEADLINE | 0x33);
	ck_assert_uint_eq(lapic_tsc_deadline(&r.a), 0);
}
END_TEST

/* ---- IOAPIC ---- */

START_TEST(test_ioapic_registers)
{
	struct rig r;
	int pin;

	rig_init(&r);
	ck_assert_uint_eq(ior(&r, 0), 0);
	ck_assert_uint_eq(ior(&r, 1), 0x00170011);
	ck_assert_uint_eq(ior(&r, 2), 0);
	for (pin = 0; pin < 24; pin++) {
		ck_assert_uint_eq(ior(&r, 0x10 + 2 * pin), MASKED);
		ck_assert_uint_eq(ior(&r, 0x11 + 2 * pin), 0);
	}
	ck_assert_uint_eq(ior(&r, 0x40), 0);

	iow(&r, 0, 0xffffffff);
	ck_assert_uint_eq(ior(&r, 0), 0x0f000000);
	ck_assert_uint_eq(ior(&r, 2), 0x0f000000);
	iow(&r, 1, 0);
	ck_assert_uint_eq(ior(&r, 1), 0x00170011);

	/* writable bits only: no delivery status or Remote IRR */
	iow(&r, 0x10 + 2 * 5, 0xffffffff);
	iow(&r, 0x11 + 2 * 5, 0xffffffff);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 5), 0x0001afff);
	ck_assert_uint_eq(ior(&r, 0x11 + 2 * 5), 0xff000000);
	ck_assert_uint_eq(r.io.redir[5], 0xff0000000001afffull);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 4), MASKED); /* neighbours untouched */
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 6), MASKED);

	/* IOREGSEL reads back; IOWIN needs 32-bit accesses */
	mmio_write(&r.bus, IOAPIC_BASE + IOREGSEL, 1, 0x1a);
	ck_assert_uint_eq(mmio_read(&r.bus, IOAPIC_BASE + IOREGSEL, 4), 0x1a);
	ck_assert_uint_eq(mmio_read(&r.bus, IOAPIC_BASE + IOWIN, 1), 0);
	mmio_write(&r.bus, IOAPIC_BASE + IOWIN, 2, 0);
	ck_assert_uint_eq(ior(&r, 0x1a), 0x0001afff);
}
END_TEST

START_TEST(test_ioapic_edge)
{
	struct rig r;

	rig_enabled(&r);
	redir(&r, 4, 0x41, 0);
	ioapic_set_irq(&r.io, 4, 1);
	ck_assert(vec_reg(&r, IRR0, 0x41));
	ck_assert(!vec_reg(&r, TMR0, 0x41));
	ck_assert_int_eq(take(&r), 0x41);
	lw(&r, EOI, 0);
	/* holding the line high is not a new edge */
	ioapic_set_irq(&r.io, 4, 1);
	ck_assert_int_eq(take(&r), -1);
	ioapic_set_irq(&r.io, 4, 0);
	ck_assert_int_eq(take(&r), -1);
	/* the irq_line adapter drives the same pins */
	ioapic_irq_line_set(&r.io, 4, 1);
	ck_assert_int_eq(take(&r), 0x41);
	lw(&r, EOI, 0);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 4), 0x41); /* no Remote IRR on edge */

	/* an edge while masked is lost, and unmasking does not replay it */
	ioapic_set_irq(&r.io, 4, 0);
	redir(&r, 4, MASKED | 0x41, 0);
	ioapic_set_irq(&r.io, 4, 1);
	redir(&r, 4, 0x41, 0);
	ck_assert_int_eq(take(&r), -1);

	/* out-of-range pins are ignored */
	ioapic_set_irq(&r.io, 24, 1);
	ioapic_set_irq(&r.io, -1, 1);
	ck_assert_int_eq(take(&r), -1);
}
END_TEST

START_TEST(test_ioapic_level_remote_irr)
{
	struct rig r;

	rig_enabled(&r);
	redir(&r, 9, RTE_LEVEL | 0x69, 0);
	ioapic_set_irq(&r.io, 9, 1);
	ck_assert(vec_reg(&r, TMR0, 0x69));
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 9), RTE_REMOTE_IRR | RTE_LEVEL | 0x69);
	ck_assert_int_eq(take(&r), 0x69);

	/* Remote IRR blocks a second delivery while in service */
	ioapic_set_irq(&r.io, 9, 0);
	ioapic_set_irq(&r.io, 9, 1);
	ck_assert_int_eq(lapic_pending_vector(&r.a), -1);
	ck_assert(!vec_reg(&r, IRR0, 0x69));
	/* Remote IRR is read-only */
	iow(&r, 0x10 + 2 * 9, RTE_LEVEL | 0x69);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 9), RTE_REMOTE_IRR | RTE_LEVEL | 0x69);

	/* EOI with the line still asserted: delivered again */
	lw(&r, EOI, 0);
	ck_assert(vec_reg(&r, IRR0, 0x69));
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 9), RTE_REMOTE_IRR | RTE_LEVEL | 0x69);
	ck_assert_int_eq(take(&r), 0x69);

	/* the device deasserts before the EOI: nothing more */
	ioapic_set_irq(&r.io, 9, 0);
	lw(&r, EOI, 0);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 9), RTE_LEVEL | 0x69);
	ck_assert_int_eq(take(&r), -1);

	/* an EOI for another vector leaves Remote IRR alone */
	ioapic_set_irq(&r.io, 9, 1);
	ck_assert_int_eq(take(&r), 0x69);
	ioapic_eoi(&r.io, 0x70);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 9), RTE_REMOTE_IRR | RTE_LEVEL | 0x69);
	ioapic_eoi(&r.io, 0x69);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 9), RTE_REMOTE_IRR | RTE_LEVEL | 0x69);
	ck_assert(vec_reg(&r, IRR0, 0x69));

	/* switching the entry to edge drops Remote IRR */
	redir(&r, 9, 0x69, 0);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 9), 0x69);
}
END_TEST

START_TEST(test_ioapic_mask_unmask)
{
	struct rig r;

	rig_enabled(&r);
	redir(&r, 11, MASKED | RTE_LEVEL | 0x7b, 0);
	ioapic_set_irq(&r.io, 11, 1);
	ck_assert_int_eq(take(&r), -1);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 11), MASKED | RTE_LEVEL | 0x7b);
	/* unmasking an asserted level pin delivers */
	redir(&r, 11, RTE_LEVEL | 0x7b, 0);
	ck_assert_int_eq(take(&r), 0x7b);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 11), RTE_REMOTE_IRR | RTE_LEVEL | 0x7b);

	/* masked across the EOI (as Linux may do): delivered on unmask */
	redir(&r, 11, MASKED | RTE_LEVEL | 0x7b, 0);
	lw(&r, EOI, 0);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 11), MASKED | RTE_LEVEL | 0x7b);
	ck_assert_int_eq(take(&r), -1);
	redir(&r, 11, RTE_LEVEL | 0x7b, 0);
	ck_assert_int_eq(take(&r), 0x7b);

	/* deasserted while masked: unmasking delivers nothing */
	redir(&r, 11, MASKED | RTE_LEVEL | 0x7b, 0);
	lw(&r, EOI, 0);
	ioapic_set_irq(&r.io, 11, 0);
	redir(&r, 11, RTE_LEVEL | 0x7b, 0);
	ck_assert_int_eq(take(&r), -1);
}
END_TEST

START_TEST(test_ioapic_polarity)
{
	struct rig r;

	rig_enabled(&r);
	/* active-low level: asserted while the pin is low */
	ioapic_set_irq(&r.io, 16, 1);
	redir(&r, 16, RTE_ACTIVE_LOW | RTE_LEVEL | 0x80, 0);
	ck_assert_int_eq(take(&r), -1);
	ioapic_set_irq(&r.io, 16, 0);
	ck_assert_int_eq(take(&r), 0x80);
	ioapic_set_irq(&r.io, 16, 1);
	lw(&r, EOI, 0);
	ck_assert_int_eq(take(&r), -1);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 16), RTE_ACTIVE_LOW | RTE_LEVEL | 0x80);

	/* active-low edge: delivered on the falling edge of the pin */
	redir(&r, 3, RTE_ACTIVE_LOW | 0x43, 0);
	ioapic_set_irq(&r.io, 3, 1);
	ck_assert_int_eq(take(&r), -1);
	ioapic_set_irq(&r.io, 3, 0);
	ck_assert_int_eq(take(&r), 0x43);
}
END_TEST

START_TEST(test_ioapic_destination)
{
	struct rig r;

	rig_enabled(&r);
	lw(&r, ID, 0x01000000);
	/* physical: our ID or broadcast */
	redir(&r, 1, 0x51, 0x02000000);
	ioapic_set_irq(&r.io, 1, 1);
	ck_assert_int_eq(take(&r), -1);
	redir(&r, 1, 0x51, 0x01000000);
	ioapic_set_irq(&r.io, 1, 0);
	ioapic_set_irq(&r.io, 1, 1);
	ck_assert_int_eq(take(&r), 0x51);
	lw(&r, EOI, 0);
	redir(&r, 2, 0x52, 0xff000000);
	ioapic_set_irq(&r.io, 2, 1);
	ck_assert_int_eq(take(&r), 0x52);
	lw(&r, EOI, 0);

	/* logical, flat model: LDR bit in the destination */
	lw(&r, LDR, 0x02000000);
	redir(&r, 3, RTE_LOGICAL | 0x53, 0x01000000);
	ioapic_set_irq(&r.io, 3, 1);
	ck_assert_int_eq(take(&r), -1);
	redir(&r, 5, RTE_LOGICAL | 0x100 | 0x55, 0x03000000); /* lowest priority */
	ioapic_set_irq(&r.io, 5, 1);
	ck_assert_int_eq(take(&r), 0x55);
	lw(&r, EOI, 0);

	/* logical, cluster model: cluster 1, member bit 1 */
	lw(&r, DFR, 0x0fffffff);
	lw(&r, LDR, 0x12000000);
	redir(&r, 6, RTE_LOGICAL | 0x56, 0x22000000);
	ioapic_set_irq(&r.io, 6, 1);
	ck_assert_int_eq(take(&r), -1);
	redir(&r, 7, RTE_LOGICAL | 0x57, 0x13000000);
	ioapic_set_irq(&r.io, 7, 1);
	ck_assert_int_eq(take(&r), 0x57);
	lw(&r, EOI, 0);

	/* a level entry that reaches nobody does not get stuck in Remote IRR */
	redir(&r, 8, RTE_LEVEL | 0x58, 0x05000000);
	ioapic_set_irq(&r.io, 8, 1);
	ck_assert_uint_eq(ior(&r, 0x10 + 2 * 8), RTE_LEVEL | 0x58);
	/* NMI, INIT, ExtINT entries deliver nothing here */
	redir(&r, 10, 0x400 | 0x5a, 0xff000000);
	redir(&r, 12, 0x700 | 0x5c, 0xff000000);
	ioapic_set_irq(&r.io, 10, 1);
	ioapic_set_irq(&r.io, 12, 1);
	ck_assert_int_eq(take(&r), -1);
}
END_TEST

static Suite *apic_suite(void)
{
	Suite *s = suite_create("apic");
	TCase *bus = tcase_create("mmio");
	TCase *regs = tcase_create("lapic-registers");
	TCase *intr = tcase_create("lapic-interrupts");
	TCase *timer = tcase_create("lapic-timer");
	TCase *io = tcase_create("ioapic");

	tcase_add_test(bus, test_mmio_register_overlap);
	tcase_add_test(bus, test_mmio_routing_counters);
	tcase_add_test(bus, test_mmio_unassigned);
	tcase_add_test(regs, test_lapic_reset_values);
	tcase_add_test(regs, test_lapic_register_readback);
	tcase_add_test(regs, test_lapic_odd_accesses);
	tcase_add_test(regs, test_lapic_base_msr);
	tcase_add_test(intr, test_lapic_tpr_ppr_masking);
	tcase_add_test(intr, test_lapic_intack_irr_to_isr);
	tcase_add_test(intr, test_lapic_eoi_nested);
	tcase_add_test(intr, test_lapic_spurious);
	tcase_add_test(intr, test_lapic_level_eoi_callback);
	tcase_add_test(intr, test_lapic_self_ipi);
	tcase_add_test(intr, test_lapic_error_lvt);
	tcase_add_test(intr, test_lapic_software_disable);
	tcase_add_test(intr, test_lapic_pic_virtual_wire);
	tcase_add_test(timer, test_timer_oneshot);
	tcase_add_test(timer, test_timer_divide);
	tcase_add_test(timer, test_timer_periodic);
	tcase_add_test(timer, test_timer_masked);
	tcase_add_test(timer, test_timer_tsc_deadline);
	tcase_add_test(io, test_ioapic_registers);
	tcase_add_test(io, test_ioapic_edge);
	tcase_add_test(io, test_ioapic_level_remote_irr);
	tcase_add_test(io, test_ioapic_mask_unmask);
	tcase_add_test(io, test_ioapic_polarity);
	tcase_add_test(io, test_ioapic_destination);
	suite_add_tcase(s, bus);
	suite_add_tcase(s, regs);
	suite_add_tcase(s, intr);
	suite_add_tcase(s, timer);
	suite_add_tcase(s, io);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(apic_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
