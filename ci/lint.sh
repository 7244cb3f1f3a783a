#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The driver's static checks, one line each: checkpatch --strict, and a
# fresh W=1 build with sparse (C=2) against every guest kernel, which must
# print no warning at all. User space (the tools, the server, the test
# programs) also builds with clang -Wall -Wextra -Werror, and cppcheck finds
# nothing in it. Every shell script is clean under shellcheck, and every
# tracked file carries an SPDX line. One line per check, then `N passed, N
# failed`.
set -u
. "$(dirname "$0")/paths.sh"
# shellcheck source=test-lib.sh
. "$here/test-lib.sh"

# indent: stdin's first 20 lines, indented, as the details of a finding.
indent() { sed 's/^/    /' | head -n 20; }

# quiet RC OUTPUT OK FAIL: ok OK when a command exited RC 0 and printed
# nothing (OUTPUT empty); else fail FAIL with OUTPUT indented below it.
quiet() {
	if [ "$1" -eq 0 ] && [ -z "$2" ]; then
		ok "$3"
	else
		fail "$4"
		indent <<<"$2"
	fi
}

cd "$top" || exit 1
files=(drivers/*.c drivers/*.h drivers/uapi/*.h)
out=$(perl "$build/checkpatch/checkpatch.pl" --no-tree --strict --show-types -f \
	"${files[@]}" 2>&1)
rc=$?
clean=$(grep -c '^total: 0 errors, 0 warnings, 0 checks' <<<"$out")
if [ $rc -eq 0 ] && [ "$clean" -eq "${#files[@]}" ]; then
	ok "checkpatch --strict: all ${#files[@]} files in drivers/ are clean"
else
	fail "checkpatch --strict on drivers/ (exit $rc, $clean of ${#files[@]} clean)"
	grep -E '^(ERROR|WARNING|CHECK)|^#|^total|^Can' <<<"$out" | indent
fi

while read -r _ _ rel; do
	odir=$build/lint/$rel
	rm -rf "$odir"
	out=$(make -C drivers KDIR="/usr/src/linux-headers-$rel" O_DIR="$odir" \
		KFLAGS="W=1 C=2" 2>&1)
	rc=$?
	# Everything that is not the build's own progress is a finding.
	findings=$(grep -vE '^(ln -sf|make|  (CC|LD|CHECK|MODPOST|BTF)|Skipping BTF)' <<<"$out")
	quiet "$rc" "$findings" "W=1 and sparse (C=2) build against $rel: no warnings" \
		"W=1 and sparse (C=2) build against $rel (exit $rc)"
	rm -rf "$odir"
done <"$build/kernels.mk"

# User space with clang: the tools and the server through their own
# Makefiles, the guest's test programs as ci/build.mk builds them.
cdir=$build/lint/clang
rm -rf "$cdir"
out=$({
	make -s -C userspace BUILD="$cdir" CC=clang &&
	make -s -C qemu-device BUILD="$cdir" CC=clang &&
	for f in ci/tests/pcimem-*.c; do
		clang -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Idrivers/uapi \
			-o "$cdir/${f##*/}.bin" "$f" ci/tests/check.c -lpci || exit 1
	done
} 2>&1)
rc=$?
quiet "$rc" "$out" "user space builds with clang -Wall -Wextra -Werror: no warnings" \
	"user space with clang (exit $rc)"
rm -rf "$cdir"

# The uapi header alone, with nothing but <stdint.h> before it, as user
# space compiles it: strict C99 (its name lookup is a static inline, which
# checkpatch wants spelt so; C90 would need __inline__) and C++11.
if out=$(gcc -std=c99 -pedantic-errors -fsyntax-only -x c -include stdint.h \
	drivers/uapi/pcimem.h 2>&1 &&
	g++ -std=c++11 -pedantic-errors -fsyntax-only -x c++ -include cstdint \
		drivers/uapi/pcimem.h 2>&1); then
	ok "drivers/uapi/pcimem.h compiles alone as strict C99 and C++11"
