/*
 * test_fw_cfg_hpet.c - unit tests for the fw_cfg device and the HPET.
 *
 * fw_cfg is driven through the port bus as a guest would, with a fake
 * 64 KiB guest RAM behind its DMA callbacks (which refuse any range not
 * wholly inside it, as the machine's do). The HPET gets a settable fake
 * clock and records every level change of its 24 interrupt lines, so each
 * counter value, deadline and pulse is exact.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "fw_cfg.h"
#include "hpet.h"
#include "iobus.h"
#include "irq.h"
#include "mmio.h"
#include "vclock.h"

/* ---- fw_cfg ---- */

#define RAM_SIZE 0x10000u

struct fake_ram {
	uint8_t b[RAM_SIZE];
};

static int ram_read(void *opaque, uint64_t gpa, void *buf, uint32_t n)
{
	struct fake_ram *r = opaque;
	if (gpa > RAM_SIZE || n > RAM_SIZE - gpa)
		return -1;
	memcpy(buf, r->b + gpa, n);
	return 0;
}

static int ram_write(void *opaque, uint64_t gpa, const void *buf, uint32_t n)
{
	struct fake_ram *r = opaque;
	if (gpa > RAM_SIZE || n > RAM_SIZE - gpa)
		return -1;
	memcpy(r->b + gpa, buf, n);
	return 0;
}

static struct io_bus bus;
static struct fw_cfg fw;
static struct fake_ram ram;

static void fw_setup(bool dma)
{
	struct fw_cfg_mem mem = {ram_read, ram_write, &ram};
	iobus_init(&bus);
	memset(&ram, 0, sizeof(ram));
	ck_assert_int_eq(fw_cfg_init(&fw, &bus, dma ? &mem : NULL), 0);
}

static void fw_read(uint16_t key, uint8_t *buf, unsigned n)
{
	iobus_out(&bus, FW_CFG_PORT_SEL, 2, key);
	for (unsigned i = 0; i < n; i++)
		buf[i] = (uint8_t)iobus_in(&bus, FW_CFG_PORT_DATA, 1);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t bswap(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | v << 24;
}

START_TEST(fw_signature_and_zeros)
{
	fw_setup(true);
	uint8_t b[8];
	/* reset selects the signature */
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)iobus_in(&bus, FW_CFG_PORT_DATA, 1);
	ck_assert_mem_eq(b, "QEMU", 4);
	fw_read(FW_CFG_SIGNATURE, b, 8);
	ck_assert_mem_eq(b, "QEMU\0\0\0\0", 8);
	/* a byte read at the selector port is data too */
	iobus_out(&bus, FW_CFG_PORT_SEL, 2, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(iobus_in(&bus, FW_CFG_PORT_SEL, 1), 'Q');
	/* a word write at the data port does not select */
	iobus_out(&bus, FW_CFG_PORT_DATA, 2, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(iobus_in(&bus, FW_CFG_PORT_DATA, 1), 'E');
	fw_read(FW_CFG_ID, b, 4);
	ck_assert_uint_eq(b[0], FW_CFG_VERSION_TRADITIONAL | FW_CFG_VERSION_DMA);
	fw_read(0x18, b, 4); /* no item */
	ck_assert_mem_eq(b, "\0\0\0\0", 4);
	fw_read(0x3fff, b, 4); /* out of range */
	ck_assert_mem_eq(b, "\0\0\0\0", 4);
	fw_read(FW_CFG_ARCH_LOCAL | 0x10, b, 4);
	ck_assert_mem_eq(b, "\0\0\0\0", 4);
}
END_TEST

START_TEST(fw_integers_little_endian)
{
	fw_setup(false);
	ck_assert_int_eq(fw_cfg_add_i16(&fw, FW_CFG_NB_CPUS, 1), 0);
	ck_assert_int_eq(fw_cfg_add_i64(&fw, FW_CFG_RAM_SIZE, 0x123456789ull), 0);
	ck_assert_int_eq(fw_cfg_add_i32(&fw, FW_CFG_IRQ0_OVERRIDE, 1), 0);
	ck_assert_int_eq(fw_cfg_add_i16(&fw, FW_CFG_NB_CPUS, 2), -1); /* taken */
	ck_assert_int_eq(fw_cfg_add_i16(&fw, 0x40, 2), -1);	      /* out of range */
	uint8_t b[9];
	fw_read(FW_CFG_NB_CPUS, b, 3);
	ck_assert_mem_eq(b, "\1\0\0", 3);
	fw_read(FW_CFG_RAM_SIZE, b, 9);
	ck_assert_mem_eq(b, "\x89\x67\x45\x23\x01\0\0\0\0", 9);
	fw_read(FW_CFG_IRQ0_OVERRIDE, b, 4);
	ck_assert_mem_eq(b, "\1\0\0\0", 4);
	/* without DMA: the ID says so and 0x514 is nobody's */
	fw_read(FW_CFG_ID, b, 4);
	ck_assert_uint_eq(b[0], FW_CFG_VERSION_TRADITIONAL);
	ck_assert_uint_eq(iobus_in(&bus, FW_CFG_PORT_DMA, 4), 0xffffffffu);
}
END_TEST

START_TEST(fw_directory_sorted)
{
	fw_setup(false);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "etc/z", "zz", 2), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "etc/e820", "0123456789abcdefghij", 20), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "a", "A", 1), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "etc/z", "x", 1), -1); /* duplicate */
	char longname[FW_CFG_NAME_MAX + 1];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[FW_CFG_NAME_MAX] = 0;
	ck_assert_int_eq(fw_cfg_add_file(&fw, longname, "x", 1), -1);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "", "x", 1), -1);
	uint8_t dir[4 + 64 * 4];
	fw_read(FW_CFG_FILE_DIR, dir, sizeof(dir));
	ck_assert_uint_eq(be32(dir), 3);
	const char *names[3] = {"a", "etc/e820", "etc/z"};
	uint32_t sizes[3] = {1, 20, 2};
	for (int i = 0; i < 3; i++) {
		const uint8_t *e = dir + 4 + 64 * i;
		ck_assert_uint_eq(be32(e), sizes[i]);
		ck_assert_uint_eq(e[4] << 8 | e[5], FW_CFG_FILE_FIRST + i);
		ck_assert_uint_eq(e[6] | e[7], 0);
		ck_assert_str_eq((const char *)e + 8, names[i]);
	}
	ck_assert_mem_eq(dir + 4 + 64 * 3, "\0\0\0\0", 4); /* past the end: zeros */
	uint8_t b[3];
	fw_read(FW_CFG_FILE_FIRST + 2, b, 3);
	ck_assert_mem_eq(b, "zz\0", 3);
	fw_read(FW_CFG_FILE_FIRST + 1, b, 3);
	ck_assert_mem_eq(b, "012", 3);
}
END_TEST

