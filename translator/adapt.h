/* adapt.h - adaptive binary translation: instructions that keep faulting
 * into the monitor are retranslated to do their access in software. */
#ifndef BTVMM_ADAPT_H
#define BTVMM_ADAPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADAPT_THRESHOLD 4 /* faults before an instruction is retranslated */

struct adapt_entry {
	uint32_t eip;	 /* guest linear EIP */
	uint32_t mode;	 /* code mode (cpu_code_mode) */
	uint32_t faults; /* faults handled in software so far */
	bool emulate;	 /* translate it as a call-out from now on */
	bool used;
};

struct adapt {
	struct adapt_entry *tab; /* open addressing */
	size_t cap, n;		 /* cap: a power of two */
	bool disabled;		 /* -no-adapt */
};

int adapt_init(struct adapt *a, bool disabled);
void adapt_fini(struct adapt *a);
/* The instruction at (eip, mode) took a fault the monitor handled in
 * software. True when that makes it cross the threshold: the caller
 * retranslates the code around it. */
bool adapt_fault(struct adapt *a, uint32_t eip, uint32_t mode);
/* Should the translator make this instruction a software call-out? */
bool adapt_emulated(const struct adapt *a, uint32_t eip, uint32_t mode);

#endif
