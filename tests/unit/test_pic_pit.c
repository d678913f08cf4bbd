/*
 * test_pic_pit.c - unit tests for the 8259A pair (pic8259.c) and the 8254
 * timer with port 0x61 (pit8254.c).
 *
 * Both devices are driven through the port bus as a guest would. Time is a
 * fake vclock, a counter of nanoseconds the tests advance; the PIC's INTR
 * output and the PIT's IRQ 0 line go to recorders that keep every level
 * they are driven to. PIT times are given in clocks and converted with
 * NS(c), the first nanosecond at which c clocks of 1193182 Hz have passed
 * (a few are also checked as literals, to pin the conversion down).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iobus.h"
#include "irq.h"
#include "vclock.h"
#include "pic8259.h"
#include "pit8254.h"

#define M_CMD 0x20
#define M_DATA 0x21
#define S_CMD 0xa0
#define S_DATA 0xa1
#define ELCR_M 0x4d0
#define ELCR_S 0x4d1
#define CH0 0x40
#define CH2 0x42
#define PIT_CW 0x43
#define PORT61 0x61

#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define OCW3_POLL 0x0c
#define EOI 0x20

/* ---- fakes ---- */

struct recorder {
	int level;
	int n;		  /* calls */
	int history[256]; /* level of each call */
};

static void record(struct recorder *r, int level)
{
	r->level = level;
	if (r->n < 256)
		r->history[r->n] = level;
	r->n++;
}

static void fake_set_intr(void *opaque, int level)
{
	record(opaque, level);
}

static void fake_irq_set(void *opaque, int irq, int level)
{
	ck_assert_int_eq(irq, 0);
	record(opaque, level);
}

static uint64_t fake_now_ns(void *opaque)
{
	return *(uint64_t *)opaque;
}

static struct io_bus bus;
static struct pic8259 pic;
static struct pit8254 pit;
static struct recorder intr, irq0;
static uint64_t now_ns;
static struct vclock clk = {fake_now_ns, &now_ns};

static void setup(void)
{
	iobus_init(&bus);
	memset(&intr, 0, sizeof(intr));
	memset(&irq0, 0, sizeof(irq0));
	now_ns = 0;
	ck_assert_int_eq(pic_init(&pic, &bus, fake_set_intr, &intr), 0);
	ck_assert_int_eq(pit_init(&pit, &bus, (struct irq_line){fake_irq_set, &irq0, 0}, &clk), 0);
}

static uint8_t inb(uint16_t port)
{
	return iobus_in(&bus, port, 1);
}

static void outb(uint16_t port, uint8_t val)
{
	iobus_out(&bus, port, 1, val);
}

/* The first ns at which c PIT clocks have elapsed. */
static uint64_t NS(uint64_t c)
{
	return (uint64_t)(((unsigned __int128)c * 1000000000u + 1193181) / 1193182);
}

/* ---- PIC helpers ---- */

/* init_8259A() in Linux's arch/x86/kernel/i8259.c, without auto-EOI. */
static void pic_linux_init(void)
{
	outb(M_DATA, 0xff);
	outb(S_DATA, 0xff);
	outb(M_CMD, 0x11);  /* ICW1: edge, cascade, ICW4 follows */
	outb(M_DATA, 0x20); /* ICW2: vectors 0x20-0x27 */
	outb(M_DATA, 0x04); /* ICW3: slave on IR2 */
	outb(M_DATA, 0x01); /* ICW4: 8086 mode, normal EOI */
	outb(S_CMD, 0x11);
	outb(S_DATA, 0x28);
	outb(S_DATA, 0x02); /* ICW3: slave ID 2 */
	outb(S_DATA, 0x01);
}

static uint8_t read_reg(uint16_t cmd_port, uint8_t ocw3)
{
	outb(cmd_port, ocw3);
	return inb(cmd_port);
}

static uint8_t m_isr(void)
{
	return read_reg(M_CMD, OCW3_READ_ISR);
}

static uint8_t m_irr(void)
{
	return read_reg(M_CMD, OCW3_READ_IRR);
}

static uint8_t s_isr(void)
{
	return read_reg(S_CMD, OCW3_READ_ISR);
}

static uint8_t s_irr(void)
{
	return read_reg(S_CMD, OCW3_READ_IRR);
}

static void pulse(int irq)
{
	pic_set_irq(&pic, irq, 1);
	pic_set_irq(&pic, irq, 0);
}

/* ---- PIC tests ---- */

START_TEST(test_pic_reset_state)
{
	ck_assert_int_eq(inb(M_CMD), 0x00);  /* IRR */
	ck_assert_int_eq(inb(M_DATA), 0x00); /* IMR, as QEMU */
	ck_assert_int_eq(inb(S_CMD), 0x00);
	ck_assert_int_eq(inb(S_DATA), 0x00);
	ck_assert_int_eq(inb(ELCR_M), 0x00);
	ck_assert_int_eq(inb(ELCR_S), 0x00);
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(intr.n, 0);
	/* the chips are byte-wide: a word read gives the first port's value */
	outb(M_DATA, 0x5a);
	ck_assert_int_eq(iobus_in(&bus, M_DATA, 2), 0x5a);
}
END_TEST

START_TEST(test_pic_linux_init)
{
	pic_set_irq(&pic, 3, 1); /* latched before initialisation ... */
	ck_assert_int_eq(inb(M_CMD), 0x08);
	pic_linux_init();
	/* ... and forgotten by ICW1, which also clears IMR */
	ck_assert_int_eq(m_irr(), 0x00);
	ck_assert_int_eq(inb(M_DATA), 0x00);
	ck_assert_int_eq(inb(S_DATA), 0x00);
	ck_assert_int_eq(pic.chip[0].vector_base, 0x20);
	ck_assert_int_eq(pic.chip[1].vector_base, 0x28);
	ck_assert_int_eq(pic.chip[0].init_step, 0);
	ck_assert_int_eq(pic.chip[1].init_step, 0);
	ck_assert(!pic.chip[0].auto_eoi);
	ck_assert_int_eq(intr.n, 2); /* raised (IMR was 0), dropped by the mask */
	memset(&intr, 0, sizeof(intr));
	/* the IRQ 3 line is still high: it must go low and high again */
	ck_assert(!pic_intr(&pic));
	pic_set_irq(&pic, 3, 0);
	pic_set_irq(&pic, 3, 1);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(intr.n, 1);
	ck_assert_int_eq(intr.level, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x23);
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(intr.n, 2);
	ck_assert_int_eq(m_isr(), 0x08);
	ck_assert_int_eq(m_irr(), 0x00);
	outb(M_CMD, EOI);
	ck_assert_int_eq(m_isr(), 0x00);
	/* Linux then masks everything but the cascade */
	outb(M_DATA, 0xfb);
	outb(S_DATA, 0xff);
	ck_assert_int_eq(inb(M_DATA), 0xfb);
	ck_assert_int_eq(inb(S_DATA), 0xff);
}
END_TEST

