/*
 * test-waits - a wait helps only with what it waits for (docs/design.md,
 * "Waits on another pool").
 *
 * Each case is a scenario in which a worker that waited on another pool
 * used to run unrelated tasks of its own pool on top of the waiting frame
 * (on the same thread): each fails on weft 0.4, where the waiter ran any
 * work of its pool.  A watchdog (alarm) turns a hang into a failure.
 *
 *  join    Pool A (2 workers), C (1 worker).  T spawns V; the other worker
 *          steals V, which calls weft_pool_run(C) (100 ms).  Meanwhile a
 *          task U, submitted to A from outside, starts; T, holding mutex M
 *          (error-checking), joins V, and U spawns 8 children, 1 ms apart,
 *          that each lock M.  No child of U may run inside T's join
 *          (marked by a thread-local flag) and no lock of M may fail with
 *          EDEADLK; all 8 run.
 *  destroy Pools A, B, C of 1 worker.  A thread runs bwork on B; bwork calls
 *          weft_pool_run(A, x1); x1 calls weft_pool_run(C, slow) (50 ms).
 *          Meanwhile the main thread runs bdestroy on A, which destroys B:
 *          the destroy must wait for bwork and return 0, without a wait
 *          cycle (0.4: A's worker ran bdestroy on top of x1; hung).
 *  lock    Pool A (1 worker), C (1 worker).  T locks M and calls
 *          weft_pool_run(C) (50 ms) holding it; a task U submitted to A from
 *          outside meanwhile locks M: it waits for T (on another thread of
 *          A), and its lock returns 0, not EDEADLK.
 *  limit   Pool A (1 worker, max_spares 1), C (2 workers).  T1 on A waits
 *          on a job of C that waits for flag F1; T2 (on A's spare) waits on
 *          a job of C that waits for F2; T3, submitted to A, sets both.  A
 *          has no thread left and may start no spare: at that bound a
 *          waiter runs any work of its pool, so T3 runs and all three end;
 *          spare_limit_hits counts the bound, and once no thread is
 *          blocked the pool is no longer marked starved (a later wait
 *          would take a stale mark for its own).
 *  spares  Spares retire: after the cases above, every pool's spares have
 *          exited (the thread count returns to the workers').
 *  callbacks  4 jobs that one wait's computation submits back meet at a
 *          latch: they must run at once, not one after another on the
 *          waiting worker (hung when every such job was reserved for it).
 *  published  A 2-worker pool whose worker blocks with 4 tasks published:
 *          two of them meet at a latch that the awaited job waits for, so
 *          the pool must start a spare beside the sibling (hung when only
 *          a notify could start one).

 *
 * Usage: test-waits CASE | test-waits [all] | test-waits --list
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "../src/internal.h" /* the pool's blocked and starved counts */
#include "check.h"

static void watchdog(unsigned seconds)
{
    signal(SIGALRM, SIG_DFL);
    alarm(seconds); /* a hang ends the test with SIGALRM */
}

static pthread_mutex_t lock_m;

static void errcheck_mutex_init(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&lock_m, &a);
    pthread_mutexattr_destroy(&a);
}

static weft_pool *new_pool(unsigned workers, unsigned max_spares,
                           const char *name)
{
    weft_config c;
    weft_config_init(&c);
    c.workers = workers;
    c.max_spares = max_spares;
    c.name = name;
    weft_pool *p;
    CHECK_EQ(weft_pool_create(&p, &c), 0);
    return p;
}

static void sleep_fn(void *p) { check_sleep_ms((unsigned)(uintptr_t)p); }

/* Sleeps in short steps until *c reaches n (the latches and flags below:
 * they only work if the threads that move them run at the same time). */
static void await_count(const int *c, int n)
{
    while (__atomic_load_n(c, __ATOMIC_ACQUIRE) < n)
        check_sleep_us(200);
}

/* ---- join ----------------------------------------------------------------- */

static weft_pool *j_a, *j_c;
static __thread int in_join;   /* this thread is inside T's join */
static int v_started, u_started, t_joining, children_run, children_in_join,
    deadlk;

static void u_child(void *p)
{
    (void)p;
    if (in_join)
        __atomic_fetch_add(&children_in_join, 1, __ATOMIC_RELAXED);
    int rc = pthread_mutex_lock(&lock_m);
    if (rc == EDEADLK) {
        __atomic_fetch_add(&deadlk, 1, __ATOMIC_RELAXED);
    } else {
        CHECK_EQ(rc, 0);
        pthread_mutex_unlock(&lock_m);
    }
    __atomic_fetch_add(&children_run, 1, __ATOMIC_RELAXED);
}

