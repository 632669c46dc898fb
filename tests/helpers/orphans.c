/* orphans N [TIMEOUT_MS] [all]
 *
 * Test helper: creates N orphans in a burst and checks they are adopted and
 * reaped.  It forks N children; each forks a grandchild and exits at once.
 * Each grandchild waits until it has been re-parented, records whether its new
 * parent is the expected reaper (this helper's own parent, i.e. tend), and
 * exits.  The helper reaps its direct children, waits until every grandchild
 * has reported, then polls /proc until no zombie remains:
 *   default: no zombie whose parent is the expected reaper;
 *   "all":   no zombie at all in /proc (use as PID namespace's main child).
 * Prints "ADOPTED <ok> <bad> [<a wrong ppid>]" and "ZOMBIES <n>" and exits 0
 * on success, 1 on failure or timeout (default 10000 ms). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	int ok, bad, wrong_ppid;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/* Count zombies in /proc; if reaper > 0 only those whose ppid == reaper. */
static int count_zombies(pid_t reaper, pid_t *example)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		char *p = strrchr(buf, ')');
		if (!p)
			continue;
		char state = 0;
		int ppid = 0;
		if (sscanf(p + 1, " %c %d", &state, &ppid) != 2)
			continue;
		if (state == 'Z' && (reaper <= 0 || ppid == reaper)) {
			n++;
			if (example)
				*example = (pid_t)atoi(e->d_name);
		}
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: orphans N [TIMEOUT_MS] [all]\n");
		return 2;
	}
	int n = atoi(argv[1]);
	long long timeout = argc > 2 ? atoll(argv[2]) : 10000;
	int all = argc > 3 && !strcmp(argv[3], "all");
	pid_t reaper = getppid();
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	long long deadline = now_ms() + timeout;
	setvbuf(stdout, NULL, _IONBF, 0);

	int made = 0;
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c < 0) {
			if (errno == EAGAIN && now_ms() < deadline) {
				nap(1000);
				i--;
				continue;
			}
			perror("fork");
			break;
		}
		if (c == 0) {
			pid_t me = getpid();
			pid_t g = fork();
			if (g == 0) {
				while (getppid() == me)
					nap(200);
				pid_t pp = getppid();
				if (pp == reaper) {
					__atomic_fetch_add(&sh->ok, 1, __ATOMIC_SEQ_CST);
				} else {
					__atomic_store_n(&sh->wrong_ppid, (int)pp, __ATOMIC_SEQ_CST);
					__atomic_fetch_add(&sh->bad, 1, __ATOMIC_SEQ_CST);
				}
				_exit(0);
			}
			_exit(g < 0 ? 1 : 0);
		}
		made++;
	}
	int failed_children = 0;
	for (int i = 0; i < made; i++) {
		int st;
		if (wait(&st) < 0)
			break;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed_children++;
	}
	int reported = 0;
	while (now_ms() < deadline) {
		reported = __atomic_load_n(&sh->ok, __ATOMIC_SEQ_CST) +
			   __atomic_load_n(&sh->bad, __ATOMIC_SEQ_CST);
		if (reported >= made - failed_children)
			break;
		nap(2000);
	}
	int zombies = -1;
	pid_t example = 0;
	while (1) {
		zombies = count_zombies(all ? 0 : reaper, &example);
		if (zombies == 0 || now_ms() >= deadline)
			break;
		nap(5000);
	}
	int ok = sh->ok, bad = sh->bad;
	printf("MADE %d FAILED %d\n", made, failed_children);
	printf("ADOPTED %d %d %d\n", ok, bad, sh->wrong_ppid);
	printf("ZOMBIES %d (e.g. pid %d)\n", zombies, (int)example);
	if (made != n || failed_children || ok != n || bad || zombies != 0)
		return 1;
	return 0;
}
