/* ini.c — INI lexing with Python RawConfigParser's rules, as supervisord 4.2.5 uses it:
 * strict=False, comment_prefixes '#' ';', inline_comment_prefixes ';' '#',
 * empty_lines_in_values=True, delimiters '=' ':'. Each rule below names the Python
 * behaviour it copies, because users' existing supervisord.conf files depend on it. */
#include "ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lexer {
	struct ini *ini;
	const struct ini_file *file;
	char *err;
	size_t errlen;
	int lineno;
	int sec;          /* current section index, -1 before the first header */
	int ent;          /* current key's index in it, -1 right after a header */
	size_t indent;    /* indentation of the last key/header line */
	int blanks;       /* blank lines seen inside the current value (kept if more follows) */
	size_t len, cap;  /* of the current value, so long continuations grow in O(n) */
};

static int lex_fail(struct lexer *lx, const char *fmt, ...)
{
	int n = snprintf(lx->err, lx->errlen, "%s:%d: ", lx->file->path, lx->lineno);
	if (n >= 0 && (size_t)n < lx->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(lx->err + n, lx->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* Python os.path.abspath(os.path.dirname(path)) of an absolute PATH: ".", ".." and "//"
 * folded. No getcwd(): the loader makes paths absolute once, so a reload after tend has
 * changed directory means the same files. */
static char *absolute_dir(const char *path)
{
	size_t n = strlen(path) + 3;
	char *in = malloc(n), *out = malloc(n);
	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	snprintf(in, n, "/%s", path);
	size_t o = 0;
	char *save; /* strtok_r: the loader links it already, strtok would be one member more */
	for (char *c = strtok_r(in, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		o += sprintf(out + o, "/%s", c);
	}
	while (o > 0 && out[--o] != '/') /* drop the file name */
		;
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	free(in);
	return out;
}

/* Where the comment starts, or SIZE_MAX. Copies RawConfigParser._read: each round looks at
 * the next occurrence of every inline prefix and stops at the first round where one is at
 * column 0 or after whitespace (so "a;b #c ;d" cuts at '#', even though " ;" comes first
 * in a later round — Python does exactly that). A line whose first non-blank is ';' or '#'
 * is a comment whole. */
static size_t comment_start(const char *line)
{
	static const char prefix[2] = {';', '#'};
	long at[2] = {-1, -1};
	bool live[2] = {true, true};
	size_t best = SIZE_MAX;
	while (best == SIZE_MAX && (live[0] || live[1])) {
		for (int i = 0; i < 2; i++) {
			if (!live[i])
				continue;
			const char *p = strchr(line + at[i] + 1, prefix[i]);
			if (!p) {
				live[i] = false;
				continue;
			}
			at[i] = p - line;
			if (at[i] == 0 || isspace((unsigned char)line[at[i] - 1]))
				best = (size_t)at[i] < best ? (size_t)at[i] : best;
		}
	}
	const char *s = line;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == ';' || *s == '#')
		best = 0;
	return best;
}

static struct ini_entry *current(struct lexer *lx)
{
	return &lx->ini->sections[lx->sec].entries[lx->ent];
}

static int value_append(struct lexer *lx, const char *s, size_t n)
{
	struct ini_entry *e = current(lx);
	if (lx->len + n + 1 > lx->cap) {
		size_t cap = (lx->len + n + 1) * 2;
		char *v = realloc(e->value, cap);
		if (!v)
			return lex_fail(lx, "out of memory");
		e->value = v;
		lx->cap = cap;
	}
	memcpy(e->value + lx->len, s, n);
	lx->len += n;
	e->value[lx->len] = 0;
	return 0;
}

/* An indented line after a key: joined with "\n"; blank lines in between are kept
 * (empty_lines_in_values) but trailing ones are not (Python rstrips the joined value). */
static int continuation(struct lexer *lx, const char *v, size_t n)
{
	for (; lx->blanks >= 0; lx->blanks--)
		if (value_append(lx, "\n", 1))
			return -1;
	lx->blanks = 0;
	return value_append(lx, v, n);
}

static size_t name_hash(const char *s, size_t n)
{
	size_t h = 2166136261u; /* FNV-1a */
	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The slot for NAME: holding its section, or the free slot where it would go. */
static size_t index_slot(const struct ini *ini, const char *name, size_t n)
{
	size_t mask = ini->index_cap - 1, i = name_hash(name, n) & mask;
	for (; ini->index[i]; i = (i + 1) & mask) {
		const char *s = ini->sections[ini->index[i] - 1].name;
		if (!strncmp(s, name, n) && !s[n])
			break;
	}
	return i;
}

/* Keeps the index under half full, so slots are always found. */
static int index_grow(struct ini *ini)
{
	if ((size_t)ini->nsections * 2 + 2 < ini->index_cap)
		return 0;
	size_t cap = ini->index_cap ? ini->index_cap * 2 : 64;
	int *old = ini->index;
	if (!(ini->index = calloc(cap, sizeof *ini->index))) {
		ini->index = old;
		return -1;
	}
	ini->index_cap = cap;
	for (int i = 0; i < ini->nsections; i++) {
		const char *s = ini->sections[i].name;
		ini->index[index_slot(ini, s, strlen(s))] = i + 1;
	}
	free(old);
	return 0;
}

static int section_header(struct lexer *lx, const char *name, size_t n)
{
	struct ini *ini = lx->ini;
	if (index_grow(ini))
		return lex_fail(lx, "out of memory");
	size_t slot = index_slot(ini, name, n);
	lx->ent = -1;
	if (ini->index[slot]) { /* strict=False: a repeated section continues the first */
		lx->sec = ini->index[slot] - 1;
		return 0;
	}
	if (ini->nsections >= INI_MAX_SECTIONS)
		return lex_fail(lx, "too many sections (limit %d)", INI_MAX_SECTIONS);
	if (ini->nsections == ini->cap) {
		int cap = ini->cap ? ini->cap * 2 : 16;
		void *p = realloc(ini->sections, cap * sizeof *ini->sections);
		if (!p)
			return lex_fail(lx, "out of memory");
		ini->sections = p;
		ini->cap = cap;
	}
	struct ini_section *s = &ini->sections[ini->nsections];
	memset(s, 0, sizeof *s);
	if (!(s->name = dup_range(name, n)))
		return lex_fail(lx, "out of memory");
	s->file = lx->file;
	s->line = lx->lineno;
	lx->sec = ini->nsections++;
	ini->index[slot] = lx->sec + 1;
	return 0;
}

static int key_value(struct lexer *lx, const char *line, size_t n)
{
	size_t d = strcspn(line, "=:"); /* the first '=' or ':' delimits (a lazy regex in Python) */
	if (d >= n)
		return lex_fail(lx, "expected 'key = value', 'key: value' or a [section] header, got '%.60s'", line);
	size_t k = d;
	while (k > 0 && isspace((unsigned char)line[k - 1]))
		k--;
	if (k == 0)
		return lex_fail(lx, "missing key name before '%c'", line[d]);
	const char *v = line + d + 1;
	while (isspace((unsigned char)*v))
		v++;
	char *key = dup_range(line, k), *val = dup_range(v, n - (v - line));
	if (!key || !val) {
		free(key);
		free(val);
		return lex_fail(lx, "out of memory");
	}
	for (char *c = key; *c; c++)
		*c = tolower((unsigned char)*c);
	struct ini_section *s = &lx->ini->sections[lx->sec];
	int i;
	for (i = 0; i < s->nentries && strcmp(s->entries[i].key, key); i++)
		;
	if (i == s->nentries) {
		if (s->nentries >= INI_MAX_KEYS) {
			free(key);
			free(val);
			return lex_fail(lx, "too many keys in [%s] (limit %d)", s->name, INI_MAX_KEYS);
		}
		if (s->nentries == s->cap) {
			int cap = s->cap ? s->cap * 2 : 16;
			void *p = realloc(s->entries, cap * sizeof *s->entries);
			if (!p) {
				free(key);
				free(val);
				return lex_fail(lx, "out of memory");
			}
			s->entries = p;
			s->cap = cap;
		}
		s->entries[s->nentries++].key = key;
	} else { /* duplicate key: the later one wins */
		free(key);
		free(s->entries[i].value);
	}
	s->entries[i].value = val;
	s->entries[i].file = lx->file;
	s->entries[i].line = lx->lineno;
	lx->ent = i;
	lx->len = strlen(val);
	lx->cap = lx->len + 1;
	lx->blanks = 0;
	return 0;
}

/* One physical line (NUL-terminated, without its newline). */
static int lex_line(struct lexer *lx, char *line)
{
	size_t cut = comment_start(line);
	if (cut != SIZE_MAX)
		line[cut] = 0;
	char *v = line;
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	v[n] = 0;
	if (n == 0) {
		/* Python keeps a blank line inside a value, but not a comment-only line */
		if (cut == SIZE_MAX && lx->sec >= 0 && lx->ent >= 0)
			lx->blanks++;
		return 0;
	}
	size_t indent = v - line;
	if (lx->sec >= 0 && lx->ent >= 0 && indent > lx->indent)
		return continuation(lx, v, n);
	lx->indent = indent;
	char *close = strrchr(v, ']');
	if (v[0] == '[' && close && close - v > 1) /* regex \[(?P<header>.+)\], a prefix match */
		return section_header(lx, v + 1, close - v - 1);
	if (lx->sec < 0)
		return lex_fail(lx, "expected a [section] header before '%.60s'", v);
	return key_value(lx, v, n);
}

static int lex_buffer(struct lexer *lx, char *buf, size_t size)
{
	char *p = buf, *end = buf + size;
	if (size >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) /* a UTF-8 BOM, as some editors write */
		p += 3;
	for (lx->lineno = 1; p < end; lx->lineno++) {
		char *nl = memchr(p, '\n', end - p);
		char *eol = nl ? nl : end;
		if ((size_t)(eol - p) > INI_MAX_LINE)
			return lex_fail(lx, "line too long (limit %u KiB)", INI_MAX_LINE >> 10);
		if (memchr(p, 0, eol - p))
			return lex_fail(lx, "NUL byte in line");
		*eol = 0;
		if (eol > p && eol[-1] == '\r') /* CRLF files: Python's universal newlines */
			eol[-1] = 0;
		if (lex_line(lx, p))
			return -1;
		p = eol + 1;
	}
	return 0;
}

/* Only regular files: a FIFO would block open() and read() (and, as PID 1 with every
 * signal blocked, for ever), a device may do anything when opened. */
static bool not_regular(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (S_ISREG(st->st_mode))
		return false;
	if (S_ISDIR(st->st_mode))
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(EISDIR));
	else
		snprintf(err, errlen, "%s: not a regular file", path);
	return true;
}

/* Whole file into memory, bounded; -1 with "PATH: ..." in err. The stat() keeps devices
 * from being opened at all; O_NONBLOCK and fstat() close the race where the name is
 * replaced by a FIFO in between. */
static char *slurp(const char *path, size_t limit, size_t *size, struct stat *st, char *err, size_t errlen)
{
	if (stat(path, st) == 0 && not_regular(path, st, err, errlen))
		return NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, st) < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (not_regular(path, st, err, errlen)) {
		close(fd);
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (!buf) {
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		}
		if (n == cap) {
			char *b = cap > limit ? NULL : realloc(buf, cap * 2 + 1);
			if (cap > limit) {
				snprintf(err, errlen, "%s: file too large (limit %zu KiB)", path, limit >> 10);
				break;
			}
			if (!b) {
				snprintf(err, errlen, "%s: out of memory", path);
				break;
			}
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		if (r == 0) {
			close(fd);
			if (n > limit) {
				snprintf(err, errlen, "%s: file too large (limit %zu KiB)", path, limit >> 10);
				free(buf);
				return NULL;
			}
			buf[n] = 0;
			*size = n;
			return buf;
		}
		n += r;
	}
	free(buf);
	close(fd);
	return NULL;
}

static struct ini_file *add_file(struct ini *ini, const char *path, const struct stat *st)
{
	if (ini->nfiles == ini->fcap) {
		int cap = ini->fcap ? ini->fcap * 2 : 8;
		void *p = realloc(ini->files, cap * sizeof *ini->files);
		if (!p)
			return NULL;
		ini->files = p;
		ini->fcap = cap;
	}
	struct ini_file *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->path = strdup(path);
	f->here = absolute_dir(path);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	if (!f->path || !f->here) {
		free(f->path);
		free(f->here);
		free(f);
		return NULL;
	}
	return ini->files[ini->nfiles++] = f;
}

const struct ini_file *ini_read(struct ini *ini, const char *path, char *err, size_t errlen)
{
	size_t size, left = INI_MAX_TOTAL - ini->total_bytes;
	struct stat st;
	char *buf = slurp(path, left < INI_MAX_FILE ? left : INI_MAX_FILE, &size, &st, err, errlen);
	ini->io_error = !buf;
	if (!buf)
		return NULL;
	ini->total_bytes += size;
	struct ini_file *f = add_file(ini, path, &st);
	if (!f) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(buf);
		return NULL;
	}
	/* each file starts outside any section, as with RawConfigParser.read() */
	struct lexer lx = {.ini = ini, .file = f, .err = err, .errlen = errlen, .sec = -1, .ent = -1};
	int rc = lex_buffer(&lx, buf, size);
	free(buf);
	return rc ? NULL : f;
}

int ini_seen(const struct ini *ini, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	for (int i = 0; i < ini->nfiles; i++)
		if (ini->files[i]->dev == (unsigned long long)st.st_dev && ini->files[i]->ino == (unsigned long long)st.st_ino)
			return 1;
	return 0;
}

struct ini_section *ini_section(const struct ini *ini, const char *name)
{
	if (!ini->index_cap)
		return NULL;
	int i = ini->index[index_slot(ini, name, strlen(name))];
	return i ? &ini->sections[i - 1] : NULL;
}

const struct ini_entry *ini_get(const struct ini_section *s, const char *key)
{
	for (int i = 0; s && i < s->nentries; i++)
		if (!strcmp(s->entries[i].key, key))
			return &s->entries[i];
	return NULL;
}

void ini_free(struct ini *ini)
{
	for (int i = 0; i < ini->nsections; i++) {
		struct ini_section *s = &ini->sections[i];
		for (int j = 0; j < s->nentries; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->name);
	}
	for (int i = 0; i < ini->nfiles; i++) {
		free(ini->files[i]->path);
		free(ini->files[i]->here);
		free(ini->files[i]);
	}
	free(ini->sections);
	free(ini->index);
	free(ini->files);
	memset(ini, 0, sizeof *ini);
}
