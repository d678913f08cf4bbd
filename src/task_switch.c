/* task_switch.c - hardware task switches, as the Intel SDM vol. 3, 7.3
 * describes them.
 *
 * Everything happens in the monitor on the virtual CPU between guest
 * instructions, in two halves. Before the commit point (the source's checks,
 * the new TSS read, the old task's state written to its TSS) a fault leaves
 * the machine as it was and is raised in the old task: the caller does
 * that. After it (busy bits, back link, TR, CR3, LDTR, the registers, the
 * segment registers with the checks of the SDM's "exception conditions
 * checked during a task switch" table) the switch completes whatever
 * happens, and a fault is delivered here, in the new task's context: it
 * sees the new task's EIP and selectors, as a #TS handler reached through a
 * task gate expects.
 *
 * Both TSS formats are switched (32-bit, and the 80286's 16-bit one); a
 * virtual-8086 task stops the machine with a message. The CPU's translated
 * code needs nothing else: the code mode (CPL, CS.D, the x64 segment
 * classes, CR0.TS) is computed from the state set here at the next lookup,
 * and the shadow paging hears of the CR3 load as from mov to CR3. */
#include "task_switch.h"

#include <string.h>

#include "cpu.h"
#include "gmem.h"
#include "interrupt.h"
#include "shadow.h"
#include "vm.h"

/* Descriptor types (S clear) and EFLAGS bits used here. */
#define TYPE_TSS16 0x01
#define TYPE_TSS16_BUSY 0x03
#define TYPE_TASK_GATE 0x05
#define TYPE_TSS32 0x09
#define TYPE_TSS32_BUSY 0x0b
#define DESC_BUSY 0x200u /* the B bit in a TSS descriptor's high word */
#define EFL_NT 0x4000u
#define EFL_VM 0x20000u
#define EFL_LOADABLE 0x00257fd5u /* arith, TF, IF, DF, IOPL, NT, RF, AC, ID */
#define DR7_LOCAL_ENABLES 0x55u	 /* L0-L3 */

/* The 32-bit TSS (SDM figure 7-2), as 32-bit words: the fields a switch
 * reads or writes. */
#define TSS32_WORDS 26 /* 0x68 bytes */
#define TSS32_MIN_LIMIT 0x67
#define TSS32_CR3 7
#define TSS32_EIP 8
#define TSS32_EFLAGS 9
#define TSS32_GPR 10 /* eax..edi, in the order of R_EAX..R_EDI */
#define TSS32_SEG 18 /* es cs ss ds fs gs, in the order of SEG_ES..SEG_GS */
#define TSS32_LDT 24
#define TSS32_TRAP 25 /* bit 0: T, a debug trap on entering the task */

/* The 16-bit TSS (SDM figure 7-10), as 16-bit words: no CR3, FS, GS, T
 * bit or I/O map base. */
#define TSS16_HALVES 22 /* 0x2c bytes */
#define TSS16_MIN_LIMIT 0x2b
#define TSS16_IP 7
#define TSS16_FLAGS 8
#define TSS16_GPR 9  /* ax..di */
#define TSS16_SEG 17 /* es cs ss ds */
#define TSS16_LDT 21

#define TSS_LINK 0 /* the back link: the first 16 bits of both */

/* What a switch loads from the new task's TSS, whichever its size. */
struct task_state {
	uint32_t eip, eflags, gpr[8];
	uint16_t seg[6], ldt;
	uint32_t cr3;
	bool has_cr3, trap;
};

static bool tss_is32(uint32_t type)
{
	return type & 0x8;
}

/* A task switch inside the delivery of a fault that a task switch raised
 * after its commit point, and so on: a guest whose every task is broken
 * could go on for as many TSSes as the GDT holds. */
#define MAX_NESTED_SWITCHES 32

static struct gexc exc(int vec, uint32_t err)
{
	return (struct gexc){vec, err};
}

static const struct gexc none = {-1, 0};

static uint32_t sel_err(uint16_t sel, bool ext)
{
	return (sel & 0xfffcu) | (ext ? 1u : 0u);
}

