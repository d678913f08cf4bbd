/*
 * test_devices.c - unit tests for the port-I/O bus, the 16550A UART, the
 * debug-exit and POST ports, and the -stats report.
 *
 * The UART is driven through the bus exactly as a guest would (iobus_in /
 * iobus_out), with pipes standing in for the host terminal and a fake
 * interrupt line that records every level it is driven to.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iobus.h"
#include "irq.h"
#include "uart16550.h"
#include "debug_exit.h"
#include "stats.h"

/*
 * callout_kind_name[] belongs to translator/callout_kind.c. A weak copy
 * here lets this test link while that file does not exist yet; once it
 * does, its strong definition wins (or is simply not needed from the
 * archive), so the two never clash.
 */
__attribute__((weak)) const char *const callout_kind_name[CO_COUNT] = {
#define X(n, s) [n] = s,
    CALLOUT_KINDS(X)
#undef X
};

#define COM1 0x3f8
#define RBR (COM1 + 0)
#define IER (COM1 + 1)
#define IIR (COM1 + 2)
#define FCR (COM1 + 2)
#define LCR (COM1 + 3)
#define MCR (COM1 + 4)
#define LSR (COM1 + 5)
#define MSR (COM1 + 6)
#define SCR (COM1 + 7)

/* ---- helpers ---- */

struct fake_dev {
	uint16_t last_port;
	int last_size;
	uint32_t last_val;
	uint32_t read_val;
};

static uint32_t fake_read(void *opaque, uint16_t port, int size)
{
	struct fake_dev *d = opaque;

	d->last_port = port;
	d->last_size = size;
	return d->read_val;
}

static void fake_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct fake_dev *d = opaque;

	d->last_port = port;
	d->last_size = size;
	d->last_val = val;
}

struct fake_irq {
	int level;
	int n;
	int history[64];
	int irq;
};

static void fake_irq_set(void *opaque, int irq, int level)
{
	struct fake_irq *f = opaque;

	f->level = level;
	f->irq = irq;
	if (f->n < 64)
		f->history[f->n] = level;
	f->n++;
}

/* A UART on COM1 with pipes for both directions and a recording IRQ 4. */
struct rig {
	struct io_bus bus;
	struct uart16550 u;
	struct fake_irq irq;
	int out[2]; /* guest -> host: we read out[0] */
	int in[2];  /* host -> guest: we write in[1] */
};

static void rig_setup(struct rig *r)
{
	struct irq_line line;

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(pipe2(r->out, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(r->in, O_NONBLOCK), 0);
	line.set = fake_irq_set;
	line.opaque = &r->irq;
	line.irq = 4;
	iobus_init(&r->bus);
	ck_assert_int_eq(uart_init(&r->u, &r->bus, COM1, r->out[1], r->in[0], line), 0);
}

static void rig_teardown(struct rig *r)
{
	close(r->out[0]);
	close(r->out[1]);
	close(r->in[0]);
	close(r->in[1]);
}

static uint8_t inb(struct rig *r, uint16_t port)
{
	return iobus_in(&r->bus, port, 1);
}

static void outb(struct rig *r, uint16_t port, uint8_t v)
{
	iobus_out(&r->bus, port, 1, v);
}

/* ---- io bus ---- */

START_TEST(test_iobus_register_overlap)
{
	struct io_bus bus;
	int i;

	iobus_init(&bus);
	ck_assert_int_eq(iobus_register(&bus, 0x100, 8, NULL, NULL, NULL, "a"), 0);
	/* same, straddling either end, inside, around */
	ck_assert_int_eq(iobus_register(&bus, 0x100, 8, NULL, NULL, NULL, "b"), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x0fc, 5, NULL, NULL, NULL, "b"), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x107, 2, NULL, NULL, NULL, "b"), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x102, 1, NULL, NULL, NULL, "b"), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x0f0, 0x40, NULL, NULL, NULL, "b"), -1);
	/* neighbours on both sides are fine */
	ck_assert_int_eq(iobus_register(&bus, 0x0f8, 8, NULL, NULL, NULL, "lo"), 0);
	ck_assert_int_eq(iobus_register(&bus, 0x108, 8, NULL, NULL, NULL, "hi"), 0);
	/* empty ranges and ranges past port 0xffff are refused */
	ck_assert_int_eq(iobus_register(&bus, 0x200, 0, NULL, NULL, NULL, "z"), -1);
	ck_assert_int_eq(iobus_register(&bus, 0xfffe, 3, NULL, NULL, NULL, "z"), -1);
	ck_assert_int_eq(iobus_register(&bus, 0xfffe, 2, NULL, NULL, NULL, "top"), 0);
	ck_assert_int_eq(bus.nranges, 4);

	/* the bus fills at IOBUS_MAX_RANGES */
	for (i = bus.nranges; i < IOBUS_MAX_RANGES; i++)
		ck_assert_int_eq(iobus_register(&bus, 0x1000 + i, 1, NULL, NULL, NULL, "f"), 0);
	ck_assert_int_eq(iobus_register(&bus, 0x2000, 1, NULL, NULL, NULL, "f"), -1);
}
END_TEST

