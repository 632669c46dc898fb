/* capture.h — supervisord's capture mode for a service's output stream (capture.c). */
#pragma once
#include "log.h"

#define CAPTURE_HOLD 24 /* the longest token: a read leaves this much room for held bytes */

long long capture_max(const struct log_src *s); /* its capture_maxbytes, 0: off */
/* Filter the N bytes just read at P in place: returns how many stay for the log. */
size_t capture_filter(struct tend *t, struct log_src *s, char *p, size_t n);
/* A run's end: the bytes held as a maybe-token are output after all (at most ROOM);
 * returns how many were put at P. */
size_t capture_release(struct log_src *s, char *p, size_t room);
void capture_free(struct log_src *s);
