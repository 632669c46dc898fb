/* http.c — see http.h. The parsers are stateless: each call looks at the whole head so
 * far (at most HTTP_MAX_HEAD bytes), which keeps them simple and still bounded. They
 * are strict where leniency lets two parsers disagree about where a message ends
 * (Content-Length, Transfer-Encoding, folded lines) and lenient elsewhere (bare LF line
 * ends, empty lines before a request, unknown headers). */
#include "http.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REQLINE_MAX (2 * HTTP_MAX_PATH + 64) /* method, target with query, version */
#define CHUNK_LINE_MAX 1024                  /* a size line with its extensions */

static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A header value or reason phrase byte: HTAB, SP, VCHAR, obs-text. */
static bool is_field(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Where the head ends (just past its empty line), scanning lines from FROM; 0 when its
 * end is not within the first LIM bytes. */
static size_t head_end(const char *buf, size_t from, size_t lim)
{
	while (from < lim) {
		const char *nl = memchr(buf + from, '\n', lim - from);
		if (!nl)
			return 0;
		size_t n = (size_t)(nl - (buf + from));
		if (n == 0 || (n == 1 && buf[from] == '\r'))
			return (size_t)(nl - buf) + 1;
		from = (size_t)(nl - buf) + 1;
	}
	return 0;
}

/* What the headers of either direction say, before it is copied out. */
struct fields {
	long long content_length;
	bool chunked, te_seen, close, keep, expect_continue, auth_seen;
	char *auth;   /* NULL: not wanted (responses) */
	char *ctype;  /* NULL: not wanted (requests) */
	size_t ctype_size;
};

/* "HTTP/1.x": 0 with *minor set, -505 for another version, -400 when it is not one. */
static int parse_version(const char *p, size_t n, int *minor)
{
	if (n < 6 || memcmp(p, "HTTP/", 5))
		return -400;
	p += 5, n -= 5;
	size_t i = 0, dots = 0;
	for (; i < n; i++) {
		if (p[i] == '.' && i > 0 && p[i - 1] != '.' && !dots)
			dots++;
		else if (p[i] < '0' || p[i] > '9')
			return -400;
	}
	if (p[n - 1] == '.')
		return -400;
	if (n != 3 || p[0] != '1' || p[1] != '.')
		return -505;
	*minor = p[2] - '0';
	return 0;
}

static int content_length(const char *v, size_t n, struct fields *f)
{
	if (n == 0)
		return -400;
	long long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (LLONG_MAX - (v[i] - '0')) / 10)
			return -400;
		x = x * 10 + (v[i] - '0');
	}
	if (f->content_length >= 0 && f->content_length != x)
		return -400;
	f->content_length = x;
	return 0;
}

/* Connection: a comma-separated list of options; we care about two. */
static void connection(const char *v, size_t n, struct fields *f)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && !is_ows(v[i]))
			i++;
		if (i - s == 5 && !strncasecmp(v + s, "close", 5))
			f->close = true;
		else if (i - s == 10 && !strncasecmp(v + s, "keep-alive", 10))
			f->keep = true;
	}
}

static int header(const char *name, size_t nn, const char *v, size_t n, struct fields *f)
{
#define IS(s) (nn == sizeof s - 1 && !strncasecmp(name, s, nn))
	if (IS("content-length"))
		return content_length(v, n, f);
	if (IS("transfer-encoding")) {
		/* only a single "chunked": anything layered (gzip, chunked twice) we cannot decode */
		if (f->te_seen || n != 7 || strncasecmp(v, "chunked", 7))
			return -501;
		f->te_seen = f->chunked = true;
	} else if (IS("connection"))
		connection(v, n, f);
	else if (IS("expect"))
		f->expect_continue = n == 12 && !strncasecmp(v, "100-continue", 12);
	else if (IS("authorization") && f->auth) {
		if (f->auth_seen)
			return -400;
		if (n >= HTTP_MAX_AUTH)
			return -431;
		memcpy(f->auth, v, n);
		f->auth[n] = 0;
		f->auth_seen = true;
	} else if (IS("content-type") && f->ctype) {
		size_t k = n < f->ctype_size - 1 ? n : f->ctype_size - 1;
		memcpy(f->ctype, v, k);
		f->ctype[k] = 0;
	}
	return 0;
#undef IS
}

