/* soft.h - executing one guest instruction in software. */
#ifndef BTVMM_SOFT_H
#define BTVMM_SOFT_H

#include <stdint.h>

struct vm;

/* Run the instruction at the guest's EIP through the instruction emulator
 * (mmu/emulate.c), with the guest's own segment checks and physical
 * accesses routed to RAM, MMIO devices or nothing (all ones). Used where the
 * instruction cannot run natively: device registers, memory outside RAM,
 * addresses our hole occupies, %cs data accesses. Returns 0 when it ran (or
 * raised an exception, already delivered), -1 when the emulator does not
 * handle that instruction (nothing changed). */
int soft_exec(struct vm *vm);
/* For an error message after soft_exec() failed: the instruction at the
 * guest's EIP as "mnemonic operands", or "an undecodable instruction". */
void soft_insn_text(struct vm *vm, char *buf, int n);
/* The same with the instruction already decoded (a call-out's record). */
struct xinsn;
int soft_exec_insn(struct vm *vm, const struct xinsn *in);

#endif
