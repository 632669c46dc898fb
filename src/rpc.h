/* rpc.h — XML-RPC method dispatch: the layer between the control server (ctl_server.c,
 * which knows HTTP and connections) and the service API (control.h, which knows
 * services). A call decodes its body, runs its method, and either answers at once or is
 * deferred (supervisord's wait=True): the server parks it and polls it once per loop
 * turn (before the loop sleeps) until it answers; a deferred call costs nothing while
 * nothing happens, because only events change what it waits for. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct tend;
struct rpc_call;

#define RPC_MAX_REPLY (64u << 20) /* a reply larger than this is a FAILED fault */

/* Decode BODY (a <methodCall>) and run it. Never NULL except when out of memory. */
struct rpc_call *rpc_begin(struct tend *t, const char *body, size_t len);
/* True once the call has its reply: *reply is the whole XML document (owned by the
 * call), or NULL when the body was not a decodable call: answer HTTP 400 then, as
 * supervisord does. */
bool rpc_poll(struct tend *t, struct rpc_call *c, struct buf **reply);
void rpc_end(struct rpc_call *c);
