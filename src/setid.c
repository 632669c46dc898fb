/* setid.c — setuid, setgid, setgroups and setrlimit (-DTEND_OWN_SETID), and fork
 * (-DTEND_OWN_FORK, below), for the static (musl) build only (the Makefile's STATIC_FLAGS;
 * the glibc build keeps its own).
 *
 * Why: musl's versions run the system call in every thread of the process through
 * __synccall (credentials are per thread to the kernel), and that machinery (signals to
 * each thread, semaphores, a thread list lock) is ~2 KB of the static binary. tend needs
 * none of it:
 *  - setuid, setgid and setgroups are called only in a forked child before exec
 *    (spawn.c), which has one thread; for one thread musl makes exactly this system call
 *    and returns its result (errno set on failure), as these do.
 *  - setrlimit is prlimit64 on the calling process: the kernel applies it to the whole
 *    process, and musl calls it first too; musl falls back to setrlimit in each thread
 *    only where prlimit64 fails with ENOSYS (Linux < 2.6.36), which tend does not run on.
 * Checked against musl's own by tests/test_setid.py (tests/unit/musl_setid_diff.c). */
#if defined(TEND_OWN_SETID) || defined(TEND_OWN_FORK)
#include <grp.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#ifdef TEND_OWN_SETID
int setuid(uid_t uid)
{
	return (int)syscall(SYS_setuid, (long)uid);
}

int setgid(gid_t gid)
{
	return (int)syscall(SYS_setgid, (long)gid);
}

int setgroups(size_t n, const gid_t *list)
{
	return (int)syscall(SYS_setgroups, (long)n, list);
}

int setrlimit(int res, const struct rlimit *rl)
{
	return prlimit(0, res, rl, NULL);
}
#endif

#if defined(TEND_OWN_FORK) && defined(__x86_64__)
/* fork() as musl's _Fork(), without musl's fork wrapper (~1.2 KB: the thread creation lock
 * and the rwlocks behind it). The wrapper adds, to _Fork, pthread_atfork handlers (tend
 * registers none) and, once a pthread was created, the taking of libc's locks around the
 * system call; the static build creates none on x86-64 (-DTEND_OWN_THREAD: sink.c's relay
 * is a bare clone() there), so for tend the two are the same call. */
pid_t fork(void)
{
	return _Fork();
}
#endif
