/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict XML well-formedness checker for the selftests (no DTD, no
 * namespaces checked): one root element, balanced tags, quoted and unique
 * attributes, only the predefined and numeric entities, valid UTF-8 and
 * no character XML 1.0 forbids. It reports each start tag to a callback.
 */
#ifndef MMSCOPE_SELFTEST_XML_H
#define MMSCOPE_SELFTEST_XML_H

#include <stddef.h>

#define XML_MAX_ATTRS 32

struct xml_tag {
	char name[64];
	int nattrs;
	char attr[XML_MAX_ATTRS][64];
	char value[XML_MAX_ATTRS][512];	/* raw, entities not expanded */
	int depth;			/* of the element: the root is 0 */
};

/* Called for each start tag; a non-zero return stops the parse. */
typedef int (*xml_tag_fn)(const struct xml_tag *tag, void *arg);

/*
 * 0 if @doc (@len bytes) is well-formed, else -1 with a message naming the
 * byte offset in @err.
 */
int xml_check(const char *doc, size_t len, xml_tag_fn fn, void *arg,
	      char *err, size_t errsize);
/* The value of attribute @name of @tag, or NULL. */
const char *xml_attr(const struct xml_tag *tag, const char *name);

#endif
