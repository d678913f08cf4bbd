/*
 * test_rtc_kbd.c - unit tests for the MC146818 RTC/CMOS and the i8042
 * keyboard controller.
 *
 * Both devices are driven through the port bus as a guest would. The RTC
 * gets a settable fake vclock and a fixed fake host epoch, so every time,
 * deadline and flag is exact; interrupt lines and the i8042's reset and
 * A20 callbacks are recorded.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "iobus.h"
#include "irq.h"
#include "vclock.h"
#include "rtc_cmos.h"
#include "i8042.h"

#define NS 1000000000ull
#define T0 5000000123ull /* vclock at init: not a round number on purpose */

/* 2024-02-29 13:45:30 UTC, a Thursday (leap day) */
#define EPOCH_LEAP_DAY 1709214330
/* 2024-02-29 23:59:59 UTC */
#define EPOCH_LEAP_MIDNIGHT 1709251199
/* 1999-12-31 23:59:59 UTC, a Friday */
#define EPOCH_Y2K 946684799

/* ---- fakes ---- */

struct fake_irq {
	int level;
	int n;
	int history[64];
};

static void fake_irq_set(void *opaque, int irq, int level)
{
	struct fake_irq *f = opaque;

	f->level = level;
	if (f->n < 64)
		f->history[f->n] = level;
	f->n++;
}

static struct irq_line fake_line(struct fake_irq *f, int irq)
{
	struct irq_line l = {.set = fake_irq_set, .opaque = f, .irq = irq};

	return l;
}

static uint64_t fake_now(void *opaque)
{
	return *(uint64_t *)opaque;
}

static int64_t fake_epoch(void *opaque)
{
	return *(int64_t *)opaque;
}

static uint8_t inb(struct io_bus *bus, uint16_t port)
{
	return iobus_in(bus, port, 1);
}

static void outb(struct io_bus *bus, uint16_t port, uint8_t v)
{
	iobus_out(bus, port, 1, v);
}

/* ---- RTC rig ---- */

struct rtc_rig {
	struct io_bus bus;
	struct rtc_cmos r;
	uint64_t now;
	int64_t epoch;
	struct vclock clk;
	struct fake_irq irq;
};

static void rtc_setup(struct rtc_rig *g, int64_t epoch)
{
	memset(g, 0, sizeof(*g));
	g->now = T0;
	g->epoch = epoch;
	g->clk.now_ns = fake_now;
	g->clk.opaque = &g->now;
	iobus_init(&g->bus);
	ck_assert_int_eq(
	    rtc_init(&g->r, &g->bus, fake_line(&g->irq, 8), &g->clk, fake_epoch, &g->epoch), 0);
}

static uint8_t cmos_rd(struct rtc_rig *g, uint8_t idx)
{
	outb(&g->bus, 0x70, idx);
	return inb(&g->bus, 0x71);
}

static void cmos_wr(struct rtc_rig *g, uint8_t idx, uint8_t v)
{
	outb(&g->bus, 0x70, idx);
	outb(&g->bus, 0x71, v);
}

/* Time of day and date as raw register bytes. */
static void check_time(struct rtc_rig *g, uint8_t h, uint8_t m, uint8_t s)
{
	ck_assert_uint_eq(cmos_rd(g, RTC_HOURS), h);
	ck_assert_uint_eq(cmos_rd(g, RTC_MINUTES), m);
	ck_assert_uint_eq(cmos_rd(g, RTC_SECONDS), s);
}

static void check_date(struct rtc_rig *g, uint8_t cent, uint8_t y, uint8_t mon, uint8_t d,
		       uint8_t wday)
{
	ck_assert_uint_eq(cmos_rd(g, RTC_CENTURY), cent);
	ck_assert_uint_eq(cmos_rd(g, RTC_YEAR), y);
	ck_assert_uint_eq(cmos_rd(g, RTC_MONTH), mon);
	ck_assert_uint_eq(cmos_rd(g, RTC_DAY_OF_MONTH), d);
	ck_assert_uint_eq(cmos_rd(g, RTC_DAY_OF_WEEK), wday);
}

/* ---- RTC: time and date ---- */

START_TEST(test_rtc_reset_values)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), 0x26);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_B), RTC_B_24H);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), 0);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_D), RTC_D_VRT);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), VCLOCK_NEVER);
	ck_assert_int_eq(g.irq.n, 0);
}
END_TEST

START_TEST(test_rtc_bcd_and_binary)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	check_time(&g, 0x13, 0x45, 0x30);
	check_date(&g, 0x20, 0x24, 0x02, 0x29, 5);
	cmos_wr(&g, RTC_REG_B, RTC_B_24H | RTC_B_DM);
	check_time(&g, 13, 45, 30);
	check_date(&g, 20, 24, 2, 29, 5);
}
END_TEST

