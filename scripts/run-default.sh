#!/usr/bin/env bash
# run-default.sh - set up, build, and boot the default guest on this terminal.
#
# Extra arguments are passed on to btvmm (e.g. scripts/run-default.sh -stats).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build
cmake --build build -j2

# The default guest is Debian 12's stock i386 kernel with a busybox
# initramfs (scripts/demo_init.sh): fetched by scripts/get-debian-kernel.sh
# (apt, as root). Without network or root, the small multiboot test kernel
# tests/guests/hello.c instead.
if scripts/get-debian-kernel.sh build/linux && [ -x build/tests/guests/mkcpio ]; then
	build/tests/guests/mkcpio build/linux/demo.cpio build/linux/busybox scripts/demo_init.sh
	# On a terminal: the demo's lines, then a shell to type into (Ctrl-A x
	# leaves, 'poweroff -f' ends the machine). Otherwise the scripted demo,
	# which ends by resetting the machine: btvmm says so and exits 0.
	shell=
	if [ -t 0 ] && [ -t 1 ]; then
		shell=btvmm_shell
		echo "run-default.sh: a busybox shell follows the demo; Ctrl-A x leaves btvmm," \
			"Ctrl-A h lists the keys"
	fi
	cmdline=$(echo console=ttyS0 panic=-1 quiet $shell $(scripts/linux-tsc-arg.sh))
	exec build/btvmm -kernel build/linux/vmlinuz-686 -initrd build/linux/demo.cpio -m 128 \
		-append "$cmdline" -serial stdio -nographic "$@"
fi
guest=build/tests/guests/hello.elf
if [ ! -f "$guest" ]; then
	echo "run-default.sh: $guest was not built (is there a tests/guests/hello.c?)" >&2
	exit 1
fi
# The guest exits through isa-debug-exit: writing 0 there makes btvmm exit
# with (0 << 1) | 1 = 1, the guest's "all is well". Report that as success.
status=0
build/btvmm -kernel "$guest" -serial stdio -nographic "$@" || status=$?
[ "$status" -eq 1 ] && status=0
exit "$status"
