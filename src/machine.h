/* machine.h - the PC around the CPU: device wiring, interrupt routing, time. */
#ifndef BTVMM_MACHINE_H
#define BTVMM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

int machine_init(struct vm *vm, char *err, size_t errlen);
/* Nanoseconds of virtual time since the machine started (host monotonic). */
uint64_t machine_now_ns(struct vm *vm);
/* The guest's time-stamp counter: 1 GHz, from the same clock. */
uint64_t machine_tsc(struct vm *vm);
/* Bring timer devices up to date (raising their interrupt lines). */
void machine_update(struct vm *vm);
/* Input or a Ctrl-A key is waiting (vm->con.ready): read it, act on the
 * key, and pass the rest on: to the UART's receiver (raising its
 * interrupt), or under -display curses to the PS/2 keyboard. */
void machine_console(struct vm *vm);
/* The interrupt controllers have an interrupt for the CPU. */
bool machine_intr(struct vm *vm);
/* The CPU takes it: the vector. */
int machine_intack(struct vm *vm);
/* Earliest device deadline (ns of virtual time), or UINT64_MAX. */
uint64_t machine_next_deadline(struct vm *vm);
/* Arm the host timer so translated code is interrupted at the next deadline. */
void machine_arm_timer(struct vm *vm);
/* Sleep (halted guest) until a deadline, input, or a signal; false if nothing
 * could ever wake the guest. */
bool machine_wait(struct vm *vm);

#endif
