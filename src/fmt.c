/* fmt.c — tend's own printf family: snprintf, vsnprintf, sprintf, vsprintf, asprintf,
 * vasprintf, dprintf, vdprintf, fprintf, vfprintf, printf, vprintf.
 *
 * Why: the static build (musl-gcc -static) must stay under 256 KiB, and musl's
 * vfprintf.lo is ~10.5 KB of it (a long double fmt_fp, pop_arg for positional
 * arguments, wide characters through wcrtomb, frexpl); this file is ~6 KB and the
 * binary ~7 KB smaller. An executable's definitions take precedence over libc's, so
 * defining the standard names here leaves every call site as it is: the static link
 * never pulls the archive member, and the glibc and ASan builds run this code too (in
 * the ASan build it shadows libasan's printf interceptors, which only check arguments:
 * this file is instrumented itself).
 *
 * The output is glibc's (2.36, C locale), byte for byte, return values included (see
 * tests/unit/test_fmt.c): flags - + space # 0 (and ', a no-op in the C locale), width
 * and precision with *, lengths hh h l ll L q j z Z t, conversions d i u o x X c s p %
 * e E f F g G, and %lc %ls for ASCII (all the C locale has: anything else fails with
 * EILSEQ, as in glibc). NULL prints "(null)" for %s when the precision allows 6 bytes,
 * else nothing; %p prints as %#lx, NULL as "(nil)". Doubles are converted exactly (a
 * small big integer in base 1e9) and rounded half to even, so every double prints as
 * glibc prints it, one glibc quirk of %#g included.
 * Not supported, and never used by tend (-Wformat checks every literal format): %n, %a,
 * %A, %m, %C, %S, positional arguments (%1$d); such a conversion is copied to the output
 * as written and takes no argument. %Lf and friends print the value as a double.
 * An incomplete conversion ("abc%") fails (-1, EINVAL) as in glibc; so does output past
 * INT_MAX bytes (EOVERFLOW), after writing what fits.
 *
 * Pure formatting, never blocking by itself. The FILE and fd variants format into a
 * buffer on the stack and hand it to fwrite() or write() each time it fills: no malloc
 * (dprintf runs in forked children), and stdio's own buffering and order are kept. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "fmt_sink.h"

enum { F_MINUS = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16 };

struct spec {
	unsigned flags;
	size_t width; /* 2^31 for a * of INT_MIN, as glibc */
	int prec;     /* < 0: none */
	char len;     /* 0, 'H' (hh), 'h', 'l', 'L' (ll, L, q), 'j', 'z', 't' */
	char conv;
};

static void fail(struct sink *s, int err)
{
	s->bad = true;
	s->err = err;
}

static bool room(struct sink *s)
{
	if (s->len < s->cap)
		return true;
	if (!s->flush)
		return false;
	s->bad = !s->flush(s);
	return !s->bad;
}

/* N bytes of SRC, or N times C when SRC is NULL. Past INT_MAX bytes in all, what fits
 * is written and the call fails (EOVERFLOW), as glibc's does. */
static void out(struct sink *s, const char *src, char c, size_t n)
{
	bool over = n > INT_MAX - s->total;
	if (s->bad)
		return;
	if (over)
		n = INT_MAX - s->total;
	s->total += n;
	while (n && room(s)) {
		size_t k = s->cap - s->len < n ? s->cap - s->len : n;
		if (src)
			memcpy(s->p + s->len, src, k), src += k;
		else
			memset(s->p + s->len, c, k);
		s->len += k, n -= k;
	}
	if (over)
		fail(s, EOVERFLOW);
}

static void put(struct sink *s, const char *src, size_t n)
{
	out(s, src, 0, n);
}

static void pad(struct sink *s, char c, size_t n)
{
	out(s, NULL, c, n);
}

/* Before a field of LEN bytes that starts with PRE: the padding that goes in front,
 * spaces, or zeros after PRE when ZEROS allow the 0 flag. */
static void lead(struct sink *s, const struct spec *sp, size_t len, const char *pre, size_t npre,
		 bool zeros)
{
	size_t w = sp->width > len ? sp->width - len : 0;
	zeros = zeros && (sp->flags & (F_ZERO | F_MINUS)) == F_ZERO;
	if (!(sp->flags & F_MINUS) && !zeros)
		pad(s, ' ', w);
	put(s, pre, npre);
	if (zeros)
		pad(s, '0', w);
}

/* After it: the spaces of the - flag. */
static void trail(struct sink *s, const struct spec *sp, size_t len)
{
	if ((sp->flags & F_MINUS) && sp->width > len)
		pad(s, ' ', sp->width - len);
}

