/* fuzz_config.c — libFuzzer target for the config loader: ini.c, expand.c, config*.c,
 * envlist.c, arena.c, pathname.c, pathglob.c, through includes and expansions.
 *
 * An input is one or more files separated by a line "#@" (a comment to the INI lexer,
 * so seeds stay readable): the first is main.conf, the others inc/f1.conf, inc/f2.conf...
 * main.conf starts with an [include] of every inc/f*.conf, which an [include] of the input
 * replaces (a later key wins). Each run loads it (relative paths against the private
 * directory), prints it and compares every program with itself, to /dev/null, and frees
 * it; LeakSanitizer checks that nothing is left.
 *
 *   make fuzz FUZZ_SECONDS=60     (clang -fsanitize=fuzzer,address,undefined)
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define MAX_FILES 8
#define SEPARATOR "\n#@\n"

static char root[64];
static char main_path[128];
static FILE *devnull;
static int files_before; /* inc/fN.conf left by the previous run */
static bool verbose;     /* FUZZ_CONFIG_VERBOSE=1: say what each input loaded to */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	char sub[128];
	snprintf(root, sizeof root, "/tmp/tend-fuzz-XXXXXX");
	if (!mkdtemp(root) || !(devnull = fopen("/dev/null", "w"))) {
		perror("fuzz_config: setup");
		exit(1);
	}
	snprintf(main_path, sizeof main_path, "%s/main.conf", root);
	snprintf(sub, sizeof sub, "%s/inc", root);
	mkdir(sub, 0755);
	snprintf(sub, sizeof sub, "%s/logs", root);
	mkdir(sub, 0755);
	setenv("HOME", root, 1);          /* ~ in log paths stays in here */
	setenv("TEND_FUZZ", "a,b=c d", 1); /* something for %(ENV_X)s */
	verbose = getenv("FUZZ_CONFIG_VERBOSE") != NULL;
	return 0;
}

static void write_file(const char *path, const char *prefix, const uint8_t *d, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	size_t np = strlen(prefix);
	if ((np && write(fd, prefix, np) != (ssize_t)np) || (n && write(fd, d, n) != (ssize_t)n))
		abort();
	close(fd);
}

static const uint8_t *find_sep(const uint8_t *p, const uint8_t *end)
{
	size_t n = sizeof SEPARATOR - 1;
	for (; end - p >= (ptrdiff_t)n; p++)
		if (!memcmp(p, SEPARATOR, n))
			return p;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	int nfiles = 0;
	char path[160];
	while (nfiles <= MAX_FILES) {
		const uint8_t *sep = find_sep(p, end), *stop = sep ? sep : end;
		if (nfiles == 0)
			write_file(main_path, "[include]\nfiles=inc/*.conf\n", p, (size_t)(stop - p));
		else {
			snprintf(path, sizeof path, "%s/inc/f%d.conf", root, nfiles);
			write_file(path, "", p, (size_t)(stop - p));
		}
		nfiles++;
		if (!sep)
			break;
		p = sep + sizeof SEPARATOR - 1;
	}
	for (int i = nfiles; i < files_before; i++) {
		snprintf(path, sizeof path, "%s/inc/f%d.conf", root, i);
		unlink(path);
	}
	files_before = nfiles;

	struct config c;
	char err[1024];
	if (config_load_in(root, "main.conf", &c, err, sizeof err, devnull) == 0) {
		if (verbose)
			fprintf(stderr, "loaded: %d processes\n", c.nprogs);
		config_print(&c, devnull);
		for (int i = 0; i < c.nprogs; i++)
			if (!program_equal(&c.progs[i], &c.progs[i]))
				abort(); /* a program is always equal to itself */
		config_free(&c);
	} else {
		if (verbose)
			fprintf(stderr, "error: %s\n", err);
		if (err[0] != '/') { /* every error starts with FILE: (all absolute here) */
			fprintf(stderr, "error without a file name: %s\n", err);
			abort();
		}
		for (const char *e = err; *e; e++)
			if ((unsigned char)*e < 0x20 || *e == 0x7f) {
				fprintf(stderr, "raw control byte 0x%02x in: %s\n", (unsigned char)*e, err);
				abort(); /* messages escape them */
			}
	}
	return 0;
}
