/* native_fault.c - native Linux counterparts of bench/mmu's guest
 * benchmarks (bench/mmu/run.sh builds and runs it).
 *
 *   native_fault fault [N]     mmap N pages MAP_PRIVATE|MAP_ANONYMOUS
 *                              (MADV_NOHUGEPAGE, so every page is its own
 *                              fault) and write one dword into each page
 *                              once, in order: N minor faults, each of
 *                              which also zeroes a 4 KiB page (the guest's
 *                              handler does not zero its frames).
 *                              Default N = 20000.
 *   native_fault pingpong [N]  two processes pinned to one CPU pass a byte
 *                              back and forth over two pipes N times: 2N
 *                              context switches between address spaces
 *                              (with the syscalls and wake-ups around
 *                              them). The closest native analogue of a CR3
 *                              switch, not the same operation. Default
 *                              N = 20000.
 *   native_fault tsc           the host TSC rate: prints "native tsc
 *                              ghz=X" (rdtsc against CLOCK_MONOTONIC over
 *                              0.2 s), used to turn QEMU guests' tick counts
 *                              (QEMU TCG's rdtsc reads the host TSC) into
 *                              approximate nanoseconds.
 *
 * Prints "native NAME N=n events=e ns=t ns_per_event=x" (clock_gettime,
 * CLOCK_MONOTONIC); for "fault" also minflt=K, the minor faults getrusage
 * counted in the timed loop (should be about N).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void report(const char *name, unsigned n, unsigned events, uint64_t ns)
{
	printf("native %s N=%u events=%u ns=%llu ns_per_event=%.2f", name, n, events,
	       (unsigned long long)ns, (double)ns / events);
}

static int bench_fault(unsigned n)
{
	size_t len = (size_t)n * PAGE;
	volatile uint32_t *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
#ifdef MADV_NOHUGEPAGE
	madvise((void *)p, len, MADV_NOHUGEPAGE);
#endif
	long f0 = minflt();
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		p[i * (PAGE / 4)] = 0x5a000000u + i;
	uint64_t t1 = now_ns();
	long f1 = minflt();
	unsigned wrong = 0;
	for (unsigned i = 0; i < n; i++)
		wrong += p[i * (PAGE / 4)] != 0x5a000000u + i;
	report("fault", n, n, t1 - t0);
	printf(" minflt=%ld\n", f1 - f0);
	munmap((void *)p, len);
	return wrong != 0;
}

static void pin_cpu0(void)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(0, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		perror("sched_setaffinity");
}

static int bench_pingpong(unsigned n)
{
	int ab[2], ba[2];
	if (pipe(ab) || pipe(ba)) {
		perror("pipe");
		return 1;
	}
	pin_cpu0(); /* inherited by the child: both on one CPU */
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	char c = 0;
	if (pid == 0) {
		close(ab[1]);
		close(ba[0]);
		for (;;) {
			if (read(ab[0], &c, 1) != 1)
				_exit(0);
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		}
	}
	close(ab[0]);
	close(ba[1]);
	/* warm-up */
	for (int i = 0; i < 100; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return 1;
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) {
			perror("pingpong");
			return 1;
		}
	}
	uint64_t t1 = now_ns();
	close(ab[1]);
	int st;
	waitpid(pid, &st, 0);
	report("pingpong", n, 2 * n, t1 - t0);
	printf("\n");
	return 0;
}

static int bench_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint64_t t0 = now_ns(), c0 = __builtin_ia32_rdtsc(), t1, c1;
	do {
		t1 = now_ns();
		c1 = __builtin_ia32_rdtsc();
	} while (t1 - t0 < 200000000u);
	printf("native tsc ghz=%.4f\n", (double)(c1 - c0) / (double)(t1 - t0));
#else
	printf("native tsc ghz=0\n");
#endif
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: native_fault fault|pingpong [N] | tsc\n");
		return 2;
	}
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 20000u;
	if (!n)
		n = 1;
	if (!strcmp(argv[1], "fault"))
		return bench_fault(n);
	if (!strcmp(argv[1], "pingpong"))
		return bench_pingpong(n);
	if (!strcmp(argv[1], "tsc"))
		return bench_tsc();
	fprintf(stderr, "native_fault: unknown benchmark '%s'\n", argv[1]);
	return 2;
}
