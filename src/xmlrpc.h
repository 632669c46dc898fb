/* xmlrpc.h — XML-RPC as supervisord and Python's xmlrpc.client speak it: a decoder of
 * untrusted documents into a value tree (bounded depth, size and count; no DTD, no
 * entities but the five predefined and numeric character references), and a streaming
 * encoder into a struct buf. Pure code: nothing here knows about processes. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"

#define XMLRPC_MAX_DEPTH 32       /* nesting of elements; deeper is malformed */
#define XMLRPC_MAX_BYTES (4u << 20) /* what one decoded document may allocate */

enum xv_type { XV_INT, XV_BOOL, XV_DOUBLE, XV_STRING, XV_BASE64, XV_DATETIME, XV_NIL, XV_ARRAY, XV_STRUCT };

struct xv {
	enum xv_type type;
	long long i;        /* XV_INT (i4, int, i8), XV_BOOL (0/1) */
	double d;           /* XV_DOUBLE */
	const char *s;      /* XV_STRING (entities decoded), XV_BASE64 (decoded bytes),
			     * XV_DATETIME (text as sent); NUL-terminated, may hold NULs */
	size_t len;
	struct xv *items;   /* XV_ARRAY, XV_STRUCT: n values */
	const char **names; /* XV_STRUCT: member names, parallel to items */
	size_t n;
};

/* A <methodCall>: METHOD and PARAMS (an XV_ARRAY of the <param> values). Everything is
 * allocated in A (give it a limit). Returns 0, or -1 with a reason in err. */
int xmlrpc_decode_call(struct arena *a, const char *doc, size_t len, const char **method,
		       struct xv *params, char *err, size_t errlen);
/* A <methodResponse>: 0 with the value in *result, 1 for a <fault> (code and string
 * set), -1 malformed with a reason in err. */
int xmlrpc_decode_response(struct arena *a, const char *doc, size_t len, struct xv *result,
			   int *fault_code, const char **fault_string, char *err, size_t errlen);
/* The length of the XML 1.0 character at P[0..n): 1-4 bytes of valid UTF-8 naming a
 * code point XML allows (TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF),
 * or 0 when there is none. */
size_t xml_char_len(const unsigned char *p, size_t n);
/* The value of a decimal float text (Python float() syntax, already checked). */
double xmlrpc_decimal(const char *s, size_t n);
/* Member NAME of a struct (the last one of that name, as a Python dict keeps), or NULL. */
const struct xv *xv_member(const struct xv *st, const char *name);

/* Encoding. Every xw_<type> writes one whole <value>; containers are opened and closed
 * around values; a member is xw_member(name) followed by exactly one value. Strings are
 * escaped (&, <, >); bytes XML 1.0 cannot carry (controls other than \t \n \r, invalid
 * UTF-8, U+FFFE/U+FFFF) are replaced so that an expat-based client can always parse the
 * reply: each such byte by U+FFFD; a CR is written &#13; so that it arrives as a CR (XML
 * turns a raw one into LF). The bytes are otherwise those of xmlrpc.client.dumps. An
 * open struct is recognized from the buffer's last bytes: do not consume the buffer
 * while one is open.
 *
 * The decoder takes CDATA sections (as text), skips comments and processing
 * instructions, ignores attributes, and refuses a DOCTYPE and any entity but the five
 * predefined ones and character references. */
void xw_response_begin(struct buf *b); /* <?xml?><methodResponse><params><param> */
void xw_response_end(struct buf *b);   /* </param></params></methodResponse> */
void xw_fault(struct buf *b, int code, const char *string); /* a whole fault response */
void xw_call_begin(struct buf *b, const char *method);       /* <methodCall>…<params> */
void xw_param_begin(struct buf *b);
void xw_param_end(struct buf *b);
void xw_call_end(struct buf *b);
void xw_int(struct buf *b, long long v);
void xw_bool(struct buf *b, bool v);
void xw_double(struct buf *b, double v);
void xw_string(struct buf *b, const char *s, size_t len);
void xw_cstring(struct buf *b, const char *s);
void xw_array_begin(struct buf *b);
void xw_array_end(struct buf *b);
void xw_struct_begin(struct buf *b);
void xw_member(struct buf *b, const char *name);
void xw_struct_end(struct buf *b);
void xw_nil(struct buf *b);                                  /* <nil/>, as Python's allow_none */
void xw_base64(struct buf *b, const void *data, size_t len);
void xw_datetime(struct buf *b, const char *iso8601);       /* text as given, escaped */
/* A decoded value, re-encoded (system.multicall results, tests). */
void xw_value(struct buf *b, const struct xv *v);
