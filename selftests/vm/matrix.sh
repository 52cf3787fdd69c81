#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM test matrix of `make check`, one kernel after the other (two cores
# are better spent on one TCG guest than shared by two):
#   6.1   Debian bookworm's 6.1 LTS, 5-level paging
#   6.12  Debian bookworm's 6.12 LTS, 4-level paging
#   debug 6.12 built with KASAN, lockdep, DEBUG_VM, kmemleak, PAGE_TABLE_CHECK,
#         5-level paging
# MMSCOPE_KERNELS="6.12" picks a subset. --host-checks runs
# selftests/host-checks.sh first (make check). Exits 0 only if every entry
# passed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernels=${MMSCOPE_KERNELS:-6.1 6.12 debug}
status=0
summary=
vm=$MMSCOPE_TOP/selftests/vm

# The debug kernel takes about ten minutes to build on two cores, and a TCG
# guest running mostly one test thread at a time leaves a core idle. So it
# builds in the background, at the lowest priority (the guests' vCPUs keep
# theirs), during the host checks and the Debian kernels' runs. setsid()
# gives it a process group to stop, and also a new autogroup, which
# competes with ours as an equal whatever its tasks' nice: the autogroup
# gets nice 19 too (/proc/self/autogroup), else the guests ran 5x slower.
build_pid=
build_log=$MMSCOPE_CACHE/debug-kernel.log
if [[ " $kernels " == *" debug "* ]] && ! "$vm/debug-kernel.sh" --is-built; then
	log "building the debug kernel in the background (log: $build_log)"
	setsid sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec nice -n 19 "$0"' \
		"$vm/debug-kernel.sh" >"$build_log" 2>&1 &
	build_pid=$!
	trap '[ -z "$build_pid" ] || kill -TERM -- -"$build_pid" 2>/dev/null' EXIT
fi

if [ "${1:-}" = --host-checks ]; then
	"$MMSCOPE_TOP/selftests/host-checks.sh" || exit 1
fi

for k in $kernels; do
	start=$SECONDS
	if [ "$k" = debug ] && [ -n "$build_pid" ]; then
		log "waiting for the debug kernel's build"
		if ! wait "$build_pid"; then
			build_pid=
			tail -n 40 "$build_log" >&2
			summary+=$(printf '\n  %-6s %s  (%d s)' "$k" "FAIL (kernel build)" $((SECONDS - start)))
			status=1
			continue
		fi
		build_pid=
		log "debug kernel built; waited $((SECONDS - start)) s for it"
	fi
	if "$vm/run.sh" "$k" check; then
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
