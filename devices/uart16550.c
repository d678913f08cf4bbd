/*
 * uart16550.c - a 16550A UART wired to host file descriptors.
 *
 * Behaviour follows QEMU's hw/char/serial.c (and the NS16550A datasheet)
 * closely enough for Linux's 8250 driver and simple polling guests:
 *
 *  - Output is immediate: a THR write goes straight to out_fd, so LSR.THRE
 *    and LSR.TEMT are always set and the THRE interrupt is re-armed as soon
 *    as the byte is written.
 *  - Input is pulled when the guest reads RBR or LSR, or IIR while receive
 *    interrupts are enabled (Linux's no-IRQ timer path reads only IIR), from
 *    in_fd (which the caller made O_NONBLOCK) or from the rx_pull source the
 *    monitor set; the monitor also calls uart_rx_ready when its source has
 *    new bytes, so they arrive with their interrupt. Bytes land in the
 *    16-byte RX FIFO (1 byte deep when FIFOs are off, as on an 8250).
 *  - IIR reports the highest-priority source: line status > received data
 *    (or character timeout) > THR empty > modem status. There is no clock,
 *    so the character timeout is treated as already expired: data below the
 *    FIFO trigger level is reported as a timeout (IIR=0x0C) at once.
 *  - Loopback (MCR.LOOP): THR bytes go to our own RX FIFO instead of out_fd,
 *    in_fd is not read, and MSR's line bits mirror MCR (DTR->DSR, RTS->CTS,
 *    OUT1->RI, OUT2->DCD), with delta bits as on hardware.
 *  - Outside loopback, the modem lines are those of an attached terminal:
 *    DCD, DSR and CTS asserted (MSR=0xB0), as in QEMU.
 *  - Reset values as QEMU: LSR=0x60, IIR=0x01, MCR=0x08 (OUT2), MSR=0xB0,
 *    divisor 12 (9600 baud); everything else 0.
 *  - The UART is byte-wide: a 16- or 32-bit access acts on its first port
 *    only (reads return that register zero-extended; writes use the low
 *    byte). A PC would split the access into byte cycles; guests do not
 *    rely on that.
 *
 * The base port must be 8-aligned (all PC COM ports are), so a port's
 * register index is simply port & 7 and the struct needs no base field.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include "uart16550.h"

/* register offsets */
#define UART_RBR 0 /* receive buffer (read) / THR (write); DLL when DLAB */
#define UART_IER 1 /* interrupt enable; DLM when DLAB */
#define UART_IIR 2 /* interrupt identification (read) / FCR (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmit holding register empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK 0x0f

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c /* character timeout */
#define IIR_ID_MASK 0x0f
#define IIR_FIFO_ON 0xc0

#define FCR_FE 0x01  /* FIFO enable */
#define FCR_RFR 0x02 /* receive FIFO reset (self-clearing) */
#define FCR_XFR 0x04 /* transmit FIFO reset (self-clearing) */
#define FCR_DMA 0x08
#define FCR_ITL 0xc0 /* receive trigger level */

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_INT_ANY 0x1e /* OE | PE | FE | BI: raise a line status interrupt */

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTA 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define UART_FIFO_LEN 16

static int fifo_on(const struct uart16550 *u)
{
	return u->fcr & FCR_FE;
}

/* ---- interrupts ---- */

/* Receive trigger level selected by FCR bits 6-7. */
static int rx_trigger(const struct uart16550 *u)
{
	static const int itl[4] = {1, 4, 8, 14};

	return itl[u->fcr >> 6];
}

static uint8_t uart_pending_id(const struct uart16550 *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr & LSR_INT_ANY))
		return IIR_RLSI;
	if ((u->ier & IER_ERBFI) && u->rx_count) {
		if (fifo_on(u) && u->rx_count < rx_trigger(u))
			return IIR_CTI;
		return IIR_RDI;
	}
	if ((u->ier & IER_ETBEI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTA))
		return IIR_MSI;
	return IIR_NO_INT;
}

/*
 * Recompute IIR from the sources and drive the line on a change. The old
 * level is read back from IIR itself, so no separate copy can go stale.
 */
static void uart_update_irq(struct uart16550 *u)
{
	int old_level = !(u->iir & IIR_NO_INT);
	uint8_t id = uart_pending_id(u);
	int level = id != IIR_NO_INT;

	u->iir = id | (fifo_on(u) ? IIR_FIFO_ON : 0);
	if (level != old_level)
		irq_set(&u->irq, level);
}

/* ---- receive side ---- */

