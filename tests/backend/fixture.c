/* fixture.c - random and hand-made models for the back-end tests and benchmarks. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fx_shape fx_mnist(void) {
    fx_shape s = {.n_inputs = 784, .input_bits = 1, .input_signed = true, .n_layers = 6};
    static const int w[] = {2160, 360, 2160, 360, 60, 10};
    static const bool sup[] = {false, true, false, true, true, true};
    for (int l = 0; l < 6; l++) {
        s.width[l] = w[l];
        s.fanin[l] = 6;
        s.bits[l] = l == 5 ? 6 : 1;
        s.support[l] = sup[l];
        s.is_signed[l] = l == 5;
    }
    return s;
}

fx_shape fx_tiny(void) {
    fx_shape s = {.n_inputs = 12, .input_bits = 1, .n_layers = 3};
    static const int w[] = {8, 4, 3}, f[] = {3, 2, 4}, b[] = {2, 1, 3};
    for (int l = 0; l < 3; l++) {
        s.width[l] = w[l];
        s.fanin[l] = f[l];
        s.bits[l] = b[l];
        s.support[l] = false;
        s.is_signed[l] = l == 2;
    }
    return s;
}

fx_shape fx_trees(void) {
    fx_shape s = {.n_inputs = 16, .input_bits = 1, .n_layers = 5};
    static const int w[] = {12, 6, 3, 4, 2}, f[] = {3, 2, 2, 3, 2}, b[] = {2, 2, 1, 2, 3};
    static const bool sup[] = {false, true, true, false, true};
    for (int l = 0; l < 5; l++) {
        s.width[l] = w[l];
        s.fanin[l] = f[l];
        s.bits[l] = b[l];
        s.support[l] = sup[l];
        s.is_signed[l] = l == 1 || l == 4;
    }
    return s;
}

uint64_t fx_rand(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fx_random_tables(const fx_shape *s, uint64_t seed, rt_tables *t) {
    uint64_t st = seed;
    memset(t, 0, sizeof *t);
    t->n_inputs = s->n_inputs;
    t->input_bits = s->input_bits;
    t->input_signed = s->input_signed;
    t->n_layers = s->n_layers;
    t->layers = xcalloc((size_t)s->n_layers, sizeof *t->layers);
    int width = s->n_inputs, bits = s->input_bits;
    for (int l = 0; l < s->n_layers; l++) {
        rt_table_layer *L = &t->layers[l];
        L->n_lut = s->width[l];
        L->in_width = width;
        L->fanin = s->fanin[l];
        L->bits_in = bits;
        L->bits_out = s->bits[l];
        L->out_signed = s->is_signed[l];
        L->inputs = xmalloc(sizeof *L->inputs * (size_t)L->n_lut * (size_t)L->fanin);
        for (int j = 0; j < L->n_lut; j++)
            for (int f = 0; f < L->fanin; f++) {
                int *slot = &L->inputs[j * L->fanin + f];
                if (s->support[l]) {
                    *slot = (j * L->fanin + f) % width;
                    continue;
                }
                /* distinct inputs when there are enough to choose from */
                for (;;) {
                    *slot = (int)(fx_rand(&st) % (uint64_t)width);
                    int g = 0;
                    while (g < f && L->inputs[j * L->fanin + g] != *slot)
                        g++;
                    if (g == f || L->fanin > width) break;
                }
            }
        size_t rows = (size_t)L->n_lut << (L->fanin * L->bits_in);
        L->codes = xmalloc(sizeof *L->codes * rows);
        for (size_t r = 0; r < rows; r++)
            L->codes[r] = (uint16_t)(fx_rand(&st) & ((1u << L->bits_out) - 1));
        width = L->n_lut;
        bits = L->bits_out;
    }
}

static void codes_alloc(rt_codes *c, int n, int n_inputs, int n_layers, const int *widths) {
    memset(c, 0, sizeof *c);
    c->n_samples = n;
    c->n_inputs = n_inputs;
    c->n_layers = n_layers;
    c->widths = xmalloc(sizeof *c->widths * (size_t)n_layers);
    c->layer = xmalloc(sizeof *c->layer * (size_t)n_layers);
    for (int l = 0; l < n_layers; l++) {
        c->widths[l] = widths[l];
        c->layer[l] = xcalloc((size_t)n * (size_t)widths[l] + 1, sizeof **c->layer);
    }
    c->input = xcalloc((size_t)n * (size_t)n_inputs + 1, sizeof *c->input);
    c->labels = xcalloc((size_t)n + 1, sizeof *c->labels);
}

