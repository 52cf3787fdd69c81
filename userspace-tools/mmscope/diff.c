// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope diff A B: what changed between two snapshots of a process (files
 * `mmscope snapshot` wrote, or a PID, snapshotted now). Both become key =
 * value lines (snap.h) and their diff is the one the labs show after each
 * step. On top of it, the VMAs that came and went are read as the kernel
 * makes them: added, removed, split (mprotect, munmap of a middle part),
 * merged, or resized (brk, a stack that grew, mremap in place).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json_reader.h"
#include "libmmscope.h"
#include "main.h"
#include "snap.h"

#define USAGE "mmscope diff { SNAPSHOT | PID } { SNAPSHOT | PID }"

static const char help_text[] =
	"Usage: mmscope diff A B     what changed from A to B\n"
	"       mmscope diff help\n"
	"\n"
	"A and B are each a snapshot (a file `mmscope snapshot PID` wrote, or - for\n"
	"standard input) or a PID, snapshotted now. The diff shows the VMAs added,\n"
	"removed, split, merged or resized, then every value that changed: the mm's\n"
	"fields (page-table bytes among them), each VMA's fields and flags, its smaps\n"
	"(Rss, Pss, ...) and the TLB context. Exit code: 0 if nothing changed, 1 if\n"
	"something did, 2 on trouble (a usage error, a file that is not a snapshot,\n"
	"a process mmscope cannot read).\n";

/* One side: where it came from, and what it says. */
struct side {
	const char *arg;
	struct json *root;
	struct snap snap;
	uint64_t (*ranges)[2];	/* the VMAs, by start */
	size_t nranges;
};

struct range_list {
	uint64_t (*r)[2];
	size_t n, cap;
};

