/* callout.c - the monitor's half of a call-out.
 *
 * Translated code stops at a sensitive instruction with the guest's state
 * in the block and EIP at that instruction; one handler per kind emulates
 * it against the virtual CPU and sets EIP to where the guest goes next.
 * Faults the instruction would raise are raised here (cpu_exception). */
#include "callout.h"

#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "guest_cpuid.h"
#include "decode.h"
#include "gmem.h"
#include "interrupt.h"
#include "machine.h"
#include "msr.h"
#include "operand.h"
#include "segments.h"
#include "shadow.h"
#include "soft.h"
#include "task_switch.h"

struct ctx {
	struct vcpu *cpu;
	const struct xinsn *in;
	int op;	   /* index of the first opcode byte */
	int osize; /* operand size: 2 or 4 */
};

static bool raise(struct ctx *c, int vec, uint32_t err)
{
	cpu_exception(c->cpu, vec, err, c->in->eip);
	return false;
}

static bool raise_gexc(struct ctx *c, struct gexc e)
{
	return e.vec < 0 || raise(c, e.vec, e.err);
}

static uint8_t byte_at(struct ctx *c, int i)
{
	return c->in->bytes[c->op + i];
}

/* ---- port I/O ---- */

static int io_size(struct ctx *c, uint8_t opcode)
{
	return opcode & 1 ? c->osize : 1;
}

static bool do_in_out(struct ctx *c)
{
	uint8_t o = byte_at(c, 0);
	bool is_in = (o & 0x2) == 0;
	uint16_t port = (o & 0x8) ? (uint16_t)cpu_gpr(c->cpu, R_EDX) : byte_at(c, 1);
	int size = io_size(c, o);
	struct io_bus *bus = &c->cpu->vm->io;
	if (is_in)
		reg_set(c->cpu, 0, size, iobus_in(bus, port, size));
	else
		iobus_out(bus, port, size, reg_get(c->cpu, 0, size));
	return true;
}

/* ins/outs, with rep: one element at a time, registers updated after each so
 * that a fault leaves them as hardware would. */
static bool do_string_io(struct ctx *c)
{
	uint8_t o = byte_at(c, 0);
	bool is_in = o < 0x6e;
	int size = io_size(c, o);
	uint32_t amask = c->in->addr16 ? 0xffff : 0xffffffffu;
	struct vcpu *cpu = c->cpu;
	int step = (cpu_get_eflags(cpu) & EFL_DF) ? -size : size;
	uint16_t port = (uint16_t)cpu_gpr(cpu, R_EDX);
	struct io_bus *bus = &cpu->vm->io;
	for (;;) {
		uint32_t ecx = cpu_gpr(cpu, R_ECX);
		if (c->in->rep && (ecx & amask) == 0)
			break;
		if (is_in) {
			uint32_t v = iobus_in(bus, port, size), edi = cpu_gpr(cpu, R_EDI);
			int vec = gmem_seg_write(cpu, SEG_ES, edi & amask, &v, (uint32_t)size);
			if (vec)
				return raise(c, vec, 0);
			cpu_set_gpr(cpu, R_EDI, (edi & ~amask) | ((edi + (uint32_t)step) & amask));
		} else {
			uint32_t v = 0, esi = cpu_gpr(cpu, R_ESI);
			int seg = insn_seg(c->in, SEG_DS);
			int vec = gmem_seg_read(cpu, seg, esi & amask, &v, (uint32_t)size);
			if (vec)
				return raise(c, vec, 0);
			iobus_out(bus, port, size, v);
			cpu_set_gpr(cpu, R_ESI, (esi & ~amask) | ((esi + (uint32_t)step) & amask));
		}
		if (!c->in->rep)
			break;
		cpu_set_gpr(cpu, R_ECX, (ecx & ~amask) | ((ecx - 1) & amask));
	}
	return true;
}

/* ---- control, debug and model-specific registers ---- */

static bool write_cr0(struct ctx *c, uint32_t v)
{
	struct vcpu *cpu = c->cpu;
	if ((v & CR0_PG) && !(v & CR0_PE))
		return raise(c, 13, 0);
	if (!(v & CR0_PE)) {
		vm_fail(cpu->vm,
			"guest left protected mode at EIP 0x%08x: real mode is not "
			"supported yet",
			c->in->eip);
		return false;
	}
	uint32_t old = cpu->cr0;
	cpu->cr0 = v | CR0_ET;
	if ((old ^ cpu->cr0) & (CR0_PG | CR0_WP))
		shadow_paging_changed(cpu->vm);
	return true;
}

