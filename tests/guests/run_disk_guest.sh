#!/bin/sh
# Run a disk guest under btvmm with a fresh deterministic image (the one
# run_qemu_disk.sh makes for QEMU) as the primary IDE master, and compare
# its serial output with NAME.disk-expect. Also checks what the guest wrote
# (sector 5) actually reached the image file.
#   run_disk_guest.sh BTVMM ELF DISK_EXPECT
BTVMM=${1:?usage: run_disk_guest.sh BTVMM ELF DISK_EXPECT}
ELF=${2:?}
EXPECT=${3:?}
HERE=$(cd "$(dirname "$0")" && pwd)
img=$(mktemp) out=$(mktemp)
trap 'rm -f "$img" "$out"' EXIT
sh "$HERE/run_qemu_disk.sh" --image "$img" || exit 1
before=$(od -A n -t x1 -j $((5 * 512)) -N 16 "$img")
timeout 60 "$BTVMM" -kernel "$ELF" -serial stdio -nographic \
    -drive "file=$img,format=raw" ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$out"
rc=$?
if [ $rc -ne 1 ]; then
    echo "$(basename "$ELF"): exit status $rc (want 1)"; cat "$out"; exit 1
fi
if ! cmp -s "$out" "$EXPECT"; then
    echo "$(basename "$ELF"): serial output differs from $(basename "$EXPECT")"
    diff -u "$EXPECT" "$out" | head -n 100
    exit 1
fi
after=$(od -A n -t x1 -j $((5 * 512)) -N 16 "$img")
if [ "$before" = "$after" ]; then
    echo "$(basename "$ELF"): sector 5 of the image file is unchanged after the guest wrote it"
    exit 1
fi
echo "$(basename "$ELF"): ok (sector 5 now:$after)"
