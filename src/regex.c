/* regex.c — see regex.h. A recursive-descent parser writes code for a Thompson NFA; the
 * search runs every thread in step, one byte at a time, so it is linear in the subject
 * (at most RX_MAX_PROG states per byte) whatever the pattern.
 *
 * The syntax is glibc's for REG_EXTENDED, oddities included (the unit test compares
 * with glibc on every pattern it has): a quantifier first in a group or branch or after
 * an anchor is an error, as are a{} and a{2,1}; a{,n} is a{0,n}; quantifiers pile up
 * (a**, a{2}?); ')' outside a group and '}' are literals; '\' before any other byte is
 * that byte (so \d is 'd', \n is 'n'); GNU's \w \W \s \S \b \B \< \> \` \' are there;
 * [.c.] and [=c=] are the byte c; '-' in a bracket only first, last or ending a range;
 * '.' is any byte but NUL, [^x] any byte but x; bytes >= 0x80 are plain bytes.
 *
 * What glibc accepts and this refuses, with a message:
 *  - back-references \1 to \9 (not regular: no linear-time matcher has them);
 *  - patterns over RX_MAX_PATTERN bytes or RX_MAX_DEPTH nested groups;
 *  - patterns compiling to over RX_MAX_PROG instructions: x{m,n} costs n copies of x
 *    (glibc takes counts up to 32767: a{0,5000} is too big here).
 * Nothing glibc refuses is accepted. Where glibc finds a match that is not there:
 *  - anchors in the copies glibc makes for x{m,n} and x+ (all but the first) are
 *    ignored: it finds (^a|b){2} in "ba", a(^b){0,2}c in "abc", (^.)+x in "cax";
 *    here they are obeyed;
 *  - a '\n' inside the subject: glibc's ^ matches after it and $ before it in some
 *    patterns (.^ finds "a\nb", ^b does not), though REG_NEWLINE is not set. Here '\n'
 *    is a byte like another; ready=log: lines come without their newline anyway. */
#include "regex.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define TOO_BIG "pattern too big (over " STR(RX_MAX_PROG) " instructions)"
#define DUP_MAX 32767 /* glibc's RE_DUP_MAX: a larger count is an error there too */

/* CHAR, ANY (a byte but NUL) and SET take a byte; the others are passed through. */
enum { I_CHAR, I_ANY, I_SET, I_MATCH, I_JMP, I_SPLIT, I_ASSERT };

/* A position is one of 16 kinds: bit 0 a word byte before it, bit 1 one after it, bit 2
 * the start, bit 3 the end. An assertion holds at the kinds set in its 16-bit mask, for
 * ^ \` $ \' \b \B \< \>; outside the subject is neither a word nor a line. */
#define AT_START 0xf0f0
#define AT_END 0xff00
static const uint16_t assert_masks[] = {AT_START, AT_END, 0x6666, 0x9999, 0x4444, 0x2222};

/* Jumps are relative, so code moves and copies as is: x{2,3} is three copies of x. */
struct ins {
	uint8_t op, c; /* I_CHAR: the byte */
	int16_t x, y;  /* I_JMP: offset x; I_SPLIT: offsets x and y; I_SET: sets[x];
			  I_ASSERT: the mask x */
};

struct rx {
	struct ins *ins;
	uint8_t (*sets)[32];      /* bitmaps of bytes */
	uint16_t *pcs[2];         /* the search's two lists of states */
	uint8_t *on[2];           /* on[k][pc]: pc is in list k (all 0 between searches) */
};

/* ---- the compiler ---- */

struct cc {
	const char *pat, *p;
	struct ins *ins; /* RX_MAX_PROG of them */
	uint8_t (*sets)[32];
	int n, nsets, depth;
	char *err;
	size_t errlen;
};

static int alt(struct cc *c);

/* The message, and where in the pattern unless AT is NULL. */
static int fail(struct cc *c, const char *at, const char *what)
{
	snprintf(c->err, c->errlen, at ? "%s at offset %d" : "%s", what, at ? (int)(at - c->pat) : 0);
	return -1;
}

