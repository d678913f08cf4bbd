/* ibl.h - the in-cache indirect-branch lookup table, seen from the monitor. */
#ifndef BTVMM_IBL_H
#define BTVMM_IBL_H

#include <stdint.h>

struct vm;
struct ccf;

struct ibl_state {
	uintptr_t miss;	 /* host address of bt_ibl_miss (what empty entries hold) */
	uint16_t *dirty; /* indices filled since the last clear */
	uint32_t ndirty;
	uint32_t mode; /* code mode the filled entries belong to */
};

int ibl_init(struct vm *vm, uintptr_t miss);
void ibl_fini(struct vm *vm);
/* Point the entry for c's EIP at c's indirect entry. */
void ibl_fill(struct vm *vm, struct ccf *c);
/* tcache on_evict hook: drop the entry if it points at c. */
void ibl_evict(void *opaque, struct ccf *c);
/* Entries hold CCFs of one code mode (the table is keyed by EIP alone):
 * when the mode changes, empty the entries filled since the last change. */
void ibl_check_mode(struct vm *vm);

#endif