/* The header lines in [p, end), end just past the empty line. */
static int parse_fields(const char *p, const char *end, struct fields *f)
{
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (e == p)
			break;
		if (is_ows(*p)) /* obsolete line folding: refused, as RFC 9112 allows */
			return -400;
		const char *c = p;
		while (c < e && is_tchar((unsigned char)*c))
			c++;
		if (c == p || c == e || *c != ':')
			return -400;
		const char *v = c + 1, *ve = e;
		for (const char *q = v; q < e; q++)
			if (!is_field((unsigned char)*q))
				return -400;
		while (v < ve && is_ows(*v))
			v++;
		while (ve > v && is_ows(ve[-1]))
			ve--;
		int rc = header(p, (size_t)(c - p), v, (size_t)(ve - v), f);
		if (rc)
			return rc;
		p = nl + 1;
	}
	if (f->chunked && f->content_length >= 0) /* RFC 9112 6.1: a smuggling vector */
		return -400;
	return 0;
}

/* An absolute-form target ("http://host/x") is cut to its path. */
static int split_target(const char *t, size_t n, struct http_req *r)
{
	if (n == 0)
		return -400;
	if (*t != '/' && !(n == 1 && *t == '*')) {
		size_t s = n > 7 && !strncasecmp(t, "http://", 7) ? 7 : n > 8 && !strncasecmp(t, "https://", 8) ? 8 : 0;
		if (!s)
			return -400;
		const char *slash = memchr(t + s, '/', n - s);
		n = slash ? n - (size_t)(slash - t) : 0;
		t = slash ? slash : "/";
		if (!n)
			n = 1;
	}
	const char *q = memchr(t, '?', n);
	size_t pn = q ? (size_t)(q - t) : n, qn = q ? n - pn - 1 : 0;
	if (pn >= sizeof r->path || qn >= sizeof r->query)
		return -414;
	memcpy(r->path, t, pn);
	r->path[pn] = 0;
	memcpy(r->query, q ? q + 1 : "", qn);
	r->query[qn] = 0;
	return 0;
}

static int request_line(const char *p, const char *nl, struct http_req *r)
{
	const char *e = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
	const char *sp1 = memchr(p, ' ', (size_t)(e - p));
	if (!sp1 || sp1 == p)
		return -400;
	for (const char *q = p; q < sp1; q++)
		if (!is_tchar((unsigned char)*q))
			return -400;
	if ((size_t)(sp1 - p) >= sizeof r->method)
		return -501;
	const char *t = sp1 + 1, *sp2 = memchr(t, ' ', (size_t)(e - t));
	if (!sp2)
		return -400;
	for (const char *q = t; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7f)
			return -400;
	int rc = parse_version(sp2 + 1, (size_t)(e - sp2 - 1), &r->minor);
	if (rc)
		return rc;
	if ((rc = split_target(t, (size_t)(sp2 - t), r)))
		return rc;
	memcpy(r->method, p, (size_t)(sp1 - p));
	r->method[sp1 - p] = 0;
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_req *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	size_t lim = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD, skip = 0;
	while (skip < lim && (buf[skip] == '\r' || buf[skip] == '\n')) /* RFC 9112 2.2 */
		skip++;
	const char *nl = memchr(buf + skip, '\n', lim - skip);
	if (!nl || (size_t)(nl - buf) - skip > REQLINE_MAX) {
		if (lim - skip > REQLINE_MAX)
			return -414;
		return len >= HTTP_MAX_HEAD ? -431 : 0;
	}
	int rc = request_line(buf + skip, nl, r);
	if (rc)
		return rc;
	size_t end = head_end(buf, (size_t)(nl - buf) + 1, lim);
	if (!end)
		return len >= HTTP_MAX_HEAD ? -431 : 0;
	struct fields f = {.content_length = -1, .auth = r->auth};
	if ((rc = parse_fields(nl + 1, buf + end, &f)))
		return rc;
	r->content_length = f.content_length;
	r->chunked = f.chunked;
	r->expect_continue = f.expect_continue && r->minor >= 1;
	r->keep_alive = f.close ? false : f.keep || r->minor >= 1;
	return (int)end;
}

static int status_line(const char *p, const char *nl, struct http_resp *r)
{
	const char *e = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
	const char *sp = memchr(p, ' ', (size_t)(e - p));
	if (!sp)
		return -400;
	int rc = parse_version(p, (size_t)(sp - p), &r->minor);
	if (rc)
		return rc;
	const char *s = sp + 1;
	if (e - s < 3 || s[0] < '1' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' ||
	    (e - s > 3 && s[3] != ' '))
		return -400;
	for (const char *q = s + 3; q < e; q++)
		if (!is_field((unsigned char)*q))
			return -400;
	r->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	return 0;
}

