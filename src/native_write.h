/* native_write.h - a write to a traced page table by an instruction the
 * emulator lacks, run natively once with the page opened. */
#ifndef BTVMM_NATIVE_WRITE_H
#define BTVMM_NATIVE_WRITE_H

#include <stdint.h>

#include "physmem.h"

/* Traced frames one instruction may hold open at once: a push or fxsave
 * across a page boundary needs two, a far call through a gate a few more.
 * A rep string instruction that runs through more frames closes the ones
 * it has finished with (its progress is committed per iteration). */
#define NATIVE_WRITE_PAGES 8

struct native_write {
	uint32_t pfn[NATIVE_WRITE_PAGES];	       /* traced frames open now */
	uint8_t before[NATIVE_WRITE_PAGES][PAGE_SIZE]; /* their contents when opened */
	int n;
};

struct vm;

/* A write to traced frame pfn faulted and the emulator cannot do the
 * instruction: remember the frame's contents and let every alias of it
 * take writes (shadow_trace_open), so that the instruction can run
 * natively once. 0, or -1 if the frame is open already (its write cannot
 * have faulted as a trace fault: running the instruction again would not
 * get further) or not RAM. */
int native_write_open(struct vm *vm, uint32_t pfn);
/* The instruction ran (or faulted): trace the open frames again, then
 * process what changed in them as a trace fault's write: the shadows the
 * changed entries described are dropped, translations of changed code too. */
void native_write_close(struct vm *vm);

#endif
