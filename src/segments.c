/* segments.c - guest segment registers and their shadow descriptors.
 *
 * Translated code runs with host segment registers that mirror the guest's:
 * each guest register has its own slot in the host LDT (modify_ldt), filled
 * from the register's hidden cache when the guest loads it. Because a slot
 * belongs to a register, not to a GDT entry, editing the GDT changes nothing
 * until the guest reloads, as on hardware. Limits are cut so that no guest
 * access reaches the hole at the top of the window; a segment that cannot be
 * cut that way (based in the hole, expand-down across it) gets the null
 * selector, so any access through it faults. */
#define _GNU_SOURCE
#include "segments.h"

#include <asm/ldt.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cpu.h"
#include "decode.h"
#include "gmem.h"
#include "operand.h"
#include "physmem.h"
#include "vm.h"

static int ldt_write(const struct user_desc *d)
{
	return (int)syscall(SYS_modify_ldt, 0x11, d, sizeof(*d));
}

static int ldt_set(int slot, uint32_t base, uint32_t limit, int contents, int writable_or_readable,
		   int big)
{
	struct user_desc d;
	memset(&d, 0, sizeof(d));
	d.entry_number = (unsigned)slot;
	d.base_addr = base;
	d.seg_32bit = (unsigned)big;
	d.contents = (unsigned)contents;
	d.read_exec_only = !writable_or_readable;
	d.useable = 1;
	if (limit > 0xfffff) {
		/* page units; rounding down is never past the cut for expand-up, and
		 * exact for expand-down (a guest G=1 limit ends in 0xfff) */
		d.limit = (unsigned)((((uint64_t)limit + 1) >> 12) - 1);
		d.limit_in_pages = 1;
	} else {
		d.limit = limit;
	}
	return ldt_write(&d);
}

void seg_from_desc(struct seg_cache *s, uint16_t sel, uint32_t lo, uint32_t hi)
{
	s->sel = sel;
	s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
	uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
	if (hi & (1u << 23))
		limit = (limit << 12) | 0xfff;
	s->limit = limit;
	s->attr = (uint16_t)(((hi >> 8) & 0xff) | ((hi >> 12) & 0xf00));
}

void seg_set_flat(struct vcpu *cpu, int seg, uint16_t sel, uint8_t type)
{
	struct seg_cache *s = &cpu->seg[seg];
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffffu;
	s->attr = (uint16_t)(type | SEG_ATTR_DB | SEG_ATTR_G);
}

/* An expand-down segment's valid offsets are (limit, top]: it can be
 * mirrored as it is unless that linear range (which may wrap at 4 GiB)
 * reaches the hole. Expand-down cannot be cut from above. */
static bool expand_down_hits_hole(const struct seg_cache *s)
{
	uint64_t top = s->attr & SEG_ATTR_DB ? 0xffffffffu : 0xffffu;
	if (s->limit >= top)
		return false; /* no valid offset at all */
	uint64_t first = ((uint64_t)s->base + s->limit + 1) & 0xffffffffu;
	uint64_t last = first + (top - s->limit - 1);
	return last >= HOLE_BASE; /* past 4 GiB means it wrapped through the hole */
}

int seg_x64_class(const struct seg_cache *s, int seg)
{
	if (seg == SEG_CS)
		return SEGC_SOFT; /* data through CS: read-only, the emulator's */
	bool usable = (s->attr & SEG_ATTR_P) && (s->sel & ~3u);
	bool writable_up = (s->attr & 0x1e) == 0x12; /* data, expand-up, writable */
	if (!usable || !writable_up || s->limit != 0xffffffffu)
		return SEGC_SOFT;
	if (seg == SEG_SS && !(s->attr & SEG_ATTR_DB))
		return SEGC_SOFT; /* a 16-bit stack pointer */
	return s->base ? SEGC_BASED : SEGC_FLAT;
}

/* x64: the base for translated code and the class for the code mode. */
static void x64_seg_changed(struct vcpu *cpu, int seg)
{
	const struct seg_cache *s = &cpu->seg[seg];
	cpu->blk->segbase[seg] = s->base;
	cpu->seg_mode &= ~(3u << (2 * seg));
	cpu->seg_mode |= (uint32_t)seg_x64_class(s, seg) << (2 * seg);
}

