/* test_emulate_legacy.c - unit tests for the emulator's instructions
 * without a memory ModRM operand, most of them 32-bit-only (the x64
 * backend hands them to the emulator): BCD, salc, pusha/popa, bound,
 * enter/leave, push/pop of registers and immediates, inc/dec of a
 * register, lahf/sahf.
 *
 * The BCD instructions, pusha/popa and bound are invalid in 64-bit mode,
 * and this host cannot run 32-bit code, so they are checked against exact
 * values: for BCD the whole output of the guest test tests/guests/bcd.c
 * (exhaustive hashes and samples, recorded under QEMU and checked on AMD
 * hardware) is recomputed through the emulator and compared with
 * tests/guests/bcd.expect, and explicit cases pin the flags bcd.c masks.
 * The stack instructions are checked against values worked out from the
 * SDM's pseudo-code (64-bit mode runs them with other sizes). inc/dec of a
 * register and lahf/sahf run natively too, over a grid of values and
 * flags, as in test_emulate.c. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_fake.h"

/* Runs in on r; the return code of emu_insn. */
static int run(const struct xinsn *in, struct emu_regs *r, struct fake **fp)
{
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	int rc = emu_insn(in, r, &ops);

	if (fp)
		*fp = f;
	else
		free(f);
	return rc;
}

/* ---- BCD: tests/guests/bcd.c through the emulator ---- */

#define M_DAA 0x0D5u
#define M_AAA 0x011u
#define M_AAM 0x0C4u

/* bcd.c's AX_OP: flags in = fin (only CF/AF), returns EAX, flags out. */
static uint32_t bcd_op(const struct xinsn *in, uint32_t ax, uint32_t fin, uint32_t *fl)
{
	struct emu_regs r = regs0();

	r.gpr[EAX] = ax;
	r.eflags = fin | 0x2;
	ck_assert_int_eq(run(in, &r, NULL), 0);
	ck_assert_uint_eq(r.eip, in->next);
	*fl = r.eflags;
	return r.gpr[EAX];
}

/* lib.c's crc_update on one u32 (an FNV-1a fold). */
static uint32_t fold(uint32_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	return h;
}

/* bcd.c's run(): appends its lines to out. */
static void bcd_run(char *out, size_t n, const char *name, const struct xinsn *in, uint32_t mask,
		    int vary_ah, int vary_flags)
{
	static const uint8_t samples[] = {0x00, 0x05, 0x09, 0x0a, 0x0f, 0x10, 0x19, 0x1a,
					  0x45, 0x99, 0x9a, 0x9f, 0xa0, 0xf9, 0xfa, 0xff};
	static const uint32_t ahs[] = {0x00, 0x12, 0xff};
	uint32_t h = 0x811c9dc5, cases = 0, fl;

	for (uint32_t al = 0; al < 256; al++)
		for (uint32_t fi = 0; fi < (vary_flags ? 4u : 1u); fi++)
			for (uint32_t ahi = 0; ahi < (vary_ah ? 3u : 1u); ahi++) {
				uint32_t fin = (fi & 1 ? 0x001 : 0) | (fi & 2 ? 0x010 : 0);
				uint32_t r =
				    bcd_op(in, 0xabcd0000 | (ahs[ahi] << 8) | al, fin, &fl);

				h = fold(fold(h, r), fl & mask);
				cases++;
			}
	snprintf(out + strlen(out), n - strlen(out), "%s exhaustive: %u cases hash=%08x\n", name,
		 cases, h);
	for (unsigned i = 0; i < sizeof(samples); i++)
		for (uint32_t fi = 0; fi < (vary_flags ? 4u : 1u); fi++) {
			uint32_t fin = (fi & 1 ? 0x001 : 0) | (fi & 2 ? 0x010 : 0);
			uint32_t ax = 0x00001200 | samples[i];
			uint32_t r = bcd_op(in, ax, fin, &fl);

			snprintf(out + strlen(out), n - strlen(out),
				 "%s ax=%04x cf=%d af=%d: %08x %03x\n", name, ax, fi & 1,
				 (fi >> 1) & 1, r, fl & mask);
		}
}

/* bcd.c's packed-BCD chain 0x1999 + 1 (add/adc/daa), all emulated: the
 * digits at DATA (low byte) and DATA + 1, a zero byte at DATA + 2 for adc,
 * the carry stored by setc at DATA + 3. */
static void bcd_chain(char *out, size_t n)
{
	const struct xinsn prog[] = {
	    DEC(0x80, 0x07, 0x01),	 /* addb $1,(%edi) */
	    DEC(0x8a, 0x07),		 /* movb (%edi),%al */
	    DEC(0x27),			 /* daa */
	    DEC(0x88, 0x07),		 /* movb %al,(%edi) */
	    DEC(0x8a, 0x47, 0x01),	 /* movb 1(%edi),%al */
	    DEC(0x12, 0x47, 0x02),	 /* adcb 2(%edi),%al */
	    DEC(0x27),			 /* daa */
	    DEC(0x88, 0x47, 0x01),	 /* movb %al,1(%edi) */
	    DEC(0x0f, 0x92, 0x47, 0x03), /* setc 3(%edi) */
	};
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct emu_regs r = regs0();

	f->mem[DATA] = 0x99;
	f->mem[DATA + 1] = 0x19;
	for (unsigned i = 0; i < sizeof(prog) / sizeof(prog[0]); i++)
		ck_assert_int_eq(emu_insn(&prog[i], &r, &ops), 0);
	snprintf(out + strlen(out), n - strlen(out), "bcd 1999+1: %02x%02x carry=%u\n",
		 f->mem[DATA + 1], f->mem[DATA], f->mem[DATA + 3]);
	free(f);
}