static uint32_t desc_type(uint32_t hi)
{
	return (hi >> 8) & 0x1f; /* S and type */
}

bool task_far_target(uint32_t hi)
{
	switch (desc_type(hi)) {
	case TYPE_TSS16:
	case TYPE_TSS16_BUSY:
	case TYPE_TASK_GATE:
	case TYPE_TSS32:
	case TYPE_TSS32_BUSY: return true;
	}
	return false;
}

/* Set or clear the busy bit of the TSS descriptor sel in the GDT. */
static void set_busy(struct vcpu *cpu, uint16_t sel, bool busy)
{
	uint32_t hi, addr = cpu->gdtr.base + (sel & 0xfff8u) + 4;
	if (gmem_read(cpu, addr, &hi, 4))
		return;
	hi = busy ? hi | DESC_BUSY : hi & ~DESC_BUSY;
	gmem_write(cpu, addr, &hi, 4);
}

/* Hardware sets the accessed bit of a segment descriptor it loads. */
static void set_accessed(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
	if (hi & 0x100)
		return;
	uint32_t base = sel & 4 ? cpu->ldtr.base : cpu->gdtr.base;
	hi |= 0x100;
	gmem_write(cpu, base + (sel & 0xfff8u) + 4, &hi, 4);
}

/* The TSS descriptor sel names (from a task gate, the back link, or a far
 * jmp/call): in the GDT, a TSS, available (busy for iret), present. Wrong
 * table or type is #GP for jmp/call/int and #TS for iret. */
static struct gexc tss_descriptor(struct vcpu *cpu, uint16_t sel, enum ts_source src, bool ext,
				  uint32_t *lo, uint32_t *hi)
{
	int bad = src == TS_IRET ? 10 : 13;
	if (sel & 4)
		return exc(bad, sel_err(sel, ext));
	struct gexc e = seg_read_desc(cpu, sel, lo, hi);
	if (e.vec == 14)
		return e;
	if (e.vec >= 0)
		return exc(bad, sel_err(sel, ext));
	uint32_t type = desc_type(*hi);
	bool want_busy = src == TS_IRET;
	bool busy = type == TYPE_TSS16_BUSY || type == TYPE_TSS32_BUSY;
	bool tss = busy || type == TYPE_TSS16 || type == TYPE_TSS32;
	if (!tss || busy != want_busy)
		return exc(bad, sel_err(sel, ext));
	if (!(*hi & 0x8000))
		return exc(11, sel_err(sel, ext));
	return none;
}

/* ---- the new task's segment registers (after the commit point) ---- */

static struct gexc read_for_switch(struct vcpu *cpu, uint16_t sel, bool ext, uint32_t *lo,
				   uint32_t *hi)
{
	struct gexc e = seg_read_desc(cpu, sel, lo, hi);
	if (e.vec >= 0 && e.vec != 14)
		e = exc(10, sel_err(sel, ext));
	return e;
}

static struct gexc load_ldtr(struct vcpu *cpu, uint16_t sel, bool ext)
{
	if (!(sel & ~3u))
		return none; /* left unusable */
	if (sel & 4)
		return exc(10, sel_err(sel, ext));
	uint32_t lo, hi;
	struct gexc e = read_for_switch(cpu, sel, ext, &lo, &hi);
	if (e.vec >= 0)
		return e;
	if (desc_type(hi) != 0x02 || !(hi & 0x8000))
		return exc(10, sel_err(sel, ext)); /* not an LDT, or not present: #TS */
	seg_from_desc(&cpu->ldtr, sel, lo, hi);
	return none;
}

/* CS, SS or a data segment register of the new task, at the new CPL (the
 * RPL of the new CS selector). The faults are #TS except for a segment not
 * present (#NP, #SS for SS). */
