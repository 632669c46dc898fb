/* test_regex.c — the extended regular expressions of ready=log: (regex.c), measured
 * against the real thing: glibc's regcomp/regexec (REG_EXTENDED|REG_NOSUB, subjects
 * passed with REG_STARTEND so they may hold NUL) on a hand-written corpus and ten
 * thousand random patterns. Every pattern glibc accepts must match exactly as glibc
 * does, every pattern it refuses must be refused, save the documented differences of
 * regex.c: back-references and the size limits, refused here with their message, and
 * two glibc bugs. One is told apart below (anchors lost in the copies of x{m,n}); the
 * other needs a '\n' inside the subject (glibc's ^ then matches after it in some
 * patterns), which the subjects here never hold: ready=log: matches lines without their
 * newline. Plus pinned results, messages, limits and the linear-time bound. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* src/regex.h is ours, and -Isrc makes <regex.h> find it: glibc's by its path */
#include "/usr/include/regex.h"

#include "regex.h"

#include "check.h"

/* ---- the reference ---- */

/* glibc's verdict: -1 if it refuses the pattern, else whether S[0..N) matches. */
static int glibc_search(const char *pat, const char *s, size_t n)
{
	regex_t r;
	if (regcomp(&r, pat, REG_EXTENDED | REG_NOSUB))
		return -1;
	regmatch_t m = {0, (regoff_t)n};
	int rc = regexec(&r, s, 1, &m, REG_STARTEND);
	regfree(&r);
	return rc == 0;
}

static int ours_search(const char *pat, const char *s, size_t n, char *err, size_t errlen)
{
	struct rx *re = rx_compile(pat, err, errlen);
	if (!re)
		return -1;
	int rc = rx_search(re, s, n);
	rx_free(re);
	return rc;
}

/* Bytes for a message, escaped: buffers rotate so two fit in one printf. */
static const char *show(const char *s, size_t n)
{
	static char buf[4][512];
	static int k;
	char *b = buf[k++ & 3], *o = b;
	for (size_t i = 0; i < n && o < b + sizeof buf[0] - 5; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"')
			*o++ = (char)c;
		else
			o += sprintf(o, "\\x%02x", c);
	}
	*o = 0;
	return b;
}

/* The differences regex.c documents, told by our message: refused here, glibc may accept. */
static bool documented(const char *err)
{
	return strstr(err, "back-references") || strstr(err, "too big") || strstr(err, "nested too deeply") ||
	       strstr(err, "longer than");
}

static struct {
	long patterns, accepted, refused, documented, searches, glibc_bug;
} stats;

/* ---- glibc's {m,n} bug ----
 * glibc writes x{m,n} and x+ out as copies of x's tree, and in every copy but the first
 * it ignores x's anchors: it finds (^a|b){2} in "ba", a(^b){0,2}c in "abc" and (^.)+x in
 * "cax". Where we differ from glibc, we ask it again with every {m,n} and + written out
 * in the pattern's text ("((^a|b))((^a|b))"), which it gets right; if that answer is
 * ours, the difference is glibc's bug and is counted apart. */

/* A count, with glibc's "\\0" for 0 (\\1 to \\9 are back-references, \\0 is not). */
static long digits(const char **p)
{
	long v = -1;
	for (; (**p >= '0' && **p <= '9') || (**p == '\\' && (*p)[1] == '0'); ++*p) {
		*p += **p == '\\';
		v = v > 9999 ? 99999 : (v < 0 ? 0 : v * 10) + (**p - '0');
	}
	return v;
}

/* {m}, {m,}, {m,n}, {,n} at P (the comma may be "\\,", as glibc reads it): the byte
 * after it, or NULL. */
static const char *braces_end(const char *p, long *lo, long *hi)
{
	p++;
	*hi = *lo = digits(&p);
	if (*p == ',' || (p[0] == '\\' && p[1] == ',')) {
		p += 1 + (*p == '\\');
		*hi = digits(&p);
		*lo = *lo < 0 ? 0 : *lo;
	}
	return *p == '}' && *lo >= 0 && (*hi < 0 || *lo <= *hi) ? p + 1 : NULL;
}

