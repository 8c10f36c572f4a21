/* dwn_train.c - trains a one-layer DWN-style model with the kernels of runtime/train/dwn.c
 * and prints its accuracy and LUT count. The model file gives the shape: an input encoder
 * (thermometer or binarize), one tree of one level of `kind = table` L-LUTs with
 * `connect = mapping` (or random), 1-bit outputs and `head = group_sum(tau = X)`; its
 * sparse stage gives epochs, batch, lr (cosine or constant) and the Adam betas. Until the
 * model passes of runtime/train carry these parts (tr_check_model refuses them in the
 * flow), this is how the DWN-style points of bench/frontier/README.md are measured.
 *
 *   dwn_train FILE.nlt [--seed N] [--epochs N] [--data-dir DIR]
 * Summary: dwn_train: MODEL: test T% (valid V%, epoch E) | L L-LUTs (LUT-K each, K = fanin)
 *          | S s, R samples/s
 * Selection on validation; test accuracy measured once, on the selected tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "data.h"
#include "train_int.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The trained state: tables [out][2^A] then mapping weights [S][ldi] in one parameter
 * array; the batch buffers. */
typedef struct dw {
    const ir_program *ir;
    const ir_layer *L;
    rt_encoder enc;
    int I, ldi, S, F, A, out, classes, G, rows;
    bool mapping;
    float *param, *P, *X, *sel, *dsel, *out_v, *dout, *G_s, *dbit, *logits, *dlogits, *z, *dz;
    int *arg;
    uint32_t *addr;
    size_t n_T, n_param;
    tr_optim *opt;
} dw;

/* Encodes rows perm[i0 .. i0+R) of s into X (row-major 0/1). */
static void dw_load(dw *m, const rt_split *s, const int *perm, int i0, int R, int *y) {
    uint16_t *codes = xmalloc((size_t)m->I * sizeof *codes);
    for (int r = 0; r < R; r++) {
        int row = perm ? perm[i0 + r] : i0 + r;
        tr_encode_row(&m->enc, s->x + (size_t)row * m->enc.n_features, codes);
        for (int i = 0; i < m->I; i++)
            m->X[(size_t)r * m->ldi + i] = (float)codes[i];
        y[r] = s->y[row];
    }
    free(codes);
}

/* Hard forward of R rows: the wiring (argmax), the addresses, the 1-bit outputs. */
static void dw_forward(dw *m, int R) {
    float *W = m->param + m->n_T;
    if (m->mapping) tr_map_softmax(W, m->S, m->I, m->ldi, 1.0f, m->P, m->arg);
    tr_map_forward(m->X, R, m->ldi, m->arg, m->S, m->sel);
    for (int o = 0; o < m->out; o++) {
        uint32_t *a = m->addr + (size_t)o * m->rows;
        for (int r = 0; r < R; r++) {
            uint32_t v = 0;
            for (int j = 0; j < m->F; j++)
                v |= (uint32_t)(m->sel[(size_t)r * m->S + o * m->F + j] > 0.5f) << j;
            a[r] = v;
        }
        tr_table_forward(m->param + ((size_t)o << m->A), a, R, m->z);
        for (int r = 0; r < R; r++)
            m->out_v[(size_t)o * m->rows + r] = m->z[r] > 0.0f ? 1.0f : 0.0f;
    }
}

/* One training step on R loaded rows; returns the loss. */
static double dw_step(dw *m, int R, const int *y, const ir_stage *st, double lr, int *correct) {
    dw_forward(m, R);
    double loss =
        tr_group_sum_ce(m->out_v, R, m->rows, m->classes, m->G, 1, 0, (float)m->ir->head_tau, y,
                        m->logits, m->dlogits, m->dout, correct);
    memset(m->opt->grad, 0, m->n_param * sizeof(float));
    for (int o = 0; o < m->out; o++) {
        tr_table_backward(m->param + ((size_t)o << m->A), m->A, m->addr + (size_t)o * m->rows, R,
                          m->dout + (size_t)o * m->rows, m->opt->grad + ((size_t)o << m->A),
                          m->mapping ? m->dbit : NULL, m->rows);
        if (m->mapping)
            for (int j = 0; j < m->F; j++)
                for (int r = 0; r < R; r++)
                    m->dsel[(size_t)r * m->S + o * m->F + j] = m->dbit[(size_t)j * m->rows + r];
    }
    if (m->mapping)
        tr_map_backward(m->X, R, m->ldi, m->P, m->S, m->I, 1.0f, m->dsel, m->G_s,
                        m->opt->grad + m->n_T, NULL);
    tr_adam a;
    tr_adam_begin(&a, m->opt, st, lr);
    tr_adam_apply(&a, m->param, m->opt, 0, m->n_param, false);
    return loss;
}

/* Accuracy of the hard model on split s (group popcount, ties to the lowest class). */
static double dw_accuracy(dw *m, const rt_split *s) {
    int *y = xmalloc((size_t)m->rows * sizeof *y), ok = 0;
    for (int i0 = 0; i0 < s->n; i0 += m->rows) {
        int R = s->n - i0 < m->rows ? s->n - i0 : m->rows, c;
        dw_load(m, s, NULL, i0, R, y);
        dw_forward(m, R);
        tr_group_sum_ce(m->out_v, R, m->rows, m->classes, m->G, 1, 0, 1.0f, y, m->logits, NULL,
                        NULL, &c);
        ok += c;
    }
    free(y);
    return s->n ? (double)ok / s->n : 0.0;
}

