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
	/* instead of in_fd, when set: fills buf with up to max bytes, returns
	 * how many (0: none now) */
	int (*rx_pull)(void *opaque, uint8_t *buf, int max);
	void *rx_opaque;
	struct irq_line irq;
	uint64_t tx_bytes, rx_bytes;
};

/* Registers 8 ports at base on bus. */
int uart_init(struct uart16550 *u, struct io_bus *bus, uint16_t base, int out_fd, int in_fd,
	      struct irq_line irq);

/* Takes received bytes from pull instead of in_fd (a monitor-side buffer). */
void uart_set_rx_source(struct uart16550 *u, int (*pull)(void *opaque, uint8_t *buf, int max),
			void *opaque);
/* The source has new bytes: move what fits into the receiver now and raise
 * the receive interrupt if it is enabled, whatever the guest is doing. */
void uart_rx_ready(struct uart16550 *u);

#endif
