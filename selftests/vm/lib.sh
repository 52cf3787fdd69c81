# SPDX-License-Identifier: GPL-2.0
# Shared by the VM scripts: where things live and which kernels we test.
# shellcheck shell=bash

MMSCOPE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MMSCOPE_CACHE=${MMSCOPE_CACHE:-$MMSCOPE_TOP/.cache}
mkdir -p "$MMSCOPE_CACHE"

die() { echo "${0##*/}: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

# headers_of META: the versioned headers package that metapackage META pulls
# in, as "name version". Debian's metapackages pin the current ABI.
headers_of() {
	dpkg-query -W -f='${Depends}\n' "$1" 2>/dev/null |
		tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-amd64\) (= \(.*\))/\1 \2/p' | head -n1
}

# kernel_meta NAME: the headers metapackage that pins matrix entry NAME.
#   6.1, 6.12: Debian bookworm's kernels; 6.1-rt, 6.12-rt: their PREEMPT_RT
#   builds; debug: our debug build of 6.12.
kernel_meta() {
	case "$1" in
	6.1) echo linux-headers-amd64 ;;
	6.12 | debug) echo linux-headers-6.12-amd64 ;;
	6.1-rt) echo linux-headers-rt-amd64 ;;
	6.12-rt) echo linux-headers-6.12-rt-amd64 ;;
	*) die "unknown kernel '$1' (want 6.1, 6.12, 6.1-rt, 6.12-rt or debug)" ;;
	esac
}

# kernel_release NAME: prints the uname -r of a kernel of the matrix.
kernel_release() {
	local meta line
	meta=$(kernel_meta "$1") || exit 1
	line=$(headers_of "$meta")
	[ -n "$line" ] || die "$meta is not installed (run selftests/vm/deps.sh)"
	line=${line%% *}
	echo "${line#linux-headers-}"
}

# kdir NAME: the tree to build the module against.
kdir() {
	if [ "$1" = debug ]; then
		"$MMSCOPE_TOP/selftests/vm/debug-kernel.sh" --print-dir
	else
		echo "/usr/src/linux-headers-$(kernel_release "$1")"
	fi
}
