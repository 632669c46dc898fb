/* expand.c — value syntaxes of supervisord's config (see expand.h). Each parser copies
 * the Python function supervisord 4.2.5 uses, so existing config files mean the same. */
#include "expand.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "envlist.h"

/* A growing string; `bad` remembers a failed allocation or an oversize result. */
struct buf {
	char *s;
	size_t n, cap;
	bool bad;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->n + n + 1 > EXPAND_MAX) {
		b->bad = true;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->bad = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

static char *buf_take(struct buf *b)
{
	if (!b->bad && !b->s)
		buf_add(b, "", 0);
	if (!b->bad)
		return b->s;
	free(b->s);
	return NULL;
}

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ---- %(name)s expansion ---------------------------------------------------------- */

struct name_value {
	const char *str; /* a string name */
	bool is_int;
	int num;
};

static bool lookup_env(const struct expand_ctx *x, const char *name, size_t n, const char **out)
{
	for (int l = 1; l >= 0; l--)
		if ((*out = envlist_get(x->env[l], name, n)))
			return true;
	char key[256];
	if (n >= sizeof key)
		return false;
	memcpy(key, name, n);
	key[n] = 0;
	return (*out = getenv(key)) != NULL;
}

static bool lookup(const struct expand_ctx *x, const char *name, size_t n, struct name_value *v)
{
	memset(v, 0, sizeof *v);
#define IS(lit) (n == sizeof lit - 1 && !memcmp(name, lit, n))
	if (IS("here"))
		v->str = x->here;
	else if (IS("host_node_name"))
		v->str = x->host_node_name;
	else if (IS("program_name"))
		v->str = x->program_name;
	else if (IS("group_name"))
		v->str = x->group_name;
	else if (IS("process_num") && x->have_process_num)
		v->is_int = true, v->num = x->process_num;
	else if (IS("numprocs") && x->have_numprocs)
		v->is_int = true, v->num = x->numprocs;
	else if (n > 4 && !memcmp(name, "ENV_", 4))
		lookup_env(x, name + 4, n - 4, &v->str);
#undef IS
	return v->str || v->is_int;
}

static void available_names(const struct expand_ctx *x, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s%sENV_*", x->here ? "here, " : "",
		 x->host_node_name ? "host_node_name, " : "", x->program_name ? "program_name, " : "",
		 x->group_name ? "group_name, " : "", x->have_process_num ? "process_num, " : "",
		 x->have_numprocs ? "numprocs, " : "");
}

/* Format one value with a validated printf spec ("%-05.3d" style, conversion last). */
static bool format_one(struct buf *b, const char *spec, const struct name_value *v)
{
	char conv = spec[strlen(spec) - 1], out[64];
	const char *text = out;
	int len;
	if (v->is_int && strchr("diu", conv)) {
		len = snprintf(out, sizeof out, spec, v->num);
	} else if (v->is_int && strchr("xXo", conv)) {
		if (v->num < 0) /* Python prints -x, C would print two's complement */
			return false;
		len = snprintf(out, sizeof out, spec, (unsigned)v->num);
	} else if (v->is_int && strchr("eEfFgG", conv)) {
		len = snprintf(out, sizeof out, spec, (double)v->num);
	} else if (conv == 's') {
		char num[16];
		const char *s = v->str;
		if (v->is_int) {
			snprintf(num, sizeof num, "%d", v->num);
			s = num;
		}
		len = snprintf(NULL, 0, spec, s);
		char *big = len >= 0 && (size_t)len < EXPAND_MAX ? malloc(len + 1) : NULL;
		if (!big) {
			b->bad = true;
			return true;
		}
		snprintf(big, len + 1, spec, s);
		buf_add(b, big, len);
		free(big);
		return true;
	} else {
		return false;
	}
	if (len < 0 || (size_t)len >= sizeof out)
		return false;
	buf_add(b, text, len);
	return true;
}

/* Parses "%(name)<flags><width>.<prec><conv>" at p; returns the end, or NULL if malformed. */
static const char *parse_spec(const char *p, const char **name, size_t *nlen, char *spec, size_t speclen)
{
	const char *close = strchr(p + 2, ')');
	if (!close)
		return NULL;
	*name = p + 2;
	*nlen = close - *name;
	const char *q = close + 1, *flags = q;
	while (*q && strchr("-+ 0", *q))
		q++;
	const char *width = q;
	while (isdigit((unsigned char)*q))
		q++;
	if (q - width > 3)
		return NULL;
	if (*q == '.') {
		const char *prec = ++q;
		while (isdigit((unsigned char)*q))
			q++;
		if (q - prec > 3)
			return NULL;
	}
	size_t speclen_used = q - flags;
	while (*q && strchr("hlL", *q)) /* Python accepts and ignores length modifiers */
		q++;
	if (!*q || !strchr("diuxXoeEfFgGs", *q) || speclen_used + 3 > speclen)
		return NULL;
	spec[0] = '%';
	memcpy(spec + 1, flags, speclen_used);
	spec[1 + speclen_used] = *q;
	spec[2 + speclen_used] = 0;
	return q + 1;
}