int http_parse_response(const char *buf, size_t len, struct http_resp *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	size_t lim = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
	const char *nl = memchr(buf, '\n', lim);
	if (!nl)
		return len >= HTTP_MAX_HEAD ? -431 : 0;
	int rc = status_line(buf, nl, r);
	if (rc)
		return rc;
	size_t end = head_end(buf, (size_t)(nl - buf) + 1, lim);
	if (!end)
		return len >= HTTP_MAX_HEAD ? -431 : 0;
	struct fields f = {.content_length = -1, .ctype = r->content_type, .ctype_size = sizeof r->content_type};
	if ((rc = parse_fields(nl + 1, buf + end, &f)))
		return rc;
	r->content_length = f.content_length;
	r->chunked = f.chunked;
	r->keep_alive = f.close ? false : f.keep || r->minor >= 1;
	return (int)end;
}

enum { C_SIZE0, C_SIZE, C_SIZE_WS, C_EXT, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER0, C_TRAILER, C_END_LF };

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One byte of the framing (not chunk data): the new state, or -1. */
static int frame_byte(struct http_chunked *c, unsigned char ch)
{
	int h;
	switch (c->state) {
	case C_SIZE0:
	case C_SIZE:
		if ((h = hexval(ch)) >= 0) {
			if (c->left > (ULLONG_MAX >> 8)) /* bounded: no chunk near 2^64 */
				return -1;
			c->left = c->left * 16 + (unsigned)h;
			return C_SIZE;
		}
		if (c->state == C_SIZE0)
			return -1;
		c->line = 0;
		/* what follows the size: whitespace, then an extension or the line end */
		__attribute__((fallthrough));
	case C_SIZE_WS:
		if (ch == ' ' || ch == '\t')
			return ++c->line > CHUNK_LINE_MAX ? -1 : C_SIZE_WS;
		if (ch != ';' && ch != '\r' && ch != '\n')
			return -1;
		__attribute__((fallthrough));
	case C_EXT:
		if (++c->line > CHUNK_LINE_MAX)
			return -1;
		if (ch != '\n')
			return C_EXT;
		return c->left ? C_DATA : (c->line = 0, C_TRAILER0);
	case C_DATA_CR:
		return ch == '\r' ? C_DATA_LF : ch == '\n' ? C_SIZE0 : -1;
	case C_DATA_LF:
		return ch == '\n' ? C_SIZE0 : -1;
	case C_TRAILER0:
	case C_TRAILER:
		if (++c->line > HTTP_MAX_HEAD) /* all trailer lines together */
			return -1;
		if (c->state == C_TRAILER0 && ch == '\r')
			return C_END_LF;
		if (ch == '\n')
			return c->state == C_TRAILER0 ? (c->done = true, C_TRAILER0) : C_TRAILER0;
		return C_TRAILER;
	case C_END_LF:
		return ch == '\n' ? (c->done = true, C_TRAILER0) : -1;
	}
	return -1;
}

ssize_t http_dechunk(struct http_chunked *c, char *buf, size_t len, size_t *out_len)
{
	size_t in = 0, out = 0;
	while (in < len && !c->done) {
		if (c->state == C_DATA) {
			size_t n = len - in < c->left ? len - in : (size_t)c->left;
			memmove(buf + out, buf + in, n);
			in += n, out += n;
			c->left -= n;
			if (!c->left)
				c->state = C_DATA_CR;
			continue;
		}
		int s = frame_byte(c, (unsigned char)buf[in++]);
		if (s < 0) {
			*out_len = out;
			return -1;
		}
		c->state = s;
	}
	*out_len = out;
	return (ssize_t)in;
}

