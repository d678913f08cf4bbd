/* random_code.c - btvmm against random guest code: it must never crash,
 * whatever the guest runs.
 *
 *   random_code BTVMM FIRST_SEED COUNT [SECONDS [CHAOS_ELF]]
 *
 * For each seed, 256 pseudo-random bytes (xorshift32, so the same seeds
 * give the same code everywhere) become a flat-binary kernel, entered at
 * 1 MiB in protected mode with no IDT worth the name. Random ring-0 code
 * pokes at everything: ports, control registers, descriptor tables, the
 * emulator, faults of every kind. Each run must end one of these ways:
 *   - btvmm stopped the machine: exit status 2 and exactly one stderr
 *     line starting "btvmm: " (a triple fault, an unsupported instruction,
 *     hlt with interrupts off, ...);
 *   - the guest wrote to the debug-exit port: an odd status, no stderr;
 *   - the guest reset the machine (port 0x92, 0x64, 0xcf9): status 0 and
 *     one "btvmm: " line, as QEMU's -no-reboot;
 *   - the guest still runs after SECONDS (default 3): it looped, which the
 *     hardware would do too; btvmm is killed and that counts as fine.
 * With CHAOS_ELF (tests/guests/chaos.c) each seed instead runs that kernel
 * with -append seed=N: 4 KiB of random code that resumes after each of its
 * exceptions, at ring 0 or ring 3, and exits through the debug port (status
 * 1) after a few thousand of them.
 * Anything else fails: death by a signal (a host crash), another status,
 * other stderr output, an internal error. The child's status comes from waitpid(), so a
 * crash is never mistaken for a debug-exit status. BTVMM_ACCEL in the
 * environment (tests/with_backend.sh) is passed on as -accel.
 * With RANDOM_DIFF=1 each seed runs under both backends instead, which must
 * end the same way (diff_backends). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CODE_BYTES 256

static void make_code(unsigned seed, const char *path)
{
	unsigned char b[CODE_BYTES];
	uint32_t x = seed * 2654435761u + 1; /* xorshift32 state, never 0 */
	for (int i = 0; i < CODE_BYTES; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (unsigned char)(x >> 24);
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, sizeof(b), f) != sizeof(b) || fclose(f)) {
		perror(path);
		exit(2);
	}
}

/* Runs btvmm on kernel; returns the wait status, or -1 if it was still
 * running after secs (then killed). */
/* Run btvmm on kernel; -1 if it was still running after secs. accel
 * overrides BTVMM_ACCEL; serial, if set, is where COM1 goes. */
static int run_as(const char *btvmm, const char *kernel, const char *append, const char *errpath,
		  int secs, const char *accel, const char *serial)
{
	fflush(stdout); /* else the child's freopen writes our buffer again */
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen(errpath, "w", stderr))
			_exit(127);
		char *args[12], serial_arg[128];
		int n = 0;
		args[n++] = (char *)btvmm;
		args[n++] = "-kernel";
		args[n++] = (char *)kernel;
		if (append) {
			args[n++] = "-append";
			args[n++] = (char *)append;
		}
		args[n++] = "-nographic";
		args[n++] = "-serial";
		if (serial) {
			snprintf(serial_arg, sizeof(serial_arg), "file:%s", serial);
			args[n++] = serial_arg;
		} else {
			args[n++] = "none";
		}
		if (accel && *accel) {
			args[n++] = "-accel";
			args[n++] = (char *)accel;
		}
		args[n] = NULL;
		execv(btvmm, args);
		_exit(127);
	}
	struct timespec start, now, nap = {0, 5 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= secs) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
}

static int run(const char *btvmm, const char *kernel, const char *append, const char *errpath,
	       int secs)
{
	/* BTVMM_ACCEL (tests/with_backend.sh) is passed on as -accel */
	return run_as(btvmm, kernel, append, errpath, secs, getenv("BTVMM_ACCEL"), NULL);
}

/* The whole of a small file, NUL-terminated, into buf ("" if unreadable). */
static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;
	buf[got] = 0;
	if (f)
		fclose(f);
}

/* RANDOM_DIFF=1: each seed under the compat and the x64 backend; both must
 * end the same way: the same exit status, the same stderr line, the same
 * serial output (runs where either is still running at the deadline are
 * not compared: where a loop is cut off depends on speed). */
