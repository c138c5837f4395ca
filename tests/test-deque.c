/*
 * test-deque - deque growth: one task spawns COUNT children (10 million by
 * default) into a heap array of frames before joining any, then joins them
 * all in reverse order.  Each child increments its own slot; every slot must
 * be exactly 1, their sum COUNT, and the pool must have counted COUNT
 * spawns and COUNT + 1 tasks run.  Then the same, smaller, on a pool whose
 * deques start at a single slot, so that they double many times, for a few
 * rounds on the same grown deques.
 *
 * Usage: test-deque WORKERS [COUNT]
 */
#include "check.h"
#include "weft.h"

struct job {
    weft_task *frames;
    uint32_t *slots;
    size_t count;
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

static void run_job(weft_pool *pool, size_t count, int rounds, uint64_t *runs,
                    uint64_t *spawns)
{
    struct job j;
    j.count = count;
    j.frames = malloc(count * sizeof *j.frames);
    j.slots = calloc(count, sizeof *j.slots);
    CHECK(j.frames != NULL && j.slots != NULL);
    for (int r = 1; r <= rounds; r++) {
        CHECK_EQ(weft_pool_run(pool, spawn_all, &j), 0);
        uint64_t sum = 0;
        for (size_t i = 0; i < count; i++) {
            if (j.slots[i] != (uint32_t)r) {
                fprintf(stderr, "slot %zu is %u after round %d\n", i, j.slots[i], r);
                CHECK_EQ(j.slots[i], r);
            }
            sum += j.slots[i];
        }
        CHECK_EQ(sum, (uint64_t)count * (uint64_t)r);
        *runs += 1;
        *spawns += count;
        weft_stats s = check_stats_settle(pool, *spawns + *runs);
        CHECK_EQ(s.spawned, *spawns);
        CHECK_EQ(s.run, *spawns + *runs);
        CHECK(s.steals <= s.spawned);
        printf("  %zu children, round %d: ok (steals=%" PRIu64 ")\n", count, r, s.steals);
    }
    free(j.frames);
    free(j.slots);
}

int main(int argc, char **argv)
{
    unsigned workers = (unsigned)check_arg(argc, argv, 1, 1);
    size_t count = check_arg(argc, argv, 2, 10000000);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test-deque: workers=%u count=%zu\n", workers, count);

    uint64_t runs = 0, spawns = 0;
    weft_pool *pool = check_pool(workers, "deque");
    run_job(pool, count, 1, &runs, &spawns);
    CHECK_EQ(weft_pool_destroy(pool), 0);

    /* Deques that start at one slot and double on every power of two. */
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.deque_slots = 1;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    runs = spawns = 0;
    size_t small = count < 100000 ? count : 100000;
    run_job(pool, small, 3, &runs, &spawns);
    CHECK_EQ(weft_pool_destroy(pool), 0);

    /* A non-power-of-two initial size, rounded up. */
    cfg.deque_slots = 1000;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    runs = spawns = 0;
    run_job(pool, small, 2, &runs, &spawns);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    return check_done("test-deque");
}
