#!/bin/sh
# Build btvmm guest test kernels (multiboot ELF32) and the native sweep.
#
#   tests/guests/build.sh OUTDIR [NAME...]
#
# With no NAME, builds every guest (tests/guests/*.c, *.S), the guest
# sweep (sweep.elf, from tests/native/sweep.c) and the native 32-bit
# Linux sweep (sweep_native). NAME may also be "sweep_native".
# Environment: CC (default gcc; must support -m32), EXTRA_CFLAGS.
# A source may request extra flags with a line containing
#   GUEST_CFLAGS: <flags>
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CC=${CC:-gcc}
OUT=${1:?usage: build.sh OUTDIR [NAME...]}
shift
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

CFLAGS="-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
-fno-asynchronous-unwind-tables -fno-omit-frame-pointer -O2 -Wall -Wextra -I$HERE/common $EXTRA_CFLAGS"
LDFLAGS="-m32 -nostdlib -static -no-pie -Wl,-T,$HERE/common/link.ld -Wl,--build-id=none -Wl,-z,noexecstack"

COMMON="$OUT/.common"
mkdir -p "$COMMON"

# Objects are written to a temporary name and renamed so that parallel
# invocations (one per guest from CMake) never see a half-written file.
build_common() {
    $CC $CFLAGS -c "$HERE/common/crt0.S" -o "$COMMON/crt0.o.$$"
    mv -f "$COMMON/crt0.o.$$" "$COMMON/crt0.o"
    $CC $CFLAGS -fno-builtin -fno-tree-loop-distribute-patterns \
        -c "$HERE/common/lib.c" -o "$COMMON/lib.o.$$"
    mv -f "$COMMON/lib.o.$$" "$COMMON/lib.o"
}

extra_flags() {
    sed -n 's/.*GUEST_CFLAGS:[[:space:]]*\([^*]*\).*/\1/p' "$1" | head -n 1
}

build_guest() {
    name=$1
    if [ "$name" = sweep ]; then
        src=$ROOT/tests/native/sweep.c
    elif [ "$name" = sweep_native ]; then
        $CC -m32 -O2 -Wall -Wextra -static "$ROOT/tests/native/sweep.c" -o "$OUT/sweep_native"
        return
    elif [ -f "$ROOT/bench/cpu/$name.c" ]; then
        src=$ROOT/bench/cpu/$name.c  # benchmark workloads (bench/cpu/run.sh)
    elif [ -f "$HERE/$name.c" ]; then
        src=$HERE/$name.c
    elif [ -f "$HERE/$name.S" ]; then
        src=$HERE/$name.S
    else
        echo "build.sh: no source for guest '$name'" >&2
        exit 1
    fi
    xf=$(extra_flags "$src")
    $CC $CFLAGS -DGUEST $xf -c "$src" -o "$COMMON/$name.o"
    $CC $LDFLAGS "$COMMON/crt0.o" "$COMMON/$name.o" "$COMMON/lib.o" -lgcc -o "$OUT/$name.elf"
    if grep -q 'GUEST_BZIMAGE' "$src"; then
        # also NAME.bzimage: common/bzsetup.S's setup header, then the
        # ELF's bytes from 1 MiB as the protected-mode part
        $CC $CFLAGS -c "$HERE/common/bzsetup.S" -o "$COMMON/bzsetup.o.$$"
        ${OBJCOPY:-objcopy} -O binary -j .text "$COMMON/bzsetup.o.$$" "$COMMON/$name.setup"
        ${OBJCOPY:-objcopy} -O binary "$OUT/$name.elf" "$COMMON/$name.pm"
        cat "$COMMON/$name.setup" "$COMMON/$name.pm" >"$OUT/$name.bzimage.$$"
        mv -f "$OUT/$name.bzimage.$$" "$OUT/$name.bzimage"
        rm -f "$COMMON/bzsetup.o.$$" "$COMMON/$name.setup" "$COMMON/$name.pm"
    fi
}

build_common
if [ $# -eq 0 ]; then
    set --
    for f in "$HERE"/*.c "$HERE"/*.S; do
        [ -f "$f" ] || continue
        b=$(basename "$f"); set -- "$@" "${b%.*}"
    done
    set -- "$@" sweep sweep_native
fi
for n in "$@"; do
    build_guest "$n"
done