START_TEST(test_iobus_routing_counters)
{
	struct io_bus bus;
	struct fake_dev a = {.read_val = 0x11223344}, b = {.read_val = 0xab};

	iobus_init(&bus);
	ck_assert_int_eq(iobus_register(&bus, 0x60, 4, fake_read, fake_write, &a, "a"), 0);
	ck_assert_int_eq(iobus_register(&bus, 0x70, 2, fake_read, fake_write, &b, "b"), 0);

	/* a device sees the real port and size; results are cut to size */
	ck_assert_uint_eq(iobus_in(&bus, 0x62, 2), 0x3344);
	ck_assert_uint_eq(a.last_port, 0x62);
	ck_assert_int_eq(a.last_size, 2);
	ck_assert_uint_eq(iobus_in(&bus, 0x63, 4), 0x11223344);
	ck_assert_uint_eq(iobus_in(&bus, 0x71, 1), 0xab);
	ck_assert_uint_eq(b.last_port, 0x71);

	iobus_out(&bus, 0x70, 1, 0x1234);
	ck_assert_uint_eq(b.last_val, 0x34);
	iobus_out(&bus, 0x61, 4, 0xdeadbeef);
	ck_assert_uint_eq(a.last_val, 0xdeadbeef);
	ck_assert_uint_eq(a.last_port, 0x61);

	ck_assert_uint_eq(bus.ranges[0].reads, 2);
	ck_assert_uint_eq(bus.ranges[0].writes, 1);
	ck_assert_uint_eq(bus.ranges[1].reads, 1);
	ck_assert_uint_eq(bus.ranges[1].writes, 1);
	ck_assert_uint_eq(bus.unassigned, 0);
}
END_TEST

START_TEST(test_iobus_unassigned)
{
	struct io_bus bus;

	iobus_init(&bus);
	ck_assert_int_eq(iobus_register(&bus, 0x80, 1, NULL, NULL, NULL, "null"), 0);
	ck_assert_uint_eq(iobus_in(&bus, 0x1234, 1), 0xff);
	ck_assert_uint_eq(iobus_in(&bus, 0x1234, 2), 0xffff);
	ck_assert_uint_eq(iobus_in(&bus, 0x1234, 4), 0xffffffff);
	iobus_out(&bus, 0x1234, 4, 0);
	ck_assert_uint_eq(bus.unassigned, 4);

	/* a range with no handlers reads all ones too, but counts as its own */
	ck_assert_uint_eq(iobus_in(&bus, 0x80, 2), 0xffff);
	iobus_out(&bus, 0x80, 1, 0x12);
	ck_assert_uint_eq(bus.ranges[0].reads, 1);
	ck_assert_uint_eq(bus.ranges[0].writes, 1);
	ck_assert_uint_eq(bus.unassigned, 4);
}
END_TEST

/* ---- UART ---- */

