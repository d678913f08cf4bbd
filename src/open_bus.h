/* open_bus.h - running an instruction the emulator lacks against memory
 * with neither RAM nor a device behind it. */
#ifndef BTVMM_OPEN_BUS_H
#define BTVMM_OPEN_BUS_H

#include <stdint.h>

struct vm;

#define OPEN_BUS_PAGES 4 /* pages one instruction may touch that way */

struct open_bus {
	uint32_t lp[OPEN_BUS_PAGES]; /* linear pages backed by a scratch page now */
	int n;
};

/* The access at linear lin faulted and the emulator cannot run the
 * instruction. If lin is memory where no RAM and no device answers (as the
 * guest's tables translate it), back its page with a scratch page of all
 * ones, so that the instruction can run natively once: reads get all ones
 * and writes vanish when the page goes, as on a PC's unclaimed bus.
 * Returns 0, or -1 if lin is not open bus or too many pages are open. */
int open_bus_map(struct vm *vm, uint32_t lin);
/* The instruction ran (or faulted for another reason): back to nothing. */
void open_bus_close(struct vm *vm);

#endif