/* Spawns its 8 children while T joins, one every millisecond, so that a
 * thief asking for work (T's leapfrogging, if U ran on V's thief) gets
 * them published. */
static void u_task(void *p)
{
    (void)p;
    __atomic_store_n(&u_started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&t_joining, __ATOMIC_ACQUIRE))
        check_sleep_us(100);
    weft_task t[8];
    for (int i = 0; i < 8; i++) {
        check_sleep_ms(1);
        weft_spawn(&t[i], u_child, NULL);
    }
    for (int i = 8; i-- > 0;)
        weft_join(&t[i]);
}

static void v_task(void *p)
{
    (void)p;
    __atomic_store_n(&v_started, 1, __ATOMIC_RELEASE);
    CHECK_EQ(weft_pool_run(j_c, sleep_fn, (void *)(uintptr_t)100), 0);
}

static void *submit_u(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(j_a, u_task, NULL), 0);
    return NULL;
}

static void nothing(void *p) { (void)p; }

static void t_task(void *p)
{
    (void)p;
    weft_task v;
    weft_spawn(&v, v_task, NULL);
    /* Until the other worker has stolen V (it runs V: it is blocked).  A
     * private task becomes public at a later spawn once a thief asks. */
    while (!__atomic_load_n(&v_started, __ATOMIC_ACQUIRE)) {
        weft_task d;
        weft_spawn(&d, nothing, NULL);
        weft_join(&d);
        check_sleep_us(100);
    }
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, submit_u, NULL), 0);
    while (!__atomic_load_n(&u_started, __ATOMIC_ACQUIRE))
        check_sleep_us(100);
    CHECK_EQ(pthread_mutex_lock(&lock_m), 0);
    in_join = 1;
    __atomic_store_n(&t_joining, 1, __ATOMIC_RELEASE);
    weft_join(&v);
    in_join = 0;
    pthread_mutex_unlock(&lock_m);
    CHECK_EQ(pthread_join(th, NULL), 0);
}

CHECK_CASE(join)
{
    j_a = new_pool(2, 0, "join-a");
    j_c = new_pool(1, 0, "join-c");
    CHECK_EQ(weft_pool_run(j_a, t_task, NULL), 0);
    CHECK_EQ(children_run, 8);
    CHECK_EQ(children_in_join, 0);
    CHECK_EQ(deadlk, 0);
    CHECK_EQ(weft_pool_destroy(j_a), 0);
    CHECK_EQ(weft_pool_destroy(j_c), 0);
    printf("  join: 8 unrelated children ran, none inside the join\n");
}

/* ---- destroy -------------------------------------------------------------- */

static weft_pool *d_a, *d_b, *d_c;
static int x1_waiting, d_rc = 1;

static void x1(void *p)
{
    (void)p;
    __atomic_store_n(&x1_waiting, 1, __ATOMIC_RELEASE);
    CHECK_EQ(weft_pool_run(d_c, sleep_fn, (void *)(uintptr_t)50), 0);
}

static void bwork(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(d_a, x1, NULL), 0);
}

static void *run_bwork(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(d_b, bwork, NULL), 0);
    return NULL;
}

static void bdestroy(void *p)
{
    (void)p;
    __atomic_store_n(&d_rc, weft_pool_destroy(d_b), __ATOMIC_RELEASE);
}

CHECK_CASE(destroy)
{
    d_a = new_pool(1, 0, "destroy-a");
    d_b = new_pool(1, 0, "destroy-b");
    d_c = new_pool(1, 0, "destroy-c");
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, run_bwork, NULL), 0);
    while (!__atomic_load_n(&x1_waiting, __ATOMIC_ACQUIRE))
        check_sleep_us(100);
    CHECK_EQ(weft_pool_run(d_a, bdestroy, NULL), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(d_rc, 0);
    CHECK_EQ(weft_pool_destroy(d_a), 0);
    CHECK_EQ(weft_pool_destroy(d_c), 0);
    printf("  destroy: returned 0 after the run it waited for\n");
}

/* ---- lock ----------------------------------------------------------------- */

static weft_pool *l_a, *l_c;
static int l_holding, l_u_rc = -1;

static void l_t(void *p)
{
    (void)p;
    CHECK_EQ(pthread_mutex_lock(&lock_m), 0);
    __atomic_store_n(&l_holding, 1, __ATOMIC_RELEASE);
    CHECK_EQ(weft_pool_run(l_c, sleep_fn, (void *)(uintptr_t)50), 0);
    pthread_mutex_unlock(&lock_m);
}

