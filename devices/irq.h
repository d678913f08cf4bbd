/* irq.h - an interrupt line handed to a device at creation. */
#ifndef BTVMM_IRQ_H
#define BTVMM_IRQ_H

struct irq_line {
	void (*set)(void *opaque, int irq, int level); /* NULL: not wired */
	void *opaque;
	int irq;
};

static inline void irq_set(struct irq_line *l, int level)
{
	if (l && l->set)
		l->set(l->opaque, l->irq, level);
}

#endif
