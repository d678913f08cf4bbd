/*
 * pic8259.c - the PC's two 8259A programmable interrupt controllers.
 *
 * The master (ports 0x20/0x21) takes ISA IRQs 0-7 and drives the CPU's
 * INTR pin; the slave (0xa0/0xa1) takes IRQs 8-15 and its INTR output is
 * the master's IR2 input. Devices call pic_set_irq() (or an irq_line built
 * on pic_irq_line_set()); the CPU side polls pic_intr() or is told through
 * the set_intr callback, and calls pic_intack() to take a vector. The ELCR
 * pair (0x4d0/0x4d1, from the PIIX/EISA chipsets) makes single inputs
 * level-triggered.
 *
 * Behaviour follows the 8259A datasheet as QEMU (hw/intc/i8259.c) and
 * Bochs model it:
 *
 *  - An edge-triggered input latches its IRR bit on a rising edge; the bit
 *    stays set until acknowledged, whatever the line does meanwhile. A
 *    level-triggered input's IRR bit simply follows the line, so a request
 *    withdrawn before the acknowledge turns into a spurious IRQ 7.
 *  - A request reaches INTR when it is unmasked and has a higher priority
 *    than everything in service. Priorities rotate: prio_add is the IR
 *    with the highest priority (0 after initialisation).
 *  - The acknowledge moves the IRR bit to ISR (not in auto-EOI mode) and
 *    returns vector_base + IR. When the master's winner is IR2, the slave
 *    is acknowledged too and supplies the vector. With nothing to deliver,
 *    the chip answers IR7 without touching ISR (the spurious interrupt);
 *    a slave with nothing pending does the same behind a master that does
 *    set ISR bit 2, exactly as on hardware.
 *  - The cascade input is edge-triggered like any master input (ELCR bit 2
 *    cannot be set). One deviation: if the slave still asserts INTR after
 *    the master acknowledged IR2 (a second request on an auto-EOI slave),
 *    IR2 is latched again. Hardware would need a new edge and loses that
 *    request; an emulator has no reason to.
 *  - Reset (power-on and ICW1) state is QEMU's: everything zero, so IMR is
 *    clear and the vector base is 0 until ICW2. ICW1 leaves the ELCR alone.
 *  - The chips are byte-wide: a wider access acts on its first port only.
 */
#include <string.h>
#include "pic8259.h"

#define PIC_MASTER 0
#define PIC_SLAVE 1

/* ICW1 (command port, bit 4 set) */
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_INIT 0x10
/* ICW4 */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
/* OCW3 (command port, bits 4-3 = 01) */
#define OCW3_SEL 0x08
#define OCW3_RIS 0x01 /* read ISR rather than IRR ... */
#define OCW3_RR 0x02  /* ... if this bit is set */
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20  /* set (1) or reset (0) special mask mode ... */
#define OCW3_ESMM 0x40 /* ... if this bit is set */
/* OCW2 commands: bits 7-5 */
#define OCW2_ROTATE_AEOI_CLEAR 0
#define OCW2_EOI 1
#define OCW2_NOP 2
#define OCW2_SPECIFIC_EOI 3
#define OCW2_ROTATE_AEOI_SET 4
#define OCW2_ROTATE_EOI 5
#define OCW2_SET_PRIORITY 6
#define OCW2_ROTATE_SPECIFIC_EOI 7

#define POLL_INTERRUPT 0x80 /* poll byte: a request was pending */
#define SPURIOUS_IR 7

/* ---- one chip ---- */

/* Is input ir level-triggered? */
static bool chip_level(const struct pic_chip *c, int ir)
{
	return c->ltim || (c->elcr & (1u << ir));
}

/*
 * The priority (0 highest .. 7 lowest) of the best IR in mask, or 8 for
 * an empty mask. Priority n belongs to IR (prio_add + n) & 7.
 */
static int chip_best_priority(const struct pic_chip *c, uint8_t mask)
{
	int n;

	for (n = 0; n < 8; n++)
		if (mask & (1u << ((c->prio_add + n) & 7)))
			return n;
	return 8;
}

static int priority_to_ir(const struct pic_chip *c, int prio)
{
	return (c->prio_add + prio) & 7;
}

/*
 * The IR the chip would deliver now, or -1. A request must be unmasked and
 * beat the highest priority in service. In special mask mode only the mask
 * matters (the datasheet: "enables all other levels, lower as well as
 * higher, that are not masked"); a level already in service still cannot
 * interrupt itself. In special fully nested mode the master lets the slave
 * interrupt a slave request in service: IR2 may tie with itself.
 */
