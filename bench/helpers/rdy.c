/* rdy: a benchmark service that becomes ready after a delay, for figure 13
 * (readiness -> start of the dependent). Appends to LOG (O_APPEND, one write
 * a line, like bsvc):
 *   S <pid> <monotonic ns>   at start
 *   R <pid> <monotonic ns>   just before it signals readiness
 * then waits (pause) until killed.
 *   rdy LOG notify MIN MAX      READY=1 to $NOTIFY_SOCKET (sd_notify; a name
 *                               starting with '@' is in the abstract namespace)
 *   rdy LOG fd N MIN MAX        writes "\n" to fd N (s6's notification-fd)
 *   rdy LOG tcp PORT MIN MAX    socket + bind 127.0.0.1:PORT first, then R,
 *                               then listen(): a connect succeeds from then on
 * The delay before readiness is uniform in [MIN, MAX] ms (seeded by pid and
 * time), so that a polled check is not phase-locked with the service.
 *   rdy LOG stamp               appends "W <pid> <ns>" and exits 0 (a mark
 *                               in a run script)
 *   rdy FILE listen PORT        listens on 127.0.0.1:PORT at once, accepts and
 *                               closes connections, and keeps their count in
 *                               FILE (rewritten in place after each one) */
#include "common.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

static int logfd = -1;

static void logline(char kind)
{
    char buf[64];
    int n = 0;
    buf[n++] = kind; buf[n++] = ' ';
    n += fmt_i64(buf + n, getpid()); buf[n++] = ' ';
    n += fmt_i64(buf + n, mono_ns()); buf[n++] = '\n';
    write_all(logfd, buf, (size_t)n);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

static int notify_ready(void)
{
    const char *e = getenv("NOTIFY_SOCKET");
    if (!e || !*e) { fprintf(stderr, "rdy: no NOTIFY_SOCKET\n"); return -1; }
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t len = strlen(e);
    if (len >= sizeof a.sun_path) return -1;
    memcpy(a.sun_path, e, len);
    if (a.sun_path[0] == '@') a.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    static const char msg[] = "READY=1";
    logline('R');
    ssize_t w = sendto(fd, msg, sizeof msg - 1, 0, (struct sockaddr *)&a,
                       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
    close(fd);
    return w < 0 ? -1 : 0;
}

static void bind_lo(int s, const char *port)
{
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("rdy: bind"); _exit(1); }
}

static void listen_count(const char *file, const char *port)
{
    int cfd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (cfd < 0) { perror(file); _exit(2); }
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bind_lo(s, port);
    if (listen(s, 4096) < 0) { perror("rdy: listen"); _exit(1); }
    int64_t n = 0;
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        close(c);
        char buf[24];
        int len = fmt_i64(buf, ++n);
        buf[len++] = '\n';
        if (pwrite(cfd, buf, (size_t)len, 0) < 0) _exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[2], "listen"))
        listen_count(argv[1], argv[3]);
    if (argc == 3 && !strcmp(argv[2], "stamp")) {
        logfd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (logfd < 0) { perror(argv[1]); return 2; }
        logline('W');
        return 0;
    }
    if (argc < 6 && !(argc == 5 && !strcmp(argv[2], "notify"))) {
        fprintf(stderr, "usage: rdy LOG notify MIN MAX | fd N MIN MAX | tcp PORT MIN MAX | stamp; rdy FILE listen PORT\n");
        return 2;
    }
    logfd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (logfd < 0) { perror(argv[1]); return 2; }
    logline('S');
    const char *mode = argv[2];
    int k = strcmp(mode, "notify") ? 4 : 3;
    long lo = atol(argv[k]), hi = atol(argv[k + 1]);
    srand((unsigned)(getpid() * 2654435761u) ^ (unsigned)mono_ns());
    long d = lo + (hi > lo ? rand() % (hi - lo + 1) : 0);
    if (!strcmp(mode, "notify")) {
        sleep_ms(d);
        if (notify_ready() < 0) { perror("rdy: sd_notify"); return 1; }
    } else if (!strcmp(mode, "fd")) {
        int fd = atoi(argv[3]);
        sleep_ms(d);
        logline('R');
        if (write(fd, "\n", 1) != 1) { perror("rdy: notification fd"); return 1; }
        close(fd);
    } else if (!strcmp(mode, "tcp")) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bind_lo(s, argv[3]);
        sleep_ms(d);
        logline('R');
        if (listen(s, 1024) < 0) { perror("rdy: listen"); return 1; }
        for (;;) { /* accept and close: a check's connection never piles up */
            int c = accept(s, NULL, NULL);
            if (c >= 0) close(c);
        }
    } else {
        fprintf(stderr, "rdy: unknown mode %s\n", mode);
        return 2;
    }
    for (;;) pause();
}
