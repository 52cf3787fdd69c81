// SPDX-License-Identifier: GPL-2.0
/* A strict XML well-formedness checker (see xml.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "xml.h"

#define MAX_DEPTH 64

struct parser {
	const char *s;
	size_t len, pos;
	char *err;
	size_t errsize;
};

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errsize, "offset %zu: ", p->pos);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errsize)
		vsnprintf(p->err + n, p->errsize - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool at(struct parser *p, const char *lit)
{
	size_t n = strlen(lit);

	return p->len - p->pos >= n && !memcmp(p->s + p->pos, lit, n);
}

/* One character XML 1.0 allows (Char), as UTF-8: its length, or 0. */
static int xml_char(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->s + p->pos;
	size_t left = p->len - p->pos;
	unsigned int c, n, i;

	if (!left)
		return 0;
	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* An ASCII Name into @out; 0, or -1. */
static int parse_name(struct parser *p, char *out, size_t size)
{
	size_t n = 0;

	if (p->pos >= p->len || !name_start(p->s[p->pos]))
		return fail(p, "expected a name");
	while (p->pos < p->len && name_char(p->s[p->pos])) {
		if (n + 1 >= size)
			return fail(p, "name too long");
		out[n++] = p->s[p->pos++];
	}
	out[n] = '\0';
	return 0;
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

/* &amp; &lt; &gt; &quot; &apos; &#N; &#xH; at p->pos. */
static int parse_ref(struct parser *p)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	unsigned long c = 0;
	size_t i, digits = 0;
	bool hex;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (at(p, named[i])) {
			p->pos += strlen(named[i]);
			return 0;
		}
	}
	if (!at(p, "&#"))
		return fail(p, "'&' that starts no entity reference");
	p->pos += 2;
	hex = p->pos < p->len && p->s[p->pos] == 'x';
	p->pos += hex;
	for (; p->pos < p->len && p->s[p->pos] != ';'; p->pos++, digits++) {
		char d = p->s[p->pos];

		if (d >= '0' && d <= '9')
			c = c * (hex ? 16 : 10) + (d - '0');
		else if (hex && ((d | 0x20) >= 'a' && (d | 0x20) <= 'f'))
			c = c * 16 + ((d | 0x20) - 'a' + 10);
		else
			return fail(p, "bad character reference");
		if (c > 0x10ffff)
			return fail(p, "character reference out of range");
	}
	if (!digits || p->pos >= p->len)
		return fail(p, "unterminated character reference");
	if ((c < 0x20 && c != 9 && c != 10 && c != 13) || (c >= 0xd800 && c <= 0xdfff) ||
	    c == 0xfffe || c == 0xffff)
		return fail(p, "character reference to a forbidden character");
	p->pos++;
	return 0;
}

static int parse_attr_value(struct parser *p, char *out, size_t size)
{
	char quote;
	size_t start, n;
	int len;

	if (p->pos >= p->len || (p->s[p->pos] != '"' && p->s[p->pos] != '\''))
		return fail(p, "attribute value not quoted");
	quote = p->s[p->pos++];
	start = p->pos;
	while (p->pos < p->len && p->s[p->pos] != quote) {
		if (p->s[p->pos] == '<')
			return fail(p, "'<' in an attribute value");
		if (p->s[p->pos] == '&') {
			if (parse_ref(p))
				return -1;
			continue;
		}
		len = xml_char(p);
		if (!len)
			return fail(p, "a byte that is not an XML character (or not UTF-8)");
		p->pos += len;
	}
	if (p->pos >= p->len)
		return fail(p, "unterminated attribute value");
	n = p->pos - start;
	if (n >= size)
		n = size - 1;
	memcpy(out, p->s + start, n);
	out[n] = '\0';
	p->pos++;
	return 0;
}

/* Up to @end (not included), every byte an XML character. */
static int skip_until(struct parser *p, const char *end, const char *what)
{
	int len;

	while (!at(p, end)) {
		len = xml_char(p);
		if (!len)
			return fail(p, p->pos >= p->len ? "unterminated %s" :
				    "a byte that is not an XML character in %s", what);
		p->pos += len;
	}
	p->pos += strlen(end);
	return 0;
}

