/* repro_tables.c - trains the small test model (dense and sparse stages, 2 threads) and its
 * variant of mixed L-LUT kinds (poly, mlp, linear), each once on each sparse-stage path (per
 * sample, per address), and a DWN-style model with the learned mapping (the softmax's float
 * exponentials, helpers.c's dwn_program) on the sample path, and writes every run's parameters,
 * running statistics and truth tables to FILE, byte for byte. CMake builds it against training
 * libraries compiled for several vector widths (repro_width.cmake compares the files: the same bits
 * for every width). */
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

static void put(FILE *f, const void *p, size_t n) {
    if (n && fwrite(p, 1, n, f) != n) {
        perror("repro_tables: write");
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: repro_tables FILE\n");
        return 2;
    }
    rt_dataset d;
    parity_data(&d, 12, 512, 11);
    ir_program *irs[3] = {small_program(3, 3, 9), kinds_program(3, 3),
                          dwn_program(3, IR_CONNECT_MAPPING, 1)};
    train_opts o = quiet_opts(2);
    FILE *f = fopen(argv[1], "wb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static const int paths[] = {TR_ADDR_SAMPLE, TR_ADDR_ADDRESS};
    for (int i = 0; i < 5; i++) { /* the DWN model (mapping) on the sample path */
        const ir_program *ir = irs[i / 2];
        tr_bench_opts b = {0, false, paths[i % 2]};
        rt_report rep;
        rt_report_init(&rep);
        tr_model *m = NULL;
        rt_error e = {0};
        rt_tables t;
        if (tr_train_bench(ir, &d, &o, &b, &rep, &m, &e) != RT_OK ||
            tr_tabulate(m, &t, &e) != RT_OK) {
            fprintf(stderr, "repro_tables: %s\n", e.msg);
            return 1;
        }
        put(f, m->p.param, m->p.n_param * sizeof(float));
        put(f, m->p.state, m->p.n_state * sizeof(float));
        for (int l = 0; l < t.n_layers; l++) {
            const rt_table_layer *L = &t.layers[l];
            put(f, L->codes, ((size_t)L->n_lut << (L->fanin * L->bits_in)) * sizeof(uint16_t));
            put(f, L->inputs, (size_t)L->n_lut * (size_t)L->fanin * sizeof(int));
        }
        printf("repro_tables: %s, %s model, path %s, %zu parameters, test accuracy %.4f\n",
               rep.build.cpu_features, (const char *[]){"mlp", "kinds", "dwn"}[i / 2],
               i % 2 ? "address" : "sample", m->p.n_param, rep.accuracy.quantized);
        rt_tables_free(&t);
        tr_model_free(m);
    }
    if (fclose(f) != 0) {
        perror(argv[1]);
        return 2;
    }
    fx_program_free(irs[0]);
    fx_program_free(irs[1]);
    fx_program_free(irs[2]);
    rt_dataset_free(&d);
    return 0;
}
