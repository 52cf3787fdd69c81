#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare (once per source version and config fragment) a 6.12 tree of the
# minimal configuration (min.config: defconfig without THP, hugetlbfs, KSM,
# swap, memcg, NUMA, userfaultfd or debugfs) from Debian's linux-source-6.12,
# for the host checks' build: `make modules_prepare` only (36 s cold), so
# the tree has no Module.symvers, and host-checks.sh checks what mmscope
# imports against the Makefiles instead. Prints the directory to build
# against.
#
#   min-kernel.sh              prepare if needed, print the directory
#   min-kernel.sh --print-dir  print the directory, prepare nothing
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fragment=$MMSCOPE_TOP/selftests/vm/min.config
tarball=/usr/src/linux-source-6.12.tar.xz
[ -r "$tarball" ] || die "$tarball missing (run selftests/vm/deps.sh)"

src_ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( (echo "$src_ver"; cat "$fragment") | sha256sum | cut -c1-16)
out=$MMSCOPE_CACHE/minconfig/build-$key

if [ "${1:-}" = --print-dir ]; then
	echo "$out"
	exit 0
fi
# Prepared, and its sources (maybe the debug kernel's) still there.
if [ -f "$out/.mmscope-prepared" ] && [ -f "$out/source/Makefile" ]; then
	echo "$out"
	exit 0
fi

# The debug kernel's extracted sources serve as well (O= leaves them
# untouched); else extract our own.
src=$MMSCOPE_CACHE/debug-kernel/src-$src_ver
if [ ! -f "$src/.mmscope-extracted" ]; then
	src=$MMSCOPE_CACHE/minconfig/src-$src_ver
	if [ ! -f "$src/.mmscope-extracted" ]; then
		log "extracting $tarball"
		rm -rf "$src" && mkdir -p "$src"
		tar -xJf "$tarball" -C "$src" --strip-components=1
		touch "$src/.mmscope-extracted"
	fi
fi

log "preparing the minimal configuration in $out"
rm -rf "$out" && mkdir -p "$out"
make -s -C "$src" O="$out" defconfig >/dev/null
KCONFIG_CONFIG=$out/.config "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "$fragment" >/dev/null
make -s -C "$src" O="$out" olddefconfig >/dev/null

# Every option of the fragment must have come out as it asks: a =y lost to
# an unmet dependency, or an option still on because another selects it.
wrong=$(grep -E '^CONFIG_[A-Z0-9_]+=y|^# CONFIG_[A-Z0-9_]+ is not set' "$fragment" |
	while read -r line; do
		case "$line" in
		"# "*)	opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" "$out/.config" || echo "$opt" ;;
		*)	grep -qx "$line" "$out/.config" || echo "$line" ;;
		esac
	done)
[ -z "$wrong" ] || die "minimal config came out wrong: $wrong"

make -s -C "$src" O="$out" -j"$(($(nproc) + 1))" modules_prepare >"$out/prepare.log" 2>&1 ||
	{ tail -n 40 "$out/prepare.log" >&2; die "modules_prepare failed"; }
touch "$out/.mmscope-prepared"
# Trees of an older fragment or source are dead weight.
find "$MMSCOPE_CACHE/minconfig" -maxdepth 1 \( -name 'build-*' ! -name "build-$key" \
	-o -name 'src-*' ! -name "src-$src_ver" \) -exec rm -rf {} +
echo "$out"