START_TEST(test_uart_reset_values)
{
	struct rig r;

	rig_setup(&r);
	ck_assert_uint_eq(inb(&r, IER), 0x00);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	ck_assert_uint_eq(inb(&r, LCR), 0x00);
	ck_assert_uint_eq(inb(&r, MCR), 0x08);
	ck_assert_uint_eq(inb(&r, LSR), 0x60);
	ck_assert_uint_eq(inb(&r, MSR), 0xb0);
	ck_assert_uint_eq(inb(&r, SCR), 0x00);
	ck_assert_int_eq(r.irq.n, 0); /* nothing pending: the line was never raised */
	/* only 8-aligned bases */
	ck_assert_int_eq(uart_init(&r.u, &r.bus, 0x2f9, -1, -1, (struct irq_line){0}), -1);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_scratch_lcr_ier)
{
	struct rig r;

	rig_setup(&r);
	outb(&r, SCR, 0x5a);
	ck_assert_uint_eq(inb(&r, SCR), 0x5a);
	outb(&r, SCR, 0xa5);
	ck_assert_uint_eq(inb(&r, SCR), 0xa5);
	outb(&r, LCR, 0x1b);
	ck_assert_uint_eq(inb(&r, LCR), 0x1b);
	outb(&r, IER, 0xf5); /* bits 4-7 do not exist on a 16550A */
	ck_assert_uint_eq(inb(&r, IER), 0x05);
	outb(&r, IER, 0);
	ck_assert_uint_eq(inb(&r, IER), 0x00);
	/* LSR and MSR are read-only */
	outb(&r, LSR, 0x00);
	ck_assert_uint_eq(inb(&r, LSR), 0x60);
	outb(&r, MSR, 0x00);
	ck_assert_uint_eq(inb(&r, MSR), 0xb0);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_divisor_latch)
{
	struct rig r;

	rig_setup(&r);
	outb(&r, IER, 0x03);
	outb(&r, LCR, 0x80);
	ck_assert_uint_eq(inb(&r, RBR), 12); /* reset divisor: 9600 baud */
	ck_assert_uint_eq(inb(&r, IER), 0);
	outb(&r, RBR, 0x01);
	outb(&r, IER, 0x02);
	ck_assert_uint_eq(inb(&r, RBR), 0x01);
	ck_assert_uint_eq(inb(&r, IER), 0x02);
	ck_assert_uint_eq(r.u.divisor, 0x0201);
	/* with DLAB clear the same ports are RBR/THR and IER again */
	outb(&r, LCR, 0x03);
	ck_assert_uint_eq(inb(&r, IER), 0x03);
	ck_assert_uint_eq(r.u.tx_bytes, 0); /* the DLL write was not a THR write */
	outb(&r, LCR, 0x83);
	ck_assert_uint_eq(inb(&r, RBR), 0x01);
	ck_assert_uint_eq(inb(&r, IER), 0x02);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_tx_to_pipe)
{
	struct rig r;
	char buf[16];

	rig_setup(&r);
	outb(&r, RBR, 'H');
	outb(&r, RBR, 'i');
	outb(&r, RBR, '\n');
	ck_assert_int_eq(read(r.out[0], buf, sizeof(buf)), 3);
	ck_assert(memcmp(buf, "Hi\n", 3) == 0);
	ck_assert_uint_eq(r.u.tx_bytes, 3);
	ck_assert_uint_eq(inb(&r, LSR) & 0x60, 0x60);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_tx_discard)
{
	struct io_bus bus;
	struct uart16550 u;

	/* out_fd -1 and an unwired IRQ: bytes are counted and dropped */
	iobus_init(&bus);
	ck_assert_int_eq(uart_init(&u, &bus, COM1, -1, -1, (struct irq_line){0}), 0);
	iobus_out(&bus, IER, 1, 0x02);
	iobus_out(&bus, RBR, 1, 'x');
	ck_assert_uint_eq(u.tx_bytes, 1);
	ck_assert_uint_eq(iobus_in(&bus, IIR, 1), 0x02);
	ck_assert_uint_eq(iobus_in(&bus, LSR, 1), 0x60); /* no in_fd: never DR */
}
END_TEST

