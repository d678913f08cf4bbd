#!/usr/bin/env bash
# test.sh - the full test run, as CI does it (run as root on a fresh machine):
# install dependencies, build, run every test, then build the unit tests
# again under ASan/UBSan and run them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build
cmake --build build -j2
ctest --test-dir build --output-on-failure

# BTVMM_SANITIZE builds only the unit tests.
cmake -S . -B build-asan -DBTVMM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j2
ctest --test-dir build-asan --output-on-failure -L unit
