/*
 * rtc_cmos.c - MC146818 real-time clock and CMOS RAM.
 *
 * Behaviour follows the MC146818A datasheet, with QEMU's
 * hw/rtc/mc146818rtc.c as the reference for the corner cases:
 *
 *  - Time: the host's wall clock is sampled once at init; after that the
 *    clock is a divider chain driven by the vclock (see struct rtc_cmos).
 *    A guest that sets the time moves only the seconds count, so its
 *    clock keeps advancing from the value it wrote and the sub-second
 *    phase is kept, as on the chip, where SET stops updates but not the
 *    divider.
 *  - Registers: while SET is clear the time registers are rebuilt from the
 *    clock on every read, in the current BCD/binary and 12/24-hour format.
 *    Setting SET freezes that snapshot; the guest edits it, and clearing
 *    SET loads it back into the clock. A time register written while SET
 *    is clear takes effect at once. Day of week is recomputed from the
 *    date whenever the time is loaded (QEMU does the same).
 *  - UIP (reg A bit 7) is set for the last 244 us before each update,
 *    computed from the divider time, so Linux's "wait for UIP clear, then
 *    read" loop sees consistent values.
 *  - Interrupts: PF, AF and UF in reg C are set by the events whether or
 *    not they are enabled; IRQF = PF.PIE | AF.AIE | UF.UIE and IRQ 8
 *    follows IRQF, so the line rises once (an edge for the PIC) and falls
 *    when the guest reads reg C. Flags are brought up to date lazily, on
 *    every register access and on rtc_update(), by counting which events
 *    fell between the last sync and now, so a guest that polls reg C with
 *    interrupts off sees the same flags as one that takes the IRQ.
 *  - Periodic rate select r (reg A bits 0-3) gives 32768 >> (r - 1) Hz on
 *    a grid of 32.768 kHz ticks; r = 0 is off and r = 1, 2 behave as 8, 9
 *    (the chip's 32.768 kHz-crystal quirk, as QEMU). Alarm fields with
 *    both top bits set (0xC0-0xFF) match any value.
 *  - Reg D reads 0x80 (VRT); reg C and D are read-only; reg A bit 7 is
 *    read-only. The DV bits of reg A are stored, but the divider always
 *    runs. Reading port 0x70 returns 0xff (the index is write-only).
 *  - The chip is byte-wide: wider accesses act on their first port only.
 */
#include <string.h>
#include <time.h>
#include "rtc_cmos.h"

#define NS_PER_S 1000000000ull
#define DIVIDER_HZ 32768 /* the periodic interrupt taps a 32.768 kHz chain */
#define UIP_NS 244000ull /* UIP leads the update by 244 us */
#define SECS_PER_DAY 86400

#define DONT_CARE 0xc0 /* alarm byte with both top bits set matches anything */
#define HOUR_PM 0x80   /* 12-hour mode: bit 7 of the hour byte */

/* Broken-down guest time, as the chip counts it. */
struct rtc_tm {
	int sec, min, hour; /* hour is 0-23 */
	int wday;	    /* 1-7, 1 = Sunday */
	int mday, mon;	    /* 1-31, 1-12 */
	int year;	    /* full year, e.g. 2024 */
};

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/*
 * Counting years from March 1 puts the leap day last, so a month's first
 * day is a linear function of its index; 400-year eras repeat exactly.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct rtc_tm *tm)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468; /* days from 0000-03-01 */
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = doy - (153 * mp + 2) / 5 + 1;
	tm->mon = mp < 10 ? mp + 3 : mp - 9;
	tm->year = yoe + era * 400 + (tm->mon <= 2);
}

static void tm_from_secs(int64_t t, struct rtc_tm *tm)
{
	int64_t days = floor_div(t, SECS_PER_DAY);
	int tod = floor_mod(t, SECS_PER_DAY);

	tm->hour = tod / 3600;
	tm->min = tod / 60 % 60;
	tm->sec = tod % 60;
	tm->wday = floor_mod(days + 4, 7) + 1; /* 1970-01-01 was a Thursday */
	civil_from_days(days, tm);
}

