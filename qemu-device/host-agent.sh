#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host's side of the guest's control line (its ttyS1, a QEMU pipe
# chardev). Each request is one line, `COMMAND SLOT ARGS...`, answered with
# `RC <exit status> <last line of output>`:
#   verify|expect|put|fill|dump|read|write|info SLOT ARGS
#       `ivshmem-host COMMAND FILE ARGS` on the backing file at PCI slot SLOT
#   sha256 SLOT        the SHA-256 of that file
#   unplug SLOT        device_del of the device at SLOT, answered once QEMU
#                      reports it deleted (the guest has ejected it)
#   plug SLOT          device_add of it again, as it was (for ivshmem-plain,
#                      with its memory backend made anew: QEMU 7.2 cannot
#                      register a backend's RAM a second time)
#   qom-set SLOT PROPERTY VALUE
#                      QMP qom-set of a property of the device at SLOT (the
#                      run-time knobs of pcimem-testdev: fail, storm-us, ...)
#
#   host-agent.sh PIPE_PREFIX IVSHMEM_HOST LOG QMP_PREFIX SPEC...
# QMP_PREFIX names the pipes of QEMU's QMP monitor ("" for none). Each SPEC
# is SLOT=FILE (backing file), SLOT@DEVICE (device_add arguments) or
# SLOT%OBJECT (object_add arguments of its memory backend).
set -u

pipe=$1 tool=$2 log=$3 qmp=$4
shift 4
declare -A files devices objects
for spec in "$@"; do
	case $spec in
	*@*) devices[${spec%%@*}]=${spec#*@} ;;
	*%*) objects[${spec%%%*}]=${spec#*%} ;;
	*=*) files[${spec%%=*}]=${spec#*=} ;;
	esac
done

exec 3<>"$pipe.out" 4<>"$pipe.in"

# qmp_wait TEXT: read QMP lines until one holds TEXT (30 s); it stays in $qmp_line.
qmp_wait() {
	while IFS= read -r -t 30 qmp_line <&6; do
		printf '%s\n' "$qmp_line" >>"$log.qmp"
		[[ $qmp_line == *"$1"* ]] && return 0
	done
	return 1
}

# hmp COMMAND: one human monitor command through QMP; fails on any output.
hmp() {
	printf '{"execute":"human-monitor-command","arguments":{"command-line":"%s"}}\n' \
		"$1" >&5
	qmp_wait '"return"' && [[ $qmp_line == *'"return": ""'* ]]
}

if [ -n "$qmp" ]; then
	exec 5<>"$qmp.in" 6<>"$qmp.out"
	qmp_wait '"QMP"' && printf '{"execute":"qmp_capabilities"}\n' >&5 &&
		qmp_wait '"return"'
fi

# field KEY SPEC: the value of KEY= in a comma-separated device or object spec.
field() {
	sed -n "s/.*,$1=\([^,]*\).*/\1/p" <<<",$2"
}

# hotplug unplug|plug SLOT
hotplug() {
	local dev=${devices[$2]:-} obj=${objects[$2]:-} id
	id=$(field id "$dev")
	if [ -z "$qmp" ] || [ -z "$id" ]; then
		printf 'RC 2 no monitor, or no device at slot %s\n' "$2" >&4
		return
	fi
	case $1 in
	unplug)
		hmp "device_del $id" &&
			qmp_wait "\"device\": \"$id\"" ;;
	plug)
		{ [ -z "$obj" ] || { hmp "object_del $(field id "$obj")" &&
				      hmp "object_add $obj"; }; } &&
			hmp "device_add $dev" ;;
	esac
	printf 'RC %d %s %s\n' $? "$1" "$id" >&4
	printf 'host-agent: %s %s: %s\n' "$1" "$2" "$qmp_line" >>"$log"
}

# qom_set SLOT PROPERTY VALUE
qom_set() {
	local id
	id=$(field id "${devices[$1]:-}")
	if [ -z "$qmp" ] || [ -z "$id" ] || [ -z "$3" ]; then
		printf 'RC 2 no monitor, no device at slot %s, or no value\n' "$1" >&4
		return
	fi
	hmp "qom-set /machine/peripheral/$id $2 $3"
	printf 'RC %d qom-set %s %s %s\n' $? "$id" "$2" "$3" >&4
	printf 'host-agent: qom-set %s %s %s: %s\n' "$1" "$2" "$3" "$qmp_line" >>"$log"
}

while IFS= read -r line <&3; do
	line=${line%$'\r'}
	read -r cmd slot args <<<"$line"
	file=${files[${slot:-none}]:-}
	case $cmd in
	unplug|plug)
		hotplug "$cmd" "$slot"
		continue ;;
	qom-set)
		# shellcheck disable=SC2086 # PROPERTY VALUE are two words
		qom_set "$slot" $args
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
