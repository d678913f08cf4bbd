/* display.c - the VGA's text screen on the terminal (-display curses).
 *
 * The guest writes its text buffer at RAM speed; nothing here runs on its
 * writes. Instead, at most every DISPLAY_REFRESH_NS of host time, from the
 * run loop's device update (machine_update, which the host timer reaches
 * even while the guest loops in translated code), the screen is copied out
 * of guest RAM (vga_view), compared with the copy last drawn, and the rows
 * that differ are sent to the terminal (render.c).
 *
 * Typed keys are read by the serial console's stdin reader (console.c: its
 * watcher thread, its buffer, its Ctrl-A keys), which under -display
 * curses feeds no UART: display_keys pulls its bytes, turns them into
 * set-1 scancodes (keymap.c) and feeds the i8042 as its queue has room,
 * when the console has input and again at every tick.
 *
 * The terminal is in raw mode already (console_init, through term.c, which
 * restores it on exit() and on fatal signals); display_fini draws the
 * final screen and leaves the terminal's cursor below it, so the guest's
 * last screen stays readable. */
#define _GNU_SOURCE
#include "display.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "keymap.h"
#include "machine.h"
#include "term.h"
#include "vm.h"

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
	if (!vm->con.tty) { /* console_init put stdin in raw mode, or failed to */
		snprintf(err, n, "-display curses: cannot put the terminal in raw mode");
		return -1;
	}
	d->active = true;
	d->out_fd = 1;
	/* a fatal signal's restore (term.c) resets what drawing changed */
	term_restore_writes(d->out_fd, "\033[0m\033[0 q\033[?25h\n");
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

void display_keys(struct vm *vm)
{
	struct display *d = &vm->display;
	if (!d->active)
		return;
	/* typed bytes in, scancodes out, whole keys only: a key whose scancodes
	 * have no room yet stays in typed */
	for (;;) {
		int got = console_pull(&vm->con, d->typed + d->ntyped,
				       (int)(sizeof(d->typed) - d->ntyped));
		d->ntyped += (size_t)got;
		if (!d->ntyped)
			break;
		size_t used;
		d->nkeys += keymap_translate(d->typed, d->ntyped, &used, d->keyq + d->nkeys,
					     sizeof(d->keyq) - d->nkeys);
		memmove(d->typed, d->typed + used, d->ntyped - used);
		d->ntyped -= used;
		if (!got || !used)
			break;
	}
	size_t room = (size_t)i8042_key_room(&vm->kbd);
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
	display_keys(vm);
	draw(d, &vm->vga);
}

uint64_t display_deadline(struct vm *vm)
{
	return vm->display.active ? vm->display.next_ns : UINT64_MAX;
}

void display_aside_begin(struct vm *vm)
{
	struct display *d = &vm->display;
	char tmp[48];
	if (!d->active)
		return;
	/* DECSC: the guest's cursor and colours, put back by DECRC */
	int len = snprintf(tmp, sizeof(tmp), "\0337\033[0m\033[%u;1H\033[J", d->last.rows + 1);
	write_all(d->out_fd, tmp, (size_t)len);
}

void display_aside_end(struct vm *vm)
{
	struct display *d = &vm->display;
	if (d->active)
		write_all(d->out_fd, "\0338", 2);
}

void display_fini(struct vm *vm)
{
	struct display *d = &vm->display;
	char tmp[48];
	if (!d->active)
		return;
	term_restore_writes(-1, NULL); /* reset just below instead */
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
