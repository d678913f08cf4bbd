#!/bin/sh
# bench/run.sh - the benchmark suite in one command: Linux workloads inside
# Debian's i386 kernel (bench/linux/), natively where the host runs 32-bit
# programs, under btvmm with each backend and setting this host allows,
# under QEMU TCG, and under KVM where it can run; results, table, event
# counts and plots into bench/results/DATE/.
#   bench/run.sh [--mode quick|full] [--runs N] [--systems a,b] [--workloads a,b]
#                [--out DIR]
# quick (the default): one run, about a second per workload; full: five runs
# of about four seconds each. bench/linux/run.py says what every figure is.
set -e
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    for p in gnuplot:gnuplot-nox qemu-system-i386:qemu-system-x86 python3:python3; do
        command -v "${p%%:*}" >/dev/null ||
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${p#*:}" >/dev/null ||
            echo "bench/run.sh: could not install ${p#*:}; going on without it"
    done
fi
[ -x build/btvmm ] && [ -x build/tests/guests/mkcpio ] || {
    cmake -S . -B build >/dev/null
    cmake --build build -j2 --target btvmm mkcpio >/dev/null
}
[ -s build/linux/vmlinuz-686 ] || scripts/get-debian-kernel.sh build/linux
exec /usr/bin/python3 bench/linux/run.py "$@"
