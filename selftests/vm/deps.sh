#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, with apt and only when missing, every host package that building
# and testing mmscope needs. Safe to run again and again.
set -euo pipefail

packages=(
	build-essential bc bison flex cpio xz-utils kmod libelf-dev libssl-dev
	linux-headers-amd64 linux-headers-6.12-amd64 linux-source-6.12
	linux-headers-rt-amd64 linux-headers-6.12-rt-amd64
	qemu-system-x86 busybox-static sparse dkms
	graphviz libxml2-utils python3-docutils
	debhelper dh-dkms lintian fakeroot dpkg-dev
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# apt's own output goes to a log; the user sees one line, or the log's end
# if apt failed. Another apt (unattended-upgrades, a package manager) may
# hold the dpkg lock: wait for it, as apt does with DPkg::Lock::Timeout.
log=$(cd "$(dirname "$0")/../.." && pwd)/.cache/deps.log
mkdir -p "${log%/*}"
echo "deps: installing ${#missing[@]} packages with apt (log: $log): ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
apt=($sudo apt-get -q -o DPkg::Lock::Timeout=600)
if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } \
	>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "deps: apt failed (whole log: $log)" >&2
	exit 1
fi
echo "deps: done"