static void field(struct sink *s, const struct spec *sp, const char *p, size_t n)
{
	lead(s, sp, n, "", 0, false);
	put(s, p, n);
	trail(s, sp, n);
}

/* ---- integers ---- */

/* l, j, z and t are all long here: one va_arg each for int, long and long long. */
_Static_assert(_Generic((intmax_t)0, long: 1, default: 0) &&
		       _Generic((ptrdiff_t)0, long: 1, default: 0) &&
		       _Generic((size_t)0, unsigned long: 1, default: 0),
	       "intmax_t, ptrdiff_t and size_t are long and unsigned long");

static uintmax_t arg_int(va_list *ap, char len, bool sgn)
{
	if (len == 'L') {
		long long v = va_arg(*ap, long long);
		return sgn ? (uintmax_t)v : (unsigned long long)v;
	}
	if (len && len != 'h' && len != 'H') {
		long v = va_arg(*ap, long);
		return sgn ? (uintmax_t)v : (unsigned long)v;
	}
	int v = va_arg(*ap, int);
	if (len == 'H')
		return sgn ? (uintmax_t)(signed char)v : (unsigned char)v;
	if (len == 'h')
		return sgn ? (uintmax_t)(short)v : (unsigned short)v;
	return sgn ? (uintmax_t)v : (unsigned)v;
}

/* d i u o x X and p (as %#lx, signs allowed as glibc does). */
static void fmt_int(struct sink *s, const struct spec *sp, uintmax_t u, bool sgn)
{
	char d[3 * sizeof u], *e = d + sizeof d, *q = e, pre[3];
	const char *xd = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = sp->conv == 'o' ? 8 : strchr("xXp", sp->conv) ? 16 : 10;
	size_t npre = 0;
	if (sgn && sp->conv != 'p' && (intmax_t)u < 0)
		pre[npre++] = '-', u = -u;
	else if (sgn && (sp->flags & (F_PLUS | F_SPACE)))
		pre[npre++] = sp->flags & F_PLUS ? '+' : ' ';
	if (base == 16 && u && (sp->flags & F_ALT))
		pre[npre++] = '0', pre[npre++] = sp->conv == 'X' ? 'X' : 'x';
	for (uintmax_t v = u; v; v /= base)
		*--q = xd[v % base];
	size_t nd = e - q, prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	size_t zeros = prec > nd ? prec - nd : 0;
	if (base == 8 && (sp->flags & F_ALT) && !zeros && (!nd || *q != '0'))
		zeros = 1; /* %#o: the first digit is a 0 */
	lead(s, sp, npre + zeros + nd, pre, npre, sp->prec < 0);
	pad(s, '0', zeros);
	put(s, q, nd);
	trail(s, sp, npre + zeros + nd);
}

/* ---- strings and characters ---- */

static void fmt_str(struct sink *s, const struct spec *sp, const char *p)
{
	if (!p)
		p = sp->prec < 0 || sp->prec >= 6 ? "(null)" : "";
	field(s, sp, p, sp->prec < 0 ? strlen(p) : strnlen(p, sp->prec));
}

/* %ls: the C locale has ASCII only; glibc fails on anything else within the precision. */
static void fmt_wstr(struct sink *s, const struct spec *sp, const wchar_t *w)
{
	size_t n = 0;
	if (!w) {
		fmt_str(s, sp, NULL);
		return;
	}
	for (; (sp->prec < 0 || n < (size_t)sp->prec) && w[n]; n++)
		if ((unsigned long)w[n] > 0x7f) {
			fail(s, EILSEQ);
			return;
		}
	lead(s, sp, n, "", 0, false);
	for (size_t i = 0; i < n; i++)
		put(s, &(char){(char)w[i]}, 1);
	trail(s, sp, n);
}

/* ---- doubles ---- */

#define LIMB 1000000000u
#define LIMBS 90 /* 2^53 * 5^1074, the longest exact value, has 767 digits */

static int mul(uint32_t *l, int n, uint32_t f)
{
	uint64_t c = 0;
	for (int i = 0; i < n; i++) {
		c += (uint64_t)l[i] * f;
		l[i] = c % LIMB;
		c /= LIMB;
	}
	for (; c; c /= LIMB)
		l[n++] = c % LIMB;
	return n;
}

/* The exact decimal digits of |v| (finite), trailing zeros dropped, at *D: |v| is
 * D[0].D[1]D[2]... * 10^*x. Returns how many; 0 (and *x = 0) for zero. */
