#!/bin/sh
# with_backend.sh - run one test command with btvmm's given backend, or skip.
#
#   with_backend.sh BACKEND BTVMM_EXE CMD...
#
# Asks BTVMM_EXE -accel help whether this host and binary can run
# BACKEND (compat, x64, or de: direct execution of guest ring 3 in the
# sandbox, with the backend auto chooses: compat on an ordinary host, x64
# under QEMU TCG; compat and x64 run with de=off). If not, prints "SKIP: backend BACKEND: <reason>"
# and exits 77 (ctest's SKIP_RETURN_CODE). It also skips when the test
# (its ctest name in BTVMM_TEST_NAME, with or without the "_BACKEND"
# suffix) is listed for BACKEND in tests/backend_gaps.txt. Otherwise it
# exports BTVMM_ACCEL=bt,backend=BACKEND,de=off (bt,de=on for de), which every script that starts
# btvmm for a guest appends as -accel "$BTVMM_ACCEL", and execs CMD.
BACKEND=${1:?usage: with_backend.sh BACKEND BTVMM_EXE CMD...}
BTVMM=${2:?usage: with_backend.sh BACKEND BTVMM_EXE CMD...}
shift 2
[ $# -gt 0 ] || { echo "usage: with_backend.sh BACKEND BTVMM_EXE CMD..." >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)

help=$("$BTVMM" -accel help) || { echo "with_backend.sh: $BTVMM -accel help failed"; exit 1; }
# need NAME: the -accel help line "NAME: yes", or skip with its reason
need() {
    line=$(printf '%s\n' "$help" | grep "^$1: ")
    case $line in
    "$1: yes" | "$1: yes "*) ;;
    "$1: no: "*)
        echo "SKIP: backend $BACKEND: ${line#"$1: no: "}"
        exit 77 ;;
    *)
        echo "with_backend.sh: $BTVMM -accel help has no line for $1:"
        printf '%s\n' "$help"
        exit 1 ;;
    esac
}
if [ "$BACKEND" = de ]; then
    need de
else
    need "bt,backend=$BACKEND"
fi

# de-hostcpuid: direct execution where ring 3's cpuid shows the host's
# CPUID (no CPUID faulting); its gaps apply besides those of de
keys=$BACKEND
case $help in
*"de: yes (cpuid in ring 3: the host's"*) [ "$BACKEND" = de ] && keys="de de-hostcpuid" ;;
esac
if [ -n "${BTVMM_TEST_NAME:-}" ] && [ -f "$HERE/backend_gaps.txt" ]; then
    gap=$(awk -v b="$BACKEND" -v keys=" $keys " -v t="$BTVMM_TEST_NAME" '
        /^[ \t]*(#|$)/ { next }
        index(keys, " " $1 " ") && ($2 == t || $2 "_" b == t) {
            $1 = ""; $2 = ""; sub(/^[ \t]+/, "")
            print ($0 == "" ? "listed in tests/backend_gaps.txt" : $0); exit
        }' "$HERE/backend_gaps.txt")
    if [ -n "$gap" ]; then
        echo "SKIP: backend $BACKEND: $gap"
        exit 77
    fi
fi

# QEMU TCG as the host (compat-vm.sh): run_guest.sh then picks
# NAME.de-tcg.expect where one exists
case $help in
*"limits are not enforced"*) BTVMM_HOST_NO_LIMITS=1; export BTVMM_HOST_NO_LIMITS ;;
esac
if [ "$BACKEND" = de ]; then
    BTVMM_ACCEL=bt,de=on
else
    BTVMM_ACCEL=bt,backend=$BACKEND,de=off
fi
export BTVMM_ACCEL
exec "$@"