static bool write_cr3_cr4(struct ctx *c, int cr, uint32_t v)
{
	struct vcpu *cpu = c->cpu;
	/* CR4 bits: TSD DE PSE PGE PCE OSFXSR OSXMMEXCPT, what CPUID offers */
	if (cr == 4 && (v & ~0x0000079cu))
		return raise(c, 13, 0);
	if (cr == 3) {
		uint32_t old = cpu->cr3;
		cpu->cr3 = v;
		shadow_cr3_written(cpu->vm, old);
		return true;
	}
	uint32_t old = cpu->cr4;
	cpu->cr4 = v;
	if ((old ^ v) & (CR4_PSE | CR4_PGE))
		shadow_paging_changed(cpu->vm); /* flushes the TLB, globals too */
	return true;
}

static bool do_mov_cr(struct ctx *c, bool to_cr)
{
	struct vcpu *cpu = c->cpu;
	uint8_t modrm = byte_at(c, 2);
	int cr = (modrm >> 3) & 7, gpr = modrm & 7;
	if (cr == 1 || cr > 4)
		return raise(c, 6, 0);
	uint32_t *crs[5] = {&cpu->cr0, NULL, &cpu->cr2, &cpu->cr3, &cpu->cr4};
	if (!to_cr) {
		cpu->vm->stats.cr_reads++;
		cpu_set_gpr(cpu, gpr, *crs[cr]);
		return true;
	}
	cpu->vm->stats.cr_writes++;
	uint32_t v = cpu_gpr(cpu, gpr);
	if (cr == 0)
		return write_cr0(c, v);
	if (cr == 2) {
		cpu->cr2 = v;
		return true;
	}
	return write_cr3_cr4(c, cr, v);
}

static bool do_mov_dr(struct ctx *c, bool to_dr)
{
	uint8_t modrm = byte_at(c, 2);
	int dr = (modrm >> 3) & 7, gpr = modrm & 7;
	if (dr == 4 || dr == 5)
		dr += 2; /* aliases of DR6/DR7 while CR4.DE is clear */
	if (to_dr)
		c->cpu->dr[dr] = cpu_gpr(c->cpu, gpr);
	else
		cpu_set_gpr(c->cpu, gpr, c->cpu->dr[dr]);
	return true;
}

static uint64_t guest_tsc(struct vcpu *cpu)
{
	return machine_tsc(cpu->vm);
}

/* rdmsr/wrmsr: the MSR table is src/msr.c */
static bool do_msr(struct ctx *c, bool write)
{
	struct vcpu *cpu = c->cpu;
	uint32_t msr = cpu_gpr(cpu, R_ECX);
	uint64_t v = (uint64_t)cpu_gpr(cpu, R_EDX) << 32 | cpu_gpr(cpu, R_EAX);
	if (write ? msr_write(cpu, msr, v) : msr_read(cpu, msr, &v))
		return raise(c, 13, 0);
	if (!write) {
		cpu_set_gpr(cpu, R_EAX, (uint32_t)v);
		cpu_set_gpr(cpu, R_EDX, (uint32_t)(v >> 32));
	}
	return true;
}

static bool do_cpuid(struct ctx *c)
{
	uint32_t r[4];
	cpuid_guest(cpu_gpr(c->cpu, R_EAX), cpu_gpr(c->cpu, R_ECX), r);
	cpu_set_gpr(c->cpu, R_EAX, r[0]);
	cpu_set_gpr(c->cpu, R_EBX, r[1]);
	cpu_set_gpr(c->cpu, R_ECX, r[2]);
	cpu_set_gpr(c->cpu, R_EDX, r[3]);
	return true;
}

static bool do_rdtsc(struct ctx *c, bool p)
{
	uint32_t r[4];
	cpuid_guest(0x80000001u, 0, r);
	if (p && !((r[3] >> 27) & 1))
		return raise(c, 6, 0); /* rdtscp on a CPU without RDTSCP */
	if ((c->cpu->cr4 & CR4_TSD) && c->cpu->cpl != 0)
		return raise(c, 13, 0); /* SDM, RDTSC/RDTSCP: time stamp disabled */
	uint64_t t = guest_tsc(c->cpu);
	cpu_set_gpr(c->cpu, R_EAX, (uint32_t)t);
	cpu_set_gpr(c->cpu, R_EDX, (uint32_t)(t >> 32));
	if (p)
		cpu_set_gpr(c->cpu, R_ECX, (uint32_t)c->cpu->msr_tsc_aux);
	return true;
}

/* ---- descriptor tables and system segments ---- */

/* 0F 00 /r and 0F 01 /r: the ModRM operand. */
static int grp_operand(struct ctx *c, struct operand *op)
{
	return insn_modrm(c->cpu, c->in, c->op + 2, op);
}

