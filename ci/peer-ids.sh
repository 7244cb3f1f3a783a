# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by doorbell-tests.sh and doorbell-agent.sh (bash).

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
