/* interrupt.c - protected-mode interrupt and exception delivery, and iret.
 *
 * Everything happens in the monitor on the virtual CPU state (the guest is
 * between instructions here): read the gate, check it, pick the stack (the
 * current one, or the TSS's for an inner privilege level), push the frame
 * through the guest's segments, load CS and EIP, adjust EFLAGS. Nothing is
 * committed until every check and push has succeeded, so a fault during
 * delivery leaves the state as it was and is combined with the first one as
 * the SDM's table 6-5 says: two contributory exceptions (or a page fault
 * then a contributory one or another page fault) make a double fault, and a
 * fault while delivering a double fault is a triple fault, which stops the
 * machine. A task gate switches tasks (task_switch.c), and so does iret with
 * NT set. */
#include "interrupt.h"

#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "gmem.h"
#include "segments.h"
#include "task_switch.h"

struct frame_plan {
	int vec;
	uint32_t err;
	bool has_err;
	bool ext;
	enum int_source src;
	uint32_t return_eip;
};

static struct gexc exc(int vec, uint32_t err)
{
	return (struct gexc){vec, err};
}

static const struct gexc none = {-1, 0};

bool exception_has_error_code(int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21;
}

/* Error code for a selector or IDT entry that failed during delivery. */
static uint32_t sel_err(const struct frame_plan *p, uint32_t sel)
{
	return (sel & 0xfffc) | (p->ext ? 1 : 0);
}

static uint32_t idt_err(const struct frame_plan *p)
{
	return (uint32_t)p->vec * 8 + 2 + (p->ext ? 1 : 0);
}

/* Write the frame below esp in segment ss (32- or 16-bit slots). */
static int push_frame(struct vcpu *cpu, const struct seg_cache *ss, uint32_t *esp,
		      const uint32_t *vals, int n, int slot)
{
	uint32_t mask = ss->attr & SEG_ATTR_DB ? 0xffffffffu : 0xffffu;
	uint32_t sp = *esp;
	for (int i = 0; i < n; i++) {
		sp = (sp - (uint32_t)slot) & mask;
		if (!seg_limit_ok(ss, sp, (uint32_t)slot))
			return -1;
		int r = gmem_write(cpu, ss->base + sp, &vals[i], (uint32_t)slot);
		if (r)
			return r == 14 ? 14 : -1;
	}
	*esp = (*esp & ~mask) | sp;
	return 0;
}

/* The inner stack for privilege level dpl, from the TSS: ESPn and SSn in a
 * 32-bit TSS, SPn and SSn in a 16-bit one. */
static struct gexc tss_stack(struct vcpu *cpu, const struct frame_plan *p, int dpl,
			     struct seg_cache *ss, uint32_t *esp)
{
	const struct seg_cache *tr = &cpu->tr;
	bool tss32 = tr->attr & 0x8;
	uint32_t slot = tss32 ? 4 : 2;
	uint32_t off = slot + 2 * slot * (uint32_t)dpl;
	uint32_t v[2] = {0, 0};
	if (!(tr->attr & SEG_ATTR_P) || off + 2 * slot - 1 > tr->limit)
		return exc(10, sel_err(p, tr->sel));
	int r = gmem_read(cpu, tr->base + off, &v[0], slot);
	if (!r)
		r = gmem_read(cpu, tr->base + off + slot, &v[1], 2);
	if (r)
		return r == 14 ? exc(14, cpu->pf_err) : exc(10, sel_err(p, tr->sel));
	uint16_t sel = (uint16_t)v[1];
	uint32_t lo, hi;
	if (!(sel & ~3u))
		return exc(10, sel_err(p, sel));
	struct gexc e = seg_read_desc(cpu, sel, &lo, &hi);
	if (e.vec >= 0)
		return exc(10, sel_err(p, sel));
	uint32_t type = (hi >> 8) & 0x1f;
	if ((sel & 3) != (unsigned)dpl || ((hi >> 13) & 3) != (unsigned)dpl ||
	    (type & 0x1a) != 0x12)
		return exc(10, sel_err(p, sel)); /* not a writable data segment at dpl */
	if (!(hi & 0x8000))
		return exc(12, sel_err(p, sel));
	seg_from_desc(ss, sel, lo, hi | 0x100);
	*esp = v[0];
	return none;
}