const char *http_reason(int status)
{
	/* medusa's wording, which supervisord sends: "CODE TEXT" entries in one string (a
	 * table of pointers would cost 16 bytes an entry in the static size budget) */
	static const char t[] =
		"100Continue\0" "200OK\0" "204No Content\0" "400Bad Request\0" "401Unauthorized\0"
		"403Forbidden\0" "404Not Found\0" "405Method Not Allowed\0" "408Request Time-out\0"
		"411Length Required\0" "413Request Entity Too Large\0" "414Request-URI Too Large\0"
		"415Unsupported Media Type\0" "417Expectation Failed\0" "431Request Header Fields Too Large\0"
		"500Internal Server Error\0" "501Not Implemented\0" "503Service Unavailable\0"
		"505HTTP Version not supported\0";
	for (const char *p = t; *p; p += strlen(p) + 1)
		if ((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0') == status)
			return p + 3;
	return "Unknown";
}

void http_response_head(struct buf *b, int status, const char *content_type, long long content_length,
			bool keep_alive, const char *extra)
{
	buf_printf(b, "HTTP/1.1 %d %s\r\n", status, http_reason(status));
	if (content_type)
		buf_printf(b, "Content-Type: %s\r\n", content_type);
	if (content_length >= 0)
		buf_printf(b, "Content-Length: %lld\r\n", content_length);
	else
		buf_puts(b, "Transfer-Encoding: chunked\r\n");
	if (!keep_alive)
		buf_puts(b, "Connection: close\r\n");
	if (extra)
		buf_puts(b, extra);
	buf_puts(b, "\r\n");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const void *src, size_t n, char *dst)
{
	const unsigned char *s = src;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		dst[o++] = b64[v >> 18];
		dst[o++] = b64[v >> 12 & 63];
		dst[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		dst[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	dst[o] = 0;
	return o;
}

long base64_decode(const char *s, size_t n, unsigned char *out)
{
	long o = 0;
	unsigned v = 0, k = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		const char *c = s[i] && !pad ? strchr(b64, s[i]) : NULL;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=' && k % 4 >= 2 && pad + k % 4 < 4) {
			pad++;
			continue;
		}
		if (!c)
			return -1;
		v = v << 6 | (unsigned)(c - b64);
		if (++k % 4 == 0) {
			out[o++] = (unsigned char)(v >> 16);
			out[o++] = (unsigned char)(v >> 8);
			out[o++] = (unsigned char)v;
			v = 0;
		}
	}
	if (k % 4 == 1)
		return -1;
	if (k % 4 == 2)
		out[o++] = (unsigned char)(v >> 4);
	else if (k % 4 == 3) {
		out[o++] = (unsigned char)(v >> 10);
		out[o++] = (unsigned char)(v >> 2);
	}
	return o;
}

/* Equal, in a time that depends on the secret's length only: every byte of SECRET is
 * looked at whatever GIVEN holds. FOLD lowers ASCII letters of both (hex digests). */
static bool ct_equal(const unsigned char *given, size_t glen, const char *secret, bool fold)
{
	size_t slen = strlen(secret);
	unsigned diff = glen != slen;
	for (size_t i = 0; i < slen; i++) {
		unsigned char g = i < glen ? given[i] : 0, s = (unsigned char)secret[i];
		if (fold) {
			g |= (unsigned char)((g >= 'A' && g <= 'Z') << 5);
			s |= (unsigned char)((s >= 'A' && s <= 'Z') << 5);
		}
		diff |= (unsigned)(g ^ s);
	}
	return diff == 0;
}

bool http_auth_ok(const char *header, const char *user, const char *password)
{
	if (!header || !user || !password)
		return false;
	size_t hn = strlen(header);
	if (hn < 6 || strncasecmp(header, "basic", 5) || !is_ows(header[5]) || hn >= HTTP_MAX_AUTH)
		return false;
	const char *c = header + 6;
	while (is_ows(*c))
		c++;
	size_t cn = strlen(c);
	while (cn && is_ows(c[cn - 1]))
		cn--;
	unsigned char dec[HTTP_MAX_AUTH];
	long dn = base64_decode(c, cn, dec);
	if (dn < 0)
		return false;
	const unsigned char *colon = memchr(dec, ':', (size_t)dn);
	if (!colon) /* supervisord fails such a request too */
		return false;
	size_t un = (size_t)(colon - dec), pn = (size_t)dn - un - 1;
	bool ok = ct_equal(dec, un, user, false);
	if (!strncmp(password, "{SHA}", 5)) {
		unsigned char d[20];
		char hex[41];
		sha1(colon + 1, pn, d);
		for (int i = 0; i < 20; i++)
			snprintf(hex + 2 * i, 3, "%02x", d[i]);
		ok &= ct_equal((const unsigned char *)hex, 40, password + 5, true);
	} else
		ok &= ct_equal(colon + 1, pn, password, false);
	return ok;
}
