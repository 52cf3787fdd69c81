#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh KERNEL MODE: boot matrix entry KERNEL (6.1, 6.12, 6.1-rt, 6.12-rt,
# debug) under QEMU
# TCG with mmscope.ko, the static tools and the selftests, and run MODE
# (check, demo, shell, fuzz, bench). For check and fuzz, exits 0 only if
# every test passed, the module loaded and unloaded, no timeout hit, the
# console shows no splat, and /init found no new taint, lockdep still on and
# (debug kernel) no kmemleak report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# A guest that oopsed before init.sh's marker, which it prints right before
# its first insmod of mmscope.ko, with no mmscope frame in the oops, died
# of something that is not ours: multi-threaded TCG can break the kernel's
# own cross-CPU text patching ("Oops: int3" in a kthread, "Modules linked
# in:" empty). Such a boot is retried once, and only such a boot: anything
# after the marker counts. boot_fault_not_ours CONSOLE says whether a
# console log shows one; "run.sh --boot-fault CONSOLE" runs it alone.
insmod_marker=MMSCOPE-INSMOD-MMSCOPE
oops='Oops|Kernel panic|BUG:|kernel BUG|general protection'
boot_fault_not_ours() {
	! grep -q "$insmod_marker" "$1" && grep -Eq "$oops" "$1" &&
		! grep -Eq '\[mmscope\]|Modules linked in:.*\<mmscope\>' "$1"
}
if [ "${1:-}" = --boot-fault ]; then
	boot_fault_not_ours "${2:?usage: run.sh --boot-fault CONSOLE}"
	exit
fi

kernel=${1:?usage: run.sh 6.1|6.12|6.1-rt|6.12-rt|debug check|demo|shell|fuzz|bench}
mode=${2:-check}
timeout_s=${MMSCOPE_VM_TIMEOUT:-$((1500 + ${MMSCOPE_FUZZ_SECONDS:-0}))}

root=$("$MMSCOPE_TOP/selftests/vm/fetch-kernel.sh" "$kernel")
kdir=$(kdir "$kernel")

# Paging mode per entry: both 4- and 5-level are covered across the matrix,
# and across its PREEMPT_RT entries too.
case "$kernel" in
6.1 | 6.12-rt | debug) cpu=max,la57=on cmdline= ;;
6.12 | 6.1-rt) cpu=max cmdline=no5lvl ;;
esac

# The tests an entry runs unless MMSCOPE_TESTS says: all of them, but on
# 6.1-rt, which covers what PREEMPT_RT changes for 6.1 (the foundation, the
# walk under sleeping PTE locks, its races, exec) within the time budget,
# and on 6.12-rt and debug (the end of make check's critical path), which
# leave out the CLI's own tests (its grammar, JSON and pictures are the
# same on every kernel; the ioctls under them run there in every other
# test; 6.1 and 6.12 run them).
default_tests=
case "$kernel" in
6.1-rt)
	default_tests="abi_test target_test mm_test maps_test lookup_test walk_test pgd_test exec_test
		load_test race_local_test race_remote_test race_lone_test race_pmd_test race_shmem_test"
	;;
6.12-rt | debug)
	default_tests=$(cd "$MMSCOPE_TOP/selftests" && ls -- *_test.c | sed 's/\.c$//' |
		grep -vx -e cli_test -e svg_test)
	;;
esac

work=$MMSCOPE_CACHE/vm/$kernel
rm -rf "$work" && mkdir -p "$work/initramfs"/{bin,sbin,dev,proc,sys,tmp,tests,lib/modules/extra}

# The module, built against this kernel in a private copy of the sources so
# that the three kernels never share object files.
log "$kernel: building mmscope.ko against $kdir"
src=$work/src
mkdir -p "$src"
cp -a "$MMSCOPE_TOP"/{Kbuild,VERSION,module,include} "$src/"
make -s -C "$kdir" M="$src" modules >"$work/module-build.log" 2>&1 ||
	{ cat "$work/module-build.log" >&2; die "module build failed for $kernel"; }
cp "$src/mmscope.ko" "$work/initramfs/"
# The module that dkms built from the .deb for this kernel, when make check
# installed the packages (selftests/deb-check.sh): /init loads it first and
# checks that it is this tree's module (its srcversion, a hash of the
# sources) and that it answers, before the tests load the one built here.
if [ -n "${MMSCOPE_DKMS_KOS:-}" ] && [ "$kernel" != debug ] &&
	[ -f "$MMSCOPE_DKMS_KOS/$(kernel_release "$kernel")/mmscope.ko" ]; then
	cp "$MMSCOPE_DKMS_KOS/$(kernel_release "$kernel")/mmscope.ko" "$work/initramfs/mmscope-dkms.ko"
	modinfo -F srcversion "$src/mmscope.ko" >"$work/initramfs/mmscope.srcversion"