/* Try to deliver; returns the exception that stopped delivery, if any. */
static struct gexc deliver(struct vcpu *cpu, const struct frame_plan *p)
{
	if ((uint32_t)p->vec * 8 + 7 > cpu->idtr.limit)
		return exc(13, idt_err(p));
	uint32_t g[2];
	int r = gmem_read(cpu, cpu->idtr.base + (uint32_t)p->vec * 8, g, 8);
	if (r)
		return r == 14 ? exc(14, cpu->pf_err) : exc(13, idt_err(p));
	uint32_t type = (g[1] >> 8) & 0x1f;
	int gate_dpl = (g[1] >> 13) & 3;
	if (type != 0x05 && type != 0x0e && type != 0x0f && type != 0x06 && type != 0x07)
		return exc(13, idt_err(p));
	if (p->src == INT_SOFTWARE && gate_dpl < cpu->cpl)
		return exc(13, idt_err(p));
	if (!(g[1] & 0x8000))
		return exc(11, idt_err(p));
	if (type == 0x05) /* task gate: the TSS selector in bits 16-31 */
		return task_gate_interrupt(cpu, (uint16_t)(g[0] >> 16), p->return_eip, p->has_err,
					   p->err, p->ext);
	uint16_t sel = (uint16_t)(g[0] >> 16);
	uint32_t offset = (g[0] & 0xffff) | (g[1] & 0xffff0000u);
	int slot = type & 0x8 ? 4 : 2;
	if (slot == 2)
		offset &= 0xffff;

	if (!(sel & ~3u))
		return exc(13, p->ext ? 1 : 0);
	uint32_t lo, hi;
	struct gexc e = seg_read_desc(cpu, sel, &lo, &hi);
	if (e.vec >= 0)
		return exc(13, sel_err(p, sel));
	uint32_t ctype = (hi >> 8) & 0x1f;
	int dpl = (hi >> 13) & 3;
	if ((ctype & 0x18) != 0x18 || dpl > cpu->cpl)
		return exc(13, sel_err(p, sel));
	if (!(hi & 0x8000))
		return exc(11, sel_err(p, sel));
	bool conforming = ctype & 0x4;
	int new_cpl = conforming ? cpu->cpl : dpl;

	struct seg_cache cs;
	seg_from_desc(&cs, (uint16_t)((sel & ~3u) | (unsigned)new_cpl), lo, hi | 0x100);
	if (offset > cs.limit)
		return exc(13, p->ext ? 1 : 0);

	uint32_t eflags = cpu_get_eflags(cpu);
	uint32_t frame[7];
	int n = 0;
	struct seg_cache ss = cpu->seg[SEG_SS];
	uint32_t esp = cpu_esp(cpu);
	if (new_cpl < cpu->cpl) {
		e = tss_stack(cpu, p, new_cpl, &ss, &esp);
		if (e.vec >= 0)
			return e;
		frame[n++] = cpu->seg[SEG_SS].sel;
		frame[n++] = cpu_esp(cpu);
	}
	frame[n++] = eflags;
	frame[n++] = cpu->seg[SEG_CS].sel;
	frame[n++] = p->return_eip;
	if (p->has_err)
		frame[n++] = p->err;
	r = push_frame(cpu, &ss, &esp, frame, n, slot);
	if (r == 14)
		return exc(14, cpu->pf_err);
	if (r)
		return exc(12, new_cpl < cpu->cpl ? sel_err(p, ss.sel) : (p->ext ? 1 : 0));

	/* commit */
	if (new_cpl < cpu->cpl) {
		cpu->seg[SEG_SS] = ss;
		seg_shadow_update(cpu, SEG_SS);
	}
	cpu_set_esp(cpu, esp);
	cpu->seg[SEG_CS] = cs;
	cpu->cpl = new_cpl;
	seg_shadow_update(cpu, SEG_CS);
	uint32_t clear = EFL_TF | 0x4000 /* NT */ | 0x10000 /* RF */ | 0x20000 /* VM */;
	if (!(type & 1))
		clear |= EFL_IF; /* interrupt gate */
	cpu_set_eflags(cpu, eflags & ~clear, 0xffffffffu);
	cpu_set_eip(cpu, offset);
	return none;
}

enum exc_class { BENIGN, CONTRIBUTORY, PAGE_FAULT, DOUBLE_FAULT };

static enum exc_class exc_class(int vec)
{
	switch (vec) {
	case 0:
	case 10:
	case 11:
	case 12:
	case 13: return CONTRIBUTORY;
	case 14: return PAGE_FAULT;
	case 8: return DOUBLE_FAULT;
	}
	return BENIGN;
}

