/* ctl_top.c — `tend ctl top`: each service's tree use, refreshed like top(1), and the same
 * numbers for `status --json`. Both read the server's GET /metrics (the one place they are
 * computed); the refresh timer is the client's (it sleeps in ppoll between requests). */
#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "intparse.h"
#include "metrics.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* the families shown, in the order of struct row's v[] */
static const unsigned char shown[] = {M_CPU, M_RSS, M_PSS, M_PROCS, M_FDS, M_STATE};
enum { U_CPU, U_RSS, U_PSS, U_PROCS, U_FDS, U_STATE, U_N };

struct row {
	char name[256], state[16];
	double v[U_STATE], pct; /* pct < 0: no earlier sample */
	double key;             /* what the table is sorted by */
};

/* A sample's value as tend prints it (%.15g): strtod without libc's float scanner. */
static double num(const char *s, char **end)
{
	const char *p = s + (*s == '-');
	double x = 0, scale = 1;
	for (; *p >= '0' && *p <= '9'; p++)
		x = x * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			x += (*p - '0') * (scale /= 10);
	for (long long e = *p == 'e' ? str_to_ll(p + 1, (char **)&p, 10) : 0; e; e += e > 0 ? -1 : 1)
		x = e > 0 ? x * 10 : x / 10;
	if (end)
		*end = (char *)p;
	return *s == '-' ? -x : x;
}

/* A label's value up to its closing quote, unescaped into OUT; returns what follows. */
static const char *label(const char *p, char *out, size_t len)
{
	size_t n = 0;
	for (; *p && *p != '"'; p++) {
		char ch = *p;
		if (ch == '\\' && p[1])
			ch = *++p == 'n' ? '\n' : *p;
		if (n + 1 < len)
			out[n++] = ch;
	}
	out[n] = 0;
	return *p ? p + 1 : p;
}

/* One sample line of a family we show into ROWS (a new row per new service). tend writes
 * them as tend_NAME{service="NAMESPEC"[,state="STATE"]} VALUE. */
static void parse_line(char *l, struct row **rows, size_t *n)
{
	const char *p = strchr(l, '{'), *f = "";
	char svc[256], st[16] = "";
	int k = 0;
	if (!p || strncmp(l, "tend_", 5) || strncmp(p, "{service=\"", 10))
		return;
	for (size_t len = (size_t)(p - l - 5); k < U_N; k++) /* "NAME TYPE HELP" */
		if (f = metric_fams[shown[k]], !strncmp(l + 5, f, len) && f[len] == ' ')
			break;
	p = label(p + 10, svc, sizeof svc);
	if (!strncmp(p, ",state=\"", 8))
		p = label(p + 8, st, sizeof st);
	if (k == U_N || *p != '}')
		return;
	double x = num(p + 2, NULL); /* after "} " */
	size_t i = 0;
	while (i < *n && strcmp((*rows)[i].name, svc))
		i++;
	if (i == *n) {
		struct row *r = realloc(*rows, (*n + 1) * sizeof *r);
		if (!r)
			return;
		*rows = r;
		r[i] = (struct row){.pct = -1};
		snprintf(r[i].name, sizeof r[i].name, "%s", svc);
		++*n;
	}
	if (k < U_STATE)
		(*rows)[i].v[k] = x;
	else if (x == 1)
		snprintf((*rows)[i].state, sizeof (*rows)[i].state, "%s", st);
}

/* GET /metrics into rows. Returns the count, -1 if the server did not answer with them
 * (*intr set when Ctrl-C came meanwhile). */
