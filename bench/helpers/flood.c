/* flood LINELEN LINES_PER_WRITE [COUNT [COUNTFILE]]: a service that floods its stdout.
 * Writes lines of exactly LINELEN bytes (newline included), LINES_PER_WRITE
 * lines per write(2) (whole lines, like a stdio buffer flush), as fast as the
 * reader of stdout takes them. After COUNT lines (default, or -1: no limit) it
 * stops writing and sleeps until killed, so a supervisor does not restart it.
 * With COUNTFILE, the number of lines written so far is kept there (a uint64,
 * mapped shared) for the harness to read at any moment.
 * Each line: "flood SEQUENCE xxx...x\n" (SEQUENCE: 10 decimal digits). */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#define SEQ_AT 6 /* "flood " */
#define SEQ_LEN 10

/* Increment a fixed-width decimal counter in place. */
static void seq_next(char *d)
{
    for (int i = SEQ_LEN - 1; i >= 0; i--) {
        if (d[i] != '9') { d[i]++; return; }
        d[i] = '0';
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: flood LINELEN LINES_PER_WRITE [COUNT [COUNTFILE]]\n"); return 2; }
    long len = atol(argv[1]), per = atol(argv[2]);
    long long count = argc > 3 ? atoll(argv[3]) : -1;
    if (len < SEQ_AT + SEQ_LEN + 2 || per < 1 || len * per > (1 << 24)) {
        fprintf(stderr, "flood: LINELEN must be >= %d, LINELEN * LINES_PER_WRITE <= 16 MiB\n",
                SEQ_AT + SEQ_LEN + 2);
        return 2;
    }
    volatile uint64_t *written = &(uint64_t){0};
    if (argc > 4) {
        int fd = open(argv[4], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || ftruncate(fd, 8) < 0) { perror(argv[4]); return 2; }
        written = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (written == MAP_FAILED) { perror("flood: mmap"); return 2; }
    }
    signal(SIGPIPE, SIG_DFL);
    char *buf = malloc((size_t)(len * per));
    if (!buf) { perror("flood: malloc"); return 1; }
    for (long i = 0; i < per; i++) {
        char *l = buf + i * len;
        memset(l, 'x', (size_t)len - 1);
        memcpy(l, "flood ", SEQ_AT);
        l[SEQ_AT + SEQ_LEN] = ' ';
        l[len - 1] = '\n';
    }
    char seq[SEQ_LEN];
    memset(seq, '0', SEQ_LEN);
    for (long long done = 0; count < 0 || done < count;) {
        long n = per;
        if (count >= 0 && count - done < n)
            n = (long)(count - done);
        for (long i = 0; i < n; i++) {
            memcpy(buf + i * len + SEQ_AT, seq, SEQ_LEN);
            seq_next(seq);
        }
        size_t want = (size_t)(n * len), off = 0;
        while (off < want) {
            ssize_t w = write(1, buf + off, want - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) { perror("flood: write"); return 1; }
            off += (size_t)w;
        }
        done += n;
        *written = (uint64_t)done;
    }
    for (;;) pause();
}