/* tests/guests/bcd.expect, next to this file's directory. */
static char *read_expect(void)
{
	char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash ? (int)(slash - __FILE__) : 0;
	FILE *fp;
	char *buf = calloc(1, 1 << 16);
	size_t len;

	ck_assert_ptr_nonnull(buf);
	snprintf(path, sizeof(path), "%.*s%s../guests/bcd.expect", dir, __FILE__, slash ? "/" : "");
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	len = fread(buf, 1, (1 << 16) - 1, fp);
	fclose(fp);
	buf[len] = 0;
	return buf;
}

START_TEST(test_bcd_expect)
{
	struct {
		const char *name;
		struct xinsn in;
		uint32_t mask;
		int vary_ah, vary_flags;
	} ops[] = {
	    {"daa", DEC(0x27), M_DAA, 0, 1},	   {"das", DEC(0x2f), M_DAA, 0, 1},
	    {"aaa", DEC(0x37), M_AAA, 1, 1},	   {"aas", DEC(0x3f), M_AAA, 1, 1},
	    {"aam", DEC(0xd4, 10), M_AAM, 1, 0},   {"aam16", DEC(0xd4, 16), M_AAM, 0, 0},
	    {"aam7", DEC(0xd4, 7), M_AAM, 0, 0},   {"aad", DEC(0xd5, 10), M_AAM, 1, 0},
	    {"aad16", DEC(0xd5, 16), M_AAM, 1, 0}, {"aad7", DEC(0xd5, 7), M_AAM, 1, 0},
	    {"aad0", DEC(0xd5, 0), M_AAM, 1, 0},
	};
	size_t n = 1 << 16, i, line = 1, start = 0;
	char *out = calloc(1, n), *want = read_expect();

	ck_assert_ptr_nonnull(out);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		bcd_run(out, n, ops[i].name, &ops[i].in, ops[i].mask, ops[i].vary_ah,
			ops[i].vary_flags);
	bcd_chain(out, n);
	/* bcd.expect ends with the guest library's final line after these */
	for (i = 0; out[i] && out[i] == want[i]; i++)
		if (out[i] == '\n') {
			line++;
			start = i + 1;
		}
	ck_assert_msg(!out[i], "bcd.expect line %zu: emulator \"%.*s\", expected \"%.*s\"", line,
		      (int)strcspn(out + start, "\n"), out + start,
		      (int)strcspn(want + start, "\n"), want + start);
	ck_assert_uint_eq(line, 381); /* all 380 lines compared */
	free(out);
	free(want);
}
END_TEST

/* One BCD instruction on AX with input flags fin: the full EFLAGS. */
static uint32_t bcd1(struct xinsn in, uint32_t ax_in, uint32_t fin, uint32_t *ax)
{
	struct emu_regs r = regs0();

	r.gpr[EAX] = 0xdead0000 | ax_in;
	r.eflags = fin | 0x202;
	ck_assert_int_eq(run(&in, &r, NULL), 0);
	ck_assert_uint_eq(r.gpr[EAX] >> 16, 0xdead);
	*ax = r.gpr[EAX] & 0xffff;
	return r.eflags;
}

/* What bcd.expect masks: the flags the SDM leaves undefined, as QEMU sets
 * them; and the edge cases. */