/* One instruction; the last slot is kept for the final MATCH. */
static int emit(struct cc *c, int op, int ch, int x)
{
	if (c->n >= RX_MAX_PROG - 1)
		return fail(c, c->p, TOO_BIG);
	c->ins[c->n++] = (struct ins){op, ch, x, 0};
	return 0;
}

/* The C locale's classes by name, 6 bytes each, and as masks over the intervals of
 * ASCII that no class boundary crosses; bit K of a mask is class K, bit 12 is \w. */
static const char class_names[] = "alpha digit alnum upper lower space blank punct print graph cntrl xdigit";
enum { SPACE = 5, WORD = 12 };
static const uint8_t starts[] = {0, 9, 10, 14, 32, 33, 48, 58, 65, 71, 91, 95, 96, 97, 103, 123, 127, 128};
static const uint16_t masks[] = {
	0x400, 0x460, 0x420, 0x400, 0x160, 0x380, 0x1b06, 0x380, 0x1b0d,
	0x130d, 0x380, 0x1380, 0x380, 0x1b15, 0x1315, 0x380, 0x400,
};

static void add_range(uint8_t *set, int lo, int hi)
{
	for (; lo <= hi; lo++)
		set[lo >> 3] |= 1 << (lo & 7);
}

static void add_class(uint8_t *set, int k)
{
	for (int ch = 0, r = 0; ch < 128; ch++)
		if (masks[r += ch == starts[r + 1]] >> k & 1)
			add_range(set, ch, ch);
}

/* Sets are counted before compiling: one per '[' or '\' of the pattern at most. */
static uint8_t *new_set(struct cc *c)
{
	return memset(c->sets[c->nsets++], 0, sizeof *c->sets);
}

static int emit_set(struct cc *c, bool neg)
{
	for (size_t i = 0; neg && i < sizeof *c->sets; i++)
		c->sets[c->nsets - 1][i] ^= 0xff;
	return emit(c, I_SET, 0, c->nsets - 1);
}

/* [:name:], [.c.] or [=c=] at c->p, as glibc reads them: the name runs to the first
 * delimiter followed by ']', within 32 bytes. *kind is the delimiter; returns the class
 * or the byte, -1 on error. */
static int symbol(struct cc *c, int *kind)
{
	const char *at = c->p, *name = at + 2;
	size_t n = 0;
	for (*kind = at[1]; !(name[n] == *kind && name[n + 1] == ']'); n++)
		if (n >= 31 || !name[n] || !name[n + 1])
			return fail(c, at, "unmatched [");
	c->p = name + n + 2;
	if (*kind != ':')
		return n == 1 ? (uint8_t)name[0] : fail(c, at, "unsupported collating element");
	for (int k = 0; n <= 6 && k < 12; k++) /* "alpha" is "alpha ", not "alpha d" */
		if (!memcmp(class_names + 6 * k, name, n) && class_names[6 * k + n] <= ' ')
			return k;
	return fail(c, at, "unknown character class");
}

/* One element of a bracket expression: a byte (*kind '.', as [.c.]) or a symbol. A '-'
 * is a byte only first, last or ending a range (HYPHEN), as in glibc. */
static int element(struct cc *c, bool hyphen, int *kind)
{
	const char *p = c->p;
	if (p[0] == '[' && (p[1] == '.' || p[1] == '=' || p[1] == ':'))
		return symbol(c, kind);
	if (p[0] == '-' && !hyphen && p[1] && p[1] != ']')
		return fail(c, p, "invalid range");
	*kind = '.';
	c->p++;
	return (uint8_t)*p;
}

