/* rpc_method.h — what a method implementation sees (rpc.c runs them; rpc_supervisor.c,
 * rpc_process.c and rpc_log.c hold them). A method writes exactly one value into
 * c->val with the xw_* encoder, or calls rpc_fault(), or defers: it sets c->again, which
 * rpc.c calls once per loop turn until it returns true (with a value or a fault). */
#pragma once
#include <stdbool.h>

#include "arena.h"
#include "buf.h"
#include "ctl_proto.h"
#include "tend.h"
#include "xmlrpc.h"

struct tend;
struct rpc_call;
typedef void rpc_fn(struct tend *t, struct rpc_call *c);
typedef bool rpc_again_fn(struct tend *t, struct rpc_call *c);

struct rpc_method {
	const char *name;
	rpc_fn *fn;
	const char *sig;  /* return type, then parameter types (supervisord's @return/@param) */
	int min_args;     /* the rest have defaults */
	const char *help;
};

struct rpc_call {
	struct arena mem;         /* the decoded request and what deferred methods keep */
	struct buf val;           /* the value of the reply, being built */
	struct buf reply;         /* the whole document, once done */
	bool bad;                 /* undecodable: HTTP 400 */
	bool done;
	const struct xv *args;
	size_t nargs;
	int fault;                /* 0, or the fault of the reply */
	char fault_text[600];
	rpc_again_fn *again;      /* deferred */
	void *ctx;                /* the deferred method's state, in mem */
	struct rpc_call *sub;     /* system.multicall: the call being waited for */
	struct tend *t;
	struct timer tm;          /* a deferred method's deadline (tend.wait), cancelled at the end */
	bool timed_out;
};

extern const struct rpc_method rpc_supervisor_methods[], rpc_process_methods[], rpc_log_methods[];

/* A fault with supervisord's text: "NAME" or "NAME: EXTRA". */
void rpc_fault(struct rpc_call *c, int code, const char *extra_fmt, ...) __attribute__((format(printf, 3, 4)));
const char *rpc_fault_name(int code);
/* Argument I (0-based) as a string / int / truth value, or the default when absent.
 * Type checks were done against the method's signature before it ran. */
const char *rpc_arg_str(const struct rpc_call *c, size_t i);
long long rpc_arg_int(const struct rpc_call *c, size_t i, long long dflt);
bool rpc_arg_bool(const struct rpc_call *c, size_t i, bool dflt);
