/* stdin_pipe.h — a service run's stdin pipe (see stdin_pipe.c). */
#pragma once
#include <stddef.h>

#include "service.h"

#define STDIN_MAX (1024 * 1024) /* bytes queued for a process that it has not read yet */

/* A new pipe for the next run: returns the read end (for the child), or -1 with errno. */
int stdin_pipe_open(struct svc *s);
/* Close tend's end (end of the run): the process sees end of input; queued bytes go. */
void stdin_pipe_close(struct tend *t, struct svc *s);
/* Queue N bytes for the process: 0; -1 when it has no stdin (no run, the reader is gone);
 * -2 when more than STDIN_MAX bytes would be waiting (nothing is queued). */
int svc_write_stdin(struct tend *t, struct svc *s, const char *d, size_t n);