/* [...] after the '['. A ']' first is a member; classes and [=c=] end no range. */
static int bracket(struct cc *c)
{
	const char *open = c->p - 1;
	uint8_t *set = new_set(c);
	bool neg = *c->p == '^', first = true;
	c->p += neg;
	do {
		int lo, hi, kind;
		if (!*c->p)
			return fail(c, open, "unmatched [");
		if ((lo = hi = element(c, first, &kind)) < 0)
			return -1;
		first = false;
		if (kind == '.' && c->p[0] == '-' && c->p[1] && c->p[1] != ']') {
			const char *at = c->p++;
			if ((hi = element(c, true, &kind)) < 0)
				return -1;
			if (kind != '.' || lo > hi)
				return fail(c, at, "invalid range");
		}
		if (kind == ':')
			add_class(set, lo);
		else
			add_range(set, lo, hi);
	} while (*c->p != ']');
	c->p++;
	return emit_set(c, neg);
}

/* After the '\'. Returns 1 for an assertion (nothing may repeat it), else 0 or -1. */
static int escape(struct cc *c)
{
	static const char asserts[] = "`'bB<>", sets[] = "wWsS"; /* asserts: as assert_masks */
	const char *k;
	unsigned char ch = *c->p;
	if (!ch)
		return fail(c, c->p - 1, "trailing backslash");
	c->p++;
	if (ch >= '1' && ch <= '9')
		return fail(c, c->p - 2, "back-references are not supported");
	if ((k = strchr(asserts, ch)))
		return emit(c, I_ASSERT, 0, (int16_t)assert_masks[k - asserts]) ? -1 : 1;
	if (!(k = strchr(sets, ch)))
		return emit(c, I_CHAR, ch, 0);
	add_class(new_set(c), k < sets + 2 ? WORD : SPACE);
	return emit_set(c, (k - sets) & 1);
}

static int group(struct cc *c)
{
	const char *open = c->p - 1;
	if (++c->depth > RX_MAX_DEPTH)
		return fail(c, open, "groups nested too deeply (over " STR(RX_MAX_DEPTH) ")");
	if (alt(c) < 0)
		return -1;
	if (*c->p != ')')
		return fail(c, open, "unmatched (");
	c->p++;
	c->depth--;
	return 0;
}

/* Returns 1 for an anchor (glibc takes a quantifier after one for an error), else 0 or
 * -1. */
static int atom(struct cc *c)
{
	unsigned char ch = *c->p++;
	switch (ch) {
	case '(':
		return group(c);
	case '[':
		return bracket(c);
	case '\\':
		return escape(c);
	case '.':
		return emit(c, I_ANY, 0, 0);
	case '^':
	case '$':
		return emit(c, I_ASSERT, 0, (int16_t)(ch == '^' ? AT_START : AT_END)) ? -1 : 1;
	case '*':
	case '+':
	case '?':
	case '{':
		return fail(c, c->p - 1, "nothing to repeat");
	default:
		return emit(c, I_CHAR, ch, 0);
	}
}

/* One count of {m,n} as glibc's fetch_number reads it, to an unescaped '}' or any ','
 * (even "\,"): *num is -1 if empty, -2 if anything but digits came ("\0" is a digit to
 * glibc: only \1 to \9 are back-references). Returns the byte that ended it, 0 at the
 * end of the pattern. */
static int count(struct cc *c, int *num)
{
	for (*num = -1;;) {
		bool esc = c->p[0] == '\\' && c->p[1];
		int ch = (uint8_t)c->p[esc];
		if (!ch)
			return 0;
		c->p += 1 + esc;
		if (ch == ',' || (ch == '}' && !esc))
			return ch;
		if (ch < '0' || ch > '9' || (esc && ch != '0') || *num == -2)
			*num = -2;
		else
			*num = *num < 0 ? ch - '0' : *num > DUP_MAX ? *num : *num * 10 + ch - '0'; /* no overflow */
	}
}

/* {m}, {m,}, {m,n}, {,n} after the '{'; *hi -1 for no bound. */
static int braces(struct cc *c, int *lo, int *hi)
{
	int end = count(c, lo);
	if (*lo == -1 && end == ',')
		*lo = 0;
	if (*lo < 0 || !end)
		return -1;
	*hi = *lo;
	if (end == ',' && count(c, hi) != '}')
		return -1;
	return *hi == -2 || (*hi >= 0 && *lo > *hi) || (*hi < 0 ? *lo : *hi) > DUP_MAX ? -1 : 0;
}