const char *exception_name(int vec)
{
	static const char *const names[32] = {
	    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS",
	    "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};
	return vec >= 0 && vec < 32 && names[vec] ? names[vec] : "";
}

/* The chain of faults met while delivering one event. */
struct fault_chain {
	int n;
	int vec[4];
	uint32_t err[4];
	bool in_df[4]; /* raised while delivering the double fault */
};

/* The one line a triple fault stops the machine with: what the guest was
 * doing (the first event, its EIP and instruction bytes) and the faults
 * that made delivery impossible. */
static void triple_fault(struct vcpu *cpu, const struct frame_plan *first, uint32_t fault_eip,
			 const struct fault_chain *ch)
{
	char what[48], hex[3 * 8 + 1] = "", chain[160] = "";
	uint8_t b;
	uint32_t lin = cpu->seg[SEG_CS].base + fault_eip;
	for (int n = 0; n < 8 && !gmem_read(cpu, lin + (uint32_t)n, &b, 1); n++)
		sprintf(hex + 3 * n - (n ? 1 : 0), "%s%02x", n ? " " : "", b);
	if (first->src == INT_EXTERNAL)
		snprintf(what, sizeof(what), "hardware interrupt (vector %d)", first->vec);
	else if (first->src == INT_SOFTWARE)
		snprintf(what, sizeof(what), "software interrupt (vector %d)", first->vec);
	else if (first->has_err)
		snprintf(what, sizeof(what), "guest exception %s(0x%x) (vector %d)",
			 exception_name(first->vec), first->err, first->vec);
	else
		snprintf(what, sizeof(what), "guest exception %s (vector %d)",
			 exception_name(first->vec), first->vec);
	for (int i = 0; i < ch->n; i++) {
		size_t len = strlen(chain);
		const char *step = ch->in_df[i] ? "the double fault raised"
				   : i == 0	? "delivering it raised"
						: "delivering that raised";
		snprintf(chain + len, sizeof(chain) - len, "%s%s %s(0x%x)", i ? ", " : "", step,
			 exception_name(ch->vec[i]), ch->err[i]);
	}
	vm_fail(cpu->vm, "triple fault: %s at EIP 0x%08x, bytes %s: %s; machine stopped", what,
		fault_eip, hex[0] ? hex : "(not readable)", chain);
}

void cpu_interrupt(struct vcpu *cpu, int vec, bool has_err, uint32_t err, enum int_source src,
		   uint32_t return_eip)
{
	/* EXT: the event is not the program's own int n/int3/into (SDM 6.13:
	 * "an event external to the program, such as an interrupt or an
	 * earlier exception") */
	struct frame_plan p = {vec, err, has_err, src != INT_SOFTWARE, src, return_eip};
	const struct frame_plan first = p;
	uint32_t fault_eip = cpu_eip(cpu); /* the instruction that raised it */
	struct fault_chain ch = {0};
	cpu->vm->stats.vectors[vec & 0xff]++;
	cpu->events++;
	cpu->halted = false;
	if (vec == 14 && src == INT_EXCEPTION) {
		cpu->cr2 = cpu->pf_lin;
		cpu->vm->stats.guest_page_faults++;
	}
	for (;;) {
		struct gexc e = deliver(cpu, &p);
		if (e.vec < 0 || cpu->vm->stop != STOP_NONE)
			return;
		/* table 6-5 classes exceptions: int n and external interrupts
		 * are benign whatever their vector (int $14 whose gate check
		 * fails is a #GP, not a double fault) */
		enum exc_class cls1 = p.src == INT_EXCEPTION ? exc_class(p.vec) : BENIGN;
		enum exc_class cls2 = exc_class(e.vec);
		if (ch.n < 4) {
			ch.vec[ch.n] = e.vec;
			ch.err[ch.n] = e.err;
			ch.in_df[ch.n++] = cls1 == DOUBLE_FAULT;
		}
		if (cls1 == DOUBLE_FAULT) {
			triple_fault(cpu, &first, fault_eip, &ch);
			return;
		}
		bool df = (cls1 == CONTRIBUTORY && cls2 == CONTRIBUTORY) ||
			  (cls1 == PAGE_FAULT && cls2 != BENIGN);
		p.vec = df ? 8 : e.vec;
		p.err = df ? 0 : e.err;
		p.has_err = df || exception_has_error_code(e.vec);
		/* a fault while delivering int n / int3 / into is reported at that
		 * instruction, not after it; for faults and external interrupts the
		 * return address is already the instruction to resume */
		if (p.src == INT_SOFTWARE)
			p.return_eip = fault_eip;
		p.src = INT_EXCEPTION;
		p.ext = true;
		if (p.vec == 14)
			cpu->cr2 = cpu->pf_lin;
		cpu->vm->stats.vectors[p.vec & 0xff]++;
	}
}

/* ---- iret ---- */

static int pop_n(struct vcpu *cpu, uint32_t *esp, uint32_t *vals, int n, int size)
{
	const struct seg_cache *ss = &cpu->seg[SEG_SS];
	uint32_t mask = ss->attr & SEG_ATTR_DB ? 0xffffffffu : 0xffffu;
	uint32_t sp = *esp & mask;
	for (int i = 0; i < n; i++) {
		vals[i] = 0;
		if (!seg_limit_ok(ss, sp, (uint32_t)size))
			return 12;
		int r = gmem_read(cpu, ss->base + sp, &vals[i], (uint32_t)size);
		if (r)
			return r == 14 ? 14 : 12;
		sp = (sp + (uint32_t)size) & mask;
	}
	*esp = (*esp & ~mask) | sp;
	return 0;
}

/* Leaving for an outer level: data segments the new level may not use
 * become null (SDM, IRET: "for each of segment register (ES, FS, GS, and
 * DS)"). */
static void drop_inner_segments(struct vcpu *cpu)
{
	static const int segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		struct seg_cache *s = &cpu->seg[segs[i]];
		bool data_or_nc_code = !(s->attr & 0x8) || !(s->attr & 0x4);
		int dpl = (s->attr >> 5) & 3;
		if (data_or_nc_code && dpl < cpu->cpl) {
			memset(s, 0, sizeof(*s));
			seg_shadow_update(cpu, segs[i]);
		}
	}
}