static void range_add(struct range_list *l, uint64_t start, uint64_t end)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->r = realloc(l->r, l->cap * sizeof(*l->r));
		if (!l->r) {
			perror("mmscope");
			exit(2);
		}
	}
	l->r[l->n][0] = start;
	l->r[l->n][1] = end;
	l->n++;
}

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap);

	*len = 0;
	while (buf) {
		size_t n = fread(buf + *len, 1, cap - *len - 1, f);

		*len += n;
		if (n == 0)
			break;
		if (*len + 1 == cap) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	if (!buf || ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* A PID: only digits, and no file of that name here. */
static bool is_pid_arg(const char *arg)
{
	struct stat st;

	return arg[0] && strspn(arg, "0123456789") == strlen(arg) && stat(arg, &st);
}

/* The text of @arg: a file, stdin, or a snapshot of a PID taken now; NULL after p_err(). */
static char *load_text(const char *arg)
{
	size_t len;
	char *text;
	FILE *f;

	if (is_pid_arg(arg)) {
		f = open_memstream(&text, &len);
		if (!f) {
			p_err("%s", strerror(errno));
			return NULL;
		}
		if (snapshot_write(f, arg)) {
			fclose(f);
			free(text);
			return NULL;
		}
		if (fclose(f)) {
			p_err("%s", strerror(errno));
			free(text);
			return NULL;
		}
		return text;
	}
	f = strcmp(arg, "-") ? fopen(arg, "r") : stdin;
	if (!f) {
		p_err("%s: %s (a snapshot file, or a PID)", arg, strerror(errno));
		return NULL;
	}
	text = read_all(f, &len);
	if (!text)
		p_err("%s: %s", arg, strerror(errno ? errno : EIO));
	else if (strlen(text) != len) {
		p_err("%s: not an mmscope snapshot (a NUL byte at offset %zu)", arg, strlen(text));
		free(text);
		text = NULL;
	}
	if (f != stdin)
		fclose(f);
	return text;
}

/* A member's value as text: arrays joined by ','. */
static void value_text(const struct json *v, char *buf, size_t len)
{
	const struct json *e;
	size_t off = 0;

	switch (v->type) {
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	case JSON_BOOL:
		snprintf(buf, len, "%s", v->boolean ? "true" : "false");
		break;
	case JSON_NUMBER:
	case JSON_STRING:
		snprintf(buf, len, "%s", v->string);
		break;
	case JSON_ARRAY:
		buf[0] = '\0';
		for (e = v->child; e && off < len; e = e->next) {
			char one[128];

			value_text(e, one, sizeof(one));
			off += snprintf(buf + off, len - off, "%s%s", e == v->child ? "" : ",", one);
		}
		if (!v->child)
			snprintf(buf, len, "-");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "{%zu members}", json_count(v));
		break;
	}
}

/* Every member of @obj as "PREFIX NAME" (objects one level down as NAME.SUB). */
static void flatten(struct snap *s, const char *prefix, const struct json *obj,
		    const char *const *skip, const char *unit)
{
	const struct json *m, *sub;
	char key[256], val[256];
	const char *const *k;

	for (m = obj->child; m; m = m->next) {
		for (k = skip; k && *k && strcmp(*k, m->key); k++)
			;
		if (k && *k)
			continue;
		if (m->type == JSON_OBJECT) {
			for (sub = m->child; sub; sub = sub->next) {
				snprintf(key, sizeof(key), "%s %s.%s", prefix, m->key, sub->key);
				value_text(sub, val, sizeof(val));
				snap_put(s, key, "%s", val);
			}
			continue;
		}
		snprintf(key, sizeof(key), "%s %s", prefix, m->key);
		value_text(m, val, sizeof(val));
		snap_put(s, key, "%s%s", val, unit && m->type == JSON_NUMBER ? unit : "");
	}
}

/* "0x..." members start and end of a VMA's object; false if it has none. */
static bool range_of(const struct json *o, uint64_t *start, uint64_t *end)
{
	const struct json *s = json_get(o, "start"), *e = json_get(o, "end");

	if (!s || !e || s->type != JSON_STRING || e->type != JSON_STRING)
		return false;
	*start = strtoull(s->string, NULL, 16);
	*end = strtoull(e->string, NULL, 16);
	return *start < *end;
}

/* The VMA key of a range: as the START-END column of mmscope maps prints it. */
static void vma_key(char *buf, size_t len, uint64_t start, uint64_t end)
{
	snprintf(buf, len, "vma %016" PRIx64 "-%016" PRIx64, start, end);
}

static int by_start(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* @side's snapshot as key = value lines; false (after p_err()) if it is not one. */
static bool side_load(struct side *side)
{
	static const char *const vma_skip[] = { "start", "end", "perms", "kind", "path", NULL };
	static const char *const smaps_skip[] = { "start", "end", NULL };
	const struct json *hdr, *fmt, *part, *e;
	struct range_list ranges = { 0 };
	char err[128], key[64], prefix[64];
	uint64_t start, end;
	char *text;

	text = load_text(side->arg);
	if (!text)
		return false;
	side->root = json_parse_err(text, err, sizeof(err));
	free(text);
	if (!side->root) {
		p_err("%s: not an mmscope snapshot (not JSON: %s)", side->arg, err);
		return false;
	}
	hdr = json_get(side->root, "snapshot");
	fmt = json_get(hdr, "format");
	if (!hdr || !fmt || fmt->type != JSON_NUMBER) {
		p_err("%s: not an mmscope snapshot (no \"snapshot\" member with its format)",
		      side->arg);
		return false;
	}
	if (fmt->number != 1) {
		p_err("%s: a snapshot of format %s, and this mmscope reads format 1",
		      side->arg, fmt->string);
		return false;
	}
	part = json_get(side->root, "mm");
	if (part && part->type == JSON_OBJECT)
		flatten(&side->snap, "mm", part, NULL, NULL);
	part = json_get(side->root, "maps");
	for (e = part && part->type == JSON_ARRAY ? part->child : NULL; e; e = e->next) {
		const struct json *perms = json_get(e, "perms"), *kind = json_get(e, "kind"),
				  *path = json_get(e, "path");

		if (!range_of(e, &start, &end))
			continue;
		vma_key(key, sizeof(key), start, end);
		snap_put(&side->snap, key, "%s %s%s%s",
			 perms && perms->string ? perms->string : "?",
			 kind && kind->string ? kind->string : "?",
			 path && path->string && path->string[0] ? " " : "",
			 path && path->string ? path->string : "");
		flatten(&side->snap, key, e, vma_skip, NULL);
		range_add(&ranges, start, end);
	}
	part = json_get(side->root, "smaps");
	for (e = part && part->type == JSON_ARRAY ? part->child : NULL; e; e = e->next) {
		if (!range_of(e, &start, &end))
			continue;
		vma_key(prefix, sizeof(prefix), start, end);
		flatten(&side->snap, prefix, e, smaps_skip, " kB");
	}
	part = json_get(side->root, "tlb");
	if (part && part->type == JSON_OBJECT)
		flatten(&side->snap, "tlb", part, NULL, NULL);
	qsort(ranges.r, ranges.n, sizeof(*ranges.r), by_start);
	side->ranges = ranges.r;
	side->nranges = ranges.n;
	return true;
}

static bool has_range(const struct side *side, uint64_t start, uint64_t end)
{
	uint64_t key[2] = { start, end };
	const uint64_t (*r)[2] = bsearch(key, side->ranges, side->nranges, sizeof(*side->ranges),
					 by_start);

	return r && (*r)[1] == end;
}

/* What moved: the changes, and the VMAs that only one side has. */
struct diff {
	struct side *a, *b;
	struct range_list added, removed;
	char **what, **before, **after;
	size_t n, cap;
};

static void diff_change(void *arg, const char *key, const char *before, const char *after)
{
	struct diff *d = arg;
	unsigned long long s, e;
	int n = 0;

	/* The fields of a VMA that one side lacks are that VMA's coming or going. */
	if (sscanf(key, "vma %llx-%llx%n", &s, &e, &n) == 2) {
		bool in_a = has_range(d->a, s, e), in_b = has_range(d->b, s, e);

		if (!key[n] && in_a != in_b) {
			range_add(in_a ? &d->removed : &d->added, s, e);
			return;
		}
		if (!in_a || !in_b)
			return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->what = realloc(d->what, d->cap * sizeof(char *));
		d->before = realloc(d->before, d->cap * sizeof(char *));
		d->after = realloc(d->after, d->cap * sizeof(char *));
		if (!d->what || !d->before || !d->after) {
			perror("mmscope");
			exit(2);
		}
	}
	d->what[d->n] = strdup(key);
	d->before[d->n] = strdup(before);
	d->after[d->n] = strdup(after);
	d->n++;
}

/* A VMA event: @kind, the ranges it came from and those it became. */
struct vma_event {
	const char *kind;
	struct range_list from, into;
};

struct events {
	struct vma_event *e;
	size_t n, cap;
};

static struct vma_event *event_add(struct events *ev, const char *kind)
{
	struct vma_event *e;

	if (ev->n == ev->cap) {
		ev->cap = ev->cap ? 2 * ev->cap : 16;
		ev->e = realloc(ev->e, ev->cap * sizeof(*ev->e));
		if (!ev->e) {
			perror("mmscope");
			exit(2);
		}
	}
	e = &ev->e[ev->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	return e;
}

/*
 * The ranges of @l from index *@i that tile [start, end) exactly, in
 * order; how many (0 if they do not). Both lists are sorted by start.
 */
static size_t tiles(const struct range_list *l, size_t i, uint64_t start, uint64_t end)
{
	uint64_t at = start;
	size_t n = 0;

	for (; i < l->n && l->r[i][0] == at && l->r[i][1] <= end; i++, n++)
		at = l->r[i][1];
	return at == end ? n : 0;
}

static size_t find_start(const struct range_list *l, uint64_t start)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->r[i][0] == start)
			return i;
	return l->n;
}

/* Marks ranges a pattern used: their start set to 1, which no VMA has. */
#define USED 1

/*
 * The added and removed VMAs read as the kernel's operations: one range
 * tiled by several is a split, several tiling one a merge, and a range
 * that kept its start or its end but not both was resized.
 */
static void vma_events(struct diff *d, struct events *ev)
{
	struct range_list *rm = &d->removed, *ad = &d->added;
	struct vma_event *e;
	size_t i, j, k, n;

	qsort(rm->r, rm->n, sizeof(*rm->r), by_start);
	qsort(ad->r, ad->n, sizeof(*ad->r), by_start);
	for (i = 0; i < rm->n; i++) {
		j = find_start(ad, rm->r[i][0]);
		n = j < ad->n ? tiles(ad, j, rm->r[i][0], rm->r[i][1]) : 0;
		if (n < 2)
			continue;
		e = event_add(ev, "split");
		range_add(&e->from, rm->r[i][0], rm->r[i][1]);
		for (k = j; k < j + n; k++) {
			range_add(&e->into, ad->r[k][0], ad->r[k][1]);
			ad->r[k][0] = USED;
		}
		rm->r[i][0] = USED;
	}
	for (j = 0; j < ad->n; j++) {
		if (ad->r[j][0] == USED)
			continue;
		i = find_start(rm, ad->r[j][0]);
		n = i < rm->n ? tiles(rm, i, ad->r[j][0], ad->r[j][1]) : 0;
		if (n < 2)
			continue;
		e = event_add(ev, "merged");
		range_add(&e->into, ad->r[j][0], ad->r[j][1]);
		for (k = i; k < i + n; k++) {
			range_add(&e->from, rm->r[k][0], rm->r[k][1]);
			rm->r[k][0] = USED;
		}
		ad->r[j][0] = USED;
	}
	for (i = 0; i < rm->n; i++) {
		if (rm->r[i][0] == USED)
			continue;
		for (j = 0; j < ad->n; j++) {
			if (ad->r[j][0] == USED ||
			    (ad->r[j][0] != rm->r[i][0] && ad->r[j][1] != rm->r[i][1]))
				continue;
			e = event_add(ev, "resized");
			range_add(&e->from, rm->r[i][0], rm->r[i][1]);
			range_add(&e->into, ad->r[j][0], ad->r[j][1]);
			rm->r[i][0] = ad->r[j][0] = USED;
			break;
		}
	}
	for (i = 0; i < rm->n; i++)
		if (rm->r[i][0] != USED)
			range_add(&event_add(ev, "removed")->from, rm->r[i][0], rm->r[i][1]);
	for (j = 0; j < ad->n; j++)
		if (ad->r[j][0] != USED)
			range_add(&event_add(ev, "added")->into, ad->r[j][0], ad->r[j][1]);
}

static void json_ranges(const char *key, const struct range_list *l)
{
	size_t i;

	jw_key(jw, key);
	jw_start_array(jw);
	for (i = 0; i < l->n; i++) {
		jw_start_object(jw);
		jw_key(jw, "start");
		jw_hex(jw, l->r[i][0]);
		jw_key(jw, "end");
		jw_hex(jw, l->r[i][1]);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void text_ranges(const struct range_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		printf("%s%016" PRIx64 "-%016" PRIx64, i ? ", " : "", l->r[i][0], l->r[i][1]);
}

/* Where a side came from: "FILE" or "PID N now", with the snapshot's header. */
static void describe(const struct side *s, bool live)
{
	const struct json *h = json_get(s->root, "snapshot");
	const struct json *pid = json_get(h, "pid"), *comm = json_get(h, "comm"),
			  *t = json_get(h, "time");
	char when[64] = "?";
	time_t secs;

	if (t && t->type == JSON_NUMBER) {
		secs = (time_t)t->number;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&secs));
	}
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "source");
		jw_string(jw, live ? "pid" : "file");
		jw_key(jw, "name");
		jw_string(jw, s->arg);
		jw_key(jw, "pid");
		jw_uint(jw, pid ? pid->number : 0);
		jw_key(jw, "comm");
		jw_string(jw, comm && comm->string ? comm->string : "");
		jw_key(jw, "time");
		jw_uint(jw, t ? t->number : 0);
		jw_end_object(jw);
		return;
	}
	if (live)
		printf("PID %s (%s), now: %s\n", s->arg, comm && comm->string ? comm->string : "?",
		       when);
	else
		printf("%s: PID %" PRIu64 " (%s), %s\n", s->arg, pid ? pid->number : 0,
		       comm && comm->string ? comm->string : "?", when);
}

