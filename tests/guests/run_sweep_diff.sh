#!/bin/sh
# Differential check: the native 32-bit sweep and the guest sweep under
# btvmm must print identical "sweep ..." lines (per-group sub-checksums,
# check count and total checksum).
#   run_sweep_diff.sh BTVMM SWEEP_NATIVE SWEEP_ELF
BTVMM=${1:?usage: run_sweep_diff.sh BTVMM SWEEP_NATIVE SWEEP_ELF}
NATIVE=${2:?}
ELF=${3:?}
n=$(mktemp)
g=$(mktemp)
trap 'rm -f "$n" "$g" "$g.all"' EXIT
"$NATIVE" | grep '^sweep ' >"$n"
timeout ${GUEST_TIMEOUT:-120} "$BTVMM" -kernel "$ELF" -serial stdio -nographic >"$g.all"
rc=$?
grep '^sweep ' "$g.all" >"$g"
if [ $rc -ne 1 ]; then
    echo "guest sweep: exit status $rc (want 1)"; cat "$g.all"; exit 1
fi
if ! grep -q '^sweep checksum:' "$n"; then
    echo "native sweep produced no checksum"; exit 1
fi
if ! cmp -s "$n" "$g"; then
    echo "sweep differs (native vs btvmm guest):"; diff -u "$n" "$g"; exit 1
fi
cat "$g"
