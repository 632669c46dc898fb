/* rpc.c — a method call from its decoded body to its reply document: lookup in the
 * method tables, argument checks against the signatures, faults worded as supervisord
 * words them, deferred calls, and the system.* namespace (listMethods, methodHelp,
 * methodSignature, multicall). Nothing here knows about HTTP or processes. */
#include "rpc.h"
#include "rpc_method.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sys_list_methods(struct tend *t, struct rpc_call *c);
static void sys_method_help(struct tend *t, struct rpc_call *c);
static void sys_method_signature(struct tend *t, struct rpc_call *c);
static void sys_multicall(struct tend *t, struct rpc_call *c);

static const struct rpc_method system_methods[] = {
	{"system.listMethods", sys_list_methods, "array", 0, "The names of the methods the server has."},
	{"system.methodHelp", sys_method_help, "string string", 1, "The documentation of a method."},
	{"system.methodSignature", sys_method_signature, "array string", 1,
	 "A method's signature: its return type, then its parameter types."},
	{"system.multicall", sys_multicall, "array array", 1,
	 "Run an array of {methodName, params} calls; each result is its value or a fault struct."},
	{NULL, NULL, NULL, 0, NULL},
};

static const struct rpc_method *const tables[] = {system_methods, rpc_supervisor_methods, rpc_process_methods,
						  rpc_log_methods};
#define NTABLES (sizeof tables / sizeof *tables)

static const struct rpc_method *find_method(const char *name)
{
	for (size_t i = 0; i < NTABLES; i++)
		for (const struct rpc_method *m = tables[i]; m->name; m++)
			if (!strcmp(m->name, name))
				return m;
	return NULL;
}

/* supervisord's xmlrpc.Faults: each entry its code as one (octal-escaped) byte, then its
 * name, in one string (a table of pointers would cost 16 bytes an entry in the static
 * size budget) */
static const char fault_names[] =
	"\001UNKNOWN_METHOD\0" "\002INCORRECT_PARAMETERS\0" "\003BAD_ARGUMENTS\0"
	"\004SIGNATURE_UNSUPPORTED\0" "\006SHUTDOWN_STATE\0" "\012BAD_NAME\0" "\013BAD_SIGNAL\0"
	"\024NO_FILE\0" "\025NOT_EXECUTABLE\0" "\036FAILED\0" "\050ABNORMAL_TERMINATION\0"
	"\062SPAWN_ERROR\0" "\074ALREADY_STARTED\0" "\106NOT_RUNNING\0" "\120SUCCESS\0"
	"\132ALREADY_ADDED\0" "\133STILL_RUNNING\0" "\134CANT_REREAD\0";

const char *rpc_fault_name(int code)
{
	for (const char *p = fault_names; *p; p += strlen(p) + 1)
		if ((unsigned char)*p == code)
			return p + 1;
	return "UNKNOWN";
}

void rpc_fault(struct rpc_call *c, int code, const char *extra_fmt, ...)
{
	int n = snprintf(c->fault_text, sizeof c->fault_text, "%s", rpc_fault_name(code));
	if (extra_fmt) {
		va_list ap;
		va_start(ap, extra_fmt);
		snprintf(c->fault_text + n, sizeof c->fault_text - (size_t)n, ": ");
		vsnprintf(c->fault_text + n + 2, sizeof c->fault_text - (size_t)n - 2, extra_fmt, ap);
		va_end(ap);
	}
	c->fault = code;
	c->again = NULL;
}

const char *rpc_arg_str(const struct rpc_call *c, size_t i)
{
	return i < c->nargs && c->args[i].type == XV_STRING ? c->args[i].s : "";
}

long long rpc_arg_int(const struct rpc_call *c, size_t i, long long dflt)
{
	return i < c->nargs ? c->args[i].i : dflt;
}

/* Python's truth of an argument */
bool rpc_arg_bool(const struct rpc_call *c, size_t i, bool dflt)
{
	if (i >= c->nargs)
		return dflt;
	const struct xv *v = &c->args[i];
	switch (v->type) {
	case XV_INT:
	case XV_BOOL:
		return v->i != 0;
	case XV_DOUBLE:
		return v->d != 0;
	case XV_NIL:
		return false;
	case XV_STRING:
	case XV_BASE64:
		return v->len != 0;
	default:
		return v->n != 0;
	}
}