static void l_u(void *p)
{
    (void)p;
    int rc = pthread_mutex_lock(&lock_m);
    __atomic_store_n(&l_u_rc, rc, __ATOMIC_RELEASE);
    if (rc == 0)
        pthread_mutex_unlock(&lock_m);
}

static void *l_run_t(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(l_a, l_t, NULL), 0);
    return NULL;
}

CHECK_CASE(lock)
{
    l_a = new_pool(1, 0, "lock-a");
    l_c = new_pool(1, 0, "lock-c");
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, l_run_t, NULL), 0);
    while (!__atomic_load_n(&l_holding, __ATOMIC_ACQUIRE))
        check_sleep_us(100);
    CHECK_EQ(weft_pool_run(l_a, l_u, NULL), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(l_u_rc, 0);
    CHECK_EQ(weft_pool_destroy(l_a), 0);
    CHECK_EQ(weft_pool_destroy(l_c), 0);
    printf("  lock: the unrelated task waited for the lock on another "
           "thread\n");
}

/* ---- limit ---------------------------------------------------------------- */

static weft_pool *m_a, *m_c;
static int flag1, flag2, t2_started;

static void wait_flag(void *p) { await_count((int *)p, 1); }

static void m_t1(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(m_c, wait_flag, &flag1), 0);
}

static void m_t2(void *p)
{
    (void)p;
    __atomic_store_n(&t2_started, 1, __ATOMIC_RELEASE);
    CHECK_EQ(weft_pool_run(m_c, wait_flag, &flag2), 0);
}

static void m_t3(void *p)
{
    (void)p;
    __atomic_store_n(&flag1, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&flag2, 1, __ATOMIC_RELEASE);
}

static void *m_submit(void *p)
{
    CHECK_EQ(weft_pool_run(m_a, (weft_fn)p, NULL), 0);
    return NULL;
}

CHECK_CASE(limit)
{
    m_a = new_pool(1, 1, "limit-a");
    m_c = new_pool(2, 0, "limit-c");
    pthread_t t1, t2;
    CHECK_EQ(pthread_create(&t1, NULL, m_submit, (void *)m_t1), 0);
    /* T1 runs on A's worker, which blocks in its wait; T2 then needs the
     * one spare A may have. */
    weft_stats s;
    do {
        check_sleep_us(200);
        CHECK_EQ(weft_pool_stats(m_a, &s), 0);
    } while (s.foreign_waits < 1);
    CHECK_EQ(pthread_create(&t2, NULL, m_submit, (void *)m_t2), 0);
    while (!__atomic_load_n(&t2_started, __ATOMIC_ACQUIRE))
        check_sleep_us(200);
    do {
        check_sleep_us(200);
        CHECK_EQ(weft_pool_stats(m_a, &s), 0);
    } while (s.foreign_waits < 2);
    CHECK_EQ(weft_pool_run(m_a, m_t3, NULL), 0);
    CHECK_EQ(pthread_join(t1, NULL), 0);
    CHECK_EQ(pthread_join(t2, NULL), 0);
    CHECK_EQ(weft_pool_stats(m_a, &s), 0);
    CHECK_EQ(s.spares_peak, 1);
    CHECK(s.spare_limit_hits >= 1);
    CHECK_EQ(__atomic_load_n(&m_a->blocked, __ATOMIC_ACQUIRE), 0);
    CHECK_EQ(__atomic_load_n(&m_a->starved, __ATOMIC_ACQUIRE), 0);
    printf("  limit: 1 spare, %" PRIu64 " limit hits, all ended\n",
           s.spare_limit_hits);
    CHECK_EQ(weft_pool_destroy(m_a), 0);
    CHECK_EQ(weft_pool_destroy(m_c), 0);
}

/* ---- spares retire ------------------------------------------------------- */

static weft_pool *r_a, *r_b;

static void r_inner(void *p) { check_sleep_ms((unsigned)(uintptr_t)p); }

static void r_outer(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(r_b, r_inner, (void *)(uintptr_t)30), 0);
}

static void *r_submit(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(r_a, r_outer, NULL), 0);
    return NULL;
}

