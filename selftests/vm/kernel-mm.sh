#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own mm selftests under concurrent mmscope walkers, in the test
# VM (called by init.sh in check mode, with mmscope.ko loaded). Each chosen
# test runs twice, bounded by a timeout: alone, then with /kmm/mm_walkers (4
# processes walking it and its descendants). Fails (exit 1, "# FAILED: ..."
# lines) if the per-test-case TAP results or the exit status of the two runs
# differ, twice in a row, if the walkers got no answer about a test that ran
# for more than a second, if a walker saw an unexpected errno, or if only the walked run
# timed out. The test's own TAP stays in /tmp/kmm (prefixed on the result
# channel only when something differs), so that a case that fails alike in
# both runs, for a reason of the VM, is a note and not a failure.
#
# Kernel command line: mmscope.mm_all=1 runs every test, also the slow ones;
# mmscope.mm_tests=cow,khugepaged runs those; mmscope.mm_timeout=S bounds
# each run to S seconds instead of 60; mmscope.mm_set=2 runs set 2 (below)
# instead of set 1.
out=${MMSCOPE_OUT:-/dev/ttyS1}
say() { echo "$*" >"$out"; }
dir=/kmm
T=${KMM_TIMEOUT:-60}

# name, set, arguments. Set 1 runs on the debug entry, set 2 on the 6.12
# entry (too slow under KASAN, in time without it), set 0 only when asked
# for. Times are in docs/testing.md ("The kernel's own mm selftests").
tests='
madv_populate 2
mremap_test 2
mlock2-tests 1
mrelease_test 1
soft-dirty 0
split_huge_page_test 0
transhuge-stress 1 -d 5 16
uffd-unit-tests 0
hugepage-mremap 1
hugetlb-madvise 2
ksm_functional_tests 2
protection_keys_64 0
khugepaged 0 all:anon
cow 0
'

all=0 only= set=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	mmscope.mm_all=1) all=1 ;;
	mmscope.mm_tests=*) only=$(echo "${arg#mmscope.mm_tests=}" | tr ',' ' ') ;;
	mmscope.mm_timeout=*) T=${arg#mmscope.mm_timeout=} ;;
	mmscope.mm_set=*) set=${arg#mmscope.mm_set=} ;;
	esac
done

now() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
secs() { echo "$(($1 / 100)).$(($1 % 100 / 10))"; }

# "number description => pass|fail|skip" per TAP test-case line, then the
# exit status as a class. uffd-unit-tests reports its cases in its own
# words, "Testing NAME... done|failed [...]|skipped [...]": those count too.
results() {
	awk '/^(not )?ok [0-9]+/ {
		v = ($1 == "not") ? "fail" : "pass"
		if (toupper($0) ~ /# *(SKIP|XFAIL)/) v = "skip"
		line = $0; sub(/^(not )?ok /, "", line); sub(/ *#.*$/, "", line)
		n = line; sub(/ .*/, "", n); sub(/^[0-9]+ ?/, "", line)
		gsub(/[0-9]+/, "#", line)	# sizes and counts that vary by run
		line = n " " line
		print line " => " v
	}
	/^Testing .*\.\.\. (done|failed|skipped)/ {
		v = "pass"
		if ($0 ~ /\.\.\. failed/) v = "fail"
		if ($0 ~ /\.\.\. skipped/) v = "skip"
		line = $0; sub(/^Testing /, "", line); sub(/\.\.\. .*$/, "", line)
		print "- " line " => " v
	}' "$1"
	case "$2" in
	0) echo "exit => pass" ;;
	4) echo "exit => skip" ;;
	124 | 137 | 143) echo "exit => timeout" ;;
	*) echo "exit => fail ($2)" ;;
	esac
}
count() { grep -c " => $1" "$2"; }

