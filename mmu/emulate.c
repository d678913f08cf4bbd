/* emulate.c - software execution of one guest instruction: memory-touching
 * ones, and the 32-bit-only ones a 64-bit host cannot run (see emulate.h
 * for what is covered and the flag choices).
 *
 * The instruction arrives decoded by xdecode, but only its bytes and its
 * effective operand/address sizes are used: the emulator parses prefixes,
 * opcode, ModRM/SIB, displacement and immediate itself and rejects (as
 * EMU_UNSUPPORTED) any instruction whose parsed length differs from
 * in->len, so a disagreement with Capstone never executes a wrong form.
 *
 * Execution works on a copy of the registers (struct emu.s) that is
 * committed to the caller's only when the instruction completes. Every
 * instruction reads all its memory operands before it writes, and writes
 * memory before the registers are committed, so an exception from ops
 * leaves the guest state as it was. The exceptions are rep string
 * instructions, which commit per iteration as the processor does, and
 * pusha and enter, which write several stack slots below ESP (pusha its
 * two ends first), where a restart writes the same values again. */
#include "emulate.h"

#include <string.h>

#include "decode.h"
#include "modrm.h"

#define VEC_BR 5
#define VEC_UD 6
/* internal: a rep string instruction stopped after EMU_REP_CHUNK iterations */
#define EMU_CUT (-2)

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

struct emu {
	const struct xinsn *in;
	const struct emu_ops *ops;
	struct emu_regs s; /* working copy of the registers */
	uint8_t op;	   /* opcode byte; the second one after 0x0f */
	bool twobyte;	   /* 0x0f-escaped opcode */
	int osz;	   /* operand size of v-sized operands: 2 or 4 */
	bool addr16;
	bool lock;
	uint8_t rep;	/* the last of 0xf2/0xf3, 0 if none */
	bool string;	/* a string instruction: commits completed iterations */
	int pos;	/* next byte of in->bytes to parse */
	struct modrm m; /* the ModRM operand */
	int seg;	/* segment of the memory operand */
	uint32_t off;	/* its offset (effective address) */
};

/* ---- registers, sizes, memory ---- */