fi
# The modules built only for tests (selftests/modules), likewise.
mkdir -p "$work/testmod"
cp -a "$MMSCOPE_TOP"/selftests/modules/. "$work/testmod/"
make -s -C "$kdir" M="$work/testmod" modules >"$work/testmod-build.log" 2>&1 ||
	{ cat "$work/testmod-build.log" >&2; die "test module build failed for $kernel"; }
cp "$work"/testmod/*.ko "$work/initramfs/"

# Static user tools and tests, built once for every kernel.
make -s -C "$MMSCOPE_TOP" tools selftests STATIC=1 >&2
cp "$MMSCOPE_TOP/userspace-tools/mmscope/mmscope" "$work/initramfs/bin/"
# MMSCOPE_TESTS (e.g. "faultlab_test walk_test") runs only those; a whole
# run, which CI does, leaves it unset.
for t in ${MMSCOPE_TESTS:-${default_tests:-$(cd "$MMSCOPE_TOP/selftests" && ls -- *_test.c | sed 's/\.c$//')}}; do
	cp "$MMSCOPE_TOP/selftests/$t" "$work/initramfs/tests/" || die "no test $t"
done
cp "$MMSCOPE_TOP/selftests/bench/sample" "$work/initramfs/tests/"
[ "$mode" != bench ] || cp "$MMSCOPE_TOP/selftests/bench/bench" "$work/initramfs/tests/"
# The kernel's own mm selftests (selftests/kernel-mm.mk), the walkers and
# the script that runs them together (selftests/vm/kernel-mm.sh).
mkdir -p "$work/initramfs/kmm"
cp "$MMSCOPE_TOP"/.cache/kernel-mm/bin/* "$MMSCOPE_TOP/selftests/mm_walkers" "$work/initramfs/kmm/"
cp "$MMSCOPE_TOP/selftests/vm/kernel-mm.sh" "$work/initramfs/kernel-mm.sh"
chmod +x "$work/initramfs/kernel-mm.sh"
cp "$MMSCOPE_TOP/selftests/vm/demo.sh" "$work/initramfs/demo.sh"
cp "$MMSCOPE_TOP/selftests/vm/pictures.sh" "$work/initramfs/pictures.sh"
cp /bin/busybox "$work/initramfs/bin/busybox"
cp "$MMSCOPE_TOP/selftests/vm/init.sh" "$work/initramfs/init"
chmod +x "$work/initramfs/init" "$work/initramfs/demo.sh" "$work/initramfs/pictures.sh"

# The kernel's own modules the tests need (zram for swap), dependencies
# first; Debian's 6.1 builds zram as a module, 6.12 compresses its modules.
# (The directory is the package's release, not what "make kernelrelease" says.)
moddir=$(ls -d "$root"/lib/modules/*/kernel 2>/dev/null | head -n1 || true)
add_module() {
	local file dep
	grep -qx "$1" "$work/initramfs/lib/modules/extra/order" 2>/dev/null && return 0
	file=$(find "$moddir" -name "$1.ko" -o -name "$1.ko.xz" 2>/dev/null | head -n1)
	[ -n "$file" ] || return 0	# built in, or not built at all
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		add_module "$dep"
	done
	case "$file" in
	*.xz) xz -dc "$file" >"$work/initramfs/lib/modules/extra/$1.ko" ;;
	*) cp "$file" "$work/initramfs/lib/modules/extra/$1.ko" ;;
	esac
	echo "$1" >>"$work/initramfs/lib/modules/extra/order"
}
if [ -n "$moddir" ]; then
	add_module zram
fi

