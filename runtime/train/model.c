/* model.c - the multithreaded training forward, backward (with the fused Adam step) and
 * evaluation passes over whole layers (the model's layout is built in layout.c).
 *
 * Threads: every layer is split into fixed contiguous shares of L-LUTs (tr_share). Every
 * quantity an L-LUT contributes to (its own parameter gradients, its input gradients, its
 * share of the layer's scale gradient) is written per L-LUT, and sums across L-LUTs are
 * taken afterwards in index order: the results do not depend on the thread count.
 */
#include "train_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Layer passes ------------------------------------------------------------------- */

/* What one pool job works on. */
typedef struct pass_ctx {
    tr_model *m;      /* the model */
    int l;            /* layer index */
    int R;            /* rows */
    bool train;       /* training mode (batch statistics) or evaluation */
    double wd, wd1;   /* regulariser (backward of dense layers) */
    const tr_adam *a; /* fused optimizer step (backward), or NULL */
    const float *in;  /* [in][ld] the layer's input values */
    float *din;       /* [in][ld] their gradients (backward) */
    /* the test hooks tr_layer_subnet_*: the sub-networks alone */
    float *raw_y;        /* [out][ld] sub-network outputs (forward) */
    const float *raw_dy; /* [out][ld] their gradients (backward) */
} pass_ctx;

/* The Adam update of L-LUT o's own parameters (sparse layers): its record, the weights
 * with weight decay, then the biases and norm without. */
static void lut_adam(const tr_adam *a, tr_model *m, const tr_layer *L, int o) {
    size_t rec = L->o_lut + (size_t)o * L->stride;
    tr_adam_apply(a, m->p.param, m->opt, rec, L->n_dec, true);
    tr_adam_apply(a, m->p.param, m->opt, rec + L->n_dec, L->n_rec - L->n_dec, false);
}

/* The input values of layer l and their gradients (each layer reads the previous one). */
static void layer_io(pass_ctx *c, int l) {
    tr_work *w = &c->m->w;
    c->l = l;
    c->in = l == 0 ? w->in_val : w->lb[l - 1].val;
    c->din = l == 0 ? w->in_dval : w->lb[l - 1].dval;
}

/* p + off, or NULL for an absent buffer (the training buffers of an evaluation model). */
static float *at(float *p, size_t off) {
    return p ? p + off : NULL;
}

/* The inputs of L-LUT o as F feature-major rows: a pointer into the previous layer's
 * values for tree levels, else a copy into xg. Returns the rows; *ldx their stride. */
static const float *lut_inputs(const tr_model *m, const tr_layer *L, int o, const float *in, int R,
                               float *xg, int *ldx) {
    int F = L->sh.F, ld = m->w.ld, Rp = tr_pad_rows(R);
    *ldx = ld;
    if (L->wire == TR_WIRE_DIRECT) return in + (size_t)o * F * ld;
    const int *ix = L->idx + (size_t)o * F;
    for (int f = 0; f < F; f++)
        memcpy(xg + (size_t)f * ld, in + (size_t)ix[f] * ld, (size_t)Rp * sizeof(float));
    return xg;
}

/* One channel (an L-LUT's output or an input feature) over a batch: its batch norm, its
 * running statistics and its quantizer. */
typedef struct chan {
    const tr_qspec *q;   /* quantizer */
    float s;             /* effective scale */
    float mo;            /* running-statistics momentum (training) */
    float gamma, beta;   /* batch-norm affine */
    float *rmean, *rvar; /* running statistics */
    float *istd;         /* batch inverse std (training) */
    float *xhat;         /* [R] normalized values (training) */
    float *val;          /* [R] dequantized outputs */
    uint16_t *codes;     /* [R] codes (evaluation) */
    float *zout;         /* [R] pre-quantizer values (evaluation), or NULL */
} chan;

/* Forward of a channel over y[0..R): batch statistics (training, z: scratch) or running
 * ones (evaluation). */