START_TEST(test_rtc_12_hour)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	cmos_wr(&g, RTC_REG_B, 0); /* BCD, 12-hour */
	check_time(&g, 0x80 | 0x01, 0x45, 0x30);
	cmos_wr(&g, RTC_REG_B, RTC_B_DM);
	check_time(&g, 0x80 | 1, 45, 30);

	/* 12 AM is midnight, 12 PM noon, both ways. */
	cmos_wr(&g, RTC_REG_B, RTC_B_SET);
	cmos_wr(&g, RTC_HOURS, 0x12);
	cmos_wr(&g, RTC_REG_B, 0);
	ck_assert_uint_eq(cmos_rd(&g, RTC_HOURS), 0x12);
	cmos_wr(&g, RTC_REG_B, RTC_B_24H);
	ck_assert_uint_eq(cmos_rd(&g, RTC_HOURS), 0x00);
	cmos_wr(&g, RTC_REG_B, RTC_B_SET);
	cmos_wr(&g, RTC_HOURS, 0x80 | 0x12);
	cmos_wr(&g, RTC_REG_B, 0);
	ck_assert_uint_eq(cmos_rd(&g, RTC_HOURS), 0x92);
	cmos_wr(&g, RTC_REG_B, RTC_B_24H);
	ck_assert_uint_eq(cmos_rd(&g, RTC_HOURS), 0x12);
	cmos_wr(&g, RTC_REG_B, 0);
	cmos_wr(&g, RTC_HOURS, 0x80 | 0x11); /* written while running */
	cmos_wr(&g, RTC_REG_B, RTC_B_24H);
	ck_assert_uint_eq(cmos_rd(&g, RTC_HOURS), 0x23);
}
END_TEST

START_TEST(test_rtc_advances_and_rolls_over)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	g.now += NS + NS / 2;
	check_time(&g, 0x13, 0x45, 0x31);
	g.now += 29 * NS;
	check_time(&g, 0x13, 0x46, 0x00);

	/* Leap day to March 1, Thursday to Friday. */
	rtc_setup(&g, EPOCH_LEAP_MIDNIGHT);
	check_date(&g, 0x20, 0x24, 0x02, 0x29, 5);
	g.now += NS;
	check_time(&g, 0x00, 0x00, 0x00);
	check_date(&g, 0x20, 0x24, 0x03, 0x01, 6);

	/* Century rollover; Friday to Saturday. */
	rtc_setup(&g, EPOCH_Y2K);
	check_date(&g, 0x19, 0x99, 0x12, 0x31, 6);
	g.now += NS;
	check_time(&g, 0x00, 0x00, 0x00);
	check_date(&g, 0x20, 0x00, 0x01, 0x01, 7);
}
END_TEST

START_TEST(test_rtc_guest_set_time_advances)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	g.now += NS / 2; /* mid-second: the phase must survive the set */
	cmos_wr(&g, RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_wr(&g, RTC_CENTURY, 0x20);
	cmos_wr(&g, RTC_YEAR, 0x01);
	cmos_wr(&g, RTC_MONTH, 0x09);
	cmos_wr(&g, RTC_DAY_OF_MONTH, 0x09);
	cmos_wr(&g, RTC_HOURS, 0x01);
	cmos_wr(&g, RTC_MINUTES, 0x46);
	cmos_wr(&g, RTC_SECONDS, 0x40);
	cmos_wr(&g, RTC_REG_B, RTC_B_24H);
	check_time(&g, 0x01, 0x46, 0x40);
	check_date(&g, 0x20, 0x01, 0x09, 0x09, 1); /* a Sunday */
	g.now += NS / 2 - 1;
	ck_assert_uint_eq(cmos_rd(&g, RTC_SECONDS), 0x40);
	g.now += 1;
	ck_assert_uint_eq(cmos_rd(&g, RTC_SECONDS), 0x41);
	g.now += 10 * NS;
	check_time(&g, 0x01, 0x46, 0x51);

	/* One register written while running: the rest keep counting. */
	cmos_wr(&g, RTC_MINUTES, 0x10);
	check_time(&g, 0x01, 0x10, 0x51);
	g.now += 9 * NS;
	check_time(&g, 0x01, 0x11, 0x00);
	check_date(&g, 0x20, 0x01, 0x09, 0x09, 1);
}
END_TEST

