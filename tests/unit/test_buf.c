/* test_buf.c — the bounded buffer: growth, the hard limit, the sticky `over`. */
#include <string.h>

#include "buf.h"
#include "check.h"

static void test_grow(void)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	CHECK(b.p == NULL && b.len == 0 && !b.over);
	CHECK(buf_put(&b, "", 0));
	CHECK(b.p && b.p[0] == 0 && b.len == 0);
	bool ok = true;
	for (int i = 0; i < 10000; i++)
		ok &= buf_puts(&b, "0123456789");
	CHECK(ok);
	CHECK(b.len == 100000 && b.p[b.len] == 0 && !b.over);
	CHECK(!memcmp(b.p + 99990, "0123456789", 10));
	CHECK(b.cap >= b.len + 1);
	buf_consume(&b, 99995);
	CHECK(b.len == 5 && !strcmp(b.p, "56789"));
	buf_consume(&b, 100);
	CHECK(b.len == 0 && !b.p && !b.cap); /* a big buffer that empties gives its memory back */
	CHECK(buf_printf(&b, "%d-%s", 42, "x"));
	CHECK(!strcmp(b.p, "42-x") && b.len == 4);
	char big[1000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	CHECK(buf_printf(&b, "[%s]", big)); /* longer than printf's first try */
	CHECK(b.len == 4 + 1001 && b.p[4] == '[' && b.p[b.len - 1] == ']' && b.p[b.len] == 0);
	buf_reset(&b);
	CHECK(b.len == 0 && b.p && b.p[0] == 0 && !b.over);
	buf_free(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
	buf_consume(&b, 3); /* on an empty buffer: nothing */
	CHECK(b.p == NULL);
}

static void test_limit(void)
{
	struct buf b;
	buf_init(&b, 10);
	CHECK(buf_put(&b, "0123456789", 10)); /* exactly max */
	CHECK(b.len == 10 && !b.over && b.p[10] == 0);
	CHECK(!buf_put(&b, "x", 1));
	CHECK(b.over && b.len == 10 && !strcmp(b.p, "0123456789"));
	buf_consume(&b, 5);
	CHECK(!buf_put(&b, "x", 1)); /* sticky, even with room again */
	CHECK(!buf_puts(&b, ""));
	CHECK(!buf_printf(&b, "%d", 1));
	CHECK(b.len == 5 && b.over);
	buf_reset(&b);
	CHECK(!b.over && buf_puts(&b, "abc") && !strcmp(b.p, "abc"));
	CHECK(!buf_printf(&b, "%s", "12345678")); /* 3 + 8 > 10 */
	CHECK(b.over && b.len == 3 && !strcmp(b.p, "abc"));
	buf_reset(&b);
	CHECK(!buf_put(&b, "x", (size_t)-1)); /* no overflow in the size check */
	CHECK(b.over);
	buf_free(&b);

	buf_init(&b, 0);
	CHECK(buf_put(&b, "", 0) && b.p && b.p[0] == 0);
	CHECK(!buf_put(&b, "a", 1) && b.over);
	buf_free(&b);
}

int main(void)
{
	test_grow();
	test_limit();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
