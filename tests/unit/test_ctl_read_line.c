/* test_ctl_read_line.c — ctl_read_line() (ctl.c) against glibc's fgets() on stdin: the
 * same text read with buffers of 2 to 9 bytes, call after call, must give the same
 * pieces and the same end (NULL at EOF, the last line without its newline too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_int.h"

#include "check.h"

int main(void)
{
	static const char *const texts[] = {
		"", "\n", "y\n", "yes\n", "a much longer line than the buffer\nand another\n", "no newline at the end",
		"\n\n\nx\n\n", "user\npassword\n", "12345678\n123456789\n1234567\n",
	};
	char path[] = "/tmp/test_ctl_read_line.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return perror("mkstemp"), 1;
	for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
		for (size_t n = 2; n < 10; n++) {
			FILE *w = fopen(path, "w");
			if (!w || fputs(texts[t], w) < 0 || fclose(w))
				return perror(path), 1;
			FILE *theirs = fopen(path, "r");
			if (!theirs || !freopen(path, "r", stdin))
				return perror(path), 1;
			for (int call = 0; call < 64; call++) {
				char a[16], b[16];
				char *r1 = ctl_read_line(a, n), *r2 = fgets(b, (int)n, theirs);
				CHECK(!r1 == !r2 && (!r1 || (r1 == a && !strcmp(a, b))));
				if (!r1 || !r2)
					break;
			}
			fclose(theirs);
		}
	unlink(path);
	close(fd);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
