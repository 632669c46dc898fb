/* rpc_log.c — supervisor.* methods on logs, answered from the in-memory rings (so they
 * work whatever the log target is, /dev/stdout included, and never read a file in the
 * loop). Offsets are positions in the stream since tend started it (or since the last
 * clear), as supervisord's are positions in the log file; what the ring no longer holds
 * is simply absent. */
#include "control.h"
#include "rpc_method.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>

#define READ_MAX (16u << 20) /* one read or tail returns at most this much */

static bool shut(struct tend *t, struct rpc_call *c)
{
	if (t->stopping && !t->restarting)
		rpc_fault(c, F_SHUTDOWN_STATE, NULL);
	return t->stopping && !t->restarting;
}

/* supervisord's readFile: a negative offset with length 0 is the last -offset bytes;
 * otherwise LENGTH bytes (0 = all) from OFFSET; any other sign mix is BAD_ARGUMENTS. */
/* Client numbers anywhere in int64: clamped so that no sum or negation below overflows. */
#define ARG_MAX (1LL << 61)
static long long clamp_arg(long long v) { return v < -ARG_MAX ? -ARG_MAX : v > ARG_MAX ? ARG_MAX : v; }

static void read_ring(struct rpc_call *c, const struct ring *r, long long offset, long long length)
{
	uint64_t from;
	size_t n;
	offset = clamp_arg(offset);
	length = clamp_arg(length);
	if (offset < 0) {
		if (length) {
			rpc_fault(c, F_BAD_ARGUMENTS, NULL);
			return;
		}
		from = (uint64_t)-offset > r->end ? 0 : r->end - (uint64_t)-offset;
		n = (size_t)(r->end - from);
	} else {
		if (length < 0) {
			rpc_fault(c, F_BAD_ARGUMENTS, NULL);
			return;
		}
		from = (uint64_t)offset;
		uint64_t want = length ? (uint64_t)length : READ_MAX, start = ring_start(r);
		if (length && from < start) /* the bytes the ring no longer holds are absent, not moved */
			want = start - from >= want ? 0 : want - (start - from);
		n = want > READ_MAX ? READ_MAX : (size_t)want;
	}
	if (n > READ_MAX)
		n = READ_MAX;
	if (from >= r->end)
		n = 0;
	else if (n > r->end - from) /* never allocate more than there is */
		n = (size_t)(r->end - from);
	char *d = malloc(n + 1);
	if (!d) {
		rpc_fault(c, F_FAILED, "out of memory");
		return;
	}
	n = ring_read(r, from, n, d);
	xw_string(&c->val, d, n);
	free(d);
}

/* supervisord's tailFile: [bytes, offset, overflow] */
static void tail_ring(struct rpc_call *c, const struct ring *r, long long offset, long long length)
{
	long long sz = (long long)r->end;
	bool overflow = false;
	offset = clamp_arg(offset);
	length = clamp_arg(length);
	if (length > (long long)READ_MAX)
		length = READ_MAX;
	if (sz > offset + length) {
		overflow = true;
		offset = sz - 1;
	}
	if (offset + length > sz) {
		if (offset > sz - 1)
			length = 0;
		offset = sz - length;
	}
	if (offset < 0)
		offset = 0;
	if (length < 0)
		length = 0;
	char *d = malloc((size_t)length + 1);
	size_t n = d ? ring_read(r, (uint64_t)offset, (size_t)length, d) : 0;
	xw_array_begin(&c->val);
	xw_string(&c->val, d ? d : "", n);
	xw_int(&c->val, sz);
	xw_bool(&c->val, overflow);
	xw_array_end(&c->val);
	free(d);
}

static struct ring *process_ring(struct tend *t, struct rpc_call *c, bool err)
{
	const char *spec = rpc_arg_str(c, 0);
	struct svc *s = strchr(spec, ':') && !strcmp(strchr(spec, ':') + 1, "*") ? NULL : control_find(t, spec);
	int fault;
	if (!s) {
		rpc_fault(c, F_BAD_NAME, "%s", spec);
		return NULL;
	}
	struct ring *r = control_ring(t, s, err, &fault);
	if (!r)
		rpc_fault(c, fault, "%s", spec);
	return r;
}

static void read_stream(struct tend *t, struct rpc_call *c, bool err)
{
	struct ring *r = shut(t, c) ? NULL : process_ring(t, c, err);
	if (r)
		read_ring(c, r, rpc_arg_int(c, 1, 0), rpc_arg_int(c, 2, 0));
}

