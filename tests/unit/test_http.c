/* test_http.c — request and response heads, chunked decoding, basic auth, base64, SHA-1. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http.h"

/* What supervisorctl 4.2.5 (Python 3.11 http.client) sends, captured. */
static const char SUPERVISORCTL[] = "POST /RPC2 HTTP/1.1\r\n"
				    "Host: localhost\r\n"
				    "Accept-Encoding: identity\r\n"
				    "User-Agent: Python-xmlrpc/3.11\r\n"
				    "Content-Type: text/xml\r\n"
				    "Accept: text/xml\r\n"
				    "Authorization: Basic dXNlcjp0ZXN0\r\n"
				    "Content-Length: 115\r\n"
				    "\r\n"
				    "<?xml version='1.0'?>\n";

static int req(const char *s, struct http_req *r)
{
	return http_parse_request(s, strlen(s), r);
}

static void test_supervisorctl(void)
{
	struct http_req r;
	size_t head = strstr(SUPERVISORCTL, "\r\n\r\n") + 4 - SUPERVISORCTL;
	CHECK(req(SUPERVISORCTL, &r) == (int)head);
	CHECK(!strcmp(r.method, "POST") && !strcmp(r.path, "/RPC2") && !strcmp(r.query, ""));
	CHECK(r.minor == 1 && r.keep_alive && r.content_length == 115 && !r.chunked && !r.expect_continue);
	CHECK(!strcmp(r.auth, "Basic dXNlcjp0ZXN0"));
	/* every prefix is "more, please" */
	bool all = true;
	for (size_t n = 0; n < head; n++)
		all &= http_parse_request(SUPERVISORCTL, n, &r) == 0;
	CHECK(all);
}