static int count_params(const char *sig)
{
	int n = 0;
	for (const char *p = sig; (p = strchr(p, ' ')); p++)
		n++;
	return n;
}

/* The type of parameter I in SIG (after the return type), as its first letter. */
static char param_type(const char *sig, int i)
{
	const char *p = sig;
	for (int k = 0; k <= i && p; k++)
		if ((p = strchr(p, ' ')))
			p++;
	return p ? *p : 0;
}

/* What Python would reject with a TypeError: wrong counts, and a string parameter that
 * is not a string (it would fail in the method). */
static bool args_fit(const struct rpc_method *m, const struct xv *args, size_t n)
{
	int max = count_params(m->sig);
	if ((int)n < m->min_args || (int)n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ty = param_type(m->sig, (int)i);
		if (ty == 's' && args[i].type != XV_STRING)
			return false;
		if (ty == 'i' && args[i].type != XV_INT && args[i].type != XV_BOOL)
			return false;
		if (ty == 'a' && args[i].type != XV_ARRAY)
			return false;
	}
	return true;
}

/* Run METHOD on ARGS in C (fresh or a multicall's sub-call). */
static void invoke(struct tend *t, struct rpc_call *c, const char *method, const struct xv *args, size_t n)
{
	const struct rpc_method *m = find_method(method);
	c->args = args;
	c->nargs = n;
	const char *dot = strchr(method, '.');
	if (!m || !dot || strchr(dot + 1, '.') || dot[1] == '_')
		rpc_fault(c, F_UNKNOWN_METHOD, NULL);
	else if (!args_fit(m, args, n))
		rpc_fault(c, F_INCORRECT_PARAMETERS, NULL);
	else
		m->fn(t, c);
}

static void finish(struct rpc_call *c)
{
	if (!c->fault && c->val.over)
		rpc_fault(c, F_FAILED, "the reply is larger than %u bytes", RPC_MAX_REPLY);
	buf_reset(&c->reply);
	if (c->fault) {
		xw_fault(&c->reply, c->fault, c->fault_text);
	} else {
		xw_response_begin(&c->reply);
		buf_put(&c->reply, c->val.p, c->val.len);
		xw_response_end(&c->reply);
	}
	buf_free(&c->val);
	c->done = true;
}

static struct rpc_call *call_new(struct tend *t)
{
	struct rpc_call *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->t = t;
	c->mem.limit = XMLRPC_MAX_BYTES;
	buf_init(&c->val, RPC_MAX_REPLY);
	buf_init(&c->reply, RPC_MAX_REPLY + 4096);
	return c;
}

struct rpc_call *rpc_begin(struct tend *t, const char *body, size_t len)
{
	struct rpc_call *c = call_new(t);
	if (!c)
		return NULL;
	const char *method = NULL;
	struct xv params = {0};
	char err[200];
	if (xmlrpc_decode_call(&c->mem, body, len, &method, &params, err, sizeof err) < 0 || !method || !*method) {
		c->bad = c->done = true;
		return c;
	}
	invoke(t, c, method, params.items, params.n);
	return c;
}

bool rpc_poll(struct tend *t, struct rpc_call *c, struct buf **reply)
{
	if (!c->done && c->again && !c->again(t, c))
		return false;
	if (!c->done)
		finish(c);
	*reply = c->bad ? NULL : &c->reply;
	return true;
}

void rpc_end(struct rpc_call *c)
{
	if (!c)
		return;
	rpc_end(c->sub);
	timer_cancel(c->t, &c->tm);
	arena_free(&c->mem);
	buf_free(&c->val);
	buf_free(&c->reply);
	free(c);
}

