#!/bin/sh
# linux_params as a bzImage under btvmm (see linux_params.c), compared with
# linux_params.linux-expect.
#   run_linux_params.sh BTVMM BZIMAGE
HERE=$(cd "$(dirname "$0")" && pwd)
exec sh "$HERE/run_guest.sh" "${1:?usage: run_linux_params.sh BTVMM BZIMAGE}" "${2:?}" \
    "$HERE/linux_params.linux-expect" -m 64 -append "console=ttyS0 root=/dev/x" \
    -initrd "$HERE/modules/two.txt"