static int diff_backends(const char *btvmm, const char *dir, unsigned first, unsigned count,
			 int secs, const char *chaos)
{
	static const char *const accel[2] = {"bt,backend=compat", "bt,backend=x64"};
	char kernel[96], append[32], err[2][96], ser[2][96];
	static char text[4][8192];
	unsigned compared = 0, differ = 0, looping = 0;
	snprintf(kernel, sizeof(kernel), "%s/code.bin", dir);
	for (int i = 0; i < 2; i++) {
		snprintf(err[i], sizeof(err[i]), "%s/stderr%d", dir, i);
		snprintf(ser[i], sizeof(ser[i]), "%s/serial%d", dir, i);
	}
	for (unsigned seed = first; seed < first + count; seed++) {
		int st[2];
		snprintf(append, sizeof(append), "seed=%u", seed);
		if (!chaos)
			make_code(seed, kernel);
		for (int i = 0; i < 2; i++) {
			unlink(ser[i]);
			st[i] = run_as(btvmm, chaos ? chaos : kernel, chaos ? append : NULL, err[i],
				       secs, accel[i], ser[i]);
			slurp(err[i], text[2 * i], sizeof(text[0]));
			slurp(ser[i], text[2 * i + 1], sizeof(text[0]));
		}
		if (st[0] == -1 || st[1] == -1) {
			looping++;
			continue;
		}
		compared++;
		if (st[0] == st[1] && !strcmp(text[0], text[2]) && !strcmp(text[1], text[3]))
			continue;
		differ++;
		printf("seed %u: compat and x64 differ (wait status 0x%x vs 0x%x)\n"
		       "  compat: %s  x64:    %s",
		       seed, st[0], st[1], text[0][0] ? text[0] : "(no stderr)\n",
		       text[2][0] ? text[2] : "(no stderr)\n");
	}
	for (int i = 0; i < 2; i++) {
		unlink(err[i]);
		unlink(ser[i]);
	}
	unlink(kernel);
	rmdir(dir);
	printf("%u seeds: %u compared, %u still running under a backend after %d s; "
	       "%u passed, %u failed\n",
	       count, compared, looping, secs, compared - differ, differ);
	return differ ? 1 : 0;
}

/* The stderr file: its line count, and whether each starts "btvmm: " and
 * reports something the guest did (an "internal error" is btvmm's bug). */
static int stderr_lines(const char *path, int *all_btvmm)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;
	*all_btvmm = 1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strncmp(line, "btvmm: ", 7) != 0 || strstr(line, "internal error")) {
			*all_btvmm = 0;
			fprintf(stderr, "  %s", line);
		}
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr,
			"usage: random_code BTVMM FIRST_SEED COUNT [SECONDS [CHAOS_ELF]]\n");
		return 2;
	}
	const char *btvmm = argv[1];
	unsigned first = (unsigned)strtoul(argv[2], NULL, 0),
		 count = (unsigned)strtoul(argv[3], NULL, 0);
	int secs = argc > 4 ? atoi(argv[4]) : 3;
	const char *chaos = argc > 5 ? argv[5] : NULL;
	char append[32];
	char dir[] = "/tmp/btvmm-random-XXXXXX", kernel[64], errpath[64];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	if (getenv("RANDOM_DIFF"))
		return diff_backends(btvmm, dir, first, count, secs, chaos);
	snprintf(kernel, sizeof(kernel), "%s/code.bin", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	unsigned stopped = 0, exited = 0, resets = 0, looping = 0, bad = 0;
	for (unsigned seed = first; seed < first + count; seed++) {
		int st, all_btvmm;
		if (chaos) {
			snprintf(append, sizeof(append), "seed=%u", seed);
			st = run(btvmm, chaos, append, errpath, secs);
		} else {
			make_code(seed, kernel);
			st = run(btvmm, kernel, NULL, errpath, secs);
		}
		int lines = stderr_lines(errpath, &all_btvmm);
		const char *why = NULL;
		if (st == -1) {
			looping++;
		} else if (WIFSIGNALED(st)) {
			why = strsignal(WTERMSIG(st));
		} else if (WEXITSTATUS(st) == 2) {
			if (lines != 1 || !all_btvmm)
				why = "stopped without exactly one \"btvmm: \" line";
			stopped++;
		} else if (WEXITSTATUS(st) == 0) {
			if (lines != 1 || !all_btvmm)
				why = "status 0 without exactly one \"btvmm: \" line";
			resets++;
		} else if (WEXITSTATUS(st) & 1) {
			if (lines != 0)
				why = "debug-exit with output on stderr";
			exited++;
		} else {
			why = "unexpected exit status";
		}
		if (why) {
			bad++;
			printf("seed %u: %s (wait status 0x%x, %d stderr lines)\n", seed, why, st,
			       lines);
			FILE *f = fopen(errpath, "r");
			char line[1024];
			for (int i = 0; f && i < 3 && fgets(line, sizeof(line), f); i++)
				printf("  %s", line);
			if (f)
				fclose(f);
		}
	}
	unlink(kernel);
	unlink(errpath);
	rmdir(dir);
	printf("%u seeds: %u stopped by btvmm, %u debug-exits, %u resets, "
	       "%u still running after %d s, %u bad\n",
	       count, stopped, exited, resets, looping, secs, bad);
	return bad ? 1 : 0;
}
