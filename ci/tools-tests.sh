#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the tools' command line on the host: pcimem (without a
# device: options, help, numbers, device lists from a made-up sysfs) and
# ivshmem-host on a file in /dev/shm. One line per check, then
# `N passed, N failed`.
#
#   tools-tests.sh BIN_DIR
set -u
# shellcheck source=test-lib.sh
. "$(dirname "$0")/test-lib.sh"
bin=$1
pcimem=$bin/pcimem
host=$bin/ivshmem-host
dir=$(mktemp -d /tmp/tools-tests.XXXXXX)
trap 'rm -rf "$dir"' EXIT
# ok, fail, t: test-lib.sh; here t's PATTERN is an extended regular
# expression, and its commands are not bounded.
t_grep=-Eq

# json NAME PYEXPR CMD...: CMD exits 0 and prints one JSON document d for
# which the Python expression PYEXPR holds.
json() {
	local name=$1 expr=$2 out rc
	shift 2
	out=$("$@" 2>/dev/null)
	rc=$?
	if [ "$rc" -eq 0 ] && python3 -c "import json, sys
d = json.loads(sys.stdin.read())
sys.exit(0 if ($expr) else 1)" <<<"$out"; then
		ok "$name"
	else
		fail "$name" "exit $rc: $(head -c 400 <<<"$out")"
	fi
}

version=$(make -s -C "$(dirname "$0")/../userspace" version)
t "pcimem --version prints the Makefile's version" 0 "^pcimem $version\$" "$pcimem" --version
t "ivshmem-host --version prints the same version" 0 "^ivshmem-host $version\$" "$host" --version

# ---- commands: one table, help from it ----
t "pcimem --help lists every command" 0 "^  pong DEV" "$pcimem" --help
t "pcimem help verify shows its usage" 0 "^usage: pcimem verify DEV PATTERN \[--quiet\] \[--all\]" "$pcimem" help verify
t "pcimem verify --help shows the same" 0 "^usage: pcimem verify DEV PATTERN" "$pcimem" verify --help
t "pcimem help of an unknown command is a usage error" 2 "unknown command 'frob'" "$pcimem" help frob
t "an unknown command says where to look" 2 "Try 'pcimem --help'" "$pcimem" frob
t "a missing DEV prints the usage from the table" 2 "usage: pcimem read DEV OFFSET \[WIDTH\]" "$pcimem" read
t "too many arguments print the usage" 2 "usage: pcimem info DEV \[--json\]" "$pcimem" info 0 1
t "an option a command does not take is refused" 2 "info: no option '--count'" "$pcimem" info 0 --count 2
t "an unknown option is refused" 2 "unknown option '--frob'" "$pcimem" info 0 --frob
t "an option without its value is refused" 2 "option '--bar' needs a value" "$pcimem" info 0 --bar
t "ivshmem-host peer SOCKET ping --help" 0 "^usage: ivshmem-host peer SOCKET ping PEER \[--count N\]" "$host" peer /nonexistent ping --help
t "ivshmem-host help peer lists the peer commands" 0 "peer SOCKET pong" "$host" help peer
t "an unknown peer command, exit 2" 2 "unknown peer command 'frob'" "$host" peer /nonexistent frob
bad=
for c in $("$pcimem" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u); do
	"$pcimem" help "$c" >/dev/null 2>&1 || bad="$bad $c"
done
if [ -z "$bad" ]; then ok "pcimem help CMD answers for every command of --help"; else fail "pcimem help CMD" "refused:$bad"; fi
bad=
for c in $("$host" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u); do
	"$host" help "$c" >/dev/null 2>&1 || bad="$bad $c"
done
if [ -z "$bad" ]; then ok "ivshmem-host help CMD answers for every command of --help"; else fail "ivshmem-host help CMD" "refused:$bad"; fi

