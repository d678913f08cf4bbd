/*
 * i8042.c - the PS/2 keyboard controller and its keyboard.
 *
 * Behaviour follows QEMU's hw/input/pckbd.c and hw/input/ps2.c (and Bochs)
 * closely enough for Linux's i8042 and atkbd drivers and for BIOS-style
 * polling code:
 *
 *  - Commands act at once, so IBF is never set. The controller has one
 *    output buffer (port 0x60); bytes waiting for it sit in four queues,
 *    served in order: controller replies (which may be tagged as aux data,
 *    e.g. the 0xD3 loopback), keyboard command replies, keystrokes, aux
 *    device bytes. Keyboard bytes wait while the command byte disables the
 *    keyboard (bit 4), aux bytes while it disables aux (bit 5).
 *  - IRQ 1 is high while the buffer holds non-aux data and command byte
 *    bit 0 is set; IRQ 12 likewise for aux data and bit 1. Reading port
 *    0x60 drops the line before the next byte is loaded, so every byte is
 *    a fresh edge for the PIC.
 *  - Keystrokes come from the host already in set 1, which is what the
 *    guest sees from a set-2 keyboard through translation (the default).
 *    The translation bit only changes the identify and get-scancode-set
 *    replies, as it would on real hardware; keystrokes are not converted.
 *  - There is no mouse: every byte written to the aux device (0xD4) is
 *    acknowledged with 0xFA and nothing else, so drivers find no mouse.
 *  - A20 is one gate shared by output port bit 1 (0xD1, 0xDD/0xDF) and
 *    port 0x92 bit 1. The CPU reset line is pulsed by 0xFE (and any
 *    0xF0-0xFF pulse with bit 0 clear), by writing the output port with
 *    bit 0 low, and by a 0 -> 1 edge of port 0x92 bit 0.
 *  - Reading port 0x60 with an empty buffer returns the last byte again.
 *    Ports are byte-wide: wider accesses act on their first port only.
 */
#include <string.h>
#include "i8042.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64
#define PORT_92 0x92

#define CTR_DEFAULT (I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_XLATE)
/* reset line high, A20 on, keyboard clock and data lines high (QEMU) */
#define OUTPORT_DEFAULT 0xcf

/* controller commands (port 0x64) */
#define CCMD_READ_RAM 0x20  /* 0x20-0x3f: read RAM byte cmd & 0x1f */
#define CCMD_WRITE_RAM 0x60 /* 0x60-0x7f: write it */
#define CCMD_AUX_DISABLE 0xa7
#define CCMD_AUX_ENABLE 0xa8
#define CCMD_AUX_TEST 0xa9
#define CCMD_SELF_TEST 0xaa
#define CCMD_KBD_TEST 0xab
#define CCMD_KBD_DISABLE 0xad
#define CCMD_KBD_ENABLE 0xae
#define CCMD_READ_INPORT 0xc0
#define CCMD_READ_OUTPORT 0xd0
#define CCMD_WRITE_OUTPORT 0xd1
#define CCMD_WRITE_KBD_OBUF 0xd2
#define CCMD_WRITE_AUX_OBUF 0xd3
#define CCMD_WRITE_AUX 0xd4
#define CCMD_A20_OFF 0xdd
#define CCMD_A20_ON 0xdf
#define CCMD_READ_TEST 0xe0
#define CCMD_PULSE 0xf0 /* 0xf0-0xff: pulse output port bits 0-3 that are 0 */

#define SELF_TEST_OK 0x55
#define INPORT_VALUE 0x80 /* key lock off */

/* keyboard commands and replies */
#define KBD_CMD_SET_LEDS 0xed
#define KBD_CMD_ECHO 0xee
#define KBD_CMD_SCANCODE 0xf0
#define KBD_CMD_GET_ID 0xf2
#define KBD_CMD_TYPEMATIC 0xf3
#define KBD_CMD_ENABLE 0xf4
#define KBD_CMD_DISABLE 0xf5 /* and restore defaults */
#define KBD_CMD_DEFAULTS 0xf6
#define KBD_CMD_RESET 0xff
#define KBD_REPLY_POR 0xaa /* power-on reset / self-test passed */
#define KBD_REPLY_ID 0xab
#define KBD_REPLY_ACK 0xfa
#define KBD_REPLY_RESEND 0xfe
#define AUX_REPLY_ACK 0xfa

/* ---- queues ---- */

static void fifo_clear(struct i8042_fifo *f)
{
	f->head = 0;
	f->count = 0;
}

/* Returns 0 when full: the byte is lost, as a keyboard's buffer overflows. */
static int fifo_push(struct i8042_fifo *f, uint16_t v)
{
	if (f->count >= I8042_QUEUE_LEN)
		return 0;
	f->data[(f->head + f->count) % I8042_QUEUE_LEN] = v;
	f->count++;
	return 1;
}

