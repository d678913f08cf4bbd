/* test_cli.c - unit tests for cli_parse(): every option, size suffixes,
 * and every error with its message.
 *
 * Check runs each test in a forked child, so a cli_parse() that called
 * exit() would show up as an "early exit" failure; the tests of -h,
 * -version and -d help rely on that and also capture stdout to see what
 * was printed.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_ARGS 32

/* One parse: argv built from a NULL-terminated list, "btvmm" prepended. */
struct parse {
	struct vm_config cfg;
	char err[256];
	int rc;
};

static struct parse parse_argv(const char *first, va_list ap)
{
	char *argv[MAX_ARGS + 2] = {"btvmm"};
	struct parse p;
	const char *a;
	int argc = 1;

	for (a = first; a != NULL; a = va_arg(ap, const char *)) {
		ck_assert_int_le(argc, MAX_ARGS);
		argv[argc++] = (char *)a;
	}
	argv[argc] = NULL;
	memset(&p, 0x5a, sizeof(p)); /* cli_parse must set every field */
	p.rc = cli_parse(argc, argv, &p.cfg, p.err, sizeof(p.err));
	return p;
}

static struct parse parse(const char *first, ...)
{
	struct parse p;
	va_list ap;

	va_start(ap, first);
	p = parse_argv(first, ap);
	va_end(ap);
	return p;
}

#define PARSE(...) parse(__VA_ARGS__, (const char *)NULL)

/* Expects an error whose message contains want, on one line. */
#define ck_parse_error(p, want)                                                                    \
	do {                                                                                       \
		ck_assert_int_eq((p).rc, -1);                                                      \
		ck_assert_msg(strstr((p).err, (want)) != NULL, "error '%s' lacks '%s'", (p).err,   \
			      (want));                                                             \
		ck_assert_ptr_null(strchr((p).err, '\n'));                                         \
	} while (0)

/* Runs cli_parse with stdout sent to a temporary file; returns the text. */
static struct parse parse_capture(char *out, size_t outlen, const char *first, ...)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	struct parse p;
	va_list ap;
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	va_start(ap, first);
	p = parse_argv(first, ap);
	va_end(ap);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, outlen - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return p;
}

START_TEST(defaults)
{
	struct parse p = PARSE("-kernel", "k.elf");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.err, "");
	ck_assert_str_eq(p.cfg.kernel, "k.elf");
	ck_assert_ptr_null(p.cfg.initrd);
	ck_assert_ptr_null(p.cfg.append);
	ck_assert_ptr_null(p.cfg.debug_log);
	ck_assert_uint_eq(p.cfg.ram_mb, RAM_MB_DEFAULT);
	ck_assert(p.cfg.serial_stdio);
	ck_assert(!p.cfg.nographic);
	ck_assert_int_eq(p.cfg.accel, ACCEL_BT);
	ck_assert_int_eq(p.cfg.backend, BACKEND_AUTO);
	ck_assert(!p.cfg.stats);
	ck_assert_uint_eq(p.cfg.debug, 0);
	ck_assert_uint_eq(p.cfg.tc_size_kb, 2048);
	ck_assert(!p.cfg.no_chain);
	ck_assert_ptr_null(p.cfg.drive[0]);
	ck_assert(!p.cfg.drive_readonly[0]);
}
END_TEST

START_TEST(all_options)
{
	struct parse p = PARSE(
	    "-kernel", "k.elf", "-initrd", "rd.img", "-append", "console=ttyS0 quiet", "-m", "256",
	    "-serial", "none", "-nographic", "-display", "none", "-accel", "kvm", "-stats", "-d",
	    "translations,exits", "-D", "log.txt", "-tc-size", "512", "-no-chain", "-no-reboot");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.kernel, "k.elf");
	ck_assert_str_eq(p.cfg.initrd, "rd.img");
	ck_assert_str_eq(p.cfg.append, "console=ttyS0 quiet");
	ck_assert_uint_eq(p.cfg.ram_mb, 256);
	ck_assert(!p.cfg.serial_stdio);
	ck_assert(p.cfg.nographic);
	ck_assert_int_eq(p.cfg.accel, ACCEL_KVM);
	ck_assert(p.cfg.stats);
	ck_assert_uint_eq(p.cfg.debug, DBG_TRANSLATIONS | DBG_EXITS);
	ck_assert_str_eq(p.cfg.debug_log, "log.txt");
	ck_assert_uint_eq(p.cfg.tc_size_kb, 512);
	ck_assert(p.cfg.no_chain);
}
END_TEST

