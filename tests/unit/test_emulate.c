/* test_emulate.c - unit tests for the one-instruction emulator (mmu/emulate.c).
 *
 * The core is differential: every instruction form runs natively on the host
 * (GCC inline asm in 64-bit mode, 8/16/32-bit operands, the memory operand at
 * (%rdi), flags set and read with popfq/pushfq) and in the emulator on the
 * same 32-bit encoding (bytes written by hand, decoded with xdecode, guest
 * memory a byte array behind a fake struct emu_ops), over a grid of operand
 * values and input flags. Memory, EAX/ECX/EDX/EBX, the untouched registers,
 * EIP and the six arithmetic flags must agree; only the flags Intel documents
 * as undefined for the instruction (and count) are masked. Setting
 * EMU_TEST_STRICT=1 compares those too: the emulator reproduces what current
 * Intel cores produce, so this passes on an Intel host only.
 *
 * Immediate forms run natively as the register form with the register
 * holding the (sign-extended) immediate: the architecture defines them as
 * the same operation, and the emulator side still decodes the immediate.
 *
 * Explicit tests cover what the host cannot run the same way in 64-bit
 * mode: addressing modes and default segments (including 16-bit addressing),
 * string instructions against native ones and with segment overrides and
 * 16-bit wrap, bt far from its operand, push/pop/call through memory and ESP,
 * faults from the callbacks, the lock prefix and unsupported instructions. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_fake.h"

/* ---- native execution ---- */

/* Host state of one differential run; the memory operand is mem + 32. */
struct st {
	uint32_t eax, ecx, edx, ebx;
	uint32_t fl; /* arithmetic flags */
	uint8_t mem[64];
};

/* The red zone below %rsp may hold the compiler's data: step over it
 * before pushfq. Only registers are operands, none %rsp-relative. */