# ---- numbers and patterns, on a backing file ----
f=/dev/shm/pcimem-tools-test-$$
trap 'rm -rf "$dir" "$f" "$f".*' EXIT
t "create takes MiB" 0 "" "$host" create "$f" 1MiB
t "the file is 1 MiB" 0 "^1048576\$" stat -c %s "$f"
"$host" fill "$f" hex:00 >/dev/null
t "options may follow the command and its arguments" 0 "OK" "$host" verify "$f" hex:00 --rw
t "put at decimal 10" 0 "" "$host" put "$f" 10 tok
t "a leading 0 is decimal: 010 is 10, not octal 8" 0 "" "$host" expect "$f" 010 tok
t "an offset takes K" 0 "^00000400 " "$host" dump "$f" 1K 16
t "an offset takes KiB" 0 "^00000400 " "$host" dump "$f" 1KiB 16
t "suffixes in any case (kib)" 0 "^00000400 " "$host" dump "$f" 1kib 16
t "a hex offset takes a suffix too (0x1K)" 0 "^00000400 " "$host" dump "$f" 0x1K 16
t "a length takes M" 2 "beyond shared memory" "$host" dump "$f" 0 2M
t "a junk suffix is refused" 2 "bad offset '1KB'" "$host" dump "$f" 1KB 16
t "a number beyond 64 bits is refused" 2 "larger than 64 bits" "$host" read "$f" 0x10000000000000000
t "a value takes no suffix" 2 "bad value '1K'" "$host" write "$f" 0 1K
t "a width follows the number grammar too (0x20 is 32 bits)" 0 "^0x00000000\$" "$host" read "$f" 0 0x20
t "a width is 8, 16, 32 or 64" 2 "bad width '24'" "$host" read "$f" 0 24
t "a device index follows the number grammar (0x7 is /dev/pcimem7)" 3 "not loaded|pcimem7" "$pcimem" info 0x7
t "a device index takes no suffix" 2 "bad device '1K'" "$pcimem" info 1K
t "a hex byte of a pattern is two hex digits" 2 "'0x' is not a hex byte" "$host" put "$f" 0 hex:0x
t "HEX: is a hex pattern too" 0 "" "$host" put "$f" 0x100 HEX:4142
t "... and wrote its bytes" 0 "" "$host" expect "$f" 0x100 AB
: >"$f.empty"
t "fill refuses an empty region" 2 "empty \(0 bytes\): nothing to fill" "$host" fill "$f.empty" abcd
t "verify refuses an empty region" 2 "empty \(0 bytes\): nothing to verify" "$host" verify "$f.empty" abcd

# ---- verify --all ----
"$host" fill "$f" hex:00 >/dev/null
"$host" put "$f" 0x1000 xyz && "$host" put "$f" 0x2000 q && "$host" put "$f" 0xfffe abcd
out=$("$host" verify "$f" hex:00 --all 2>&1)
rc=$?
want="mismatch: 0x1000-0x1002 (3 bytes), first expected 0x00, found 0x78 'x'
mismatch: 0x2000-0x2000 (1 bytes), first expected 0x00, found 0x71 'q'
mismatch: 0xfffe-0x10001 (4 bytes), first expected 0x00, found 0x61 'a'
verify: first mismatch at 0x1000 (expected 0x00, found 0x78 'x'), 8 bad bytes of 1048576"
if [ "$rc" -eq 1 ] && [ "$out" = "$want" ]; then
	ok "verify --all lists every bad range, one across a 64 KiB chunk, exit 1"
else
	fail "verify --all" "exit $rc: $out"
fi
t "verify without --all prints the first mismatch only" 1 "^verify: first mismatch at 0x1000" "$host" verify "$f" hex:00

# ---- standard output ----
t "write errors on stdout exit 5 (dump > /dev/full)" 5 "standard output: No space left on device" sh -c "'$host' dump '$f' 0 64 >/dev/full"
t "write errors on stdout exit 5 (pcimem --help > /dev/full)" 5 "standard output" sh -c "'$pcimem' --help >/dev/full"

# ---- progress ----
big=$f.big
truncate -s 256M "$big"
t "verify of 256 MiB on a terminal shows progress" 0 "verify: 100% \(256 MiB of 256 MiB\)" \
	script -qec "'$host' verify '$big' hex:00" /dev/null
t "fill of 256 MiB on a terminal shows progress too" 0 "fill: 100% \(256 MiB of 256 MiB\)" \
	script -qec "'$host' fill '$big' hex:00" /dev/null
t "... and erases its line when done" 0 $'\r\e\\[K' script -qec "'$host' fill '$big' hex:00" /dev/null
t "... not with --quiet" 0 "^[^%]*\$" script -qec "'$host' verify -q '$big' hex:00" /dev/null
t "... not in a pipe" 0 "^verify: OK, 268435456 bytes match pattern \"hex:00\"\$" "$host" verify "$big" hex:00
"$host" fill "$f" hex:00 >/dev/null
t "a region below 256 MiB shows none on a terminal" 0 "^[^%]*\$" script -qec "'$host' verify '$f' hex:00 -q" /dev/null
rm -f "$big"

