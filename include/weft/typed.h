/*
 * weft/typed.h - private: the machinery behind the typed tasks of weft.h
 * (WEFT_TASK_n).  Do not include this header directly: include <weft.h>.
 * Everything here may change without notice between versions.
 *
 * A typed task NAME gets a frame type (the slot header, its arguments and
 * its result, at most one deque slot), and these functions:
 *
 *   NAME__body    the user's body, opened by the macro
 *   NAME__enter   runs the body with a fresh context at a given head, or,
 *                 given a tagged pointer (frame + 1), returns the result
 *                 that frame holds
 *   NAME__save    writes the arguments into a frame
 *   NAME__load    NAME__enter with the arguments read from a frame
 *   NAME__stolen  the slot's run function: what a thief runs
 *   NAME__spawn_slow  a spawn that must publish at once, or that found the
 *                 deque full (runs the task now, keeps its result aside)
 *   NAME_spawn, NAME_join, NAME_call, NAME_run  the public forms
 *
 * Only NAME__save and NAME__load depend on the number of arguments
 * (WEFT__TYPED_n); the rest is WEFT__TYPED_HEAD and WEFT__TYPED_TAIL.
 */
#ifndef WEFT_TYPED_H
#define WEFT_TYPED_H

#include "task.h"

#ifdef __cplusplus
extern "C" {
#endif

struct weft_ctx {
    weft_worker *worker;      /* the calling worker */
    struct weft__frame *head; /* the next free slot */
    struct weft__frame *base; /* head at entry (misuse checks) */
};

#define WEFT__INLINE         static inline __attribute__((always_inline))
#define WEFT__ID(...)        __VA_ARGS__
#define WEFT__TASK_MAX_BYTES (WEFT__SLOT_SIZE - sizeof(struct weft__frame_hdr))

static inline struct weft_ctx weft__ctx_of(weft_worker *w)
{
    struct weft_ctx c = {w, WEFT__OWNER(w)->top, WEFT__OWNER(w)->top};
    return c;
}

/* A typed join whose slot was public: 1 + the frame that holds the result
 * (tagged) when the task is done, or s when it was taken back (the caller
 * runs it).  kind is the task's NAME__stolen (checked builds compare it). */
WEFT_API struct weft__frame *
weft__typed_join_slow(weft_worker *w, struct weft__frame *s, weft__run_fn kind);

/* f, filled in, becomes the youngest task of c's worker. */
WEFT__INLINE void weft__typed_pushed(struct weft_ctx *c, struct weft__frame *f)
{
    struct weft__owner *o = WEFT__OWNER(c->worker);
    if (WEFT__UNLIKELY(weft__must_publish(o)))
        weft__push_publish(c->worker, f);
    weft__count_spawn(o);
    c->head = f + 1;
    o->top = f + 1;
}

/*
 * A void result.  WEFT__IS_VOID(R) is 1 when R is exactly `void` (not
 * `void *`): pasting WEFT__VOID_ to it gives an empty list only then.  A
 * void task keeps a char result internally (WEFT__RES), its body's value
 * is made one (WEFT__VALUE), and its public forms drop it (WEFT__RETURN).
 */
#define WEFT__CAT_(a, b)        a##b
#define WEFT__CAT(a, b)         WEFT__CAT_(a, b)
#define WEFT__SECOND(a, b, ...) b
#define WEFT__SECOND_(...)      WEFT__SECOND(__VA_ARGS__)
#define WEFT__VOID_void
#define WEFT__PROBE_EMPTY()    ~, 1
#define WEFT__IS_VOID_(X)      WEFT__SECOND_(WEFT__PROBE_EMPTY X(), 0, ~)
#define WEFT__IS_VOID(R)       WEFT__IS_VOID_(WEFT__CAT_(WEFT__VOID_, R))
#define WEFT__IF_VOID_1(v, nv) v
#define WEFT__IF_VOID_0(v, nv) nv
#define WEFT__IF_VOID(R, v, nv) \
    WEFT__CAT(WEFT__IF_VOID_, WEFT__IS_VOID(R))(v, nv)
#define WEFT__VOID_VALUE(e) ((e), (char)0)
#define WEFT__RES(R)        WEFT__IF_VOID(R, char, R)
#define WEFT__VALUE(R)      WEFT__IF_VOID(R, WEFT__VOID_VALUE, WEFT__ID)
#define WEFT__RETURN(R)     WEFT__IF_VOID(R, (void), return )

/* The frame, the body's declaration and NAME__enter.  PARAMS and ARGS are
 * the parameter and argument lists, each with a leading comma. */
#define WEFT__TYPED_HEAD(R, NAME, FIELDS, PARAMS, ARGS)                        \
    typedef struct NAME##__frame {                                             \
        struct weft__frame_hdr weft__hdr;                                      \
        FIELDS                                                                 \
        WEFT__RES(R) result;                                                   \
    } NAME##__frame;                                                           \
    typedef char                                                               \
        NAME##__fits_in_a_slot[sizeof(NAME##__frame) <= WEFT__SLOT_SIZE ? 1    \
                                                                        : -1]; \
    WEFT__INLINE R NAME##__body(weft_ctx *w WEFT__ID PARAMS);                  \
    /* inline, not always_inline: lets the compiler inline the recursion */    \
    /* into itself, as it does for plain recursive code */                     \
    static inline WEFT__RES(R) NAME##__enter(                                  \
        weft_worker *weft__wk, struct weft__frame *weft__h0 WEFT__ID PARAMS)   \
    {                                                                          \
        if (WEFT__UNLIKELY((uintptr_t)weft__h0 & 1))                           \
            return ((NAME##__frame *)((uintptr_t)weft__h0 - 1))->result;       \
        weft_ctx weft__c = {weft__wk, weft__h0, weft__h0};                     \
        uint32_t weft__ov =                                                    \
            WEFT__CHECKS ? WEFT__OWNER(weft__wk)->overflow : 0;                \
        WEFT__RES(R)                                                           \
        weft__r = WEFT__VALUE(R)(NAME##__body(&weft__c WEFT__ID ARGS));        \
        WEFT__CHECK(weft__c.head == weft__h0 &&                                \
                        WEFT__OWNER(weft__wk)->top == weft__h0 &&              \
                        WEFT__OWNER(weft__wk)->overflow == weft__ov,           \
                    "typed task: returned without joining every task it "      \
                    "spawned");                                                \
        (void)weft__ov;                                                        \
        return weft__r;                                                        \
    }

/* The run function, the slow spawn and the public forms; then the body's
 * definition is opened. */
#define WEFT__TYPED_TAIL(R, NAME, PARAMS, ARGS)                                \
    static void NAME##__stolen(struct weft__frame_hdr *weft__p)                \
    {                                                                          \
        NAME##__frame *weft__f = (NAME##__frame *)weft__p;                     \
        weft_worker *weft__wk = weft__self;                                    \
        weft__f->result =                                                      \
            NAME##__load(weft__wk, WEFT__OWNER(weft__wk)->top, weft__f);       \
    }                                                                          \
    /* Every public task was stolen: publish this one at once (returns 1:   \
     * it took the slot); or the deque is full: run the task now and keep   \
     * its result for the join (returns 0). */  \
    static __attribute__((noinline, cold)) int NAME##__spawn_slow(             \
        weft_worker *weft__wk, struct weft__frame *weft__s WEFT__ID PARAMS)    \
    {                                                                          \
        NAME##__frame *weft__f;                                                \
        if (weft__s < WEFT__OWNER(weft__wk)->end) {                            \
            weft__f = (NAME##__frame *)weft__s;                                \
            weft__f->weft__hdr.run = NAME##__stolen;                           \
            NAME##__save(weft__f WEFT__ID ARGS);                               \
            weft__push_publish(weft__wk, weft__s);                             \
            weft__count_spawn(WEFT__OWNER(weft__wk));                          \
            return 1;                                                          \
        }                                                                      \
        WEFT__RES(R) weft__r = NAME##__enter(weft__wk, weft__s WEFT__ID ARGS); \
        weft__f = (NAME##__frame *)weft__side_push(weft__wk, NAME##__stolen);  \
        NAME##__save(weft__f WEFT__ID ARGS); /* (the join loads them) */       \
        weft__f->result = weft__r;                                             \
        return 0;                                                              \
    }                                                                          \
    WEFT__INLINE __attribute__((unused))                                       \
    R NAME##_call(weft_ctx *weft__c WEFT__ID PARAMS)                           \
    {                                                                          \
        WEFT__CHECK(WEFT__OWNER(weft__c->worker)->top == weft__c->head,        \
                    "typed call: a generic task spawned in this body is "      \
                    "still pending");                                          \
        /* (the head is a slot, never tagged: saying so drops __enter's    */  \
        /* tag test where it is inlined) */                                    \
        WEFT__RETURN(R)                                                        \
        NAME##__enter(weft__c->worker,                                         \
                      (struct weft__frame *)__builtin_assume_aligned(          \
                          weft__c->head, WEFT__SLOT_SIZE) WEFT__ID ARGS);      \
    }                                                                          \
    static inline __attribute__((unused))                                      \
    R NAME##_run(weft_worker *weft__wk WEFT__ID PARAMS)                        \
    {                                                                          \
        WEFT__CHECK(weft__wk != NULL && weft__wk == weft__self &&              \
                        WEFT__IS_WORKER(weft__wk),                             \
                    #NAME "_run: not called on a worker (weft_self())");       \
        WEFT__RETURN(R)                                                        \
        NAME##__enter(weft__wk, WEFT__OWNER(weft__wk)->top WEFT__ID ARGS);     \
    }                                                                          \
    WEFT__INLINE __attribute__((unused)) void NAME##_spawn(                    \
        weft_ctx *weft__c WEFT__ID PARAMS)                                     \
    {                                                                          \
        struct weft__frame *weft__s = weft__c->head;                           \
        WEFT__CHECK(WEFT__OWNER(weft__c->worker)->top == weft__s,              \
                    "typed spawn: a generic task spawned in this body is "     \
                    "still pending");                                          \
        if (WEFT__UNLIKELY(weft__s >=                                          \
                           WEFT__OWNER(weft__c->worker)->limit_p)) {           \
            if (NAME##__spawn_slow(weft__c->worker, weft__s WEFT__ID ARGS))    \
                weft__c->head = weft__s + 1;                                   \
            return;                                                            \
        }                                                                      \
        NAME##__frame *weft__f = (NAME##__frame *)weft__s;                     \
        weft__f->weft__hdr.run = NAME##__stolen;                               \
        NAME##__save(weft__f WEFT__ID ARGS);                                   \
        weft__typed_pushed(weft__c, weft__s);                                  \
    }                                                                          \
    WEFT__INLINE __attribute__((unused)) R NAME##_join(weft_ctx *weft__c)      \
    {                                                                          \
        struct weft__frame *weft__s = weft__c->head - 1;                       \
        struct weft__owner *weft__o = WEFT__OWNER(weft__c->worker);            \
        WEFT__CHECK(weft__o->overflow || weft__s >= weft__c->base,             \
                    "typed join: no task of this body is pending (join "       \
                    "without spawn, or joined twice)");                        \
        WEFT__CHECK(weft__o->top == weft__s + 1,                               \
                    "typed join: a generic task spawned in this body is "      \
                    "still pending");                                          \
        struct weft__frame *weft__t;                                           \
        if (WEFT__LIKELY(weft__s >= weft__o->split_p)) {                       \
            WEFT__CHECK(((NAME##__frame *)weft__s)->weft__hdr.run ==           \
                            NAME##__stolen,                                    \
                        "typed join: tasks must be joined in reverse "         \
                        "spawn order (the youngest is not a " #NAME ")");      \
            weft__c->head = weft__s;                                           \
            weft__o->top = weft__s;                                            \
            weft__t = weft__s;                                                 \
        } else {                                                               \
            int weft__full = weft__o->overflow != 0;                           \
            weft__t = weft__typed_join_slow(weft__c->worker, weft__s,          \
                                            NAME##__stolen);                   \
            if (!weft__full)                                                   \
                weft__c->head = weft__s;                                       \
        }                                                                      \
        /* the arguments come from the task's own frame (the slot, or the  */  \
        /* one kept aside by a spawn that found the deque full); they are  */  \
        /* unused when __enter is given a tagged frame's result */             \
        WEFT__RETURN(R)                                                        \
        NAME##__load(weft__c->worker, weft__t,                                 \
                     (NAME##__frame *)((uintptr_t)weft__t & ~(uintptr_t)1));   \
    }                                                                          \
    WEFT__INLINE R NAME##__body(weft_ctx *w __attribute__((unused))            \
                                WEFT__ID PARAMS)

/* The parts that depend on the number of arguments: NAME__save writes them
 * into frame p; NAME__load reads them from p and enters the task. */
#define WEFT__TYPED_1(R, NAME, T1, A1)                                   \
    WEFT__TYPED_HEAD(R, NAME, T1 A1;, (, T1 A1), (, A1))                 \
    WEFT__INLINE void NAME##__save(NAME##__frame *weft__p, T1 A1)        \
    {                                                                    \
        weft__p->A1 = A1;                                                \
    }                                                                    \
    WEFT__INLINE WEFT__RES(R)                                            \
        NAME##__load(weft_worker *weft__wk, struct weft__frame *weft__h, \
                     NAME##__frame *weft__p)                             \
    {                                                                    \
        return NAME##__enter(weft__wk, weft__h, weft__p->A1);            \
    }                                                                    \
    WEFT__TYPED_TAIL(R, NAME, (, T1 A1), (, A1))

#define WEFT__TYPED_2(R, NAME, T1, A1, T2, A2)                             \
    WEFT__TYPED_HEAD(R, NAME, T1 A1; T2 A2;, (, T1 A1, T2 A2), (, A1, A2)) \
    WEFT__INLINE void NAME##__save(NAME##__frame *weft__p, T1 A1, T2 A2)   \
    {                                                                      \
        weft__p->A1 = A1;                                                  \
        weft__p->A2 = A2;                                                  \
    }                                                                      \
    WEFT__INLINE WEFT__RES(R)                                              \
        NAME##__load(weft_worker *weft__wk, struct weft__frame *weft__h,   \
                     NAME##__frame *weft__p)                               \
    {                                                                      \
        return NAME##__enter(weft__wk, weft__h, weft__p->A1, weft__p->A2); \
    }                                                                      \
    WEFT__TYPED_TAIL(R, NAME, (, T1 A1, T2 A2), (, A1, A2))

#define WEFT__TYPED_3(R, NAME, T1, A1, T2, A2, T3, A3)                    \
    WEFT__TYPED_HEAD(R, NAME, T1 A1; T2 A2; T3 A3;                        \
                     , (, T1 A1, T2 A2, T3 A3), (, A1, A2, A3))           \
    WEFT__INLINE void NAME##__save(NAME##__frame *weft__p, T1 A1, T2 A2,  \
                                   T3 A3)                                 \
    {                                                                     \
        weft__p->A1 = A1;                                                 \
        weft__p->A2 = A2;                                                 \
        weft__p->A3 = A3;                                                 \
    }                                                                     \
    WEFT__INLINE WEFT__RES(R)                                             \
        NAME##__load(weft_worker *weft__wk, struct weft__frame *weft__h,  \
                     NAME##__frame *weft__p)                              \
    {                                                                     \
        return NAME##__enter(weft__wk, weft__h, weft__p->A1, weft__p->A2, \
                             weft__p->A3);                                \
    }                                                                     \
    WEFT__TYPED_TAIL(R, NAME, (, T1 A1, T2 A2, T3 A3), (, A1, A2, A3))

#define WEFT__TYPED_4(R, NAME, T1, A1, T2, A2, T3, A3, T4, A4)             \
    WEFT__TYPED_HEAD(R, NAME, T1 A1; T2 A2; T3 A3; T4 A4;                  \
                     , (, T1 A1, T2 A2, T3 A3, T4 A4), (, A1, A2, A3, A4)) \
    WEFT__INLINE void NAME##__save(NAME##__frame *weft__p, T1 A1, T2 A2,   \
                                   T3 A3, T4 A4)                           \
    {                                                                      \
        weft__p->A1 = A1;                                                  \
        weft__p->A2 = A2;                                                  \
        weft__p->A3 = A3;                                                  \
        weft__p->A4 = A4;                                                  \
    }                                                                      \
    WEFT__INLINE WEFT__RES(R)                                              \
        NAME##__load(weft_worker *weft__wk, struct weft__frame *weft__h,   \
                     NAME##__frame *weft__p)                               \
    {                                                                      \
        return NAME##__enter(weft__wk, weft__h, weft__p->A1, weft__p->A2,  \
                             weft__p->A3, weft__p->A4);                    \
    }                                                                      \
    WEFT__TYPED_TAIL(R, NAME, (, T1 A1, T2 A2, T3 A3, T4 A4),              \
                     (, A1, A2, A3, A4))

#ifdef __cplusplus
}
#endif

#endif /* WEFT_TYPED_H */
