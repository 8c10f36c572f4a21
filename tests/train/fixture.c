/* fixture.c - hand-built models and synthetic data for the training tests and benchmarks
 * (see fixture.h). */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fx_net fx_mnist(void) {
    fx_net n;
    memset(&n, 0, sizeof n);
    static const int w[] = {784, 2160, 360, 2160, 360, 60, 10};
    static const int s[] = {0, 1, 0, 1, 1, 1};
    n.n_layers = 6;
    memcpy(n.widths, w, sizeof w);
    memcpy(n.support, s, sizeof s);
    n.bits_in = n.bits_hidden = n.bits_support = 1;
    n.bits_out = 6;
    n.fanin_in = n.fanin_hidden = n.fanin_support = 6;
    n.hidden = 64;
    n.depth = 1;
    n.lut_skip = true;
    n.tree_skip = true;
    n.connect = IR_CONNECT_LEARNED;
    return n;
}

fx_net fx_small(int depth, bool lut_skip) {
    fx_net n;
    memset(&n, 0, sizeof n);
    static const int w[] = {10, 12, 4, 2};
    static const int s[] = {0, 1, 0};
    n.n_layers = 3;
    memcpy(n.widths, w, sizeof w);
    memcpy(n.support, s, sizeof s);
    n.bits_in = n.bits_hidden = n.bits_support = 2;
    n.bits_out = 4;
    n.fanin_in = n.fanin_hidden = n.fanin_support = 3;
    n.hidden = 8;
    n.depth = depth;
    n.lut_skip = lut_skip;
    n.tree_skip = true;
    n.connect = IR_CONNECT_RANDOM;
    return n;
}

ir_stage fx_stage(ir_stage_kind kind, int epochs, int batch, double lr) {
    ir_stage st;
    memset(&st, 0, sizeof st);
    st.kind = kind;
    st.epochs = epochs;
    st.batch = batch;
    st.lr = lr;
    st.optimizer = IR_OPT_ADAM;
    st.beta1 = 0.9;
    st.beta2 = 0.999;
    st.schedule = IR_SCHED_CONSTANT;
    st.restart_mult = 1.0;
    return st;
}

ir_program *fx_program(const fx_net *n, const ir_stage *stages, int n_stages, uint64_t seed) {
    ir_program *p = calloc(1, sizeof *p);
    p->model_name = "fixture";
    p->source_path = "fixture.nlt";
    p->dataset.name = "synthetic";
    p->dataset.inputs = n->widths[0];
    p->dataset.classes = n->widths[n->n_layers];
    p->input_bits = n->bits_in;
    p->n_layers = n->n_layers;
    p->layers = calloc((size_t)n->n_layers, sizeof(ir_layer));
    p->tree_skip = n->tree_skip;
    int tree = -1, level = 0, prev_bits = n->bits_in;
    for (int l = 0; l < n->n_layers; l++) {
        ir_layer *L = &p->layers[l];
        bool sup = n->support[l] != 0;
        if (!sup) {
            tree++;
            level = 0;
        } else {
            level++;
        }
        bool last = l == n->n_layers - 1;
        bool root = last || !n->support[l + 1];
        char *name = malloc(32);
        snprintf(name, 32, "t%d.%d", tree + 1, level);
        L->name = name;
        L->tree = tree;
        L->level = level;
        L->tree_root = root;
        L->support = sup;
        L->in_width = n->widths[l];
        L->out_width = n->widths[l + 1];
        L->fanin = sup ? n->fanin_support : (l == 0 ? n->fanin_in : n->fanin_hidden);
        L->hidden = n->hidden;
        L->depth = n->hidden > 0 ? n->depth : 0;
        L->lut_skip = n->lut_skip;
        if (n->kind[l] != IR_KIND_MLP) fx_set_kind(L, n->kind[l], n->degree[l]);
        L->bits_in = prev_bits;
        L->bits_out = last ? n->bits_out : (sup ? n->bits_support : n->bits_hidden);
        if (last || (n->tree_skip && !root))
            L->quant = IR_Q_IDENTITY;
        else
            L->quant = IR_Q_RELU;
        L->connect = sup ? IR_CONNECT_CONTIGUOUS : n->connect;
        prev_bits = L->bits_out;
    }
    p->n_trees = tree + 1;
    p->train.n_stages = n_stages;
    p->train.stages = calloc((size_t)n_stages, sizeof(ir_stage));
    memcpy(p->train.stages, stages, (size_t)n_stages * sizeof(ir_stage));
    p->train.seed = seed;
    p->train.select = IR_SELECT_VALIDATION;
    p->hw.lut_inputs = 6;
    return p;
}

void fx_set_kind(ir_layer *L, ir_lut_kind kind, int degree) {
    L->kind = kind;
    if (kind == IR_KIND_MLP) return;
    L->hidden = L->depth = 0;
    L->lut_skip = kind == IR_KIND_LINEAR;
    L->degree = kind == IR_KIND_POLY ? degree : 0;
}

void fx_program_free(ir_program *p) {
    if (!p) return;
    for (int l = 0; l < p->n_layers; l++)
        free((char *)p->layers[l].name);
    free(p->layers);
    free(p->train.stages);
    free(p);
}

/* splitmix64: the fixtures' own small generator */
static uint64_t fx_next(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static float fx_uniform(uint64_t *x) {
    return (float)(fx_next(x) >> 40) / 16777216.0f * 2.0f - 1.0f;
}

void fx_parity_split(rt_split *s, int n, int inputs, int bits, uint64_t seed) {
    uint64_t x = seed;
    s->n = n;
    s->x = xmalloc((size_t)n * inputs * sizeof(float));
    s->y = xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) {
        int par = 0;
        for (int j = 0; j < inputs; j++) {
            float v = fx_uniform(&x);
            v = v < 0 ? v * 0.75f - 0.25f : v * 0.75f + 0.25f; /* |v| in [0.25, 1] */
            s->x[(size_t)i * inputs + j] = v;
            if (j < bits) par ^= v < 0;
        }
        s->y[i] = par;
    }
}

void fx_random_split(rt_split *s, int n, int inputs, int classes, uint64_t seed) {
    uint64_t x = seed;
    s->n = n;
    s->x = xmalloc((size_t)n * inputs * sizeof(float));
    s->y = xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < inputs; j++)
            s->x[(size_t)i * inputs + j] = fx_uniform(&x);
        s->y[i] = (int)(fx_next(&x) % (uint64_t)classes);
    }
}