int seg_shadow_update(struct vcpu *cpu, int seg)
{
	const struct seg_cache *s = &cpu->seg[seg];
	struct vcpu_block *blk = cpu->blk;
	blk->gsel[seg] = s->sel;
	if (cpu->x64) {
		x64_seg_changed(cpu, seg);
		return 0;
	}
	if (seg == SEG_CS)
		return 0; /* translated code runs in the host's flat 32-bit CS */
	bool usable = (s->attr & SEG_ATTR_P) && (s->sel & ~3u);
	bool code = s->attr & 0x8;
	bool expand_down = !code && (s->attr & 0x4);
	uint32_t limit = s->limit;
	if (expand_down)
		usable = usable && !expand_down_hits_hole(s);
	else if (s->base >= HOLE_BASE)
		usable = false; /* accesses fault; see seg_truncation_fault */
	else if (limit > HOLE_BASE - 1 - s->base)
		limit = HOLE_BASE - 1 - s->base;
	if (!usable && seg == SEG_SS) {
		/* SS can never be null on the host (bt_enter loads it in 64-bit
		 * mode): an expand-down segment with no valid offset faults every
		 * stack access with #SS instead */
		if (ldt_set(seg, 0, 0xffffffffu, 1, 1, 1))
			return -1;
		blk->hsel[seg] = LDT_SEL(seg);
		return 0;
	}
	if (!usable) {
		blk->hsel[seg] = 0;
		return 0;
	}
	int contents = code ? (s->attr & 0x4 ? 3 : 2) : expand_down ? 1 : 0;
	if (ldt_set(seg, s->base, limit, contents, (s->attr & 0x2) != 0,
		    (s->attr & SEG_ATTR_DB) != 0))
		return -1;
	blk->hsel[seg] = LDT_SEL(seg);
	return 0;
}

bool seg_limit_ok(const struct seg_cache *s, uint32_t off, uint32_t n)
{
	uint32_t last = off + n - 1;
	if (last < off)
		return false;
	bool expand_down = (s->attr & 0x1c) == 0x14; /* data, E set */
	if (expand_down) {
		uint32_t top = s->attr & SEG_ATTR_DB ? 0xffffffffu : 0xffffu;
		return off > s->limit && last <= top;
	}
	return last <= s->limit;
}

/* The implicit stack access of in, as [*off, *off + *len) in SS: pushes
 * below ESP, pops above it. 0 if the instruction has none we know. */
static uint32_t stack_access(const struct vcpu *cpu, const struct xinsn *in, uint32_t *off)
{
	uint32_t esp = cpu_esp(cpu), sz = in->opsize16 ? 2 : 4;
	int i = insn_opcode_index(in);
	uint8_t op = in->bytes[i], op2 = in->bytes[i + 1];
	uint8_t reg = in->modrm_off ? (in->bytes[in->modrm_off] >> 3) & 7 : 0;
	bool push = (op >= 0x50 && op <= 0x57) || op == 0x68 || op == 0x6a || op == 0x9c ||
		    op == 0x06 || op == 0x0e || op == 0x16 || op == 0x1e || op == 0xe8 ||
		    (op == 0xff && (reg == 2 || reg == 6)) ||
		    (op == 0x0f && (op2 == 0xa0 || op2 == 0xa8));
	bool pop = (op >= 0x58 && op <= 0x5f) || op == 0x9d || op == 0x07 || op == 0x17 ||
		   op == 0x1f || op == 0xc3 || op == 0xc2 || (op == 0x8f && reg == 0) ||
		   (op == 0x0f && (op2 == 0xa1 || op2 == 0xa9));
	if (op == 0x60 || op == 0x61)
		sz *= 8; /* pusha/popa */
	if (push || op == 0x60) {
		*off = esp - sz;
		return sz;
	}
	if (pop || op == 0x61) {
		*off = esp;
		return sz;
	}
	return 0;
}

/* Is [off, off+len) through s valid for the guest but refused by our
 * shadow, and clear of the hole? */
static bool repairable(const struct seg_cache *s, uint32_t off, uint32_t len)
{
	bool expand_down = !(s->attr & 0x8) && (s->attr & 0x4);
	if (!(s->attr & SEG_ATTR_P) || !(s->sel & ~3u) || !seg_limit_ok(s, off, len))
		return false;
	if (!expand_down && s->base < HOLE_BASE && off + len - 1u <= HOLE_BASE - 1 - s->base)
		return false; /* within our cut too: the fault is the guest's own */
	uint32_t lin = s->base + off, last = lin + len - 1u;
	return lin < HOLE_BASE && last < HOLE_BASE && last >= lin;
}

int seg_truncation_fault(struct vcpu *cpu, const struct xinsn *in)
{
	int mask = 0;
	uint32_t off, len;
	if (in->modrm_off && in->mem_size) {
		struct operand op;
		insn_modrm(cpu, in, in->modrm_off, &op);
		if (!op.is_reg) {
			if (!repairable(&cpu->seg[op.seg], op.off, in->mem_size))
				return 0;
			mask |= 1 << op.seg;
		}
	}
	if ((len = stack_access(cpu, in, &off))) {
		if (!repairable(&cpu->seg[SEG_SS], off, len))
			return mask && !(mask & (1 << SEG_SS)) ? mask : 0;
		mask |= 1 << SEG_SS;
	}
	return mask;
}

int seg_shadow_widen(struct vcpu *cpu, int mask)
{
	for (int seg = SEG_ES; seg <= SEG_GS; seg++) {
		if (!(mask & (1 << seg)))
			continue;
		const struct seg_cache *s = &cpu->seg[seg];
		bool code = s->attr & 0x8, expand_down = !code && (s->attr & 0x4);
		int contents = code ? 2 : expand_down ? 1 : 0;
		if (ldt_set(seg, s->base, s->limit, contents, (s->attr & 0x2) != 0,
			    (s->attr & SEG_ATTR_DB) != 0))
			return -1;
		cpu->blk->hsel[seg] = LDT_SEL(seg);
	}
	return 0;
}