START_TEST(double_dash_forms)
{
	struct parse p =
	    PARSE("--kernel", "k.elf", "--m=1G", "--append=a=b c", "--stats", "--tc-size", "64");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.kernel, "k.elf");
	ck_assert_uint_eq(p.cfg.ram_mb, 1024);
	ck_assert_str_eq(p.cfg.append, "a=b c"); /* split at the first '=' only */
	ck_assert(p.cfg.stats);
	ck_assert_uint_eq(p.cfg.tc_size_kb, 64);
}
END_TEST

START_TEST(kernel_with_equals)
{
	/* Single-dash options are never split at '=', as in QEMU. */
	struct parse p = PARSE("-kernel=k.elf");

	ck_parse_error(p, "unknown option '-kernel=k.elf'");
}
END_TEST

START_TEST(flag_with_value)
{
	struct parse p = PARSE("-kernel", "k", "--stats=1");

	ck_parse_error(p, "option --stats takes no argument");
}
END_TEST

START_TEST(later_options_win)
{
	struct parse p = PARSE("-kernel", "a", "-kernel", "b", "-m", "64", "-m", "32", "-serial",
			       "none", "-serial", "stdio", "-d", "exits", "-d", "translations");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.kernel, "b");
	ck_assert_uint_eq(p.cfg.ram_mb, 32);
	ck_assert(p.cfg.serial_stdio);
	ck_assert_uint_eq(p.cfg.debug, DBG_TRANSLATIONS);
}
END_TEST

START_TEST(ram_suffixes)
{
	static const struct {
		const char *arg;
		uint32_t mb;
	} cases[] = {
	    {"2", 2},	  {"3072", 3072}, {"128M", 128}, {"128m", 128},
	    {"1G", 1024}, {"3g", 3072},	  {"2048K", 2},	 {"3145728k", 3072},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parse p = PARSE("-kernel", "k", "-m", cases[i].arg);

		ck_assert_msg(p.rc == 0, "-m %s: %s", cases[i].arg, p.err);
		ck_assert_uint_eq(p.cfg.ram_mb, cases[i].mb);
	}
}
END_TEST

START_TEST(ram_out_of_range)
{
	static const char *const bad[] = {"0",
					  "1",
					  "3073",
					  "4G",
					  "1T",
					  "99999",
					  "99999999999999999999999",
					  "1536K",
					  "18014398509481984M"};
	char want[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct parse p = PARSE("-kernel", "k", "-m", bad[i]);

		snprintf(want, sizeof(want), "-m %s: RAM size must be between 2 and 3072 MiB",
			 bad[i]);
		ck_parse_error(p, want);
	}
}
END_TEST

START_TEST(ram_exact_message)
{
	struct parse p = PARSE("-kernel", "k", "-m", "5000");

	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "-m 5000: RAM size must be between 2 and 3072 MiB");
}
END_TEST

START_TEST(ram_not_a_number)
{
	static const char *const bad[] = {"abc", "",	 "-1",	 "+5",	" 5",
					  "12Q", "12MB", "1.5G", "0x10"};
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct parse p = PARSE("-kernel", "k", "-m", bad[i]);

		snprintf(want, sizeof(want), "-m %s: not a size", bad[i]);
		ck_parse_error(p, want);
	}
}
END_TEST

START_TEST(tc_size)
{
	struct parse p = PARSE("-kernel", "k", "-tc-size", "3072");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_uint_eq(p.cfg.tc_size_kb, 3072);
	p = PARSE("-kernel", "k", "-tc-size", "1M");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_uint_eq(p.cfg.tc_size_kb, 1024);
	p = PARSE("-kernel", "k", "-tc-size", "63");
	ck_parse_error(p, "-tc-size 63: translation cache size must be between 64 and 3072 KiB");
	p = PARSE("-kernel", "k", "-tc-size", "4M");
	ck_parse_error(p, "-tc-size 4M: translation cache size must be between 64 and 3072 KiB");
	p = PARSE("-kernel", "k", "-tc-size", "big");
	ck_parse_error(p, "-tc-size big: not a size");
}
END_TEST

