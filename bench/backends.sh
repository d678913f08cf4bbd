#!/bin/sh
# Every benchmark under every system this host can run, in one table.
#   bench/backends.sh BTVMM_BINARY [OUTDIR]
#
# Systems (columns):
#   native    the same source as a 32-bit Linux program (bench/cpu only), and
#             a host minor fault for the page-fault row (bench/mmu's native
#             side, a 64-bit process). Skipped, with the reason, where the
#             host cannot run 32-bit programs. qemu-i386 (user-mode
#             emulation) is never used as "native".
#   compat    btvmm -accel bt,backend=compat  \ each only if `btvmm -accel
#   x64       btvmm -accel bt,backend=x64     / help` says "yes" (else the reason)
#   QEMU TCG  qemu-system-i386 -accel tcg, the same guest kernels
# Rows: bench/cpu workload and calls (wall s), bench/irq self-IPI and PIT tick
# (guest time per interrupt), bench/mmu pagefault, ptemod_invlpg and cr3switch
# (guest time per event). The runners do the work (BENCH_RESULT=FILE gives
# their figures); each is run once per system with RUNS runs (default 3,
# best counts). QUICK=1: one run and smaller sizes. The cpu guests' checksums
# must be equal on every system. Ratios are btvmm / native where the host
# runs 32-bit programs and the row has a native figure, else btvmm / QEMU TCG.
# Logs: OUTDIR (default ${TMPDIR:-/tmp}/btvmm-bench-backends)/SYSTEM/*.log.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
BTVMM=${1:?usage: backends.sh BTVMM_BINARY [OUTDIR]}
OUT=${2:-${TMPDIR:-/tmp}/btvmm-bench-backends}
CC=${CC:-gcc}
case "$BTVMM" in /*) ;; *) BTVMM=$(pwd)/$BTVMM ;; esac
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ "${QUICK:-0}" = 1 ]; then
    RUNS=1
    : "${ITER:=300}" "${SORT_N:=262144}" "${FIB_N:=29}" "${DISPATCH_N:=4000000}"
    : "${N:=20000}" "${FAULT_N:=5000}" "${PTE_N:=20000}" "${CR3_N:=5000}"
fi
RUNS=${RUNS:-3}
export RUNS CC ITER SORT_N FIB_N DISPATCH_N N FAULT_N PTE_N CR3_N

# --- which systems run here -------------------------------------------------
help=$("$BTVMM" -accel help 2>&1 || true)
avail() { # avail BACKEND: "yes" or the reason from -accel help
    line=$(printf '%s\n' "$help" | grep "^bt,backend=$1:" | head -n 1)
    case "$line" in
        "bt,backend=$1: yes"*) echo yes ;;
        "bt,backend=$1: no: "*) echo "${line#"bt,backend=$1: no: "}" ;;
        *) echo "not listed by -accel help" ;;
    esac
}
compat_ok=$(avail compat)
x64_ok=$(avail x64)
if command -v qemu-system-i386 >/dev/null 2>&1; then qemu_ok=yes; else qemu_ok="qemu-system-i386 not installed"; fi

# Native: a static 32-bit program must build and exec directly, and no
# binfmt_misc handler may stand in for the kernel (that would be emulation).
native_ok=yes
printf 'int main(void) { return 42; }\n' >"$OUT/probe32.c"
if ! $CC -m32 -static -O2 "$OUT/probe32.c" -o "$OUT/probe32" 2>"$OUT/probe32.err"; then
    native_ok="$CC cannot build a static 32-bit program"
else
    rc=0
    "$OUT/probe32" 2>"$OUT/probe32.err" || rc=$?
    if [ "$rc" != 42 ]; then
        native_ok="a 32-bit program does not run here (exit $rc: $(sed 's/.*: //' "$OUT/probe32.err" | head -n 1))"
    else
        for f in /proc/sys/fs/binfmt_misc/*; do
            [ -f "$f" ] || continue
            if grep -q '^enabled' "$f" 2>/dev/null && grep -q '^magic 7f454c4601' "$f" 2>/dev/null &&
                grep -q '^interpreter' "$f"; then
                native_ok="32-bit programs run through binfmt_misc ($(sed -n 's/^interpreter //p' "$f")), which is emulation"
            fi
        done
    fi
fi

SYSTEMS=""
ok=""
for s in compat x64 qemu; do
    eval "ok=\$${s}_ok"
    [ "$ok" = yes ] && SYSTEMS="$SYSTEMS $s"
done
[ -n "$SYSTEMS" ] || { echo "backends.sh: no system to run on" >&2; exit 1; }

# --- runs ----------------------------------------------------------------------
# run SYSTEM NAME RUNNER ENV... : the runner with BENCH_RESULT=$OUT/SYSTEM/NAME.res,
# output in NAME.log; a failure is recorded (the cell says "failed"), not fatal.
run() {
    sys=$1 name=$2 runner=$3
    shift 3
    mkdir -p "$OUT/$sys"
    rm -f "$OUT/$sys/$name.res"
    case "$sys" in
        qemu) set -- QEMU=1 "$@" ;;
        *) set -- BTVMM_ACCEL="bt,backend=$sys" "$@" ;;
    esac
    echo "backends.sh: $sys $name" >&2
    if ! env BENCH_RESULT="$OUT/$sys/$name.res" "$@" "$HERE/$runner" "$BTVMM" "$OUT/$sys/$name.d" \
        >"$OUT/$sys/$name.log" 2>&1; then
        echo "backends.sh: $sys $name failed, see $OUT/$sys/$name.log" >&2
        rm -f "$OUT/$sys/$name.res"
    fi
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
natcpu="" # the system whose cpu runs also timed the native programs
natmmu="" # the system whose mmu run gives the host minor fault
for s in $SYSTEMS; do
    # The native programs run once, beside the first system that works.
    nat=0
    [ "$native_ok" = yes ] && [ -z "$natcpu" ] && nat=1
    run "$s" workload cpu/run.sh NATIVE=$nat WORKLOAD=workload
    run "$s" calls cpu/run.sh NATIVE=$nat WORKLOAD=calls
    run "$s" irq irq/run.sh
    run "$s" mmu mmu/run.sh
    [ "$nat" = 1 ] && [ -f "$OUT/$s/workload.res" ] && [ -f "$OUT/$s/calls.res" ] && natcpu=$s
    [ -z "$natmmu" ] && [ -f "$OUT/$s/mmu.res" ] && natmmu=$s
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- figures ---------------------------------------------------------------------
kv() { # kv FILE KEY: KEY=value from a result line
    [ -f "$1" ] && tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | head -n 1
}
mmu() { # mmu FILE NAME COLUMN (2 = guest ns, 3 = native ns)
    [ -f "$1" ] && awk -v k="$2" -v c="$3" '$1 == k { print $c }' "$1"
}
# value SYSTEM ROW: seconds (cpu rows) or ns (the others); empty if none
value() {
    f=$OUT/$1
    case "$2" in
        workload | calls) kv "$f/$2.res" vm_s ;;
        selfipi) kv "$f/irq.res" selfipi_ns ;;
        pit) kv "$f/irq.res" pit_ns ;;
        *) mmu "$f/mmu.res" "$2" 2 ;;
    esac
}
native_value() {
    case "$1" in
        workload | calls) [ -z "$natcpu" ] || kv "$OUT/$natcpu/$1.res" native_s ;;
        pagefault) [ -z "$natmmu" ] || mmu "$OUT/$natmmu/mmu.res" pagefault 3 ;;
    esac
}
fmt() { # fmt ROW VALUE
    case "$2" in
        "" | n/a) echo "n/a" ;;
        *) case "$1" in
            workload | calls) awk -v v="$2" 'BEGIN { printf "%.2f s", v }' ;;
            *) awk -v v="$2" 'BEGIN { if (v >= 1e5) printf "%.0f us", v / 1e3; else printf "%.2f us", v / 1e3 }' ;;
        esac ;;
    esac
}
ratio() { # ratio A B
    case "$1$2" in *n/a*) echo n/a; return ;; esac
    if [ -z "$1" ] || [ -z "$2" ]; then echo n/a; return; fi
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

if [ "$native_ok" = yes ]; then
    rbase="native (QEMU TCG where the row has no native, marked *)"
else
    rbase="QEMU TCG"
fi
echo "btvmm backends, $(date -u +%Y-%m-%d), $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs, Linux $(uname -r)"
q=""
[ "${QUICK:-0}" = 1 ] && q=" (QUICK=1: smaller sizes)"
echo "best of $RUNS run(s)$q; load average before $load0, after $load1"
echo
echo "| workload | native | compat | x64 | QEMU TCG | compat / $rbase | x64 / $rbase | checksum |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
bad=0
for row in workload calls selfipi pit pagefault ptemod_invlpg cr3switch; do
    case "$row" in
        workload) label="cpu \`workload\` (wall s)" ;;
        calls) label="cpu \`calls\` (wall s)" ;;
        selfipi) label="irq self-IPI (per interrupt)" ;;
        pit) label="irq PIT at ~100 kHz (guest time per tick delivered; nominal 10.06 us)" ;;
        pagefault) label="mmu page fault (native: host minor fault)" ;;
        ptemod_invlpg) label="mmu PTE write + INVLPG + read" ;;
        cr3switch) label="mmu CR3 switch + 16 page reads" ;;
    esac
    nv=$(native_value "$row")
    q=""
    [ "$qemu_ok" = yes ] && q=$(value qemu "$row")
    # ratio base: native where the host runs 32-bit programs and the row
    # has a native figure, else QEMU TCG (marked * if other rows use native)
    base=$q mark=""
    if [ "$native_ok" = yes ]; then
        if [ -n "$nv" ]; then base=$nv; else mark="*"; fi
    fi
    cells="| $label | $(fmt "$row" "$nv")"
    ratios=""
    for s in compat x64; do
        eval "ok=\$${s}_ok"
        if [ "$ok" = yes ]; then
            v=$(value "$s" "$row")
            [ -n "$v" ] || v=failed
            if [ "$v" = failed ]; then cells="$cells | failed"; r=n/a; else cells="$cells | $(fmt "$row" "$v")"; r=$(ratio "$v" "$base"); fi
            [ "$r" = n/a ] || r="$r$mark"
        else
            cells="$cells | skipped"
            r=n/a
        fi
        ratios="$ratios | $r"
    done
    if [ "$qemu_ok" = yes ]; then
        [ -n "$q" ] && cells="$cells | $(fmt "$row" "$q")" || cells="$cells | failed"
    else
        cells="$cells | skipped"
    fi
    # checksums (cpu rows): every system that ran must print the same one
    sum="(self-checked)"
    case "$row" in
        workload | calls)
            sums=""
            for s in $SYSTEMS; do
                c=$(kv "$OUT/$s/$row.res" checksum)
                [ -n "$c" ] && sums="$sums $c"
            done
            # shellcheck disable=SC2086 # one checksum per word
            n=$(printf '%s\n' $sums | sort -u | grep -c . || true)
            if [ "$n" = 1 ]; then
                sum="$(echo "$sums" | cut -d' ' -f2) (all equal)"
            elif [ "$n" = 0 ]; then
                sum="none"
            else
                sum="MISMATCH:$sums"
                bad=1
            fi
            ;;
    esac
    echo "$cells$ratios | $sum |"
done
echo
[ "$native_ok" = yes ] || echo "native: skipped: $native_ok."
[ "$compat_ok" = yes ] || echo "compat: skipped: $compat_ok."
[ "$x64_ok" = yes ] || echo "x64: skipped: $x64_ok."
[ "$qemu_ok" = yes ] || echo "QEMU TCG: skipped: $qemu_ok."
echo "irq and mmu: guest TSC time (btvmm: 1 GHz; QEMU: host TSC ticks / host TSC rate). The guests check their own results (exit status)."
[ "$bad" = 0 ] || { echo "backends.sh: checksum mismatch" >&2; exit 1; }