/* A descriptor at desc: control, length, address (big-endian). */
static void put_desc(uint32_t desc, uint32_t ctl, uint32_t len, uint64_t addr)
{
	uint8_t *d = ram.b + desc;
	uint32_t v[4] = {ctl, len, (uint32_t)(addr >> 32), (uint32_t)addr};
	for (int i = 0; i < 4; i++) {
		d[4 * i] = (uint8_t)(v[i] >> 24);
		d[4 * i + 1] = (uint8_t)(v[i] >> 16);
		d[4 * i + 2] = (uint8_t)(v[i] >> 8);
		d[4 * i + 3] = (uint8_t)v[i];
	}
}

/* The guest's way: two big-endian dword writes, the low one starts it. */
static uint32_t run_dma(uint32_t desc)
{
	iobus_out(&bus, FW_CFG_PORT_DMA, 4, 0);
	iobus_out(&bus, FW_CFG_PORT_DMA + 4, 4, bswap(desc));
	return be32(ram.b + desc);
}

START_TEST(fw_dma)
{
	fw_setup(true);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "etc/e820", "0123456789abcdefghij", 20), 0);
	/* signature of the DMA register */
	ck_assert_uint_eq(iobus_in(&bus, FW_CFG_PORT_DMA, 4), 0x554d4551u); /* "QEMU" */
	ck_assert_uint_eq(iobus_in(&bus, FW_CFG_PORT_DMA + 4, 1), ' ');
	/* select + read */
	memset(ram.b + 0x100, 0xaa, 32);
	put_desc(0x10, (uint32_t)FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8,
		 0x100);
	ck_assert_uint_eq(run_dma(0x10), 0);
	ck_assert_mem_eq(ram.b + 0x100, "01234567\xaa", 9);
	/* skip 8, then read 8 across the end: 4 bytes, then zeros */
	put_desc(0x10, FW_CFG_DMA_SKIP, 8, 0);
	ck_assert_uint_eq(run_dma(0x10), 0);
	put_desc(0x10, FW_CFG_DMA_READ, 8, 0x100);
	ck_assert_uint_eq(run_dma(0x10), 0);
	ck_assert_mem_eq(ram.b + 0x100, "ghij\0\0\0\0\xaa", 9);
	/* writes fail: every item is read-only */
	put_desc(0x10, FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE, 4, 0x100);
	ck_assert_uint_eq(run_dma(0x10), FW_CFG_DMA_ERROR);
	/* no operation bit: nothing happens, no error */
	put_desc(0x10, 0, 4, 0x100);
	ck_assert_uint_eq(run_dma(0x10), 0);
	/* a target not in RAM, or running past its end: error, nothing written */
	put_desc(0x10, (uint32_t)FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8,
		 0x100000000ull);
	ck_assert_uint_eq(run_dma(0x10), FW_CFG_DMA_ERROR);
	memset(ram.b + RAM_SIZE - 4, 0x55, 4);
	put_desc(0x10, (uint32_t)FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8,
		 RAM_SIZE - 4);
	ck_assert_uint_eq(run_dma(0x10), FW_CFG_DMA_ERROR);
	ck_assert_mem_eq(ram.b + RAM_SIZE - 4, "\x55\x55\x55\x55", 4);
	/* a descriptor outside RAM: nothing is touched */
	struct fake_ram before = ram;
	iobus_out(&bus, FW_CFG_PORT_DMA, 4, bswap(1));
	iobus_out(&bus, FW_CFG_PORT_DMA + 4, 4, 0);
	ck_assert_mem_eq(ram.b, before.b, RAM_SIZE);
	/* a descriptor straddling the end of RAM */
	iobus_out(&bus, FW_CFG_PORT_DMA, 4, 0);
	iobus_out(&bus, FW_CFG_PORT_DMA + 4, 4, bswap(RAM_SIZE - 8));
	ck_assert_uint_eq(be32(ram.b + RAM_SIZE - 8), FW_CFG_DMA_ERROR);
}
END_TEST