static int exact(uint64_t bits, char buf[LIMBS * 9], char **D, int *x)
{
	uint32_t l[LIMBS];
	int e = bits >> 52 & 0x7ff, n = 0, nd = 0;
	uint64_t m = bits & ((1ull << 52) - 1);
	if (e)
		m |= 1ull << 52;
	e = (e ? e : 1) - 1075; /* |v| = m * 2^e */
	*D = buf, *x = 0;
	if (!m)
		return 0;
	for (; m; m /= LIMB)
		l[n++] = m % LIMB;
	for (int a = e; a > 0; a -= 29) /* m * 2^e, an integer */
		n = mul(l, n, 1u << (a < 29 ? a : 29));
	for (int b = -e; b > 0; b -= 13) { /* m * 5^-e = |v| * 10^-e */
		uint32_t p = 1;
		for (int k = b < 13 ? b : 13; k--;)
			p *= 5;
		n = mul(l, n, p);
	}
	for (int i = n; i--; nd += 9)
		for (uint32_t k = 9, v = l[i]; k--; v /= 10)
			buf[nd + k] = '0' + v % 10;
	int z = 0;
	while (z < nd && buf[z] == '0') /* the top limb's leading zeros */
		z++;
	*D = buf + z, nd -= z;
	*x = nd - 1 + (e < 0 ? e : 0);
	while (nd && buf[z + nd - 1] == '0')
		nd--;
	return nd;
}

/* Keeps K significant digits of D (nd of them), rounding half to even as glibc does in
 * the default rounding mode; a carry past the first digit raises *x. */
static int round_to(char *D, int nd, int *x, long long k)
{
	if (k >= nd)
		return nd;
	if (k < 0) /* below half a unit of the last place kept */
		return 0;
	bool up = D[k] > '5' || (D[k] == '5' && (k + 1 < nd || (k && (D[k - 1] & 1))));
	nd = k;
	if (up) {
		while (nd && D[nd - 1] == '9')
			nd--;
		if (nd)
			D[nd - 1]++;
		else
			D[0] = '1', nd = 1, ++*x;
	}
	while (nd && D[nd - 1] == '0')
		nd--;
	return nd;
}

/* N digits from D[i] on (nd of them), zeros where i runs outside D. */
static void span(struct sink *s, const char *D, int nd, long long i, long long n)
{
	long long z = i >= 0 ? 0 : -i < n ? -i : n, d;
	pad(s, '0', z);
	i += z, n -= z;
	d = i < nd ? (nd - i < n ? nd - i : n) : 0;
	if (d)
		put(s, D + i, d);
	pad(s, '0', n - d);
}

/* e E f F g G of a finite value: the exact digits, rounded to the precision; then the
 * places from hi down to the point and p places after it, each a digit of D or a 0,
 * and an exponent for the e style. */
static void fmt_fp(struct sink *s, const struct spec *sp, uint64_t bits, const char *pre,
		   size_t npre)
{
	char buf[LIMBS * 9], *D, ex[8];
	int x, nd = exact(bits, buf, &D, &x), nex = 0;
	char c = sp->conv | 32;
	long long p = sp->prec < 0 ? 6 : sp->prec;
	if (c == 'g') {
		int x0 = x;
		p += !p;
		nd = round_to(D, nd, &x, p);
		c = x < p && x >= -4 ? 'f' : 'e';
		/* no trailing zeros without #; glibc drops them with # too when rounding
		 * carries P integer digits into e style (%#g of 999999.5 is "1.e+06") */
		bool quirk = x0 == x - 1 && x == p;
		long long keep = c == 'f' ? nd - 1 - x : nd - 1;
		p -= c == 'f' ? x + 1 : 1;
		if ((!(sp->flags & F_ALT) || quirk) && p > keep)
			p = keep > 0 ? keep : 0;
	} else {
		nd = round_to(D, nd, &x, c == 'e' ? p + 1 : x + 1 + p);
	}
	int hi = 0, at = 0; /* D[0] sits at place `at` */
	if (c == 'f') {
		hi = x > 0 ? x : 0, at = x;
	} else {
		unsigned ax = x < 0 ? -x : x;
		ex[nex++] = sp->conv & 32 ? 'e' : 'E';
		ex[nex++] = x < 0 ? '-' : '+';
		if (ax >= 100)
			ex[nex++] = '0' + ax / 100;
		ex[nex++] = '0' + ax / 10 % 10;
		ex[nex++] = '0' + ax % 10;
	}
	bool dot = p || (sp->flags & F_ALT);
	size_t len = npre + hi + 1 + p + dot + nex;
	lead(s, sp, len, pre, npre, true);
	span(s, D, nd, at - hi, hi + 1);
	if (dot)
		put(s, ".", 1);
	span(s, D, nd, at + 1, p);
	put(s, ex, nex);
	trail(s, sp, len);
}