static void rx_flush(struct uart16550 *u)
{
	memset(u->rx_fifo, 0, sizeof(u->rx_fifo));
	u->rx_head = 0;
	u->rx_count = 0;
	u->lsr &= ~(LSR_DR | LSR_BI);
}

/* Without FIFOs the receiver holds a single byte, like an 8250. */
static int rx_capacity(const struct uart16550 *u)
{
	return fifo_on(u) ? UART_FIFO_LEN : 1;
}

static void rx_push(struct uart16550 *u, uint8_t b)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr |= LSR_OE;
		/* FIFO mode keeps the FIFO; the 8250 holding register is overwritten. */
		if (!fifo_on(u))
			u->rx_fifo[u->rx_head] = b;
		return;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_LEN] = b;
	u->rx_count++;
	u->lsr |= LSR_DR;
}

/* Reading an empty receiver returns the last byte received (or 0). */
static uint8_t rx_pop(struct uart16550 *u)
{
	uint8_t b;

	if (!u->rx_count)
		return u->rx_fifo[(u->rx_head + UART_FIFO_LEN - 1) % UART_FIFO_LEN];
	b = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_LEN;
	if (--u->rx_count == 0)
		u->lsr &= ~LSR_DR;
	return b;
}

/* Pull whatever the host has for us, up to the free receiver space. */
static void rx_poll(struct uart16550 *u)
{
	uint8_t buf[UART_FIFO_LEN];
	int room = rx_capacity(u) - u->rx_count;
	ssize_t n;
	int i;

	if ((u->mcr & MCR_LOOP) || room <= 0)
		return;
	if (u->rx_pull) {
		n = u->rx_pull(u->rx_opaque, buf, room);
		for (i = 0; i < n; i++)
			rx_push(u, buf[i]);
		if (n > 0)
			u->rx_bytes += n;
		return;
	}
	if (u->in_fd < 0)
		return;
	do
		n = read(u->in_fd, buf, room);
	while (n < 0 && errno == EINTR);
	/* EAGAIN: nothing typed yet; 0: EOF; other errors: no input either. */
	for (i = 0; i < n; i++)
		rx_push(u, buf[i]);
	if (n > 0)
		u->rx_bytes += n;
}

/* ---- transmit side ---- */

/*
 * Write all of buf. out_fd may share its open file description with a
 * non-blocking in_fd (a terminal on fds 0 and 1), so EAGAIN waits for room
 * instead of dropping guest output.
 */
static void write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			poll(&p, 1, -1);
		} else if (!(n < 0 && errno == EINTR)) {
			return; /* closed or broken: output is lost, the guest goes on */
		}
	}
}

static void uart_write_thr(struct uart16550 *u, uint8_t b)
{
	/* Writing THR clears the THRE interrupt ... */
	u->thr_ipending = 0;
	uart_update_irq(u);
	if (u->mcr & MCR_LOOP) {
		rx_push(u, b);
	} else {
		u->tx_bytes++;
		if (u->out_fd >= 0)
			write_all(u->out_fd, &b, 1);
	}
	/* ... and, the byte being gone at once, re-raises it: a fresh edge. */
	u->thr_ipending = 1;
	uart_update_irq(u);
}

/* ---- modem lines ---- */

/* The modem input lines as the guest sees them in MSR bits 4-7. */
static uint8_t uart_lines(const struct uart16550 *u)
{
	uint8_t m = u->mcr;

	if (!(m & MCR_LOOP))
		return u->msr & ~MSR_DELTA;
	return ((m & MCR_DTR) << 5) | ((m & MCR_RTS) << 3) | ((m & MCR_OUT1) << 4) |
	       ((m & MCR_OUT2) << 4);
}

static uint8_t msr_deltas(uint8_t old, uint8_t cur)
{
	uint8_t changed = old ^ cur;
	uint8_t d = 0;

	if (changed & MSR_CTS)
		d |= MSR_DCTS;
	if (changed & MSR_DSR)
		d |= MSR_DDSR;
	if ((old & MSR_RI) && !(cur & MSR_RI))
		d |= MSR_TERI; /* trailing edge only */
	if (changed & MSR_DCD)
		d |= MSR_DDCD;
	return d;
}

static void uart_write_mcr(struct uart16550 *u, uint8_t val)
{
	uint8_t old = uart_lines(u);

	u->mcr = val & MCR_MASK;
	u->msr |= msr_deltas(old, uart_lines(u));
	uart_update_irq(u);
}

/* ---- register access ---- */