/* ---- HPET ---- */

#define T0 7000000003ull /* clock at init: not a round number on purpose */

struct lines {
	int level[HPET_NGSI];
	int n[HPET_NGSI];     /* level changes seen */
	int rises[HPET_NGSI]; /* rising edges */
};

static void line_set(void *opaque, int irq, int level)
{
	struct lines *l = opaque;
	if (level && !l->level[irq])
		l->rises[irq]++;
	l->level[irq] = level;
	l->n[irq]++;
}

static uint64_t now_ns;
static uint64_t fake_now(void *opaque)
{
	return *(uint64_t *)opaque;
}

static struct mmio_bus mbus;
static struct hpet hp;
static struct lines ln;
static struct vclock clk = {fake_now, &now_ns};

static void hpet_setup(void)
{
	struct irq_line gsi[HPET_NGSI];
	memset(&ln, 0, sizeof(ln));
	for (int i = 0; i < HPET_NGSI; i++)
		gsi[i] = (struct irq_line){line_set, &ln, i};
	now_ns = T0;
	mmio_init(&mbus);
	ck_assert_int_eq(hpet_init(&hp, &mbus, &clk, gsi), 0);
}

static uint32_t r32(uint32_t off)
{
	return (uint32_t)mmio_read(&mbus, HPET_BASE + off, 4);
}

static void w32(uint32_t off, uint32_t v)
{
	mmio_write(&mbus, HPET_BASE + off, 4, v);
}

