/* tables.c - truth tables and reference codes of a trained model.
 *
 * tr_tabulate enumerates every L-LUT over all 2^(F*b_in) input codes. The input values of
 * an address are the previous quantizer's levels, (float)q*s, exactly the values the
 * quantized forward pass feeds that L-LUT; the rows then go through tr_subnet_forward and
 * tr_lut_codes, the functions the evaluation pass (model.c) calls for that L-LUT. Each row
 * is computed independently of the others, so a table entry is
 * bit for bit what the model computes for that input, and table lookup equals the quantized
 * model sample for sample. All L-LUTs of a layer share one matrix of input rows; the
 * L-LUTs are split over the model's threads.
 *
 * tr_codes runs a split through the evaluation pass and keeps every layer's codes: the
 * reference every back end is verified against; tr_input_codes runs its input stage alone.
 */
#include "train_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What one tabulation job works on. */
typedef struct tab_ctx {
    tr_model *m;       /* the model */
    int l;             /* layer */
    const float *rows; /* [F][Tp] input values of every address, feature-major */
    int T, Tp;         /* addresses, padded to the vector block */
    uint16_t *codes;   /* [n_lut][T] output */
} tab_ctx;

static void tab_job(void *vc, int tid, int nt) {
    tab_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int lo, hi, chunk = m->w.ld;
    float *y = m->w.scratch[tid], *val = y + chunk, *sub = val + chunk;
    tr_share(L->out, tid, nt, &lo, &hi);
    for (int o = lo; o < hi; o++) {
        tr_lut p = tr_layer_lut(L, m->p.param, o);
        uint16_t *out = c->codes + (size_t)o * c->T;
        for (int a0 = 0; a0 < c->T; a0 += chunk) {
            int R = c->T - a0 < chunk ? c->T - a0 : chunk;
            tr_subnet_forward(&L->sh, &p, c->rows + a0, c->Tp, R, y, sub);
            tr_lut_codes(m, c->l, o, y, R, val, out + a0);
        }
    }
}

rt_status tr_tabulate(const tr_model *cm, rt_tables *t, rt_error *e) {
    tr_model *m = (tr_model *)cm; /* const for callers: only the workspace changes */
    const tr_params *P = &m->p;
    if (P->dense) return rt_fail(e, RT_ERR_MODEL, "train: a stage-1 dense model has no tables");
    memset(t, 0, sizeof *t);
    t->n_inputs = P->inputs;
    t->input_bits = P->in_q.bits;
    t->input_signed = P->in_q.is_signed && !P->encode; /* encoder bits: plain 0/1 */
    t->n_layers = P->n_layers;
    t->layers = xcalloc((size_t)P->n_layers, sizeof(rt_table_layer));
    tr_map_refresh(m, false); /* the wires of mapping layers */
    tr_table_refresh(m);      /* the input codes of table layers */
    tr_model_encoder(m, &t->enc);
    t->head_group = P->head_group;
    const tr_qspec *pq = &P->in_q;
    float ps = tr_q_scale(P->param[P->o_in_scale]);
    for (int l = 0; l < P->n_layers; l++) {
        const tr_layer *L = &P->layers[l];
        rt_table_layer *TL = &t->layers[l];
        int F = L->sh.F, b = L->bits_in, T = 1 << (F * b);
        /* padded so the last chunk's vector block stays inside */
        int Tp = tr_pad_rows(T) + m->w.ld;
        TL->n_lut = L->out;
        TL->in_width = L->in;
        TL->fanin = F;
        TL->bits_in = b;
        TL->bits_out = L->q.bits;
        TL->out_signed = L->q.is_signed;
        TL->inputs = xmalloc((size_t)L->out * F * sizeof(int));
        memcpy(TL->inputs, L->idx, (size_t)L->out * F * sizeof(int));
        TL->codes = xmalloc((size_t)L->out * T * sizeof(uint16_t));
        /* the value of every input code, then every address's F values, feature-major */
        float level[256];
        for (int c = 0; c < (1 << b); c++)
            level[c] = tr_q_value(tr_q_level(pq, (uint16_t)c), ps);
        float *rows = xcalloc((size_t)F * Tp, sizeof(float));
        for (int j = 0; j < F; j++)
            for (int a = 0; a < T; a++)
                rows[(size_t)j * Tp + a] = level[(a >> (j * b)) & ((1 << b) - 1)];
        tab_ctx c = {m, l, rows, T, Tp, TL->codes};
        tr_pool_run(m->w.pool, tab_job, &c);
        free(rows);
        pq = &L->q;
        ps = tr_q_scale(P->param[L->o_scale]);
    }
    return RT_OK;
}

/* The input codes of the R rows of the last forward, row-major, into dst. */
static void input_rows(const tr_model *m, int R, uint16_t *dst) {
    size_t W = (size_t)m->p.inputs, ld = (size_t)m->w.ld;
    for (int r = 0; r < R; r++)
        for (size_t j = 0; j < W; j++)
            dst[(size_t)r * W + j] = m->w.in_codes[j * ld + (size_t)r];
}

