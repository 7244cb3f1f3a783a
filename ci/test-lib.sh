# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The checks of the host test scripts (host-tests.sh, tools-tests.sh,
# host-peer-tests.sh, channel-tests.sh, interop-tests.sh), sourced by them:
# one line per check, "ok - NAME", or "FAIL - NAME" with what went wrong
# indented below it, and `N passed, N failed` alone on the last line
# (report).
#
# A script may set, before it calls these:
#   limit   seconds that any one command of t and bg may take; unset or
#           empty, t and bg do not bound their commands
#   dir     a temporary folder: where bg writes each command's output
#   t_grep  grep's options for t's PATTERN: -q (the default, a basic
#           regular expression) or -Eq (an extended one)

passed=0 failed=0
bg_pids=()		# every command bg started, for stop_bg

# ok NAME: a check passed.
ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}

# fail NAME [DETAILS]: a check failed; the last 15 lines of DETAILS are
# shown below it, indented.
fail() {
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 15 | sed 's/^/    | /'
	failed=$((failed + 1))
}

# check NAME STATUS [DETAILS]: ok when STATUS is 0, else fail with DETAILS.
check() {
	if [ "$2" -eq 0 ]; then
		ok "$1"
	else
		fail "$1" "${3:-}"
	fi
}

# bounded CMD...: run CMD, under `timeout $limit` when limit is set.
bounded() {
	if [ -n "${limit:-}" ]; then
		timeout "$limit" "$@"
	else
		"$@"
	fi
}

# t NAME WANT_RC PATTERN CMD...: CMD exits WANT_RC and its output (stdout
# and stderr) matches PATTERN (grep $t_grep; "" matches anything).
t() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$(bounded "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep "${t_grep:--q}" -- "$pat" <<<"$out"; then
		ok "$name"
	else
		fail "$name" "exit $rc (want $want): $out"
	fi
}

# bg NAME CMD...: start CMD in the background (bounded), its output in
# $dir/NAME, its pid in $last_pid and added to bg_pids.
bg() {
	local name=$1
	shift
	bounded "$@" >"${dir:?bg needs dir}/$name" 2>&1 &
	bg_pids+=($!)
	# shellcheck disable=SC2034 # for the caller
	last_pid=$!
}

# finish NAME PID WANT_RC PATTERN...: the background command PID (bg NAME)
# exits WANT_RC and its output holds every PATTERN (basic regular
# expressions).
finish() {
	local name=$1 pid=$2 want=$3 rc pat
	shift 3
	wait "$pid"
	rc=$?
	for pat in "$@"; do
		grep -q -- "$pat" "${dir:?}/$name" || rc="$rc, no '$pat'"
	done
	if [ "$rc" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "exit $rc (want $want): $(cat "$dir/$name")"
	fi
}

# stop_bg [PID...]: kill every command of bg_pids and each PID (an empty
# one is skipped), then wait for them all (for a script's EXIT trap).
stop_bg() {
	local p
	for p in "${bg_pids[@]}" "$@"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null
	done
	for p in "${bg_pids[@]}" "$@"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null
	done
}

# server_setup BIN_DIR TEMPLATE: for a script that runs our ivshmem server:
# host and server (BIN_DIR's ivshmem-host and ivshmem-server), dir (a new
# folder, mktemp -d TEMPLATE), sock (the server's socket in it) and
# server_pid (empty until the script starts the server); at exit the
# server and every bg command are stopped and dir is removed.
# shellcheck disable=SC2034 # host, server and sock are the caller's
server_setup() {
	host=$1/ivshmem-host
	server=$1/ivshmem-server
	dir=$(mktemp -d "$2")
	sock=$dir/sock
	server_pid=
	trap server_cleanup EXIT
}
server_cleanup() {
	stop_bg "$server_pid"
	rm -rf "$dir"
}

# report: print `N passed, N failed`; succeeds when none failed.
report() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
