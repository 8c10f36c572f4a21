/* dwn.c - the kernels of DWN-style training (issue 16, arXiv 2410.11112): the trained truth
 * table (lut { kind = table }) with the extended finite difference (EFD) for its inputs, the
 * learned mapping (connect = mapping) through the fixed-order GEMM, the group-sum head's
 * loss, and the input encoders' thresholds (thermometer, binarize); and tr_check_model, what
 * this build's training refuses (tables wider than TR_TABLE_MAX_BITS). Everything here is
 * deterministic: every sum runs in one fixed order (rows ascending, addresses ascending),
 * independent of any thread split. */
#include "train_int.h"
#include "vfma.h"

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

/* EFD of address bit j at address a: sum over k of (-1)^(1-k_j) T[k] w(H(k, a, not j)), k
 * ascending, with DWN's weights w(h) = alpha beta^h, alpha = 0.5 * 0.75^(A-1), beta = 1/3:
 * the finite differences across bit j of the addresses near a weigh most (the weights of
 * the 2^(A-1) pairs sum to 0.5 * (0.75 (1 + 1/3))^(A-1) = 0.5). */
static float dw_efd(const float *T, int A, uint32_t a, int j) {
    float w[32];
    w[0] = 0.5f;
    for (int i = 1; i < A; i++)
        w[0] *= 0.75f;
    for (int h = 1; h < A; h++)
        w[h] = w[h - 1] * (1.0f / 3.0f);
    float g = 0.0f;
    uint32_t n = 1u << A, bit = 1u << j;
    for (uint32_t k = 0; k < n; k++) {
        float wk = w[__builtin_popcount((k ^ a) & ~bit)];
        g = __builtin_fmaf(k & bit ? wk : -wk, T[k], g);
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

/* One row: e = exp((w - max) / tau) once per input in float (vexp_neg, lanes past I zero),
 * summed over the 16 logical lanes i mod 16 and then across them in a fixed order, so the
 * bits are the same for every vector width; then p = e / sum. ldw is a multiple of 16. */
/* tr_argmax_f of w[0..I) (the first largest): the largest value by vector max (exact in any
 * order), then its first index. */
int tr_map_argmax(const float *w, int I) {
    vf mx = vsplat(w[0]);
    for (int i = 0; i + VL <= I; i += VL) {
        vf v = vld(w + i);
        vi gt = v > mx;
        mx = (vf)(((vi)v & gt) | ((vi)mx & ~gt));
    }
    float m = w[0];
    for (int j = 0; j < VL; j++)
        if (mx[j] > m) m = mx[j];
    for (int i = I / VL * VL; i < I; i++)
        if (w[i] > m) m = w[i];
    for (int i = 0; i < I; i++)
        if (w[i] == m) return i;
    return 0;
}

static int map_softmax_row(const float *w, int I, int ldw, float tau, float *p) {
    enum { NV = 16 / VL };
    int am = tr_map_argmax(w, I);
    vf mx = vsplat(w[am]), t = vsplat(tau), acc[NV];
    vi lane;
    for (int j = 0; j < VL; j++)
        lane[j] = j;
    for (int v = 0; v < NV; v++)
        acc[v] = (vf){0};
    for (int i = 0; i < ldw; i += VL) {
        vf e = vexp_neg((vld(w + i) - mx) / t);
        e = (vf)((vi)e & (lane + i < I)); /* the padding: 0 */
        vst(p + i, e);
        acc[(i / VL) % NV] += e;
    }
    float l[16], se = 0.0f;
    memcpy(l, acc, sizeof l);
    for (int j = 0; j < 16; j++)
        se += l[j];
    vf s = vsplat(se);
    for (int i = 0; i < ldw; i += VL)
        vst(p + i, vld(p + i) / s);
    return am;
}

void tr_map_softmax(const float *W, int S, int I, int ldw, float tau, float *P, int *arg) {
    for (int s = 0; s < S; s++)
        arg[s] = map_softmax_row(W + (size_t)s * ldw, I, ldw, tau, P + (size_t)s * ldw);
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

/* Fixed wires (stage.freeze_mapping): the argmax once, the readers from it, on the change
 * from free to fixed only. */
void tr_model_freeze_mapping(tr_model *m, bool on) {
    if (on == m->w.map_frozen) return;
    m->w.map_frozen = on;
    if (!on) return;
    tr_map_refresh(m, false);
    for (int l = 0; l < m->p.n_layers; l++) {
        tr_layer *L = &m->p.layers[l];
        if (L->connect != IR_CONNECT_MAPPING || L->wire != TR_WIRE_MASKED) continue;
        tr_layer_readers(L);
        if (m->opt) /* no gradient of the weights from here: the sums stay 0 */
            memset(m->opt->gfix + L->o_map, 0,
                   (size_t)L->out * L->sh.F * L->ldw * sizeof(uint64_t));
    }
}

/* ---- Group-sum head ------------------------------------------------------------------- */

/* logits[r][c] = the sum of outputs [g0, g1) of class c's group, over tau. */
static void group_logits(const float *out, int R, int ldo, int classes, int G, int g0, int g1,
                         float tau, float *logits) {
    for (int r = 0; r < R; r++)
        for (int c = 0; c < classes; c++) {
            float s = 0.0f;
            for (int g = g0; g < g1; g++)
                s += out[(size_t)(c * G + g) * ldo + r];
            logits[(size_t)r * classes + c] = s / tau;
        }
}

double tr_group_sum_ce(const float *out, int R, int ldo, int classes, int G, int M, int Rm,
                       float tau, const int *y, float *logits, float *dlogits, float *dout,
                       int *correct) {
    const int Gm = G / M;
    double loss = 0.0;
    if (correct && M > 1) { /* the whole group's argmax: the hardware's class */
        group_logits(out, R, ldo, classes, G, 0, G, tau, logits);
        tr_ce(logits, y, NULL, R, classes, NULL, correct);
    }
    if (dout && Rm) /* own batches: a member's outputs get no gradient from the others' rows */
        for (int j = 0; j < classes * G; j++)
            memset(dout + (size_t)j * ldo, 0, (size_t)R * sizeof(float));
    for (int k = 0; k < M; k++) { /* member k: outputs [k*Gm, (k+1)*Gm) of every group */
        int r0 = Rm ? k * Rm : 0, n = Rm ? Rm : R; /* and its rows [r0, r0 + n) */
        group_logits(out + r0, n, ldo, classes, G, k * Gm, (k + 1) * Gm, tau, logits);
        loss +=
            tr_ce(logits, y + r0, NULL, n, classes, dout ? dlogits : NULL, M == 1 ? correct : NULL);
        if (!dout) continue;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < classes; c++)
                for (int g = k * Gm; g < (k + 1) * Gm; g++)
                    dout[(size_t)(c * G + g) * ldo + (size_t)(r0 + r)] =
                        dlogits[(size_t)r * classes + c] / (tau * (float)M);
    }
    return loss / M;
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
    /* each address's EFDs once (the same bits as per row), when the addresses fit */
    enum { MEMO_A = 8 }; /* F <= A: F entries per address */
    float efd[MEMO_A << MEMO_A];
    uint8_t done[1 << MEMO_A] = {0};
    bool memo = A <= MEMO_A;
    for (int r = 0; r < R; r++) { /* rows ascending: a fixed order per entry */
        uint32_t a = dw_addr(sh, x, ldx, r);
        if (g) g->ws[a] += dy[r];
        if (!dx) continue;
        float *e = memo ? efd + (size_t)a * F : efd;
        if (!memo || !done[a])
            for (int j = 0; j < F; j++) { /* tr_table_code_grad over the code's EFDs */
                float c = dw_efd(p->ws, A, a, j * b);
                for (int t = 1; t < b; t++)
                    c = __builtin_fmaf(dw_efd(p->ws, A, a, j * b + t), (float)(1 << t), c);
                e[j] = b > 1 ? c / (float)((1 << b) - 1) : c;
            }
        if (memo) done[a] = 1;
        for (int j = 0; j < F; j++)
            dx[(size_t)j * lddx + r] = dy[r] * e[j];
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

/* ---- The mapping's passes over a layer (threads: tr_share of the slots or inputs) ---- */

/* What one mapping job works on. */
typedef struct map_pass {
    tr_model *m;
    int l, R;   /* the layer, the rows */
    bool train; /* the softmax rows too (training) */
    float *din; /* [in][ld] the inputs' gradients (backward), or NULL */
} map_pass;

/* The wires (argmax) and, training, the softmax rows of a share of layer c->l's slots. */
static void map_refresh_job(void *vc, int tid, int nt) {
    map_pass *c = vc;
    tr_layer *L = &c->m->p.layers[c->l];
    int lo, hi, I = L->in, ldw = L->ldw;
    tr_share(L->out * L->sh.F, tid, nt, &lo, &hi);
    const float *W = c->m->p.param + L->o_map + (size_t)lo * ldw;
    if (c->train) {
        tr_map_softmax(W, hi - lo, I, ldw, TR_MAP_TAU, c->m->w.lb[c->l].mp + (size_t)lo * ldw,
                       L->idx + lo);
        return;
    }
    for (int s = lo; s < hi; s++)
        L->idx[s] = tr_map_argmax(W + (size_t)(s - lo) * ldw, I);
}

void tr_map_refresh(tr_model *m, bool train) {
    map_pass c = {m, 0, 0, train && m->w.train && !m->w.map_frozen, NULL};
    for (int l = 0; l < m->p.n_layers; l++) {
        if (m->p.layers[l].connect != IR_CONNECT_MAPPING) continue;
        c.l = l;
        tr_pool_run(m->w.pool, map_refresh_job, &c);
    }
}

/* The mapping weights' gradient over a share of the slots: G = dxg xt (each slot's
 * gradient of its soft choice, rows in order), then the softmax's backward. */
static void map_w_job(void *vc, int tid, int nt) {
    map_pass *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    const tr_layer_buf *B = &m->w.lb[c->l];
    int lo, hi, I = L->in, ldw = L->ldw, ld = m->w.ld;
    tr_share(L->out * L->sh.F, tid, nt, &lo, &hi);
    tr_gemm(hi - lo, I, c->R, B->dxg + (size_t)lo * ld, (size_t)ld, 1, B->xt,
            (size_t)tr_pad_rows(I), B->mg + (size_t)lo * ldw, (size_t)ldw);
    for (int s = lo; s < hi; s++) {
        const float *p = B->mp + (size_t)s * ldw, *g = B->mg + (size_t)s * ldw;
        float *dw = m->opt->grad + L->o_map + (size_t)s * ldw, dot = tr_dot(p, g, I);
        for (int i = 0; i < I; i++)
            dw[i] = p[i] * (g[i] - dot) / TR_MAP_TAU;
        for (int i = I; i < ldw; i++)
            dw[i] = 0.0f;
        uint64_t *acc = m->opt->gfix + L->o_map + (size_t)s * ldw;
        memset(acc, 0, (size_t)ldw * sizeof(uint64_t));
        if (tr_dp_own(m)) tr_fix_add(acc, dw, (size_t)ldw, TR_FIX_G);
    }
}

/* The inputs' gradients of a mapping layer over a share of the inputs: din = P^T dxg. */
static void map_in_job(void *vc, int tid, int nt) {
    map_pass *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    const tr_layer_buf *B = &m->w.lb[c->l];
    int lo, hi, ld = m->w.ld;
    tr_share(L->in, tid, nt, &lo, &hi);
    tr_gemm(hi - lo, c->R, L->out * L->sh.F, B->mp + lo, 1, (size_t)L->ldw, B->dxg, (size_t)ld,
            c->din + (size_t)lo * ld, (size_t)ld);
}

void tr_map_layer_backward(tr_model *m, int l, int R, float *din) {
    map_pass c = {m, l, R, true, din};
    tr_pool_run(m->w.pool, map_w_job, &c);
    if (din) tr_pool_run(m->w.pool, map_in_job, &c);
}
