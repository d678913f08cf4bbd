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
#
# The fault_* cases check the contract for stops the guest causes
# (docs/ARCHITECTURE.md, "What stops the machine"): exactly one line,
# "btvmm: <reason>", on stderr and exit status 2.  Their kernels
# (FIXTURE_DIR/fault_*.elf, from fault_*.S) label the instruction that
# stops the machine with the symbol fault_here, in the middle of a
# translated block; the EIP in the message must be that symbol's address
# (read with $NM, default nm), and for exceptions the "bytes" must start
# with that instruction's bytes.  debug_exit_5 checks a guest's serial
# output and the isa-debug-exit status (5 << 1) | 1 = 11.
#
# BTVMM_ACCEL (set by tests/with_backend.sh for the cases that run a
# guest) is appended to every btvmm command line as -accel; the accel_*
# cases test -accel itself and ignore it.
set -u
CASE=${1:?usage: run_cli_tests.sh CASE BTVMM FIXTURE_DIR}
BTVMM=${2:?missing BTVMM}
FX=${3:?missing FIXTURE_DIR}
GOOD=$FX/tiny_mb.elf
NM=${NM:-nm}

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
	echo "+ btvmm $*${BTVMM_ACCEL:+ -accel $BTVMM_ACCEL}"
	timeout 10 "$BTVMM" "$@" ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} <"/dev/null" >"$TMP/stdout" 2>"$TMP/stderr"
	RC=$?
}

# expect_fail PHRASE ARGS...: exit 1, one stderr line "btvmm: ...PHRASE..."
expect_fail() {
	phrase=$1
	shift
	run "$@"
	one_stderr_line 1
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

# one_stderr_line STATUS: exit status STATUS and exactly one stderr line,
# newline-terminated, starting with "btvmm: "; sets $line.
one_stderr_line() {
	[ "$RC" -ne 124 ] || fail "timed out after 10 s"
	[ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1"
	lines=$(awk 'END { print NR }' "$TMP/stderr")
	[ "$lines" -eq 1 ] || fail "$lines lines on stderr, expected exactly 1"
	[ -z "$(tail -c 1 "$TMP/stderr")" ] || fail "stderr line lacks a final newline"
	line=$(cat "$TMP/stderr")
	case $line in
	"btvmm: "*) ;;
	*) fail "stderr line does not start with 'btvmm: '" ;;
	esac
}

# expect_stop FAULT PHRASE [ARGS...]: run FIXTURE_DIR/FAULT.elf (with ARGS);
# exit 2, one stderr line "btvmm: ...PHRASE...", where @EIP@ in PHRASE
# stands for the address of the kernel's symbol fault_here, which must also
# be the EIP the line reports.  If $BYTES is set, the instruction bytes
# after "bytes " must start with it.  Nothing may appear on stdout.
expect_stop() {
	elf=$FX/$1.elf
	phrase=$2
	shift 2
	[ -f "$elf" ] || { echo "FAIL [$CASE]: fixture $elf missing" >&2; exit 1; }
	addr=$("$NM" "$elf" | awk '$3 == "fault_here" { print $1 }')
	[ -n "$addr" ] || { echo "FAIL [$CASE]: no symbol fault_here in $elf" >&2; exit 1; }
	eip=0x$addr
	phrase=$(printf '%s\n' "$phrase" | sed "s/@EIP@/$eip/g")
	run -kernel "$elf" "$@"
	one_stderr_line 2
	case $line in
	*"at EIP $eip"*) ;;
	*) fail "the EIP reported is not fault_here = $eip" ;;
	esac
	case $line in
	*"$phrase"*) ;;
	*) fail "stderr line does not contain '$phrase'" ;;
	esac
	if [ -n "${BYTES:-}" ]; then
		got=$(printf '%s\n' "$line" | sed -n 's/.*, bytes \([0-9a-f ]*\):.*/\1/p')
		case "$got " in
		"$BYTES "*) ;;
		*) fail "instruction bytes '$got' do not start with '$BYTES'" ;;
		esac
	fi
	[ ! -s "$TMP/stdout" ] || fail "unexpected output on stdout"
	echo "ok: $line"
}

# expect_exit STATUS FILE [ARGS...]: exit STATUS, nothing on stderr, stdout
# exactly the contents of FILE.
expect_exit() {
	status=$1
	want=$2
	shift 2
	run "$@"
	[ "$RC" -ne 124 ] || fail "timed out after 10 s"
	[ "$RC" -eq "$status" ] || fail "exit status $RC, expected $status"
	[ ! -s "$TMP/stderr" ] || fail "unexpected output on stderr"
	if ! cmp -s "$want" "$TMP/stdout"; then
		diff -u "$want" "$TMP/stdout" >&2
		fail "stdout differs from the expected output"
	fi
	echo "ok"
}

