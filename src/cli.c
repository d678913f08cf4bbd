/* cli.c - QEMU-style command line parsing into struct vm_config.
 *
 * People who run btvmm usually run QEMU too, so the options keep QEMU's
 * names and habits: single-dash long options (-kernel, -m 128M, -d exits),
 * later options override earlier ones, and a few QEMU options that make no
 * difference here (-nographic, -display none, -no-reboot) are accepted so
 * that a QEMU command line can be pasted.  GNU double-dash spellings
 * (--kernel FILE, --kernel=FILE) work as well.
 *
 * Parsing is driven by one table of options: name, whether it takes an
 * argument, and a small handler that fills struct vm_config.  cli_parse()
 * never exits and never reports errors itself: a bad command line comes
 * back as -1 with a one-line reason, and main decides how to show it.  The
 * only output it produces is the text explicitly asked for by -h, -version
 * and -d help, written to stdout, after which it returns 1 (-accel help
 * needs the host probe: it returns CLI_ACCEL_HELP and main prints it).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "de.h"

#ifndef BTVMM_VERSION
#define BTVMM_VERSION "0.1"
#endif

#define TC_SIZE_KB_MIN 64
#define TC_SIZE_KB_MAX 3072
#define TC_SIZE_KB_DEFAULT 2048

/* Handler results besides 0 (keep going) and -1 (error in ctx->err). */
#define CLI_DONE 1 /* an informational option was served: exit 0 */

/* What a handler needs: the config being filled, where to put an error,
 * and the option as the user typed it, so messages quote their spelling. */
struct cli_ctx {
	struct vm_config *cfg;
	char *err;
	size_t errlen;
	const char *opt; /* e.g. "-m" or "--m" (without any "=value") */
};

struct cli_option {
	const char *name; /* without the leading dash */
	bool has_arg;
	int (*handle)(struct cli_ctx *ctx, const char *arg);
};

/* -d items: the name users type and the DBG_* bit it sets. */
struct debug_item {
	const char *name;
	unsigned mask;
	const char *help;
};