static void show(struct diff *d, const struct events *ev, bool a_live, bool b_live)
{
	size_t i, w = 20;
	const char *kinds[] = { "added", "removed", "split", "merged", "resized" };
	size_t counts[5] = { 0 }, k;

	for (i = 0; i < ev->n; i++)
		for (k = 0; k < 5; k++)
			counts[k] += !strcmp(ev->e[i].kind, kinds[k]);
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "a");
		describe(d->a, a_live);
		jw_key(jw, "b");
		describe(d->b, b_live);
		jw_key(jw, "vmas");
		jw_start_array(jw);
		for (i = 0; i < ev->n; i++) {
			jw_start_object(jw);
			jw_key(jw, "event");
			jw_string(jw, ev->e[i].kind);
			json_ranges("from", &ev->e[i].from);
			json_ranges("into", &ev->e[i].into);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_key(jw, "changes");
		jw_start_array(jw);
		for (i = 0; i < d->n; i++) {
			jw_start_object(jw);
			jw_key(jw, "what");
			jw_string(jw, d->what[i]);
			jw_key(jw, "before");
			jw_string(jw, d->before[i]);
			jw_key(jw, "after");
			jw_string(jw, d->after[i]);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
		return;
	}
	printf("a: ");
	describe(d->a, a_live);
	printf("b: ");
	describe(d->b, b_live);
	printf("VMAs: %zu added, %zu removed, %zu split, %zu merged, %zu resized\n",
	       counts[0], counts[1], counts[2], counts[3], counts[4]);
	for (i = 0; i < ev->n; i++) {
		printf("  %-8s", ev->e[i].kind);
		text_ranges(ev->e[i].from.n ? &ev->e[i].from : &ev->e[i].into);
		if (ev->e[i].from.n && ev->e[i].into.n) {
			printf(" -> ");
			text_ranges(&ev->e[i].into);
		}
		printf("\n");
	}
	for (i = 0; i < d->n; i++)
		if (strlen(d->what[i]) > w)
			w = strlen(d->what[i]);
	printf("changed: %zu\n", d->n);
	for (i = 0; i < d->n; i++)
		printf("  %-*s %s -> %s\n", (int)w, d->what[i], d->before[i], d->after[i]);
}