static void chan_forward(const chan *c, const float *y, int R, bool train, float *z) {
    if (train) {
        float mean, var;
        tr_bn_forward(y, R, c->gamma, c->beta, c->xhat, z, &mean, &var, c->istd);
        float mo = c->mo;
        *c->rmean = (1.0f - mo) * *c->rmean + mo * mean;
        float unb = R > 1 ? var * (float)R / (float)(R - 1) : var;
        *c->rvar = (1.0f - mo) * *c->rvar + mo * unb;
        for (int r = 0; r < R; r++) { /* the codes too: the per-address path reads them */
            int q = tr_q_int(c->q, z[r], c->s);
            c->val[r] = tr_q_value(q, c->s);
            c->codes[r] = tr_q_code(c->q, q);
        }
        return;
    }
    float rm = *c->rmean, rv = *c->rvar;
    for (int r = 0; r < R; r++) {
        float zz = tr_bn_eval(y[r], c->gamma, c->beta, rm, rv);
        int q = tr_q_int(c->q, zz, c->s);
        c->val[r] = tr_q_value(q, c->s);
        c->codes[r] = tr_q_code(c->q, q);
        if (c->zout) c->zout[r] = zz;
    }
}

/* Backward of a channel in training: dy[0..R) from dval (dz: scratch); sets the batch-norm
 * gradients and returns the channel's share of the scale gradient. */
static float chan_backward(const chan *c, const float *dval, int R, float *dz, float *dy,
                           float *dgamma, float *dbeta) {
    float ds = 0.0f;
    for (int r = 0; r < R; r++) {
        float z = c->gamma * c->xhat[r] + c->beta;
        dz[r] = tr_q_backward(c->q, z, c->s, dval[r], &ds);
    }
    tr_bn_backward(c->xhat, dz, R, c->gamma, *c->istd, dy, dgamma, dbeta);
    return ds;
}

/* The channel of L-LUT o of layer l. */
static chan lut_chan(tr_model *m, int l, int o) {
    const tr_layer *L = &m->p.layers[l];
    tr_layer_buf *B = &m->w.lb[l];
    size_t row = (size_t)o * m->w.ld;
    chan c = {&L->q,
              tr_q_scale(m->p.param[L->o_scale]),
              m->w.bn_momentum,
              m->p.param[tr_gamma_off(L, o)],
              m->p.param[tr_beta_off(L, o)],
              m->p.state + L->o_rmean + o,
              m->p.state + L->o_rvar + o,
              at(B->istd, (size_t)o),
              at(B->xhat, row),
              B->val + row,
              B->codes + row,
              at(B->zlast, row)};
    return c;
}

/* The channel of input feature i. */
static chan in_chan(tr_model *m, int i) {
    size_t row = (size_t)i * m->w.ld;
    chan c = {&m->p.in_q,
              tr_q_scale(m->p.param[m->p.o_in_scale]),
              m->w.bn_momentum,
              m->p.param[m->p.o_in_gamma + i],
              m->p.param[m->p.o_in_beta + i],
              m->p.state + m->p.o_in_rmean + i,
              m->p.state + m->p.o_in_rvar + i,
              at(m->w.in_istd, (size_t)i),
              at(m->w.in_xhat, row),
              m->w.in_val + row,
              m->w.in_codes + row,
              NULL};
    return c;
}

void tr_lut_codes(tr_model *m, int l, int o, const float *y, int R, float *val, uint16_t *codes) {
    chan c = lut_chan(m, l, o);
    c.val = val;
    c.codes = codes;
    c.zout = NULL;
    chan_forward(&c, y, R, false, NULL);
}

/* Batch norm and quantizer of L-LUT o of layer l over its sub-network outputs y[0..R). */
static void lut_finish(tr_model *m, int l, int o, const float *y, int R, bool train, float *z) {
    chan c = lut_chan(m, l, o);
    chan_forward(&c, y, R, train, z);
}

