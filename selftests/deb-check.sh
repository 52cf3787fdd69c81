#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (make deb), checked without touching the host system:
#   - debian/changelog and dkms.conf say the version of VERSION
#   - make deb builds mmscope-dkms_VERSION_all.deb and mmscope_VERSION_amd64.deb
#   - lintian reports no error (E:) about them
#   - unpacked (dpkg -x) into a throwaway root: the module source and its
#     dkms.conf are under usr/src/mmscope-VERSION, usr/sbin/mmscope runs,
#     every man page and the bash completion are there
#   - dkms builds mmscope.ko from that unpacked source for both kernels
#     (in a private dkms tree), as the package's postinst would
# The packages, lintian's verdict and the dkms builds are cached in
# .cache/deb/KEY, KEY a hash of the packaged files and the kernel
# releases: when none changed, the steps are not run again.
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$MMSCOPE_TOP"

failed=0
fail() { echo "deb-check: $*" >&2; failed=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version=$(cat VERSION)
changelog=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$changelog" = "$version" ] ||
	fail "debian/changelog says version '$changelog', VERSION says '$version'"
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
[ "$dkms_version" = "$version" ] ||
	fail "dkms.conf says version '$dkms_version', VERSION says '$version'"

releases=$(for k in 6.1 6.12; do kernel_release "$k"; done)
# What the packages are made of (as make deb copies it), and the kernels.
packaged=(Kbuild VERSION LICENSE Makefile dkms.conf module include docs debian userspace-tools)
key=$({
	git ls-files -co --exclude-standard -- "${packaged[@]}" | sort |
		xargs -d '\n' sha256sum
	echo "$releases"
	dpkg-query -W debhelper dh-dkms dkms lintian python3-docutils 2>/dev/null
} | sha256sum | cut -c1-16)
cache=$MMSCOPE_CACHE/deb/$key
mkdir -p "${cache%/*}"

dkms_deb=mmscope-dkms_${version}_all.deb
cli_deb=mmscope_${version}_amd64.deb
if [ -f "$cache/$dkms_deb" ] && [ -f "$cache/$cli_deb" ]; then
	log "deb: the packages of these sources, from $cache"
else
	log "deb: make deb"
	if ! make -s deb >"$tmp/deb.log" 2>&1; then
		cat "$tmp/deb.log" >&2
		fail "make deb"
		exit 1
	fi
	mkdir -p "$tmp/cache"
	cp build/deb/"$dkms_deb" build/deb/"$cli_deb" "$tmp/cache/"
fi
[ -d "$tmp/cache" ] && debs=$tmp/cache || debs=$cache

if [ -f "$cache/lintian.ok" ]; then
	log "deb: lintian passed these packages before"
else
	log "deb: lintian"
	lintian --tag-display-limit 0 "$debs/$dkms_deb" "$debs/$cli_deb" >"$tmp/lintian.log" 2>&1 || true
	grep -v 'root privileges is not recommended' "$tmp/lintian.log" >&2 || true
	if grep -q '^E: ' "$tmp/lintian.log"; then
		fail "lintian reports errors"
	elif [ -d "$tmp/cache" ]; then
		cp "$tmp/lintian.log" "$tmp/cache/lintian.ok"
	fi
fi

log "deb: the files of both packages, unpacked"
root=$tmp/root
dpkg -x "$debs/$dkms_deb" "$root"
dpkg -x "$debs/$cli_deb" "$root"
src=$root/usr/src/mmscope-$version
for f in dkms.conf Kbuild VERSION include/uapi/linux/mmscope.h include/mmscope_names.h \
	$(cd module && ls *.c *.h | sed 's|^|module/|'); do
	[ -f "$src/$f" ] || fail "$dkms_deb has no usr/src/mmscope-$version/$f"
done
cmp -s "$src/dkms.conf" dkms.conf || fail "$dkms_deb: its dkms.conf is not dkms.conf"
for f in usr/sbin/mmscope usr/share/bash-completion/completions/mmscope; do
	[ -f "$root/$f" ] || fail "$cli_deb has no $f"
done
for rst in docs/man/*.rst; do
	page=${rst##*/}
	page=${page%.rst}
	f=usr/share/man/man${page##*.}/$page.gz
	[ -f "$root/$f" ] || fail "$cli_deb has no $f"
done
out=$("$root/usr/sbin/mmscope" --version 2>&1) || fail "usr/sbin/mmscope --version failed: $out"
[ "$(echo "$out" | head -n1)" = "mmscope $version (ABI $(sed -n 's/^#define MMSCOPE_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' include/uapi/linux/mmscope.h))" ] ||
	fail "usr/sbin/mmscope --version says: $(echo "$out" | head -n1)"
MANWIDTH=80 man -l "$root/usr/share/man/man8/mmscope.8.gz" 2>/dev/null | grep -q '^EXIT STATUS' ||
	fail "man -l mmscope.8.gz does not render"

for release in $releases; do
	if [ -f "$cache/dkms-$release.ok" ]; then
		log "deb: dkms built these sources for $release before"
		continue
	fi
	log "deb: dkms build of usr/src/mmscope-$version for $release"
	mkdir -p "$tmp/dkms"
	dkms_args=(-m mmscope -v "$version" --sourcetree "$root/usr/src" --dkmstree "$tmp/dkms")
	[ -d "$tmp/dkms/mmscope/$version" ] || dkms add "${dkms_args[@]}" >"$tmp/dkms-add.log" 2>&1 ||
		{ cat "$tmp/dkms-add.log" >&2; fail "dkms add"; break; }
	if ! dkms build "${dkms_args[@]}" -k "$release" >"$tmp/dkms-$release.log" 2>&1; then
		cat "$tmp/dkms-$release.log" >&2
		fail "dkms build for $release"
	elif ! ls "$tmp/dkms/mmscope/$version/$release"/*/module/mmscope.ko* >/dev/null 2>&1; then
		fail "dkms build for $release left no mmscope.ko"
	elif grep -q 'bad exit status' "$tmp/dkms-$release.log"; then
		cat "$tmp/dkms-$release.log" >&2
		fail "dkms build for $release: a step failed (its CLEAN, before the build?)"
	elif [ -d "$tmp/cache" ]; then
		touch "$tmp/cache/dkms-$release.ok"
	else
		touch "$cache/dkms-$release.ok"
	fi
done

# Only a passing run is kept, whole.
if [ $failed -eq 0 ] && [ -d "$tmp/cache" ] && [ ! -e "$cache" ]; then
	mv "$tmp/cache" "$cache"
fi
[ $failed -eq 0 ] && log "deb: PASS"
exit $failed
