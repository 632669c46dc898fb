/* ctl_conn.c — the client's transport: XML-RPC calls as HTTP/1.1 POSTs to /RPC2 over the
 * UNIX socket or TCP, one connection kept alive across the calls of a command (the
 * server may close it between calls: a reused connection that dies before any byte of
 * the reply is retried once on a fresh one), and the streaming GET of `tail -f`.
 * Blocking I/O: this is a separate process, and supervisorctl waits as long as the
 * server takes too (a stop may legitimately take stopwaitsecs). */
#include "ctl_int.h"
#include "http.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Where serverurl points: a socket path, or host and port. Returns 0, or -1 (CE_URL). */
static int parse_url(struct ctl *c, char *host, size_t hostlen, char *port, size_t portlen, char *path,
		     size_t pathlen)
{
	const char *u = c->serverurl;
	host[0] = port[0] = path[0] = 0;
	if (!strncmp(u, "unix://", 7)) {
		if (strlen(u + 7) >= pathlen)
			return -1;
		strcpy(path, u + 7);
		return 0;
	}
	if (strncmp(u, "http://", 7)) {
		c->err = CE_URL;
		return -1;
	}
	const char *h = u + 7, *end = h + strcspn(h, "/?#");
	const char *at = memrchr(h, '@', (size_t)(end - h));
	if (at)
		h = at + 1;
	const char *colon, *hend;
	if (*h == '[') { /* [v6]:port */
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb)
			rb = end;
		colon = rb < end && rb[1] == ':' ? rb + 1 : NULL;
		hend = rb;
		h++;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hend = colon ? colon : end;
	}
	snprintf(host, hostlen, "%.*s", (int)(hend - h), h);
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (colon && colon + 1 < end)
		snprintf(port, portlen, "%.*s", (int)(end - colon - 1), colon + 1);
	else
		snprintf(port, portlen, "80");
	return 0;
}

static int sock_error(struct ctl *c, int e, bool connecting)
{
	c->err = CE_SOCKET;
	c->err_errno = e;
	c->err_connect = connecting;
	return -1;
}

/* HOST as "localhost" (127.0.0.1, then ::1), a numeric IPv4 or IPv6 address (brackets
 * allowed): the addresses to try, at most 2. */
static int resolve_host(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	char h[64];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		host++, n -= 2;
	if (n >= sizeof h)
		return 0;
	memcpy(h, host, n);
	h[n] = 0;
	bool local = !strcasecmp(h, "localhost");
	int k = 0;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss[0];
	memset(ss, 0, 2 * sizeof *ss);
	if (inet_pton(AF_INET, local ? "127.0.0.1" : h, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		len[k++] = sizeof *v4;
	}
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss[k];
	if ((local || !k) && inet_pton(AF_INET6, local ? "::1" : h, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		len[k++] = sizeof *v6;
	}
	return k;
}

static int conn_open(struct ctl *c)
{
	char host[256], port[32], path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (parse_url(c, host, sizeof host, port, sizeof port, path, sizeof path) < 0) {
		if (c->err == CE_URL)
			return -1;
		return sock_error(c, ENAMETOOLONG, true);
	}
	if (path[0] || !host[0]) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		strcpy(sa.sun_path, path);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return sock_error(c, errno, true);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			int e = errno;
			close(fd);
			return sock_error(c, e, true);
		}
		c->fd = fd;
		return 0;
	}
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9') {
			c->err = CE_PROTOCOL;
			snprintf(c->err_text, sizeof c->err_text,
				 "error: <class 'ValueError'>, Port could not be cast to integer value as '%s'", port);
			return -1;
		}
	/* Numeric addresses and "localhost" only: no resolver in the static binary (musl's
	 * DNS code would cost 13 KB); docs/ctl.md says so. */
	struct sockaddr_storage ss[2];
	socklen_t len[2];
	int n = resolve_host(host, atoi(port), ss, len);
	if (n <= 0) {
		c->err = CE_PROTOCOL;
		snprintf(c->err_text, sizeof c->err_text,
			 "error: <class 'socket.gaierror'>, [Errno -2] Name or service not known "
			 "(tend ctl connects to numeric addresses and localhost only)");
		return -1;
	}
	int e = ECONNREFUSED;
	for (int i = 0; i < n; i++) {
		int fd = socket(ss[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&ss[i], len[i]) == 0) {
			c->fd = fd;
			return 0;
		}
		e = errno;
		close(fd);
	}
	return sock_error(c, e, true);
}