/* The code of x from A on, repeated LO to HI times (HI -1: no bound): LO copies of x,
 * then "L: split +1, END; x; jmp L" or HI - LO times "split +1, NEXT; x". Written from
 * the last copy back, so x is read before the first copy overwrites it. */
static int repeat(struct cc *c, int a, int lo, int hi, const char *at)
{
	int len = c->n - a, opt = hi < 0 ? 1 : hi - lo, k = lo + opt;
	long total = (long)lo * len + (long)opt * (len + 1 + (hi < 0));
	if (!len)
		return 0; /* nothing repeated is nothing */
	if (a + total > RX_MAX_PROG - 1)
		return fail(c, at, TOO_BIG);
	c->n = a + (int)total;
	for (int end = c->n; k-- > 0;) {
		int split = k >= lo, loop = split && hi < 0, p = end - len - split - loop;
		memmove(c->ins + p + split, c->ins + a, len * sizeof *c->ins);
		if (split)
			c->ins[p] = (struct ins){I_SPLIT, 0, 1, len + 1 + loop};
		if (loop)
			c->ins[p + 1 + len] = (struct ins){I_JMP, 0, -len - 1, 0};
		end = p;
	}
	return 0;
}

/* An atom and its quantifiers, which may pile up as in glibc: a** and a{2}? are valid. */
static int piece(struct cc *c)
{
	int a = c->n, r = atom(c);
	while (r == 0 && *c->p && strchr("*+?{", *c->p)) {
		const char *at = c->p;
		int lo = *at == '+', hi = *at == '?' ? 1 : -1;
		c->p++;
		if (*at == '{' && braces(c, &lo, &hi))
			return fail(c, at, "invalid {m,n}");
		r = repeat(c, a, lo, hi, at);
	}
	return r < 0 ? -1 : 0;
}

/* Pieces up to '|', the end, or a ')' closing a group (outside one it is a literal). */
static int branch(struct cc *c)
{
	while (*c->p && *c->p != '|' && !(*c->p == ')' && c->depth))
		if (piece(c) < 0)
			return -1;
	return 0;
}

/* Branches: each '|' turns the code so far into "split +1, NEXT; code; jmp END; NEXT:"
 * and the next branch follows. Branches may be empty (a|, (|b)) as in glibc. */
static int alt(struct cc *c)
{
	int a = c->n;
	if (branch(c) < 0)
		return -1;
	while (*c->p == '|') {
		c->p++;
		if (emit(c, I_JMP, 0, 0) < 0)
			return -1;
		memmove(c->ins + a + 1, c->ins + a, (c->n - 1 - a) * sizeof *c->ins);
		c->ins[a] = (struct ins){I_SPLIT, 0, 1, c->n - a + 1};
		int jmp = c->n;
		if (emit(c, I_JMP, 0, 0) < 0 || branch(c) < 0)
			return -1;
		c->ins[jmp].x = c->n - jmp;
	}
	return 0;
}

/* The program in one block, with the search's scratch memory. */
static struct rx *finish(struct cc *c)
{
	size_t n = c->n, ni = n * sizeof(struct ins), ns = c->nsets * sizeof *c->sets;
	struct rx *re = malloc(sizeof *re + ni + 2 * n * sizeof(uint16_t) + ns + 2 * n);
	if (!re)
		return fail(c, NULL, "out of memory"), NULL;
	char *m = (char *)(re + 1);
	re->ins = memcpy(m, c->ins, ni);
	re->pcs[0] = (uint16_t *)(m += ni);
	re->pcs[1] = re->pcs[0] + n;
	re->sets = memcpy(m += 2 * n * sizeof(uint16_t), c->sets, ns);
	re->on[0] = memset(m += ns, 0, 2 * n);
	re->on[1] = re->on[0] + n;
	return re;
}

