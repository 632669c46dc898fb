/* xml_tree.h — the XML that XML-RPC needs, read into a tree of elements (xml_tree.c).
 * What it takes is what an XML 1.0 parser without a DTD would take; see xml_tree.c. Used
 * by the XML-RPC decoder only. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

struct xml_node {
	const char *name; /* qualified, pointing into the document */
	size_t nlen;
	const char *local; /* the name after its last ':' */
	size_t llen;
	struct xml_node *parent, *first, *last, *next; /* element children only */
	size_t toff, tlen; /* the decoded text, at xml_doc.text + toff (leaves only; NUL-terminated) */
	size_t at;         /* byte offset of the start tag, for messages */
};

struct xml_doc {
	struct xml_node *root;
	char *text; /* every leaf's decoded text */
};

/* DOC[0..len) into D, everything allocated in A. 0, or -1 with a reason in err. */
int xml_parse(struct xml_doc *d, struct arena *a, const char *doc, size_t len, char *err, size_t errlen);
bool xml_is_ws(unsigned char c);
bool xml_all_ws(const char *s, size_t n);