CHECK_CASE(spares)
{
    int base = check_thread_baseline();
    r_a = new_pool(1, 0, "retire-a");
    r_b = new_pool(2, 0, "retire-b");
    CHECK_EQ(check_thread_count_settle(base + 3), base + 3);
    /* Two tasks on A's one worker, both waiting on B: the second runs on
     * a spare, which retires when it finds nothing to do. */
    pthread_t t1, t2;
    CHECK_EQ(pthread_create(&t1, NULL, r_submit, NULL), 0);
    CHECK_EQ(pthread_create(&t2, NULL, r_submit, NULL), 0);
    CHECK_EQ(pthread_join(t1, NULL), 0);
    CHECK_EQ(pthread_join(t2, NULL), 0);
    weft_stats s = check_stats_settle(r_a, 0);
    CHECK_EQ(s.foreign_waits, 2);
    CHECK(s.spares_started >= 1);
    for (int i = 0; i < 2000 && (weft_pool_stats(r_a, &s), s.spares); i++)
        check_sleep_ms(1);
    CHECK_EQ(s.spares, 0);
    CHECK_EQ(check_thread_count_settle(base + 3), base + 3);
    CHECK_EQ(weft_pool_destroy(r_a), 0);
    CHECK_EQ(weft_pool_destroy(r_b), 0);
    printf("  spares: %" PRIu64 " started, all retired\n", s.spares_started);
}

/* ---- callbacks: jobs of one wait run in parallel -------------------------- */

static weft_pool *cb_p, *cb_c;
static int cb_arrived;

/* Each of the 4 callbacks waits until all 4 have started: they must run
 * at the same time, on 4 threads of P (one of them the waiting worker). */
static void cb_meet(void *p)
{
    (void)p;
    __atomic_fetch_add(&cb_arrived, 1, __ATOMIC_ACQ_REL);
    await_count(&cb_arrived, 4);
}

static void cb_call(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(cb_p, cb_meet, NULL), 0);
}

static void cb_fan(void *p)
{
    (void)p;
    weft_task t[3];
    for (int i = 0; i < 3; i++)
        weft_spawn(&t[i], cb_call, NULL);
    cb_call(NULL);
    for (int i = 3; i-- > 0;)
        weft_join(&t[i]);
}

static void cb_root(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(cb_c, cb_fan, NULL), 0);
}

CHECK_CASE(callbacks)
{
    cb_p = new_pool(4, 0, "cb-p");
    cb_c = new_pool(4, 0, "cb-c");
    CHECK_EQ(weft_pool_run(cb_p, cb_root, NULL), 0);
    CHECK_EQ(cb_arrived, 4);
    CHECK_EQ(weft_pool_destroy(cb_p), 0);
    CHECK_EQ(weft_pool_destroy(cb_c), 0);
    printf("  callbacks: 4 callbacks of one wait ran at once\n");
}

/* ---- published: a blocked worker's tasks get the pool's threads ---------- */

static weft_pool *pb_a, *pb_c;
static int pb_arrived;

/* Two of the blocked worker's tasks must run at once: on its sibling and
 * on a spare.  The job it waits for waits for them to meet. */
static void pb_meet(void *p)
{
    (void)p;
    __atomic_fetch_add(&pb_arrived, 1, __ATOMIC_ACQ_REL);
    await_count(&pb_arrived, 2);
}

static void pb_wait_meet(void *p)
{
    (void)p;
    await_count(&pb_arrived, 2);
}

static void pb_root(void *p)
{
    (void)p;
    weft_task t[4];
    for (int i = 0; i < 4; i++)
        weft_spawn(&t[i], i < 2 ? pb_meet : nothing, NULL);
    CHECK_EQ(weft_pool_run(pb_c, pb_wait_meet, NULL), 0);
    for (int i = 4; i-- > 0;)
        weft_join(&t[i]);
}

CHECK_CASE(published)
{
    pb_a = new_pool(2, 0, "pub-a");
    pb_c = new_pool(1, 0, "pub-c");
    check_sleep_ms(20); /* the sibling parks */
    CHECK_EQ(weft_pool_run(pb_a, pb_root, NULL), 0);
    CHECK_EQ(pb_arrived, 2);
    CHECK_EQ(weft_pool_destroy(pb_a), 0);
    CHECK_EQ(weft_pool_destroy(pb_c), 0);
    printf("  published: the blocked worker's tasks ran on two threads\n");
}

static void setup(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    errcheck_mutex_init();
    watchdog(120);
}

static const struct check_case cases[] = {
    {"join", join, 0},           {"destroy", destroy, 0},
    {"lock", lock, 0},           {"limit", limit, 0},
    {"spares", spares, 0},       {"callbacks", callbacks, 0},
    {"published", published, 0}, {NULL, NULL, 0},
};

static const struct check_program program = {"waits", "", setup, NULL,
                                             cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }
