/* test_modrm.c - ModRM/SIB parsing and effective addresses
 * (translator/modrm.c), the one decoder behind call-out operands and the
 * instruction emulator: 32-bit forms with and without SIB, disp32 with no
 * base, EBP/ESP bases defaulting to SS, signed disp8, 16-bit forms with
 * their 64 KiB wrap, register forms and truncated operands. */
#include <check.h>
#include <stdint.h>

#include "decode.h"
#include "modrm.h"

/* eax..edi */
static const uint32_t gpr[8] = {0x100, 0x200, 0x300, 0x400, 0x500, 0x600, 0x700, 0x800};

static const struct modrm_case {
	const char *what;
	uint8_t bytes[8];
	int avail;
	bool addr16;
	int len, mod, reg; /* expected */
	uint32_t ea;
	int seg;
} cases[] = {
    {"[eax]", {0x00}, 1, false, 1, 0, 0, 0x100, SEG_DS},
    {"[ebp-4]", {0x45, 0xfc}, 2, false, 2, 1, 0, 0x5fc, SEG_SS},
    {"[esp] (SIB, no index)", {0x04, 0x24}, 2, false, 2, 0, 0, 0x500, SEG_SS},
    {"[ecx*4+0x10] (SIB, no base)", {0x04, 0x8d, 0x10, 0, 0, 0}, 6, false, 6, 0, 0, 0x810, SEG_DS},
    {"[0x12345678]", {0x05, 0x78, 0x56, 0x34, 0x12}, 5, false, 5, 0, 0, 0x12345678, SEG_DS},
    {"[ebx+esi*4+0x100]", {0x84, 0xb3, 0x00, 0x01, 0, 0}, 6, false, 6, 2, 0, 0x2100, SEG_DS},
    {"[esp-0x80], reg 1", {0x4c, 0x24, 0x80}, 3, false, 3, 1, 1, 0x480, SEG_SS},
    {"[ebp+8] (SIB, index 4 = none)", {0x44, 0x65, 0x08}, 3, false, 3, 1, 0, 0x608, SEG_SS},
    {"ecx (register), reg 0", {0xc1}, 1, false, 1, 3, 0, 0, SEG_DS},
    {"[bp+si]", {0x02}, 1, true, 1, 0, 0, 0xd00, SEG_SS},
    {"[0x1234] (16-bit)", {0x06, 0x34, 0x12}, 3, true, 3, 0, 0, 0x1234, SEG_DS},
    {"[bx-1]", {0x47, 0xff}, 2, true, 2, 1, 0, 0x3ff, SEG_DS},
    {"[bx+si+0x20]", {0x80, 0x20, 0x00}, 3, true, 3, 2, 0, 0xb20, SEG_DS},
    {"[bp+0xff00] wraps at 64 KiB", {0x86, 0x00, 0xff}, 3, true, 3, 2, 0, 0x500, SEG_SS},
};

START_TEST(test_forms)
{
	const struct modrm_case *c = &cases[_i];
	struct modrm m;
	int seg = -1;

	ck_assert_msg(modrm_parse(c->bytes, c->avail, c->addr16, &m) == 0, "%s: parse", c->what);
	ck_assert_msg(m.len == c->len, "%s: len %d, want %d", c->what, m.len, c->len);
	ck_assert_msg(m.mod == c->mod && m.reg == c->reg, "%s: mod %d reg %d", c->what, m.mod,
		      m.reg);
	if (m.mod == 3)
		return;
	uint32_t ea = modrm_ea(&m, c->addr16, gpr, &seg);
	ck_assert_msg(ea == c->ea, "%s: ea %#x, want %#x", c->what, ea, c->ea);
	ck_assert_msg(seg == c->seg, "%s: segment %d, want %d", c->what, seg, c->seg);
}
END_TEST

START_TEST(test_truncated)
{
	static const uint8_t sib_missing[] = {0x04};
	static const uint8_t disp32_short[] = {0x05, 0x12, 0x34};
	static const uint8_t disp16_short[] = {0x06, 0x12};
	struct modrm m;

	ck_assert_int_eq(modrm_parse(sib_missing, 1, false, &m), -1);
	ck_assert_int_eq(modrm_parse(disp32_short, 3, false, &m), -1);
	ck_assert_int_eq(modrm_parse(disp16_short, 2, true, &m), -1);
	ck_assert_int_eq(modrm_parse(disp16_short, 0, true, &m), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("modrm");
	TCase *tc = tcase_create("modrm");
	tcase_add_loop_test(tc, test_forms, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_truncated);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