# run_pair: NAME alone, then walked (name, args, base set by the caller);
# sets t_a, t_w, walks, rc_walkers and bad, and writes $base.res-* and the
# $base.cmp-* to compare.
run_pair() {
	t0=$(now)
	# shellcheck disable=SC2086
	timeout "$T" "$dir/$name" $args >"$base.alone" 2>&1 </dev/null
	rc_a=$?
	t_a=$(($(now) - t0))

	# The walked run starts once the walkers are at work (their first
	# answered query, -r): on the debug kernel they take seconds to start,
	# longer than some tests last. Until then its process waits on a FIFO
	# (and is walked: the test's process is the same, after exec).
	rm -f "$base.go" "$base.ready"
	mkfifo "$base.go"
	# shellcheck disable=SC2086
	(read -r _ <"$base.go"; exec timeout "$T" "$dir/$name" $args) \
		>"$base.walked" 2>&1 </dev/null &
	pid=$!
	"$dir/mm_walkers" -n 4 -p "$walkers_nice" -r "$base.ready" "$pid" \
		>"$base.walkers" 2>"$base.walkers-err" &
	wpid=$!
	i=0
	while [ ! -e "$base.ready" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t0=$(now)
	echo go >"$base.go"
	# From here on the walkers count their answers: about the test.
	kill -USR1 "$wpid"
	wait "$pid"
	rc_w=$?
	t_w=$(($(now) - t0))
	kill -TERM "$wpid"
	wait "$wpid"
	rc_walkers=$?

	# A test that handles SIGTERM (khugepaged restores its settings and
	# exits 1) timed out all the same.
	[ $t_a -ge $((T * 100)) ] && rc_a=124
	[ $t_w -ge $((T * 100)) ] && rc_w=124
	results "$base.alone" $rc_a >"$base.res-alone"
	results "$base.walked" $rc_w >"$base.res-walked"
	walks=$(awk '/^walker [0-9]+ total:/ { w += $4 } END { print w + 0 }' "$base.walkers")
	answered=$(awk '/^walker [0-9]+ total:/ { a += $12 } END { print a + 0 }' "$base.walkers")
	targets=$(grep -c '^walker 0: pid' "$base.walkers")
	sum_a="$(count pass "$base.res-alone") pass $(count fail "$base.res-alone") fail $(count skip "$base.res-alone") skip, $(tail -n1 "$base.res-alone" | sed 's/exit => //') in $(secs $t_a) s"
	sum_w="$(count pass "$base.res-walked") pass $(count fail "$base.res-walked") fail $(count skip "$base.res-walked") skip, $(tail -n1 "$base.res-walked" | sed 's/exit => //') in $(secs $t_w) s"
	say "# kmm: $name: alone: $sum_a; walked: $sum_w; $walks walks of $targets processes, $answered queries answered"

	bad=0
	if grep -q 'exit => timeout' "$base.res-alone"; then
		# Too slow here: compare the cases both runs finished.
		say "# note: $name timed out alone after $T s: comparing the cases both runs finished"
		n=$(($(wc -l <"$base.res-alone") - 1))
		[ "$(($(wc -l <"$base.res-walked") - 1))" -lt $n ] && n=$(($(wc -l <"$base.res-walked") - 1))
		head -n $n "$base.res-alone" >"$base.cmp-alone"
		head -n $n "$base.res-walked" >"$base.cmp-walked"
		grep -q 'exit => fail' "$base.res-walked" &&
			{ fail "$name: failed under the walkers, timed out alone"; bad=1; }
	else
		cp "$base.res-alone" "$base.cmp-alone"
		cp "$base.res-walked" "$base.cmp-walked"
		grep -q 'exit => timeout' "$base.res-walked" &&
			{ fail "$name: timed out under the walkers only (alone: $(secs $t_a) s)"; bad=1; }
	fi
}

failed=0
fail() { say "# FAILED: kernel mm selftest $*"; failed=1; }

mkdir -p /tmp/kmm
echo 1 >/proc/sys/vm/overcommit_memory 2>/dev/null	# as run_vmtests.sh for some
say "# === kernel mm selftests (alone, then with 4 mm_walkers; ${T} s timeout each)"
echo "$tests" | while read -r name def args; do
	[ -n "$name" ] || continue
	if [ -n "$only" ]; then
		case " $only " in *" $name "*) ;; *) continue ;; esac
	elif [ "$def" != "$set" ] && [ $all != 1 ]; then
		continue
	fi
	if [ ! -x "$dir/$name" ]; then
		fail "$name: not in the initramfs"
		continue
	fi
	base=/tmp/kmm/$name
	cd /tmp || exit 1
	# khugepaged's test waits a few seconds for the khugepaged thread,
	# which runs at nice 19 (mm/khugepaged.c): four walkers at nice 0
	# on two vCPUs leave it next to no CPU and the wait times out. At
	# the daemon's own priority they still walk, and the test measures
	# the walks, not who gets the CPU.
	case $name in
	khugepaged) walkers_nice=19 ;;
	*) walkers_nice=0 ;;
	esac

	run_pair
	if [ $bad -eq 0 ] && [ $rc_walkers -eq 0 ] && [ ! -s "$base.walkers-err" ] &&
		! cmp -s "$base.cmp-alone" "$base.cmp-walked"; then
		# The kernel's tests have flakes of their own (mremap_test maps
		# at random addresses that may be taken): a difference counts
		# only if a second pair of runs shows one too.
		say "# note: $name: results differ alone and under the walkers; both run again:"
		diff "$base.cmp-alone" "$base.cmp-walked" | sed 's/^/# | /' >"$out"
		run_pair
	fi
	if ! cmp -s "$base.cmp-alone" "$base.cmp-walked"; then
		fail "$name: results differ alone and under the walkers:"
		diff "$base.cmp-alone" "$base.cmp-walked" | sed 's/^/# | /' >"$out"
		bad=1
	fi
	# A walk counts once its round is done (PAGES over every VMA first),
	# which a short test may not see on the debug kernel; an answered
	# query about the test's mm shows the walkers were at it meanwhile.
	if [ $t_w -gt 100 ] && [ "$answered" -eq 0 ]; then
		fail "$name: ran $(secs $t_w) s and the walkers got no answer about it"
		bad=1
	fi
	if [ $rc_walkers -ne 0 ] || [ -s "$base.walkers-err" ]; then
		fail "$name: the walkers failed (exit $rc_walkers):"
		sed 's/^/# | /' "$base.walkers-err" | head -n 40 >"$out"
		bad=1
	fi
	if [ $bad -ne 0 ]; then
		# The tail may not show where a long run went wrong.
		say "# | --- $name walked, its lines that say fail, timeout or error:"
		grep -i -E 'fail|timeout|error' "$base.walked" | head -n 20 | sed 's/^/# | /' >"$out"
		say "# | --- $name alone:"
		tail -n 60 "$base.alone" | sed 's/^/# | /' >"$out"
		say "# | --- $name walked:"
		tail -n 60 "$base.walked" | sed 's/^/# | /' >"$out"
	elif grep -q ' => fail' "$base.cmp-alone"; then
		say "# note: $name: cases that fail alike alone and walked:"
		grep ' => fail' "$base.cmp-alone" | sed 's/^/# | /' >"$out"
	fi
	[ $failed -eq 0 ] || touch /tmp/kmm/.failed
done
[ -e /tmp/kmm/.failed ] && exit 1
exit 0