static void test_request_forms(void)
{
	struct http_req r;
	CHECK(req("GET / HTTP/1.0\r\n\r\n", &r) > 0 && !r.keep_alive && r.minor == 0 && r.content_length == -1);
	CHECK(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0 && r.keep_alive);
	CHECK(req("GET / HTTP/1.1\r\nconnection: upgrade, CLOSE\r\n\r\n", &r) > 0 && !r.keep_alive);
	CHECK(req("GET / HTTP/1.1\r\nConnection: close, keep-alive\r\n\r\n", &r) > 0 && !r.keep_alive);
	CHECK(req("GET /x?a=1&b HTTP/1.1\n\n", &r) == 23 && !strcmp(r.path, "/x") && !strcmp(r.query, "a=1&b"));
	CHECK(req("\r\n\r\nGET / HTTP/1.1\r\n\r\n", &r) == 22); /* empty lines before: ignored */
	CHECK(req("POST http://localhost:9001/RPC2?q HTTP/1.1\r\n\r\n", &r) > 0 && !strcmp(r.path, "/RPC2") &&
	      !strcmp(r.query, "q"));
	CHECK(req("OPTIONS http://h HTTP/1.1\r\n\r\n", &r) > 0 && !strcmp(r.path, "/"));
	CHECK(req("OPTIONS * HTTP/1.1\r\n\r\n", &r) > 0 && !strcmp(r.path, "*"));
	CHECK(req("POST / HTTP/1.1\r\ncOnTeNt-LeNgTh:   42  \r\nX-Empty:\r\n\r\n", &r) > 0 && r.content_length == 42);
	CHECK(req("POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n", &r) > 0 && r.content_length == 7);
	CHECK(req("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &r) > 0 && r.content_length == 0);
	CHECK(req("POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", &r) > 0 &&
	      r.content_length == 9223372036854775807LL);
	CHECK(req("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", &r) > 0 && r.chunked && r.content_length == -1);
	CHECK(req("POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n", &r) > 0 && r.expect_continue);
	CHECK(req("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &r) > 0 && !r.expect_continue);
	CHECK(req("GET / HTTP/1.1\r\nX: caf\xc3\xa9\t\r\n\r\n", &r) > 0); /* obs-text, a tab */
	CHECK(req("GET / HTTP/1.9\r\n\r\n", &r) > 0 && r.minor == 9 && r.keep_alive);
	CHECK(req("M-SEARCH / HTTP/1.1\r\n\r\n", &r) > 0 && !strcmp(r.method, "M-SEARCH"));
	/* a pipelined second request is not part of the head */
	CHECK(req("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", &r) == 19 && !strcmp(r.path, "/a"));
}

static void test_request_errors(void)
{
	struct http_req r;
	static const char *const bad[] = {
		"GET\r\n\r\n", "GET /\r\n\r\n", " GET / HTTP/1.1\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n", "GET / http/1.1\r\n\r\n", "GET / HTTP/1.\r\n\r\n", "GET / HTTP/1.1x\r\n\r\n",
		"GET / HTTP/1..1\r\n\r\n", "GET x HTTP/1.1\r\n\r\n", "GET /\x01 HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon\r\n\r\n", "GET / HTTP/1.1\r\nName : v\r\n\r\n", "GET / HTTP/1.1\r\n: v\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", "GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		"GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = req(bad[i], &r);
		if (rc != -400)
			fprintf(stderr, "  %zu: %d for %s\n", i, rc, bad[i]);
		CHECK(rc == -400);
	}
	/* errors show as soon as the request line is complete */
	CHECK(req("GET / HTTP/1.1 x\r\n", &r) == -400);
	CHECK(req("GET / HTTP/2.0\r\n\r\n", &r) == -505);
	CHECK(req("GET / HTTP/2\r\n\r\n", &r) == -505);
	CHECK(req("GET / HTTP/0.9\r\n\r\n", &r) == -505);
	CHECK(req("GET / HTTP/1.10\r\n\r\n", &r) == -505);
	CHECK(req("GET / HTTP/11.1\r\n", &r) == -505);
	CHECK(req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &r) == -501);
	CHECK(req("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", &r) == -501);
	CHECK(req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", &r) == -501);
	CHECK(req("VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n", &r) == -501);

	/* limits */
	size_t big = 2 * HTTP_MAX_HEAD;
	char *s = malloc(big + 64);
	memset(s, 'a', big);
	memcpy(s, "GET /", 5);
	CHECK(http_parse_request(s, 1000, &r) == 0);
	CHECK(http_parse_request(s, 3000, &r) == -414); /* no end of the line in sight */
	memcpy(s + HTTP_MAX_PATH + 5, " HTTP/1.1\r\n\r\n", 13);
	CHECK(http_parse_request(s, HTTP_MAX_PATH + 18, &r) == -414); /* a path that does not fit */
	memcpy(s + HTTP_MAX_PATH + 3, " HTTP/1.1\r\n\r\n", 13);
	CHECK(http_parse_request(s, HTTP_MAX_PATH + 16, &r) == HTTP_MAX_PATH + 16 && strlen(r.path) == HTTP_MAX_PATH - 1);
	/* headers without an end */
	size_t n = (size_t)sprintf(s, "GET / HTTP/1.1\r\n");
	while (n < big)
		n += (size_t)sprintf(s + n, "X-Pad: 0123456789012345678901234567890123456789\r\n");
	CHECK(http_parse_request(s, HTTP_MAX_HEAD - 1, &r) == 0);
	CHECK(http_parse_request(s, HTTP_MAX_HEAD, &r) == -431);
	CHECK(http_parse_request(s, n, &r) == -431);
	/* an end just past the limit is still too long */
	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nX: ");
	memset(s + n, 'v', HTTP_MAX_HEAD - n - 3);
	memcpy(s + HTTP_MAX_HEAD - 3, "\r\n\r\n", 4);
	CHECK(http_parse_request(s, HTTP_MAX_HEAD + 1, &r) == -431);
	memcpy(s + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	CHECK(http_parse_request(s, HTTP_MAX_HEAD, &r) == HTTP_MAX_HEAD);
	/* a header of empty lines only */
	memset(s, '\n', big);
	CHECK(http_parse_request(s, big, &r) == -431);
	/* Authorization longer than we keep */
	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nAuthorization: Basic ");
	memset(s + n, 'A', HTTP_MAX_AUTH);
	memcpy(s + n + HTTP_MAX_AUTH, "\r\n\r\n", 4);
	CHECK(http_parse_request(s, n + HTTP_MAX_AUTH + 4, &r) == -431);
	free(s);
}

static int resp(const char *s, struct http_resp *r)
{
	return http_parse_response(s, strlen(s), r);
}

static void test_response(void)
{
	struct http_resp r;
	/* supervisord's, captured */
	const char *sd = "HTTP/1.1 200 OK\r\nServer: Medusa/1.12\r\nDate: Wed, 02 Dec 2026 07:46:47 GMT\r\n"
			 "Content-Type: text/xml\r\nContent-Length: 129\r\n\r\n<?xml";
	CHECK(resp(sd, &r) == (int)(strlen(sd) - 5));
	CHECK(r.status == 200 && r.minor == 1 && r.keep_alive && r.content_length == 129 && !r.chunked);
	CHECK(!strcmp(r.content_type, "text/xml"));
	const char *e401 = "HTTP/1.1 401 Unauthorized\r\nServer: Medusa/1.12\r\nConnection: close\r\n"
			   "WWW-Authenticate: Basic realm=\"default\"\r\nContent-Length: 137\r\nContent-Type: text/html\r\n\r\n";
	CHECK(resp(e401, &r) > 0 && r.status == 401 && !r.keep_alive && r.content_length == 137);
	CHECK(resp("HTTP/1.0 200 OK\r\n\r\n", &r) > 0 && !r.keep_alive && r.minor == 0);
	CHECK(resp("HTTP/1.1 204\r\n\r\n", &r) > 0 && r.status == 204);
	CHECK(resp("HTTP/1.1 200 \r\n\r\n", &r) > 0);
	CHECK(resp("HTTP/1.1 500 Internal Server Error\nTransfer-Encoding: chunked\n\n", &r) > 0 && r.chunked);
	CHECK(resp("HTTP/1.1 200 OK\r\n", &r) == 0);
	CHECK(resp("HTTP/1.1 200 OK\r\nContent", &r) == 0);
	char ct[300] = "HTTP/1.1 200 OK\r\nContent-Type: ";
	size_t n = strlen(ct);
	memset(ct + n, 't', 200);
	strcpy(ct + n + 200, "\r\n\r\n");
	CHECK(resp(ct, &r) > 0 && strlen(r.content_type) == sizeof r.content_type - 1);
	CHECK(resp("HTTP/1.1 20 OK\r\n\r\n", &r) == -400);
	CHECK(resp("HTTP/1.1 2000 OK\r\n\r\n", &r) == -400);
	CHECK(resp("HTTP/1.1 099 OK\r\n\r\n", &r) == -400);
	CHECK(resp("HTTP/1.1 200OK\r\n\r\n", &r) == -400);
	CHECK(resp("HTTP/1.1\r\n\r\n", &r) == -400);
	CHECK(resp("ICY 200 OK\r\n\r\n", &r) == -400);
	CHECK(resp("HTTP/2 200\r\n\r\n", &r) == -505);
	CHECK(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &r) == -400);
	CHECK(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: br\r\n\r\n", &r) == -501);
	char *s = malloc(HTTP_MAX_HEAD + 10);
	memcpy(s, "HTTP/1.1 200 OK\r\n", 17);
	memset(s + 17, 'x', HTTP_MAX_HEAD - 7);
	CHECK(http_parse_response(s, HTTP_MAX_HEAD + 10, &r) == -431);
	free(s);
}

/* Decode S fed in pieces of STEP bytes (the unconsumed rest carried over). */
static ssize_t dechunk_steps(const char *s, size_t step, char *out, size_t *outn, size_t *consumed, bool *done)
{
	struct http_chunked c = {0};
	char work[512];
	size_t len = strlen(s), have = 0, pos = 0;
	*outn = 0;
	while (pos < len && !c.done) {
		size_t k = len - pos < step ? len - pos : step;
		memcpy(work + have, s + pos, k);
		pos += k, have += k;
		size_t o;
		ssize_t n = http_dechunk(&c, work, have, &o);
		memcpy(out + *outn, work, o);
		*outn += o;
		if (n < 0)
			return -1;
		memmove(work, work + n, have - (size_t)n);
		have -= (size_t)n;
	}
	*consumed = pos - have;
	*done = c.done;
	return 0;
}

static void test_dechunk(void)
{
	const char *s = "5\r\nhello\r\n1;name=value\r\n \r\nA \r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	for (size_t step = 1; step <= 64; step++) {
		char out[256];
		size_t n, consumed;
		bool done;
		ssize_t rc = dechunk_steps(s, step, out, &n, &consumed, &done);
		bool ok = rc == 0 && done && n == 16 && !memcmp(out, "hello 0123456789", 16) &&
			  consumed == strlen(s) - 4;
		if (!ok)
			fprintf(stderr, "  step %zu: rc %zd n %zu consumed %zu\n", step, rc, n, consumed);
		CHECK(ok);
	}
	char out[256];
	size_t n, consumed;
	bool done;
	CHECK(dechunk_steps("0\r\n\r\n", 1, out, &n, &consumed, &done) == 0 && done && n == 0 && consumed == 5);
	CHECK(dechunk_steps("3\nabc\n0\n\n", 2, out, &n, &consumed, &done) == 0 && done && n == 3); /* bare LF */
	CHECK(dechunk_steps("2 \t;a=b\r\nab\r\n0\r\n\r\n", 1, out, &n, &consumed, &done) == 0 && done && n == 2);
	CHECK(dechunk_steps("ff\r\nab", 3, out, &n, &consumed, &done) == 0 && !done && n == 2);
	static const char *const bad[] = {
		"x\r\n", "\r\n", ";ext\r\n", "3\r\nabcX\r\n", "3\r\nabc\rX", "5 5\r\n", "1x\r\n",
		"10000000000000000\r\n", "fffffffffffffffff\r\n", "0\r\n\rX", "1 x\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(dechunk_steps(bad[i], 1, out, &n, &consumed, &done) == -1);
	/* a size line's extension is bounded, and so are the trailers */
	char *big = malloc(3 * HTTP_MAX_HEAD);
	struct http_chunked c = {0};
	size_t o;
	strcpy(big, "1;");
	memset(big + 2, 'e', 2000);
	CHECK(http_dechunk(&c, big, 2002, &o) == -1);
	memset(&c, 0, sizeof c);
	strcpy(big, "0\r\n");
	for (size_t i = 3; i < 2 * HTTP_MAX_HEAD; i += 6)
		memcpy(big + i, "X: y\r\n", 6);
	CHECK(http_dechunk(&c, big, 2 * HTTP_MAX_HEAD, &o) == -1);
	memset(&c, 0, sizeof c);
	strcpy(big, "0\r\nA: b\r\nC: d\r\n\r\n");
	CHECK(http_dechunk(&c, big, strlen(big), &o) == (ssize_t)strlen(big) && c.done && o == 0);
	free(big);
}

static void test_head(void)
{
	struct buf b;
	buf_init(&b, 4096);
	http_response_head(&b, 200, "text/xml", 129, true, NULL);
	CHECK(!strcmp(b.p, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 129\r\n\r\n"));
	buf_reset(&b);
	http_response_head(&b, 401, "text/html", 0, false, "WWW-Authenticate: Basic realm=\"default\"\r\n");
	CHECK(!strcmp(b.p, "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\nContent-Length: 0\r\n"
			   "Connection: close\r\nWWW-Authenticate: Basic realm=\"default\"\r\n\r\n"));
	buf_reset(&b);
	http_response_head(&b, 200, NULL, -1, true, NULL);
	CHECK(!strcmp(b.p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
	buf_free(&b);
	CHECK(!strcmp(http_reason(404), "Not Found"));
	CHECK(!strcmp(http_reason(505), "HTTP Version not supported")); /* medusa's words */
	CHECK(!strcmp(http_reason(414), "Request-URI Too Large"));
	CHECK(!strcmp(http_reason(999), "Unknown"));
	static const struct {
		int code;
		const char *text;
	} reasons[] = {
		{100, "Continue"}, {200, "OK"}, {204, "No Content"}, {400, "Bad Request"},
		{401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
		{408, "Request Time-out"}, {411, "Length Required"}, {413, "Request Entity Too Large"},
		{414, "Request-URI Too Large"}, {415, "Unsupported Media Type"},
		{417, "Expectation Failed"}, {431, "Request Header Fields Too Large"},
		{500, "Internal Server Error"}, {501, "Not Implemented"}, {503, "Service Unavailable"},
		{505, "HTTP Version not supported"},
	};
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
		CHECK(!strcmp(http_reason(reasons[i].code), reasons[i].text));
	for (int code = -1; code < 1000; code++) { /* the others */
		size_t i = 0;
		while (i < sizeof reasons / sizeof *reasons && reasons[i].code != code)
			i++;
		if (i == sizeof reasons / sizeof *reasons)
			CHECK(!strcmp(http_reason(code), "Unknown"));
	}
}

static void test_base64_sha1(void)
{
	char o[64];
	CHECK(base64_encode("", 0, o) == 0 && !strcmp(o, ""));
	CHECK(base64_encode("f", 1, o) == 4 && !strcmp(o, "Zg=="));
	CHECK(base64_encode("fo", 2, o) == 4 && !strcmp(o, "Zm8="));
	CHECK(base64_encode("foo", 3, o) == 4 && !strcmp(o, "Zm9v"));
	CHECK(base64_encode("foobar", 6, o) == 8 && !strcmp(o, "Zm9vYmFy"));
	CHECK(base64_encode("\xff\xfe\x00", 3, o) == 4 && !strcmp(o, "//4A"));
	unsigned char d[64];
	CHECK(base64_decode("Zm9vYmFy", 8, d) == 6 && !memcmp(d, "foobar", 6));
	CHECK(base64_decode("Zm9vYg==", 8, d) == 4 && !memcmp(d, "foob", 4));
	CHECK(base64_decode("Zm9vYg", 6, d) == 4);
	CHECK(base64_decode("Zm9v\nYmE=\n", 10, d) == 5 && !memcmp(d, "fooba", 5));
	CHECK(base64_decode("", 0, d) == 0);
	CHECK(base64_decode("Zm9vY", 5, d) == -1);
	CHECK(base64_decode("Zm=9", 4, d) == -1);
	CHECK(base64_decode("Z===", 4, d) == -1);
	CHECK(base64_decode("Zg===", 5, d) == -1);
	CHECK(base64_decode("Zm9v!", 5, d) == -1);
	CHECK(base64_decode("Zm\0v", 4, d) == -1);

	static const struct {
		const char *in, *hex;
	} v[] = {
		{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
		{"test", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		unsigned char h[20];
		char hex[41];
		sha1(v[i].in, strlen(v[i].in), h);
		for (int j = 0; j < 20; j++)
			sprintf(hex + 2 * j, "%02x", h[j]);
		CHECK(!strcmp(hex, v[i].hex));
	}
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	unsigned char h[20];
	sha1(a, 1000000, h);
	free(a);
	CHECK(!memcmp(h, "\x34\xaa\x97\x3c\xd4\xc4\xda\xa4\xf6\x1e\xeb\x2b\xdb\xad\x27\x31\x65\x34\x01\x6f", 20));
	/* every length around the padding boundary against a known property: two ways of
	 * feeding the same bytes give the same digest */
	char buf[200];
	memset(buf, 'x', sizeof buf);
	unsigned char h1[20], h2[20];
	sha1(buf, 55, h1);
	sha1(buf, 56, h2);
	CHECK(memcmp(h1, h2, 20) != 0);
}

static void test_auth(void)
{
	char h[128], cred[64];
	/* user:test, from supervisorctl */
	CHECK(http_auth_ok("Basic dXNlcjp0ZXN0", "user", "test"));
	CHECK(http_auth_ok("basic   dXNlcjp0ZXN0  ", "user", "test"));
	CHECK(http_auth_ok("Basic dXNlcjp0ZXN0", "user", "{SHA}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"));
	CHECK(http_auth_ok("Basic dXNlcjp0ZXN0", "user", "{SHA}A94A8FE5CCB19BA61C4C0873D391E987982FBBD3"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "user", "{SHA}a94a8fe5ccb19ba61c4c0873d391e987982fbbd"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "user", "{SHA}test"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "user", "{sha}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "User", "test"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "use", "test"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "user", "tes"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "user", "test1"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", "user", ""));
	CHECK(!http_auth_ok("Digest dXNlcjp0ZXN0", "user", "test"));
	CHECK(!http_auth_ok("BasicdXNlcjp0ZXN0", "user", "test"));
	CHECK(!http_auth_ok("", "user", "test"));
	CHECK(!http_auth_ok(NULL, "user", "test"));
	CHECK(!http_auth_ok("Basic dXNlcjp0ZXN0", NULL, "test"));
	CHECK(!http_auth_ok("Basic !!!!", "user", "test"));
	base64_encode("usertest", 8, cred); /* no colon */
	snprintf(h, sizeof h, "Basic %s", cred);
	CHECK(!http_auth_ok(h, "usertest", ""));
	base64_encode("u:p:q", 5, cred); /* split at the first colon */
	snprintf(h, sizeof h, "Basic %s", cred);
	CHECK(http_auth_ok(h, "u", "p:q"));
	CHECK(!http_auth_ok(h, "u:p", "q"));
	base64_encode(":", 1, cred);
	snprintf(h, sizeof h, "Basic %s", cred);
	CHECK(http_auth_ok(h, "", ""));
	base64_encode("u:p\0x", 5, cred); /* a NUL in the password is not its end */
	snprintf(h, sizeof h, "Basic %s", cred);
	CHECK(!http_auth_ok(h, "u", "p"));
}

int main(void)
{
	test_supervisorctl();
	test_request_forms();
	test_request_errors();
	test_response();
	test_dechunk();
	test_head();
	test_base64_sha1();
	test_auth();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
