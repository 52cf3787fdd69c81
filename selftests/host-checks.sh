#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The checks `make check` runs on the host (beside the debug entry's guest):
#   - W=1 builds, warning-free, against Debian's 6.1 and 6.12 headers and
#     their PREEMPT_RT builds' (no THP there)
#   - the same against a minimal 6.12 configuration (min-kernel.sh: no THP,
#     hugetlbfs, KSM, swap, memcg, NUMA, userfaultfd or debugfs)
#   - sparse (C=2: every file) with no report
#   - checkpatch.pl --strict clean on every module and uapi file
#   - the uapi header compiles on its own, with no implicit padding
#   - every symbol the module imports is exported by that kernel (for the
#     minimal configuration, which has no Module.symvers: not exported only
#     from a file that configuration does not build)
#   - every uapi constant is named once, and docs/abi.md's table of names
#     says what include/mmscope_names.h says (names-check.sh)
#   - make deb builds both packages, lintian finds no error, apt installs
#     them and dkms builds the module for both kernels, apt purges them
#     (deb-check.sh; under the matrix with a debug entry, matrix.sh runs
#     it first, so that the 6.1 and 6.12 guests load those modules)
#   - the man pages render, and name every object, option and JSON key of
#     the CLI (man-check.sh)
# The kernel tools come from Debian's linux-source-6.12 tarball.
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$MMSCOPE_TOP"

failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sources() { cp -a Kbuild VERSION module include "$1/"; }

# build NAME KDIR [MAKE ARGS...]: a W=1, sparse build into $tmp/build-NAME.
# Everything but the normal progress lines (and the lines of ARGS' own
# $quiet pattern) is a finding.
build() {
	local k=$1 kdir=$2 out=$tmp/build-$1.log ignore
	shift 2
	ignore="^(make|  [A-Z]+ |Skipping BTF generation)${quiet:+|$quiet}"
	log "W=1 and sparse build against $kdir ($k)"
	mkdir -p "$tmp/build-$k"
	sources "$tmp/build-$k"
	make -C "$kdir" M="$tmp/build-$k" W=1 C=2 "$@" modules >"$out" 2>&1 ||
		{ cat "$out" >&2; fail "$k: build failed"; return 1; }
	if grep -vE "$ignore" "$out" | grep -q .; then
		grep -vE "$ignore" "$out" >&2
		fail "$k: W=1 or sparse reported the lines above"
	fi
}

quiet=
for k in 6.1 6.12 6.1-rt 6.12-rt; do
	kdir=$(kdir "$k")
	build "$k" "$kdir" || continue
	# modpost only warns about a missing export; loading would fail.
	missing=$(nm -u "$tmp/build-$k/mmscope.ko" | awk '{print $2}' | while read -r sym; do
		grep -qP "^0x[0-9a-f]+\t$sym\t" "$kdir/Module.symvers" || echo "$sym"
	done)
	[ -z "$missing" ] || fail "$k: mmscope.ko imports symbols the kernel does not export: $missing"
done

# The minimal configuration: prepared once, cached (about a minute cold).
# It has no Module.symvers (no vmlinux was built), so modpost can only warn
# of every import; instead, no import may be exported only from a file its
# directory's Makefile builds under an option that is off here.
if minkdir=$(selftests/vm/min-kernel.sh); then
	quiet='WARNING: Module.symvers is missing|^ +(Modules may|You may|You can|if you want)|WARNING: modpost: .*undefined!|WARNING: modpost: suppressed'
	if build minconfig "$minkdir" KBUILD_MODPOST_WARN=1; then
		minsrc=$(readlink -f "$minkdir/source")
		nm -u "$tmp/build-minconfig/mmscope.ko" | awk '{print $2}' | sort -u >"$tmp/min-imports"
		# Where each import is exported: FILE SYMBOL, one pass over the tree.
		(cd "$minsrc" && grep -rEo --include='*.c' --include='*.S' \
			'^EXPORT_SYMBOL(_GPL)?\([A-Za-z0-9_]+\)' kernel mm lib arch/x86 fs block drivers/base security) |
			sed 's/:EXPORT_SYMBOL\(_GPL\)\?(\(.*\))$/ \2/' |
			awk 'NR == FNR { want[$1] = 1; next } ($2 in want)' "$tmp/min-imports" - \
			>"$tmp/min-exports"
		# obj-$(CONFIG_X) += ... FILE.o ...: FILE is built only with X. A
		# symbol is missing if no file that exports it is built.
		unbuilt=$(while read -r file sym; do
			dir=${file%/*} obj=${file##*/}
			opt=$(awk -v obj="${obj%.*}.o" '$1 ~ /^obj-\$\(CONFIG_/ {
				for (i = 2; i <= NF; i++)
					if ($i == obj) { gsub(/^obj-\$\(|\).*$/, "", $1); print $1; exit }
			}' "$minsrc/$dir/Makefile" 2>/dev/null)
			if [ -z "$opt" ] || grep -qE "^$opt=[ym]" "$minkdir/.config"; then
				echo "$sym built"
			else
				echo "$sym $file:$opt"
			fi
		done <"$tmp/min-exports" |
			awk '{ if ($2 == "built") ok[$1] = 1; else off[$1] = off[$1] " " $2 }
			     END { for (s in off) if (!(s in ok)) print s " (" substr(off[s], 2) ")" }')
		[ -z "$unbuilt" ] ||
			fail "minconfig: mmscope.ko imports symbols this configuration does not build: $unbuilt"
	fi
	quiet=
else
	fail "minconfig: the minimal configuration could not be prepared"
fi

log "names"
selftests/names-check.sh || fail "names-check"

log "bash completion"
selftests/completion-check.sh || fail "completion-check"

log "man pages"
selftests/man-check.sh || fail "man-check"


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

if [ -n "${MMSCOPE_DEB_CHECKED:-}" ]; then
	log "deb packages: checked by the matrix, before the 6.1 and 6.12 guests"
else
	log "deb packages: make deb, lintian, apt install (dkms), apt purge"
	selftests/deb-check.sh || fail "deb-check"
fi

[ $failed -eq 0 ] && log "host checks: PASS" || { log "host checks: FAIL"; exit 1; }
