#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the pictures of the sample program, written into DIR, which
# /init sends back to the host (run.sh puts them in .cache/vm/KERNEL/artifacts,
# checks every *.svg with xmllint and renders every *.dot with dot -Tsvg).
# Runs under busybox sh, in check and demo modes.
set -e
dir=${1:?usage: pictures.sh DIR}
mkdir -p "$dir"
rm -f /tmp/pictures.out
/tests/sample >/tmp/pictures.out &
tries=0
while [ ! -s /tmp/pictures.out ]; do
	tries=$((tries + 1))
	[ $tries -le 300 ] || { echo "pictures.sh: the sample program never started" >&2; exit 1; }
	sleep 0.1
done
read -r pid heap </tmp/pictures.out

mmscope map "$pid" --svg "$dir/sample-map.svg"
mmscope --dot walk "$pid" "$heap" >"$dir/sample-walk.dot"
mmscope --dot vmatree "$pid" >"$dir/sample-vmatree.dot"
kill "$pid"
