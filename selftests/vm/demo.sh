#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the VM: start the sample program and show what
# mmscope sees of it, each step with a line that says what it shows.
# Runs under busybox sh.
set -e
/tests/sample >/tmp/sample.out &
while [ ! -s /tmp/sample.out ]; do sleep 0.1; done
read -r pid heap </tmp/sample.out

# say WHAT; then the command, as a user would type it, and its output.
step() { echo; echo "# $1"; shift; echo "\$ $*"; "$@"; }

echo "mmscope is loaded in a VM running $(uname -r)."
step "the tool, the module and its ABI, and what this kernel lets mmscope show" \
	mmscope version
echo "The sample program is PID $pid: a heap block at $heap, a shared mapping,"
echo "a file mapping and three threads."
step "the mm_struct: counters, layout, page tables, the threads that share it" \
	mmscope mm "$pid"
step "every VMA, as /proc/PID/maps has them, with their kind and vm_ops" \
	mmscope maps "$pid"
step "the VMA that holds the heap block (find_vma())" \
	mmscope lookup "$pid" "$heap"
step "below the first VMA: the first VMA above, and the gap up to it (JSON)" \
	mmscope -p lookup "$pid" 0x1000
step "the page-table walk of the heap block, level by level, as crash's vtop" \
	mmscope walk "$pid" "$heap"
step "every page of the heap, by its VMA's name: state, PFN, COW verdict, counts" \
	mmscope pages "$pid" '[heap]'
step "what a write would do to each page of the heap now, as runs" \
	mmscope cow "$pid" '[heap]'
step "Rss, Pss, Shared and Private of each VMA, the largest Pss first" \
	mmscope smaps "$pid" --sort pss --top 5
step "the mm on each CPU: CR3, PCID, lazy TLB" \
	mmscope tlb "$pid"
step "the VMA tree (the maple tree), node by node" \
	mmscope vmatree "$pid"
step "the address space as boxes (mmscope map $pid --svg FILE draws it)" \
	mmscope map "$pid"
step "the top-level page table: the sample's own entries (the user half)" \
	mmscope pgd "$pid" user
mmscope snapshot "$pid" >/tmp/before.json
step "a snapshot of the sample (mm, maps, smaps, TLB, as JSON), and its size" \
	wc -c /tmp/before.json
# At SIGUSR1 the sample changes its memory once, and says so.
kill -USR1 "$pid"
i=0
while ! grep -q changed /tmp/sample.out; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "the sample did not change in 10 s"; exit 1; }
	sleep 0.1
done
step "what the sample did since (an mprotect(), an mmap(), writes): exit code 1" \
	mmscope diff /tmp/before.json "$pid" || [ $? -eq 1 ]
step "the same walk through debugfs: write the target and the address, read" \
	sh -c "echo $pid >/sys/kernel/debug/mmscope/target &&
	       echo $heap >/sys/kernel/debug/mmscope/pagetable &&
	       cat /sys/kernel/debug/mmscope/pagetable"
kill "$pid"

# The fault lab: mmscope's own vm_operations, one scenario at a time.
step "the fault lab's guided scenarios: /dev/mmscope's own fault handlers" \
	mmscope faultlab list
step "demand paging: each first touch is one fault, each page mapped once" \
	mmscope faultlab demand
step "device memory: PFNs mapped without struct page (VM_PFNMAP)" \
	mmscope faultlab pfnmap
step "the counters of every lab, and the end of the fault log" \
	cat /sys/kernel/debug/mmscope/faultlab/stats
tail -n 5 /sys/kernel/debug/mmscope/faultlab/log

# The labs: how process memory works, each step checked against /proc.
step "the labs, and the concepts of docs/lab.md they show" \
	mmscope lab list
step "fork and copy-on-write: who copies, who reuses, proven by the PFNs" \
	mmscope lab fork

# The pictures (pictures.sh): the sample's map as SVG and its walk as DOT,
# sent back to the host as artifacts (make docs puts them in docs/).
echo
echo "# the pictures: the map as SVG, the walk and the VMA tree as Graphviz"
echo "\$ /pictures.sh $MMSCOPE_ARTIFACTS"
/pictures.sh "$MMSCOPE_ARTIFACTS"
ls -l "$MMSCOPE_ARTIFACTS"

cat <<'EOF'

# What next
  make shell            a shell in this VM with mmscope loaded: try
                        mmscope maps $$, mmscope walk $$ ADDR, mmscope help
  make shell KERNEL=6.1 the same on 6.1 (or KERNEL=debug: KASAN, lockdep)
  mmscope OBJECT help   what each object shows, and its options
  mmscope lab all       every lab; docs/lab.md is the guide
  make check            every test, on every kernel of the matrix
EOF