START_TEST(serial_values)
{
	struct parse p = PARSE("-kernel", "k", "-serial", "mon:stdio");

	ck_assert_int_eq(p.rc, 0);
	ck_assert(p.cfg.serial_stdio);
	p = PARSE("-kernel", "k", "-serial", "file:/tmp/out");
	ck_assert_int_eq(p.rc, 0);
	ck_assert(!p.cfg.serial_stdio);
	ck_assert_str_eq(p.cfg.serial_file, "/tmp/out");
	p = PARSE("-kernel", "k", "-serial", "file:/tmp/out", "-serial", "stdio");
	ck_assert(p.cfg.serial_stdio);
	ck_assert_ptr_null(p.cfg.serial_file);
	p = PARSE("-kernel", "k", "-serial", "pty");
	ck_parse_error(p, "-serial pty: accepted values are 'stdio', 'none' and 'file:PATH'");
	p = PARSE("-kernel", "k", "-serial", "file:");
	ck_parse_error(p, "-serial file:: accepted values are 'stdio', 'none' and 'file:PATH'");
}
END_TEST

START_TEST(qemu_fixed_machine)
{
	struct parse p = PARSE(
	    "-kernel", "k", "-smp", "1", "-smp", "cpus=1,sockets=1", "-M", "pc", "-machine",
	    "type=pc,accel=tcg", "-monitor", "none", "-vga", "none", "-net", "none", "-nodefaults",
	    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-device", "isa-debug-exit");
	ck_assert_int_eq(p.rc, 0);
	ck_assert(!p.cfg.no_hpet);
	p = PARSE("-kernel", "k", "-no-hpet");
	ck_assert_int_eq(p.rc, 0);
	ck_assert(p.cfg.no_hpet);
	p = PARSE("-kernel", "k", "-smp", "4");
	ck_parse_error(p, "-smp 4: btvmm runs one virtual CPU");
	p = PARSE("-kernel", "k", "-smp", "12");
	ck_parse_error(p, "-smp 12: btvmm runs one virtual CPU");
	p = PARSE("-kernel", "k", "-M", "q35");
	ck_parse_error(p, "-M q35: btvmm's machine is a 'pc'; only 'pc' is accepted");
	p = PARSE("-kernel", "k", "-monitor", "stdio");
	ck_parse_error(p, "-monitor stdio: btvmm has no monitor; only 'none' is accepted");
	p = PARSE("-kernel", "k", "-device", "isa-debug-exit,iobase=0x501");
	ck_parse_error(p, "-device isa-debug-exit,iobase=0x501: btvmm's isa-debug-exit is at "
			  "iobase=0xf4");
	p = PARSE("-kernel", "k", "-device", "isa-debug-exitx");
	ck_parse_error(p, "-device isa-debug-exitx: btvmm's devices are fixed; the only one "
			  "-device accepts is isa-debug-exit at 0xf4");
	p = PARSE("-kernel", "k", "-device", "isa-debug-exit,iosize=3");
	ck_parse_error(p, "-device isa-debug-exit,iosize=3: iosize must be 1, 2 or 4");
}
END_TEST

START_TEST(display_values)
{
	struct parse p = PARSE("-kernel", "k", "-display", "gtk");

	ck_parse_error(p, "-display gtk: accepted values are 'curses' and 'none'");
	p = PARSE("-kernel", "k");
	ck_assert_int_eq(p.cfg.display, DISPLAY_NONE);
	ck_assert_int_eq(p.cfg.vga, VGA_STD);
	ck_assert(p.cfg.serial_stdio);
	/* curses takes the terminal: COM1 goes nowhere unless -serial says */
	p = PARSE("-kernel", "k", "-display", "curses");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.cfg.display, DISPLAY_CURSES);
	ck_assert(!p.cfg.serial_stdio);
	p = PARSE("-kernel", "k", "-serial", "file:x", "-display", "curses");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.serial_file, "x");
	p = PARSE("-kernel", "k", "-display", "curses", "-serial", "mon:stdio");
	ck_parse_error(p, "-serial stdio and -display curses both want the terminal: use "
			  "-serial file:PATH or -serial none");
	p = PARSE("-kernel", "k", "-display", "curses", "-nographic");
	ck_parse_error(p, "-nographic cannot be used with -display curses");
	p = PARSE("-kernel", "k", "-display", "curses", "-display", "none", "-nographic");
	ck_assert_int_eq(p.rc, 0);
}
END_TEST