static bool do_dt_load(struct ctx *c, struct dtr *t)
{
	struct operand op;
	grp_operand(c, &op);
	if (op.is_reg)
		return raise(c, 6, 0);
	uint8_t b[6];
	int vec = gmem_seg_read(c->cpu, op.seg, op.off, b, 6);
	if (vec)
		return raise(c, vec, 0);
	t->limit = (uint16_t)(b[0] | b[1] << 8);
	t->base =
	    (uint32_t)b[2] | (uint32_t)b[3] << 8 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 24;
	if (c->osize == 2)
		t->base &= 0xffffff;
	return true;
}

static bool do_dt_store(struct ctx *c, const struct dtr *t)
{
	struct operand op;
	grp_operand(c, &op);
	if (op.is_reg)
		return raise(c, 6, 0);
	uint8_t b[6] = {(uint8_t)t->limit,	  (uint8_t)(t->limit >> 8),
			(uint8_t)t->base,	  (uint8_t)(t->base >> 8),
			(uint8_t)(t->base >> 16), (uint8_t)(t->base >> 24)};
	int vec = gmem_seg_write(c->cpu, op.seg, op.off, b, 6);
	return vec ? raise(c, vec, 0) : true;
}

/* sldt/str/smsw: a register gets the operand size, memory gets 16 bits. */
static bool store_word(struct ctx *c, uint32_t v)
{
	struct operand op;
	grp_operand(c, &op);
	int vec = op_write(c->cpu, &op, op.is_reg ? c->osize : 2, v);
	return vec ? raise(c, vec, 0) : true;
}

static bool read_word_operand(struct ctx *c, uint16_t *v)
{
	struct operand op;
	uint32_t w;
	grp_operand(c, &op);
	int vec = op_read(c->cpu, &op, 2, &w);
	if (vec)
		return raise(c, vec, 0);
	*v = (uint16_t)w;
	return true;
}

static bool do_lldt(struct ctx *c)
{
	uint16_t sel;
	if (!read_word_operand(c, &sel))
		return false;
	struct vcpu *cpu = c->cpu;
	if (!(sel & ~3u)) {
		cpu->ldtr = (struct seg_cache){.sel = sel};
		return true;
	}
	if (sel & 4)
		return raise(c, 13, sel & 0xfffc);
	uint32_t lo, hi;
	if (!raise_gexc(c, seg_read_desc(cpu, sel, &lo, &hi)))
		return false;
	if (((hi >> 8) & 0x1f) != 0x02)
		return raise(c, 13, sel & 0xfffc);
	if (!(hi & 0x8000))
		return raise(c, 11, sel & 0xfffc);
	seg_from_desc(&cpu->ldtr, sel, lo, hi);
	return true;
}

static bool do_ltr(struct ctx *c)
{
	uint16_t sel;
	if (!read_word_operand(c, &sel))
		return false;
	struct vcpu *cpu = c->cpu;
	if (!(sel & ~3u) || (sel & 4))
		return raise(c, 13, sel & 0xfffc);
	uint32_t lo, hi;
	if (!raise_gexc(c, seg_read_desc(cpu, sel, &lo, &hi)))
		return false;
	uint32_t type = (hi >> 8) & 0x1f;
	if (type != 0x09 && type != 0x01)
		return raise(c, 13, sel & 0xfffc); /* not an available TSS */
	if (!(hi & 0x8000))
		return raise(c, 11, sel & 0xfffc);
	hi |= 0x200; /* busy */
	gmem_write(cpu, cpu->gdtr.base + (sel & 0xfff8u) + 4, &hi, 4);
	seg_from_desc(&cpu->tr, sel, lo, hi);
	return true;
}

/* lar/lsl/verr/verw: ZF says whether the selector passed. */
static void set_zf(struct ctx *c, bool z)
{
	cpu_set_eflags(c->cpu, z ? EFL_ZF : 0, EFL_ZF);
}

static bool desc_visible(struct ctx *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	if (!(sel & ~3u) || seg_read_desc(c->cpu, sel, lo, hi).vec >= 0)
		return false;
	int dpl = (*hi >> 13) & 3;
	bool conforming = (*hi & 0x1c00) == 0x1c00;
	return conforming || (dpl >= c->cpu->cpl && dpl >= (sel & 3));
}