static uint32_t size_mask(int size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static uint32_t sign_bit(int size)
{
	return 1u << (8 * size - 1);
}

static uint32_t sign_extend(uint32_t v, int size)
{
	if (size == 1)
		return (uint32_t)(int32_t)(int8_t)v;
	if (size == 2)
		return (uint32_t)(int32_t)(int16_t)v;
	return v;
}

/* Byte registers 4..7 are AH, CH, DH, BH. */
static uint32_t reg_read(const struct emu_regs *s, int reg, int size)
{
	if (size == 1)
		return reg < 4 ? s->gpr[reg] & 0xff : (s->gpr[reg - 4] >> 8) & 0xff;
	return s->gpr[reg] & size_mask(size);
}

/* Partial writes keep the rest of the register, as in 32-bit mode. */
static void reg_write(struct emu_regs *s, int reg, int size, uint32_t v)
{
	if (size == 1 && reg >= 4)
		s->gpr[reg - 4] = (s->gpr[reg - 4] & ~0xff00u) | ((v & 0xff) << 8);
	else
		s->gpr[reg] = (s->gpr[reg] & ~size_mask(size)) | (v & size_mask(size));
}

static int mem_read64(struct emu *e, int seg, uint32_t off, int size, uint64_t *v)
{
	uint8_t b[8] = {0};
	int rc = e->ops->read(e->ops->ctx, seg, off, b, size);

	*v = 0;
	for (int i = size - 1; i >= 0; i--)
		*v = (*v << 8) | b[i];
	return rc;
}

static int mem_write64(struct emu *e, int seg, uint32_t off, int size, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return e->ops->write(e->ops->ctx, seg, off, b, size);
}

static int mem_read(struct emu *e, int seg, uint32_t off, int size, uint32_t *v)
{
	uint64_t w;
	int rc = mem_read64(e, seg, off, size, &w);

	*v = (uint32_t)w;
	return rc;
}

static int mem_write(struct emu *e, int seg, uint32_t off, int size, uint32_t v)
{
	return mem_write64(e, seg, off, size, v);
}

/* The ModRM memory operand. */
static int rm_read(struct emu *e, int size, uint32_t *v)
{
	return mem_read(e, e->seg, e->off, size, v);
}

static int rm_write(struct emu *e, int size, uint32_t v)
{
	return mem_write(e, e->seg, e->off, size, v);
}

/* ---- instruction bytes ---- */

static int seg_of_prefix(uint8_t p)
{
	switch (p) {
	case 0x26: return SEG_ES;
	case 0x2e: return SEG_CS;
	case 0x36: return SEG_SS;
	case 0x64: return SEG_FS;
	case 0x65: return SEG_GS;
	}
	return SEG_DS;
}

/* Segment of a data access: the override prefix if any, else dflt. */
static int data_seg(const struct emu *e, int dflt)
{
	return e->in->seg_prefix_off >= 0 ? seg_of_prefix(e->in->seg_prefix) : dflt;
}

/* Prefixes and opcode. The sizes come from the decoder, which already
 * turned the 0x66/0x67 prefixes into effective sizes for the code's mode. */
static bool parse_opcode(struct emu *e)
{
	const struct xinsn *in = e->in;
	int i = 0;

	for (; i < in->opcode_off; i++) { /* the decoder found where the prefixes end */
		if (in->bytes[i] == 0xf0)
			e->lock = true;
		else if (in->bytes[i] == 0xf2 || in->bytes[i] == 0xf3)
			e->rep = in->bytes[i]; /* the last one counts */
	}
	if (i >= in->len)
		return false;
	e->op = in->bytes[i++];
	if (e->op == 0x0f) {
		if (i >= in->len)
			return false;
		e->twobyte = true;
		e->op = in->bytes[i++];
	}
	e->pos = i;
	e->osz = in->opsize16 ? 2 : 4;
	e->addr16 = in->addr16;
	return true;
}

/* Little-endian immediate or displacement of n bytes at *pos. */
static uint32_t fetch(const struct emu *e, int *pos, int n)
{
	uint32_t v = 0;

	for (int k = n - 1; k >= 0; k--)
		v = (v << 8) | e->in->bytes[*pos + k];
	*pos += n;
	return v;
}

/* Effective address and segment of the ModRM operand, from the current
 * working registers (pop recomputes it after it moved ESP). */
static void compute_ea(struct emu *e)
{
	int dseg;

	e->off = modrm_ea(&e->m, e->addr16, e->s.gpr, &dseg);
	e->seg = data_seg(e, dseg);
}

/* Parses the ModRM at e->pos, which must name memory, and checks that
 * exactly imm immediate bytes complete the instruction. On success
 * e->pos is at the immediate. */
static bool parse_mem(struct emu *e, int imm)
{
	const struct xinsn *in = e->in;

	if (e->pos >= in->len ||
	    modrm_parse(in->bytes + e->pos, in->len - e->pos, e->addr16, &e->m) || e->m.mod == 3 ||
	    e->pos + e->m.len + imm != in->len)
		return false;
	e->pos += e->m.len;
	compute_ea(e);
	return true;
}

/* The ModRM reg field without parsing the rest (group opcodes). */
static int peek_reg(const struct emu *e)
{
	return e->pos < e->in->len ? (e->in->bytes[e->pos] >> 3) & 7 : -1;
}

static uint32_t imm(struct emu *e, int n)
{
	return fetch(e, &e->pos, n);
}

/* ---- flags ---- */

static uint32_t flags_szp(uint32_t res, int size)
{
	uint32_t f = 0;

	res &= size_mask(size);
	if (res == 0)
		f |= F_ZF;
	if (res & sign_bit(size))
		f |= F_SF;
	if (!__builtin_parity(res & 0xff))
		f |= F_PF;
	return f;
}

static void set_flags(struct emu *e, uint32_t mask, uint32_t f)
{
	e->s.eflags = (e->s.eflags & ~mask) | (f & mask);
}

/* a + b + c (c = 0/1), its flags in *f. */
static uint32_t add_op(uint32_t a, uint32_t b, uint32_t c, int size, uint32_t *f)
{
	uint32_t m = size_mask(size);
	uint64_t wide = (uint64_t)(a & m) + (b & m) + c;
	uint32_t res = (uint32_t)wide & m;

	*f = flags_szp(res, size);
	if (wide > m)
		*f |= F_CF;
	if ((a ^ b ^ res) & 0x10)
		*f |= F_AF;
	if (~(a ^ b) & (a ^ res) & sign_bit(size))
		*f |= F_OF; /* operands of one sign, result of the other */
	return res;
}

/* a - b - c (c = 0/1), its flags in *f. */
static uint32_t sub_op(uint32_t a, uint32_t b, uint32_t c, int size, uint32_t *f)
{
	uint32_t m = size_mask(size);
	uint32_t res = (a - b - c) & m;

	*f = flags_szp(res, size);
	if ((uint64_t)(a & m) < (uint64_t)(b & m) + c)
		*f |= F_CF;
	if ((a ^ b ^ res) & 0x10)
		*f |= F_AF;
	if ((a ^ b) & (a ^ res) & sign_bit(size))
		*f |= F_OF; /* operands of different signs, result not a's */
	return res;
}

/* Logic ops clear CF and OF; AF is undefined and cleared by hardware. */
static uint32_t logic_flags(uint32_t res, int size)
{
	return flags_szp(res, size);
}

/* One of the eight ALU operations; all six arithmetic flags in *f. */
static uint32_t alu(int op, uint32_t a, uint32_t b, int size, uint32_t eflags, uint32_t *f)
{
	uint32_t c = eflags & F_CF;
	uint32_t res;

	switch (op) {
	case ALU_ADD: return add_op(a, b, 0, size, f);
	case ALU_ADC: return add_op(a, b, c, size, f);
	case ALU_SBB: return sub_op(a, b, c, size, f);
	case ALU_SUB:
	case ALU_CMP: return sub_op(a, b, 0, size, f);
	case ALU_OR: res = a | b; break;
	case ALU_AND: res = a & b; break;
	default: res = a ^ b; break;
	}
	res &= size_mask(size);
	*f = logic_flags(res, size);
	return res;
}

static bool cond(uint32_t fl, int cc)
{
	bool sf = fl & F_SF, of = fl & F_OF;
	bool r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = fl & F_CF; break;
	case 2: r = fl & F_ZF; break;
	case 3: r = fl & (F_CF | F_ZF); break;
	case 4: r = sf; break;
	case 5: r = fl & F_PF; break;
	case 6: r = sf != of; break;
	default: r = (fl & F_ZF) || sf != of; break;
	}
	return (cc & 1) ? !r : r;
}

/* ---- shifts and rotates ---- */

struct shres {
	uint32_t val;
	uint32_t mask; /* flags written */
	uint32_t f;    /* their values */
};

static uint32_t bit(uint32_t v, unsigned n)
{
	return (v >> n) & 1;
}

/* Rotates change CF and OF only. OF is defined for a count of 1; for
 * larger counts Intel cores give the count-1 value of the same operand,
 * which is what the formulas below compute for every count. */
static struct shres rotate(int kind, uint32_t v, unsigned n, int size, uint32_t cf_in)
{
	unsigned w = 8 * size, t;
	uint32_t m = size_mask(size);
	uint64_t x, xm;
	struct shres r = {v, F_CF | F_OF, 0};
	uint32_t cf, of;

	switch (kind) {
	case SH_ROL:
		t = n % w;
		r.val = t ? ((v << t) | (v >> (w - t))) & m : v;
		cf = r.val & 1;
		of = bit(v, w - 1) ^ bit(v, w - 2);
		break;
	case SH_ROR:
		t = n % w;
		r.val = t ? ((v >> t) | (v << (w - t))) & m : v;
		cf = bit(r.val, w - 1);
		of = bit(v, 0) ^ bit(v, w - 1);
		break;
	default:
		/* through CF: a (w+1)-bit rotate; for 8/16 bits the count is
		 * taken mod 9/17, and a remainder of 0 changes nothing */
		t = w == 32 ? n : n % (w + 1);
		if (t == 0) {
			r.mask = 0;
			return r;
		}
		xm = ((uint64_t)1 << (w + 1)) - 1;
		x = ((uint64_t)cf_in << w) | v;
		if (kind == SH_RCL) {
			x = ((x << t) | (x >> (w + 1 - t))) & xm;
			of = bit(v, w - 1) ^ bit(v, w - 2);
		} else {
			x = ((x >> t) | (x << (w + 1 - t))) & xm;
			of = bit(v, w - 1) ^ cf_in;
		}
		r.val = (uint32_t)x & m;
		cf = (uint32_t)(x >> w) & 1;
		break;
	}
	r.f = (cf ? F_CF : 0) | (of ? F_OF : 0);
	return r;
}

