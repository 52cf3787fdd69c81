#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM test matrix of `make check`, one kernel after the other (two cores
# are better spent on one TCG guest than shared by two):
#   6.1   Debian bookworm's 6.1 LTS, 5-level paging
#   6.12  Debian bookworm's 6.12 LTS, 4-level paging
#   debug 6.12 built with KASAN, lockdep, DEBUG_VM, kmemleak, PAGE_TABLE_CHECK,
#         5-level paging
# MMSCOPE_KERNELS="6.12" picks a subset. Exits 0 only if every entry passed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernels=${MMSCOPE_KERNELS:-6.1 6.12 debug}
status=0
summary=
for k in $kernels; do
	start=$SECONDS
	if "$MMSCOPE_TOP/selftests/vm/run.sh" "$k" check; then
		result=PASS
	else
		result=FAIL
		status=1
	fi
	summary+=$(printf '\n  %-6s %s  (%d s)' "$k" "$result" $((SECONDS - start)))
done
echo "VM matrix:$summary"
passed=$(grep -c PASS <<<"$summary")
failed=$(grep -c FAIL <<<"$summary")
echo "$passed passed, $failed failed"
exit $status
