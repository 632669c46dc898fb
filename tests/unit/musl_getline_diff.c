/* musl_getline_diff.c — src/getline.c against musl's own getdelim and getline: the same
 * input is read line by line through both, from a file (fopen "rbe", as passwd.c) and from
 * a pipe (as the shell's stdin), starting with a NULL buffer and with small given ones;
 * each call's return value, errno, ferror, feof and bytes (with the NUL after them) must
 * be the same. Also tend's ENOMEM and EINVAL paths (a realloc that fails): -1, the errno,
 * and the stream's error flag set, as musl sets it. Built by tests/test_getline.py with
 * musl-gcc -static and run in a scratch directory; prints one line per difference, exits 1 if any. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int realloc_fails = -1; /* the own realloc fails at this call (-1: never) */

static void *t_realloc(void *p, size_t n)
{
	if (realloc_fails >= 0 && realloc_fails-- == 0)
		return NULL;
	return realloc(p, n);
}

#define TEND_OWN_GETLINE
#define getdelim t_getdelim
#define getline t_getline
#define realloc t_realloc
#include "../../src/getline.c"
#undef getdelim
#undef getline
#undef realloc

static int bad, cases;

static FILE *source(const char *data, size_t len, int pipe_it, const char *path)
{
	if (!pipe_it) {
		FILE *w = fopen(path, "wb");
		if (!w || fwrite(data, 1, len, w) != len || fclose(w))
			return perror(path), exit(2), NULL;
		return fopen(path, "rbe");
	}
	int p[2];
	if (pipe(p) < 0)
		return perror("pipe"), exit(2), NULL;
	pid_t pid = fork();
	if (pid == 0) { /* writes in pieces, so reads see short counts */
		close(p[0]);
		for (size_t o = 0; o < len;) {
			size_t k = len - o < 7 ? len - o : 7 + o % 13;
			if (k > len - o)
				k = len - o;
			if (write(p[1], data + o, k) != (ssize_t)k)
				_exit(1);
			o += k;
		}
		_exit(0);
	}
	close(p[1]);
	return fdopen(p[0], "r");
}

static void compare(const char *name, const char *data, size_t len, int delim, int pipe_it, size_t start)
{
	FILE *a = source(data, len, pipe_it, "getline_a");
	FILE *b = source(data, len, pipe_it, "getline_b");
	if (!a || !b) {
		perror("open");
		exit(2);
	}
	char *sa = start ? malloc(start) : NULL, *sb = start ? malloc(start) : NULL;
	size_t na = start, nb = start;
	for (int call = 0;; call++) {
		cases++;
		errno = 0;
		ssize_t ra = delim == '\n' ? getline(&sa, &na, a) : getdelim(&sa, &na, delim, a);
		int ea = errno;
		errno = 0;
		ssize_t rb = delim == '\n' ? t_getline(&sb, &nb, b) : t_getdelim(&sb, &nb, delim, b);
		int eb = errno;
		if (ra != rb || ea != eb || !!ferror(a) != !!ferror(b) || !!feof(a) != !!feof(b) ||
		    (ra >= 0 && memcmp(sa, sb, (size_t)ra + 1))) {
			printf("%s delim %d pipe %d start %zu call %d: musl %zd errno %d ferror %d feof %d, tend %zd errno %d "
			       "ferror %d feof %d\n",
			       name, delim, pipe_it, start, call, ra, ea, !!ferror(a), !!feof(a), rb, eb, !!ferror(b),
			       !!feof(b));
			bad++;
			break;
		}
		if (ra < 0)
			break;
	}
	free(sa);
	free(sb);
	fclose(a);
	fclose(b);
	while (wait(NULL) > 0)
		;
}

/* A read error (EBADF: a write-only descriptor) after PUSHED bytes put back with ungetc:
 * -1 with the bytes so far, errno and the error flag from the failed read. */
