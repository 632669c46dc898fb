/* ctl_server_int.h — what the control server's files share: ctl_server.c (the
 * connections and their HTTP), ctl_server_sock.c (the listening sockets),
 * ctl_server_tail.c (log streams) and ctl_server_events.c (GET /events). Nothing
 * outside them includes this. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "http.h"
#include "ring.h"
#include "tend.h"

struct ctl_server;

struct listener {
	struct watch w;
	struct timer pause;   /* accepting paused (out of fds) */
	struct ctl_server *srv;
	bool is_unix;
	char *path;           /* the socket file tend made (unix), to remove at exit */
	dev_t dev;
	ino_t ino;
	char *username, *password; /* copies: a reload may retire the config */
	char what[160];       /* for messages: the path or host:port */
};

enum conn_state {
	C_HEAD,   /* reading a request head (or waiting for one: idle when nothing is buffered) */
	C_BODY,   /* reading its body */
	C_CALL,   /* a deferred call is parked; not reading */
	C_REPLY,  /* writing a reply; not reading */
	C_STREAM, /* a log stream: writing for as long as the client stays */
};

struct conn {
	struct watch w;
	struct timer tm;
	struct ctl_server *srv;
	struct listener *l;
	struct conn *prev, *next; /* srv->conns, oldest first */
	enum conn_state st;
	bool dead;                /* closed; freed at the end of the turn */
	bool close_after;         /* close once the reply is out */
	bool req_started;         /* a byte of the current request has come */
	struct buf in, out;
	struct http_req req;
	size_t head_len;          /* of the request in `in`, once parsed */
	struct http_chunked ch;   /* a chunked body: decoded in place after the head */
	size_t body_len;          /* body bytes decoded so far (chunked) */
	int reject;               /* the error status a refused request gets once its body is read */
	size_t discard_left;      /* body bytes of a refused request still to read away */
	struct rpc_call *call;
	struct buf *reply;        /* the call's reply document, sent after `out` (not copied) */
	struct buf body;          /* ctl_send_body's reply, owned (reply points to it) */
	size_t reply_off;
	/* log stream */
	struct ring_waiter rw;    /* rw.ring: the ring, NULL once it is freed */
	bool streaming;           /* rw is (or was) on a ring's list */
	uint64_t pos;             /* next ring position to send */
	bool chunked;             /* HTTP/1.1: chunked framing; 1.0: raw until close */
	bool main_log;
	bool err_chan;
	bool dirty;               /* the ring has grown while `out` was empty: pump at turn's end */
	char name[256];           /* the namespec */
	/* events stream (its filter: req.query, rewritten to "NAME,NAME..." or "") */
	bool events;              /* on t->ev_subs */
	bool ev_json;
	unsigned long ev_dropped; /* events that did not fit, not yet reported */
	struct conn *ev_next;
};

struct ctl_server {
	struct listener ls[3];
	int nls;
	struct conn *conns, *last; /* oldest first */
	int nconns;
	struct conn *dead;         /* closed this turn, freed in ctl_server_turn */
	int nparked;               /* connections in C_CALL */
	int ndirty;                /* log streams with `dirty` set */
	uint64_t idle_ms, request_ms, write_ms;
};

/* ctl_server_sock.c */
int ctl_listen_unix(struct tend *t, struct listener *l, const char *path, int mode, bool chown_set,
		    uid_t uid, gid_t gid, bool configured);
int ctl_listen_inet(struct tend *t, struct listener *l, const char *host, int port);
void ctl_unlink_ours(struct listener *l);
/* Listen as CF says (or die, for a configured section) and watch for connections. */
int ctl_add_listener(struct tend *t, struct ctl_server *s, const struct ctl_listen *cf, bool is_unix,
		     bool configured);
void ctl_say_peer(struct tend *t, struct listener *l, int fd); /* -v: who connected */

/* ctl_server.c */
void conn_admit(struct tend *t, struct listener *l, int fd); /* a new connection (or its refusal) */
void conn_close(struct tend *t, struct conn *c);
void conn_flush(struct tend *t, struct conn *c); /* write what `out` holds; EPOLLOUT if partial */
void conn_error(struct tend *t, struct conn *c, int status, const char *extra);

/* ctl_server_tail.c */
void tail_begin(struct tend *t, struct conn *c, const char *path);
void tail_pump(struct tend *t, struct conn *c); /* queue more of the ring when `out` has room */
void tail_flush(struct tend *t, struct conn *c); /* a dirty stream: pump, then write */
void tail_end(struct conn *c);
/* 200 and the state of a stream (chunked for HTTP/1.1, raw until close for 1.0) */
void stream_start(struct tend *t, struct conn *c, const char *type, const char *extra);
void stream_put(struct conn *c, const char *d, size_t n); /* one piece, framed */
void url_unquote(char *s);

/* ctl_server_events.c */
void events_begin(struct tend *t, struct conn *c);
void events_pump(struct conn *c); /* room again: the dropped count, if any */
void events_end(struct tend *t, struct conn *c);
void events_close_all(struct tend *t); /* at exit: the end of each stream, if it can go */
struct state_change;
void events_line(struct buf *b, const struct state_change *ch, bool json); /* one line, as sent */

/* ctl_server_status.c: GET /readyz, /healthz, /status; false if PATH is none of them (or
 * needs the credentials the request lacks). */
bool ctl_status_route(struct tend *t, struct conn *c, bool authed);
void ctl_metrics_answer(struct tend *t, struct conn *c); /* GET /metrics (ctl_server_metrics.c) */
void ctl_send_body(struct tend *t, struct conn *c, int status, const char *type, struct buf *body); /* taken over; and close */