# ---- devices: a made-up sysfs (PCIMEM_SYSFS) ----
sys=$dir/sys
# dev ADDR VENDOR DEVICE DRIVER NODE: one PCI device with a 256-byte BAR0.
dev() {
	local d=$sys/bus/pci/devices/$1
	mkdir -p "$d" "$sys/bus/pci/drivers/${4:-none}"
	echo "$2" >"$d/vendor"
	echo "$3" >"$d/device"
	echo 0x050000 >"$d/class"
	echo 0 >"$d/irq"
	head -c 64 /dev/zero >"$d/config"
	{
		echo "0x00000000fea00000 0x00000000fea000ff 0x0000000000040200"
		for _ in 1 2 3 4 5 6; do echo "0x0 0x0 0x0"; done
	} >"$d/resource"
	[ -n "$4" ] && ln -s "../../drivers/$4" "$d/driver"
	[ -n "$5" ] && mkdir -p "$d/pcimem/$5"
	return 0
}
dev 0000:00:04.0 0x1af4 0x1110 pcimem pcimem0
dev 0000:00:05.0 0x1b36 0x0005 pcimem pcimem1	# bound by driver_override
dev 0000:00:06.0 0x1234 0x11e8 "" ""		# edu, not bound
dev 0000:00:07.0 0x8086 0x100e e1000 ""		# none of ours
mkdir -p "$sys/module/pcimem"
export PCIMEM_SYSFS=$sys
t "list shows a device bound to pcimem by driver_override" 0 "^0000:00:05.0 1b36:0005" "$pcimem" list
t "list shows a supported device that is not bound" 0 "^0000:00:06.0 1234:11e8" "$pcimem" list
t "list leaves other devices out" 1 "" sh -c "'$pcimem' list | grep 0000:00:07.0"
json "list --json: every field, bound and unbound devices" \
	"d['module_loaded'] is True and sorted(x['address'] for x in d['devices']) == ['0000:00:04.0', '0000:00:05.0', '0000:00:06.0'] and all(set(x) == {'address', 'vendor', 'device', 'vendor_name', 'device_name', 'driver', 'node', 'bars'} for x in d['devices']) and [x['node'] for x in d['devices'] if x['address'] == '0000:00:06.0'] == [None] and d['devices'][0]['bars'][0] == {'bar': 0, 'start': 0xfea00000, 'size': 256, 'io': False, '64bit': False, 'prefetchable': False}" \
	"$pcimem" list --json
json "list is in address order, as lspci's" "[x['address'] for x in d['devices']] == ['0000:00:04.0', '0000:00:05.0', '0000:00:06.0']" "$pcimem" list --json
json "-s narrows the list to the one device" "[x['address'] for x in d['devices']] == ['0000:00:05.0']" "$pcimem" -s 00:05.0 list --json
json "-d VENDOR: narrows the list" "[x['address'] for x in d['devices']] == ['0000:00:04.0']" "$pcimem" -d 1af4: list --json
t "-d picks DEV: the one device it matches (its node)" 3 "/dev/pcimem0: No such file" "$pcimem" -d 1af4:1110 info
t "-s picks DEV after the command too" 3 "/dev/pcimem1: No such file" "$pcimem" info -s 0:5.0
t "-s matching a device without a node is no device" 3 "no device bound to pcimem matches the selection -s 00:06.0" "$pcimem" -s 00:06.0 info
t "-s matching two devices is a usage error" 2 "matches more than one device" "$pcimem" -s 0: info
t "a bad -s is refused by libpci's parser" 2 "bad device selection" "$pcimem" -s 1:2:3:4 list
t "a bad -d is refused by libpci's parser" 2 "bad device selection" "$pcimem" -d xyz:1 list
t "a PCI address DEV resolves through sysfs" 3 "/dev/pcimem1: No such file" "$pcimem" info 00:05.0
rmdir "$sys/module/pcimem"
t "without the module: info says it is not loaded, exit 3" 3 "^pcimem: the pcimem module is not loaded\$" "$pcimem" info /dev/pcimem9
t "without the module: -s says so too" 3 "the pcimem module is not loaded" "$pcimem" -s 00:06.0 read 0
t "without the module: list still lists and says so" 0 "the pcimem module is not loaded" "$pcimem" list
json "without the module: list --json says module_loaded false" "d['module_loaded'] is False" "$pcimem" list --json
t "write errors on stdout exit 5 (pcimem list > /dev/full)" 5 "standard output" sh -c "'$pcimem' list >/dev/full"
unset PCIMEM_SYSFS

# ---- ivshmem-host peer SOCKET peers --json, on our server ----
sock=$dir/sock
"$bin/ivshmem-server" -F -S "$sock" -n 2 -l 1M -m /dev/shm >"$dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do	# listening once a peer can join
	timeout 20 "$host" peer "$sock" id >/dev/null 2>&1 && break
	sleep 0.1
