/* bench_masks.c - mask quality: learned masks (the dense stage on the skip path, then the
 * top-F inputs per leaf) against seeded random masks, at equal stage-2 epochs.
 *
 *   bench_masks [--model FILE.nlt] [--data-dir DIR] [--seeds N] [--dense-epochs D]
 *               [--sparse-epochs E] [--threads N] [--max-batches B]
 *
 * Default: the embedded example (examples/digits.nlt), 3 seeds, its dense epochs, 40 sparse
 * epochs. Each seed trains both variants from the same model file; the random variant drops
 * the dense stage. Test accuracy is of the model selected on the validation split.
 * Summary: bench_masks: MODEL, E sparse epochs, N seeds: learned test A +- a% (valid ..,
 *          dense stage D epochs, T s) | random test B +- b% | learned - random: +X points
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_train.h"
#include "compiler.h"
#include "data.h"
#include "train_int.h"

#ifndef NLTC_SOURCE_DIR
#define NLTC_SOURCE_DIR "."
#endif

/* Compiles the model with a seed and the overrides; NULL on errors (printed). */
static ir_program *compile(const char *file, nltc_compile_opts *co, nltc_arena *a, uint64_t seed,
                           bool random, int dense_epochs, int sparse_epochs) {
    co->seed_set = true;
    co->seed = seed;
    nltc_status st;
    ir_program *ir = nltc_compile(file, co, a, &st);
    if (!ir) return NULL;
    bt_override(ir, random, dense_epochs, sparse_epochs);
    return ir;
}

static void mean_sd(const double *v, int n, double *mean, double *sd) {
    double s = 0, q = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        q += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(q / (n - 1)) : 0;
}

int main(int argc, char **argv) {
    const char *file = NLTC_SOURCE_DIR "/examples/digits.nlt";
    nltc_compile_opts co = {0};
    int seeds = 3, dense_epochs = -1, sparse_epochs = 40, threads = 2, max_batches = 0;
    for (int i = 1; i < argc; i++) {
        bool has = i + 1 < argc;
        if (!strcmp(argv[i], "--model") && has)
            file = argv[++i];
        else if (!strcmp(argv[i], "--data-dir") && has)
            co.data_dir = argv[++i];
        else if (!strcmp(argv[i], "--seeds") && has)
            seeds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dense-epochs") && has)
            dense_epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sparse-epochs") && has)
            sparse_epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && has)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-batches") && has)
            max_batches = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_masks [--model FILE.nlt] [--data-dir DIR] [--seeds N] "
                            "[--dense-epochs D] [--sparse-epochs E] [--threads N] "
                            "[--max-batches B]\n");
            return 2;
        }
    }
    if (seeds < 1 || seeds > 100 || threads < 1) return 2;
    double *acc[2], *val[2], stage1 = 0;
    for (int v = 0; v < 2; v++) {
        acc[v] = calloc((size_t)seeds, sizeof(double));
        val[v] = calloc((size_t)seeds, sizeof(double));
    }
    rt_dataset d = {0};
    const char *name = "?";
    int d_epochs = 0;
    for (int s = 0; s < seeds; s++)
        for (int v = 0; v < 2; v++) { /* 0: learned, 1: random */
            nltc_arena *a = nltc_arena_new();
            ir_program *ir =
                compile(file, &co, a, (uint64_t)s + 1, v == 1, dense_epochs, sparse_epochs);
            if (!ir) return 1;
            rt_error err = {0};
            if (d.train.n == 0 && data_load(&ir->dataset, &d, &err)) {
                fprintf(stderr, "bench_masks: %s\n", err.msg);
                return 1;
            }
            name = ir->model_name;
            if (v == 0 && ir->train.stages[0].kind == IR_STAGE_DENSE)
                d_epochs = ir->train.stages[0].epochs;
            train_opts o;
            train_opts_init(&o);
            o.threads = threads;
            o.quiet = true;
            tr_bench_opts bo = {.max_batches = max_batches};
            rt_report rep;
            rt_report_init(&rep);
            rt_error e = {0};
            if (tr_train_bench(ir, &d, &o, &bo, &rep, NULL, &e) != RT_OK) {
                fprintf(stderr, "bench_masks: error: %s\n", e.msg);
                return 1;
            }
            acc[v][s] = rep.accuracy.quantized;
            val[v][s] = rep.validation_accuracy;
            if (v == 0) stage1 += rep.time_s.stage1;
            printf("  seed %d %-7s test %.2f%% valid %.2f%% (epoch %d) stage1 %.1f s stage2 "
                   "%.1f s\n",
                   s + 1, v ? "random" : "learned", 100 * rep.accuracy.quantized,
                   100 * rep.validation_accuracy, rep.best_epoch, v ? 0.0 : rep.time_s.stage1,
                   rep.time_s.stage2);
            fflush(stdout);
            nltc_arena_free(a);
        }
    double m[2], sd[2], vm[2], vsd[2];
    for (int v = 0; v < 2; v++) {
        mean_sd(acc[v], seeds, &m[v], &sd[v]);
        mean_sd(val[v], seeds, &vm[v], &vsd[v]);
    }
    printf("bench_masks: %s, %d sparse epochs, %d seeds: learned test %.2f +- %.2f%% (valid "
           "%.2f%%; dense stage %d epochs, %.1f s per run) | random test %.2f +- %.2f%% (valid "
           "%.2f%%) | learned - random: %+.2f points\n",
           name, sparse_epochs, seeds, 100 * m[0], 100 * sd[0], 100 * vm[0], d_epochs,
           stage1 / seeds, 100 * m[1], 100 * sd[1], 100 * vm[1], 100 * (m[0] - m[1]));
    for (int v = 0; v < 2; v++) {
        free(acc[v]);
        free(val[v]);
    }
    rt_dataset_free(&d);
    return 0;
}
