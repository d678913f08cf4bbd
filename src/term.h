/* term.h - the controlling terminal in raw mode, and putting it back.
 *
 * Minimal version written for the VGA display (branch vga); the serial
 * console's branch has its own with the same two functions, and the two
 * are reconciled at merge. */
#ifndef BTVMM_TERM_H
#define BTVMM_TERM_H

/* Saves fd's terminal settings and puts it in raw mode (no echo, no line
 * editing, no signals from keys; output processing stays on). Registers
 * term_restore for exit() and for the signals that end the process. 0, or
 * -1 if fd is not a terminal. */
int term_raw_enter(int fd);
/* Puts the saved settings back. Idempotent and async-signal-safe. */
void term_restore(void);

#endif
