#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test VM (busybox). Mode comes from the kernel command line:
#   mmscope.mode=check  run every selftest, report TAP and "success" on ttyS1
#   mmscope.mode=demo   run the demo, report it on ttyS1
#   mmscope.mode=shell  an interactive shell on the console
#   mmscope.mode=bench  the benchmark: its table, then its JSON, on ttyS1
# ttyS1 carries results only; a missing "success" line is a failure.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
# The kernel's taint at boot, before any module: the end of the run compares.
taint_boot=$(cat /proc/sys/kernel/tainted)

mode=check
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	mmscope.mode=*) mode=${arg#mmscope.mode=} ;;
	# fuzz_test's seed, call count and time limit (make fuzz sets them)
	# the heavy repeats run on 6.12 and debug only (run.sh)
	mmscope.light=*) export MMSCOPE_LIGHT=${arg#*=} ;;
	mmscope.fuzz_seed=*) export MMSCOPE_FUZZ_SEED=${arg#*=} ;;
	mmscope.fuzz_calls=*) export MMSCOPE_FUZZ_CALLS=${arg#*=} ;;
	mmscope.fuzz_seconds=*) export MMSCOPE_FUZZ_SECONDS=${arg#*=} ;;
	# the benchmark's cases (make bench BENCH_CASES=maps,pages)
	mmscope.bench_cases=*) export MMSCOPE_BENCH_CASES=${arg#*=} ;;
	esac
done

out=/dev/ttyS1
say() { echo "$*" >"$out"; }
# Files for the host (pictures): tests and pictures.sh write them here, and
# send_artifacts sends each as base64 between marker lines; run.sh unpacks
# them into .cache/vm/KERNEL/artifacts and checks them.
export MMSCOPE_ARTIFACTS=/tmp/artifacts
mkdir -p "$MMSCOPE_ARTIFACTS"
send_artifacts() {
	for f in "$MMSCOPE_ARTIFACTS"/*; do
		[ -f "$f" ] || continue
		say "MMSCOPE-ARTIFACT-BEGIN ${f##*/}"
		base64 "$f" >"$out"
		say "MMSCOPE-ARTIFACT-END ${f##*/}"
	done
}
finish() {
	sync
	sleep 0.5	# let the UARTs drain before the machine goes
	# A reset, not a power-off: QEMU runs with -no-reboot, so it exits
	# either way, and a reset needs no ACPI.
	reboot -f
}

# kmemleak's own thread scans a minute after boot, then every 10 minutes:
# under KASAN and TCG each scan takes the debug guest minutes of a vCPU,
# and the two scans at the end (below) find every leak they would.
[ ! -e /sys/kernel/debug/kmemleak ] || echo scan=off >/sys/kernel/debug/kmemleak
# The kernel's own modules that the tests use, dependencies first.
if [ -f /lib/modules/extra/order ]; then
	while read -r m; do
		insmod "/lib/modules/extra/$m.ko" || say "# note: insmod $m failed"
	done </lib/modules/extra/order
fi

# Swap on zram, for the swap-entry tests (they skip without it).
if [ -e /sys/block/zram0 ] && echo 64M >/sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null && swapon /dev/zram0; then
	:
else
	say "# note: no zram swap: swap tests will skip"
fi
# A kernel that oopsed already (taint D) is not one to test: run.sh boots
# again when the guest dies before the marker below, and never after it.
if [ $((taint_boot & 128)) -ne 0 ] || [ $(($(cat /proc/sys/kernel/tainted) & 128)) -ne 0 ]; then
	say "MMSCOPE-RESULT: the kernel oopsed before mmscope.ko was loaded"
	finish
fi
echo "MMSCOPE-INSMOD-MMSCOPE: loading mmscope.ko" >/dev/kmsg
# The packaged module (run.sh): the one dkms built from the .deb.
if [ -f /mmscope-dkms.ko ]; then
	if ! insmod /mmscope-dkms.ko; then
		say "MMSCOPE-RESULT: insmod of the packaged module (dkms) failed"
		finish
	fi
	srcversion=$(cat /sys/module/mmscope/srcversion)
	mmscope maps 1 >/dev/null 2>/tmp/err
	rc=$?
	rmmod mmscope || { say "MMSCOPE-RESULT: rmmod of the packaged module failed"; finish; }
	if [ "$srcversion" != "$(cat /mmscope.srcversion)" ]; then
		say "MMSCOPE-RESULT: the packaged module's srcversion is $srcversion, not this tree's $(cat /mmscope.srcversion)"
		finish
	elif [ $rc -ne 0 ]; then
		say "MMSCOPE-RESULT: with the packaged module, mmscope maps 1 failed: $(cat /tmp/err)"
		finish
	fi
	say "# ok: the packaged module (dkms) loads, is this tree's ($srcversion), answers and unloads"
