/* interrupt.h - exception and interrupt delivery through the guest's IDT. */
#ifndef BTVMM_INTERRUPT_H
#define BTVMM_INTERRUPT_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

enum int_source {
	INT_EXCEPTION, /* raised by an instruction (fault or trap) */
	INT_SOFTWARE,  /* int n, int3, into: gate DPL checked against CPL */
	INT_EXTERNAL,  /* from the interrupt controller: EXT set in error codes */
};

/* Deliver vector vec, with error code err if has_err, saving return_eip.
 * Faults during delivery are combined as the SDM's table 6-5 says (double
 * fault, and a triple fault stops the machine). */
void cpu_interrupt(struct vcpu *cpu, int vec, bool has_err, uint32_t err, enum int_source src,
		   uint32_t return_eip);

/* iret (32- or 16-bit operand size): same privilege and to outer privilege,
 * or with EFLAGS.NT set a task switch back to the previous task (next_eip,
 * the instruction after the iret, is saved in the current TSS). Returns 0,
 * or -1 if an exception was raised (already delivered). */
int cpu_iret(struct vcpu *cpu, int osize, uint32_t next_eip);

/* "#GP" etc. for the architectural exception vectors, "" otherwise. */
const char *exception_name(int vec);

/* Does the vector push an error code when raised as an exception? */
bool exception_has_error_code(int vec);

#endif
