#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the sanitizer guest kernel (KASAN, KFENCE, lockdep, UBSAN,
# kmemleak, ...) from Debian's linux-source-SERIES: `make tinyconfig`, then
# ci/debug-kernel.config and, if present, ci/debug-kernel-SERIES.config
# (options renamed or gone in that series; its line for an option replaces
# the common one) merged on top and checked option by option. Built once,
# then taken from the cache.
#
#   ci/debug-kernel.sh BUILD_DIR [SERIES]     SERIES: 6.1 (default) or 6.12
#
# The cache key hashes the fragments, the linux-source-SERIES package
# version and the gcc version (for 6.1 exactly as before there were two
# series). Everything lands in BUILD_DIR/debug-kernel/<key>/:
#   src/      the extracted source
#   obj/      the O= build tree: KDIR for `make -C obj M=... modules`
#   vmlinuz   arch/x86/boot/bzImage
#   release   the `make kernelrelease` string
#   series    the SERIES (absent in trees built before: 6.1)
# and BUILD_DIR/debug-kernel/current (6.1) or current-SERIES links to it.
# The build log is BUILD_DIR/debug-kernel/build.log (6.1) or
# build-SERIES.log.
set -euo pipefail

# Debian packages the build needs (copy into setup): the tools, and the
# source of each series. gcc is bookworm's gcc-12 for both.
DEBUG_KERNEL_TOOLS="bc bison flex gcc libelf-dev libssl-dev make xz-utils"
# shellcheck disable=SC2034 # read by people, not by this script
DEBUG_KERNEL_PACKAGES="$DEBUG_KERNEL_TOOLS linux-source-6.1 linux-source-6.12"

# Bump when the recipe below changes in a way the key does not see.
RECIPE=1
JOBS=${JOBS:-2}

say() { printf 'debug-kernel: %s\n' "$*"; }
die() { printf 'debug-kernel: %s\n' "$*" >&2; exit 1; }

build=${1:?usage: debug-kernel.sh BUILD_DIR [6.1|6.12]}
series=${2:-6.1}
case $series in
6.1|6.12) ;;
*) die "unknown series '$series' (6.1 or 6.12)" ;;
esac
srcpkg=linux-source-$series
TARBALL=/usr/src/$srcpkg.tar.xz
here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug-kernel.config
extra=$here/debug-kernel-$series.config
[ -f "$extra" ] || extra=
mkdir -p "$build/debug-kernel"
top=$(cd "$build/debug-kernel" && pwd)
# 6.1 keeps the names it had before there were two series.
if [ "$series" = 6.1 ]; then
	link=current log=$top/build.log
else
	link=current-$series log=$top/build-$series.log
fi

missing_packages() {
	local p
	for p in $DEBUG_KERNEL_TOOLS $srcpkg; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || printf ' %s' "$p"
	done
}

cache_key() {
	{
		echo "recipe $RECIPE"
		cat "$fragment"
		dpkg-query -W -f='${Version}\n' "$srcpkg" 2>/dev/null || echo none
		gcc --version 2>/dev/null | head -n 1
		# Nothing more for 6.1, so that its key is the one it always had.
		[ "$series" = 6.1 ] || echo "series $series"
		[ -z "$extra" ] || cat "$extra"
	} | sha256sum | cut -c1-16
}

# wanted: the option lines of the fragments, in order; the per-series
# fragment's line for an option replaces the common fragment's.
wanted() {
	awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s) }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { s = $2 }
	s != "" { if (!(s in line)) order[n++] = s; line[s] = $0; s = "" }
	END { for (i = 0; i < n; i++) print line[order[i]] }
	' "$fragment" ${extra:+"$extra"}
}

# The fast path: a finished tree for this key.
key=$(cache_key)
dir=$top/$key
done_stamp=$dir/.done
if [ -f "$done_stamp" ]; then
	[ "$(readlink "$top/$link" 2>/dev/null)" = "$key" ] || ln -sfn "$key" "$top/$link"
	say "cached: $dir ($(cat "$dir/release"))"
	exit 0
fi

# One build at a time; another run may have finished it meanwhile.
exec 9>"$top/.lock"
flock 9
if [ -f "$done_stamp" ]; then
	ln -sfn "$key" "$top/$link"
	say "cached: $dir ($(cat "$dir/release"))"
	exit 0
fi

