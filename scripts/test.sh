#!/usr/bin/env bash
# test.sh - the full test run, as CI does it (run as root on a fresh machine):
# install dependencies, build, fetch Debian's i386 kernel for the Linux boot
# test (best effort); run the unit tests under ASan/UBSan (they do
# not touch the low-4-GiB window, where ASan keeps its shadow memory), then
# every test against the normal build. The full suite runs last so that its
# summary closes the output.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# BTVMM_SANITIZE builds only the unit tests.
cmake -S . -B build-asan -DBTVMM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j2
ctest --test-dir build-asan --output-on-failure -L unit

cmake -S . -B build
cmake --build build -j2
# Debian's stock kernel for the Linux boot test (skipped if this fails)
scripts/get-debian-kernel.sh build/linux || echo "test.sh: no Debian kernel: its boot test is skipped"
ctest --test-dir build --output-on-failure