START_TEST(test_rtc_set_freezes)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	cmos_wr(&g, RTC_REG_A, 0x20); /* no periodic flags */
	cmos_wr(&g, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	cmos_rd(&g, RTC_REG_C);
	cmos_wr(&g, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
	/* SET clears UIE; no update interrupt is due while frozen */
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_B), RTC_B_SET | RTC_B_24H);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), VCLOCK_NEVER);
	g.now += 5 * NS - 100000; /* inside what would be the UIP window */
	check_time(&g, 0x13, 0x45, 0x30);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A) & RTC_A_UIP, 0);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C) & RTC_C_UF, 0);
	/* Cleared without writes, the clock resumes from the frozen time. */
	cmos_wr(&g, RTC_REG_B, RTC_B_24H);
	check_time(&g, 0x13, 0x45, 0x30);
	g.now += 100000;
	check_time(&g, 0x13, 0x45, 0x31);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_UF);
}
END_TEST

/* ---- RTC: UIP ---- */

START_TEST(test_rtc_uip_window)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), 0x26);
	g.now = T0 + NS - 244001;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), 0x26);
	g.now = T0 + NS - 244000;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), RTC_A_UIP | 0x26);
	g.now = T0 + NS - 1;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), RTC_A_UIP | 0x26);
	ck_assert_uint_eq(cmos_rd(&g, RTC_SECONDS), 0x30); /* old time until the update */
	g.now = T0 + NS;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), 0x26);
	ck_assert_uint_eq(cmos_rd(&g, RTC_SECONDS), 0x31);
	g.now = T0 + 7 * NS - 1000;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), RTC_A_UIP | 0x26);
	/* UIP is read-only */
	cmos_wr(&g, RTC_REG_A, 0xa6);
	g.now = T0 + 7 * NS;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_A), 0x26);
}
END_TEST

/* ---- RTC: interrupts ---- */

START_TEST(test_rtc_periodic_1024hz)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	cmos_wr(&g, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	/* rate 6: 1024 Hz = 32 ticks of 32.768 kHz, 976562.5 ns */
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 976563);
	g.now = T0 + 976562;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.n, 0);
	g.now = T0 + 976563;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.level, 1);
	ck_assert_int_eq(g.irq.n, 1);
	/* Nothing can interrupt again until reg C is read. */
	ck_assert_uint_eq(rtc_next_deadline(&g.r), VCLOCK_NEVER);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	ck_assert_int_eq(g.irq.level, 0);
	ck_assert_int_eq(g.irq.n, 2);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), 0); /* read clears */
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 1953125);

	/* Several periods missed: one flag, one interrupt. */
	g.now = T0 + 10 * 976563;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.n, 3);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 10742188); /* 11 * 976562.5 */

	/* The grid is the divider's: each second starts on a tick. */
	g.now = T0 + 2 * NS - 1;
	cmos_rd(&g, RTC_REG_C);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 2 * NS);

	/* Rate 0 is off; rates 1 and 2 run like 8 and 9 (256, 128 Hz). */
	cmos_wr(&g, RTC_REG_A, 0x20);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), VCLOCK_NEVER);
	cmos_wr(&g, RTC_REG_A, 0x21);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 2 * NS);
	g.now = T0 + 2 * NS;
	rtc_update(&g.r);
	cmos_rd(&g, RTC_REG_C);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 2 * NS + 3906250);
	cmos_wr(&g, RTC_REG_A, 0x22);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 2 * NS + 7812500);
	cmos_wr(&g, RTC_REG_A, 0x2f); /* 2 Hz */
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 2 * NS + NS / 2);
}
END_TEST

START_TEST(test_rtc_flags_without_enable)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	g.now += 1000000;
	/* PF is set though PIE is off; no IRQF, no interrupt */
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_PF);
	g.now += NS;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_PF | RTC_C_UF);
	ck_assert_int_eq(g.irq.n, 0);
	/* Enabling an event already flagged interrupts at once. */
	g.now += 1000000;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.n, 0);
	cmos_wr(&g, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	ck_assert_int_eq(g.irq.level, 1);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	ck_assert_int_eq(g.irq.level, 0);
}
END_TEST

START_TEST(test_rtc_update_interrupt)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	cmos_wr(&g, RTC_REG_A, 0x20); /* no periodic flags to muddle reg C */
	cmos_wr(&g, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + NS);
	g.now = T0 + NS - 1;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.n, 0);
	g.now = T0 + NS;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.level, 1);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 2 * NS);
	/* Half a second later: nothing new. */
	g.now = T0 + NS + NS / 2;
	rtc_update(&g.r);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), 0);
	ck_assert_int_eq(g.irq.n, 2);
	/* Once per second, and the time has moved when it fires. */
	g.now = T0 + 2 * NS;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.n, 3);
	ck_assert_uint_eq(cmos_rd(&g, RTC_SECONDS), 0x32);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 3 * NS);
	/* UIE off: no deadline */
	cmos_wr(&g, RTC_REG_B, RTC_B_24H);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), VCLOCK_NEVER);
}
END_TEST

