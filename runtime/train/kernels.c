/* kernels.c - the layer math of training: quantizers with their straight-through
 * estimators, fully connected rows, the per-L-LUT sub-network, batch norm, the hardware
 * regulariser and the cross-entropy loss, each as a forward/backward pair over flat float
 * arrays.
 *
 * Speed: the one-hidden-layer sub-network (the paper's) is simd.c's vector kernel; the fully
 * connected rows of deeper ones are fc.c's. Reductions over a vector (dot products) use 16
 * partial sums and a fixed tree, so their order is fixed by the source.
 * Every function computes each row independently of the others, so a row gives the same
 * bits whatever batch it is part of: this is what makes truth tables equal to the model.
 */
#include "train_int.h"

#include <math.h>
#include <string.h>

#define LANES 16 /* partial sums / vector block width */

/* ---- Quantizers ----------------------------------------------------------------- */

tr_qspec tr_qspec_make(ir_quant_kind kind, int bits) {
    tr_qspec q;
    q.bits = bits;
    q.is_signed = kind != IR_Q_RELU;
    q.binary = q.is_signed && bits == 1;
    if (q.binary) {
        q.qmin = -1;
        q.qmax = 1;
    } else if (q.is_signed) {
        q.qmin = -(1 << (bits - 1));
        q.qmax = (1 << (bits - 1)) - 1;
    } else {
        q.qmin = 0;
        q.qmax = (1 << bits) - 1;
    }
    return q;
}

/* tr_q_backward over n rows with the products dz * xhat into e and the scale-gradient
 * terms into d; called with q.binary a constant, so the loop has no branch and vectorizes. */
static inline __attribute__((always_inline)) void
ste_rows(const tr_qspec q, float gamma, float beta, float s, int n, float *restrict dv,
         const float *restrict xh, float *restrict e, float *restrict d) {
    for (int r = 0; r < n; r++) {
        float ds = 0.0f, dz = tr_q_backward(&q, gamma * xh[r] + beta, s, dv[r], &ds);
        dv[r] = dz;
        e[r] = dz * xh[r];
        d[r] = ds;
    }
}

void tr_q_backward_rows(const tr_qspec *qs, float gamma, float beta, float s, int R, float *dv,
                        const float *xh, uint64_t *st) {
    enum { CHUNK = 256 }; /* per chunk of rows the floats first, then their sums */
    float e[CHUNK], d[CHUNK];
    tr_qspec q = *qs;
    for (int r0 = 0; r0 < R; r0 += CHUNK) {
        int n = R - r0 < CHUNK ? R - r0 : CHUNK;
        if (q.binary)
            ste_rows((tr_qspec){q.bits, q.is_signed, true, q.qmin, q.qmax}, gamma, beta, s, n,
                     dv + r0, xh + r0, e, d);
        else
            ste_rows((tr_qspec){q.bits, q.is_signed, false, q.qmin, q.qmax}, gamma, beta, s, n,
                     dv + r0, xh + r0, e, d);
        st[0] += tr_fix_sum(dv + r0, n, TR_FIX_G);
        st[1] += tr_fix_sum(e, n, TR_FIX_G);
        st[2] += tr_fix_sum(d, n, TR_FIX_G);
    }
}

/* ---- Fully connected rows: fc.c (tr_fc_forward/backward, tr_dot) ------------------ */

/* Multiply-add, one rounding on every machine: fmaf is one instruction with FMA hardware and
 * correctly rounded in software without, so the bits never depend on the CPU. */
#define MADD(a, b, c) fmaf((a), (b), (c))
#define dot16         tr_dot

/* ---- The L-LUT sub-network ------------------------------------------------------ *
 *
 * Sub-networks with one hidden layer (the paper's) take the vector fast path of simd.c;
 * deeper ones are composed from tr_fc_forward/backward here; linear and polynomial L-LUTs
 * (no hidden layer) are poly.c's.
 */

size_t tr_subnet_scratch(const tr_shape *sh, int R) {
    /* deep sub-networks: x in rows, the hidden activations of every hidden layer and their
     * gradients, the input gradients in rows, the transposed weights, one layer's scaled
     * gradients (tr_deep_backward_jac) */
    if (sh->table) return 0;
    if (tr_shape_degree(sh) > 0) return tr_poly_scratch(sh);
    if (sh->depth == 1) return 0;
    int K = sh->N > sh->F ? sh->N : sh->F; /* + tr_fc_backward's transposed weights */
    return (size_t)R * (size_t)sh->N * (size_t)(2 * sh->depth + 1) + 2 * (size_t)R * sh->F +
           (size_t)sh->N * (size_t)K;
}

