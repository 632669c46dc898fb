/* xmlrpc.c — the decoder of xmlrpc.h: the element tree of xml_tree.c read as XML-RPC.
 * The reading recurses once per <value> level, which the tree's depth bound
 * (XMLRPC_MAX_DEPTH elements, at least two per level) keeps short. */
#include "xmlrpc.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "xml_tree.h"

#define node xml_node

struct parser {
	struct arena *a;
	struct xml_doc d;
	char *err;
	size_t errlen;
};

static bool is(const struct node *n, const char *name)
{
	return n && n->llen == strlen(name) && !memcmp(n->local, name, n->llen);
}

static int bad(struct parser *ps, const struct node *n, const char *what)
{
	if (ps->errlen)
		snprintf(ps->err, ps->errlen, "at byte %zu: <%.*s>: %s", n->at, (int)n->nlen, n->name, what);
	return -1;
}

static char *text_of(const struct parser *ps, const struct node *n)
{
	return ps->d.text + n->toff;
}

static int setup(struct parser *ps, struct arena *a, const char *doc, size_t len, char *err, size_t errlen)
{
	*ps = (struct parser){.a = a, .err = err, .errlen = errlen};
	return xml_parse(&ps->d, a, doc, len, err, errlen);
}

/* The text without the whitespace around it, for numbers. */
static const char *trimmed(const struct parser *ps, const struct node *n, size_t *len)
{
	const char *s = text_of(ps, n);
	size_t l = n->tlen;
	while (l && xml_is_ws((unsigned char)*s))
		s++, l--;
	while (l && xml_is_ws((unsigned char)s[l - 1]))
		l--;
	*len = l;
	return s;
}

static int conv_int(struct parser *ps, const struct node *t, struct xv *v)
{
	size_t n, i = 0;
	const char *s = trimmed(ps, t, &n);
	bool neg = n && s[0] == '-';
	if (n && (s[0] == '-' || s[0] == '+'))
		i++;
	if (i == n)
		return bad(ps, t, "not an integer");
	unsigned long long x = 0, lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return bad(ps, t, "not an integer");
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (lim - d) / 10)
			return bad(ps, t, "integer out of range");
		x = x * 10 + d;
	}
	v->type = XV_INT;
	v->i = neg ? (long long)(0 - x) : (long long)x;
	return 0;
}

/* Python's float() syntax: [sign] (digits [. digits] | . digits) [e [sign] digits], or
 * inf, infinity, nan; strtod would also take hex and other forms. */
static bool float_syntax(const char *s, size_t n)
{
	size_t i = 0, d = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	static const char *const words[] = {"inf", "infinity", "nan"};
	for (size_t w = 0; w < 3; w++)
		if (n - i == strlen(words[w]) && !strncasecmp(s + i, words[w], n - i))
			return true;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
	if (!d)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n)
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

/* The value of a text float_syntax() accepted, without strtod (it would bring all of
 * floating-point scanning into the static binary). */
double xmlrpc_decimal(const char *s, size_t n)
{
	size_t i = 0;
	bool neg = n && s[0] == '-';
	if (n && (s[0] == '-' || s[0] == '+'))
		i++;
	if (i < n && (s[i] == 'n' || s[i] == 'N'))
		return __builtin_nan("");
	if (i < n && (s[i] == 'i' || s[i] == 'I'))
		return neg ? -__builtin_inf() : __builtin_inf();
	unsigned long long mant = 0;
	int exp10 = 0, digits = 0;
	bool frac = false;
	for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (s[i] == '.') {
			frac = true;
		} else if (digits < 19 && (mant || d)) {
			mant = mant * 10 + d;
			digits++;
			exp10 -= frac;
		} else if (!mant) {
			exp10 -= frac; /* a leading zero */
		} else {
			exp10 += !frac; /* past 19 digits only the place counts */
		}
	}
	if (i < n) {
		int e = 0, sign = 1;
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			sign = s[i++] == '-' ? -1 : 1;
		for (; i < n && e < 100000; i++)
			e = e * 10 + (s[i] - '0');
		exp10 += sign * e;
	}
	/* in long double (64-bit mantissa): one final rounding to double, right but for
	 * rare halfway cases */
	long double v = (long double)mant, p10 = 1, base = 10;
	for (int e = exp10 < 0 ? -exp10 : exp10; e && v != 0; e >>= 1, base *= base)
		if (e & 1)
			p10 *= base;
	v = exp10 < 0 ? v / p10 : v * p10;
	return (double)(neg ? -v : v);
}

