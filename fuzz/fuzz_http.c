/* fuzz_http.c — libFuzzer target for http.c: the request and response head parsers,
 * the chunked decoder fed in pieces (which must decode exactly as when fed whole),
 * basic authentication and base64 (encode, then decode, must give the input back).
 *
 *   make fuzz FUZZ_SECONDS=60     (clang -fsanitize=fuzzer,address,undefined)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) ((c) ? (void)0 : abort())

static void heads(const char *d, size_t n)
{
	struct http_req q;
	int rc = http_parse_request(d, n, &q);
	ASSERT(rc <= (int)n && rc <= HTTP_MAX_HEAD);
	ASSERT(rc == 0 || rc > 0 || rc == -400 || rc == -414 || rc == -431 || rc == -501 || rc == -505);
	if (rc > 0) {
		ASSERT(strnlen(q.method, sizeof q.method) < sizeof q.method && q.method[0]);
		ASSERT(strnlen(q.path, sizeof q.path) < sizeof q.path && q.path[0]);
		ASSERT(strnlen(q.query, sizeof q.query) < sizeof q.query);
		ASSERT(strnlen(q.auth, sizeof q.auth) < sizeof q.auth);
		ASSERT(q.minor >= 0 && q.minor <= 9 && q.content_length >= -1);
		ASSERT(!(q.chunked && q.content_length >= 0));
		/* the head alone parses to the same length */
		struct http_req q2;
		ASSERT(http_parse_request(d, (size_t)rc, &q2) == rc && !memcmp(&q, &q2, sizeof q));
	}
	struct http_resp s;
	rc = http_parse_response(d, n, &s);
	ASSERT(rc <= (int)n && rc <= HTTP_MAX_HEAD);
	if (rc > 0) {
		ASSERT(s.status >= 100 && s.status <= 999);
		ASSERT(strnlen(s.content_type, sizeof s.content_type) < sizeof s.content_type);
	}
}

/* Feed pieces of STEP bytes, carrying the unconsumed rest, as a connection would. */
static ssize_t dechunk(const char *d, size_t n, size_t step, char *out, size_t *outn, size_t *used)
{
	struct http_chunked c = {0};
	char *work = malloc(n + 1);
	size_t have = 0, pos = 0;
	ssize_t rc = 0;
	*outn = 0;
	while (pos < n && !c.done) {
		size_t k = n - pos < step ? n - pos : step;
		memcpy(work + have, d + pos, k);
		pos += k, have += k;
		size_t o;
		ssize_t r = http_dechunk(&c, work, have, &o);
		ASSERT(o <= have);
		memcpy(out + *outn, work, o);
		*outn += o;
		if (r < 0) {
			rc = -1;
			break;
		}
		ASSERT((size_t)r == have || (c.done && (size_t)r < have)); /* all of it, unless the end came first */
		memmove(work, work + r, have - (size_t)r);
		have -= (size_t)r;
	}
	*used = pos - have;
	free(work);
	return rc < 0 ? -1 : c.done;
}

static void chunked(const char *d, size_t n)
{
	if (n < 1)
		return;
	size_t step = (unsigned char)d[0] % 16 + 1;
	d++, n--;
	char *o1 = malloc(n + 1), *o2 = malloc(n + 1);
	size_t n1, n2, u1, u2;
	ssize_t r1 = dechunk(d, n, n ? n : 1, o1, &n1, &u1);
	ssize_t r2 = dechunk(d, n, step, o2, &n2, &u2);
	ASSERT(r1 == r2);
	if (r1 >= 0)
		ASSERT(n1 == n2 && !memcmp(o1, o2, n1) && u1 == u2);
	free(o1);
	free(o2);
}

static void auth(const char *d, size_t n)
{
	char h[HTTP_MAX_AUTH];
	size_t k = n < sizeof h - 1 ? n : sizeof h - 1;
	memcpy(h, d, k);
	h[k] = 0;
	http_auth_ok(h, "user", "test");
	http_auth_ok(h, "user", "{SHA}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3");
	http_auth_ok(h, "", "{SHA}");
	/* the input as credentials: "user:pass" split at its first ':' */
	char *enc = malloc(4 * (k + 2) / 3 + 16), *hdr = malloc(4 * (k + 2) / 3 + 16);
	base64_encode(h, strlen(h), enc);
	strcpy(hdr, "Basic ");
	strcat(hdr, enc);
	char *colon = strchr(h, ':');
	if (colon && strlen(hdr) < HTTP_MAX_AUTH) {
		*colon = 0;
		/* (a configured password that starts with {SHA} is a digest, not the password) */
		ASSERT(!strncmp(colon + 1, "{SHA}", 5) || http_auth_ok(hdr, h, colon + 1));
		char pw[48] = "{SHA}";
		unsigned char dg[20];
		sha1(colon + 1, strlen(colon + 1), dg);
		for (int i = 0; i < 20; i++)
			sprintf(pw + 5 + 2 * i, "%02X", dg[i]);
		ASSERT(http_auth_ok(hdr, h, pw));
	}
	free(enc);
	free(hdr);
}

static void base64(const char *d, size_t n)
{
	char *enc = malloc(4 * ((n + 2) / 3) + 1);
	unsigned char *dec = malloc(n + 3);
	size_t e = base64_encode(d, n, enc);
	ASSERT(e == 4 * ((n + 2) / 3) && enc[e] == 0);
	ASSERT(base64_decode(enc, e, dec) == (long)n && !memcmp(dec, d, n));
	unsigned char *any = malloc(3 * (n / 4) + 3);
	long r = base64_decode(d, n, any); /* arbitrary input: no overrun, a length or -1 */
	ASSERT(r >= -1 && r <= (long)(3 * (n / 4) + 2));
	free(any);
	free(enc);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	heads(d, size);
	chunked(d, size);
	auth(d, size);
	base64(d, size);
	return 0;
}
