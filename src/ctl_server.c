/* ctl_server.c — the control server's connections: accept, read one request at a time,
 * hand POST /RPC2 to rpc.c, write the reply without blocking, and keep every client
 * inside the bounds of ctl_server.h. The listening sockets are ctl_server_sock.c's, the
 * log streams ctl_server_tail.c's, the event streams ctl_server_events.c's.
 *
 * A closed connection is unlinked and its fd closed at once, but its struct is freed in
 * ctl_server_turn: an event for it may still be in the loop's current batch.
 * Each connection has one timer whose meaning follows its state (conn_timer). */
#include "ctl_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "ctl_server_int.h"
#include "intparse.h"
#include "rpc.h"

#define WRITES_PER_FLUSH 4  /* sends per flush: one event's work stays bounded */
#define IN_MAX (HTTP_MAX_HEAD + CTL_MAX_BODY + CTL_READ_CHUNK)
#define ERR_MAX 4096
#define AUTH_HEADER "WWW-Authenticate: Basic realm=\"default\"\r\n" /* supervisord's realm */

static void conn_process(struct tend *t, struct conn *c);

static uint64_t env_ms(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	if (!v || !*v)
		return def;
	unsigned long long ms = (unsigned long long)str_to_ll(v, &end, 10); /* as strtoull for these */
	return *end || !ms || ms > def ? def : ms;
}

/* ---- the list, oldest activity first ---- */

static void list_remove(struct ctl_server *s, struct conn *c)
{
	*(c->prev ? &c->prev->next : &s->conns) = c->next;
	*(c->next ? &c->next->prev : &s->last) = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct ctl_server *s, struct conn *c)
{
	c->prev = s->last;
	c->next = NULL;
	*(s->last ? &s->last->next : &s->conns) = c;
	s->last = c;
}

static bool conn_idle(const struct conn *c)
{
	return c->st == C_HEAD && !c->req_started && !c->out.len;
}

/* Who makes room for a new connection: the longest idle, else the oldest one still
 * sending its request (a slow or stalled client), else the oldest log stream. A parked
 * call or a reply being written finishes by itself (or by the write timeout). */
static struct conn *victim(struct ctl_server *s)
{
	for (int pass = 0; pass < 3; pass++)
		for (struct conn *c = s->conns; c; c = c->next)
			if ((pass == 0 && conn_idle(c)) || (pass == 1 && (c->st == C_HEAD || c->st == C_BODY)) ||
			    (pass == 2 && c->st == C_STREAM))
				return c;
	return NULL;
}

/* ---- timers ---- */

static void conn_timer(struct tend *t, struct timer *tm)
{
	struct conn *c = container_of(tm, struct conn, tm);
	if (c->dead)
		return;
	if (c->st == C_HEAD && !c->req_started && c->in.len && !c->out.len) {
		conn_process(t, c); /* a pipelined request, one per turn */
		return;
	}
	if (c->out.len || c->st == C_REPLY)
		say(t, V_INFO, "control: closing a connection that has not read its reply for %llu ms",
		    (unsigned long long)c->srv->write_ms);
	else if (c->req_started)
		say(t, V_INFO, "control: closing a connection whose request took over %llu ms",
		    (unsigned long long)c->srv->request_ms);
	conn_close(t, c);
}

static void arm(struct tend *t, struct conn *c, uint64_t ms)
{
	timer_arm(t, &c->tm, ms, conn_timer);
}

/* The events each state wants. */
static void conn_watch(struct tend *t, struct conn *c)
{
	uint32_t ev = c->out.len ? EPOLLOUT : 0;
	switch (c->st) {
	case C_HEAD:
	case C_BODY:
	case C_STREAM:
		ev |= EPOLLIN;
		break;
	case C_CALL:
		ev = EPOLLRDHUP; /* only to learn that the client has gone */
		break;
	case C_REPLY:
		ev = EPOLLOUT;
		break;
	}
	loop_events(t, &c->w, ev);
}

/* ---- closing ---- */

void conn_close(struct tend *t, struct conn *c)
{
	struct ctl_server *s = c->srv;
	if (c->dead)
		return;
	c->dead = true;
	timer_cancel(t, &c->tm);
	if (c->st == C_CALL)
		s->nparked--;
	if (c->call)
		rpc_end(c->call);
	c->call = NULL;
	tail_end(c);
	events_end(t, c);
	loop_unwatch(t, &c->w);
	close(c->w.fd);
	list_remove(s, c);
	s->nconns--;
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->body);
	c->next = s->dead;
	s->dead = c;
}

/* ---- writing ---- */