static int conv_double(struct parser *ps, const struct node *t, struct xv *v)
{
	size_t n;
	char *s = (char *)trimmed(ps, t, &n);
	if (!float_syntax(s, n))
		return bad(ps, t, "not a number");
	v->d = xmlrpc_decimal(s, n);
	v->type = XV_DOUBLE;
	return 0;
}

static int conv_value(struct parser *ps, const struct node *val, struct xv *v, int depth);

/* The element children of N, all named NAME: their number, or -1. */
static long children(struct parser *ps, const struct node *n, const char *name)
{
	long k = 0;
	if (!n->first && !xml_all_ws(text_of(ps, n), n->tlen))
		return bad(ps, n, "text where elements belong");
	for (const struct node *c = n->first; c; c = c->next, k++)
		if (!is(c, name)) {
			char what[64];
			snprintf(what, sizeof what, "only <%s> may be here", name);
			return bad(ps, c, what);
		}
	return k;
}

static int conv_array(struct parser *ps, const struct node *t, struct xv *v, int depth)
{
	const struct node *data = t->first;
	if (!data || data->next || !is(data, "data"))
		return bad(ps, t, "an array holds one <data>");
	long k = children(ps, data, "value");
	if (k < 0)
		return -1;
	v->type = XV_ARRAY;
	v->n = (size_t)k;
	if (k && !(v->items = arena_alloc(ps->a, (size_t)k * sizeof *v->items)))
		return bad(ps, t, "too large (over the memory limit)");
	size_t i = 0;
	for (const struct node *c = data->first; c; c = c->next)
		if (conv_value(ps, c, &v->items[i++], depth + 1))
			return -1;
	return 0;
}

static int conv_struct(struct parser *ps, const struct node *t, struct xv *v, int depth)
{
	long k = children(ps, t, "member");
	if (k < 0)
		return -1;
	v->type = XV_STRUCT;
	v->n = (size_t)k;
	if (k && (!(v->items = arena_alloc(ps->a, (size_t)k * sizeof *v->items)) ||
		  !(v->names = arena_alloc(ps->a, (size_t)k * sizeof *v->names))))
		return bad(ps, t, "too large (over the memory limit)");
	size_t i = 0;
	for (const struct node *m = t->first; m; m = m->next, i++) {
		const struct node *name = m->first, *val = name ? name->next : NULL;
		if (!is(name, "name") || !is(val, "value") || val->next || name->first)
			return bad(ps, m, "a member is a <name> and a <value>");
		v->names[i] = text_of(ps, name);
		if (conv_value(ps, val, &v->items[i], depth + 1))
			return -1;
	}
	return 0;
}

static int conv_leaf(struct parser *ps, const struct node *t, struct xv *v)
{
	v->s = text_of(ps, t);
	v->len = t->tlen;
	if (is(t, "string")) {
		v->type = XV_STRING;
	} else if (is(t, "int") || is(t, "i4") || is(t, "i8")) {
		return conv_int(ps, t, v);
	} else if (is(t, "boolean")) {
		if (t->tlen != 1 || (v->s[0] != '0' && v->s[0] != '1')) /* as strict as xmlrpc.client */
			return bad(ps, t, "a boolean is 0 or 1");
		v->type = XV_BOOL;
		v->i = v->s[0] == '1';
	} else if (is(t, "double")) {
		return conv_double(ps, t, v);
	} else if (is(t, "base64")) {
		long n = base64_decode(v->s, v->len, (unsigned char *)text_of(ps, t));
		if (n < 0)
			return bad(ps, t, "not base64");
		v->type = XV_BASE64;
		v->len = (size_t)n;
		text_of(ps, t)[n] = 0;
	} else if (is(t, "dateTime.iso8601")) {
		v->type = XV_DATETIME;
	} else if (is(t, "nil")) {
		if (!xml_all_ws(v->s, v->len))
			return bad(ps, t, "nil holds nothing");
		v->type = XV_NIL;
		v->s = NULL, v->len = 0;
	} else
		return bad(ps, t, "not an XML-RPC type");
	return 0;
}

