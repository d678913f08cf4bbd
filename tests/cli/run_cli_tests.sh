#!/bin/sh
# run_cli_tests.sh - one command-line test case against the btvmm binary.
#
#   run_cli_tests.sh CASE BTVMM FIXTURE_DIR
#
# The contract with main(): a bad command line or kernel makes btvmm print
# exactly one line, "btvmm: <reason>", on stderr and exit with status 1
# (so a crash or a hang is never mistaken for a clean refusal).  -version
# and -h print to stdout and exit 0.  FIXTURE_DIR holds tiny_mb.elf (a
# valid multiboot kernel) and tiny_nomb.elf (ELF32 without a multiboot
# header), built by tests/cli/CMakeLists.txt.  Every run is limited to 10 s.
set -u
CASE=${1:?usage: run_cli_tests.sh CASE BTVMM FIXTURE_DIR}
BTVMM=${2:?missing BTVMM}
FX=${3:?missing FIXTURE_DIR}
GOOD=$FX/tiny_mb.elf

TMP=$(mktemp -d "${TMPDIR:-/tmp}/btvmm-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL [$CASE]: $*" >&2
	echo "--- stderr:" >&2
	cat "$TMP/stderr" >&2
	echo "--- stdout (first lines):" >&2
	head -n 5 "$TMP/stdout" >&2
	exit 1
}

run() {
	echo "+ btvmm $*"
	timeout 10 "$BTVMM" "$@" <"/dev/null" >"$TMP/stdout" 2>"$TMP/stderr"
	RC=$?
}

# expect_fail PHRASE ARGS...: exit 1, one stderr line "btvmm: ...PHRASE..."
expect_fail() {
	phrase=$1
	shift
	run "$@"
	[ "$RC" -ne 124 ] || fail "timed out after 10 s"
	[ "$RC" -eq 1 ] || fail "exit status $RC, expected 1"
	lines=$(awk 'END { print NR }' "$TMP/stderr")
	[ "$lines" -eq 1 ] || fail "$lines lines on stderr, expected exactly 1"
	[ -z "$(tail -c 1 "$TMP/stderr")" ] || fail "stderr line lacks a final newline"
	line=$(cat "$TMP/stderr")
	case $line in
	"btvmm: "*) ;;
	*) fail "stderr line does not start with 'btvmm: '" ;;
	esac
	case $line in
	*"$phrase"*) ;;
	*) fail "stderr line does not contain '$phrase'" ;;
	esac
	echo "ok: $line"
}

# expect_info PHRASE ARGS...: exit 0, PHRASE on stdout, nothing on stderr
expect_info() {
	phrase=$1
	shift
	run "$@"
	[ "$RC" -eq 0 ] || fail "exit status $RC, expected 0"
	[ ! -s "$TMP/stderr" ] || fail "unexpected output on stderr"
	grep -qF -- "$phrase" "$TMP/stdout" || fail "stdout does not contain '$phrase'"
	echo "ok"
}

[ -x "$BTVMM" ] || { echo "FAIL [$CASE]: no executable $BTVMM" >&2; exit 1; }
[ -f "$GOOD" ] || { echo "FAIL [$CASE]: fixture $GOOD missing" >&2; exit 1; }

case $CASE in
missing_kernel_file)
	expect_fail "cannot open: No such file or directory" -kernel "$TMP/no-such.elf" ;;
empty_file)
	: >"$TMP/empty.elf"
	expect_fail "empty file" -kernel "$TMP/empty.elf" ;;
truncated_elf)
	head -c 100 "$GOOD" >"$TMP/truncated.elf"
	expect_fail "truncated ELF" -kernel "$TMP/truncated.elf" ;;
elf64)
	expect_fail "64-bit ELF" -kernel /bin/true ;;
no_multiboot)
	expect_fail "no multiboot header" -kernel "$FX/tiny_nomb.elf" ;;
unknown_option)
	expect_fail "unknown option '-foo'" -kernel "$GOOD" -foo ;;
missing_argument)
	expect_fail "option -kernel needs an argument" -kernel ;;
stray_argument)
	expect_fail "unexpected argument 'extra'" -kernel "$GOOD" extra ;;
ram_zero)
	expect_fail "-m 0: RAM size must be between 2 and 3072 MiB" -kernel "$GOOD" -m 0 ;;
ram_huge)
	expect_fail "-m 99999: RAM size must be between 2 and 3072 MiB" -kernel "$GOOD" -m 99999 ;;
accel_foo)
	expect_fail "-accel foo: accepted values are 'bt' and 'kvm'" -kernel "$GOOD" -accel foo ;;
debug_bogus)
	expect_fail "unknown item 'bogus'" -kernel "$GOOD" -d bogus ;;
no_kernel)
	expect_fail "no kernel given (use -kernel FILE)" -m 64 ;;
version)
	expect_info "btvmm version" -version ;;
help)
	expect_info "usage: btvmm -kernel FILE" -h ;;
*)
	echo "run_cli_tests.sh: unknown case '$CASE'" >&2
	exit 2 ;;
esac
