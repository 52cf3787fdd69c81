#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the VM: start the sample program and show what
# mmscope sees of it. Runs under busybox sh.
set -e
/tests/sample >/tmp/sample.out &
while [ ! -s /tmp/sample.out ]; do sleep 0.1; done
read -r pid heap </tmp/sample.out

step() { echo; echo "\$ $*"; "$@"; }

echo "The sample program is PID $pid; its heap block is at $heap."
step mmscope mm "$pid"
step mmscope maps "$pid"
step mmscope lookup "$pid" "$heap"
step mmscope -p lookup "$pid" 0x1000
step mmscope walk "$pid" "$heap"
step mmscope --vma 6 pages "$pid"
step mmscope --vma 6 cow "$pid"
step mmscope map "$pid"
echo "$pid" >/sys/kernel/debug/mmscope/target
step cat /sys/kernel/debug/mmscope/target
step head -n 4 /sys/kernel/debug/mmscope/maps
echo "$heap" >/sys/kernel/debug/mmscope/pagetable
step cat /sys/kernel/debug/mmscope/pagetable
kill "$pid"

# The fault lab: mmscope's own vm_operations, one scenario at a time.
step mmscope faultlab list
step mmscope faultlab demand
step mmscope faultlab pfnmap
step cat /sys/kernel/debug/mmscope/faultlab/stats
step tail -n 5 /sys/kernel/debug/mmscope/faultlab/log

# The pictures (pictures.sh): the sample's map as SVG and its walk as DOT,
# sent back to the host as artifacts (make docs puts them in docs/).
echo
echo "\$ /pictures.sh $MMSCOPE_ARTIFACTS"
/pictures.sh "$MMSCOPE_ARTIFACTS"
ls -l "$MMSCOPE_ARTIFACTS"