START_TEST(test_uart_rx_from_pipe)
{
	struct rig r;

	rig_setup(&r);
	ck_assert_uint_eq(inb(&r, LSR) & 0x01, 0); /* empty pipe: EAGAIN, no data */
	ck_assert_int_eq(write(r.in[1], "xy", 2), 2);
	ck_assert_uint_eq(inb(&r, LSR), 0x61);
	ck_assert_uint_eq(inb(&r, RBR), 'x');
	/* FIFOs off: one byte at a time, the rest waits in the pipe */
	ck_assert_uint_eq(r.u.rx_bytes, 1);
	ck_assert_uint_eq(inb(&r, LSR), 0x61);
	ck_assert_uint_eq(inb(&r, RBR), 'y');
	ck_assert_uint_eq(inb(&r, LSR), 0x60);
	ck_assert_uint_eq(r.u.rx_bytes, 2);

	/* reading RBR polls too */
	ck_assert_int_eq(write(r.in[1], "z", 1), 1);
	ck_assert_uint_eq(inb(&r, RBR), 'z');
	ck_assert_uint_eq(inb(&r, LSR), 0x60);

	/* FIFOs on: up to 16 bytes come over at once */
	outb(&r, FCR, 0x01);
	ck_assert_int_eq(write(r.in[1], "0123456789abcdefXY", 18), 18);
	ck_assert_uint_eq(inb(&r, LSR) & 0x01, 0x01);
	ck_assert_int_eq(r.u.rx_count, 16);
	ck_assert_uint_eq(inb(&r, RBR), '0');
	ck_assert_uint_eq(inb(&r, RBR), '1');
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_rx_interrupt_via_iir)
{
	struct rig r;

	rig_setup(&r);
	outb(&r, IER, 0x01);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	/* a guest that only reads IIR (Linux without an IRQ) still sees input */
	ck_assert_int_eq(write(r.in[1], "k", 1), 1);
	ck_assert_uint_eq(inb(&r, IIR), 0x04);
	ck_assert_int_eq(r.irq.level, 1);
	ck_assert_int_eq(r.irq.irq, 4);
	ck_assert_uint_eq(inb(&r, RBR), 'k');
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	ck_assert_int_eq(r.irq.level, 0);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_loopback)
{
	struct rig r;
	char buf[4];

	rig_setup(&r);
	/* Linux's 8250 probe: LOOP|OUT2|RTS must read back as DCD|CTS */
	outb(&r, MCR, 0x1a);
	ck_assert_uint_eq(inb(&r, MCR), 0x1a);
	ck_assert_uint_eq(inb(&r, MSR) & 0xf0, 0x90);
	outb(&r, MCR, 0x1f);
	/* DSR and RI came up: DDSR only, as RI counts trailing edges */
	ck_assert_uint_eq(inb(&r, MSR), 0xf0 | 0x02);
	outb(&r, MCR, 0x11);
	ck_assert_uint_eq(inb(&r, MSR), 0x20 | 0x0d); /* RI fell: TERI; CTS, DCD fell */
	ck_assert_uint_eq(inb(&r, MSR), 0x20);	      /* deltas clear on read */

	/* THR goes to our own receiver, not to the host */
	ck_assert_int_eq(write(r.in[1], "h", 1), 1); /* host input is not read */
	outb(&r, RBR, 'A');
	ck_assert_int_eq(read(r.out[0], buf, sizeof(buf)), -1);
	ck_assert_uint_eq(inb(&r, LSR), 0x61);
	ck_assert_uint_eq(inb(&r, RBR), 'A');
	ck_assert_uint_eq(inb(&r, LSR), 0x60);
	ck_assert_uint_eq(r.u.tx_bytes, 0);

	/* FIFOs off: a second byte overruns the holding register */
	outb(&r, RBR, 'B');
	outb(&r, RBR, 'C');
	ck_assert_uint_eq(inb(&r, LSR), 0x63);
	ck_assert_uint_eq(inb(&r, LSR), 0x61); /* OE clears on read */
	ck_assert_uint_eq(inb(&r, RBR), 'C');

	/* leaving loopback: back to the terminal's lines, host input flows */
	outb(&r, MCR, 0x08);
	ck_assert_uint_eq(inb(&r, MSR) & 0xf0, 0xb0);
	ck_assert_uint_eq(inb(&r, RBR), 'h');
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_thre_interrupt)
{
	struct rig r;

	rig_setup(&r);
	/* enabling ETBEI with THR empty raises THRE at once */
	outb(&r, IER, 0x02);
	ck_assert_int_eq(r.irq.n, 1);
	ck_assert_int_eq(r.irq.level, 1);
	/* reading IIR reports it and thereby clears it */
	ck_assert_uint_eq(inb(&r, IIR), 0x02);
	ck_assert_int_eq(r.irq.n, 2);
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	/* a THR write re-arms it (output is immediate) */
	outb(&r, RBR, 'a');
	ck_assert_int_eq(r.irq.n, 3);
	ck_assert_int_eq(r.irq.level, 1);
	/* a THR write while it is pending drops and re-raises: a fresh edge */
	outb(&r, RBR, 'b');
	ck_assert_int_eq(r.irq.n, 5);
	ck_assert_int_eq(r.irq.history[3], 0);
	ck_assert_int_eq(r.irq.history[4], 1);
	/* masking it lowers the line; unmasking raises it again */
	outb(&r, IER, 0x00);
	ck_assert_int_eq(r.irq.level, 0);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	outb(&r, IER, 0x02);
	ck_assert_int_eq(r.irq.level, 1);
	ck_assert_int_eq(r.irq.n, 7);
	/* rewriting IER unchanged does not re-raise an acknowledged THRE */
	ck_assert_uint_eq(inb(&r, IIR), 0x02);
	outb(&r, IER, 0x02);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	ck_assert_int_eq(r.irq.level, 0);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_interrupt_priority)
{
	struct rig r;

	rig_setup(&r);
	outb(&r, MCR, 0x18);
	inb(&r, MSR); /* clear the deltas entering loopback made */
	outb(&r, IER, 0x0f);
	ck_assert_uint_eq(inb(&r, IIR), 0x02); /* THRE */
	/* received data outranks THRE */
	outb(&r, RBR, 'Q');
	ck_assert_uint_eq(inb(&r, IIR), 0x04);
	/* line status (overrun) outranks received data */
	outb(&r, RBR, 'R');
	ck_assert_uint_eq(inb(&r, IIR), 0x06);
	ck_assert_uint_eq(inb(&r, LSR), 0x63);
	ck_assert_uint_eq(inb(&r, IIR), 0x04);
	ck_assert_uint_eq(inb(&r, RBR), 'R');
	ck_assert_uint_eq(inb(&r, IIR), 0x02);
	ck_assert_uint_eq(inb(&r, IIR), 0x01); /* THRE acknowledged */
	ck_assert_int_eq(r.irq.level, 0);
	/* modem status comes last */
	outb(&r, MCR, 0x19);
	ck_assert_uint_eq(inb(&r, IIR), 0x00);
	ck_assert_int_eq(r.irq.level, 1);
	ck_assert_uint_eq(inb(&r, MSR), 0xa2);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	ck_assert_int_eq(r.irq.level, 0);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_fifo)
{
	struct rig r;
	int i;

	rig_setup(&r);
	outb(&r, FCR, 0x01);
	ck_assert_uint_eq(inb(&r, IIR), 0xc1);
	outb(&r, FCR, 0x00);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);

	/* trigger level 4: fewer bytes show as a character timeout */
	outb(&r, FCR, 0x41);
	outb(&r, MCR, 0x18);
	outb(&r, IER, 0x01);
	for (i = 0; i < 3; i++)
		outb(&r, RBR, 'a' + i);
	ck_assert_uint_eq(inb(&r, IIR), 0xcc);
	outb(&r, RBR, 'd');
	ck_assert_uint_eq(inb(&r, IIR), 0xc4);
	for (i = 0; i < 12; i++)
		outb(&r, RBR, 'e' + i);
	ck_assert_int_eq(r.u.rx_count, 16);
	/* the 17th byte is lost and flagged, the FIFO keeps its contents */
	outb(&r, RBR, '!');
	ck_assert_uint_eq(inb(&r, LSR), 0x63);
	ck_assert_uint_eq(inb(&r, RBR), 'a');
	ck_assert_uint_eq(inb(&r, RBR), 'b');

	/* receive FIFO reset empties it; FIFO mode stays on */
	outb(&r, FCR, 0x43);
	ck_assert_int_eq(r.u.rx_count, 0);
	ck_assert_uint_eq(inb(&r, LSR), 0x60);
	ck_assert_uint_eq(inb(&r, IIR), 0xc1);
	ck_assert_int_eq(r.irq.level, 0);

	/* turning FIFOs off flushes them too */
	outb(&r, RBR, 'z');
	outb(&r, FCR, 0x00);
	ck_assert_int_eq(r.u.rx_count, 0);
	ck_assert_uint_eq(inb(&r, IIR), 0x01);
	rig_teardown(&r);
}
END_TEST