void fx_random_codes(const rt_tables *t, int n, uint64_t seed, rt_codes *c) {
    int *widths = xmalloc(sizeof *widths * (size_t)t->n_layers);
    for (int l = 0; l < t->n_layers; l++)
        widths[l] = t->layers[l].n_lut;
    codes_alloc(c, n, t->n_inputs, t->n_layers, widths);
    free(widths);
    uint64_t st = seed;
    int classes = t->layers[t->n_layers - 1].n_lut;
    for (size_t i = 0; i < (size_t)n * (size_t)t->n_inputs; i++)
        c->input[i] = (uint16_t)(fx_rand(&st) & ((1u << t->input_bits) - 1));
    for (int s = 0; s < n; s++)
        c->labels[s] = (int)(fx_rand(&st) % (uint64_t)classes);
    be_lookup(t, n, c->input, c->layer);
}

void fx_plan(const fx_shape *s, const rt_tables *t, const char *model, ir_pipeline pipe, int k,
             be_plan *p) {
    be_plan_default(t, model, IR_PIPE_NONE, 0, p);
    int tree = 0, level = 0;
    for (int l = 0; l < s->n_layers; l++) {
        if (l > 0 && s->support[l])
            level++;
        else if (l > 0)
            tree++, level = 0;
        char name[32];
        snprintf(name, sizeof name, "t%d.%d", tree + 1, level);
        free(p->layers[l].name);
        p->layers[l].name = xstrdup(name);
        p->layers[l].tree = tree;
        p->layers[l].level = level;
        p->layers[l].tree_root = l == s->n_layers - 1 || !s->support[l + 1];
    }
    be_plan_set_pipeline(p, pipe, k);
}

static const int hand_in[3][2] = {{0, 1}, {2, 3}, {1, 2}};

void fx_hand_tables(rt_tables *t) {
    fx_shape s = {.n_inputs = 4, .input_bits = 1, .n_layers = 2};
    s.width[0] = 3, s.fanin[0] = 2, s.bits[0] = 1;
    s.width[1] = 2, s.fanin[1] = 3, s.bits[1] = 2, s.is_signed[1] = true;
    fx_random_tables(&s, 1, t);
    rt_table_layer *L0 = &t->layers[0], *L1 = &t->layers[1];
    /* Layer 0: AND(x0,x1), XOR(x2,x3), OR(x1,x2); row address = a | b << 1. */
    static const uint16_t and_[4] = {0, 0, 0, 1}, xor_[4] = {0, 1, 1, 0}, or_[4] = {0, 1, 1, 1};
    const uint16_t *rows[3] = {and_, xor_, or_};
    for (int j = 0; j < 3; j++) {
        L0->inputs[2 * j] = hand_in[j][0];
        L0->inputs[2 * j + 1] = hand_in[j][1];
        memcpy(L0->codes + 4 * j, rows[j], sizeof and_);
    }
    /* Layer 1 reads (c0, c1, c2): popcount and 3 - popcount. */
    for (int j = 0; j < 2; j++)
        for (int f = 0; f < 3; f++)
            L1->inputs[3 * j + f] = f;
    for (int r = 0; r < 8; r++) {
        int ones = (r & 1) + (r >> 1 & 1) + (r >> 2 & 1);
        L1->codes[r] = (uint16_t)ones;
        L1->codes[8 + r] = (uint16_t)(3 - ones);
    }
}

void fx_hand_codes(rt_codes *c) {
    static const int widths[2] = {3, 2};
    codes_alloc(c, 16, 4, 2, widths);
    for (int s = 0; s < 16; s++) {
        int x[4];
        for (int i = 0; i < 4; i++)
            c->input[4 * s + i] = (uint16_t)(x[i] = s >> i & 1);
        int c0 = x[0] & x[1], c1 = x[2] ^ x[3], c2 = x[1] | x[2];
        c->layer[0][3 * s] = (uint16_t)c0;
        c->layer[0][3 * s + 1] = (uint16_t)c1;
        c->layer[0][3 * s + 2] = (uint16_t)c2;
        c->layer[1][2 * s] = (uint16_t)(c0 + c1 + c2);
        c->layer[1][2 * s + 1] = (uint16_t)(3 - c0 - c1 - c2);
        c->labels[s] = s & 1;
    }
}

