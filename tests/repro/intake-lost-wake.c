#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <weft.h>

static weft_pool *P, *R;
static volatile int release_r;
static int lost;

static int noop(void *a) { (void)a; return 5; }
static void long_job(void *a) { (void)a; while (!release_r) usleep(1000); }
static void *t1_main(void *a) { (void)a; weft_pool_run(R, long_job, NULL); return NULL; }
void destroyer(void *a) { (void)a; weft_pool_destroy(R); }
static void *t2_main(void *a)
{
    (void)a;
    usleep(300000); /* X is in wait_drain(R) by now */
    weft_future *f;
    if (weft_submit(P, noop, NULL, &f)) abort();
    int rc = weft_future_wait(f, 5000000000LL);
    if (rc != 0) {
        lost = 1;
        fprintf(stderr, "LOST: the submitted job did not run within 5 s\n");
        weft_future *k;
        weft_submit(P, noop, NULL, &k); /* a new notify wakes the parked worker */
        weft_future_wait(k, -1);
        weft_future_release(k);
        weft_future_wait(f, -1);
    }
    weft_future_release(f);
    release_r = 1;
    return NULL;
}

int main(void)
{
    weft_config c;
    weft_config_init(&c); c.workers = 2; c.bind = 0; c.name = "P";
    if (weft_pool_create(&P, &c)) return 2;
    weft_config_init(&c); c.workers = 1; c.bind = 0; c.name = "R";
    if (weft_pool_create(&R, &c)) return 2;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, t1_main, NULL);
    usleep(100000);
    pthread_create(&t2, NULL, t2_main, NULL);
    weft_pool_run(P, destroyer, NULL);
    pthread_join(t1, NULL); pthread_join(t2, NULL);
    weft_pool_destroy(P);
    printf(lost ? "lost wake-up reproduced\n" : "no loss\n");
    return lost;
}