START_TEST(vga_values)
{
	struct parse p = PARSE("-kernel", "k", "-vga", "none");

	ck_assert_int_eq(p.cfg.vga, VGA_NONE);
	p = PARSE("-kernel", "k", "-vga", "none", "-vga", "std");
	ck_assert_int_eq(p.cfg.vga, VGA_STD);
	p = PARSE("-kernel", "k", "-vga", "cirrus");
	ck_parse_error(p, "-vga cirrus: btvmm's graphics card is 'std' (a VGA); accepted values "
			  "are 'std' and 'none'");
	/* -nodefaults drops the VGA unless -vga asks for one, in either order */
	p = PARSE("-kernel", "k", "-nodefaults");
	ck_assert_int_eq(p.cfg.vga, VGA_NONE);
	p = PARSE("-kernel", "k", "-vga", "std", "-nodefaults");
	ck_assert_int_eq(p.cfg.vga, VGA_STD);
	p = PARSE("-kernel", "k", "-vga-dump", "f");
	ck_assert_str_eq(p.cfg.vga_dump, "f");
	p = PARSE("-kernel", "k", "-vga-dump", "f", "-vga", "none");
	ck_parse_error(p, "-vga-dump f: there is no VGA to dump (-vga none or -nodefaults)");
	p = PARSE("-kernel", "k", "-vga", "none", "-display", "curses");
	ck_parse_error(p, "-display curses shows the VGA, but -vga none removed it");
}
END_TEST

START_TEST(accel_values)
{
	struct parse p = PARSE("-kernel", "k", "-accel", "kvm", "-accel", "bt");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.cfg.accel, ACCEL_BT);
	p = PARSE("-kernel", "k", "-enable-kvm");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.cfg.accel, ACCEL_KVM);
	p = PARSE("-kernel", "k", "-accel", "tcg");
	ck_parse_error(p, "-accel tcg: accepted values are "
			  "'bt[,backend=auto|compat|x64][,de=on|off|auto]', 'kvm' "
			  "and 'help'");
	p = PARSE("-kernel", "k", "-accel", "foo");
	ck_parse_error(p, "-accel foo: accepted values are");
	p = PARSE("-kernel", "k", "-accel", "btx");
	ck_parse_error(p, "-accel btx: accepted values are");
	p = PARSE("-kernel", "k", "-accel", "kvm,backend=x64");
	ck_parse_error(p, "-accel kvm,backend=x64: kvm takes no properties");
}
END_TEST

START_TEST(accel_backend)
{
	struct parse p = PARSE("-kernel", "k", "-accel", "bt,backend=compat");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.cfg.accel, ACCEL_BT);
	ck_assert_int_eq(p.cfg.backend, BACKEND_COMPAT);
	p = PARSE("-kernel", "k", "-accel", "bt,backend=x64");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.cfg.backend, BACKEND_X64);
	p = PARSE("-kernel", "k", "-accel", "bt,backend=x64", "-accel", "bt,backend=auto");
	ck_assert_int_eq(p.cfg.backend, BACKEND_AUTO);
	/* a later plain "bt" is auto again, as a later option replaces an earlier one */
	p = PARSE("-kernel", "k", "-accel", "bt,backend=compat", "-accel", "bt");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.cfg.backend, BACKEND_AUTO);
	p = PARSE("-kernel", "k", "--accel=bt,backend=x64");
	ck_assert_int_eq(p.cfg.backend, BACKEND_X64);
	p = PARSE("-kernel", "k", "-accel", "kvm", "-accel", "bt,backend=compat");
	ck_assert_int_eq(p.cfg.accel, ACCEL_BT);

	p = PARSE("-kernel", "k", "-accel", "bt,backend=foo");
	ck_parse_error(p, "-accel bt,backend=foo: backend must be auto, compat or x64");
	p = PARSE("-kernel", "k", "-accel", "bt,backend");
	ck_parse_error(p, "-accel bt,backend: backend must be auto, compat or x64");
	p = PARSE("-kernel", "k", "-accel", "bt,backend=");
	ck_parse_error(p, "backend must be auto, compat or x64");
	p = PARSE("-kernel", "k", "-accel", "bt,speed=9");
	ck_parse_error(p, "-accel bt,speed=9: unknown property 'speed'");
}
END_TEST

