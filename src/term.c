/* term.c - raw mode for the user's terminal, and its restoration.
 *
 * The saved settings are process-global on purpose: atexit() handlers and
 * signal handlers get no argument, and the terminal outlives any one
 * machine. They are written once, before raw mode is first entered, and
 * only read afterwards (the handlers read them). */
#define _GNU_SOURCE
#include "term.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct {
	int fd;
	bool saved, hooked;
	int seq_fd;		  /* term_restore_writes */
	const char *volatile seq; /* ...NULL: nothing to write */
	struct termios orig;
	volatile sig_atomic_t raw;
} term;

void term_restore(void)
{
	if (!term.raw)
		return;
	term.raw = 0;
	int saved_errno = errno;
	const char *seq = term.seq;
	if (seq && write(term.seq_fd, seq, strlen(seq)) < 0) {
		/* the terminal is gone: nothing to reset */
	}
	tcsetattr(term.fd, TCSANOW, &term.orig);
	errno = saved_errno;
}

void term_restore_writes(int fd, const char *seq)
{
	term.seq = NULL; /* a signal meanwhile sees no half-set pair */
	term.seq_fd = fd;
	term.seq = seq;
}

/* Decimal digits of n into buf (no terminator); returns their count. */
static int put_uint(char *buf, unsigned n)
{
	char tmp[12];
	int len = 0, i = 0;
	do
		tmp[len++] = (char)('0' + n % 10);
	while (n /= 10);
	while (len)
		buf[i++] = tmp[--len];
	return i;
}

void term_fatal_signal(int sig)
{
	static const char head[] = "btvmm: terminating on signal ";
	char msg[64];
	int n = (int)sizeof(head) - 1;
	term_restore();
	memcpy(msg, head, (size_t)n);
	n += put_uint(msg + n, (unsigned)sig);
	msg[n++] = '\n';
	if (write(2, msg, (size_t)n) < 0) {
		/* nothing more to do: we are going anyway */
	}
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

static void on_fatal_signal(int sig)
{
	term_fatal_signal(sig);
}

/* Restoration on exit() and on the signals that end a process politely. A
 * signal someone already handles (the monitor routes them through its own
 * entry, src/signals.c) is left to that handler, which calls
 * term_fatal_signal itself. */
static void hook_exits(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT};
	if (term.hooked)
		return;
	term.hooked = true;
	atexit(term_restore);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old, sa;
		if (sigaction(sigs[i], NULL, &old) || old.sa_handler != SIG_DFL ||
		    (old.sa_flags & SA_SIGINFO))
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

int term_raw_enter(int fd)
{
	if (!isatty(fd))
		return -1;
	if (!term.saved) {
		if (tcgetattr(fd, &term.orig))
			return -1;
		term.fd = fd;
		term.saved = true;
	}
	if (fd != term.fd)
		return -1; /* one terminal per process */
	hook_exits();
	/* QEMU's choice (chardev/char-stdio.c): raw input, cooked output */
	struct termios t = term.orig;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag |= OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	term.raw = 1; /* before the change: a signal in between still restores */
	if (tcsetattr(fd, TCSANOW, &t)) {
		term.raw = 0;
		return -1;
	}
	return 0;
}
