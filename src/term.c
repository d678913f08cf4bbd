/* term.c - the controlling terminal in raw mode, and putting it back on
 * every way out: exit() (atexit), and the signals that would end the
 * process (SIGINT, SIGTERM, SIGHUP, SIGQUIT: restore, then die of the same
 * signal with its default action). A fault inside btvmm ends in _exit from
 * the fault handler (src/signals.c), which calls term_restore itself.
 *
 * The saved settings are process-global: a terminal belongs to the process,
 * and an atexit function or signal handler has no argument to find a vm. */
#define _GNU_SOURCE
#include "term.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int saved_fd = -1;
static volatile sig_atomic_t restored = 1;

void term_restore(void)
{
	if (restored)
		return;
	restored = 1;
	tcsetattr(saved_fd, TCSAFLUSH, &saved); /* async-signal-safe (POSIX) */
}

static void restore_and_die(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_die;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int term_raw_enter(int fd)
{
	static bool registered;
	struct termios raw;
	if (tcgetattr(fd, &saved))
		return -1;
	raw = saved;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST; /* keep "\n" -> "\r\n": messages printed meanwhile stay readable */
	raw.c_cc[VMIN] = 0;   /* reads return what is there, or nothing */
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &raw))
		return -1;
	saved_fd = fd;
	restored = 0;
	if (!registered) {
		registered = true;
		atexit(term_restore);
		catch_fatal_signals();
	}
	return 0;
}