START_TEST(test_pic_mask)
{
	pic_linux_init();
	outb(M_DATA, 0xff);
	pic_set_irq(&pic, 4, 1);
	ck_assert_int_eq(m_irr(), 0x10); /* latched although masked */
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(intr.n, 0);
	ck_assert_int_eq(pic_intack(&pic), 0x27); /* nothing deliverable: spurious */
	ck_assert_int_eq(m_isr(), 0x00);
	outb(M_DATA, 0xef);
	ck_assert_int_eq(inb(M_DATA), 0xef);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(intr.n, 1);
	/* masking again withdraws INTR, the request stays in IRR */
	outb(M_DATA, 0xff);
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(intr.n, 2);
	outb(M_DATA, 0x00);
	ck_assert_int_eq(pic_intack(&pic), 0x24);
	ck_assert_int_eq(m_isr(), 0x10);
	ck_assert_int_eq(m_irr(), 0x00);
}
END_TEST

START_TEST(test_pic_edge)
{
	pic_linux_init();
	pic_set_irq(&pic, 5, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x25);
	outb(M_CMD, EOI);
	/* the line is still high, but an edge input wants a new edge */
	ck_assert_int_eq(m_irr(), 0x00);
	ck_assert(!pic_intr(&pic));
	pic_set_irq(&pic, 5, 1); /* no change: no edge */
	ck_assert(!pic_intr(&pic));
	pic_set_irq(&pic, 5, 0);
	pic_set_irq(&pic, 5, 1);
	ck_assert(pic_intr(&pic));
	/* a short pulse is latched */
	pic_set_irq(&pic, 5, 0);
	pulse(6);
	ck_assert_int_eq(m_irr(), 0x60);
	ck_assert_int_eq(pic_intack(&pic), 0x25);
	outb(M_CMD, EOI);
	ck_assert_int_eq(pic_intack(&pic), 0x26);
}
END_TEST

START_TEST(test_pic_level_elcr)
{
	pic_linux_init();
	/* IRQ 0-2, 8 and 13 cannot be level-triggered */
	outb(ELCR_M, 0xff);
	outb(ELCR_S, 0xff);
	ck_assert_int_eq(inb(ELCR_M), 0xf8);
	ck_assert_int_eq(inb(ELCR_S), 0xde);
	outb(ELCR_S, 0x00);
	outb(ELCR_M, 0x20); /* IRQ 5 level-triggered */
	ck_assert_int_eq(inb(ELCR_M), 0x20);

	pic_set_irq(&pic, 5, 1);
	ck_assert_int_eq(m_irr(), 0x20);
	ck_assert(pic_intr(&pic));
	pic_set_irq(&pic, 5, 0); /* withdrawn before the acknowledge */
	ck_assert_int_eq(m_irr(), 0x00);
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(intr.n, 2);
	ck_assert_int_eq(pic_intack(&pic), 0x27);

	pic_set_irq(&pic, 5, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x25);
	ck_assert_int_eq(m_irr(), 0x20); /* follows the line */
	ck_assert_int_eq(m_isr(), 0x20);
	ck_assert(!pic_intr(&pic));
	outb(M_CMD, EOI); /* still high: requests again at once */
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x25);
	pic_set_irq(&pic, 5, 0);
	outb(M_CMD, EOI);
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(m_irr(), 0x00);

	/* ICW1 LTIM makes every input of that chip level-triggered */
	outb(ELCR_M, 0x00);
	outb(M_CMD, 0x19);
	outb(M_DATA, 0x20);
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x01);
	pic_set_irq(&pic, 1, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x21);
	ck_assert_int_eq(m_irr(), 0x02);
	pic_set_irq(&pic, 1, 0);
	ck_assert_int_eq(m_irr(), 0x00);
}
END_TEST

START_TEST(test_pic_priority)
{
	pic_linux_init();
	pic_set_irq(&pic, 5, 1);
	pic_set_irq(&pic, 3, 1);
	pic_set_irq(&pic, 1, 1);
	ck_assert_int_eq(m_irr(), 0x2a);
	ck_assert_int_eq(pic_intack(&pic), 0x21);
	ck_assert(!pic_intr(&pic)); /* 3 and 5 wait for IRQ 1's EOI */
	outb(M_CMD, EOI);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x23);
	/* nesting: a higher priority interrupts IRQ 3, a lower one does not */
	pic_set_irq(&pic, 6, 1);
	ck_assert(!pic_intr(&pic));
	pic_set_irq(&pic, 0, 1);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x20);
	ck_assert_int_eq(m_isr(), 0x09);
	ck_assert_int_eq(m_irr(), 0x60);
	ck_assert(!pic_intr(&pic));
}
END_TEST

START_TEST(test_pic_eoi)
{
	pic_linux_init();
	pic_set_irq(&pic, 3, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x23);
	pic_set_irq(&pic, 1, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x21);
	pic_set_irq(&pic, 6, 1);
	ck_assert_int_eq(m_isr(), 0x0a);
	/* specific EOI for IRQ 3, although IRQ 1 ranks higher */
	outb(M_CMD, 0x63);
	ck_assert_int_eq(m_isr(), 0x02);
	ck_assert(!pic_intr(&pic));
	/* non-specific EOI: the highest in service, IRQ 1 */
	outb(M_CMD, EOI);
	ck_assert_int_eq(m_isr(), 0x00);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x26);
	/* EOI with nothing in service, and the no-op, change nothing */
	outb(M_CMD, EOI);
	outb(M_CMD, EOI);
	outb(M_CMD, 0x40);
	ck_assert_int_eq(m_isr(), 0x00);
	ck_assert_int_eq(pic.chip[0].prio_add, 0);
}
END_TEST