static void read_error(const char *pushed)
{
	ssize_t r[2];
	int e[2], fe[2], eof[2];
	char *s[2] = {NULL, NULL};
	size_t n[2] = {0, 0};
	for (int own = 0; own < 2; own++) {
		FILE *f = fdopen(open("getline_a", O_WRONLY | O_CREAT | O_CLOEXEC, 0600), "r");
		if (!f)
			return perror("fdopen"), exit(2);
		for (size_t i = strlen(pushed); i-- > 0;)
			ungetc(pushed[i], f);
		errno = 0;
		r[own] = own ? t_getline(&s[own], &n[own], f) : getline(&s[own], &n[own], f);
		e[own] = errno, fe[own] = !!ferror(f), eof[own] = !!feof(f);
		fclose(f);
	}
	cases++;
	if (r[0] != r[1] || e[0] != e[1] || fe[0] != fe[1] || eof[0] != eof[1] || (*pushed && memcmp(s[0], s[1], strlen(pushed)))) {
		printf("read error after %zu bytes: musl %zd errno %d ferror %d feof %d, tend %zd errno %d ferror %d feof %d\n",
		       strlen(pushed), r[0], e[0], fe[0], eof[0], r[1], e[1], fe[1], eof[1]);
		bad++;
	}
	free(s[0]);
	free(s[1]);
}

static void own_failure(const char *data, size_t len, int fail_at)
{
	FILE *f = source(data, len, 0, "getline_a");
	char *s = NULL;
	size_t n = 0;
	ssize_t r;
	realloc_fails = fail_at;
	while ((r = t_getline(&s, &n, f)) >= 0)
		;
	int err = errno, fe = ferror(f), eof = feof(f);
	cases++;
	if (realloc_fails < 0 && (err != ENOMEM || !fe || eof)) {
		printf("ENOMEM at realloc %d: errno %d ferror %d feof %d\n", fail_at, err, fe, eof);
		bad++;
	}
	realloc_fails = -1;
	free(s);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2 || chdir(argv[1]) < 0) /* a scratch directory for the input files */
		return perror("usage: musl_getline_diff DIR"), 2;
	static char big[20000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = i % 997 == 996 ? '\n' : i % 5000 == 4999 ? 0 : (char)('a' + i % 26);
	struct {
		const char *name, *data;
		size_t len;
	} in[] = {
		{"empty", "", 0},
		{"one newline", "\n", 1},
		{"newlines", "\n\n\n", 3},
		{"no trailing newline", "root:x:0:0:root:/root:/bin/sh", 29},
		{"two lines", "a:b\nc:d\n", 8},
		{"last line open", "a:b\nc:d", 7},
		{"NUL bytes", "a\0b\nc\0\0\n\0", 10},
		{"CR LF", "a\r\nb\r\n", 6},
		{"high bytes", "\xff\xfe\n\x80\n", 5},
		{"long lines", big, sizeof big},
		{"one long line", big, 996},
		{"long line open", big, 5000},
	};
	int delims[] = {'\n', ':', 0, ',', 'z'};
	size_t starts[] = {0, 1, 2, 3, 16, 100, 5000};
	for (size_t i = 0; i < sizeof in / sizeof *in; i++)
		for (size_t d = 0; d < sizeof delims / sizeof *delims; d++)
			for (size_t s = 0; s < sizeof starts / sizeof *starts; s++)
				for (int p = 0; p < 2; p++)
					compare(in[i].name, in[i].data, in[i].len, delims[d], p, starts[s]);
	read_error("");
	read_error("x");
	read_error("ab:c");
	for (int k = 0; k < 12; k++)
		own_failure(big, sizeof big, k);
	/* EINVAL, as musl: -1, errno, the error flag */
	FILE *f = source("x\n", 2, 0, "getline_a");
	size_t n = 0;
	char *s = NULL;
	errno = 0;
	cases++;
	if (t_getline(NULL, &n, f) != -1 || errno != EINVAL || !ferror(f) || t_getline(&s, NULL, f) != -1) {
		printf("EINVAL: errno %d ferror %d\n", errno, ferror(f));
		bad++;
	}
	fclose(f);
	FILE *g = source("x\n", 2, 0, "getline_b");
	errno = 0;
	if (getline(NULL, &n, g) != -1 || errno != EINVAL || !ferror(g)) {
		printf("musl's EINVAL differs: errno %d ferror %d\n", errno, ferror(g));
		bad++;
	}
	fclose(g);
	unlink("getline_a");
	unlink("getline_b");
	fprintf(stderr, "%d cases, %d differences\n", cases, bad);
	return bad != 0;
}