char *expand_value(const char *value, const struct expand_ctx *x, const char *key, char *why, size_t whylen)
{
	struct buf b = {0};
	const char *p = value;
	while (*p) {
		size_t run = strcspn(p, "%");
		buf_add(&b, p, run);
		p += run;
		if (!*p)
			break;
		if (p[1] == '%') {
			buf_add(&b, "%", 1);
			p += 2;
			continue;
		}
		const char *name, *end = NULL;
		size_t nlen = 0;
		char spec[16], avail[160];
		struct name_value v;
		if (p[1] == '(')
			end = parse_spec(p, &name, &nlen, spec, sizeof spec);
		int shown = end ? (int)(end - p) : (int)strcspn(p + 1, " \t\n%") + 1;
		if (shown > 60)
			shown = 60;
		if (p[1] != '(') {
			say(why, whylen, "cannot expand '%.*s' in key '%s': a lone '%%' (write '%%%%' for a literal one)", shown, p, key);
		} else if (!end) {
			say(why, whylen, "cannot expand '%.*s' in key '%s': malformed format (expected e.g. %%(name)s)", shown, p, key);
		} else if (!lookup(x, name, nlen, &v)) {
			available_names(x, avail, sizeof avail);
			say(why, whylen, "cannot expand '%.*s' in key '%s': unknown name '%.*s' (available: %s)", shown, p, key, (int)nlen, name, avail);
		} else if (!format_one(&b, spec, &v)) {
			say(why, whylen, "cannot expand '%.*s' in key '%s': format not applicable to this value", shown, p, key);
		} else {
			p = end;
			continue;
		}
		free(b.s);
		return NULL;
	}
	char *out = buf_take(&b);
	if (!out)
		say(why, whylen, "value of key '%s' too long after expansion (limit %u KiB)", key, EXPAND_MAX >> 10);
	return out;
}

unsigned expand_refs(const char *value)
{
	unsigned refs = 0;
	for (const char *p = strchr(value, '%'); p; p = strchr(p, '%')) {
		const char *name, *end;
		size_t n;
		char spec[16];
		if (p[1] == '%') {
			p += 2;
			continue;
		}
		if (p[1] != '(' || !(end = parse_spec(p, &name, &n, spec, sizeof spec)))
			return refs; /* an error when expanded */
		if (n == strlen("process_num") && !memcmp(name, "process_num", n))
			refs |= REF_PROCESS_NUM;
		else if (n > 4 && !memcmp(name, "ENV_", 4))
			refs |= REF_ENV;
		p = end;
	}
	return refs;
}

/* ---- command= : shlex.split, POSIX mode ------------------------------------------------ */

/* Words of a command line, collected with amortised growth. */
struct words {
	char **v;
	size_t n, cap;
	bool bad;
};

static void word_add(struct words *w, struct arena *a, struct buf *tok)
{
	char *s = w->bad || tok->bad ? NULL : arena_strndup(a, tok->s ? tok->s : "", tok->n);
	tok->n = 0;
	if (!s) {
		w->bad = true;
		return;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		char **v = realloc(w->v, cap * sizeof *v);
		if (!v) {
			w->bad = true;
			return;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = s;
}

char **split_command(const char *s, struct arena *a, char *why, size_t whylen)
{
	struct words w = {0};
	struct buf tok = {0};
	bool in_word = false;
	char **argv = NULL;
	const char *p;
	for (p = s; !w.bad && *p; p++) {
		if (strchr(" \t\r\n", *p)) {
			if (in_word)
				word_add(&w, a, &tok);
			in_word = false;
			continue;
		}
		in_word = true;
		if (*p == '\\') { /* outside quotes a backslash takes the next character literally */
			if (!p[1]) {
				say(why, whylen, "no character after the final backslash");
				goto fail;
			}
			buf_add(&tok, ++p, 1);
		} else if (*p == '\'') { /* nothing is special inside single quotes */
			const char *q = strchr(p + 1, '\'');
			if (!q)
				goto unclosed;
			buf_add(&tok, p + 1, q - p - 1);
			p = q;
		} else if (*p == '"') { /* inside double quotes only \" and \\ are escapes */
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				buf_add(&tok, p, 1);
			}
			if (!*p)
				goto unclosed;
		} else {
			buf_add(&tok, p, 1);
		}
	}
	if (in_word)
		word_add(&w, a, &tok);
	if (!w.bad && !(argv = arena_ptrv(a, w.v, w.n)))
		w.bad = true;
	if (w.bad)
		say(why, whylen, "out of memory");
	goto done;
unclosed:
	say(why, whylen, "no closing quotation");
fail:
	argv = NULL;
done:
	free(tok.s);
	free(w.v);
	return argv;
}

/* ---- environment= : legacy (non-POSIX) shlex with wordchars + "/.+-():" ------------- */

enum tok_kind { TK_WORD, TK_QUOTED, TK_CHAR };

struct token {
	enum tok_kind kind;
	const char *s;
	size_t n;
};

static bool is_wordchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       (c && strchr("/.+-():", c));
}