missing=$(missing_packages)
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages:$missing
debug-kernel: install them with one command, then run again:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing"
	fi
	say "installing:$missing"
	# shellcheck disable=SC2086 # a list of package names
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$missing >"$top/apt.log" 2>&1; then
		apt-get update -q >>"$top/apt.log" 2>&1 || true
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			$missing >>"$top/apt.log" 2>&1 || {
			tail -n 20 "$top/apt.log" >&2
			die "apt-get install failed; full log in $top/apt.log"
		}
	fi
	# The package versions are part of the key.
	key=$(cache_key)
	dir=$top/$key
	done_stamp=$dir/.done
fi
[ -f "$TARBALL" ] || die "$TARBALL is missing (package $srcpkg)"

src=$dir/src obj=$dir/obj
mkdir -p "$dir"
: >"$log"
start=$(date +%s)
# run WHAT CMD...: CMD's output to the log; on failure, the log's tail.
run() {
	local what=$1
	shift
	printf '\n### %s: %s\n' "$what" "$*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		printf 'debug-kernel: %s failed; the end of %s:\n' "$what" "$log" >&2
		grep -v '^ *\(CC\|LD\|AR\|AS\|HOSTCC\|HOSTLD\|GEN\|UPD\|CHK\|SYNC\|WRAP\|OBJCOPY\) ' "$log" |
			tail -n 40 | sed 's/^/    /' >&2
		exit 1
	fi
}

# Fixed build identity: the same inputs give the same kernel.
export KBUILD_BUILD_USER=pcimem KBUILD_BUILD_HOST=debug-kernel LOCALVERSION=
kmake() { make -C "$src" O="$obj" ARCH=x86_64 "$@"; }

if [ ! -f "$dir/.extracted" ]; then
	say "extracting $(basename "$TARBALL") ($(dpkg-query -W -f='${Version}' "$srcpkg"))"
	rm -rf "$src" "$obj" "$dir/.configured"
	mkdir -p "$src"
	echo "$series" >"$dir/series"
	run extract tar -xJf "$TARBALL" -C "$src" --strip-components=1
	touch "$dir/.extracted"
fi

if [ ! -f "$dir/.configured" ]; then
	say "configuring: tinyconfig + ci/debug-kernel.config${extra:+ + ci/${extra##*/}}"
	rm -rf "$obj"
	mkdir -p "$obj"
	run tinyconfig kmake tinyconfig
	# shellcheck disable=SC2016 # expanded by the inner shell
	run merge bash -c 'cd "$1" && shift && scripts/kconfig/merge_config.sh -m -O "$1" "$1/.config" "${@:2}"' \
		merge "$src" "$obj" "$fragment" ${extra:+"$extra"}
	run olddefconfig kmake olddefconfig
	# Kconfig drops what it cannot satisfy without a word: check each line.
	lost=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			name=${line%%=*}
			grep -qxF -- "$line" "$obj/.config" && continue ;;
		"# CONFIG_"*" is not set")
			name=${line#\# }
			name=${name%% *}
			grep -q "^$name=" "$obj/.config" || continue ;;
		*) continue ;;
		esac
		got=$(grep -E "^$name=|^# $name is not set" "$obj/.config" || echo "absent")
		printf 'debug-kernel: not in .config: %s (it has: %s)\n' "$line" "$got" >&2
		lost=$((lost + 1))
	done < <(wanted)
	[ "$lost" -eq 0 ] ||
		die "$lost option(s) of ci/debug-kernel.config${extra:+ + ci/${extra##*/}} did not survive olddefconfig (missing dependencies?)"
	touch "$dir/.configured"
fi

say "building bzImage and modules (-j$JOBS); log: $log"
run build kmake -j"$JOBS" bzImage modules
[ -f "$obj/Module.symvers" ] || die "no Module.symvers in $obj"
cp "$obj/arch/x86/boot/bzImage" "$dir/vmlinuz"
kmake -s --no-print-directory kernelrelease >"$dir/release"
[ "$(cat "$dir/release")" = "$(cat "$obj/include/config/kernel.release")" ] ||
	die "make kernelrelease disagrees with $obj/include/config/kernel.release"
touch "$done_stamp"
ln -sfn "$key" "$top/$link"

# Trees of older keys are gigabytes: keep only this one of this series (a
# tree without a series file is a 6.1 one from before there were two).
for old in "$top"/*/; do
	old=${old%/}
	[ "$old" = "$dir" ] || [ -L "$old" ] || [ ! -f "$old/.extracted" ] && continue
	[ "$(cat "$old/series" 2>/dev/null || echo 6.1)" = "$series" ] && rm -rf "$old"
done
say "built $(cat "$dir/release") in $(( $(date +%s) - start ))s: $dir"
