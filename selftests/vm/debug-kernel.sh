#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once per config fragment) the debug 6.12 kernel of the test matrix
# from Debian's linux-source-6.12: KASAN, lockdep, DEBUG_VM, kmemleak,
# PAGE_TABLE_CHECK. The tree lands in the cache; modules build against it.
#
#   debug-kernel.sh              build if needed, print the build directory
#   debug-kernel.sh --print-dir  print the build directory, build nothing
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fragment=$MMSCOPE_TOP/selftests/vm/debug.config
tarball=/usr/src/linux-source-6.12.tar.xz
[ -r "$tarball" ] || die "$tarball missing (run selftests/vm/deps.sh)"

src_ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( (echo "$src_ver"; cat "$fragment") | sha256sum | cut -c1-16)
src=$MMSCOPE_CACHE/debug-kernel/src-$src_ver
out=$MMSCOPE_CACHE/debug-kernel/build-$key

if [ "${1:-}" = --print-dir ]; then
	echo "$out"
	exit 0
fi
if [ "${1:-}" = --is-built ]; then
	[ -f "$out/.mmscope-built" ]
	exit
fi

if [ -f "$out/.mmscope-built" ]; then
	echo "$out"
	exit 0
fi

if [ ! -f "$src/.mmscope-extracted" ]; then
	log "extracting $tarball"
	rm -rf "$src" && mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1
	touch "$src/.mmscope-extracted"
fi

log "configuring the debug kernel in $out"
rm -rf "$out" && mkdir -p "$out"
make -s -C "$src" O="$out" tinyconfig >/dev/null
KCONFIG_CONFIG=$out/.config "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "$fragment" >/dev/null
make -s -C "$src" O="$out" olddefconfig >/dev/null

# merge_config cannot force an option whose dependencies are unmet: make sure
# every =y of the fragment survived.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=y' "$fragment" | while read -r opt; do
	grep -qx "$opt" "$out/.config" || echo "$opt"
done)
[ -z "$missing" ] || die "debug config lost: $missing"

log "building the debug kernel (about 5 minutes on 2 cores)"
make -s -C "$src" O="$out" -j"$(($(nproc) + 1))" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "debug kernel build failed"; }
touch "$out/.mmscope-built"
# Older builds with another fragment are dead weight.
find "$MMSCOPE_CACHE/debug-kernel" -maxdepth 1 -name 'build-*' ! -name "build-$key" -exec rm -rf {} +
echo "$out"
