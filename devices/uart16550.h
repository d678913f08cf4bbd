/* uart16550.h - 16550A UART (COM1 at 0x3F8) wired to host file descriptors. */
#ifndef BTVMM_UART16550_H
#define BTVMM_UART16550_H

#include <stdint.h>
#include "iobus.h"
#include "irq.h"

struct uart16550 {
	uint8_t ier, iir, lcr, mcr, lsr, msr, scr, fcr;
	uint8_t thr_ipending; /* THRE interrupt latched until IIR read / THR write */
	uint16_t divisor;
	uint8_t rx_fifo[16];
	int rx_head, rx_count;
	int out_fd; /* THR bytes go here; -1 discards */
	int in_fd;  /* RBR bytes come from here (non-blocking); -1: none */
	struct irq_line irq;
	uint64_t tx_bytes, rx_bytes;
};

/* Registers 8 ports at base on bus. */
int uart_init(struct uart16550 *u, struct io_bus *bus, uint16_t base, int out_fd, int in_fd,
	      struct irq_line irq);

#endif