/* After the '[': the byte after the closing ']', or NULL. */
static const char *bracket_end(const char *p)
{
	p += *p == '^';
	p += *p == ']';
	for (; *p && *p != ']'; p++)
		if (p[0] == '[' && (p[1] == '.' || p[1] == '=' || p[1] == ':')) {
			const char *q = strstr(p + 2, (char[]){p[1], ']', 0});
			if (!q)
				return NULL;
			p = q + 1;
		}
	return *p ? p + 1 : NULL;
}

/* PAT with every x{m,n} (and x+) written out as m copies of (x), then (x)* or n - m of (x)?;
 * false if PAT is beyond this simple scanner (it is then glibc-invalid or unusual). */
static bool write_out(const char *p, char *out, size_t cap)
{
	size_t n = 0, open[64], depth = 0, atom = 0;
	bool have = false; /* an atom ends the output, from ATOM on */
	static char x[1 << 16];
	while (*p) {
		const char *q = p + 1;
		size_t start = n;
		long lo, hi;
		if (*p == '{' || (*p == '+' && have && n > atom)) {
			size_t len = n - atom;
			lo = 1, hi = -1; /* x+ is x{1,} */
			if (!have || (*p == '{' && !(q = braces_end(p, &lo, &hi))) || len >= sizeof x)
				return false;
			memcpy(x, out + atom, len);
			n = atom;
			for (long i = 0; i < (hi < 0 ? lo + 1 : hi); i++) {
				if (n + len + 4 >= cap)
					return false;
				out[n++] = '(';
				memcpy(out + n, x, len);
				n += len;
				out[n++] = ')';
				if (i >= lo)
					out[n++] = hi < 0 ? '*' : '?';
			}
			p = q;
			continue;
		}
		if (have && n == atom && strchr("*+?", *p)) { /* x{0}* : nothing to repeat */
			p++;
			continue;
		}
		if (*p == '\\' && p[1])
			q = p + 2;
		else if (*p == '[' && !(q = bracket_end(p + 1)))
			return false;
		else if (*p == '(' && depth == sizeof open / sizeof *open)
			return false;
		else if (*p == '(')
			open[depth++] = n;
		else if (*p == ')' && depth)
			start = open[--depth];
		else if (*p == ')') /* a literal, which in a copy's parentheses would close them */
			out[n++] = '\\';
		if (n + (size_t)(q - p) >= cap)
			return false;
		memcpy(out + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		if (*p == '|' || *p == '(')
			have = false;
		else if (!strchr("*+?", *p))
			atom = start, have = true;
		p = q;
	}
	out[n] = 0;
	return true;
}

/* Does glibc, asked again on PAT written out, give GOT? */
static bool glibc_bug(const char *pat, const char *s, size_t n, bool got)
{
	static char out[1 << 18];
	return write_out(pat, out, sizeof out) && strcmp(out, pat) && glibc_search(out, s, n) == got;
}

/* Both accept, or both refuse (we with a message), or we refuse with a documented one. */
static void check_verdict(const char *pat, bool ours, bool ref, const char *err)
{
	stats.patterns++;
	if (!ours && ref && documented(err)) {
		stats.documented++;
		passed++;
	} else if (ours != ref || (!ours && !*err)) {
		failed++;
		fprintf(stderr, "pattern \"%s\": glibc %s it, we %s (%s)\n", show(pat, strlen(pat)),
			ref ? "accepts" : "refuses", ours ? "accept" : "refuse", err);
	} else {
		passed++;
		stats.accepted += ours;
		stats.refused += !ours;
	}
}

/* Compare PAT on each subject with glibc; quiet unless they differ. */
static void compare(const char *pat, const char *const *subj, const size_t *len, int nsubj)
{
	char err[128] = "";
	struct rx *re = rx_compile(pat, err, sizeof err);
	regex_t r;
	bool ref = regcomp(&r, pat, REG_EXTENDED | REG_NOSUB) == 0;
	check_verdict(pat, re != NULL, ref, err);
	for (int i = 0; re && ref && i < nsubj; i++) {
		regmatch_t m = {0, (regoff_t)len[i]};
		bool want = regexec(&r, subj[i], 1, &m, REG_STARTEND) == 0, got = rx_search(re, subj[i], len[i]);
		stats.searches++;
		if (got == want)
			passed++;
		else if (glibc_bug(pat, subj[i], len[i], got)) {
			passed++;
			stats.glibc_bug++;
		} else {
			failed++;
			fprintf(stderr, "pattern \"%s\" on \"%s\": glibc %d, we %d\n", show(pat, strlen(pat)),
				show(subj[i], len[i]), want, got);
		}
	}
	if (ref)
		regfree(&r);
	rx_free(re);
}

/* ---- the hand-written corpus ---- */

static const char *const patterns[] = {
	/* literals, '.', concatenation */
	"", "a", "ab", "abc", "b", ".", "..", "a.c", "\xe9", ".\xe9", " ", "-", ",", ":", "_", "\n",
	/* anchors, anywhere */
	"^", "$", "^$", "^a", "a$", "^ab$", "^a$", "a^b", "a$b", "^^a", "a$$", "(^a|b)", "(a|^b)c", "x(^a)",
	"(a$)b", "b(a|$)", "($)*", "(^)*a", "(^)+", "^*", "a^*", "$*", "$+", "^?", "a|^", "$|a",
	/* repetition */
	"a*", "a+", "a?", "ab*c", "ab+c", "ab?c", "a**", "a+*", "a*+", "a??", "a?*", "a+?", "(ab)*", "(ab)+c",
	"(a*)*", "(a*)+", "(a|b)*c", "(a+|b+)*", "()*", "()+", "(|a)+", "a{0}", "a{1}", "a{2}", "a{0,1}",
	"a{1,2}", "a{2,3}", "a{2,}", "a{0,}", "a{,2}", "a{,}", "a{01}", "(ab){2}", "a{2}{2}", "a*{2}",
	"a{2}*", "x{0}y", "(x){0}", "(a|b){2,3}c", "a{1}?", "a{3}b", "b{1,}a{0,2}",
	"(^a|b){2}", "a(^b){0,2}c", "x(\\<a|b){2}", "a($b){0,2}c", "b(b|^a){2}", "(a$|b){2}", "(^.)+x",
	"(^.|b)+2", "(\\<.)+", /* glibc's bug */
	"a{", "a{1", "a{1,", "a{1,2", "a{}", "a{x}", "a{1x}", "a{2,1}", "a{1,2,3}", "a{-1}", "a{1\\,2}",
	"a{\\02}", "a{\\1}", "a{1\\}", "a{32767}", "a{32768}", "a{99999}", "{1}", "a|{1}", "({1})",
	"*a", "+a", "?a", "a|*b", "(*a)", "(+)", "a|?", "}", "a}", "a{1}}", "\\{1}", "a\\{1}",
	/* alternation and groups */
	"a|b", "ab|cd", "a|", "|a", "|", "||", "a||b", "()", "(a)", "((a))", "(a|)", "(|a)", "(|)", "(()|a)b",
	"(a|b)(c|d)", "a(b|c)*d", "(", "(a", "a)", ")", "())", "(a))", "((a)", ")(", "(a|b", "a|b)",
	/* brackets */
	"[a]", "[ab]", "[^a]", "[^ab]", "[a-c]", "[^a-c]", "[]a]", "[^]a]", "[]]", "[^]]", "[a-]", "[-a]",
	"[^-a]", "[a-z-]", "[--/]", "[---]", "[a--]", "[!--]", "[]-a]", "[]-]", "[a-z-9]", "[z-a]", "[a-a]",
	"[\\]]", "[\\]", "[\\a]", "[.]", "[*]", "[$]", "[^^]", "[a^]", "[|]", "[(]", "[[]", "[[a]", "[a[]",
	"[", "[a", "[^", "[]", "[^]", "[a-", "[a-]b", "[\x80-\xff]", "[a-\xe9]", "[\xe9]", "[^\xe9]",
	"[[:alpha:]]", "[[:digit:]]", "[[:space:]]", "[[:upper:]]", "[[:lower:]]", "[[:alnum:]]",
	"[[:punct:]]", "[[:xdigit:]]", "[[:blank:]]", "[[:cntrl:]]", "[[:graph:]]", "[[:print:]]",
	"[^[:alpha:]]", "[[:digit:][:upper:]]", "[a[:digit:]b]", "[[:alpha:]-]", "[[:alpha:]-z]",
	"[a-[:alpha:]]", "[[:foo:]]", "[[:ALPHA:]]", "[[:alpha:]", "[[:alpha]", "[[:alpha]]", "[[::]]",
	"[[:]", "[[:a]b:]]", "[[.a.]]", "[[.-.]]", "[[.].]]", "[[...]]", "[[..]]", "[[.ab.]]",
	"[[.a.]-c]", "[a-[.c.]]", "[[.-.]-0]", "[!-[.-.]]", "[[=a=]]", "[[=a=]b]", "[[==]]", "[[===]]",
	"[[=a=]-z]", "[[.space.]]", "[[:alpha:][:digit:]]x", "[[]a]", "[a]]", "x[[:space:]]+y",
	/* escapes */
	"\\.", "\\*", "\\+", "\\?", "\\(", "\\)", "\\[", "\\]", "\\{", "\\}", "\\|", "\\^", "\\$", "\\\\",
	"\\-", "a\\", "\\", "\\a", "\\d", "\\n", "\\t", "\\0", "\\1", "(a)\\1", "\\\xe9", "\\,",
	"\\w", "\\W", "\\s", "\\S", "\\w+", "\\W*", "[\\w]", "\\b", "\\B", "\\<", "\\>", "\\ba\\b", "\\Ba",
	"a\\B", "\\<a", "a\\>", "\\`", "\\'", "\\`a", "a\\'", "a\\`", "\\'a", "\\b*", "\\<+", "\\`?",
	/* realistic ready=log: patterns */
	"ready to accept connections", "^Listening on [0-9.]+:[0-9]+$", "started in [0-9]+(\\.[0-9]+)?s",
	"(INFO|NOTICE).*ready", "port ([0-9]{2,5})", "^\\[[^]]*\\] ", "server (is )?up", "[Rr]eady\\.?$",
};

static const char *const subjects[] = {
	"", "a", "b", "ab", "ba", "abc", "aab", "abab", "aaa", "aaaa", "c", "ac", "acd", "abd", "abcd", "bc",
	"-", "a-", "]", "a]", "^", "$", "x", "xy", "x y", "x\t\ty", ".", "*", "+", "?", "(", ")", "{", "}",
	"{1}", "a{1}", "[", "\\", "|", ",", ":", "_", "0", "/", "9", "Z", "z", "A", "\t", "\x01", "\x7f",
	"\xe9", "a\xe9", "\x80", "\xff", "w", "d", "n", "t", "a b", "a_b", "a.b", "_a_", "ab ba",
	"ready to accept connections", "Listening on 0.0.0.0:8080", "started in 1.25s", "NOTICE: ready",
	"port 80", "[1] x", "[] y", "server up", "Ready.", "ready", "aa", "bb", "cd", "ad", "abcabc",
};

static void test_corpus(void)
{
	enum { N = sizeof subjects / sizeof *subjects };
	const char *s[N + 3];
	size_t len[N + 3];
	for (int i = 0; i < N; i++)
		len[i] = strlen(s[i] = subjects[i]);
	/* NUL is a byte like another for [^x], not for '.' (glibc's RE_DOT_NOT_NULL) */
	s[N] = "\0", len[N] = 1;
	s[N + 1] = "a\0b", len[N + 1] = 3;
	s[N + 2] = "\0a", len[N + 2] = 2;
	for (size_t k = 0; k < sizeof patterns / sizeof *patterns; k++)
		compare(patterns[k], s, len, N + 3);
}

/* ---- random patterns ---- */

static uint32_t rng = 2463534242u; /* xorshift32, fixed seed: the same patterns every run */

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
	return rng % n;
}

