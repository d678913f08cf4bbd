#!/usr/bin/env bash
# run-default.sh - set up, build, and boot the default guest on this terminal.
#
# Extra arguments are passed on to btvmm (e.g. scripts/run-default.sh -stats).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build
cmake --build build -j2

guest=build/tests/guests/hello.elf
if [ ! -f "$guest" ]; then
	echo "run-default.sh: $guest was not built (is there a tests/guests/hello.c?)" >&2
	exit 1
fi
exec build/btvmm -kernel "$guest" -serial stdio -nographic "$@"