/* The reply is out: back to reading, or close. */
static void reply_sent(struct tend *t, struct conn *c)
{
	if (c->call)
		rpc_end(c->call);
	c->call = NULL;
	c->reply = NULL;
	buf_free(&c->body);
	if (c->close_after) {
		conn_close(t, c);
		return;
	}
	c->st = C_HEAD;
	c->req_started = false;
	c->head_len = 0;
	list_remove(c->srv, c);
	list_append(c->srv, c);
	conn_watch(t, c);
	arm(t, c, c->in.len ? 1 : c->srv->idle_ms); /* pipelined: next turn (never this one) */
}

void conn_flush(struct tend *t, struct conn *c)
{
	for (int i = 0; i < WRITES_PER_FLUSH && !c->dead; i++) {
		size_t body_left = c->reply ? c->reply->len - c->reply_off : 0;
		if (!c->out.len && !body_left)
			break;
		struct iovec iov[2] = {{c->out.p, c->out.len}, {c->reply ? c->reply->p + c->reply_off : NULL, body_left}};
		struct msghdr m = {.msg_iov = c->out.len ? iov : iov + 1, .msg_iovlen = c->out.len ? 2 : 1};
		ssize_t n = sendmsg(c->w.fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			conn_close(t, c); /* EPIPE, ECONNRESET: the client has gone */
			return;
		}
		size_t from_out = (size_t)n < c->out.len ? (size_t)n : c->out.len;
		buf_consume(&c->out, from_out);
		c->reply_off += (size_t)n - from_out;
	}
	if (c->dead)
		return;
	bool pending = c->out.len || (c->reply && c->reply_off < c->reply->len);
	if (!pending && c->st == C_REPLY) {
		reply_sent(t, c);
		return;
	}
	if (!pending && c->st == C_STREAM) {
		timer_cancel(t, &c->tm);
		tail_pump(t, c); /* room again: more of the ring */
		if (c->dead || !c->out.len) {
			if (!c->dead)
				conn_watch(t, c);
			return;
		}
		pending = true;
	}
	if (pending && (c->st == C_REPLY || c->st == C_STREAM))
		arm(t, c, c->srv->write_ms); /* from the last progress */
	conn_watch(t, c);
}

/* supervisord's (medusa's) error page. Every error closes the connection: what is left
 * of the request (an unread body) cannot be trusted to frame the next one. */
void conn_error(struct tend *t, struct conn *c, int status, const char *extra)
{
	char body[512];
	int n = snprintf(body, sizeof body,
			 "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n"
			 "<p>Error code %d.\r\n<p>Message: %s.\r\n</body>\r\n",
			 status, http_reason(status));
	if (c->st == C_CALL)
		c->srv->nparked--;
	buf_reset(&c->out);
	http_response_head(&c->out, status, "text/html", n, false, extra);
	buf_put(&c->out, body, (size_t)n);
	c->close_after = true;
	c->st = C_REPLY;
	timer_cancel(t, &c->tm);
	conn_flush(t, c);
}

static void send_reply(struct tend *t, struct conn *c, struct buf *reply)
{
	if (c->st == C_CALL)
		c->srv->nparked--;
	c->st = C_REPLY;
	if (!reply || reply->over) { /* not a call (supervisord: 400), or never half a document */
		conn_error(t, c, reply ? 500 : 400, NULL);
		return;
	}
	c->reply = reply;
	c->reply_off = 0;
	c->close_after = !c->req.keep_alive;
	bool ka10 = c->req.keep_alive && c->req.minor == 0;
	http_response_head(&c->out, 200, "text/xml", (long long)reply->len, c->req.keep_alive,
			   ka10 ? "Connection: Keep-Alive\r\n" : NULL);
	timer_cancel(t, &c->tm);
	conn_flush(t, c);
}

/* ---- requests ---- */

static void start_call(struct tend *t, struct conn *c, const char *body, size_t len, size_t consumed)
{
	c->call = rpc_begin(t, body, len);
	buf_consume(&c->in, consumed);
	c->head_len = 0;
	if (!c->call) {
		conn_error(t, c, 500, NULL);
		return;
	}
	struct buf *reply;
	if (rpc_poll(t, c->call, &reply)) {
		send_reply(t, c, reply);
		return;
	}
	c->st = C_CALL; /* deferred: ctl_server_turn polls it */
	c->srv->nparked++;
	timer_cancel(t, &c->tm);
	conn_watch(t, c);
}

