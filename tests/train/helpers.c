/* helpers.c - what the training tests share: small synthetic tasks and models, quiet
 * options, temporary output folders, and comparisons of models and tables. */
#include "helpers.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* XOR of the signs of inputs 0 and 1 among `inputs`; n train, n/4 validation and test. */
void parity_data(rt_dataset *d, int inputs, int n, uint64_t seed) {
    memset(d, 0, sizeof *d);
    d->inputs = inputs;
    d->classes = 2;
    fx_parity_split(&d->train, n, inputs, 2, seed);
    fx_parity_split(&d->valid, n / 4, inputs, 2, seed + 1);
    fx_parity_split(&d->test, n / 4, inputs, 2, seed + 2);
}

/* Declares the 12 inputs of d to be 3 x 4 images whose black pixel k encodes as -k. */
void as_images(rt_dataset *d) {
    d->img_h = 3;
    d->img_w = 4;
    d->blank = malloc(12 * sizeof *d->blank);
    for (int k = 0; k < 12; k++)
        d->blank[k] = (float)-k;
}

/* A four-layer model with masked and support levels, 2-bit inputs and 3-bit codes. */
ir_program *small_program(int sparse_epochs, int dense_epochs, uint64_t seed) {
    fx_net n;
    memset(&n, 0, sizeof n);
    n.n_layers = 4;
    int w[] = {12, 24, 8, 8, 2};
    int sup[] = {0, 1, 0, 1};
    memcpy(n.widths, w, sizeof w);
    memcpy(n.support, sup, sizeof sup);
    n.bits_in = 2;
    n.bits_hidden = 2;
    n.bits_support = 3;
    n.bits_out = 4;
    n.fanin_in = 4;
    n.fanin_hidden = 3;
    n.fanin_support = 3; /* 24 -> 8 */
    n.hidden = 16;
    n.depth = 1;
    n.lut_skip = true;
    n.tree_skip = true;
    n.connect = IR_CONNECT_LEARNED;
    ir_stage st[2] = {fx_stage(IR_STAGE_DENSE, dense_epochs, 16, 3e-3),
                      fx_stage(IR_STAGE_SPARSE, sparse_epochs, 16, 3e-3)};
    st[0].wd = 1e-3;
    st[0].wd1 = 0.05;
    /* layer 3 reads 8 values in groups of 4 */
    ir_program *ir =
        dense_epochs > 0 ? fx_program(&n, st, 2, seed) : fx_program(&n, st + 1, 1, seed);
    ir->layers[3].fanin = 4;
    ir->layers[3].in_width = 8;
    return ir;
}

ir_program *kinds_program(int sparse_epochs, int dense_epochs) {
    ir_program *ir = small_program(sparse_epochs, dense_epochs, 2);
    fx_set_kind(&ir->layers[0], IR_KIND_POLY, 2);
    fx_set_kind(&ir->layers[2], IR_KIND_LINEAR, 0);
    fx_set_kind(&ir->layers[3], IR_KIND_POLY, 3);
    return ir;
}

/* 12 features -> thermometer(3) = 36 bits -> 24 tables of 4 inputs (random) -> 8 tables of
 * 3 inputs (contiguous) = 2 classes x 4 -> group sum. */
ir_program *dwn_program(int epochs, ir_connect connect, int mid) {
    fx_net n;
    memset(&n, 0, sizeof n);
    n.n_layers = 2;
    int w[] = {DWN_FEATURES, 24, 2 * DWN_GROUP};
    int sup[] = {0, 1};
    memcpy(n.widths, w, sizeof w);
    memcpy(n.support, sup, sizeof sup);
    n.bits_in = n.bits_support = n.bits_out = 1;
    n.bits_hidden = mid;
    n.fanin_in = 4;
    n.fanin_support = 3;
    n.connect = connect;
    ir_stage st = fx_stage(IR_STAGE_SPARSE, epochs, 32, 1e-2);
    ir_program *ir = fx_program(&n, &st, 1, 7);
    ir->encode = IR_ENC_THERMOMETER;
    ir->enc_levels = DWN_LEVELS;
    ir->enc_thresholds = IR_THRESH_QUANTILE;
    ir->in_width = DWN_FEATURES * DWN_LEVELS;
    ir->layers[0].in_width = DWN_FEATURES * DWN_LEVELS;
    ir->dataset.classes = 2;
    ir->head = IR_HEAD_GROUP_SUM;
    ir->head_group = DWN_GROUP;
    ir->head_tau = 1.0;
    for (int l = 0; l < 2; l++) {
        fx_set_kind(&ir->layers[l], IR_KIND_TABLE, 0);
        ir->layers[l].quant = IR_Q_RELU;
    }
    return ir;
}