/* Shifts set all six flags; AF (undefined) is cleared as Intel cores do.
 * An 8/16-bit operand shifted by its width or more behaves as if it sat in
 * a 32-bit shifter: CF is the last bit shifted out, 0 once past it. */
static struct shres shift(int kind, uint32_t v, unsigned n, int size)
{
	unsigned w = 8 * size;
	uint32_t m = size_mask(size);
	struct shres r = {0, F_ARITH, 0};
	uint32_t cf, of;
	int32_t sv;

	switch (kind) {
	case SH_SHL:
	case SH_SAL:
		r.val = n >= w ? 0 : (v << n) & m;
		cf = n <= w ? bit(v, w - n) : 0;
		of = bit(v, w - 1) ^ bit(v, w - 2);
		break;
	case SH_SHR:
		r.val = n >= w ? 0 : v >> n;
		cf = n <= w ? bit(v, n - 1) : 0;
		of = bit(v, w - 1);
		break;
	default:
		sv = (int32_t)sign_extend(v, size);
		r.val = (uint32_t)(sv >> (n < w ? n : w - 1)) & m;
		cf = (uint32_t)(sv >> (n - 1 < w ? n - 1 : w - 1)) & 1;
		of = 0;
		break;
	}
	r.f = flags_szp(r.val, size) | (cf ? F_CF : 0) | (of ? F_OF : 0);
	return r;
}

/* Any of the eight group-2 operations; the count is masked to 5 bits and
 * a masked count of 0 changes no flags. */
static struct shres shift_rotate(int kind, uint32_t v, unsigned count, int size, uint32_t eflags)
{
	unsigned n = count & 0x1f;
	struct shres none = {v & size_mask(size), 0, 0};

	if (n == 0)
		return none;
	if (kind <= SH_RCR)
		return rotate(kind, v & size_mask(size), n, size, eflags & F_CF);
	return shift(kind, v & size_mask(size), n, size);
}

/* ---- instructions ---- */

static int byte_or_v(const struct emu *e)
{
	return (e->op & 1) ? e->osz : 1;
}

/* 88/89/8A/8B, C6/C7 /0 */
static int do_mov(struct emu *e)
{
	int size = byte_or_v(e);
	uint32_t v;
	int rc;

	switch (e->op) {
	case 0x88:
	case 0x89: return rm_write(e, size, reg_read(&e->s, e->m.reg, size));
	case 0x8a:
	case 0x8b:
		rc = rm_read(e, size, &v);
		if (!rc)
			reg_write(&e->s, e->m.reg, size, v);
		return rc;
	default: return rm_write(e, size, imm(e, size));
	}
}

/* A0-A3: accumulator <-> [moffs], the offset sized by the address size. */
static int do_moffs(struct emu *e)
{
	int size = byte_or_v(e), asz = e->addr16 ? 2 : 4;
	uint32_t off, v;
	int seg = data_seg(e, SEG_DS), rc;

	if (e->pos + asz != e->in->len)
		return EMU_UNSUPPORTED;
	off = imm(e, asz);
	if (e->op >= 0xa2)
		return mem_write(e, seg, off, size, reg_read(&e->s, R_EAX, size));
	rc = mem_read(e, seg, off, size, &v);
	if (!rc)
		reg_write(&e->s, R_EAX, size, v);
	return rc;
}

/* 0F B6/B7/BE/BF */
static int do_movx(struct emu *e)
{
	int src = (e->op & 1) ? 2 : 1;
	uint32_t v;
	int rc = rm_read(e, src, &v);

	if (rc)
		return rc;
	if (e->op >= 0xbe)
		v = sign_extend(v, src);
	reg_write(&e->s, e->m.reg, e->osz, v);
	return 0;
}

/* Memory destination: [m] = [m] op b (cmp and test only read). */
static int alu_to_mem(struct emu *e, int op, uint32_t b, int size)
{
	uint32_t a, res, f;
	int rc = rm_read(e, size, &a);

	if (rc)
		return rc;
	res = alu(op, a, b, size, e->s.eflags, &f);
	if (op != ALU_CMP) {
		rc = rm_write(e, size, res);
		if (rc)
			return rc;
	}
	set_flags(e, F_ARITH, f);
	return 0;
}

/* 00-3B: op>>3 is the operation, bit 1 the direction, bit 0 the size. */
static int do_alu(struct emu *e)
{
	int op = e->op >> 3, size = byte_or_v(e);
	uint32_t a, b, f, res;
	int rc;

	if (!(e->op & 2))
		return alu_to_mem(e, op, reg_read(&e->s, e->m.reg, size), size);
	rc = rm_read(e, size, &b);
	if (rc)
		return rc;
	a = reg_read(&e->s, e->m.reg, size);
	res = alu(op, a, b, size, e->s.eflags, &f);
	if (op != ALU_CMP)
		reg_write(&e->s, e->m.reg, size, res);
	set_flags(e, F_ARITH, f);
	return 0;
}

/* 80/81/82/83: group 1 with an immediate (83: imm8 sign-extended). */
static int do_alu_imm(struct emu *e)
{
	int size = e->op == 0x81 || e->op == 0x83 ? e->osz : 1;
	uint32_t b = e->op == 0x81 ? imm(e, size) : sign_extend(imm(e, 1), 1);

	return alu_to_mem(e, e->m.reg, b, size);
}

/* 84/85 and F6/F7 /0 /1: and without the write. */
static int do_test(struct emu *e, uint32_t b, int size)
{
	uint32_t a;
	int rc = rm_read(e, size, &a);

	if (!rc)
		set_flags(e, F_ARITH, logic_flags(a & b, size));
	return rc;
}