START_TEST(test_bcd_flags)
{
	uint32_t ax, fl;

	/* daa: 0x99 + 1 = 0x9a -> 0x00 with CF (and AF, ZF, PF); OF cleared */
	fl = bcd1(DEC(0x27), 0x129a, F_OF | F_SF, &ax);
	ck_assert_uint_eq(ax, 0x1200);
	ck_assert_uint_eq(fl & F_ARITH, F_CF | F_AF | F_ZF | F_PF);
	/* daa with AF and CF in: + 0x66 */
	fl = bcd1(DEC(0x27), 0x1200, F_CF | F_AF, &ax);
	ck_assert_uint_eq(ax, 0x1266);
	ck_assert_uint_eq(fl & F_ARITH, F_CF | F_AF | F_PF);
	/* das with AF: 0 - 6 borrows, so CF even without CF in */
	fl = bcd1(DEC(0x2f), 0x1200, F_AF | F_OF, &ax);
	ck_assert_uint_eq(ax, 0x12fa);
	ck_assert_uint_eq(fl & F_ARITH, F_CF | F_AF | F_SF | F_PF);
	/* das with CF: - 0x60 */
	fl = bcd1(DEC(0x2f), 0x1245, F_CF, &ax);
	ck_assert_uint_eq(ax, 0x12e5);
	ck_assert_uint_eq(fl & F_ARITH, F_CF | F_SF);

	/* aaa: AX + 0x106, carrying out of AL into AH; OF SF ZF PF kept */
	fl = bcd1(DEC(0x37), 0x12fa, F_OF | F_ZF, &ax);
	ck_assert_uint_eq(ax, 0x1400);
	ck_assert_uint_eq(fl & F_ARITH, F_OF | F_ZF | F_AF | F_CF);
	fl = bcd1(DEC(0x37), 0xff0f, F_SF | F_PF, &ax); /* AH wraps */
	ck_assert_uint_eq(ax, 0x0005);
	ck_assert_uint_eq(fl & F_ARITH, F_SF | F_PF | F_AF | F_CF);
	fl = bcd1(DEC(0x37), 0x1209, F_AF | F_CF | F_OF, &ax); /* AF in */
	ck_assert_uint_eq(ax, 0x130f);
	ck_assert_uint_eq(fl & F_ARITH, F_OF | F_AF | F_CF);
	fl = bcd1(DEC(0x37), 0x12f9, F_CF | F_ZF, &ax); /* no adjust: CF, AF cleared */
	ck_assert_uint_eq(ax, 0x1209);
	ck_assert_uint_eq(fl & F_ARITH, F_ZF);
	/* aas: AX - 0x106, borrowing from AH */
	fl = bcd1(DEC(0x3f), 0x1200, F_AF | F_SF, &ax);
	ck_assert_uint_eq(ax, 0x100a);
	ck_assert_uint_eq(fl & F_ARITH, F_SF | F_AF | F_CF);
	fl = bcd1(DEC(0x3f), 0x120b, 0, &ax);
	ck_assert_uint_eq(ax, 0x1105);
	ck_assert_uint_eq(fl & F_ARITH, F_AF | F_CF);

	/* aam/aad: SF ZF PF from AL; OF AF CF cleared */
	fl = bcd1(DEC(0xd4, 10), 0x12ff, F_OF | F_AF | F_CF, &ax);
	ck_assert_uint_eq(ax, 0x1905);
	ck_assert_uint_eq(fl & F_ARITH, F_PF);
	fl = bcd1(DEC(0xd4, 16), 0x00a0, F_ARITH, &ax);
	ck_assert_uint_eq(ax, 0x0a00);
	ck_assert_uint_eq(fl & F_ARITH, F_ZF | F_PF);
	fl = bcd1(DEC(0xd5, 10), 0x1234, F_OF | F_AF | F_CF, &ax); /* 18 * 10 + 0x34 */
	ck_assert_uint_eq(ax, 0x00e8);
	ck_assert_uint_eq(fl & F_ARITH, F_SF | F_PF);
	fl = bcd1(DEC(0xd5, 16), 0x0f0f, 0, &ax); /* base 16: packs the digits */
	ck_assert_uint_eq(ax, 0x00ff);
	ck_assert_uint_eq(fl & F_ARITH, F_SF | F_PF);
	fl = bcd1(DEC(0xd5, 16), 0x1020, 0, &ax); /* 0x100 + 0x20: AL wraps */
	ck_assert_uint_eq(ax, 0x0020);
	ck_assert_uint_eq(fl & F_ARITH, 0);
	fl = bcd1(DEC(0xd5, 0), 0x12fa, 0, &ax);
	ck_assert_uint_eq(ax, 0x00fa);
	ck_assert_uint_eq(fl & F_ARITH, F_SF | F_PF);
}
END_TEST

/* aam 0: #DE (a fault), nothing changes. */
START_TEST(test_aam0)
{
	struct xinsn in = DEC(0xd4, 0x00);
	struct emu_regs r = regs0(), r0 = r;

	ck_assert_int_eq(run(&in, &r, NULL), EMU_DE);
	ck_assert_int_eq(EMU_DE & 0xff, 0);
	ck_assert(regs_eq(&r, &r0));
	ck_assert(emu_handles(&in));
}
END_TEST

START_TEST(test_salc)
{
	struct xinsn in = DEC(0xd6);
	struct emu_regs r = regs0();

	r.eflags = 0x202 | F_CF | F_ZF;
	ck_assert_int_eq(run(&in, &r, NULL), 0);
	ck_assert_uint_eq(r.gpr[EAX], 0x111111ff);
	ck_assert_uint_eq(r.eflags, 0x202 | F_CF | F_ZF);
	ck_assert_uint_eq(r.eip, in.next);
	r.eflags = 0x202 | (F_ARITH & ~F_CF);
	ck_assert_int_eq(run(&in, &r, NULL), 0);
	ck_assert_uint_eq(r.gpr[EAX], 0x11111100);
	ck_assert_uint_eq(r.eflags, 0x202 | (F_ARITH & ~F_CF));
}
END_TEST

/* ---- pusha / popa ---- */

static uint32_t get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