void tr_subnet_forward(const tr_shape *sh, const tr_lut *p, const float *restrict x, int ldx, int R,
                       float *restrict y, float *restrict scratch) {
    int F = sh->F, N = sh->N;
    if (sh->table) {
        tr_tlut_forward(sh, p, x, ldx, R, y);
        return;
    }
    if (tr_shape_degree(sh) > 0) { /* linear and polynomial L-LUTs (poly.c) */
        tr_poly_forward(sh, p, x, ldx, R, y);
        return;
    }
    if (sh->depth == 1) {
        tr_sub1_forward(sh, p, x, ldx, R, y);
        return;
    }
    float *xr = scratch, *h = xr + (size_t)R * F;
    for (int r = 0; r < R; r++)
        for (int k = 0; k < F; k++)
            xr[(size_t)r * F + k] = x[(size_t)k * ldx + r];
    tr_fc_forward(xr, F, R, F, p->w1, p->b1, N, h, N, true);
    for (int d = 1; d < sh->depth; d++) {
        float *hn = h + (size_t)R * N;
        tr_fc_forward(h, N, R, N, p->wh + (size_t)(d - 1) * N * N, p->bh + (size_t)(d - 1) * N, N,
                      hn, N, true);
        h = hn;
    }
    for (int r = 0; r < R; r++) {
        float v = dot16(h + (size_t)r * N, p->w2, N);
        if (sh->skip) v += dot16(xr + (size_t)r * F, p->ws, F);
        y[r] = v + p->b[0];
    }
}

/* The parameters of g's record, w1 .. b (layout.c: b is the record's last). */
static size_t rec_params(const tr_lut *g) {
    return (size_t)(g->b + 1 - g->w1);
}

/* A deep sub-network's backward (depth > 1). The hidden activations are recomputed and the
 * gradients at every hidden layer's outputs found for all R rows at once (rows are
 * independent); then the parameter gradients into g over blocks of B rows from row 0, each
 * block's sums over its rows in order from its first (every entry of g written: zeros when
 * R = 0), and with acc each block's added to the fixed-point sums acc (g's record layout)
 * before the next overwrites g. With unit the layers' gradients are those of unit upstream
 * gradients, dx the Jacobian d y[r] / d x[r], and the parameter gradients' layer gradients
 * of row r are dy[r] times them (the backward is linear in each row's dy): one pass instead
 * of two for the per-address path. */
static void deep_backward(const tr_shape *sh, const tr_lut *p, const float *restrict x, int ldx,
                          int R, const float *restrict dy, bool unit, const tr_lut *g,
                          uint64_t *acc, int B, float *restrict dx, int lddx,
                          float *restrict scratch) {
    int F = sh->F, N = sh->N, depth = sh->depth;
    size_t RN = (size_t)R * N;
    float *xr = scratch, *hs = xr + (size_t)R * F; /* depth blocks of [R][N] */
    float *dh = hs + depth * RN;                   /* depth blocks: d loss / d hs, masked */
    float *dxs = dh + depth * RN, *wt = dxs + (size_t)R * F;
    float *dg = wt + (size_t)N * (N > F ? N : F); /* [B][N]: dy[r] times the unit gradients */
    for (int r = 0; r < R; r++)
        for (int k = 0; k < F; k++)
            xr[(size_t)r * F + k] = x[(size_t)k * ldx + r];
    tr_fc_forward(xr, F, R, F, p->w1, p->b1, N, hs, N, true);
    for (int d = 1; d < depth; d++)
        tr_fc_forward(hs + (d - 1) * RN, N, R, N, p->wh + (size_t)(d - 1) * N * N,
                      p->bh + (size_t)(d - 1) * N, N, hs + d * RN, N, true);
    const float *restrict hl = hs + (depth - 1) * RN, *restrict w2 = p->w2;
    float *restrict dl = dh + (depth - 1) * RN;
    for (int r = 0; r < R; r++)
        for (int n = 0; n < N; n++)
            dl[(size_t)r * N + n] =
                hl[(size_t)r * N + n] > 0.0f ? (unit ? w2[n] : dy[r] * w2[n]) : 0.0f;
    for (int d = depth - 1; d >= 1; d--) {
        const float *restrict hin = hs + (d - 1) * RN;
        float *restrict din = dh + (d - 1) * RN;
        tr_fc_backward(hin, N, R, N, p->wh + (size_t)(d - 1) * N * N, N, dh + d * RN, N, NULL, NULL,
                       din, N, wt);
        for (size_t i = 0; i < RN; i++)
            din[i] = hin[i] > 0.0f ? din[i] : 0.0f;
    }
    if (dx) {
        tr_fc_backward(xr, F, R, F, p->w1, N, dh, N, NULL, NULL, dxs, F, wt);
        for (int k = 0; k < F; k++)
            for (int r = 0; r < R; r++)
                dx[(size_t)k * lddx + r] =
                    sh->skip ? MADD(unit ? 1.0f : dy[r], p->ws[k], dxs[(size_t)r * F + k])
                             : dxs[(size_t)r * F + k];
    }
    if (B < 1) B = 1;
    for (int r0 = 0; g && (r0 < R || r0 == 0); r0 += B) { /* once when R = 0: zeros */
        int n = R - r0 < B ? R - r0 : B;
        const float *restrict dyb = dy + r0;
        float db = 0.0f, *restrict gw2 = g->w2;
        for (int r = 0; r < n; r++)
            db += dyb[r];
        g->b[0] = db;
        for (int k = 0; sh->skip && k < F; k++) {
            const float *restrict xk = x + (size_t)k * ldx + r0;
            float a = 0.0f;
            for (int r = 0; r < n; r++)
                a = MADD(dyb[r], xk[r], a);
            g->ws[k] = a;
        }
        for (int j = 0; j < N; j++)
            gw2[j] = 0.0f;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < N; j++)
                gw2[j] = MADD(dyb[r], hl[(size_t)(r0 + r) * N + j], gw2[j]);
        for (int d = depth - 1; d >= 0; d--) {
            const float *dd = dh + d * RN + (size_t)r0 * N;
            if (unit) { /* row r's gradients for its dy */
                for (int r = 0; r < n; r++)
                    for (int j = 0; j < N; j++)
                        dg[(size_t)r * N + j] = dyb[r] * dd[(size_t)r * N + j];
                dd = dg;
            }
            if (d > 0)
                tr_fc_backward(hs + (d - 1) * RN + (size_t)r0 * N, N, n, N, NULL, N, dd, N,
                               g->wh + (size_t)(d - 1) * N * N, g->bh + (size_t)(d - 1) * N, NULL,
                               0, NULL);
            else
                tr_fc_backward(xr + (size_t)r0 * F, F, n, F, NULL, N, dd, N, g->w1, g->b1, NULL, 0,
                               NULL);
        }
        if (acc) tr_fix_add(acc, g->w1, rec_params(g), TR_FIX_G);
    }
}