static int fifo_pop(struct i8042_fifo *f, uint16_t *v)
{
	if (!f->count)
		return 0;
	*v = f->data[f->head];
	f->head = (f->head + 1) % I8042_QUEUE_LEN;
	f->count--;
	return 1;
}

/* ---- output buffer and interrupts ---- */

static uint8_t ctr(const struct i8042 *k)
{
	return k->ram[0];
}

static void i8042_update_irq(struct i8042 *k)
{
	int l1 = k->obf && !k->obf_aux && (ctr(k) & I8042_CTR_KBDINT);
	int l12 = k->obf && k->obf_aux && (ctr(k) & I8042_CTR_AUXINT);

	if (l1 != k->irq1_level) {
		k->irq1_level = l1;
		irq_set(&k->irq1, l1);
	}
	if (l12 != k->irq12_level) {
		k->irq12_level = l12;
		irq_set(&k->irq12, l12);
	}
}

/* Next byte for the output buffer, if one may be delivered now. */
static int i8042_next_byte(struct i8042 *k, uint16_t *v)
{
	if (fifo_pop(&k->ctrl, v))
		return 1;
	if (!(ctr(k) & I8042_CTR_KBDDIS) &&
	    (fifo_pop(&k->kbd_reply, v) || fifo_pop(&k->kbd_keys, v)))
		return 1;
	if (!(ctr(k) & I8042_CTR_AUXDIS) && fifo_pop(&k->aux, v)) {
		*v |= I8042_FROM_AUX;
		return 1;
	}
	return 0;
}

/* Load the output buffer if it is free, then drive the lines. */
static void i8042_refill(struct i8042 *k)
{
	uint16_t v;

	if (!k->obf && i8042_next_byte(k, &v)) {
		k->out = v & 0xff;
		k->obf = 1;
		k->obf_aux = !!(v & I8042_FROM_AUX);
	}
	i8042_update_irq(k);
}

static void ctrl_reply(struct i8042 *k, uint16_t v)
{
	fifo_push(&k->ctrl, v);
	i8042_refill(k);
}

static void kbd_reply(struct i8042 *k, uint8_t v)
{
	fifo_push(&k->kbd_reply, v);
	i8042_refill(k);
}

static uint8_t i8042_read_data(struct i8042 *k)
{
	uint8_t v = k->out;

	k->obf = 0;
	k->obf_aux = 0;
	/* Lower the line before loading the next byte: a new edge for it. */
	i8042_update_irq(k);
	i8042_refill(k);
	return v;
}

static uint8_t i8042_read_status(const struct i8042 *k)
{
	uint8_t s = I8042_STR_KEYLOCK;

	if (k->obf)
		s |= I8042_STR_OBF;
	if (k->obf && k->obf_aux)
		s |= I8042_STR_AUXDATA;
	if (ctr(k) & I8042_CTR_SYS)
		s |= I8042_STR_SYS;
	if (k->last_was_cmd)
		s |= I8042_STR_CMD;
	return s;
}

/* ---- A20 and reset ---- */

static void set_a20(struct i8042 *k, int on)
{
	k->outport = (k->outport & ~I8042_OUT_A20) | (on ? I8042_OUT_A20 : 0);
	k->port92 = (k->port92 & ~0x02) | (on ? 0x02 : 0);
	/* Always tell the VM: its gate may not match ours after a reset. */
	if (k->a20_set)
		k->a20_set(k->opaque, on);
}

static void request_reset(struct i8042 *k)
{
	if (k->reset_request)
		k->reset_request(k->opaque);
}

static uint8_t read_outport(const struct i8042 *k)
{
	uint8_t v = k->outport & ~(I8042_OUT_KBD_OBF | I8042_OUT_AUX_OBF);

	if (k->irq1_level)
		v |= I8042_OUT_KBD_OBF;
	if (k->irq12_level)
		v |= I8042_OUT_AUX_OBF;
	return v;
}

static void write_outport(struct i8042 *k, uint8_t val)
{
	k->outport = val;
	set_a20(k, !!(val & I8042_OUT_A20));
	if (!(val & I8042_OUT_RESET))
		request_reset(k);
}

static uint32_t port92_read(void *opaque, uint16_t port, int size)
{
	struct i8042 *k = opaque;

	return k->port92;
}

/* Bit 0 resets on its rising edge only, so it must be written 0 first. */
static void port92_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct i8042 *k = opaque;
	uint8_t old = k->port92;

	k->port92 = val & 0xff;
	set_a20(k, !!(val & 0x02));
	if ((val & 0x01) && !(old & 0x01))
		request_reset(k);
}