/* Three families of tokens from small alphabets, so that random sequences are often
 * valid and often match: a mix of everything, single bytes (the parser's corners),
 * bracket pieces. Subjects come from a matching alphabet, with a NUL now and then. */
static const char *const mixed[] = {
	"a", "b", "a", "b", ".", "-", "]", "_", " ", "*", "+", "?", "|", "|", "(", ")", "(", ")", "^", "$",
	"[", "[", "[^", "]", "{", "}", ",", "1", "0", "2", "{1}", "{0,1}", "{2,}", "{,2}", "{1,2}", "\\",
	"\\w", "\\s", "\\b", "\\B", "\\<", "\\>", "\\.", "\\(", "[:alpha:]", "[:space:]", "[.a.]", "[=b=]",
	"[a-b]", "[^a]", "\xe9", ":", "\\1", NULL,
};
static const char *const bytes[] = {
	"(", ")", "[", "]", "{", "}", "|", "*", "+", "?", "^", "$", "\\", ".", "-", ",", ":", "=", "a",
	"b", "0", "1", "2", " ", "_", "\xe9", "w", "s", "<", ">", "`", "'", "B", NULL,
};
static const char *const brackets[] = {
	"[", "[", "]", "]", "-", "-", "^", "[:", ":]", "[.", ".]", "[=", "=]", "alpha", "digit", "space",
	"punct", "a", "b", "z", "\xe9", "\x80", "\xff", ".", "!", "/", "\\", "*", "|", "(", ")", ":", "=",
	"{1}", "A", "0", "9", " ", "\t", "_", "~", "\x7f", "\x01", NULL,
};

