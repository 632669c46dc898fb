/* fuzz_xmlrpc.c — libFuzzer target for the XML-RPC codec (xml_tree.c, xmlrpc.c,
 * xmlrpc_write.c): the input is decoded as a call and as a response in a limited arena;
 * whatever decodes is encoded again, decoded again, and must be the same values, and its
 * second encoding the same bytes. LeakSanitizer checks the arenas are freed.
 *
 *   make fuzz FUZZ_SECONDS=60     (clang -fsanitize=fuzzer,address,undefined)
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) ((c) ? (void)0 : abort())

static bool same(const struct xv *a, const struct xv *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case XV_INT:
	case XV_BOOL:
		return a->i == b->i;
	case XV_DOUBLE:
		return a->d == b->d ? signbit(a->d) == signbit(b->d) : isnan(a->d) && isnan(b->d);
	case XV_NIL:
		return true;
	case XV_STRING:
	case XV_BASE64:
	case XV_DATETIME:
		return a->len == b->len && !memcmp(a->s, b->s, a->len) && !a->s[a->len] && !b->s[b->len];
	case XV_ARRAY:
	case XV_STRUCT:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++)
			if ((a->type == XV_STRUCT && strcmp(a->names[i], b->names[i])) || !same(&a->items[i], &b->items[i]))
				return false;
		return true;
	}
	return false;
}

static void encode_call(struct buf *b, const char *method, const struct xv *params)
{
	xw_call_begin(b, method);
	for (size_t i = 0; i < params->n; i++) {
		xw_param_begin(b);
		xw_value(b, &params->items[i]);
		xw_param_end(b);
	}
	xw_call_end(b);
}

static void calls(const char *d, size_t n)
{
	struct arena a = {.limit = 1u << 20}, a2 = {.limit = 64u << 20};
	char err[200];
	const char *m, *m2;
	struct xv p, p2;
	if (xmlrpc_decode_call(&a, d, n, &m, &p, err, sizeof err) == 0) {
		struct buf b, b2;
		buf_init(&b, 64u << 20);
		buf_init(&b2, 64u << 20);
		encode_call(&b, m, &p);
		ASSERT(!b.over);
		ASSERT(xmlrpc_decode_call(&a2, b.p, b.len, &m2, &p2, err, sizeof err) == 0);
		ASSERT(!strcmp(m, m2) && same(&p, &p2));
		encode_call(&b2, m2, &p2);
		ASSERT(b2.len == b.len && !memcmp(b.p, b2.p, b.len));
		buf_free(&b);
		buf_free(&b2);
	} else
		ASSERT(err[0]);
	arena_free(&a);
	arena_free(&a2);
}

static void responses(const char *d, size_t n)
{
	struct arena a = {.limit = 1u << 20}, a2 = {.limit = 64u << 20};
	char err[200];
	struct xv v, v2;
	int code, code2;
	const char *fs, *fs2;
	int rc = xmlrpc_decode_response(&a, d, n, &v, &code, &fs, err, sizeof err);
	if (rc >= 0) {
		struct buf b;
		buf_init(&b, 64u << 20);
		if (rc == 1)
			xw_fault(&b, code, fs);
		else {
			xw_response_begin(&b);
			xw_value(&b, &v);
			xw_response_end(&b);
		}
		ASSERT(!b.over);
		int rc2 = xmlrpc_decode_response(&a2, b.p, b.len, &v2, &code2, &fs2, err, sizeof err);
		ASSERT(rc2 == rc);
		if (rc == 1)
			ASSERT(code == code2 && !strcmp(fs, fs2));
		else
			ASSERT(same(&v, &v2));
		buf_free(&b);
	} else
		ASSERT(err[0]);
	arena_free(&a);
	arena_free(&a2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	calls((const char *)data, size);
	responses((const char *)data, size);
	return 0;
}