fi
if ! insmod /mmscope.ko; then
	say "MMSCOPE-RESULT: insmod failed"
	finish
fi
say "kernel: $(uname -r) paging: $(grep -q la57 /proc/cpuinfo && [ -z "$(grep -o no5lvl /proc/cmdline)" ] && echo 5-level || echo 4-level)"

# What the tests that skip without them will find.
for h in /sys/kernel/mm/hugepages/hugepages-*; do
	say "# hugetlb ${h##*-}: $(cat "$h/nr_hugepages") pages"
done
say "# swap: $(tail -n +2 /proc/swaps | awk '{print $1, $3}' | tr '\n' ' ')"

case "$mode" in
shell)
	echo "mmscope is loaded. Try: mmscope maps \$\$ ; cat /sys/kernel/debug/mmscope/maps"
	echo "reboot -f leaves the VM."
	setsid cttyhack sh
	finish
	;;
bench)
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	if /tests/bench /tmp/bench.json >"$out" 2>&1; then
		{ echo MMSCOPE-BENCH-JSON-BEGIN; cat /tmp/bench.json; echo MMSCOPE-BENCH-JSON-END; } >"$out"
		say "MMSCOPE-RESULT: success"
	fi
	finish
	;;
demo)
	if /demo.sh >"$out" 2>&1; then
		send_artifacts
		say "MMSCOPE-RESULT: success"
	fi
	finish
	;;
esac

failed=0
# Every guest has two vCPUs (run.sh): the TLB tests, the races and the
# spinners skip with one, so a kernel that brought up one fails the run.
if [ "$(cat /sys/devices/system/cpu/online)" != 0-1 ]; then
	say "# FAILED: CPUs online: $(cat /sys/devices/system/cpu/online), not 0-1"
	failed=1
fi
cd /tests || exit 1
# mmscope.mode=fuzz (make fuzz): the fuzzer only, then the checks below.
tests='./*_test'
[ "$mode" = fuzz ] && tests=./fuzz_test
# Seconds since boot, to one decimal: each test's time goes into the log,
# so that the time budget of make check can be followed test by test.
uptime_ds() {
	read -r up _ </proc/uptime	# "123.45 ..."
	up=${up%?}			# "123.4"
	echo "${up%.*}${up#*.}"		# 1234
}
# Each test must leave the machine as it found it: no process of its own
# still running (a spinner left behind slows every later test, and the
# kernel's mm selftests' timeouts are measured against them), and the mm
# knobs it may turn (KSM, THP, khugepaged, hugetlb pools, map count) as
# they were. What a test left is reported as a failure, then undone, so
# that it does not fail the tests after it too.
knobs='/sys/kernel/mm/ksm/run /sys/kernel/mm/ksm/pages_to_scan
	/sys/kernel/mm/ksm/sleep_millisecs /sys/kernel/mm/transparent_hugepage/enabled
	/sys/kernel/mm/transparent_hugepage/defrag /sys/kernel/mm/transparent_hugepage/shmem_enabled
	/sys/kernel/mm/transparent_hugepage/khugepaged/defrag
	/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan
	/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs
	/sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs
	/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none
	/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
	/proc/sys/vm/max_map_count /proc/sys/vm/overcommit_memory'