static struct gexc load_seg(struct vcpu *cpu, int seg, uint16_t sel, bool ext)
{
	int cpl = cpu->cpl, rpl = sel & 3;
	if (!(sel & ~3u))
		return seg == SEG_CS || seg == SEG_SS ? exc(10, sel_err(sel, ext)) : none;
	uint32_t lo, hi;
	struct gexc e = read_for_switch(cpu, sel, ext, &lo, &hi);
	if (e.vec >= 0)
		return e;
	uint32_t type = desc_type(hi);
	int dpl = (hi >> 13) & 3;
	bool code = (type & 0x18) == 0x18, data = (type & 0x18) == 0x10;
	bool conforming = code && (type & 0x4);
	bool ok;
	int not_present = 11;
	if (seg == SEG_CS) {
		ok = code && (conforming ? dpl <= rpl : dpl == rpl);
	} else if (seg == SEG_SS) {
		ok = data && (type & 0x2) && rpl == cpl && dpl == cpl;
		not_present = 12;
	} else {
		bool readable = data || (code && (type & 0x2));
		ok = readable && (conforming || (dpl >= cpl && dpl >= rpl));
	}
	if (!ok)
		return exc(10, sel_err(sel, ext));
	if (!(hi & 0x8000))
		return exc(not_present, sel_err(sel, ext));
	set_accessed(cpu, sel, hi);
	seg_from_desc(&cpu->seg[seg], sel, lo, hi | 0x100);
	return none;
}

/* Every selector first (so that a fault shows the new task's selectors),
 * then LDTR, CS, SS and the data segments with their checks, in the SDM's
 * order. A register not loaded yet is unusable. */
static struct gexc load_segments(struct vcpu *cpu, const struct task_state *ts, bool ext)
{
	static const int order[] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
	for (int s = SEG_ES; s <= SEG_GS; s++)
		cpu->seg[s] = (struct seg_cache){.sel = ts->seg[s]};
	cpu->ldtr = (struct seg_cache){.sel = ts->ldt};
	cpu->cpl = ts->seg[SEG_CS] & 3;
	struct gexc e = load_ldtr(cpu, ts->ldt, ext);
	for (size_t i = 0; e.vec < 0 && i < sizeof(order) / sizeof(order[0]); i++)
		e = load_seg(cpu, order[i], ts->seg[order[i]], ext);
	for (int s = SEG_ES; s <= SEG_GS; s++)
		seg_shadow_update(cpu, s);
	return e;
}

/* ---- the switch ---- */

/* Deliver a fault of the new task, before its first instruction. */
static void new_task_fault(struct vcpu *cpu, struct gexc e)
{
	if (cpu->task_nesting >= MAX_NESTED_SWITCHES) {
		vm_fail(cpu->vm,
			"guest task switches nested %d deep at EIP 0x%08x: every new task "
			"faulted (bad TSS contents?); machine stopped",
			cpu->task_nesting, cpu_eip(cpu));
		return;
	}
	cpu->task_nesting++;
	cpu_interrupt(cpu, e.vec, exception_has_error_code(e.vec), e.err, INT_EXCEPTION,
		      cpu_eip(cpu));
	cpu->task_nesting--;
}

/* Read the new task's state from its TSS. 0, -1 (not RAM) or 14 (#PF). */
static int read_tss(struct vcpu *cpu, const struct seg_cache *tr, struct task_state *ts)
{
	memset(ts, 0, sizeof(*ts));
	if (tss_is32(tr->attr)) {
		uint32_t w[TSS32_WORDS];
		int r = gmem_read(cpu, tr->base, w, sizeof(w));
		if (r)
			return r;
		ts->eip = w[TSS32_EIP];
		ts->eflags = w[TSS32_EFLAGS];
		memcpy(ts->gpr, &w[TSS32_GPR], sizeof(ts->gpr));
		for (int s = SEG_ES; s <= SEG_GS; s++)
			ts->seg[s] = (uint16_t)w[TSS32_SEG + s];
		ts->ldt = (uint16_t)w[TSS32_LDT];
		ts->cr3 = w[TSS32_CR3];
		ts->has_cr3 = true;
		ts->trap = w[TSS32_TRAP] & 1;
		return 0;
	}
	/* 16-bit: IP zero-extended; the registers' and FLAGS' low halves only
	 * (the SDM says the upper halves "are modified and not maintained";
	 * keeping them is what QEMU does); FS and GS null */
	uint16_t h[TSS16_HALVES];
	int r = gmem_read(cpu, tr->base, h, sizeof(h));
	if (r)
		return r;
	ts->eip = h[TSS16_IP];
	ts->eflags = (cpu_get_eflags(cpu) & 0xffff0000u) | h[TSS16_FLAGS];
	for (int i = 0; i < 8; i++)
		ts->gpr[i] = (cpu_gpr(cpu, i) & 0xffff0000u) | h[TSS16_GPR + i];
	for (int s = SEG_ES; s <= SEG_DS; s++)
		ts->seg[s] = h[TSS16_SEG + s];
	ts->ldt = h[TSS16_LDT];
	return 0;
}

