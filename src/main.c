/* main.c - btvmm: parse the command line, build the machine, load the
 * kernel the way a multiboot loader would, run, report. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "backend_select.h"
#include "bda.h"
#include "boot_gdt.h"
#include "mptable.h"
#include "cli.h"
#include "de.h"
#include "cpu.h"
#include "display.h"
#include "host_probe.h"
#include "linux_boot.h"
#include "loader.h"
#include "memmap.h"
#include "modules.h"
#include "multiboot.h"
#include "vm.h"

#define MB_INFO_ADDR 0x8000u	     /* below the kernel, in conventional memory */
#define LINUX_PARAMS_ADDR 0x10000u   /* boot_params (the "zero page") */
#define LINUX_CMDLINE_ADDR 0x20000u  /* its command line, up to 0x9fc00 */
#define LINUX_INITRD_MAX 0x37ffffffu /* the protocol's default initrd_addr_max */

static int die(const char *msg)
{
	fprintf(stderr, "btvmm: %s\n", msg);
	return 1;
}

/* The Linux 32-bit boot protocol: command line, initrd (placed high),
 * boot_params; returns the address of boot_params for %esi, 0 on error. */
static uint32_t linux_setup(struct vm *vm, const struct vm_config *cfg, const struct boot_info *bi,
			    char *err, size_t n)
{
	const struct linux_kernel *k = &bi->bzimage;
	const char *cmdline = cfg->append ? cfg->append : "";
	size_t len = strlen(cmdline);
	if (len > k->cmdline_size || LINUX_CMDLINE_ADDR + len >= MEMMAP_EBDA) {
		snprintf(err, n,
			 "-append: %zu bytes; this kernel takes a command line of at most %u", len,
			 k->cmdline_size);
		return 0;
	}
	memcpy(vm->mem.physmap + LINUX_CMDLINE_ADDR, cmdline, len + 1);
	uint32_t initrd = 0, initrd_size = 0;
	uint32_t max = k->initrd_addr_max ? k->initrd_addr_max : LINUX_INITRD_MAX;
	if (cfg->initrd && initrd_load_high(cfg->initrd, vm->mem.physmap, vm->mem.ram_size,
					    bi->load_end, max, &initrd, &initrd_size, err, n))
		return 0;
	linux_boot_params(vm->mem.physmap, vm->mem.ram_size, LINUX_PARAMS_ADDR, k,
			  LINUX_CMDLINE_ADDR, initrd, initrd_size);
	return LINUX_PARAMS_ADDR;
}

static int load_guest(struct vm *vm, const struct vm_config *cfg, char *err, size_t n)
{
	struct boot_info bi;
	if (loader_load_kernel(cfg->kernel, vm->mem.physmap, vm->mem.ram_size, &bi, err, n))
		return -1;
	if (boot_gdt_build(vm->mem.physmap, vm->mem.ram_size) ||
	    bda_build(vm->mem.physmap, vm->mem.ram_size) ||
	    !mptable_build(vm->mem.physmap, vm->mem.ram_size, MPTABLE_ADDR, 0, 1)) {
		snprintf(err, n, "guest RAM is too small for the firmware tables");
		return -1;
	}
	if (vm->has_vga)
		bda_vga_text_mode(vm->mem.physmap);
	/* The kernel's registers at entry: %esi = boot_params (Linux), or
	 * EAX = the multiboot magic and EBX = the information (multiboot). */
	int reset;
	if (bi.kind == KERNEL_LINUX) {
		uint32_t params = linux_setup(vm, cfg, &bi, err, n);
		if (!params)
			return -1;
		reset = cpu_reset_linux(&vm->cpu, bi.entry, params);
		vm->linux_guest = true;
	} else {
		struct module_set mods = {0};
		if (cfg->initrd && modules_load(cfg->initrd, vm->mem.physmap, vm->mem.ram_size,
						bi.load_end, &mods, err, n))
			return -1;
		uint32_t info = mb_build_info(vm->mem.physmap, vm->mem.ram_size, MB_INFO_ADDR,
					      cfg->append, mods.mod, mods.n);
		modules_free(&mods);
		if (!info) {
			snprintf(err, n, "the multiboot information does not fit in guest RAM");
			return -1;
		}
		reset = cpu_reset_multiboot(&vm->cpu, bi.entry, MB_BOOTLOADER_MAGIC, info);
	}
	if (reset) {
		snprintf(err, n, "cannot set up the guest's segments (modify_ldt)");
		return -1;
	}
	return 0;
}

