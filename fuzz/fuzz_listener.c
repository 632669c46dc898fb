/* fuzz_listener.c — what an event listener writes, judged by listener_proto.c. The input
 * is split in pieces (a length byte, then that many bytes); after each piece a READY
 * listener is sent an event when the length byte's top bit says so. The invariants: the
 * buffer never holds more than its size, outcomes only come from the states that allow
 * them, and UNKNOWN is final. */
#include <stdint.h>
#include <stdlib.h>

#include "listener_proto.h"

struct seen {
	struct lsn_proto *l;
	enum lsn_state before;
};

static void on_outcome(void *ctx, enum lsn_outcome o, const char *line, size_t n)
{
	struct seen *s = ctx;
	(void)line;
	if (n > LSN_LINE_MAX)
		abort();
	if ((o == LO_OK || o == LO_REJECTED || o == LO_BAD_RESULT) && s->before != L_BUSY)
		abort();
	if (o == LO_READY && s->before == L_BUSY && s->l->state != L_READY)
		abort();
	s->before = s->l->state;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lsn_proto l;
	lsn_reset(&l);
	while (size) {
		size_t n = data[0] & 0x7f;
		int send = data[0] & 0x80;
		data++, size--;
		if (n > size)
			n = size;
		struct seen s = {&l, l.state};
		bool was_unknown = l.state == L_UNKNOWN;
		lsn_feed(&l, (const char *)data, n, on_outcome, &s);
		if (l.len >= sizeof l.buf || (was_unknown && l.state != L_UNKNOWN))
			abort();
		data += n, size -= n;
		if (send && l.state == L_READY)
			lsn_sent(&l);
	}
	return 0;
}