/* F6/F7 /2 not, /3 neg */
static int do_not_neg(struct emu *e)
{
	int size = byte_or_v(e);
	uint32_t v, res, f = 0;
	int rc = rm_read(e, size, &v);

	if (rc)
		return rc;
	if (e->m.reg == 2)
		res = ~v & size_mask(size);
	else
		res = sub_op(0, v, 0, size, &f); /* CF = (v != 0) */
	rc = rm_write(e, size, res);
	if (!rc && e->m.reg == 3)
		set_flags(e, F_ARITH, f);
	return rc;
}

/* FE/FF /0 inc, /1 dec: CF is kept. */
static int do_inc_dec(struct emu *e)
{
	int size = byte_or_v(e);
	uint32_t v, res, f;
	int rc = rm_read(e, size, &v);

	if (rc)
		return rc;
	res = e->m.reg == 0 ? add_op(v, 1, 0, size, &f) : sub_op(v, 1, 0, size, &f);
	rc = rm_write(e, size, res);
	if (!rc)
		set_flags(e, F_ARITH & ~F_CF, f);
	return rc;
}

/* 86/87 */
static int do_xchg(struct emu *e)
{
	int size = byte_or_v(e);
	uint32_t v;
	int rc = rm_read(e, size, &v);

	if (!rc)
		rc = rm_write(e, size, reg_read(&e->s, e->m.reg, size));
	if (!rc)
		reg_write(&e->s, e->m.reg, size, v);
	return rc;
}

/* 0F C0/C1: [m] = [m] + reg, reg = old [m]. */
static int do_xadd(struct emu *e)
{
	int size = byte_or_v(e);
	uint32_t v, res, f;
	int rc = rm_read(e, size, &v);

	if (rc)
		return rc;
	res = add_op(v, reg_read(&e->s, e->m.reg, size), 0, size, &f);
	rc = rm_write(e, size, res);
	if (rc)
		return rc;
	reg_write(&e->s, e->m.reg, size, v);
	set_flags(e, F_ARITH, f);
	return 0;
}

/* 0F B0/B1. A failed comparison writes the old value back (the processor
 * always does a write cycle) and loads it into the accumulator. */
static int do_cmpxchg(struct emu *e)
{
	int size = byte_or_v(e);
	uint32_t v, acc = reg_read(&e->s, R_EAX, size), f;
	bool eq;
	int rc = rm_read(e, size, &v);

	if (rc)
		return rc;
	sub_op(acc, v, 0, size, &f);
	eq = acc == v;
	rc = rm_write(e, size, eq ? reg_read(&e->s, e->m.reg, size) : v);
	if (rc)
		return rc;
	if (!eq)
		reg_write(&e->s, R_EAX, size, v);
	set_flags(e, F_ARITH, f);
	return 0;
}

/* 0F C7 /1: EDX:EAX vs m64; only ZF changes. Writes back like cmpxchg. */
static int do_cmpxchg8b(struct emu *e)
{
	uint32_t *g = e->s.gpr;
	uint64_t v, acc = ((uint64_t)g[R_EDX] << 32) | g[R_EAX];
	uint64_t src = ((uint64_t)g[R_ECX] << 32) | g[R_EBX];
	int rc = mem_read64(e, e->seg, e->off, 8, &v);

	if (rc)
		return rc;
	rc = mem_write64(e, e->seg, e->off, 8, acc == v ? src : v);
	if (rc)
		return rc;
	if (acc != v) {
		g[R_EAX] = (uint32_t)v;
		g[R_EDX] = (uint32_t)(v >> 32);
	}
	set_flags(e, F_ZF, acc == v ? F_ZF : 0);
	return 0;
}

/* bt family, kind 0 bt, 1 bts, 2 btr, 3 btc. A register bit offset is
 * signed and may address outside the operand: the access moves to the
 * operand-sized unit that holds the bit (with 16-bit addressing the moved
 * address is assumed to wrap at 64 KiB like any 16-bit effective address).
 * OF, SF, AF, PF are undefined and Intel cores leave them alone; so does
 * the emulator. */
static int bit_op(struct emu *e, int kind, int32_t offset, bool from_reg)
{
	int size = e->osz, bits = 8 * size;
	uint32_t v, mask;
	int rc;

	if (from_reg) {
		uint32_t step = (uint32_t)((offset >> 3) & ~(size - 1));

		e->off = (e->off + step) & (e->addr16 ? 0xffff : 0xffffffff);
	}
	mask = 1u << (offset & (bits - 1));
	rc = rm_read(e, size, &v);
	if (rc)
		return rc;
	if (kind) {
		uint32_t res = kind == 1 ? v | mask : kind == 2 ? v & ~mask : v ^ mask;

		rc = rm_write(e, size, res);
		if (rc)
			return rc;
	}
	set_flags(e, F_CF, (v & mask) ? F_CF : 0);
	return 0;
}

/* 0F A3/AB/B3/BB: bit offset in a register. */
static int do_bt_reg(struct emu *e)
{
	int kind = (e->op >> 3) & 3; /* a3 -> 0, ab -> 1, b3 -> 2, bb -> 3 */
	uint32_t r = reg_read(&e->s, e->m.reg, e->osz);

	return bit_op(e, kind, (int32_t)sign_extend(r, e->osz), true);
}

/* D0-D3, C0/C1 */
static int do_shift(struct emu *e)
{
	int size = byte_or_v(e);
	unsigned count;
	uint32_t v;
	struct shres r;
	int rc;

	if (e->op >= 0xd0)
		count = e->op >= 0xd2 ? e->s.gpr[R_ECX] & 0xff : 1;
	else
		count = imm(e, 1);
	rc = rm_read(e, size, &v);
	if (rc)
		return rc;
	r = shift_rotate(e->m.reg, v, count, size, e->s.eflags);
	rc = rm_write(e, size, r.val);
	if (!rc)
		set_flags(e, r.mask, r.f);
	return rc;
}

/* 0F 90-9F */
static int do_setcc(struct emu *e)
{
	return rm_write(e, 1, cond(e->s.eflags, e->op & 15));
}

