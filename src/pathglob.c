/* pathglob.c — see pathglob.h. Wildcards may appear in any path component. */
#include "pathglob.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool has_magic(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

/* [set] at p (p points after '['); *matched set; returns the char after ']' or NULL.
 * Adds the characters looked at to *steps. */
static const char *match_set(const char *p, char c, bool *matched, unsigned long *steps)
{
	bool neg = *p == '!' || *p == '^';
	p += neg;
	*matched = false;
	for (bool first = true; *p && (first || *p != ']'); first = false, p++) {
		++*steps;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			*matched |= (unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2];
			p += 2;
		} else {
			*matched |= c == *p;
		}
	}
	if (*p != ']')
		return NULL; /* unclosed: not a set */
	*matched ^= neg;
	return p + 1;
}

/* The token at P (a character, '?' or a [set]; never '*') against C: *ok set, returns
 * the pattern after the token. */
static const char *match_token(const char *p, char c, bool *ok, unsigned long *steps)
{
	if (*p == '[') {
		const char *next = match_set(p + 1, c, ok, steps);
		if (next)
			return next;
	}
	*ok = *p == '?' || *p == c;
	return p + 1;
}

/* Every token but '*' matches exactly one character, so on a mismatch only the last '*'
 * needs to take one more character: earlier stars could only shift the same attempt.
 * Each restart moves that star's start on by one, and each attempt walks the pattern at
 * most once: at most (|name| + 1) * (|pattern| + 1) steps, never exponential (the
 * recursive matcher this replaces took seconds for a*a*a*a*a*b against 200 a's). */
bool name_match_counted(const char *pat, const char *name, unsigned long *steps)
{
	if (name[0] == '.' && pat[0] != '.')
		return false; /* like the shell and Python: * does not match dot files */
	const char *p = pat, *s = name, *star_p = NULL, *star_s = NULL;
	for (;;) {
		++*steps;
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return true; /* a final star takes the rest */
			star_p = p;
			star_s = s;
			continue;
		}
		if (!*s && !*p)
			return true;
		if (*s && *p) {
			bool ok;
			const char *next = match_token(p, *s, &ok, steps);
			if (ok) {
				p = next;
				s++;
				continue;
			}
		}
		if (!star_p || !*star_s)
			return false;
		p = star_p;
		s = ++star_s;
	}
}

bool name_match(const char *pat, const char *name)
{
	unsigned long steps = 0;
	return name_match_counted(pat, name, &steps);
}

struct acc {
	char **v;
	size_t n, cap;
	size_t visits; /* directory entries read and paths stat()ed */
	bool oom, too_much;
};

/* One more entry or stat(); false (and remembered) once GLOB_MAX_VISITS is reached. */
static bool visit(struct acc *a)
{
	if (++a->visits > GLOB_MAX_VISITS)
		a->too_much = true;
	return !a->too_much && !a->oom;
}

static void add(struct acc *a, const char *path)
{
	if (a->n >= GLOB_MAX_MATCHES) {
		a->too_much = true;
		return;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof *v);
		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(path)))
		a->oom = true;
	else
		a->n++;
}

/* `base` is an existing prefix (with trailing '/' or empty), `rest` the remaining pattern,
 * DEPTH components below the start (each level is a stack frame of PATH_MAX). */
static void expand(struct acc *a, const char *base, const char *rest, int depth)
{
	while (*rest == '/')
		rest++;
	size_t len = strcspn(rest, "/");
	char path[PATH_MAX];
	struct stat st;
	if (depth >= GLOB_MAX_DEPTH) {
		a->too_much = true;
		return;
	}
	if (!visit(a))
		return;
	if (!has_magic(rest, len)) {
		if (snprintf(path, sizeof path, "%s%.*s", base, (int)len, rest) >= (int)sizeof path ||
		    stat(path, &st) < 0)
			return;
		if (!rest[len])
			add(a, path);
		else if (S_ISDIR(st.st_mode) && strlen(path) + 1 < sizeof path)
			expand(a, strcat(path, "/"), rest + len, depth + 1);
		return;
	}
	char comp[NAME_MAX + 1];
	if (len > NAME_MAX)
		return;
	memcpy(comp, rest, len);
	comp[len] = 0;
	/* O_DIRECTORY refuses a FIFO before it could block; O_NONBLOCK is for the rest */
	int fd = open(*base ? base : ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *e;
	while (visit(a) && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !name_match(comp, e->d_name))
			continue;
		if (snprintf(path, sizeof path, "%s%s", base, e->d_name) >= (int)sizeof path)
			continue;
		if (!rest[len])
			add(a, path);
		else if (visit(a) && stat(path, &st) == 0 && S_ISDIR(st.st_mode) && strlen(path) + 1 < sizeof path)
			expand(a, strcat(path, "/"), rest + len, depth + 1);
	}
	closedir(d);
}

static int by_strcmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int path_glob(const char *pattern, char ***out, size_t *n)
{
	struct acc a = {0};
	expand(&a, pattern[0] == '/' ? "/" : "", pattern, 0);
	if (a.oom || a.too_much) {
		path_globfree(a.v, a.n);
		return a.oom ? -1 : -2;
	}
	if (a.n)
		qsort(a.v, a.n, sizeof *a.v, by_strcmp);
	*out = a.v;
	*n = a.n;
	return 0;
}

void path_globfree(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