/* Forward of a dense layer's share [lo, hi) of outputs: one product (tr_gemm), then bias
 * and finish. */
static void dense_fwd(const pass_ctx *c, int lo, int hi, float *y, float *z) {
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    float *ypre = m->w.lb[c->l].ypre;
    int ld = m->w.ld, R = c->R;
    tr_gemm(hi - lo, R, L->in, m->p.param + L->o_wd + (size_t)lo * L->in, (size_t)L->in, 1, c->in,
            (size_t)ld, ypre + (size_t)lo * ld, (size_t)ld);
    for (int o = lo; o < hi; o++) {
        float b = m->p.param[L->o_b + o];
        const float *yp = ypre + (size_t)o * ld;
        for (int r = 0; r < R; r++)
            y[r] = yp[r] + b;
        lut_finish(m, c->l, o, y, R, c->train, z);
    }
}

static void fwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int R = c->R, ld = m->w.ld, lo, hi;
    float *sc = m->w.scratch[tid];
    float *y = sc, *z = y + ld, *xg = z + ld, *sub = xg + (size_t)L->sh.F * ld;
    tr_share(L->out, tid, nt, &lo, &hi);
    if (L->wire == TR_WIRE_DENSE) {
        dense_fwd(c, lo, hi, y, z);
        return;
    }
    bool per_addr = tr_addr_use(&m->w, L, R);
    for (int o = lo; o < hi; o++) {
        if (per_addr && c->train) {
            tr_addr_forward_train(m, c->l, o, R, xg);
            continue;
        }
        if (per_addr) {
            tr_addr_forward(m, c->l, o, R, y, xg);
        } else {
            tr_lut p = tr_layer_lut(L, m->p.param, o);
            int ldx;
            const float *x = lut_inputs(m, L, o, c->in, R, xg, &ldx);
            tr_subnet_forward(&L->sh, &p, x, ldx, R, y, sub);
        }
        lut_finish(m, c->l, o, y, R, c->train, z);
    }
}

/* Quantizer and batch-norm backward of L-LUT o of layer l: dy[0..R) from dval (dy
 * zero-padded to the vector block); sets the batch-norm gradients and the L-LUT's
 * scale-gradient share. */
static void lut_unfinish(tr_model *m, int l, int o, int R, float *dz, float *dy) {
    const tr_layer *L = &m->p.layers[l];
    tr_layer_buf *B = &m->w.lb[l];
    float *g = m->opt->grad;
    chan c = lut_chan(m, l, o);
    B->ds_part[o] = chan_backward(&c, B->dval + (size_t)o * m->w.ld, R, dz, dy,
                                  &g[tr_gamma_off(L, o)], &g[tr_beta_off(L, o)]);
    for (int r = R; r < tr_pad_rows(R); r++)
        dy[r] = 0.0f;
}

/* Backward of a dense layer's share [lo, hi) of outputs: their gradients into ypre, then
 * the weight gradient by one product over the rows (with the transposed inputs xt, so
 * each weight's sum runs over the rows in order) and the regulariser's. */
static void dense_bwd(const pass_ctx *c, int lo, int hi, float *dy, float *dz) {
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    float *ypre = m->w.lb[c->l].ypre;
    int ld = m->w.ld, R = c->R;
    for (int o = lo; o < hi; o++) {
        lut_unfinish(m, c->l, o, R, dz, dy);
        float db = 0.0f, *dyo = ypre + (size_t)o * ld;
        for (int r = 0; r < R; r++) {
            db += dy[r];
            dyo[r] = dy[r];
        }
        m->opt->grad[L->o_b + o] = db;
    }
    float *dw = m->opt->grad + L->o_wd + (size_t)lo * L->in;
    tr_gemm(hi - lo, L->in, R, ypre + (size_t)lo * ld, (size_t)ld, 1, m->w.lb[c->l].xt,
            (size_t)tr_pad_rows(L->in), dw, (size_t)L->in);
    if (c->wd > 0.0 && hi > lo)
        tr_reg_backward(m->p.param + L->o_wd + (size_t)lo * L->in, hi - lo, L->in, c->wd, c->wd1,
                        dw);
}

