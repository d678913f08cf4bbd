#!/bin/sh
# Run one guest under btvmm and compare its serial output with .expect.
#   run_guest.sh BTVMM ELF EXPECT [BTVMM_OPTION...]
# BTVMM_ACCEL (set by tests/with_backend.sh) is passed on as -accel.
BTVMM=${1:?usage: run_guest.sh BTVMM ELF EXPECT [BTVMM_OPTION...]}
ELF=${2:?}
EXPECT=${3:?}
shift 3
# Under direct execution (de=on in BTVMM_ACCEL), NAME.de.expect, where it
# exists, is what differs from hardware by design (docs/ARCHITECTURE.md,
# "Differences from hardware under DE"); on a host without enforced segment
# limits (QEMU TCG: BTVMM_HOST_NO_LIMITS from with_backend.sh) the guest's
# ring 3 runs on TCG, and NAME.de-tcg.expect adds TCG's own differences.
case ${BTVMM_ACCEL:-} in
*de=on*)
    base=${EXPECT%.expect}
    if [ -n "${BTVMM_HOST_NO_LIMITS:-}" ] && [ -f "$base.de-tcg.expect" ]; then
        EXPECT=$base.de-tcg.expect
    elif [ -f "$base.de.expect" ]; then
        EXPECT=$base.de.expect
    fi ;;
esac
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