static void fmt_double(struct sink *s, const struct spec *sp, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	char pre = bits >> 63 ? '-' : sp->flags & F_PLUS ? '+' : sp->flags & F_SPACE ? ' ' : 0;
	bits &= ~0ull >> 1;
	if (bits < 0x7ffull << 52) {
		fmt_fp(s, sp, bits, &pre, pre != 0);
		return;
	}
	bool up = !(sp->conv & 32);
	const char *t = bits > 0x7ffull << 52 ? (up ? "NAN" : "nan") : (up ? "INF" : "inf");
	lead(s, sp, 3 + (pre != 0), &pre, pre != 0, false);
	put(s, t, 3);
	trail(s, sp, 3 + (pre != 0));
}

/* ---- the conversion specification ---- */

/* A decimal width or precision; -1 past INT_MAX (glibc fails with EOVERFLOW). */
static int number(const char **f)
{
	long long v = 0;
	for (; **f >= '0' && **f <= '9'; ++*f)
		if (v <= INT_MAX)
			v = v * 10 + (**f - '0');
	return v > INT_MAX ? -1 : (int)v;
}

/* Reads flags, width, precision and length at f (after the '%'); returns the
 * conversion character's address, or NULL when a width overflows. */
static const char *parse(const char *f, struct spec *sp, va_list *ap)
{
	static const char flags[] = "-+ #0'";
	const char *q;
	*sp = (struct spec){.prec = -1};
	for (; *f && (q = strchr(flags, *f)); f++)
		sp->flags |= 1u << (q - flags);
	if (*f == '*') {
		f++;
		int w = (int)arg_int(ap, 0, true);
		sp->flags |= w < 0 ? F_MINUS : 0;
		sp->width = w < 0 ? -(size_t)w : (size_t)w;
	} else {
		int w = number(&f);
		if (w < 0)
			return NULL;
		sp->width = w;
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			f++;
			sp->prec = (int)arg_int(ap, 0, true);
			sp->prec = sp->prec < 0 ? -1 : sp->prec;
		} else if ((sp->prec = number(&f)) < 0) {
			return NULL;
		}
	}
	if (*f && strchr("hlLqjzZt", *f)) {
		sp->len = *f == 'q' ? 'L' : *f == 'Z' ? 'z' : *f;
		if (f[0] == f[1] && (*f == 'h' || *f == 'l'))
			sp->len = *f == 'h' ? 'H' : 'L', f++;
		f++;
	}
	sp->conv = *f;
	return f;
}

/* One conversion; returns what follows it, or NULL when the format must fail. */
static const char *convert(struct sink *s, const char *pct, va_list *ap)
{
	struct spec sp;
	const char *f = parse(pct + 1, &sp, ap);
	if (!f) {
		fail(s, EOVERFLOW);
		return NULL;
	}
	switch (sp.conv) {
	case 'd': case 'i':
		fmt_int(s, &sp, arg_int(ap, sp.len, true), true);
		break;
	case 'u': case 'o': case 'x': case 'X':
		fmt_int(s, &sp, arg_int(ap, sp.len, false), false);
		break;
	case 'p': {
		void *p = va_arg(*ap, void *);
		sp.flags |= F_ALT;
		if (p)
			fmt_int(s, &sp, (uintptr_t)p, true);
		else
			sp.prec = -1, fmt_str(s, &sp, "(nil)");
		break;
	}
	case 'c': {
		unsigned c = arg_int(ap, 0, false);
		if (sp.len == 'l' && c > 0x7f)
			fail(s, EILSEQ); /* %lc: ASCII only in the C locale */
		field(s, &sp, &(char){(char)c}, 1);
		break;
	}
	case 's':
		if (sp.len == 'l')
			fmt_wstr(s, &sp, va_arg(*ap, const wchar_t *));
		else
			fmt_str(s, &sp, va_arg(*ap, const char *));
		break;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
		fmt_double(s, &sp, sp.len == 'L' ? (double)va_arg(*ap, long double) : va_arg(*ap, double));
		break;
	case '%':
		put(s, "%", 1);
		break;
	case 0:
		fail(s, EINVAL); /* as glibc: "abc%" fails */
		break;
	default:
		put(s, pct, f + 1 - pct);
	}
	return s->bad ? NULL : f + 1;
}

int fmt_run(struct sink *s, const char *f, va_list ap0)
{
	va_list ap;
	va_copy(ap, ap0);
	while (*f) {
		const char *pct = strchrnul(f, '%');
		put(s, f, pct - f);
		if (!*pct || !(f = convert(s, pct, &ap)))
			break;
	}
	va_end(ap);
	if (s->err)
		errno = s->err;
	return s->bad ? -1 : (int)s->total;
}