/* The inputs of a dense layer transposed into xt ([row][input], inputs padded to 16 with
 * zeros), over a share of the rows. */
static void transpose_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    const tr_layer *L = &c->m->p.layers[c->l];
    float *xt = c->m->w.lb[c->l].xt;
    size_t ld = (size_t)c->m->w.ld, W = (size_t)L->in, ldt = (size_t)tr_pad_rows(L->in);
    int lo, hi;
    tr_share(c->R, tid, nt, &lo, &hi);
    for (int r = lo; r < hi; r++) {
        float *t = xt + (size_t)r * ldt;
        for (size_t i = 0; i < W; i++)
            t[i] = c->in[i * ld + (size_t)r];
        for (size_t i = W; i < ldt; i++)
            t[i] = 0.0f;
    }
}

/* Sub-network backward of L-LUT o of a sparse layer from dy: parameter gradients, and the
 * input gradients into din (DIRECT) or the slot rows dxg (MASKED). */
static void lut_subnet_bwd(const pass_ctx *c, int o, const float *dy, float *xg, float *sub) {
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int F = L->sh.F, ld = m->w.ld, ldx;
    tr_lut p = tr_layer_lut(L, m->p.param, o), g = tr_layer_lut(L, m->opt->grad, o);
    const float *x = lut_inputs(m, L, o, c->in, c->R, xg, &ldx);
    float *dx = L->wire == TR_WIRE_DIRECT ? c->din : m->w.lb[c->l].dxg;
    tr_subnet_backward(&L->sh, &p, x, ldx, c->R, dy, &g, dx + (size_t)o * F * ld, ld, sub);
}

static void bwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int ld = m->w.ld, lo, hi;
    float *sc = m->w.scratch[tid];
    float *dy = sc, *dz = dy + ld, *xg = dz + ld, *sub = xg + (size_t)L->sh.F * ld;
    tr_share(L->out, tid, nt, &lo, &hi);
    if (L->wire == TR_WIRE_DENSE) {
        dense_bwd(c, lo, hi, dy, dz);
        return;
    }
    bool per_addr = tr_addr_use(&m->w, L, c->R);
    float *dx = L->wire == TR_WIRE_DIRECT ? c->din : m->w.lb[c->l].dxg;
    for (int o = lo; o < hi; o++) {
        if (per_addr) {
            tr_addr_backward(m, c->l, o, c->R, dx + (size_t)o * L->sh.F * ld, ld, xg);
        } else {
            lut_unfinish(m, c->l, o, c->R, dz, dy);
            lut_subnet_bwd(c, o, dy, xg, sub);
        }
        if (c->a) lut_adam(c->a, m, L, o);
    }
}

/* Input gradients of a masked layer: the sum over each input's readers, in slot order;
 * of a dense layer: W^T dY over a share of the inputs. (Direct layers wrote them.) */
static void gradin_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    const tr_layer_buf *B = &m->w.lb[c->l];
    int R = c->R, W = L->in, ld = m->w.ld, lo, hi;
    tr_share(W, tid, nt, &lo, &hi);
    if (L->wire == TR_WIRE_DENSE) {
        tr_gemm(hi - lo, R, L->out, m->p.param + L->o_wd + lo, 1, (size_t)W, B->ypre, (size_t)ld,
                c->din + (size_t)lo * ld, (size_t)ld);
        return;
    }
    for (int i = lo; i < hi; i++) {
        float *restrict d = c->din + (size_t)i * ld;
        for (int r = 0; r < R; r++)
            d[r] = 0.0f;
        for (int k = L->rd_off[i]; k < L->rd_off[i + 1]; k++) {
            const float *restrict g = B->dxg + (size_t)L->rd_slot[k] * ld;
            for (int r = 0; r < R; r++)
                d[r] += g[r];
        }
    }
}

