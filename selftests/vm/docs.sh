#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docs.sh [KERNEL]: `make docs`. Boots the demo VM (run.sh KERNEL demo),
# whose pictures come back as artifacts, checked there (xmllint, dot), and
# copies them into docs/: the map SVG as it is, every DOT graph as the SVG
# that dot -Tsvg rendered on the host. A new *.dot of the demo (pictures.sh)
# shows up in docs/ with no change here.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${1:-6.12}
"$MMSCOPE_TOP/selftests/vm/run.sh" "$kernel" demo >"$MMSCOPE_CACHE/vm/demo-$kernel.txt"
art=$MMSCOPE_CACHE/vm/$kernel/artifacts
docs=$MMSCOPE_TOP/docs
mkdir -p "$docs"
n=0
for f in "$art"/*.svg "$art"/rendered/*.svg; do
	[ -e "$f" ] || continue
	cp "$f" "$docs/${f##*/}"
	log "docs/${f##*/} ($(wc -c <"$f") bytes)"
	n=$((n + 1))
done
[ $n -gt 0 ] || die "the demo brought back no picture ($art)"
log "the demo's output: $MMSCOPE_CACHE/vm/demo-$kernel.txt"