int seg_shadow_init(struct vcpu *cpu)
{
	if (cpu->x64) {
		for (int i = SEG_ES; i <= SEG_GS; i++)
			seg_shadow_update(cpu, i);
		return 0;
	}
	if (ldt_set(LDT_SLOT_BLK, HOLE_BASE, HOLE_SIZE - 1, 0, 1, 1))
		return -1;
	cpu->blk->hsel[HSEL_BLK] = LDT_SEL(LDT_SLOT_BLK);
	cpu->blk->hsel[HSEL_CS] = HOST_CS32;
	for (int i = SEG_ES; i <= SEG_GS; i++)
		if (seg_shadow_update(cpu, i))
			return -1;
	return 0;
}

static struct gexc exc(int vec, uint32_t err)
{
	return (struct gexc){vec, err};
}

static const struct gexc no_exc = {-1, 0};

struct gexc seg_read_desc(struct vcpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	const struct dtr *t = (const struct dtr *)&cpu->gdtr;
	struct dtr ldt;
	if (sel & 4) {
		if (!(cpu->ldtr.attr & SEG_ATTR_P) || !(cpu->ldtr.sel & ~3u))
			return exc(13, sel & 0xfffc);
		ldt.base = cpu->ldtr.base;
		ldt.limit = (uint16_t)(cpu->ldtr.limit > 0xffff ? 0xffff : cpu->ldtr.limit);
		t = &ldt;
	}
	uint32_t off = sel & 0xfff8u;
	if (off + 7 > t->limit)
		return exc(13, sel & 0xfffc);
	uint32_t d[2];
	int r = gmem_read(cpu, t->base + off, d, 8);
	if (r)
		return r == 14 ? exc(14, cpu->pf_err) : exc(13, sel & 0xfffc);
	*lo = d[0];
	*hi = d[1];
	return no_exc;
}

/* Hardware sets the accessed bit in the descriptor when it loads it. */
static void set_accessed(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
	if (hi & 0x100)
		return;
	uint32_t base = sel & 4 ? cpu->ldtr.base : cpu->gdtr.base;
	hi |= 0x100;
	gmem_write(cpu, base + (sel & 0xfff8u) + 4, &hi, 4);
}

struct gexc seg_load(struct vcpu *cpu, int seg, uint16_t sel)
{
	struct seg_cache *s = &cpu->seg[seg];
	if (!(sel & ~3u)) {
		if (seg == SEG_SS)
			return exc(13, 0);
		memset(s, 0, sizeof(*s));
		s->sel = sel;
		seg_shadow_update(cpu, seg);
		return no_exc;
	}
	uint32_t lo, hi;
	struct gexc e = seg_read_desc(cpu, sel, &lo, &hi);
	if (e.vec >= 0)
		return e;
	uint32_t type = (hi >> 8) & 0x1f; /* S + type */
	int dpl = (hi >> 13) & 3, rpl = sel & 3;
	bool code = type & 0x8, writable = type & 0x2;
	if (!(type & 0x10))
		return exc(13, sel & 0xfffc);
	if (seg == SEG_SS) {
		if (code || !writable || rpl != cpu->cpl || dpl != cpu->cpl)
			return exc(13, sel & 0xfffc);
		if (!(hi & 0x8000))
			return exc(12, sel & 0xfffc);
	} else {
		if (code && !(type & 0x2))
			return exc(13, sel & 0xfffc); /* execute-only code */
		bool conforming_code = code && (type & 0x4);
		if (!conforming_code && (dpl < cpu->cpl || dpl < rpl))
			return exc(13, sel & 0xfffc);
		if (!(hi & 0x8000))
			return exc(11, sel & 0xfffc);
	}
	set_accessed(cpu, sel, hi);
	seg_from_desc(s, sel, lo, hi | 0x100);
	seg_shadow_update(cpu, seg);
	return no_exc;
}

struct gexc seg_load_cs(struct vcpu *cpu, uint16_t sel, uint32_t eip)
{
	if (!(sel & ~3u))
		return exc(13, 0);
	uint32_t lo, hi;
	struct gexc e = seg_read_desc(cpu, sel, &lo, &hi);
	if (e.vec >= 0)
		return e;
	uint32_t type = (hi >> 8) & 0x1f;
	int dpl = (hi >> 13) & 3;
	if ((type & 0x18) != 0x18)
		return exc(13, sel & 0xfffc); /* not a code segment (gates: issue 3) */
	bool conforming = type & 0x4;
	if (conforming ? dpl > cpu->cpl : dpl != cpu->cpl)
		return exc(13, sel & 0xfffc);
	if (!(hi & 0x8000))
		return exc(11, sel & 0xfffc);
	struct seg_cache s;
	seg_from_desc(&s, (uint16_t)((sel & ~3u) | (unsigned)cpu->cpl), lo, hi | 0x100);
	if (eip > s.limit)
		return exc(13, 0);
	set_accessed(cpu, sel, hi);
	cpu->seg[SEG_CS] = s;
	seg_shadow_update(cpu, SEG_CS);
	return no_exc;
}