/* Save the current (old) task's state in its TSS: EIP, EFLAGS, the GPRs
 * and the selectors (a 32-bit TSS's selector fields are 16 bits wide; the
 * words above them are left alone). 0, -1 or 14 as gmem_write. */
static int save_tss(struct vcpu *cpu, uint32_t eip, uint32_t eflags)
{
	const struct seg_cache *tr = &cpu->tr;
	uint32_t gpr[8];
	cpu_get_gprs(cpu, gpr);
	if (tss_is32(tr->attr)) {
		uint32_t w[10] = {eip, eflags};
		memcpy(&w[2], gpr, sizeof(gpr));
		int r = gmem_write(cpu, tr->base + TSS32_EIP * 4, w, sizeof(w));
		for (int s = SEG_ES; !r && s <= SEG_GS; s++)
			r = gmem_write(cpu, tr->base + (TSS32_SEG + (uint32_t)s) * 4,
				       &cpu->seg[s].sel, 2);
		return r;
	}
	/* 16-bit: IP, FLAGS, the registers' low halves, ES CS SS DS: one run of
	 * words from IP to DS (the upper halves are lost, as on hardware) */
	uint16_t h[TSS16_LDT - TSS16_IP];
	h[0] = (uint16_t)eip;
	h[1] = (uint16_t)eflags;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (uint16_t)gpr[i];
	for (int s = SEG_ES; s <= SEG_DS; s++)
		h[TSS16_SEG - TSS16_IP + s] = cpu->seg[s].sel;
	return gmem_write(cpu, tr->base + TSS16_IP * 2, h, sizeof(h));
}

/* Switch from the current task to the TSS sel (descriptor lo, hi, checked
 * by tss_descriptor). return_eip: the old task's saved EIP. With has_err,
 * err is pushed on the new task's stack (an exception through a task gate).
 * Returns a fault before the commit point; later ones are delivered here. */