/* -vga-dump FILE is opened before the guest runs, so that a bad path is a
 * command-line error rather than a surprise at exit. */
static int open_dump(const struct vm_config *cfg, FILE **f, char *err, size_t n)
{
	if (!cfg->vga_dump)
		return 0;
	*f = strcmp(cfg->vga_dump, "-") ? fopen(cfg->vga_dump, "w") : stderr;
	if (!*f) {
		snprintf(err, n, "-vga-dump %s: cannot open: %s", cfg->vga_dump, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	char err[512];
	struct host_caps caps;
	int r = cli_parse(argc, argv, &cfg, err, sizeof(err));
	if (r == CLI_ACCEL_HELP) {
		host_probe(&caps);
		accel_help(&caps, stdout);
		return 0;
	}
	if (r > 0)
		return 0;
	if (r < 0)
		return die(err);
	if (cfg.accel == ACCEL_KVM)
		return die("-accel kvm: the KVM backend is not implemented yet");
	host_probe(&caps);
	if (backend_select(&cfg, &caps, err, sizeof(err)) ||
	    de_select(&cfg, &caps, err, sizeof(err)))
		return die(err);
	long map_old, map_count = host_raise_map_count(1l << 20, &map_old);
	static struct vm vm; /* large (device and translator state): not on the stack */
	FILE *dump = NULL;
	if (vm_init(&vm, &cfg, err, sizeof(err)) || load_guest(&vm, &cfg, err, sizeof(err)) ||
	    open_dump(&cfg, &dump, err, sizeof(err)))
		return die(err);
	if (cfg.stats_json) {
		vm.stats_json = fopen(cfg.stats_json, "w");
		if (!vm.stats_json) {
			snprintf(err, sizeof(err), "-stats-json %s: cannot open: %s",
				 cfg.stats_json, strerror(errno));
			return die(err);
		}
		vm.stats_due = (uint64_t)cfg.stats_interval_ms * 1000000ull;
		stats_json_line(&vm, false);
	}
	if (display_init(&vm, err, sizeof(err))) /* last: it takes the terminal */
		return die(err);
	if (cfg.debug) /* -d logs say which backend produced them */
		fprintf(vm.log, "backend: %s (%s); direct execution: %s (%s)\n",
			backend_name(cfg.backend), cfg.backend_why, cfg.de_on ? "on" : "off",
			cfg.de_why);
	int status = vm_run(&vm);
	display_fini(&vm); /* the terminal is itself again before anything is printed */
	if (dump) {
		display_dump(&vm, dump);
		if (dump != stderr)
			fclose(dump);
	}
	if (vm.stats_json) {
		stats_json_line(&vm, true);
		fclose(vm.stats_json);
	}
	if (cfg.stats) {
		fprintf(stderr, "backend: %s (%s)%s%s\n", backend_name(cfg.backend),
			cfg.backend_why, vm.fs_restore ? "; monitor FS base restored by " : "",
			vm.fs_restore ? vm.fs_restore : "");
		de_print_stats(&vm, stderr);
		if (map_old)
			fprintf(stderr, "host vm.max_map_count: %ld (raised from %ld)\n", map_count,
				map_old);
		else
			fprintf(stderr, "host vm.max_map_count: %ld (%s)\n", map_count,
				geteuid() ? "not raised: not root" : "left as it was");
		stats_print(&vm.stats, &vm.io, stderr);
		stats_print_mmio(&vm.mmio, stderr);
		if (vm.has_vga) {
			fprintf(stderr, "vga screen at exit (display redraws: %" PRIu64 "):\n",
				vm.display.redraws);
			display_dump(&vm, stderr);
		}
	}
	fflush(stdout);
	return status;
}
