/* drain COUNTFILE: a fast reader. Reads stdin until EOF and counts bytes and
 * lines; the two counts (uint64 bytes, uint64 lines) live in COUNTFILE, mapped
 * shared, so the harness reads them at any moment without asking. */
#include "common.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: drain COUNTFILE\n"); return 2; }
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, 16) < 0) { perror(argv[1]); return 2; }
    volatile uint64_t *cnt = mmap(NULL, 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (cnt == MAP_FAILED) { perror("drain: mmap"); return 2; }
    static char buf[1 << 20];
    uint64_t bytes = 0, lines = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { perror("drain: read"); return 1; }
        if (n == 0) return 0;
        for (char *p = buf, *end = buf + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
            lines++;
        bytes += (uint64_t)n;
        cnt[0] = bytes;
        cnt[1] = lines;
    }
}