START_TEST(test_pic_auto_eoi)
{
	pic_linux_init();
	outb(M_CMD, 0x11);
	outb(M_DATA, 0x20);
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x03); /* ICW4: auto-EOI */
	ck_assert(pic.chip[0].auto_eoi);
	pic_set_irq(&pic, 1, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x21);
	ck_assert_int_eq(m_isr(), 0x00);
	pic_set_irq(&pic, 3, 1);
	ck_assert(pic_intr(&pic)); /* nothing in service blocks IRQ 3 */
	ck_assert_int_eq(pic_intack(&pic), 0x23);
	ck_assert_int_eq(m_isr(), 0x00);
	pic_set_irq(&pic, 3, 0);

	/* rotate in auto-EOI mode: the IRQ just served becomes lowest */
	outb(M_CMD, 0x80);
	pic_set_irq(&pic, 1, 0);
	pic_set_irq(&pic, 1, 1);
	ck_assert_int_eq(pic_intack(&pic), 0x21);
	ck_assert_int_eq(pic.chip[0].prio_add, 2);
	pulse(0);
	pulse(3);
	ck_assert_int_eq(pic_intack(&pic), 0x23); /* order now 2 3 4 5 6 7 0 1 */
	ck_assert_int_eq(pic.chip[0].prio_add, 4);
	outb(M_CMD, 0x00); /* rotate in auto-EOI mode off */
	ck_assert_int_eq(pic_intack(&pic), 0x20);
	ck_assert_int_eq(pic.chip[0].prio_add, 4);
}
END_TEST

START_TEST(test_pic_cascade)
{
	pic_linux_init();
	pic_set_irq(&pic, 12, 1);
	ck_assert_int_eq(s_irr(), 0x10);
	ck_assert_int_eq(m_irr(), 0x04);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x2c);
	ck_assert_int_eq(s_isr(), 0x10);
	ck_assert_int_eq(m_isr(), 0x04);
	ck_assert_int_eq(s_irr(), 0x00);
	ck_assert_int_eq(m_irr(), 0x00);
	ck_assert(!pic_intr(&pic));
	/* a second slave request waits for both EOIs, Linux-style */
	pulse(9);
	ck_assert(!pic_intr(&pic));
	outb(S_CMD, 0x64);	    /* specific EOI, slave IR4 */
	ck_assert(!pic_intr(&pic)); /* the master still has IR2 in service */
	outb(M_CMD, 0x62);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x29);
	outb(S_CMD, EOI);
	outb(M_CMD, EOI);
	ck_assert_int_eq(s_isr(), 0x00);
	ck_assert_int_eq(m_isr(), 0x00);
	/* master IMR bit 2 masks the whole slave */
	outb(M_DATA, 0x04);
	pulse(14);
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(m_irr(), 0x04);
	outb(M_DATA, 0x00);
	ck_assert_int_eq(pic_intack(&pic), 0x2e);
	/* a master request outranks the slave; the slave outranks IRQ 3-7 */
	outb(S_CMD, EOI);
	outb(M_CMD, EOI);
	pulse(15);
	pulse(1);
	pulse(3);
	ck_assert_int_eq(pic_intack(&pic), 0x21);
	outb(M_CMD, EOI);
	ck_assert_int_eq(pic_intack(&pic), 0x2f);
	ck_assert_int_eq(s_isr(), 0x80);
}
END_TEST

START_TEST(test_pic_cascade_auto_eoi_slave)
{
	pic_linux_init();
	outb(S_CMD, 0x11);
	outb(S_DATA, 0x28);
	outb(S_DATA, 0x02);
	outb(S_DATA, 0x03); /* slave in auto-EOI */
	pulse(9);
	pulse(10);
	ck_assert_int_eq(pic_intack(&pic), 0x29);
	outb(M_CMD, EOI);
	/* the slave kept INTR up for IRQ 10: not lost without a new edge */
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x2a);
	outb(M_CMD, EOI);
	ck_assert(!pic_intr(&pic));
}
END_TEST

START_TEST(test_pic_spurious)
{
	pic_linux_init();
	/* master: nothing pending at all */
	ck_assert_int_eq(pic_intack(&pic), 0x27);
	ck_assert_int_eq(m_isr(), 0x00);
	/* slave: IRQ 12 masked after the master latched IR2 */
	pic_set_irq(&pic, 12, 1);
	outb(S_DATA, 0x10);
	ck_assert_int_eq(s_irr(), 0x10);
	ck_assert_int_eq(m_irr(), 0x04);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x2f);
	ck_assert_int_eq(s_isr(), 0x00);
	ck_assert_int_eq(m_isr(), 0x04); /* so the handler must EOI the master */
	ck_assert_int_eq(s_irr(), 0x10);
	outb(M_CMD, EOI);
	ck_assert_int_eq(m_isr(), 0x00);
	ck_assert(!pic_intr(&pic));
}
END_TEST

START_TEST(test_pic_poll)
{
	pic_linux_init();
	outb(M_DATA, 0xff); /* polling works with the mask set: Linux masks, then polls */
	outb(M_DATA, 0x00);
	pulse(6);
	pulse(3);
	outb(M_CMD, OCW3_POLL);
	ck_assert_int_eq(inb(M_CMD), 0x83);
	ck_assert_int_eq(m_isr(), 0x08);
	ck_assert_int_eq(m_irr(), 0x40);
	/* the poll is one read only: the next read is IRR again */
	ck_assert_int_eq(inb(M_CMD), 0x40);
	/* IRQ 6 is below IRQ 3 in service: nothing to report */
	outb(M_CMD, OCW3_POLL);
	ck_assert_int_eq(inb(M_DATA), 0x00);
	outb(M_CMD, EOI);
	outb(M_CMD, OCW3_POLL);
	ck_assert_int_eq(inb(M_DATA), 0x86); /* a data-port read polls too */
	ck_assert_int_eq(m_isr(), 0x40);
	ck_assert_int_eq(inb(M_DATA), 0x00); /* IMR */
	outb(M_CMD, EOI);
	outb(M_CMD, OCW3_POLL);
	ck_assert_int_eq(inb(M_CMD), 0x00);
	ck_assert(!pic_intr(&pic));
	/* the slave is polled on its own */
	pulse(13);
	outb(S_CMD, OCW3_POLL);
	ck_assert_int_eq(inb(S_CMD), 0x85);
	ck_assert_int_eq(s_isr(), 0x20);
	/* the master latched IR2 and knows nothing of the poll: an INTA now
	 * finds the slave empty */
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x2f);
}
END_TEST

