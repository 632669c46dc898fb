/* test_json_escape.c — json_escape() and buf_json_str() (buf.c): the escapes, UTF-8 as
 * RFC 3629 defines it (checked against Unicode's Table 3-7 on random bytes), the bounds. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

static const char *esc(const char *s, size_t n)
{
	static char out[4096];
	size_t used;
	size_t o = json_escape(out, sizeof out, s, n, &used);
	out[o] = 0;
	return used == n ? out : "(not all taken)";
}

#define ESC(lit) esc(lit, sizeof lit - 1)

static void test_escapes(void)
{
	CHECK(!strcmp(ESC("plain text 123 ~"), "plain text 123 ~"));
	CHECK(!strcmp(ESC("a\"b\\c"), "a\\\"b\\\\c"));
	CHECK(!strcmp(ESC("\n\t\r"), "\\n\\t\\r"));
	CHECK(!strcmp(ESC("\x01\x1f\x7f\b\f"), "\\u0001\\u001f\\u007f\\u0008\\u000c"));
	CHECK(!strcmp(ESC("a\0b"), "a\\u0000b"));
	CHECK(!strcmp(ESC("/"), "/")); /* allowed as is */
}

static void test_utf8(void)
{
	CHECK(!strcmp(ESC("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	CHECK(!strcmp(ESC("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
		      "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf")); /* the edges */
	CHECK(!strcmp(ESC("\xff"), "\\ufffd"));
	CHECK(!strcmp(ESC("\x80x"), "\\ufffdx"));               /* a lone continuation byte */
	CHECK(!strcmp(ESC("\xc0\xaf"), "\\ufffd\\ufffd"));       /* overlong '/' */
	CHECK(!strcmp(ESC("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd")); /* overlong, 3 bytes */
	CHECK(!strcmp(ESC("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd")); /* a surrogate */
	CHECK(!strcmp(ESC("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd")); /* past U+10FFFF */
	CHECK(!strcmp(ESC("\xf5\x80"), "\\ufffd\\ufffd"));
	CHECK(!strcmp(ESC("\xc3" "A"), "\\ufffdA"));            /* cut short by ASCII */
	CHECK(!strcmp(ESC("ok\xe2\x82"), "ok\\ufffd\\ufffd"));  /* cut short by the end */
}

/* Unicode 15, Table 3-7: the well-formed byte sequences, as ranges per position. */
static size_t ref_len(const unsigned char *s, size_t n)
{
	static const unsigned char t[][8] = {
		{0xc2, 0xdf, 0x80, 0xbf},
		{0xe0, 0xe0, 0xa0, 0xbf, 0x80, 0xbf},
		{0xe1, 0xec, 0x80, 0xbf, 0x80, 0xbf},
		{0xed, 0xed, 0x80, 0x9f, 0x80, 0xbf},
		{0xee, 0xef, 0x80, 0xbf, 0x80, 0xbf},
		{0xf0, 0xf0, 0x90, 0xbf, 0x80, 0xbf, 0x80, 0xbf},
		{0xf1, 0xf3, 0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf},
		{0xf4, 0xf4, 0x80, 0x8f, 0x80, 0xbf, 0x80, 0xbf},
	};
	for (size_t r = 0; r < sizeof t / sizeof *t; r++) {
		size_t len = t[r][0] < 0xe0 ? 2 : t[r][0] < 0xf0 ? 3 : 4;
		bool ok = len <= n;
		for (size_t k = 0; ok && k < len; k++)
			ok = s[k] >= t[r][2 * k] && s[k] <= t[r][2 * k + 1];
		if (ok)
			return len;
	}
	return 0;
}

static size_t ref_escape(char *out, const unsigned char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t len = s[i] >= 0x80 ? ref_len(s + i, n - i) : 1;
		if (s[i] == '"' || s[i] == '\\')
			o += (size_t)sprintf(out + o, "\\%c", s[i]);
		else if (s[i] == '\n' || s[i] == '\t' || s[i] == '\r')
			o += (size_t)sprintf(out + o, "\\%c", s[i] == '\n' ? 'n' : s[i] == '\t' ? 't' : 'r');
		else if (s[i] < 0x20 || s[i] == 0x7f)
			o += (size_t)sprintf(out + o, "\\u%04x", s[i]);
		else if (!len)
			o += (size_t)sprintf(out + o, "\\ufffd"), len = 1;
		else
			memcpy(out + o, s + i, len), o += len;
		i += len;
	}
	return o;
}

static void test_random_against_table(void)
{
	static const unsigned char pick[] = {'a', '"', '\\', '\n', 0, 0x1f, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
					     0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff};
	unsigned seed = 12345;
	int bad = 0;
	for (int round = 0; round < 20000; round++) {
		unsigned char in[24];
		char want[24 * 6 + 8], got[24 * 6 + 8];
		size_t n = (seed = seed * 1103515245 + 12345) >> 16 & 15, used;
		for (size_t i = 0; i < n; i++)
			in[i] = pick[((seed = seed * 1103515245 + 12345) >> 16) % sizeof pick];
		size_t w = ref_escape(want, in, n);
		size_t g = json_escape(got, 6 * n + 1, (const char *)in, n, &used);
		bad += g != w || used != n || memcmp(got, want, w);
	}
	CHECK(bad == 0);
}

/* CAP bounds the output, and what is taken is whole: a sequence is never split. */
static void test_bounds(void)
{
	char out[64];
	size_t used;
	memset(out, '#', sizeof out);
	size_t o = json_escape(out, 10, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9, &used);
	CHECK(o == 6 && used == 6); /* two whole euros; a third would not leave room for a NUL */
	CHECK(!memcmp(out, "\xe2\x82\xac\xe2\x82\xac", 6));
	bool untouched = true;
	for (size_t i = 6; i < sizeof out; i++)
		untouched &= out[i] == '#';
	CHECK(untouched);
	o = json_escape(out, 6, "abc", 3, &used); /* less than one unit's room: nothing */
	CHECK(o == 0 && used == 0);
	o = json_escape(out, 6 * 3 + 1, "\x01\x02\x03", 3, &used);
	CHECK(o == 18 && used == 3);
}

static void test_buf_json_str(void)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	char in[3000];
	for (size_t i = 0; i < sizeof in; i += 3)
		memcpy(in + i, "\xe2\x82\xac", 3); /* straddles every internal chunk boundary */
	buf_json_str(&b, in, sizeof in);
	CHECK(!b.over && b.len == sizeof in + 2 && b.p[0] == '"' && b.p[b.len - 1] == '"');
	CHECK(!memcmp(b.p + 1, in, sizeof in));
	buf_reset(&b);
	buf_json_str(&b, "", 0);
	CHECK(!strcmp(b.p, "\"\""));
	buf_free(&b);
	buf_init(&b, 8); /* the limit: marked over, never past max */
	buf_json_str(&b, "\x01\x01", 2);
	CHECK(b.over && b.len <= 8);
	buf_free(&b);
}

int main(void)
{
	test_escapes();
	test_utf8();
	test_random_against_table();
	test_bounds();
	test_buf_json_str();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