START_TEST(test_uart_wide_access)
{
	struct rig r;
	char c;

	rig_setup(&r);
	/* 16/32-bit accesses act on the first port only, byte-wide */
	iobus_out(&r.bus, SCR, 2, 0x1234);
	ck_assert_uint_eq(inb(&r, SCR), 0x34);
	ck_assert_uint_eq(iobus_in(&r.bus, SCR, 2), 0x0034);
	ck_assert_uint_eq(iobus_in(&r.bus, LSR, 4), 0x00000060);
	iobus_out(&r.bus, RBR, 4, 0x41424344);
	ck_assert_int_eq(read(r.out[0], &c, 1), 1);
	ck_assert_int_eq(c, 0x44);
	ck_assert_int_eq(read(r.out[0], &c, 1), -1);
	rig_teardown(&r);
}
END_TEST

/* ---- debug exit, POST port ---- */

static int exit_status_for(uint32_t val, int size)
{
	struct io_bus bus;
	struct debug_exit d;

	iobus_init(&bus);
	ck_assert_int_eq(debug_exit_init(&d, &bus, 0xf4), 0);
	ck_assert(!d.fired);
	iobus_out(&bus, 0xf4, size, val);
	ck_assert(d.fired);
	return d.status;
}

START_TEST(test_debug_exit_status)
{
	ck_assert_int_eq(exit_status_for(0, 1), 1);
	ck_assert_int_eq(exit_status_for(1, 1), 3);
	ck_assert_int_eq(exit_status_for(0x10, 1), 0x21);
	ck_assert_int_eq(exit_status_for(0x0102, 2), 0x0205);
	ck_assert_int_eq(exit_status_for(0x1ff, 1), 0x1ff); /* cut to the byte */
	ck_assert_int_eq(exit_status_for(0x00010000, 4), 0x00020001);
}
END_TEST