/* ---- stack ---- */

static uint32_t sp_mask(const struct emu *e)
{
	return e->s.stack32 ? 0xffffffffu : 0xffffu;
}

/* Moves the stack pointer by delta: ESP, or SP alone on a 16-bit stack. */
static void sp_add(struct emu *e, uint32_t delta)
{
	uint32_t m = sp_mask(e);

	e->s.gpr[R_ESP] = (e->s.gpr[R_ESP] & ~m) | ((e->s.gpr[R_ESP] + delta) & m);
}

/* Writes v below the stack pointer, then moves it. */
static int push(struct emu *e, uint32_t v, int size)
{
	uint32_t sp = (e->s.gpr[R_ESP] - size) & sp_mask(e);
	int rc = mem_write(e, SEG_SS, sp, size, v);

	if (!rc)
		sp_add(e, (uint32_t)-size);
	return rc;
}

/* Reads the value at the stack pointer, then moves it. */
static int pop(struct emu *e, int size, uint32_t *v)
{
	int rc = mem_read(e, SEG_SS, e->s.gpr[R_ESP] & sp_mask(e), size, v);

	if (!rc)
		sp_add(e, (uint32_t)size);
	return rc;
}

/* FF /6: the address is taken before ESP moves. */
static int do_push_mem(struct emu *e)
{
	uint32_t v;
	int rc = rm_read(e, e->osz, &v);

	return rc ? rc : push(e, v, e->osz);
}

/* 8F /0: the processor increments ESP before it computes an ESP-based
 * destination address. */
static int do_pop_mem(struct emu *e)
{
	uint32_t v;
	int rc = pop(e, e->osz, &v);

	if (rc)
		return rc;
	compute_ea(e);
	return rm_write(e, e->osz, v);
}

/* FF /2 call, FF /4 jmp near through memory; a 16-bit operand size
 * truncates the target and pushes IP. */
static int do_branch_mem(struct emu *e)
{
	uint32_t target;
	int rc = rm_read(e, e->osz, &target);

	if (rc)
		return rc;
	if (e->m.reg == 2) {
		rc = push(e, e->in->next & size_mask(e->osz), e->osz);
		if (rc)
			return rc;
	}
	e->s.eip = target;
	return 0;
}

/* ---- strings ---- */

/* One iteration of A4-AF at SI/DI; compare results go to the flags. */
static int string_step(struct emu *e, int kind, int size, uint32_t si, uint32_t di)
{
	int sseg = data_seg(e, SEG_DS), rc = 0;
	uint32_t a, b, f;

	switch (kind) {
	case 0xa4: /* movs */
		rc = mem_read(e, sseg, si, size, &a);
		return rc ? rc : mem_write(e, SEG_ES, di, size, a);
	case 0xa6: /* cmps: [si] - [di] */
		rc = mem_read(e, sseg, si, size, &a);
		if (!rc)
			rc = mem_read(e, SEG_ES, di, size, &b);
		break;
	case 0xaa: /* stos */ return mem_write(e, SEG_ES, di, size, reg_read(&e->s, R_EAX, size));
	case 0xac: /* lods */
		rc = mem_read(e, sseg, si, size, &a);
		if (!rc)
			reg_write(&e->s, R_EAX, size, a);
		return rc;
	default: /* scas: acc - [di] */
		a = reg_read(&e->s, R_EAX, size);
		rc = mem_read(e, SEG_ES, di, size, &b);
		break;
	}
	if (!rc) {
		sub_op(a, b, 0, size, &f);
		set_flags(e, F_ARITH, f);
	}
	return rc;
}

/* Adds delta to the SI/DI/CX-sized part of register reg. */
static void index_add(struct emu *e, int reg, uint32_t delta)
{
	uint32_t m = e->addr16 ? 0xffff : 0xffffffff;

	e->s.gpr[reg] = (e->s.gpr[reg] & ~m) | ((e->s.gpr[reg] + delta) & m);
}

/* A4-AF. Registers advance per iteration in the working copy, so after a
 * fault it holds exactly the completed iterations. Returns 0 when the
 * instruction completed, EMU_CUT when it stopped after EMU_REP_CHUNK
 * iterations, or a vector. F2 on movs/stos/lods acts as rep, as on all
 * processors. */
static int do_string(struct emu *e)
{
	int kind = e->op & 0xfe, size = byte_or_v(e);
	uint32_t m = e->addr16 ? 0xffff : 0xffffffff;
	uint32_t step = (e->s.eflags & F_DF) ? (uint32_t)-size : (uint32_t)size;
	bool uses_si = kind == 0xa4 || kind == 0xa6 || kind == 0xac;
	bool uses_di = kind != 0xac;
	bool compares = kind == 0xa6 || kind == 0xae;

	e->string = true;
	for (unsigned iter = 0;; iter++) {
		int rc;

		if (e->rep && (e->s.gpr[R_ECX] & m) == 0)
			return 0;
		if (iter == EMU_REP_CHUNK)
			return EMU_CUT;
		rc = string_step(e, kind, size, e->s.gpr[R_ESI] & m, e->s.gpr[R_EDI] & m);
		if (rc)
			return rc;
		if (uses_si)
			index_add(e, R_ESI, step);
		if (uses_di)
			index_add(e, R_EDI, step);
		if (!e->rep)
			return 0;
		index_add(e, R_ECX, (uint32_t)-1);
		if (compares && ((e->rep == 0xf3) != !!(e->s.eflags & F_ZF)))
			return 0; /* repe: stop on a difference; repne: on equality */
	}
}

/* ---- register pushes and stack frames ---- */

/* 50-57 push reg, 58-5F pop reg. push %esp stores the value ESP had
 * before the push; pop %esp loads the popped value over the increment. */
static int do_push_pop_reg(struct emu *e)
{
	int reg = e->op & 7;
	uint32_t v;
	int rc;

	if (e->op < 0x58)
		return push(e, reg_read(&e->s, reg, e->osz), e->osz);
	rc = pop(e, e->osz, &v);
	if (!rc)
		reg_write(&e->s, reg, e->osz, v);
	return rc;
}

