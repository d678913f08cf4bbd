/* pic8259.h - the PC's cascaded 8259A interrupt controllers and the ELCR. */
#ifndef BTVMM_PIC8259_H
#define BTVMM_PIC8259_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"

#define PIC_MASTER_PORT 0x20 /* command at 0x20, data (IMR) at 0x21 */
#define PIC_SLAVE_PORT 0xa0  /* command at 0xa0, data (IMR) at 0xa1 */
#define PIC_ELCR_PORT 0x4d0  /* master ELCR at 0x4d0, slave ELCR at 0x4d1 */
#define PIC_CASCADE_IRQ 2    /* the master input the slave's INTR drives */

/* One 8259A. */
struct pic_chip {
	uint8_t irr;	     /* interrupt request register */
	uint8_t isr;	     /* in-service register */
	uint8_t imr;	     /* interrupt mask register (OCW1) */
	uint8_t lines;	     /* current level of the IR inputs, for edge detection */
	uint8_t elcr;	     /* edge/level control: a set bit makes that input level-triggered */
	uint8_t elcr_mask;   /* the ELCR bits this chip lets software set */
	uint8_t prio_add;    /* IR number that currently has the highest priority */
	uint8_t vector_base; /* ICW2, bits 7-3 */
	uint8_t init_step;   /* 0: operational; 2, 3, 4: the next data write is that ICW */
	bool is_master;
	bool need_icw4;	   /* ICW1 IC4 */
	bool single;	   /* ICW1 SNGL: no ICW3 */
	bool ltim;	   /* ICW1 LTIM: every input level-triggered */
	bool auto_eoi;	   /* ICW4 AEOI */
	bool sfnm;	   /* ICW4 special fully nested mode */
	bool rotate_aeoi;  /* OCW2 rotate in automatic EOI mode */
	bool read_isr;	   /* OCW3: command-port reads return ISR, else IRR */
	bool poll;	   /* OCW3 poll command: the next read is a poll */
	bool special_mask; /* OCW3 special mask mode */
};

struct pic8259 {
	struct pic_chip chip[2]; /* [0] master, [1] slave */
	void (*set_intr)(void *opaque, int level);
	void *opaque;
	bool intr; /* the INTR output as last reported through set_intr */
};

/* Resets both chips and claims 0x20-0x21, 0xa0-0xa1 and 0x4d0-0x4d1.
 * set_intr is called whenever the INTR output to the CPU changes. */
int pic_init(struct pic8259 *p, struct io_bus *bus, void (*set_intr)(void *opaque, int level),
	     void *opaque);
/* Drive ISA input irq (0-15) to level. Inputs are edge-triggered unless
 * their ELCR bit (or the chip's ICW1 LTIM) makes them level-triggered.
 * IRQ 2 is the cascade, driven only by the slave: requests for it are
 * ignored. */
void pic_set_irq(struct pic8259 *p, int irq, int level);
/* The CPU's interrupt-acknowledge cycle: returns the vector to deliver. */
int pic_intack(struct pic8259 *p);
/* The INTR output to the CPU. */
bool pic_intr(const struct pic8259 *p);
/* For struct irq_line: {pic_irq_line_set, pic, irq}. */
void pic_irq_line_set(void *opaque, int irq, int level);

#endif