rt_status tr_codes(const tr_model *cm, const rt_split *s, rt_codes *c, rt_error *e) {
    tr_model *m = (tr_model *)cm; /* const for callers: only the workspace changes */
    const tr_params *P = &m->p;
    if (P->dense) return rt_fail(e, RT_ERR_MODEL, "train: a stage-1 dense model has no codes");
    memset(c, 0, sizeof *c);
    size_t n = (size_t)s->n, W = (size_t)P->inputs;
    c->n_samples = s->n;
    c->n_inputs = P->inputs;
    c->n_layers = P->n_layers;
    c->widths = xmalloc((size_t)P->n_layers * sizeof(int));
    c->input = xmalloc(n * W * sizeof(uint16_t));
    c->layer = xcalloc((size_t)P->n_layers, sizeof(uint16_t *));
    c->labels = xmalloc(n * sizeof(int));
    for (int l = 0; l < P->n_layers; l++) {
        c->widths[l] = P->layers[l].out;
        c->layer[l] = xmalloc(n * (size_t)P->layers[l].out * sizeof(uint16_t));
    }
    int rows = m->w.rows_max;
    for (int i0 = 0; i0 < s->n; i0 += rows) {
        int R = s->n - i0 < rows ? s->n - i0 : rows;
        tr_model_load_rows(m, s, NULL, i0, R, 0);
        tr_model_forward_eval(m, R);
        size_t ld = (size_t)m->w.ld;
        input_rows(m, R, c->input + (size_t)i0 * W);
        for (int l = 0; l < P->n_layers; l++) {
            size_t O = (size_t)P->layers[l].out;
            const uint16_t *src = m->w.lb[l].codes;
            uint16_t *dst = c->layer[l] + (size_t)i0 * O;
            for (int r = 0; r < R; r++)
                for (size_t o = 0; o < O; o++)
                    dst[(size_t)r * O + o] = src[o * ld + (size_t)r];
        }
    }
    memcpy(c->labels, s->y, n * sizeof(int));
    return RT_OK;
}

rt_status tr_input_codes(const tr_model *cm, const rt_split *s, uint16_t *codes, rt_error *e) {
    tr_model *m = (tr_model *)cm; /* const for callers: only the workspace changes */
    if (m->p.dense) return rt_fail(e, RT_ERR_MODEL, "train: a stage-1 dense model has no codes");
    int rows = m->w.rows_max;
    for (int i0 = 0; i0 < s->n; i0 += rows) {
        int R = s->n - i0 < rows ? s->n - i0 : rows;
        tr_model_load_rows(m, s, NULL, i0, R, 0);
        tr_model_forward_inputs(m, R);
        input_rows(m, R, codes + (size_t)i0 * (size_t)m->p.inputs);
    }
    return RT_OK;
}

/* The order of floats as integers: a < b exactly when key(a) < key(b) (not NaN). */
static int64_t float_key(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u >> 31 ? -(int64_t)(u & 0x7fffffffu) : (int64_t)u;
}

static float key_float(int64_t k) {
    uint32_t u = k < 0 ? (uint32_t)(-k) | 0x80000000u : (uint32_t)k;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Input i's code of the value x: the evaluation pass's batch norm and quantizer. */
static uint16_t input_code(const tr_params *P, int i, float x) {
    if (P->encode) return x > P->state[P->o_enc + i]; /* the encoder's bit */
    float z = tr_bn_eval(x, P->param[P->o_in_gamma + i], P->param[P->o_in_beta + i],
                         P->state[P->o_in_rmean + i], P->state[P->o_in_rvar + i]);
    return tr_q_code(&P->in_q, tr_q_int(&P->in_q, z, tr_q_scale(P->param[P->o_in_scale])));
}

int tr_input_feature(const tr_model *m, int i) {
    const tr_params *P = &m->p;
    if (i < 0 || i >= P->inputs) return -1;
    return P->encode ? i / P->enc_levels : i;
}

int tr_input_thresholds(const tr_model *m, int i, float *thr, uint16_t *codes) {
    const tr_params *P = &m->p;
    int64_t lo = float_key(-INFINITY), end = float_key(INFINITY);
    int n = 0;
    codes[0] = input_code(P, i, -INFINITY);
    /* the code is monotone in x (batch norm is affine, the quantizer clips and rounds), so
     * each change is found by bisection over the floats above the previous one */
    while (n < 255 && input_code(P, i, INFINITY) != codes[n]) {
        int64_t a = lo, b = end; /* code(a) == codes[n] != code(b) */
        while (b - a > 1) {
            int64_t mid = a + (b - a) / 2;
            if (input_code(P, i, key_float(mid)) == codes[n])
                a = mid;
            else
                b = mid;
        }
        thr[n] = key_float(b);
        codes[n + 1] = input_code(P, i, thr[n]);
        n++;
        lo = b;
    }
    return n;
}
