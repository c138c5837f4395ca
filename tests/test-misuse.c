/*
 * test-misuse - misuse of spawn/join aborts, naming the rule, when the
 * header's checks are compiled in (WEFT_CHECKED):
 * generic joins in spawn order, twice, or without a spawn; typed joins in
 * spawn order or without a spawn in their context, a typed body returning
 * with a typed or a generic spawn pending, and a typed spawn or call over
 * a pending generic task; and,
 * on a full 64-slot deque, where spawns run at once and leave the head
 * alone, a typed body returning with such a spawn pending and generic
 * joins in spawn order.  A correct generic and a correct typed program (a
 * generic task joined between typed spawns) are the controls: they must
 * exit 0.
 *
 * Each case runs in a forked child (forked before this process starts any
 * thread) whose stderr comes back through a pipe: the child must die of
 * SIGABRT and its message must name the broken rule.  When the checks are
 * compiled out the test prints that it was skipped and exits with 77, which
 * CTest reports as skipped.
 *
 * Cases (each with 1 and 2 workers): controls; generic (joins in spawn
 * order, twice, without a spawn); typed (the six typed misuses); full-deque
 * (the two on a full 64-slot deque).
 */
#include <signal.h>
#include <sys/wait.h>

#include "check.h"
#include "weft.h"

#if !WEFT_CHECKS
/* Every case is skipped: there is nothing to check. */
static void compiled_out(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    check_skip("without WEFT_CHECKED: the checks are compiled out");
}
#define controls compiled_out
#define generic compiled_out
#define typed compiled_out
#define full_deque compiled_out
#else

static void noop(void *p) { (void)p; }

/* Joins in the order of the spawns instead of the reverse. */
static void wrong_order(void *p)
{
    (void)p;
    weft_task a, b;
    weft_spawn(&a, noop, NULL);
    weft_spawn(&b, noop, NULL);
    weft_join(&a);
    weft_join(&b);
}

/* Joins the same task twice. */
static void join_twice(void *p)
{
    (void)p;
    weft_task a;
    weft_spawn(&a, noop, NULL);
    weft_join(&a);
    weft_join(&a);
}

/* Joins a task that was never spawned. */
static void join_unspawned(void *p)
{
    (void)p;
    weft_task a;
    memset(&a, 0, sizeof a);
    weft_join(&a);
}

/* Fills the 64-slot deque, then joins the two spawns that ran at once in
 * the order of the spawns. */
static void full_wrong_order(void *p)
{
    (void)p;
    weft_task t[66];
    for (int i = 0; i < 66; i++)
        weft_spawn(&t[i], noop, NULL);
    weft_join(&t[64]);
}

/* The correct order, as a control: the child must exit 0. */
static void right_order(void *p)
{
    (void)p;
    weft_task a, b;
    weft_spawn(&a, noop, NULL);
    weft_spawn(&b, noop, NULL);
    weft_join(&b);
    weft_join(&a);
}

/* ---- typed tasks ---- */

WEFT_TASK_1(int, ta, int, x)
{
    (void)w;
    return x;
}

WEFT_TASK_1(int, tb, int, x)
{
    (void)w;
    return x + 1;
}

/* Spawns an ta and then an tb, and joins the ta first. */
static void typed_wrong_order(void *p)
{
    (void)p;
    weft_ctx c = weft_ctx_of(weft_self());
    ta_spawn(&c, 1);
    tb_spawn(&c, 2);
    ta_join(&c);
    tb_join(&c);
}

/* Joins with nothing spawned in this context. */
static void typed_join_unspawned(void *p)
{
    (void)p;
    weft_ctx outer = weft_ctx_of(weft_self());
    ta_spawn(&outer, 1); /* pending below the inner context: not its own */
    weft_ctx c = weft_ctx_of(weft_self());
    ta_join(&c);
}

/* A body that returns with its spawn pending. */
WEFT_TASK_1(int, tleak, int, x)
{
    ta_spawn(w, x);
    return 0;
}

static void typed_no_join(void *p)
{
    (void)p;
    tleak_run(weft_self(), 1);
}

/* A body that returns with a generic task pending, called by a typed
 * parent: its own end-of-body check names it (it passed, and the misuse
 * was caught later, in another frame, under another rule). */
WEFT_TASK_1(int, tleak_generic, int, x)
{
    weft_task t;
    (void)w;
    weft_spawn(&t, noop, NULL);
    return x;
}

WEFT_TASK_1(int, tleak_generic_parent, int, x)
{
    return tleak_generic_call(w, x);
}

static void typed_no_join_generic(void *p)
{
    (void)p;
    tleak_generic_parent_run(weft_self(), 1);
}

/* A typed spawn while a generic task of the same body is pending. */
WEFT_TASK_1(int, tmix, int, x)
{
    weft_task t;
    weft_spawn(&t, noop, NULL);
    ta_spawn(w, x);
    int r = ta_join(w);
    weft_join(&t);
    return r;
}