int cpu_iret(struct vcpu *cpu, int osize, uint32_t next_eip)
{
	uint32_t eip0 = cpu_eip(cpu);
	if (cpu_get_eflags(cpu) & 0x4000) {
		/* NT: return to the task in the back link (SDM, IRET "TASK-RETURN") */
		struct gexc e = task_iret(cpu, next_eip);
		if (e.vec >= 0) {
			cpu_exception(cpu, e.vec, e.err, eip0);
			return -1;
		}
		return 0;
	}
	uint32_t esp = cpu_esp(cpu), v[3];
	int vec = pop_n(cpu, &esp, v, 3, osize);
	if (vec) {
		cpu_exception(cpu, vec, 0, eip0);
		return -1;
	}
	uint32_t new_eip = v[0], new_eflags = v[2];
	uint16_t sel = (uint16_t)v[1];
	int rpl = sel & 3;
	if (rpl < cpu->cpl) {
		cpu_interrupt(cpu, 13, true, sel & 0xfffc, INT_EXCEPTION, eip0);
		return -1;
	}
	uint32_t outer[2];
	if (rpl > cpu->cpl && (vec = pop_n(cpu, &esp, outer, 2, osize))) {
		cpu_exception(cpu, vec, 0, eip0);
		return -1;
	}
	int old_cpl = cpu->cpl;
	struct seg_cache old_cs = cpu->seg[SEG_CS];
	cpu->cpl = rpl; /* checks below are made at the new level */
	struct gexc e = seg_load_cs(cpu, sel, new_eip);
	if (e.vec < 0 && rpl > old_cpl) {
		e = seg_load(cpu, SEG_SS, (uint16_t)outer[1]);
		if (e.vec >= 0) {
			cpu->seg[SEG_CS] = old_cs;
			seg_shadow_update(cpu, SEG_CS);
		}
	}
	if (e.vec >= 0) {
		cpu->cpl = old_cpl;
		cpu_interrupt(cpu, e.vec, true, e.err, INT_EXCEPTION, eip0);
		return -1;
	}
	/* EFLAGS: IOPL only at CPL 0, IF only when CPL <= IOPL */
	uint32_t mask = 0x00257fd5u; /* arith, TF, IF, DF, IOPL, NT, RF, AC, ID */
	int iopl = (cpu_get_eflags(cpu) >> 12) & 3;
	if (old_cpl > 0)
		mask &= ~0x3000u;
	if (old_cpl > iopl)
		mask &= ~EFL_IF;
	if (osize == 2)
		mask &= 0xffff;
	cpu_set_eflags(cpu, new_eflags, mask);
	cpu_set_eip(cpu, new_eip);
	cpu_set_esp(cpu, rpl > old_cpl ? outer[0] : esp);
	if (rpl > old_cpl)
		drop_inner_segments(cpu);
	return 0;
}
