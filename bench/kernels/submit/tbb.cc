/*
 * submit/tbb.cc - the submission kernels with oneTBB (submit.h): a job is
 * a task_group's deferred task (task_group::defer) handed to the arena
 * with task_arena::enqueue, which returns at once; the submitter waits
 * with the group's wait inside the arena (task_arena::execute), as oneTBB
 * documents for work enqueued from outside.  The arena has N worker slots
 * and none reserved for the submitters (the adapter's arena reserves one,
 * which would leave no worker with N = 1), made once per worker count,
 * in the warm-up.  A waiting submitter may join the arena and run jobs.
 */
#include <map>
#include <mutex>

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "submit.h"

namespace {

tbb::task_arena *arena_for(void *rt)
{
    static std::map<int, tbb::task_arena *> arenas;
    static std::mutex lock;
    int workers = static_cast<tbb::task_arena *>(rt)->max_concurrency();
    std::lock_guard<std::mutex> g(lock);
    tbb::task_arena *&a = arenas[workers];
    if (a == nullptr) {
        a = new tbb::task_arena(workers, 0);
        a->initialize();
    }
    return a;
}

void burst(void *rt, int k, long *count)
{
    tbb::task_arena *a = arena_for(rt);
    tbb::task_group g;
    for (int i = 0; i < k; i++)
        a->enqueue(g.defer([count] { __atomic_fetch_add(count, 1, __ATOMIC_RELAXED); }));
    a->execute([&g] { g.wait(); });
}

void rounds(void *rt, int r, submit_lat *lat, long *count)
{
    tbb::task_arena *a = arena_for(rt);
    for (int i = 0; i < r; i++) {
        tbb::task_group g;
        submit_lat *l = &lat[i];
        l->t_submit = bench_submit_now_us();
        a->enqueue(g.defer([l, count] {
            l->t_start = bench_submit_now_us();
            __atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
        }));
        a->execute([&g] { g.wait(); });
        l->t_done = bench_submit_now_us();
    }
}

const submit_ops ops = {burst, rounds};

} // namespace

extern "C" long bench_submit_tbb_enqueue(void *rt, int n)
{
    return bench_submit_run(1, n, &ops, rt);
}

extern "C" long bench_submit8_tbb_enqueue(void *rt, int n)
{
    return bench_submit_run(8, n, &ops, rt);
}
