/* test_term.c - the terminal's raw mode and its restoration (src/term.c),
 * and the console's Ctrl-A keys (src/console.c), on a pseudo-terminal.
 * Check forks each test, so term.c's process-wide state starts fresh. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "term.h"

struct pty {
	int master, slave;
	struct termios before;
};

static struct pty pty_open(void)
{
	struct pty p;
	ck_assert_int_eq(openpty(&p.master, &p.slave, NULL, NULL, NULL), 0);
	ck_assert_int_eq(tcgetattr(p.slave, &p.before), 0);
	return p;
}

static void ck_same_settings(const struct pty *p)
{
	struct termios now;
	ck_assert_int_eq(tcgetattr(p->slave, &now), 0);
	ck_assert_uint_eq(now.c_iflag, p->before.c_iflag);
	ck_assert_uint_eq(now.c_oflag, p->before.c_oflag);
	ck_assert_uint_eq(now.c_cflag, p->before.c_cflag);
	ck_assert_uint_eq(now.c_lflag, p->before.c_lflag);
	ck_assert_int_eq(memcmp(now.c_cc, p->before.c_cc, sizeof(now.c_cc)), 0);
}

START_TEST(raw_and_back)
{
	struct pty p = pty_open();
	struct termios t;
	ck_assert_int_eq(term_raw_enter(p.slave), 0);
	ck_assert_int_eq(tcgetattr(p.slave, &t), 0);
	ck_assert_uint_eq(t.c_lflag & (ECHO | ICANON | ISIG | IEXTEN), 0);
	ck_assert_uint_eq(t.c_iflag & (ICRNL | IXON), 0);
	ck_assert_uint_ne(t.c_oflag & OPOST, 0); /* output stays cooked, as QEMU */
	ck_assert_uint_eq(t.c_cc[VMIN], 1);
	term_restore();
	ck_same_settings(&p);
	term_restore(); /* idempotent */
	ck_same_settings(&p);
	/* raw again, and back to the settings saved the first time */
	ck_assert_int_eq(term_raw_enter(p.slave), 0);
	term_restore();
	ck_same_settings(&p);
}
END_TEST

START_TEST(not_a_terminal)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(term_raw_enter(fds[0]), -1);
	term_restore(); /* nothing to do */
}
END_TEST

/* Runs fn in a child that has made the pty raw; returns its wait status. */
static int child_status(struct pty *p, void (*fn)(void))
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL); /* not Check's: term.c installs its own */
		if (term_raw_enter(p->slave))
			_exit(99);
		fn();
		_exit(98);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void do_exit(void)
{
	exit(3);
}

static void do_sigterm(void)
{
	int null = open("/dev/null", O_WRONLY);
	dup2(null, 2); /* the "terminating on signal" line */
	raise(SIGTERM);
}

START_TEST(restored_at_exit)
{
	struct pty p = pty_open();
	int st = child_status(&p, do_exit);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 3);
	ck_same_settings(&p);
}
END_TEST

START_TEST(restored_on_sigterm)
{
	struct pty p = pty_open();
	int st = child_status(&p, do_sigterm);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGTERM);
	ck_same_settings(&p);
}
END_TEST

START_TEST(console_keys)
{
	struct pty p = pty_open();
	static struct console c;
	char err[128];
	ck_assert_int_eq(console_init(&c, p.slave, 0, err, sizeof(err)), 0);
	ck_assert(c.tty);
	/* Ctrl-A Ctrl-A is one Ctrl-A; Ctrl-A q is dropped; Ctrl-A x quits */
	const char keys[] = "ab\x01\x01z\x01q!\x01x";
	ck_assert_int_eq(write(p.master, keys, sizeof(keys) - 1), (ssize_t)sizeof(keys) - 1);
	usleep(100000);
	console_service(&c);
	ck_assert(c.quit);
	uint8_t got[16];
	int n = console_pull(&c, got, sizeof(got));
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(memcmp(got, "ab\x01z!", 5), 0);
	term_restore();
	ck_same_settings(&p);
}
END_TEST

/* More than the FIFO holds waits in the console, none lost. */
START_TEST(console_holds_input)
{
	int fds[2];
	static struct console c;
	char err[128], data[1000];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(console_init(&c, fds[0], 0, err, sizeof(err)), 0);
	ck_assert(!c.tty);
	for (int i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)i;
	ck_assert_int_eq(write(fds[1], data, sizeof(data)), (ssize_t)sizeof(data));
	close(fds[1]);
	console_service(&c);
	uint8_t got[16];
	int total = 0, n;
	while ((n = console_pull(&c, got, sizeof(got))) > 0) {
		ck_assert_int_eq(memcmp(got, data + total, (size_t)n), 0);
		total += n;
	}
	ck_assert_int_eq(total, (int)sizeof(data));
	ck_assert(!console_live(&c)); /* the pipe's end was seen */
}
END_TEST

static Suite *term_suite(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("term");
	tcase_add_test(tc, raw_and_back);
	tcase_add_test(tc, not_a_terminal);
	tcase_add_test(tc, restored_at_exit);
	tcase_add_test(tc, restored_on_sigterm);
	tcase_add_test(tc, console_keys);
	tcase_add_test(tc, console_holds_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(term_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
