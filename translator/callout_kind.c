/* callout_kind.c - printable names of the call-out kinds, for -stats and -d.
 *
 * The table is generated from the same X-macro as enum callout_kind, so a
 * kind added to callout_kind.h automatically gets its label here and the two
 * can never drift apart. Designated initialisers keep each label at its
 * enum index even if someone reorders the list. */
#include "callout_kind.h"

/* clang-format off */
const char *const callout_kind_name[CO_COUNT] = {
#define X(n, s) [n] = s,
	CALLOUT_KINDS(X)
#undef X
};
/* clang-format on */