/* 68 push imm16/imm32, 6A push imm8 sign-extended to the operand size. */
static int do_push_imm(struct emu *e)
{
	uint32_t v = e->op == 0x68 ? imm(e, e->osz) : sign_extend(imm(e, 1), 1);

	return push(e, v, e->osz);
}

/* E8 call rel16/rel32: a kernel whose stack runs into a traced page
 * table calls there. A 16-bit operand size pushes IP and truncates the
 * target to 16 bits. */
static int do_call_rel(struct emu *e)
{
	uint32_t rel = imm(e, e->osz), next = e->in->next;
	int rc = push(e, next & size_mask(e->osz), e->osz);

	if (rc)
		return rc;
	e->s.eip = (next + rel) & size_mask(e->osz);
	return 0;
}

/* Stack offset of push number k (from 0) of a run of pushes of size bytes
 * that starts at the current stack pointer. */
static uint32_t push_slot(const struct emu *e, int k, int size)
{
	return (e->s.gpr[R_ESP] - (uint32_t)((k + 1) * size)) & sp_mask(e);
}

/* The n pushes of v[] as one instruction (pusha). The slots at the ends of
 * the range are written first: once they are, the segment limit and the
 * (at most two) pages of the 32 bytes have accepted the whole range, so a
 * limit or page fault comes before any other write and no register has
 * changed. A 16-bit SP that wraps splits the range in two; the slots on
 * either side of the wrap are ends too. */
static int push_block(struct emu *e, const uint32_t *v, int n, int size)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < n; k++) {
			bool end = k == 0 || k == n - 1 || push_slot(e, k, size) < (uint32_t)size ||
				   push_slot(e, k - 1, size) < (uint32_t)size;
			int rc;

			if (end != (pass == 0))
				continue;
			rc = mem_write(e, SEG_SS, push_slot(e, k, size), size, v[k]);
			if (rc)
				return rc;
		}
	}
	sp_add(e, (uint32_t)(-n * size));
	return 0;
}

/* 60: EAX, ECX, EDX, EBX, the ESP before the instruction, EBP, ESI, EDI
 * (their low halves with a 16-bit operand size). */
static int do_pusha(struct emu *e)
{
	uint32_t v[8];

	for (int i = 0; i < 8; i++)
		v[i] = reg_read(&e->s, i, e->osz);
	return push_block(e, v, 8, e->osz);
}

/* 61: EDI, ESI, EBP, (the saved ESP: skipped, not read, per the SDM), EBX,
 * EDX, ECX, EAX. Every read comes before any register changes. */
static int do_popa(struct emu *e)
{
	int size = e->osz;
	uint32_t v[8];

	for (int k = 0; k < 8; k++) {
		uint32_t off = (e->s.gpr[R_ESP] + (uint32_t)(k * size)) & sp_mask(e);
		int rc = 7 - k == R_ESP ? 0 : mem_read(e, SEG_SS, off, size, &v[k]);

		if (rc)
			return rc;
	}
	for (int k = 0; k < 8; k++)
		if (7 - k != R_ESP)
			reg_write(&e->s, 7 - k, size, v[k]);
	sp_add(e, (uint32_t)(8 * size));
	return 0;
}

/* C8 imm16, imm8: the SDM's ENTER. The level is taken mod 32. Levels > 1
 * copy level - 1 frame pointers of the enclosing frame, read at EBP - size,
 * EBP - 2 * size... (offsets wrap as the stack pointer does), then every
 * level > 0 pushes the new frame pointer. EBP is written at the operand
 * size, ESP moves at the stack size, as for push. */
static int do_enter(struct emu *e)
{
	int size = e->osz;
	uint32_t alloc = imm(e, 2), level = imm(e, 1) & 31;
	uint32_t ebp = e->s.gpr[R_EBP], frame, v;
	int rc = push(e, reg_read(&e->s, R_EBP, size), size);

	if (rc)
		return rc;
	frame = e->s.gpr[R_ESP];
	for (uint32_t i = 1; i < level; i++) {
		rc = mem_read(e, SEG_SS, (ebp - i * (uint32_t)size) & sp_mask(e), size, &v);
		if (!rc)
			rc = push(e, v, size);
		if (rc)
			return rc;
	}
	if (level > 0) {
		rc = push(e, frame, size);
		if (rc)
			return rc;
	}
	reg_write(&e->s, R_EBP, size, frame);
	sp_add(e, -alloc);
	return 0;
}

/* C9: ESP = EBP at the stack size, then pop EBP at the operand size. */
static int do_leave(struct emu *e)
{
	uint32_t m = sp_mask(e), v;
	int rc;

	e->s.gpr[R_ESP] = (e->s.gpr[R_ESP] & ~m) | (e->s.gpr[R_EBP] & m);
	rc = pop(e, e->osz, &v);
	if (!rc)
		reg_write(&e->s, R_EBP, e->osz, v);
	return rc;
}

/* 62: #BR (a fault) unless lower <= reg <= upper, signed, the bounds being
 * two operand-sized values at the memory operand. */
static int do_bound(struct emu *e)
{
	int size = e->osz;
	int32_t v = (int32_t)sign_extend(reg_read(&e->s, e->m.reg, size), size);
	uint32_t lo, hi;
	int rc = rm_read(e, size, &lo);

	if (!rc)
		rc = mem_read(e, e->seg, e->off + (uint32_t)size, size, &hi);
	if (rc)
		return rc;
	if (v < (int32_t)sign_extend(lo, size) || v > (int32_t)sign_extend(hi, size))
		return VEC_BR;
	return 0;
}

/* ---- register-only instructions ---- */

/* Sets AL, and SF ZF PF from it; the undefined OF AF CF of aam/aad are
 * cleared (QEMU's choice, which tests/guests/bcd.expect records). */
static void set_al_szp(struct emu *e, uint32_t al, uint32_t mask, uint32_t f)
{
	reg_write(&e->s, R_EAX, 1, al);
	set_flags(e, mask, f | flags_szp(al, 1));
}

/* 27 daa, 2F das: the SDM's pseudo-code. OF is undefined and cleared, as
 * QEMU does. */