[ -x "$BTVMM" ] || { echo "FAIL [$CASE]: no executable $BTVMM" >&2; exit 1; }
[ -f "$GOOD" ] || { echo "FAIL [$CASE]: fixture $GOOD missing" >&2; exit 1; }

case $CASE in
accel_*) unset BTVMM_ACCEL ;;
esac

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
	expect_fail "-accel foo: accepted values are 'bt[,backend=auto|compat|x64][,de=on|off|auto]', 'kvm' and 'help'" \
		-kernel "$GOOD" -accel foo ;;
accel_backend_bad)
	expect_fail "-accel bt,backend=x86: backend must be auto, compat or x64" \
		-kernel "$GOOD" -accel bt,backend=x86 ;;
accel_help)
	# no -kernel needed; one "NAME: yes" or "NAME: no: REASON" line each
	expect_info "bt,backend=compat: " -accel help
	for name in bt,backend=compat bt,backend=x64 bt,backend=auto de kvm; do
		n=$(grep -c "^$name: " "$TMP/stdout")
		[ "$n" -eq 1 ] || fail "$n lines for $name, expected 1"
	done
	bad=$(grep -v -e '^[a-z0-9,=]*: yes$' -e '^[a-z0-9,=]*: yes: ..*$' \
		-e '^[a-z0-9,=]*: no: ..*$' "$TMP/stdout")
	[ -z "$bad" ] || fail "lines not in the 'NAME: yes' / 'NAME: no: REASON' format: $bad"
	cat "$TMP/stdout" ;;
accel_forced_unavailable)
	# each backend -accel help calls unusable here, forced, is one error
	# line naming the reason, status 1, before the guest runs at all
	run -accel help
	[ "$RC" -eq 0 ] || fail "-accel help: exit status $RC"
	cp "$TMP/stdout" "$TMP/help"
	tested=0
	for b in compat x64; do
		reason=$(sed -n "s/^bt,backend=$b: no: //p" "$TMP/help")
		[ -n "$reason" ] || continue
		expect_fail "$reason" -kernel "$FX/exit5.elf" -accel "bt,backend=$b"
		tested=$((tested + 1))
	done
	# de=on where -accel help says the sandbox cannot run: the same
	reason=$(sed -n "s/^de: no: //p" "$TMP/help")
	if [ -n "$reason" ]; then
		expect_fail "-accel bt,de=on: this host cannot run direct execution: $reason" \
			-kernel "$FX/exit5.elf" -accel bt,de=on
		tested=$((tested + 1))
	fi
	echo "ok: $tested backend(s) refused as -accel help says" ;;
accel_de_bad)
	expect_fail "-accel bt,de=maybe: de must be on, off or auto" \
		-kernel "$GOOD" -accel bt,de=maybe ;;
accel_de_pool_bad)
	expect_fail "-accel bt,de-pool=9: de-pool must be a number from 1 to 8" \
		-kernel "$GOOD" -accel bt,de-pool=9
	expect_fail "-accel bt,de-pool=x: de-pool must be a number from 1 to 8" \
		-kernel "$GOOD" -accel bt,de-pool=x ;;
debug_bogus)
	expect_fail "unknown item 'bogus'" -kernel "$GOOD" -d bogus ;;
initrd_missing)
	expect_fail "module '$TMP/no-such.img': cannot open: No such file or directory" \
		-kernel "$GOOD" -initrd "$GOOD,$TMP/no-such.img args" ;;
initrd_empty_item)
	expect_fail "-initrd '$GOOD,': an empty module name" -kernel "$GOOD" -initrd "$GOOD," ;;
initrd_too_big)
	dd if=/dev/zero of="$TMP/big.img" bs=1024 count=3072 2>/dev/null
	expect_fail "module '$TMP/big.img': 3145728 bytes at 0x" -kernel "$GOOD" -m 2 -initrd "$TMP/big.img" ;;
no_kernel)
	expect_fail "no kernel given (use -kernel FILE)" -m 64 ;;
version)
	expect_info "btvmm version" -version ;;
help)
	expect_info "usage: btvmm -kernel FILE" -h ;;