static uint32_t pick(const char *const *v)
{
	uint32_t n = 0;
	while (v[n])
		n++;
	return rnd(n);
}

static void random_family(const char *const *tokens, int max_tokens, const char *alphabet, int patterns)
{
	enum { SUBJECTS = 24 };
	char pat[256], sbuf[SUBJECTS][12];
	const char *s[SUBJECTS];
	size_t len[SUBJECTS], nalpha = strlen(alphabet);
	long before = failed;
	for (int k = 0; k < patterns; k++) {
		size_t n = 0;
		for (uint32_t t = 1 + rnd((uint32_t)max_tokens); t--;) {
			const char *tok = tokens[pick(tokens)];
			memcpy(pat + n, tok, strlen(tok));
			n += strlen(tok);
		}
		pat[n] = 0;
		for (int i = 0; i < SUBJECTS; i++) {
			len[i] = rnd(i < 4 ? 3 : 11);
			for (size_t j = 0; j < len[i]; j++)
				sbuf[i][j] = rnd(40) ? alphabet[rnd((uint32_t)nalpha)] : '\0';
			sbuf[i][len[i]] = 0; /* ASan's regexec reads to a NUL, REG_STARTEND or not */
			s[i] = sbuf[i];
		}
		compare(pat, s, len, SUBJECTS);
		if (failed - before > 20) {
			fprintf(stderr, "too many failures, stopping the random patterns\n");
			return;
		}
	}
}

