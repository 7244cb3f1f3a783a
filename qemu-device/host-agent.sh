#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host's side of the guest's control line (its ttyS1, a QEMU pipe
# chardev). Each request is one line, `COMMAND SLOT ARGS...`; the agent runs
# `ivshmem-host COMMAND FILE ARGS...` on the backing file of the device at
# PCI slot SLOT and answers `RC <exit status> <last line of output>`.
#
#   host-agent.sh PIPE_PREFIX IVSHMEM_HOST LOG SLOT=FILE...
set -u

pipe=$1 tool=$2 log=$3
shift 3
declare -A files
for pair in "$@"; do
	files[${pair%%=*}]=${pair#*=}
done

exec 3<>"$pipe.out" 4<>"$pipe.in"

while IFS= read -r line <&3; do
	line=${line%$'\r'}
	read -r cmd slot args <<<"$line"
	file=${files[${slot:-none}]:-}
	case $cmd in
	verify|expect|put|fill|dump|read|write|info) ;;
	*)	printf 'RC 2 unknown request "%s"\n' "$cmd" >&4
		continue ;;
	esac
	if [ -z "$file" ]; then
		printf 'RC 2 no device at slot %s\n' "$slot" >&4
		continue
	fi
	# shellcheck disable=SC2086 # ARGS are words by design
	out=$("$tool" "$cmd" "$file" $args 2>&1)
	rc=$?
	printf 'host-agent: ivshmem-host %s %s %s -> exit %d\n%s\n' \
		"$cmd" "$file" "$args" "$rc" "$out" >>"$log"
	[ -n "${AGENT_ECHO:-}" ] &&
		printf '\033[1mhost:\033[0m ivshmem-host %s %s %s -> exit %d: %s\n' \
			"$cmd" "$file" "$args" "$rc" "$(printf '%s' "$out" | tail -n 1)"
	printf 'RC %d %s\n' "$rc" "$(printf '%s' "$out" | tail -n 1)" >&4
done