#define NATIVE(name, insn)                                                                         \
	static void name(struct st *s)                                                             \
	{                                                                                          \
		uint64_t a = s->eax, c = s->ecx, d = s->edx, b = s->ebx, f = s->fl | 2;            \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\t" insn              \
			     "\n\tpushfq\n\tpopq %[f]\n\tlea 128(%%rsp), %%rsp"                    \
			     : "+a"(a), "+c"(c), "+d"(d), "+b"(b), [f] "+r"(f)                     \
			     : "D"(s->mem + 32)                                                    \
			     : "cc", "memory");                                                    \
		s->eax = (uint32_t)a;                                                              \
		s->ecx = (uint32_t)c;                                                              \
		s->edx = (uint32_t)d;                                                              \
		s->ebx = (uint32_t)b;                                                              \
		s->fl = (uint32_t)f & F_ARITH;                                                     \
	}

/* ALU and friends: memory destination (m) and register destination (r),
 * 32 (l), 16 (w), 8-bit low (b) and high (h) register. */
#define NAT_MR(op)                                                                                 \
	NATIVE(op##_ml, #op "l %%ecx, (%%rdi)")                                                    \
	NATIVE(op##_mw, #op "w %%cx, (%%rdi)")                                                     \
	NATIVE(op##_mb, #op "b %%cl, (%%rdi)")                                                     \
	NATIVE(op##_mh, #op "b %%ch, (%%rdi)")
#define NAT_RM(op)                                                                                 \
	NATIVE(op##_rl, #op "l (%%rdi), %%ecx")                                                    \
	NATIVE(op##_rw, #op "w (%%rdi), %%cx")                                                     \
	NATIVE(op##_rb, #op "b (%%rdi), %%cl")                                                     \
	NATIVE(op##_rh, #op "b (%%rdi), %%ch")
#define NAT_M(op)                                                                                  \
	NATIVE(op##_l, #op "l (%%rdi)")                                                            \
	NATIVE(op##_w, #op "w (%%rdi)")                                                            \
	NATIVE(op##_b, #op "b (%%rdi)")
#define NAT_SH(op)                                                                                 \
	NATIVE(op##_l, #op "l %%cl, (%%rdi)")                                                      \
	NATIVE(op##_w, #op "w %%cl, (%%rdi)")                                                      \
	NATIVE(op##_b, #op "b %%cl, (%%rdi)")

/* clang-format off */
NAT_MR(add) NAT_MR(or) NAT_MR(adc) NAT_MR(sbb) NAT_MR(and) NAT_MR(sub) NAT_MR(xor) NAT_MR(cmp)
NAT_RM(add) NAT_RM(or) NAT_RM(adc) NAT_RM(sbb) NAT_RM(and) NAT_RM(sub) NAT_RM(xor) NAT_RM(cmp)
NAT_MR(test) NAT_MR(xchg) NAT_MR(xadd) NAT_MR(cmpxchg) NAT_MR(mov) NAT_RM(mov)
NAT_M(inc) NAT_M(dec) NAT_M(not) NAT_M(neg)
NAT_SH(rol) NAT_SH(ror) NAT_SH(rcl) NAT_SH(rcr) NAT_SH(shl) NAT_SH(shr) NAT_SH(sar)
NATIVE(bt_l, "btl %%ecx, (%%rdi)") NATIVE(bt_w, "btw %%cx, (%%rdi)")
NATIVE(bts_l, "btsl %%ecx, (%%rdi)") NATIVE(bts_w, "btsw %%cx, (%%rdi)")
NATIVE(btr_l, "btrl %%ecx, (%%rdi)") NATIVE(btr_w, "btrw %%cx, (%%rdi)")
NATIVE(btc_l, "btcl %%ecx, (%%rdi)") NATIVE(btc_w, "btcw %%cx, (%%rdi)")
NATIVE(movzbl, "movzbl (%%rdi), %%ecx") NATIVE(movzbw, "movzbw (%%rdi), %%cx")
NATIVE(movzwl, "movzwl (%%rdi), %%ecx") NATIVE(movsbl, "movsbl (%%rdi), %%ecx")
NATIVE(movsbw, "movsbw (%%rdi), %%cx") NATIVE(movswl, "movswl (%%rdi), %%ecx")
NATIVE(movzbl_h, "movzbl (%%rdi), %%ebx")
NATIVE(ld_eax, "movl (%%rdi), %%eax") NATIVE(ld_ax, "movw (%%rdi), %%ax")
NATIVE(ld_al, "movb (%%rdi), %%al") NATIVE(st_eax, "movl %%eax, (%%rdi)")
NATIVE(st_ax, "movw %%ax, (%%rdi)") NATIVE(st_al, "movb %%al, (%%rdi)")
NATIVE(cx8b, "cmpxchg8b (%%rdi)")
NATIVE(seto, "seto (%%rdi)") NATIVE(setno, "setno (%%rdi)") NATIVE(setb, "setb (%%rdi)")
NATIVE(setae, "setae (%%rdi)") NATIVE(sete, "sete (%%rdi)") NATIVE(setne, "setne (%%rdi)")
NATIVE(setbe, "setbe (%%rdi)") NATIVE(seta, "seta (%%rdi)") NATIVE(sets, "sets (%%rdi)")
NATIVE(setns, "setns (%%rdi)") NATIVE(setp, "setp (%%rdi)") NATIVE(setnp, "setnp (%%rdi)")
NATIVE(setl, "setl (%%rdi)") NATIVE(setge, "setge (%%rdi)") NATIVE(setle, "setle (%%rdi)")
NATIVE(setg, "setg (%%rdi)")
    /* clang-format on */

    /* ---- the differential table ---- */

    enum kind {
	    K_BIN,    /* memory x ECX (or the immediate) */
	    K_SHIFT,  /* memory x count in CL (or the immediate) */
	    K_SHIFT1, /* memory, count 1 */
	    K_BT,     /* memory x signed bit offset in ECX, near the operand */
	    K_BTI,    /* memory x imm8 bit offset */
	    K_8B,     /* cmpxchg8b */
	    K_SETCC,  /* all flag combinations */
    };

struct dcase {
	const char *name;
	void (*native)(struct st *);
	uint8_t enc[12];
	uint8_t len;
	enum kind kind;
	int imm;	/* immediate bytes at the end of enc, taken from ECX */
	bool sx;	/* the imm8 is sign-extended (83 group) */
	int size;	/* operand bytes (shift/bt undefined-flag rules) */
	int sop;	/* K_SHIFT*: group-2 operation 0..7 */
	uint32_t undef; /* flags Intel leaves undefined */
};

#define E(...) .enc = {__VA_ARGS__}, .len = sizeof((uint8_t[]){__VA_ARGS__})
#define M(reg) ((reg) << 3 | 7) /* ModRM: reg, (%edi) */
#define UNDEF_LOGIC F_AF
#define UNDEF_BT (F_OF | F_SF | F_AF | F_PF)

/* The eight group-1 operations n (add .. cmp), every memory form. */
#define ALU_CASES(op, n, u)                                                                        \
	{#op " r32,m 01", op##_ml, E((n)*8 + 1, M(1)), .undef = (u)},                              \
	    {#op " r16,m 66 01", op##_mw, E(0x66, (n)*8 + 1, M(1)), .undef = (u)},                 \
	    {#op " r8,m 00", op##_mb, E((n)*8, M(1)), .undef = (u)},                               \
	    {#op " ch,m 00", op##_mh, E((n)*8, M(5)), .undef = (u)},                               \
	    {#op " m,r32 03", op##_rl, E((n)*8 + 3, M(1)), .undef = (u)},                          \
	    {#op " m,r16 66 03", op##_rw, E(0x66, (n)*8 + 3, M(1)), .undef = (u)},                 \
	    {#op " m,r8 02", op##_rb, E((n)*8 + 2, M(1)), .undef = (u)},                           \
	    {#op " m,ch 02", op##_rh, E((n)*8 + 2, M(5)), .undef = (u)},                           \
	    {#op " imm8 80", op##_mb, E(0x80, M(n), 0), .imm = 1, .undef = (u)},                   \
	    {#op " imm8 82", op##_mb, E(0x82, M(n), 0), .imm = 1, .undef = (u)},                   \
	    {#op " imm32 81", op##_ml, E(0x81, M(n), 0, 0, 0, 0), .imm = 4, .undef = (u)},         \
	    {#op " imm16 66 81", op##_mw, E(0x66, 0x81, M(n), 0, 0), .imm = 2, .undef = (u)},      \
	    {#op " simm8 83", op##_ml, E(0x83, M(n), 0), .imm = 1, .sx = true, .undef = (u)},      \
	{                                                                                          \
#op " simm8 66 83", op##_mw, E(0x66, 0x83, M(n), 0), .imm = 1, .sx = true,         \
								     .undef = (u)                  \
	}

#define MR_CASES(op, opc, pre, u)                                                                  \
	{#op " r32,m", op##_ml, E(pre, opc + 1, M(1)), .undef = (u)},                              \
	    {#op " r16,m", op##_mw, E(0x66, pre, opc + 1, M(1)), .undef = (u)},                    \
	    {#op " r8,m", op##_mb, E(pre, opc, M(1)), .undef = (u)},                               \
	{                                                                                          \
#op " ch,m", op##_mh, E(pre, opc, M(5)), .undef = (u)                              \
	}
#define MR1_CASES(op, opc, u)                                                                      \
	{#op " r32,m", op##_ml, E(opc + 1, M(1)), .undef = (u)},                                   \
	    {#op " r16,m", op##_mw, E(0x66, opc + 1, M(1)), .undef = (u)},                         \
	    {#op " r8,m", op##_mb, E(opc, M(1)), .undef = (u)},                                    \
	{                                                                                          \
#op " ch,m", op##_mh, E(opc, M(5)), .undef = (u)                                   \
	}

#define UNARY_CASES(op, opc, n)                                                                    \
	{#op " m32", op##_l, E(opc + 1, M(n))}, {#op " m16", op##_w, E(0x66, opc + 1, M(n))},      \
	{                                                                                          \
#op " m8", op##_b, E(opc, M(n))                                                    \
	}

/* Group 2 operation n by CL, by imm8 and by 1, each size. */
#define SHIFT_CASES(op, n)                                                                         \
	{#op " m32,cl", op##_l, E(0xd3, M(n)), K_SHIFT, .size = 4, .sop = n},                      \
	    {#op " m16,cl", op##_w, E(0x66, 0xd3, M(n)), K_SHIFT, .size = 2, .sop = n},            \
	    {#op " m8,cl", op##_b, E(0xd2, M(n)), K_SHIFT, .size = 1, .sop = n},                   \
	    {#op " m32,imm", op##_l, E(0xc1, M(n), 0), K_SHIFT, .imm = 1, .size = 4, .sop = n},    \
	    {#op " m16,imm", op##_w,  E(0x66, 0xc1, M(n), 0), K_SHIFT, .imm = 1,                   \
	     .size = 2,	     .sop = n},                                                            \
	    {#op " m8,imm", op##_b, E(0xc0, M(n), 0), K_SHIFT, .imm = 1, .size = 1, .sop = n},     \
	    {#op " m32,1", op##_l, E(0xd1, M(n)), K_SHIFT1, .size = 4, .sop = n},                  \
	    {#op " m16,1", op##_w, E(0x66, 0xd1, M(n)), K_SHIFT1, .size = 2, .sop = n},            \
	{                                                                                          \
#op " m8,1", op##_b, E(0xd0, M(n)), K_SHIFT1, .size = 1, .sop = n                  \
	}

#define BT_CASES(op, opc, n)                                                                       \
	{#op " r32,m", op##_l, E(0x0f, opc, M(1)), K_BT, .size = 4, .undef = UNDEF_BT},            \
	    {#op " r16,m", op##_w, E(0x66, 0x0f, opc, M(1)), K_BT, .size = 2, .undef = UNDEF_BT},  \
	    {#op " imm8,m32", op##_l,	 E(0x0f, 0xba, M(n), 0), K_BTI,                            \
	     .imm = 1,	      .size = 4, .undef = UNDEF_BT},                                       \
	{                                                                                          \
#op " imm8,m16", op##_w, E(0x66, 0x0f, 0xba, M(n), 0), K_BTI, .imm = 1, .size = 2, \
									      .undef = UNDEF_BT    \
	}

#define SETCC(op, cc)                                                                              \
	{                                                                                          \
#op " m8", op, E(0x0f, 0x90 + (cc), 0x07), K_SETCC                                 \
	}

/* clang-format off */
static const struct dcase dcases[] = {
	ALU_CASES(add, 0, 0), ALU_CASES(or, 1, UNDEF_LOGIC), ALU_CASES(adc, 2, 0),
	ALU_CASES(sbb, 3, 0), ALU_CASES(and, 4, UNDEF_LOGIC), ALU_CASES(sub, 5, 0),
	ALU_CASES(xor, 6, UNDEF_LOGIC), ALU_CASES(cmp, 7, 0),
	MR1_CASES(test, 0x84, UNDEF_LOGIC),
	{"test imm8 f6/0", test_mb, E(0xf6, M(0), 0), .imm = 1, .undef = UNDEF_LOGIC},
	{"test imm8 f6/1 (alias)", test_mb, E(0xf6, M(1), 0), .imm = 1, .undef = UNDEF_LOGIC},
	{"test imm32 f7/0", test_ml, E(0xf7, M(0), 0, 0, 0, 0), .imm = 4, .undef = UNDEF_LOGIC},
	{"test imm16 66 f7/0", test_mw, E(0x66, 0xf7, M(0), 0, 0), .imm = 2, .undef = UNDEF_LOGIC},
	MR1_CASES(xchg, 0x86, 0),
	{"lock xchg r32,m", xchg_ml, E(0xf0, 0x87, M(1))},
	MR_CASES(xadd, 0xc0, 0x0f, 0),
	MR_CASES(cmpxchg, 0xb0, 0x0f, 0),
	{"lock cmpxchg r32,m", cmpxchg_ml, E(0xf0, 0x0f, 0xb1, M(1))},
	{"lock add r32,m", add_ml, E(0xf0, 0x01, M(1))},
	{"lock sbb imm8,m8", sbb_mb, E(0xf0, 0x80, M(3), 0), .imm = 1},
	UNARY_CASES(inc, 0xfe, 0), UNARY_CASES(dec, 0xfe, 1),
	UNARY_CASES(not, 0xf6, 2), UNARY_CASES(neg, 0xf6, 3),
	{"lock neg m32", neg_l, E(0xf0, 0xf7, M(3))},
	MR1_CASES(mov, 0x88, 0),
	{"mov m,r32 8b", mov_rl, E(0x8b, M(1))}, {"mov m,r16 66 8b", mov_rw, E(0x66, 0x8b, M(1))},
	{"mov m,r8 8a", mov_rb, E(0x8a, M(1))}, {"mov m,ch 8a", mov_rh, E(0x8a, M(5))},
	{"mov imm32 c7", mov_ml, E(0xc7, M(0), 0, 0, 0, 0), .imm = 4},
	{"mov imm16 66 c7", mov_mw, E(0x66, 0xc7, M(0), 0, 0), .imm = 2},
	{"mov imm8 c6", mov_mb, E(0xc6, M(0), 0), .imm = 1},
	{"mov moffs,eax a1", ld_eax, E(0xa1, 0x00, 0x10, 0x00, 0x00)},
	{"mov moffs,ax 66 a1", ld_ax, E(0x66, 0xa1, 0x00, 0x10, 0x00, 0x00)},
	{"mov moffs,al a0", ld_al, E(0xa0, 0x00, 0x10, 0x00, 0x00)},
	{"mov eax,moffs a3", st_eax, E(0xa3, 0x00, 0x10, 0x00, 0x00)},
	{"mov ax,moffs 66 a3", st_ax, E(0x66, 0xa3, 0x00, 0x10, 0x00, 0x00)},
	{"mov al,moffs a2", st_al, E(0xa2, 0x00, 0x10, 0x00, 0x00)},
	{"movzbl", movzbl, E(0x0f, 0xb6, M(1))}, {"movzbw", movzbw, E(0x66, 0x0f, 0xb6, M(1))},
	{"movzwl", movzwl, E(0x0f, 0xb7, M(1))}, {"movsbl", movsbl, E(0x0f, 0xbe, M(1))},
	{"movsbw", movsbw, E(0x66, 0x0f, 0xbe, M(1))}, {"movswl", movswl, E(0x0f, 0xbf, M(1))},
	{"movzbl to ebx", movzbl_h, E(0x0f, 0xb6, M(3))},
	BT_CASES(bt, 0xa3, 4), BT_CASES(bts, 0xab, 5), BT_CASES(btr, 0xb3, 6),
	BT_CASES(btc, 0xbb, 7),
	{"lock bts r32,m", bts_l, E(0xf0, 0x0f, 0xab, M(1)), K_BT, .size = 4, .undef = UNDEF_BT},
	SHIFT_CASES(rol, 0), SHIFT_CASES(ror, 1), SHIFT_CASES(rcl, 2), SHIFT_CASES(rcr, 3),
	SHIFT_CASES(shl, 4), SHIFT_CASES(shr, 5), SHIFT_CASES(sar, 7),
	{"sal m32,cl (/6)", shl_l, E(0xd3, M(6)), K_SHIFT, .size = 4, .sop = 6},
	{"sal m8,1 (/6)", shl_b, E(0xd0, M(6)), K_SHIFT1, .size = 1, .sop = 6},
	{"cmpxchg8b", cx8b, E(0x0f, 0xc7, M(1)), K_8B},
	{"lock cmpxchg8b", cx8b, E(0xf0, 0x0f, 0xc7, M(1)), K_8B},
	SETCC(seto, 0), SETCC(setno, 1), SETCC(setb, 2), SETCC(setae, 3), SETCC(sete, 4),
	SETCC(setne, 5), SETCC(setbe, 6), SETCC(seta, 7), SETCC(sets, 8), SETCC(setns, 9),
	SETCC(setp, 10), SETCC(setnp, 11), SETCC(setl, 12), SETCC(setge, 13), SETCC(setle, 14),
	SETCC(setg, 15),
};
/* clang-format on */
#define NDCASES ((int)(sizeof(dcases) / sizeof(dcases[0])))

/* Flags undefined after a group-2 operation by count (SDM): OF unless the
 * masked count is 1; for shifts also AF, and CF of shl/shr by >= width. */
static uint32_t shift_undef(const struct dcase *c, uint32_t count)
{
	uint32_t n = count & 0x1f, u = 0;

	if (n == 0)
		return 0;
	if (n != 1)
		u |= F_OF;
	if (c->sop >= 4) {
		u |= F_AF;
		if (c->sop != 7 && n >= 8u * (uint32_t)c->size)
			u |= F_CF;
	}
	return u;
}

static const uint32_t grid_fixed[] = {
    0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x00010001};
#define NGRID 16
static const uint32_t flag_grid[] = {0, F_ARITH, F_CF, F_ARITH & ~F_CF};
#define NFLAGS 4

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void make_grid(uint32_t *g, uint32_t seed)
{
	for (int i = 0; i < NGRID; i++)
		g[i] = i < 12 ? grid_fixed[i] : xorshift(&seed);
}

/* Everything one run needs and what it found. */
struct drun {
	const struct dcase *c;
	struct xinsn in;
	struct fake *f;
	struct emu_ops ops;
	bool strict;
	int runs;
};

static void patch_imm(struct drun *d, uint32_t v)
{
	for (int i = 0; i < d->c->imm; i++)
		d->in.bytes[d->in.len - d->c->imm + i] = (uint8_t)(v >> (8 * i));
}

/* Check records the location of every passing ck_assert in a file; the
 * differential loops make a million comparisons, so they call it only on
 * a mismatch. */
#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg(__VA_ARGS__);                                                 \
	} while (0)

/* Runs s natively and emulated and compares; undef masks flags. */
static void diff_one(struct drun *d, const struct st *s, uint32_t undef)
{
	struct st nat = *s;
	struct emu_regs r = regs0(), r0;
	uint32_t mask = F_ARITH & ~(d->strict ? 0 : undef);
	bool same_gprs = true;
	int rc;

	d->c->native(&nat);
	memcpy(d->f->mem + DATA - 32, s->mem, sizeof(s->mem));
	r.gpr[EAX] = s->eax;
	r.gpr[ECX] = s->ecx;
	r.gpr[EDX] = s->edx;
	r.gpr[EBX] = s->ebx;
	r.eflags = 0x202 | s->fl;
	r0 = r;
	rc = emu_insn(&d->in, &r, &d->ops);
	d->runs++;
	for (int i = ESP; i <= EDI; i++)
		same_gprs &= r.gpr[i] == r0.gpr[i];
	if (rc == 0 && r.gpr[EAX] == nat.eax && r.gpr[ECX] == nat.ecx && r.gpr[EDX] == nat.edx &&
	    r.gpr[EBX] == nat.ebx && same_gprs && ((r.eflags ^ nat.fl) & mask) == 0 &&
	    (r.eflags & ~F_ARITH) == (r0.eflags & ~F_ARITH) && r.eip == d->in.next &&
	    memcmp(d->f->mem + DATA - 32, nat.mem, sizeof(nat.mem)) == 0 && d->f->stray == 0)
		return;
	ck_abort_msg("%s: in: mem %08x eax %08x ecx %08x edx %08x ebx %08x fl %03x; "
		     "rc %d; emulated/native: mem %08x/%08x eax %08x/%08x ecx %08x/%08x "
		     "edx %08x/%08x ebx %08x/%08x fl %03x/%03x (compared %03x) eflags %08x "
		     "eip %08x esp..edi %s, stray writes %d",
		     d->c->name, get32(s->mem + 32), s->eax, s->ecx, s->edx, s->ebx, s->fl, rc,
		     get32(d->f->mem + DATA), get32(nat.mem + 32), r.gpr[EAX], nat.eax, r.gpr[ECX],
		     nat.ecx, r.gpr[EDX], nat.edx, r.gpr[EBX], nat.ebx, r.eflags & F_ARITH, nat.fl,
		     mask, r.eflags, r.eip, same_gprs ? "kept" : "CHANGED", d->f->stray);
}

static void fill_mem(struct st *s, uint32_t v, uint32_t v2)
{
	for (int i = 0; i < 64; i += 4)
		put32(s->mem + i, (v2 * 0x9e3779b9u) ^ (uint32_t)i * 0x01010101u);
	put32(s->mem + 32, v);
	put32(s->mem + 36, v2);
}

/* K_BIN: memory value x second operand x flags x accumulator. */
static void diff_bin(struct drun *d, const uint32_t *g)
{
	uint32_t seed = 77;

	for (int i = 0; i < NGRID; i++)
		for (int j = 0; j < NGRID; j++)
			for (int k = 0; k < NFLAGS; k++)
				for (int a = 0; a < 3; a++) {
					struct st s = {.fl = flag_grid[k]};
					uint32_t b = g[j];

					fill_mem(&s, g[i], g[j]);
					if (d->c->imm) {
						b &= d->c->imm == 4 ? 0xffffffffu
								    : (1u << (8 * d->c->imm)) - 1;
						patch_imm(d, b);
						if (d->c->sx)
							b = (uint32_t)(int32_t)(int8_t)b;
					}
					s.ecx = b;
					s.eax = a == 0 ? g[i] : a == 1 ? g[j] : xorshift(&seed);
					s.edx = xorshift(&seed);
					s.ebx = xorshift(&seed);
					diff_one(d, &s, d->c->undef);
				}
}

/* K_SHIFT, K_SHIFT1: memory value x count x flags. */
static void diff_shift(struct drun *d, const uint32_t *g)
{
	static const uint32_t extra[] = {0x20, 0x21, 0x3f, 0x40, 0x41, 0x7f, 0xff, 0x1ff};
	int ncounts = d->c->kind == K_SHIFT1 ? 1 : 34 + 8;

	for (int i = 0; i < NGRID; i++)
		for (int n = 0; n < ncounts; n++)
			for (int k = 0; k < NFLAGS; k++) {
				struct st s = {.fl = flag_grid[k], .eax = 0xa5a5a5a5u};
				uint32_t count = d->c->kind == K_SHIFT1 ? 1
						 : n < 34		? (uint32_t)n
									: extra[n - 34];

				fill_mem(&s, g[i], g[(i + n) % NGRID]);
				if (d->c->imm) {
					count &= 0xff;
					patch_imm(d, count);
				}
				s.ecx = count | 0x12345600u * !d->c->imm;
				diff_one(d, &s, shift_undef(d->c, count));
			}
}

/* K_BT, K_BTI: bit offsets around the operand; native memory is 64
 * bytes around it, so register offsets stay within -128..127 bits. */
static void diff_bt(struct drun *d, const uint32_t *g)
{
	int bits = 8 * d->c->size;

	for (int i = 0; i < NGRID; i++)
		for (int off = -128; off < 128; off++)
			for (int k = 0; k < 2; k++) {
				struct st s = {.fl = flag_grid[k + 1], .eax = 0x5a5a5a5au};

				fill_mem(&s, g[i], g[(i + 5) % NGRID]);
				if (d->c->kind == K_BTI) {
					patch_imm(d, (uint32_t)off & 0xff);
					s.ecx = (uint32_t)off & (uint32_t)(bits - 1);
				} else {
					s.ecx = (uint32_t)off;
					if (bits == 16)
						s.ecx = (s.ecx & 0xffff) | 0xabcd0000u;
				}
				diff_one(d, &s, d->c->undef);
			}
}

/* K_8B: equal and different EDX:EAX, each half on its own. */
static void diff_8b(struct drun *d, const uint32_t *g)
{
	uint32_t seed = 99;

	for (int i = 0; i < NGRID; i++)
		for (int j = 0; j < NGRID; j++)
			for (int a = 0; a < 4; a++)
				for (int k = 0; k < 2; k++) {
					struct st s = {.fl = flag_grid[k]};

					fill_mem(&s, g[i], g[j]);
					s.eax = a & 1 ? g[i] : g[j] ^ 1;
					s.edx = a & 2 ? g[j] : g[i] + 1;
					s.ecx = xorshift(&seed);
					s.ebx = xorshift(&seed);
					diff_one(d, &s, 0);
				}
}

/* K_SETCC: every combination of the six flags. */
static void diff_setcc(struct drun *d, const uint32_t *g)
{
	static const uint32_t bits[6] = {F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF};

	for (int combo = 0; combo < 64; combo++) {
		struct st s = {0};

		for (int b = 0; b < 6; b++)
			if (combo & (1 << b))
				s.fl |= bits[b];
		fill_mem(&s, g[combo % NGRID], 0x77);
		diff_one(d, &s, 0);
	}
}

START_TEST(test_differential)
{
	struct drun d = {.c = &dcases[_i]};
	uint32_t g[NGRID];
	const char *strict = getenv("EMU_TEST_STRICT");

	d.strict = strict && strict[0] == '1';
	d.f = fake_new(&d.ops);
	d.f->win_lo = DATA - 32;
	d.f->win_hi = DATA + 32;
	d.in = decode32(d.c->enc, d.c->len);
	make_grid(g, 2463534242u + (uint32_t)_i);
	switch (d.c->kind) {
	case K_BIN: diff_bin(&d, g); break;
	case K_SHIFT:
	case K_SHIFT1: diff_shift(&d, g); break;
	case K_BT:
	case K_BTI: diff_bt(&d, g); break;
	case K_8B: diff_8b(&d, g); break;
	case K_SETCC: diff_setcc(&d, g); break;
	}
	ck_assert_int_gt(d.runs, 0);
	free(d.f);
}
END_TEST

/* ---- string instructions against native ones ---- */

/* si and di are offsets in buf, which the emulator sees at DATA. */
struct sst {
	uint32_t eax, ecx, si, di, fl; /* fl: arithmetic flags and DF */
	uint8_t buf[256];
};

#define SNATIVE(name, insn)                                                                        \
	static void name(struct sst *s)                                                            \
	{                                                                                          \
		uint64_t a = s->eax, c = s->ecx, f = s->fl | 2;                                    \
		uint8_t *si = s->buf + s->si, *di = s->buf + s->di;                                \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\t" insn              \
			     "\n\tpushfq\n\tpopq %[f]\n\tcld\n\tlea 128(%%rsp), %%rsp"             \
			     : "+a"(a), "+c"(c), "+S"(si), "+D"(di), [f] "+r"(f)                   \
			     :                                                                     \
			     : "cc", "memory");                                                    \
		s->eax = (uint32_t)a;                                                              \
		s->ecx = (uint32_t)c;                                                              \
		s->si = (uint32_t)(si - s->buf);                                                   \
		s->di = (uint32_t)(di - s->buf);                                                   \
		s->fl = (uint32_t)f & (F_ARITH | F_DF);                                            \
	}

/* clang-format off */
SNATIVE(rep_movsb, "rep movsb") SNATIVE(rep_movsw, "rep movsw") SNATIVE(rep_movsl, "rep movsl")
SNATIVE(movsb, "movsb") SNATIVE(movsl, "movsl") SNATIVE(repne_movsb, ".byte 0xf2\n\tmovsb")
SNATIVE(rep_stosb, "rep stosb") SNATIVE(rep_stosw, "rep stosw") SNATIVE(rep_stosl, "rep stosl")
SNATIVE(stosl, "stosl") SNATIVE(rep_lodsb, "rep lodsb") SNATIVE(lodsw, "lodsw")
SNATIVE(rep_lodsl, "rep lodsl")
SNATIVE(repe_cmpsb, "repe cmpsb") SNATIVE(repne_cmpsb, "repne cmpsb")
SNATIVE(repe_cmpsw, "repe cmpsw") SNATIVE(repe_cmpsl, "repe cmpsl")
SNATIVE(repne_cmpsl, "repne cmpsl") SNATIVE(cmpsb, "cmpsb") SNATIVE(cmpsl, "cmpsl")
SNATIVE(repe_scasb, "repe scasb") SNATIVE(repne_scasb, "repne scasb")
SNATIVE(repe_scasw, "repe scasw") SNATIVE(repne_scasl, "repne scasl") SNATIVE(scasb, "scasb")

struct scase {
	const char *name;
	void (*native)(struct sst *);
	uint8_t enc[4];
	uint8_t len;
	int size;
};

static const struct scase scases[] = {
	{"rep movsb", rep_movsb, E(0xf3, 0xa4), 1}, {"rep movsw", rep_movsw, E(0x66, 0xf3, 0xa5), 2},
	{"rep movsl", rep_movsl, E(0xf3, 0xa5), 4}, {"movsb", movsb, E(0xa4), 1},
	{"movsl", movsl, E(0xa5), 4}, {"repne movsb", repne_movsb, E(0xf2, 0xa4), 1},
	{"rep stosb", rep_stosb, E(0xf3, 0xaa), 1}, {"rep stosw", rep_stosw, E(0x66, 0xf3, 0xab), 2},
	{"rep stosl", rep_stosl, E(0xf3, 0xab), 4}, {"stosl", stosl, E(0xab), 4},
	{"rep lodsb", rep_lodsb, E(0xf3, 0xac), 1}, {"lodsw", lodsw, E(0x66, 0xad), 2},
	{"rep lodsl", rep_lodsl, E(0xf3, 0xad), 4},
	{"repe cmpsb", repe_cmpsb, E(0xf3, 0xa6), 1}, {"repne cmpsb", repne_cmpsb, E(0xf2, 0xa6), 1},
	{"repe cmpsw", repe_cmpsw, E(0x66, 0xf3, 0xa7), 2},
	{"repe cmpsl", repe_cmpsl, E(0xf3, 0xa7), 4}, {"repne cmpsl", repne_cmpsl, E(0xf2, 0xa7), 4},
	{"cmpsb", cmpsb, E(0xa6), 1}, {"cmpsl", cmpsl, E(0xa7), 4},
	{"repe scasb", repe_scasb, E(0xf3, 0xae), 1}, {"repne scasb", repne_scasb, E(0xf2, 0xae), 1},
	{"repe scasw", repe_scasw, E(0x66, 0xf3, 0xaf), 2},
	{"repne scasl", repne_scasl, E(0xf2, 0xaf), 4}, {"scasb", scasb, E(0xae), 1},
};
/* clang-format on */
#define NSCASES ((int)(sizeof(scases) / sizeof(scases[0])))

/* Source at 32..96, destination at 128..192: equal but for one byte at
 * diff (none if out of range), so compares stop at varied places. */
static void string_setup(struct sst *s, bool down, int diff)
{
	for (int i = 0; i < 64; i++) {
		s->buf[32 + i] = (uint8_t)(i * 7 + 3);
		s->buf[128 + i] = (uint8_t)(i * 7 + 3);
	}
	if (diff >= 0)
		s->buf[128 + diff] ^= 0x40;
	s->si = down ? 88 : 40;
	s->di = down ? 184 : 136;
	s->fl |= down ? F_DF : 0;
}

static void string_one(const struct scase *c, struct xinsn *in, struct fake *f,
		       const struct emu_ops *ops, const struct sst *s)
{
	struct sst nat = *s;
	struct emu_regs r = regs0();
	char what[120];
	int rc;

	c->native(&nat);
	memcpy(f->mem + DATA, s->buf, sizeof(s->buf));
	r.gpr[EAX] = s->eax;
	r.gpr[ECX] = s->ecx;
	r.gpr[ESI] = DATA + s->si;
	r.gpr[EDI] = DATA + s->di;
	r.eflags = 0x202 | s->fl;
	rc = emu_insn(in, &r, ops);
	snprintf(what, sizeof(what), "%s: ecx %u si %u di %u eax %08x fl %03x", c->name, s->ecx,
		 s->si, s->di, s->eax, s->fl);
	EXPECT(rc == 0, "%s: rc %d", what, rc);
	EXPECT(r.gpr[EAX] == nat.eax, "%s: eax %08x native %08x", what, r.gpr[EAX], nat.eax);
	EXPECT(r.gpr[ECX] == nat.ecx, "%s: ecx %u native %u", what, r.gpr[ECX], nat.ecx);
	EXPECT(r.gpr[ESI] == DATA + nat.si, "%s: esi %x native %x", what, r.gpr[ESI],
	       DATA + nat.si);
	EXPECT(r.gpr[EDI] == DATA + nat.di, "%s: edi %x native %x", what, r.gpr[EDI],
	       DATA + nat.di);
	EXPECT((r.eflags & (F_ARITH | F_DF)) == nat.fl, "%s: flags %03x native %03x", what,
	       r.eflags & (F_ARITH | F_DF), nat.fl);
	EXPECT(r.eip == in->next, "%s: eip", what);
	EXPECT(memcmp(f->mem + DATA, nat.buf, sizeof(nat.buf)) == 0, "%s: memory", what);
}

START_TEST(test_string_native)
{
	static const uint32_t counts[] = {0, 1, 2, 3, 5, 8};
	static const int diffs[] = {-1, 0, 1, 3, 7, 13};
	const struct scase *c = &scases[_i];
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn in = decode32(c->enc, c->len);

	for (int down = 0; down < 2; down++)
		for (unsigned n = 0; n < sizeof(counts) / sizeof(counts[0]); n++)
			for (unsigned d = 0; d < sizeof(diffs) / sizeof(diffs[0]); d++)
				for (int fl = 0; fl < 2; fl++) {
					struct sst s = {.ecx = counts[n], .fl = fl ? F_ARITH : 0};
					int at = diffs[d] < 0 ? 0 : diffs[d];

					string_setup(&s, down,
						     diffs[d] < 0 ? -1 : diffs[d] * c->size);
					/* scas: the accumulator matches the byte at a
					 * varied distance, or nothing */
					s.eax = 0xeeeeee00u |
						s.buf[s.di + (down ? -1 : 1) * at * c->size];
					if (c->size > 1)
						s.eax = get32(s.buf + s.di +
							      (down ? -1 : 1) * at * c->size);
					string_one(c, &in, f, &ops, &s);
				}
	free(f);
}
END_TEST

/* ---- explicit tests ---- */

struct eacase {
	const char *name;
	uint8_t enc[12];
	uint8_t len;
	uint32_t ebx, ecx, ebp, esp, esi, edi;
	int seg;
	uint32_t off;
};

/* All store %eax (89 /0) or %ax through the operand; the access log holds
 * the segment and offset the emulator chose. */
/* clang-format off */
static const struct eacase eacases[] = {
	{"(%ebx,%ecx,4)", E(0x89, 0x04, 0x8b), .ebx = 0x100, .ecx = 3, .seg = SEG_DS, .off = 0x10c},
	{"0x10(%ebp,%ecx,2)", E(0x89, 0x44, 0x4d, 0x10), .ebp = 0x200, .ecx = 1, .seg = SEG_SS,
	 .off = 0x212},
	{"-0x10(%ebp)", E(0x89, 0x45, 0xf0), .ebp = 0x200, .seg = SEG_SS, .off = 0x1f0},
	{"0x1234 (disp32)", E(0x89, 0x05, 0x34, 0x12, 0, 0), .seg = SEG_DS, .off = 0x1234},
	{"disp32 via SIB, no base, no index", E(0x89, 0x04, 0x25, 0x78, 0x05, 0, 0), .seg = SEG_DS,
	 .off = 0x578},
	{"(,%ebp,4)+disp32: index ebp is DS", E(0x89, 0x04, 0xad, 0x00, 0x01, 0, 0), .ebp = 0x10,
	 .seg = SEG_DS, .off = 0x140},
	{"(%esp)", E(0x89, 0x04, 0x24), .esp = 0x700, .seg = SEG_SS, .off = 0x700},
	{"0x100(%esp) disp32", E(0x89, 0x84, 0x24, 0x00, 0x01, 0, 0), .esp = 0x700, .seg = SEG_SS,
	 .off = 0x800},
	{"-1(%esi,%ebx,8) disp8", E(0x89, 0x44, 0xde, 0xff), .esi = 0x300, .ebx = 2, .seg = SEG_DS,
	 .off = 0x30f},
	{"32-bit wrap", E(0x89, 0x43, 0x20), .ebx = 0xfffffff0u, .seg = SEG_DS, .off = 0x10},
	{"%es:(%ebp)", E(0x26, 0x89, 0x45, 0x00), .ebp = 0x200, .seg = SEG_ES, .off = 0x200},
	{"%fs:(%ebx)", E(0x64, 0x89, 0x03), .ebx = 0x240, .seg = SEG_FS, .off = 0x240},
	{"%gs:(%esp)", E(0x65, 0x89, 0x04, 0x24), .esp = 0x260, .seg = SEG_GS, .off = 0x260},
	{"%cs:disp32", E(0x2e, 0x89, 0x05, 0x00, 0x03, 0, 0), .seg = SEG_CS, .off = 0x300},
	{"%ds:(%ebp)", E(0x3e, 0x89, 0x45, 0x00), .ebp = 0x280, .seg = SEG_DS, .off = 0x280},
	{"a16 (%bx,%si)", E(0x67, 0x89, 0x00), .ebx = 0x12340100u, .esi = 0x20, .seg = SEG_DS,
	 .off = 0x120},
	{"a16 (%bp,%di)", E(0x67, 0x89, 0x03), .ebp = 0x100, .edi = 0xffff0022u, .seg = SEG_SS,
	 .off = 0x122},
	{"a16 -2(%bp)", E(0x67, 0x89, 0x46, 0xfe), .ebp = 0x100, .seg = SEG_SS, .off = 0xfe},
	{"a16 [0x1234]", E(0x67, 0x89, 0x06, 0x34, 0x12), .seg = SEG_DS, .off = 0x1234},
	{"a16 -1(%bx) wraps", E(0x67, 0x89, 0x47, 0xff), .ebx = 0, .seg = SEG_DS, .off = 0xffff},
	{"a16 0xffff(%bx) wraps", E(0x67, 0x89, 0x87, 0xff, 0xff), .ebx = 2, .seg = SEG_DS,
	 .off = 1},
	{"a16 (%si)+(%bx) wraps", E(0x67, 0x89, 0x00), .ebx = 0xfff0, .esi = 0x20, .seg = SEG_DS,
	 .off = 0x10},
	{"a16 (%di)", E(0x67, 0x89, 0x05), .edi = 0x8888, .seg = SEG_DS, .off = 0x8888},
	{"a16 %es:(%bp,%si)+disp16", E(0x26, 0x67, 0x89, 0x82, 0x00, 0x01), .ebp = 0x10,
	 .esi = 0x20, .seg = SEG_ES, .off = 0x130},
	{"o16 a16 (%bx)", E(0x66, 0x67, 0x89, 0x07), .ebx = 0x444, .seg = SEG_DS, .off = 0x444},
};
/* clang-format on */

START_TEST(test_ea)
{
	const struct eacase *c = &eacases[_i];
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn in = decode32(c->enc, c->len);
	struct emu_regs r = regs0();
	int rc;

	r.gpr[EAX] = 0xdeadbeef;
	r.gpr[EBX] = c->ebx;
	r.gpr[ECX] = c->ecx;
	r.gpr[EBP] = c->ebp;
	r.gpr[ESP] = c->esp;
	r.gpr[ESI] = c->esi;
	r.gpr[EDI] = c->edi;
	rc = emu_insn(&in, &r, &ops);
	ck_assert_msg(rc == 0, "%s: rc %d", c->name, rc);
	ck_assert_int_eq(f->n, 1);
	ck_assert_msg(f->log[0].write && f->log[0].seg == c->seg && f->log[0].off == c->off,
		      "%s: seg %d off %x", c->name, f->log[0].seg, f->log[0].off);
	ck_assert_int_eq(f->log[0].size, in.opsize16 ? 2 : 4);
	ck_assert_uint_eq(get32(f->mem + c->off), in.opsize16 ? 0xbeef : 0xdeadbeef);
	free(f);
}
END_TEST

/* rep movsb/stosd both ways, counts 0, 1 and 7; registers and memory. */
START_TEST(test_rep_explicit)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	static const uint32_t counts[] = {0, 1, 7};

	for (int down = 0; down < 2; down++)
		for (int k = 0; k < 3; k++) {
			uint32_t n = counts[k];
			struct xinsn movsb = DEC(0xf3, 0xa4), stosd = DEC(0xf3, 0xab);
			struct emu_regs r = regs0();

			for (int i = 0; i < 64; i++) {
				f->mem[0x2000 + i] = (uint8_t)(0x80 + i);
				f->mem[0x3000 + i] = 0;
			}
			r.eflags |= down ? F_DF : 0;
			r.gpr[ECX] = n;
			r.gpr[ESI] = 0x2010;
			r.gpr[EDI] = 0x3010;
			ck_assert_int_eq(emu_insn(&movsb, &r, &ops), 0);
			ck_assert_uint_eq(r.gpr[ECX], 0);
			ck_assert_uint_eq(r.gpr[ESI], down ? 0x2010 - n : 0x2010 + n);
			ck_assert_uint_eq(r.gpr[EDI], down ? 0x3010 - n : 0x3010 + n);
			ck_assert_uint_eq(r.eip, movsb.next);
			for (int i = -10; i < 10; i++) {
				bool moved =
				    down ? (i <= 0 && i > -(int)n) : (i >= 0 && i < (int)n);

				ck_assert_uint_eq(f->mem[0x3010 + i], moved ? 0x80 + 0x10 + i : 0);
			}

			r = regs0();
			r.eflags |= down ? F_DF : 0;
			r.gpr[EAX] = 0xcafef00d;
			r.gpr[ECX] = n;
			r.gpr[EDI] = 0x3020;
			ck_assert_int_eq(emu_insn(&stosd, &r, &ops), 0);
			ck_assert_uint_eq(r.gpr[ECX], 0);
			ck_assert_uint_eq(r.gpr[EDI], down ? 0x3020 - 4 * n : 0x3020 + 4 * n);
			ck_assert_uint_eq(r.gpr[ESI], regs0().gpr[ESI]);
			for (int i = 0; i < (int)n; i++)
				ck_assert_uint_eq(get32(f->mem + 0x3020 + (down ? -4 * i : 4 * i)),
						  0xcafef00d);
			ck_assert_uint_eq(get32(f->mem + (down ? 0x3020 - 4 * n : 0x3020 + 4 * n)),
					  0);
		}
	free(f);
}
END_TEST

/* repe cmpsb stops at the first difference; repne scasb at the match. */
START_TEST(test_cmps_scas_stop)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn cmps = DEC(0xf3, 0xa6), scas = DEC(0xf2, 0xae);
	struct emu_regs r = regs0();

	memcpy(f->mem + 0x2000, "abcdefgh", 8);
	memcpy(f->mem + 0x3000, "abcdXfgh", 8);
	r.gpr[ECX] = 8;
	r.gpr[ESI] = 0x2000;
	r.gpr[EDI] = 0x3000;
	ck_assert_int_eq(emu_insn(&cmps, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ECX], 3); /* 5 compared, the 5th differed */
	ck_assert_uint_eq(r.gpr[ESI], 0x2005);
	ck_assert_uint_eq(r.gpr[EDI], 0x3005);
	ck_assert(!(r.eflags & F_ZF));
	ck_assert(!(r.eflags & (F_SF | F_CF))); /* 'e' (0x65) - 'X' (0x58) = 0x0d */

	r = regs0();
	r.gpr[EAX] = 'X';
	r.gpr[ECX] = 8;
	r.gpr[EDI] = 0x3000;
	ck_assert_int_eq(emu_insn(&scas, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ECX], 3);
	ck_assert_uint_eq(r.gpr[EDI], 0x3005);
	ck_assert(r.eflags & F_ZF);
	free(f);
}
END_TEST

/* 0x67: SI/DI/CX only, wrapping at 64 KiB, upper halves kept; the source
 * segment follows the override, the destination is always ES. */
START_TEST(test_string_a16_override)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn movsw = DEC(0x26, 0x67, 0x66, 0xf3, 0xa5);
	struct xinsn lodsb = DEC(0x64, 0xac);
	struct emu_regs r = regs0();

	f->base[SEG_ES] = 0x10000;
	f->base[SEG_FS] = 0x4000;
	f->mem[0x1fffe] = 0x11;
	f->mem[0x1ffff] = 0x22;
	f->mem[0x10000] = 0x33;
	f->mem[0x10001] = 0x44;
	r.gpr[ECX] = 0xabcd0002;
	r.gpr[ESI] = 0x7777fffe;
	r.gpr[EDI] = 0x88880100;
	ck_assert_int_eq(emu_insn(&movsw, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ECX], 0xabcd0000);
	ck_assert_uint_eq(r.gpr[ESI], 0x77770002); /* 0xfffe + 2 + 2 wraps */
	ck_assert_uint_eq(r.gpr[EDI], 0x88880104);
	ck_assert_int_eq(f->log[0].seg, SEG_ES);
	ck_assert_uint_eq(f->log[0].off, 0xfffe);
	ck_assert_int_eq(f->log[1].seg, SEG_ES);
	ck_assert_uint_eq(f->log[1].off, 0x100);
	ck_assert_int_eq(f->log[2].seg, SEG_ES);
	ck_assert_uint_eq(f->log[2].off, 0);
	ck_assert_uint_eq(get32(f->mem + 0x10100), 0x44332211);

	r = regs0();
	f->n = 0;
	f->mem[0x4000 + 0x123] = 0x99;
	r.gpr[ESI] = 0x123;
	ck_assert_int_eq(emu_insn(&lodsb, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[EAX], 0x11111199);
	ck_assert_uint_eq(r.gpr[ESI], 0x124);
	ck_assert_int_eq(f->log[0].seg, SEG_FS);
	free(f);
}
END_TEST

/* A rep string instruction stops after EMU_REP_CHUNK iterations with EIP
 * at the instruction; running it again finishes. */
START_TEST(test_rep_chunk)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn stosb = DEC(0xf3, 0xaa);
	struct emu_regs r = regs0();

	r.gpr[ECX] = EMU_REP_CHUNK + 5;
	r.gpr[EDI] = 0x2000;
	r.gpr[EAX] = 0x77;
	ck_assert_int_eq(emu_insn(&stosb, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ECX], 5);
	ck_assert_uint_eq(r.gpr[EDI], 0x2000 + EMU_REP_CHUNK);
	ck_assert_uint_eq(r.eip, stosb.eip);
	ck_assert_int_eq(emu_insn(&stosb, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ECX], 0);
	ck_assert_uint_eq(r.eip, stosb.next);
	for (int i = 0; i < EMU_REP_CHUNK + 5; i++)
		ck_assert_uint_eq(f->mem[0x2000 + i], 0x77);
	ck_assert_uint_eq(f->mem[0x2000 + EMU_REP_CHUNK + 5], 0);
	free(f);
}
END_TEST

/* bt with register offsets far from the operand, both signs. */
START_TEST(test_bt_far)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn bt = DEC(0x0f, 0xa3, 0x0f), bts = DEC(0x0f, 0xab, 0x0f);
	struct xinsn btw = DEC(0x66, 0x0f, 0xa3, 0x0f), btri = DEC(0x0f, 0xba, 0x37, 0xff);
	struct emu_regs r = regs0(), r0;

	/* -1: bit 31 of the dword below */
	put32(f->mem + DATA - 4, 0x80000000);
	r.gpr[ECX] = 0xffffffff;
	ck_assert_int_eq(emu_insn(&bt, &r, &ops), 0);
	ck_assert(r.eflags & F_CF);
	ck_assert_uint_eq(f->log[0].off, DATA - 4);

	/* bts -33: bit 31 of the dword 8 below, set */
	r = regs0();
	f->n = 0;
	r.gpr[ECX] = (uint32_t)-33;
	ck_assert_int_eq(emu_insn(&bts, &r, &ops), 0);
	ck_assert(!(r.eflags & F_CF));
	ck_assert_uint_eq(get32(f->mem + DATA - 8), 0x80000000);
	ck_assert_uint_eq(f->log[1].off, DATA - 8);

	/* +0x8000 bits = 0x1000 bytes above */
	r = regs0();
	f->n = 0;
	f->mem[DATA + 0x1000] = 1;
	r.gpr[ECX] = 0x8000;
	ck_assert_int_eq(emu_insn(&bt, &r, &ops), 0);
	ck_assert(r.eflags & F_CF);
	ck_assert_uint_eq(f->log[0].off, DATA + 0x1000);

	/* largest offsets: 256 MiB either way, beyond the fake memory */
	r = regs0();
	f->n = 0;
	r.gpr[ECX] = 0x7fffffff;
	r0 = r;
	ck_assert_int_eq(emu_insn(&bt, &r, &ops), 13);
	ck_assert_uint_eq(f->log[0].off, DATA + 0x0ffffffc);
	ck_assert(regs_eq(&r, &r0));
	f->n = 0;
	r.gpr[ECX] = 0x80000000;
	ck_assert_int_eq(emu_insn(&bt, &r, &ops), 13);
	ck_assert_uint_eq(f->log[0].off, DATA - 0x10000000);

	/* 16-bit: CX is signed, the step is in words */
	r = regs0();
	f->n = 0;
	f->mem[DATA - 0x1000] = 0x01;
	r.gpr[ECX] = 0x12348000; /* CX = -32768: 0x1000 bytes below */
	ck_assert_int_eq(emu_insn(&btw, &r, &ops), 0);
	ck_assert(r.eflags & F_CF);
	ck_assert_uint_eq(f->log[0].off, DATA - 0x1000);
	ck_assert_int_eq(f->log[0].size, 2);

	/* immediate offsets wrap inside the operand: btr $255 -> bit 31 */
	r = regs0();
	f->n = 0;
	put32(f->mem + DATA, 0xffffffff);
	ck_assert_int_eq(emu_insn(&btri, &r, &ops), 0);
	ck_assert(r.eflags & F_CF);
	ck_assert_uint_eq(get32(f->mem + DATA), 0x7fffffff);
	ck_assert_uint_eq(f->log[0].off, DATA);
	free(f);
}
END_TEST

START_TEST(test_cmpxchg8b)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn in = DEC(0xf0, 0x0f, 0xc7, 0x0f);
	struct emu_regs r = regs0();

	put32(f->mem + DATA, 0x11112222);
	put32(f->mem + DATA + 4, 0x33334444);
	r.gpr[EAX] = 0x11112222;
	r.gpr[EDX] = 0x33334444;
	r.gpr[EBX] = 0xaaaabbbb;
	r.gpr[ECX] = 0xccccdddd;
	ck_assert_int_eq(emu_insn(&in, &r, &ops), 0);
	ck_assert(r.eflags & F_ZF);
	ck_assert_uint_eq(get32(f->mem + DATA), 0xaaaabbbb);
	ck_assert_uint_eq(get32(f->mem + DATA + 4), 0xccccdddd);
	ck_assert_uint_eq(r.gpr[EAX], 0x11112222);
	ck_assert_int_eq(f->log[0].size, 8);

	/* failure: EDX:EAX loaded, memory rewritten with its own value */
	f->n = 0;
	ck_assert_int_eq(emu_insn(&in, &r, &ops), 0);
	ck_assert(!(r.eflags & F_ZF));
	ck_assert_uint_eq(r.gpr[EAX], 0xaaaabbbb);
	ck_assert_uint_eq(r.gpr[EDX], 0xccccdddd);
	ck_assert_uint_eq(get32(f->mem + DATA), 0xaaaabbbb);
	ck_assert_int_eq(f->n, 2);
	ck_assert(f->log[1].write);
	free(f);
}
END_TEST

/* push/pop through memory, ESP-relative; a 16-bit stack. */
START_TEST(test_push_pop)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn push_esp = DEC(0xff, 0x34, 0x24), push4 = DEC(0xff, 0x74, 0x24, 0x04);
	struct xinsn pop_esp = DEC(0x8f, 0x04, 0x24), popm4 = DEC(0x8f, 0x44, 0x24, 0xfc);
	struct xinsn pushw = DEC(0x66, 0xff, 0x35, 0x00, 0x10, 0x00, 0x00);
	struct xinsn popw = DEC(0x66, 0x8f, 0x07);
	struct xinsn pushm = DEC(0xff, 0x35, 0x00, 0x10, 0x00, 0x00);
	struct emu_regs r = regs0();

	put32(f->mem + STACK, 0xa1a1a1a1);
	put32(f->mem + STACK + 4, 0xb2b2b2b2);
	ck_assert_int_eq(emu_insn(&push_esp, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 4);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), 0xa1a1a1a1);
	ck_assert_uint_eq(r.eip, push_esp.next);

	r = regs0();
	ck_assert_int_eq(emu_insn(&push4, &r, &ops), 0); /* 4(%esp) with the old ESP */
	ck_assert_uint_eq(get32(f->mem + STACK - 4), 0xb2b2b2b2);

	/* pop (%esp): the address is computed with ESP already incremented */
	r = regs0();
	put32(f->mem + STACK, 0xc3c3c3c3);
	ck_assert_int_eq(emu_insn(&pop_esp, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK + 4);
	ck_assert_uint_eq(get32(f->mem + STACK + 4), 0xc3c3c3c3);

	r = regs0();
	put32(f->mem + STACK, 0xd4d4d4d4);
	put32(f->mem + STACK + 4, 0);
	ck_assert_int_eq(emu_insn(&popm4, &r, &ops), 0); /* -4(new %esp) = old %esp */
	ck_assert_uint_eq(r.gpr[ESP], STACK + 4);
	ck_assert_uint_eq(get32(f->mem + STACK), 0xd4d4d4d4);
	ck_assert_uint_eq(get32(f->mem + STACK + 4), 0);

	/* 16-bit operands */
	r = regs0();
	put32(f->mem + DATA, 0x5678abcd);
	ck_assert_int_eq(emu_insn(&pushw, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 2);
	ck_assert_uint_eq(f->mem[STACK - 2] | f->mem[STACK - 1] << 8, 0xabcd);
	ck_assert_int_eq(emu_insn(&popw, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK);
	ck_assert_uint_eq(get32(f->mem + DATA), 0x5678abcd);

	/* 16-bit stack: SP wraps, the upper half of ESP stays */
	r = regs0();
	r.stack32 = false;
	r.gpr[ESP] = 0xabcd0002;
	f->n = 0;
	ck_assert_int_eq(emu_insn(&pushm, &r, &ops), 0);
	ck_assert_uint_eq(f->log[0].off, DATA);
	ck_assert_int_eq(f->log[1].seg, SEG_SS);
	ck_assert_uint_eq(f->log[1].off, 0xfffe);
	ck_assert_uint_eq(r.gpr[ESP], 0xabcdfffe);
	free(f);
}
END_TEST

/* call/jmp near through memory */
START_TEST(test_call_jmp)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn call = DEC(0xff, 0x15, 0x00, 0x10, 0x00, 0x00);
	struct xinsn call_esp = DEC(0xff, 0x14, 0x24), callw = DEC(0x66, 0xff, 0x17);
	struct xinsn jmp = DEC(0xff, 0x27);
	struct emu_regs r = regs0();

	put32(f->mem + DATA, 0x12345678);
	ck_assert_int_eq(emu_insn(&call, &r, &ops), 0);
	ck_assert_uint_eq(r.eip, 0x12345678);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 4);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), call.next);

	r = regs0();
	put32(f->mem + STACK, 0x9abc);
	ck_assert_int_eq(emu_insn(&call_esp, &r, &ops), 0);
	ck_assert_uint_eq(r.eip, 0x9abc);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), call_esp.next);

	r = regs0();
	put32(f->mem + STACK - 4, 0);
	ck_assert_int_eq(emu_insn(&callw, &r, &ops), 0);
	ck_assert_uint_eq(r.eip, 0x5678);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 2);
	ck_assert_uint_eq(f->mem[STACK - 2] | f->mem[STACK - 1] << 8, callw.next & 0xffff);
	ck_assert_uint_eq(get32(f->mem + STACK - 4) & 0xffff, 0);

	/* call rel32 (backwards) and rel16 (the target wraps within 64 KiB) */
	{
		struct xinsn rel = DEC(0xe8, 0xf0, 0xff, 0xff, 0xff);
		struct xinsn relw = DEC(0x66, 0xe8, 0x00, 0x80);

		r = regs0();
		ck_assert_int_eq(emu_insn(&rel, &r, &ops), 0);
		ck_assert_uint_eq(r.eip, rel.next - 0x10);
		ck_assert_uint_eq(r.gpr[ESP], STACK - 4);
		ck_assert_uint_eq(get32(f->mem + STACK - 4), rel.next);
		r = regs0();
		put32(f->mem + STACK - 4, 0);
		ck_assert_int_eq(emu_insn(&relw, &r, &ops), 0);
		ck_assert_uint_eq(r.eip, (relw.next + 0x8000) & 0xffff);
		ck_assert_uint_eq(r.gpr[ESP], STACK - 2);
		ck_assert_uint_eq(f->mem[STACK - 2] | f->mem[STACK - 1] << 8, relw.next & 0xffff);
		ck_assert_uint_eq(get32(f->mem + STACK - 4) & 0xffff, 0);
	}

	r = regs0();
	ck_assert_int_eq(emu_insn(&jmp, &r, &ops), 0);
	ck_assert_uint_eq(r.eip, 0x12345678);
	ck_assert_uint_eq(r.gpr[ESP], STACK);
	free(f);
}
END_TEST

struct fcase {
	const char *name;
	uint8_t enc[8];
	uint8_t len;
	int fail_at; /* the access that faults */
	int vec;
	uint32_t ecx;
};

/* clang-format off */
static const struct fcase fcases[] = {
	{"add r,m: read", E(0x01, 0x0f), 0, 14},
	{"add r,m: write", E(0x01, 0x0f), 1, 14},
	{"add m,r: read", E(0x03, 0x0f), 0, 13},
	{"cmp imm: read", E(0x83, 0x3f, 0x01), 0, 13},
	{"xchg: write", E(0x87, 0x0f), 1, 14},
	{"xadd: write", E(0x0f, 0xc1, 0x0f), 1, 14},
	{"cmpxchg: write", E(0x0f, 0xb1, 0x0f), 1, 14},
	{"cmpxchg8b: write", E(0x0f, 0xc7, 0x0f), 1, 14},
	{"neg: write", E(0xf7, 0x1f), 1, 14},
	{"inc: write", E(0xff, 0x07), 1, 14},
	{"shl cl: write", E(0xd3, 0x27), 1, 14},
	{"bts: write", E(0x0f, 0xab, 0x0f), 1, 14},
	{"setc: write", E(0x0f, 0x92, 0x07), 0, 14},
	{"mov m,r: read", E(0x8b, 0x0f), 0, 12},
	{"movzx: read", E(0x0f, 0xb6, 0x0f), 0, 12},
	{"moffs load", E(0xa1, 0x00, 0x10, 0x00, 0x00), 0, 13},
	{"push m: stack write", E(0xff, 0x37), 1, 12},
	{"pop m: write", E(0x8f, 0x07), 1, 14},
	{"pop m: stack read", E(0x8f, 0x07), 0, 12},
	{"call m: push", E(0xff, 0x17), 1, 12},
	{"jmp m: read", E(0xff, 0x27), 0, 14},
	{"movsb: write", E(0xa4), 1, 14},
	{"cmpsb: second read", E(0xa6), 1, 14},
	{"rep movsb: first iteration", E(0xf3, 0xa4), 0, 14, .ecx = 5},
	{"repe cmpsd: first iteration", E(0xf3, 0xa7), 1, 14, .ecx = 5},
};
/* clang-format on */

/* A fault from the callbacks leaves registers (and, the writes being
 * last, memory) as they were. */
/* emu_handles: what the adaptive translator asks before it makes an
 * instruction an emulation call-out. */
START_TEST(test_handles)
{
	static const struct {
		uint8_t b[8];
		int len;
		bool want;
	} t[] = {
	    {{0x89, 0x03}, 2, true},	    /* mov [ebx], eax */
	    {{0xf3, 0xa5}, 2, true},	    /* rep movsd */
	    {{0xff, 0x33}, 2, true},	    /* push dword [ebx] */
	    {{0x0f, 0xc7, 0x0b}, 3, true},  /* cmpxchg8b [ebx] */
	    {{0x89, 0xd8}, 2, false},	    /* mov eax, ebx: no memory operand */
	    {{0x16}, 1, false},		    /* push ss */
	    {{0x0f, 0xaf, 0x03}, 3, false}, /* imul eax, [ebx] */
	    {{0xd9, 0x03}, 2, false},	    /* fld dword [ebx] */
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct xinsn in = decode32(t[i].b, t[i].len);
		ck_assert_msg(emu_handles(&in) == t[i].want, "case %u: want %d", i, t[i].want);
	}
}
END_TEST

START_TEST(test_fault_no_commit)
{
	const struct fcase *c = &fcases[_i];
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn in = decode32(c->enc, c->len);
	struct emu_regs r = regs0(), r0;
	uint8_t *copy = malloc(MEM_SIZE);

	r.gpr[ECX] = c->ecx ? c->ecx : 3;
	r.gpr[ESI] = 0x2000;
	r.eflags |= F_CF | F_OF;
	for (int i = 0; i < 64; i++)
		f->mem[DATA + i] = f->mem[0x2000 + i] = (uint8_t)i;
	f->fail_at = c->fail_at;
	f->fail_vec = c->vec;
	memcpy(copy, f->mem, MEM_SIZE);
	r0 = r;
	ck_assert_msg(emu_insn(&in, &r, &ops) == c->vec, "%s", c->name);
	ck_assert_msg(regs_eq(&r, &r0), "%s: registers changed", c->name);
	ck_assert_msg(memcmp(copy, f->mem, MEM_SIZE) == 0, "%s: memory changed", c->name);
	ck_assert_msg(f->n == c->fail_at + 1, "%s: %d accesses", c->name, f->n);
	free(copy);
	free(f);
}
END_TEST

/* A fault in a later iteration keeps the completed ones. */
START_TEST(test_fault_rep_partial)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn movsd = DEC(0xf3, 0xa5), cmpsb = DEC(0xf3, 0xa6);
	struct emu_regs r = regs0(), r0;

	for (int i = 0; i < 64; i++)
		f->mem[0x2000 + i] = (uint8_t)(i + 1);
	r.gpr[ECX] = 10;
	r.gpr[ESI] = 0x2000;
	r.gpr[EDI] = 0x3000;
	f->fail_at = 5; /* read, write, read, write, read, WRITE */
	f->fail_vec = 14;
	r0 = r;
	ck_assert_int_eq(emu_insn(&movsd, &r, &ops), 14);
	ck_assert_uint_eq(r.gpr[ECX], 8);
	ck_assert_uint_eq(r.gpr[ESI], 0x2008);
	ck_assert_uint_eq(r.gpr[EDI], 0x3008);
	ck_assert_uint_eq(r.eip, movsd.eip);
	ck_assert_uint_eq(r.eflags, r0.eflags);
	ck_assert_uint_eq(get32(f->mem + 0x3004), 0x08070605);
	ck_assert_uint_eq(get32(f->mem + 0x3008), 0);

	/* backwards, compare: the flags of the completed compares stay */
	r = regs0();
	f->n = 0;
	f->fail_at = 4; /* iteration 3's first read */
	memcpy(f->mem + 0x3000 - 2, f->mem + 0x2000 - 2, 4);
	f->mem[0x1ffe] = 0x10;
	f->mem[0x2ffe] = 0x10;
	r.eflags |= F_DF;
	r.gpr[ECX] = 10;
	r.gpr[ESI] = 0x2000;
	r.gpr[EDI] = 0x3000;
	ck_assert_int_eq(emu_insn(&cmpsb, &r, &ops), 14);
	ck_assert_uint_eq(r.gpr[ECX], 8);
	ck_assert_uint_eq(r.gpr[ESI], 0x1ffe);
	ck_assert_uint_eq(r.gpr[EDI], 0x2ffe);
	ck_assert(r.eflags & F_ZF);
	ck_assert(r.eflags & F_DF);
	ck_assert_uint_eq(r.eip, cmpsb.eip);
	free(f);
}
END_TEST

/* Not handled: nothing read, nothing changed. */
START_TEST(test_unsupported)
{
	static const struct {
		uint8_t enc[8];
		uint8_t len;
	} cases[] = {
	    {E(0x01, 0xd8)},		     /* add %ebx,%eax */
	    {E(0xff, 0x1d, 0, 0x10, 0, 0)},  /* lcall *0x1000 */
	    {E(0xff, 0x2f)},		     /* ljmp *(%edi) */
	    {E(0xff, 0xd0)},		     /* call *%eax */
	    {E(0xf7, 0x27)},		     /* mull (%edi) */
	    {E(0xf6, 0x37)},		     /* divb (%edi) */
	    {E(0x8c, 0x07)},		     /* mov %es,(%edi) */
	    {E(0x8e, 0x07)},		     /* mov (%edi),%es */
	    {E(0x0f, 0x0b)},		     /* ud2 */
	    {E(0x8d, 0x07)},		     /* lea (%edi),%eax */
	    {E(0xd3, 0xe0)},		     /* shl %cl,%eax */
	    {E(0x0f, 0x94, 0xc0)},	     /* sete %al */
	    {E(0x0f, 0xb6, 0xc1)},	     /* movzbl %cl,%eax */
	    {E(0x05, 1, 0, 0, 0)},	     /* add $1,%eax */
	    {E(0xa8, 0x01)},		     /* test $1,%al */
	    {E(0x0f, 0xa5, 0x0f)},	     /* shld %cl,%ecx,(%edi) */
	    {E(0x0f, 0xaf, 0x0f)},	     /* imul (%edi),%ecx */
	    {E(0xd9, 0x07)},		     /* flds (%edi) */
	    {E(0x0f, 0xba, 0x27 - 0x20, 1)}, /* 0f ba /0: invalid */
	    {E(0xce)},			     /* into: CO_INTO, not here */
	    {E(0xff, 0x37 | 0x08)},	     /* ff /7: invalid */
	};
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xinsn in = raw32(cases[i].enc, cases[i].len);
		struct emu_regs r = regs0(), r0 = r;

		ck_assert_msg(emu_insn(&in, &r, &ops) == EMU_UNSUPPORTED, "case %u", i);
		ck_assert_msg(regs_eq(&r, &r0), "case %u", i);
	}
	ck_assert_int_eq(f->n, 0);

	/* a length the emulator's parse disagrees with */
	{
		struct xinsn in = RAW(0x01, 0x0f, 0x90);
		struct emu_regs r = regs0();

		ck_assert_int_eq(emu_insn(&in, &r, &ops), EMU_UNSUPPORTED);
	}
	free(f);
}
END_TEST

/* lock: fine on the read-modify-write forms, #UD elsewhere. */
START_TEST(test_lock)
{
	static const struct {
		uint8_t enc[8];
		uint8_t len;
		int rc;
	} cases[] = {
	    {E(0xf0, 0x8b, 0x07), 6},	       /* lock mov */
	    {E(0xf0, 0x89, 0x07), 6},	       /* lock mov */
	    {E(0xf0, 0x39, 0x0f), 6},	       /* lock cmp */
	    {E(0xf0, 0x83, 0x3f, 1), 6},       /* lock cmp imm */
	    {E(0xf0, 0x03, 0x0f), 6},	       /* lock add to a register */
	    {E(0xf0, 0x85, 0x0f), 6},	       /* lock test */
	    {E(0xf0, 0x0f, 0xa3, 0x0f), 6},    /* lock bt */
	    {E(0xf0, 0x0f, 0xba, 0x27, 1), 6}, /* lock bt imm */
	    {E(0xf0, 0xd1, 0x27), 6},	       /* lock shl */
	    {E(0xf0, 0xff, 0x37), 6},	       /* lock push */
	    {E(0xf0, 0xa5), 6},		       /* lock movs */
	    {E(0xf0, 0x0f, 0x94, 0x07), 6},    /* lock sete */
	    {E(0xf0, 0x01, 0x0f), 0},
	    {E(0xf0, 0x83, 0x37, 1), 0}, /* lock xor imm */
	    {E(0xf0, 0x87, 0x0f), 0},
	    {E(0xf0, 0xfe, 0x07), 0},
	    {E(0xf0, 0xf6, 0x17), 0},
	    {E(0xf0, 0x0f, 0xba, 0x3f, 1), 0},
	    {E(0xf0, 0x0f, 0xc1, 0x0f), 0},
	    {E(0xf2, 0xf0, 0x01, 0x0f), 0}, /* xacquire lock add */
	};
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xinsn in = raw32(cases[i].enc, cases[i].len);
		struct emu_regs r = regs0(), r0 = r;
		int rc = emu_insn(&in, &r, &ops);

		ck_assert_msg(rc == cases[i].rc, "case %u: rc %d", i, rc);
		if (rc)
			ck_assert_msg(regs_eq(&r, &r0), "case %u", i);
	}
	free(f);
}
END_TEST

/* 16-bit code: the decoder's effective sizes select the operand and
 * address size. */
START_TEST(test_mode16)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn add = decode_mode((const uint8_t[]){0x01, 0x07}, 2, false);
	struct xinsn add32 = decode_mode((const uint8_t[]){0x66, 0x67, 0x01, 0x07}, 4, false);
	struct emu_regs r = regs0();

	put32(f->mem + 0x444, 0x0001ffff);
	r.gpr[EBX] = 0x00000444;
	r.gpr[EAX] = 0xaaaa0001;
	ck_assert_int_eq(emu_insn(&add, &r, &ops), 0); /* add %ax,(%bx) */
	ck_assert_uint_eq(get32(f->mem + 0x444), 0x00010000);
	ck_assert(r.eflags & F_CF);
	ck_assert(r.eflags & F_ZF);
	ck_assert_int_eq(f->log[1].size, 2);

	r = regs0();
	f->n = 0;
	r.gpr[EDI] = 0x444;
	r.gpr[EAX] = 1;
	ck_assert_int_eq(emu_insn(&add32, &r, &ops), 0); /* add %eax,(%edi) */
	ck_assert_uint_eq(get32(f->mem + 0x444), 0x00010001);
	ck_assert_int_eq(f->log[1].size, 4);
	free(f);
}
END_TEST

static Suite *emulate_suite(void)
{
	Suite *s = suite_create("emulate");
	TCase *tc = tcase_create("emulate");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_differential, 0, NDCASES);
	tcase_add_loop_test(tc, test_string_native, 0, NSCASES);
	tcase_add_loop_test(tc, test_ea, 0, (int)(sizeof(eacases) / sizeof(eacases[0])));
	tcase_add_test(tc, test_rep_explicit);
	tcase_add_test(tc, test_cmps_scas_stop);
	tcase_add_test(tc, test_string_a16_override);
	tcase_add_test(tc, test_rep_chunk);
	tcase_add_test(tc, test_bt_far);
	tcase_add_test(tc, test_cmpxchg8b);
	tcase_add_test(tc, test_push_pop);
	tcase_add_test(tc, test_call_jmp);
	tcase_add_loop_test(tc, test_fault_no_commit, 0, (int)(sizeof(fcases) / sizeof(fcases[0])));
	tcase_add_test(tc, test_handles);
	tcase_add_test(tc, test_fault_rep_partial);
	tcase_add_test(tc, test_unsupported);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_mode16);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(emulate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