fault_de)
	BYTES="f7 f1 83 c2 03"
	expect_stop fault_de "triple fault: guest exception #DE (vector 0) at EIP @EIP@, bytes f7 f1 83 c2 03 8d 5c 52: delivering it raised #GP(0x3), the double fault raised #GP(0x43); machine stopped" ;;
fault_ud)
	BYTES="0f 0b 83 c2 03"
	expect_stop fault_ud "guest exception #UD (vector 6) at EIP @EIP@, bytes " ;;
fault_gp_sel)
	BYTES="8e d9 83 c2 03"
	expect_stop fault_gp_sel "guest exception #GP(0x1234) (vector 13) at EIP @EIP@, bytes " ;;
fault_gp_gdt)
	BYTES="8e d9 83 c2 03"
	expect_stop fault_gp_gdt "guest exception #GP(0x1230) (vector 13) at EIP @EIP@, bytes " ;;
fault_gp_ro)
	BYTES="26 89 07 83 c2 03"
	expect_stop fault_gp_ro "guest exception #GP(0x0) (vector 13) at EIP @EIP@, bytes " ;;
fault_gp_ro_stos)
	BYTES="ab 83 c2 03"
	expect_stop fault_gp_ro_stos "guest exception #GP(0x0) (vector 13) at EIP @EIP@, bytes " ;;
fault_hlt)
	expect_stop fault_hlt "guest halted at EIP @EIP@ with interrupts disabled: nothing can wake it" ;;
fault_int80)
	expect_stop fault_int80 "triple fault: software interrupt (vector 128) at EIP @EIP@, bytes cd 80 " ;;
fault_csread)
	expect_stop fault_csread "unsupported instruction at EIP @EIP@ (imul ebx, dword ptr cs:[eax]): the emulator does not handle it" ;;
fault_mmio_imul)
	expect_stop fault_mmio_imul "guest access to device registers of lapic at 0xfee00030 at EIP @EIP@ (imul ecx, dword ptr [esi]): the emulator does not handle it" ;;
fault_mmio_paged)
	expect_stop fault_mmio_paged "guest access to linear 0x40200030 (device registers of lapic at physical 0xfee00030) at EIP @EIP@ (imul ecx, dword ptr [esi]): the emulator does not handle it" ;;
fault_paging)
	expect_stop fault_paging "triple fault: guest exception #PF(0x0) (vector 14) at EIP @EIP@, bytes (not readable): delivering it raised #PF(0x0), the double fault raised #PF(0x0); machine stopped" ;;
fault_taskgate)
	expect_stop fault_taskgate "guest task switch at EIP @EIP@ to a virtual-8086 task (TSS selector 0x0028): virtual-8086 mode is not supported" ;;
debug_exit_5)
	printf 'exit5: serial output before debug-exit\nexit5: value 5 -> status 11\n' >"$TMP/want"
	expect_exit 11 "$TMP/want" -kernel "$FX/exit5.elf" ;;
qemu_command_line)
	# the QEMU command line of tests/guests/run_qemu.sh, -accel aside, as it is
	printf 'exit5: serial output before debug-exit\nexit5: value 5 -> status 11\n' >"$TMP/want"
	expect_exit 11 "$TMP/want" -kernel "$FX/exit5.elf" -serial stdio -display none \
		-monitor none -nodefaults -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-m 128 -smp 1 -M pc ;;
no_hpet)
	# QEMU's -no-hpet is accepted; the guest runs as without it
	printf 'exit5: serial output before debug-exit\nexit5: value 5 -> status 11\n' >"$TMP/want"
	expect_exit 11 "$TMP/want" -kernel "$FX/exit5.elf" -serial stdio -no-hpet ;;
qemu_other_device)
	expect_fail "-device e1000: btvmm's devices are fixed" -kernel "$GOOD" -device e1000 ;;
qemu_smp2)
	expect_fail "-smp 2: btvmm runs one virtual CPU" -kernel "$GOOD" -smp 2 ;;
serial_file)
	# the same guest with COM1 written to a file: stdout stays empty
	printf 'exit5: serial output before debug-exit\nexit5: value 5 -> status 11\n' >"$TMP/want"
	: >"$TMP/empty"
	expect_exit 11 "$TMP/empty" -kernel "$FX/exit5.elf" -serial "file:$TMP/com1.txt"
	cmp -s "$TMP/want" "$TMP/com1.txt" || fail "the -serial file differs from the serial output" ;;