static bool do_lar_lsl(struct ctx *c, bool lsl)
{
	struct operand op;
	int reg = insn_modrm(c->cpu, c->in, c->op + 2, &op);
	uint32_t w, lo, hi;
	int vec = op_read(c->cpu, &op, 2, &w);
	if (vec)
		return raise(c, vec, 0);
	bool ok = desc_visible(c, (uint16_t)w, &lo, &hi);
	uint32_t type = (hi >> 8) & 0x1f;
	if (ok && !(type & 0x10)) {
		/* system descriptors: TSS, LDT (and for lar, gates) by type */
		static const uint16_t lar_types = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 |
						  1u << 9 | 1u << 0xb | 1u << 0xc;
		static const uint16_t lsl_types = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 9 | 1u << 0xb;
		ok = ((lsl ? lsl_types : lar_types) >> (type & 0xf)) & 1;
	}
	set_zf(c, ok);
	if (!ok)
		return true;
	struct seg_cache s;
	seg_from_desc(&s, (uint16_t)w, lo, hi);
	reg_set(c->cpu, reg, c->osize, lsl ? s.limit : hi & 0x00f0ff00u);
	return true;
}

static bool do_verr_verw(struct ctx *c, bool write)
{
	uint16_t sel;
	uint32_t lo, hi;
	if (!read_word_operand(c, &sel))
		return false;
	bool ok = desc_visible(c, sel, &lo, &hi) && (hi & 0x1000);
	bool code = hi & 0x800;
	if (ok)
		ok = write ? !code && (hi & 0x200) : !code || (hi & 0x200);
	set_zf(c, ok);
	return true;
}

static bool do_arpl(struct ctx *c)
{
	struct operand op;
	int reg = insn_modrm(c->cpu, c->in, c->op + 1, &op);
	uint32_t dst, src = reg_get(c->cpu, reg, 2);
	int vec = op_read(c->cpu, &op, 2, &dst);
	if (vec)
		return raise(c, vec, 0);
	bool adjust = (dst & 3) < (src & 3);
	set_zf(c, adjust);
	if (adjust && (vec = op_write(c->cpu, &op, 2, (dst & ~3u) | (src & 3))))
		return raise(c, vec, 0);
	return true;
}

/* ---- segment registers and far transfers ---- */

static int sreg_of_pop(uint8_t o, uint8_t o2)
{
	switch (o) {
	case 0x07: return SEG_ES;
	case 0x17: return SEG_SS;
	case 0x1f: return SEG_DS;
	case 0x0f: return o2 == 0xa1 ? SEG_FS : SEG_GS;
	}
	return -1;
}

/* lds/les/lfs/lgs/lss: offset into reg, selector into sreg. */
static bool do_load_far_pointer(struct ctx *c, int sreg, int modrm_at)
{
	struct operand op;
	int reg = insn_modrm(c->cpu, c->in, modrm_at, &op);
	if (op.is_reg)
		return raise(c, 6, 0);
	uint32_t off = 0, sel = 0;
	int vec = gmem_seg_read(c->cpu, op.seg, op.off, &off, (uint32_t)c->osize);
	if (!vec)
		vec = gmem_seg_read(c->cpu, op.seg, op.off + (uint32_t)c->osize, &sel, 2);
	if (vec)
		return raise(c, vec, 0);
	if (!raise_gexc(c, seg_load(c->cpu, sreg, (uint16_t)sel)))
		return false;
	reg_set(c->cpu, reg, c->osize, off);
	return true;
}

static bool do_seg_load(struct ctx *c)
{
	uint8_t o = byte_at(c, 0), o2 = byte_at(c, 1);
	if (o == 0x8e) {
		struct operand op;
		uint32_t sel;
		int sreg = insn_modrm(c->cpu, c->in, c->op + 1, &op);
		if (sreg == SEG_CS || sreg > SEG_GS)
			return raise(c, 6, 0);
		int vec = op_read(c->cpu, &op, 2, &sel);
		if (vec)
			return raise(c, vec, 0);
		if (sreg == SEG_SS) /* mov ss: the next instruction runs first */
			c->cpu->irq_shadow = c->cpu->db_shadow = true;
		return raise_gexc(c, seg_load(c->cpu, sreg, (uint16_t)sel));
	}
	if (o == 0xc4 || o == 0xc5)
		return do_load_far_pointer(c, o == 0xc4 ? SEG_ES : SEG_DS, c->op + 1);
	if (o == 0x0f && (o2 == 0xb2 || o2 == 0xb4 || o2 == 0xb5))
		return do_load_far_pointer(c,
					   o2 == 0xb2	? SEG_SS
					   : o2 == 0xb4 ? SEG_FS
							: SEG_GS,
					   c->op + 2);
	int sreg = sreg_of_pop(o, o2);
	uint32_t esp = cpu_esp(c->cpu), sel;
	int vec = cpu_pop(c->cpu, &sel, c->osize);
	if (vec)
		return raise(c, vec, 0);
	struct gexc e = seg_load(c->cpu, sreg, (uint16_t)sel);
	if (e.vec >= 0)
		cpu_set_esp(c->cpu, esp);
	else if (sreg == SEG_SS) /* pop ss: the next instruction runs first */
		c->cpu->irq_shadow = c->cpu->db_shadow = true;
	return raise_gexc(c, e);
}

