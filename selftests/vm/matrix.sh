#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM test matrix of `make check`, one kernel after the other (two cores
# are better spent on one TCG guest than shared by two):
#   6.1-rt  Debian's PREEMPT_RT 6.1, 4-level paging, the foundation, walk,
#           race and exec tests (run.sh)
#   6.12-rt its PREEMPT_RT 6.12, 5-level paging, every test but the CLI's own
#   6.1   Debian bookworm's 6.1 LTS, 5-level paging
#   6.12  Debian bookworm's 6.12 LTS, 4-level paging
#   debug 6.12 built with KASAN, lockdep, DEBUG_VM, kmemleak, PAGE_TABLE_CHECK,
#         5-level paging
# Every entry before debug runs while the debug kernel builds; the RT ones
# come first, while the packages are checked (below).
# MMSCOPE_KERNELS="6.12" picks a subset. --host-checks (make check) also
# runs selftests/host-checks.sh: beside the debug entry's guest, or first
# when the matrix has no debug entry. Exits 0 only if every entry and the
# host checks passed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernels=${MMSCOPE_KERNELS:-6.1-rt 6.12-rt 6.1 6.12 debug}
status=0
summary=
retries=0
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
fi

# The host checks. Without the debug entry they come first, and a failure
# stops there. With it they run beside the debug guest, whose tests keep
# about half a core idle (15 CPU-minutes in a 10-minute run), at the lowest
# priority as the kernel build does: the CPU they would take earlier goes
# to the build instead, which ends sooner. Their log is printed when they end.
host_pid=
host_log=$MMSCOPE_CACHE/host-checks.log
host_checks_start() {
	log "host checks in the background, beside the debug guest (log: $host_log)"
	setsid sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec nice -n 19 "$0"' \
		"$MMSCOPE_TOP/selftests/host-checks.sh" >"$host_log" 2>&1 &
	host_pid=$!
}
host_checks_wait() {
	local rc=0
	[ -n "$host_pid" ] || return 0
	wait "$host_pid" || rc=$?
	host_pid=
	cat "$host_log"
	if [ $rc -eq 0 ]; then
		summary+=$(printf '\n  %-7s %s' host PASS)
	else
		summary+=$(printf '\n  %-7s %s' host FAIL)
		status=1
	fi
}
host_checks=
if [ "${1:-}" = --host-checks ]; then
	if [[ " $kernels " == *" debug "* ]]; then
		host_checks=beside-debug
	else
		"$MMSCOPE_TOP/selftests/host-checks.sh" || exit 1
		export MMSCOPE_DKMS_KOS=$MMSCOPE_CACHE/deb/kos
	fi
fi

# The packages (selftests/deb-check.sh: make deb, lintian, apt install,
# dkms, apt purge) belong to the host checks, but the modules that dkms
# builds from them load in the 6.1 and 6.12 guests (run.sh). So beside the
# debug entry they are checked from the start instead, in the background
# at the lowest priority, while the RT entries run; 6.1 and 6.12 wait.
deb_pid=
deb_log=$MMSCOPE_CACHE/deb-check.log
if [ -n "$host_checks" ]; then
	log "package checks in the background (log: $deb_log)"
	setsid sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec nice -n 19 "$0"' \
		"$MMSCOPE_TOP/selftests/deb-check.sh" >"$deb_log" 2>&1 &
	deb_pid=$!
	export MMSCOPE_DEB_CHECKED=1	# the host checks leave them out
fi
deb_wait() {
	[ -n "$deb_pid" ] || return 0
	log "waiting for the package checks"
	if wait "$deb_pid"; then
		export MMSCOPE_DKMS_KOS=$MMSCOPE_CACHE/deb/kos
		summary+=$(printf '\n  %-7s %s' deb PASS)
	else
		summary+=$(printf '\n  %-7s %s' deb FAIL)
		status=1
	fi
	deb_pid=
	cat "$deb_log"
}
trap '[ -z "$build_pid" ] || kill -TERM -- -"$build_pid" 2>/dev/null
	[ -z "$deb_pid" ] || kill -TERM -- -"$deb_pid" 2>/dev/null
	[ -z "$host_pid" ] || kill -TERM -- -"$host_pid" 2>/dev/null' EXIT

for k in $kernels; do
	start=$SECONDS
	if [ "$k" = debug ] && [ -n "$build_pid" ]; then
		log "waiting for the debug kernel's build"
		if ! wait "$build_pid"; then
			build_pid=
			tail -n 40 "$build_log" >&2
			summary+=$(printf '\n  %-7s %s  (%d s)' "$k" "FAIL (kernel build)" $((SECONDS - start)))
			status=1
			[ -z "$host_checks" ] || host_checks_start
			continue
		fi
		build_pid=
		log "debug kernel built; waited $((SECONDS - start)) s for it"
	fi
	case "$k" in 6.1 | 6.12) deb_wait ;; esac
	[ "$k" != debug ] || [ -z "$host_checks" ] || host_checks_start
	if "$vm/run.sh" "$k" check; then
		result=PASS
	else
		result=FAIL
		status=1
	fi
	# A boot that died before mmscope was loaded, of a fault not ours, is
	# retried once (run.sh); such retries are counted here.
	r=$(cat "$MMSCOPE_CACHE/vm/$k/boot-retries" 2>/dev/null || echo 0)
	retries=$((retries + r))
	summary+=$(printf '\n  %-7s %s  (%d s%s)' "$k" "$result" $((SECONDS - start)) \
		"$([ "$r" = 0 ] || echo ", boot retried")")
done
deb_wait
host_checks_wait
echo "VM matrix:$summary"
passed=$(grep -c PASS <<<"$summary")
failed=$(grep -c FAIL <<<"$summary")
echo "$passed passed, $failed failed, $retries boot(s) retried (a guest that died before mmscope.ko was loaded)"
exit $status
