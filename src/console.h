/* console.h - the terminal's input side: stdin read by the monitor, held
 * in a buffer until its consumer has room (COM1's UART, or under -display
 * curses the PS/2 keyboard), with QEMU's Ctrl-A keys when stdin is a
 * terminal. */
#ifndef BTVMM_CONSOLE_H
#define BTVMM_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CONSOLE_BUF 4096
#define CONSOLE_KICK_SIGNAL SIGUSR1 /* sent to the vCPU thread when input waits */

struct console {
	int fd;		      /* where input comes from (stdin); -1: no input */
	bool tty;	      /* a terminal in raw mode: Ctrl-A keys are ours */
	bool eof;	      /* end of input seen (a pipe's writer gone, a file's end) */
	bool escape;	      /* the last key was Ctrl-A */
	bool watching;	      /* the watcher waits for input; else it waits for rearm */
	bool quit;	      /* Ctrl-A x */
	bool stats;	      /* Ctrl-A c: print the counters */
	bool help;	      /* Ctrl-A h: print the keys */
	atomic_int ready;     /* set by the watcher (input), or a key wants action */
	int kick_r, kick_w;   /* watcher -> monitor: a halted monitor's ppoll wakes */
	int rearm_r, rearm_w; /* monitor -> watcher: stdin drained, watch again */
	pid_t vcpu_tid;	      /* where CONSOLE_KICK_SIGNAL goes */
	pthread_t watcher;
	uint8_t buf[CONSOLE_BUF]; /* read, not yet in the UART's FIFO */
	unsigned head, count;
};

/* Input from fd (-1: none). A terminal is put in raw mode (src/term.h).
 * Returns 0, or -1 with a one-line reason in err. */
int console_init(struct console *c, int fd, pid_t vcpu_tid, char *err, size_t n);
/* Starts the watcher thread that waits on fd and kicks vcpu_tid with
 * CONSOLE_KICK_SIGNAL: only once that signal has its handler. */
int console_start(struct console *c, char *err, size_t n);
/* The monitor's half of a kick: read what stdin has (up to the buffer's
 * room), acting on Ctrl-A keys; watch again once stdin is drained. */
void console_service(struct console *c);
/* For the consumer (the UART's rx_pull, or the display's keyboard): up to
 * max buffered bytes, reading stdin first when the buffer is empty. */
int console_pull(void *opaque, uint8_t *buf, int max);
/* The Ctrl-A keys, for Ctrl-A h (the caller picks where: the display puts
 * it below the guest's screen). */
void console_print_help(int fd);
/* Can input still arrive (a halted guest waiting for a key is not stuck)? */
bool console_live(const struct console *c);

#endif