static void uart_write_ier(struct uart16550 *u, uint8_t val)
{
	uint8_t changed = (u->ier ^ val) & IER_MASK;

	u->ier = val & IER_MASK;
	/* Enabling ETBEI with THR empty (always) raises THRE even if an IIR
	 * read had acknowledged it; disabling it forgets it. */
	if (changed & IER_ETBEI)
		u->thr_ipending = !!(u->ier & IER_ETBEI);
	uart_update_irq(u);
}

static void uart_write_fcr(struct uart16550 *u, uint8_t val)
{
	/* Turning the FIFOs on or off empties them. */
	if ((val ^ u->fcr) & FCR_FE)
		val |= FCR_RFR | FCR_XFR;
	if (val & FCR_RFR)
		rx_flush(u);
	if (val & FCR_XFR)
		u->thr_ipending = 1; /* transmitter now empty */
	u->fcr = val & (FCR_FE | FCR_DMA | FCR_ITL);
	uart_update_irq(u);
}

static uint8_t uart_read_rbr(struct uart16550 *u)
{
	uint8_t b;

	rx_poll(u);
	b = rx_pop(u);
	uart_update_irq(u);
	return b;
}

static uint8_t uart_read_iir(struct uart16550 *u)
{
	uint8_t ret;

	if (u->ier & IER_ERBFI) {
		rx_poll(u);
		uart_update_irq(u);
	}
	ret = u->iir;
	/* Reading IIR acknowledges THRE, but only when that is what it says. */
	if ((ret & IIR_ID_MASK) == IIR_THRI) {
		u->thr_ipending = 0;
		uart_update_irq(u);
	}
	return ret;
}

static uint8_t uart_read_lsr(struct uart16550 *u)
{
	uint8_t ret;

	rx_poll(u);
	ret = u->lsr | LSR_THRE | LSR_TEMT;
	u->lsr &= ~(LSR_OE | LSR_BI); /* error bits clear on read */
	uart_update_irq(u);
	return ret;
}

static uint8_t uart_read_msr(struct uart16550 *u)
{
	uint8_t ret = uart_lines(u) | (u->msr & MSR_DELTA);

	u->msr &= ~MSR_DELTA;
	uart_update_irq(u);
	return ret;
}

static uint8_t uart_read_reg(struct uart16550 *u, int reg)
{
	int dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR: return dlab ? u->divisor & 0xff : uart_read_rbr(u);
	case UART_IER: return dlab ? u->divisor >> 8 : u->ier;
	case UART_IIR: return uart_read_iir(u);
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return uart_read_lsr(u);
	case UART_MSR: return uart_read_msr(u);
	default: return u->scr;
	}
}

static void uart_write_reg(struct uart16550 *u, int reg, uint8_t val)
{
	int dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR:
		if (dlab)
			u->divisor = (u->divisor & 0xff00) | val;
		else
			uart_write_thr(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->divisor = (u->divisor & 0x00ff) | (val << 8);
		else
			uart_write_ier(u, val);
		break;
	case UART_IIR: uart_write_fcr(u, val); break;
	case UART_LCR:
		u->lcr = val; /* framing is meaningless here; break is ignored */
		break;
	case UART_MCR: uart_write_mcr(u, val); break;
	case UART_LSR:
	case UART_MSR: break; /* read-only (factory-test writes not modelled) */
	default: u->scr = val; break;
	}
}

static uint32_t uart_io_read(void *opaque, uint16_t port, int size)
{
	return uart_read_reg(opaque, port & 7);
}

static void uart_io_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	uart_write_reg(opaque, port & 7, val & 0xff);
}

static void uart_reset(struct uart16550 *u)
{
	u->ier = 0;
	u->iir = IIR_NO_INT;
	u->lcr = 0;
	u->mcr = MCR_OUT2;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->scr = 0;
	u->fcr = 0;
	u->thr_ipending = 0;
	u->divisor = 12; /* 115200 / 12 = 9600 baud */
	rx_flush(u);
	u->tx_bytes = 0;
	u->rx_bytes = 0;
}

int uart_init(struct uart16550 *u, struct io_bus *bus, uint16_t base, int out_fd, int in_fd,
	      struct irq_line irq)
{
	if (base & 7)
		return -1;
	memset(u, 0, sizeof(*u));
	u->out_fd = out_fd;
	u->in_fd = in_fd;
	u->irq = irq;
	uart_reset(u);
	return iobus_register(bus, base, 8, uart_io_read, uart_io_write, u, "uart");
}

void uart_set_rx_source(struct uart16550 *u, int (*pull)(void *opaque, uint8_t *buf, int max),
			void *opaque)
{
	u->rx_pull = pull;
	u->rx_opaque = opaque;
}

void uart_rx_ready(struct uart16550 *u)
{
	rx_poll(u);
	uart_update_irq(u);
}
