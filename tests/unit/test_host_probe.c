/* test_host_probe.c - host_probe(): whatever this host is, the answers are
 * consistent from run to run, every missing capability comes with a
 * reason, and the probe stays cheap (it runs at every start). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

#include "host_probe.h"

static void ck_reason(bool cap, const char *why, const char *name)
{
	if (cap)
		ck_assert_msg(why[0] == '\0', "%s present but has a reason '%s'", name, why);
	else
		ck_assert_msg(why[0] != '\0', "%s missing without a reason", name);
	ck_assert_ptr_null(strchr(why, '\n'));
}

START_TEST(reasons_match_caps)
{
	struct host_caps c;
	ck_assert_int_eq(host_probe(&c), 0);
	ck_reason(c.compat_mode, c.why_compat_mode, "compat_mode");
	ck_reason(c.ldt, c.why_ldt, "ldt");
	ck_reason(c.limits_enforced, c.why_limits, "limits_enforced");
	ck_reason(c.fsgsbase, c.why_fsgsbase, "fsgsbase");
	ck_reason(c.lahf_lm, c.why_lahf_lm, "lahf_lm");
	ck_reason(host_caps_compat(&c), c.why_compat, "the compat backend");
	/* limits can only be seen with compat mode and an LDT */
	if (c.limits_enforced)
		ck_assert(c.compat_mode && c.ldt);
	/* FSGSBASE comes from AT_HWCAP2 and nowhere else */
	ck_assert_int_eq(c.fsgsbase, (getauxval(AT_HWCAP2) & 2) != 0);
	fprintf(stderr,
		"host: compat_mode=%d ldt=%d limits_enforced=%d fsgsbase=%d lahf_lm=%d%s%s\n",
		c.compat_mode, c.ldt, c.limits_enforced, c.fsgsbase, c.lahf_lm,
		c.why_compat[0] ? ": " : "", c.why_compat);
}
END_TEST

START_TEST(consistent)
{
	struct host_caps a, b;
	ck_assert_int_eq(host_probe(&a), 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(host_probe(&b), 0);
		ck_assert_int_eq(a.compat_mode, b.compat_mode);
		ck_assert_int_eq(a.ldt, b.ldt);
		ck_assert_int_eq(a.limits_enforced, b.limits_enforced);
		ck_assert_int_eq(a.fsgsbase, b.fsgsbase);
		ck_assert_int_eq(a.lahf_lm, b.lahf_lm);
		ck_assert_str_eq(a.why_compat, b.why_compat);
	}
}
END_TEST

/* Asked for less than is in force, it changes nothing and says so. */
START_TEST(map_count_never_lowered)
{
	long old = -2, cur = host_raise_map_count(1, &old);
	ck_assert_int_eq(old, 0);
	ck_assert(cur == -1 || cur >= 1);
	long again = host_raise_map_count(1, &old);
	ck_assert_int_eq(again, cur);
}
END_TEST

START_TEST(cheap)
{
	struct host_caps c;
	struct timespec t0, t1;
	host_probe(&c); /* warm */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10; i++)
		host_probe(&c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms =
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / 10;
	fprintf(stderr, "host_probe: %.2f ms per call\n", ms);
	/* well under 10 ms on an idle host; generous for a loaded CI machine */
	ck_assert_msg(ms < 50, "host_probe takes %.2f ms", ms);
}
END_TEST

static Suite *host_probe_suite(void)
{
	Suite *s = suite_create("host_probe");
	TCase *tc = tcase_create("probe");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reasons_match_caps);
	tcase_add_test(tc, consistent);
	tcase_add_test(tc, cheap);
	tcase_add_test(tc, map_count_never_lowered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(host_probe_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
