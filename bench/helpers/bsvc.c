/* bsvc: a benchmark service. Appends event lines to a log (O_APPEND, one
 * write per line, so concurrent services do not interleave):
 *   S <pid> <monotonic ns>   at start
 *   T <pid> <monotonic ns>   when SIGTERM arrives (mode slow)
 *   X <pid> <monotonic ns>   just before a deliberate crash (mode crash)
 * Modes:
 *   bsvc LOG sleep        like `sleep inf`: default signal dispositions
 *   bsvc LOG slow SECS    on SIGTERM, take SECS seconds to stop, exit 0
 *   bsvc LOG crash MS     run MS milliseconds, then exit 1 */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>

static int logfd = -1;
static volatile sig_atomic_t got_term;

static void logline(char kind)
{
    char buf[64];
    int n = 0;
    buf[n++] = kind; buf[n++] = ' ';
    n += fmt_i64(buf + n, getpid()); buf[n++] = ' ';
    n += fmt_i64(buf + n, mono_ns()); buf[n++] = '\n';
    write_all(logfd, buf, (size_t)n);
}

static void on_term(int sig) { (void)sig; got_term = 1; }

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bsvc LOG sleep|slow SECS|crash MS\n"); return 2; }
    logfd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (logfd < 0) { perror(argv[1]); return 2; }
    const char *mode = argv[2];
    if (!strcmp(mode, "slow")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigaction(SIGTERM, &sa, NULL);
    }
    logline('S');
    if (!strcmp(mode, "sleep")) {
        for (;;) pause();
    } else if (!strcmp(mode, "slow")) {
        long secs = argc > 3 ? atol(argv[3]) : 2;
        while (!got_term) pause();
        logline('T');
        sleep_ms(secs * 1000);
        return 0;
    } else if (!strcmp(mode, "crash")) {
        long ms = argc > 3 ? atol(argv[3]) : 1500;
        sleep_ms(ms);
        logline('X');
        _exit(1);
    }
    fprintf(stderr, "bsvc: unknown mode %s\n", mode);
    return 2;
}
