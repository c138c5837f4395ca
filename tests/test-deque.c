/*
 * test-deque - many tasks pending on one worker, and a full deque: one task
 * spawns COUNT children (10 million by default) before joining any, then
 * joins them all in reverse order.  With the default 2^20 slots, the first
 * 2^20 children go to the deque and the others find it full and run at
 * their spawn.  Each child increments its own counter; every counter must
 * be exactly the round number, and the pool must have counted COUNT spawns
 * and COUNT + 1 tasks run.  Then the same, smaller, on pools of 64 slots
 * (deque_slots 1, rounded up) and of 1024 slots (1000, rounded up), for a
 * few rounds each.
 *
 * The typed form does the same with WEFT_TASK_2 children that also return
 * a value (i + 1, summed by the parent: a result kept for a spawn that ran
 * at once must come back from its join), TYPED_COUNT children (2^21) on the
 * default deques and the smaller counts on the small ones.
 *
 * Usage: test-deque WORKERS [COUNT]
 */
#include "check.h"
#include "weft.h"

#define TYPED_COUNT (1u << 21)

struct job {
    weft_task *frames;
    uint32_t *slots;
    size_t count;
    uint64_t sum; /* typed: the sum of the children's results */
};

static void child(void *p)
{
    (*(uint32_t *)p)++; /* only this task touches its slot */
}

static void spawn_all(void *p)
{
    struct job *j = p;
    for (size_t i = 0; i < j->count; i++)
        weft_spawn(&j->frames[i], child, &j->slots[i]);
    for (size_t i = j->count; i-- > 0;)
        weft_join(&j->frames[i]);
}

WEFT_TASK_2(uint64_t, tchild, uint32_t *, slot, uint64_t, i)
{
    (void)w;
    (*slot)++;
    return i + 1;
}

WEFT_TASK_1(uint64_t, tspawn_all, struct job *, j)
{
    for (size_t i = 0; i < j->count; i++)
        tchild_spawn(w, &j->slots[i], i);
    uint64_t sum = 0;
    for (size_t i = j->count; i-- > 0;)
        sum += tchild_join(w);
    return sum;
}

static void tspawn_entry(void *p)
{
    struct job *j = p;
    j->sum = tspawn_all_run(weft_self(), j);
}

static void run_job(weft_pool *pool, int typed, size_t count, int rounds,
                    uint64_t *runs, uint64_t *spawns)
{
    struct job j;
    j.count = count;
    j.frames = typed ? NULL : malloc(count * sizeof *j.frames);
    j.slots = calloc(count, sizeof *j.slots);
    CHECK((typed || j.frames != NULL) && j.slots != NULL);
    for (int r = 1; r <= rounds; r++) {
        j.sum = 0;
        CHECK_EQ(weft_pool_run(pool, typed ? tspawn_entry : spawn_all, &j), 0);
        uint64_t sum = 0;
        for (size_t i = 0; i < count; i++) {
            if (j.slots[i] != (uint32_t)r) {
                fprintf(stderr, "slot %zu is %u after round %d\n", i, j.slots[i], r);
                CHECK_EQ(j.slots[i], r);
            }
            sum += j.slots[i];
        }
        CHECK_EQ(sum, (uint64_t)count * (uint64_t)r);
        if (typed)
            CHECK_EQ(j.sum, (uint64_t)count * (count + 1) / 2);
        *runs += 1;
        *spawns += count;
        weft_stats s = check_stats_settle(pool, *spawns + *runs);
        CHECK_EQ(s.spawned, *spawns);
        CHECK_EQ(s.run, *spawns + *runs);
        CHECK(s.steals <= s.spawned);
        printf("  %s: %zu children, round %d: ok (steals=%" PRIu64 ")\n",
               typed ? "typed" : "generic", count, r, s.steals);
    }
    free(j.frames);
    free(j.slots);
}

CHECK_CASE(deque_case)
{
    unsigned workers = (unsigned)check_arg(argc, argv, 1, 1);
    size_t count = check_arg(argc, argv, 2, 10000000);
    printf("test-deque: workers=%u count=%zu, misuse checks %s\n", workers, count,
           WEFT__CHECKS ? "on" : "off");

    uint64_t runs = 0, spawns = 0;
    weft_pool *pool = check_pool(workers, "deque");
    run_job(pool, 0, count, 1, &runs, &spawns);
    run_job(pool, 1, count < TYPED_COUNT ? count : TYPED_COUNT, 1, &runs, &spawns);
    CHECK_EQ(weft_pool_destroy(pool), 0);

    /* Small deques: 1 is rounded up to 64 slots, 1000 to 1024. */
    size_t small = count < 100000 ? count : 100000;
    unsigned sizes[] = {1, 1000};
    for (unsigned k = 0; k < 2; k++) {
        weft_config cfg;
        weft_config_init(&cfg);
        cfg.workers = workers;
        cfg.deque_slots = sizes[k];
        CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
        runs = spawns = 0;
        run_job(pool, 0, small, 3 - (int)k, &runs, &spawns);
        run_job(pool, 1, small, 3 - (int)k, &runs, &spawns);
        CHECK_EQ(weft_pool_destroy(pool), 0);
    }
}

/* One case: CTest runs the program whole (deque-w<n>). */
static const struct check_case cases[] = {
    {"deque", deque_case, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-deque", "WORKERS [COUNT]", NULL, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}
