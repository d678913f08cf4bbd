#!/bin/sh
# An idle guest must sleep, not spin, on the host.
#   run_idle.sh BTVMM IDLE_ELF [BTVMM_OPTION...]
# Runs tests/guests/idle.c (100 PIT ticks at 100 Hz spent in `sti; hlt`,
# ~1 s) under btvmm, measuring btvmm's CPU time with /usr/bin/time. Passes
# if the guest exits 0 (status 1), prints exactly "idle: 100 ticks", and
# user+sys < 0.25 x elapsed. Prints the figures either way.
# Environment: IDLE_MAX_FRACTION (default 0.25), GUEST_TIMEOUT (default 30).
BTVMM=${1:?usage: run_idle.sh BTVMM IDLE_ELF [BTVMM_OPTION...]}
ELF=${2:?usage: run_idle.sh BTVMM IDLE_ELF [BTVMM_OPTION...]}
shift 2
MAXF=${IDLE_MAX_FRACTION:-0.25}
TIME=${TIME_BIN:-/usr/bin/time}
[ -x "$TIME" ] || { echo "run_idle.sh: $TIME not found (install the 'time' package)"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/btvmm-idle.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

# /usr/bin/time writes its line to -o; "%x" is the command's exit status.
"$TIME" -o "$TMP/time" -f '%U %S %e %x' \
    timeout "${GUEST_TIMEOUT:-30}" "$BTVMM" -kernel "$ELF" -serial stdio -nographic "$@" \
    ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$TMP/out" 2>"$TMP/err"
set -- $(tail -n 1 "$TMP/time")
user=$1 sys=$2 elapsed=$3 rc=$4
if [ -z "$rc" ]; then
    echo "FAIL: no timing from $TIME:"; cat "$TMP/time" "$TMP/err"; exit 1
fi
echo "idle: user=${user}s sys=${sys}s elapsed=${elapsed}s (limit: user+sys < $MAXF x elapsed)"
fail=0
if [ "$rc" != 1 ]; then
    echo "FAIL: exit status $rc (want 1: guest wrote 0 to port 0xf4)"; fail=1
fi
printf 'idle: 100 ticks\n' >"$TMP/want"
if ! cmp -s "$TMP/want" "$TMP/out"; then
    echo "FAIL: serial output differs"; diff -u "$TMP/want" "$TMP/out" | head -n 20; fail=1
fi
if [ -s "$TMP/err" ]; then
    echo "--- btvmm stderr:"; head -n 5 "$TMP/err"
fi
if awk "BEGIN { exit !(($user + $sys) < $MAXF * $elapsed) }"; then
    awk "BEGIN { printf \"cpu/elapsed = %.3f: ok\n\", ($user + $sys) / ($elapsed > 0 ? $elapsed : 1) }"
else
    awk "BEGIN { printf \"FAIL: cpu/elapsed = %.3f >= $MAXF: btvmm spins while the guest is halted\n\", ($user + $sys) / ($elapsed > 0 ? $elapsed : 1) }"
    fail=1
fi
exit $fail