static struct gexc switch_tasks(struct vcpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
				enum ts_source src, uint32_t return_eip, bool has_err, uint32_t err,
				bool ext)
{
	struct seg_cache ntr;
	seg_from_desc(&ntr, sel, lo, hi | DESC_BUSY);
	bool is32 = tss_is32(ntr.attr);
	if (ntr.limit < (is32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT))
		return exc(10, sel_err(sel, ext));

	struct task_state ts;
	int r = read_tss(cpu, &ntr, &ts);
	if (r == 14)
		return exc(14, cpu->pf_err);
	if (r) {
		vm_fail(cpu->vm,
			"guest task switch at EIP 0x%08x: the new TSS (selector 0x%04x, base "
			"0x%08x) is not in RAM",
			cpu_eip(cpu), sel, ntr.base);
		return none;
	}
	if (ts.eflags & EFL_VM) {
		vm_fail(cpu->vm,
			"guest task switch at EIP 0x%08x to a virtual-8086 task (TSS selector "
			"0x%04x): virtual-8086 mode is not supported",
			cpu_eip(cpu), sel);
		return none;
	}

	uint32_t old_eflags = cpu_get_eflags(cpu);
	if (src == TS_IRET)
		old_eflags &= ~EFL_NT; /* in the saved image only (SDM 7.3 step 6) */
	r = save_tss(cpu, return_eip, old_eflags);
	if (r == 14)
		return exc(14, cpu->pf_err);
	if (r)
		return exc(10, sel_err(cpu->tr.sel, ext));

	/* commit: busy bits, back link, TR */
	if (src == TS_JMP || src == TS_IRET)
		set_busy(cpu, cpu->tr.sel, false);
	if (src == TS_CALL || src == TS_INT) {
		uint16_t link = cpu->tr.sel;
		gmem_write(cpu, ntr.base + TSS_LINK, &link, 2);
		ts.eflags |= EFL_NT;
	}
	if (src != TS_IRET)
		set_busy(cpu, sel, true);
	cpu->tr = ntr;
	cpu->vm->stats.task_switches++;

	/* the new task's state; a 16-bit task keeps the current page tables */
	cpu->cr0 |= CR0_TS;
	cpu->dr[7] &= ~DR7_LOCAL_ENABLES; /* SDM 17.2.4: L0-L3 are per task */
	if ((cpu->cr0 & CR0_PG) && ts.has_cr3) {
		uint32_t old_cr3 = cpu->cr3;
		cpu->cr3 = ts.cr3;
		shadow_cr3_written(cpu->vm, old_cr3);
	}
	cpu_set_eflags(cpu, ts.eflags, EFL_LOADABLE);
	cpu_set_eip(cpu, ts.eip);
	cpu_set_gprs(cpu, ts.gpr);
	struct gexc e = load_segments(cpu, &ts, ext);
	if (e.vec < 0 && has_err) {
		int vec = cpu_push(cpu, err, is32 ? 4 : 2);
		if (vec)
			e = exc(vec, vec == 14 ? cpu->pf_err : ext ? 1 : 0);
	}
	if (e.vec < 0 && cpu_eip(cpu) > cpu->seg[SEG_CS].limit)
		e = exc(13, ext ? 1 : 0);
	if (e.vec >= 0) {
		new_task_fault(cpu, e);
	} else if (ts.trap) {
		cpu->dr[6] |= 0x8000; /* BT: the debug trap of the T bit */
		new_task_fault(cpu, exc(1, 0));
	}
	return none;
}

struct gexc task_far_transfer(struct vcpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, bool call,
			      uint32_t next_eip)
{
	enum ts_source src = call ? TS_CALL : TS_JMP;
	int dpl = (hi >> 13) & 3;
	if (dpl < cpu->cpl || dpl < (sel & 3))
		return exc(13, sel & 0xfffc);
	uint16_t tsel = sel;
	if (desc_type(hi) == TYPE_TASK_GATE) {
		/* the gate's DPL was checked; the TSS descriptor's is not */
		if (!(hi & 0x8000))
			return exc(11, sel & 0xfffc);
		tsel = (uint16_t)(lo >> 16);
	}
	struct gexc e = tss_descriptor(cpu, tsel, src, false, &lo, &hi);
	if (e.vec >= 0)
		return e;
	return switch_tasks(cpu, tsel, lo, hi, src, next_eip, false, 0, false);
}

struct gexc task_iret(struct vcpu *cpu, uint32_t next_eip)
{
	uint16_t link;
	if (cpu->tr.limit < 1)
		return exc(10, cpu->tr.sel & 0xfffc);
	int r = gmem_read(cpu, cpu->tr.base + TSS_LINK, &link, 2);
	if (r)
		return r == 14 ? exc(14, cpu->pf_err) : exc(10, cpu->tr.sel & 0xfffc);
	uint32_t lo, hi;
	struct gexc e = tss_descriptor(cpu, link, TS_IRET, false, &lo, &hi);
	if (e.vec >= 0)
		return e;
	return switch_tasks(cpu, link, lo, hi, TS_IRET, next_eip, false, 0, false);
}

struct gexc task_gate_interrupt(struct vcpu *cpu, uint16_t sel, uint32_t return_eip, bool has_err,
				uint32_t err, bool ext)
{
	uint32_t lo, hi;
	struct gexc e = tss_descriptor(cpu, sel, TS_INT, ext, &lo, &hi);
	if (e.vec >= 0)
		return e;
	return switch_tasks(cpu, sel, lo, hi, TS_INT, return_eip, has_err, err, ext);
}
