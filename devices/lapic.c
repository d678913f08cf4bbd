/*
 * lapic.c - the local APIC of the one virtual CPU, in xAPIC mode.
 *
 * Follows the Intel SDM vol. 3 ch. 10 as QEMU (hw/intc/apic.c) and Bochs
 * (cpu/apic.cc) implement it, reduced to what a uniprocessor needs:
 *
 *  - Registers live in a 4 KiB page at 0xFEE00000 and are 32 bits wide at
 *    16-byte aligned offsets. Any other size or offset reads 0 and ignores
 *    writes; an aligned offset holding no register does the same and logs
 *    "illegal register address" in the ESR. The page never moves: a new
 *    base written to IA32_APIC_BASE is only recorded.
 *  - Interrupts: an accepted fixed interrupt sets its IRR bit (and its TMR
 *    bit when level-triggered). The CPU polls lapic_pending_vector(), which
 *    offers the highest IRR vector whose priority class (vector >> 4) beats
 *    PPR's, and takes it with lapic_intack(). An EOI write retires the
 *    highest ISR vector and, if its TMR bit is set, tells the IOAPIC.
 *  - Only one CPU exists, so the ICR can only interrupt ourselves: fixed or
 *    lowest-priority IPIs whose destination includes us (self or all-
 *    including-self shorthand, our physical ID, broadcast, matching logical
 *    destination). INIT, SIPI, NMI, SMI and ExtINT IPIs are dropped. The
 *    delivery status bit always reads 0: a send completes at once.
 *  - Software disable (SVR bit 8 clear) masks every LVT entry and keeps it
 *    masked; interrupts still land in IRR but are held until re-enabled, as
 *    in QEMU. Global disable (IA32_APIC_BASE bit 11 clear) resets the APIC
 *    to its power-up state except the ID; it then accepts nothing and its
 *    page reads as an empty bus would (all ones).
 *  - LINT0/LINT1 have no pins here. The 8259 reaches the CPU by its own
 *    path, which asks lapic_accept_pic_intr() whether LINT0 would pass its
 *    INTR (virtual wire mode: LINT0 programmed ExtINT, or the APIC globally
 *    disabled); LINT1's NMI is not modelled. Thermal and performance LVTs
 *    never fire.
 *
 * The timer counts at a 1 GHz bus clock divided by 1..128, so one count is
 * exactly 2^shift ns of the vclock and every expiry is an exact ns time.
 * The count is not stored but computed from when it was last loaded
 * (timer_base at timer_start), so reading the current count needs no tick.
 * A periodic timer reloads the initial count each time it reaches zero.
 * Expiries are "settled" by lapic_update() and also just before anything
 * that changes how an expiry is handled (LVT, SVR, divide, initial count,
 * TSC deadline), so an expiry that passed under the old settings is handled
 * under them: one that expired while masked is lost, as on hardware. That is
 * what lets lapic_next_deadline() report VCLOCK_NEVER while the timer is
 * masked. Missed periods coalesce into one interrupt (IRR is one bit).
 * TSC-deadline mode compares read_tsc() with IA32_TSC_DEADLINE and converts
 * the distance to ns with tsc_hz, rounding up so we are never woken early.
 */
#include <stddef.h>
#include <string.h>
#include "lapic.h"

/* register offsets */
#define APIC_ID 0x020
#define APIC_VERSION 0x030
#define APIC_TPR 0x080
#define APIC_APR 0x090
#define APIC_PPR 0x0a0
#define APIC_EOI 0x0b0
#define APIC_LDR 0x0d0
#define APIC_DFR 0x0e0
#define APIC_SVR 0x0f0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0

/* version 0x14 (integrated xAPIC), max LVT entry index 5: six entries */
#define APIC_VERSION_VALUE (0x14u | ((LAPIC_NLVT - 1u) << 16))

#define SVR_ENABLE (1u << 8)
#define SVR_MASK 0x3ffu /* vector, enable, focus check (no EOI suppression) */

/* LVT indexes: (offset - 0x320) / 16 */
#define LVT_TIMER 0
#define LVT_THERMAL 1
#define LVT_PERF 2
#define LVT_LINT0 3
#define LVT_LINT1 4
#define LVT_ERROR 5