static int do_daa_das(struct emu *e)
{
	uint32_t al = e->s.gpr[R_EAX] & 0xff, old = al, f = 0;
	bool cf = e->s.eflags & F_CF, das = e->op == 0x2f;

	if ((al & 0xf) > 9 || (e->s.eflags & F_AF)) {
		if (das && al < 6)
			f |= F_CF; /* the borrow of al - 6 */
		al = (das ? al - 6 : al + 6) & 0xff;
		f |= F_AF;
	}
	if (old > 0x99 || cf) {
		al = (das ? al - 0x60 : al + 0x60) & 0xff;
		f |= F_CF;
	}
	set_al_szp(e, al, F_ARITH, f);
	return 0;
}

/* 37 aaa, 3F aas: AX + 106h / AX - 106h when the low digit needs it, then
 * AL keeps its low digit. This is the SDM's and AMD's current form (a carry
 * or borrow out of AL reaches AH). Only AF and CF change: OF SF ZF PF are
 * undefined and left as they were, as QEMU does. */
static int do_aaa_aas(struct emu *e)
{
	uint32_t ax = e->s.gpr[R_EAX] & 0xffff, f = 0;

	if ((ax & 0xf) > 9 || (e->s.eflags & F_AF)) {
		ax = e->op == 0x37 ? ax + 0x106 : ax - 0x106;
		f = F_AF | F_CF;
	}
	reg_write(&e->s, R_EAX, 2, ax & 0xff0f);
	set_flags(e, F_AF | F_CF, f);
	return 0;
}

/* D4 ib: AH = AL / base, AL = AL % base; a zero base is #DE. */
static int do_aam(struct emu *e)
{
	uint32_t base = imm(e, 1), al = e->s.gpr[R_EAX] & 0xff;

	if (base == 0)
		return EMU_DE;
	reg_write(&e->s, 4 /* AH */, 1, al / base);
	set_al_szp(e, al % base, F_ARITH, 0);
	return 0;
}

/* D5 ib: AL = AH * base + AL, AH = 0. */
static int do_aad(struct emu *e)
{
	uint32_t base = imm(e, 1), ax = e->s.gpr[R_EAX];

	reg_write(&e->s, 4 /* AH */, 1, 0);
	set_al_szp(e, ((ax >> 8) & 0xff) * base + (ax & 0xff), F_ARITH, 0);
	return 0;
}

/* D6 salc: AL = CF ? FFh : 0, flags unchanged. */
static int do_salc(struct emu *e)
{
	reg_write(&e->s, R_EAX, 1, (e->s.eflags & F_CF) ? 0xff : 0);
	return 0;
}

/* 40-47 inc reg, 48-4F dec reg: CF is kept. */
static int do_inc_dec_reg(struct emu *e)
{
	int reg = e->op & 7;
	uint32_t v = reg_read(&e->s, reg, e->osz), f, res;

	res = e->op < 0x48 ? add_op(v, 1, 0, e->osz, &f) : sub_op(v, 1, 0, e->osz, &f);
	reg_write(&e->s, reg, e->osz, res);
	set_flags(e, F_ARITH & ~F_CF, f);
	return 0;
}

#define F_SAHF (F_SF | F_ZF | F_AF | F_PF | F_CF)

/* 9E sahf: SF ZF AF PF CF from AH. 9F lahf: AH = those flags, bit 1 set. */
static int do_sahf_lahf(struct emu *e)
{
	if (e->op == 0x9e)
		set_flags(e, F_SAHF, reg_read(&e->s, 4 /* AH */, 1));
	else
		reg_write(&e->s, 4 /* AH */, 1, (e->s.eflags & F_SAHF) | 0x2);
	return 0;
}

/* ---- dispatch ---- */

/* Instructions that take lock with a memory destination (bt, cmp, test,
 * mov... do not: lock there is #UD). */
static bool lockable(const struct emu *e)
{
	uint8_t op = e->op;

	if (e->twobyte)
		return op == 0xab || op == 0xb3 || op == 0xbb || op == 0xb0 || op == 0xb1 ||
		       op == 0xc0 || op == 0xc1 || op == 0xc7 || (op == 0xba && e->m.reg >= 5);
	if (op < 0x40)
		return (op & 7) < 2 && (op >> 3) != ALU_CMP;
	switch (op) {
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83: return e->m.reg != ALU_CMP;
	case 0x86:
	case 0x87: return true;
	case 0xf6:
	case 0xf7: return e->m.reg == 2 || e->m.reg == 3;
	case 0xfe:
	case 0xff: return e->m.reg <= 1;
	}
	return false;
}

/* Size of the immediate of a one-byte opcode whose group member is reg. */
static int imm_size1(const struct emu *e, int reg)
{
	switch (e->op) {
	case 0x80:
	case 0x82:
	case 0x83:
	case 0xc0:
	case 0xc1:
	case 0xc6: return 1;
	case 0x81:
	case 0xc7: return e->osz;
	case 0xf6: return reg <= 1 ? 1 : 0;
	case 0xf7: return reg <= 1 ? e->osz : 0;
	}
	return 0;
}

/* One-byte opcodes with a ModRM memory operand (parsed already). */
static int exec1(struct emu *e)
{
	uint8_t op = e->op;

	if (op < 0x40)
		return do_alu(e);
	switch (op) {
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83: return do_alu_imm(e);
	case 0x84:
	case 0x85: return do_test(e, reg_read(&e->s, e->m.reg, byte_or_v(e)), byte_or_v(e));
	case 0x86:
	case 0x87: return do_xchg(e);
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
	case 0xc6:
	case 0xc7: return do_mov(e);
	case 0x62: return do_bound(e);
	case 0x8f: return do_pop_mem(e);
	case 0xc0:
	case 0xc1:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3: return do_shift(e);
	case 0xf6:
	case 0xf7:
		if (e->m.reg <= 1)
			return do_test(e, imm(e, byte_or_v(e)), byte_or_v(e));
		return do_not_neg(e);
	case 0xfe: return do_inc_dec(e);
	}
	/* 0xff */
	if (e->m.reg <= 1)
		return do_inc_dec(e);
	if (e->m.reg == 6)
		return do_push_mem(e);
	return do_branch_mem(e);
}