START_TEST(test_debug_exit_ports)
{
	struct io_bus bus;
	struct debug_exit d;

	iobus_init(&bus);
	ck_assert_int_eq(debug_exit_init(&d, &bus, 0xf4), 0);
	ck_assert_uint_eq(iobus_in(&bus, 0xf4, 1), 0xff);
	ck_assert_uint_eq(iobus_in(&bus, 0xf4, 4), 0xffffffff);
	ck_assert(!d.fired);
	/* iosize 4, as run_qemu.sh configures QEMU */
	iobus_out(&bus, 0xf7, 1, 2);
	ck_assert(d.fired);
	ck_assert_int_eq(d.status, 5);
	/* the first write decides */
	iobus_out(&bus, 0xf4, 1, 0);
	ck_assert_int_eq(d.status, 5);
	iobus_out(&bus, 0xf8, 1, 0);
	ck_assert_uint_eq(bus.unassigned, 1);

	ck_assert_int_eq(post_port_init(&bus), 0);
	ck_assert_int_eq(post_port_init(&bus), -1); /* only once */
	iobus_out(&bus, 0x80, 1, 0x42);
	ck_assert_uint_eq(iobus_in(&bus, 0x80, 1), 0xff);
	ck_assert_uint_eq(bus.ranges[1].reads, 1);
	ck_assert_uint_eq(bus.ranges[1].writes, 1);
	ck_assert_str_eq(bus.ranges[1].name, "post");
}
END_TEST

/* ---- stats ---- */

static char *stats_to_string(const struct stats *s, const struct io_bus *bus)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	stats_print(s, bus, f);
	fclose(f);
	return text;
}

