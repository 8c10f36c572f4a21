/* bench_train.c - what the tools of bench/train share: the model overrides and the load
 * average (see bench_train.h). */
#include "bench_train.h"

#include <stdio.h>

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
