#!/bin/sh
# Run one guest under btvmm and compare its serial output with .expect.
#   run_guest.sh BTVMM ELF EXPECT [BTVMM_OPTION...]
# BTVMM_ACCEL (set by tests/with_backend.sh) is passed on as -accel.
BTVMM=${1:?usage: run_guest.sh BTVMM ELF EXPECT [BTVMM_OPTION...]}
ELF=${2:?}
EXPECT=${3:?}
shift 3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout ${GUEST_TIMEOUT:-60} "$BTVMM" -kernel "$ELF" -serial stdio -nographic "$@" \
    ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$out"
rc=$?
if [ $rc -ne 1 ]; then
    echo "$(basename "$ELF"): exit status $rc (want 1: guest wrote 0 to port 0xf4)"
    echo "--- output:"; cat "$out"
    exit 1
fi
if ! cmp -s "$out" "$EXPECT"; then
    echo "$(basename "$ELF"): serial output differs from $(basename "$EXPECT")"
    diff -u "$EXPECT" "$out" | head -n 200
    exit 1
fi
echo "$(basename "$ELF"): ok"