/* ---- the keyboard ---- */

static void kbd_defaults(struct i8042 *k)
{
	k->kbd_pending = 0;
	k->kbd_set = 2;
	k->kbd_leds = 0;
	k->kbd_typematic = 0x2b; /* 10.9 cps, 500 ms */
	fifo_clear(&k->kbd_keys);
}

/* The set number as the guest reads it: translated like any set-2 byte. */
static uint8_t kbd_set_reply(const struct i8042 *k)
{
	static const uint8_t xlated[4] = {0, 0x43, 0x41, 0x3f};

	return ctr(k) & I8042_CTR_XLATE ? xlated[k->kbd_set] : k->kbd_set;
}

/* The parameter byte of 0xED, 0xF3 or 0xF0. */
static void kbd_write_param(struct i8042 *k, uint8_t val)
{
	uint8_t cmd = k->kbd_pending;

	k->kbd_pending = 0;
	switch (cmd) {
	case KBD_CMD_SET_LEDS: k->kbd_leds = val & 7; break;
	case KBD_CMD_TYPEMATIC: k->kbd_typematic = val & 0x7f; break;
	case KBD_CMD_SCANCODE:
		if (val > 3) {
			kbd_reply(k, KBD_REPLY_RESEND);
			return;
		}
		kbd_reply(k, KBD_REPLY_ACK);
		if (val == 0)
			kbd_reply(k, kbd_set_reply(k));
		else
			k->kbd_set = val;
		return;
	}
	kbd_reply(k, KBD_REPLY_ACK);
}

