/* pic.h - 8259A pair helpers (master 0x20/0x21, slave 0xA0/0xA1). */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H
#include "lib.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

/* ICW1 0x11 (edge, cascade, ICW4), ICW2 vector bases, ICW3 4/2, ICW4 1
 * (8086 mode, normal EOI). All IRQs masked afterwards. */
static inline void pic_remap(u8 base1, u8 base2)
{
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, base1);
    outb(PIC2_DATA, base2);
    outb(PIC1_DATA, 4);
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, 1);
    outb(PIC2_DATA, 1);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
}

/* non-specific EOI; slave first for IRQ 8-15 */
static inline void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, 0x20);
    outb(PIC1_CMD, 0x20);
}

static inline void pic_unmask(int irq)
{
    u16 port = irq < 8 ? PIC1_DATA : PIC2_DATA;
    outb(port, inb(port) & ~(1u << (irq & 7)));
}

static inline void pic_mask(int irq)
{
    u16 port = irq < 8 ? PIC1_DATA : PIC2_DATA;
    outb(port, inb(port) | (1u << (irq & 7)));
}

/* OCW3: 0x0a selects IRR, 0x0b ISR for the next read of the command port */
static inline u8 pic_read_irr(int slave)
{
    u16 p = slave ? PIC2_CMD : PIC1_CMD;
    outb(p, 0x0a);
    return inb(p);
}

static inline u8 pic_read_isr(int slave)
{
    u16 p = slave ? PIC2_CMD : PIC1_CMD;
    outb(p, 0x0b);
    return inb(p);
}

static inline u8 pic_read_imr(int slave) { return inb(slave ? PIC2_DATA : PIC1_DATA); }

#endif