static const struct debug_item debug_items[] = {
    {"translations", DBG_TRANSLATIONS, "each translated guest block beside its CCF"},
    {"exits", DBG_EXITS, "every exit from translated code to the monitor"},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int cli_error(struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int cli_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Bytes shift of a QEMU size suffix (K, M, G, T, any case), or -1. */
static int suffix_shift(char c)
{
	static const char suffixes[] = "kmgt";
	const char *p = c ? strchr(suffixes, tolower((unsigned char)c)) : NULL;

	return p ? 10 * (int)(p - suffixes + 1) : -1;
}

/*
 * Parses a size "N[K|M|G|T]" as QEMU's -m takes it, into units of
 * 1 << unit_shift bytes (20 for MiB, 10 for KiB); a bare number is already
 * in those units.  Returns 0, -1 if it is not a size at all, or 1 if it is
 * a size that cannot be in range (beyond 64 bits, or not a whole number of
 * units) so that callers give their range message.
 */
static int parse_size(const char *s, int unit_shift, uint64_t *out)
{
	int shift = unit_shift;
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9') /* strtoull would accept "-1", " 1", "+1" */
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end != '\0') {
		shift = suffix_shift(*end);
		if (shift < 0 || end[1] != '\0')
			return -1;
	}
	if (errno == ERANGE)
		return 1;
	if (shift < unit_shift) {
		if (n & ((1ull << (unit_shift - shift)) - 1))
			return 1;
		*out = n >> (unit_shift - shift);
		return 0;
	}
	if (n > (UINT64_MAX >> (shift - unit_shift)))
		return 1;
	*out = (uint64_t)n << (shift - unit_shift);
	return 0;
}

/* How -m and -tc-size sizes are read and range-checked. */
struct size_spec {
	int unit_shift;	     /* 20: MiB, 10: KiB */
	uint64_t min, max;   /* in units */
	const char *what;    /* for messages: "RAM size" */
	const char *unit;    /* "MiB" */
	const char *example; /* "256 or 1G" */
};

static const struct size_spec ram_spec = {20,	      RAM_MB_MIN, RAM_MB_MAX,
					  "RAM size", "MiB",	  "256 or 1G"};
static const struct size_spec tc_spec = {
    10, TC_SIZE_KB_MIN, TC_SIZE_KB_MAX, "translation cache size", "KiB", "2048 or 2M"};

static const struct size_spec shadow_spec = {0, 4, 1u << 20, "shadow page limit", "pages", "4096"};
static const struct size_spec interval_spec = {0, 1, 3600000, "sampling interval", "ms", "50"};

static int parse_ranged(struct cli_ctx *ctx, const char *arg, const struct size_spec *spec,
			uint32_t *out)
{
	uint64_t v;
	int rc = parse_size(arg, spec->unit_shift, &v);

	if (rc < 0)
		return cli_error(ctx, "%s %s: not a size (expected %s, e.g. %s)", ctx->opt, arg,
				 spec->unit, spec->example);
	if (rc > 0 || v < spec->min || v > spec->max)
		return cli_error(ctx, "%s %s: %s must be between %" PRIu64 " and %" PRIu64 " %s",
				 ctx->opt, arg, spec->what, spec->min, spec->max, spec->unit);
	*out = (uint32_t)v;
	return 0;
}

static int opt_kernel(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->kernel = arg;
	return 0;
}

static int opt_initrd(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->initrd = arg;
	return 0;
}

static int opt_append(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->append = arg;
	return 0;
}

static int opt_ram(struct cli_ctx *ctx, const char *arg)
{
	return parse_ranged(ctx, arg, &ram_spec, &ctx->cfg->ram_mb);
}

static int opt_tc_size(struct cli_ctx *ctx, const char *arg)
{
	return parse_ranged(ctx, arg, &tc_spec, &ctx->cfg->tc_size_kb);
}

static int opt_serial(struct cli_ctx *ctx, const char *arg)
{
	/* mon:stdio is what QEMU users type; there is no monitor to mux in. */
	ctx->cfg->serial_file = NULL;
	ctx->cfg->serial_given = true;
	if (!strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio"))
		ctx->cfg->serial_stdio = true;
	else if (!strcmp(arg, "none") || !strcmp(arg, "null"))
		ctx->cfg->serial_stdio = false;
	else if (!strncmp(arg, "file:", 5) && arg[5]) {
		ctx->cfg->serial_stdio = false;
		ctx->cfg->serial_file = arg + 5;
	} else
		return cli_error(ctx, "%s %s: accepted values are 'stdio', 'none' and 'file:PATH'",
				 ctx->opt, arg);
	return 0;
}

/* One "key[=value]" of a -drive argument; value is NULL when there is no
 * '='.  Lengths, not NUL-terminated: the text is still argv's. */
struct subopt {
	const char *key, *value;
	size_t key_len, value_len;
};

/* Where the sub-option starting at p ends: at a single ',' or the NUL;
 * ",," is an escaped comma and does not end it. */
static const char *subopt_end(const char *p)
{
	for (; *p; p++) {
		if (*p != ',')
			continue;
		if (p[1] != ',')
			break;
		p++;
	}
	return p;
}

static void subopt_split(const char *p, const char *end, struct subopt *o)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));

	o->key = p;
	o->key_len = (size_t)((eq ? eq : end) - p);
	o->value = eq ? eq + 1 : NULL;
	o->value_len = eq ? (size_t)(end - eq - 1) : 0;
}

static bool subopt_is(const char *s, size_t len, const char *want)
{
	return len == strlen(want) && !strncmp(s, want, len);
}

/* What a -drive argument asked for, before anything is stored. */
struct drive_spec {
	const char *file; /* start of the file= value, still escaped */
	size_t file_len;
	bool raw;
	bool readonly;
	int index; /* -1: the first free one, as QEMU picks */
};