static int64_t secs_from_tm(const struct rtc_tm *tm)
{
	return days_from_civil(tm->year, tm->mon, tm->mday) * SECS_PER_DAY + tm->hour * 3600 +
	       tm->min * 60 + tm->sec;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- register formats ---- */

static int binary_mode(const struct rtc_cmos *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_DM;
}

static uint8_t to_reg(const struct rtc_cmos *r, int v)
{
	return binary_mode(r) ? v : (v / 10) << 4 | v % 10;
}

/* Invalid BCD digits are not rejected: the chip would count them too. */
static int from_reg(const struct rtc_cmos *r, uint8_t b)
{
	return binary_mode(r) ? b : (b >> 4) * 10 + (b & 0x0f);
}

static uint8_t hour_to_reg(const struct rtc_cmos *r, int hour)
{
	int h12 = hour % 12 ? hour % 12 : 12;

	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return to_reg(r, hour);
	return to_reg(r, h12) | (hour >= 12 ? HOUR_PM : 0);
}

static int hour_from_reg(const struct rtc_cmos *r, uint8_t b)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return from_reg(r, b);
	/* 12 AM is midnight and 12 PM is noon. */
	return from_reg(r, b & ~HOUR_PM) % 12 + (b & HOUR_PM ? 12 : 0);
}

/* ---- the clock ---- */

static uint64_t divider_ns(const struct rtc_cmos *r)
{
	uint64_t now = vclock_now(r->clk);

	/* A clock that stepped back must not undo events already counted. */
	if (now < r->origin_ns || now - r->origin_ns < r->synced_ns)
		return r->synced_ns;
	return now - r->origin_ns;
}

static int64_t guest_secs(const struct rtc_cmos *r, uint64_t d)
{
	return r->base_s + (int64_t)(d / NS_PER_S);
}

static int updates_frozen(const struct rtc_cmos *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_SET;
}

/* Snapshot the clock into the time registers, in the current format. */
static void rtc_latch(struct rtc_cmos *r)
{
	struct rtc_tm tm;

	tm_from_secs(guest_secs(r, divider_ns(r)), &tm);
	r->cmos[RTC_SECONDS] = to_reg(r, tm.sec);
	r->cmos[RTC_MINUTES] = to_reg(r, tm.min);
	r->cmos[RTC_HOURS] = hour_to_reg(r, tm.hour);
	r->cmos[RTC_DAY_OF_WEEK] = to_reg(r, tm.wday);
	r->cmos[RTC_DAY_OF_MONTH] = to_reg(r, tm.mday);
	r->cmos[RTC_MONTH] = to_reg(r, tm.mon);
	r->cmos[RTC_YEAR] = to_reg(r, tm.year % 100);
	r->cmos[RTC_CENTURY] = to_reg(r, tm.year / 100);
}

/*
 * Load the time registers into the clock. Out-of-range fields are clamped
 * rather than trusted, so a garbage write cannot produce a wild date; the
 * seconds count restarts from the written value in the current second.
 */
static void rtc_commit(struct rtc_cmos *r)
{
	struct rtc_tm tm;

	tm.sec = clamp(from_reg(r, r->cmos[RTC_SECONDS]), 0, 59);
	tm.min = clamp(from_reg(r, r->cmos[RTC_MINUTES]), 0, 59);
	tm.hour = clamp(hour_from_reg(r, r->cmos[RTC_HOURS]), 0, 23);
	tm.mday = clamp(from_reg(r, r->cmos[RTC_DAY_OF_MONTH]), 1, 31);
	tm.mon = clamp(from_reg(r, r->cmos[RTC_MONTH]), 1, 12);
	tm.year = clamp(from_reg(r, r->cmos[RTC_CENTURY]), 0, 99) * 100 +
		  clamp(from_reg(r, r->cmos[RTC_YEAR]), 0, 99);
	r->base_s = secs_from_tm(&tm) - (int64_t)(divider_ns(r) / NS_PER_S);
}

static int is_time_reg(int idx)
{
	switch (idx) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_WEEK:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY: return 1;
	default: return 0;
	}
}

/* ---- events: periodic, alarm, update ---- */

/* Periodic interrupt period in 32.768 kHz ticks, 0 when off. */
static uint32_t periodic_ticks(const struct rtc_cmos *r)
{
	int rate = r->cmos[RTC_REG_A] & RTC_A_RATE;

	if (rate == 0)
		return 0;
	if (rate <= 2)
		rate += 7;
	return 1u << (rate - 1);
}

/* Divider ticks elapsed by d; split by seconds so d * 32768 cannot overflow. */
static uint64_t ticks_at(uint64_t d)
{
	return d / NS_PER_S * DIVIDER_HZ + d % NS_PER_S * DIVIDER_HZ / NS_PER_S;
}

