/*
 * debug_exit.c - QEMU's isa-debug-exit, and the POST-code port 0x80.
 *
 * A guest ends the run by writing v to the debug-exit port; we record
 * status (v << 1) | 1 (so a guest can never ask for exit status 0) and let
 * the run loop stop. Like QEMU, only the first write counts: QEMU exits
 * inside that write, so later writes of a rep outs would never happen.
 * The device has no readable state (QEMU gives it no read handler), so
 * reads return all ones like an unassigned port.
 *
 * It claims DEBUG_EXIT_IOSIZE ports, matching the reference setup
 * tests/guests/run_qemu.sh uses (iobase=0xf4, iosize=0x04); a write to any
 * of them exits with the value written, whatever its width.
 */
#include <stddef.h>
#include "debug_exit.h"

#define DEBUG_EXIT_IOSIZE 4
#define POST_PORT 0x80

static void debug_exit_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct debug_exit *d = opaque;

	if (d->fired)
		return;
	/* The bus has already cut val to the access size. */
	d->status = (int)((val << 1) | 1);
	d->fired = true;
}

int debug_exit_init(struct debug_exit *d, struct io_bus *bus, uint16_t port)
{
	d->fired = false;
	d->status = 0;
	return iobus_register(bus, port, DEBUG_EXIT_IOSIZE, NULL, debug_exit_write, d,
			      "debug-exit");
}

/* BIOSes and kernels write progress codes here (and Linux uses it as an
 * I/O delay); no handlers: writes vanish, reads give 0xff. */
int post_port_init(struct io_bus *bus)
{
	return iobus_register(bus, POST_PORT, 1, NULL, NULL, NULL, "post");
}
