/* xml_tree.c — see xml_tree.h: the tokenizer under the XML-RPC decoder. It builds the
 * tree with an explicit parent chain (no recursion) and checks the depth at every start
 * tag, so a deep document fails at its XMLRPC_MAX_DEPTH+1st element.
 *
 * What it takes is what an XML 1.0 parser without a DTD would: elements, attributes
 * (ignored), comments and processing instructions (skipped), CDATA sections (taken as
 * text), the five predefined entities and character references. A DOCTYPE, any other
 * entity, a byte XML does not allow (C0 controls but TAB/LF/CR, invalid UTF-8) are
 * errors. Line ends are normalized to LF as XML says. Element names are matched by
 * their local part ("ex:nil" is "nil"), as Python's xmlrpc.client does.
 *
 * Text is decoded into one buffer as long as the document: decoded text is never
 * longer than its source, and the NUL that ends each leaf is paid for by its end tag. */
#include "xml_tree.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "memfind.h"
#include "xmlrpc.h"

#define node xml_node

struct parser {
	struct arena *a;
	const char *doc, *p, *end;
	char *out;
	size_t olen, ocap;
	struct node *cur, *root;
	int depth;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail_at(struct parser *ps, size_t at, const char *fmt, ...)
{
	if (ps->errlen) {
		int n = snprintf(ps->err, ps->errlen, "at byte %zu: ", at);
		va_list ap;
		va_start(ap, fmt);
		if (n >= 0 && (size_t)n < ps->errlen)
			vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#define FAIL(ps, ...) fail_at(ps, (size_t)((ps)->p - (ps)->doc), __VA_ARGS__)

bool xml_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool starts(const struct parser *ps, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, s, n);
}

size_t xml_char_len(const unsigned char *p, size_t n)
{
	if (!n)
		return 0;
	unsigned char c = p[0];
	if (c < 0x80)
		return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
	size_t k = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!k || n < k)
		return 0;
	unsigned lo = 0x80, hi = 0xbf; /* the second byte's range excludes overlongs, surrogates, > U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	if (c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) /* U+FFFE, U+FFFF */
		return 0;
	return k;
}

static size_t utf8_put(char *o, unsigned long cp)
{
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800)
		return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000)
		return o[0] = (char)(0xe0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		       o[2] = (char)(0x80 | (cp & 0x3f)), 3;
	return o[0] = (char)(0xf0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
	       o[2] = (char)(0x80 | (cp >> 6 & 0x3f)), o[3] = (char)(0x80 | (cp & 0x3f)), 4;
}

static bool xml_cp_ok(unsigned long cp)
{
	return cp == 9 || cp == 10 || cp == 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	       (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Room for N more decoded bytes; by construction there always is. */
static bool room(struct parser *ps, size_t n)
{
	return ps->ocap - ps->olen >= n;
}

/* An entity or character reference at p ('&'): decoded into out. */
static int entity(struct parser *ps)
{
	static const struct {
		const char *name, *text;
	} pre[] = {{"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""}, {"apos;", "'"}};
	const char *s = ps->p + 1;
	size_t n = (size_t)(ps->end - s);
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		size_t k = strlen(pre[i].name);
		if (n >= k && !memcmp(s, pre[i].name, k)) {
			ps->out[ps->olen++] = pre[i].text[0];
			ps->p = s + k;
			return 0;
		}
	}
	if (n < 1 || *s != '#')
		return FAIL(ps, "unknown entity (only &amp; &lt; &gt; &quot; &apos; and &#N; are)");
	bool hex = n > 1 && s[1] == 'x';
	const char *d = s + 1 + hex, *q = d;
	unsigned long cp = 0;
	while (q < ps->end && *q == '0') /* leading zeros: any number, they do not add up */
		q++;
	for (const char *digits = q; q < ps->end && q - digits < 8; q++) {
		int v = *q >= '0' && *q <= '9' ? *q - '0'
			: hex && *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
			: hex && *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
		if (v < 0)
			break;
		cp = cp * (hex ? 16 : 10) + (unsigned)v;
	}
	if (q == d || q >= ps->end || *q != ';')
		return FAIL(ps, "malformed character reference");
	if (!xml_cp_ok(cp))
		return FAIL(ps, "character reference to a code point XML does not allow");
	if (!room(ps, 4))
		return FAIL(ps, "internal: text buffer");
	ps->olen += utf8_put(ps->out + ps->olen, cp);
	ps->p = q + 1;
	return 0;
}

/* Character data up to STOP ("<" for text, "]]>" for CDATA), decoded into out. */
static int chars(struct parser *ps, bool cdata)
{
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;
		if (cdata ? starts(ps, "]]>") : c == '<')
			return 0;
		if (c == '&' && !cdata) {
			if (entity(ps))
				return -1;
			continue;
		}
		size_t k = xml_char_len((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));
		if (!k)
			return FAIL(ps, "a byte XML does not allow (a control character or invalid UTF-8)");
		if (!room(ps, k))
			return FAIL(ps, "internal: text buffer");
		if (c == '\r') { /* CR LF and lone CR are LF */
			ps->out[ps->olen++] = '\n';
			ps->p += ps->p + 1 < ps->end && ps->p[1] == '\n' ? 2 : 1;
			continue;
		}
		memcpy(ps->out + ps->olen, ps->p, k);
		ps->olen += k, ps->p += k;
	}
	return cdata ? FAIL(ps, "unterminated CDATA section") : 0;
}

bool xml_all_ws(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!xml_is_ws((unsigned char)s[i]))
			return false;
	return true;
}

/* Text (or CDATA): kept for a node without children, else it must be whitespace. */
static int text(struct parser *ps, bool cdata)
{
	size_t at = (size_t)(ps->p - ps->doc), start = ps->olen;
	if (chars(ps, cdata))
		return -1;
	struct node *n = ps->cur;
	if (n && !n->first) {
		if (!n->tlen)
			n->toff = start;
		n->tlen += ps->olen - start;
		return 0;
	}
	if (!xml_all_ws(ps->out + start, ps->olen - start))
		return fail_at(ps, at, n ? "text mixed with elements in <%.*s>" : "text outside the document element",
			       n ? (int)n->nlen : 0, n ? n->name : "");
	ps->olen = start;
	return 0;
}

static bool name_char(unsigned char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80 ||
	       (!first && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
}

static size_t name_len(const struct parser *ps)
{
	const char *q = ps->p;
	while (q < ps->end && name_char((unsigned char)*q, q == ps->p))
		q++;
	return (size_t)(q - ps->p);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && xml_is_ws((unsigned char)*ps->p))
		ps->p++;
}

/* Attributes are allowed and ignored: XML-RPC has none. */
static int attributes(struct parser *ps, bool *empty)
{
	for (;;) {
		skip_ws(ps);
		if (starts(ps, "/>") || starts(ps, ">")) {
			*empty = *ps->p == '/';
			ps->p += *empty ? 2 : 1;
			return 0;
		}
		size_t n = name_len(ps);
		if (!n)
			return FAIL(ps, "malformed start tag");
		ps->p += n;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '=')
			return FAIL(ps, "malformed attribute");
		ps->p++;
		skip_ws(ps);
		char q = ps->p < ps->end ? *ps->p : 0;
		const char *e = q == '"' || q == '\'' ? memchr(ps->p + 1, q, (size_t)(ps->end - ps->p - 1)) : NULL;
		if (!e || memchr(ps->p, '<', (size_t)(e - ps->p)))
			return FAIL(ps, "malformed attribute value");
		ps->p = e + 1;
	}
}

static void end_leaf(struct parser *ps, struct node *n)
{
	if (!n->first) { /* NUL-terminate its text (an empty one starts here) */
		if (!n->tlen)
			n->toff = ps->olen;
		ps->out[ps->olen++] = 0;
	}
}

static int start_tag(struct parser *ps)
{
	size_t at = (size_t)(ps->p - ps->doc);
	ps->p++;
	size_t nl = name_len(ps);
	if (!nl)
		return FAIL(ps, "malformed start tag");
	if (!ps->cur && ps->root)
		return FAIL(ps, "a second document element");
	if (++ps->depth > XMLRPC_MAX_DEPTH)
		return FAIL(ps, "elements nested deeper than %d", XMLRPC_MAX_DEPTH);
	struct node *n = arena_alloc(ps->a, sizeof *n), *parent = ps->cur;
	if (!n)
		return FAIL(ps, "document too large (over the memory limit)");
	memset(n, 0, sizeof *n);
	n->name = n->local = ps->p;
	n->nlen = n->llen = nl;
	for (size_t i = 0; i < nl; i++)
		if (ps->p[i] == ':')
			n->local = ps->p + i + 1, n->llen = nl - i - 1;
	n->at = at;
	ps->p += nl;
	bool empty = false;
	if (attributes(ps, &empty))
		return -1;
	if (parent) {
		if (!parent->first && parent->tlen) { /* the text before the first child */
			if (!xml_all_ws(ps->out + parent->toff, parent->tlen))
				return fail_at(ps, at, "text mixed with elements in <%.*s>", (int)parent->nlen, parent->name);
			ps->olen = parent->toff;
			parent->tlen = 0;
		}
		if (parent->last)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
	} else
		ps->root = n;
	n->parent = parent;
	ps->cur = n;
	if (empty) {
		end_leaf(ps, n);
		ps->cur = parent;
		ps->depth--;
	}
	return 0;
}

static int end_tag(struct parser *ps)
{
	ps->p += 2;
	size_t nl = name_len(ps);
	struct node *n = ps->cur;
	if (!n || nl != n->nlen || memcmp(ps->p, n->name, nl))
		return FAIL(ps, n ? "</%.*s> expected" : "an end tag outside the document element",
			    n ? (int)n->nlen : 0, n ? n->name : "");
	ps->p += nl;
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '>')
		return FAIL(ps, "malformed end tag");
	ps->p++;
	end_leaf(ps, n);
	ps->cur = n->parent;
	ps->depth--;
	return 0;
}

