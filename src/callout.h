/* callout.h - the monitor's emulation of instructions translated code hands over. */
#ifndef BTVMM_CALLOUT_H
#define BTVMM_CALLOUT_H

#include <stdbool.h>

struct vcpu;
struct xinsn;

/* Emulate in at the guest's EIP; on return cpu_eip() is where the guest continues,
 * or the machine has stopped (vm->stop). */
void callout_run(struct vcpu *cpu, const struct xinsn *in);
/* sysenter (enter) or sysexit as the SDM defines them: -1, or the
 * exception to raise at the instruction (13 #GP). */
int callout_sysenter(struct vcpu *cpu, bool enter);

#endif
