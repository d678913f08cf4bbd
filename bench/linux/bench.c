/*
 * bench.c - the Linux workloads of the benchmark suite (bench/run.sh), one
 * static i386 program with a subcommand per workload, run by /init in the
 * guest (init.sh) and, where the host runs 32-bit programs, natively.
 *
 *   bench WORKLOAD MS               run WORKLOAD for at least MS ms
 *   bench exec NAME PROGRAM ARGS..  time one run of PROGRAM (fork+exec+wait)
 *   bench uptime                    the guest clock's time since boot
 *
 * A workload runs in batches (a few operations each) until MS have passed,
 * so that one command line suits a system that takes 1 us per operation
 * and one that takes 1 ms. Each run prints "BENCH-BEGIN NAME" before it
 * starts and "BENCH NAME count=N ns=T" after it (N operations in T ns),
 * T from clock_gettime(CLOCK_MONOTONIC)
 * inside the guest. The runner timestamps both lines with the host clock
 * as they arrive, so the guest's figure can be checked against the host's
 * (a guest clock that drifts would make every guest figure wrong).
 * Output goes through write(2), unbuffered, so the lines leave when they
 * are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(1, line, (size_t)n) < 0)
		_exit(3);
}

static void die(const char *what)
{
	say("bench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void wait_ok(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		say("bench: child %d ended with status 0x%x\n", (int)pid, st), exit(2);
}

/* the seeds' forkwait: fork a child that exits at once, wait for it */
static void forkwait(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid)
			_exit(0);
		wait_ok(pid);
	}
}

/* a null system call (getppid is never cached by the C library) */
static void getppid_loop(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* anonymous page faults: touch fresh pages, 1024 (4 MiB) per mapping */
static void pagefault(long n)
{
	const long chunk = 1024;
	for (long done = 0; done < n; done += chunk) {
		long pages = n - done < chunk ? n - done : chunk;
		char *p = mmap(NULL, (size_t)pages * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (long i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		munmap(p, (size_t)pages * PAGE);
	}
}

/* page-table churn: map 16 pages, write them, make them read-only, read
 * them, unmap; every step rewrites page-table entries */
static void ptemod(long n)
{
	const size_t len = 16 * PAGE;
	volatile unsigned sum = 0;
	for (long i = 0; i < n; i++) {
		char *p =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (size_t off = 0; off < len; off += PAGE)
			p[off] = (char)i;
		if (mprotect(p, len, PROT_READ))
			die("mprotect");
		for (size_t off = 0; off < len; off += PAGE)
			sum += (unsigned char)p[off];
		munmap(p, len);
	}
}

/* a byte bounced between two processes over two pipes: two context
 * switches per round trip */
static void pipe_pingpong(long n)
{
	int ab[2], ba[2];
	char c = 0;
	if (pipe(ab) || pipe(ba))
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		for (long i = 0; i < n; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (long i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			die("pipe round trip");
	wait_ok(pid);
	close(ab[0]), close(ab[1]), close(ba[0]), close(ba[1]);
}

static const char *true_path = "/bin/true-static";

/* fork, exec a static `true` (bench/linux/true.c), wait */
static void forkexec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid) {
			execl(true_path, "true", (char *)NULL);
			_exit(127);
		}
		wait_ok(pid);
	}
}

static void run_exec(const char *name, char **argv)
{
	say("BENCH-BEGIN %s\n", name);
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1); /* md5sum's digest is not the point */
		execv(argv[0], argv);
		_exit(127);
	}
	wait_ok(pid);
	say("BENCH %s count=1 ns=%llu\n", name, (unsigned long long)(now_ns() - t0));
}

static const struct workload {
	const char *name;
	void (*run)(long n);
	long batch; /* operations between two looks at the clock */
} workloads[] = {
    {"forkwait", forkwait, 4}, {"getppid", getppid_loop, 200}, {"pagefault", pagefault, 1024},
    {"ptemod", ptemod, 4},     {"pipe", pipe_pingpong, 50},    {"forkexec", forkexec, 2},
};

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "uptime")) {
		/* CLOCK_BOOTTIME: the kernel's clock since it started */
		struct timespec ts;
		clock_gettime(CLOCK_BOOTTIME, &ts);
		say("BENCH boot count=1 ns=%llu\n",
		    (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "exec")) {
		run_exec(argv[2], argv + 3);
		return 0;
	}
	if (getenv("BENCH_TRUE"))
		true_path = getenv("BENCH_TRUE");
	for (size_t i = 0; argc == 3 && i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		if (strcmp(argv[1], workloads[i].name))
			continue;
		uint64_t ms = strtoull(argv[2], NULL, 0), t, t0;
		long n = 0;
		say("BENCH-BEGIN %s\n", workloads[i].name);
		t0 = now_ns();
		do {
			workloads[i].run(workloads[i].batch);
			n += workloads[i].batch;
			t = now_ns() - t0;
		} while (t < ms * 1000000ull);
		say("BENCH %s count=%ld ns=%llu\n", workloads[i].name, n, (unsigned long long)t);
		return 0;
	}
	say("usage: bench forkwait|getppid|pagefault|ptemod|pipe|forkexec MS\n"
	    "       bench exec NAME PROGRAM [ARGS...]\n"
	    "       bench uptime\n");
	return 2;
}
