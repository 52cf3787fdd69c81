#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The man pages against the CLI, so that they cannot drift apart:
#   - every page under docs/man renders with rst2man, without a warning
#   - every object of the CLI (const struct object obj_NAME, one per
#     object file) has its page mmscope-OBJECT.8.rst, and mmscope.8.rst
#     names it
#   - every option of the CLI is in its page: main.c's (getopt table and
#     usage text) in mmscope.8.rst, each object's (its getopt table and
#     its help text) in mmscope-OBJECT.8.rst
#   - the table options (-H, --human, --no-headers) and the units rule are
#     in mmscope.8.rst and docs/cli.md
#   - every JSON key an object writes (jw_key(jw, "...") and its tables of
#     named fields) is in its page
# With -o DIR, the rendered pages are left in DIR.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
man=docs/man
cli=userspace-tools/mmscope
out=
[ "${1:-}" = -o ] && out=$2

failed=0
fail() { echo "man-check: $*" >&2; failed=1; }
command -v rst2man >/dev/null ||
	{ echo "man-check: rst2man not found (apt install python3-docutils)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for rst in "$man"/*.rst; do
	page=${rst##*/}
	page=${page%.rst}
	if ! rst2man --halt=warning "$rst" >"$tmp/$page" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
		cat "$tmp/err" >&2
		fail "$rst: rst2man failed or warned"
	fi
done

# A C string literal's words, from the line "static const char NAME[] =" to its ";".
c_string() { sed -n "/ $2\[\] =/,/;\$/p" "$1"; }
# The --long and -s options of a getopt table and of a help text.
options_of() {
	{
		grep -oE '\{ *"[a-z][a-z-]*", *(no|required|optional)_argument' "$1" |
			sed -E 's/\{ *"([^"]*)".*/--\1/'
		c_string "$1" "$2" | grep -oE '(^|[^A-Za-z0-9-])--?[a-zA-Z][a-z-]*' |
			grep -oE -- '--?[a-zA-Z][a-z-]*'
	} | sort -u
}
# The JSON keys of an object file: jw_key() literals, and the fields of its
# tables that name their keys after struct members (MM_NUM(x), COUNTER(x),
# F("Key", ...)).
keys_of() {
	{
		grep -oE 'jw_key\(jw, "[^"]+"\)' "$1" | sed -E 's/.*"(.*)".*/\1/'
		grep -v '^#define' "$1" | grep -oE '\b(MM_NUM|MM_PG|MM_BYTES|MM_HEX|COUNTER)\([a-z_0-9]+\)' | sed -E 's/.*\((.*)\)/\1/'
		grep -oE '^\s*F\("[A-Za-z_]+"' "$1" | sed -E 's/.*"(.*)"/\1/'
	} | sort -u
}
# has PAGE WORD: the word is in the page's text, as a whole word.
has() { grep -qE -- "(^|[^A-Za-z0-9_-])$2(\$|[^A-Za-z0-9_])" "$1"; }

objects=$(grep -h -A1 '^const struct object obj_[a-z]* = {' "$cli"/*.c |
	grep -oE '\.name = "[a-z]+"' | grep -oE '"[a-z]+"' | tr -d '"' | sort)
[ -n "$objects" ] || fail "no objects found in $cli/*.c"
for o in $objects; do
	has "$man/mmscope.8.rst" "$o" || fail "mmscope.8.rst does not name object '$o'"
	has "$man/mmscope.8.rst" "mmscope-$o" || fail "mmscope.8.rst does not refer to mmscope-$o(8)"
	[ -f "$man/mmscope-$o.8.rst" ] || { fail "object '$o' has no page $man/mmscope-$o.8.rst"; continue; }
done
for rst in "$man"/mmscope-*.8.rst; do
	o=${rst##*/mmscope-}
	o=${o%.8.rst}
	echo "$objects" | grep -qx "$o" || fail "$rst: no object '$o' in the CLI"
done

for opt in $(options_of "$cli/main.c" usage_text); do
	has "$man/mmscope.8.rst" "$opt" || fail "mmscope.8.rst lacks the global option $opt"
done
for word in -H --human --no-headers _KB; do
	has "$man/mmscope.8.rst" "$word" || fail "mmscope.8.rst does not document $word"
	has docs/cli.md "$word" || fail "docs/cli.md does not document $word"
done
for o in $objects; do
	src=$cli/$o.c
	rst=$man/mmscope-$o.8.rst
	[ -f "$src" ] && [ -f "$rst" ] || continue
	for opt in $(options_of "$src" help_text); do
		has "$rst" "$opt" || fail "${rst##*/} lacks the option $opt (from $src)"
	done
	# An object may span files: faultlab.c, faultlab_lab.c, ...
	for f in "$src" "$cli/${o}"_*.c; do
		[ -f "$f" ] || continue
		for key in $(keys_of "$f"); do
			has "$rst" "$key" || fail "${rst##*/} lacks the JSON key '$key' (from $f)"
		done
	done
done

if [ -n "$out" ]; then
	mkdir -p "$out"
	cp "$tmp"/*.[48] "$out/"
fi
[ $failed -eq 0 ] && echo "man-check: $(ls "$man"/*.rst | wc -l) pages, $(echo "$objects" | wc -w) objects: OK"
exit $failed