/* Input batch norm and quantizer, forward (training or evaluation), over a feature share. */
static void in_fwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    int lo, hi;
    tr_share(m->p.inputs, tid, nt, &lo, &hi);
    if (m->p.encode) { /* encoded bits 0/1: the code, and its level's value */
        float s = tr_q_scale(m->p.param[m->p.o_in_scale]);
        for (int i = lo; i < hi; i++) {
            size_t row = (size_t)i * m->w.ld;
            for (int r = 0; r < c->R; r++) {
                uint16_t code = m->w.x_in[row + (size_t)r] > 0.5f;
                m->w.in_codes[row + (size_t)r] = code;
                m->w.in_val[row + (size_t)r] = tr_q_value(tr_q_level(&m->p.in_q, code), s);
            }
        }
        return;
    }
    for (int i = lo; i < hi; i++) {
        chan ch = in_chan(m, i);
        chan_forward(&ch, m->w.x_in + (size_t)i * m->w.ld, c->R, c->train, m->w.scratch[tid]);
    }
}

static void in_bwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    int lo, hi;
    float *dz = m->w.scratch[tid], *dy = dz + m->w.ld;
    tr_share(m->p.inputs, tid, nt, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        if (m->p.encode) { /* fixed encoder: nothing to learn */
            m->w.in_ds_part[i] = 0.0f;
            continue;
        }
        chan ch = in_chan(m, i);
        m->w.in_ds_part[i] =
            chan_backward(&ch, m->w.in_dval + (size_t)i * m->w.ld, c->R, dz, dy,
                          &m->opt->grad[m->p.o_in_gamma + i], &m->opt->grad[m->p.o_in_beta + i]);
    }
}

/* ---- Learned mapping (connect = mapping; dwn.c's kernels) --------------------------- */

/* The wires (argmax) and, training, the softmax rows of a share of layer c->l's slots. */
static void map_refresh_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
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
        L->idx[s] = tr_argmax_f(W + (size_t)(s - lo) * ldw, I);
}

void tr_map_refresh(tr_model *m, bool train) {
    pass_ctx c = {m, 0, 0, train && m->w.train, 0.0, 0.0, NULL, NULL, NULL, NULL, NULL};
    for (int l = 0; l < m->p.n_layers; l++) {
        if (m->p.layers[l].connect != IR_CONNECT_MAPPING) continue;
        c.l = l;
        tr_pool_run(m->w.pool, map_refresh_job, &c);
    }
}

/* The mapping weights' gradient over a share of the slots: G = dxg xt (each slot's
 * gradient of its soft choice, rows in order), then the softmax's backward. */
static void map_w_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
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
    }
}

/* The inputs' gradients of a mapping layer over a share of the inputs: din = P^T dxg. */
static void map_in_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    const tr_layer_buf *B = &m->w.lb[c->l];
    int lo, hi, ld = m->w.ld;
    tr_share(L->in, tid, nt, &lo, &hi);
    tr_gemm(hi - lo, c->R, L->out * L->sh.F, B->mp + lo, 1, (size_t)L->ldw, B->dxg, (size_t)ld,
            c->din + (size_t)lo * ld, (size_t)ld);
}

/* ---- Whole passes ------------------------------------------------------------------- */

static void run_forward(tr_model *m, int R, bool train) {
    pass_ctx c = {m, 0, R, train, 0.0, 0.0, NULL, NULL, NULL, NULL, NULL};
    tr_map_refresh(m, train);
    tr_pool_run(m->w.pool, in_fwd_job, &c);
    for (int l = 0; l < m->p.n_layers; l++) {
        layer_io(&c, l);
        tr_pool_run(m->w.pool, fwd_job, &c);
    }
}