START_TEST(test_pic_read_irr_isr)
{
	pic_linux_init();
	pulse(7);
	pulse(2); /* the cascade input: not a device's to drive */
	pulse(4);
	ck_assert_int_eq(pic_intack(&pic), 0x24);
	outb(M_CMD, OCW3_READ_ISR);
	ck_assert_int_eq(inb(M_CMD), 0x10);
	ck_assert_int_eq(inb(M_CMD), 0x10); /* the selection sticks */
	ck_assert_int_eq(inb(M_DATA), 0x00);
	outb(M_CMD, 0x08); /* OCW3 without RR: selection unchanged */
	ck_assert_int_eq(inb(M_CMD), 0x10);
	outb(M_CMD, OCW3_READ_IRR);
	ck_assert_int_eq(inb(M_CMD), 0x80);
	ck_assert_int_eq(inb(M_CMD), 0x80);
}
END_TEST

START_TEST(test_pic_rotation)
{
	pic_linux_init();
	pulse(3);
	ck_assert_int_eq(pic_intack(&pic), 0x23);
	outb(M_CMD, 0xa0); /* rotate on non-specific EOI: IRQ 3 becomes lowest */
	ck_assert_int_eq(m_isr(), 0x00);
	ck_assert_int_eq(pic.chip[0].prio_add, 4);
	pulse(1);
	pulse(5);
	ck_assert_int_eq(pic_intack(&pic), 0x25);
	ck_assert(!pic_intr(&pic)); /* IRQ 1 now ranks below IRQ 5 */
	outb(M_CMD, 0xe5);	    /* rotate on specific EOI 5 */
	ck_assert_int_eq(pic.chip[0].prio_add, 6);
	ck_assert_int_eq(m_isr(), 0x00);
	pulse(7);
	ck_assert_int_eq(pic_intack(&pic), 0x27); /* a real IRQ 7: ISR bit set */
	ck_assert_int_eq(m_isr(), 0x80);
	outb(M_CMD, 0xc7); /* set priority: IRQ 7 lowest, the reset order */
	ck_assert_int_eq(pic.chip[0].prio_add, 0);
	ck_assert(pic_intr(&pic)); /* IRQ 1 now beats IRQ 7 in service */
	ck_assert_int_eq(pic_intack(&pic), 0x21);
	ck_assert_int_eq(m_isr(), 0x82);
	outb(M_CMD, EOI);
	ck_assert_int_eq(m_isr(), 0x80);
}
END_TEST

START_TEST(test_pic_special_mask)
{
	pic_linux_init();
	pulse(3);
	ck_assert_int_eq(pic_intack(&pic), 0x23);
	pulse(5);
	ck_assert(!pic_intr(&pic));
	outb(M_CMD, 0x68);  /* special mask mode on */
	outb(M_DATA, 0x08); /* mask the level in service */
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x25);
	ck_assert_int_eq(m_isr(), 0x28);
	outb(M_CMD, 0x65);
	outb(M_CMD, 0x48); /* special mask mode off */
	outb(M_DATA, 0x00);
	pulse(6);
	ck_assert(!pic_intr(&pic)); /* IRQ 3 in service blocks again */
	outb(M_CMD, 0x63);
	ck_assert_int_eq(pic_intack(&pic), 0x26);
}
END_TEST

START_TEST(test_pic_special_fully_nested)
{
	pic_linux_init();
	outb(M_CMD, 0x11);
	outb(M_DATA, 0x20);
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x11); /* ICW4: special fully nested mode */
	ck_assert(pic.chip[0].sfnm);
	pulse(12);
	ck_assert_int_eq(pic_intack(&pic), 0x2c);
	ck_assert_int_eq(m_isr(), 0x04);
	/* a higher slave request gets through although IR2 is in service
	 * (without SFNM it waits: see test_pic_cascade) */
	pulse(9);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x29);
	ck_assert_int_eq(s_isr(), 0x12);
	ck_assert_int_eq(m_isr(), 0x04);
	/* a lower master request still waits for IR2's EOI */
	pulse(3);
	ck_assert(!pic_intr(&pic));
	outb(M_CMD, EOI);
	ck_assert_int_eq(pic_intack(&pic), 0x23);
}
END_TEST

START_TEST(test_pic_irq_line)
{
	struct irq_line l = {pic_irq_line_set, &pic, 9};

	pic_linux_init();
	irq_set(&l, 1);
	ck_assert_int_eq(s_irr(), 0x02);
	ck_assert_int_eq(pic_intack(&pic), 0x29);
	irq_set(&l, 0);
	ck_assert_int_eq(intr.n, 2);
	ck_assert_int_eq(intr.history[0], 1);
	ck_assert_int_eq(intr.history[1], 0);
}
END_TEST

/* ---- PIT helpers ---- */

static void pit_program(uint16_t port, uint8_t cw, uint16_t count)
{
	outb(PIT_CW, cw);
	outb(port, count & 0xff);
	outb(port, count >> 8);
}

/* The counter, through the counter latch command (LSB then MSB). */
static uint16_t pit_latched(int ch)
{
	uint16_t lo;

	outb(PIT_CW, ch << 6);
	lo = inb(CH0 + ch);
	return lo | inb(CH0 + ch) << 8;
}

static uint8_t pit_status(int ch)
{
	outb(PIT_CW, 0xe0 | 2 << ch); /* read-back: status only */
	return inb(CH0 + ch);
}

static void pit_at(uint64_t clocks)
{
	now_ns = NS(clocks);
	pit_update(&pit);
}

/* ---- PIT tests ---- */

START_TEST(test_pit_time_conversion)
{
	ck_assert_uint_eq(NS(1), 839);
	ck_assert_uint_eq(NS(1193), 999848);
	ck_assert_uint_eq(NS(11931), 9999313);
	ck_assert_uint_eq(NS(65536), 54925402);
}
END_TEST

START_TEST(test_pit_reset_state)
{
	/* mode 3, LSB/MSB, binary, OUT high, nothing counting */
	ck_assert_int_eq(pit_status(0), 0xb6);
	ck_assert_int_eq(pit_status(1), 0xb6);
	ck_assert_int_eq(pit_status(2), 0xb6);
	ck_assert_uint_eq(pit_next_deadline(&pit), VCLOCK_NEVER);
	now_ns = 1000000000;
	pit_update(&pit);
	ck_assert_int_eq(irq0.n, 0);
	ck_assert_int_eq(inb(PIT_CW), 0xff);
	/* port 0x61: gate 2 low, OUT2 high, refresh toggling */
	ck_assert_int_eq(inb(PORT61), 0x30);
	ck_assert_int_eq(inb(PORT61), 0x20);
	ck_assert_int_eq(inb(PORT61), 0x30);
}
END_TEST