START_TEST(test_stats_print)
{
	struct stats s;
	struct io_bus bus;
	struct uart16550 u;
	char *text;

	memset(&s, 0, sizeof(s));
	s.blocks_translated = 1234;
	s.lookups = 200;
	s.lookup_hits = 150;
	s.insns_ident = 9;
	s.insns_nonident = 1;
	s.callout_by_kind[CO_OUT] = 77;
	s.callout_by_kind[CO_CPUID] = 5;

	iobus_init(&bus);
	ck_assert_int_eq(uart_init(&u, &bus, COM1, -1, -1, (struct irq_line){0}), 0);
	iobus_in(&bus, LSR, 1);
	iobus_out(&bus, RBR, 1, 'x');
	iobus_in(&bus, 0x1234, 1);

	text = stats_to_string(&s, &bus);
	ck_assert_ptr_nonnull(strstr(text, "btvmm statistics\n"));
	ck_assert_ptr_nonnull(strstr(text, "guest blocks translated"));
	ck_assert_ptr_nonnull(strstr(text, " 1234\n"));
	ck_assert_ptr_nonnull(strstr(text, "host faults in translated code"));
	ck_assert_ptr_nonnull(strstr(text, "tcache lookup hit rate"));
	ck_assert_ptr_nonnull(strstr(text, "75.00 %"));
	ck_assert_ptr_nonnull(strstr(text, "IDENT share of translated instructions"));
	ck_assert_ptr_nonnull(strstr(text, "90.00 %"));
	ck_assert_ptr_nonnull(strstr(text, "call-outs by kind:\n"));
	ck_assert_ptr_nonnull(strstr(text, "  out ...."));
	ck_assert_ptr_nonnull(strstr(text, "  cpuid ...."));
	ck_assert_ptr_null(strstr(text, "  hlt ...")); /* zero counts are left out */
	ck_assert_ptr_nonnull(strstr(text, "port I/O by device:\n"));
	ck_assert_ptr_nonnull(strstr(text, "uart"));
	ck_assert_ptr_nonnull(strstr(text, "03f8-03ff"));
	ck_assert_ptr_nonnull(strstr(text, "unassigned"));
	/* unassigned reads and writes are one count */
	ck_assert_ptr_nonnull(strstr(text, " 1 accesses\n"));
	free(text);

	/* no bus, nothing counted: no I/O section, ratios are n/a */
	memset(&s, 0, sizeof(s));
	text = stats_to_string(&s, NULL);
	ck_assert_ptr_nonnull(strstr(text, "n/a"));
	ck_assert_ptr_nonnull(strstr(text, "call-outs by kind:\n  (none)\n"));
	ck_assert_ptr_null(strstr(text, "port I/O"));
	free(text);
}
END_TEST

static Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *bus = tcase_create("iobus");
	TCase *uart = tcase_create("uart16550");
	TCase *misc = tcase_create("debug-exit");
	TCase *stats = tcase_create("stats");

	tcase_add_test(bus, test_iobus_register_overlap);
	tcase_add_test(bus, test_iobus_routing_counters);
	tcase_add_test(bus, test_iobus_unassigned);
	tcase_add_test(uart, test_uart_reset_values);
	tcase_add_test(uart, test_uart_scratch_lcr_ier);
	tcase_add_test(uart, test_uart_divisor_latch);
	tcase_add_test(uart, test_uart_tx_to_pipe);
	tcase_add_test(uart, test_uart_tx_discard);
	tcase_add_test(uart, test_uart_rx_from_pipe);
	tcase_add_test(uart, test_uart_rx_interrupt_via_iir);
	tcase_add_test(uart, test_uart_loopback);
	tcase_add_test(uart, test_uart_thre_interrupt);
	tcase_add_test(uart, test_uart_interrupt_priority);
	tcase_add_test(uart, test_uart_fifo);
	tcase_add_test(uart, test_uart_wide_access);
	tcase_add_test(misc, test_debug_exit_status);
	tcase_add_test(misc, test_debug_exit_ports);
	tcase_add_test(stats, test_stats_print);
	suite_add_tcase(s, bus);
	suite_add_tcase(s, uart);
	suite_add_tcase(s, misc);
	suite_add_tcase(s, stats);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(devices_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