/* The first divider time at which tick t has been reached. */
static uint64_t tick_time(uint64_t t)
{
	uint64_t rem = t % DIVIDER_HZ;

	return t / DIVIDER_HZ * NS_PER_S + (rem * NS_PER_S + DIVIDER_HZ - 1) / DIVIDER_HZ;
}

static int alarm_field_match(uint8_t alarm, uint8_t now)
{
	return (alarm & DONT_CARE) == DONT_CARE || alarm == now;
}

/*
 * Seconds from guest time t to the next later second whose time registers
 * match the alarm, or -1 if none ever does. The chip compares register
 * bytes, so the comparison is done in the current format. Whole hours and
 * minutes that cannot match are skipped, which bounds the search to a few
 * hundred steps over one day (the alarm has no date fields).
 */
static int64_t alarm_wait(const struct rtc_cmos *r, int64_t t)
{
	int tod = floor_mod(t, SECS_PER_DAY);
	int64_t s;

	for (s = tod + 1; s <= tod + SECS_PER_DAY;) {
		int x = s % SECS_PER_DAY;

		if (!alarm_field_match(r->cmos[RTC_HOURS_ALARM], hour_to_reg(r, x / 3600)))
			s = (s / 3600 + 1) * 3600;
		else if (!alarm_field_match(r->cmos[RTC_MINUTES_ALARM], to_reg(r, x / 60 % 60)))
			s = (s / 60 + 1) * 60;
		else if (!alarm_field_match(r->cmos[RTC_SECONDS_ALARM], to_reg(r, x % 60)))
			s++;
		else
			return s - tod;
	}
	return -1;
}

/* Divider time of the first periodic tick after d, or VCLOCK_NEVER. */
static uint64_t next_periodic(const struct rtc_cmos *r, uint64_t d)
{
	uint64_t period = periodic_ticks(r);

	if (!period)
		return VCLOCK_NEVER;
	return tick_time((ticks_at(d) / period + 1) * period);
}

static uint64_t next_update(uint64_t d)
{
	return (d / NS_PER_S + 1) * NS_PER_S;
}

static uint64_t next_alarm(const struct rtc_cmos *r, uint64_t d)
{
	int64_t w = alarm_wait(r, guest_secs(r, d));

	if (w < 0)
		return VCLOCK_NEVER;
	return (d / NS_PER_S + w) * NS_PER_S;
}

/* IRQF and the line follow the flags and their enables. */
static void rtc_update_irq(struct rtc_cmos *r)
{
	uint8_t pending =
	    r->cmos[RTC_REG_C] & r->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	int level = pending != 0;

	if (level)
		r->cmos[RTC_REG_C] |= RTC_C_IRQF;
	else
		r->cmos[RTC_REG_C] &= ~RTC_C_IRQF;
	if (level != r->irq_level) {
		r->irq_level = level;
		irq_set(&r->irq, level);
	}
}

/*
 * Set the flags of every event in (synced_ns, now]. With SET on there are
 * no updates, hence no update or alarm events; the divider, and so the
 * periodic interrupt, keeps running.
 */
static void rtc_sync(struct rtc_cmos *r)
{
	uint64_t d = divider_ns(r);
	uint64_t from = r->synced_ns;
	uint8_t flags = 0;

	if (d <= from)
		return;
	if (next_periodic(r, from) <= d)
		flags |= RTC_C_PF;
	if (!updates_frozen(r) && next_update(from) <= d) {
		flags |= RTC_C_UF;
		if (next_alarm(r, from) <= d)
			flags |= RTC_C_AF;
	}
	r->synced_ns = d;
	r->cmos[RTC_REG_C] |= flags;
	rtc_update_irq(r);
}

/* ---- registers ---- */

static uint8_t rtc_read_reg_a(struct rtc_cmos *r)
{
	uint8_t val = r->cmos[RTC_REG_A] & ~RTC_A_UIP;

	if (!updates_frozen(r) && divider_ns(r) % NS_PER_S >= NS_PER_S - UIP_NS)
		val |= RTC_A_UIP;
	return val;
}

static uint8_t rtc_read_reg_c(struct rtc_cmos *r)
{
	uint8_t val = r->cmos[RTC_REG_C];

	r->cmos[RTC_REG_C] = 0;
	rtc_update_irq(r);
	return val;
}

static uint8_t cmos_read(struct rtc_cmos *r, int idx)
{
	rtc_sync(r);
	if (is_time_reg(idx) && !updates_frozen(r))
		rtc_latch(r);
	switch (idx) {
	case RTC_REG_A: return rtc_read_reg_a(r);
	case RTC_REG_C: return rtc_read_reg_c(r);
	case RTC_REG_D: return RTC_D_VRT;
	default: return r->cmos[idx];
	}
}

