/*
 * weft.hpp - C++ exceptions over weft's fork-join: a task group whose wait
 * rethrows what its tasks threw, and a weft_pool_run that rethrows what its
 * function threw.  Header-only, C++11.
 *
 * weft itself is C: an exception must not leave a task or a weft_pool_run
 * function (docs/api.md, "C++ and exceptions").  These wrappers catch every
 * exception inside the task, keep the first one, and rethrow it on the
 * thread that waits, once every task has been joined:
 *
 *     weft::task_group g;
 *     g.run([&] { left = work(a); });
 *     g.run([&] { right = work(b); });
 *     g.wait();                  // joins both; rethrows the first exception
 *
 *     int rc = weft::pool_run(pool, [&] { ... });  // rethrows, else rc
 */
#ifndef WEFT_HPP
#define WEFT_HPP

#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include "weft.h"

namespace weft
{

namespace detail
{

/* The first exception captured among concurrent tasks.  The task that wins
 * the flag writes first; the waiter reads it after the joins, which order
 * the task's writes before the waiter's reads. */
class first_exception
{
  public:
    void capture() noexcept
    {
        if (__atomic_exchange_n(&taken_, 1, __ATOMIC_ACQ_REL) == 0)
            first_ = std::current_exception();
    }
    /* Rethrows the captured exception, if any, and forgets it. */
    void rethrow()
    {
        if (!taken_)
            return;
        std::exception_ptr e = std::move(first_);
        first_ = nullptr;
        taken_ = 0;
        std::rethrow_exception(e);
    }

  private:
    std::exception_ptr first_;
    int taken_ = 0;
};

} // namespace detail

/*
 * A group of tasks forked by run() and joined by wait(), from the thread
 * that made the group (a worker, or any thread: then the tasks go to the
 * default pool, as with weft_spawn).  The same rules as weft_spawn and
 * weft_join hold: the group's tasks are joined at wait() (or at the
 * destructor), so a task spawned by other means after the group's first
 * run() must be joined before it.  Not copyable nor movable (weft holds
 * pointers to its tasks' handles).
 */
class task_group
{
  public:
    task_group() = default;
    task_group(const task_group &) = delete;
    task_group &operator=(const task_group &) = delete;

    /* Joins the tasks still pending (an exception unwinding through the
     * group's owner must not leave them behind); drops what they threw. */
    ~task_group() { join_all(); }

    /* Forks f() (a copy of f, moved where possible).  Throws what
     * allocating its node throws, before anything is forked. */
    template <class F> void run(F &&f)
    {
        typedef typename std::decay<F>::type fn_type;
        node<fn_type> *n = new node<fn_type>(std::forward<F>(f), this);
        n->next = head_;
        head_ = n;
        weft_spawn(&n->task, &node_base::call, n);
    }

    /* Joins every task run() forked since the last wait, youngest first,
     * then rethrows the first exception one of them threw (the others are
     * dropped; every task ran, to its end or to its exception). */
    void wait()
    {
        join_all();
        error_.rethrow();
    }

  private:
    struct node_base {
        weft_task task;
        node_base *next;
        task_group *group;
        explicit node_base(task_group *g) : next(nullptr), group(g) {}
        virtual ~node_base() {}
        virtual void invoke() = 0;
        /* the weft_fn of every task: no exception leaves it */
        static void call(void *p) noexcept
        {
            node_base *n = static_cast<node_base *>(p);
            try {
                n->invoke();
            } catch (...) {
                n->group->error_.capture();
            }
        }
    };
    template <class F> struct node : node_base {
        F fn;
        template <class G>
        node(G &&g, task_group *grp) : node_base(grp), fn(std::forward<G>(g))
        {
        }
        void invoke() override { fn(); }
    };

    void join_all() noexcept
    {
        while (node_base *n = head_) {
            weft_join(&n->task);
            head_ = n->next;
            delete n;
        }
    }

    node_base *head_ = nullptr; /* the youngest pending task */
    detail::first_exception error_;
};

/*
 * weft_pool_run(pool, f) for a callable f: runs f() on pool and returns
 * when it and all it spawned are done.  Rethrows what f threw, once
 * weft_pool_run has returned; else returns weft_pool_run's code (0,
 * WEFT_EINVAL or WEFT_ESHUTDOWN: then f did not run).  Any thread.
 */
template <class F> int pool_run(weft_pool *pool, F &&f)
{
    struct call_state {
        typename std::remove_reference<F>::type *fn;
        std::exception_ptr error;
        static void call(void *p) noexcept
        {
            call_state *s = static_cast<call_state *>(p);
            try {
                (*s->fn)();
            } catch (...) {
                s->error = std::current_exception();
            }
        }
    };
    call_state s = {&f, nullptr};
    int rc = weft_pool_run(pool, &call_state::call, &s);
    if (s.error)
        std::rethrow_exception(s.error);
    return rc;
}

} // namespace weft

#endif /* WEFT_HPP */