/* -accel help needs no kernel and stops parsing: main prints it. */
START_TEST(accel_help)
{
	struct parse p = PARSE("-accel", "help");

	ck_assert_int_eq(p.rc, CLI_ACCEL_HELP);
	p = PARSE("-m", "64", "-accel", "help", "-bogus");
	ck_assert_int_eq(p.rc, CLI_ACCEL_HELP);
}
END_TEST

START_TEST(drive_values)
{
	/* writable copies: cli_parse ends the file name in place, like getsubopt */
	char plain[] = "file=disk.img,format=raw";
	char all[] = "format=raw,readonly=on,file=ro.img,if=ide";
	char escaped[] = "file=a,,b,,,,c.img,format=raw,readonly=off";
	char bare_ro[] = "file=x.img,readonly,format=raw";
	struct parse p = PARSE("-kernel", "k", "-drive", plain);

	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.drive[0], "disk.img");
	ck_assert(!p.cfg.drive_readonly[0]);
	p = PARSE("-kernel", "k", "-drive", all);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.drive[0], "ro.img");
	ck_assert(p.cfg.drive_readonly[0]);
	p = PARSE("-kernel", "k", "-drive", escaped);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.drive[0], "a,b,,c.img");
	ck_assert(!p.cfg.drive_readonly[0]);
	p = PARSE("-kernel", "k", "-drive", bare_ro);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.drive[0], "x.img");
	ck_assert(p.cfg.drive_readonly[0]);
	/* file= last needs no writing: a constant string is fine */
	p = PARSE("-kernel", "k", "--drive=format=raw,if=ide,file=c.img");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.drive[0], "c.img");
	p = PARSE("-kernel", "k", "-hda", "h.img");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.drive[0], "h.img");
	ck_assert(!p.cfg.drive_readonly[0]);
	/* four IDE positions as QEMU numbers them: without index=, the first
	 * free one; -hda..-hdd are indexes 0..3 */
	p = PARSE("-kernel", "k", "-hda", "b.img", "-drive", "format=raw,readonly=on,file=a.img");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.drive[0], "b.img");
	ck_assert_str_eq(p.cfg.drive[1], "a.img");
	ck_assert(!p.cfg.drive_readonly[0]);
	ck_assert(p.cfg.drive_readonly[1]);
	p = PARSE("-kernel", "k", "-drive", "format=raw,index=3,media=disk,file=d.img", "-hdc",
		  "c.img", "-hdb", "b.img");
	ck_assert_int_eq(p.rc, 0);
	ck_assert_ptr_null(p.cfg.drive[0]);
	ck_assert_str_eq(p.cfg.drive[1], "b.img");
	ck_assert_str_eq(p.cfg.drive[2], "c.img");
	ck_assert_str_eq(p.cfg.drive[3], "d.img");
}
END_TEST

START_TEST(drive_index_errors)
{
	struct parse p =
	    PARSE("-kernel", "k", "-drive", "format=raw,readonly=on,file=a.img", "-hda", "b.img");
	ck_parse_error(p, "-hda: IDE index 0 (primary master) has a disk already (a.img)");
	p = PARSE("-kernel", "k", "-drive", "format=raw,index=4,file=a.img");
	ck_parse_error(p, "-drive: index=4: must be 0 to 3 (primary master, primary slave, "
			  "secondary master, secondary slave)");
	p = PARSE("-kernel", "k", "-drive", "format=raw,media=cdrom,file=a.img");
	ck_parse_error(p, "-drive: media=cdrom is not supported (only disk)");
	p = PARSE("-kernel", "k", "-hda", "a", "-hdb", "b", "-hdc", "c", "-hdd", "d", "-drive",
		  "format=raw,file=e");
	ck_parse_error(p, "-drive: all four IDE positions have a disk already");
}
END_TEST

