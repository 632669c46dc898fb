/* log_format.h — how tend's console lines look: text ("[tend] msg", "name | line"), text
 * with a time stamp in front, or one JSON object a line (docs/logging.md). */
#pragma once
#include "tend.h"

#define LOG_OWN_MAX 1024                   /* a message of tend's own is cut to this */
#define LOG_OWN_LINE (6 * LOG_OWN_MAX + 128) /* room for its console line, JSON included */
#define LOG_ERROR (-1)                     /* die()'s level: "tend: ..." */

/* --log-format, --log-timestamps; else TEND_LOG_FORMAT, TEND_LOG_TIMESTAMPS (a bad value:
 * exit 2); else the [supervisord] keys; else text without stamps. Once, at start-up. */
void log_format_init(struct tend *t);
/* "2026-12-04T18:00:00.123Z" (RFC 3339, UTC, ms) into OUT (32 bytes); returns its length. */
size_t time_stamp(char *out, long long wall_ms);
/* What starts a console line now, into OUT (48 bytes): nothing, "STAMP " (timestamps),
 * or {"time":"STAMP (JSON: the caller goes on with `","key":...`). Returns its length. */
size_t log_head(const struct tend *t, char *out);
/* tend's own message MSG (N <= LOG_OWN_MAX bytes) at LEVEL (LOG_ERROR, V_*): the rest of
 * its JSON line after log_head(), into OUT (LOG_OWN_LINE - 48 bytes); returns its length. */
size_t log_own_json(const struct tend *t, int level, const char *msg, size_t n, char *out);