static int fetch(struct ctl *c, struct row **rows, bool *intr)
{
	struct buf text;
	size_t n = 0;
	int status = 0;
	buf_init(&text, CTL_MAX_REPLY);
	c->get_buf = &text;
	*intr = ctl_get(c, "/metrics", &status) == 1;
	c->get_buf = NULL;
	*rows = NULL;
	buf_put(&text, "", 1);
	for (char *save = NULL, *l = status == 200 && !text.over ? strtok_r(text.p, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		parse_line(l, rows, &n);
	buf_free(&text);
	return status == 200 ? (int)n : -1;
}

void ctl_status_json(struct ctl *c, const struct xv **infos, size_t n)
{
	struct row *rows = NULL;
	bool intr;
	int m = c->tend_mode ? fetch(c, &rows, &intr) : -1;
	buf_puts(&c->jdoc, "[");
	for (size_t i = 0; i < n; i++) {
		buf_puts(&c->jdoc, i ? ", " : "");
		cj_value(&c->jdoc, infos[i]);
		const char *spec = ctl_namespec(c, xv_str(infos[i], "group"), xv_str(infos[i], "name"));
		for (int k = 0; k < m; k++)
			if (!strcmp(rows[k].name, spec)) {
				const double *v = rows[k].v;
				c->jdoc.len--; /* into the struct: its closing brace goes after these */
				buf_printf(&c->jdoc, ", \"cpu\": %.15g, \"rss\": %.15g, \"pss\": %.15g, \"processes\": %.15g, "
					   "\"fds\": %.15g}", v[U_CPU], v[U_RSS], v[U_PSS], v[U_PROCS], v[U_FDS]);
				break;
			}
	}
	buf_puts(&c->jdoc, "]");
	free(rows);
}

static int cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->key != y->key ? (x->key < y->key ? 1 : -1) : strcmp(x->name, y->name);
}

static void show(const struct row *r, int n, bool tty)
{
	int w = 20;
	for (int i = 0; i < n; i++)
		w = (int)strlen(r[i].name) > w ? (int)strlen(r[i].name) : w;
	printf("%s%-*s %-9s %6s %9s %10s %10s %6s %6s\n", tty ? "\033[H\033[2J" : "", w, "NAME", "STATE", "CPU%",
	       "CPU-S", "RSS-KIB", "PSS-KIB", "PROCS", "FDS");
	for (int i = 0; i < n; i++) {
		char pct[16] = "-";
		if (r[i].pct >= 0)
			snprintf(pct, sizeof pct, "%.1f", r[i].pct);
		printf("%-*s %-9s %6s %9.2f %10.0f %10.0f %6.0f %6.0f\n", w, r[i].name, r[i].state, pct, r[i].v[U_CPU],
		       r[i].v[U_RSS] / 1024, r[i].v[U_PSS] / 1024, r[i].v[U_PROCS], r[i].v[U_FDS]);
	}
	printf(tty ? "" : "\n");
	fflush(stdout);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* DELAY seconds, or until a key (q: false) or Ctrl-C (false). */
static bool pause_for(double delay, bool tty, const sigset_t *wait)
{
	struct pollfd p = {.fd = tty ? 0 : -1, .events = POLLIN};
	long long ms = (long long)(delay * 1000);
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
	char ch = 0;
	int r = ppoll(&p, 1, &ts, wait);
	return r == 0 || (r > 0 && read(0, &ch, 1) == 1 && ch != 'q' && ch != 'Q');
}

static int top_loop(struct ctl *c, double delay, long iters, bool by_mem, const sigset_t *wait)
{
	bool tty = isatty(1), intr = false;
	struct row *prev = NULL, *rows = NULL;
	int np = 0;
	double t_prev = 0;
	for (long it = 0; iters < 0 || it < iters; it++) {
		int n = fetch(c, &rows, &intr);
		double now = mono();
		if (intr)
			break;
		if (n < 0) {
			fprintf(stderr, "top: no metrics from %s\n", c->serverurl);
			c->exitstatus = EXIT_GENERIC;
			break;
		}
		for (int i = 0; i < n; i++)
			for (int k = 0; k < np; k++)
				if (!strcmp(prev[k].name, rows[i].name) && now > t_prev)
					rows[i].pct = (rows[i].v[U_CPU] - prev[k].v[U_CPU]) * 100 / (now - t_prev);
		for (int i = 0; i < n; i++) /* CPU%; the first table has only CPU seconds */
			rows[i].key = by_mem ? rows[i].v[U_RSS] : rows[i].pct >= 0 ? rows[i].pct : rows[i].v[U_CPU];
		qsort(rows, (size_t)n, sizeof *rows, cmp);
		show(rows, n, tty);
		free(prev);
		prev = rows, np = n, t_prev = now;
		rows = NULL;
		if ((iters < 0 || it + 1 < iters) && !pause_for(delay, tty && isatty(0), wait))
			break;
	}
	free(prev);
	free(rows);
	return 0;
}

/* tend ctl top [-d SECS] [-n N] [-o cpu|mem] */
int cmd_top(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	double delay = 2;
	long iters = -1;
	bool by_mem = false;
	for (int i = 0; i < n; i++) {
		const char *v = i + 1 < n ? w[i + 1] : "";
		char *end = NULL;
		if (!strcmp(w[i], "-d") && (delay = num(v, &end)) >= 0.1 && end != v && !*end)
			i++;
		else if (!strcmp(w[i], "-n") && (iters = str_to_ll(v, &end, 10)) > 0 && end != v && !*end)
			i++;
		else if (!strcmp(w[i], "-o") && (!strcmp(v, "cpu") || !strcmp(v, "mem")))
			by_mem = !strcmp(w[++i], "mem");
		else {
			ctl_out(c, "Error: bad argument %s", w[i]);
			c->exitstatus = EXIT_INVALID_ARGS;
			ctl_help(c, "top");
			return 0;
		}
	}
	c->json = false; /* the table is the output */
	struct termios old, raw;
	bool term = isatty(0) && isatty(1) && tcgetattr(0, &old) == 0;
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	if (term)
		tcsetattr(0, TCSANOW, &raw); /* q without Enter */
	struct ctl_sigint g;
	ctl_sigint_catch(&g);
	top_loop(c, delay, iters, by_mem, &g.wait);
	ctl_sigint_restore(&g);
	if (term)
		tcsetattr(0, TCSANOW, &old);
	return 0;
}