/* A comment, a PI or a CDATA section at p->pos, if there is one: 1. */
static int parse_misc(struct parser *p, bool cdata_ok)
{
	size_t start;

	if (at(p, "<!--")) {
		p->pos += 4;
		start = p->pos;
		if (skip_until(p, "-->", "a comment"))
			return -1;
		if (memmem(p->s + start, p->pos - 3 - start, "--", 2))
			return fail(p, "'--' inside a comment");
		return 1;
	}
	if (at(p, "<?")) {
		p->pos += 2;
		return skip_until(p, "?>", "a processing instruction") ? -1 : 1;
	}
	if (cdata_ok && at(p, "<![CDATA[")) {
		p->pos += 9;
		return skip_until(p, "]]>", "a CDATA section") ? -1 : 1;
	}
	return 0;
}

static int parse_start_tag(struct parser *p, struct xml_tag *tag, bool *empty)
{
	int i;

	p->pos++;	/* '<' */
	tag->nattrs = 0;
	if (parse_name(p, tag->name, sizeof(tag->name)))
		return -1;
	for (;;) {
		size_t before = p->pos;

		skip_space(p);
		if (at(p, "/>")) {
			p->pos += 2;
			*empty = true;
			return 0;
		}
		if (at(p, ">")) {
			p->pos++;
			*empty = false;
			return 0;
		}
		if (p->pos == before)
			return fail(p, "no space before an attribute");
		if (tag->nattrs == XML_MAX_ATTRS)
			return fail(p, "too many attributes");
		if (parse_name(p, tag->attr[tag->nattrs], sizeof(tag->attr[0])))
			return -1;
		for (i = 0; i < tag->nattrs; i++)
			if (!strcmp(tag->attr[i], tag->attr[tag->nattrs]))
				return fail(p, "attribute %s given twice", tag->attr[i]);
		skip_space(p);
		if (!at(p, "="))
			return fail(p, "attribute without '='");
		p->pos++;
		skip_space(p);
		if (parse_attr_value(p, tag->value[tag->nattrs], sizeof(tag->value[0])))
			return -1;
		tag->nattrs++;
	}
}

int xml_check(const char *doc, size_t len, xml_tag_fn fn, void *arg,
	      char *err, size_t errsize)
{
	struct parser p = { .s = doc, .len = len, .err = err, .errsize = errsize };
	char open[MAX_DEPTH][64], name[64];
	static struct xml_tag tag;
	int depth = 0, roots = 0, r, n;
	bool empty = false;

	if (errsize)
		err[0] = '\0';
	if (at(&p, "\xef\xbb\xbf"))
		p.pos += 3;
	while (p.pos < p.len) {
		if (depth == 0) {
			skip_space(&p);
			if (p.pos >= p.len)
				break;
		}
		r = parse_misc(&p, depth > 0);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (at(&p, "<!"))
			return fail(&p, "a declaration this checker does not accept");
		if (at(&p, "</")) {
			p.pos += 2;
			if (parse_name(&p, name, sizeof(name)))
				return -1;
			skip_space(&p);
			if (!at(&p, ">"))
				return fail(&p, "end tag without '>'");
			p.pos++;
			if (!depth || strcmp(open[depth - 1], name))
				return fail(&p, "end tag </%s> does not match <%s>", name,
					    depth ? open[depth - 1] : "(none)");
			depth--;
			continue;
		}
		if (at(&p, "<")) {
			if (depth == 0 && roots++)
				return fail(&p, "a second root element");
			if (parse_start_tag(&p, &tag, &empty))
				return -1;
			tag.depth = depth;
			if (fn && fn(&tag, arg))
				return fail(&p, "stopped by the caller");
			if (!empty) {
				if (depth == MAX_DEPTH)
					return fail(&p, "nested too deep");
				snprintf(open[depth++], sizeof(open[0]), "%s", tag.name);
			}
			continue;
		}
		if (depth == 0)
			return fail(&p, "text outside the root element");
		if (p.s[p.pos] == '&') {
			if (parse_ref(&p))
				return -1;
			continue;
		}
		if (at(&p, "]]>"))
			return fail(&p, "']]>' in text");
		if (p.s[p.pos] == '>')
			return fail(&p, "'>' in text (escape it)");
		n = xml_char(&p);
		if (!n)
			return fail(&p, "a byte that is not an XML character (or not UTF-8)");
		p.pos += n;
	}
	if (depth)
		return fail(&p, "<%s> never closed", open[depth - 1]);
	if (!roots)
		return fail(&p, "no root element");
	return 0;
}

const char *xml_attr(const struct xml_tag *tag, const char *name)
{
	int i;

	for (i = 0; i < tag->nattrs; i++)
		if (!strcmp(tag->attr[i], name))
			return tag->value[i];
	return NULL;
}