START_TEST(test_rtc_alarm)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY); /* 13:45:30 */
	cmos_wr(&g, RTC_REG_A, 0x20);
	/* hh:mm:35 for any hour and minute */
	cmos_wr(&g, RTC_SECONDS_ALARM, 0x35);
	cmos_wr(&g, RTC_MINUTES_ALARM, 0xc0);
	cmos_wr(&g, RTC_HOURS_ALARM, 0xff);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), VCLOCK_NEVER); /* AIE off */
	cmos_wr(&g, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 5 * NS);
	g.now = T0 + 5 * NS - 1;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.n, 0);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_UF); /* updates, no alarm */
	g.now = T0 + 5 * NS;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.level, 1);
	check_time(&g, 0x13, 0x45, 0x35);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	ck_assert_int_eq(g.irq.level, 0);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 65 * NS);

	/* Exact alarm 14:00:00: 870 s away. */
	cmos_wr(&g, RTC_SECONDS_ALARM, 0x00);
	cmos_wr(&g, RTC_MINUTES_ALARM, 0x00);
	cmos_wr(&g, RTC_HOURS_ALARM, 0x14);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 5 * NS + 865 * NS);

	/* Every second when all three don't care (with UIE's timing). */
	cmos_wr(&g, RTC_SECONDS_ALARM, 0xc0);
	cmos_wr(&g, RTC_MINUTES_ALARM, 0xc0);
	cmos_wr(&g, RTC_HOURS_ALARM, 0xc0);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 6 * NS);

	/* Today's time has passed: tomorrow. 13:45:00 is 86365 s from 13:45:35 */
	cmos_wr(&g, RTC_SECONDS_ALARM, 0x00);
	cmos_wr(&g, RTC_MINUTES_ALARM, 0x45);
	cmos_wr(&g, RTC_HOURS_ALARM, 0x13);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 5 * NS + 86365 * NS);

	/* An impossible value never matches. */
	cmos_wr(&g, RTC_HOURS_ALARM, 0x25);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), VCLOCK_NEVER);

	/* Missed while AIE was off: AF is there when the guest looks. */
	cmos_wr(&g, RTC_REG_B, RTC_B_24H);
	cmos_wr(&g, RTC_HOURS_ALARM, 0xc0);
	cmos_wr(&g, RTC_MINUTES_ALARM, 0x46);
	g.now += 3600 * NS;
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), RTC_C_AF | RTC_C_UF);
	ck_assert_int_eq(g.irq.level, 0);
}
END_TEST

START_TEST(test_rtc_alarm_12_hour_binary)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY); /* 1:45:30 PM */
	cmos_wr(&g, RTC_REG_A, 0x20);
	cmos_wr(&g, RTC_REG_B, RTC_B_DM); /* binary, 12-hour */
	cmos_wr(&g, RTC_SECONDS_ALARM, 0);
	cmos_wr(&g, RTC_MINUTES_ALARM, 0);
	cmos_wr(&g, RTC_HOURS_ALARM, 0x80 | 2); /* 2 PM */
	cmos_wr(&g, RTC_REG_B, RTC_B_DM | RTC_B_AIE);
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + 870 * NS);
	cmos_wr(&g, RTC_HOURS_ALARM, 2); /* 2 AM */
	ck_assert_uint_eq(rtc_next_deadline(&g.r), T0 + (870 + 12 * 3600) * NS);
}
END_TEST

START_TEST(test_rtc_reset_pin)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	cmos_wr(&g, RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_UIE);
	g.now += NS;
	rtc_update(&g.r);
	ck_assert_int_eq(g.irq.level, 1);
	rtc_reset(&g.r);
	ck_assert_int_eq(g.irq.level, 0);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_B), RTC_B_24H);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), 0);
	check_time(&g, 0x13, 0x45, 0x31);
}
END_TEST

/* ---- RTC: ports and CMOS RAM ---- */

START_TEST(test_rtc_nmi_and_index)
{
	struct rtc_rig g;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	ck_assert_int_eq(g.r.nmi_masked, 0);
	outb(&g.bus, 0x70, 0x80 | 0x20);
	ck_assert_int_eq(g.r.nmi_masked, 1);
	ck_assert_uint_eq(g.r.index, 0x20);
	outb(&g.bus, 0x71, 0x5a);
	ck_assert_uint_eq(inb(&g.bus, 0x70), 0xff); /* index is write-only */
	ck_assert_uint_eq(inb(&g.bus, 0x71), 0x5a);
	outb(&g.bus, 0x70, 0x20);
	ck_assert_int_eq(g.r.nmi_masked, 0);
	ck_assert_uint_eq(inb(&g.bus, 0x71), 0x5a);
	/* NMI-masked reads of the time work the same */
	outb(&g.bus, 0x70, 0x80 | RTC_SECONDS);
	ck_assert_uint_eq(inb(&g.bus, 0x71), 0x30);
}
END_TEST

