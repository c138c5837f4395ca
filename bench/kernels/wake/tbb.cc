/*
 * wake/tbb.cc - the wake and idle kernels with oneTBB (wake.h).
 *  wake-enqueue: task_arena::enqueue of a trivial task that futex-wakes the
 *    caller, who sleeps until then: the hand-off to an idle pool that
 *    weft_pool_run does.  Uses an arena of N worker slots with none reserved
 *    for the caller (the adapter's arena reserves one, which would leave no
 *    worker to run the task with N = 1); made once per process, before
 *    timing (in the warm-up).
 *  wake-execute: task_arena::execute of a task_group running the trivial
 *    task, on the adapter's arena: the caller joins the arena and may run
 *    the task itself, so this is the cost of entering, not a wake-up.
 *  idle-execute: CPU of the process in the window after an execute in which
 *    2 x N tasks were busy for IDLE_BURST_MS.
 */
#include <map>

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "wake.h"

namespace {

struct ctx {
    tbb::task_arena *arena;
    long count;
    int done;
};

void one_enqueue(void *p)
{
    auto *c = static_cast<ctx *>(p);
    __atomic_store_n(&c->done, 0, __ATOMIC_RELAXED);
    c->arena->enqueue([c] {
        c->count++;
        bench_fpost(&c->done);
    });
    bench_fwait(&c->done);
}

void one_execute(void *p)
{
    auto *c = static_cast<ctx *>(p);
    c->arena->execute([c] {
        tbb::task_group g;
        g.run([c] { c->count++; });
        g.wait();
    });
}

long burst(void *p)
{
    auto *arena = static_cast<tbb::task_arena *>(p);
    int k = 2 * arena->max_concurrency();
    long count = 0;
    arena->execute([k, &count] {
        tbb::task_group g;
        for (int i = 0; i < k; i++)
            g.run([&count] { bench_burst_task(&count); });
        g.wait();
    });
    return count;
}

} // namespace

extern "C" long bench_wake_tbb_enqueue(void *rt, int n)
{
    static std::map<int, tbb::task_arena *> arenas;
    int workers = static_cast<tbb::task_arena *>(rt)->max_concurrency();
    tbb::task_arena *&a = arenas[workers];
    if (a == nullptr) {
        a = new tbb::task_arena(workers, 0);
        a->initialize();
    }
    ctx c = {a, 0, 0};
    return bench_wake_rounds(n, one_enqueue, &c, &c.count);
}

extern "C" long bench_wake_tbb_execute(void *rt, int n)
{
    ctx c = {static_cast<tbb::task_arena *>(rt), 0, 0};
    return bench_wake_rounds(n, one_execute, &c, &c.count);
}

extern "C" long bench_idle_tbb_execute(void *rt, int n)
{
    auto *arena = static_cast<tbb::task_arena *>(rt);
    return bench_idle_window(n, burst, rt, 2L * arena->max_concurrency());
}
