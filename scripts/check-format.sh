#!/bin/sh
# check-format.sh - the monitor's C sources must match .clang-format.
#
#   scripts/check-format.sh [--fix]
#
# Checks every tracked .c/.h file except the freestanding guest code
# (tests/guests, bench/cpu, tests/native: their own 4-space style) with
# clang-format --dry-run --Werror; --fix rewrites them instead. Exits 77
# (ctest's "skipped") when clang-format or git is not installed.
cd "$(dirname "$0")/.." || exit 1
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed: skipped"; exit 77; }
command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1 ||
    { echo "not a git checkout: skipped"; exit 77; }
files=$(git ls-files '*.c' '*.h' | grep -v -e '^tests/guests/' -e '^bench/cpu/' -e '^tests/native/')
if [ "${1:-}" = --fix ]; then
    # shellcheck disable=SC2086 # one word per file
    exec clang-format -i $files
fi
# shellcheck disable=SC2086
if out=$(clang-format --dry-run --Werror $files 2>&1); then
    echo "check-format.sh: all files formatted"
    exit 0
fi
printf '%s\n' "$out" | head -n 40
echo "check-format.sh: not formatted; scripts/check-format.sh --fix rewrites them"
exit 1
