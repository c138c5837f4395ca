/*
 * os-linux.c - the only file that talks to the operating system about
 * threads, futexes and time: thread creation with a chosen stack size,
 * thread names, futex wait/wake, yielding and a monotonic clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "internal.h"

#ifdef WEFT_TEST_HOOKS
/* Test hook: the thread_fail_countdown-th thread creation from now fails. */
static long thread_fail_countdown;

void weft__test_fail_thread(long k)
{
    weft__atomic_store_seqcst(&thread_fail_countdown, k);
}

static int injected_failure(void)
{
    return weft__atomic_load_relaxed(&thread_fail_countdown) > 0 &&
           weft__atomic_fetch_sub_seqcst(&thread_fail_countdown, 1) == 1;
}
#else
static int injected_failure(void) { return 0; }
#endif

size_t weft__thread_stack_size(size_t want)
{
    return want < (size_t)PTHREAD_STACK_MIN ? (size_t)PTHREAD_STACK_MIN : want;
}

int weft__thread_start(pthread_t *th, size_t stack_size, void *(*fn)(void *),
                       void *arg)
{
    if (injected_failure())
        return WEFT_EAGAIN;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return WEFT_EAGAIN;
    int rc = pthread_attr_setstacksize(&attr, stack_size);
    if (rc == 0)
        rc = pthread_create(th, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    /* EINVAL: a stack size the system refuses (SIZE_MAX: size + guard
     * wraps around), not a shortage worth retrying */
    return rc == 0 ? 0 : rc == EINVAL ? WEFT_ERANGE : WEFT_EAGAIN;
}

size_t weft__thread_stack_got(pthread_t th, size_t asked)
{
    pthread_attr_t attr;
    size_t got = 0;
    if (pthread_getattr_np(th, &attr) != 0)
        return asked;
    if (pthread_attr_getstacksize(&attr, &got) != 0 || got == 0)
        got = asked;
    pthread_attr_destroy(&attr);
    return got;
}

void weft__thread_join(pthread_t th) { pthread_join(th, NULL); }

void weft__thread_detach(pthread_t th) { pthread_detach(th); }

void weft__thread_setname(const char *name)
{
    char buf[16];
    strncpy(buf, name, sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    pthread_setname_np(pthread_self(), buf);
}

void weft__futex_wait(uint32_t *addr, uint32_t val, long timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000L;
        ts.tv_nsec = timeout_ns % 1000000000L;
        tsp = &ts;
    }
    /* Returns at once if *addr != val (EAGAIN); callers loop on their
     * condition, so spurious and interrupted wake-ups are harmless. */
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

void weft__futex_wake(uint32_t *addr, int count)
{
    /* The address may belong to a frame that has just been released (the
     * waiter saw the word change and returned): the kernel only hashes the
     * address, so at worst another waiter on a reused address wakes
     * spuriously and re-checks its condition. */
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

void weft__yield(void) { sched_yield(); }

int weft__current_cpu(void) { return sched_getcpu(); }

uint64_t weft__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
