/* fuzz_notify.c — libFuzzer target for notify_msg.c, the sd_notify datagram parser (a
 * service's untrusted bytes): never reads outside the message, every field it returns is
 * in range, and STATUS= points inside the message.
 *
 *   make fuzz FUZZ_SECONDS=60     (clang -fsanitize=fuzzer,address,undefined)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) ((c) ? (void)0 : abort())

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *msg = malloc(size + 1); /* exactly sized: ASan sees any overrun */
	if (!msg)
		return 0;
	memcpy(msg, data, size);
	msg[size] = 0;
	struct notify_msg m;
	notify_parse(msg, size, &m);
	ASSERT(m.mainpid >= -1 && m.errno_value >= -1 && m.watchdog_usec >= -1 && m.extend_usec >= -1);
	ASSERT(m.mainpid <= (1LL << 53) && m.watchdog_usec <= (1LL << 53));
	ASSERT(m.watchdog == WD_NONE || m.watchdog == WD_PING || m.watchdog == WD_TRIGGER);
	if (m.status) {
		ASSERT(m.status >= msg && m.status <= msg + size);
		ASSERT(strlen(m.status) <= (size_t)(msg + size - m.status));
		ASSERT(!strchr(m.status, '\n'));
	}
	free(msg);
	return 0;
}
