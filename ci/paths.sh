# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the ci/ scripts run from the tree: here (ci/), top (the tree),
# build (BUILD, default top/build), bin and logs below it.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD:-$top/build}
# shellcheck disable=SC2034 # for the scripts that source this file
bin=$build/bin
# shellcheck disable=SC2034 # the same
logs=$build/logs
