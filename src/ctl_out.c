/* ctl_out.c — what the client prints: supervisorctl's lines (on stdout, as it does, even
 * for errors), the exception lines it prints for failures it does not handle, and the
 * --json documents. */
#include "ctl_int.h"
#include "http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctl_outs(struct ctl *c, const char *s, size_t n)
{
	if (c->json)
		buf_put(&c->msgs, s, n);
	else
		fwrite(s, 1, n, stdout);
}

void ctl_out(struct ctl *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[512];
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof small) {
		ctl_outs(c, small, (size_t)n);
	} else if (n >= 0) {
		char *big = malloc((size_t)n + 1);
		if (big) {
			va_start(ap, fmt);
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			va_end(ap);
			ctl_outs(c, big, (size_t)n);
			free(big);
		}
	}
	ctl_outs(c, "\n", 1);
}

/* Python's name for the OSError subclass of an errno. */
static const char *py_oserror(int e)
{
	switch (e) {
	case ENOENT: return "FileNotFoundError";
	case ECONNREFUSED: return "ConnectionRefusedError";
	case ECONNRESET: return "ConnectionResetError";
	case ECONNABORTED: return "ConnectionAbortedError";
	case EPIPE: return "BrokenPipeError";
	case EACCES: case EPERM: return "PermissionError";
	case ETIMEDOUT: return "TimeoutError";
	case EINTR: return "InterruptedError";
	default: return "OSError";
	}
}

/* repr() of a Python str (enough for fault strings: quotes and backslashes). */
static void py_repr(struct buf *b, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	buf_put(b, &q, 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\\' || ch == (unsigned char)q)
			buf_printf(b, "\\%c", ch);
		else if (ch == '\n')
			buf_puts(b, "\\n");
		else if (ch == '\t')
			buf_puts(b, "\\t");
		else if (ch == '\r')
			buf_puts(b, "\\r");
		else if (ch < 0x20 || ch == 0x7f)
			buf_printf(b, "\\x%02x", ch);
		else
			buf_put(b, s, 1);
	}
	buf_put(b, &q, 1);
}

void ctl_fault_text(struct ctl *c, struct buf *b)
{
	buf_printf(b, "<Fault %d: ", c->fcode);
	py_repr(b, c->fstr ? c->fstr : "");
	buf_puts(b, ">");
}

#define PY_XMLRPC "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py"

/* The innermost frames named are those of Debian's supervisor 4.2.5 on Python 3.11, so
 * that a script matching supervisorctl's output sees the same line. */
void ctl_report_exception(struct ctl *c)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	switch (c->err) {
	case CE_SOCKET:
		buf_printf(&b, "error: <class '%s'>, [Errno %d] %s", py_oserror(c->err_errno), c->err_errno,
			   strerror(c->err_errno));
		if (c->err_connect)
			buf_puts(&b, !strncmp(c->serverurl, "unix://", 7)
					     ? ": file: " PY_XMLRPC " line: 557"
					     : ": file: /usr/lib/python3.11/socket.py line: 836");
		break;
	case CE_HTTP:
		buf_printf(&b, "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: %d %s>: "
			   "file: " PY_XMLRPC " line: 539", c->http_status, http_reason(c->http_status));
		break;
	case CE_URL:
		buf_printf(&b, "error: <class 'ValueError'>, Unknown protocol for serverurl %s: file: " PY_XMLRPC
			   " line: 505", c->serverurl);
		break;
	case CE_PROTOCOL:
		buf_puts(&b, c->err_text);
		break;
	case CE_NONE: /* a fault the command does not handle */
		buf_puts(&b, "error: <class 'xmlrpc.client.Fault'>, ");
		ctl_fault_text(c, &b);
		buf_puts(&b, ": file: /usr/lib/python3.11/xmlrpc/client.py line: 668");
		break;
	}
	ctl_out(c, "%s", b.p ? b.p : "error");
	buf_free(&b);
	c->exitstatus = 1;
}

void cj_value(struct buf *b, const struct xv *v)
{
	switch (v->type) {
	case XV_INT:
		buf_printf(b, "%lld", v->i);
		break;
	case XV_BOOL:
		buf_puts(b, v->i ? "true" : "false");
		break;
	case XV_DOUBLE:
		buf_printf(b, "%.17g", v->d);
		break;
	case XV_STRING:
	case XV_BASE64:
	case XV_DATETIME:
		buf_json_str(b, v->s ? v->s : "", v->len);
		break;
	case XV_NIL:
		buf_puts(b, "null");
		break;
	case XV_ARRAY:
		buf_puts(b, "[");
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				buf_puts(b, ", ");
			cj_value(b, &v->items[i]);
		}
		buf_puts(b, "]");
		break;
	case XV_STRUCT:
		buf_puts(b, "{");
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				buf_puts(b, ", ");
			buf_json_str(b, v->names[i], strlen(v->names[i]));
			buf_puts(b, ": ");
			cj_value(b, &v->items[i]);
		}
		buf_puts(b, "}");
		break;
	}
}

/* One {name, group, status, description} of an action's results. */
void cj_result(struct buf *b, const char *group, const char *name, int status, const char *desc)
{
	buf_puts(b, b->len && b->p[b->len - 1] != '[' ? ", {\"name\": " : "{\"name\": ");
	buf_json_str(b, name ? name : "", name ? strlen(name) : 0);
	buf_puts(b, ", \"group\": ");
	buf_json_str(b, group ? group : "", group ? strlen(group) : 0);
	buf_printf(b, ", \"status\": %d, \"description\": ", status);
	buf_json_str(b, desc ? desc : "", desc ? strlen(desc) : 0);
	buf_puts(b, "}");
}

void ctl_json_finish(struct ctl *c)
{
	size_t n = c->msgs.len;
	if (c->jdoc.len) {
		fwrite(c->jdoc.p, 1, c->jdoc.len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		if (n)
			fwrite(c->msgs.p, 1, n, stderr); /* the human-readable lines, out of the way */
	} else {
		struct buf b;
		buf_init(&b, CTL_MAX_REPLY);
		while (n && c->msgs.p[n - 1] == '\n')
			n--;
		buf_puts(&b, c->exitstatus ? "{\"error\": " : "{\"message\": ");
		buf_json_str(&b, n ? c->msgs.p : "", n);
		buf_puts(&b, "}\n");
		fwrite(b.p, 1, b.len, stdout);
		buf_free(&b);
	}
	buf_reset(&c->jdoc);
	buf_reset(&c->msgs);
}