START_TEST(test_pusha_popa)
{
	struct xinsn pusha = DEC(0x60), popa = DEC(0x61);
	struct xinsn pushaw = DEC(0x66, 0x60), popaw = DEC(0x66, 0x61);
	struct emu_regs r = regs0(), r0 = r;
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	ck_assert_int_eq(emu_insn(&pusha, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 32);
	for (int i = 0; i < 8; i++) /* EDI lowest ... EAX highest; ESP as before */
		ck_assert_uint_eq(get32(f->mem + STACK - 4 - 4 * i), r0.gpr[i]);
	/* the two ends first: EAX's slot, then EDI's */
	ck_assert_uint_eq(f->log[0].off, STACK - 4);
	ck_assert_uint_eq(f->log[1].off, STACK - 32);
	ck_assert_int_eq(f->log[0].seg, SEG_SS);
	ck_assert_int_eq(f->n, 8);

	/* popa: every register back but ESP, whose slot is skipped */
	put32(f->mem + STACK - 32 + 12, 0xdeadbeef);
	for (int i = 0; i < 8; i++)
		r.gpr[i] = i == ESP ? r.gpr[ESP] : 0x99999999;
	f->n = 0;
	ck_assert_int_eq(emu_insn(&popa, &r, &ops), 0);
	ck_assert(regs_eq(&r, &(struct emu_regs){.gpr = {r0.gpr[0], r0.gpr[1], r0.gpr[2], r0.gpr[3],
							 STACK, r0.gpr[5], r0.gpr[6], r0.gpr[7]},
						 .eflags = r0.eflags,
						 .eip = popa.next,
						 .stack32 = true}));
	ck_assert_int_eq(f->n, 7);
	for (int i = 0; i < 7; i++)
		ck_assert_uint_ne(f->log[i].off, STACK - 32 + 12);

	/* 16-bit: low halves, SP pushed as it was */
	r = regs0();
	ck_assert_int_eq(emu_insn(&pushaw, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 16);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(get16(f->mem + STACK - 2 - 2 * i), r0.gpr[i] & 0xffff);
	r.gpr[EAX] = r.gpr[EBP] = 0xffffffff;
	ck_assert_int_eq(emu_insn(&popaw, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[EAX], 0xffff1111);
	ck_assert_uint_eq(r.gpr[EBP], 0xffffaaaa);
	ck_assert_uint_eq(r.gpr[ESP], STACK);
	free(f);
}
END_TEST

/* A 16-bit stack: SP wraps, the range splits at the wrap and each piece's
 * ends go first. */
START_TEST(test_pusha_wrap16)
{
	struct xinsn pusha = DEC(0x60), popa = DEC(0x61);
	struct emu_regs r = regs0(), r0;
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	r.stack32 = false;
	r.gpr[ESP] =
	    0xabcd0008; /* EAX at 4, ECX at 0, EDX at fffc, ... ESP at fff4, ... EDI at ffe8 */
	r0 = r;
	ck_assert_int_eq(emu_insn(&pusha, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], 0xabcdffe8);
	ck_assert_uint_eq(get32(f->mem + 4), r0.gpr[EAX]);
	ck_assert_uint_eq(get32(f->mem + 0), r0.gpr[ECX]);
	ck_assert_uint_eq(get32(f->mem + 0xfffc), r0.gpr[EDX]);
	ck_assert_uint_eq(get32(f->mem + 0xfff4), 0xabcd0008); /* ESP */
	ck_assert_uint_eq(get32(f->mem + 0xffe8), r0.gpr[EDI]);
	ck_assert_uint_eq(f->log[0].off, 4);
	ck_assert_uint_eq(f->log[1].off, 0);
	ck_assert_uint_eq(f->log[2].off, 0xfffc);
	ck_assert_uint_eq(f->log[3].off, 0xffe8);
	r.gpr[EAX] = r.gpr[EDX] = 0;
	ck_assert_int_eq(emu_insn(&popa, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], 0xabcd0008);
	ck_assert_uint_eq(r.gpr[EAX], r0.gpr[EAX]);
	ck_assert_uint_eq(r.gpr[EDX], r0.gpr[EDX]);
	free(f);
}
END_TEST

/* A fault at any access of pusha/popa: no register changes; pusha has
 * written at most the one end slot before a fault at the other. */
START_TEST(test_pusha_popa_fault)
{
	struct xinsn pusha = DEC(0x60), popa = DEC(0x61);

	for (int at = 0; at < 8; at++) {
		struct emu_ops ops;
		struct fake *f = fake_new(&ops);
		struct emu_regs r = regs0(), r0 = r;
		int written = 0;

		f->fail_at = at;
		f->fail_vec = 12;
		ck_assert_int_eq(emu_insn(&pusha, &r, &ops), 12);
		ck_assert(regs_eq(&r, &r0));
		for (int i = 0; i < 32; i++)
			written += f->mem[STACK - 32 + i] != 0;
		if (at <= 1) /* at an end: nothing, or the other end's slot */
			ck_assert_int_eq(written, 4 * at);
		if (at < 7) {
			f->n = 0;
			f->fail_at = at;
			r.gpr[ESP] = STACK - 32;
			r0 = r;
			ck_assert_int_eq(emu_insn(&popa, &r, &ops), 12);
			ck_assert(regs_eq(&r, &r0));
		}
		free(f);
	}
}
END_TEST

/* ---- enter / leave ---- */

START_TEST(test_enter_level0)
{
	struct xinsn enter = DEC(0xc8, 0x10, 0x01, 0x00), leave = DEC(0xc9);
	struct emu_regs r = regs0();
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	ck_assert_int_eq(emu_insn(&enter, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), 0x5555aaaa);
	ck_assert_uint_eq(r.gpr[EBP], STACK - 4);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 4 - 0x110);
	ck_assert_uint_eq(r.eip, enter.next);
	ck_assert_int_eq(f->n, 1);
	ck_assert_int_eq(emu_insn(&leave, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[EBP], 0x5555aaaa);
	ck_assert_uint_eq(r.gpr[ESP], STACK);
	free(f);
}
END_TEST

/* Level 3: two frame pointers copied from the enclosing frame, then the
 * new one; level 33 is level 1. */
START_TEST(test_enter_nested)
{
	struct xinsn enter3 = DEC(0xc8, 0x08, 0x00, 0x03), enter33 = DEC(0xc8, 0x00, 0x00, 33);
	struct emu_regs r = regs0();
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	r.gpr[EBP] = 0x6000;
	put32(f->mem + 0x6000 - 4, 0xf1f1f1f1);
	put32(f->mem + 0x6000 - 8, 0xf2f2f2f2);
	put32(f->mem + 0x6000 - 12, 0xf3f3f3f3); /* not copied */
	ck_assert_int_eq(emu_insn(&enter3, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), 0x6000);
	ck_assert_uint_eq(get32(f->mem + STACK - 8), 0xf1f1f1f1);
	ck_assert_uint_eq(get32(f->mem + STACK - 12), 0xf2f2f2f2);
	ck_assert_uint_eq(get32(f->mem + STACK - 16), STACK - 4);
	ck_assert_uint_eq(r.gpr[EBP], STACK - 4);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 16 - 8);
	/* push, read, push, read, push, push */
	ck_assert_int_eq(f->n, 6);
	ck_assert(!f->log[1].write);
	ck_assert_uint_eq(f->log[1].off, 0x6000 - 4);
	ck_assert_int_eq(f->log[1].seg, SEG_SS);

	r = regs0();
	f->n = 0;
	ck_assert_int_eq(emu_insn(&enter33, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), 0x5555aaaa);
	ck_assert_uint_eq(get32(f->mem + STACK - 8), STACK - 4);
	ck_assert_uint_eq(r.gpr[EBP], STACK - 4);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 8);
	ck_assert_int_eq(f->n, 2);
	free(f);
}
END_TEST

/* 16-bit operand size: word pushes, only BP written; a 16-bit stack: only
 * SP moves and frame reads wrap at 64 KiB. */
START_TEST(test_enter_leave16)
{
	struct xinsn enterw = DEC(0x66, 0xc8, 0x04, 0x00, 0x02), leavew = DEC(0x66, 0xc9);
	struct xinsn enter2 = DEC(0xc8, 0x00, 0x00, 0x02), leave = DEC(0xc9);
	struct emu_regs r = regs0();
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	r.gpr[ESP] = 0x18000;
	r.gpr[EBP] = 0x6000;
	f->mem[0x5ffe] = 0x77;
	f->mem[0x5fff] = 0x66;
	ck_assert_int_eq(emu_insn(&enterw, &r, &ops), 0); /* 32-bit stack: reads at EBP - 2 */
	ck_assert_uint_eq(get16(f->mem + 0x17ffe), 0x6000);
	ck_assert_uint_eq(get16(f->mem + 0x17ffc), 0x6677);
	ck_assert_uint_eq(get16(f->mem + 0x17ffa), 0x7ffe); /* the frame pointer, truncated */
	ck_assert_uint_eq(r.gpr[EBP], 0x7ffe);		    /* BP only */
	ck_assert_uint_eq(r.gpr[ESP], 0x17ffa - 4);
	r.gpr[EBP] = 0x17ffe;
	ck_assert_int_eq(emu_insn(&leavew, &r, &ops), 0); /* ESP = EBP, pop BP */
	ck_assert_uint_eq(r.gpr[EBP], 0x16000);
	ck_assert_uint_eq(r.gpr[ESP], 0x18000);

	/* 32-bit operands on a 16-bit stack: BP - 4 wraps to 0xfffc */
	r = regs0();
	r.stack32 = false;
	r.gpr[ESP] = 0xabcd0100;
	r.gpr[EBP] = 0x55550000;
	put32(f->mem + 0xfffc, 0xc0ffee00);
	ck_assert_int_eq(emu_insn(&enter2, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + 0xfc), 0x55550000);
	ck_assert_uint_eq(get32(f->mem + 0xf8), 0xc0ffee00);
	ck_assert_uint_eq(get32(f->mem + 0xf4), 0xabcd00fc);
	ck_assert_uint_eq(r.gpr[EBP], 0xabcd00fc);
	ck_assert_uint_eq(r.gpr[ESP], 0xabcd00f4);
	r.gpr[EBP] = 0x999900fc; /* leave: SP = BP, the upper half of ESP stays */
	ck_assert_int_eq(emu_insn(&leave, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], 0xabcd0100);
	ck_assert_uint_eq(r.gpr[EBP], 0x55550000);
	free(f);
}
END_TEST

START_TEST(test_enter_leave_fault)
{
	struct xinsn enter = DEC(0xc8, 0x08, 0x00, 0x02), leave = DEC(0xc9);

	for (int at = 0; at < 3; at++) {
		struct emu_ops ops;
		struct fake *f = fake_new(&ops);
		struct emu_regs r = regs0(), r0;

		r.gpr[EBP] = 0x6000; /* the frame pointer copied is in memory */
		r0 = r;
		f->fail_at = at;
		f->fail_vec = 12;
		ck_assert_int_eq(emu_insn(&enter, &r, &ops), 12);
		ck_assert(regs_eq(&r, &r0));
		if (at == 0) {
			f->n = 0;
			r.gpr[EBP] = STACK - 8;
			r0 = r;
			ck_assert_int_eq(emu_insn(&leave, &r, &ops), 12);
			ck_assert(regs_eq(&r, &r0));
		}
		free(f);
	}
}
END_TEST

/* ---- bound ---- */

START_TEST(test_bound)
{
	struct xinsn bound = DEC(0x62, 0x0f), boundw = DEC(0x66, 0x62, 0x0f); /* ecx, (%edi) */
	static const struct {
		int32_t v, lo, hi;
		bool in;
	} t[] = {
	    {5, 0, 10, true},	   {0, 0, 10, true},	{10, 0, 10, true},
	    {-1, 0, 10, false},	   {11, 0, 10, false},	{-5, -10, -1, true},
	    {-11, -10, -1, false}, {0, -10, -1, false}, {INT32_MIN, INT32_MIN, INT32_MAX, true},
	    {3, 5, 1, false},
	};
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct emu_regs r = regs0(), r0;

		r.gpr[ECX] = (uint32_t)t[i].v;
		r0 = r;
		put32(f->mem + DATA, (uint32_t)t[i].lo);
		put32(f->mem + DATA + 4, (uint32_t)t[i].hi);
		ck_assert_int_eq(emu_insn(&bound, &r, &ops), t[i].in ? 0 : 5);
		r0.eip = t[i].in ? bound.next : r0.eip;
		ck_assert_msg(regs_eq(&r, &r0), "case %u", i);

		/* the same as words, the bounds at DATA and DATA + 2 */
		r = regs0();
		r.gpr[ECX] = 0xabcd0000 | ((uint32_t)t[i].v & 0xffff);
		put32(f->mem + DATA, ((uint32_t)t[i].lo & 0xffff) | (uint32_t)t[i].hi << 16);
		if (t[i].v >= INT16_MIN && t[i].v <= INT16_MAX && t[i].lo >= INT16_MIN &&
		    t[i].hi <= INT16_MAX)
			ck_assert_int_eq(emu_insn(&boundw, &r, &ops), t[i].in ? 0 : 5);
	}
	/* signed words: 0x8000 is below 0x7fff */
	{
		struct emu_regs r = regs0();

		r.gpr[ECX] = 0x8000;
		put32(f->mem + DATA, 0x7fff0000);
		ck_assert_int_eq(emu_insn(&boundw, &r, &ops), 5);
		r.gpr[ECX] = 0x0000ffff; /* -1 as a word, 0xffff as a dword */
		put32(f->mem + DATA, 0x0001fffe);
		ck_assert_int_eq(emu_insn(&boundw, &r, &ops), 0);
	}
	/* the upper bound's read faults: no #BR yet */
	{
		struct emu_regs r = regs0(), r0 = r;

		f->n = 0;
		f->fail_at = 1;
		f->fail_vec = 13;
		ck_assert_int_eq(emu_insn(&bound, &r, &ops), 13);
		ck_assert(regs_eq(&r, &r0));
		ck_assert_uint_eq(f->log[1].off, DATA + 4);
		ck_assert_int_eq(f->log[1].size, 4);
	}
	free(f);
}
END_TEST