static int chip_pending(const struct pic_chip *c)
{
	uint8_t req = c->irr & ~c->imr;
	int prio, cur;

	if (c->special_mask)
		req &= ~c->isr;
	prio = chip_best_priority(c, req);
	if (prio == 8)
		return -1;
	if (c->special_mask)
		return priority_to_ir(c, prio);
	cur = chip_best_priority(c, c->isr);
	if (prio < cur)
		return priority_to_ir(c, prio);
	if (prio == cur && c->sfnm && c->is_master && priority_to_ir(c, prio) == PIC_CASCADE_IRQ)
		return PIC_CASCADE_IRQ;
	return -1;
}

/* An IR input changes level. */
static void chip_input(struct pic_chip *c, int ir, int level)
{
	uint8_t bit = 1u << ir;

	if (chip_level(c, ir)) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit; /* rising edge */
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

/* The acknowledge (INTA or poll) of ir on one chip. */
static void chip_ack(struct pic_chip *c, int ir)
{
	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->prio_add = (ir + 1) & 7;
	} else {
		c->isr |= 1u << ir;
	}
	/* A level-triggered request stays in IRR for as long as the line is high. */
	if (!chip_level(c, ir))
		c->irr &= ~(1u << ir);
}

/* Forget everything but the ELCR and the input levels, as ICW1 does. */
static void chip_reset(struct pic_chip *c)
{
	c->isr = 0;
	c->imr = 0;
	c->prio_add = 0;
	c->vector_base = 0;
	c->init_step = 0;
	c->need_icw4 = false;
	c->single = false;
	c->ltim = false;
	c->auto_eoi = false;
	c->sfnm = false;
	c->rotate_aeoi = false;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	/* "The edge sense circuit is reset": an edge-triggered input that is
	 * high now must go low and high again to request. */
	c->irr = c->lines & c->elcr;
}

/* ---- the pair ---- */

/* Recompute the slave's INTR into master IR2, then the master's INTR. */
static void pic_update(struct pic8259 *p)
{
	struct pic_chip *m = &p->chip[PIC_MASTER];
	bool intr;

	chip_input(m, PIC_CASCADE_IRQ, chip_pending(&p->chip[PIC_SLAVE]) >= 0);
	intr = chip_pending(m) >= 0;
	if (intr != p->intr) {
		p->intr = intr;
		if (p->set_intr)
			p->set_intr(p->opaque, intr);
	}
}

void pic_set_irq(struct pic8259 *p, int irq, int level)
{
	if (irq < 0 || irq > 15 || irq == PIC_CASCADE_IRQ)
		return;
	chip_input(&p->chip[irq >> 3], irq & 7, level);
	pic_update(p);
}

void pic_irq_line_set(void *opaque, int irq, int level)
{
	pic_set_irq(opaque, irq, level);
}

bool pic_intr(const struct pic8259 *p)
{
	return p->intr;
}

/* The slave's half of an acknowledge of master IR2: its vector. */
static int pic_intack_slave(struct pic8259 *p)
{
	struct pic_chip *s = &p->chip[PIC_SLAVE];
	int ir = chip_pending(s);

	if (ir < 0)
		ir = SPURIOUS_IR; /* the master saw a request the slave has withdrawn */
	else
		chip_ack(s, ir);
	return s->vector_base + ir;
}

int pic_intack(struct pic8259 *p)
{
	struct pic_chip *m = &p->chip[PIC_MASTER];
	int ir = chip_pending(m);
	int vector;

	if (ir < 0)
		return m->vector_base + SPURIOUS_IR;
	vector = ir == PIC_CASCADE_IRQ && !m->single ? pic_intack_slave(p) : m->vector_base + ir;
	chip_ack(m, ir);
	/* The slave still requesting after its acknowledge: see the top. */
	if (ir == PIC_CASCADE_IRQ && chip_pending(&p->chip[PIC_SLAVE]) >= 0)
		m->irr |= 1u << PIC_CASCADE_IRQ;
	pic_update(p);
	return vector;
}

/* ---- register access ---- */

static void pic_write_icw1(struct pic_chip *c, uint8_t val)
{
	chip_reset(c);
	c->need_icw4 = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->ltim = val & ICW1_LTIM;
	if (c->ltim)
		c->irr = c->lines;
	c->init_step = 2;
}

/* The ICW2-ICW4 that follow ICW1 on the data port. ICW3 (the wiring) is
 * fixed on a PC and so ignored; ICW4's 8086 and buffered-mode bits too. */
static void pic_write_icw(struct pic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xf8;
		if (!c->single)
			c->init_step = 3;
		else
			c->init_step = c->need_icw4 ? 4 : 0;
		break;
	case 3: c->init_step = c->need_icw4 ? 4 : 0; break;
	default:
		c->auto_eoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_step = 0;
		break;
	}
}