START_TEST(test_pit_mode2_periodic)
{
	pit_program(CH0, 0x34, 1193); /* Linux's HZ=1000 periodic tick */
	ck_assert_int_eq(irq0.n, 0);  /* OUT was high and stays high */
	ck_assert_int_eq(pit_status(0), 0xb4);
	ck_assert_int_eq(pit_latched(0), 1193);
	ck_assert_uint_eq(pit_next_deadline(&pit), 999848);

	now_ns = 999010; /* clock 1192: the counter is 1, OUT low */
	ck_assert_int_eq(pit_latched(0), 1);
	ck_assert_int_eq(pit_status(0), 0x34);
	now_ns = 999847;
	pit_update(&pit);
	ck_assert_int_eq(irq0.n, 1);
	ck_assert_int_eq(irq0.history[0], 0);
	now_ns = 999848; /* reload: OUT rises */
	pit_update(&pit);
	ck_assert_int_eq(irq0.n, 2);
	ck_assert_int_eq(irq0.history[1], 1);
	ck_assert_int_eq(pit_latched(0), 1193);
	ck_assert_uint_eq(pit_next_deadline(&pit), 1999695);
	pit_update(&pit); /* nothing new */
	ck_assert_int_eq(irq0.n, 2);

	/* late by four periods: one edge, three lost */
	pit_at(5 * 1193 + 10);
	ck_assert_int_eq(irq0.n, 4);
	ck_assert_int_eq(irq0.history[2], 0);
	ck_assert_int_eq(irq0.history[3], 1);
	ck_assert_uint_eq(pit.irq0_lost, 3);
	ck_assert_int_eq(pit_latched(0), 1183);
	ck_assert_uint_eq(pit_next_deadline(&pit), 5999085);
	pit_at(6 * 1193);
	ck_assert_int_eq(irq0.n, 6);
	ck_assert_uint_eq(pit.irq0_lost, 3);
}
END_TEST

START_TEST(test_pit_mode2_reload)
{
	pit_program(CH0, 0x34, 1000);
	now_ns = NS(300);
	outb(CH0, 500 & 0xff);
	outb(CH0, 500 >> 8);
	/* the new count waits for the end of the period */
	ck_assert_int_eq(pit_status(0), 0xf4);
	ck_assert_int_eq(pit_latched(0), 700);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(1000));
	pit_at(1000);
	ck_assert_int_eq(irq0.n, 2);
	ck_assert_int_eq(pit_status(0), 0xb4);
	ck_assert_int_eq(pit_latched(0), 500);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(1000) + NS(500));
	now_ns = NS(1000) + NS(499);
	ck_assert_int_eq(pit_latched(0), 1);
	/* several periods after a pending reload, all counted */
	pit_program(CH0, 0x34, 1000);
	outb(CH0, 100);
	outb(CH0, 0);
	now_ns += NS(1000) + NS(350);
	pit_update(&pit);
	ck_assert_uint_eq(pit.irq0_lost, 3);
}
END_TEST

START_TEST(test_pit_mode3_reload)
{
	pit_program(CH0, 0x36, 1000);
	now_ns = NS(300);
	outb(CH0, 600 & 0xff);
	outb(CH0, 600 >> 8);
	/* loaded at the end of this half-cycle (500), into the low half of
	 * 600: 300 clocks, so OUT next rises at 800 */
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(500) + NS(300));
	ck_assert_int_eq(pit_status(0), 0xf6);
	now_ns = NS(499);
	ck_assert_int_eq(pit_latched(0), 2);
	pit_at(500);
	ck_assert_int_eq(irq0.level, 0);
	ck_assert_int_eq(pit_status(0), 0x36);
	ck_assert_int_eq(pit_latched(0), 600);
	now_ns = NS(500) + NS(300);
	pit_update(&pit);
	ck_assert_int_eq(irq0.n, 2);
	ck_assert_int_eq(irq0.level, 1);
	ck_assert_int_eq(pit_latched(0), 600);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(500) + NS(900));
}
END_TEST

START_TEST(test_pit_mode3_square)
{
	pit_program(CH0, 0x36, 1000);
	ck_assert_int_eq(pit_status(0), 0xb6);
	ck_assert_uint_eq(pit_next_deadline(&pit), 838096);
	now_ns = NS(100);
	ck_assert_int_eq(pit_latched(0), 800); /* decrements by two */
	pit_at(499);
	ck_assert_int_eq(irq0.n, 0);
	ck_assert_int_eq(pit_latched(0), 2);
	pit_at(500); /* second half: OUT low, the counter reloaded */
	ck_assert_int_eq(irq0.n, 1);
	ck_assert_int_eq(irq0.level, 0);
	ck_assert_int_eq(pit_status(0), 0x36);
	ck_assert_int_eq(pit_latched(0), 1000);
	now_ns = NS(600);
	ck_assert_int_eq(pit_latched(0), 800);
	pit_at(1000);
	ck_assert_int_eq(irq0.n, 2);
	ck_assert_int_eq(irq0.level, 1);
	ck_assert_int_eq(pit_status(0), 0xb6);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(2000));
	/* late past a falling edge: the rising edge is still delivered */
	pit_at(2600);
	ck_assert_int_eq(irq0.n, 5);
	ck_assert_int_eq(irq0.history[2], 0); /* low, */
	ck_assert_int_eq(irq0.history[3], 1); /* high: the edge, */
	ck_assert_int_eq(irq0.history[4], 0); /* then the line follows OUT */
	ck_assert_uint_eq(pit.irq0_lost, 0);
}
END_TEST

START_TEST(test_pit_mode3_odd)
{
	static const uint16_t seq[] = {5, 4, 2, 5, 2, 5, 4};
	static const uint8_t out[] = {1, 1, 1, 0, 0, 1, 1};
	int i;

	pit_program(CH2, 0xb6, 5);
	outb(PORT61, 0x01); /* gate 2 high: starts */
	for (i = 0; i < 7; i++) {
		now_ns = NS(i);
		ck_assert_int_eq(pit_latched(2), seq[i]);
		ck_assert_int_eq(!!(inb(PORT61) & 0x20), out[i]);
	}
	/* gate low stops it with OUT high; the rising edge restarts it */
	now_ns = NS(8);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x00);
	outb(PORT61, 0x00);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x20);
	ck_assert_int_eq(pit_latched(2), 5);
	now_ns = NS(100);
	outb(PORT61, 0x01);
	now_ns = NS(100) + NS(3);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x00);
	ck_assert_int_eq(pit_latched(2), 5);
}
END_TEST