/* Whether a one-byte opcode with group member reg is handled. */
static bool known1(uint8_t op, int reg)
{
	if (op < 0x40)
		return (op & 7) < 4;
	switch (op) {
	case 0x62:
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83:
	case 0x84:
	case 0x85:
	case 0x86:
	case 0x87:
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
	case 0xc0:
	case 0xc1:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3: return true;
	case 0x8f:
	case 0xc6:
	case 0xc7: return reg == 0;
	case 0xf6:
	case 0xf7: return reg <= 3;
	case 0xfe: return reg <= 1;
	case 0xff: return reg <= 2 || reg == 4 || reg == 6;
	}
	return false;
}

static bool known2(uint8_t op, int reg)
{
	if (op >= 0x90 && op <= 0x9f)
		return true;
	switch (op) {
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb:
	case 0xb0:
	case 0xb1:
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
	case 0xc0:
	case 0xc1: return true;
	case 0xba: return reg >= 4;
	case 0xc7: return reg == 1;
	}
	return false;
}

static int exec2(struct emu *e)
{
	uint8_t op = e->op;

	if (op >= 0x90 && op <= 0x9f)
		return do_setcc(e);
	switch (op) {
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb: return do_bt_reg(e);
	case 0xba: return bit_op(e, e->m.reg - 4, (int32_t)imm(e, 1), false);
	case 0xb0:
	case 0xb1: return do_cmpxchg(e);
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf: return do_movx(e);
	case 0xc0:
	case 0xc1: return do_xadd(e);
	}
	return do_cmpxchg8b(e);
}

/* One-byte opcodes without a ModRM operand (other than strings and
 * moffs) that the emulator takes. */
static bool plain1(uint8_t op)
{
	if (op >= 0x40 && op <= 0x61)
		return true; /* inc, dec, push, pop reg; pusha, popa; call rel below */
	switch (op) {
	case 0x27:
	case 0x2f:
	case 0x37:
	case 0x3f:
	case 0x68:
	case 0x6a:
	case 0x9e:
	case 0x9f:
	case 0xc8:
	case 0xc9:
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xe8: return true;
	}
	return false;
}

/* Size of the immediate(s) of a plain1 opcode. */
static int plain_imm_size(const struct emu *e)
{
	switch (e->op) {
	case 0x68:
	case 0xe8: return e->osz;
	case 0x6a:
	case 0xd4:
	case 0xd5: return 1;
	case 0xc8: return 3; /* imm16, imm8 */
	}
	return 0;
}

static int exec_plain(struct emu *e)
{
	uint8_t op = e->op;

	if (op >= 0x40 && op <= 0x4f)
		return do_inc_dec_reg(e);
	if (op >= 0x50 && op <= 0x5f)
		return do_push_pop_reg(e);
	switch (op) {
	case 0x27:
	case 0x2f: return do_daa_das(e);
	case 0x37:
	case 0x3f: return do_aaa_aas(e);
	case 0x60: return do_pusha(e);
	case 0x61: return do_popa(e);
	case 0x68:
	case 0x6a: return do_push_imm(e);
	case 0x9e:
	case 0x9f: return do_sahf_lahf(e);
	case 0xc8: return do_enter(e);
	case 0xc9: return do_leave(e);
	case 0xd4: return do_aam(e);
	case 0xd5: return do_aad(e);
	case 0xe8: return do_call_rel(e);
	}
	return do_salc(e);
}

/* Runs the instruction on e->s; 0, EMU_CUT, a vector (or EMU_DE), or
 * EMU_UNSUPPORTED before anything was touched. */
static int execute(struct emu *e)
{
	int reg;

	if (!e->twobyte && plain1(e->op)) {
		if (e->pos + plain_imm_size(e) != e->in->len)
			return EMU_UNSUPPORTED;
		return e->lock ? VEC_UD : exec_plain(e);
	}
	if (!e->twobyte && e->op >= 0xa0 && e->op <= 0xa3)
		return e->lock ? VEC_UD : do_moffs(e);
	if (!e->twobyte && e->op >= 0xa4 && e->op <= 0xaf && e->op != 0xa8 && e->op != 0xa9) {
		if (e->pos != e->in->len)
			return EMU_UNSUPPORTED;
		return e->lock ? VEC_UD : do_string(e);
	}
	reg = peek_reg(e);
	if (reg < 0 || !(e->twobyte ? known2(e->op, reg) : known1(e->op, reg)))
		return EMU_UNSUPPORTED;
	if (!parse_mem(e, e->twobyte ? (e->op == 0xba) : imm_size1(e, reg)))
		return EMU_UNSUPPORTED;
	if (e->lock && !lockable(e))
		return VEC_UD;
	return e->twobyte ? exec2(e) : exec1(e);
}

int emu_insn(const struct xinsn *in, struct emu_regs *r, const struct emu_ops *ops)
{
	struct emu e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.in = in;
	e.ops = ops;
	e.s = *r;
	e.s.eip = in->next;
	if (!parse_opcode(&e))
		return EMU_UNSUPPORTED;
	rc = execute(&e);
	if (rc == EMU_UNSUPPORTED)
		return rc;
	if (rc > 0 && !e.string)
		return rc; /* a fault: nothing to commit */
	if (rc != 0)
		e.s.eip = in->eip; /* fault or cut in a string op: re-execute it */
	*r = e.s;
	return rc == EMU_CUT ? 0 : rc;
}

static int refuse_read(void *ctx, int seg, uint32_t off, void *buf, int size)
{
	(void)ctx, (void)seg, (void)off, (void)buf, (void)size;
	return 13;
}

static int refuse_write(void *ctx, int seg, uint32_t off, const void *buf, int size)
{
	(void)ctx, (void)seg, (void)off, (void)buf, (void)size;
	return 13;
}

bool emu_handles(const struct xinsn *in)
{
	/* A memory form stops at its first access (a string instruction
	 * makes one with ECX = 1); a register-only form runs on these
	 * throw-away registers. Either way nothing outside is touched. */
	struct emu_regs r = {.gpr = {[R_ECX] = 1}, .eflags = 0x2, .stack32 = true};
	struct emu_ops refuse = {refuse_read, refuse_write, NULL};
	return emu_insn(in, &r, &refuse) != EMU_UNSUPPORTED;
}