struct rx *rx_compile(const char *pattern, char *err, size_t errlen)
{
	struct cc c = {.pat = pattern, .p = pattern, .err = err, .errlen = errlen};
	struct rx *re = NULL;
	size_t nsets = 1;
	if (strlen(pattern) > RX_MAX_PATTERN)
		return fail(&c, NULL, "pattern longer than " STR(RX_MAX_PATTERN) " bytes"), NULL;
	for (const char *p = pattern; *p; p++)
		nsets += *p == '[' || *p == '\\';
	if (!(c.ins = malloc(RX_MAX_PROG * sizeof *c.ins + nsets * sizeof *c.sets)))
		return fail(&c, NULL, "out of memory"), NULL;
	c.sets = (void *)(c.ins + RX_MAX_PROG);
	if (alt(&c) == 0) { /* at the top a ')' is a literal: alt ran to the end */
		c.ins[c.n++] = (struct ins){I_MATCH, 0, 0, 0};
		re = finish(&c);
	}
	free(c.ins);
	return re;
}

void rx_free(struct rx *re)
{
	free(re);
}

/* ---- the search ---- */

struct list {
	uint16_t *pc;
	uint8_t *on;
	int n;
};

static bool is_word(const unsigned char *s, size_t i, size_t len)
{
	unsigned ch = i < len ? s[i] : 0;
	return ch - '0' < 10 || (ch | 32) - 'a' < 26 || ch == '_';
}

/* The kind of position I, as the assertion masks see it. */
static int position(const unsigned char *s, size_t i, size_t len)
{
	return (i && is_word(s, i - 1, len)) | is_word(s, i, len) << 1 | !i << 2 | (i == len) << 3;
}

static void put(struct list *l, int pc)
{
	if (!l->on[pc]) {
		l->on[pc] = 1;
		l->pc[l->n++] = pc;
	}
}

/* Adds to L every state its states reach without a byte at a position of kind AT; the
 * list is its own work queue, and a state enters it once. True once MATCH is in it. */
static bool closure(const struct rx *re, struct list *l, int at)
{
	for (int k = 0; k < l->n; k++) {
		int pc = l->pc[k];
		const struct ins *in = &re->ins[pc];
		if (in->op == I_MATCH)
			return true;
		if (in->op == I_SPLIT)
			put(l, pc + in->y);
		if (in->op == I_JMP || in->op == I_SPLIT)
			put(l, pc + in->x);
		else if (in->op == I_ASSERT && (uint16_t)in->x >> at & 1)
			put(l, pc + 1);
	}
	return false;
}

static bool eats(const struct rx *re, const struct ins *in, unsigned char ch)
{
	if (in->op == I_SET)
		return re->sets[in->x][ch >> 3] >> (ch & 7) & 1;
	return in->op == I_CHAR ? ch == in->c : in->op == I_ANY && ch; /* '.' skips NUL, as glibc */
}

static void clear(struct list *l)
{
	while (l->n)
		l->on[l->pc[--l->n]] = 0;
}

/* At each position: a new thread starts (this is a search), the states are closed over
 * the jumps and assertions, and those that take the byte are the next list. No
 * captures, so how a state was reached does not matter: one entry per state. */
bool rx_search(const struct rx *re, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	struct list l[2] = {{re->pcs[0], re->on[0], 0}, {re->pcs[1], re->on[1], 0}};
	bool found = false;
	for (size_t i = 0; !found; i++) {
		struct list *cur = &l[i & 1], *next = &l[!(i & 1)];
		put(cur, 0);
		if ((found = closure(re, cur, position(u, i, len))) || i == len)
			break;
		for (int k = 0; k < cur->n; k++)
			if (eats(re, &re->ins[cur->pc[k]], u[i]))
				put(next, cur->pc[k] + 1);
		clear(cur);
	}
	clear(&l[0]);
	clear(&l[1]);
	return found;
}