static int drive_subopt(struct cli_ctx *ctx, const struct subopt *o, struct drive_spec *d)
{
	if (subopt_is(o->key, o->key_len, "file")) {
		d->file = o->value;
		d->file_len = o->value_len;
	} else if (subopt_is(o->key, o->key_len, "format")) {
		if (!o->value || !subopt_is(o->value, o->value_len, "raw"))
			return cli_error(ctx, "%s: format must be raw", ctx->opt);
		d->raw = true;
	} else if (subopt_is(o->key, o->key_len, "readonly")) {
		/* a bare "readonly" means on, as QEMU's boolean options do */
		if (!o->value || subopt_is(o->value, o->value_len, "on"))
			d->readonly = true;
		else if (subopt_is(o->value, o->value_len, "off"))
			d->readonly = false;
		else
			return cli_error(ctx, "%s: readonly must be on or off", ctx->opt);
	} else if (subopt_is(o->key, o->key_len, "index")) {
		if (!o->value || o->value_len != 1 || o->value[0] < '0' || o->value[0] > '3')
			return cli_error(ctx,
					 "%s: index=%.*s: must be 0 to 3 (primary master, primary "
					 "slave, secondary master, secondary slave)",
					 ctx->opt, (int)o->value_len, o->value ? o->value : "");
		d->index = o->value[0] - '0';
	} else if (subopt_is(o->key, o->key_len, "media")) {
		if (!o->value || !subopt_is(o->value, o->value_len, "disk"))
			return cli_error(ctx, "%s: media=%.*s is not supported (only disk)",
					 ctx->opt, (int)o->value_len, o->value ? o->value : "");
	} else if (subopt_is(o->key, o->key_len, "if")) {
		if (!o->value || !subopt_is(o->value, o->value_len, "ide"))
			return cli_error(ctx, "%s: if=%.*s is not supported (only ide)", ctx->opt,
					 (int)o->value_len, o->value ? o->value : "");
	} else {
		return cli_error(ctx, "%s: unknown sub-option '%.*s'", ctx->opt, (int)o->key_len,
				 o->key);
	}
	return 0;
}

/*
 * The file name as a C string inside arg: undoubles ",," and terminates
 * it.  arg is one of argv's strings, which a program may modify; nothing is
 * written when the name already ends the argument and has no ",,", so a
 * constant string works as long as file= comes last.
 */
static const char *drive_file_name(const struct drive_spec *d)
{
	const char *r = d->file, *end = d->file + d->file_len;
	char *w;

	if (*end == '\0' && !memchr(d->file, ',', d->file_len))
		return d->file;
	w = (char *)d->file;
	while (r < end) {
		*w++ = *r;
		r += *r == ',' ? 2 : 1;
	}
	*w = '\0';
	return d->file;
}

/* Puts a disk at IDE index i (-1: the first free one). */
static int drive_store(struct cli_ctx *ctx, int i, const char *file, bool readonly)
{
	static const char *const pos[4] = {"primary master", "primary slave", "secondary master",
					   "secondary slave"};
	const char **drive = ctx->cfg->drive;
	if (i < 0) {
		for (i = 0; i < 4 && drive[i]; i++)
			;
		if (i == 4)
			return cli_error(ctx, "%s: all four IDE positions have a disk already",
					 ctx->opt);
	}
	if (drive[i])
		return cli_error(ctx, "%s: IDE index %d (%s) has a disk already (%s)", ctx->opt, i,
				 pos[i], drive[i]);
	drive[i] = file;
	ctx->cfg->drive_readonly[i] = readonly;
	return 0;
}