START_TEST(test_pit_mode0_oneshot)
{
	pit_program(CH0, 0x30, 100);
	ck_assert_int_eq(irq0.n, 1); /* OUT low on the control word */
	ck_assert_int_eq(irq0.level, 0);
	ck_assert_int_eq(pit_status(0), 0x30);
	ck_assert_uint_eq(pit_next_deadline(&pit), 83810);
	now_ns = 83809;
	pit_update(&pit);
	ck_assert_int_eq(irq0.n, 1);
	ck_assert_int_eq(pit_latched(0), 1);
	now_ns = 83810;
	pit_update(&pit);
	ck_assert_int_eq(irq0.n, 2);
	ck_assert_int_eq(irq0.level, 1);
	ck_assert_int_eq(pit_latched(0), 0);
	ck_assert_int_eq(pit_status(0), 0xb0);
	ck_assert_uint_eq(pit_next_deadline(&pit), VCLOCK_NEVER);
	/* the counter wraps on, OUT stays high */
	pit_at(101);
	ck_assert_int_eq(pit_latched(0), 0xffff);
	pit_at(100000);
	ck_assert_int_eq(irq0.n, 2);
	ck_assert_uint_eq(pit.irq0_lost, 0);
	/* a new count restarts it: OUT drops at the first byte */
	outb(CH0, 10);
	ck_assert_int_eq(irq0.level, 0);
	ck_assert_int_eq(pit_status(0), 0x70);
	now_ns += NS(50);
	ck_assert_int_eq(pit_latched(0), 0x79c4); /* stopped at 100 - 100000 */
	outb(CH0, 0);
	ck_assert_uint_eq(pit_next_deadline(&pit), now_ns + NS(10));
}
END_TEST

START_TEST(test_pit_mode4_strobe)
{
	/* Linux's one-shot clockevent: mode 4, then counts without a new control word */
	outb(PIT_CW, 0x38);
	ck_assert_int_eq(pit_status(0), 0xf8);
	ck_assert_uint_eq(pit_next_deadline(&pit), VCLOCK_NEVER);
	outb(CH0, 100);
	outb(CH0, 0);
	ck_assert_int_eq(irq0.n, 0);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(101));
	pit_at(100);
	ck_assert_int_eq(irq0.n, 1); /* the strobe */
	ck_assert_int_eq(irq0.level, 0);
	pit_at(101);
	ck_assert_int_eq(irq0.n, 2);
	ck_assert_int_eq(irq0.level, 1);
	ck_assert_uint_eq(pit_next_deadline(&pit), VCLOCK_NEVER);
	now_ns = NS(200);
	outb(CH0, 50);
	outb(CH0, 0);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(200) + NS(51));
	/* rewritten before it fired: the old one never strobes */
	now_ns = NS(230);
	outb(CH0, 50);
	outb(CH0, 0);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(230) + NS(51));
	now_ns = NS(230) + NS(51);
	pit_update(&pit);
	ck_assert_int_eq(irq0.n, 4);
	ck_assert_uint_eq(pit.irq0_lost, 0);
}
END_TEST

START_TEST(test_pit_latch)
{
	pit_program(CH0, 0x30, 0x8000);
	now_ns = NS(0x100);
	outb(PIT_CW, 0x00);
	now_ns = NS(0x100 + 1000);
	outb(PIT_CW, 0x00); /* a second latch is ignored while the first is unread */
	ck_assert_int_eq(inb(CH0), 0x00);
	now_ns = NS(0x100 + 2000);
	ck_assert_int_eq(inb(CH0), 0x7f);
	/* released: live reads again, LSB then MSB */
	ck_assert_int_eq(inb(CH0), (0x8000 - 0x100 - 2000) & 0xff);
	ck_assert_int_eq(inb(CH0), (0x8000 - 0x100 - 2000) >> 8);
	ck_assert_int_eq(pit_latched(0), 0x8000 - 0x100 - 2000);
}
END_TEST

START_TEST(test_pit_read_back)
{
	outb(PIT_CW, 0x34);
	ck_assert_int_eq(pit_status(0), 0xf4); /* null count until a count is written */
	outb(CH0, 0xa9);
	ck_assert_int_eq(pit_status(0), 0xf4);
	outb(CH0, 0x04);
	ck_assert_int_eq(pit_status(0), 0xb4);
	/* status and count together: status first, then LSB, MSB */
	now_ns = NS(193);
	outb(PIT_CW, 0xc2);
	now_ns = NS(500);
	ck_assert_int_eq(inb(CH0), 0xb4);
	ck_assert_int_eq(inb(CH0), 1000 & 0xff);
	ck_assert_int_eq(inb(CH0), 1000 >> 8);
	/* several channels at once: count of 0 and 2, status of 2 */
	outb(PIT_CW, 0x90); /* ch2, LSB only, mode 0: gate low */
	outb(CH2, 0x55);
	outb(PIT_CW, 0xd2 | 0x08);	  /* counts of 0 and 2 */
	outb(PIT_CW, 0xe8);		  /* status of 2 */
	ck_assert_int_eq(inb(CH2), 0x10); /* OUT low, loaded, LSB, mode 0 */
	ck_assert_int_eq(inb(CH2), 0x55); /* LSB-only count: one byte */
	ck_assert_int_eq(inb(CH2), 0x55); /* then live: the gate holds it */
	ck_assert_int_eq(inb(CH0), (1193 - 500) & 0xff);
	ck_assert_int_eq(inb(CH0), (1193 - 500) >> 8);
	/* the mode field as written: 6 is mode 2 */
	outb(PIT_CW, 0xbc);
	ck_assert_int_eq(pit_status(2), 0xfc);
	ck_assert_int_eq(pit.ch[2].mode, 2);
}
END_TEST