/* ---- system.* ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sys_list_methods(struct tend *t, struct rpc_call *c)
{
	(void)t;
	const char *names[128];
	size_t n = 0;
	for (size_t i = 0; i < NTABLES; i++)
		for (const struct rpc_method *m = tables[i]; m->name && n < 128; m++)
			names[n++] = m->name;
	qsort(names, n, sizeof *names, by_name);
	xw_array_begin(&c->val);
	for (size_t i = 0; i < n; i++)
		xw_cstring(&c->val, names[i]);
	xw_array_end(&c->val);
}

static void sys_method_help(struct tend *t, struct rpc_call *c)
{
	(void)t;
	const struct rpc_method *m = find_method(rpc_arg_str(c, 0));
	if (!m)
		rpc_fault(c, F_SIGNATURE_UNSUPPORTED, NULL);
	else
		xw_cstring(&c->val, m->help);
}

static void sys_method_signature(struct tend *t, struct rpc_call *c)
{
	(void)t;
	const struct rpc_method *m = find_method(rpc_arg_str(c, 0));
	if (!m) {
		rpc_fault(c, F_SIGNATURE_UNSUPPORTED, NULL);
		return;
	}
	xw_array_begin(&c->val);
	for (const char *p = m->sig; *p;) {
		size_t w = strcspn(p, " ");
		xw_string(&c->val, p, w);
		p += w + (p[w] == ' ');
	}
	xw_array_end(&c->val);
}

/* ---- system.multicall: calls in order; a deferred one holds the rest back ---- */

struct multi {
	const struct xv *calls;
	size_t next;
};

static void multi_result(struct rpc_call *c, struct rpc_call *sub)
{
	if (sub->fault) {
		xw_struct_begin(&c->val);
		xw_member(&c->val, "faultCode");
		xw_int(&c->val, sub->fault);
		xw_member(&c->val, "faultString");
		xw_cstring(&c->val, sub->fault_text);
		xw_struct_end(&c->val);
	} else {
		buf_put(&c->val, sub->val.p, sub->val.len);
		if (sub->val.over)
			c->val.over = true;
	}
}

static void multi_one(struct tend *t, struct rpc_call *sub, const struct xv *call)
{
	const struct xv *name = call->type == XV_STRUCT ? xv_member(call, "methodName") : NULL;
	const struct xv *params = call->type == XV_STRUCT ? xv_member(call, "params") : NULL;
	if (!name || name->type != XV_STRING)
		rpc_fault(sub, F_INCORRECT_PARAMETERS, "No methodName");
	else if (!strcmp(name->s, "system.multicall"))
		rpc_fault(sub, F_INCORRECT_PARAMETERS, "Recursive system.multicall forbidden");
	else if (params && params->type != XV_ARRAY)
		rpc_fault(sub, F_INCORRECT_PARAMETERS, NULL);
	else
		invoke(t, sub, name->s, params ? params->items : NULL, params ? params->n : 0);
}

#define MULTI_PER_TURN 32 /* sub-calls run in one loop turn; the rest wait for the next */

static void multi_resume(struct tend *t, struct timer *tm)
{
	(void)t; /* the wake-up is the point: the end of this turn polls the call again */
	(void)tm;
}

static bool multi_again(struct tend *t, struct rpc_call *c)
{
	struct multi *mc = c->ctx;
	for (int ran = 0;; ran++) {
		struct rpc_call *sub = c->sub;
		if (sub) {
			if (sub->again && !sub->again(t, sub))
				return false;
			multi_result(c, sub);
			rpc_end(sub);
			c->sub = NULL;
		}
		if (c->val.over) { /* the reply cannot hold more: stop working for it */
			rpc_fault(c, F_FAILED, "the results exceed the reply's size limit");
			return true;
		}
		if (mc->next == mc->calls->n)
			break;
		if (ran == MULTI_PER_TURN) {
			timer_arm(t, &c->tm, 0, multi_resume);
			return false;
		}
		if (!(c->sub = call_new(t))) {
			rpc_fault(c, F_FAILED, "out of memory");
			return true;
		}
		multi_one(t, c->sub, &mc->calls->items[mc->next++]);
	}
	xw_array_end(&c->val);
	return true;
}

static void sys_multicall(struct tend *t, struct rpc_call *c)
{
	struct multi *mc = arena_alloc(&c->mem, sizeof *mc);
	if (!mc) {
		rpc_fault(c, F_FAILED, "out of memory");
		return;
	}
	*mc = (struct multi){.calls = &c->args[0]};
	c->ctx = mc;
	xw_array_begin(&c->val);
	if (!multi_again(t, c))
		c->again = multi_again;
}
