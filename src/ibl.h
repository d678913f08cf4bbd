/* ibl.h - the in-cache indirect-branch lookup table, seen from the monitor. */
#ifndef BTVMM_IBL_H
#define BTVMM_IBL_H

#include <stdint.h>

struct vm;
struct ccf;

struct ibl_state {
	uintptr_t miss; /* host address of bt_ibl_miss (what empty entries hold) */
};

/* Every entry empty (the table lives in the vCPU block: nothing to free). */
void ibl_init(struct vm *vm, uintptr_t miss);
/* Point the entry for c's EIP at c's indirect entry. */
void ibl_fill(struct vm *vm, struct ccf *c);
/* tcache on_evict hook: drop the entry if it points at c. */
void ibl_evict(void *opaque, struct ccf *c);
/* Tell translated code the current code mode (BLK_IBL_MODE): an indirect
 * entry checks it besides the EIP, so entries of every mode can stay. */
void ibl_check_mode(struct vm *vm);

#endif
