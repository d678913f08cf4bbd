/* task_switch.h - hardware task switches (Intel SDM vol. 3, 7.3): far
 * jmp/call to a TSS descriptor or a task gate, iret with EFLAGS.NT set,
 * and interrupts and exceptions through a task gate in the IDT. */
#ifndef BTVMM_TASK_SWITCH_H
#define BTVMM_TASK_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "segments.h"

struct vcpu;

/* What started the switch: it decides the checks, the busy bits, the back
 * link and NT (SDM table 7-2). */
enum ts_source {
	TS_JMP,
	TS_CALL,
	TS_IRET,
	TS_INT, /* interrupt or exception through a task gate */
};

/* Is a descriptor with these high 32 bits a TSS (available or busy, 16- or
 * 32-bit) or a task gate, that is, a far jmp/call target that switches
 * tasks? */
bool task_far_target(uint32_t hi);

/* Far jmp/call to sel, whose descriptor (lo, hi) task_far_target accepted:
 * the privilege checks of the TSS descriptor or the task gate, then the
 * switch. next_eip is the instruction after the jmp/call (saved in the old
 * TSS). Returns the fault to raise in the old task's context (vec -1 if
 * none: the new task is running, or a fault after the commit point was
 * delivered in its context). */
struct gexc task_far_transfer(struct vcpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, bool call,
			      uint32_t next_eip);

/* iret with NT set: back to the task in the current TSS's back link. */
struct gexc task_iret(struct vcpu *cpu, uint32_t next_eip);

/* Interrupt or exception through a task gate naming TSS selector sel;
 * return_eip is saved in the old TSS; with has_err, err is pushed on the
 * new task's stack. ext: the EXT bit for error codes. */
struct gexc task_gate_interrupt(struct vcpu *cpu, uint16_t sel, uint32_t return_eip, bool has_err,
				uint32_t err, bool ext);

#endif
