/* debug_exit.h - QEMU's isa-debug-exit: a write of v asks to exit with (v<<1)|1. */
#ifndef BTVMM_DEBUG_EXIT_H
#define BTVMM_DEBUG_EXIT_H

#include <stdbool.h>
#include "iobus.h"

struct debug_exit {
	bool fired; /* the guest wrote the port; the run loop stops */
	int status; /* (value << 1) | 1 */
};

int debug_exit_init(struct debug_exit *d, struct io_bus *bus, uint16_t port);
/* Port 0x80 (POST codes): writes ignored, reads return 0xff. */
int post_port_init(struct io_bus *bus);

#endif
