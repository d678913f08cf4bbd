/* adapt.c - adaptive binary translation (Adams & Agesen, ASPLOS 2006).
 *
 * Some instructions run natively but keep faulting into the monitor, which
 * then does their work in software: accesses to device registers (MMIO),
 * and later writes to traced page tables. Each such fault costs a host
 * signal, far more than a call-out. So the monitor counts them per guest
 * instruction, and past ADAPT_THRESHOLD the instruction's page is
 * retranslated with that instruction as a call-out to the software path:
 * same result, no fault. This file only keeps the counts; the run loop
 * invalidates and the translator consults adapt_emulated. */
#include "adapt.h"

#include <stdlib.h>

static size_t slot(uint32_t eip, uint32_t mode, size_t cap)
{
	uint32_t h = (eip ^ (mode * 0x9e3779b9u)) * 0x85ebca6bu;
	return (h ^ (h >> 15)) & (cap - 1);
}

static struct adapt_entry *find(const struct adapt *a, uint32_t eip, uint32_t mode)
{
	for (size_t i = slot(eip, mode, a->cap);; i = (i + 1) & (a->cap - 1)) {
		struct adapt_entry *e = &a->tab[i];
		if (!e->used || (e->eip == eip && e->mode == mode))
			return e;
	}
}

static int grow(struct adapt *a)
{
	struct adapt old = *a;
	a->cap = old.cap ? old.cap * 2 : 256;
	a->tab = calloc(a->cap, sizeof(*a->tab));
	if (!a->tab) {
		*a = old;
		return -1;
	}
	a->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.tab[i].used)
			continue;
		*find(a, old.tab[i].eip, old.tab[i].mode) = old.tab[i];
		a->n++;
	}
	free(old.tab);
	return 0;
}

int adapt_init(struct adapt *a, bool disabled)
{
	a->tab = NULL;
	a->cap = a->n = 0;
	a->disabled = disabled;
	return grow(a);
}

void adapt_fini(struct adapt *a)
{
	free(a->tab);
}

bool adapt_fault(struct adapt *a, uint32_t eip, uint32_t mode)
{
	if (a->disabled)
		return false;
	if ((a->n + 1) * 2 > a->cap && grow(a))
		return false; /* out of memory: just keep faulting */
	struct adapt_entry *e = find(a, eip, mode);
	if (!e->used) {
		*e = (struct adapt_entry){.eip = eip, .mode = mode, .used = true};
		a->n++;
	}
	if (e->emulate || ++e->faults < ADAPT_THRESHOLD)
		return false;
	e->emulate = true;
	return true;
}

bool adapt_emulated(const struct adapt *a, uint32_t eip, uint32_t mode)
{
	if (a->disabled || !a->n)
		return false;
	const struct adapt_entry *e = find(a, eip, mode);
	return e->used && e->emulate;
}
