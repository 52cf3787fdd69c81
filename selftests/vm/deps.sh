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
	graphviz libxml2-utils
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
