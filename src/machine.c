/* machine.c - the PC around the virtual CPU.
 *
 * Devices live in struct vm and run in the monitor's thread: they are
 * updated at every exit from translated code and before a halted guest
 * sleeps. Time is the host's monotonic clock since start-up. A translated
 * guest that never exits is interrupted by a host timer (SIGALRM through
 * timer_create) armed at the earliest device deadline: the handler sets
 * BLK_PENDING, which the polls on back edges and indirect entries see. */
#define _GNU_SOURCE
#include "machine.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "vm.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t machine_now_ns(struct vm *vm)
{
	return mono_ns() - vm->start_ns;
}

static uint64_t clock_now(void *opaque)
{
	return machine_now_ns(opaque);
}

int machine_init(struct vm *vm, char *err, size_t n)
{
	vm->start_ns = mono_ns();
	vm->clock = (struct vclock){clock_now, vm};
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &vm->host_timer)) {
		snprintf(err, n, "cannot create the host timer: %s", strerror(errno));
		return -1;
	}
	vm->armed_deadline = UINT64_MAX;
	return 0;
}

void machine_update(struct vm *vm)
{
	vm->timer_fired = 0;
}

bool machine_intr(struct vm *vm)
{
	return false;
}

int machine_intack(struct vm *vm)
{
	return -1;
}

uint64_t machine_next_deadline(struct vm *vm)
{
	return UINT64_MAX;
}

void machine_arm_timer(struct vm *vm)
{
	uint64_t d = machine_next_deadline(vm);
	if (d == vm->armed_deadline)
		return;
	vm->armed_deadline = d;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (d != UINT64_MAX) {
		uint64_t abs = d + vm->start_ns;
		its.it_value.tv_sec = (time_t)(abs / 1000000000ull);
		its.it_value.tv_nsec = (long)(abs % 1000000000ull);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timer_settime(vm->host_timer, TIMER_ABSTIME, &its, NULL);
}

bool machine_wait(struct vm *vm)
{
	uint64_t d = machine_next_deadline(vm);
	bool input = vm->uart.in_fd >= 0 && (vm->uart.ier & 1);
	if (d == UINT64_MAX && !input)
		return false;
	vm->stats.hlt_sleeps++;
	struct pollfd pfd = {.fd = input ? vm->uart.in_fd : -1, .events = POLLIN};
	struct timespec ts, *tsp = NULL;
	if (d != UINT64_MAX) {
		uint64_t now = machine_now_ns(vm), wait = d > now ? d - now : 0;
		ts.tv_sec = (time_t)(wait / 1000000000ull);
		ts.tv_nsec = (long)(wait % 1000000000ull);
		tsp = &ts;
	}
	ppoll(&pfd, 1, tsp, NULL);
	return true;
}