static int opt_drive(struct cli_ctx *ctx, const char *arg)
{
	struct drive_spec d = {.index = -1};
	struct subopt o;
	const char *p = arg, *end;
	int rc;

	for (;;) {
		end = subopt_end(p);
		subopt_split(p, end, &o);
		rc = drive_subopt(ctx, &o, &d);
		if (rc)
			return rc;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (!d.file || d.file_len == 0)
		return cli_error(ctx, "%s: missing file=", ctx->opt);
	if (!d.raw)
		return cli_error(ctx, "%s: format must be raw (add format=raw)", ctx->opt);
	return drive_store(ctx, d.index, drive_file_name(&d), d.readonly);
}

/* QEMU's shorthands for the IDE disks (-hda: index 0 ... -hdd: index 3);
 * only raw images exist here. */
static int opt_hdx(struct cli_ctx *ctx, const char *arg)
{
	return drive_store(ctx, ctx->opt[strlen(ctx->opt) - 1] - 'a', arg, false);
}

static int opt_nographic(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->nographic = true;
	return 0;
}

/* QEMU options for things btvmm has exactly one of (or none of): the
 * value that describes btvmm is accepted, so a QEMU command line can be
 * reused as it is; any other value is an error naming what btvmm has. */
static int only_none(struct cli_ctx *ctx, const char *arg, const char *what)
{
	if (strcmp(arg, "none"))
		return cli_error(ctx, "%s %s: btvmm has no %s; only 'none' is accepted", ctx->opt,
				 arg, what);
	return 0;
}

/* -display curses draws the VGA's text screen on the terminal; none (the
 * default) shows nothing. */
static int opt_display(struct cli_ctx *ctx, const char *arg)
{
	if (!strcmp(arg, "none"))
		ctx->cfg->display = DISPLAY_NONE;
	else if (!strcmp(arg, "curses"))
		ctx->cfg->display = DISPLAY_CURSES;
	else
		return cli_error(ctx, "%s %s: accepted values are 'curses' and 'none'", ctx->opt,
				 arg);
	return 0;
}

static int opt_monitor(struct cli_ctx *ctx, const char *arg)
{
	return only_none(ctx, arg, "monitor");
}

/* btvmm's VGA is a standard one in text mode; QEMU's other cards are not
 * offered rather than quietly replaced by it. */
static int opt_vga(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->vga_given = true;
	if (!strcmp(arg, "std"))
		ctx->cfg->vga = VGA_STD;
	else if (!strcmp(arg, "none"))
		ctx->cfg->vga = VGA_NONE;
	else
		return cli_error(ctx,
				 "%s %s: btvmm's graphics card is 'std' (a VGA); accepted "
				 "values are 'std' and 'none'",
				 ctx->opt, arg);
	return 0;
}

static int opt_vga_dump(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->vga_dump = arg;
	return 0;
}

static int opt_net(struct cli_ctx *ctx, const char *arg)
{
	return only_none(ctx, arg, "network card");
}

static int opt_smp(struct cli_ctx *ctx, const char *arg)
{
	/* "1", "cpus=1", "1,sockets=1,..." */
	const char *n = strncmp(arg, "cpus=", 5) ? arg : arg + 5;
	if (n[0] != '1' || (n[1] != '\0' && n[1] != ','))
		return cli_error(ctx, "%s %s: btvmm runs one virtual CPU", ctx->opt, arg);
	return 0;
}

static int opt_machine(struct cli_ctx *ctx, const char *arg)
{
	if (strcmp(arg, "pc") && strncmp(arg, "pc,", 3) && strcmp(arg, "type=pc") &&
	    strncmp(arg, "type=pc,", 8))
		return cli_error(ctx, "%s %s: btvmm's machine is a 'pc'; only 'pc' is accepted",
				 ctx->opt, arg);
	return 0;
}

/* -device isa-debug-exit[,iobase=0xf4][,iosize=0x04]: btvmm always has
 * one, at 0xf4 (what the test command lines of QEMU users ask for). */
static int opt_device(struct cli_ctx *ctx, const char *arg)
{
	const char *name = "isa-debug-exit";
	size_t len = strlen(name);
	if (strncmp(arg, name, len) || (arg[len] != '\0' && arg[len] != ','))
		return cli_error(ctx,
				 "%s %s: btvmm's devices are fixed; the only one -device "
				 "accepts is isa-debug-exit at 0xf4",
				 ctx->opt, arg);
	for (const char *p = arg + len; *p == ',';) {
		p++;
		size_t n = strcspn(p, ",");
		unsigned long v;
		char *end;
		if (!strncmp(p, "iobase=", 7)) {
			v = strtoul(p + 7, &end, 0);
			if (end != p + n || v != 0xf4)
				return cli_error(ctx,
						 "%s %s: btvmm's isa-debug-exit is at iobase=0xf4",
						 ctx->opt, arg);
		} else if (!strncmp(p, "iosize=", 7)) {
			v = strtoul(p + 7, &end, 0);
			if (end != p + n || (v != 1 && v != 2 && v != 4))
				return cli_error(ctx, "%s %s: iosize must be 1, 2 or 4", ctx->opt,
						 arg);
		} else {
			return cli_error(ctx, "%s %s: unknown isa-debug-exit property '%.*s'",
					 ctx->opt, arg, (int)n, p);
		}
		p += n;
	}
	return 0;
}

/* -accel bt[,backend=auto|compat|x64][,de=on|off|auto][,de-pool=N] | kvm | help, as QEMU spells its
 * accelerators and their properties. */
static int opt_accel(struct cli_ctx *ctx, const char *arg)
{
	size_t len = strcspn(arg, ",");
	const char *p = arg + len, *end;
	enum bt_backend backend = BACKEND_AUTO;
	struct subopt o;

	if (!strcmp(arg, "help"))
		return CLI_ACCEL_HELP;
	if (subopt_is(arg, len, "kvm")) {
		if (*p)
			return cli_error(ctx, "%s %s: kvm takes no properties", ctx->opt, arg);
		ctx->cfg->accel = ACCEL_KVM;
		return 0;
	}
	if (!subopt_is(arg, len, "bt"))
		return cli_error(
		    ctx,
		    "%s %s: accepted values are 'bt[,backend=auto|compat|x64][,de=on|off|auto]', "
		    "'kvm' and 'help'",
		    ctx->opt, arg);
	for (; *p == ','; p = end) {
		end = subopt_end(++p);
		subopt_split(p, end, &o);
		if (subopt_is(o.key, o.key_len, "de-pool")) {
			char *num_end;
			unsigned long v = o.value ? strtoul(o.value, &num_end, 10) : 0;
			if (!o.value || num_end != o.value + o.value_len || !v || v > DE_POOL_MAX)
				return cli_error(ctx,
						 "%s %s: de-pool must be a number from 1 to %d",
						 ctx->opt, arg, DE_POOL_MAX);
			ctx->cfg->de_pool = (unsigned)v;
			continue;
		}
		if (subopt_is(o.key, o.key_len, "de")) {
			if (o.value && subopt_is(o.value, o.value_len, "on"))
				ctx->cfg->de = DE_ON;
			else if (o.value && subopt_is(o.value, o.value_len, "off"))
				ctx->cfg->de = DE_OFF;
			else if (o.value && subopt_is(o.value, o.value_len, "auto"))
				ctx->cfg->de = DE_AUTO;
			else
				return cli_error(ctx, "%s %s: de must be on, off or auto", ctx->opt,
						 arg);
			continue;
		}
		if (!subopt_is(o.key, o.key_len, "backend"))
			return cli_error(
			    ctx, "%s %s: unknown property '%.*s' (bt takes backend= and de=)",
			    ctx->opt, arg, (int)o.key_len, o.key);
		if (o.value && subopt_is(o.value, o.value_len, "auto"))
			backend = BACKEND_AUTO;
		else if (o.value && subopt_is(o.value, o.value_len, "compat"))
			backend = BACKEND_COMPAT;
		else if (o.value && subopt_is(o.value, o.value_len, "x64"))
			backend = BACKEND_X64;
		else
			return cli_error(ctx, "%s %s: backend must be auto, compat or x64",
					 ctx->opt, arg);
	}
	ctx->cfg->accel = ACCEL_BT;
	ctx->cfg->backend = backend;
	return 0;
}

static int opt_enable_kvm(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->accel = ACCEL_KVM;
	return 0;
}

static int opt_stats(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->stats = true;
	return 0;
}

static int opt_stats_json(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->stats_json = arg;
	return 0;
}

static int opt_stats_interval(struct cli_ctx *ctx, const char *arg)
{
	return parse_ranged(ctx, arg, &interval_spec, &ctx->cfg->stats_interval_ms);
}

static void debug_help(void)
{
	size_t i;

	printf("Log items (comma separated, for -d):\n");
	for (i = 0; i < ARRAY_SIZE(debug_items); i++)
		printf("%-14s %s\n", debug_items[i].name, debug_items[i].help);
}

/* "translations, exits": the accepted -d items for an error message. */
static void debug_names(char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(debug_items) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 debug_items[i].name);
}

