/* loop.c — the one event loop: epoll over every fd tend watches, plus one timerfd
 * armed for the earliest pending timer. Idle, epoll_wait blocks forever: zero wake-ups. */
#include "tend.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void timerfd_program(struct tend *t)
{
	uint64_t due = t->timers ? t->timers->due : 0;
	if (due == t->timer_set)
		return;
	struct itimerspec its = {0};
	if (due) {
		/* absolute CLOCK_MONOTONIC; a due time in the past fires at once */
		its.it_value.tv_sec = (time_t)(due / 1000);
		its.it_value.tv_nsec = (long)(due % 1000) * 1000000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(t->timerw.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		say(t, V_WARN, "timerfd_settime: %s", errstr());
	t->timer_set = due;
}

void timer_cancel(struct tend *t, struct timer *tm)
{
	if (!tm->armed)
		return;
	for (struct timer **pp = &t->timers; *pp; pp = &(*pp)->next)
		if (*pp == tm) {
			*pp = tm->next;
			break;
		}
	tm->armed = false;
	tm->next = NULL;
	timerfd_program(t);
}

void timer_arm(struct tend *t, struct timer *tm, uint64_t delay_ms, timer_fn *fn)
{
	timer_cancel(t, tm);
	tm->due = now_ms() + delay_ms;
	tm->fn = fn;
	struct timer **pp = &t->timers;
	while (*pp && (*pp)->due <= tm->due)
		pp = &(*pp)->next;
	tm->next = *pp;
	*pp = tm;
	tm->armed = true;
	timerfd_program(t);
}

static void on_timerfd(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	uint64_t n;
	if (read(w->fd, &n, sizeof n) < 0 && errno != EAGAIN && errno != EINTR)
		say(t, V_WARN, "read timerfd: %s", errstr());
	t->timer_set = 0; /* it fired: disarmed until reprogrammed */
	uint64_t now = now_ms();
	while (t->timers && t->timers->due <= now) {
		struct timer *tm = t->timers;
		t->timers = tm->next;
		tm->armed = false;
		tm->next = NULL;
		tm->fn(t, tm);
	}
	timerfd_program(t);
}

int loop_watch(struct tend *t, struct watch *w, int fd, uint32_t events, watch_fn *fn)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	w->fd = fd;
	w->fn = fn;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	w->events = events ? events : EPOLLHUP; /* registered */
	return 0;
}

void loop_events(struct tend *t, struct watch *w, uint32_t events)
{
	if (w->events == events)
		return;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		say(t, V_WARN, "epoll_ctl(%d): %s", w->fd, errstr());
	w->events = events;
}

void loop_unwatch(struct tend *t, struct watch *w)
{
	if (w->events && epoll_ctl(t->epfd, EPOLL_CTL_DEL, w->fd, NULL) < 0)
		say(t, V_WARN, "epoll_ctl del(%d): %s", w->fd, errstr());
	w->events = 0;
}

int loop_init(struct tend *t)
{
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epfd < 0)
		return -1;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return -1;
	return loop_watch(t, &t->timerw, tfd, EPOLLIN, on_timerfd);
}

void loop_run(struct tend *t, void (*before_sleep)(struct tend *t))
{
	struct epoll_event evs[64];
	while (before_sleep(t), !t->done) {
		t->gen++;
		int n = epoll_wait(t->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(t, 1, "epoll_wait: %s", errstr());
		}
		for (int i = 0; i < n && !t->done; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->events) /* a handler earlier in this batch may have unwatched it */
				w->fn(t, w, evs[i].events);
		}
	}
}
