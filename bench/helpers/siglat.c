/* Signal forwarding latency.
 *   siglat run [-c CPU] K GAP_US FIFO CMD ARGS...   (driver)
 *   siglat child FIFO [CPU]                          (the child, run under the init)
 * The driver starts CMD ARGS (an init whose child is `siglat child FIFO`),
 * waits for the child's "ready" record, then K times: takes t0, sends
 * SIGUSR1 to the init's pid, reads the CLOCK_MONOTONIC time t1 that the
 * child's SIGUSR1 handler wrote to the FIFO. Prints one latency (ns) per
 * line. Then SIGTERM to the init, bounded wait, SIGKILL if needed.
 * -c CPU pins the driver, and so the init it starts, to one CPU; the child's
 * CPU argument pins the child (the scheduler's placement of the three
 * processes otherwise decides most of the latency: docs/benchmarks.md). */
#include "common.h"
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int fifo_fd = -1;

static void on_usr1(int sig)
{
    (void)sig;
    int64_t t = mono_ns();
    write_all(fifo_fd, &t, sizeof t);
}

/* Pin the calling process to one CPU; a negative cpu leaves it alone. */
static int pin(long cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) {
        perror("siglat: sched_setaffinity");
        return -1;
    }
    return 0;
}

static int child(const char *fifo, long cpu)
{
    if (pin(cpu) < 0)
        return 2;
    fifo_fd = open(fifo, O_WRONLY);
    if (fifo_fd < 0) { perror(fifo); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    int64_t ready = 0;
    write_all(fifo_fd, &ready, sizeof ready);
    for (;;) pause();
}

/* Read exactly 8 bytes with a timeout (ms). */
static int read8(int fd, int64_t *v, int ms)
{
    size_t got = 0;
    char *p = (char *)v;
    while (got < 8) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        int r = poll(&pfd, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        ssize_t n = read(fd, p + got, 8 - got);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "child")) return child(argv[2], argc > 3 ? atol(argv[3]) : -1);
    long cpu = -1;
    int run = argc >= 2 && !strcmp(argv[1], "run");
    if (run && argc >= 4 && !strcmp(argv[2], "-c")) { /* drop "-c CPU": argv[1] stays "run" */
        cpu = atol(argv[3]);
        argv[3] = argv[1];
        argv += 2;
        argc -= 2;
    }
    if (argc < 6 || !run) {
        fprintf(stderr, "usage: siglat run [-c CPU] K GAP_US FIFO CMD ARGS... | siglat child FIFO [CPU]\n");
        return 2;
    }
    if (pin(cpu) < 0) return 2;
    long k = atol(argv[2]);
    long gap = atol(argv[3]);
    const char *fifo = argv[4];
    unlink(fifo);
    if (mkfifo(fifo, 0600) < 0) { perror("mkfifo"); return 2; }
    pid_t init = fork();
    if (init == 0) {
        int dn = open("/dev/null", O_RDWR);
        dup2(dn, 0); dup2(dn, 1);
        execv(argv[5], argv + 5);
        _exit(127);
    }
    /* O_RDWR|O_NONBLOCK open of a FIFO never blocks on Linux. */
    int fd = open(fifo, O_RDWR | O_NONBLOCK);
    int64_t v;
    int rc = 0;
    if (read8(fd, &v, 5000) < 0) { fprintf(stderr, "siglat: child never became ready\n"); rc = 1; k = 0; }
    for (long i = 0; i < k; i++) {
        struct timespec ts = { gap / 1000000, (gap % 1000000) * 1000 };
        nanosleep(&ts, NULL);
        int64_t t0 = mono_ns();
        kill(init, SIGUSR1);
        if (read8(fd, &v, 2000) < 0) { fprintf(stderr, "siglat: sample %ld lost\n", i); rc = 1; break; }
        printf("%lld\n", (long long)(v - t0));
    }
    kill(init, SIGTERM);
    int st;
    for (int i = 0; i < 300; i++) {
        if (waitpid(init, &st, WNOHANG) == init) goto done;
        usleep(10000);
    }
    kill(init, SIGKILL);
    waitpid(init, &st, 0);
done:
    unlink(fifo);
    return rc;
}
