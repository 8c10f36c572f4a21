/* train_model.c - training alone, from a .nlt model file: compile, load the data, train
 * (with checkpoints, resume and SIGINT like the full flow), tabulate, and print a one-line
 * summary. For tuning configurations, long background runs and the mask-quality study,
 * where the back ends (RTL, synthesis) would only cost time.
 *
 *   train_model FILE.nlt [-o OUT] [--data-dir DIR] [--threads N] [--resume] [--seed N]
 *               [--dense-epochs N] [--sparse-epochs N] [--random-masks] [--masks FILE]
 *               [--max-batches N] [--path sample|address] [--quiet]
 *
 * --random-masks drops the dense stage and makes every learned layer random (the baseline
 * of the mask study); --masks FILE trains over the masks of a masks.txt file instead of a
 * dense stage; the epoch overrides replace the model file's stage epochs; --path forces the
 * sparse layers' per-sample or per-address path (default: chosen per layer, addr.c).
 * Summary: train_model: MODEL seed S: test quantized Q% float F% | valid V% (epoch E) |
 *          stage1 A s, stage2 B s, R samples/s | tables T ms, L L-LUTs
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_train.h"
#include "compiler.h"
#include "data.h"
#include "train_int.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int usage(void) {
    fprintf(stderr,
            "usage: train_model FILE.nlt [-o OUT] [--data-dir DIR] [--threads N] "
            "[--resume] [--seed N]\n"
            "       [--dense-epochs N] [--sparse-epochs N] [--random-masks] "
            "[--masks FILE] [--max-batches N] [--compare-plain] [--path sample|address] [--quiet]\n"
            "       train_model FILE.nlt -o OUT --evaluate [--data-dir DIR]   "
            "(accuracy of OUT's trained model on every split)\n");
    return 2;
}

/* Parses a non-negative integer option value; -1 when it is not one. */
static long number(const char *s) {
    char *end;
    long v = strtol(s, &end, 10);
    return (*s && !*end && v >= 0) ? v : -1;
}

/* Prints e and returns the exit code of its status (1 model or data, 2 I/O, 130
 * interrupted). */
static int failed(const rt_error *e) {
    bool stop = e->status == RT_INTERRUPTED;
    fprintf(stderr, "train_model: %s%s\n", stop ? "" : "error: ", e->msg);
    return stop ? 130 : e->status == RT_ERR_MODEL || e->status == RT_ERR_DATA ? 1 : 2;
}

/* --evaluate: the accuracy of OUT's trained model (train/model.bin) on each split, in
 * evaluation mode (running batch-norm statistics), to tell over- from underfitting. */
static int evaluate_splits(const ir_program *ir, const rt_dataset *d, const char *out,
                           int threads) {
    tr_model *m = NULL;
    rt_error e = {0};
    if (tr_model_load(ir, out, threads, &m, &e) != RT_OK) return failed(&e);
    const struct {
        const char *name;
        const rt_split *s;
    } splits[] = {{"train", &d->train}, {"validation", &d->valid}, {"test", &d->test}};
    for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
        if (splits[i].s->n == 0) continue;
        double f, q;
        tr_evaluate(m, splits[i].s, &f, &q);
        printf("train_model: %s: %-10s %6d samples  quantized %.2f%%  float output %.2f%%\n",
               ir->model_name, splits[i].name, splits[i].s->n, 100 * q, 100 * f);
    }
    tr_model_free(m);
    return 0;
}

