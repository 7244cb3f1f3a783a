#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host's side of the guest's control line (its ttyS1, a QEMU pipe
# chardev). Each request is one line, `COMMAND SLOT ARGS...`, answered with
# `RC <exit status> <last line of output>`:
#   verify|expect|put|fill|dump|read|write|info SLOT ARGS
#       `ivshmem-host COMMAND FILE ARGS` on the backing file at PCI slot SLOT
#   sha256 SLOT        the SHA-256 of that file
#   unplug SLOT        device_del of the device at SLOT (QEMU monitor)
#   plug SLOT          device_add of it again, as it was
#
#   host-agent.sh PIPE_PREFIX IVSHMEM_HOST LOG MONITOR_PREFIX SLOT=FILE... SLOT@DEVICE...
# MONITOR_PREFIX names the pipes of QEMU's monitor ("" for none); SLOT@DEVICE
# gives the device_add arguments of the device at SLOT.
set -u

pipe=$1 tool=$2 log=$3 monitor=$4
shift 4
declare -A files devices
for pair in "$@"; do
	case $pair in
	*=*) files[${pair%%=*}]=${pair#*=} ;;
	*@*) devices[${pair%%@*}]=${pair#*@} ;;
	esac
done

exec 3<>"$pipe.out" 4<>"$pipe.in"
if [ -n "$monitor" ]; then
	exec 5<>"$monitor.in"
	# Drain what the monitor says, so QEMU never blocks on a full pipe.
	cat <>"$monitor.out" >>"$log.monitor" &
fi

# device_id SLOT: the id= of the device at SLOT, from its device_add line.
device_id() {
	sed -n 's/.*,id=\([^,]*\).*/\1/p' <<<"${devices[$1]:-}"
}

# monitor_cmd COMMAND SLOT: device_del or device_add through the monitor.
monitor_cmd() {
	local id
	id=$(device_id "$2")
	if [ -z "$monitor" ] || [ -z "$id" ]; then
		printf 'RC 2 no monitor, or no device at slot %s\n' "$2" >&4
		return
	fi
	case $1 in
	unplug) printf 'device_del %s\n' "$id" >&5 ;;
	plug) printf 'device_add %s\n' "${devices[$2]}" >&5 ;;
	esac
	printf 'host-agent: %s %s\n' "$1" "$2" >>"$log"
	printf 'RC 0 %s %s\n' "$1" "$id" >&4
}

while IFS= read -r line <&3; do
	line=${line%$'\r'}
	read -r cmd slot args <<<"$line"
	file=${files[${slot:-none}]:-}
	case $cmd in
	unplug|plug)
		monitor_cmd "$cmd" "$slot"
		continue ;;
	verify|expect|put|fill|dump|read|write|info|sha256) ;;
	*)	printf 'RC 2 unknown request "%s"\n' "$cmd" >&4
		continue ;;
	esac
	if [ -z "$file" ]; then
		printf 'RC 2 no device at slot %s\n' "$slot" >&4
		continue
	fi
	if [ "$cmd" = sha256 ]; then
		out=$(sha256sum <"$file" | cut -d' ' -f1)
	else
		# shellcheck disable=SC2086 # ARGS are words by design
		out=$("$tool" "$cmd" "$file" $args 2>&1)
	fi
	rc=$?
	printf 'host-agent: ivshmem-host %s %s %s -> exit %d\n%s\n' \
		"$cmd" "$file" "$args" "$rc" "$out" >>"$log"
	[ -n "${AGENT_ECHO:-}" ] &&
		printf '\033[1mhost:\033[0m ivshmem-host %s %s %s -> exit %d: %s\n' \
			"$cmd" "$file" "$args" "$rc" "$(printf '%s' "$out" | tail -n 1)"
	printf 'RC %d %s\n' "$rc" "$(printf '%s' "$out" | tail -n 1)" >&4
done
