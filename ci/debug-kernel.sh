#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the sanitizer guest kernel (KASAN, KFENCE, lockdep, UBSAN,
# kmemleak, ...) from Debian's linux-source-6.1: `make tinyconfig`, then
# ci/debug-kernel.config merged on top and checked option by option.
# Built once, then taken from the cache.
#
#   ci/debug-kernel.sh BUILD_DIR
#
# The cache key hashes the fragment, the linux-source-6.1 package version
# and the gcc version. Everything lands in BUILD_DIR/debug-kernel/<key>/:
#   src/      the extracted source
#   obj/      the O= build tree: KDIR for `make -C obj M=... modules`
#   vmlinuz   arch/x86/boot/bzImage
#   release   the `make kernelrelease` string
# and BUILD_DIR/debug-kernel/current links to it. The build log is
# BUILD_DIR/debug-kernel/build.log.
set -euo pipefail

# Debian packages the build needs (copy into setup).
DEBUG_KERNEL_PACKAGES="bc bison flex gcc libelf-dev libssl-dev make xz-utils linux-source-6.1"

# Bump when the recipe below changes in a way the key does not see.
RECIPE=1
TARBALL=/usr/src/linux-source-6.1.tar.xz
JOBS=${JOBS:-2}

say() { printf 'debug-kernel: %s\n' "$*"; }
die() { printf 'debug-kernel: %s\n' "$*" >&2; exit 1; }

build=${1:?usage: debug-kernel.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug-kernel.config
mkdir -p "$build/debug-kernel"
top=$(cd "$build/debug-kernel" && pwd)

missing_packages() {
	local p
	for p in $DEBUG_KERNEL_PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || printf ' %s' "$p"
	done
}

cache_key() {
	{
		echo "recipe $RECIPE"
		cat "$fragment"
		dpkg-query -W -f='${Version}\n' linux-source-6.1 2>/dev/null || echo none
		gcc --version 2>/dev/null | head -n 1
	} | sha256sum | cut -c1-16
}

# The fast path: a finished tree for this key.
key=$(cache_key)
dir=$top/$key
done_stamp=$dir/.done
if [ -f "$done_stamp" ]; then
	[ "$(readlink "$top/current" 2>/dev/null)" = "$key" ] || ln -sfn "$key" "$top/current"
	say "cached: $dir ($(cat "$dir/release"))"
	exit 0
fi

# One build at a time; another run may have finished it meanwhile.
exec 9>"$top/.lock"
flock 9
if [ -f "$done_stamp" ]; then
	ln -sfn "$key" "$top/current"
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
[ -f "$TARBALL" ] || die "$TARBALL is missing (package linux-source-6.1)"

src=$dir/src obj=$dir/obj log=$top/build.log
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
	say "extracting $(basename "$TARBALL") ($(dpkg-query -W -f='${Version}' linux-source-6.1))"
	rm -rf "$src" "$obj" "$dir/.configured"
	mkdir -p "$src"
	run extract tar -xJf "$TARBALL" -C "$src" --strip-components=1
	touch "$dir/.extracted"
fi

if [ ! -f "$dir/.configured" ]; then
	say "configuring: tinyconfig + ci/debug-kernel.config"
	rm -rf "$obj"
	mkdir -p "$obj"
	run tinyconfig kmake tinyconfig
	# shellcheck disable=SC2016 # expanded by the inner shell
	run merge bash -c 'cd "$1" && scripts/kconfig/merge_config.sh -m -O "$2" "$2/.config" "$3"' \
		merge "$src" "$obj" "$fragment"
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
	done <"$fragment"
	[ "$lost" -eq 0 ] ||
		die "$lost option(s) of ci/debug-kernel.config did not survive olddefconfig (missing dependencies?)"
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
ln -sfn "$key" "$top/current"

# Trees of older keys are gigabytes: keep only this one.
for old in "$top"/*/; do
	old=${old%/}
	[ "$old" = "$dir" ] || [ -L "$old" ] || [ ! -f "$old/.extracted" ] || rm -rf "$old"
done
say "built $(cat "$dir/release") in $(( $(date +%s) - start ))s: $dir"
