/* config_fixture.h — what the config unit tests share: a temporary directory, files
 * written into it, loads that must fail with "FILE:LINE: ..." or succeed with N
 * processes, and a watchdog for cases that used to hang. Include after check.h. */
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define CHECK_STR(a, b)                                                                         \
	do {                                                                                    \
		const char *a_ = (a), *b_ = (b);                                                \
		if (a_ && b_ && !strcmp(a_, b_))                                                \
			passed++;                                                               \
		else {                                                                          \
			failed++;                                                               \
			fprintf(stderr, "%s:%d: CHECK_STR failed: %s is \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
		}                                                                               \
	} while (0)

static char dir[64];    /* the temporary directory */
static char mainp[128]; /* dir/main.conf */
static char err[2048];
static char *warnings;  /* what the last load wrote to `warn` */

static inline const char *at(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

/* What --check prints for C (malloc'd). */
static inline char *print_of(const struct config *c)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	config_print(c, f);
	fclose(f);
	return out;
}

static inline void put(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");
	if (!f) {
		perror(at(name));
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static inline int load_path(const char *path, struct config *c)
{
	size_t len;
	free(warnings);
	FILE *w = open_memstream(&warnings, &len);
	err[0] = 0;
	int rc = config_load(path, c, err, sizeof err, w);
	fclose(w);
	return rc;
}

static inline int load(const char *text, struct config *c)
{
	put("main.conf", text);
	return load_path(mainp, c);
}

/* The text must fail to load, with "FILE:LINE: " first and SUB in the message. */
static inline void expect_error_in(const char *file, int line, const char *text, const char *sub, int srcline)
{
	struct config c;
	char prefix[300];
	if (line > 0)
		snprintf(prefix, sizeof prefix, "%s:%d: ", file, line);
	else
		snprintf(prefix, sizeof prefix, "%s: ", file);
	int rc = load(text, &c);
	if (rc == -1 && !strncmp(err, prefix, strlen(prefix)) && strstr(err, sub) && c.nprogs == 0 && !c.progs) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "%s:%d: expected error \"%s...%s\", got rc=%d err=\"%s\"\n", __FILE__, srcline, prefix, sub, rc, err);
	if (rc == 0)
		config_free(&c);
}
#define EXPECT_ERROR(line, text, sub) expect_error_in(mainp, line, text, sub, __LINE__)

/* Loads TEXT, which must succeed with N processes. */
static inline int load_ok(const char *text, struct config *c, int n, int srcline)
{
	if (load(text, c)) {
		failed++;
		fprintf(stderr, "%s:%d: load failed: %s\n", __FILE__, srcline, err);
		return -1;
	}
	if (c->nprogs != n) {
		failed++;
		fprintf(stderr, "%s:%d: %d processes, expected %d\n", __FILE__, srcline, c->nprogs, n);
		config_free(c);
		return -1;
	}
	passed++;
	return 0;
}
#define LOAD_OK(text, c, n) load_ok(text, c, n, __LINE__)

static inline int argv_is(char **argv, ...)
{
	va_list ap;
	va_start(ap, argv);
	int i = 0, ok = 1;
	for (const char *s; (s = va_arg(ap, const char *)); i++)
		if (!argv || !argv[i] || strcmp(argv[i], s)) {
			ok = 0;
			break;
		}
	va_end(ap);
	if (ok && argv[i])
		ok = 0;
	if (!ok) {
		fprintf(stderr, "  argv was:");
		for (int j = 0; argv && argv[j]; j++)
			fprintf(stderr, " [%s]", argv[j]);
		fprintf(stderr, "\n");
	}
	return ok;
}

static inline const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);
	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static const char *watchdog_what;

static inline void watchdog_fired(int sig)
{
	(void)sig;
	static const char msg[] = "watchdog: still running after the deadline: ";
	if (write(2, msg, sizeof msg - 1) < 0 || write(2, watchdog_what, strlen(watchdog_what)) < 0 || write(2, "\n", 1) < 0)
		_exit(3);
	_exit(3);
}

/* A case that used to hang or take minutes: fail the whole test program (exit 3) if it is
 * still running after SECS, generous (the fixed code takes milliseconds), instead of
 * hanging `make unit`. watchdog(0, NULL) disarms. Not a timing assertion: no duration is
 * compared, the deadline only turns "for ever" into a failure. */
static inline void watchdog(unsigned secs, const char *what)
{
	watchdog_what = what ? what : "";
	signal(SIGALRM, watchdog_fired);
	alarm(secs);
}

static inline int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* The directory for a test program's cases; the program's main() calls this. */
static inline int fixture_run(const char *name, void (*cases)(void))
{
	snprintf(dir, sizeof dir, "/tmp/tend-test-%s-XXXXXX", name);
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 2;
	snprintf(mainp, sizeof mainp, "%s/main.conf", dir);
	cases();
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(warnings);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