/* ---- push/pop of registers and immediates ---- */

START_TEST(test_push_pop_reg)
{
	struct emu_regs r = regs0();
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);
	struct xinsn push_ebx = DEC(0x53), pop_edx = DEC(0x5a), push_esp = DEC(0x54);
	struct xinsn pop_esp = DEC(0x5c), pushw_bp = DEC(0x66, 0x55), popw_sp = DEC(0x66, 0x5c);
	struct xinsn push_imm = DEC(0x68, 0x78, 0x56, 0x34, 0x12), push_imm8 = DEC(0x6a, 0x80);
	struct xinsn pushw_imm = DEC(0x66, 0x68, 0xcd, 0xab), pushw_imm8 = DEC(0x66, 0x6a, 0xff);

	ck_assert_int_eq(emu_insn(&push_ebx, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), 0x44444444);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 4);
	ck_assert_uint_eq(r.eip, push_ebx.next);
	ck_assert_int_eq(emu_insn(&pop_edx, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[EDX], 0x44444444);
	ck_assert_uint_eq(r.gpr[ESP], STACK);

	/* push %esp: the value before the push */
	ck_assert_int_eq(emu_insn(&push_esp, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), STACK);
	/* pop %esp: the popped value, not the increment */
	put32(f->mem + STACK - 4, 0x7777);
	ck_assert_int_eq(emu_insn(&pop_esp, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], 0x7777);

	/* 16-bit: pushw %bp; popw %sp (on a 16-bit stack) writes SP alone */
	r = regs0();
	ck_assert_int_eq(emu_insn(&pushw_bp, &r, &ops), 0);
	ck_assert_uint_eq(get16(f->mem + STACK - 2), 0xaaaa);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 2);
	r.stack32 = false;
	r.gpr[ESP] |= 0x12340000;
	ck_assert_int_eq(emu_insn(&popw_sp, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], 0x1234aaaa);

	/* immediates: imm32, imm8 sign-extended, and their 16-bit forms */
	r = regs0();
	ck_assert_int_eq(emu_insn(&push_imm, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + STACK - 4), 0x12345678);
	ck_assert_int_eq(emu_insn(&push_imm8, &r, &ops), 0);
	ck_assert_uint_eq(get32(f->mem + STACK - 8), 0xffffff80);
	ck_assert_int_eq(emu_insn(&pushw_imm, &r, &ops), 0);
	ck_assert_uint_eq(get16(f->mem + STACK - 10), 0xabcd);
	ck_assert_int_eq(emu_insn(&pushw_imm8, &r, &ops), 0);
	ck_assert_uint_eq(get16(f->mem + STACK - 12), 0xffff);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 12);
	ck_assert_uint_eq(r.eip, pushw_imm8.next);

	/* a 16-bit stack wraps SP */
	r = regs0();
	r.stack32 = false;
	r.gpr[ESP] = 0x12340000;
	f->n = 0;
	ck_assert_int_eq(emu_insn(&push_ebx, &r, &ops), 0);
	ck_assert_uint_eq(f->log[0].off, 0xfffc);
	ck_assert_uint_eq(r.gpr[ESP], 0x1234fffc);
	ck_assert_int_eq(emu_insn(&pop_edx, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], 0x12340000);

	/* faults change nothing */
	r = regs0();
	{
		struct emu_regs r0 = r;

		f->n = 0;
		f->fail_at = 0;
		f->fail_vec = 12;
		ck_assert_int_eq(emu_insn(&push_ebx, &r, &ops), 12);
		ck_assert(regs_eq(&r, &r0));
		f->n = 0;
		ck_assert_int_eq(emu_insn(&pop_esp, &r, &ops), 12);
		ck_assert(regs_eq(&r, &r0));
	}
	free(f);
}
END_TEST