/* A chunked body: decode what has come, in place, right after the head. */
static void body_chunked(struct tend *t, struct conn *c)
{
	size_t raw = c->head_len + c->body_len, out;
	ssize_t used = http_dechunk(&c->ch, c->in.p + raw, c->in.len - raw, &out);
	if (used < 0) {
		conn_error(t, c, 400, NULL);
		return;
	}
	/* decoded bytes now start at `raw`; close the gap left by the framing */
	size_t rest = c->in.len - raw - (size_t)used;
	memmove(c->in.p + raw + out, c->in.p + raw + used, rest);
	c->in.len = raw + out + rest;
	c->in.p[c->in.len] = 0;
	c->body_len += out;
	if (c->body_len > CTL_MAX_BODY) {
		conn_error(t, c, 413, NULL);
		return;
	}
	if (c->ch.done)
		start_call(t, c, c->in.p + c->head_len, c->body_len, c->head_len + c->body_len);
}

static void body_step(struct tend *t, struct conn *c)
{
	if (c->reject) { /* a refused request: its body is read away, not kept */
		size_t d = c->in.len < c->discard_left ? c->in.len : c->discard_left;
		buf_consume(&c->in, d);
		c->discard_left -= d;
		if (!c->discard_left)
			conn_error(t, c, c->reject, c->reject == 401 ? AUTH_HEADER : NULL);
		return;
	}
	if (c->req.chunked) {
		body_chunked(t, c);
		return;
	}
	size_t need = (size_t)c->req.content_length;
	if (c->in.len - c->head_len >= need)
		start_call(t, c, c->in.p + c->head_len, need, c->head_len + need);
}

/* Answer STATUS once the body the client is sending (if any, and if it is of a size we
 * would take) has been read away: a client still writing when the connection closes
 * would see a reset instead of the answer. */
static void reject(struct tend *t, struct conn *c, int status)
{
	long long len = c->req.content_length;
	if (c->req.chunked || len <= 0 || len > (long long)CTL_MAX_BODY) {
		conn_error(t, c, status, status == 401 ? AUTH_HEADER : NULL);
		return;
	}
	buf_consume(&c->in, c->head_len);
	c->head_len = 0;
	c->reject = status;
	c->discard_left = (size_t)len;
	c->st = C_BODY;
	body_step(t, c);
}

/* A complete head: authenticate, then route as supervisord's handlers do (by prefix). */
static void route(struct tend *t, struct conn *c)
{
	struct http_req *r = &c->req;
	bool authed = !c->l->username || http_auth_ok(r->auth, c->l->username, c->l->password ? c->l->password : "");
	if (ctl_status_route(t, c, authed))
		return;
	if (!authed) {
		reject(t, c, 401);
		return;
	}
	if (!strncmp(r->path, "/RPC2", 5)) {
		if (strcmp(r->method, "POST"))
			reject(t, c, 400);
		else if (!r->chunked && r->content_length < 0)
			conn_error(t, c, 411, NULL);
		else if (r->content_length > (long long)CTL_MAX_BODY)
			conn_error(t, c, 413, NULL);
		else {
			c->st = C_BODY;
			c->ch = (struct http_chunked){0};
			c->body_len = 0;
			if (r->expect_continue)
				buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
			conn_flush(t, c);
			if (!c->dead)
				body_step(t, c);
		}
		return;
	}
	bool events = !strcmp(r->path, "/events");
	if (events || !strncmp(r->path, "/logtail", 8) || !strncmp(r->path, "/mainlogtail", 12)) {
		if (strcmp(r->method, "GET") || r->content_length > 0 || r->chunked)
			reject(t, c, 400);
		else if (events)
			events_begin(t, c);
		else
			tail_begin(t, c, r->path);
		return;
	}
	/* supervisord's web interface (/, /status.html, ...) is not served */
	reject(t, c, 404);
}

/* Act on what `in` holds: at most one request. */
static void conn_process(struct tend *t, struct conn *c)
{
	if (c->st == C_BODY) {
		body_step(t, c);
		return;
	}
	if (c->st != C_HEAD || !c->in.len)
		return;
	int rc = http_parse_request(c->in.p, c->in.len, &c->req);
	if (rc < 0) {
		conn_error(t, c, -rc, NULL);
		return;
	}
	if (!c->req_started) { /* the request clock starts at its first byte */
		c->req_started = true;
		arm(t, c, c->srv->request_ms);
	}
	if (rc == 0)
		return;
	c->head_len = (size_t)rc;
	route(t, c);
}

static void conn_read(struct tend *t, struct conn *c)
{
	char tmp[CTL_READ_CHUNK];
	size_t room = IN_MAX - c->in.len;
	if (c->st == C_STREAM || c->st == C_CALL || c->st == C_REPLY)
		room = sizeof tmp; /* read only to notice the end; discarded */
	if (room > sizeof tmp)
		room = sizeof tmp;
	ssize_t n = room ? recv(c->w.fd, tmp, room, MSG_DONTWAIT) : 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(t, c); /* the client has gone (or sent more than any request may be) */
		return;
	}
	if (c->st != C_HEAD && c->st != C_BODY)
		return;
	if (!buf_put(&c->in, tmp, (size_t)n)) {
		conn_error(t, c, 413, NULL);
		return;
	}
	conn_process(t, c);
}

