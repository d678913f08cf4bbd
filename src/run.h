/* run.h - the BT run loop and the host signal plumbing it relies on. */
#ifndef BTVMM_RUN_H
#define BTVMM_RUN_H

#include <stdint.h>

struct vm;

/* A host fault taken in translated code, captured by the signal handler. */
struct host_fault {
	int valid;
	int signo, code, trapno;
	uint64_t err;
	uint64_t addr;
	uint64_t pc;
};

int signals_install(struct vm *vm);
/* Run the guest until it stops; returns the process exit status. */
int vm_run(struct vm *vm);

#endif