void tr_subnet_backward(const tr_shape *sh, const tr_lut *p, const float *restrict x, int ldx,
                        int R, const float *restrict dy, const tr_lut *g, float *restrict dx,
                        int lddx, float *restrict scratch) {
    if (sh->table)
        tr_tlut_backward(sh, p, x, ldx, R, dy, g, dx, lddx);
    else if (tr_shape_degree(sh) > 0)
        tr_poly_backward(sh, p, x, ldx, R, dy, g, dy, dx, lddx, scratch);
    else if (sh->depth == 1)
        tr_sub1_backward(sh, p, x, ldx, R, dy, g, dx, lddx);
    else
        deep_backward(sh, p, x, ldx, R, dy, false, g, NULL, R, dx, lddx, scratch);
}

void tr_deep_backward_jac(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                          const float *dy, const tr_lut *g, float *jac, int ldj, float *scratch) {
    deep_backward(sh, p, x, ldx, R, dy, true, g, NULL, R, jac, ldj, scratch);
}

void tr_subnet_backward_fix(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                            const float *dy, const tr_lut *g, uint64_t *acc, float *dx, int lddx,
                            float *scratch) {
    if (!sh->table && tr_shape_degree(sh) == 0 && sh->depth > 1) {
        deep_backward(sh, p, x, ldx, R, dy, false, g, acc, TR_ROW_BLOCK, dx, lddx, scratch);
        return;
    }
    size_t n = rec_params(g);
    for (int r0 = 0; r0 < R; r0 += TR_ROW_BLOCK) {
        memset(g->w1, 0, n * sizeof(float));
        tr_subnet_backward(sh, p, x + r0, ldx, R - r0 < TR_ROW_BLOCK ? R - r0 : TR_ROW_BLOCK,
                           dy + r0, g, dx ? dx + r0 : NULL, lddx, scratch);
        tr_fix_add(acc, g->w1, n, TR_FIX_G);
    }
}

/* ---- Batch norm ------------------------------------------------------------------ */

void tr_bn_forward(const float *y, int R, float gamma, float beta, float *xhat, float *z,
                   float *mean, float *var, float *istd) {
    float s = 0.0f;
    for (int r = 0; r < R; r++)
        s += y[r];
    float mu = s / (float)R;
    float v = 0.0f;
    for (int r = 0; r < R; r++) {
        float d = y[r] - mu;
        v += d * d;
    }
    v /= (float)R;
    float is = 1.0f / sqrtf(v + TR_BN_EPS);
    for (int r = 0; r < R; r++) {
        xhat[r] = (y[r] - mu) * is;
        z[r] = gamma * xhat[r] + beta;
    }
    *mean = mu;
    *var = v;
    *istd = is;
}