static void typed_mixed(void *p)
{
    (void)p;
    tmix_run(weft_self(), 1);
}

/* A typed call while a generic task of the same body is pending: the
 * callee would spawn into the generic task's slot. */
WEFT_TASK_1(int, tcallmix, int, x)
{
    weft_task t;
    weft_spawn(&t, noop, NULL);
    int r = ta_call(w, x);
    weft_join(&t);
    return r;
}

static void typed_call_mixed(void *p)
{
    (void)p;
    tcallmix_run(weft_self(), 1);
}

/* The correct order, with a generic task joined in between: exit 0. */
WEFT_TASK_1(int, tgood, int, x)
{
    ta_spawn(w, x);
    weft_task t;
    weft_spawn(&t, noop, NULL);
    weft_join(&t);
    tb_spawn(w, x);
    int r = tb_join(w) + ta_join(w);
    return r;
}

static void typed_right_order(void *p)
{
    (void)p;
    if (tgood_run(weft_self(), 5) != 11)
        abort();
}

/* A body that leaves a spawn pending that ran at once on a full deque: its
 * head is back where it started, only the count of such spawns is not. */
WEFT_TASK_1(int, tleak_full, int, x)
{
    ta_spawn(w, x);
    return 0;
}

/* Fills the deque (64 slots), then runs tleak_full at the end of it. */
WEFT_TASK_1(int, tfill, int, x)
{
    for (int i = 0; i < 64; i++)
        ta_spawn(w, i);
    int r = tleak_full_call(w, x);
    for (int i = 0; i < 64; i++)
        r += ta_join(w);
    return r;
}

static void typed_no_join_full(void *p)
{
    (void)p;
    tfill_run(weft_self(), 1);
}

/* deque_slots of the child's pool (0: the default). */
static unsigned child_slots;

/* Runs fn on a fresh pool in a child; returns its wait status and stderr. */
static int in_child(weft_fn fn, unsigned workers, char *err, size_t errsz)
{
    struct check_child_run c = {fn, workers, child_slots};
    return check_in_child(check_child_run, &c, err, errsz);
}

static void expect_abort(const char *what, weft_fn fn, unsigned workers,
                         const char *rule)
{
    char err[8192];
    int status = in_child(fn, workers, err, sizeof err);
    int aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    if (!aborted || !strstr(err, rule)) {
        fprintf(stderr, "%s (workers=%u): status %#x (%s %d), stderr:\n%s\n",
                what, workers, status,
                WIFSIGNALED(status) ? "signal" : "exit",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), err);
    }
    CHECK(aborted);
    CHECK(strstr(err, rule) != NULL);
    printf("  %s, %u worker(s): aborted naming \"%s\"\n", what, workers, rule);
}

/* The controls, a correct generic and a correct typed program: exit 0. */
CHECK_CASE(controls)
{
    for (unsigned w = 1; w <= 2; w++) {
        char err[8192];
        weft_fn fns[] = {right_order, typed_right_order};
        for (unsigned k = 0; k < 2; k++) {
            int status = in_child(fns[k], w, err, sizeof err);
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                fprintf(stderr, "control child %u: status %#x, stderr:\n%s\n", k,
                        status, err);
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
    }
}

CHECK_CASE(generic)
{
    for (unsigned w = 1; w <= 2; w++) {
        expect_abort("join in spawn order", wrong_order, w, "reverse spawn order");
        expect_abort("join twice", join_twice, w, "weft_join");
        expect_abort("join without spawn", join_unspawned, w, "weft_join");
    }
}

CHECK_CASE(typed)
{
    for (unsigned w = 1; w <= 2; w++) {
        expect_abort("typed join in spawn order", typed_wrong_order, w,
                     "typed join: tasks must be joined in reverse spawn order");
        expect_abort("typed join without spawn", typed_join_unspawned, w,
                     "typed join: no task of this body is pending");
        expect_abort("typed body returns with a spawn pending", typed_no_join, w,
                     "returned without joining");
        expect_abort("typed body returns with a generic task pending",
                     typed_no_join_generic, w,
                     "typed task: returned without joining every task it spawned");
        expect_abort("typed spawn over a pending generic task", typed_mixed, w,
                     "typed spawn: a generic task spawned in this body is still pending");
        expect_abort("typed call over a pending generic task", typed_call_mixed, w,
                     "typed call: a generic task spawned in this body is still pending");
    }
}

/* On a full 64-slot deque, where spawns run at once. */
CHECK_CASE(full_deque)
{
    for (unsigned w = 1; w <= 2; w++) {
        child_slots = 64;
        expect_abort("typed body returns with a spawn pending (full deque)",
                     typed_no_join_full, w, "returned without joining");
        expect_abort("join in spawn order (full deque)", full_wrong_order, w,
                     "reverse spawn order");
        child_slots = 0;
    }
}
#endif

static const struct check_case cases[] = {
    {"controls", controls, 0},
    {"generic", generic, 0},
    {"typed", typed, 0},
    {"full-deque", full_deque, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-misuse", "", NULL, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