void fx_release(char *dir, rt_tables *t, rt_codes *c, be_plan *p) {
    if (dir) rt_rmtree(dir);
    free(dir);
    if (t) rt_tables_free(t);
    if (c) rt_codes_free(c);
    if (p) be_plan_free(p);
}

char *fx_tmpdir(const char *tag) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    size_t n = strlen(base) + strlen(tag) + 32;
    char *d = xmalloc(n);
    snprintf(d, n, "%s/nltc-%s-XXXXXX", base, tag);
    if (!mkdtemp(d)) {
        perror(d);
        exit(2);
    }
    return d;
}

void fx_hwio_tables(bool is_signed, uint64_t seed, rt_tables *t) {
    fx_shape s = {.n_inputs = 12, .input_bits = 1, .n_layers = 2};
    s.width[0] = 12, s.fanin[0] = 4, s.bits[0] = 1;
    s.width[1] = 12, s.fanin[1] = 3, s.bits[1] = 1;
    fx_random_tables(&s, seed, t);
    t->head_group = 4; /* 3 classes of 4 outputs */
    rt_hw_encoder *en = &t->hwenc;
    en->n_features = 4;
    en->raw_bits = is_signed ? 10 : 8;
    en->raw_frac = is_signed ? 4 : 0;
    en->raw_signed = is_signed;
    en->feature = xmalloc(sizeof *en->feature * 12);
    en->thr = xmalloc(sizeof *en->thr * 12);
    en->descending = xcalloc(12, sizeof *en->descending);
    int64_t lo = be_raw_min(en), hi = be_raw_max(en);
    uint64_t st = seed ^ 0x5eed;
    for (int i = 0; i < 12; i++) { /* thermometer: 3 codes per feature */
        en->feature[i] = i / 3;
        en->thr[i] = lo + 1 + (int64_t)(fx_rand(&st) % (uint64_t)(hi - lo - 1));
    }
    en->descending[4] = en->descending[5] = true; /* a feature that falls with the raw value */
    en->thr[6] = lo;                              /* always 1 */
    en->thr[7] = hi + 1;                          /* always 0 */
    en->thr[8] = hi;                              /* 1 only at the largest raw value */
}

void fx_hwio_codes(const rt_tables *t, int n, uint64_t seed, rt_codes *c) {
    const rt_hw_encoder *en = &t->hwenc;
    fx_random_codes(t, n, seed, c);
    c->n_raw = en->n_features;
    c->raw = xmalloc(sizeof *c->raw * (size_t)n * (size_t)en->n_features);
    int64_t lo = be_raw_min(en), hi = be_raw_max(en);
    uint64_t st = seed;
    for (int s = 0; s < n; s++)
        for (int f = 0; f < en->n_features; f++) {
            int64_t v = lo + (int64_t)(fx_rand(&st) % (uint64_t)(hi - lo + 1));
            int i = f * 3 + s % 3, edge = s / 3 % 5; /* the edges: at, just below and above a
                                                      * threshold, the smallest, the largest */
            if (edge == 0) v = en->thr[i];
            if (edge == 1 && en->thr[i] > lo) v = en->thr[i] - 1;
            if (edge == 2 && en->thr[i] < hi) v = en->thr[i] + 1;
            if (edge == 3) v = lo;
            if (edge == 4 && s % 2) v = hi;
            v = v < lo ? lo : v > hi ? hi : v;
            c->raw[(size_t)s * (size_t)en->n_features + (size_t)f] = (int32_t)v;
        }
    be_encode(t, n, c->raw, c->input);
    be_lookup(t, n, c->input, c->layer);
    be_codes_add_scores(t, c);
    for (int s = 0; s < n; s++) /* labels among the 3 classes */
        c->labels[s] %= be_classes(t);
}