START_TEST(test_pit_access_modes)
{
	outb(PIT_CW, 0x10); /* LSB only, mode 0 */
	outb(CH0, 0x50);
	ck_assert_int_eq(inb(CH0), 0x50);
	ck_assert_int_eq(inb(CH0), 0x50);
	now_ns = NS(0x10);
	ck_assert_int_eq(inb(CH0), 0x40);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(0x50));

	outb(PIT_CW, 0x20); /* MSB only */
	ck_assert_int_eq(pit_status(0), 0x60);
	outb(CH0, 0x12);
	ck_assert_int_eq(inb(CH0), 0x12);
	now_ns += NS(0x101);
	ck_assert_int_eq(inb(CH0), 0x10);
	outb(PIT_CW, 0x00); /* a latched MSB-only count is one byte */
	ck_assert_int_eq(inb(CH0), 0x10);
	now_ns += NS(0x100);
	ck_assert_int_eq(inb(CH0), 0x0f);

	outb(PIT_CW, 0x30); /* LSB then MSB: reads and writes alternate */
	outb(CH0, 0x34);
	ck_assert_int_eq(pit_status(0), 0x70);
	outb(CH0, 0x12);
	ck_assert_int_eq(inb(CH0), 0x34);
	ck_assert_int_eq(inb(CH0), 0x12);
	ck_assert_int_eq(inb(CH0), 0x34);
	/* a control word restarts the byte sequence */
	outb(PIT_CW, 0x30);
	ck_assert_int_eq(inb(CH0), 0x34);
	/* count 0 is 65536 */
	pit_program(CH0, 0x34, 0);
	ck_assert_int_eq(pit_latched(0), 0);
	now_ns += NS(1);
	ck_assert_int_eq(pit_latched(0), 0xffff);
	ck_assert_uint_eq(pit_next_deadline(&pit), now_ns - NS(1) + 54925402);
}
END_TEST

START_TEST(test_pit_bcd)
{
	uint64_t t0;

	pit_program(CH0, 0x31, 0x1234);
	ck_assert_int_eq(pit_status(0), 0x31);
	ck_assert_int_eq(pit_latched(0), 0x1234);
	now_ns = NS(34);
	ck_assert_int_eq(pit_latched(0), 0x1200);
	now_ns = NS(35);
	ck_assert_int_eq(pit_latched(0), 0x1199);
	ck_assert_uint_eq(pit_next_deadline(&pit), NS(1234));
	pit_at(1234);
	ck_assert_int_eq(pit_latched(0), 0x0000);
	ck_assert_int_eq(irq0.level, 1);
	now_ns = NS(1235);
	ck_assert_int_eq(pit_latched(0), 0x9999); /* wraps in decimal */
	/* count 0 is 10000 */
	t0 = now_ns;
	pit_program(CH0, 0x35, 0x0000); /* mode 2, BCD */
	ck_assert_int_eq(pit_latched(0), 0x0000);
	now_ns = t0 + NS(1);
	ck_assert_int_eq(pit_latched(0), 0x9999);
	ck_assert_uint_eq(pit_next_deadline(&pit), t0 + NS(10000));
	/* LSB only in BCD: two digits */
	t0 = now_ns;
	outb(PIT_CW, 0x15);
	outb(CH0, 0x10);
	ck_assert_uint_eq(pit_next_deadline(&pit), t0 + NS(10));
	now_ns = t0 + NS(3);
	ck_assert_int_eq(inb(CH0), 0x07);
}
END_TEST

/* arch/x86/kernel/tsc.c pit_calibrate_tsc(), with 10 ms. */
START_TEST(test_pit_calibration)
{
	const uint16_t latch = 11931; /* 1193182 / 100 */
	uint8_t v;

	now_ns = 123456789;
	v = inb(PORT61);
	ck_assert_int_eq(v, 0x30);
	outb(PORT61, (v & ~0x02) | 0x01);
	outb(PIT_CW, 0xb0);
	ck_assert_int_eq(inb(PORT61), 0x01); /* OUT2 low in mode 0 */
	now_ns += 5000; /* the write sequence takes time; counting starts at the MSB */
	outb(CH2, latch & 0xff);
	outb(CH2, latch >> 8);
	ck_assert_int_eq(pit_status(2), 0x30);
	now_ns += 9999313 - 1;
	ck_assert_int_eq(inb(PORT61), 0x11);
	ck_assert_int_eq(inb(PORT61), 0x01);
	ck_assert_int_eq(pit_latched(2), 1);
	now_ns += 1;
	ck_assert_int_eq(inb(PORT61), 0x31);
	ck_assert_int_eq(inb(PORT61), 0x21);
	ck_assert_int_eq(pit_latched(2), 0);
	ck_assert_int_eq(pit_status(2), 0xb0);
	/* channel 0 and IRQ 0 were not involved */
	ck_assert_int_eq(irq0.n, 0);
	ck_assert_uint_eq(pit_next_deadline(&pit), VCLOCK_NEVER);
}
END_TEST

START_TEST(test_pit_calibration_gate)
{
	uint64_t t0;

	/* mode 0 counts only while the gate is high */
	outb(PORT61, 0x00);
	pit_program(CH2, 0xb0, 1000);
	ck_assert_int_eq(pit_status(2), 0x30); /* loaded, waiting for the gate */
	now_ns = NS(500);
	ck_assert_int_eq(pit_latched(2), 1000);
	outb(PORT61, 0x01);
	now_ns = NS(500) + NS(400);
	ck_assert_int_eq(pit_latched(2), 600);
	outb(PORT61, 0x00); /* pause */
	t0 = now_ns;
	now_ns = NS(5000);
	ck_assert_int_eq(pit_latched(2), 600);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0);
	outb(PORT61, 0x01);
	now_ns = NS(5000) + NS(600) - 1;
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x00);
	ck_assert_int_eq(pit_latched(2), 1);
	now_ns = NS(5000) + NS(600);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x20);
	ck_assert_uint_lt(t0, NS(5000));
	/* port 0x61 keeps bits 0-3 */
	outb(PORT61, 0xff);
	ck_assert_int_eq(inb(PORT61) & 0xcf, 0x0f);
}
END_TEST

/* arch/x86/kernel/tsc.c quick_pit_calibrate(): live MSB reads of channel 2. */
START_TEST(test_pit_quick_calibrate)
{
	outb(PORT61, (inb(PORT61) & ~0x02) | 0x01);
	outb(PIT_CW, 0xb0);
	outb(CH2, 0xff);
	outb(CH2, 0xff);
	ck_assert_int_eq(inb(CH2), 0xff);
	ck_assert_int_eq(inb(CH2), 0xff);
	now_ns = NS(255);
	inb(CH2);
	ck_assert_int_eq(inb(CH2), 0xff);
	now_ns = NS(256);
	inb(CH2);
	ck_assert_int_eq(inb(CH2), 0xfe);
	now_ns = NS(0xffff - 0x1234);
	ck_assert_int_eq(inb(CH2), 0x34);
	ck_assert_int_eq(inb(CH2), 0x12);
}
END_TEST