#define LVT_DM_NMI 4
#define LVT_DM_EXTINT 7
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE_SHIFT 17
#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC_DEADLINE 2 /* 3 is reserved: kept as written, acts as one-shot */

#define ICR_LO_MASK 0x000ccfffu /* read-only delivery status (bit 12) left out */
#define ICR_HI_MASK 0xff000000u
#define ICR_LOGICAL (1u << 11)
#define ICR_DM_FIXED 0
#define ICR_DM_LOWEST 1
#define ICR_SH_NONE 0
#define ICR_SH_SELF 1
#define ICR_SH_ALL 2 /* 3: all excluding self, i.e. nobody */

#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

#define DFR_FLAT 0xfu /* DFR[31:28]; 0 is the cluster model */

#define NS_PER_SEC 1000000000ull

/* ---- 256-bit vector sets (IRR, ISR, TMR) ---- */

static void vec_set(uint32_t *r, int v)
{
	r[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *r, int v)
{
	r[v >> 5] &= ~(1u << (v & 31));
}

static bool vec_test(const uint32_t *r, int v)
{
	return r[v >> 5] & (1u << (v & 31));
}

/* Highest vector in the set, or -1. */
static int vec_highest(const uint32_t *r)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

/* ---- priorities ---- */

static bool globally_enabled(const struct lapic *a)
{
	return a->base_msr & LAPIC_MSR_ENABLE;
}

static bool sw_enabled(const struct lapic *a)
{
	return a->svr & SVR_ENABLE;
}

bool lapic_enabled(const struct lapic *a)
{
	return globally_enabled(a) && sw_enabled(a);
}

/* PPR: TPR, unless the class of the highest in-service vector is higher. */
static uint32_t lapic_ppr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr);

	if (isrv < 0 || (a->tpr & 0xf0) >= ((uint32_t)isrv & 0xf0))
		return a->tpr;
	return isrv & 0xf0;
}

/* APR per the SDM's arbitration formula; meaningful only on a shared bus,
 * but guests may read it. */
static uint32_t lapic_apr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr), irrv = vec_highest(a->irr);
	uint32_t tprc = a->tpr >> 4, isrc = isrv < 0 ? 0 : isrv >> 4,
		 irrc = irrv < 0 ? 0 : irrv >> 4;
	uint32_t c;

	if (tprc >= irrc && tprc > isrc)
		return a->tpr;
	c = tprc & isrc;
	return (c > irrc ? c : irrc) << 4;
}

/* ---- interrupt acceptance and delivery to the CPU ---- */

/* Log an error; the error LVT (if unmasked and legal) reports it. Its vector
 * is checked here because an illegal one would log another error forever. */
static void lapic_error(struct lapic *a, uint32_t bit)
{
	uint32_t lvt = a->lvt[LVT_ERROR];

	a->esr_pending |= bit;
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
		lapic_set_irq(a, lvt & 0xff, false);
}

void lapic_set_irq(struct lapic *a, int vector, bool level)
{
	if (!globally_enabled(a) || vector < 0 || vector > 255)
		return;
	if (vector < 16) {
		lapic_error(a, ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	vec_set(a->irr, vector);
	if (level)
		vec_set(a->tmr, vector);
	else
		vec_clear(a->tmr, vector);
}

int lapic_pending_vector(const struct lapic *a)
{
	int v;

	if (!lapic_enabled(a))
		return -1;
	v = vec_highest(a->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(a) & 0xf0))
		return -1;
	return v;
}

int lapic_intack(struct lapic *a)
{
	int v = lapic_pending_vector(a);

	/* TPR may have risen between the CPU seeing INTR and acknowledging. */
	if (v < 0)
		return a->svr & 0xff;
	vec_clear(a->irr, v);
	vec_set(a->isr, v);
	return v;
}

static void lapic_write_eoi(struct lapic *a)
{
	int v = vec_highest(a->isr);

	if (v < 0)
		return;
	vec_clear(a->isr, v);
	/* Level-triggered: the IOAPIC holds Remote IRR until it hears this. */
	if (vec_test(a->tmr, v) && a->eoi)
		a->eoi(a->eoi_opaque, v);
}

void lapic_set_eoi_callback(struct lapic *a, void (*eoi)(void *opaque, int vector), void *opaque)
{
	a->eoi = eoi;
	a->eoi_opaque = opaque;
}

bool lapic_accept_pic_intr(const struct lapic *a)
{
	uint32_t lint0 = a->lvt[LVT_LINT0];

	if (!globally_enabled(a))
		return true;
	return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == LVT_DM_EXTINT;
}

/* ---- destinations and IPIs ---- */

static bool match_logical(const struct lapic *a, uint8_t dest)
{
	uint8_t ldr = a->ldr >> 24;

	if (a->dfr >> 28 == DFR_FLAT)
		return dest & ldr;
	/* cluster model: high nibble selects the cluster, low nibble members */
	if (dest == 0xff)
		return true;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0x0f);
}