static int conv_value(struct parser *ps, const struct node *val, struct xv *v, int depth)
{
	memset(v, 0, sizeof *v);
	if (depth > XMLRPC_MAX_DEPTH) /* cannot happen: each level is at least two elements */
		return bad(ps, val, "nested too deeply");
	const struct node *t = val->first;
	if (!t) { /* <value>text</value>: a string */
		v->type = XV_STRING;
		v->s = text_of(ps, val);
		v->len = val->tlen;
		return 0;
	}
	if (t->next)
		return bad(ps, val, "a value holds one element");
	if (is(t, "array"))
		return conv_array(ps, t, v, depth);
	if (is(t, "struct"))
		return conv_struct(ps, t, v, depth);
	if (t->first)
		return bad(ps, t->first, "unexpected element");
	return conv_leaf(ps, t, v);
}

/* The one <value> in N (a <param> or a <fault>). */
static int one_value(struct parser *ps, const struct node *n, struct xv *v)
{
	if (!n->first || n->first->next || !is(n->first, "value"))
		return bad(ps, n, "holds one <value>");
	return conv_value(ps, n->first, v, 1);
}

static int conv_params(struct parser *ps, const struct node *params, struct xv *v)
{
	long k = children(ps, params, "param");
	if (k < 0)
		return -1;
	v->type = XV_ARRAY;
	v->n = (size_t)k;
	if (k && !(v->items = arena_alloc(ps->a, (size_t)k * sizeof *v->items)))
		return bad(ps, params, "too large (over the memory limit)");
	size_t i = 0;
	for (const struct node *c = params->first; c; c = c->next)
		if (one_value(ps, c, &v->items[i++]))
			return -1;
	return 0;
}

int xmlrpc_decode_call(struct arena *a, const char *doc, size_t len, const char **method, struct xv *params,
		       char *err, size_t errlen)
{
	struct parser ps;
	*method = NULL;
	memset(params, 0, sizeof *params);
	params->type = XV_ARRAY;
	if (setup(&ps, a, doc, len, err, errlen))
		return -1;
	if (!is(ps.d.root, "methodCall"))
		return bad(&ps, ps.d.root, "not a <methodCall>");
	const struct node *name = NULL, *pl = NULL;
	for (const struct node *c = ps.d.root->first; c; c = c->next) {
		if (is(c, "methodName") && !name && !c->first)
			name = c;
		else if (is(c, "params") && !pl)
			pl = c;
		else
			return bad(&ps, c, "unexpected in a <methodCall>");
	}
	if (!name || !name->tlen) /* supervisord answers 400 too */
		return bad(&ps, ps.d.root, "no method name");
	if (pl && conv_params(&ps, pl, params)) /* no <params> is no parameters, as supervisord takes it */
		return -1;
	*method = text_of(&ps, name);
	return 0;
}

static int conv_fault(struct parser *ps, const struct node *f, int *code, const char **string)
{
	struct xv v;
	if (one_value(ps, f, &v))
		return -1;
	const struct xv *c = xv_member(&v, "faultCode"), *s = xv_member(&v, "faultString");
	if (v.type != XV_STRUCT || !c || c->type != XV_INT || !s || s->type != XV_STRING)
		return bad(ps, f, "a fault is a struct of faultCode (int) and faultString (string)");
	if (c->i < INT_MIN || c->i > INT_MAX)
		return bad(ps, f, "faultCode out of range");
	*code = (int)c->i;
	*string = s->s;
	return 1;
}

int xmlrpc_decode_response(struct arena *a, const char *doc, size_t len, struct xv *result, int *fault_code,
			   const char **fault_string, char *err, size_t errlen)
{
	struct parser ps;
	memset(result, 0, sizeof *result);
	*fault_code = 0;
	*fault_string = NULL;
	if (setup(&ps, a, doc, len, err, errlen))
		return -1;
	const struct node *r = ps.d.root, *c = r->first;
	if (!is(r, "methodResponse"))
		return bad(&ps, r, "not a <methodResponse>");
	if (!c || c->next)
		return bad(&ps, r, "holds <params> or <fault>");
	if (is(c, "fault"))
		return conv_fault(&ps, c, fault_code, fault_string);
	if (!is(c, "params") || !c->first || c->first->next || !is(c->first, "param"))
		return bad(&ps, r, "a response holds <params> with one <param>");
	return one_value(&ps, c->first, result);
}

const struct xv *xv_member(const struct xv *st, const char *name)
{
	const struct xv *found = NULL;
	if (st && st->type == XV_STRUCT)
		for (size_t i = 0; i < st->n; i++)
			if (!strcmp(st->names[i], name))
				found = &st->items[i];
	return found;
}