void tr_model_load_rows(tr_model *m, const rt_split *s, const int *perm, int i0, int R) {
    const tr_params *P = &m->p;
    size_t W = (size_t)P->inputs, ld = (size_t)m->w.ld;
    for (int r = 0; r < R; r++) {
        int i = perm ? perm[i0 + r] : i0 + r;
        m->w.y[r] = s->y[i];
        if (P->encode) { /* the bits of tr_encode_row, as 0/1 */
            const float *src = s->x + (size_t)i * (size_t)P->features;
            const float *thr = P->state + P->o_enc;
            for (size_t j = 0; j < W; j++)
                m->w.x_in[j * ld + (size_t)r] = src[j / (size_t)P->enc_levels] > thr[j];
            continue;
        }
        const float *src = s->x + (size_t)i * W;
        for (size_t j = 0; j < W; j++)
            m->w.x_in[j * ld + (size_t)r] = src[j];
    }
}

void tr_model_scores(const tr_model *m, int r, bool flt, float *score) {
    const tr_layer_buf *last = &m->w.lb[m->p.n_layers - 1];
    int G = m->p.head_group > 0 ? m->p.head_group : 1;
    size_t ld = (size_t)m->w.ld;
    for (int c = 0; c < m->p.classes; c++) {
        float s = 0.0f;
        for (int g = 0; g < G; g++) {
            size_t at = (size_t)(c * G + g) * ld + (size_t)r;
            s += flt ? last->zlast[at] : (float)last->codes[at];
        }
        score[c] = s;
    }
}

void tr_model_shift_rows(tr_model *m, const rt_dataset *d, int R, int P, rt_rng *rng) {
    int H = d->img_h, W = d->img_w;
    size_t ld = (size_t)m->w.ld;
    float *img = xmalloc((size_t)H * (size_t)W * sizeof *img);
    for (int r = 0; r < R; r++) {
        int dy = (int)rt_rng_below(rng, 2u * (unsigned)P + 1) - P;
        int dx = (int)rt_rng_below(rng, 2u * (unsigned)P + 1) - P;
        float *col = m->w.x_in + r;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int sy = y - dy, sx = x - dx, j = y * W + x;
                bool in = sy >= 0 && sy < H && sx >= 0 && sx < W;
                img[j] = in ? col[(size_t)(sy * W + sx) * ld] : d->blank[j];
            }
        for (int j = 0; j < H * W; j++)
            col[(size_t)j * ld] = img[j];
    }
    free(img);
}

double tr_model_forward_train(tr_model *m, int R, int *correct) {
    run_forward(m, R, true);
    tr_layer_buf *last = &m->w.lb[m->p.n_layers - 1];
    int C = m->p.classes;
    size_t ld = (size_t)m->w.ld;
    if (m->p.head_group > 0) /* softmax(group sums / tau) cross-entropy */
        return tr_group_sum_ce(last->val, R, (int)ld, C, m->p.head_group, m->p.head_tau, m->w.y,
                               m->w.logits, m->w.dlogits, last->dval, correct);
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            m->w.logits[(size_t)r * C + c] = last->val[(size_t)c * ld + r];
    double loss = tr_ce(m->w.logits, m->w.y, m->w.class_w, R, C, m->w.dlogits, correct);
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            last->dval[(size_t)c * ld + r] = m->w.dlogits[(size_t)r * C + c];
    return loss;
}

void tr_model_forward_eval(tr_model *m, int R) {
    run_forward(m, R, false);
}

void tr_model_forward_inputs(tr_model *m, int R) {
    pass_ctx c = {m, 0, R, false, 0.0, 0.0, NULL, NULL, NULL, NULL, NULL};
    tr_pool_run(m->w.pool, in_fwd_job, &c);
}

