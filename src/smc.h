/* smc.h - self-modifying code: keeping translations coherent with guest writes. */
#ifndef BTVMM_SMC_H
#define BTVMM_SMC_H

#include <stdint.h>

struct vm;

/* A page now holds translated code: write-protect it in the window. */
void smc_track_page(struct vm *vm, uint32_t pfn);
/* The monitor wrote [gpa, gpa+n): drop translations of those pages. */
void smc_notify_write(struct vm *vm, uint32_t gpa, uint32_t n);
/* The guest's write to pfn faulted: drop its translations and unprotect it. */
void smc_page_written(struct vm *vm, uint32_t pfn);

/* Drop the translations of pfn so that they are made again (adaptive
 * translation changed how some instruction there is translated). */
void smc_retranslate_page(struct vm *vm, uint32_t pfn);

#endif