static void dw_alloc(dw *m, uint64_t seed) {
    size_t rp = (size_t)m->rows + 16;
    m->n_T = (size_t)m->out << m->A;
    m->n_param = m->n_T + (size_t)m->S * m->ldi;
    m->param = xcalloc(m->n_param, sizeof(float));
    m->P = xcalloc((size_t)m->S * m->ldi, sizeof(float));
    m->G_s = xcalloc((size_t)m->S * m->ldi, sizeof(float));
    m->X = xcalloc(rp * m->ldi, sizeof(float));
    m->sel = xcalloc((size_t)m->rows * m->S, sizeof(float));
    m->dsel = xcalloc((size_t)m->rows * m->S, sizeof(float));
    m->out_v = xcalloc((size_t)m->out * m->rows, sizeof(float));
    m->dout = xcalloc((size_t)m->out * m->rows, sizeof(float));
    m->dbit = xcalloc((size_t)m->A * m->rows, sizeof(float));
    m->logits = xcalloc((size_t)m->rows * m->classes, sizeof(float));
    m->dlogits = xcalloc((size_t)m->rows * m->classes, sizeof(float));
    m->z = xcalloc((size_t)m->rows, sizeof(float));
    m->arg = xcalloc((size_t)m->S, sizeof(int));
    m->addr = xcalloc((size_t)m->out * m->rows, sizeof(uint32_t));
    m->opt = tr_optim_new(m->n_param);
    rt_rng g;
    rt_rng_seed(&g, seed, 0xd3a, 0, 0);
    tr_table_init(m->param, (int)m->n_T, &g);
    for (size_t k = 0; k < (size_t)m->S * m->ldi; k++)
        m->param[m->n_T + k] = (k % m->ldi) < (size_t)m->I ? rt_rng_sym(&g) : -1e30f;
    if (!m->mapping) { /* random wiring: F distinct inputs per L-LUT, seeded */
        int *perm = xmalloc((size_t)m->I * sizeof *perm);
        for (int o = 0; o < m->out; o++) {
            rt_permute(perm, m->I, seed * 1000003u + (uint64_t)o);
            for (int j = 0; j < m->F; j++)
                m->arg[o * m->F + j] = perm[j];
        }
        free(perm);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: dwn_train FILE.nlt [--seed N] [--epochs N] [--data-dir DIR]\n");
        return 2;
    }
    long seed = -1, epochs = -1;
    nltc_compile_opts co = {0};
    for (int i = 2; i + 1 < argc; i += 2)
        if (!strcmp(argv[i], "--data-dir"))
            co.data_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--seed"))
            seed = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--epochs"))
            epochs = strtol(argv[i + 1], NULL, 10);
    nltc_arena *arena = nltc_arena_new();
    nltc_status cs;
    ir_program *ir = nltc_compile(argv[1], &co, arena, &cs);
    if (!ir) return 1;
    const ir_layer *L = &ir->layers[0];
    if (ir->n_layers != 1 || L->kind != IR_KIND_TABLE || ir->head != IR_HEAD_GROUP_SUM ||
        ir->encode == IR_ENC_HARDTANH || L->connect == IR_CONNECT_LEARNED) {
        fprintf(stderr,
                "dwn_train: %s: one level of kind = table, an encoder, connect = mapping "
                "or random and head = group_sum expected\n",
                argv[1]);
        return 1;
    }
    rt_dataset d;
    rt_error e = {0};
    if (data_load(&ir->dataset, &d, &e)) {
        fprintf(stderr, "dwn_train: error: %s\n", e.msg);
        return 1;
    }
    ir_stage st = ir->train.stages[ir->train.n_stages - 1];
    if (epochs > 0) st.epochs = (int)epochs;
    uint64_t sd = seed >= 0 ? (uint64_t)seed : ir->train.seed;
    dw m = {.ir = ir,
            .L = L,
            .I = ir->in_width,
            .ldi = tr_map_pad(ir->in_width),
            .F = L->fanin,
            .A = L->fanin,
            .out = L->out_width,
            .classes = ir->dataset.classes,
            .G = ir->head_group,
            .rows = st.batch > 256 ? st.batch : 256,
            .mapping = L->connect == IR_CONNECT_MAPPING};
    m.S = m.out * m.F;
    tr_encoder_fit(ir, &d.train, d.inputs, &m.enc);
    dw_alloc(&m, sd);
    int *perm = xmalloc((size_t)d.train.n * sizeof *perm), *y = xmalloc((size_t)m.rows * 4);
    float *best = xmalloc(m.n_param * sizeof *best);
    double best_v = -1, t0 = now_s();
    int best_e = 0;
    long seen = 0;
    for (int ep = 0; ep < st.epochs; ep++) {
        rt_permute(perm, d.train.n, sd * 7919u + (uint64_t)ep);
        double loss = 0;
        int nb = d.train.n / st.batch, correct = 0;
        for (int b = 0; b < nb; b++) {
            int c;
            dw_load(&m, &d.train, perm, b * st.batch, st.batch, y);
            loss += dw_step(&m, st.batch, y, &st, tr_lr_at(&st, ep + (double)b / nb), &c);
            correct += c;
            seen += st.batch;
        }
        double v = dw_accuracy(&m, &d.valid);
        if (v > best_v) best_v = v, best_e = ep + 1, memcpy(best, m.param, m.n_param * 4);
        if (getenv("DWN_VERBOSE"))
            fprintf(stderr, "epoch %d loss %.4f train %.4f valid %.4f\n", ep + 1, loss / nb,
                    (double)correct / (nb * st.batch), v);
    }
    double secs = now_s() - t0;
    memcpy(m.param, best, m.n_param * 4);
    double t = dw_accuracy(&m, &d.test);
    printf("dwn_train: %s: test %.2f%% (valid %.2f%%, epoch %d) | %d L-LUTs (LUT%d each) | "
           "%.1f s, %.0f samples/s\n",
           ir->model_name, 100 * t, 100 * best_v, best_e, m.out, m.F, secs, seen / secs);
    return 0;
}
