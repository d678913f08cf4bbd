/*
 * i8042.h - PS/2 keyboard controller at ports 0x60 (data) and 0x64
 * (status/command) with a keyboard behind it, plus port 0x92 (fast A20
 * and reset). IRQ 1 for keyboard data, IRQ 12 for aux data.
 */
#ifndef BTVMM_I8042_H
#define BTVMM_I8042_H

#include <stdint.h>
#include "iobus.h"
#include "irq.h"

/* Status register (port 0x64 read) */
#define I8042_STR_OBF 0x01     /* output buffer full */
#define I8042_STR_IBF 0x02     /* input buffer full: never, commands act at once */
#define I8042_STR_SYS 0x04     /* system flag (command byte bit 2, self-test) */
#define I8042_STR_CMD 0x08     /* last write was to port 0x64 */
#define I8042_STR_KEYLOCK 0x10 /* keyboard not inhibited by the key lock */
#define I8042_STR_AUXDATA 0x20 /* the output buffer holds aux data */
#define I8042_STR_TIMEOUT 0x40
#define I8042_STR_PARITY 0x80

/* Command byte (controller RAM byte 0) */
#define I8042_CTR_KBDINT 0x01 /* IRQ 1 when keyboard data is in the output buffer */
#define I8042_CTR_AUXINT 0x02 /* IRQ 12 when aux data is */
#define I8042_CTR_SYS 0x04
#define I8042_CTR_KBDDIS 0x10 /* keyboard clock inhibited */
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE 0x40 /* set 2 -> set 1 translation */

/* Output port (commands 0xD0/0xD1) */
#define I8042_OUT_RESET 0x01 /* CPU reset line, active low */
#define I8042_OUT_A20 0x02
#define I8042_OUT_KBD_OBF 0x10 /* IRQ 1 pin */
#define I8042_OUT_AUX_OBF 0x20 /* IRQ 12 pin */

#define I8042_QUEUE_LEN 16
#define I8042_FROM_AUX 0x100 /* queue entry tag: deliver as aux data */

struct i8042_fifo {
	uint16_t data[I8042_QUEUE_LEN]; /* byte | I8042_FROM_AUX */
	uint8_t head, count;
};

struct i8042 {
	uint8_t ram[32];      /* controller RAM (0x20-0x3f / 0x60-0x7f); ram[0] = command byte */
	uint8_t outport;      /* output port; bit 1 is the A20 gate */
	uint8_t port92;	      /* last write to port 0x92 (bit 1 tracks A20) */
	uint8_t out;	      /* output buffer: what port 0x60 reads */
	uint8_t obf;	      /* output buffer full */
	uint8_t obf_aux;      /* ... with aux data */
	uint8_t last_was_cmd; /* status bit 3 */
	uint8_t ctrl_pending; /* controller command waiting for its data byte, or 0 */
	/* the keyboard */
	uint8_t kbd_pending; /* keyboard command waiting for its parameter, or 0 */
	uint8_t kbd_scanning;
	uint8_t kbd_set; /* scan code set the guest selected (input is always set 1) */
	uint8_t kbd_leds, kbd_typematic;
	/* Output waiting for the buffer, in priority order: controller
	 * replies, keyboard replies, keystrokes, aux device bytes. */
	struct i8042_fifo ctrl, kbd_reply, kbd_keys, aux;
	uint64_t keys_dropped; /* scancodes lost to a full queue */
	int irq1_level, irq12_level;
	struct irq_line irq1, irq12;
	void (*reset_request)(void *opaque);
	void (*a20_set)(void *opaque, int on);
	void *opaque;
};

/*
 * Registers ports 0x60, 0x64 and 0x92. The controller starts as a BIOS
 * leaves it: command byte 0x45 (IRQ 1 on, SYS, translation), A20 on, the
 * keyboard scanning. Either callback may be NULL. a20_set is called on
 * every guest write that sets the gate (not at init).
 */
int i8042_init(struct i8042 *k, struct io_bus *bus, struct irq_line irq1, struct irq_line irq12,
	       void (*reset_request)(void *opaque), void (*a20_set)(void *opaque, int on),
	       void *opaque);
/* Queue set-1 (translated) scancodes from the host; dropped while the
 * guest has disabled scanning (0xF5) or when the queue is full. */
void i8042_key_input(struct i8042 *k, const uint8_t *scancodes, int n);
/* How many scancodes i8042_key_input can take now without dropping any. */
int i8042_key_room(const struct i8042 *k);
/* Back to the init state (system reset), without calling a20_set. */
void i8042_reset(struct i8042 *k);

#endif
