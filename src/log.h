/* log.h — services' output: pipes cut into lines, sent to sinks or files. */
#pragma once
#include "tend.h"

#define LINE_MAX 4000 /* longer lines are split; prefixed they still fit PIPE_BUF */

struct log_src {
	int fd; /* read end, non-blocking; -1 once closed */
	struct watch w;
	const char *name;
	const struct log_target *tgt;
	struct log_sink *sink; /* LOG_DEFAULT / LOG_FD */
	int file_fd;           /* LOG_FILE */
	long long file_size;
	int colour;
	bool paused;
	size_t len;
	char *buf; /* LINE_MAX bytes, allocated at the first output: idle services cost nothing */
	struct log_src *next;
};

int logs_init(struct tend *t);
int logs_open(struct tend *t, struct log_src *s, const char *name, const struct log_target *tgt,
	      int stream, int colour);
void logs_close(struct tend *t, struct log_src *s);
void logs_drain(struct tend *t, struct log_src *s);
void logs_end_run(struct tend *t, struct log_src *s);
void logs_resume(struct tend *t, struct timer *tm);
void logs_flush_all(struct tend *t);
bool logs_say(struct tend *t, const char *line, size_t len);
