/* main.c - btvmm: parse the command line, build the machine, load the
 * kernel the way a multiboot loader would, run, report. */
#include <stdio.h>
#include <stdlib.h>

#include "bda.h"
#include "boot_gdt.h"
#include "mptable.h"
#include "cli.h"
#include "cpu.h"
#include "loader.h"
#include "modules.h"
#include "multiboot.h"
#include "vm.h"

#define MB_INFO_ADDR 0x8000u /* below the kernel, in conventional memory */

static int die(const char *msg)
{
	fprintf(stderr, "btvmm: %s\n", msg);
	return 1;
}

static int load_guest(struct vm *vm, const struct vm_config *cfg, char *err, size_t n)
{
	struct boot_info bi;
	if (loader_load_kernel(cfg->kernel, vm->mem.physmap, vm->mem.ram_size, &bi, err, n))
		return -1;
	struct module_set mods = {0};
	if (cfg->initrd && modules_load(cfg->initrd, vm->mem.physmap, vm->mem.ram_size, bi.load_end,
					&mods, err, n))
		return -1;
	uint32_t info = mb_build_info(vm->mem.physmap, vm->mem.ram_size, MB_INFO_ADDR, cfg->append,
				      mods.mod, mods.n);
	modules_free(&mods);
	if (!info) {
		snprintf(err, n, "the multiboot information does not fit in guest RAM");
		return -1;
	}
	if (boot_gdt_build(vm->mem.physmap, vm->mem.ram_size) ||
	    bda_build(vm->mem.physmap, vm->mem.ram_size) ||
	    !mptable_build(vm->mem.physmap, vm->mem.ram_size, MPTABLE_ADDR, 0, 1)) {
		snprintf(err, n, "guest RAM is too small for the firmware tables");
		return -1;
	}
	if (cpu_reset_multiboot(&vm->cpu, bi.entry, MB_BOOTLOADER_MAGIC, info)) {
		snprintf(err, n, "cannot set up the guest's segments (modify_ldt)");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	char err[512];
	int r = cli_parse(argc, argv, &cfg, err, sizeof(err));
	if (r > 0)
		return 0;
	if (r < 0)
		return die(err);
	if (cfg.accel == ACCEL_KVM)
		return die("-accel kvm: the KVM backend is not implemented yet");
	static struct vm vm; /* large (device and translator state): not on the stack */
	if (vm_init(&vm, &cfg, err, sizeof(err)) || load_guest(&vm, &cfg, err, sizeof(err)))
		return die(err);
	int status = vm_run(&vm);
	if (cfg.stats) {
		stats_print(&vm.stats, &vm.io, stderr);
		stats_print_mmio(&vm.mmio, stderr);
	}
	fflush(stdout);
	return status;
}