START_TEST(hpet_caps_and_counter)
{
	hpet_setup();
	ck_assert_uint_eq(r32(HPET_CAP), 0x8086a201u);
	ck_assert_uint_eq(r32(HPET_CAP + 4), HPET_PERIOD_FS);
	ck_assert_uint_eq(mmio_read(&mbus, HPET_BASE + HPET_CAP, 8),
			  (uint64_t)HPET_PERIOD_FS << 32 | 0x8086a201u);
	ck_assert_uint_eq(mmio_read(&mbus, HPET_BASE + HPET_CAP + 1, 1), 0xa2);
	for (int n = 0; n < HPET_NTIMERS; n++) {
		ck_assert_uint_eq(r32(HPET_TIMER(n)), HPET_TN_PER_CAP | HPET_TN_SIZE_CAP);
		ck_assert_uint_eq(r32(HPET_TIMER(n) + 4), HPET_ROUTE_CAP);
		ck_assert_uint_eq(r32(HPET_TIMER(n) + 8), 0xffffffffu);
	}
	ck_assert_uint_eq(r32(HPET_TIMER(3)), 0); /* no fourth timer */
	/* halted: stands still, writable */
	now_ns += 5000;
	ck_assert_uint_eq(r32(HPET_COUNTER), 0);
	w32(HPET_COUNTER, 1000);
	w32(HPET_COUNTER + 4, 2);
	ck_assert_uint_eq(hpet_counter(&hp), 0x2000003e8ull);
	/* running: 10 ns per tick, on from the written value */
	w32(HPET_CFG, HPET_CFG_ENABLE);
	now_ns += 12345;
	ck_assert_uint_eq(hpet_counter(&hp), 0x2000003e8ull + 1234);
	w32(HPET_COUNTER, 0); /* ignored while running */
	ck_assert_uint_eq(r32(HPET_COUNTER), 1000 + 1234);
	w32(HPET_CFG, 0);
	now_ns += 100000;
	ck_assert_uint_eq(r32(HPET_COUNTER), 1000 + 1234);
	ck_assert_uint_eq(hpet_next_deadline(&hp), VCLOCK_NEVER);
}
END_TEST

START_TEST(hpet_one_shot_edge)
{
	hpet_setup();
	w32(HPET_CFG, HPET_CFG_ENABLE);
	w32(HPET_TIMER(0) + 8, 500);
	w32(HPET_TIMER(0) + 12, 0);
	ck_assert_uint_eq(hpet_next_deadline(&hp), VCLOCK_NEVER); /* interrupt not enabled */
	w32(HPET_TIMER(0), HPET_TN_INT_ENB | 2 << HPET_TN_ROUTE_SHIFT);
	ck_assert_uint_eq(hpet_next_deadline(&hp), T0 + 5000);
	now_ns = T0 + 4999;
	hpet_update(&hp);
	ck_assert_int_eq(ln.n[2], 0);
	now_ns = T0 + 5000;
	hpet_update(&hp);
	ck_assert_int_eq(ln.rises[2], 1);
	ck_assert_int_eq(ln.level[2], 0); /* a pulse */
	ck_assert_uint_eq(r32(HPET_STATUS), 0);
	ck_assert_uint_eq(hpet_next_deadline(&hp), VCLOCK_NEVER);
	now_ns += 1000000;
	hpet_update(&hp);
	ck_assert_int_eq(ln.rises[2], 1);
	/* a comparator already passed is due one tick later (QEMU's rule) */
	w32(HPET_TIMER(0) + 8, 10);
	ck_assert_uint_eq(hpet_next_deadline(&hp), T0 + 1005000 + 10);
}
END_TEST

START_TEST(hpet_periodic)
{
	hpet_setup();
	w32(HPET_CFG, HPET_CFG_ENABLE);
	/* Linux's sequence: config with VAL_SET, comparator, then period */
	w32(HPET_TIMER(1), HPET_TN_INT_ENB | HPET_TN_PERIODIC | HPET_TN_SETVAL | HPET_TN_32BIT |
			       2 << HPET_TN_ROUTE_SHIFT);
	w32(HPET_TIMER(1) + 8, 100);
	w32(HPET_TIMER(1) + 8, 100);
	ck_assert_uint_eq(r32(HPET_TIMER(1)) & HPET_TN_SETVAL, 0);
	ck_assert_uint_eq(hpet_next_deadline(&hp), T0 + 1000);
	for (int i = 1; i <= 3; i++) {
		now_ns = T0 + 1000 * (uint64_t)i;
		hpet_update(&hp);
		ck_assert_int_eq(ln.rises[2], i);
		ck_assert_uint_eq(hpet_next_deadline(&hp), T0 + 1000 * (uint64_t)(i + 1));
	}
	ck_assert_uint_eq(r32(HPET_TIMER(1) + 8), 400);
	/* late by 3.5 periods: one interrupt, back on the grid */
	now_ns = T0 + 7500;
	hpet_update(&hp);
	ck_assert_int_eq(ln.rises[2], 4);
	ck_assert_uint_eq(hpet_next_deadline(&hp), T0 + 8000);
	/* disabling the HPET stops it */
	w32(HPET_CFG, 0);
	ck_assert_uint_eq(hpet_next_deadline(&hp), VCLOCK_NEVER);
}
END_TEST