static void kbd_write(struct i8042 *k, uint8_t val)
{
	if (k->kbd_pending) {
		kbd_write_param(k, val);
		return;
	}
	switch (val) {
	case KBD_CMD_SET_LEDS:
	case KBD_CMD_TYPEMATIC:
	case KBD_CMD_SCANCODE:
		k->kbd_pending = val;
		kbd_reply(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_ECHO: kbd_reply(k, KBD_CMD_ECHO); break;
	case KBD_CMD_GET_ID:
		kbd_reply(k, KBD_REPLY_ACK);
		kbd_reply(k, KBD_REPLY_ID);
		/* MF2 keyboard; 0x83 comes through translation as 0x41 */
		kbd_reply(k, ctr(k) & I8042_CTR_XLATE ? 0x41 : 0x83);
		break;
	case KBD_CMD_ENABLE:
		k->kbd_scanning = 1;
		kbd_reply(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_DISABLE:
	case KBD_CMD_DEFAULTS:
		kbd_defaults(k);
		k->kbd_scanning = val == KBD_CMD_DEFAULTS;
		kbd_reply(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_RESET:
		/* A reset drops pending output; the self-test passes at once. */
		kbd_defaults(k);
		fifo_clear(&k->kbd_reply);
		k->kbd_scanning = 1;
		kbd_reply(k, KBD_REPLY_ACK);
		kbd_reply(k, KBD_REPLY_POR);
		break;
	default: kbd_reply(k, KBD_REPLY_RESEND); break;
	}
}

/* ---- controller ---- */

static void write_ctr(struct i8042 *k, uint8_t val)
{
	k->ram[0] = val;
	/* Enabling a port or its interrupt may deliver or signal data. */
	i8042_refill(k);
}

/* The data byte following a controller command that takes one. */
static void ctrl_write_param(struct i8042 *k, uint8_t cmd, uint8_t val)
{
	if (cmd >= CCMD_WRITE_RAM && cmd < CCMD_WRITE_RAM + 0x20) {
		if (cmd == CCMD_WRITE_RAM)
			write_ctr(k, val);
		else
			k->ram[cmd & 0x1f] = val;
		return;
	}
	switch (cmd) {
	case CCMD_WRITE_OUTPORT: write_outport(k, val); break;
	case CCMD_WRITE_KBD_OBUF: ctrl_reply(k, val); break;
	case CCMD_WRITE_AUX_OBUF: ctrl_reply(k, val | I8042_FROM_AUX); break;
	case CCMD_WRITE_AUX:
		fifo_push(&k->aux, AUX_REPLY_ACK);
		i8042_refill(k);
		break;
	}
}

static int ctrl_takes_param(uint8_t cmd)
{
	return (cmd >= CCMD_WRITE_RAM && cmd < CCMD_WRITE_RAM + 0x20) ||
	       (cmd >= CCMD_WRITE_OUTPORT && cmd <= CCMD_WRITE_AUX);
}

static void ctrl_command(struct i8042 *k, uint8_t cmd)
{
	/* A new command abandons one still waiting for its data byte. */
	k->ctrl_pending = 0;
	if (ctrl_takes_param(cmd)) {
		k->ctrl_pending = cmd;
		return;
	}
	if (cmd >= CCMD_READ_RAM && cmd < CCMD_READ_RAM + 0x20) {
		ctrl_reply(k, k->ram[cmd & 0x1f]);
		return;
	}
	if (cmd >= CCMD_PULSE) {
		if (!(cmd & I8042_OUT_RESET))
			request_reset(k);
		return;
	}
	switch (cmd) {
	case CCMD_AUX_DISABLE: write_ctr(k, ctr(k) | I8042_CTR_AUXDIS); break;
	case CCMD_AUX_ENABLE: write_ctr(k, ctr(k) & ~I8042_CTR_AUXDIS); break;
	case CCMD_AUX_TEST:
	case CCMD_KBD_TEST:
		ctrl_reply(k, 0x00); /* no clock or data line stuck */
		break;
	case CCMD_SELF_TEST:
		k->ram[0] |= I8042_CTR_SYS;
		ctrl_reply(k, SELF_TEST_OK);
		break;
	case CCMD_KBD_DISABLE: write_ctr(k, ctr(k) | I8042_CTR_KBDDIS); break;
	case CCMD_KBD_ENABLE: write_ctr(k, ctr(k) & ~I8042_CTR_KBDDIS); break;
	case CCMD_READ_INPORT: ctrl_reply(k, INPORT_VALUE); break;
	case CCMD_READ_OUTPORT: ctrl_reply(k, read_outport(k)); break;
	case CCMD_A20_OFF: set_a20(k, 0); break;
	case CCMD_A20_ON: set_a20(k, 1); break;
	case CCMD_READ_TEST: ctrl_reply(k, 0x00); break;
	default: break; /* unknown: ignored */
	}
}

static void i8042_write_data(struct i8042 *k, uint8_t val)
{
	uint8_t cmd = k->ctrl_pending;

	if (cmd) {
		k->ctrl_pending = 0;
		ctrl_write_param(k, cmd, val);
		return;
	}
	/* Sending to the keyboard re-enables its interface (as QEMU). */
	k->ram[0] &= ~I8042_CTR_KBDDIS;
	kbd_write(k, val);
	i8042_refill(k);
}

static uint32_t i8042_io_read(void *opaque, uint16_t port, int size)
{
	struct i8042 *k = opaque;

	if (port == I8042_DATA)
		return i8042_read_data(k);
	return i8042_read_status(k);
}

static void i8042_io_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct i8042 *k = opaque;

	k->last_was_cmd = port == I8042_CMD;
	if (port == I8042_DATA)
		i8042_write_data(k, val & 0xff);
	else
		ctrl_command(k, val & 0xff);
}

/* ---- API ---- */

void i8042_key_input(struct i8042 *k, const uint8_t *scancodes, int n)
{
	int i;

	if (!k->kbd_scanning)
		return;
	for (i = 0; i < n; i++)
		if (!fifo_push(&k->kbd_keys, scancodes[i]))
			k->keys_dropped++;
	i8042_refill(k);
}

int i8042_key_room(const struct i8042 *k)
{
	return I8042_QUEUE_LEN - k->kbd_keys.count;
}

void i8042_reset(struct i8042 *k)
{
	memset(k->ram, 0, sizeof(k->ram));
	k->ram[0] = CTR_DEFAULT;
	k->outport = OUTPORT_DEFAULT;
	k->port92 = 0x02; /* A20 on, reset bit low */
	k->obf = 0;
	k->obf_aux = 0;
	k->out = 0;
	k->last_was_cmd = 0;
	k->ctrl_pending = 0;
	fifo_clear(&k->ctrl);
	fifo_clear(&k->kbd_reply);
	fifo_clear(&k->aux);
	kbd_defaults(k);
	k->kbd_scanning = 1;
	i8042_update_irq(k);
}

int i8042_init(struct i8042 *k, struct io_bus *bus, struct irq_line irq1, struct irq_line irq12,
	       void (*reset_request)(void *opaque), void (*a20_set)(void *opaque, int on),
	       void *opaque)
{
	memset(k, 0, sizeof(*k));
	k->irq1 = irq1;
	k->irq12 = irq12;
	k->reset_request = reset_request;
	k->a20_set = a20_set;
	k->opaque = opaque;
	i8042_reset(k);
	/* Two one-port ranges: 0x61 (system control port B) belongs to
	 * another device. */
	if (iobus_register(bus, I8042_DATA, 1, i8042_io_read, i8042_io_write, k, "i8042") ||
	    iobus_register(bus, I8042_CMD, 1, i8042_io_read, i8042_io_write, k, "i8042"))
		return -1;
	return iobus_register(bus, PORT_92, 1, port92_read, port92_write, k, "port92");
}
