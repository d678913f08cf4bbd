/* test_adapt.c - adaptive translation's fault counting (translator/adapt.c). */
#include <check.h>
#include <stdlib.h>

#include "adapt.h"

START_TEST(test_threshold)
{
	struct adapt a;
	ck_assert_int_eq(adapt_init(&a, false), 0);
	for (int i = 1; i < ADAPT_THRESHOLD; i++) {
		ck_assert(!adapt_fault(&a, 0x1000, 1));
		ck_assert(!adapt_emulated(&a, 0x1000, 1));
	}
	ck_assert(adapt_fault(&a, 0x1000, 1)); /* the crossing is reported once */
	ck_assert(adapt_emulated(&a, 0x1000, 1));
	ck_assert(!adapt_fault(&a, 0x1000, 1));
	ck_assert(!adapt_emulated(&a, 0x1000, 3)); /* another code mode is another key */
	ck_assert(!adapt_emulated(&a, 0x1001, 1));
	adapt_fini(&a);
}
END_TEST

START_TEST(test_disabled)
{
	struct adapt a;
	ck_assert_int_eq(adapt_init(&a, true), 0);
	for (int i = 0; i < 10 * ADAPT_THRESHOLD; i++)
		ck_assert(!adapt_fault(&a, 0x2000, 1));
	ck_assert(!adapt_emulated(&a, 0x2000, 1));
	adapt_fini(&a);
}
END_TEST

/* Many instructions: the table grows and keeps every count. */
START_TEST(test_many)
{
	struct adapt a;
	ck_assert_int_eq(adapt_init(&a, false), 0);
	for (uint32_t k = 0; k < ADAPT_THRESHOLD; k++)
		for (uint32_t eip = 0; eip < 5000; eip++)
			ck_assert_int_eq(adapt_fault(&a, eip * 3, 1), k == ADAPT_THRESHOLD - 1);
	for (uint32_t eip = 0; eip < 5000; eip++)
		ck_assert(adapt_emulated(&a, eip * 3, 1));
	ck_assert(!adapt_emulated(&a, 1, 1));
	adapt_fini(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("adapt");
	TCase *tc = tcase_create("adapt");
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
