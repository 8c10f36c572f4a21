/* bench_addr.c - sparse-stage training samples/s of the per-sample and the per-address path
 * (runtime/train/addr.c) in the same run, on a model file's sparse model (random masks, or
 * a masks.txt file's, the file's sparse stage's optimizer), with the model file's data.
 *
 *   bench_addr FILE.nlt [--data-dir DIR] [--batch B] [--depth D] [--batches N]
 *              [--threads N] [--repeat N] [--masks FILE] [--sweep] [--kinds]
 *              [--path sample|address]
 *
 * --masks trains over the masks a stage 1 learned (OUT/train/masks.txt): on MNIST's one-bit
 * pixels random groups see far fewer distinct addresses than learned ones, which flatters
 * the per-address path (bench/train/README.md, session 17).
 * --depth overrides every sub-network's depth; --sweep also prints both paths for 1, 2, ...
 * up to the machine's cores. Each measurement is a fresh model (same seed) trained for N
 * batches (forward, backward and the fused Adam step) over the training split in order,
 * after one untimed batch; each figure is the best of --repeat (3) measurements taken in
 * turns with the other path's, so both see the same machine. Per CPU second (the CPU time
 * of all threads) is the measure of work that a loaded machine disturbs least.
 * Summary: bench_addr: MODEL batch B depth D T threads: per-sample X samples/s |
 *          per-address Y samples/s | ratio Y/X
 * and the physical view (issue 15): the model's training FLOPs per sample, each path's
 * GFLOP/s of that count and the share of the machine's peak (bench_train.h).
 * --kinds instead measures the L-LUT kinds on the same shapes (every layer's L-LUTs made
 * mlp as the file says, linear, poly(degree = 2), poly(degree = 3); the default path
 * choice), in turns.
 * --path measures that path alone (for profiling: `perf record -g bench_addr ... --path P`):
 *          bench_addr: MODEL batch B depth D T threads: PATH X samples/s (Y per CPU-s)
 *          bench_addr: parallel view: P% of the wall time in the pool's jobs (J per batch, U us
 *            each), T threads busy Q% of it | (1 thread) serial share S%: at most E%
 *            efficiency on 16 threads | (more) idle in: JOB I% ... (thread-seconds idle
 *            inside each job, as a share of all threads' wall time; the four largest)
 * --kinds:
 *          bench_addr: MODEL batch B kinds T threads: mlp X | linear Y | poly2 Z | poly3 W
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "data.h"
#include "bench_train.h"
#include "fixture.h"
#include "train_int.h"

static double clock_s(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* What is measured: N training batches of B rows of model ir over d's training split, with
 * the masks (NULL: random). */
typedef struct job {
    const ir_program *ir;
    const rt_dataset *d;
    int B, N;
    int *const *masks;
} job;

/* Where a measurement's wall time went in the pool (tr_pool_stats): per job call site, its
 * wall seconds and the seconds its threads were busy. */
typedef struct pview {
    double wall; /* the measurement's wall seconds */
    int n, T, batches;
    const char *site[TR_POOL_STATS];
    double job[TR_POOL_STATS], busy[TR_POOL_STATS];
    long runs; /* jobs run */
} pview;

/* The pool's figures now less those of `before` (n0 entries). */
static void pview_take(pview *v, const tr_pool *pool, const tr_pool_stat *before, int n0) {
    const tr_pool_stat *st;
    v->n = tr_pool_stats(pool, &st);
    v->runs = 0;
    for (int i = 0; i < v->n; i++) {
        v->runs += st[i].runs - (i < n0 ? before[i].runs : 0);
        v->site[i] = st[i].site;
        v->job[i] = st[i].wall - (i < n0 ? before[i].wall : 0);
        v->busy[i] = st[i].busy - (i < n0 ? before[i].busy : 0);
    }
}

/* Samples per wall second and per CPU second (all threads; on a loaded machine the work
 * measure) of the job under mode, on T threads; pv (not NULL): where the wall time went. */