START_TEST(test_rtc_cmos_ram)
{
	struct rtc_rig g;
	int i;

	rtc_setup(&g, EPOCH_LEAP_DAY);
	for (i = 0x0e; i < 0x80; i++)
		if (i != RTC_CENTURY)
			cmos_wr(&g, i, i ^ 0xa5);
	for (i = 0x0e; i < 0x80; i++)
		if (i != RTC_CENTURY)
			ck_assert_uint_eq(cmos_rd(&g, i), i ^ 0xa5);
	/* the VM's setup path */
	rtc_set_cmos(&g.r, 0x15, 0x80);
	rtc_set_cmos(&g.r, 0x16, 0x02);
	ck_assert_uint_eq(cmos_rd(&g, 0x15), 0x80);
	ck_assert_uint_eq(cmos_rd(&g, 0x16), 0x02);
	/* alarm bytes are plain storage; C and D ignore writes */
	cmos_wr(&g, RTC_SECONDS_ALARM, 0x12);
	ck_assert_uint_eq(cmos_rd(&g, RTC_SECONDS_ALARM), 0x12);
	cmos_wr(&g, RTC_REG_C, 0xff);
	cmos_wr(&g, RTC_REG_D, 0x00);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_C), 0);
	ck_assert_uint_eq(cmos_rd(&g, RTC_REG_D), RTC_D_VRT);
	ck_assert_int_eq(g.irq.n, 0);
}
END_TEST

/* ---- i8042 rig ---- */

struct kbd_rig {
	struct io_bus bus;
	struct i8042 k;
	struct fake_irq irq1, irq12;
	int resets;
	int a20_calls, a20;
};

static void rig_reset(void *opaque)
{
	struct kbd_rig *g = opaque;

	g->resets++;
}

static void rig_a20(void *opaque, int on)
{
	struct kbd_rig *g = opaque;

	g->a20_calls++;
	g->a20 = on;
}

static void kbd_setup(struct kbd_rig *g)
{
	memset(g, 0, sizeof(*g));
	g->a20 = -1;
	iobus_init(&g->bus);
	ck_assert_int_eq(i8042_init(&g->k, &g->bus, fake_line(&g->irq1, 1),
				    fake_line(&g->irq12, 12), rig_reset, rig_a20, g),
			 0);
}

static uint8_t status(struct kbd_rig *g)
{
	return inb(&g->bus, 0x64);
}

static void kcmd(struct kbd_rig *g, uint8_t c)
{
	outb(&g->bus, 0x64, c);
}

static void kdata(struct kbd_rig *g, uint8_t v)
{
	outb(&g->bus, 0x60, v);
}

/* Expect OBF and this byte in the output buffer, and consume it. */
static void expect_byte(struct kbd_rig *g, uint8_t v)
{
	ck_assert_uint_eq(status(g) & I8042_STR_OBF, I8042_STR_OBF);
	ck_assert_uint_eq(inb(&g->bus, 0x60), v);
}

static void expect_empty(struct kbd_rig *g)
{
	ck_assert_uint_eq(status(g) & I8042_STR_OBF, 0);
}

static uint8_t read_ctr(struct kbd_rig *g)
{
	kcmd(g, 0x20);
	ck_assert_uint_eq(status(g) & I8042_STR_OBF, I8042_STR_OBF);
	return inb(&g->bus, 0x60);
}

/* ---- i8042: controller ---- */

START_TEST(test_kbd_status_and_self_test)
{
	struct kbd_rig g;

	kbd_setup(&g);
	ck_assert_uint_eq(status(&g), I8042_STR_KEYLOCK | I8042_STR_SYS);
	kcmd(&g, 0xaa);
	ck_assert_uint_eq(status(&g),
			  I8042_STR_KEYLOCK | I8042_STR_SYS | I8042_STR_CMD | I8042_STR_OBF);
	expect_byte(&g, 0x55);
	expect_empty(&g);
	kcmd(&g, 0xab);
	expect_byte(&g, 0x00);
	kcmd(&g, 0xa9);
	expect_byte(&g, 0x00);
	kcmd(&g, 0xc0);
	expect_byte(&g, 0x80);
	/* an empty buffer reads its last byte again */
	ck_assert_uint_eq(inb(&g.bus, 0x60), 0x80);
	/* the self-test sets SYS even if the command byte cleared it */
	kcmd(&g, 0x60);
	kdata(&g, 0x00);
	ck_assert_uint_eq(status(&g) & (I8042_STR_SYS | I8042_STR_CMD), 0);
	kcmd(&g, 0xaa);
	expect_byte(&g, 0x55);
	ck_assert_uint_eq(status(&g) & I8042_STR_SYS, I8042_STR_SYS);
	ck_assert_int_eq(g.resets, 0);
}
END_TEST

