# run32.sh - sourced by the tests that run 32-bit x86 Linux programs on the
# host (run_host.sh, tests/guests/run_sweep_diff.sh). Some hosts run none:
# a PVM guest kernel has no 32-bit compatibility mode for user space, and
# exec fails with ENOEXEC ("Exec format error", status 126 from the shell).
# There the programs run under qemu-i386 (Debian package qemu-user).
#
#   run32_choose PROGRAM   sets RUN32 ("" or the qemu-i386 path) and
#                          RUN32_HOW (how, for the test output); status 1,
#                          with the reason in RUN32_HOW, when neither works.
#                          Runs PROGRAM once (output discarded) to find out.
#   run32 PROGRAM [ARG...] runs it the chosen way.
run32_choose() {
    "$1" </dev/null >/dev/null 2>&1
    if [ $? -ne 126 ]; then
        RUN32= RUN32_HOW="natively on the host CPU"
        return 0
    fi
    RUN32=$(command -v qemu-i386) || {
        RUN32_HOW="this host cannot run 32-bit programs (exec format error) and qemu-i386 (package qemu-user) is not installed"
        return 1
    }
    "$RUN32" "$1" </dev/null >/dev/null 2>&1
    case $? in
    126 | 127)
        RUN32_HOW="this host cannot run 32-bit programs (exec format error), nor can $RUN32"
        return 1 ;;
    esac
    RUN32_HOW="under $RUN32 (this host cannot run 32-bit programs: exec format error)"
    return 0
}

run32() {
    if [ -n "$RUN32" ]; then "$RUN32" "$@"; else "$@"; fi
}