train_opts quiet_opts(int threads) {
    train_opts o;
    train_opts_init(&o);
    o.threads = threads;
    o.quiet = true;
    return o;
}

/* The error record of the calls under test. */
rt_error terr;

/* Copies an error message into msg[0..cap). */
void copy_msg(char *msg, size_t cap, const rt_error *e) {
    size_t k = strnlen(e->msg, cap - 1);
    memcpy(msg, e->msg, k);
    msg[k] = 0;
}

/* train_run on one thread with its error message copied to msg[0..cap); returns its status. */
rt_status train_logged(const ir_program *ir, const rt_dataset *d, char *msg, size_t cap) {
    train_opts o = quiet_opts(1);
    rt_report rep;
    rt_report_init(&rep);
    rt_error e = {0};
    rt_status st = train_run(ir, d, &o, &rep, NULL, &e);
    copy_msg(msg, cap, &e);
    return st;
}

char *temp_dir(void) {
    char *p = strdup("/tmp/nltc_train_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(p));
    return p;
}

void remove_dir(const char *dir) {
    const char *files[] = {"checkpoint.bin", "model.bin", "masks.txt", "curve.csv",
                           "checkpoint.bin.tmp"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/train/%s", dir, files[i]);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/train", dir);
    rmdir(path);
    rmdir(dir);
}

bool same_params(const tr_model *ma, const tr_model *mb) {
    const tr_params *a = &ma->p, *b = &mb->p;
    return a->n_param == b->n_param && a->n_state == b->n_state &&
           memcmp(a->param, b->param, a->n_param * sizeof(float)) == 0 &&
           memcmp(a->state, b->state, a->n_state * sizeof(float)) == 0;
}

bool same_tables(const rt_tables *a, const rt_tables *b) {
    if (a->n_layers != b->n_layers) return false;
    for (int l = 0; l < a->n_layers; l++) {
        const rt_table_layer *x = &a->layers[l], *y = &b->layers[l];
        size_t n = (size_t)x->n_lut << (x->fanin * x->bits_in);
        if (x->n_lut != y->n_lut || memcmp(x->codes, y->codes, n * sizeof(uint16_t)) != 0 ||
            memcmp(x->inputs, y->inputs, (size_t)x->n_lut * x->fanin * sizeof(int)) != 0)
            return false;
    }
    return true;
}

tr_model *train_small(const ir_program *ir, const rt_dataset *d, int threads) {
    train_opts o = quiet_opts(threads);
    rt_report rep;
    rt_report_init(&rep);
    tr_model *m = NULL;
    ck_assert_int_eq(train_run(ir, d, &o, &rep, &m, &terr), RT_OK);
    return m;
}

/* Looks up every layer from the previous codes through the tables; counts mismatches. */
long lookup_mismatches(const rt_tables *t, const rt_codes *c) {
    long bad = 0;
    for (int s = 0; s < c->n_samples; s++) {
        const uint16_t *prev = c->input + (size_t)s * c->n_inputs;
        for (int l = 0; l < t->n_layers; l++) {
            const rt_table_layer *L = &t->layers[l];
            const uint16_t *want = c->layer[l] + (size_t)s * L->n_lut;
            for (int o = 0; o < L->n_lut; o++) {
                unsigned addr = 0;
                for (int j = 0; j < L->fanin; j++)
                    addr |= (unsigned)prev[L->inputs[o * L->fanin + j]] << (j * L->bits_in);
                bad += L->codes[((size_t)o << (L->fanin * L->bits_in)) + addr] != want[o];
            }
            prev = want;
        }
    }
    return bad;
}