START_TEST(drive_errors)
{
	struct parse p = PARSE("-kernel", "k", "-drive", "file=d.img,format=qcow2");

	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "-drive: format must be raw");
	p = PARSE("-kernel", "k", "-drive", "file=d.img");
	ck_parse_error(p, "-drive: format must be raw");
	p = PARSE("-kernel", "k", "-drive", "format=raw");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "-drive: missing file=");
	p = PARSE("-kernel", "k", "-drive", "format=raw,file=");
	ck_parse_error(p, "-drive: missing file=");
	p = PARSE("-kernel", "k", "-drive", "format=raw,cache=none,file=d.img");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "-drive: unknown sub-option 'cache'");
	p = PARSE("-kernel", "k", "-drive", "d.img");
	ck_parse_error(p, "-drive: unknown sub-option 'd.img'");
	p = PARSE("-kernel", "k", "-drive", "format=raw,file=d.img,");
	ck_parse_error(p, "-drive: unknown sub-option ''");
	p = PARSE("-kernel", "k", "-drive", "format=raw,if=virtio,file=d.img");
	ck_parse_error(p, "-drive: if=virtio is not supported (only ide)");
	p = PARSE("-kernel", "k", "-drive", "format=raw,readonly=yes,file=d.img");
	ck_parse_error(p, "-drive: readonly must be on or off");
	p = PARSE("-kernel", "k", "--drive", "format=raw");
	ck_parse_error(p, "--drive: missing file=");
}
END_TEST

START_TEST(debug_items)
{
	struct parse p = PARSE("-kernel", "k", "-d", "exits");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_uint_eq(p.cfg.debug, DBG_EXITS);
	p = PARSE("-kernel", "k", "-d", "exits,bogus");
	ck_parse_error(p, "-d exits,bogus: unknown item 'bogus' (valid: translations, exits)");
	p = PARSE("-kernel", "k", "-d", "exits,");
	ck_parse_error(p, "unknown item ''");
	p = PARSE("-kernel", "k", "-d", "exit");
	ck_parse_error(p, "unknown item 'exit'");
}
END_TEST

START_TEST(debug_help)
{
	char out[1024];
	struct parse p = parse_capture(out, sizeof(out), "-d", "help", (const char *)NULL);

	ck_assert_int_eq(p.rc, 1);
	ck_assert_ptr_nonnull(strstr(out, "translations"));
	ck_assert_ptr_nonnull(strstr(out, "exits"));
}
END_TEST

START_TEST(help_and_version)
{
	static const char *const help[] = {"-h", "-help", "--help"};
	static const char *const version[] = {"-version", "--version"};
	char out[4096];
	struct parse p;
	size_t i;

	for (i = 0; i < 3; i++) {
		p = parse_capture(out, sizeof(out), help[i], (const char *)NULL);
		ck_assert_int_eq(p.rc, 1);
		ck_assert_ptr_nonnull(strstr(out, "usage: btvmm -kernel FILE"));
	}
	for (i = 0; i < 2; i++) {
		p = parse_capture(out, sizeof(out), version[i], (const char *)NULL);
		ck_assert_int_eq(p.rc, 1);
		ck_assert_ptr_nonnull(strstr(out, "btvmm version"));
	}
	/* Help wins over the missing kernel and anything after it. */
	p = parse_capture(out, sizeof(out), "-m", "64", "-h", "-bogus", (const char *)NULL);
	ck_assert_int_eq(p.rc, 1);
}
END_TEST

START_TEST(usage_to_stdout)
{
	char out[4096];

	/* cli_usage on its own: nothing else exercises it without cli_parse. */
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	cli_usage();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	ck_assert_ptr_nonnull(strstr(out, "-kernel FILE"));
	ck_assert_ptr_nonnull(strstr(out, "-tc-size"));
	ck_assert_ptr_nonnull(strstr(out, "-drive file=IMG,format=raw"));
	ck_assert_ptr_nonnull(strstr(out, "-hda..-hdd IMG"));
}
END_TEST