static const struct debug_item *debug_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(debug_items); i++)
		if (strlen(debug_items[i].name) == len && !strncmp(debug_items[i].name, name, len))
			return &debug_items[i];
	return NULL;
}

static int opt_debug(struct cli_ctx *ctx, const char *arg)
{
	const struct debug_item *item;
	const char *p = arg;
	unsigned mask = 0;
	char names[128];
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (len == 4 && !strncmp(p, "help", 4)) {
			debug_help();
			return CLI_DONE;
		}
		item = debug_lookup(p, len);
		if (item == NULL) {
			debug_names(names, sizeof(names));
			return cli_error(ctx, "%s %s: unknown item '%.*s' (valid: %s)", ctx->opt,
					 arg, (int)len, p, names);
		}
		mask |= item->mask;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	ctx->cfg->debug = mask; /* like QEMU, a later -d replaces an earlier one */
	return 0;
}

static int opt_debug_log(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->debug_log = arg;
	return 0;
}

static int opt_shadow_limit(struct cli_ctx *ctx, const char *arg)
{
	return parse_ranged(ctx, arg, &shadow_spec, &ctx->cfg->shadow_limit);
}

static int opt_no_adapt(struct cli_ctx *ctx, const char *arg)
{
	(void)arg;
	ctx->cfg->no_adapt = true;
	return 0;
}