static void read_stdout(struct tend *t, struct rpc_call *c) { read_stream(t, c, false); }
static void read_stderr(struct tend *t, struct rpc_call *c) { read_stream(t, c, true); }

/* supervisord answers a tail of a process without a log file with ['', 0, False] */
static void tail_stream(struct tend *t, struct rpc_call *c, bool err)
{
	if (shut(t, c))
		return;
	struct svc *s = control_find(t, rpc_arg_str(c, 0));
	int fault;
	if (!s) {
		rpc_fault(c, F_BAD_NAME, "%s", rpc_arg_str(c, 0));
		return;
	}
	struct ring *r = control_ring(t, s, err, &fault), none = {0};
	tail_ring(c, r ? r : &none, rpc_arg_int(c, 1, 0), rpc_arg_int(c, 2, 0));
}

static void tail_stdout(struct tend *t, struct rpc_call *c) { tail_stream(t, c, false); }
static void tail_stderr(struct tend *t, struct rpc_call *c) { tail_stream(t, c, true); }

static void read_main(struct tend *t, struct rpc_call *c)
{
	if (shut(t, c))
		return;
	if (!t->mainlog.cap)
		rpc_fault(c, F_NO_FILE, "no main log (tail_bytes=0)");
	else
		read_ring(c, &t->mainlog, rpc_arg_int(c, 0, 0), rpc_arg_int(c, 1, 0));
}

static void clear_main(struct tend *t, struct rpc_call *c)
{
	if (shut(t, c))
		return;
	control_clear_log(t, NULL);
	xw_bool(&c->val, true);
}


static void clear_process(struct tend *t, struct rpc_call *c)
{
	if (shut(t, c))
		return;
	struct svc *s = control_find(t, rpc_arg_str(c, 0));
	if (!s) {
		rpc_fault(c, F_BAD_NAME, "%s", rpc_arg_str(c, 0));
		return;
	}
	control_clear_log(t, s);
	xw_bool(&c->val, true);
}

static void clear_all(struct tend *t, struct rpc_call *c)
{
	struct svc **v;
	if (shut(t, c))
		return;
	int n = control_all(t, &v);
	xw_array_begin(&c->val);
	for (int i = 0; i < n; i++) {
		control_clear_log(t, v[i]);
		xw_struct_begin(&c->val);
		xw_member(&c->val, "name");
		xw_cstring(&c->val, v[i]->p->name);
		xw_member(&c->val, "group");
		xw_cstring(&c->val, v[i]->p->group);
		xw_member(&c->val, "status");
		xw_int(&c->val, F_SUCCESS);
		xw_member(&c->val, "description");
		xw_cstring(&c->val, "OK");
		xw_struct_end(&c->val);
	}
	xw_array_end(&c->val);
	if (n >= 0)
		free(v);
}

const struct rpc_method rpc_log_methods[] = {
	{"supervisor.readLog", read_main, "string int int", 2, "Read tend's own log (offset, length)."},
	{"supervisor.readMainLog", read_main, "string int int", 2, "Old name of readLog."},
	{"supervisor.clearLog", clear_main, "boolean", 0, "Clear tend's own log."},
	{"supervisor.readProcessStdoutLog", read_stdout, "string string int int", 3,
	 "Read a process's stdout (offset, length)."},
	{"supervisor.readProcessLog", read_stdout, "string string int int", 3, "Old name of readProcessStdoutLog."},
	{"supervisor.readProcessStderrLog", read_stderr, "string string int int", 3, "Read a process's stderr."},
	{"supervisor.tailProcessStdoutLog", tail_stdout, "array string int int", 3,
	 "Tail a process's stdout: [bytes, offset, overflow]."},
	{"supervisor.tailProcessLog", tail_stdout, "array string int int", 3, "Old name of tailProcessStdoutLog."},
	{"supervisor.tailProcessStderrLog", tail_stderr, "array string int int", 3, "Tail a process's stderr."},
	{"supervisor.clearProcessLogs", clear_process, "boolean string", 1, "Clear a process's kept output."},
	{"supervisor.clearProcessLog", clear_process, "boolean string", 1, "Old name of clearProcessLogs."},
	{"supervisor.clearAllProcessLogs", clear_all, "array", 0, "Clear every process's kept output."},
	{NULL, NULL, NULL, 0, NULL},
};
