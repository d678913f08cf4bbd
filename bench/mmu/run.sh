#!/bin/sh
# MMU nanobenchmarks (issue 4): guest page faults, page-table writes and CR3
# switches under btvmm's shadow paging, beside the native operation.
#   bench/mmu/run.sh BTVMM_BINARY [OUTDIR]
#
# The guest is bench/cpu/mmu.c (tests/guests/build.sh only finds guest
# sources in bench/cpu/ and tests/guests/; its header comment describes the
# benchmarks). The native side is bench/mmu/native_fault.c, built with $CC
# for the host. The guest is run $RUNS times (default 3) and each benchmark
# keeps its best (least TSC ticks) run; each native benchmark too.
#
# Output: the guest's lines of the best runs (with the raw TSC tick counts),
# then one line per benchmark:
#   name btvmm_ns_per_event native_ns_per_event|n/a
#     pagefault      one #PF: delivery, a handler that writes the PTE for
#                    CR2 (fresh frame), iret, the restarted store;
#                    native: a minor fault on MAP_PRIVATE|MAP_ANONYMOUS
#                    memory (which also zeroes the page)
#     ptemod_invlpg  one PTE write + INVLPG + a read through the page
#     ptemod         one PTE write + a read through the page (no INVLPG)
#     cr3switch      one CR3 load + reading 16 pages of the new address
#                    space (a warm working set)
# and, clearly apart, "# pingpong (native analogue of cr3switch)": the cost
# of one context switch between two processes on one CPU (pipe ping-pong).
# btvmm's guest TSC runs at 1 GHz, so its tick counts are nanoseconds.
#
# Environment: BTVMM_ARGS (extra btvmm options, e.g. -no-prefill),
# BTVMM_ACCEL (btvmm's -accel, e.g. bt,backend=x64), RUNS,
# CC, FAULT_N / PTE_N / CR3_N (guest sizes; defaults 20000 / 100000 /
# 20000), QEMU=1 (run the guest under qemu-system-i386 TCG
# instead of btvmm: QEMU's TCG rdtsc reads the host TSC, so the guest's
# figures are converted with the host TSC rate native_fault measures and
# labelled as such; the raw tick counts are printed as well),
# BENCH_RESULT=FILE (also write the "name ns native" lines there, ns
# converted for QEMU, for bench/backends.sh).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BTVMM=${1:?usage: run.sh BTVMM_BINARY [OUTDIR]}
OUT=${2:-${TMPDIR:-/tmp}/btvmm-bench-mmu}
RUNS=${RUNS:-3}
CC=${CC:-gcc}
FAULT_N=${FAULT_N:-20000}
PTE_N=${PTE_N:-100000}
CR3_N=${CR3_N:-20000}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
case "$BTVMM" in /*) ;; *) BTVMM=$(pwd)/$BTVMM ;; esac

EXTRA_CFLAGS="-DFAULT_N=${FAULT_N}u -DPTE_N=${PTE_N}u -DCR3_N=${CR3_N}u" CC=$CC \
    "$ROOT/tests/guests/build.sh" "$OUT" mmu >/dev/null
$CC -O2 -Wall -Wextra "$HERE/native_fault.c" -o "$OUT/native_fault"

if [ -n "${QEMU:-}" ]; then
    vmname="qemu-system-i386 (TCG)"
    runvm() {
        timeout 600 qemu-system-i386 -accel tcg -kernel "$1" -serial stdio \
            -display none -monitor none -nodefaults -no-reboot \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128
    }
else
    vmname="btvmm ($BTVMM)"
    # shellcheck disable=SC2086 # BTVMM_ARGS is a list of options
    runvm() { timeout 600 "$BTVMM" -kernel "$1" -serial stdio -nographic ${BTVMM_ARGS:-} \
        ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"}; }
fi

# Guest runs: each must exit with status 1 (main returned 0).
rm -f "$OUT"/guest.out.*
i=0
while [ "$i" -lt "$RUNS" ]; do
    rc=0
    runvm "$OUT/mmu.elf" >"$OUT/guest.out.$i" 2>&1 || rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "run.sh: guest run $i exited with status $rc (want 1; 124 = timeout):" >&2
        cat "$OUT/guest.out.$i" >&2
        exit 1
    fi
    i=$((i + 1))
done

# Native runs.
rm -f "$OUT"/native.out
i=0
while [ "$i" -lt "$RUNS" ]; do
    "$OUT/native_fault" fault "$FAULT_N" >>"$OUT/native.out"
    "$OUT/native_fault" pingpong "$CR3_N" >>"$OUT/native.out"
    i=$((i + 1))
done
"$OUT/native_fault" tsc >>"$OUT/native.out"

# best-of per benchmark: "name ns_per_event line" for every "mmu"/"native" line
best() { # best PREFIX FILE...
    pre=$1
    shift
    awk -v pre="$pre" '
    $1 == pre {
        ev = 0; t = ""
        for (k = 3; k <= NF; k++) {
            split($k, kv, "=")
            if (kv[1] == "events") ev = kv[2]
            if (kv[1] == "tsc_ticks" || kv[1] == "ns") t = kv[2]
        }
        if (ev == 0 || t == "") next
        if (!($2 in b)) order[n++] = $2
        if (!($2 in b) || t + 0 < b[$2] + 0) { b[$2] = t; e[$2] = ev; line[$2] = $0 }
    }
    END { for (k = 0; k < n; k++) printf "%s %.2f %s\n", order[k], b[order[k]] / e[order[k]], line[order[k]] }
    ' "$@"
}
best mmu "$OUT"/guest.out.* >"$OUT/guest.best"
best native "$OUT/native.out" >"$OUT/native.best"
ghz=$(sed -n 's/^native tsc ghz=//p' "$OUT/native.out")

if [ -n "${QEMU:-}" ]; then
    guestcol="qemu_ns_per_event(host TSC ticks / ${ghz} GHz)"
else
    guestcol="btvmm_ns_per_event"
fi
echo "mmu benchmarks under $vmname, best of $RUNS (FAULT_N=$FAULT_N PTE_N=$PTE_N CR3_N=$CR3_N)"
cut -d' ' -f3- "$OUT/guest.best"
cut -d' ' -f3- "$OUT/native.best"
echo "name $guestcol native_ns_per_event"
nat() { awk -v k="$1" '$1 == k { print $2 }' "$OUT/native.best"; }
[ -z "${BENCH_RESULT:-}" ] || : >"$BENCH_RESULT"
while read -r name ns rest; do
    case "$name" in
        pagefault) native=$(nat fault) ;;
        *) native=n/a ;;
    esac
    if [ -n "${QEMU:-}" ]; then
        ns=$(awk -v x="$ns" -v g="$ghz" 'BEGIN { printf "%.2f", (g > 0 ? x / g : 0) }')
    fi
    echo "$name $ns ${native:-n/a}"
    [ -z "${BENCH_RESULT:-}" ] || echo "$name $ns ${native:-n/a}" >>"$BENCH_RESULT"
done <"$OUT/guest.best"
echo "# pingpong (native analogue of cr3switch, not the same operation: one context switch"
echo "#   between two processes pinned to one CPU, pipe ping-pong): $(nat pingpong) ns"