static int opt_no_prefill(struct cli_ctx *ctx, const char *arg)
{
	(void)arg;
	ctx->cfg->no_prefill = true;
	return 0;
}

static int opt_no_hpet(struct cli_ctx *ctx, const char *arg)
{
	(void)arg;
	ctx->cfg->no_hpet = true;
	return 0;
}

static int opt_no_chain(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->no_chain = true;
	return 0;
}

/* btvmm always stops when the guest resets, so there is nothing to set. */
static int opt_ignored(struct cli_ctx *ctx, const char *arg)
{
	return 0;
}

/* QEMU's -nodefaults leaves out the default VGA (unless -vga asks for one);
 * btvmm's other devices are always there. */
static int opt_nodefaults(struct cli_ctx *ctx, const char *arg)
{
	ctx->cfg->nodefaults = true;
	return 0;
}

static int opt_help(struct cli_ctx *ctx, const char *arg)
{
	cli_usage();
	return CLI_DONE;
}

static int opt_version(struct cli_ctx *ctx, const char *arg)
{
	printf("btvmm version " BTVMM_VERSION " (binary-translating x86 VMM for 32-bit guests)\n");
	return CLI_DONE;
}

static const struct cli_option options[] = {
    {"kernel", true, opt_kernel},
    {"initrd", true, opt_initrd},
    {"append", true, opt_append},
    {"m", true, opt_ram},
    {"serial", true, opt_serial},
    {"drive", true, opt_drive},
    {"hda", true, opt_hdx},
    {"hdb", true, opt_hdx},
    {"hdc", true, opt_hdx},
    {"hdd", true, opt_hdx},
    {"nographic", false, opt_nographic},
    {"display", true, opt_display},
    {"accel", true, opt_accel},
    {"enable-kvm", false, opt_enable_kvm},
    {"stats", false, opt_stats},
    {"stats-json", true, opt_stats_json},
    {"stats-interval", true, opt_stats_interval},
    {"d", true, opt_debug},
    {"D", true, opt_debug_log},
    {"tc-size", true, opt_tc_size},
    {"no-chain", false, opt_no_chain},
    {"no-adapt", false, opt_no_adapt},
    {"no-prefill", false, opt_no_prefill},
    {"no-hpet", false, opt_no_hpet},
    {"shadow-limit", true, opt_shadow_limit},
    {"no-reboot", false, opt_ignored},
    {"nodefaults", false, opt_nodefaults},
    {"monitor", true, opt_monitor},
    {"vga", true, opt_vga},
    {"vga-dump", true, opt_vga_dump},
    {"net", true, opt_net},
    {"smp", true, opt_smp},
    {"machine", true, opt_machine},
    {"M", true, opt_machine},
    {"device", true, opt_device},
    {"h", false, opt_help},
    {"help", false, opt_help},
    {"version", false, opt_version},
};

