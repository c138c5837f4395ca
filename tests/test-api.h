/*
 * test-api.h - the helpers that the test-api-* programs share (one copy):
 * the standard small workload, the sentinel an out-pointer must keep, a walk
 * over this process's threads, an unbound pool and a pool's
 * weft_pool_print() output as a string, and the programs' common setup
 * and teardown.
 */
#ifndef WEFT_TEST_API_H
#define WEFT_TEST_API_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define CHECK_WANT_FIB
#include "check.h"
#include "weft.h"

/* Runs fib(20) on pool and checks the result. */
static inline void check_works(weft_pool *pool)
{
    struct fib_arg a = {20, 0};
    CHECK_EQ(weft_pool_run(pool, fib, &a), 0);
    CHECK_EQ(a.r, 6765);
}

/* What an out-pointer holds before a call that must leave it untouched. */
#define SENTINEL ((weft_pool *)(uintptr_t)0x5eed)

/* Calls fn(tid, name, ctx) for every thread of this process (its name
 * from /proc/self/task/<tid>/comm, without the newline) and returns the sum
 * of what the calls returned. */
static inline int each_thread(int (*fn)(pid_t tid, const char *name, void *ctx), void *ctx)
{
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* the thread just exited */
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        n += fn((pid_t)atoi(e->d_name), comm, ctx);
    }
    closedir(d);
    return n;
}

/* A pool of `workers` workers that are not bound (bind = 0), the other
 * fields their defaults. */
static inline weft_pool *unbound_pool(unsigned workers)
{
    weft_config cfg;
    weft_pool *pool;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.bind = 0;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    return pool;
}

/* weft_pool_print's output for pool, as a string in text[size]. */
static inline void print_to(weft_pool *pool, char *text, size_t size)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    CHECK_EQ(weft_pool_print(pool, f), 0);
    long len = ftell(f);
    CHECK(len > 0 && (size_t)len < size);
    rewind(f);
    CHECK_EQ(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
}

/* Setup and teardown of every test-api-* program: no thread outlives the
 * cases (the count before the first, after the last). */
static int api_threads0;

static inline void api_count_threads(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    api_threads0 = check_thread_baseline();
}

static inline void api_no_thread_left(void)
{
    CHECK_EQ(check_thread_count_settle(api_threads0), api_threads0);
}

#endif /* WEFT_TEST_API_H */
