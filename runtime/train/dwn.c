/* dwn.c - the kernels of DWN-style training (issue 16, arXiv 2410.11112): the trained truth
 * table (lut { kind = table }) with the extended finite difference (EFD) for its inputs, the
 * learned mapping (connect = mapping) through the fixed-order GEMM, the group-sum head's
 * loss, and the input encoders' thresholds (thermometer, binarize); and tr_check_model, what
 * this build's training refuses (tables wider than TR_TABLE_MAX_BITS). Everything here is
 * deterministic: every sum runs in one fixed order (rows ascending, addresses ascending),
 * independent of any thread split. */
#include "train_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- What the trainer refuses --------------------------------------------------------- */

rt_status tr_check_model(const ir_program *ir, rt_error *e) {
    char prop[160];
    for (int i = 0; i < ir->n_layers; i++) {
        const ir_layer *l = &ir->layers[i];
        int A = l->fanin * l->bits_in;
        if (l->kind != IR_KIND_TABLE || A <= TR_TABLE_MAX_BITS) continue;
        snprintf(prop, sizeof prop, "lut %s.kind", l->lut ? l->lut : "?");
        return rt_fail_prop(e, RT_ERR_MODEL, prop,
                            "layer %s: kind = table over fan-in %d x %d-bit codes has a %d-bit "
                            "address; a trained table takes at most %d (its 2^A entries are "
                            "parameters and the extended finite difference costs A x 2^A per "
                            "row): lower the fan-in or the bits of the layer feeding it",
                            l->name, l->fanin, l->bits_in, A, TR_TABLE_MAX_BITS);
    }
    return RT_OK;
}

/* ---- Trained tables ------------------------------------------------------------------- */

void tr_table_forward(const float *T, const uint32_t *addr, int R, float *z) {
    for (int r = 0; r < R; r++)
        z[r] = T[addr[r]];
}

/* EFD of address bit j at address a: sum over k of (-1)^(1-k_j) T[k] / (H(k, a, not j) + 1),
 * k ascending. */
static float dw_efd(const float *T, int A, uint32_t a, int j) {
    float g = 0.0f;
    uint32_t n = 1u << A, bit = 1u << j;
    for (uint32_t k = 0; k < n; k++) {
        int h = __builtin_popcount((k ^ a) & ~bit);
        float w = 1.0f / (float)(h + 1);
        g = __builtin_fmaf(k & bit ? w : -w, T[k], g);
    }
    return g;
}

void tr_table_backward(const float *T, int A, const uint32_t *addr, int R, const float *dz,
                       float *dT, float *dbit, int ldb) {
    for (int r = 0; r < R; r++)
        dT[addr[r]] += dz[r];
    if (!dbit) return;
    for (int r = 0; r < R; r++)
        for (int j = 0; j < A; j++)
            dbit[(size_t)j * ldb + r] = dz[r] * dw_efd(T, A, addr[r], j);
}

float tr_table_code_grad(const float *dbit, int ldb, int r, int b) {
    float g = 0.0f;
    for (int t = 0; t < b; t++)
        g = __builtin_fmaf(dbit[(size_t)t * ldb + r], (float)(1 << t), g);
    return g / (float)((1 << b) - 1);
}

void tr_table_init(float *T, int n, rt_rng *rng) {
    for (int k = 0; k < n; k++)
        T[k] = rt_rng_sym(rng);
}

/* ---- Learned mapping ------------------------------------------------------------------ */

int tr_map_pad(int I) {
    return (I + 15) / 16 * 16;
}

void tr_map_softmax(const float *W, int S, int I, int ldw, float tau, float *P, int *arg) {
    for (int s = 0; s < S; s++) {
        const float *w = W + (size_t)s * ldw;
        float *p = P + (size_t)s * ldw;
        int am = tr_argmax_f(w, I);
        double se = 0.0;
        for (int i = 0; i < I; i++)
            se += tr_exp(((double)w[i] - w[am]) / tau);
        for (int i = 0; i < I; i++)
            p[i] = (float)(tr_exp(((double)w[i] - w[am]) / tau) / se);
        for (int i = I; i < ldw; i++)
            p[i] = 0.0f;
        arg[s] = am;
    }
}