static void measure1(const job *j, int T, int mode, double out[2], pview *pv) {
    const ir_program *ir = j->ir;
    const rt_dataset *d = j->d;
    int B = j->B, N = j->N;
    const ir_stage *st = &ir->train.stages[ir->train.n_stages - 1];
    tr_model *m = tr_model_new(ir, false, j->masks, ir->train.seed, B, T, true);
    tr_model_init_params(m, ir->train.seed, 1);
    m->w.addr_mode = mode;
    int per = d->train.n / B;
    double t0 = 0, c0 = 0;
    tr_pool_stat before[TR_POOL_STATS];
    int n0 = 0;
    for (int b = 0; b <= N; b++) {
        if (b == 1) { /* after one untimed batch (page faults) */
            const tr_pool_stat *st;
            n0 = tr_pool_stats(m->w.pool, &st);
            memcpy(before, st, (size_t)n0 * sizeof *st);
            t0 = clock_s(CLOCK_MONOTONIC);
            c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        }
        tr_model_load_rows(m, &d->train, NULL, (b % per) * B, B, 0);
        tr_model_forward_train(m, B, NULL);
        tr_model_step(m, B, st, st->lr, 0.0, 0.0);
    }
    double wall = clock_s(CLOCK_MONOTONIC) - t0;
    out[0] = (double)N * B / wall;
    out[1] = (double)N * B / (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
    if (pv) {
        pview_take(pv, m->w.pool, before, n0);
        pv->wall = wall;
        pv->T = T;
        pv->batches = N;
    }
    tr_model_free(m);
}

/* The best of `repeat` measurements of each of modes[0..n), taken in turns (on a shared
 * machine the best is the least disturbed one): out[2k] per wall second, out[2k+1] per CPU
 * second; pv (not NULL): the pool's view of the last mode's best. */
static void measure(const job *j, int T, int repeat, const int *modes, int n, double *out,
                    pview *pv) {
    for (int k = 0; k < 2 * n; k++)
        out[k] = 0;
    for (int i = 0; i < repeat; i++)
        for (int k = 0; k < n; k++) {
            double v[2];
            pview p;
            measure1(j, T, modes[k], v, &p);
            if (pv && k == n - 1 && v[0] > out[2 * k]) *pv = p;
            for (int c = 0; c < 2; c++)
                out[2 * k + c] = v[c] > out[2 * k + c] ? v[c] : out[2 * k + c];
        }
}

/* --kinds: samples/s of every kind on the file's shapes, the best of `repeat` turns
 * (out[2k] per wall second, out[2k+1] per CPU second, k: mlp, linear, poly 2, poly 3). */
static void measure_kinds(ir_program *ir, const job *j, int T, int repeat, double *out) {
    static const ir_lut_kind kind[4] = {IR_KIND_MLP, IR_KIND_LINEAR, IR_KIND_POLY, IR_KIND_POLY};
    static const int degree[4] = {0, 0, 2, 3};
    ir_layer *orig = xmalloc((size_t)ir->n_layers * sizeof *orig);
    memcpy(orig, ir->layers, (size_t)ir->n_layers * sizeof *orig);
    for (int k = 0; k < 8; k++)
        out[k] = 0;
    for (int i = 0; i < repeat; i++)
        for (int k = 0; k < 4; k++) {
            for (int l = 0; l < ir->n_layers; l++) {
                ir->layers[l] = orig[l];
                fx_set_kind(&ir->layers[l], kind[k], degree[k]);
            }
            double v[2];
            measure1(j, T, TR_ADDR_AUTO, v, NULL);
            for (int c = 0; c < 2; c++)
                out[2 * k + c] = v[c] > out[2 * k + c] ? v[c] : out[2 * k + c];
        }
    memcpy(ir->layers, orig, (size_t)ir->n_layers * sizeof *orig);
    free(orig);
}

/* --path's parallel view: the share of the wall time spent in the pool's jobs and how busy
 * their threads were, then the jobs in which threads waited longest (thread-seconds idle
 * inside the job, as a share of all threads' wall time). At one thread the rest of the wall
 * time is the serial share s, which alone bounds n threads' efficiency by 1 / (n s + 1 - s)
 * (Amdahl). */
static void parallel_view(const pview *v, int cores) {
    double job = 0, busy = 0;
    for (int i = 0; i < v->n; i++)
        job += v->job[i], busy += v->busy[i];
    printf("bench_addr: parallel view: %.1f%% of the wall time in the pool's jobs (%.0f per "
           "batch, %.1f us each), %d thread%s busy %.1f%% of it",
           100 * job / v->wall, (double)v->runs / v->batches, 1e6 * job / (double)v->runs, v->T,
           v->T == 1 ? "" : "s", 100 * busy / (v->T * job));
    if (v->T == 1) {
        double s = 1.0 - job / v->wall;
        int n = cores > 16 ? cores : 16;
        printf(" | serial share %.2f%%: at most %.0f%% efficiency on %d threads\n", 100 * s,
               100 / (n * s + 1 - s), n);
        return;
    }
    printf(" | idle in:");
    bool used[TR_POOL_STATS] = {false};
    for (int r = 0; r < 4 && r < v->n; r++) { /* the four with the most idle thread-seconds */
        int b = -1;
        for (int i = 0; i < v->n; i++)
            if (!used[i] &&
                (b < 0 || v->T * v->job[i] - v->busy[i] > v->T * v->job[b] - v->busy[b]))
                b = i;
        used[b] = true;
        printf(" %s %.1f%%", v->site[b], 100 * (v->T * v->job[b] - v->busy[b]) / (v->T * v->wall));
    }
    printf("\n");
}

/* The physical view: the model's training FLOPs per sample at the two paths' samples/s
 * against the machine's peak. The per-address path runs each L-LUT once per used address,
 * so its rate of the per-sample count may pass the peak: that is the work it saves. */
static void physical(const ir_program *ir, int threads, double sample, double address) {
    const char *how;
    double f = bt_train_flops(ir), peak = bt_peak_gflops(threads, tr_simd_floats(), &how);
    printf("bench_addr: %s physical view: %.2f MFLOP per training sample (forward and "
           "backward, per-sample count) | per-sample path %.1f GFLOP/s",
           ir->model_name, f * 1e-6, f * sample * 1e-9);
    if (peak > 0) printf(" (%.0f%% of peak)", 100 * f * sample * 1e-9 / peak);
    printf(" | per-address path %.1f GFLOP/s of that count", f * address * 1e-9);
    if (peak > 0) printf(" (%.0f%% of peak)", 100 * f * address * 1e-9 / peak);
    printf(" | peak %.0f GFLOP/s on %d threads (%s)\n", peak, threads, how);
}

static long number(const char *s) {
    char *end;
    long v = strtol(s, &end, 10);
    return (*s && !*end && v > 0) ? v : -1;
}

int main(int argc, char **argv) {
    const char *file = NULL;
    nltc_compile_opts co = {0};
    long batch = -1, depth = -1, batches = 50, threads = 2, repeat = 3;
    bool sweep = false, kinds = false;
    int only = -1; /* --path: that mode alone */
    const char *masks_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (!strcmp(a, "--data-dir") && has)
            co.data_dir = argv[++i];
        else if (!strcmp(a, "--batch") && has && number(argv[i + 1]) > 0)
            batch = number(argv[++i]);
        else if (!strcmp(a, "--depth") && has && number(argv[i + 1]) > 0)
            depth = number(argv[++i]);
        else if (!strcmp(a, "--batches") && has && number(argv[i + 1]) > 0)
            batches = number(argv[++i]);
        else if (!strcmp(a, "--threads") && has && number(argv[i + 1]) > 0)
            threads = number(argv[++i]);
        else if (!strcmp(a, "--repeat") && has && number(argv[i + 1]) > 0)
            repeat = number(argv[++i]);
        else if (!strcmp(a, "--masks") && has)
            masks_path = argv[++i];
        else if (!strcmp(a, "--sweep"))
            sweep = true;
        else if (!strcmp(a, "--kinds"))
            kinds = true;
        else if (!strcmp(a, "--path") && has && !strcmp(argv[i + 1], "sample"))
            only = TR_ADDR_SAMPLE, i++;
        else if (!strcmp(a, "--path") && has && !strcmp(argv[i + 1], "address"))
            only = TR_ADDR_ADDRESS, i++;
        else if (a[0] != '-' && !file)
            file = a;
        else
            file = NULL, i = argc;
    }
    if (!file) {
        fprintf(stderr, "usage: bench_addr FILE.nlt [--data-dir DIR] [--batch B] [--depth D] "
                        "[--batches N] [--threads N] [--repeat N] [--masks FILE] [--sweep] "
                        "[--kinds] [--path sample|address]\n");
        return 2;
    }
    nltc_arena *arena = nltc_arena_new();
    nltc_status cs;
    ir_program *ir = nltc_compile(file, &co, arena, &cs);
    if (!ir) {
        nltc_arena_free(arena);
        return 1;
    }
    for (int l = 0; l < ir->n_layers; l++) {
        if (ir->layers[l].connect == IR_CONNECT_LEARNED) ir->layers[l].connect = IR_CONNECT_RANDOM;
        if (depth > 0 && ir->layers[l].hidden > 0) ir->layers[l].depth = (int)depth;
    }
    ir_stage *st = &ir->train.stages[ir->train.n_stages - 1];
    if (batch > 0) st->batch = (int)batch;
    rt_dataset d;
    rt_error err = {0};
    int **masks = NULL;
    if ((masks_path && tr_read_masks(masks_path, ir, &masks, &err) != RT_OK) ||
        data_load(&ir->dataset, &d, &err)) {
        fprintf(stderr, "bench_addr: %s\n", err.msg);
        tr_free_masks(masks, ir->n_layers);
        nltc_arena_free(arena);
        return 1;
    }
    int B = st->batch, N = (int)batches;
    job j = {ir, &d, B, N, masks};
    int D = ir->layers[0].hidden > 0 ? ir->layers[0].depth : 0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double l0 = bt_loadavg(), v[6];
    static const int modes[3] = {TR_ADDR_SAMPLE, TR_ADDR_ADDRESS, TR_ADDR_AUTO};
    if (kinds) {
        double k[8];
        measure_kinds(ir, &j, (int)threads, (int)repeat, k);
        printf("bench_addr: %s batch %d kinds %ld threads, %d batches, best of %ld, samples/s "
               "(per CPU-s): mlp %.0f (%.0f) | linear %.0f (%.0f) | poly2 %.0f (%.0f) | poly3 "
               "%.0f (%.0f) | load average %.2f -> %.2f\n",
               ir->model_name, B, threads, N, repeat, k[0], k[1], k[2], k[3], k[4], k[5], k[6],
               k[7], l0, bt_loadavg());
    } else if (only >= 0) {
        pview pv;
        measure(&j, (int)threads, (int)repeat, &only, 1, v, &pv);
        printf("bench_addr: %s batch %d depth %d %ld threads, %d batches, best of %ld: %s %.0f "
               "samples/s (%.0f per CPU-s) | load average %.2f -> %.2f\n",
               ir->model_name, B, D, threads, N, repeat,
               only == TR_ADDR_SAMPLE ? "per-sample" : "per-address", v[0], v[1], l0, bt_loadavg());
        parallel_view(&pv, (int)cores);
    } else if (sweep)
        for (int t = 1; t <= cores; t++) {
            measure(&j, t, (int)repeat, modes, 2, v, NULL);
            printf("bench_addr: %s batch %d depth %d %d threads: per-sample %.0f samples/s "
                   "(%.0f per CPU-s) | per-address %.0f samples/s (%.0f per CPU-s)\n",
                   ir->model_name, B, D, t, v[0], v[1], v[2], v[3]);
        }
    if (!kinds && only < 0) {
        measure(&j, (int)threads, (int)repeat, modes, 3, v, NULL);
        printf("bench_addr: %s batch %d depth %d %ld threads, %d batches, best of %ld: per-sample "
               "%.0f samples/s | per-address %.0f samples/s | ratio %.2fx | auto %.0f samples/s | "
               "per CPU-s: %.0f | %.0f | ratio %.2fx | load average %.2f -> %.2f\n",
               ir->model_name, B, D, threads, N, repeat, v[0], v[2], v[2] / v[0], v[4], v[1], v[3],
               v[3] / v[1], l0, bt_loadavg());
        physical(ir, (int)threads, v[0], v[2]);
    }
    tr_free_masks(masks, ir->n_layers);
    rt_dataset_free(&d);
    nltc_arena_free(arena);
    return 0;
}
