/* test_config.c — the supervisord-compatible config parser (config.c, ini.c, expand.c).
 * Each case writes config text into a temporary directory and loads it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"

static int passed, failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (cond)                                                                \
			passed++;                                                        \
		else {                                                                   \
			failed++;                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                        \
	} while (0)

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

static const char *at(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");
	if (!f) {
		perror(at(name));
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static int load_path(const char *path, struct config *c)
{
	size_t len;
	free(warnings);
	FILE *w = open_memstream(&warnings, &len);
	err[0] = 0;
	int rc = config_load(path, c, err, sizeof err, w);
	fclose(w);
	return rc;
}

static int load(const char *text, struct config *c)
{
	put("main.conf", text);
	return load_path(mainp, c);
}

/* The text must fail to load, with "FILE:LINE: " first and SUB in the message. */
static void expect_error_in(const char *file, int line, const char *text, const char *sub, int srcline)
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
static int load_ok(const char *text, struct config *c, int n, int srcline)
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

static int argv_is(char **argv, ...)
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

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);
	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static int count_exitcodes(const struct program *p)
{
	int n = 0;
	for (int i = 0; i < 256; i++)
		n += exitcode_expected(p, i);
	return n;
}

/* The command of a one-process config whose [program:p] has command=CMD. */
static int command_is(const char *cmd, ...)
{
	struct config c;
	char text[1024];
	snprintf(text, sizeof text, "[program:p]\ncommand=%s\n", cmd);
	if (load(text, &c)) {
		fprintf(stderr, "  load failed: %s\n", err);
		return 0;
	}
	va_list ap;
	va_start(ap, cmd);
	int i = 0, ok = c.nprogs == 1;
	for (const char *s; ok && (s = va_arg(ap, const char *)); i++)
		ok = c.progs[0].argv[i] && !strcmp(c.progs[0].argv[i], s);
	va_end(ap);
	ok = ok && !c.progs[0].argv[i];
	if (!ok)
		argv_is(c.progs[0].argv, NULL);
	config_free(&c);
	return ok;
}

/* The environment of a one-process config with environment=ENV; NULL if it failed. */
static char **env_of(const char *env, struct config *c)
{
	char text[1024];
	snprintf(text, sizeof text, "[program:p]\ncommand=x\nenvironment=%s\n", env);
	if (load(text, c))
		return NULL;
	return c->progs[0].env;
}

#include "test_config_cases.h"

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

int main(void)
{
	strcpy(dir, "/tmp/tend-test-config-XXXXXX");
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 2;
	snprintf(mainp, sizeof mainp, "%s/main.conf", dir);
	run_all_cases();
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(warnings);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