/* "<?...?>" or "<!--...-->": skipped. */
static int skip_until(struct parser *ps, size_t from, const char *close, const char *what)
{
	const char *e = mem_find(ps->p + from, (size_t)(ps->end - ps->p) - from, close, strlen(close));
	if (!e)
		return FAIL(ps, "unterminated %s", what);
	ps->p = e + strlen(close);
	return 0;
}

static int markup(struct parser *ps)
{
	if (starts(ps, "<?"))
		return skip_until(ps, 2, "?>", "processing instruction");
	if (starts(ps, "<!--"))
		return skip_until(ps, 4, "-->", "comment");
	if (starts(ps, "<![CDATA[")) {
		if (!ps->cur)
			return FAIL(ps, "CDATA outside the document element");
		ps->p += 9;
		if (text(ps, true))
			return -1;
		ps->p += 3;
		return 0;
	}
	if (starts(ps, "<!"))
		return FAIL(ps, "a DOCTYPE or declaration (not accepted)");
	if (starts(ps, "</"))
		return end_tag(ps);
	return start_tag(ps);
}

static int parse_tree(struct parser *ps)
{
	if (ps->end - ps->p >= 3 && !memcmp(ps->p, "\xef\xbb\xbf", 3)) /* a UTF-8 byte order mark */
		ps->p += 3;
	while (ps->p < ps->end)
		if (*ps->p == '<' ? markup(ps) : text(ps, false))
			return -1;
	if (!ps->root || ps->cur)
		return FAIL(ps, "unexpected end of the document");
	return 0;
}

int xml_parse(struct xml_doc *d, struct arena *a, const char *doc, size_t len, char *err, size_t errlen)
{
	struct parser ps = {.a = a, .doc = doc, .p = doc, .end = doc + len, .err = err, .errlen = errlen};
	if (errlen)
		err[0] = 0;
	d->root = NULL;
	d->text = NULL;
	ps.ocap = len + 1;
	if (len >= SIZE_MAX / 2 || !(ps.out = arena_alloc(a, ps.ocap)))
		return FAIL(&ps, "document too large (over the memory limit)");
	if (parse_tree(&ps))
		return -1;
	d->root = ps.root;
	d->text = ps.out;
	return 0;
}

