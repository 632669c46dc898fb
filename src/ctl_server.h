/* ctl_server.h — the control server's transport: the listening sockets of
 * [unix_http_server] / [inet_http_server] (or the default socket), HTTP/1.x connections
 * with keep-alive, POST /RPC2 handed to rpc.c, GET /logtail/NAME[/CHANNEL] and
 * /mainlogtail streamed from the in-memory rings, GET /events (state changes as they
 * happen). Everything runs in tend's loop and nothing a client does can make it block
 * or grow without bound:
 *
 *  - a request head is at most HTTP_MAX_HEAD bytes (else 431), a body at most
 *    CTL_MAX_BODY (else 413, judged from Content-Length before a byte of it is read;
 *    a chunked body is counted as it is decoded);
 *  - at most CTL_MAX_CONNS connections: a new one evicts the connection that has been
 *    idle longest (no request in progress); if none is idle the new one is refused;
 *  - a connection with no request in progress is closed after CTL_IDLE_MS; a request
 *    must be complete (head and body) within CTL_REQUEST_MS of its first byte; a reply
 *    the client does not take is dropped, with the connection, once no byte of it could
 *    be written for CTL_WRITE_MS;
 *  - one readiness event reads at most CTL_READ_CHUNK bytes; one request at a time (a
 *    pipelined one waits in the buffer until the reply before it is out); one listener
 *    event accepts at most CTL_ACCEPT_BURST connections;
 *  - a log stream queues at most CTL_STREAM_QUEUE bytes: the ring itself is the buffer,
 *    and a reader slower than the output skips ahead to the oldest byte the ring holds;
 *    an events stream as much, past which events are dropped and counted.
 *
 * The three times can be shortened for tests with TEND_CTL_IDLE_MS, TEND_CTL_REQUEST_MS
 * and TEND_CTL_WRITE_MS (milliseconds, read once at start-up; never longer than the
 * defaults). */
#pragma once

struct tend;
struct state_change;

#define CTL_MAX_CONNS 128
#define CTL_MAX_BODY (8u << 20)
#define CTL_IDLE_MS 60000
#define CTL_REQUEST_MS 10000
#define CTL_WRITE_MS 30000
#define CTL_READ_CHUNK (64 * 1024)
#define CTL_ACCEPT_BURST 16
#define CTL_STREAM_QUEUE (64 * 1024)
#define CTL_TAIL_FIRST 1024 /* what a log stream sends first: its last bytes, as supervisord */

/* Listen (once, at start-up in supervision mode, after services_start). 0, or -1 after a
 * warning; a configured socket that cannot be had is fatal (supervisord's message, exit 2). */
int ctl_server_start(struct tend *t);
/* At the end of every loop turn: poll parked calls, send what is ready, free what closed. */
void ctl_server_turn(struct tend *t);
/* A service changed state (events_state, only when t->ev_subs is set): a line to each
 * subscriber of GET /events that wants it (ctl_server_events.c). */
void ctl_events_publish(struct tend *t, const struct state_change *c);
/* At exit: close everything, remove the socket file tend made (if it is still ours). */
void ctl_server_stop(struct tend *t);