void ctl_disconnect(struct ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->reused = false;
	buf_reset(&c->in);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Append what the socket has to c->in: >0 bytes, 0 at EOF, -1 error. */
static ssize_t fill(struct ctl *c, int fd)
{
	char tmp[65536];
	ssize_t r;
	do
		r = read(fd, tmp, sizeof tmp);
	while (r < 0 && errno == EINTR);
	if (r > 0 && !buf_put(&c->in, tmp, (size_t)r)) {
		errno = EFBIG;
		return -1;
	}
	return r;
}

static void auth_header(struct ctl *c, struct buf *b)
{
	char raw[1024], enc[4 * ((sizeof raw + 2) / 3) + 1];
	int n = snprintf(raw, sizeof raw, "%s:%s", c->username, c->password ? c->password : "");
	if (n < 0 || (size_t)n >= sizeof raw)
		n = (int)strlen(raw);
	base64_encode(raw, (size_t)n, enc);
	buf_printf(b, "Authorization: Basic %s\r\n", enc);
}

/* The Host: header http.client would send. */
static void host_header(struct ctl *c, struct buf *b)
{
	char host[256], port[32], path[256];
	if (parse_url(c, host, sizeof host, port, sizeof port, path, sizeof path) < 0 || path[0] || !host[0])
		buf_puts(b, "Host: localhost\r\n");
	else if (!strcmp(port, "80"))
		buf_printf(b, "Host: %s\r\n", host);
	else
		buf_printf(b, "Host: %s:%s\r\n", host, port);
}

/* Read a response head into *r from c->in (filled from FD). >0: head length, 0: EOF
 * before any byte, -1: error (c->err set). */
static int read_head(struct ctl *c, int fd, struct http_resp *r)
{
	for (;;) {
		int h = c->in.len ? http_parse_response(c->in.p, c->in.len, r) : 0;
		if (h > 0)
			return h;
		if (h < 0) {
			c->err = CE_PROTOCOL;
			snprintf(c->err_text, sizeof c->err_text, "error: <class 'http.client.BadStatusLine'>, bad response");
			return -1;
		}
		ssize_t n = fill(c, fd);
		if (n < 0)
			return sock_error(c, errno, false);
		if (n == 0) {
			if (!c->in.len)
				return 0;
			c->err = CE_PROTOCOL;
			snprintf(c->err_text, sizeof c->err_text,
				 "error: <class 'http.client.RemoteDisconnected'>, Remote end closed connection without response");
			return -1;
		}
	}
}

/* The body of the reply whose head is in c->in, into BODY. 0 or -1. */
static int read_body(struct ctl *c, const struct http_resp *r, struct buf *body)
{
	struct http_chunked ch = {0};
	for (;;) {
		if (r->chunked) {
			size_t out = 0;
			ssize_t used = http_dechunk(&ch, c->in.p, c->in.len, &out);
			if (used < 0)
				goto bad;
			buf_put(body, c->in.p, out);
			buf_consume(&c->in, (size_t)used);
			if (ch.done)
				return 0;
		} else {
			size_t want = r->content_length >= 0 ? (size_t)r->content_length - body->len : c->in.len;
			if (want > c->in.len)
				want = c->in.len;
			buf_put(body, c->in.p, want);
			buf_consume(&c->in, want);
			if (r->content_length >= 0 && body->len >= (size_t)r->content_length)
				return 0;
		}
		if (body->over) {
			c->err = CE_PROTOCOL;
			snprintf(c->err_text, sizeof c->err_text, "error: reply larger than %u bytes", CTL_MAX_REPLY);
			return -1;
		}
		ssize_t n = fill(c, c->fd);
		if (n < 0)
			return sock_error(c, errno, false);
		if (n == 0) {
			if (!r->chunked && r->content_length < 0)
				return 0; /* the body ends with the connection */
			goto bad;
		}
	}
bad:
	c->err = CE_PROTOCOL;
	snprintf(c->err_text, sizeof c->err_text, "error: <class 'http.client.IncompleteRead'>, incomplete reply");
	return -1;
}

/* One POST /RPC2 on the current connection. 0 done, 1 retry (a reused connection died
 * before the reply began), -1 error. */
static int exchange(struct ctl *c, const struct buf *call, struct buf *body)
{
	struct buf head;
	buf_init(&head, 8192);
	buf_puts(&head, "POST /RPC2 HTTP/1.1\r\n");
	host_header(c, &head);
	buf_puts(&head, "Accept-Encoding: identity\r\nUser-Agent: tend-ctl\r\nContent-Type: text/xml\r\n"
			"Accept: text/xml\r\n");
	if (c->username && c->password)
		auth_header(c, &head);
	buf_printf(&head, "Content-Length: %zu\r\n\r\n", call->len);
	int w = write_all(c->fd, head.p, head.len);
	buf_free(&head);
	if (w == 0)
		w = write_all(c->fd, call->p, call->len);
	if (w < 0)
		return c->reused && (errno == EPIPE || errno == ECONNRESET) ? 1 : sock_error(c, errno, false);
	struct http_resp r;
	int h = read_head(c, c->fd, &r);
	if (c->reused && (h == 0 || (h < 0 && c->err == CE_SOCKET && c->err_errno == ECONNRESET)))
		return 1;
	if (h == 0) {
		c->err = CE_PROTOCOL;
		snprintf(c->err_text, sizeof c->err_text, "error: <class 'http.client.RemoteDisconnected'>, "
			 "Remote end closed connection without response");
	}
	if (h <= 0)
		return -1;
	buf_consume(&c->in, (size_t)h);
	if (r.status != 200) {
		c->err = CE_HTTP;
		c->http_status = r.status;
		ctl_disconnect(c);
		return -1;
	}
	if (read_body(c, &r, body) < 0)
		return -1;
	c->reused = true;
	if (!r.keep_alive || (!r.chunked && r.content_length < 0))
		ctl_disconnect(c);
	return 0;
}

static void encode_params(struct buf *b, const char *sig, va_list ap)
{
	for (; *sig; sig++) {
		xw_param_begin(b);
		switch (*sig) {
		case 's':
			xw_cstring(b, va_arg(ap, const char *));
			break;
		case 'i':
			xw_int(b, va_arg(ap, int));
			break;
		case 'b':
			xw_bool(b, va_arg(ap, int) != 0);
			break;
		case 'S': {
			const char *const *v = va_arg(ap, const char *const *);
			int n = va_arg(ap, int);
			xw_array_begin(b);
			for (int i = 0; i < n; i++)
				xw_cstring(b, v[i]);
			xw_array_end(b);
			break;
		}
		}
		xw_param_end(b);
	}
}

static int vcall(struct ctl *c, const char *method, const char *sig, va_list ap)
{
	struct buf call, body;
	buf_init(&call, CTL_MAX_REPLY);
	buf_init(&body, CTL_MAX_REPLY);
	xw_call_begin(&call, method);
	encode_params(&call, sig, ap);
	xw_call_end(&call);
	c->err = CE_NONE;
	c->fcode = 0;
	c->fstr = NULL;
	int rc = -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (c->fd < 0 && conn_open(c) < 0)
			goto out;
		int x = exchange(c, &call, &body);
		if (x == 0)
			break;
		ctl_disconnect(c);
		if (x < 0 || attempt)
			goto out;
		buf_reset(&body);
	}
	char why[200];
	int d = xmlrpc_decode_response(&c->ar, body.p ? body.p : "", body.len, &c->res, &c->fcode, &c->fstr, why,
				       sizeof why);
	if (d < 0) {
		c->err = CE_PROTOCOL;
		snprintf(c->err_text, sizeof c->err_text, "error: <class 'xml.parsers.expat.ExpatError'>, %s", why);
		goto out;
	}
	rc = d;
out:
	buf_free(&call);
	buf_free(&body);
	return rc;
}