START_TEST(test_kbd_command_byte)
{
	struct kbd_rig g;

	kbd_setup(&g);
	ck_assert_uint_eq(read_ctr(&g), 0x45);
	kcmd(&g, 0x60);
	kdata(&g, 0x47);
	ck_assert_uint_eq(read_ctr(&g), 0x47);
	kcmd(&g, 0xa7);
	ck_assert_uint_eq(read_ctr(&g), 0x47 | I8042_CTR_AUXDIS);
	kcmd(&g, 0xad);
	ck_assert_uint_eq(read_ctr(&g), 0x47 | I8042_CTR_AUXDIS | I8042_CTR_KBDDIS);
	kcmd(&g, 0xa8);
	kcmd(&g, 0xae);
	ck_assert_uint_eq(read_ctr(&g), 0x47);
	/* the rest of the RAM */
	kcmd(&g, 0x65);
	kdata(&g, 0x99);
	kcmd(&g, 0x25);
	expect_byte(&g, 0x99);
	/* a command abandons one waiting for data: 0x60 then 0x20 */
	kcmd(&g, 0x60);
	kcmd(&g, 0x20);
	expect_byte(&g, 0x47);
	ck_assert_uint_eq(read_ctr(&g), 0x47);
}
END_TEST

START_TEST(test_kbd_a20)
{
	struct kbd_rig g;

	kbd_setup(&g);
	ck_assert_int_eq(g.a20_calls, 0);
	kcmd(&g, 0xd0);
	expect_byte(&g, 0xcf);
	kcmd(&g, 0xd1);
	kdata(&g, 0xcd); /* A20 off, reset line high */
	ck_assert_int_eq(g.a20, 0);
	ck_assert_int_eq(g.resets, 0);
	kcmd(&g, 0xd0);
	expect_byte(&g, 0xcd);
	ck_assert_uint_eq(inb(&g.bus, 0x92) & 2, 0);
	kcmd(&g, 0xd1);
	kdata(&g, 0xcf);
	ck_assert_int_eq(g.a20, 1);
	kcmd(&g, 0xdd);
	ck_assert_int_eq(g.a20, 0);
	kcmd(&g, 0xd0);
	expect_byte(&g, 0xcd);
	kcmd(&g, 0xdf);
	ck_assert_int_eq(g.a20, 1);
	ck_assert_uint_eq(inb(&g.bus, 0x92), 0x02);
	/* port 0x92 and the output port share the gate */
	outb(&g.bus, 0x92, 0x00);
	ck_assert_int_eq(g.a20, 0);
	kcmd(&g, 0xd0);
	expect_byte(&g, 0xcd);
	outb(&g.bus, 0x92, 0x02);
	ck_assert_int_eq(g.a20, 1);
	ck_assert_uint_eq(inb(&g.bus, 0x92), 0x02);
	ck_assert_int_eq(g.a20_calls, 6);
	ck_assert_int_eq(g.resets, 0);
	/* D0 reports the interrupt pins too */
	kcmd(&g, 0xd0);
	expect_byte(&g, 0xcf);
	kcmd(&g, 0xd2);
	kdata(&g, 0x11); /* buffer full, IRQ 1 up */
	kcmd(&g, 0xd0);
	expect_byte(&g, 0x11);
	expect_byte(&g, 0xcf | I8042_OUT_KBD_OBF);
}
END_TEST

START_TEST(test_kbd_reset_lines)
{
	struct kbd_rig g;

	kbd_setup(&g);
	kcmd(&g, 0xfe);
	ck_assert_int_eq(g.resets, 1);
	kcmd(&g, 0xff); /* pulses nothing */
	kcmd(&g, 0xfd); /* pulses bit 1 only */
	ck_assert_int_eq(g.resets, 1);
	kcmd(&g, 0xf0);
	ck_assert_int_eq(g.resets, 2);
	kcmd(&g, 0xd1);
	kdata(&g, 0xce); /* reset line low */
	ck_assert_int_eq(g.resets, 3);

	/* port 0x92: rising edge of bit 0 only */
	outb(&g.bus, 0x92, 0x03);
	ck_assert_int_eq(g.resets, 4);
	outb(&g.bus, 0x92, 0x03);
	ck_assert_int_eq(g.resets, 4);
	ck_assert_uint_eq(inb(&g.bus, 0x92), 0x03);
	outb(&g.bus, 0x92, 0x02);
	outb(&g.bus, 0x92, 0x03);
	ck_assert_int_eq(g.resets, 5);
	/* the VM resets the machine: bit 0 is low again */
	i8042_reset(&g.k);
	ck_assert_uint_eq(inb(&g.bus, 0x92), 0x02);
	outb(&g.bus, 0x92, 0x03);
	ck_assert_int_eq(g.resets, 6);
}
END_TEST

