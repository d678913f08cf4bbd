/* display.c - the VGA's text screen on the terminal (-display curses).
 *
 * The guest writes its text buffer at RAM speed; nothing here runs on its
 * writes. Instead, at most every DISPLAY_REFRESH_NS of host time, from the
 * run loop's device update (machine_update, which the host timer reaches
 * even while the guest loops in translated code), the screen is copied out
 * of guest RAM (vga_view), compared with the copy last drawn, and the rows
 * that differ are sent to the terminal (render.c). The same tick reads what
 * was typed and queues it for the PS/2 keyboard as set-1 scancodes
 * (keymap.c), feeding the i8042 as its queue has room.
 *
 * Ctrl-A is the escape key, as in QEMU's character devices: Ctrl-A x stops
 * btvmm, Ctrl-A Ctrl-A types Ctrl-A.
 *
 * The terminal goes to raw mode through term.c, which restores it on exit()
 * and on fatal signals; display_fini draws the final screen and leaves the
 * terminal's cursor below it, so the guest's last screen stays readable. */
#define _GNU_SOURCE
#include "display.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "keymap.h"
#include "machine.h"
#include "term.h"
#include "vm.h"

#define CTRL_A 0x01

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the terminal went away: nothing to show it on */
		p += w;
		n -= (size_t)w;
	}
}

int display_init(struct vm *vm, char *err, size_t n)
{
	struct display *d = &vm->display;
	if (vm->cfg->display != DISPLAY_CURSES)
		return 0;
	if (!isatty(0) || !isatty(1)) {
		snprintf(err, n, "-display curses: standard input and output must be a terminal");
		return -1;
	}
	if (term_raw_enter(0)) {
		snprintf(err, n, "-display curses: cannot put the terminal in raw mode");
		return -1;
	}
	d->active = true;
	d->in_fd = 0;
	d->out_fd = 1;
	d->next_ns = 0; /* draw the blank screen at once */
	return 0;
}

static void draw(struct display *d, struct vga *v)
{
	vga_view(v, &d->now);
	size_t len = render_diff(d->drawn ? &d->last : NULL, &d->now, d->out, sizeof(d->out));
	if (len) {
		write_all(d->out_fd, d->out, len);
		d->redraws++;
	}
	d->last = d->now;
	d->drawn = true;
}

/* Ctrl-A then c: a command for btvmm rather than a key for the guest. */
static void escape_command(struct vm *vm, uint8_t c)
{
	if (c == 'x' || c == 'X') {
		if (vm->stop == STOP_NONE) {
			vm->stop = STOP_QUIT;
			vm->exit_status = 0;
		}
	}
}

/* Queues the typed bytes as scancodes; Ctrl-A sequences are taken out. */
static void take_input(struct vm *vm, const uint8_t *in, size_t n)
{
	struct display *d = &vm->display;
	uint8_t plain[256];
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		if (d->ctrl_a) {
			d->ctrl_a = false;
			if (in[i] != CTRL_A) {
				escape_command(vm, in[i]);
				continue;
			}
		} else if (in[i] == CTRL_A) {
			d->ctrl_a = true;
			continue;
		}
		plain[np++] = in[i];
	}
	size_t used;
	d->nkeys +=
	    keymap_translate(plain, np, &used, d->keyq + d->nkeys, sizeof(d->keyq) - d->nkeys);
}

static void read_keys(struct vm *vm)
{
	struct display *d = &vm->display;
	uint8_t buf[128];
	struct pollfd p = {.fd = d->in_fd, .events = POLLIN};
	if (poll(&p, 1, 0) == 1) {
		ssize_t r = read(d->in_fd, buf, sizeof(buf));
		if (r > 0)
			take_input(vm, buf, (size_t)r);
	}
	size_t room = i8042_key_room(&vm->kbd);
	size_t k = d->nkeys < room ? d->nkeys : room;
	if (k) {
		i8042_key_input(&vm->kbd, d->keyq, (int)k);
		memmove(d->keyq, d->keyq + k, d->nkeys - k);
		d->nkeys -= k;
	}
}

void display_tick(struct vm *vm)
{
	struct display *d = &vm->display;
	if (!d->active)
		return;
	uint64_t now = machine_now_ns(vm);
	if (now < d->next_ns)
		return;
	d->next_ns = now + DISPLAY_REFRESH_NS;
	read_keys(vm);
	draw(d, &vm->vga);
}

uint64_t display_deadline(struct vm *vm)
{
	return vm->display.active ? vm->display.next_ns : UINT64_MAX;
}

int display_input_fd(struct vm *vm)
{
	return vm->display.active ? vm->display.in_fd : -1;
}

void display_fini(struct vm *vm)
{
	struct display *d = &vm->display;
	char tmp[48];
	if (!d->active)
		return;
	draw(d, &vm->vga);
	int len = snprintf(tmp, sizeof(tmp), "\033[0m\033[0 q\033[?25h\033[%u;1H\n", d->now.rows);
	write_all(d->out_fd, tmp, (size_t)len);
	term_restore();
	d->active = false;
}

void display_dump(struct vm *vm, FILE *f)
{
	vga_view(&vm->vga, &vm->display.now);
	render_dump(&vm->display.now, f);
}
