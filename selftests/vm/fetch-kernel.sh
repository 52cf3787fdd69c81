#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fetch-kernel.sh NAME: make sure the kernel image of matrix entry NAME
# (6.1, 6.12, 6.1-rt, 6.12-rt or debug) is in the cache and print its
# unpacked root. The image is at boot/vmlinuz and its own modules are under
# lib/modules/<release>/.
# Debian images are fetched with apt-get download and unpacked with dpkg -x;
# nothing is installed, so no initramfs hooks run on this machine.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=${1:?usage: fetch-kernel.sh 6.1|6.12|6.1-rt|6.12-rt|debug}

if [ "$name" = debug ]; then
	build=$("$MMSCOPE_TOP/selftests/vm/debug-kernel.sh")
	root=$build/mmscope-root
	mkdir -p "$root/boot"
	ln -sf "$build/arch/x86/boot/bzImage" "$root/boot/vmlinuz"
	echo "$root"
	exit 0
fi

release=$(kernel_release "$name")
version=$(headers_of "$(kernel_meta "$name")" | cut -d' ' -f2)
pkg=linux-image-$release-unsigned
root=$MMSCOPE_CACHE/kernels/$release

if [ ! -f "$root/.mmscope-unpacked" ]; then
	log "fetching $pkg $version"
	dl=$MMSCOPE_CACHE/kernels/deb
	mkdir -p "$dl"
	deb=$(ls "$dl/${pkg}_${version//:/%3a}"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		# apt prints progress on stdout, and stdout is our answer.
		(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$version" >&2) ||
			{ [ "$(id -u)" -eq 0 ] && apt-get update -q >&2 &&
				(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$version" >&2); } ||
			die "cannot download $pkg=$version"
		deb=$(ls "$dl/${pkg}_"*.deb | head -n1)
	fi
	rm -rf "$root" && mkdir -p "$root"
	dpkg -x "$deb" "$root"
	ln -sf "vmlinuz-$release" "$root/boot/vmlinuz"
	touch "$root/.mmscope-unpacked"
fi
echo "$root"
