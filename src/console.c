/* console.c - stdin for the guest: its serial port, or under -display
 * curses its PS/2 keyboard.
 *
 * The UART's receiver holds 16 bytes (the i8042 a few more); what the
 * user types or pipes in beyond that waits here (buf), not in the kernel's
 * pipe or tty buffer, so that Ctrl-A x is seen even when the guest reads
 * nothing. This is the only reader of stdin: who takes the bytes out
 * (console_pull) is the one thing that differs between the serial console
 * and the display (src/machine.c, machine_console).
 *
 * Input must arrive with its interrupt whatever the guest does, also when
 * it spins in translated code and never exits to the monitor. A watcher
 * thread therefore sleeps in poll() on stdin; when input comes it sets
 * `ready`, writes the kick pipe (which a halted monitor's ppoll watches)
 * and signals the vCPU thread (whose handler sets the block's pending
 * flag, so translated code leaves at its next poll). Then it waits on the
 * rearm pipe: the monitor reads stdin itself until it is drained and only
 * then hands the watching back, so the watcher never spins on input the
 * guest is slow to take. The watcher touches nothing else: all reading,
 * buffering and the Ctrl-A keys are the monitor thread's. */
#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "term.h"

#define CTRL_A 0x01

static void *watch(void *opaque)
{
	struct console *c = opaque;
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		/* the kick before the flag: a console_service that runs between
		 * the two drains the kick and rearms us, and the flag left behind
		 * only costs one look at an empty stdin; the other order could
		 * leave a kick undrained with the flag clear, and the watcher
		 * waiting for a rearm that never comes */
		if (write(c->kick_w, "k", 1) < 0) {
			/* full: the monitor has a kick to read already */
		}
		atomic_store(&c->ready, 1);
		syscall(SYS_tgkill, getpid(), c->vcpu_tid, CONSOLE_KICK_SIGNAL);
		char b;
		ssize_t n;
		do
			n = read(c->rearm_r, &b, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			return NULL;
	}
}

static const char help_text[] = "\r\nC-a h    print this help\r\n"
				"C-a x    exit btvmm\r\n"
				"C-a c    print the -stats counters so far\r\n"
				"C-a C-a  send C-a\r\n";

static void put_byte(struct console *c, uint8_t b)
{
	c->buf[(c->head + c->count) % CONSOLE_BUF] = b;
	c->count++;
}

/* One key from the terminal: Ctrl-A starts a command, as in QEMU's mux. */
static void key(struct console *c, uint8_t b)
{
	if (!c->escape) {
		if (b == CTRL_A)
			c->escape = true;
		else
			put_byte(c, b);
		return;
	}
	c->escape = false;
	switch (b) {
	case CTRL_A: put_byte(c, b); break;
	case 'x':
		c->quit = true;
		atomic_store(&c->ready, 1);
		break;
	case 'c':
		c->stats = true;
		atomic_store(&c->ready, 1);
		break;
	case 'h':
	case '?':
		c->help = true; /* printed by the monitor, which knows the screen */
		atomic_store(&c->ready, 1);
		break;
	default: break; /* QEMU ignores other keys after C-a */
	}
}

void console_print_help(int fd)
{
	if (write(fd, help_text, sizeof(help_text) - 1) < 0) {
		/* no terminal to help */
	}
}

/* Is there something to read on fd right now? */
static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, 0);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

static void rearm(struct console *c)
{
	if (c->watching || c->eof)
		return;
	c->watching = true;
	if (write(c->rearm_w, "r", 1) < 0)
		c->watching = false;
}

/* Read what stdin has now, into the buffer's room. A terminal's keys are
 * read one chunk at a time, never beyond the room, so none is lost. */
static void read_input(struct console *c)
{
	while (!c->eof && !c->quit && c->count < CONSOLE_BUF) {
		if (!readable(c->fd)) {
			rearm(c);
			return;
		}
		uint8_t tmp[512];
		size_t room = CONSOLE_BUF - c->count;
		ssize_t n = read(c->fd, tmp, room < sizeof(tmp) ? room : sizeof(tmp));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			c->eof = true; /* the end, or an error: no more input, as before */
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (c->tty)
				key(c, tmp[i]);
			else
				put_byte(c, tmp[i]);
		}
	}
}

void console_service(struct console *c)
{
	if (c->fd < 0)
		return;
	atomic_store(&c->ready, 0);
	char drain[16];
	while (read(c->kick_r, drain, sizeof(drain)) > 0)
		c->watching = false; /* the watcher kicked: it now waits for rearm */
	read_input(c);
}

int console_pull(void *opaque, uint8_t *buf, int max)
{
	struct console *c = opaque;
	if (c->fd < 0)
		return 0;
	if (!c->count)
		read_input(c);
	int n = 0;
	while (n < max && c->count) {
		buf[n++] = c->buf[c->head];
		c->head = (c->head + 1) % CONSOLE_BUF;
		c->count--;
	}
	return n;
}

bool console_live(const struct console *c)
{
	return c->fd >= 0 && !c->eof;
}

int console_init(struct console *c, int fd, pid_t vcpu_tid, char *err, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->kick_r = c->kick_w = c->rearm_r = c->rearm_w = -1;
	if (fd < 0)
		return 0;
	int kick[2], re[2];
	if (pipe2(kick, O_CLOEXEC | O_NONBLOCK) || pipe2(re, O_CLOEXEC)) {
		snprintf(err, n, "cannot set up the serial console's input: %s", strerror(errno));
		return -1;
	}
	c->kick_r = kick[0];
	c->kick_w = kick[1];
	c->rearm_r = re[0];
	c->rearm_w = re[1];
	c->fd = fd;
	c->vcpu_tid = vcpu_tid;
	c->watching = true;
	c->tty = term_raw_enter(fd) == 0;
	return 0;
}

int console_start(struct console *c, char *err, size_t n)
{
	if (c->fd < 0)
		return 0;
	/* the watcher takes no signal: they are all the vCPU thread's */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = pthread_create(&c->watcher, NULL, watch, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		snprintf(err, n, "cannot start the serial console's input thread: %s", strerror(r));
		return -1;
	}
	return 0;
}
