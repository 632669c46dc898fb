/* xmlrpc_write.c — the encoder of xmlrpc.h. It writes what Python's xmlrpc.client.dumps
 * writes, byte for byte (newlines included), so that tend's replies look like
 * supervisord's; only strings differ where Python's would break the reader: a CR is
 * written as &#13; (a raw one would reach the client as LF), and a byte XML 1.0 cannot
 * carry (a C0 control but TAB/LF/CR, invalid UTF-8, U+FFFE/U+FFFF) becomes U+FFFD, one
 * per byte, so that expat (and supervisorctl's UTF-8 decoding) never fails on a reply.
 *
 * Members are closed lazily: xw_member and xw_struct_end look at what was written last
 * ("<struct>\n" means no member is open), so the encoder keeps no state of its own.
 * Do not consume the buffer while a struct is open. */
#include "xmlrpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define XML_DECL "<?xml version='1.0'?>\n"
#define STRUCT_OPEN "<value><struct>\n"

/* S[0..n) as XML character data, escaped and made valid (see the top). */
static void put_text(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0; /* start of the bytes that go out as they are */
	for (size_t i = 0; i < n;) {
		const char *rep = u[i] == '&' ? "&amp;" : u[i] == '<' ? "&lt;" : u[i] == '>' ? "&gt;" : u[i] == '\r' ? "&#13;" : NULL;
		size_t k = rep ? 1 : xml_char_len(u + i, n - i);
		if (!k)
			rep = "\xef\xbf\xbd", k = 1;
		if (rep) {
			buf_put(b, s + run, i - run);
			buf_puts(b, rep);
			run = i + k;
			if (b->over) /* the document is lost already: do not scan the rest */
				return;
		}
		i += k;
	}
	buf_put(b, s + run, n - run);
}

static void put_ctext(struct buf *b, const char *s)
{
	put_text(b, s ? s : "", s ? strlen(s) : 0);
}

void xw_response_begin(struct buf *b)
{
	buf_puts(b, XML_DECL "<methodResponse>\n<params>\n<param>\n");
}

void xw_response_end(struct buf *b)
{
	buf_puts(b, "</param>\n</params>\n</methodResponse>\n");
}

void xw_fault(struct buf *b, int code, const char *string)
{
	buf_puts(b, XML_DECL "<methodResponse>\n<fault>\n");
	xw_struct_begin(b);
	xw_member(b, "faultCode");
	xw_int(b, code);
	xw_member(b, "faultString");
	xw_cstring(b, string);
	xw_struct_end(b);
	buf_puts(b, "</fault>\n</methodResponse>\n");
}

void xw_call_begin(struct buf *b, const char *method)
{
	buf_puts(b, XML_DECL "<methodCall>\n<methodName>");
	put_ctext(b, method);
	buf_puts(b, "</methodName>\n<params>\n");
}

void xw_param_begin(struct buf *b)
{
	buf_puts(b, "<param>\n");
}

void xw_param_end(struct buf *b)
{
	buf_puts(b, "</param>\n");
}

void xw_call_end(struct buf *b)
{
	buf_puts(b, "</params>\n</methodCall>\n");
}

void xw_int(struct buf *b, long long v)
{
	buf_printf(b, "<value><int>%lld</int></value>\n", v);
}

void xw_bool(struct buf *b, bool v)
{
	buf_printf(b, "<value><boolean>%d</boolean></value>\n", v ? 1 : 0);
}

/* The shortest of 15-17 significant digits that reads back as V (Python's repr picks the
 * shortest too); "1" is written "1.0" as repr does. */
void xw_double(struct buf *b, double v)
{
	char s[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof s, "%.*g", prec, v);
		if (xmlrpc_decimal(s, strlen(s)) == v)
			break;
	}
	if (strspn(s, "-0123456789") == strlen(s))
		strcat(s, ".0");
	buf_printf(b, "<value><double>%s</double></value>\n", s);
}

void xw_string(struct buf *b, const char *s, size_t len)
{
	buf_puts(b, "<value><string>");
	put_text(b, s, len);
	buf_puts(b, "</string></value>\n");
}

void xw_cstring(struct buf *b, const char *s)
{
	xw_string(b, s ? s : "", s ? strlen(s) : 0);
}

void xw_nil(struct buf *b)
{
	buf_puts(b, "<value><nil/></value>"); /* no newline: xmlrpc.client writes none */
}

/* As base64.encodebytes: lines of 76 characters, each ending in a newline. */
void xw_base64(struct buf *b, const void *data, size_t len)
{
	const unsigned char *p = data;
	char line[80];
	buf_puts(b, "<value><base64>\n");
	for (size_t i = 0; i < len; i += 57) {
		size_t n = base64_encode(p + i, len - i < 57 ? len - i : 57, line);
		line[n] = '\n';
		buf_put(b, line, n + 1);
	}
	buf_puts(b, "</base64></value>\n");
}

void xw_datetime(struct buf *b, const char *iso8601)
{
	buf_puts(b, "<value><dateTime.iso8601>");
	put_ctext(b, iso8601);
	buf_puts(b, "</dateTime.iso8601></value>\n");
}

void xw_array_begin(struct buf *b)
{
	buf_puts(b, "<value><array><data>\n");
}

void xw_array_end(struct buf *b)
{
	buf_puts(b, "</data></array></value>\n");
}

void xw_struct_begin(struct buf *b)
{
	buf_puts(b, STRUCT_OPEN);
}

/* Was the last thing written the start of a struct (so that no member is open)? */
static bool just_opened(const struct buf *b)
{
	size_t n = sizeof STRUCT_OPEN - 1;
	return b->p && b->len >= n && !memcmp(b->p + b->len - n, STRUCT_OPEN, n);
}

void xw_member(struct buf *b, const char *name)
{
	if (!just_opened(b))
		buf_puts(b, "</member>\n");
	buf_puts(b, "<member>\n<name>");
	put_ctext(b, name);
	buf_puts(b, "</name>\n");
}

void xw_struct_end(struct buf *b)
{
	if (!just_opened(b))
		buf_puts(b, "</member>\n");
	buf_puts(b, "</struct></value>\n");
}

/* Recursion as deep as the value, which a decoded one bounds (XMLRPC_MAX_DEPTH). */
void xw_value(struct buf *b, const struct xv *v)
{
	switch (v->type) {
	case XV_INT:
		xw_int(b, v->i);
		break;
	case XV_BOOL:
		xw_bool(b, v->i != 0);
		break;
	case XV_DOUBLE:
		xw_double(b, v->d);
		break;
	case XV_STRING:
		xw_string(b, v->s ? v->s : "", v->s ? v->len : 0);
		break;
	case XV_BASE64:
		xw_base64(b, v->s, v->s ? v->len : 0);
		break;
	case XV_DATETIME:
		xw_datetime(b, v->s);
		break;
	case XV_NIL:
		xw_nil(b);
		break;
	case XV_ARRAY:
		xw_array_begin(b);
		for (size_t i = 0; i < v->n; i++)
			xw_value(b, &v->items[i]);
		xw_array_end(b);
		break;
	case XV_STRUCT:
		xw_struct_begin(b);
		for (size_t i = 0; i < v->n; i++) {
			xw_member(b, v->names[i]);
			xw_value(b, &v->items[i]);
		}
		xw_struct_end(b);
		break;
	}
}