int main(int argc, char **argv) {
    const char *file = NULL;
    nltc_compile_opts co = {0};
    train_opts o;
    train_opts_init(&o);
    tr_bench_opts bo = {0, false, TR_ADDR_AUTO};
    long dense_epochs = -1, sparse_epochs = -1;
    bool random_masks = false, evaluate = false;
    const char *masks_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (!strcmp(a, "-o") && has)
            o.out_dir = argv[++i];
        else if (!strcmp(a, "--data-dir") && has)
            co.data_dir = argv[++i];
        else if (!strcmp(a, "--threads") && has && number(argv[i + 1]) > 0)
            o.threads = (int)number(argv[++i]);
        else if (!strcmp(a, "--seed") && has && number(argv[i + 1]) >= 0) {
            co.seed_set = true;
            co.seed = (uint64_t)number(argv[++i]);
        } else if (!strcmp(a, "--dense-epochs") && has && number(argv[i + 1]) >= 0)
            dense_epochs = number(argv[++i]);
        else if (!strcmp(a, "--sparse-epochs") && has && number(argv[i + 1]) >= 0)
            sparse_epochs = number(argv[++i]);
        else if (!strcmp(a, "--max-batches") && has && number(argv[i + 1]) >= 0)
            bo.max_batches = (int)number(argv[++i]);
        else if (!strcmp(a, "--resume"))
            o.resume = true;
        else if (!strcmp(a, "--random-masks"))
            random_masks = true;
        else if (!strcmp(a, "--evaluate"))
            evaluate = true;
        else if (!strcmp(a, "--masks") && has)
            masks_path = argv[++i];
        else if (!strcmp(a, "--compare-plain"))
            bo.compare_plain = true;
        else if (!strcmp(a, "--path") && has && !strcmp(argv[i + 1], "sample"))
            bo.addr_mode = TR_ADDR_SAMPLE, i++;
        else if (!strcmp(a, "--path") && has && !strcmp(argv[i + 1], "address"))
            bo.addr_mode = TR_ADDR_ADDRESS, i++;
        else if (!strcmp(a, "--quiet"))
            o.quiet = true;
        else if (a[0] != '-' && !file)
            file = a;
        else
            return usage();
    }
    if (!file || (evaluate && !o.out_dir)) return usage();
    nltc_arena *arena = nltc_arena_new();
    nltc_status st;
    ir_program *ir = nltc_compile(file, &co, arena, &st);
    if (!ir) {
        nltc_arena_free(arena);
        return st.io_error ? 2 : 1;
    }
    bt_override(ir, random_masks, dense_epochs, sparse_epochs);
    int **masks = NULL;
    if (masks_path) {
        rt_error e = {0};
        if (tr_read_masks(masks_path, ir, &masks, &e) != RT_OK) {
            nltc_arena_free(arena);
            return failed(&e);
        }
        o.masks = masks;
    }
    rt_dataset d;
    rt_error err = {0};
    if (data_load(&ir->dataset, &d, &err)) {
        fprintf(stderr, "train_model: %s\n", err.msg);
        nltc_arena_free(arena);
        return 1;
    }
    rt_report rep;
    rt_report_init(&rep);
    tr_model *m = NULL;
    int rc = 0;
    if (evaluate) {
        rc = evaluate_splits(ir, &d, o.out_dir, o.threads);
    } else {
        rt_error e = {0};
        if (tr_train_bench(ir, &d, &o, &bo, &rep, &m, &e) != RT_OK) rc = failed(&e);
    }
    if (rc == 0 && !evaluate) {
        rt_tables tab;
        double t0 = now_s();
        tr_tabulate(m, &tab, NULL);
        double tab_ms = 1e3 * (now_s() - t0);
        printf("train_model: %s seed %llu%s: test quantized %.2f%% float %.2f%% | valid %.2f%% "
               "(epoch %d) | stage1 %.1f s, stage2 %.1f s, %.0f samples/s | tables %.1f ms, "
               "%ld L-LUTs\n",
               ir->model_name, (unsigned long long)ir->train.seed,
               random_masks ? " random masks" : "", 100 * rep.accuracy.quantized,
               100 * rep.accuracy.flt, 100 * rep.validation_accuracy, rep.best_epoch,
               rep.time_s.stage1 == rep.time_s.stage1 ? rep.time_s.stage1 : 0.0, rep.time_s.stage2,
               rep.train_samples_per_s, tab_ms, rep.llut_count);
        rt_tables_free(&tab);
    }
    tr_model_free(m);
    rt_dataset_free(&d);
    tr_free_masks(masks, ir->n_layers);
    nltc_arena_free(arena);
    return rc;
}