START_TEST(errors_print_nothing)
{
	char out[256];
	struct parse p = parse_capture(out, sizeof(out), "-bogus", (const char *)NULL);

	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(unknown_option)
{
	struct parse p = PARSE("-kernel", "k", "-foo");

	ck_parse_error(p, "unknown option '-foo'");
	p = PARSE("--foo=3");
	ck_parse_error(p, "unknown option '--foo=3'");
	p = PARSE("--");
	ck_parse_error(p, "unknown option '--'");
	p = PARSE("---kernel", "k");
	ck_parse_error(p, "unknown option '---kernel'");
}
END_TEST

START_TEST(missing_argument)
{
	static const char *const opts[] = {"-kernel",  "-initrd", "-append", "-m", "-serial",
					   "-display", "-accel",  "-d",	     "-D", "-tc-size",
					   "--kernel", "-drive",  "-hda"};
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct parse p = PARSE(opts[i]);

		snprintf(want, sizeof(want), "option %s needs an argument", opts[i]);
		ck_parse_error(p, want);
	}
}
END_TEST

START_TEST(missing_kernel)
{
	struct parse p = PARSE("-m", "64");

	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "no kernel given (use -kernel FILE)");
	p = PARSE((const char *)NULL);
	ck_assert_str_eq(p.err, "no kernel given (use -kernel FILE)");
}
END_TEST

START_TEST(stray_argument)
{
	struct parse p = PARSE("-kernel", "k", "extra");

	ck_parse_error(p, "unexpected argument 'extra'");
	p = PARSE("k.elf");
	ck_parse_error(p, "unexpected argument 'k.elf'");
	p = PARSE("-kernel", "k", "-");
	ck_parse_error(p, "unexpected argument '-'");
}
END_TEST

START_TEST(option_value_may_start_with_dash)
{
	struct parse p = PARSE("-kernel", "k", "-append", "-v");

	ck_assert_int_eq(p.rc, 0);
	ck_assert_str_eq(p.cfg.append, "-v");
}
END_TEST

START_TEST(small_error_buffer)
{
	char *argv[] = {"btvmm", "-this-option-has-a-rather-long-name", NULL};
	struct vm_config cfg;
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(cli_parse(2, argv, &cfg, err, sizeof(err)), -1);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(cli_parse(2, argv, &cfg, NULL, 0), -1);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *ok = tcase_create("accepted");
	TCase *bad = tcase_create("errors");

	tcase_add_test(ok, defaults);
	tcase_add_test(ok, all_options);
	tcase_add_test(ok, double_dash_forms);
	tcase_add_test(ok, later_options_win);
	tcase_add_test(ok, ram_suffixes);
	tcase_add_test(ok, tc_size);
	tcase_add_test(ok, serial_values);
	tcase_add_test(ok, accel_values);
	tcase_add_test(ok, accel_backend);
	tcase_add_test(ok, accel_help);
	tcase_add_test(ok, drive_values);
	tcase_add_test(ok, debug_items);
	tcase_add_test(ok, debug_help);
	tcase_add_test(ok, help_and_version);
	tcase_add_test(ok, usage_to_stdout);
	tcase_add_test(ok, option_value_may_start_with_dash);
	tcase_add_test(bad, kernel_with_equals);
	tcase_add_test(bad, flag_with_value);
	tcase_add_test(bad, ram_out_of_range);
	tcase_add_test(bad, ram_exact_message);
	tcase_add_test(bad, ram_not_a_number);
	tcase_add_test(bad, display_values);
	tcase_add_test(bad, vga_values);
	tcase_add_test(bad, qemu_fixed_machine);
	tcase_add_test(bad, drive_errors);
	tcase_add_test(bad, drive_index_errors);
	tcase_add_test(bad, errors_print_nothing);
	tcase_add_test(bad, unknown_option);
	tcase_add_test(bad, missing_argument);
	tcase_add_test(bad, missing_kernel);
	tcase_add_test(bad, stray_argument);
	tcase_add_test(bad, small_error_buffer);
	suite_add_tcase(s, ok);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cli_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
