/* log_format.c — see log_format.h. The JSON strings are json_escape()'s (buf.c), the one
 * escaper the control plane uses too. */
#include "log_format.h"
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Append the literal S at P; the end. (musl's stpcpy would cost more than these calls.) */
#define PUT(p, s) (memcpy(p, s, sizeof s - 1), (p) + sizeof s - 1)

size_t time_stamp(char *out, long long wall_ms)
{
	time_t sec = (time_t)(wall_ms / 1000);
	struct tm tm = {0};
	gmtime_r(&sec, &tm);
	int n = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
	return n < 32 ? (size_t)n : 31;
}

size_t log_head(const struct tend *t, char *out)
{
	struct timespec ts;
	char *p = out;
	if (!t->log_json && !t->log_ts)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t->log_json)
		p = PUT(p, "{\"time\":\"");
	p += time_stamp(p, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
	if (!t->log_json)
		*p++ = ' ';
	return (size_t)(p - out);
}

/* "NAME: ..." where NAME is a configured service: the message is about it. */
static size_t service_named(const struct tend *t, const char *msg, size_t n)
{
	for (int i = 0; t->cfg && i < t->cfg->nprogs; i++) {
		const char *name = t->cfg->progs[i].name;
		size_t k = strlen(name);
		if (k + 2 < n && !memcmp(msg, name, k) && msg[k] == ':' && msg[k + 1] == ' ')
			return k;
	}
	return 0;
}

size_t log_own_json(const struct tend *t, int level, const char *msg, size_t n, char *out)
{
	static const char names[][7] = {"error", "notice", "notice", "info", "debug"}; /* from LOG_ERROR */
	size_t used, k = service_named(t, msg, n);
	char *p = out + sprintf(out, "\",\"level\":\"%s\",\"", names[(level < V_DEBUG ? level : V_DEBUG) + 1]);
	if (k) {
		p = PUT(p, "service\":\"");
		p += json_escape(p, 6 * k + 1, msg, k, &used);
		p = PUT(p, "\",\"");
		msg += k + 2;
		n -= k + 2;
	}
	p = PUT(p, "msg\":\"");
	p += json_escape(p, 6 * n + 1, msg, n, &used);
	return (size_t)(PUT(p, "\"}\n") - out);
}

void log_format_init(struct tend *t)
{
	unsigned char r[2];
	if (t->opt.persona != PERSONA_TEND)
		return; /* tini's and dumb-init's lines stay theirs */
	for (int i = 0; i < 2; i++) {
		const char *v = getenv(log_setting[i][1]);
		int c = v && *v ? log_choice(v, i) : 0;
		if (c < 0)
			die(t, 2, "%s: invalid value '%.100s' (expected %s)", log_setting[i][1], v, log_setting[i][2]);
		r[i] = t->opt.log[i] ? t->opt.log[i] : c ? (unsigned char)c : t->cfg ? t->cfg->log[i] : 0;
	}
	t->log_json = r[LOG_FORMAT] == LOG_CHOICE_ON;
	t->log_ts = r[LOG_STAMPS] == LOG_CHOICE_ON;
}
