/* callout.h - the monitor's emulation of instructions translated code hands over. */
#ifndef BTVMM_CALLOUT_H
#define BTVMM_CALLOUT_H

struct vcpu;
struct xinsn;

/* Emulate in at the guest's EIP; on return cpu_eip() is where the guest continues,
 * or the machine has stopped (vm->stop). */
void callout_run(struct vcpu *cpu, const struct xinsn *in);

#endif
