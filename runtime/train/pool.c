/* pool.c - the fixed worker-thread pool of training.
 *
 * The pool runs one function on every thread and waits for all of them; the caller's
 * thread is worker 0. Work is split by tr_share into fixed contiguous shares, or, in the
 * L-LUT loops of the training forward and backward, handed out in chunks of those shares,
 * a thread that finishes its own taking chunks of the others' (tr_pool_chunk). There each
 * L-LUT's results are its own, so which thread computes one changes no bit, only the
 * time. Waiting threads spin briefly (a layer's work takes tens of microseconds, and
 * waking a sleeping thread costs about as much), then sleep on a condition variable, so
 * an idle pool costs nothing on a shared machine. Each job is timed (two clock reads per
 * thread): its wall time and its threads' busy time add up per call site (tr_pool_stats),
 * which shows where threads wait.
 *
 * Every job runs with subnormal floats flushed to zero (FTZ and DAZ on x86, FZ on AArch64):
 * Adam's second moments of parameters whose gradient stays zero (dead hidden units) decay
 * geometrically through the subnormal range, where each operation costs about a hundred
 * cycles; on MNIST a few percent of the state was subnormal by epoch 50 and training ran at
 * half speed. The mode is deterministic, and tables and evaluation run in the same mode.
 *
 * The generator of training is rt_rng (runtime/rt.h): xoshiro256** seeded through
 * splitmix64 from (seed, purpose, a, b), so every use (initial weights, masks, each epoch's
 * shuffle) has its own reproducible stream and a resumed run draws exactly what an
 * uninterrupted one would.
 */
#include "train_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define FP_FLUSH_BITS 0x8040u /* MXCSR: FTZ (bit 15) | DAZ (bit 6) */
static unsigned fp_get(void) {
    return _mm_getcsr();
}
static void fp_set(unsigned v) {
    _mm_setcsr(v);
}
#elif defined(__aarch64__)
#define FP_FLUSH_BITS (1u << 24) /* FPCR.FZ */
static unsigned fp_get(void) {
    unsigned long v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return (unsigned)v;
}
static void fp_set(unsigned v) {
    __asm__ volatile("msr fpcr, %0" : : "r"((unsigned long)v));
}
#else
#define FP_FLUSH_BITS 0u /* no flush mode known: subnormals are only slow */
static unsigned fp_get(void) {
    return 0;
}
static void fp_set(unsigned v) {
    (void)v;
}
#endif

/* Sets the flush mode on this thread and returns the previous control word. */
static unsigned fp_flush_begin(void) {
    unsigned old = fp_get();
    if (FP_FLUSH_BITS) fp_set(old | FP_FLUSH_BITS);
    return old;
}

#define SPIN_ROUNDS 20000 /* polls of the job counter before sleeping */
/* tr_pool_chunk's chunks per share: a thread held up (another process on its core, more
 * distinct addresses in its L-LUTs) leaves the rest of its share to the others, and a job
 * ends at most one small chunk after its first thread runs out (64 rather than 16: on two
 * threads, Letter at batch 1024, the threads' busy share in jobs 93-94% -> 98%) */
#define CHUNKS_PER_THREAD 64

/* A thread's counter of the current job's items handed out from its share (tr_pool_chunk),
 * on a cache line of its own. */
typedef struct pool_slot {
    _Alignas(64) atomic_int next;
    double t; /* seconds this thread spent in the last job */
} pool_slot;

