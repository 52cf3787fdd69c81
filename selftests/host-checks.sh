#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The checks `make check` runs on the host (beside the debug entry's guest):
#   - W=1 builds, warning-free, against Debian's 6.1 and 6.12 headers
#   - sparse (C=2: every file) with no report
#   - checkpatch.pl --strict clean on every module and uapi file
#   - the uapi header compiles on its own, with no implicit padding
#   - every symbol the module imports is exported by that kernel
#   - every uapi constant is named once, and docs/abi.md's table of names
#     says what include/mmscope_names.h says (names-check.sh)
#   - dkms builds the module for both kernels (in a private dkms tree)
# The kernel tools come from Debian's linux-source-6.12 tarball.
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$MMSCOPE_TOP"

failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sources() { cp -a Kbuild VERSION module include "$1/"; }

for k in 6.1 6.12; do
	kdir=$(kdir "$k")
	log "W=1 and sparse build against $kdir"
	mkdir -p "$tmp/build-$k"
	sources "$tmp/build-$k"
	out=$tmp/build-$k.log
	make -C "$kdir" M="$tmp/build-$k" W=1 C=2 modules >"$out" 2>&1 ||
		{ cat "$out" >&2; fail "$k: build failed"; continue; }
	# Everything but the normal progress lines is a finding.
	if grep -vE '^(make|  [A-Z]+ |Skipping BTF generation)' "$out" | grep -q .; then
		grep -vE '^(make|  [A-Z]+ |Skipping BTF generation)' "$out" >&2
		fail "$k: W=1 or sparse reported the lines above"
	fi
	# modpost only warns about a missing export; loading would fail.
	missing=$(nm -u "$tmp/build-$k/mmscope.ko" | awk '{print $2}' | while read -r sym; do
		grep -qP "^0x[0-9a-f]+\t$sym\t" "$kdir/Module.symvers" || echo "$sym"
	done)
	[ -z "$missing" ] || fail "$k: mmscope.ko imports symbols the kernel does not export: $missing"
done

log "names"
selftests/names-check.sh || fail "names-check"

log "bash completion"
selftests/completion-check.sh || fail "completion-check"


log "checkpatch --strict"
cp_dir=$MMSCOPE_CACHE/checkpatch
if [ ! -f "$cp_dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$cp_dir"
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$cp_dir" --strip-components=1 \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
fi
for f in module/*.c module/*.h selftests/modules/*.c include/uapi/linux/mmscope.h; do
	perl "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types -f "$f" ||
		fail "checkpatch: $f"
done

log "uapi header on its own"
printf '#include <linux/mmscope.h>\nint main(void) { return 0; }\n' >"$tmp/uapi.c"
gcc -Wall -Wextra -Wpadded -Werror -Iinclude/uapi -o "$tmp/uapi" "$tmp/uapi.c" ||
	fail "include/uapi/linux/mmscope.h does not compile on its own"
g++ -Wall -Wextra -Wpadded -Werror -Iinclude/uapi -x c++ -o "$tmp/uapi++" "$tmp/uapi.c" ||
	fail "include/uapi/linux/mmscope.h does not compile as C++"

log "dkms build"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
[ "$version" = "$(cat VERSION)" ] ||
	fail "dkms.conf says version '$version', VERSION says '$(cat VERSION)'"
mkdir -p "$tmp/src/mmscope-$version" "$tmp/dkms"
sources "$tmp/src/mmscope-$version"
cp dkms.conf "$tmp/src/mmscope-$version/"
dkms_args=(-m mmscope -v "$version" --sourcetree "$tmp/src" --dkmstree "$tmp/dkms")
dkms add "${dkms_args[@]}" >"$tmp/dkms-add.log" 2>&1 ||
	{ cat "$tmp/dkms-add.log" >&2; fail "dkms add"; }
for k in 6.1 6.12; do
	release=$(kernel_release "$k")
	if ! dkms build "${dkms_args[@]}" -k "$release" >"$tmp/dkms-$k.log" 2>&1; then
		cat "$tmp/dkms-$k.log" >&2
		fail "dkms build for $release"
	elif ! ls "$tmp/dkms/mmscope/$version/$release"/*/module/mmscope.ko* >/dev/null 2>&1; then
		fail "dkms build for $release left no mmscope.ko"
	fi
done

[ $failed -eq 0 ] && log "host checks: PASS" || { log "host checks: FAIL"; exit 1; }