void tr_map_forward(const float *X, int R, int ldx, const int *arg, int S, float *sel) {
    for (int r = 0; r < R; r++)
        for (int s = 0; s < S; s++)
            sel[(size_t)r * S + s] = X[(size_t)r * ldx + arg[s]];
}

void tr_map_backward(const float *X, int R, int ldx, const float *P, int S, int I, float tau,
                     const float *dsel, float *G, float *dW, float *dX) {
    /* G[s][i] = sum_r dsel[r][s] X[r][i]: the gradient of each slot's soft choice */
    tr_gemm(S, I, R, dsel, 1, (size_t)S, X, (size_t)ldx, G, (size_t)ldx);
    for (int s = 0; s < S; s++) {
        const float *p = P + (size_t)s * ldx, *g = G + (size_t)s * ldx;
        float m = tr_dot(p, g, I);
        for (int i = 0; i < I; i++)
            dW[(size_t)s * ldx + i] += p[i] * (g[i] - m) / tau;
    }
    /* dX[r][i] = sum_s dsel[r][s] P[s][i] */
    if (dX) tr_gemm(R, I, S, dsel, (size_t)S, 1, P, (size_t)ldx, dX, (size_t)ldx);
}

/* ---- Group-sum head ------------------------------------------------------------------- */

double tr_group_sum_ce(const float *out, int R, int ldo, int classes, int G, float tau,
                       const int *y, float *logits, float *dlogits, float *dout, int *correct) {
    for (int r = 0; r < R; r++)
        for (int c = 0; c < classes; c++) {
            float s = 0.0f;
            for (int g = 0; g < G; g++)
                s += out[(size_t)(c * G + g) * ldo + r];
            logits[(size_t)r * classes + c] = s / tau;
        }
    double loss = tr_ce(logits, y, NULL, R, classes, dout ? dlogits : NULL, correct);
    if (!dout) return loss;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < classes; c++)
            for (int g = 0; g < G; g++)
                dout[(size_t)(c * G + g) * ldo + r] = dlogits[(size_t)r * classes + c] / tau;
    return loss;
}

/* ---- Input encoders ------------------------------------------------------------------- */

static int dw_cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

void tr_encoder_fit(const ir_program *ir, const rt_split *s, int inputs, rt_encoder *enc) {
    int T = ir->encode == IR_ENC_THERMOMETER ? ir->enc_levels : 1;
    enc->encode = (int)ir->encode;
    enc->n_features = inputs;
    enc->levels = T;
    enc->thresholds = xcalloc((size_t)inputs * T, sizeof(float));
    if (ir->encode == IR_ENC_BINARIZE || s->n == 0) return;
    float *v = xmalloc((size_t)s->n * sizeof *v);
    for (int f = 0; f < inputs; f++) {
        float lo = s->x[f], hi = s->x[f];
        for (int r = 0; r < s->n; r++) {
            v[r] = s->x[(size_t)r * inputs + f];
            lo = v[r] < lo ? v[r] : lo;
            hi = v[r] > hi ? v[r] : hi;
        }
        if (ir->enc_thresholds == IR_THRESH_QUANTILE)
            qsort(v, (size_t)s->n, sizeof *v, dw_cmp_float);
        for (int t = 0; t < T; t++) {
            float *thr = &enc->thresholds[(size_t)f * T + t];
            if (ir->enc_thresholds == IR_THRESH_QUANTILE)
                *thr = v[(size_t)((long long)(t + 1) * s->n / (T + 1))];
            else
                *thr = lo + (hi - lo) * (float)(t + 1) / (float)(T + 1);
        }
    }
    free(v);
}

