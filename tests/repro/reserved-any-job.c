#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <weft.h>

static weft_pool *P, *Q;
volatile int go_k, k_ran;

static int noop(void *a) { (void)a; return 5; }
static void kfn(void *a) { (void)a; k_ran = 1; }
static void jfn(void *a)
{
    (void)a;
    while (!go_k) usleep(1000);
    weft_pool_run(P, kfn, NULL); /* K: reserved for X, whose wait is on J */
}
__attribute__((noinline)) void x_returned(void *sp) { __asm__ volatile("" ::"r"(sp) : "memory"); }
static void outer_x(void *a)
{
    (void)a;
    weft_pool_run(Q, jfn, NULL);
    int here;
    x_returned(&here);
}
__attribute__((noinline)) void y_got_room(void) { __asm__ volatile("" ::: "memory"); }
static void ysub(void *a)
{
    (void)a;
    weft_future *f1, *f2;
    if (weft_submit(P, noop, NULL, &f1)) abort(); /* fills the queue (capacity 1) */
    if (weft_submit(P, noop, NULL, &f2)) abort(); /* full: waits for room, helping */
    y_got_room();
    weft_future_wait(f1, -1); weft_future_wait(f2, -1);
    weft_future_release(f1); weft_future_release(f2);
}
static void *t1_main(void *a) { (void)a; weft_pool_run(P, outer_x, NULL); return NULL; }

int main(void)
{
    weft_config c;
    weft_config_init(&c); c.workers = 2; c.bind = 0; c.name = "P";
    c.queue_capacity = 1; c.on_full = WEFT_ON_FULL_BLOCK;
    if (weft_pool_create(&P, &c)) return 2;
    weft_config_init(&c); c.workers = 1; c.bind = 0; c.name = "Q";
    if (weft_pool_create(&Q, &c)) return 2;
    pthread_t t1;
    pthread_create(&t1, NULL, t1_main, NULL);
    usleep(300000); /* X waits on J; J waits for go_k */
    weft_pool_run(P, ysub, NULL);
    pthread_join(t1, NULL);
    weft_pool_destroy(Q); weft_pool_destroy(P);
    printf("done, k_ran %d\n", k_ran);
    return 0;
}