/* 16-bit code: the default operand size is 16, 66 makes it 32. */
START_TEST(test_mode16_stack)
{
	struct xinsn pusha = decode_mode((const uint8_t[]){0x60}, 1, false);
	struct xinsn pushd = decode_mode((const uint8_t[]){0x66, 0x6a, 0xfe}, 3, false);
	struct emu_regs r = regs0();
	struct emu_ops ops;
	struct fake *f = fake_new(&ops);

	r.stack32 = false;
	ck_assert_int_eq(emu_insn(&pusha, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 16);
	ck_assert_uint_eq(get16(f->mem + STACK - 2), 0x1111);
	ck_assert_int_eq(emu_insn(&pushd, &r, &ops), 0);
	ck_assert_uint_eq(r.gpr[ESP], STACK - 20);
	ck_assert_uint_eq(get32(f->mem + STACK - 20), 0xfffffffe);
	free(f);
}
END_TEST

/* ---- inc/dec reg, lahf/sahf: native differential ---- */

struct nst {
	uint32_t eax, ecx;
	uint32_t fl;
};

#define NATIVE(name, insn)                                                                         \
	static void name(struct nst *s)                                                            \
	{                                                                                          \
		uint64_t a = s->eax, c = s->ecx, f = s->fl | 2;                                    \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\t" insn              \
			     "\n\tpushfq\n\tpopq %[f]\n\tlea 128(%%rsp), %%rsp"                    \
			     : "+a"(a), "+c"(c), [f] "+r"(f)                                       \
			     :                                                                     \
			     : "cc");                                                              \
		s->eax = (uint32_t)a;                                                              \
		s->ecx = (uint32_t)c;                                                              \
		s->fl = (uint32_t)f & F_ARITH;                                                     \
	}

/* inc/dec %ecx as FF /0 /1 in 64-bit mode: the same operation as 41/49 */
/* clang-format off */
NATIVE(inc_l, "incl %%ecx") NATIVE(inc_w, "incw %%cx") NATIVE(dec_l, "decl %%ecx")
NATIVE(dec_w, "decw %%cx") NATIVE(lahf_n, "lahf") NATIVE(sahf_n, "sahf")
    /* clang-format on */

    struct ncase {
	const char *name;
	void (*native)(struct nst *);
	uint8_t enc[4];
	uint8_t len;
};

static const struct ncase ncases[] = {
    {"inc ecx", inc_l, {0x41}, 1}, {"inc cx", inc_w, {0x66, 0x41}, 2},
    {"dec ecx", dec_l, {0x49}, 1}, {"dec cx", dec_w, {0x66, 0x49}, 2},
    {"lahf", lahf_n, {0x9f}, 1},   {"sahf", sahf_n, {0x9e}, 1},
};

START_TEST(test_native)
{
	static const uint32_t vals[] = {0,	    1,		0x7f,	    0x80,	0xff,
					0x7fff,	    0x8000,	0xffff,	    0x7fffffff, 0x80000000,
					0xffffffff, 0x0001000f, 0x12345610, 0xd5d5d5d5, 0x2a2a2a2a};
	const struct ncase *c = &ncases[_i];
	struct xinsn in = decode32(c->enc, c->len);

	for (unsigned v = 0; v < sizeof(vals) / sizeof(vals[0]); v++)
		for (uint32_t fl = 0; fl < 64; fl++) {
			/* the six arithmetic flags in every combination */
			uint32_t fin = (fl & 1 ? F_CF : 0) | (fl & 2 ? F_PF : 0) |
				       (fl & 4 ? F_AF : 0) | (fl & 8 ? F_ZF : 0) |
				       (fl & 16 ? F_SF : 0) | (fl & 32 ? F_OF : 0);
			struct nst n = {vals[v] ^ 0x5a5a0000, vals[v], fin};
			struct emu_regs r = regs0();

			r.gpr[EAX] = n.eax;
			r.gpr[ECX] = n.ecx;
			r.eflags = 0x202 | fin;
			c->native(&n);
			ck_assert_int_eq(run(&in, &r, NULL), 0);
			ck_assert_msg(r.gpr[EAX] == n.eax && r.gpr[ECX] == n.ecx &&
					  (r.eflags & F_ARITH) == n.fl,
				      "%s %08x fl %03x: emu eax %08x ecx %08x fl %03x, host %08x "
				      "%08x %03x",
				      c->name, vals[v], fin, r.gpr[EAX], r.gpr[ECX],
				      r.eflags & F_ARITH, n.eax, n.ecx, n.fl);
			ck_assert_uint_eq(r.eflags & ~F_ARITH, 0x202);
			ck_assert_uint_eq(r.eip, in.next);
		}
}
END_TEST

/* ---- what emu_handles says, lock, lengths ---- */

START_TEST(test_handles_legacy)
{
	static const struct {
		uint8_t b[6];
		int len;
		bool want;
	} t[] = {
	    {{0x27}, 1, true},
	    {{0x2f}, 1, true}, /* daa das */
	    {{0x37}, 1, true},
	    {{0x3f}, 1, true}, /* aaa aas */
	    {{0xd4, 0x0a}, 2, true},
	    {{0xd4, 0x00}, 2, true}, /* aam, aam 0 */
	    {{0xd5, 0x10}, 2, true},
	    {{0xd6}, 1, true}, /* aad 16, salc */
	    {{0x60}, 1, true},
	    {{0x66, 0x61}, 2, true}, /* pusha popaw */
	    {{0xc8, 1, 0, 3}, 4, true},
	    {{0xc9}, 1, true}, /* enter leave */
	    {{0x62, 0x03}, 2, true},
	    {{0x66, 0x62, 0x03}, 3, true}, /* bound */
	    {{0x50}, 1, true},
	    {{0x5f}, 1, true}, /* push pop */
	    {{0x68, 1, 2, 3, 4}, 5, true},
	    {{0x6a, 0xff}, 2, true}, /* push imm */
	    {{0x40}, 1, true},
	    {{0x4f}, 1, true}, /* inc dec */
	    {{0x9e}, 1, true},
	    {{0x9f}, 1, true}, /* sahf lahf */
	    {{0xce}, 1, false},
	    {{0x9c}, 1, false}, /* into pushf */
	    {{0x06}, 1, false},
	    {{0xc3}, 1, false}, /* push es, ret */
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct xinsn in = decode32(t[i].b, t[i].len);

		ck_assert_msg(emu_handles(&in) == t[i].want, "case %u: want %d", i, t[i].want);
	}
}
END_TEST

START_TEST(test_lock_length)
{
	struct emu_regs r = regs0(), r0 = r;
	struct xinsn lock_daa = RAW(0xf0, 0x27), lock_push = RAW(0xf0, 0x50);
	struct xinsn lock_bound = RAW(0xf0, 0x62, 0x07), short_enter = RAW(0xc8, 0x01, 0x00);
	struct xinsn long_push = RAW(0x50, 0x90), bound_reg = RAW(0x62, 0xc1);

	ck_assert_int_eq(run(&lock_daa, &r, NULL), 6);
	ck_assert_int_eq(run(&lock_push, &r, NULL), 6);
	ck_assert_int_eq(run(&lock_bound, &r, NULL), 6);
	ck_assert_int_eq(run(&short_enter, &r, NULL), EMU_UNSUPPORTED);
	ck_assert_int_eq(run(&long_push, &r, NULL), EMU_UNSUPPORTED);
	ck_assert_int_eq(run(&bound_reg, &r, NULL), EMU_UNSUPPORTED);
	ck_assert(regs_eq(&r, &r0));
}
END_TEST

static Suite *legacy_suite(void)
{
	Suite *s = suite_create("emulate_legacy");
	TCase *tc = tcase_create("emulate_legacy");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bcd_expect);
	tcase_add_test(tc, test_bcd_flags);
	tcase_add_test(tc, test_aam0);
	tcase_add_test(tc, test_salc);
	tcase_add_test(tc, test_pusha_popa);
	tcase_add_test(tc, test_pusha_wrap16);
	tcase_add_test(tc, test_pusha_popa_fault);
	tcase_add_test(tc, test_enter_level0);
	tcase_add_test(tc, test_enter_nested);
	tcase_add_test(tc, test_enter_leave16);
	tcase_add_test(tc, test_enter_leave_fault);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_push_pop_reg);
	tcase_add_test(tc, test_mode16_stack);
	tcase_add_loop_test(tc, test_native, 0, (int)(sizeof(ncases) / sizeof(ncases[0])));
	tcase_add_test(tc, test_handles_legacy);
	tcase_add_test(tc, test_lock_length);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(legacy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