int ctl_try(struct ctl *c, const char *method, const char *sig, ...)
{
	va_list ap;
	va_start(ap, sig);
	int r = vcall(c, method, sig, ap);
	va_end(ap);
	return r;
}

int ctl_call(struct ctl *c, const char *method, const char *sig, ...)
{
	va_list ap;
	va_start(ap, sig);
	int r = vcall(c, method, sig, ap);
	va_end(ap);
	if (r < 0)
		ctl_raise(c);
	return r;
}

_Noreturn void ctl_raise(struct ctl *c)
{
	longjmp(*c->abort, 1);
}

/* ---- tail -f ---------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void ctl_sigint_catch(struct ctl_sigint *g)
{
	struct sigaction sa = {.sa_handler = on_sigint};
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &g->orig);
	sigaction(SIGINT, &sa, &g->old);
	interrupted = 0;
	g->wait = g->orig;
	sigdelset(&g->wait, SIGINT);
}

void ctl_sigint_restore(struct ctl_sigint *g)
{
	sigprocmask(SIG_SETMASK, &g->orig, NULL); /* a Ctrl-C still pending lands in on_sigint */
	sigaction(SIGINT, &g->old, NULL);
}

int ctl_wait_readable(int fd, const sigset_t *waitmask)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	for (;;) {
		if (interrupted)
			return 0;
		int r = ppoll(&p, 1, NULL, waitmask);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static void stream_error(struct ctl *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void stream_error(struct ctl *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fprintf(stderr, "%s%s ", c->serverurl, path);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int stream_body(struct ctl *c, int fd, const struct http_resp *r, const sigset_t *wm, FILE *out)
{
	struct http_chunked ch = {0};
	long long left = r->content_length;
	for (;;) {
		if (r->chunked) {
			size_t got = 0;
			ssize_t used = http_dechunk(&ch, c->in.p, c->in.len, &got);
			if (used < 0)
				return 0;
			c->get_buf ? (void)buf_put(c->get_buf, c->in.p, got) : (void)fwrite(c->in.p, 1, got, out);
			buf_consume(&c->in, (size_t)used);
		} else {
			size_t n = c->in.len;
			if (left >= 0 && (long long)n > left)
				n = (size_t)left;
			c->get_buf ? (void)buf_put(c->get_buf, c->in.p, n) : (void)fwrite(c->in.p, 1, n, out);
			buf_consume(&c->in, c->in.len);
			if (left >= 0)
				left -= (long long)n;
		}
		if (fflush(out) == EOF || ch.done || left == 0)
			return 0;
		int w = ctl_wait_readable(fd, wm);
		if (w == 0)
			return 1;
		if (w < 0 || fill(c, fd) <= 0)
			return 0;
	}
}

int ctl_stream(struct ctl *c, const char *path)
{
	return ctl_get(c, path, NULL);
}

int ctl_get(struct ctl *c, const char *path, int *status)
{
	struct ctl_sigint g;
	ctl_sigint_catch(&g);

	ctl_disconnect(c);
	int ret = 0;
	if (conn_open(c) < 0) {
		stream_error(c, path, "Cannot connect, error: <class 'OSError'> ([Errno %d] %s)", c->err_errno,
			     strerror(c->err_errno));
		goto out;
	}
	struct buf head;
	buf_init(&head, 8192);
	buf_printf(&head, "GET %s HTTP/1.1\r\n", path);
	host_header(c, &head);
	buf_puts(&head, "Accept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: tend-ctl\r\n");
	if (c->password && *c->password)
		auth_header(c, &head);
	buf_puts(&head, "\r\n");
	int w = write_all(c->fd, head.p, head.len);
	buf_free(&head);
	if (w < 0)
		goto out;
	struct http_resp r;
	int h;
	for (;;) {
		h = c->in.len ? http_parse_response(c->in.p, c->in.len, &r) : 0;
		if (h)
			break;
		int wr = ctl_wait_readable(c->fd, &g.wait);
		if (wr == 0) {
			ret = 1;
			goto out;
		}
		if (wr < 0 || fill(c, c->fd) <= 0)
			goto out;
	}
	if (h < 0)
		goto out;
	buf_consume(&c->in, (size_t)h);
	if (status)
		*status = r.status;
	/* a refusal in words goes to stderr (err_body); an error page only by its status */
	if (r.status != 200 && (!status || (c->err_body && strncmp(r.content_type, "text/plain", 10)))) {
		stream_error(c, path, "Cannot read, status code %d", r.status);
		goto out;
	}
	ret = stream_body(c, c->fd, &r, &g.wait, r.status != 200 && c->err_body ? stderr : stdout);
out:
	ctl_disconnect(c);
	ctl_sigint_restore(&g);
	return ret;
}
