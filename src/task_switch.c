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
 * Only 32-bit TSSes are switched; a 16-bit TSS (old or new) and a
 * virtual-8086 task stop the machine with a message. The CPU's translated
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

/* The 32-bit TSS, as 32-bit words: the fields a switch reads or writes. */
#define TSS_WORDS 26 /* 0x68 bytes */
#define TSS_MIN_LIMIT 0x67
#define TSS_LINK 0
#define TSS_CR3 7
#define TSS_EIP 8
#define TSS_EFLAGS 9
#define TSS_GPR 10 /* eax..edi, in the order of R_EAX..R_EDI */
#define TSS_SEG 18 /* es cs ss ds fs gs, in the order of SEG_ES..SEG_GS */
#define TSS_LDT 24
#define TSS_TRAP 25 /* bit 0: T, a debug trap on entering the task */

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
static struct gexc load_segments(struct vcpu *cpu, const uint32_t *tss, bool ext)
{
	static const int order[] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
	for (int s = SEG_ES; s <= SEG_GS; s++)
		cpu->seg[s] = (struct seg_cache){.sel = (uint16_t)tss[TSS_SEG + s]};
	cpu->ldtr = (struct seg_cache){.sel = (uint16_t)tss[TSS_LDT]};
	cpu->cpl = (int)(tss[TSS_SEG + SEG_CS] & 3);
	struct gexc e = load_ldtr(cpu, (uint16_t)tss[TSS_LDT], ext);
	for (size_t i = 0; e.vec < 0 && i < sizeof(order) / sizeof(order[0]); i++)
		e = load_seg(cpu, order[i], (uint16_t)tss[TSS_SEG + order[i]], ext);
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

/* Both TSSes must be 32-bit (the 16-bit layout is not built). */
static bool refuse_16bit(struct vcpu *cpu, uint16_t sel, uint32_t new_type)
{
	bool new16 = !(new_type & 0x8), old16 = !(cpu->tr.attr & 0x8);
	if (!new16 && !old16)
		return false;
	vm_fail(cpu->vm,
		"guest task switch at EIP 0x%08x from TSS 0x%04x to TSS 0x%04x: the %s TSS is "
		"a 16-bit TSS, and 16-bit task switches are not supported",
		cpu_eip(cpu), cpu->tr.sel, sel, old16 ? "old" : "new");
	return true;
}

/* Switch from the current task to the TSS sel (descriptor lo, hi, checked
 * by tss_descriptor). return_eip: the old task's saved EIP. With has_err,
 * err is pushed on the new task's stack (an exception through a task gate).
 * Returns a fault before the commit point; later ones are delivered here. */
static struct gexc switch_tasks(struct vcpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
				enum ts_source src, uint32_t return_eip, bool has_err, uint32_t err,
				bool ext)
{
	uint32_t type = desc_type(hi);
	if (refuse_16bit(cpu, sel, type))
		return none;
	struct seg_cache ntr;
	seg_from_desc(&ntr, sel, lo, hi | DESC_BUSY);
	if (ntr.limit < TSS_MIN_LIMIT)
		return exc(10, sel_err(sel, ext));

	uint32_t tss[TSS_WORDS];
	int r = gmem_read(cpu, ntr.base, tss, sizeof(tss));
	if (r == 14)
		return exc(14, cpu->pf_err);
	if (r) {
		vm_fail(cpu->vm,
			"guest task switch at EIP 0x%08x: the new TSS (selector 0x%04x, base "
			"0x%08x) is not in RAM",
			cpu_eip(cpu), sel, ntr.base);
		return none;
	}
	if (tss[TSS_EFLAGS] & EFL_VM) {
		vm_fail(cpu->vm,
			"guest task switch at EIP 0x%08x to a virtual-8086 task (TSS selector "
			"0x%04x): virtual-8086 mode is not supported",
			cpu_eip(cpu), sel);
		return none;
	}

	/* the old task's state into its TSS: EIP, EFLAGS, GPRs, then the
	 * selectors (16-bit fields; the words above them are left alone) */
	uint32_t save[10];
	save[0] = return_eip;
	save[1] = cpu_get_eflags(cpu);
	if (src == TS_IRET)
		save[1] &= ~EFL_NT;
	cpu_get_gprs(cpu, &save[2]);
	r = gmem_write(cpu, cpu->tr.base + TSS_EIP * 4, save, sizeof(save));
	for (int s = SEG_ES; !r && s <= SEG_GS; s++)
		r = gmem_write(cpu, cpu->tr.base + (TSS_SEG + (uint32_t)s) * 4, &cpu->seg[s].sel,
			       2);
	if (r == 14)
		return exc(14, cpu->pf_err);
	if (r)
		return exc(10, sel_err(cpu->tr.sel, ext));

	/* commit: busy bits, back link, TR */
	uint32_t eflags = tss[TSS_EFLAGS];
	if (src == TS_JMP || src == TS_IRET)
		set_busy(cpu, cpu->tr.sel, false);
	if (src == TS_CALL || src == TS_INT) {
		uint16_t link = cpu->tr.sel;
		gmem_write(cpu, ntr.base + TSS_LINK, &link, 2);
		eflags |= EFL_NT;
	}
	if (src != TS_IRET)
		set_busy(cpu, sel, true);
	cpu->tr = ntr;
	cpu->vm->stats.task_switches++;

	/* the new task's state */
	cpu->cr0 |= CR0_TS;
	if (cpu->cr0 & CR0_PG) {
		uint32_t old_cr3 = cpu->cr3;
		cpu->cr3 = tss[TSS_CR3];
		shadow_cr3_written(cpu->vm, old_cr3);
	}
	cpu_set_eflags(cpu, eflags, EFL_LOADABLE);
	cpu_set_eip(cpu, tss[TSS_EIP]);
	cpu_set_gprs(cpu, &tss[TSS_GPR]);
	struct gexc e = load_segments(cpu, tss, ext);
	if (e.vec < 0 && has_err) {
		int vec = cpu_push(cpu, err, 4);
		if (vec)
			e = exc(vec, vec == 14 ? cpu->pf_err : ext ? 1 : 0);
	}
	if (e.vec < 0 && cpu_eip(cpu) > cpu->seg[SEG_CS].limit)
		e = exc(13, ext ? 1 : 0);
	if (e.vec >= 0) {
		new_task_fault(cpu, e);
	} else if (tss[TSS_TRAP] & 1) {
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
