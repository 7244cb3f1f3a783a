#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judges a guest's console log: did the guest reach its last line, and did
# the kernel report anything it should never report?
#
#   judge-log.sh CONSOLE_LOG
#
# Exit status: 0 clean; 1 a kernel report; 2 the guest never reached the end.
set -u
log=$1

# A crash, a warning, a sanitizer or lockdep report, or a PAT conflict.
# Every x86/PAT line but the boot-time table is a complaint (conflicting
# types, "expected ... got", freeing an invalid memtype, ...).
reports='BUG:|WARNING:|Oops|Call Trace:|Kernel panic|KASAN|KFENCE|UBSAN|kmemleak: .*suspected memory leak|possible (recursive|circular) locking|inconsistent lock state|lockdep|x86/PAT: [^C]|general protection fault|sleeping function called from invalid context'

rc=0
if grep -aEn "$reports" "$log" >/dev/null; then
	echo "judge: the kernel reported:"
	grep -aEn "$reports" "$log" | head -n 20 | sed 's/^/    /'
	rc=1
fi
if ! grep -aq '^pcimem-guest: end of run' "$log"; then
	echo "judge: the guest never reached its last line; the console ends:"
	tail -n 15 "$log" | sed 's/^/    /'
	rc=2
fi
exit $rc
