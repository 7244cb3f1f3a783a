# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by doorbell-tests.sh, doorbell-agent.sh and channel-agent.sh (bash).

# settled_ids TOOL SOCKET: the IDs the ivshmem server on SOCKET lists, asked
# with TOOL (ivshmem-host), sorted, on one line, once two looks 0.1 s apart
# agree (a client that just left may linger a moment); fails if they never do.
settled_ids() {
	local now last=none
	for _ in $(seq 50); do
		now=$(timeout 10 "$1" peer "$2" peers 2>/dev/null |
			sed -n 's/^peer \([0-9]*\):.*/\1/p' | sort -n | tr '\n' ' ')
		[ "$now" = "$last" ] && { echo "${now% }"; return 0; }
		last=$now
		sleep 0.1
	done
	return 1
}

# socket_of FILE: the server socket that DOORBELL_SOCKETS ("FILE=SOCKET
# ...") gives for FILE (the last one named), or nothing.
socket_of() {
	local pair sock=
	for pair in ${DOORBELL_SOCKETS:-}; do
		[ "${pair%%=*}" = "$1" ] && sock=${pair#*=}
	done
	echo "$sock"
}
