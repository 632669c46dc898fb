/* config_lifecycle.c — tend's lifecycle keys in [program:x]: readiness (ready=), health
 * checks (healthcheck=, health_*), the sd_notify watchdog (watchdog_sec=) and start
 * dependencies (depends_on=, restart_with=, ...). Values are checked here, names of other
 * programs once every program is loaded (config_resolve.c). Pure code. */
#include "config_keys.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "duration.h"
#include "regex.h"

#define DEFAULT_READY_TIMEOUT 90000   /* ms: systemd's default start timeout */
#define DEFAULT_READY_INTERVAL 250    /* ms: a polled readiness check, until it passes */
#define DEFAULT_HEALTH_INTERVAL 30000 /* ms: Docker's HEALTHCHECK defaults */
#define DEFAULT_HEALTH_TIMEOUT 30000
#define DEFAULT_HEALTH_RETRIES 3
#define DEFAULT_DEPENDS_TIMEOUT 300000 /* ms: room for a chain of slow starts, never forever */

void lifecycle_defaults(struct lifecycle *lc)
{
	*lc = (struct lifecycle){.ready_timeout = DEFAULT_READY_TIMEOUT, .ready_interval = DEFAULT_READY_INTERVAL,
				 .health_interval = DEFAULT_HEALTH_INTERVAL, .health_timeout = DEFAULT_HEALTH_TIMEOUT,
				 .health_retries = DEFAULT_HEALTH_RETRIES, .health_restart = true,
				 .depends_timeout = DEFAULT_DEPENDS_TIMEOUT};
}