struct tr_pool {
    int n;                            /* threads including the caller */
    pthread_t *tids;                  /* [n-1] workers */
    pthread_mutex_t mu;               /* guards the sleeping side */
    pthread_cond_t cv_job;            /* a new job (or shutdown) was posted */
    pthread_cond_t cv_done;           /* the last worker finished */
    atomic_uint gen;                  /* job generation, bumped for every job */
    atomic_int pending;               /* workers still running the current job */
    atomic_bool stop;                 /* shut down */
    tr_pool_fn fn;                    /* the current job */
    void *ctx;                        /* its argument */
    int sleepers;                     /* workers waiting on cv_job (under mu) */
    bool caller_sleeping;             /* the caller waits on cv_done (under mu) */
    pool_slot *slot;                  /* [n] each thread's counter of tr_pool_chunk */
    tr_pool_stat stat[TR_POOL_STATS]; /* the jobs' times by call site (tr_pool_stats) */
    int n_stat;
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* fn on thread tid, timed into the thread's slot. */
static void run_timed(tr_pool *p, tr_pool_fn fn, void *ctx, int tid) {
    double t0 = now_s();
    fn(ctx, tid, p->n);
    p->slot[tid].t = now_s() - t0;
}

/* A job of call site `site` took `wall` seconds: added with its threads' seconds. */
static void stat_add(tr_pool *p, const char *site, double wall) {
    int i = 0;
    while (i < p->n_stat && p->stat[i].site != site)
        i++;
    if (i == TR_POOL_STATS) i--; /* more sites than entries: the last one takes the rest */
    if (i == p->n_stat) p->stat[p->n_stat++] = (tr_pool_stat){site, 0, 0, 0};
    tr_pool_stat *st = &p->stat[i];
    st->wall += wall;
    for (int k = 0; k < p->n; k++)
        st->busy += p->slot[k].t;
    st->runs++;
}

typedef struct pool_arg {
    tr_pool *p; /* the pool */
    int tid;    /* worker index (1..n-1) */
} pool_arg;

static void *pool_main(void *arg) {
    pool_arg *a = arg;
    tr_pool *p = a->p;
    int tid = a->tid;
    free(a);
    fp_flush_begin(); /* a worker thread runs nothing but jobs */
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
               !atomic_load(&p->stop) && spins < SPIN_ROUNDS)
            spins++;
        if (g == seen && !atomic_load(&p->stop)) {
            pthread_mutex_lock(&p->mu);
            p->sleepers++;
            while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv_job, &p->mu);
            p->sleepers--;
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = g;
        run_timed(p, p->fn, p->ctx, tid);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            if (p->caller_sleeping) pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

tr_pool *tr_pool_new(int threads) {
    tr_pool *p = xcalloc(1, sizeof *p);
    p->n = threads < 1 ? 1 : threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_job, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    atomic_init(&p->gen, 0u);
    atomic_init(&p->pending, 0);
    p->slot = aligned_alloc(_Alignof(pool_slot), (size_t)p->n * sizeof *p->slot);
    if (!p->slot) rt_oom();
    for (int i = 0; i < p->n; i++)
        atomic_init(&p->slot[i].next, 0);
    atomic_init(&p->stop, false);
    p->tids = xcalloc((size_t)p->n, sizeof *p->tids);
    for (int i = 1; i < p->n; i++) {
        pool_arg *a = xmalloc(sizeof *a);
        a->p = p;
        a->tid = i;
        if (pthread_create(&p->tids[i - 1], NULL, pool_main, a) != 0) {
            free(a);
            p->n = i; /* run with the threads we got */
            break;
        }
    }
    return p;
}

void tr_pool_free(tr_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->cv_job);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++)
        pthread_join(p->tids[i - 1], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_job);
    pthread_cond_destroy(&p->cv_done);
    free(p->tids);
    free(p->slot);
    free(p);
}

int tr_pool_threads(const tr_pool *p) {
    return p->n;
}

static void pool_run_flushed(tr_pool *p, tr_pool_fn fn, void *ctx);

void tr_pool_run_at(tr_pool *p, tr_pool_fn fn, void *ctx, const char *site) {
    for (int i = 0; i < p->n; i++) /* posted with the job */
        atomic_store_explicit(&p->slot[i].next, 0, memory_order_relaxed);
    unsigned old = fp_flush_begin(); /* the caller is worker 0; its own mode is restored */
    double t0 = now_s();
    if (p->n == 1)
        run_timed(p, fn, ctx, 0);
    else
        pool_run_flushed(p, fn, ctx);
    stat_add(p, site, now_s() - t0);
    if (FP_FLUSH_BITS) fp_set(old);
}

int tr_pool_stats(const tr_pool *p, const tr_pool_stat **st) {
    *st = p->stat;
    return p->n_stat;
}

static void pool_run_flushed(tr_pool *p, tr_pool_fn fn, void *ctx) {
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->pending, p->n - 1);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->gen, 1u, memory_order_release);
    if (p->sleepers > 0) pthread_cond_broadcast(&p->cv_job);
    pthread_mutex_unlock(&p->mu);
    run_timed(p, fn, ctx, 0);
    int spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0 && spins < SPIN_ROUNDS)
        spins++;
    if (atomic_load(&p->pending) > 0) {
        pthread_mutex_lock(&p->mu);
        p->caller_sleeping = true;
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->cv_done, &p->mu);
        p->caller_sleeping = false;
        pthread_mutex_unlock(&p->mu);
    }
}

bool tr_pool_chunk(tr_pool *p, int n, int tid, bool steal, int *lo, int *hi) {
    int nt = p->n, size = !steal || nt == 1 ? n : n / (CHUNKS_PER_THREAD * nt);
    if (size < 1) size = 1;
    /* its own share first, then what the others have left */
    for (int k = 0; k < (steal ? nt : 1); k++) {
        int v = (tid + k) % nt, s0, s1;
        tr_share(n, v, nt, &s0, &s1);
        atomic_int *next = &p->slot[v].next;
        if (atomic_load_explicit(next, memory_order_relaxed) >= s1 - s0) continue;
        int at = atomic_fetch_add_explicit(next, size, memory_order_relaxed);
        if (at >= s1 - s0) continue;
        *lo = s0 + at;
        *hi = s1 - *lo < size ? s1 : *lo + size;
        return true;
    }
    return false;
}

void tr_share(int n, int tid, int nt, int *lo, int *hi) {
    *lo = (int)((long long)n * tid / nt);
    *hi = (int)((long long)n * (tid + 1) / nt);
}
