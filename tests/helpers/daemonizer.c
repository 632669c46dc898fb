/* daemonizer [-i] [-t DIR] PORT
 *
 * Test helper: a service that leaves a daemon behind holding its listening socket,
 * like php-fpm's workers or a double-forking server.
 *
 *   main:          binds 127.0.0.1:PORT WITHOUT SO_REUSEADDR and listens (failure:
 *                  "daemonizer: bind 127.0.0.1:PORT: <strerror> (<errno>)" on stderr,
 *                  exit 98), forks, closes its copy of the socket, waits for the
 *                  intermediate child, prints "READY <pid>" and stays in the
 *                  foreground (pause; default SIGTERM disposition).
 *   intermediate:  setsid(), forks the grandchild, exits 0.
 *   grandchild:    the only holder of the listening socket. Prints "SERVING <pid> <sid>"
 *                  and serves forever: each connection gets "pong <pid>\n", then the
 *                  server reads until the client closes (so the client does the active
 *                  close and no TIME_WAIT is left on PORT), then closes.
 *
 * -i   the grandchild ignores SIGTERM (only SIGKILL stops it).
 * -t DIR  on SIGTERM the grandchild creates DIR/term.<pid> before exiting 0.
 *
 * A leftover grandchild therefore makes a restarted main fail with EADDRINUSE. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *term_dir;

static void on_term(int sig)
{
	(void)sig;
	if (term_dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/term.%d", term_dir, (int)getpid());
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

static void serve(int ls, int ignore_term)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ignore_term ? SIG_IGN : on_term;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("SERVING %d %d\n", (int)getpid(), (int)getsid(0));
	fflush(stdout);
	for (;;) {
		int c = accept(ls, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("daemonizer: accept");
			_exit(1);
		}
		char msg[64], buf[256];
		int n = snprintf(msg, sizeof msg, "pong %d\n", (int)getpid());
		if (write(c, msg, (size_t)n) < 0) {
			/* client gone */
		}
		while (read(c, buf, sizeof buf) > 0)
			;
		close(c);
	}
}

int main(int argc, char **argv)
{
	int ignore_term = 0, opt;
	while ((opt = getopt(argc, argv, "it:")) != -1) {
		if (opt == 'i')
			ignore_term = 1;
		else if (opt == 't')
			term_dir = optarg;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: daemonizer [-i] [-t DIR] PORT\n");
		return 2;
	}
	int port = atoi(argv[optind]);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0) {
		perror("daemonizer: socket");
		return 1;
	}
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 64) < 0) {
		int e = errno;
		fprintf(stderr, "daemonizer: bind 127.0.0.1:%d: %s (%d)\n", port, strerror(e), e);
		return 98;
	}
	fflush(stdout);
	pid_t mid = fork();
	if (mid < 0) {
		perror("daemonizer: fork");
		return 1;
	}
	if (mid == 0) {
		setsid();
		pid_t g = fork();
		if (g < 0)
			_exit(1);
		if (g == 0)
			serve(ls, ignore_term);
		_exit(0);
	}
	close(ls);
	int st;
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	printf("READY %d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause();
}