/* Next token at *p; 0 at the end, -1 on an error (reason in why). A quote inside a word
 * is just a character of the word (non-POSIX shlex); a quoted token keeps its quotes. */
static int next_token(const char **p, struct token *t, char *why, size_t whylen)
{
	const char *s = *p;
	while (*s && strchr(" \t\r\n", *s))
		s++;
	if (!*s)
		return 0;
	t->s = s;
	if (*s == '#') {
		/* shlex would drop the rest of the line silently; a '#' reaching here had no
		 * blank before it (the INI layer cuts those), so it is surely meant literally */
		say(why, whylen, "'#' must be quoted");
		return -1;
	}
	if (*s == '"' || *s == '\'') {
		const char *q = strchr(s + 1, *s);
		if (!q) {
			say(why, whylen, "no closing quotation");
			return -1;
		}
		t->kind = TK_QUOTED;
		s = q + 1;
	} else if (is_wordchar(*s)) {
		t->kind = TK_WORD;
		while (is_wordchar(*s) || *s == '"' || *s == '\'')
			s++;
	} else {
		t->kind = TK_CHAR;
		s++;
	}
	t->n = s - t->s;
	*p = s;
	return 1;
}

/* Python's str.strip('\'"') */
static void strip_quotes(const char **s, size_t *n)
{
	while (*n && (**s == '"' || **s == '\''))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == '"' || (*s)[*n - 1] == '\''))
		(*n)--;
}

static bool is_char(const struct token *t, char c)
{
	return t->kind == TK_CHAR && *t->s == c;
}

/* KEY = VALUE [,] ...  supervisord consumes tokens in fours and never looks at the fourth,
 * so "A=has space" silently becomes A=has; tend insists the fourth is a comma instead. */
int parse_environment(const char *value, struct envlist *env, struct arena *a, char *why, size_t whylen)
{
	const char *p = value;
	struct token k, eq, v, sep;
	int r;
	while ((r = next_token(&p, &k, why, whylen)) > 0) {
		if (k.kind != TK_WORD) {
			say(why, whylen, "expected KEY=VALUE, found '%.*s'", (int)(k.n > 40 ? 40 : k.n), k.s);
			return -1;
		}
		if ((r = next_token(&p, &eq, why, whylen)) < 0)
			return -1;
		if (!r || !is_char(&eq, '=')) {
			say(why, whylen, "expected '=' after '%.*s'", (int)(k.n > 40 ? 40 : k.n), k.s);
			return -1;
		}
		if ((r = next_token(&p, &v, why, whylen)) < 0)
			return -1;
		if (!r || v.kind == TK_CHAR) {
			say(why, whylen, "missing value for %.*s (write %.*s=\"\" for an empty one)", (int)(k.n > 40 ? 40 : k.n), k.s, (int)(k.n > 40 ? 40 : k.n), k.s);
			return -1;
		}
		if ((r = next_token(&p, &sep, why, whylen)) < 0)
			return -1;
		if (r && !is_char(&sep, ',')) {
			say(why, whylen, "unexpected '%.*s' after %.*s=%.*s; quote values that contain spaces or characters such as = or %% (supervisord would silently drop the rest)",
			    (int)(sep.n > 40 ? 40 : sep.n), sep.s, (int)(k.n > 40 ? 40 : k.n), k.s, (int)(v.n > 40 ? 40 : v.n), v.s);
			return -1;
		}
		const char *vs = v.s;
		size_t vn = v.n;
		strip_quotes(&vs, &vn);
		char *kv = arena_alloc(a, k.n + vn + 2);
		if (kv) {
			memcpy(kv, k.s, k.n);
			kv[k.n] = '=';
			memcpy(kv + k.n + 1, vs, vn);
			kv[k.n + 1 + vn] = 0;
		}
		if (!kv || envlist_put(env, kv)) {
			say(why, whylen, "out of memory");
			return -1;
		}
		if (!r)
			break;
	}
	return r < 0 ? -1 : 0;
}