/* ---- i8042: keyboard ---- */

START_TEST(test_kbd_device_commands)
{
	struct kbd_rig g;

	kbd_setup(&g);
	kdata(&g, 0xff);
	ck_assert_uint_eq(status(&g) & I8042_STR_CMD, 0);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xaa);
	expect_empty(&g);
	kdata(&g, 0xee);
	expect_byte(&g, 0xee);
	expect_empty(&g);
	/* identify: 0x83 reads as 0x41 through translation (on by default) */
	kdata(&g, 0xf2);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xab);
	expect_byte(&g, 0x41);
	kcmd(&g, 0x60);
	kdata(&g, 0x05); /* translation off */
	kdata(&g, 0xf2);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xab);
	expect_byte(&g, 0x83);
	/* scan code set: get, set 1, get */
	kdata(&g, 0xf0);
	expect_byte(&g, 0xfa);
	kdata(&g, 0x00);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0x02);
	kdata(&g, 0xf0);
	kdata(&g, 0x01);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xfa);
	kdata(&g, 0xf0);
	kdata(&g, 0x00);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0x01);
	kcmd(&g, 0x60);
	kdata(&g, 0x45);
	kdata(&g, 0xf0);
	kdata(&g, 0x00);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0x43); /* set 1, translated */
	/* LEDs, typematic: ACK the command and the parameter */
	kdata(&g, 0xed);
	expect_byte(&g, 0xfa);
	kdata(&g, 0x07);
	expect_byte(&g, 0xfa);
	ck_assert_uint_eq(g.k.kbd_leds, 7);
	kdata(&g, 0xf3);
	kdata(&g, 0x20);
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xfa);
	ck_assert_uint_eq(g.k.kbd_typematic, 0x20);
	kdata(&g, 0xf4);
	expect_byte(&g, 0xfa);
	/* unknown: resend */
	kdata(&g, 0x01);
	expect_byte(&g, 0xfe);
	expect_empty(&g);
}
END_TEST

START_TEST(test_kbd_irq1)
{
	static const uint8_t a[] = {0x1e, 0x9e};
	struct kbd_rig g;

	kbd_setup(&g);
	i8042_key_input(&g.k, a, 2);
	ck_assert_int_eq(g.irq1.level, 1);
	ck_assert_uint_eq(status(&g) & (I8042_STR_OBF | I8042_STR_AUXDATA), I8042_STR_OBF);
	ck_assert_uint_eq(inb(&g.bus, 0x60), 0x1e);
	/* the line fell and rose again for the second byte */
	ck_assert_int_eq(g.irq1.n, 3);
	ck_assert_int_eq(g.irq1.history[1], 0);
	ck_assert_int_eq(g.irq1.level, 1);
	ck_assert_uint_eq(inb(&g.bus, 0x60), 0x9e);
	ck_assert_int_eq(g.irq1.level, 0);
	expect_empty(&g);
	ck_assert_int_eq(g.irq12.n, 0);

	/* Interrupt disabled: OBF only; enabling it raises the line. */
	kcmd(&g, 0x60);
	kdata(&g, 0x44);
	i8042_key_input(&g.k, a, 1);
	ck_assert_uint_eq(status(&g) & I8042_STR_OBF, I8042_STR_OBF);
	ck_assert_int_eq(g.irq1.level, 0);
	kcmd(&g, 0x60);
	kdata(&g, 0x45);
	ck_assert_int_eq(g.irq1.level, 1);
	kcmd(&g, 0x60);
	kdata(&g, 0x44);
	ck_assert_int_eq(g.irq1.level, 0);
	expect_byte(&g, 0x1e);
}
END_TEST

