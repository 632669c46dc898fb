/* launch N CMD ARGS...: run CMD N times, one after the other (fork, exec,
 * waitpid), stdout/stderr to /dev/null. Prints the total wall time in ns
 * and the number of runs that did not exit 0. */
#include "common.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: launch N CMD ARGS...\n"); return 2; }
    long n = atol(argv[1]);
    int devnull = open("/dev/null", O_RDWR);
    long bad = 0;
    int64_t t0 = mono_ns();
    for (long i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) { perror("fork"); return 1; }
        if (p == 0) {
            dup2(devnull, 1); dup2(devnull, 2);
            execv(argv[2], argv + 2);
            _exit(127);
        }
        int st;
        while (waitpid(p, &st, 0) < 0 && errno == EINTR) {}
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
    }
    int64_t t1 = mono_ns();
    printf("%lld %ld\n", (long long)(t1 - t0), bad);
    return 0;
}