static void rtc_write_reg_b(struct rtc_cmos *r, uint8_t val)
{
	int was_set = updates_frozen(r);

	/* Setting SET also clears UIE (datasheet). */
	if (val & RTC_B_SET)
		val &= ~RTC_B_UIE;
	r->cmos[RTC_REG_B] = val;
	/* Snapshot/reload in the format just written: a guest switching
	 * modes sets SET and the new format in one write, then rewrites. */
	if (!was_set && (val & RTC_B_SET))
		rtc_latch(r);
	else if (was_set && !(val & RTC_B_SET))
		rtc_commit(r);
	/* An event that is already flagged interrupts as soon as enabled. */
	rtc_update_irq(r);
}

static void rtc_write_time_reg(struct rtc_cmos *r, int idx, uint8_t val)
{
	if (updates_frozen(r)) {
		r->cmos[idx] = val;
		return;
	}
	/* Running: change one field of the current time and keep counting. */
	rtc_latch(r);
	r->cmos[idx] = val;
	rtc_commit(r);
}

static void cmos_write(struct rtc_cmos *r, int idx, uint8_t val)
{
	rtc_sync(r);
	if (is_time_reg(idx)) {
		rtc_write_time_reg(r, idx, val);
		return;
	}
	switch (idx) {
	case RTC_REG_A:
		/* A rate change takes effect on the fixed tick grid, from now. */
		r->cmos[RTC_REG_A] = val & ~RTC_A_UIP;
		break;
	case RTC_REG_B: rtc_write_reg_b(r, val); break;
	case RTC_REG_C:
	case RTC_REG_D: break; /* read-only */
	default: r->cmos[idx] = val; break;
	}
}

static uint32_t rtc_io_read(void *opaque, uint16_t port, int size)
{
	struct rtc_cmos *r = opaque;

	if ((port & 1) == 0)
		return 0xff; /* the index register is write-only */
	return cmos_read(r, r->index);
}

static void rtc_io_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct rtc_cmos *r = opaque;

	if ((port & 1) == 0) {
		r->index = val & 0x7f;
		r->nmi_masked = (val >> 7) & 1;
		return;
	}
	cmos_write(r, r->index, val & 0xff);
}

/* ---- API ---- */

void rtc_set_cmos(struct rtc_cmos *r, int index, uint8_t val)
{
	cmos_write(r, index & 0x7f, val);
}

uint64_t rtc_next_deadline(struct rtc_cmos *r)
{
	uint8_t b = r->cmos[RTC_REG_B];
	uint64_t d = r->synced_ns;
	uint64_t next = VCLOCK_NEVER;
	uint64_t t;

	/* IRQ 8 stays up until reg C is read: nothing new can interrupt. */
	if (r->irq_level)
		return VCLOCK_NEVER;
	if (b & RTC_B_PIE)
		next = next_periodic(r, d);
	if (!(b & RTC_B_SET)) {
		if ((b & RTC_B_UIE) && (t = next_update(d)) < next)
			next = t;
		if ((b & RTC_B_AIE) && (t = next_alarm(r, d)) < next)
			next = t;
	}
	return next == VCLOCK_NEVER ? next : r->origin_ns + next;
}

void rtc_update(struct rtc_cmos *r)
{
	rtc_sync(r);
}

void rtc_reset(struct rtc_cmos *r)
{
	rtc_sync(r);
	r->cmos[RTC_REG_B] &= ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
	r->cmos[RTC_REG_C] = 0;
	rtc_update_irq(r);
}

static int64_t host_time(void *opaque)
{
	return time(NULL);
}

int rtc_init(struct rtc_cmos *r, struct io_bus *bus, struct irq_line irq8, const struct vclock *clk,
	     int64_t (*host_epoch_s)(void *), void *opaque)
{
	if (!clk)
		return -1;
	memset(r, 0, sizeof(*r));
	r->clk = clk;
	r->irq = irq8;
	r->origin_ns = vclock_now(clk);
	r->base_s = host_epoch_s ? host_epoch_s(opaque) : host_time(NULL);
	r->cmos[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_D] = RTC_D_VRT;
	rtc_latch(r);
	return iobus_register(bus, 0x70, 2, rtc_io_read, rtc_io_write, r, "rtc");
}