static const struct cli_option *option_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (strlen(options[i].name) == len && !strncmp(options[i].name, name, len))
			return &options[i];
	return NULL;
}

static void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_mb = RAM_MB_DEFAULT;
	cfg->serial_stdio = true;
	cfg->accel = ACCEL_BT;
	cfg->tc_size_kb = TC_SIZE_KB_DEFAULT;
}

/*
 * Handles argv[*i], an argument starting with '-', advancing *i past any
 * value it consumes.  "--name=value" is accepted for double-dash spellings
 * only, because QEMU never splits single-dash options at '='.
 */
static int parse_one(struct cli_ctx *ctx, int argc, char **argv, int *i)
{
	const char *word = argv[*i];
	const char *name = word + 1 + (word[1] == '-');
	const char *eq = word[1] == '-' ? strchr(name, '=') : NULL;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_option *opt = option_lookup(name, len);
	char spelled[64];
	const char *arg = NULL;

	if (opt == NULL)
		return cli_error(ctx, "unknown option '%s' (see -help)", word);
	snprintf(spelled, sizeof(spelled), "%.*s", (int)(name - word) + (int)len, word);
	ctx->opt = spelled;
	if (eq && !opt->has_arg)
		return cli_error(ctx, "option %s takes no argument", spelled);
	if (opt->has_arg) {
		if (eq)
			arg = eq + 1;
		else if (*i + 1 < argc)
			arg = argv[++*i];
		else
			return cli_error(ctx, "option %s needs an argument", spelled);
	}
	return opt->handle(ctx, arg);
}

/* The options that together decide who owns the terminal. As in QEMU,
 * -nographic and -display curses exclude each other, and with curses COM1
 * goes nowhere unless -serial says where (QEMU gives it a virtual console;
 * on the terminal it would garble the screen). */
static int display_check(struct cli_ctx *ctx)
{
	struct vm_config *cfg = ctx->cfg;
	if (cfg->nodefaults && !cfg->vga_given)
		cfg->vga = VGA_NONE;
	if (cfg->vga_dump && cfg->vga == VGA_NONE)
		return cli_error(ctx,
				 "-vga-dump %s: there is no VGA to dump (-vga none or -nodefaults)",
				 cfg->vga_dump);
	if (cfg->display != DISPLAY_CURSES)
		return 0;
	if (cfg->nographic)
		return cli_error(ctx, "-nographic cannot be used with -display curses");
	if (cfg->vga == VGA_NONE)
		return cli_error(ctx, "-display curses shows the VGA, but -vga none removed it");
	if (cfg->serial_given && cfg->serial_stdio)
		return cli_error(ctx, "-serial stdio and -display curses both want the terminal: "
				      "use -serial file:PATH or -serial none");
	cfg->serial_stdio = false;
	return 0;
}

int cli_parse(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen)
{
	struct cli_ctx ctx = {.cfg = cfg, .err = err, .errlen = errlen};
	int i, rc;

	if (errlen)
		err[0] = '\0';
	config_defaults(cfg);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			return cli_error(&ctx,
					 "unexpected argument '%s' (give the kernel with "
					 "-kernel FILE)",
					 argv[i]);
		rc = parse_one(&ctx, argc, argv, &i);
		if (rc != 0)
			return rc;
	}
	if (cfg->kernel == NULL)
		return cli_error(&ctx, "no kernel given (use -kernel FILE)");
	if (cfg->stats_interval_ms && !cfg->stats_json)
		return cli_error(&ctx,
				 "-stats-interval needs -stats-json FILE (where the lines go)");
	return display_check(&ctx);
}