void tr_bn_backward(const float *xhat, const float *dz, int R, float gamma, float istd, float *dy,
                    float *dgamma, float *dbeta) {
    float sd = 0.0f, sdx = 0.0f;
    for (int r = 0; r < R; r++) {
        sd += dz[r];
        sdx += dz[r] * xhat[r];
    }
    *dgamma = sdx;
    *dbeta = sd;
    /* dxhat = gamma*dz; dy = istd/R * (R*dxhat - sum dxhat - xhat * sum(dxhat*xhat)) */
    float k = gamma * istd / (float)R;
    for (int r = 0; r < R; r++)
        dy[r] = k * ((float)R * dz[r] - sd - xhat[r] * sdx);
}

/* ---- Regulariser and loss ------------------------------------------------------- */

/* ||row||_1 with 16 partial sums in double (element j to sum j%16), then in order. */
static double row_l1(const float *restrict w, int n) {
    double acc[LANES] = {0};
    int j0 = 0;
    for (; j0 + LANES <= n; j0 += LANES)
        for (int j = 0; j < LANES; j++)
            acc[j] += fabs((double)w[j0 + j]);
    for (int j = 0; j0 + j < n; j++)
        acc[j] += fabs((double)w[j0 + j]);
    double s = 0.0;
    for (int j = 0; j < LANES; j++)
        s += acc[j];
    return s;
}

double tr_reg_forward(const float *w, int rows, int cols, double wd, double wd1) {
    double total = 0.0;
    for (int i = 0; i < rows; i++)
        total += tr_exp(wd1 * M_LN2 * row_l1(w + (size_t)i * cols, cols)) - 1.0;
    return wd * total;
}

/* the sum over a model's dense layers (stage 1) */
double tr_model_reg(const tr_model *m, double wd, double wd1) {
    double s = 0.0;
    for (int l = 0; l < m->p.n_layers; l++) {
        const tr_layer *L = &m->p.layers[l];
        if (L->wire == TR_WIRE_DENSE)
            s += tr_reg_forward(m->p.param + L->o_wd, L->out, L->in, wd, wd1);
    }
    return s;
}

void tr_reg_backward(const float *w, int rows, int cols, double wd, double wd1, float *dw) {
    for (int i = 0; i < rows; i++) {
        const float *restrict wr = w + (size_t)i * cols;
        float k = (float)(wd * wd1 * M_LN2 * tr_exp(wd1 * M_LN2 * row_l1(wr, cols)));
        float *restrict dr = dw + (size_t)i * cols;
        for (int j = 0; j < cols; j++) /* k * sign(w), 0 at 0 */
            dr[j] += k * (float)((wr[j] > 0.0f) - (wr[j] < 0.0f));
    }
}

int tr_argmax_f(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int tr_argmax_u16(const uint16_t *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* Row r's weighted loss; with dl, its gradient divided by n into dl[0..C). */
static double ce_row(const float *l, int y, const float *w, int C, float *dl, int n, int *ok) {
    int am = tr_argmax_f(l, C);
    *ok += am == y;
    enum { KEEP = 256 }; /* the exponentials of up to KEEP classes kept for the gradient */
    double mx = l[am], se = 0.0, e[KEEP];
    tr_exp_diff(l, mx, e, C < KEEP ? C : KEEP);
    for (int c = 0; c < C; c++)
        se += c < KEEP ? e[c] : tr_exp((double)l[c] - mx);
    double wr = w ? (double)w[y] : 1.0; /* x * 1.0 is x: unweighted runs keep their bits */
    if (dl)
        for (int c = 0; c < C; c++) {
            double p = (c < KEEP ? e[c] : tr_exp((double)l[c] - mx)) / se;
            dl[c] = (float)((p - (c == y)) * wr / n);
        }
    return (tr_log(se) + mx - (double)l[y]) * wr;
}

double tr_ce(const float *logits, const int *y, const float *w, int R, int C, float *dlogits,
             int *correct) {
    double loss = 0.0;
    int ok = 0;
    for (int r = 0; r < R; r++)
        loss += ce_row(logits + (size_t)r * C, y[r], w, C, dlogits ? dlogits + (size_t)r * C : NULL,
                       R, &ok);
    if (correct) *correct = ok;
    return loss / R;
}

uint64_t tr_ce_rows(const float *logits, const int *y, const float *w, int R, int n, int C,
                    float *dlogits, int *correct) {
    uint64_t sum = 0;
    int ok = 0;
    for (int r = 0; r < R; r++) {
        double lr = ce_row(logits + (size_t)r * C, y[r], w, C,
                           dlogits ? dlogits + (size_t)r * C : NULL, n, &ok);
        sum += tr_fix((float)lr, TR_FIX_M);
    }
    if (correct) *correct = ok;
    return sum;
}
