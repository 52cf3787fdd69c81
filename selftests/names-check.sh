#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The names of the uapi's enum values and flag bits are written once, in
# include/mmscope_names.h; the module and libmmscope build their tables from
# it. This checks the two copies that cannot be built from it:
#   - every constant of <linux/mmscope.h> that has a name is named there;
#   - docs/abi.md's table of names (between the "names" markers) is exactly
#     what the lists say;
#   - the fault lab's counter list is every field of
#     struct mmscope_faultlab_counters, in its order, and the man page and
#     docs/internals/faultlab.md name every counter (the CLI builds its
#     counters from the list, so no table of its own shows them to
#     man-check.sh), the latter every fault-lab mode too.
#   names-check.sh           check (host-checks.sh runs it)
#   names-check.sh --update  rewrite docs/abi.md's table from the lists
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
uapi=$top/include/uapi/linux/mmscope.h
names=$top/include/mmscope_names.h
doc=$top/docs/abi.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# The named families; their *_COUNT ends are not values.
family='MMSCOPE_(LEVEL|ENTRY|COW|KIND|PTE|PG|FAULT|VM_FAULT|FAULTLAB_H)_[A-Z0-9_]+|MMSCOPE_FAULTLAB_(PAGE|PATTERN|PFN|MIXED)'
for c in $(grep -Eo "^(#define[[:space:]]+|[[:space:]]+)($family)\b" "$uapi" |
	   awk '{print $NF}' | grep -Ev '_COUNT$' | sort -u); do
	grep -qw "X($c," "$names" || { echo "names-check: $c has no name in $names" >&2; failed=1; }
done

# The table of docs/abi.md, printed by the C preprocessor from the lists themselves.
cat >"$tmp/doc.c" <<'C'
#include <stdio.h>
#include "mmscope_names.h"
#include <stddef.h>
#include <string.h>
#define NAME(value, name) printf("%s`%s`", first ? "" : ", ", name), first = 0;
#define FIELD(field) NAME(, #field)
#define COUNTERS(X) MMSCOPE_NAMES_FAULTLAB_COUNTER(FIELD)
#define LINE(value, name) puts(name);
#define FIELD_LINE(field) puts(#field);
/* The counters: every field of the struct, in order, each a __u64. */
#define INDEX(field) INDEX_##field,
enum { MMSCOPE_NAMES_FAULTLAB_COUNTER(INDEX) NR_FIELDS };
#define PLACE(field)							\
	_Static_assert(offsetof(struct mmscope_faultlab_counters, field) ==	\
		       INDEX_##field * sizeof(__u64),			\
		       "MMSCOPE_NAMES_FAULTLAB_COUNTER: " #field " is out of place");
MMSCOPE_NAMES_FAULTLAB_COUNTER(PLACE)
_Static_assert(sizeof(struct mmscope_faultlab_counters) == NR_FIELDS * sizeof(__u64),
	       "MMSCOPE_NAMES_FAULTLAB_COUNTER lacks a field of struct mmscope_faultlab_counters");
#define ROW(what, list) do {						\
	int first = 1;							\
	printf("| %s | ", what);					\
	list(NAME)							\
	printf(" |\n");							\
} while (0)
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "modes")) {
		MMSCOPE_NAMES_FAULTLAB_MODE(LINE)
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "counters")) {
		MMSCOPE_NAMES_FAULTLAB_COUNTER(FIELD_LINE)
		return 0;
	}
	printf("| what | names |\n|---|---|\n");
	ROW("page-table levels", MMSCOPE_NAMES_LEVEL);
	ROW("entry states", MMSCOPE_NAMES_STATE);
	ROW("PTE bits", MMSCOPE_NAMES_PTE_BIT);
	ROW("page flags", MMSCOPE_NAMES_PG_BIT);
	ROW("COW verdicts", MMSCOPE_NAMES_COW);
	ROW("VMA kinds", MMSCOPE_NAMES_KIND);
	ROW("fault-lab modes", MMSCOPE_NAMES_FAULTLAB_MODE);
	ROW("fault-lab handlers", MMSCOPE_NAMES_FAULTLAB_HANDLER);
	ROW("fault-lab counters", COUNTERS);
	ROW("fault flags", MMSCOPE_NAMES_FAULT_FLAG);
	ROW("fault results", MMSCOPE_NAMES_FAULT_RESULT);
	return 0;
}
C
gcc -Wall -Werror -I"$top/include/uapi" -I"$top/include" -o "$tmp/doc" "$tmp/doc.c"
"$tmp/doc" >"$tmp/table.md"
sed -n '/^<!-- names: begin/,/^<!-- names: end/p' "$doc" | sed '1d;$d' >"$tmp/doc.md"

if [ "${1:-}" = --update ]; then
	awk -v table="$tmp/table.md" '
		/^<!-- names: begin/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
		/^<!-- names: end/ { skip = 0 }
		!skip' "$doc" >"$tmp/abi.md"
	cp "$tmp/abi.md" "$doc"
	exit 0
fi
if ! diff -u "$tmp/doc.md" "$tmp/table.md" >&2; then
	echo "names-check: docs/abi.md's table of names differs from $names (run $0 --update)" >&2
	failed=1
fi
# Where the counters and modes are told in prose: every one, as a word.
has() { grep -qE -- "(^|[^A-Za-z0-9_])$2(\$|[^A-Za-z0-9_])" "$1"; }
for c in $("$tmp/doc" counters); do
	for f in docs/man/mmscope-faultlab.8.rst docs/internals/faultlab.md; do
		has "$top/$f" "$c" || { echo "names-check: $f does not name the counter $c" >&2; failed=1; }
	done
done
for m in $("$tmp/doc" modes); do
	has "$top/docs/internals/faultlab.md" "\`$m\`" ||
		{ echo "names-check: docs/internals/faultlab.md does not name the mode $m" >&2; failed=1; }
done
exit $failed