# "PATH:VALUE" lines, one grep for all (a fork per knob after each test
# costs the debug guest seconds); knobs this kernel lacks are left out.
knob_state() {
	# shellcheck disable=SC2086
	grep -H . $knobs 2>/dev/null
}
init_cmd=$(tr '\0' ' ' </proc/1/cmdline)
# PID and command line of every user process but /init and its subshells.
processes() {
	for d in /proc/[0-9]*; do
		# Kernel threads have no executable: no fork spent on them.
		[ "${d#/proc/}" != 1 ] && [ -e "$d/exe" ] || continue
		c=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)
		[ -n "$c" ] && [ "$c" != "$init_cmd" ] && echo "${d#/proc/} $c"
	done
}
knob_state >/tmp/knobs.boot
left_behind() {
	local i left
	# Processes killed at the test's end may take a moment to go.
	for i in $(seq 50); do
		left=$(processes)
		[ -n "$left" ] || break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		say "# FAILED: $1 left processes running:"
		echo "$left" | sed 's/^/#   /' >"$out"
		echo "$left" | while read -r p _; do kill -9 "$p"; done
		failed=1
	fi
	knob_state >/tmp/knobs.now
	if ! cmp -s /tmp/knobs.boot /tmp/knobs.now; then
		say "# FAILED: $1 left mm knobs changed (-: at boot, +: now):"
		diff /tmp/knobs.boot /tmp/knobs.now | grep '^[-+]/' | sed 's/^/#   /' >"$out"
		diff /tmp/knobs.boot /tmp/knobs.now | sed -n 's/^-\//\//p' |
			while IFS= read -r line; do
				v=${line#*:}
				# THP's modes read "always [madvise] never": the word.
				case $v in *\[*) v=${v#*[}; v=${v%%]*} ;; esac
				echo "$v" >"${line%%:*}" 2>/dev/null
			done
		failed=1
	fi
}
for t in $tests; do
	name=${t#./}
	# load_test loads mmscope itself, below, with the module unloaded.
	[ "$name" != load_test ] || continue
	say "# === $name"
	start=$(uptime_ds)
	# Straight to the port, no pipe: a reader process waking for each
	# line would run on the CPUs that tlb_test needs idle.
	"$t" >"$out" 2>&1
	rc=$?
	end=$(uptime_ds)
	# kselftest: 0 pass, 4 skip; anything else fails the run.
	if [ $rc -ne 0 ] && [ $rc -ne 4 ]; then
		say "# FAILED: $name (exit $rc)"
		failed=1
	fi
	say "# time: $name $(((end - start) / 10)).$(((end - start) % 10)) s"
	left_behind "$name"
done
# The phases after the tests are timed too: "phase NAME" ends the one before.
phase_name= phase_start=
phase() {
	local now
	now=$(uptime_ds)
	[ -z "$phase_name" ] ||
		say "# time: $phase_name $(((now - phase_start) / 10)).$(((now - phase_start) % 10)) s"
	phase_name=$1 phase_start=$now
}
phase pictures

# The pictures of the sample program, for the host's dot and xmllint.
say "# === pictures"
if /pictures.sh "$MMSCOPE_ARTIFACTS" >"$out" 2>&1; then
	send_artifacts
else
	say "# FAILED: pictures.sh"
	failed=1
fi
left_behind pictures.sh

# rmmod in a loop while callers and fault labs come and go (hostile_test's
# helper mode, about 10 s): it may succeed only when nothing is open or
# mapped. The helper leaves the module loaded for what follows.
phase "rmmod loop"
if [ -x ./hostile_test ]; then
	say "# === hostile_test rmmod loop"
	MMSCOPE_HOSTILE_RMMOD=/mmscope.ko ./hostile_test >"$out" 2>&1 ||
		{ say "# FAILED: rmmod loop (exit $?)"; failed=1; }
	lsmod | grep -q '^mmscope' || insmod /mmscope.ko ||
		{ say "# FAILED: insmod after the rmmod loop"; failed=1; }
	left_behind "hostile_test's rmmod loop"
fi

# The kernel's own mm selftests, alone and under mmscope walkers
# (kernel-mm.sh): by default on the debug kernel only (the one with
# kmemleak); mmscope.mm=1 or 0 (MMSCOPE_MM_SELFTESTS) forces it.
kmm=
for arg in $(cat /proc/cmdline); do
	case "$arg" in mmscope.mm=*) kmm=${arg#mmscope.mm=} ;; esac
done
[ -n "$kmm" ] || { [ -e /sys/kernel/debug/kmemleak ] && kmm=1 || kmm=0; }
phase "kernel mm selftests"
if [ "$mode" = check ] && [ "$kmm" = 1 ]; then
	/kernel-mm.sh || failed=1
fi

phase "kmemleak and module parameters"
# The module must refuse to go while a file is open, then go cleanly.
exec 5</dev/mmscope
if rmmod mmscope 2>/dev/null; then
	say "# FAILED: rmmod succeeded with /dev/mmscope open"
	failed=1
	exec 5<&-
else
	exec 5<&-
	say "# ok: rmmod refused while /dev/mmscope is open"
fi

# kmemleak (debug kernel): a scan reports an object unreferenced then,
# older than 5 s and unchanged since the scan before (its checksum: a new
# object's first scan never reports it). So two scans, starting 6 s apart
# (a scan of the debug guest takes longer than that); while the module is
# loaded, so that traces name it.
if [ -e /sys/kernel/debug/kmemleak ] && lsmod | grep -q '^mmscope'; then
	scan_start=$(uptime_ds)
	# A kmemleak that turned itself off refuses the scan (EPERM): then
	# the empty report below would prove nothing.
	if ! echo scan >/sys/kernel/debug/kmemleak; then
		say "# FAILED: kmemleak refuses to scan (it turned itself off)"
		failed=1
	elif ! { scan_ds=$(($(uptime_ds) - scan_start)); [ $scan_ds -ge 60 ] || sleep $(((69 - scan_ds) / 10))
		echo scan >/sys/kernel/debug/kmemleak; }; then
		say "# FAILED: kmemleak refuses the second scan"
		failed=1
	elif grep -q mmscope /sys/kernel/debug/kmemleak; then
		say "# FAILED: kmemleak reports leaks in mmscope:"
		cat /sys/kernel/debug/kmemleak >"$out"
		failed=1
	else
		say "# ok: kmemleak finds no leak in mmscope"
	fi
fi

if lsmod | grep -q '^mmscope' && ! rmmod mmscope; then
	say "# FAILED: rmmod mmscope"
	failed=1
fi
# The fault lab's module parameters: a log below 16 entries is clamped, and
# a lab above faultlab_max_bytes is refused (the CLI says so, exit 1).
if insmod /mmscope.ko fault_log_size=5 faultlab_max_bytes=8192; then
	got=$(mmscope faultlab stats | sed -n 's/.*fault log: \([0-9]*\) entries/\1/p')
	if [ "$got" = 16 ]; then
		say "# ok: fault_log_size=5 is clamped to 16"
	else
		say "# FAILED: fault_log_size=5 gave a log of '$got'"
		failed=1
	fi
	# A lab says it as a failed step, on its output.
	mmscope faultlab demand >/tmp/err 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q "above the module.s faultlab_max_bytes" /tmp/err; then
		say "# ok: a lab above faultlab_max_bytes is refused"
	else
		say "# FAILED: a lab above faultlab_max_bytes: exit $rc, $(cat /tmp/err)"
		failed=1
	fi
	if ! rmmod mmscope; then
		say "# FAILED: rmmod after the parameter checks"
		failed=1
	fi
else
	say "# FAILED: insmod with fault-lab parameters"
	failed=1
fi
# A load whose init fails (a misc device already named mmscope) must never
# show debugfs files (load_test; it leaves the module unloaded).
phase load_test
if [ -x ./load_test ]; then
	say "# === load_test"
	MMSCOPE_KO=/mmscope.ko MMSCOPE_NAME_TAKEN_KO=/mmscope_name_taken.ko \
		./load_test >"$out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 4 ]; then
		say "# FAILED: load_test (exit $rc)"
		failed=1
	fi
fi
phase "lockdown and taint"
# Last, as it cannot be undone: under lockdown=confidentiality every query
# is refused with EPERM (and the CLI says why), while the fault lab's
# counters still answer. The debug kernel has no lockdown LSM: skip there.
mkdir -p /sys/kernel/security
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if [ -w /sys/kernel/security/lockdown ] && insmod /mmscope.ko; then
	echo confidentiality >/sys/kernel/security/lockdown
	if mmscope maps $$ >/dev/null 2>/tmp/err; then
		say "# FAILED: mmscope maps works under lockdown=confidentiality"
		failed=1
	elif ! grep -q "locked down" /tmp/err; then
		say "# FAILED: under lockdown, mmscope maps said: $(cat /tmp/err)"
		failed=1
	elif ! mmscope faultlab stats >/dev/null 2>/tmp/err; then
		say "# FAILED: under lockdown, faultlab stats: $(cat /tmp/err)"
		failed=1
	else
		say "# ok: lockdown=confidentiality refuses queries with EPERM, the lab's counters still answer"
	fi
	rmmod mmscope || { say "# FAILED: rmmod under lockdown"; failed=1; }
else
	say "# note: no lockdown LSM here: the lockdown check skips"
fi
# A second witness of splats, which no console level can hide: WARN(), an
# oops, a bad page or a soft lockup taints the kernel, and a lockdep report
# (or a taint that makes lockdep unreliable: KASAN, bad page, oops) sets
# debug_locks to 0. Loading mmscope itself may add only O (out of tree,
# 4096) and E (unsigned, 8192) to the boot's taint.
taint=$(cat /proc/sys/kernel/tainted)
extra=$((taint & ~(taint_boot | 4096 | 8192)))
if [ $extra -ne 0 ]; then
	letters= bit=0
	for l in P F S R M B U D A W C I O E L K X T N; do
		[ $((extra >> bit & 1)) -eq 0 ] || letters=$letters$l
		bit=$((bit + 1))
	done
	say "# FAILED: the kernel is tainted $taint (boot: $taint_boot); new: $letters ($extra); the log's end:"
	dmesg | tail -n 100 >"$out"
	failed=1
else
	say "# ok: kernel taint $taint, nothing but mmscope's O and E since boot ($taint_boot)"
fi
if [ -r /proc/lockdep_stats ]; then
	if grep -q 'debug_locks: *0$' /proc/lockdep_stats; then
		say "# FAILED: debug_locks is 0: a lockdep report, or a taint that made lockdep unreliable; the log's end:"
		dmesg | tail -n 100 >"$out"
		failed=1
	else
		say "# ok: lockdep is still on"
	fi
elif [ -e /sys/kernel/debug/kmemleak ]; then
	say "# FAILED: the debug kernel has no /proc/lockdep_stats (PROVE_LOCKING lost?)"
	failed=1
fi
phase end
[ $failed -eq 0 ] && say "MMSCOPE-RESULT: success" || say "MMSCOPE-RESULT: failure"
finish