START_TEST(test_pit_mode1_retrigger)
{
	uint64_t t0;

	outb(PORT61, 0x00);
	pit_program(CH2, 0xb2, 100);
	ck_assert_int_eq(pit_status(2), 0xf2); /* OUT high, null count until triggered */
	now_ns = NS(1000);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x20);
	outb(PORT61, 0x01); /* trigger */
	ck_assert_int_eq(pit_status(2), 0x32);
	now_ns = NS(1000) + NS(50);
	ck_assert_int_eq(pit_latched(2), 50);
	outb(PORT61, 0x00);
	now_ns += NS(10);
	ck_assert_int_eq(pit_latched(2), 40); /* gate low does not stop mode 1 */
	t0 = now_ns;
	outb(PORT61, 0x01); /* retrigger */
	ck_assert_int_eq(pit_latched(2), 100);
	now_ns = t0 + NS(99);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x00);
	now_ns = t0 + NS(100);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x20);
	/* a new count waits for the next trigger */
	outb(CH2, 10);
	outb(CH2, 0);
	ck_assert_int_eq(pit_status(2), 0xf2);
	ck_assert_int_eq(pit_latched(2), 0);
}
END_TEST

START_TEST(test_pit_mode5_strobe)
{
	outb(PORT61, 0x00);
	pit_program(CH2, 0xba, 20);
	now_ns = NS(7);
	outb(PORT61, 0x01);
	now_ns = NS(7) + NS(19);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x20);
	now_ns = NS(7) + NS(20);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x00);
	now_ns = NS(7) + NS(21);
	ck_assert_int_eq(inb(PORT61) & 0x20, 0x20);
	ck_assert_int_eq(pit_status(2), 0xba);
}
END_TEST

START_TEST(test_pit_long_uptime)
{
	/* 10^18 ns after the load: d * 1193182 overflows 64 bits */
	now_ns = 1ull << 62;
	pit_program(CH0, 0x34, 1193);
	now_ns += 1000000000000000000ull;
	ck_assert_int_eq(pit_latched(0), 1193 - 60);
	pit_update(&pit);
	ck_assert_uint_eq(pit.irq0_lost, 1193182000000000ull / 1193 - 1);
	ck_assert_uint_eq(pit_next_deadline(&pit),
			  (1ull << 62) + NS((1193182000000000ull / 1193 + 1) * 1193));
}
END_TEST

/* Channel 0 wired to the PIC, as the machine does it. */
START_TEST(test_pit_irq0_to_pic)
{
	struct pit8254 t;
	struct io_bus b2;

	iobus_init(&b2);
	ck_assert_int_eq(pit_init(&t, &b2, (struct irq_line){pic_irq_line_set, &pic, 0}, &clk), 0);
	pic_linux_init();
	iobus_out(&b2, PIT_CW, 1, 0x34);
	iobus_out(&b2, CH0, 1, 1193 & 0xff);
	iobus_out(&b2, CH0, 1, 1193 >> 8);
	ck_assert(!pic_intr(&pic));
	now_ns = pit_next_deadline(&t);
	pit_update(&t);
	ck_assert(pic_intr(&pic));
	ck_assert_int_eq(pic_intack(&pic), 0x20);
	outb(M_CMD, EOI);
	ck_assert(!pic_intr(&pic));
	now_ns = pit_next_deadline(&t);
	ck_assert_uint_eq(now_ns, 1999695);
	pit_update(&t);
	ck_assert_int_eq(pic_intack(&pic), 0x20);
}
END_TEST

static Suite *pic_pit_suite(void)
{
	Suite *s = suite_create("pic_pit");
	TCase *pic_tc = tcase_create("pic");
	TCase *pit_tc = tcase_create("pit");

	tcase_add_checked_fixture(pic_tc, setup, NULL);
	tcase_add_test(pic_tc, test_pic_reset_state);
	tcase_add_test(pic_tc, test_pic_linux_init);
	tcase_add_test(pic_tc, test_pic_mask);
	tcase_add_test(pic_tc, test_pic_edge);
	tcase_add_test(pic_tc, test_pic_level_elcr);
	tcase_add_test(pic_tc, test_pic_priority);
	tcase_add_test(pic_tc, test_pic_eoi);
	tcase_add_test(pic_tc, test_pic_auto_eoi);
	tcase_add_test(pic_tc, test_pic_cascade);
	tcase_add_test(pic_tc, test_pic_cascade_auto_eoi_slave);
	tcase_add_test(pic_tc, test_pic_spurious);
	tcase_add_test(pic_tc, test_pic_poll);
	tcase_add_test(pic_tc, test_pic_read_irr_isr);
	tcase_add_test(pic_tc, test_pic_rotation);
	tcase_add_test(pic_tc, test_pic_special_mask);
	tcase_add_test(pic_tc, test_pic_special_fully_nested);
	tcase_add_test(pic_tc, test_pic_irq_line);

	tcase_add_checked_fixture(pit_tc, setup, NULL);
	tcase_add_test(pit_tc, test_pit_time_conversion);
	tcase_add_test(pit_tc, test_pit_reset_state);
	tcase_add_test(pit_tc, test_pit_mode2_periodic);
	tcase_add_test(pit_tc, test_pit_mode2_reload);
	tcase_add_test(pit_tc, test_pit_mode3_square);
	tcase_add_test(pit_tc, test_pit_mode3_reload);
	tcase_add_test(pit_tc, test_pit_mode3_odd);
	tcase_add_test(pit_tc, test_pit_mode0_oneshot);
	tcase_add_test(pit_tc, test_pit_mode4_strobe);
	tcase_add_test(pit_tc, test_pit_latch);
	tcase_add_test(pit_tc, test_pit_read_back);
	tcase_add_test(pit_tc, test_pit_access_modes);
	tcase_add_test(pit_tc, test_pit_bcd);
	tcase_add_test(pit_tc, test_pit_calibration);
	tcase_add_test(pit_tc, test_pit_calibration_gate);
	tcase_add_test(pit_tc, test_pit_quick_calibrate);
	tcase_add_test(pit_tc, test_pit_mode1_retrigger);
	tcase_add_test(pit_tc, test_pit_mode5_strobe);
	tcase_add_test(pit_tc, test_pit_long_uptime);
	tcase_add_test(pit_tc, test_pit_irq0_to_pic);

	suite_add_tcase(s, pic_tc);
	suite_add_tcase(s, pit_tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pic_pit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