static void conn_event(struct tend *t, struct watch *w, uint32_t events)
{
	struct conn *c = container_of(w, struct conn, w);
	if (events & EPOLLERR) {
		conn_close(t, c);
		return;
	}
	if ((c->st == C_CALL && (events & (EPOLLRDHUP | EPOLLHUP))) || (c->st == C_REPLY && (events & EPOLLHUP))) {
		conn_close(t, c); /* gone while its call was parked: the call ends with it */
		return;
	}
	if (events & EPOLLOUT)
		conn_flush(t, c);
	if (!c->dead && (events & (EPOLLIN | EPOLLHUP)))
		conn_read(t, c);
}

/* ---- accepting ---- */

void conn_admit(struct tend *t, struct listener *l, int fd)
{
	struct ctl_server *s = l->srv;
	if (s->nconns >= CTL_MAX_CONNS) {
		struct conn *v = victim(s);
		if (!v) {
			close(fd); /* every slot does real work */
			return;
		}
		conn_close(t, v);
	}
	struct conn *c = calloc(1, sizeof *c);
	if (!c || loop_watch(t, &c->w, fd, EPOLLIN, conn_event) < 0) {
		say(t, V_WARN, "control: cannot take a connection: %s", strerror(c ? errno : ENOMEM));
		free(c);
		close(fd);
		return;
	}
	ctl_say_peer(t, l, fd);
	c->srv = s;
	c->l = l;
	c->st = C_HEAD;
	buf_init(&c->in, IN_MAX);
	buf_init(&c->out, ERR_MAX + CTL_STREAM_QUEUE + 64);
	list_append(s, c);
	s->nconns++;
	arm(t, c, s->idle_ms);
}

/* ---- the interface ---- */

int ctl_server_start(struct tend *t)
{
	struct ctl_server *s = calloc(1, sizeof *s);
	if (!s)
		die(t, 1, "out of memory");
	s->idle_ms = env_ms("TEND_CTL_IDLE_MS", CTL_IDLE_MS);
	s->request_ms = env_ms("TEND_CTL_REQUEST_MS", CTL_REQUEST_MS);
	s->write_ms = env_ms("TEND_CTL_WRITE_MS", CTL_WRITE_MS);
	t->ctl = s;
	const struct config *cf = t->cfg;
	if (cf && (cf->unix_srv.set || cf->inet_srv.set)) {
		if (cf->unix_srv.set)
			ctl_add_listener(t, s, &cf->unix_srv, true, true);
		if (cf->inet_srv.set)
			ctl_add_listener(t, s, &cf->inet_srv, false, true);
		return 0;
	}
	const char *path = getenv("TEND_CTL_SOCKET");
	if (!path)
		path = CTL_DEFAULT_SOCKET;
	if (!*path || !strcmp(path, "none"))
		return 0;
	if (*path != '/') {
		say(t, V_WARN, "control: TEND_CTL_SOCKET=%s is not an absolute path; no control socket", path);
		return -1;
	}
	struct ctl_listen def = {.set = true, .file = (char *)path, .chmod = 0700};
	return ctl_add_listener(t, s, &def, true, false);
}

void ctl_server_turn(struct tend *t)
{
	struct ctl_server *s = t->ctl;
	if (!s)
		return;
	while (s->dead) { /* no event of this turn can name them any more */
		struct conn *c = s->dead;
		s->dead = c->next;
		free(c);
	}
	if (!s->nparked && !s->ndirty)
		return;
	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next; /* c may close */
		struct buf *reply;
		if (c->st == C_CALL && rpc_poll(t, c->call, &reply))
			send_reply(t, c, reply);
		else if (c->st == C_STREAM && c->dirty)
			tail_flush(t, c);
	}
}

void ctl_server_stop(struct tend *t)
{
	struct ctl_server *s = t->ctl;
	if (!s)
		return;
	events_close_all(t);
	while (s->conns)
		conn_close(t, s->conns);
	for (int i = 0; i < s->nls; i++) {
		struct listener *l = &s->ls[i];
		timer_cancel(t, &l->pause);
		loop_unwatch(t, &l->w);
		close(l->w.fd);
		ctl_unlink_ours(l);
		free(l->username);
		free(l->password);
	}
	s->nls = 0;
	ctl_server_turn(t);
	t->ctl = NULL;
	free(s);
}
