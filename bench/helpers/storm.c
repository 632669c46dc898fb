/* storm N: meant to run as the child of an init that is PID 1 of a fresh
 * PID namespace (with its own /proc). A worker process creates N orphans as
 * fast as it can: an intermediate starts the orphan and exits at once, so the
 * orphan is re-parented to the init; the orphan exits immediately too, leaving
 * a zombie that only the init can reap. Meanwhile this process scans
 * /proc and records the peak number of zombies. After the worker is done it
 * keeps scanning until no zombie remains. Prints:
 *   total_ns create_ns drain_ns peak_zombies final_zombies
 * total = from the first orphan until zero zombies were seen (bounded 30 s). */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/wait.h>

/* Orphans are made with clone(CLONE_VM): fork()'s page-table copy costs
 * ~150 us on some VMs, which would make the storm measure fork, not the
 * init. An intermediate process (sharing our memory, vfork-style) starts the
 * orphan and exits at once; the orphan exits at once too. Orphans run a few
 * instructions on one of NSTACK rotating stacks. */
#define NSTACK 256
#define STACK_SZ 16384
static char stacks[NSTACK + 1][STACK_SZ] __attribute__((aligned(64)));
static unsigned next_stack;

static int orphan_fn(void *arg) { (void)arg; return 0; }

static int mid_fn(void *arg)
{
    char *top = arg;
    if (clone(orphan_fn, top, CLONE_VM | SIGCHLD, NULL) < 0) return 1;
    return 0;
}

static int count_zombies(void)
{
    DIR *d = opendir("/proc");
    if (!d) return -1;
    struct dirent *e;
    int z = 0;
    char path[300], buf[256];
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0) continue;
        buf[n] = 0;
        char *rp = strrchr(buf, ')');
        if (rp && rp[1] == ' ' && rp[2] == 'Z') z++;
    }
    closedir(d);
    return z;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    int pfd[2];
    if (pipe(pfd) < 0) return 2;
    int64_t t0 = mono_ns();
    pid_t worker = fork();
    if (worker == 0) {
        close(pfd[0]);
        for (long i = 0; i < n; i++) {
            char *otop = stacks[next_stack++ % NSTACK] + STACK_SZ;
            pid_t mid = clone(mid_fn, stacks[NSTACK] + STACK_SZ,
                              CLONE_VM | CLONE_VFORK | SIGCHLD, otop);
            if (mid < 0) { usleep(1000); i--; continue; }
            while (waitpid(mid, NULL, 0) < 0 && errno == EINTR) {}
        }
        int64_t t = mono_ns();
        write_all(pfd[1], &t, sizeof t);
        _exit(0);
    }
    close(pfd[1]);
    int flags = fcntl(pfd[0], F_GETFL);
    fcntl(pfd[0], F_SETFL, flags | O_NONBLOCK);
    int peak = 0, z = -1;
    int64_t tc = 0, tend = 0;
    int worker_done = 0;
    for (;;) {
        z = count_zombies();
        if (z > peak) peak = z;
        if (!worker_done) {
            int64_t v;
            if (read(pfd[0], &v, sizeof v) == (ssize_t)sizeof v) {
                tc = v;
                waitpid(worker, NULL, 0);
                worker_done = 1;
                continue; /* need a full scan that started after the worker ended */
            }
        } else if (z == 0) {
            tend = mono_ns();
            break;
        }
        if (mono_ns() - t0 > 30000000000LL) { tend = mono_ns(); break; }
        usleep(500);
    }
    if (!worker_done) { kill(worker, SIGKILL); waitpid(worker, NULL, 0); tc = tend; }
    printf("%lld %lld %lld %d %d\n", (long long)(tend - t0), (long long)(tc - t0),
           (long long)(tend - tc), peak, z);
    return 0;
}