void tr_model_bn_refit(tr_model *m, const rt_split *s, const int *perm, int n, int rows) {
    int R = rows < m->w.rows_max ? rows : m->w.rows_max;
    R = R < n ? R : n;
    int blocks = n / R;
    for (int k = 0; k < blocks; k++) { /* momentum 1/(k+1): the mean over the blocks */
        m->w.bn_momentum = 1.0f / (float)(k + 1);
        tr_model_load_rows(m, s, perm, k * R, R);
        run_forward(m, R, true);
    }
    m->w.bn_momentum = TR_BN_MOMENTUM;
}

/* One share of the parameter average's update. */
typedef struct avg_pass {
    const tr_model *m; /* the model */
    float *avg;        /* [n_param] the average */
    float decay;       /* the average's weight */
} avg_pass;

static void avg_job(void *vc, int tid, int nt) {
    avg_pass *c = vc;
    int lo, hi;
    tr_share((int)c->m->p.n_param, tid, nt, &lo, &hi);
    const float *restrict p = c->m->p.param;
    float *restrict a = c->avg, d = c->decay, e = 1.0f - c->decay;
    for (int i = lo; i < hi; i++)
        a[i] = d * a[i] + e * p[i];
}

void tr_model_average(tr_model *m, float *avg, float decay) {
    avg_pass c = {m, avg, decay};
    tr_pool_run(m->w.pool, avg_job, &c);
}

/* The backward pass; with a, the fused optimizer step of sparse L-LUTs. */
static void backward(tr_model *m, int R, double wd, double wd1, const tr_adam *a) {
    pass_ctx c = {m, 0, R, true, wd, wd1, a, NULL, NULL, NULL, NULL};
    for (int l = m->p.n_layers - 1; l >= 0; l--) {
        const tr_layer *L = &m->p.layers[l];
        layer_io(&c, l);
        bool map = L->connect == IR_CONNECT_MAPPING;
        if (L->wire == TR_WIRE_DENSE || map) tr_pool_run(m->w.pool, transpose_job, &c);
        tr_pool_run(m->w.pool, bwd_job, &c);
        if (map) { /* the soft choice: the weights' gradient, the inputs' through P */
            tr_pool_run(m->w.pool, map_w_job, &c);
            tr_pool_run(m->w.pool, map_in_job, &c);
        } else if (L->wire != TR_WIRE_DIRECT) {
            tr_pool_run(m->w.pool, gradin_job, &c);
        }
        float ds = 0.0f;
        for (int o = 0; o < L->out; o++)
            ds += m->w.lb[l].ds_part[o];
        m->opt->grad[L->o_scale] = tr_q_scale_grad(m->p.param[L->o_scale], ds);
    }
    tr_pool_run(m->w.pool, in_bwd_job, &c);
    float ds = 0.0f;
    for (int i = 0; i < m->p.inputs; i++)
        ds += m->w.in_ds_part[i];
    m->opt->grad[m->p.o_in_scale] = tr_q_scale_grad(m->p.param[m->p.o_in_scale], ds);
}

void tr_model_backward(tr_model *m, int R, double wd, double wd1) {
    backward(m, R, wd, wd1, NULL);
}

/* Adam over the parameters the fused step leaves (dense layers, the scales, the input's),
 * and with all set over the sparse L-LUTs' records too (the unfused whole step). */
typedef struct adam_pass {
    tr_model *m;      /* the model */
    const tr_adam *a; /* the step */
    bool all;         /* also the sparse layers' L-LUT records */
} adam_pass;

