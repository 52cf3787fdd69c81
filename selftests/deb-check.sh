#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (make deb), checked as a user meets them:
#   - debian/changelog and dkms.conf say the version of VERSION
#   - make deb builds mmscope-dkms_VERSION_all.deb and mmscope_VERSION_amd64.deb
#   - lintian reports no error (E:) about them
#   - unpacked (dpkg -x) into a throwaway root: the module source and its
#     dkms.conf are under usr/src/mmscope-VERSION, usr/sbin/mmscope runs,
#     every man page and the bash completion are there
#   - apt installs both packages; dkms then says the module is installed
#     for the 6.1 and 6.12 headers, and mmscope is on the PATH; the modules
#     dkms built are kept in .cache/deb/kos/RELEASE/mmscope.ko, which
#     make check's 6.1 and 6.12 guests load (selftests/vm/run.sh); then
#     apt purges both, and no module or dkms entry may be left. Where
#     mmscope is installed already, this step is left out (never over a
#     user's own), and the guests load only the module built here
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
# What this run learns goes beside the packages it checks.
store=$debs

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

# The packages installed as a user installs them (apt), which makes dkms
# build and install the module for every kernel with headers here; then
# each module is kept for the VM runs, and the packages are purged again.
kos=$MMSCOPE_CACHE/deb/kos
rm -rf "$kos"
# Either package in any state but gone (not-installed, config-files).
present=
for state in $(dpkg-query -W -f='${db:Status-Status} ' mmscope mmscope-dkms 2>/dev/null || true); do
	case $state in not-installed | config-files) ;; *) present=1 ;; esac
done
if [ -f "$cache/install.ok" ]; then
	log "deb: these packages were installed, built by dkms and purged before"
elif [ -n "$present" ]; then
	# Never over a user's own mmscope: the guests then load only this tree's.
	log "deb: mmscope is installed on this machine: not installing over it"
	log "     (apt purge mmscope mmscope-dkms lets make check install, test and purge its own)"
else
	log "deb: apt install of both packages (dkms builds mmscope.ko for $(echo $releases))"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
	apt=($sudo apt-get -q -y --no-install-recommends -o DPkg::Lock::Timeout=600)
	# From the install to the purge, a signal must not stop dpkg halfway
	# (make check's Ctrl-C, the matrix ending): ignored here, and so in
	# apt and dpkg; and what was installed is purged on every way out.
	trap '' INT TERM HUP
	purged=
	purge() {
		[ -z "$purged" ] || return 0
		purged=1
		"${apt[@]}" purge mmscope mmscope-dkms >"$tmp/purge.log" 2>&1
	}
	trap 'purge; rm -rf "$tmp"' EXIT
	if ! "${apt[@]}" install "$debs/$dkms_deb" "$debs/$cli_deb" >"$tmp/install.log" 2>&1; then
		grep -v "^readelf: Warning" "$tmp/install.log" | tail -n 40 >&2
		fail "apt install of $dkms_deb and $cli_deb"
	else
		command -v mmscope >/dev/null || fail "after the install, mmscope is not on the PATH"
		for release in $releases; do
			status=$(dkms status -m mmscope -v "$version" -k "$release" 2>/dev/null)
			case "$status" in
			*": installed"*) ;;
			*) fail "dkms status for $release says '$status', not installed"; continue ;;
			esac
			ko=$(ls /lib/modules/"$release"/updates/dkms/mmscope.ko* 2>/dev/null | head -n1)
			mkdir -p "$store/ko/$release"
			out=$store/ko/$release/mmscope.ko
			case "$ko" in
			*.ko) cp "$ko" "$out" ;;
			*.ko.xz) xz -dc "$ko" >"$out" ;;
			*) fail "dkms says installed for $release, but no mmscope.ko is there"; continue ;;
			esac
			[ "$(modinfo -F version "$out")" = "$version" ] ||
				fail "the dkms module for $release says version $(modinfo -F version "$out")"
		done
	fi
	purge || { tail -n 20 "$tmp/purge.log" >&2; fail "apt purge"; }
	[ -z "$(dkms status -m mmscope 2>/dev/null)" ] ||
		fail "after the purge, dkms still has: $(dkms status -m mmscope 2>/dev/null)"
	! ls /lib/modules/*/updates/dkms/mmscope.ko* >/dev/null 2>&1 ||
		fail "after the purge, a mmscope.ko is left in /lib/modules"
	trap 'rm -rf "$tmp"' EXIT
	trap - INT TERM HUP
	[ $failed -ne 0 ] || touch "$store/install.ok"
fi

# Only a passing run is kept, whole.
if [ $failed -eq 0 ] && [ -d "$tmp/cache" ] && [ ! -e "$cache" ]; then
	mv "$tmp/cache" "$cache"
fi
# The modules for the VM runs (run.sh, when make check sets MMSCOPE_DKMS_KOS).
if [ $failed -eq 0 ] && [ -f "$cache/install.ok" ]; then
	mkdir -p "$kos"
	cp -a "$cache/ko/." "$kos/"
fi
[ $failed -eq 0 ] && log "deb: PASS"
exit $failed
