/*
 * rtc_cmos.h - MC146818 real-time clock and 128 bytes of CMOS RAM at ports
 * 0x70 (index, bit 7 = NMI disable) and 0x71 (data), raising IRQ 8.
 */
#ifndef BTVMM_RTC_CMOS_H
#define BTVMM_RTC_CMOS_H

#include <stdint.h>
#include "iobus.h"
#include "irq.h"
#include "vclock.h"

/* CMOS indexes of the clock's registers. */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06 /* 1 = Sunday */
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

/* Register A */
#define RTC_A_UIP 0x80	/* update in progress (read-only) */
#define RTC_A_DV 0x70	/* divider select: stored, the divider always runs */
#define RTC_A_RATE 0x0f /* periodic rate select */
/* Register B */
#define RTC_B_SET 0x80	/* freeze updates so the guest can set the time */
#define RTC_B_PIE 0x40	/* periodic interrupt enable */
#define RTC_B_AIE 0x20	/* alarm interrupt enable */
#define RTC_B_UIE 0x10	/* update-ended interrupt enable */
#define RTC_B_SQWE 0x08 /* square-wave output: stored, there is no pin */
#define RTC_B_DM 0x04	/* data mode: 1 binary, 0 BCD */
#define RTC_B_24H 0x02	/* 1: 24-hour mode; 0: 12-hour with bit 7 of the hour = PM */
/* Register C (read-only; a read clears it) */
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
/* Register D */
#define RTC_D_VRT 0x80 /* valid RAM and time: the battery is fine */

struct rtc_cmos {
	/* Raw CMOS bytes. The time registers (0x00, 0x02, 0x04, 0x06-0x09 and
	 * 0x32) hold a snapshot of the clock, refreshed before every read
	 * unless SET freezes it. */
	uint8_t cmos[128];
	uint8_t index;	    /* last index written to port 0x70 (bits 0-6) */
	uint8_t nmi_masked; /* bit 7 of the last index write: NMI disabled */
	int irq_level;	    /* level IRQ 8 is driven to (follows IRQF) */
	const struct vclock *clk;
	struct irq_line irq;
	/*
	 * The divider chain: time "d" is clk - origin_ns, and every multiple
	 * of 1e9 is a seconds update. The guest's wall clock at d is
	 * base_s + d / 1e9, so setting the time only moves base_s and the
	 * sub-second phase (and the periodic interrupt grid) is untouched.
	 */
	uint64_t origin_ns;
	int64_t base_s;
	uint64_t synced_ns; /* divider time up to which register C is current */
};

/*
 * Registers ports 0x70-0x71. host_epoch_s (wall-clock seconds since 1970
 * UTC; NULL means time()) is sampled once, here: from then on the clock
 * advances with clk. Starts in BCD, 24-hour mode, reg A = 0x26.
 */
int rtc_init(struct rtc_cmos *r, struct io_bus *bus, struct irq_line irq8, const struct vclock *clk,
	     int64_t (*host_epoch_s)(void *), void *opaque);
/* Store a CMOS byte (memory sizes, boot order, ...): same as a guest write. */
void rtc_set_cmos(struct rtc_cmos *r, int index, uint8_t val);
/* vclock time of the next enabled periodic/alarm/update interrupt, or
 * VCLOCK_NEVER. May be in the past: then rtc_update() is due. */
uint64_t rtc_next_deadline(struct rtc_cmos *r);
/* Bring register C up to the clock and raise IRQ 8 for events now due. */
void rtc_update(struct rtc_cmos *r);
/* The chip's RESET pin (system reset): clears the interrupt enables and
 * flags; the time and the CMOS RAM survive. */
void rtc_reset(struct rtc_cmos *r);

#endif