static void adam_job(void *vc, int tid, int nt) {
    adam_pass *c = vc;
    tr_model *m = c->m;
    int lo, hi;
    for (int l = 0; l < m->p.n_layers; l++) {
        const tr_layer *L = &m->p.layers[l];
        tr_share(L->out, tid, nt, &lo, &hi);
        if (L->wire == TR_WIRE_DENSE) {
            tr_adam_apply(c->a, m->p.param, m->opt, L->o_wd + (size_t)lo * L->in,
                          (size_t)(hi - lo) * L->in, true);
            if (tid == 0) /* bias, gamma and beta are contiguous */
                tr_adam_apply(c->a, m->p.param, m->opt, L->o_b, 3 * (size_t)L->out, false);
        } else if (c->all) {
            for (int o = lo; o < hi; o++)
                lut_adam(c->a, m, L, o);
        }
        if (L->connect == IR_CONNECT_MAPPING && L->wire != TR_WIRE_DENSE) /* slots of lo..hi */
            tr_adam_apply(c->a, m->p.param, m->opt, L->o_map + (size_t)lo * L->sh.F * L->ldw,
                          (size_t)(hi - lo) * L->sh.F * L->ldw, false);
    }
    if (tid == nt - 1) { /* the scales, then the input's gamma, beta and scale: contiguous */
        size_t s0 = m->p.layers[0].o_scale;
        tr_adam_apply(c->a, m->p.param, m->opt, s0, m->p.n_param - s0, false);
    }
}

void tr_adam_step(tr_model *m, const ir_stage *st, double lr) {
    tr_adam a;
    tr_adam_begin(&a, m->opt, st, lr);
    adam_pass c = {m, &a, true};
    tr_pool_run(m->w.pool, adam_job, &c);
}

void tr_model_step(tr_model *m, int R, const ir_stage *st, double lr, double wd, double wd1) {
    tr_adam a;
    tr_adam_begin(&a, m->opt, st, lr);
    backward(m, R, wd, wd1, &a);
    adam_pass c = {m, &a, false};
    tr_pool_run(m->w.pool, adam_job, &c);
}

double tr_model_reg(const tr_model *m, double wd, double wd1) {
    double s = 0.0;
    for (int l = 0; l < m->p.n_layers; l++) {
        const tr_layer *L = &m->p.layers[l];
        if (L->wire == TR_WIRE_DENSE)
            s += tr_reg_forward(m->p.param + L->o_wd, L->out, L->in, wd, wd1);
    }
    return s;
}

/* ---- Test hooks: a layer's sub-networks alone ----------------------------------------- */

static void raw_fwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int ld = m->w.ld, lo, hi, ldx;
    float *xg = m->w.scratch[tid], *sub = xg + (size_t)L->sh.F * ld;
    tr_share(L->out, tid, nt, &lo, &hi);
    for (int o = lo; o < hi; o++) {
        tr_lut p = tr_layer_lut(L, m->p.param, o);
        const float *x = lut_inputs(m, L, o, c->in, c->R, xg, &ldx);
        tr_subnet_forward(&L->sh, &p, x, ldx, c->R, c->raw_y + (size_t)o * ld, sub);
    }
}

static void raw_bwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int ld = m->w.ld, lo, hi;
    float *dy = m->w.scratch[tid], *xg = dy + ld, *sub = xg + (size_t)L->sh.F * ld;
    tr_share(L->out, tid, nt, &lo, &hi);
    for (int o = lo; o < hi; o++) {
        memcpy(dy, c->raw_dy + (size_t)o * ld, (size_t)c->R * sizeof(float));
        for (int r = c->R; r < tr_pad_rows(c->R); r++)
            dy[r] = 0.0f;
        lut_subnet_bwd(c, o, dy, xg, sub);
    }
}

void tr_layer_subnet_forward(tr_model *m, int l, const float *in, int R, float *y) {
    pass_ctx c = {m, l, R, true, 0.0, 0.0, NULL, in, NULL, y, NULL};
    tr_pool_run(m->w.pool, raw_fwd_job, &c);
}

void tr_layer_subnet_backward(tr_model *m, int l, const float *in, int R, const float *dy,
                              float *din) {
    pass_ctx c = {m, l, R, true, 0.0, 0.0, NULL, in, din, NULL, dy};
    tr_pool_run(m->w.pool, raw_bwd_job, &c);
    if (m->p.layers[l].wire == TR_WIRE_MASKED) tr_pool_run(m->w.pool, gradin_job, &c);
}
