/* bench_train.c - what the tools of bench/train share: the model overrides and the load
 * average (see bench_train.h). */
#include "bench_train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bt_override(ir_program *ir, bool random, long dense_epochs, long sparse_epochs) {
    ir_train *t = &ir->train;
    if (random) {
        for (int l = 0; l < ir->n_layers; l++)
            if (ir->layers[l].connect == IR_CONNECT_LEARNED)
                ir->layers[l].connect = IR_CONNECT_RANDOM;
        if (t->n_stages > 1 && t->stages[0].kind == IR_STAGE_DENSE) {
            t->stages++;
            t->n_stages--;
        }
    }
    for (int s = 0; s < t->n_stages; s++) {
        long e = t->stages[s].kind == IR_STAGE_DENSE ? dense_epochs : sparse_epochs;
        if (e >= 0) t->stages[s].epochs = (int)e;
    }
}

double bt_loadavg(void) {
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

double bt_train_flops(const ir_program *ir) {
    double fwd = 0;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        double F = L->fanin, N = L->hidden, per = 0;
        if (L->kind == IR_KIND_MLP) {
            per = 2 * (F * N + (L->depth - 1) * N * N + N) + (L->lut_skip ? 2 * F : 0);
        } else if (L->kind == IR_KIND_LINEAR) {
            per = 2 * F;
        } else if (L->kind == IR_KIND_POLY) {
            double terms = 1; /* C(F+D, D) */
            for (int k = 1; k <= L->degree; k++)
                terms = terms * (F + k) / k;
            per = 2 * terms + (terms - F - 1);
        }
        fwd += per * L->out_width;
    }
    return 3 * fwd;
}

double bt_peak_gflops(int threads, int vl, const char **how) {
    const char *env = getenv("NLTC_PEAK_GFLOPS");
    if (env && atof(env) > 0) {
        *how = "NLTC_PEAK_GFLOPS per core";
        return threads * atof(env);
    }
    double mhz = 0;
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "cpu MHz", 7) && strchr(line, ':')) {
            mhz = atof(strchr(line, ':') + 1);
            break;
        }
    if (f) fclose(f);
    *how = "estimate: clock x vector floats x 2 FMA units x 2; set NLTC_PEAK_GFLOPS per core";
    return threads * mhz * 1e-3 * vl * 4;
}