static void test_random(void)
{
	random_family(mixed, 10, "abab-]_ .:0\xe9", 4000);
	random_family(bytes, 16, "abab-]_ .:0\xe9wsB<(){}[]\\^$*+?,12|`'=", 3000);
	random_family(brackets, 14, "abz-]_ .:09AZ\xe9\x80\xff!/[=~\t\x01\x7f\\^", 3000);
}

/* ---- pinned results: what the corpus shows, written down ---- */

#define CHECK_SEARCH(pat, subj, want)                                                              \
	do {                                                                                       \
		char err_[128] = "";                                                               \
		int got_ = ours_search(pat, subj, sizeof subj - 1, err_, sizeof err_);             \
		if (got_ == (want))                                                                \
			passed++;                                                                  \
		else {                                                                             \
			failed++;                                                                  \
			fprintf(stderr, "%s:%d: \"%s\" on \"%s\" = %d, expected %d (%s)\n", __FILE__, \
				__LINE__, pat, subj, got_, want, err_);                            \
		}                                                                                  \
	} while (0)

static void test_pinned(void)
{
	CHECK_SEARCH("", "", 1);
	CHECK_SEARCH("b", "abc", 1); /* a search, not a whole-string match */
	CHECK_SEARCH("^b", "abc", 0);
	CHECK_SEARCH("b$", "abc", 0);
	CHECK_SEARCH("a^b", "a^b", 0); /* ^ and $ are anchors anywhere */
	CHECK_SEARCH("a|", "xyz", 1);  /* an empty branch matches the empty string */
	CHECK_SEARCH("x{0}y", "y", 1);
	CHECK_SEARCH("a{2,3}", "xaax", 1);
	CHECK_SEARCH("^a{2,3}$", "aaaa", 0);
	CHECK_SEARCH("a{,2}b", "b", 1);
	CHECK_SEARCH("[]a]", "]", 1);
	CHECK_SEARCH("[^]a]", "]", 0);
	CHECK_SEARCH("[a-]", "-", 1);
	CHECK_SEARCH("[\\]]", "\\]", 1); /* no escapes in brackets: [\] then ] */
	CHECK_SEARCH("[[:digit:]]+", "port 80", 1);
	CHECK_SEARCH("^[[:upper:]]", "port", 0);
	CHECK_SEARCH(".", "\0", 0);    /* '.' is not NUL */
	CHECK_SEARCH("[^a]", "\0", 1); /* but [^a] is */
	CHECK_SEARCH("a.c", "a\xe9" "c", 1);
	CHECK_SEARCH("\\d", "d", 1); /* glibc's: an unknown escape is the letter */
	CHECK_SEARCH("\\<up\\>", "server up.", 1);
	CHECK_SEARCH("\\bup\\b", "setup", 0);
	CHECK_SEARCH("\\s+ready", "is   ready", 1);
	CHECK_SEARCH("a)", "a)", 1); /* a ')' outside a group is a literal */
	CHECK_SEARCH("a{1\\,2}", "aa", 1);
	CHECK_SEARCH("(^a|b){2}", "ba", 0); /* glibc finds these: its {m,n} copies lose anchors */
	CHECK_SEARCH("a(^b){0,2}c", "abc", 0);
	CHECK_SEARCH("(^.)+x", "cax", 0);
	CHECK_SEARCH("(^a|b){2}", "ab", 1);
	CHECK_SEARCH(".^", "a\nb", 0); /* glibc finds it: '\n' is a line break to its DFA */
	CHECK_SEARCH("a$.", "a\nb", 0);
	CHECK_SEARCH("a*", "", 1); /* NULL subjects of length 0 are fine */
	CHECK(ours_search("^$", NULL, 0, NULL, 0) == 1);
	/* the subject is LEN bytes, not a string */
	struct rx *re = rx_compile("ab$", NULL, 0);
	CHECK(re && rx_search(re, "abX", 2) && !rx_search(re, "abX", 3) && rx_search(re, "xab", 3));
	rx_free(re);
	rx_free(NULL);
}