static void pic_write_ocw3(struct pic_chip *c, uint8_t val)
{
	if (val & OCW3_POLL)
		c->poll = true;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

/* Clear the highest-priority ISR bit (a non-specific EOI); returns its IR. */
static int pic_eoi_highest(struct pic_chip *c)
{
	int prio = chip_best_priority(c, c->isr);
	int ir;

	if (prio == 8)
		return -1;
	ir = priority_to_ir(c, prio);
	c->isr &= ~(1u << ir);
	return ir;
}

static void pic_write_ocw2(struct pic_chip *c, uint8_t val)
{
	int ir = val & 7;

	switch (val >> 5) {
	case OCW2_ROTATE_AEOI_CLEAR: c->rotate_aeoi = false; break;
	case OCW2_ROTATE_AEOI_SET: c->rotate_aeoi = true; break;
	case OCW2_EOI: pic_eoi_highest(c); break;
	case OCW2_ROTATE_EOI:
		ir = pic_eoi_highest(c);
		if (ir >= 0)
			c->prio_add = (ir + 1) & 7;
		break;
	case OCW2_SPECIFIC_EOI: c->isr &= ~(1u << ir); break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= ~(1u << ir);
		c->prio_add = (ir + 1) & 7;
		break;
	case OCW2_SET_PRIORITY: c->prio_add = (ir + 1) & 7; break; /* ir becomes lowest */
	default: break;						   /* OCW2_NOP */
	}
}

static void pic_write_command(struct pic_chip *c, uint8_t val)
{
	if (val & ICW1_INIT)
		pic_write_icw1(c, val);
	else if (val & OCW3_SEL)
		pic_write_ocw3(c, val);
	else
		pic_write_ocw2(c, val);
}

static void pic_write_data(struct pic_chip *c, uint8_t val)
{
	if (c->init_step)
		pic_write_icw(c, val);
	else
		c->imr = val; /* OCW1 */
}

/*
 * The read after a poll command: 0x80 | IR of the best request, which is
 * acknowledged as by INTA (without the cascade: software polls the slave
 * itself), or 0 if there is none.
 */
static uint8_t pic_read_poll(struct pic8259 *p, struct pic_chip *c)
{
	int ir = chip_pending(c);

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_ack(c, ir);
	pic_update(p);
	return POLL_INTERRUPT | ir;
}

static uint8_t pic_read_chip(struct pic8259 *p, struct pic_chip *c, int data_port)
{
	if (c->poll)
		return pic_read_poll(p, c);
	if (data_port)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void pic_write_elcr(struct pic8259 *p, struct pic_chip *c, uint8_t val)
{
	uint8_t newly_level = val & c->elcr_mask & ~c->elcr;

	c->elcr = val & c->elcr_mask;
	/* An input that becomes level-triggered requests while it is high. */
	c->irr = (c->irr & ~newly_level) | (c->lines & newly_level);
	pic_update(p);
}

static struct pic_chip *pic_chip_at(struct pic8259 *p, uint16_t port)
{
	if (port >= PIC_ELCR_PORT)
		return &p->chip[port - PIC_ELCR_PORT];
	return &p->chip[port >= PIC_SLAVE_PORT];
}

static uint32_t pic_io_read(void *opaque, uint16_t port, int size)
{
	struct pic8259 *p = opaque;
	struct pic_chip *c = pic_chip_at(p, port);

	if (port >= PIC_ELCR_PORT)
		return c->elcr;
	return pic_read_chip(p, c, port & 1);
}

static void pic_io_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct pic8259 *p = opaque;
	struct pic_chip *c = pic_chip_at(p, port);

	if (port >= PIC_ELCR_PORT) {
		pic_write_elcr(p, c, val);
		return;
	}
	if (port & 1)
		pic_write_data(c, val);
	else
		pic_write_command(c, val);
	pic_update(p);
}

int pic_init(struct pic8259 *p, struct io_bus *bus, void (*set_intr)(void *opaque, int level),
	     void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->set_intr = set_intr;
	p->opaque = opaque;
	p->chip[PIC_MASTER].is_master = true;
	/* IRQ 0, 1 and 2 (timer, keyboard, cascade), 8 and 13 (RTC, FPU) are
	 * always edge-triggered on PIIX, as in QEMU. */
	p->chip[PIC_MASTER].elcr_mask = 0xf8;
	p->chip[PIC_SLAVE].elcr_mask = 0xde;
	chip_reset(&p->chip[PIC_MASTER]);
	chip_reset(&p->chip[PIC_SLAVE]);
	if (iobus_register(bus, PIC_MASTER_PORT, 2, pic_io_read, pic_io_write, p, "pic-master") ||
	    iobus_register(bus, PIC_SLAVE_PORT, 2, pic_io_read, pic_io_write, p, "pic-slave") ||
	    iobus_register(bus, PIC_ELCR_PORT, 2, pic_io_read, pic_io_write, p, "elcr"))
		return -1;
	return 0;
}