static void side_free(struct side *s)
{
	json_free(s->root);
	snap_free(&s->snap);
	free(s->ranges);
}

static int do_diff(int argc, char **argv)
{
	struct side a = { 0 }, b = { 0 };
	struct diff d = { .a = &a, .b = &b };
	struct events ev = { 0 };
	int ret = 2;
	size_t i;

	if (argc != 2) {
		p_err("usage: " USAGE);
		return 2;
	}
	a.arg = argv[0];
	b.arg = argv[1];
	if (!strcmp(a.arg, "-") && !strcmp(b.arg, "-")) {
		p_err("diff: standard input can be one side only");
		return 2;
	}
	if (!side_load(&a) || !side_load(&b))
		goto out;
	snap_diff(&a.snap, &b.snap, diff_change, &d);
	vma_events(&d, &ev);
	show(&d, &ev, is_pid_arg(a.arg), is_pid_arg(b.arg));
	ret = d.n || ev.n ? 1 : 0;
out:
	for (i = 0; i < d.n; i++) {
		free(d.what[i]);
		free(d.before[i]);
		free(d.after[i]);
	}
	free(d.what);
	free(d.before);
	free(d.after);
	free(d.added.r);
	free(d.removed.r);
	for (i = 0; i < ev.n; i++) {
		free(ev.e[i].from.r);
		free(ev.e[i].into.r);
	}
	free(ev.e);
	side_free(&a);
	side_free(&b);
	return ret;
}

static const struct cmd cmds[] = {
	{ NULL, do_diff },
	{}
};

const struct object obj_diff = {
	.name = "diff",
	.help = help_text,
	.cmds = cmds,
};
