# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the ci/ scripts run from the tree: here (ci/), top (the tree),
# build (BUILD, default top/build), bin and logs below it.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD:-$top/build}
bin=$build/bin
logs=$build/logs