else
	fail "drivers/uapi/pcimem.h alone as strict C99 or C++11"
	indent <<<"$out"
fi

# cppcheck over every C file of user space; the version strings come from
# the Makefiles, so they are given here.
out=$(cppcheck --error-exitcode=1 --enable=warning,portability --std=c11 --quiet \
	-D_GNU_SOURCE -DPCIMEM_VERSION='"lint"' -DIVSHM_VERSION='"lint"' \
	-Iuserspace -Idrivers/uapi userspace/*.c qemu-device/*.c \
	qemu-device/ivshmem-server/*.c ci/tests/*.c 2>&1)
rc=$?
quiet "$rc" "$out" "cppcheck (warning, portability) finds nothing in user space" \
	"cppcheck on user space (exit $rc)"

# Every tracked shell script goes through shellcheck: the *.sh files and
# any other file whose first line runs sh or bash. -x follows `.` and
# `source`; the -P folders are where the sourced files are found: the
# script's own folder, ci/ (paths.sh, test-lib.sh, peer-ids.sh) and
# ci/guest/ (lib.sh, which the guest scripts source as /pcimem/lib.sh).
shell_scripts() {
	local f
	git ls-files | while IFS= read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*) [ -f "$f" ] && head -n 1 "$f" |
			grep -qE '^#![[:space:]]*[^[:space:]]*/(env[[:space:]]+)?(ba)?sh([[:space:]]|$)' &&
			echo "$f" ;;
		esac
	done
}
if ! command -v shellcheck >/dev/null; then
	fail "shellcheck is installed (ci/setup.sh installs it)"
else
	while IFS= read -r f; do
		if out=$(shellcheck -x -P SCRIPTDIR -P ci -P ci/guest -f gcc "$f" 2>&1); then
			ok "shellcheck: $f"
		else
			fail "shellcheck: $f ($(grep -c . <<<"$out") findings)"
			indent <<<"$out"
		fi
	done < <(shell_scripts)
fi

# debian/changelog and debian/source/format have no comment syntax.
missing=$(git ls-files | grep -vE '^(LICENSE|\.gitignore|debian/changelog|debian/source/format)$|\.md$' |
	while read -r f; do
		head -n 3 "$f" | grep -q 'SPDX-License-Identifier' || echo "$f"
	done)
if [ -z "$missing" ]; then
	ok "every tracked source file carries an SPDX line"
else
	fail "files without an SPDX line: ${missing//$'\n'/ }"
fi

# The README's layout table names every tracked file of drivers/,
# userspace/ and qemu-device/ (a header beside its .c file, by the .c),
# and every source file it gives in backquotes is in the tree (the built
# ones, pcimem-channel.pc or the .so, are not).
table=$(sed -n '/^## Layout$/,/^## /p' README.md)
unnamed=$(git ls-files drivers userspace qemu-device | while read -r f; do
	b=${f##*/}
	case $b in *.h) [ -e "${f%.h}.c" ] && continue ;; esac
	grep -qE "\`([^\`]*/)?${b//./\\.}\`" <<<"$table" || echo "$f"
done)
if [ -z "$unnamed" ]; then
	ok "the README's layout table names every file of drivers/, userspace/ and qemu-device/"
else
	fail "the README's layout table does not name: ${unnamed//$'\n'/ }"
fi
# shellcheck disable=SC2016 # the backquotes are the README's, not the shell's
absent=$(grep -oE '`[A-Za-z0-9_/-]+\.(c|h|sh|rst|[148]|conf|rules|service|socket|default|bash-completion)`' \
	<<<"$table" | tr -d '`' | sort -u |
	while read -r b; do
		[ -n "$(git ls-files ":(glob)**/$b" "$b")" ] || echo "$b"
	done)
if [ -z "$absent" ]; then
	ok "every file the README's layout table names is in the tree"
else
	fail "the README's layout table names files not in the tree: ${absent//$'\n'/ }"
fi

report