/* ---- messages and limits ---- */

#define CHECK_ERROR(pat, want)                                                                      \
	do {                                                                                        \
		char err_[128] = "";                                                                \
		struct rx *re_ = rx_compile(pat, err_, sizeof err_);                                \
		if (!re_ && !strcmp(err_, want))                                                    \
			passed++;                                                                   \
		else {                                                                              \
			failed++;                                                                   \
			fprintf(stderr, "%s:%d: \"%s\": \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
				pat, re_ ? "(accepted)" : err_, want);                              \
		}                                                                                   \
		rx_free(re_);                                                                       \
	} while (0)

static void test_errors(void)
{
	CHECK_ERROR("abc(de", "unmatched ( at offset 3");
	CHECK_ERROR("a[bc", "unmatched [ at offset 1");
	CHECK_ERROR("[[:alpha:]", "unmatched [ at offset 0");
	CHECK_ERROR("x[[:foo:]]", "unknown character class at offset 2");
	CHECK_ERROR("[[.ab.]]", "unsupported collating element at offset 1");
	CHECK_ERROR("[z-a]", "invalid range at offset 2");
	CHECK_ERROR("[a-c-e]", "invalid range at offset 4");
	CHECK_ERROR("*a", "nothing to repeat at offset 0");
	CHECK_ERROR("a|+", "nothing to repeat at offset 2");
	CHECK_ERROR("^*", "nothing to repeat at offset 1");
	CHECK_ERROR("ab{2,1}", "invalid {m,n} at offset 2");
	CHECK_ERROR("a{1", "invalid {m,n} at offset 1");
	CHECK_ERROR("a{32768}", "invalid {m,n} at offset 1");
	CHECK_ERROR("ab\\", "trailing backslash at offset 2");
	CHECK_ERROR("(a)\\1", "back-references are not supported at offset 3");
	CHECK_ERROR("x(a{0,5000})", "pattern too big (over 2048 instructions) at offset 3");
	/* a short buffer gets a truncated message, never an overflow */
	char err[8];
	CHECK(!rx_compile("(", err, sizeof err) && !strcmp(err, "unmatch"));
	CHECK(!rx_compile("(", NULL, 0));
}

