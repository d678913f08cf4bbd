#!/usr/bin/env bash
# setup.sh - install what btvmm needs to build and test on Debian 12.
#
# Idempotent and silent when everything is present; installs (as root) only
# the packages that are missing, running apt-get update only then.
# qemu-system-x86, qemu-user and clang-format are optional: tests use QEMU
# as an oracle, qemu-i386 to run 32-bit test programs on hosts whose kernel
# runs none (tests/native/run32.sh), and clang-format for the style check
# when present, so a failure to install them is reported but does not stop
# the build.
set -euo pipefail

REQUIRED=(build-essential cmake pkg-config libcapstone-dev libxxhash-dev libelf-dev check
	gcc-multilib)
OPTIONAL=(qemu-system-x86 qemu-user clang-format)

# dpkg -s also knows removed packages whose config files remain: look at
# the status line, not just the exit code.  (sed reads all of the output;
# grep -q would stop early, and the SIGPIPE to dpkg fails the pipeline.)
installed() {
	local status
	status=$(dpkg -s "$1" 2>/dev/null | sed -n 's/^Status: //p')
	[ "$status" = "install ok installed" ]
}

missing_of() {
	local p
	for p in "$@"; do
		installed "$p" || echo "$p"
	done
}

mapfile -t need < <(missing_of "${REQUIRED[@]}")
mapfile -t want < <(missing_of "${OPTIONAL[@]}")
all=("${need[@]}" "${want[@]}")
if [ ${#all[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: missing packages: ${all[*]}" >&2
	echo "setup.sh: run it as root to install them" >&2
	[ ${#need[@]} -eq 0 ] && exit 0 # only the optional oracle is missing
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup.sh: installing ${all[*]}"
apt-get update -q
if [ ${#need[@]} -gt 0 ]; then
	apt-get install -y -q --no-install-recommends "${need[@]}"
fi
if [ ${#want[@]} -gt 0 ]; then
	apt-get install -y -q --no-install-recommends "${want[@]}" ||
		echo "setup.sh: warning: could not install ${want[*]}; the tests that need them will be skipped" >&2
fi