done
"$host" peer "$sock" wait --timeout 20000 >/dev/null 2>&1 &	# a peer that stays
waiter_pid=$!
doc=
for _ in $(seq 100); do
	doc=$(timeout 20 "$host" peer "$sock" peers --json 2>/dev/null)
	grep -q '"id"' <<<"$doc" && break
	sleep 0.1
done
json "peers --json: own ID and the other peer with its 2 vectors" \
	"set(d) == {'self', 'peers'} and isinstance(d['self'], int) and len(d['peers']) == 1 and d['peers'][0]['vectors'] == 2 and set(d['peers'][0]) == {'id', 'vectors'} and d['peers'][0]['id'] != d['self']" \
	echo "$doc"

# peer SOCKET shell: one connection, one ID, many commands.
# say LINE: send LINE to the shell; upto: read its lines up to "= RC".
say() { echo "$1" >&"${SH[1]}"; }
upto() {
	local l
	got=
	while IFS= read -r -t 20 l <&"${SH[0]}"; do
		got="$got$l"$'\n'
		case $l in "= "*) return 0 ;; esac
	done
	return 1
}
coproc SH { timeout 60 "$host" peer "$sock" shell 2>&1; }
IFS= read -r -t 20 first <&"${SH[0]}"
sid=${first#id }
if [[ $first =~ ^id\ [0-9]+$ ]]; then ok "shell first prints its own ID"; else fail "shell's first line" "'$first'"; fi
say id
if upto && [ "$got" = "$sid"$'\n'"= 0"$'\n' ]; then
	ok "shell: id later is the same ID, then '= 0'"
else
	fail "shell: id" "'$got'"
fi
"$host" peer "$sock" ring "$sid" 1 --count 2
say "wait 1 --count 2 --timeout 10000"
if upto && [ "$got" = "vector 1: +2 (total 2)"$'\n'"= 0"$'\n' ]; then
	ok "shell: another peer rings its ID twice, wait sees both"
else
	fail "shell: wait" "'$got'"
fi
say peers
if upto && grep -q '^peer [0-9]*: 2 vectors$' <<<"$got" && grep -qx '= 0' <<<"$got"; then
	ok "shell: peers lists the peer that stays"
else
	fail "shell: peers" "'$got'"
fi
say frob
if upto && grep -q "unknown command 'frob'" <<<"$got" && grep -qx '= 2' <<<"$got"; then
	ok "shell: an unknown command says so, '= 2', and the shell goes on"
else
	fail "shell: frob" "'$got'"
fi
say "read 0 --count 2"
if upto && grep -q "read: no option '--count'" <<<"$got" && grep -qx '= 2' <<<"$got"; then
	ok "shell: options are checked per command as on the command line"
else
	fail "shell: read --count" "'$got'"
fi
say "fill hex:00"
say "verify hex:00"
upto && upto
if grep -q "OK, 1048576 bytes" <<<"$got"; then ok "shell: the memory commands on the server's shared memory"; else fail "shell: verify" "'$got'"; fi
say quit
wait "$SH_PID"
rc=$?
if [ "$rc" -eq 0 ]; then ok "shell: quit ends it, exit 0"; else fail "shell: quit" "exit $rc"; fi
t "shell: end of input ends it too, exit 0" 0 "^= 0\$" sh -c "echo id | '$host' peer '$sock' shell"

kill "$waiter_pid" "$server_pid" 2>/dev/null
wait "$waiter_pid" "$server_pid" 2>/dev/null

# ---- JSON documents of info, bars, events (made-up driver answers) ----
mapfile -t docs < <("$bin/report-test")
json "info --json has the documented fields" \
	"set(d) == {'address', 'vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'revision', 'bar', 'bar_size', 'bar_start', 'flags', 'node', 'main_bar', 'memtype', 'peer_id', 'irq_mode', 'vectors'} and d['flags'] == ['mem', '64-bit', 'mmap', 'ram'] and d['bar_size'] == 16 << 20 and d['address'] == '0000:00:04.0' and d['irq_mode'] == 'msix'" \
	echo "${docs[0]}"
json "bars --json: six BARs, kinds, null memtype for absent and I/O" \
	"[b['kind'] for b in d['bars']] == ['regs', 'msix', 'ram', 'absent', 'io', 'absent'] and [b['memtype'] for b in d['bars']] == ['uc', 'uc', 'wb', None, None, None] and d['bars'][2]['mmap'] is True and all(set(b) == {'bar', 'kind', 'size', 'start', 'memtype', 'mmap'} for b in d['bars'])" \
	echo "${docs[1]}"
json "events --json: counts per vector" "d == {'node': '/dev/pcimem0', 'vectors': [{'vector': 0, 'count': 5}, {'vector': 1, 'count': 7}]}" \
	echo "${docs[2]}"

report