# The static programs lose their symbols and debug info (a quarter of
# their size): the guest unpacks the initramfs slowly under TCG.
strip --strip-all "$work/initramfs/bin/mmscope" "$work/initramfs/tests"/* "$work/initramfs/kmm"/*
(cd "$work/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

console=$work/console.log
result=$work/result.log
qemu=(qemu-system-x86_64 -machine q35,accel=tcg -cpu "$cpu" -smp 2 -m 4G
	-nodefaults -no-reboot -kernel "$root/boot/vmlinuz" -initrd "$work/initramfs.gz")
# hugetlb pages of both sizes for the walk tests: one 1G, thirty-two 2M.
# tsc=reliable: no clocksource watchdog. Under a loaded TCG host it found
# the TSC "unstable" mid-run and flipped sched_clock's static key, and
# multi-threaded TCG breaks the kernel's own cross-CPU text patching: an
# "Oops: int3" in sched_clock_cpu() with no mmscope frame, seen twice on
# 6.12-rt while the race tests' pinned spinners loaded both vCPUs.
append="console=ttyS0 panic=-1 tsc=reliable $cmdline hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=32"
append+=" mmscope.mode=$mode"
# The kernel's mm selftests under walkers: MMSCOPE_MM_SELFTESTS=1|0 forces
# them on or off (default: the debug kernel only), MMSCOPE_MM_SELFTESTS_ALL=1
# adds the slow ones, MMSCOPE_MM_TESTS="cow khugepaged" picks some and
# MMSCOPE_MM_TIMEOUT bounds each run (60 s).
append+="${MMSCOPE_MM_SELFTESTS:+ mmscope.mm=$MMSCOPE_MM_SELFTESTS}"
append+="${MMSCOPE_MM_SELFTESTS_ALL:+ mmscope.mm_all=$MMSCOPE_MM_SELFTESTS_ALL}"
append+="${MMSCOPE_MM_TIMEOUT:+ mmscope.mm_timeout=$MMSCOPE_MM_TIMEOUT}"
[ -z "${MMSCOPE_MM_TESTS:-}" ] || append+=" mmscope.mm_tests=$(echo $MMSCOPE_MM_TESTS | tr ' ' ',')"
# The 6.12 entry runs the ones too slow under KASAN (kernel-mm.sh's set 2).
if [ "$kernel" = 6.12 ] && [ "$mode" = check ] && [ -z "${MMSCOPE_MM_SELFTESTS:-}" ]; then
	append+=" mmscope.mm=1 mmscope.mm_set=2"
fi
# The tests whose heavy part says nothing new from one kernel to the next
# (the CLI's JSON under every injected failure, the 2,000-process MM_INFO
# scan, the labs beside the walkers and as text) run it on 6.12 only:
# elsewhere mmscope.light=1, and they skip it, saying so. The debug entry
# is the end of make check's critical path; its other tests still run
# the same code (MM_INFO's scan, every lab) under KASAN and lockdep.
case "$kernel" in
6.12) ;;
*) append+=" mmscope.light=1" ;;
esac
# The benchmark's cases: MMSCOPE_BENCH_CASES="maps,pages" runs only those.
append+="${MMSCOPE_BENCH_CASES:+ mmscope.bench_cases=$MMSCOPE_BENCH_CASES}"
# fuzz_test's knobs, passed on to /init (mode fuzz runs only the fuzzer).
for v in SEED CALLS SECONDS; do
	val=MMSCOPE_FUZZ_$v
	[ -z "${!val:-}" ] || append+=" mmscope.fuzz_${v,,}=${!val}"
done

if [ "$mode" = shell ]; then
	log "$kernel: interactive shell (reboot -f to leave)"
	exec "${qemu[@]}" -nographic -serial mon:stdio -serial "file:$result" \
		-append "$append"
fi

# One boot, its exit code in rc. loglevel=5, not quiet: the console, where
# the splat check below reads, must show KERN_WARNING, the level of WARN()
# and of lockdep's reports. Not 7 or more either: a user-space GP fault,
# which tests provoke, prints "general protection fault" at KERN_INFO. A
# guest still up 60 s after an oops before the marker has hung (init.sh
# ends a guest that oopsed before it loads mmscope): it is stopped.
boot() {
	local pid since=
	log "$kernel: booting ($cpu${cmdline:+, $cmdline}) for $mode"
	start=$SECONDS
	rc=0
	: >"$console"
	: >"$result"
	timeout --foreground "$timeout_s" "${qemu[@]}" -display none \
		-serial "file:$console" -serial "file:$result" \
		-append "$append loglevel=5" </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		boot_fault_not_ours "$console" || continue
		since=${since:-$SECONDS}
		[ $((SECONDS - since)) -ge 60 ] || continue
		log "$kernel: the guest hung after an oops before mmscope.ko was loaded: stopping it"
		kill "$pid" 2>/dev/null || true
		break
	done
	wait "$pid" || rc=$?
	log "$kernel: VM ran $((SECONDS - start)) s"
}
boot
retries=0
if boot_fault_not_ours "$console"; then
	echo "$kernel: the guest oopsed before mmscope.ko was loaded, with no mmscope frame (not ours, see docs/testing.md); booting once more. Its oops:" >&2
	grep -En -A20 "$oops" "$console" | head -n 40 >&2
	mv "$console" "$work/console-retried.log"
	retries=1
	boot
fi
# For matrix.sh's summary.
echo "$retries" >"$work/boot-retries"

# The files the VM sent back (init.sh's send_artifacts), into
# $work/artifacts: every *.svg must pass xmllint, every *.dot must render
# with dot -Tsvg (into artifacts/rendered/NAME.svg, checked too).
# Prints what it found; returns non-zero if a check failed or none came.
artifacts() {
	local dir=$work/artifacts name f bad=0 count=0
	mkdir -p "$dir/rendered"
	for name in $(tr -d '\r' <"$result" | sed -n 's/^MMSCOPE-ARTIFACT-BEGIN \([A-Za-z0-9._-]*\)$/\1/p'); do
		tr -d '\r' <"$result" |
			sed -n "/^MMSCOPE-ARTIFACT-BEGIN $name\$/,/^MMSCOPE-ARTIFACT-END $name\$/p" |
			sed '1d;$d' | base64 -d >"$dir/$name" ||
			{ echo "FAIL: artifact $name: bad base64" >&2; bad=1; }
		count=$((count + 1))
	done
	for f in "$dir"/*.dot; do
		[ -e "$f" ] || continue
		name=${f##*/}
		if dot -Tsvg "$f" -o "$dir/rendered/${name%.dot}.svg" 2>"$dir/rendered/$name.err"; then
			echo "artifact $name: dot -Tsvg ok"
		else
			echo "FAIL: artifact $name: dot -Tsvg: $(head -n 3 "$dir/rendered/$name.err")" >&2
			bad=1
		fi
	done
	for f in "$dir"/*.svg "$dir"/rendered/*.svg; do
		[ -e "$f" ] || continue
		if xmllint --noout "$f" 2>"$f.err"; then
			echo "artifact ${f#"$dir"/}: xmllint ok ($(wc -c <"$f") bytes)"
		else
			echo "FAIL: artifact ${f#"$dir"/}: xmllint: $(head -n 3 "$f.err")" >&2
			bad=1
		fi
		rm -f "$f.err"
	done
	[ $count -gt 0 ] || { echo "FAIL: no artifact came back" >&2; bad=1; }
	echo "artifacts: $count in $dir"
	return $bad
}
# What the result channel says, without the artifacts' base64.
results() {
	sed '/^MMSCOPE-ARTIFACT-BEGIN/,/^MMSCOPE-ARTIFACT-END/d' "$result"
}

if [ "$mode" = bench ]; then
	# The table as it printed, and its JSON kept in .cache/bench/.
	mkdir -p "$MMSCOPE_CACHE/bench"
	json=$MMSCOPE_CACHE/bench/$kernel.json
	sed -n '/^MMSCOPE-BENCH-JSON-BEGIN/,/^MMSCOPE-BENCH-JSON-END/p' "$result" |
		sed '1d;$d' >"$json"
	sed '/^MMSCOPE-BENCH-JSON-BEGIN/,/^MMSCOPE-BENCH-JSON-END/d;/^MMSCOPE-RESULT/d' "$result"
	grep -q '^MMSCOPE-RESULT: success' "$result" && [ -s "$json" ] ||
		die "bench did not finish (rc $rc); console: $console"
	log "$kernel: JSON in $json"
	exit 0
fi
if [ "$mode" = demo ]; then
	results | sed '/^MMSCOPE-RESULT/d'
	grep -q '^MMSCOPE-RESULT: success' "$result" || die "demo failed; console: $console"
	artifacts || die "the demo's pictures failed their checks"
	exit 0
fi

status=0
results
artifacts || status=1
if [ $rc -eq 124 ]; then
	echo "FAIL: $kernel: timed out after $timeout_s s" >&2
	status=1
elif [ $rc -ne 0 ]; then
	echo "FAIL: $kernel: qemu exited with $rc" >&2
	status=1
fi
grep -q '^MMSCOPE-RESULT: success' "$result" ||
	{ echo "FAIL: $kernel: no success line on the result channel" >&2; status=1; }
# Besides what taints the kernel (init.sh checks the taint): RCU stalls,
# bad page-table and swap entries, and lockdep's non-static key, none of
# which taint it.
splat='Kernel panic|BUG:|WARNING:|Oops|KASAN|general protection|kernel BUG|possible circular locking|possible recursive locking|lockdep is turned off|trying to register non-static key|inconsistent lock state|suspicious RCU usage|detected (expedited )?stall|self-detected stall|soft lockup|hard LOCKUP|blocked for more than|sleeping function called|scheduling while atomic|list_add corruption|list_del corruption|UBSAN|: bad (pgd|p4d|pud|pmd|pte) |(Bad|Unused) swap (file|offset) entry'
if grep -Eq "$splat" "$console"; then
	echo "FAIL: $kernel: kernel splat in $console:" >&2
	grep -En -A20 "$splat" "$console" | head -n 80 >&2
	status=1
fi
if grep -Eq '^not ok|^# FAILED' "$result"; then
	echo "FAIL: $kernel: failed tests and checks:" >&2
	grep -E '^not ok|^# FAILED' "$result" >&2
	status=1
fi
retried=
[ $retries -eq 0 ] || retried=", after a boot retried ($work/console-retried.log)"
[ $status -eq 0 ] && log "$kernel: PASS$retried" || log "$kernel: FAIL (console: $console)$retried"
exit $status
