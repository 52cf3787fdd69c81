#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion against this shell's own /proc/PID/maps: objects and
# their options, options after the object, addresses, ranges and names of
# the target's VMAs. host-checks.sh runs it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/userspace-tools/bash-completion/mmscope"
failed=0

# complete WORD...: COMPREPLY for the last word, as bash would ask.
complete_words() {
	COMP_WORDS=(mmscope "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_mmscope
	printf '%s\n' "${COMPREPLY[@]}"
}
expect() {	# expect WHAT WORD -- WORDS...
	local want=$1 got
	shift
	got=$(complete_words "$@")
	grep -qxF -- "$want" <<<"$got" ||
		{ echo "completion-check: '$*' does not offer '$want' (offers: $(echo $got))" >&2; failed=1; }
}
refuse() {	# refuse WHAT WORDS...
	local unwanted=$1 got
	shift
	got=$(complete_words "$@")
	! grep -qxF -- "$unwanted" <<<"$got" ||
		{ echo "completion-check: '$*' offers '$unwanted'" >&2; failed=1; }
}

pid=$$
heap_start=$(awk '$6 == "[heap]" { split($1, r, "-"); print r[1]; exit }' /proc/$pid/maps)
stack_range=$(awk '$6 == "[stack]" { print $1; exit }' /proc/$pid/maps)
exe=$(readlink /proc/$pid/exe)

expect vmatree vm
expect version ver
expect pgd pg
expect kernel pgd $pid k
expect all pgd $pid ''
refuse user pgd $pid kernel ''
expect walk help wa
expect --json maps $pid --j
expect --verbose maps $pid --verb
expect --human smaps $pid --hu
expect -H maps $pid -
expect --no-headers pages $pid --no
expect --no-headers --no
expect "$pid" maps --no-headers ''
expect "$pid" smaps -H ''
refuse --verbose mm $pid --verb
expect --dot walk $pid --d
expect --summary pages $pid --s
expect --vma pages $pid --v
expect --watch tlb $pid --w
expect --top smaps $pid --t
expect pss smaps $pid --sort ''
expect "$pid" walk ''
expect "$stack_range" pages $pid ''
expect '[stack]' cow $pid ''
expect "${exe##*/}" pages $pid ''
expect '[stack]' pages $pid --vma ''
[ -z "$heap_start" ] || expect "$heap_start" walk $pid ''
refuse '[stack]' walk $pid ''
expect demand faultlab de
expect list lab li
expect --step lab fork --st
expect --step faultlab split --st
expect snapshot sn
expect "$pid" snapshot ''
expect "$pid" diff ''
expect "$pid" diff a.json ''
refuse "$pid" diff a.json b.json ''

[ $failed -eq 0 ] && echo "completion-check: ok"
exit $failed
