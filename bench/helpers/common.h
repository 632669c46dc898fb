/* Shared bits of the tend benchmark helpers. Not part of tend. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Async-signal-safe decimal formatting. Returns length. */
static inline int fmt_i64(char *buf, int64_t v)
{
    char tmp[24];
    int n = 0, len = 0;
    if (v < 0) { buf[len++] = '-'; v = -v; }
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) buf[len++] = tmp[--n];
    return len;
}

static inline void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) { if (errno == EINTR) continue; return; }
        c += w; n -= (size_t)w;
    }
}
#endif