bool lapic_accepts(const struct lapic *a, uint8_t dest, bool logical)
{
	if (!globally_enabled(a))
		return false;
	if (logical)
		return match_logical(a, dest);
	return dest == 0xff || dest == a->id >> 24;
}

/* Send the IPI just written to ICR low. */
static void lapic_send_ipi(struct lapic *a)
{
	uint32_t lo = a->icr_lo;
	int vector = lo & 0xff, mode = (lo >> 8) & 7;
	bool to_self;

	switch ((lo >> 18) & 3) {
	case ICR_SH_NONE: to_self = lapic_accepts(a, a->icr_hi >> 24, lo & ICR_LOGICAL); break;
	case ICR_SH_SELF:
	case ICR_SH_ALL: to_self = true; break;
	default: to_self = false; break; /* all but self: there is nobody else */
	}
	/* INIT/SIPI/NMI/SMI would go to other CPUs, of which there are none. */
	if (mode != ICR_DM_FIXED && mode != ICR_DM_LOWEST)
		return;
	if (vector < 16) {
		lapic_error(a, ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	/* IPIs are edge-triggered: ICR bit 15 only qualifies INIT deassert. */
	if (to_self)
		lapic_set_irq(a, vector, false);
}

/* ---- timer ---- */

static uint64_t lapic_now(const struct lapic *a)
{
	return vclock_now(a->clk);
}

static int timer_mode(const struct lapic *a)
{
	return (a->lvt[LVT_TIMER] >> LVT_TIMER_MODE_SHIFT) & 3;
}

static bool tsc_deadline_mode(const struct lapic *a)
{
	return timer_mode(a) == TIMER_TSC_DEADLINE;
}

static bool tsc_available(const struct lapic *a)
{
	return a->read_tsc && a->tsc_hz;
}

/* Divide configuration bits 3,1,0: 111 divides by 1, n by 2^(n+1). */
static unsigned timer_shift(const struct lapic *a)
{
	unsigned n = (a->divide & 3) | ((a->divide >> 1) & 4);

	return (n + 1) & 7;
}

/* The current-count register at time now. */
static uint32_t timer_count(const struct lapic *a, uint64_t now)
{
	uint64_t ticks;

	if (!a->timer_armed || tsc_deadline_mode(a))
		return 0;
	ticks = (now - a->timer_start) >> timer_shift(a);
	if (ticks < a->timer_base)
		return a->timer_base - ticks;
	if (timer_mode(a) != TIMER_PERIODIC || !a->timer_initial)
		return 0;
	return a->timer_initial - (ticks - a->timer_base) % a->timer_initial;
}

/* Start counting down from count at now. */
static void timer_load(struct lapic *a, uint32_t count, uint64_t now)
{
	a->timer_base = count;
	a->timer_start = now;
	a->timer_armed = count != 0;
	a->timer_next = now + ((uint64_t)count << timer_shift(a));
}

/* Restart from the current count, keeping the count where it is. */
static void timer_rebase(struct lapic *a, uint64_t now)
{
	if (a->timer_armed)
		timer_load(a, timer_count(a, now), now);
}

static void timer_disarm(struct lapic *a)
{
	a->timer_initial = 0;
	a->timer_armed = false;
	a->tsc_deadline = 0;
}

static void timer_fire(struct lapic *a)
{
	uint32_t lvt = a->lvt[LVT_TIMER];

	if (!(lvt & LVT_MASKED))
		lapic_set_irq(a, lvt & 0xff, false);
}

/* Deliver (or, when masked, drop) every expiry up to now. */
static void timer_settle(struct lapic *a, uint64_t now)
{
	uint64_t period;

	if (tsc_deadline_mode(a)) {
		if (a->tsc_deadline && tsc_available(a) &&
		    a->read_tsc(a->tsc_opaque) >= a->tsc_deadline) {
			a->tsc_deadline = 0; /* one interrupt per MSR write */
			timer_fire(a);
		}
		return;
	}
	if (!a->timer_armed || now < a->timer_next)
		return;
	timer_fire(a);
	period = (uint64_t)a->timer_initial << timer_shift(a);
	if (timer_mode(a) != TIMER_PERIODIC || !period) {
		a->timer_armed = false;
		return;
	}
	/* Skip the periods we slept through: they coalesce into this one. */
	a->timer_next += ((now - a->timer_next) / period + 1) * period;
}

/* ns until the TSC reaches the deadline, rounded up. */
static uint64_t tsc_deadline_ns(const struct lapic *a, uint64_t now)
{
	uint64_t tsc = a->read_tsc(a->tsc_opaque);
	unsigned __int128 ns;

	if (tsc >= a->tsc_deadline)
		return now;
	ns = ((unsigned __int128)(a->tsc_deadline - tsc) * NS_PER_SEC + a->tsc_hz - 1) / a->tsc_hz;
	if (ns >= VCLOCK_NEVER - now)
		return VCLOCK_NEVER - 1;
	return now + (uint64_t)ns;
}

uint64_t lapic_next_deadline(struct lapic *a)
{
	/* A masked expiry does nothing; it is settled when the LVT changes. */
	if (a->lvt[LVT_TIMER] & LVT_MASKED)
		return VCLOCK_NEVER;
	if (tsc_deadline_mode(a)) {
		if (!a->tsc_deadline || !tsc_available(a))
			return VCLOCK_NEVER;
		return tsc_deadline_ns(a, lapic_now(a));
	}
	return a->timer_armed ? a->timer_next : VCLOCK_NEVER;
}

void lapic_update(struct lapic *a)
{
	timer_settle(a, lapic_now(a));
}

uint64_t lapic_tsc_deadline(struct lapic *a)
{
	if (!tsc_deadline_mode(a))
		return 0;
	timer_settle(a, lapic_now(a)); /* a deadline that passed reads 0 */
	return a->tsc_deadline;
}

void lapic_set_tsc_deadline(struct lapic *a, uint64_t tsc)
{
	uint64_t now = lapic_now(a);

	if (!tsc_deadline_mode(a))
		return;
	timer_settle(a, now);
	a->tsc_deadline = tsc;
	timer_settle(a, now); /* a deadline already past fires at once */
}

static void lapic_write_initial_count(struct lapic *a, uint32_t val)
{
	uint64_t now = lapic_now(a);

	if (tsc_deadline_mode(a))
		return; /* ignored in TSC-deadline mode */
	timer_settle(a, now);
	a->timer_initial = val;
	timer_load(a, val, now);
}

static void lapic_write_divide(struct lapic *a, uint32_t val)
{
	uint64_t now = lapic_now(a);
	uint32_t count;

	timer_settle(a, now);
	count = timer_count(a, now);
	a->divide = val & 0xb;
	/* Go on from the current count at the new rate. */
	if (a->timer_armed)
		timer_load(a, count, now);
}

/* ---- register writes with side effects ---- */

static const uint32_t lvt_writable[LAPIC_NLVT] = {
    [LVT_TIMER] = 0x000700ff,	/* vector, mask, mode */
    [LVT_THERMAL] = 0x000107ff, /* vector, delivery mode, mask */
    [LVT_PERF] = 0x000107ff,
    [LVT_LINT0] = 0x0001a7ff, /* + polarity, trigger mode (not remote IRR) */
    [LVT_LINT1] = 0x0001a7ff,
    [LVT_ERROR] = 0x000100ff,
};

static void lapic_write_lvt_timer(struct lapic *a, uint32_t val)
{
	uint64_t now = lapic_now(a);
	int old_mode = timer_mode(a), new_mode = (val >> LVT_TIMER_MODE_SHIFT) & 3;

	timer_settle(a, now); /* under the old mask and mode */
	/* One-shot <-> periodic: the count goes on, but timer_count()'s
	 * formula depends on the mode, so restart it from where it is. */
	if (new_mode != old_mode)
		timer_rebase(a, now);
	a->lvt[LVT_TIMER] = val;
	/* Switching into or out of TSC-deadline mode disarms the timer. */
	if ((old_mode == TIMER_TSC_DEADLINE) != (new_mode == TIMER_TSC_DEADLINE))
		timer_disarm(a);
}

static void lapic_write_lvt(struct lapic *a, int i, uint32_t val)
{
	val &= lvt_writable[i];
	if (!sw_enabled(a))
		val |= LVT_MASKED; /* cannot unmask while software-disabled */
	if (i == LVT_TIMER)
		lapic_write_lvt_timer(a, val);
	else
		a->lvt[i] = val;
}

static void lapic_write_svr(struct lapic *a, uint32_t val)
{
	int i;

	timer_settle(a, lapic_now(a));
	a->svr = val & SVR_MASK;
	if (sw_enabled(a))
		return;
	for (i = 0; i < LAPIC_NLVT; i++)
		a->lvt[i] |= LVT_MASKED;
}

/* Any write latches the errors seen since the previous one. */
static void lapic_write_esr(struct lapic *a)
{
	a->esr = a->esr_pending;
	a->esr_pending = 0;
}

static void lapic_write_icr_lo(struct lapic *a, uint32_t val)
{
	a->icr_lo = val & ICR_LO_MASK;
	lapic_send_ipi(a);
}

/* ---- register file ---- */

static bool is_lvt(uint32_t off)
{
	return off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR;
}

/* ISR, TMR, IRR: eight registers each, 16 bytes apart. */
static bool in_vec_regs(uint32_t off, uint32_t base)
{
	return off >= base && off < base + 0x80;
}

/* Returns false for an offset that holds no register. */
static bool lapic_read_reg(struct lapic *a, uint32_t off, uint32_t *val)
{
	if (in_vec_regs(off, APIC_ISR))
		*val = a->isr[(off - APIC_ISR) >> 4];
	else if (in_vec_regs(off, APIC_TMR))
		*val = a->tmr[(off - APIC_TMR) >> 4];
	else if (in_vec_regs(off, APIC_IRR))
		*val = a->irr[(off - APIC_IRR) >> 4];
	else if (is_lvt(off))
		*val = a->lvt[(off - APIC_LVT_TIMER) >> 4];
	else
		switch (off) {
		case APIC_ID: *val = a->id; break;
		case APIC_VERSION: *val = APIC_VERSION_VALUE; break;
		case APIC_TPR: *val = a->tpr; break;
		case APIC_APR: *val = lapic_apr(a); break;
		case APIC_PPR: *val = lapic_ppr(a); break;
		case APIC_EOI: *val = 0; break; /* write-only */
		case APIC_LDR: *val = a->ldr; break;
		case APIC_DFR: *val = a->dfr; break;
		case APIC_SVR: *val = a->svr; break;
		case APIC_ESR: *val = a->esr; break;
		case APIC_ICR_LO: *val = a->icr_lo; break; /* delivery status: idle */
		case APIC_ICR_HI: *val = a->icr_hi; break;
		case APIC_TIMER_INITIAL: *val = a->timer_initial; break;
		case APIC_TIMER_CURRENT: *val = timer_count(a, lapic_now(a)); break;
		case APIC_TIMER_DIVIDE: *val = a->divide; break;
		default: return false;
		}
	return true;
}

/* Returns false for an offset that holds no register. Writes to read-only
 * registers are dropped silently. */
static bool lapic_write_reg(struct lapic *a, uint32_t off, uint32_t val)
{
	if (in_vec_regs(off, APIC_ISR) || in_vec_regs(off, APIC_TMR) || in_vec_regs(off, APIC_IRR))
		return true;
	if (is_lvt(off)) {
		lapic_write_lvt(a, (off - APIC_LVT_TIMER) >> 4, val);
		return true;
	}
	switch (off) {
	case APIC_ID: a->id = val & 0xff000000; break;
	case APIC_TPR: a->tpr = val & 0xff; break;
	case APIC_EOI: lapic_write_eoi(a); break;
	case APIC_LDR: a->ldr = val & 0xff000000; break;
	case APIC_DFR: a->dfr = val | 0x0fffffff; break; /* model bits only */
	case APIC_SVR: lapic_write_svr(a, val); break;
	case APIC_ESR: lapic_write_esr(a); break;
	case APIC_ICR_LO: lapic_write_icr_lo(a, val); break;
	case APIC_ICR_HI: a->icr_hi = val & ICR_HI_MASK; break;
	case APIC_TIMER_INITIAL: lapic_write_initial_count(a, val); break;
	case APIC_TIMER_DIVIDE: lapic_write_divide(a, val); break;
	case APIC_VERSION:
	case APIC_APR:
	case APIC_PPR:
	case APIC_TIMER_CURRENT: break;
	default: return false;
	}
	return true;
}

static bool regular_access(uint64_t off, int size)
{
	return size == 4 && (off & 0xf) == 0 && off < LAPIC_SIZE;
}

static uint64_t lapic_mmio_read(void *opaque, uint64_t off, int size)
{
	struct lapic *a = opaque;
	uint32_t val = 0;

	if (!globally_enabled(a))
		return UINT64_MAX; /* the page is not decoded: an empty bus */
	if (!regular_access(off, size))
		return 0;
	if (!lapic_read_reg(a, off, &val))
		lapic_error(a, ESR_ILLEGAL_REGISTER);
	return val;
}

static void lapic_mmio_write(void *opaque, uint64_t off, int size, uint64_t val)
{
	struct lapic *a = opaque;

	if (!globally_enabled(a) || !regular_access(off, size))
		return;
	if (!lapic_write_reg(a, off, (uint32_t)val))
		lapic_error(a, ESR_ILLEGAL_REGISTER);
}

/* ---- reset and IA32_APIC_BASE ---- */

/* Power-up values (SDM 10.12.5.1) for everything but the ID and the MSR. */
static void lapic_reset_regs(struct lapic *a)
{
	int i;

	a->tpr = 0;
	a->ldr = 0;
	a->dfr = 0xffffffff;
	a->svr = 0xff;
	a->esr = 0;
	a->esr_pending = 0;
	a->icr_lo = 0;
	a->icr_hi = 0;
	a->divide = 0;
	for (i = 0; i < LAPIC_NLVT; i++)
		a->lvt[i] = LVT_MASKED;
	memset(a->irr, 0, sizeof(a->irr));
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	timer_disarm(a);
	a->timer_base = 0;
	a->timer_start = 0;
	a->timer_next = 0;
}

void lapic_set_base_msr(struct lapic *a, uint64_t val)
{
	bool was_enabled = globally_enabled(a);

	/* BSP is fixed by the hardware; x2APIC (bit 10) is not offered. */
	a->base_msr =
	    (val & (LAPIC_MSR_BASE_MASK | LAPIC_MSR_ENABLE)) | (a->base_msr & LAPIC_MSR_BSP);
	if (was_enabled && !globally_enabled(a))
		lapic_reset_regs(a);
}

void lapic_set_virtual_wire(struct lapic *a)
{
	lapic_write_svr(a, a->svr | SVR_ENABLE);
	lapic_write_lvt(a, LVT_LINT0, LVT_DM_EXTINT << 8);
	lapic_write_lvt(a, LVT_LINT1, LVT_DM_NMI << 8);
}

uint64_t lapic_get_base_msr(const struct lapic *a)
{
	return a->base_msr;
}

int lapic_init(struct lapic *a, struct mmio_bus *bus, const struct vclock *clk, uint64_t tsc_hz,
	       uint64_t (*read_tsc)(void *), void *opaque)
{
	memset(a, 0, sizeof(*a));
	a->clk = clk;
	a->tsc_hz = tsc_hz;
	a->read_tsc = read_tsc;
	a->tsc_opaque = opaque;
	a->base_msr = LAPIC_BASE | LAPIC_MSR_BSP | LAPIC_MSR_ENABLE;
	a->id = 0;
	lapic_reset_regs(a);
	return mmio_register(bus, LAPIC_BASE, LAPIC_SIZE, lapic_mmio_read, lapic_mmio_write, a,
			     "lapic");
}
