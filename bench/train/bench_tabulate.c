/* bench_tabulate.c - truth-table enumeration time of the paper's MNIST configuration
 * (5,110 L-LUTs x 64 rows): every L-LUT over all 2^(F*b_in) input codes through the
 * quantized forward pass, on the model's threads (the weights do not change the work).
 *
 *   bench_tabulate [--threads N] [--repeat N]
 * Summary: bench_tabulate: MNIST paper config, L L-LUTs, T table entries: min X ms,
 *          median Y ms over N runs (target < 50 ms)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "train_int.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int threads = 2, repeat = 9;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_tabulate [--threads N] [--repeat N]\n");
            return 2;
        }
    }
    if (repeat < 1 || repeat > 1000 || threads < 1) return 2;
    fx_net n = fx_mnist();
    n.connect = IR_CONNECT_RANDOM;
    ir_stage st = fx_stage(IR_STAGE_SPARSE, 1, 32, 2e-3);
    ir_program *ir = fx_program(&n, &st, 1, 1);
    tr_model *m = tr_model_new(ir, false, NULL, 1, 256, threads, false);
    tr_model_init_params(m, 1, 1);
    double *ms = malloc(sizeof(double) * (size_t)repeat);
    long long entries = 0;
    for (int k = 0; k < repeat; k++) {
        rt_tables t;
        double t0 = now_s();
        tr_tabulate(m, &t, NULL);
        ms[k] = 1e3 * (now_s() - t0);
        entries = 0;
        for (int l = 0; l < t.n_layers; l++)
            entries += (long long)t.layers[l].n_lut << (t.layers[l].fanin * t.layers[l].bits_in);
        rt_tables_free(&t);
    }
    qsort(ms, (size_t)repeat, sizeof *ms, cmp_double);
    printf("bench_tabulate: MNIST paper config, %ld L-LUTs, %lld table entries, %d threads: "
           "min %.1f ms, median %.1f ms over %d runs (target < 50 ms)\n",
           tr_llut_count(ir), entries, m->w.threads, ms[0], ms[repeat / 2], repeat);
    free(ms);
    tr_model_free(m);
    fx_program_free(ir);
    return 0;
}
