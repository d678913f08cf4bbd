/* term.h - the user's terminal in raw mode while a guest owns it, and put
 * back exactly as it was on every way out of btvmm. Used by the serial
 * console (src/console.c) and any other front end that reads keys. */
#ifndef BTVMM_TERM_H
#define BTVMM_TERM_H

/* Saves fd's settings (the first time only), switches it to raw mode as
 * QEMU's stdio backend does (no echo, no line editing, no signal keys: ^C
 * goes to the guest; output processing kept, so "\n" still starts a line),
 * and makes sure term_restore() runs at exit, on SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT and SIGABRT. Returns 0, or -1 if fd is not a terminal or its
 * settings cannot be read or changed. */
int term_raw_enter(int fd);

/* Puts the saved settings back if raw mode is on. Idempotent and
 * async-signal-safe (a tcsetattr, errno preserved). */
void term_restore(void);

/* Also write seq (a constant string; NULL: nothing) to fd when
 * term_restore() puts the settings back: -display curses gives the colours,
 * cursor shape and visibility it changed, so that a signal's way out
 * resets them too. */
void term_restore_writes(int fd, const char *seq);

/* For a fatal signal's handler: term_restore(), one line naming the signal
 * on stderr, then the signal again with its default action (so the parent
 * sees how btvmm died). Async-signal-safe; does not return. */
void term_fatal_signal(int sig);

#endif