/* "HOST:PORT", "[V6]:PORT" or "PORT" (loopback) into a numeric host and a port. */
static int parse_hostport(const char *v, size_t n, struct probe_spec *ps, struct key_ctx *kc, char *why, size_t whylen)
{
	char host[64] = "127.0.0.1", num[8];
	unsigned char addr[16];
	const char *port = v, *colon = memrchr(v, ':', n);
	size_t pl = n;
	if (colon) {
		const char *h = v;
		size_t hl = (size_t)(colon - v);
		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
			h++, hl -= 2;
		if (hl >= sizeof host)
			return snprintf(why, whylen, "address too long"), -1;
		if (hl)
			memcpy(host, h, hl), host[hl] = 0;
		port = colon + 1;
		pl = n - (size_t)(port - v);
	}
	if (!strcasecmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
		return snprintf(why, whylen, "'%.60s' is not a numeric address or localhost (tend does no DNS lookup)", host), -1;
	long long pn;
	if (!pl || pl >= sizeof num || (memcpy(num, port, pl), num[pl] = 0, parse_int(num, 1, 65535, &pn)))
		return snprintf(why, whylen, "'%.*s' is not a port 1-65535", (int)(pl > 20 ? 20 : pl), port), -1;
	ps->port = (int)pn;
	return (ps->host = arena_strdup(kc->mem, host)) ? 0 : (snprintf(why, whylen, "out of memory"), -1);
}

/* http://HOST[:PORT][/PATH] */
static int parse_http(const char *v, struct probe_spec *ps, struct key_ctx *kc, char *why, size_t whylen)
{
	const char *hp = v + 7, *slash = strchr(hp, '/');
	size_t n = slash ? (size_t)(slash - hp) : strlen(hp);
	char buf[80];
	if (!n)
		return snprintf(why, whylen, "the URL has no host"), -1;
	if (!memchr(hp, ':', n) || hp[n - 1] == ']') { /* no port: 80 */
		if (n + 4 > sizeof buf)
			return snprintf(why, whylen, "address too long"), -1;
		snprintf(buf, sizeof buf, "%.*s:80", (int)n, hp);
		hp = buf;
		n += 3;
	}
	ps->kind = PROBE_HTTP;
	if (parse_hostport(hp, n, ps, kc, why, whylen))
		return -1;
	const char *path = slash ? slash : "/";
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return snprintf(why, whylen, "the URL path must not contain spaces or control characters"), -1;
	return (ps->arg = arena_strdup(kc->mem, path)) ? 0 : (snprintf(why, whylen, "out of memory"), -1);
}

static int parse_probe(const char *key, const char *v, bool is_ready, struct probe_spec *ps, struct key_ctx *kc,
		       char *why, size_t whylen)
{
	*ps = (struct probe_spec){0};
	long long fd;
	if (!strcmp(v, "notify"))
		return ps->kind = PROBE_NOTIFY, 0;
	if (!strncmp(v, "tcp:", 4))
		return ps->kind = PROBE_TCP, parse_hostport(v + 4, strlen(v + 4), ps, kc, why, whylen);
	if (!strncmp(v, "http://", 7))
		return parse_http(v, ps, kc, why, whylen);
	if (!strncmp(v, "exec:", 5) && v[5]) {
		ps->kind = PROBE_EXEC;
		return (ps->arg = arena_strdup(kc->mem, v + 5)) ? 0 : (snprintf(why, whylen, "out of memory"), -1);
	}
	if (is_ready && !strncmp(v, "fd:", 3)) {
		if (parse_int(v + 3, 3, 1023, &fd))
			return snprintf(why, whylen, "ready=fd:N needs a descriptor number 3-1023 (0-2 are stdio)"), -1;
		return ps->kind = PROBE_FD, ps->fd = (int)fd, 0;
	}
	if (is_ready && !strncmp(v, "log:", 4) && v[4]) {
		char err[128];
		struct rx *re = rx_compile(v + 4, err, sizeof err);
		if (!re)
			return snprintf(why, whylen, "ready=log: bad regular expression: %s", err), -1;
		rx_free(re);
		ps->kind = PROBE_LOG;
		return (ps->arg = arena_strdup(kc->mem, v + 4)) ? 0 : (snprintf(why, whylen, "out of memory"), -1);
	}
	if (!strncmp(v, "https://", 8))
		return snprintf(why, whylen, "%s: https is not supported (use http:// or tcp:)", key), -1;
	return snprintf(why, whylen, "invalid value '%.200s' for key '%s' (expected %s)", v, key,
			is_ready ? "fd:N, notify, tcp:HOST:PORT, http://HOST:PORT/PATH, exec:CMD or log:REGEX"
				 : "exec:CMD, tcp:HOST:PORT, http://HOST:PORT/PATH or notify"), -1;
}

static int parse_duration(const char *key, const char *v, bool zero_ok, long long *out, char *why, size_t whylen)
{
	long long ms = duration_ms(v);
	if (ms < 0 || (!zero_ok && ms == 0))
		return snprintf(why, whylen, "invalid value '%.100s' for key '%s' (expected a duration in seconds such as 2, 0.25, 250ms, 2s or 1m%s)",
				v, key, zero_ok ? "" : ", above 0"), -1;
	*out = ms;
	return 0;
}

static int store_raw(char **dst, const char *v, struct key_ctx *kc, char *why, size_t whylen)
{
	*dst = *v ? arena_strdup(kc->mem, v) : NULL;
	return *v && !*dst ? (snprintf(why, whylen, "out of memory"), -1) : 0;
}

int apply_lifecycle_key(struct program *p, const char *key, const char *v, struct key_ctx *kc, char *why,
			size_t whylen)
{
	struct lifecycle *lc = &p->lc;
	long long n;
	if (!strcmp(key, "ready"))
		return parse_probe(key, v, true, &lc->ready, kc, why, whylen);
	if (!strcmp(key, "healthcheck"))
		return parse_probe(key, v, false, &lc->health, kc, why, whylen);
	if (!strcmp(key, "ready_timeout"))
		return parse_duration(key, v, false, &lc->ready_timeout, why, whylen);
	if (!strcmp(key, "ready_interval"))
		return parse_duration(key, v, false, &lc->ready_interval, why, whylen);
	if (!strcmp(key, "health_interval"))
		return parse_duration(key, v, false, &lc->health_interval, why, whylen);
	if (!strcmp(key, "health_timeout"))
		return parse_duration(key, v, false, &lc->health_timeout, why, whylen);
	if (!strcmp(key, "health_start_period"))
		return parse_duration(key, v, true, &lc->health_start, why, whylen);
	if (!strcmp(key, "watchdog_sec"))
		return parse_duration(key, v, true, &lc->watchdog, why, whylen);
	if (!strcmp(key, "depends_timeout"))
		return parse_duration(key, v, false, &lc->depends_timeout, why, whylen);
	if (!strcmp(key, "health_retries")) {
		if (parse_int(v, 1, 1000000, &n))
			return snprintf(why, whylen, "invalid value '%.100s' for key '%s' (expected an integer 1..1000000)", v, key), -1;
		return lc->health_retries = (int)n, 0;
	}
	if (!strcmp(key, "health_action")) {
		if (strcasecmp(v, "restart") && strcasecmp(v, "none"))
			return snprintf(why, whylen, "invalid value '%.100s' for key '%s' (expected restart or none)", v, key), -1;
		return lc->health_restart = !strcasecmp(v, "restart"), 0;
	}
	if (!strcmp(key, "on_dependency_failure")) {
		if (strcasecmp(v, "stop") && strcasecmp(v, "keep"))
			return snprintf(why, whylen, "invalid value '%.100s' for key '%s' (expected stop or keep)", v, key), -1;
		return lc->dep_fail_stop = !strcasecmp(v, "stop"), 0;
	}
	if (!strcmp(key, "depends_on"))
		return store_raw(&lc->depends_raw, v, kc, why, whylen);
	return store_raw(&lc->restart_with_raw, v, kc, why, whylen); /* restart_with */
}

static bool same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool probe_equal(const struct probe_spec *a, const struct probe_spec *b)
{
	return a->kind == b->kind && a->fd == b->fd && a->port == b->port && same_str(a->host, b->host) &&
	       same_str(a->arg, b->arg);
}

/* The programs named are compared by name: A and B belong to different configs. */
static bool same_program(const struct program *a, const struct program *b)
{
	return !strcmp(a->group, b->group) && !strcmp(a->name, b->name);
}

bool lifecycle_equal(const struct lifecycle *a, const struct lifecycle *b)
{
	if (!probe_equal(&a->ready, &b->ready) || !probe_equal(&a->health, &b->health) ||
	    a->ready_timeout != b->ready_timeout || a->ready_interval != b->ready_interval ||
	    a->health_interval != b->health_interval || a->health_timeout != b->health_timeout ||
	    a->health_start != b->health_start || a->health_retries != b->health_retries ||
	    a->health_restart != b->health_restart || a->watchdog != b->watchdog || a->ndeps != b->ndeps ||
	    a->nrestart_with != b->nrestart_with || a->depends_timeout != b->depends_timeout ||
	    a->dep_fail_stop != b->dep_fail_stop)
		return false;
	for (int i = 0; i < a->ndeps; i++)
		if (a->deps[i].cond != b->deps[i].cond || !same_program(a->deps[i].on, b->deps[i].on))
			return false;
	for (int i = 0; i < a->nrestart_with; i++)
		if (!same_program(a->restart_with[i], b->restart_with[i]))
			return false;
	return true;
}

static void print_probe(FILE *f, const char *key, const struct probe_spec *ps)
{
	static const char *const kinds[] = {"", "fd:", "notify", "tcp:", "http://", "exec:", "log:"};
	if (ps->kind == PROBE_NONE)
		return;
	fprintf(f, "  %-13s%s", key, kinds[ps->kind]);
	if (ps->kind == PROBE_FD)
		fprintf(f, "%d", ps->fd);
	else if (ps->kind == PROBE_TCP || ps->kind == PROBE_HTTP)
		fprintf(f, strchr(ps->host, ':') ? "[%s]:%d" : "%s:%d", ps->host, ps->port);
	if (ps->arg)
		fputs(ps->arg, f);
	fputc('\n', f);
}

/* "group" of a namespec, empty when the process is its own group (as supervisorctl names it) */
static const char *print_group(const struct program *p)
{
	return strcmp(p->group, p->name) ? p->group : "";
}

/* `tend --check`: only what is set, so configs without lifecycle keys print as before. */
void lifecycle_print(FILE *f, const struct lifecycle *lc)
{
	print_probe(f, "ready", &lc->ready);
	if (lc->ready.kind != PROBE_NONE)
		fprintf(f, "  %-13stimeout %lldms, interval %lldms\n", "ready wait", lc->ready_timeout, lc->ready_interval);
	print_probe(f, "healthcheck", &lc->health);
	if (lc->health.kind != PROBE_NONE && lc->health.kind != PROBE_NOTIFY)
		fprintf(f, "  %-13sinterval %lldms, timeout %lldms, retries %d, start period %lldms, action %s\n", "health",
			lc->health_interval, lc->health_timeout, lc->health_retries, lc->health_start,
			lc->health_restart ? "restart" : "none");
	if (lc->watchdog)
		fprintf(f, "  %-13s%lldms\n", "watchdog_sec", lc->watchdog);
	if (lc->ndeps) {
		fprintf(f, "  %-13s", "depends_on");
		for (int i = 0; i < lc->ndeps; i++)
			fprintf(f, "%s%s%s%s:%s", i ? ", " : "", print_group(lc->deps[i].on),
				*print_group(lc->deps[i].on) ? ":" : "", lc->deps[i].on->name, dep_cond_name(lc->deps[i].cond));
		fprintf(f, " (timeout %lldms, on failure %s)\n", lc->depends_timeout, lc->dep_fail_stop ? "stop" : "keep");
	}
	for (int i = 0; i < lc->nrestart_with; i++)
		fprintf(f, "%s%s%s%s%s", i ? ", " : "  restart_with ", print_group(lc->restart_with[i]),
			*print_group(lc->restart_with[i]) ? ":" : "", lc->restart_with[i]->name,
			i == lc->nrestart_with - 1 ? "\n" : "");
}