void cli_usage(void)
{
	printf("usage: btvmm -kernel FILE [options]\n"
	       "Runs a 32-bit x86 kernel (multiboot ELF or flat binary) by binary translation.\n"
	       "\n"
	       "  -kernel FILE     kernel image: multiboot v1 ELF32, a.out-kludge or flat binary\n"
	       "  -initrd \"FILE [ARGS],...\"  multiboot modules, loaded after the kernel\n"
	       "  -append STRING   kernel command line\n"
	       "  -m SIZE          guest RAM in MiB, or with a suffix: 128M, 1G (default %d,\n"
	       "                   %d..%d)\n"
	       "  -serial stdio|none|file:PATH  COM1 on the terminal (default), nowhere, or\n"
	       "                   written to PATH\n"
	       "  -drive file=IMG,format=raw[,index=N][,readonly=on][,if=ide][,media=disk]\n"
	       "                   raw disk image at IDE index N: 0/1 primary master/slave\n"
	       "                   (0x1F0, IRQ 14), 2/3 secondary master/slave (0x170,\n"
	       "                   IRQ 15); without index=, the first free one\n"
	       "  -hda..-hdd IMG   same as -drive file=IMG,format=raw,index=0..3\n"
	       "  -vga std|none    the VGA (text mode; default std) or none\n"
	       "  -display none|curses  show nothing (default) or draw the VGA's text screen\n"
	       "                   on the terminal, typed keys going to its PS/2 keyboard\n"
	       "                   (COM1 then goes to -serial file:PATH, else nowhere)\n"
	       "  -nographic       no display (the VGA still exists); COM1 on the terminal\n"
	       "  -vga-dump FILE   at exit, write the VGA's text screen to FILE ('-': stderr)\n"
	       "  Keys, when stdin is a terminal (serial console or -display curses):\n"
	       "                   Ctrl-A x quits, Ctrl-A h lists the others\n"
	       "  -accel bt[,backend=auto|compat|x64][,de=on|off|auto][,de-pool=N] | kvm\n"
	       "                   binary translation (default) or KVM, for comparison;\n"
	       "                   de=on runs guest ring 3 natively in a sandbox process\n"
	       "                   (the default where the host can); -accel help lists\n"
	       "                   what this host can run\n"
	       "  -enable-kvm      same as -accel kvm\n"
	       "  -stats           print event counters at exit\n"
	       "  -stats-json FILE write the counters to FILE as JSON lines: one at start-up,\n"
	       "                   one at exit (\"final\": true)\n"
	       "  -stats-interval MS  with -stats-json, also a line every MS ms of host time\n"
	       "  -d ITEM[,...]    log translations and/or exits; -d help lists the items\n"
	       "  -D FILE          write the -d log to FILE instead of stderr\n"
	       "  -tc-size KIB     translation cache size in KiB (default %d, %d..%d)\n"
	       "  -no-chain        never link translated blocks directly to each other\n"
	       "  -no-adapt        never retranslate instructions that keep faulting\n"
	       "  -no-prefill      do not map an address space's remembered pages at a CR3 load\n"
	       "  -shadow-limit N  at most N shadow page mappings (evict all beyond; for study)\n"
	       "  -no-hpet         leave the HPET (0xfed00000) out of the machine\n"
	       "  -no-reboot       accepted; btvmm always stops when the guest resets\n"
	       "  -nodefaults      no VGA unless -vga std is given (the other devices stay)\n"
	       "  -smp 1, -M pc, -monitor none, -net none,\n"
	       "  -device isa-debug-exit[,iobase=0xf4][,iosize=N]\n"
	       "                   accepted as QEMU spells them: btvmm's machine is fixed\n"
	       "  -h, -help        this help\n"
	       "  -version         version\n"
	       "Options may also be spelled with two dashes (--kernel FILE, --kernel=FILE).\n",
	       RAM_MB_DEFAULT, RAM_MB_MIN, RAM_MB_MAX, TC_SIZE_KB_DEFAULT, TC_SIZE_KB_MIN,
	       TC_SIZE_KB_MAX);
}