START_TEST(test_kbd_key_queue)
{
	uint8_t keys[20];
	struct kbd_rig g;
	int i;

	kbd_setup(&g);
	for (i = 0; i < 20; i++)
		keys[i] = 0x10 + i;
	i8042_key_input(&g.k, keys, 20);
	ck_assert_uint_eq(g.k.keys_dropped, 4);
	/* A controller reply goes ahead of queued keys (not of the buffer). */
	kcmd(&g, 0x20);
	expect_byte(&g, 0x10);
	expect_byte(&g, 0x45);
	for (i = 1; i < 16; i++)
		expect_byte(&g, 0x10 + i);
	expect_empty(&g);

	/* keyboard interface disabled: keys wait; enabled: they arrive */
	kcmd(&g, 0xad);
	i8042_key_input(&g.k, keys, 1);
	expect_empty(&g);
	ck_assert_int_eq(g.irq1.level, 0);
	kcmd(&g, 0xae);
	ck_assert_int_eq(g.irq1.level, 1);
	expect_byte(&g, 0x10);

	/* scanning disabled (0xF5): keys are dropped; 0xF4 resumes */
	kdata(&g, 0xf5);
	expect_byte(&g, 0xfa);
	i8042_key_input(&g.k, keys, 3);
	expect_empty(&g);
	kdata(&g, 0xf4);
	expect_byte(&g, 0xfa);
	i8042_key_input(&g.k, keys + 5, 1);
	expect_byte(&g, 0x15);

	/* a keyboard reply goes ahead of pending keys; reset drops them */
	i8042_key_input(&g.k, keys, 3);
	kdata(&g, 0xee);
	expect_byte(&g, 0x10);
	expect_byte(&g, 0xee);
	kdata(&g, 0xff);
	expect_byte(&g, 0x11); /* already in the controller's buffer; 0x12 is lost */
	expect_byte(&g, 0xfa);
	expect_byte(&g, 0xaa);
	expect_empty(&g);
}
END_TEST

START_TEST(test_kbd_aux)
{
	struct kbd_rig g;

	kbd_setup(&g);
	kcmd(&g, 0x60);
	kdata(&g, 0x47); /* aux interrupt on */
	kcmd(&g, 0xd4);
	kdata(&g, 0xf2);
	ck_assert_uint_eq(status(&g) & (I8042_STR_OBF | I8042_STR_AUXDATA),
			  I8042_STR_OBF | I8042_STR_AUXDATA);
	ck_assert_int_eq(g.irq12.level, 1);
	ck_assert_int_eq(g.irq1.level, 0);
	expect_byte(&g, 0xfa);
	ck_assert_int_eq(g.irq12.level, 0);
	expect_empty(&g);
	/* loopback is aux data even with the aux port disabled (Linux checks) */
	kcmd(&g, 0xa7);
	kcmd(&g, 0xd3);
	kdata(&g, 0x5a);
	ck_assert_uint_eq(status(&g) & I8042_STR_AUXDATA, I8042_STR_AUXDATA);
	expect_byte(&g, 0x5a);
	/* device bytes wait while the port is disabled */
	kcmd(&g, 0xd4);
	kdata(&g, 0xff);
	expect_empty(&g);
	kcmd(&g, 0xa8);
	expect_byte(&g, 0xfa);
	ck_assert_int_eq(g.irq1.n, 0);
}
END_TEST

static Suite *rtc_kbd_suite(void)
{
	Suite *s = suite_create("rtc_kbd");
	TCase *rtc = tcase_create("rtc");
	TCase *kbd = tcase_create("i8042");

	tcase_add_test(rtc, test_rtc_reset_values);
	tcase_add_test(rtc, test_rtc_bcd_and_binary);
	tcase_add_test(rtc, test_rtc_12_hour);
	tcase_add_test(rtc, test_rtc_advances_and_rolls_over);
	tcase_add_test(rtc, test_rtc_guest_set_time_advances);
	tcase_add_test(rtc, test_rtc_set_freezes);
	tcase_add_test(rtc, test_rtc_uip_window);
	tcase_add_test(rtc, test_rtc_periodic_1024hz);
	tcase_add_test(rtc, test_rtc_flags_without_enable);
	tcase_add_test(rtc, test_rtc_update_interrupt);
	tcase_add_test(rtc, test_rtc_alarm);
	tcase_add_test(rtc, test_rtc_alarm_12_hour_binary);
	tcase_add_test(rtc, test_rtc_reset_pin);
	tcase_add_test(rtc, test_rtc_nmi_and_index);
	tcase_add_test(rtc, test_rtc_cmos_ram);
	tcase_add_test(kbd, test_kbd_status_and_self_test);
	tcase_add_test(kbd, test_kbd_command_byte);
	tcase_add_test(kbd, test_kbd_a20);
	tcase_add_test(kbd, test_kbd_reset_lines);
	tcase_add_test(kbd, test_kbd_device_commands);
	tcase_add_test(kbd, test_kbd_irq1);
	tcase_add_test(kbd, test_kbd_key_queue);
	tcase_add_test(kbd, test_kbd_aux);
	suite_add_tcase(s, rtc);
	suite_add_tcase(s, kbd);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rtc_kbd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