void tr_encode_row(const rt_encoder *enc, const float *x, uint16_t *codes) {
    int T = enc->levels;
    for (int f = 0; f < enc->n_features; f++)
        for (int t = 0; t < T; t++)
            codes[f * T + t] = x[f] > enc->thresholds[(size_t)f * T + t];
}

/* ---- The model's pieces: table L-LUTs, the encoder --------------------------------- */

/* The code of input value x of a table L-LUT (tr_tlut_forward). */
static uint32_t dw_code(const tr_shape *sh, float x) {
    if (sh->b_in <= 1) return x > 0.0f;
    const tr_qspec *q = &sh->in_q;
    float t = __builtin_rintf(x / sh->in_s);
    t = t > (float)q->qmin ? t : (float)q->qmin;
    return tr_q_code(q, (int)(t < (float)q->qmax ? t : (float)q->qmax));
}

/* The address of row r: input j's code in bits [j*b, (j+1)*b). */
static uint32_t dw_addr(const tr_shape *sh, const float *x, int ldx, int r) {
    int b = sh->b_in > 1 ? sh->b_in : 1;
    uint32_t a = 0;
    for (int j = 0; j < sh->F; j++)
        a |= dw_code(sh, x[(size_t)j * ldx + r]) << (j * b);
    return a;
}

void tr_tlut_forward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                     float *y) {
    for (int r = 0; r < R; r++)
        y[r] = p->ws[dw_addr(sh, x, ldx, r)];
}

void tr_tlut_backward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                      const float *dy, const tr_lut *g, float *dx, int lddx) {
    int F = sh->F, A = tr_shape_addr_bits(sh), b = A / F;
    if (g) {
        memset(g->ws, 0, ((size_t)1 << A) * sizeof(float));
        g->b[0] = 0.0f;
    }
    for (int r = 0; r < R; r++) { /* rows ascending: a fixed order per entry */
        uint32_t a = dw_addr(sh, x, ldx, r);
        if (g) g->ws[a] += dy[r];
        if (!dx) continue;
        for (int j = 0; j < F; j++) { /* tr_table_code_grad over the code's EFDs */
            float c = dw_efd(p->ws, A, a, j * b);
            for (int t = 1; t < b; t++)
                c = __builtin_fmaf(dw_efd(p->ws, A, a, j * b + t), (float)(1 << t), c);
            dx[(size_t)j * lddx + r] = dy[r] * (b > 1 ? c / (float)((1 << b) - 1) : c);
        }
    }
}

void tr_table_refresh(tr_model *m) {
    tr_params *P = &m->p;
    for (int l = 0; l < P->n_layers; l++) {
        tr_layer *L = &P->layers[l];
        if (!L->sh.table) continue;
        L->sh.in_q = l ? P->layers[l - 1].q : P->in_q;
        L->sh.in_s = tr_q_scale(P->param[l ? P->layers[l - 1].o_scale : P->o_in_scale]);
    }
}

void tr_model_fit_encoder(tr_model *m, const rt_split *s) {
    tr_params *P = &m->p;
    if (!P->encode) return;
    ir_program ir = {0};
    ir.encode = (ir_encode)P->encode;
    ir.enc_levels = P->enc_levels;
    ir.enc_thresholds = (ir_thresholds)P->enc_thresh;
    rt_encoder enc;
    tr_encoder_fit(&ir, s, P->features, &enc);
    memcpy(P->state + P->o_enc, enc.thresholds, (size_t)P->inputs * sizeof(float));
    free(enc.thresholds);
}

void tr_model_encoder(const tr_model *m, rt_encoder *enc) {
    const tr_params *P = &m->p;
    memset(enc, 0, sizeof *enc);
    if (!P->encode) return;
    enc->encode = P->encode;
    enc->n_features = P->features;
    enc->levels = P->enc_levels;
    enc->thresholds = xmalloc((size_t)P->inputs * sizeof(float));
    memcpy(enc->thresholds, P->state + P->o_enc, (size_t)P->inputs * sizeof(float));
}