static void test_limits(void)
{
	char pat[2 * RX_MAX_PATTERN], err[128];
	/* the documented differences: glibc takes these, we refuse them with a reason */
	CHECK(glibc_search("(a)\\1", "aa", 2) == 1);
	CHECK(glibc_search("a{0,5000}", "", 0) == 1);
	memset(pat, 'a', RX_MAX_PATTERN);
	pat[RX_MAX_PATTERN] = 0;
	struct rx *re = rx_compile(pat, err, sizeof err); /* 1024 bytes: just fits */
	CHECK(re && rx_search(re, pat, RX_MAX_PATTERN) && !rx_search(re, pat, RX_MAX_PATTERN - 1));
	rx_free(re);
	pat[RX_MAX_PATTERN] = 'a', pat[RX_MAX_PATTERN + 1] = 0;
	CHECK(!rx_compile(pat, err, sizeof err) && !strcmp(err, "pattern longer than 1024 bytes"));
	CHECK(glibc_search(pat, pat, RX_MAX_PATTERN + 1) == 1);
	/* RX_MAX_DEPTH groups nest, one more does not */
	for (int depth = RX_MAX_DEPTH; depth <= RX_MAX_DEPTH + 1; depth++) {
		memset(pat, '(', depth);
		pat[depth] = 'a';
		memset(pat + depth + 1, ')', depth);
		pat[2 * depth + 1] = 0;
		re = rx_compile(pat, err, sizeof err);
		CHECK(depth == RX_MAX_DEPTH ? re && rx_search(re, "a", 1) : !re && strstr(err, "nested too deeply"));
		CHECK(glibc_search(pat, "a", 1) == 1);
		rx_free(re);
	}
	/* the program: a{RX_MAX_PROG - 1} and its MATCH fill RX_MAX_PROG */
	snprintf(pat, sizeof pat, "a{%d}", RX_MAX_PROG - 1);
	CHECK((re = rx_compile(pat, err, sizeof err)) != NULL);
	rx_free(re);
	snprintf(pat, sizeof pat, "a{%d}", RX_MAX_PROG);
	CHECK(!rx_compile(pat, err, sizeof err) && strstr(err, "too big"));
	CHECK(!rx_compile("(((a{16}){16}){16})", err, sizeof err) && strstr(err, "too big"));
}

/* ---- linear time ---- */

/* Patterns a backtracking matcher takes exponential or cubic time on, against long
 * subjects that do not match: here each byte costs at most the program's size. */
static void test_linear(void)
{
	static const char *const bad[] = {
		"(a*)*b", "(a|a)*b", "(a|aa)+$b", "(a+)+b", "(.*a){12}b", "(a?){40}a{40}b", "^(a|a?)+c",
		"(x+x+)+y", "([a-z]+[a-z]*)*[0-9]",
	};
	enum { LEN = 100000 };
	char *s = malloc(LEN);
	CHECK(s != NULL);
	if (!s)
		return;
	memset(s, 'a', LEN);
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		char err[128];
		struct rx *re = rx_compile(bad[k], err, sizeof err);
		clock_t t0 = clock();
		CHECK(re && !rx_search(re, s, LEN));
		double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		if (secs > 5) /* generous for ASan on a slow machine: backtracking takes years */
			fprintf(stderr, "\"%s\": %.1f s for %d bytes\n", bad[k], secs, LEN);
		CHECK(secs <= 5);
		rx_free(re);
	}
	free(s);
}

static void report(const char *what)
{
	printf("%s: %ld patterns: %ld accepted, %ld refused by both, %ld documented differences; "
	       "%ld searches, %ld of them glibc's {m,n} and + bug\n",
	       what, stats.patterns, stats.accepted, stats.refused, stats.documented, stats.searches,
	       stats.glibc_bug);
}

int main(void)
{
	test_corpus();
	report("corpus");
	memset(&stats, 0, sizeof stats);
	test_random();
	report("random");
	test_pinned();
	test_errors();
	test_limits();
	test_linear();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
