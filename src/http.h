/* http.h — the HTTP/1.x that supervisorctl and xmlrpc.client speak: an incremental
 * parser of request heads (server) and response heads (client), chunked decoding,
 * response heads, basic authentication. Pure code, bounded: a head longer than
 * HTTP_MAX_HEAD is an error, never a bigger buffer. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define HTTP_MAX_HEAD (16 * 1024)  /* request or response line plus headers */
#define HTTP_MAX_PATH 1024
#define HTTP_MAX_AUTH 1024

struct http_req {
	char method[16];
	char path[HTTP_MAX_PATH]; /* as sent, without the query string */
	char query[HTTP_MAX_PATH];
	int minor;                /* HTTP/1.MINOR */
	bool keep_alive;          /* the version's default, then Connection: */
	long long content_length; /* -1 when absent */
	bool chunked;             /* Transfer-Encoding: chunked */
	bool expect_continue;     /* Expect: 100-continue */
	char auth[HTTP_MAX_AUTH]; /* Authorization: value, "" when absent */
};

/* Parse the request head in buf[0..len). Returns its length (through the blank line)
 * when complete, 0 when more bytes are needed, or -STATUS (-400, -414, -431, -501,
 * -505) when it can never be a valid request. */
int http_parse_request(const char *buf, size_t len, struct http_req *r);

struct http_resp {
	int status;
	int minor;
	bool keep_alive;
	long long content_length; /* -1 when absent */
	bool chunked;
	char content_type[128];
};
/* The same for a response head (the client side). */
int http_parse_response(const char *buf, size_t len, struct http_resp *r);

/* Chunked transfer decoding, incremental: feed bytes as they come. Start from a zeroed
 * struct. Chunk extensions are ignored and trailer fields skipped, both bounded (a size
 * line of at most 1024 bytes, all trailers HTTP_MAX_HEAD); a chunk size must stay below
 * 2^60. After `done`, the bytes not consumed belong to the next message. */
struct http_chunked {
	int state;
	unsigned long long left; /* bytes left in the current chunk */
	bool done;               /* the last chunk and its trailer were read */
	unsigned line;           /* bytes of the current size line, or of the trailer */
};
/* Decode in place: buf[0..len) in, *out_len decoded bytes written to the front of buf.
 * Returns bytes consumed, or -1 on a malformed stream. */
ssize_t http_dechunk(struct http_chunked *c, char *buf, size_t len, size_t *out_len);

const char *http_reason(int status); /* "OK", "Unauthorized", ... */
/* "HTTP/1.1 STATUS REASON" with Content-Type (if not NULL), Content-Length (>= 0), or
 * chunked (-1), Connection: close unless keep_alive, EXTRA (whole header lines with
 * CRLF, or NULL), then the blank line. */
void http_response_head(struct buf *b, int status, const char *content_type, long long content_length,
			bool keep_alive, const char *extra);

/* Does HEADER ("Basic base64(user:pass)") name USER with PASSWORD? PASSWORD is plain or
 * "{SHA}" followed by the hex SHA-1 of the password, as supervisord accepts. Compares in
 * constant time (in the length of the secrets). */
bool http_auth_ok(const char *header, const char *user, const char *password);
size_t base64_encode(const void *src, size_t n, char *dst); /* dst: 4*((n+2)/3)+1 */
/* S[0..n) decoded into OUT (room for 3*(n/4)+2): whitespace (SP, HT, CR, LF) is skipped,
 * "=" padding is optional but only at the end. The length, or -1 when it is not base64.
 * OUT may be S (decoding in place). */
long base64_decode(const char *s, size_t n, unsigned char *out);

/* sha1.c */
void sha1(const void *data, size_t n, unsigned char out[20]);