debug_exits)
	# -d exits: the backend first, then one line per exit; the guest's
	# in/out call-outs and its debug-exit write are among them
	run -kernel "$FX/exit5.elf" -serial none -d exits -D "$TMP/log"
	[ "$RC" -eq 11 ] || fail "exit status $RC, expected 11"
	head -n 1 "$TMP/log" | grep -q '^backend: [a-z0-9]* (' || fail "the log does not start with the backend"
	grep -q '^exit: call-out at 0x[0-9a-f]\{8\}: out (out dx, al)$' "$TMP/log" ||
		fail "no out call-out in the -d exits log"
	[ "$(grep -vc '^exit: \|^backend: ' "$TMP/log")" -eq 0 ] || fail "other lines in the log"
	echo "ok" ;;
vga_bad)
	expect_fail "-vga cirrus: btvmm's graphics card is 'std' (a VGA); accepted values are 'std' and 'none'" \
		-kernel "$GOOD" -vga cirrus ;;
display_bad)
	expect_fail "-display sdl: accepted values are 'curses' and 'none'" -kernel "$GOOD" \
		-display sdl ;;
display_nographic)
	expect_fail "-nographic cannot be used with -display curses" -kernel "$GOOD" -nographic \
		-display curses ;;
display_serial_stdio)
	expect_fail "-serial stdio and -display curses both want the terminal" -kernel "$GOOD" \
		-display curses -serial stdio ;;
display_no_vga)
	expect_fail "-display curses shows the VGA, but -vga none removed it" -kernel "$GOOD" \
		-vga none -display curses ;;
vga_dump_no_vga)
	expect_fail "-vga-dump $TMP/d: there is no VGA to dump" -kernel "$GOOD" -nodefaults \
		-vga-dump "$TMP/d" ;;
display_no_tty)
	# run() gives btvmm /dev/null as stdin
	expect_fail "-display curses: standard input and output must be a terminal" \
		-kernel "$GOOD" -display curses ;;
vga_dump_bad)
	expect_fail "-vga-dump $TMP/no-dir/d: cannot open: No such file or directory" \
		-kernel "$GOOD" -vga-dump "$TMP/no-dir/d" ;;
vga_dump_exit5)
	# the screen at exit: blank, 25 empty lines (exit5.S writes only COM1)
	expect_exit 11 /dev/null -kernel "$FX/exit5.elf" -serial none -vga-dump "$TMP/screen"
	[ "$(wc -l <"$TMP/screen")" -eq 25 ] && ! grep -q . "$TMP/screen" ||
		fail "-vga-dump of a blank screen is not 25 empty lines" ;;
stats_json)
	# -stats-json with -stats-interval: a line at start-up (all zero), the
	# final line at exit with the guest's exits counted, every line one
	# object with the same keys in the same order
	run -kernel "$FX/exit5.elf" -serial none -stats-json "$TMP/s.json" -stats-interval 1
	[ "$RC" -eq 11 ] || fail "exit status $RC, expected 11"
	[ "$(wc -l <"$TMP/s.json")" -ge 2 ] || fail "fewer than two lines in the JSON file"
	head -n 1 "$TMP/s.json" | grep -q '^{"t_ns":[0-9]*,"final":false,"backend":"[a-z0-9]*","blocks_translated":0,' ||
		fail "the first line is not the start-up sample"
	tail -n 1 "$TMP/s.json" | grep -q '^{"t_ns":[0-9]*,"final":true,.*"exits":[1-9][0-9]*,.*"callouts_by_kind":{.*"out":[1-9]' ||
		fail "the last line is not the final sample with the guest's exits and out call-outs"
	[ "$(grep -vc '^{"t_ns":[0-9]*,"final":\(true\|false\),.*"mmio_unassigned":[0-9]*}$' "$TMP/s.json")" -eq 0 ] ||
		fail "a line that is not one whole object"
	[ "$(grep -c '"final":true' "$TMP/s.json")" -eq 1 ] || fail "more or less than one final line"
	echo "ok" ;;
stats_interval_alone)
	expect_fail "-stats-interval needs -stats-json FILE" -kernel "$GOOD" -stats-interval 5 ;;
stats_json_bad)
	expect_fail "-stats-json $TMP/no-dir/s.json: cannot open: No such file or directory" \
		-kernel "$GOOD" -stats-json "$TMP/no-dir/s.json" ;;
serial_file_bad)
	expect_fail "-serial file:$TMP/no-dir/com1.txt: cannot open: No such file or directory" \
		-kernel "$GOOD" -serial "file:$TMP/no-dir/com1.txt" ;;
*)
	echo "run_cli_tests.sh: unknown case '$CASE'" >&2
	exit 2 ;;
esac