static bool do_seg_read_mem(struct ctx *c)
{
	struct operand op;
	int sreg = insn_modrm(c->cpu, c->in, c->op + 1, &op);
	if (sreg > SEG_GS)
		return raise(c, 6, 0);
	int vec = op_write(c->cpu, &op, 2, c->cpu->seg[sreg].sel);
	return vec ? raise(c, vec, 0) : true;
}

/* Far pointer of a direct (EA/9A) or indirect (FF /3, /5) far jmp/call. */
static bool far_target(struct ctx *c, uint16_t *sel, uint32_t *off)
{
	uint8_t o = byte_at(c, 0);
	const uint8_t *b = &c->in->bytes[c->op + 1];
	if (o == 0xea || o == 0x9a) {
		*off = b[0] | b[1] << 8;
		if (c->osize == 4)
			*off |= (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		*sel = (uint16_t)(b[c->osize] | b[c->osize + 1] << 8);
		return true;
	}
	struct operand op;
	insn_modrm(c->cpu, c->in, c->op + 1, &op);
	if (op.is_reg)
		return raise(c, 6, 0);
	uint32_t s = 0;
	*off = 0;
	int vec = gmem_seg_read(c->cpu, op.seg, op.off, off, (uint32_t)c->osize);
	if (!vec)
		vec = gmem_seg_read(c->cpu, op.seg, op.off + (uint32_t)c->osize, &s, 2);
	if (vec)
		return raise(c, vec, 0);
	*sel = (uint16_t)s;
	return true;
}

static bool do_far_jmp_call(struct ctx *c, bool call)
{
	uint16_t sel;
	uint32_t off;
	if (!far_target(c, &sel, &off))
		return false;
	uint32_t lo, hi;
	if ((sel & ~3u) && seg_read_desc(c->cpu, sel, &lo, &hi).vec < 0 && task_far_target(hi)) {
		/* a TSS or a task gate: a task switch (the offset is ignored) */
		struct gexc e = task_far_transfer(c->cpu, sel, lo, hi, call, c->in->next);
		if (e.vec >= 0)
			raise(c, e.vec, e.err);
		return false; /* EIP set by the switch */
	}
	uint32_t esp = cpu_esp(c->cpu);
	if (call) {
		int vec = cpu_push(c->cpu, c->cpu->seg[SEG_CS].sel, c->osize);
		if (!vec)
			vec = cpu_push(c->cpu, c->in->next, c->osize);
		if (vec) {
			cpu_set_esp(c->cpu, esp);
			return raise(c, vec, 0);
		}
	}
	struct gexc e = seg_load_cs(c->cpu, sel, off);
	if (e.vec >= 0) {
		cpu_set_esp(c->cpu, esp);
		return raise_gexc(c, e);
	}
	cpu_set_eip(c->cpu, off);
	return false; /* EIP already set */
}

static bool do_far_ret(struct ctx *c)
{
	struct vcpu *cpu = c->cpu;
	uint32_t esp = cpu_esp(cpu), off, sel, outer_esp = 0, outer_ss = 0;
	uint32_t imm = byte_at(c, 0) == 0xca ? (uint32_t)(byte_at(c, 1) | byte_at(c, 2) << 8) : 0;
	int vec = cpu_pop(cpu, &off, c->osize);
	if (!vec)
		vec = cpu_pop(cpu, &sel, c->osize);
	cpu_set_esp(cpu, cpu_esp(cpu) + imm);
	bool outer = (int)(sel & 3) > cpu->cpl;
	if (!vec && outer) {
		vec = cpu_pop(cpu, &outer_esp, c->osize);
		if (!vec)
			vec = cpu_pop(cpu, &outer_ss, c->osize);
	}
	if (vec) {
		cpu_set_esp(cpu, esp);
		return raise(c, vec, 0);
	}
	if ((int)(sel & 3) < cpu->cpl) {
		cpu_set_esp(cpu, esp);
		return raise(c, 13, sel & 0xfffc);
	}
	int old_cpl = cpu->cpl;
	struct seg_cache old_cs = cpu->seg[SEG_CS];
	cpu->cpl = (int)(sel & 3);
	struct gexc e = seg_load_cs(cpu, (uint16_t)sel, off);
	if (e.vec < 0 && outer)
		e = seg_load(cpu, SEG_SS, (uint16_t)outer_ss);
	if (e.vec >= 0) {
		cpu->cpl = old_cpl;
		cpu->seg[SEG_CS] = old_cs;
		seg_shadow_update(cpu, SEG_CS);
		cpu_set_esp(cpu, esp);
		return raise_gexc(c, e);
	}
	if (outer)
		cpu_set_esp(cpu, outer_esp + imm);
	cpu_set_eip(cpu, off);
	return false;
}

static int iopl(struct vcpu *cpu)
{
	return (int)(cpu_get_eflags(cpu) >> 12) & 3;
}

/* popf as the SDM's table for the current CPL and IOPL says: IOPL changes
 * only at CPL 0, IF only when CPL <= IOPL; VM, RF, VIF, VIP never. */
static bool do_popf(struct ctx *c, int size)
{
	uint32_t v;
	int vec = cpu_pop(c->cpu, &v, size);
	if (vec)
		return raise(c, vec, 0);
	uint32_t mask = 0x00247fd5u; /* arith, TF, IF, DF, IOPL, NT, AC, ID */
	if (c->cpu->cpl > 0)
		mask &= ~0x3000u;
	if (c->cpu->cpl > iopl(c->cpu))
		mask &= ~EFL_IF;
	if (size == 2)
		mask &= 0xffff;
	cpu_set_eflags(c->cpu, v, mask);
	return true;
}

/* pushfw/popfw: the 16-bit forms, emulated whole. */
static bool do_flags16(struct ctx *c)
{
	if (byte_at(c, 0) == 0x9c) {
		int vec = cpu_push(c->cpu, cpu_get_eflags(c->cpu) & 0xffff, 2);
		return vec ? raise(c, vec, 0) : true;
	}
	return do_popf(c, 2);
}

/* Near call, ret and pushf done by the monitor: the x64 backend hands them
 * over when SS has a base, a limit or a 16-bit stack pointer. */
static bool do_near_stack(struct ctx *c)
{
	const struct xinsn *in = c->in;
	struct vcpu *cpu = c->cpu;
	uint32_t target = in->target;
	int vec = 0;
	switch (byte_at(c, 0)) {
	case 0x9c: /* pushf */
		vec = cpu_push(cpu, cpu_get_eflags(cpu), c->osize);
		return vec ? raise(c, vec, 0) : true;
	case 0xc2: /* ret imm16, ret */
	case 0xc3:
		if ((vec = cpu_pop(cpu, &target, c->osize)))
			break;
		if (cpu->seg[SEG_SS].attr & SEG_ATTR_DB)
			cpu_set_esp(cpu, cpu_esp(cpu) + in->ret_pop);
		else
			cpu_set_esp(cpu, (cpu_esp(cpu) & 0xffff0000u) |
					     ((cpu_esp(cpu) + in->ret_pop) & 0xffffu));
		break;
	case 0xff: { /* call r/m */
		struct operand op;
		insn_modrm(cpu, in, in->modrm_off, &op);
		if ((vec = op_read(cpu, &op, c->osize, &target)))
			break;
	}
		/* fall through */
	case 0xe8: vec = cpu_push(cpu, in->next, c->osize); break;
	default: return raise(c, 6, 0); /* adjust() sends nothing else */
	}
	if (vec)
		return raise(c, vec, 0);
	cpu_set_eip(cpu, c->osize == 2 ? target & 0xffff : target);
	return false;
}

/* cli/sti outside ring 0: allowed only when CPL <= IOPL. */
static bool do_cli_sti(struct ctx *c, bool set)
{
	if (c->cpu->cpl > iopl(c->cpu))
		return raise(c, 13, 0);
	cpu_set_eflags(c->cpu, set ? EFL_IF : 0, EFL_IF);
	if (set)
		c->cpu->irq_shadow = true;
	return true;
}

/* int n, int3, into, icebp: traps, saved EIP after the instruction. */
static bool do_int(struct ctx *c, int vec, enum int_source src)
{
	cpu_interrupt(c->cpu, vec, false, 0, src, c->in->next);
	return false;
}

/* sysenter/sysexit with the SYSENTER MSRs (flat segments at fixed offsets
 * from SYSENTER_CS, as the SDM defines them); syscall/sysret are #UD since
 * the virtual CPU has no EFER.SCE. */
int callout_sysenter(struct vcpu *cpu, bool enter)
{
	uint16_t base = (uint16_t)(cpu->msr_sysenter_cs & 0xfffc);
	if (!base || (!enter && cpu->cpl != 0))
		return 13;
	uint16_t cs = enter ? base : (uint16_t)((base + 16) | 3);
	seg_set_flat(cpu, SEG_CS, cs, enter ? 0x9b : 0xfb);
	seg_set_flat(cpu, SEG_SS, (uint16_t)(cs + 8), enter ? 0x93 : 0xf3);
	cpu->cpl = enter ? 0 : 3;
	seg_shadow_update(cpu, SEG_CS);
	seg_shadow_update(cpu, SEG_SS);
	if (enter) {
		cpu_set_eflags(cpu, 0, EFL_IF | 0x20000 /* VM */);
		cpu_set_esp(cpu, (uint32_t)cpu->msr_sysenter_esp);
		cpu_set_eip(cpu, (uint32_t)cpu->msr_sysenter_eip);
	} else {
		cpu_set_esp(cpu, cpu_gpr(cpu, R_ECX));
		cpu_set_eip(cpu, cpu_gpr(cpu, R_EDX));
	}
	return -1;
}

static bool do_sysenter(struct ctx *c)
{
	uint8_t o = byte_at(c, 1);
	if (o != 0x34 && o != 0x35)
		return raise(c, 6, 0);
	int vec = callout_sysenter(c->cpu, o == 0x34);
	return vec < 0 ? false : raise(c, vec, 0);
}

/* An x87/SIMD instruction while CR0.EM or TS is set (SDM table 2-2). */
static bool do_fpu_trap(struct ctx *c)
{
	uint32_t cr0 = c->cpu->cr0;
	if (byte_at(c, 0) == 0x9b) /* fwait: #NM only with MP and TS */
		return (cr0 & CR0_MP) && (cr0 & CR0_TS) ? raise(c, 7, 0) : true;
	/* fxsave/fxrstor (0F AE /0 /1) take #NM for EM as x87 does; the other
	 * MMX/SSE instructions #UD */
	int op = c->op;
	bool fxsr = byte_at(c, op) == 0x0f && byte_at(c, op + 1) == 0xae &&
		    ((byte_at(c, op + 2) >> 3) & 7) <= 1;
	if (c->in->simd && !fxsr && (cr0 & CR0_EM))
		return raise(c, 6, 0);
	return raise(c, 7, 0);
}

static bool do_hlt(struct ctx *c)
{
	c->cpu->halted = true;
	c->cpu->halt_eip = c->in->eip;
	c->cpu->vm->stats.hlt_exits++;
	return true;
}

/* Call-outs that only ring 0 may execute (#GP(0) elsewhere). */
static bool privileged(enum callout_kind k)
{
	switch (k) {
	case CO_HLT:
	case CO_RDMSR:
	case CO_WRMSR:
	case CO_MOV_FROM_CR:
	case CO_MOV_TO_CR:
	case CO_MOV_FROM_DR:
	case CO_MOV_TO_DR:
	case CO_CLTS:
	case CO_LMSW:
	case CO_LGDT:
	case CO_LIDT:
	case CO_LLDT:
	case CO_LTR:
	case CO_INVLPG:
	case CO_INVD: return true;
	default: return false;
	}
}

/* Port I/O outside ring 0 needs CPL <= IOPL (the TSS I/O bitmap is not
 * consulted: see docs/ARCHITECTURE.md). */
static bool io_allowed(struct ctx *c)
{
	return c->cpu->cpl <= iopl(c->cpu);
}

static bool not_yet(struct ctx *c, const char *what)
{
	vm_fail(c->cpu->vm, "guest %s at EIP 0x%08x: %s", c->in->text, c->in->eip, what);
	return false;
}

/* Returns true when the instruction completed normally (EIP = next). */
static bool dispatch(struct ctx *c)
{
	struct vcpu *cpu = c->cpu;
	uint8_t modrm_reg = (byte_at(c, 2) >> 3) & 7;
	if (privileged(c->in->co) && cpu->cpl != 0)
		return raise(c, 13, 0);
	switch (c->in->co) {
	case CO_IN:
	case CO_OUT: return io_allowed(c) ? do_in_out(c) : raise(c, 13, 0);
	case CO_INS:
	case CO_OUTS: return io_allowed(c) ? do_string_io(c) : raise(c, 13, 0);
	case CO_HLT: return do_hlt(c);
	case CO_CPUID: return do_cpuid(c);
	case CO_RDTSC: return do_rdtsc(c, false);
	case CO_RDTSCP: return do_rdtsc(c, true);
	case CO_RDMSR: return do_msr(c, false);
	case CO_WRMSR: return do_msr(c, true);
	case CO_MOV_FROM_CR: return do_mov_cr(c, false);
	case CO_MOV_TO_CR: return do_mov_cr(c, true);
	case CO_MOV_FROM_DR: return do_mov_dr(c, false);
	case CO_MOV_TO_DR: return do_mov_dr(c, true);
	case CO_CLTS: cpu->cr0 &= ~CR0_TS; return true;
	case CO_LMSW: {
		uint16_t w;
		if (!read_word_operand(c, &w))
			return false;
		return write_cr0(c, (cpu->cr0 & ~0xeu) | (w & 0xf) | (cpu->cr0 & CR0_PE));
	}
	case CO_SMSW: return store_word(c, cpu->cr0);
	case CO_LGDT: return do_dt_load(c, &cpu->gdtr);
	case CO_LIDT: return do_dt_load(c, &cpu->idtr);
	case CO_SGDT: return do_dt_store(c, &cpu->gdtr);
	case CO_SIDT: return do_dt_store(c, &cpu->idtr);
	case CO_LLDT: return do_lldt(c);
	case CO_SLDT: return store_word(c, cpu->ldtr.sel);
	case CO_LTR: return do_ltr(c);
	case CO_STR: return store_word(c, cpu->tr.sel);
	case CO_LAR: return do_lar_lsl(c, false);
	case CO_LSL: return do_lar_lsl(c, true);
	case CO_VERR:
	case CO_VERW: return do_verr_verw(c, modrm_reg == 5);
	case CO_ARPL: return do_arpl(c);
	case CO_INVLPG: {
		struct operand op;
		grp_operand(c, &op);
		cpu->vm->stats.invlpgs++;
		shadow_invlpg(cpu->vm, cpu->seg[op.seg].base + op.off);
		return true;
	}
	case CO_INVD: return true; /* no caches to write back */
	case CO_FAR_JMP: return do_far_jmp_call(c, false);
	case CO_FAR_CALL: return do_far_jmp_call(c, true);
	case CO_FAR_RET: return do_far_ret(c);
	case CO_SEG_LOAD: return do_seg_load(c);
	case CO_SEG_READ: return do_seg_read_mem(c);
	case CO_NEAR_STACK: return do_near_stack(c);
	case CO_PUSH_SREG: {
		/* x64 backend: push %sreg on a stack it cannot reach natively */
		int vec = cpu_push(c->cpu, c->cpu->seg[c->in->sreg].sel, c->osize);
		return vec ? raise(c, vec, 0) : true;
	}
	case CO_INTO: return (cpu_get_eflags(cpu) & EFL_OF) ? do_int(c, 4, INT_SOFTWARE) : true;
	case CO_INT3: return do_int(c, 3, INT_SOFTWARE);
	case CO_INT:
		if (byte_at(c, 0) == 0xf1) /* icebp: a #DB trap without the gate DPL check */
			return do_int(c, 1, INT_EXCEPTION);
		return do_int(c, byte_at(c, 1), INT_SOFTWARE);
	case CO_IRET: cpu_iret(cpu, c->osize, c->in->next); return false;
	case CO_SYSENTER: return do_sysenter(c);
	case CO_CLI: return do_cli_sti(c, false);
	case CO_STI: return do_cli_sti(c, true);
	case CO_POPF: return do_popf(c, c->osize);
	case CO_FLAGS16: return do_flags16(c);
	case CO_FPU_TRAP: return do_fpu_trap(c);
	case CO_EMULATE:
		if (soft_exec_insn(cpu->vm, c->in) == 0)
			return false; /* EIP set (or an exception delivered) */
		vm_fail(cpu->vm,
			"unsupported instruction at EIP 0x%08x (%s): the emulator does not "
			"handle it",
			c->in->eip, c->in->text);
		return false;
	case CO_RDPMC:
		/* #GP(0) at CPL > 0 with CR4.PCE clear (SDM, RDPMC), and for an
		 * ECX naming no counter: the virtual CPU has none */
		return raise(c, 13, 0);
	case CO_UD: return raise(c, 6, 0);
	case CO_NONE:
	case CO_GS_INSN:
	case CO_COUNT: break;
	}
	return not_yet(c, "no emulation for this call-out");
}

void callout_run(struct vcpu *cpu, const struct xinsn *in)
{
	struct ctx c = {.cpu = cpu, .in = in};
	c.op = insn_opcode_index(in);
	c.osize = in->opsize16 ? 2 : 4;
	cpu->vm->stats.callouts++;
	cpu->vm->stats.callout_by_kind[in->co]++;
	if (in->cls == XC_UNSUPPORTED) {
		vm_fail(cpu->vm, "unsupported instruction at EIP 0x%08x (%s): %s", in->eip,
			in->text, in->why ? in->why : "cannot be translated");
		return;
	}
	if (dispatch(&c))
		cpu_set_eip(cpu, in->next);
}