START_TEST(hpet_level_status)
{
	hpet_setup();
	w32(HPET_CFG, HPET_CFG_ENABLE);
	w32(HPET_TIMER(2) + 12, 0);
	w32(HPET_TIMER(2) + 8, 50);
	w32(HPET_TIMER(2), HPET_TN_INT_ENB | HPET_TN_LEVEL | 2 << HPET_TN_ROUTE_SHIFT);
	now_ns = T0 + 500;
	hpet_update(&hp);
	ck_assert_int_eq(ln.level[2], 1);
	ck_assert_uint_eq(r32(HPET_STATUS), 4);
	w32(HPET_STATUS, 3); /* other bits: nothing */
	ck_assert_int_eq(ln.level[2], 1);
	w32(HPET_STATUS, 4);
	ck_assert_int_eq(ln.level[2], 0);
	ck_assert_uint_eq(r32(HPET_STATUS), 0);
}
END_TEST

START_TEST(hpet_legacy_routes)
{
	hpet_setup();
	w32(HPET_CFG, HPET_CFG_ENABLE | HPET_CFG_LEGACY);
	ck_assert(hpet_legacy(&hp));
	w32(HPET_TIMER(0) + 12, 0);
	w32(HPET_TIMER(0) + 8, 10);
	w32(HPET_TIMER(0), HPET_TN_INT_ENB | 2 << HPET_TN_ROUTE_SHIFT);
	w32(HPET_TIMER(1) + 12, 0);
	w32(HPET_TIMER(1) + 8, 20);
	w32(HPET_TIMER(1), HPET_TN_INT_ENB | 2 << HPET_TN_ROUTE_SHIFT);
	now_ns = T0 + 1000;
	hpet_update(&hp);
	ck_assert_int_eq(ln.rises[0], 1); /* IRQ 0 */
	ck_assert_int_eq(ln.rises[8], 1); /* IRQ 8 */
	ck_assert_int_eq(ln.rises[2], 0);
	w32(HPET_CFG, HPET_CFG_ENABLE);
	ck_assert(!hpet_legacy(&hp));
}
END_TEST

START_TEST(hpet_32bit_wrap)
{
	hpet_setup();
	w32(HPET_COUNTER, 0xfffffff0u);
	w32(HPET_TIMER(0), HPET_TN_INT_ENB | HPET_TN_32BIT | 2 << HPET_TN_ROUTE_SHIFT);
	w32(HPET_TIMER(0) + 8, 0x20); /* 0x30 ticks ahead, past the wrap */
	ck_assert_uint_eq(r32(HPET_TIMER(0) + 12), 0);
	w32(HPET_CFG, HPET_CFG_ENABLE);
	/* first at 0xffffffff (the wrap), then at the comparator */
	ck_assert_uint_eq(hpet_next_deadline(&hp), T0 + 15 * 10);
	now_ns = T0 + 150;
	hpet_update(&hp);
	ck_assert_int_eq(ln.rises[2], 1);
	ck_assert_uint_eq(hpet_next_deadline(&hp), T0 + 0x30 * 10);
	now_ns = T0 + 0x30 * 10;
	hpet_update(&hp);
	ck_assert_int_eq(ln.rises[2], 2);
	ck_assert_uint_eq(hpet_next_deadline(&hp), VCLOCK_NEVER);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fw_cfg_hpet");
	TCase *f = tcase_create("fw_cfg");
	tcase_add_test(f, fw_signature_and_zeros);
	tcase_add_test(f, fw_integers_little_endian);
	tcase_add_test(f, fw_directory_sorted);
	tcase_add_test(f, fw_dma);
	suite_add_tcase(s, f);
	TCase *h = tcase_create("hpet");
	tcase_add_test(h, hpet_caps_and_counter);
	tcase_add_test(h, hpet_one_shot_edge);
	tcase_add_test(h, hpet_periodic);
	tcase_add_test(h, hpet_level_status);
	tcase_add_test(h, hpet_legacy_routes);
	tcase_add_test(h, hpet_32bit_wrap);
	suite_add_tcase(s, h);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
