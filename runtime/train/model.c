/* model.c - the network: building a model from the IR (one parameter block sliced into
 * tensors, masks, workspace), initial values, and the multithreaded training forward,
 * backward and evaluation passes over whole layers.
 *
 * Parameter block layout (floats): first every weight that weight decay applies to
 * (per layer: dense weights, or fc1, deeper hidden, fc2 and skip weights of every L-LUT),
 * then biases, batch-norm affines and quantizer scales (per layer, then the input's).
 * The batch-norm running statistics live in a separate state block.
 *
 * Threads: every layer is split into fixed contiguous shares of L-LUTs (tr_share). Every
 * quantity an L-LUT contributes to (its own parameter gradients, its input gradients, its
 * share of the layer's scale gradient) is written per L-LUT, and sums across L-LUTs are
 * taken afterwards in index order: the results do not depend on the thread count.
 */
#include "train.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Building ----------------------------------------------------------------------- */

/* Initial maximum value of a layer's quantizer (the peer's / NeuraLUT's choices). */
static float init_max(bool last) {
    return last ? 1.33f : 1.61f;
}

/* FNV-1a over n ints, each as its 4 little-endian bytes. */
static uint64_t mix_ints(uint64_t h, const int *v, int n) {
    for (int k = 0; k < n; k++) {
        uint8_t b[4];
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)((unsigned)v[k] >> (8 * i));
        h = rt_fnv1a(h, b, sizeof b);
    }
    return h;
}

uint64_t tr_ir_fingerprint(const ir_program *ir) {
    uint64_t h = RT_FNV_INIT;
    int v[16];
    v[0] = ir->dataset.inputs;
    v[1] = ir->dataset.classes;
    v[2] = ir->input_bits;
    v[3] = ir->n_layers;
    h = mix_ints(h, v, 4);
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        v[0] = L->in_width;
        v[1] = L->out_width;
        v[2] = L->fanin;
        v[3] = L->hidden;
        v[4] = L->hidden > 0 ? L->depth : 0;
        v[5] = L->lut_skip;
        v[6] = L->bits_in;
        v[7] = L->bits_out;
        v[8] = (int)L->quant;
        v[9] = L->connect == IR_CONNECT_CONTIGUOUS;
        h = mix_ints(h, v, 10);
    }
    return h;
}

/* Readers of every input of a masked layer, as CSR grouped by input (slots ascending). */
static void build_readers(tr_layer *L) {
    int F = L->sh.F;
    L->rd_off = xcalloc((size_t)L->in + 1, sizeof(int));
    L->rd_slot = xmalloc((size_t)L->out * F * sizeof(int));
    for (int s = 0; s < L->out * F; s++)
        L->rd_off[L->idx[s] + 1]++;
    for (int i = 0; i < L->in; i++)
        L->rd_off[i + 1] += L->rd_off[i];
    int *fill = xmalloc((size_t)L->in * sizeof(int));
    memcpy(fill, L->rd_off, (size_t)L->in * sizeof(int));
    for (int s = 0; s < L->out * F; s++)
        L->rd_slot[fill[L->idx[s]]++] = s;
    free(fill);
}

/* Seeded random mask: F distinct inputs per L-LUT, ascending. */
static void random_mask(tr_layer *L, uint64_t seed, int layer) {
    int F = L->sh.F;
    int *perm = xmalloc((size_t)L->in * sizeof(int));
    rt_rng r;
    rt_rng_seed(&r, seed, 0x6d61736bULL /* "mask" */, (uint64_t)layer, 0);
    for (int o = 0; o < L->out; o++) {
        for (int i = 0; i < L->in; i++)
            perm[i] = i;
        for (int k = 0; k < F; k++) { /* partial Fisher-Yates */
            int j = k + (int)rt_rng_below(&r, (uint32_t)(L->in - k));
            int t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        int *dst = L->idx + (size_t)o * F;
        memcpy(dst, perm, (size_t)F * sizeof(int));
        for (int a = 1; a < F; a++) /* insertion sort, F is small */
            for (int b = a; b > 0 && dst[b - 1] > dst[b]; b--) {
                int t = dst[b];
                dst[b] = dst[b - 1];
                dst[b - 1] = t;
            }
    }
    free(perm);
}

tr_model *tr_model_new(const ir_program *ir, bool dense, int *const *masks, uint64_t seed,
                       int rows_max, int threads) {
    tr_model *m = xcalloc(1, sizeof *m);
    m->n_layers = ir->n_layers;
    m->layers = xcalloc((size_t)m->n_layers, sizeof(tr_layer));
    m->inputs = ir->dataset.inputs;
    m->classes = ir->dataset.classes;
    m->in_q = tr_qspec_make(IR_Q_HARDTANH, ir->input_bits);
    m->dense = dense;
    m->rows_max = rows_max;
    m->bn_momentum = TR_BN_MOMENTUM;
    m->fingerprint = tr_ir_fingerprint(ir);

    /* shapes and masks */
    for (int l = 0; l < m->n_layers; l++) {
        const ir_layer *il = &ir->layers[l];
        tr_layer *L = &m->layers[l];
        snprintf(L->name, sizeof L->name, "%s", il->name ? il->name : "layer");
        L->in = il->in_width;
        L->out = il->out_width;
        L->sh.F = il->fanin;
        L->sh.N = il->hidden;
        L->sh.depth = il->hidden > 0 ? (il->depth > 0 ? il->depth : 1) : 0;
        L->sh.skip = il->lut_skip;
        L->q = tr_qspec_make(il->quant, il->bits_out);
        L->bits_in = il->bits_in;
        L->connect = il->connect;
        L->dense = dense && il->connect == IR_CONNECT_LEARNED;
        if (L->dense) continue;
        int F = L->sh.F;
        L->idx = xmalloc((size_t)L->out * F * sizeof(int));
        if (il->connect == IR_CONNECT_CONTIGUOUS) {
            for (int s = 0; s < L->out * F; s++)
                L->idx[s] = s % L->in; /* j*F+k; wraps only for leaf layers */
            L->direct = L->out * F == L->in;
            if (!L->direct) /* not a plain tree level: readers may be 0 or many */
                build_readers(L);
        } else {
            if (masks && masks[l]) {
                memcpy(L->idx, masks[l], (size_t)L->out * F * sizeof(int));
            } else {
                random_mask(L, seed, l);
                L->connect = IR_CONNECT_RANDOM; /* learned without a dense stage */
            }
            build_readers(L);
        }
    }

    /* parameter block: per layer, the L-LUT records (sparse) or the dense arrays; then
     * the quantizer scales and the input's parameters */
    size_t n = 0;
    for (int l = 0; l < m->n_layers; l++) {
        tr_layer *L = &m->layers[l];
        size_t O = (size_t)L->out, F = (size_t)L->sh.F, N = (size_t)L->sh.N;
        size_t D = L->sh.depth > 1 ? (size_t)L->sh.depth - 1 : 0;
        if (L->dense) {
            L->o_wd = n;
            n += O * (size_t)L->in;
            L->o_b = n;
            n += O;
            L->o_gamma = n;
            n += O;
            L->o_beta = n;
            n += O;
            continue;
        }
        /* one record per L-LUT: weights (decayed) then biases and norm, 16-float aligned */
        size_t r = F * N;
        L->r_wh = r;
        r += D * N * N;
        L->r_w2 = r;
        r += N;
        L->r_ws = r;
        r += L->sh.skip ? F : 0;
        L->n_dec = r;
        L->r_b1 = r;
        r += N;
        L->r_bh = r;
        r += D * N;
        L->r_b = r++;
        L->r_gamma = r++;
        L->r_beta = r++;
        L->n_rec = r;
        L->stride = (r + 15) / 16 * 16;
        L->o_lut = n;
        n += O * L->stride;
    }
    for (int l = 0; l < m->n_layers; l++)
        m->layers[l].o_scale = n++;
    m->o_in_gamma = n;
    n += (size_t)m->inputs;
    m->o_in_beta = n;
    n += (size_t)m->inputs;
    m->o_in_scale = n;
    n += 1;
    m->n_param = n;
    m->param = xcalloc(n, sizeof(float));
    m->grad = xcalloc(n, sizeof(float));
    m->adam_m = xcalloc(n, sizeof(float));
    m->adam_v = xcalloc(n, sizeof(float));

    size_t ns = 0;
    for (int l = 0; l < m->n_layers; l++) {
        tr_layer *L = &m->layers[l];
        L->o_rmean = ns;
        ns += (size_t)L->out;
        L->o_rvar = ns;
        ns += (size_t)L->out;
    }
    m->o_in_rmean = ns;
    ns += (size_t)m->inputs;
    m->o_in_rvar = ns;
    ns += (size_t)m->inputs;
    m->n_state = ns;
    m->state = xcalloc(ns, sizeof(float));

    /* workspace */
    m->ld = tr_pad_rows(rows_max);
    size_t ld = (size_t)m->ld, scratch = 0;
    for (int l = 0; l < m->n_layers; l++) {
        tr_layer *L = &m->layers[l];
        size_t O = (size_t)L->out, F = (size_t)L->sh.F;
        L->val = xcalloc(O * ld, sizeof(float));
        L->xhat = xcalloc(O * ld, sizeof(float));
        L->dval = xcalloc(O * ld, sizeof(float));
        L->codes = xcalloc(O * ld, sizeof(uint16_t));
        L->istd = xcalloc(O, sizeof(float));
        L->ds_part = xcalloc(O, sizeof(float));
        if (l == m->n_layers - 1) L->zlast = xcalloc(O * ld, sizeof(float));
        if (L->dense) L->ypre = xcalloc(O * ld, sizeof(float));
        if (L->rd_off) L->dxg = xcalloc(O * F * ld, sizeof(float));
        /* gathered inputs, four row vectors, the sub-network's own scratch */
        size_t need = F * ld + 4 * ld + (L->dense ? 0 : tr_subnet_scratch(&L->sh, m->ld));
        if (need > scratch) scratch = need;
    }
    if (4 * ld > scratch) scratch = 4 * ld;
    size_t W = (size_t)m->inputs;
    m->x_in = xcalloc(W * ld, sizeof(float));
    m->in_xhat = xcalloc(W * ld, sizeof(float));
    m->in_val = xcalloc(W * ld, sizeof(float));
    m->in_dval = xcalloc(W * ld, sizeof(float));
    m->in_codes = xcalloc(W * ld, sizeof(uint16_t));
    m->in_istd = xcalloc(W, sizeof(float));
    m->in_ds_part = xcalloc(W, sizeof(float));
    m->logits = xcalloc(ld * (size_t)m->classes, sizeof(float));
    m->dlogits = xcalloc(ld * (size_t)m->classes, sizeof(float));
    m->y = xcalloc(ld, sizeof(int));

    m->pool = tr_pool_new(threads > 0 ? threads : 2); /* 0: the default, 2 */
    m->threads = tr_pool_threads(m->pool);
    m->scratch_n = scratch + 64;
    m->scratch = xcalloc((size_t)m->threads, sizeof(float *));
    for (int t = 0; t < m->threads; t++)
        m->scratch[t] = xcalloc(m->scratch_n, sizeof(float));
    return m;
}

void tr_model_free(tr_model *m) {
    if (!m) return;
    tr_pool_free(m->pool);
    for (int t = 0; t < m->threads; t++)
        free(m->scratch[t]);
    free(m->scratch);
    for (int l = 0; l < m->n_layers; l++) {
        tr_layer *L = &m->layers[l];
        free(L->idx);
        free(L->rd_off);
        free(L->rd_slot);
        free(L->val);
        free(L->xhat);
        free(L->zlast);
        free(L->ypre);
        free(L->istd);
        free(L->dval);
        free(L->dxg);
        free(L->ds_part);
        free(L->codes);
    }
    free(m->layers);
    free(m->param);
    free(m->grad);
    free(m->adam_m);
    free(m->adam_v);
    free(m->state);
    free(m->x_in);
    free(m->in_xhat);
    free(m->in_val);
    free(m->in_dval);
    free(m->in_codes);
    free(m->in_istd);
    free(m->in_ds_part);
    free(m->logits);
    free(m->dlogits);
    free(m->y);
    free(m);
}

/* fills n floats with uniform(-1,1)/sqrt(fan) */
static void fill_uniform(float *p, size_t n, int fan, rt_rng *r) {
    float k = 1.0f / sqrtf((float)(fan > 0 ? fan : 1));
    for (size_t i = 0; i < n; i++)
        p[i] = rt_rng_sym(r) * k;
}

void tr_model_init_params(tr_model *m, uint64_t seed, int stage) {
    rt_rng r;
    rt_rng_seed(&r, seed, 0x696e6974ULL /* "init" */, (uint64_t)stage, 0);
    float *P = m->param;
    memset(P, 0, m->n_param * sizeof(float));
    for (int l = 0; l < m->n_layers; l++) {
        tr_layer *L = &m->layers[l];
        size_t F = (size_t)L->sh.F, N = (size_t)L->sh.N;
        size_t D = L->sh.depth > 1 ? (size_t)L->sh.depth - 1 : 0;
        if (L->dense) {
            fill_uniform(P + L->o_wd, (size_t)L->out * L->in, L->in, &r);
            fill_uniform(P + L->o_b, (size_t)L->out, L->in, &r);
        }
        for (int o = 0; o < L->out; o++) {
            if (!L->dense) {
                tr_lut p = tr_layer_lut(L, P, o);
                fill_uniform(p.w1, F * N, (int)F, &r);
                fill_uniform(p.b1, N, (int)F, &r);
                fill_uniform(p.wh, D * N * N, (int)N, &r);
                fill_uniform(p.bh, D * N, (int)N, &r);
                fill_uniform(p.w2, N, (int)N, &r);
                if (L->sh.skip) fill_uniform(p.ws, F, (int)F, &r);
                fill_uniform(p.b, 1, (int)F, &r);
            }
            P[tr_gamma_off(L, o)] = 1.0f;
            P[tr_beta_off(L, o)] = 0.0f;
            m->state[L->o_rmean + o] = 0.0f;
            m->state[L->o_rvar + o] = 1.0f;
        }
        bool last = l == m->n_layers - 1;
        P[L->o_scale] = init_max(last) / (float)(L->q.qmax > 1 ? L->q.qmax : 1);
    }
    for (int i = 0; i < m->inputs; i++) {
        P[m->o_in_gamma + i] = 1.0f;
        P[m->o_in_beta + i] = 0.0f;
        m->state[m->o_in_rmean + i] = 0.0f;
        m->state[m->o_in_rvar + i] = 1.0f;
    }
    P[m->o_in_scale] = 1.0f / (float)(m->in_q.qmax > 1 ? m->in_q.qmax : 1);
    memset(m->adam_m, 0, m->n_param * sizeof(float));
    memset(m->adam_v, 0, m->n_param * sizeof(float));
    memset(m->grad, 0, m->n_param * sizeof(float));
    m->adam_t = 0;
}

tr_lut tr_layer_lut(const tr_layer *L, float *base, int o) {
    float *rec = base + L->o_lut + (size_t)o * L->stride;
    tr_lut p = {rec,           rec + L->r_b1, rec + L->r_wh, rec + L->r_bh,
                rec + L->r_w2, rec + L->r_ws, rec + L->r_b};
    return p;
}

size_t tr_gamma_off(const tr_layer *L, int o) {
    return L->dense ? L->o_gamma + (size_t)o : L->o_lut + (size_t)o * L->stride + L->r_gamma;
}

size_t tr_beta_off(const tr_layer *L, int o) {
    return L->dense ? L->o_beta + (size_t)o : L->o_lut + (size_t)o * L->stride + L->r_beta;
}

/* ---- Layer passes ------------------------------------------------------------------- */

/* What one pool job works on. */
typedef struct pass_ctx {
    tr_model *m;      /* the model */
    int l;            /* layer index */
    int R;            /* rows */
    bool train;       /* training mode (batch statistics) or evaluation */
    double wd, wd1;   /* regulariser (backward of dense layers) */
    const tr_adam *a; /* fused optimizer step (backward), or NULL */
    /* raw mode (tr_layer_subnet_*): the sub-networks alone, over these buffers */
    const float *raw_in; /* [in][ld] input values, or NULL: the previous layer's */
    float *raw_y;        /* [out][ld] sub-network outputs (forward) */
    const float *raw_dy; /* [out][ld] their gradients (backward) */
    float *raw_din;      /* [in][ld] input gradients (backward) */
} pass_ctx;

/* The Adam update of L-LUT o's own parameters (sparse layers): its record, the weights
 * with weight decay, then the biases and norm without. */
static void lut_adam(const tr_adam *a, tr_model *m, const tr_layer *L, int o) {
    size_t rec = L->o_lut + (size_t)o * L->stride;
    tr_adam_apply(a, m, rec, L->n_dec, true);
    tr_adam_apply(a, m, rec + L->n_dec, L->n_rec - L->n_dec, false);
}

static const float *layer_input(const tr_model *m, int l) {
    return l == 0 ? m->in_val : m->layers[l - 1].val;
}

static float *layer_input_grad(tr_model *m, int l) {
    return l == 0 ? m->in_dval : m->layers[l - 1].dval;
}

/* The inputs of L-LUT o as F feature-major rows: a pointer into the previous layer's
 * values for tree levels, else a copy into xg. Returns the rows; *ldx their stride. */
static const float *lut_inputs(const tr_model *m, const tr_layer *L, int o, const float *in, int R,
                               float *xg, int *ldx) {
    int F = L->sh.F, ld = m->ld, Rp = tr_pad_rows(R);
    *ldx = ld;
    if (L->direct) return in + (size_t)o * F * ld;
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
        for (int r = 0; r < R; r++)
            c->val[r] = tr_q_value(tr_q_int(c->q, z[r], c->s), c->s);
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

/* The channel of L-LUT o of layer L. */
static chan lut_chan(tr_model *m, tr_layer *L, int o) {
    size_t row = (size_t)o * m->ld;
    chan c = {&L->q,
              tr_q_scale(m->param[L->o_scale]),
              m->bn_momentum,
              m->param[tr_gamma_off(L, o)],
              m->param[tr_beta_off(L, o)],
              m->state + L->o_rmean + o,
              m->state + L->o_rvar + o,
              L->istd + o,
              L->xhat + row,
              L->val + row,
              L->codes + row,
              L->zlast ? L->zlast + row : NULL};
    return c;
}

/* The channel of input feature i. */
static chan in_chan(tr_model *m, int i) {
    size_t row = (size_t)i * m->ld;
    chan c = {&m->in_q,
              tr_q_scale(m->param[m->o_in_scale]),
              m->bn_momentum,
              m->param[m->o_in_gamma + i],
              m->param[m->o_in_beta + i],
              m->state + m->o_in_rmean + i,
              m->state + m->o_in_rvar + i,
              m->in_istd + i,
              m->in_xhat + row,
              m->in_val + row,
              m->in_codes + row,
              NULL};
    return c;
}

void tr_lut_codes(tr_model *m, int l, int o, const float *y, int R, float *val, uint16_t *codes) {
    chan c = lut_chan(m, &m->layers[l], o);
    c.val = val;
    c.codes = codes;
    c.zout = NULL;
    chan_forward(&c, y, R, false, NULL);
}

/* Batch norm and quantizer of L-LUT o over its sub-network outputs y[0..R). */
static void lut_finish(tr_model *m, tr_layer *L, int o, const float *y, int R, bool train,
                       float *z) {
    chan c = lut_chan(m, L, o);
    chan_forward(&c, y, R, train, z);
}

static void fwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    tr_layer *L = &m->layers[c->l];
    int R = c->R, ld = m->ld, lo, hi;
    float *sc = m->scratch[tid];
    float *y = sc, *z = y + ld, *xg = z + ld, *sub = xg + (size_t)L->sh.F * ld;
    const float *in = c->raw_in ? c->raw_in : layer_input(m, c->l);
    tr_share(L->out, tid, nt, &lo, &hi);
    if (L->dense) {
        if (hi > lo)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, hi - lo, R, L->in, 1.0f,
                        m->param + L->o_wd + (size_t)lo * L->in, L->in, in, ld, 0.0f,
                        L->ypre + (size_t)lo * ld, ld);
        for (int o = lo; o < hi; o++) {
            float b = m->param[L->o_b + o];
            const float *yp = L->ypre + (size_t)o * ld;
            for (int r = 0; r < R; r++)
                y[r] = yp[r] + b;
            lut_finish(m, L, o, y, R, c->train, z);
        }
        return;
    }
    for (int o = lo; o < hi; o++) {
        tr_lut p = tr_layer_lut(L, m->param, o);
        int ldx;
        const float *x = lut_inputs(m, L, o, in, R, xg, &ldx);
        if (c->raw_y) {
            tr_subnet_forward(&L->sh, &p, x, ldx, R, c->raw_y + (size_t)o * ld, sub);
            continue;
        }
        tr_subnet_forward(&L->sh, &p, x, ldx, R, y, sub);
        lut_finish(m, L, o, y, R, c->train, z);
    }
}

/* Quantizer and batch-norm backward of L-LUT o: dy[0..R) from dval (dy zero-padded to the
 * vector block); sets the batch-norm gradients and the L-LUT's scale-gradient share. */
static void lut_unfinish(tr_model *m, tr_layer *L, int o, int R, float *dz, float *dy) {
    chan c = lut_chan(m, L, o);
    L->ds_part[o] = chan_backward(&c, L->dval + (size_t)o * m->ld, R, dz, dy,
                                  &m->grad[tr_gamma_off(L, o)], &m->grad[tr_beta_off(L, o)]);
    for (int r = R; r < tr_pad_rows(R); r++)
        dy[r] = 0.0f;
}

static void bwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    tr_layer *L = &m->layers[c->l];
    int R = c->R, F = L->sh.F, ld = m->ld, lo, hi;
    float *sc = m->scratch[tid];
    float *dy = sc, *dz = dy + ld, *xg = dz + ld, *sub = xg + (size_t)F * ld;
    const float *in = c->raw_in ? c->raw_in : layer_input(m, c->l);
    float *din = c->raw_din ? c->raw_din : layer_input_grad(m, c->l);
    tr_share(L->out, tid, nt, &lo, &hi);
    if (L->dense) {
        for (int o = lo; o < hi; o++) {
            lut_unfinish(m, L, o, R, dz, dy);
            float db = 0.0f, *dyo = L->ypre + (size_t)o * ld;
            for (int r = 0; r < R; r++) {
                db += dy[r];
                dyo[r] = dy[r];
            }
            m->grad[L->o_b + o] = db;
        }
        if (hi > lo) {
            float *dw = m->grad + L->o_wd + (size_t)lo * L->in;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, hi - lo, L->in, R, 1.0f,
                        L->ypre + (size_t)lo * ld, ld, in, ld, 0.0f, dw, L->in);
            if (c->wd > 0.0)
                tr_reg_backward(m->param + L->o_wd + (size_t)lo * L->in, hi - lo, L->in, c->wd,
                                c->wd1, dw);
        }
        return;
    }
    for (int o = lo; o < hi; o++) {
        if (c->raw_dy) {
            memcpy(dy, c->raw_dy + (size_t)o * ld, (size_t)R * sizeof(float));
            for (int r = R; r < tr_pad_rows(R); r++)
                dy[r] = 0.0f;
        } else {
            lut_unfinish(m, L, o, R, dz, dy);
        }
        tr_lut p = tr_layer_lut(L, m->param, o), g = tr_layer_lut(L, m->grad, o);
        int ldx;
        const float *x = lut_inputs(m, L, o, in, R, xg, &ldx);
        float *dx = L->direct ? din + (size_t)o * F * ld : L->dxg + (size_t)o * F * ld;
        tr_subnet_backward(&L->sh, &p, x, ldx, R, dy, &g, dx, ld, sub);
        if (c->a) lut_adam(c->a, m, L, o);
    }
}

/* Input gradients of a masked layer: the sum over each input's readers, in slot order;
 * of a dense layer: W^T dY over a share of the inputs. */
static void gradin_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    tr_layer *L = &m->layers[c->l];
    int R = c->R, W = L->in, ld = m->ld, lo, hi;
    float *din = c->raw_din ? c->raw_din : layer_input_grad(m, c->l);
    tr_share(W, tid, nt, &lo, &hi);
    if (L->dense) {
        if (hi > lo)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hi - lo, R, L->out, 1.0f,
                        m->param + L->o_wd + lo, W, L->ypre, ld, 0.0f, din + (size_t)lo * ld, ld);
        return;
    }
    for (int i = lo; i < hi; i++) {
        float *restrict d = din + (size_t)i * ld;
        for (int r = 0; r < R; r++)
            d[r] = 0.0f;
        for (int k = L->rd_off[i]; k < L->rd_off[i + 1]; k++) {
            const float *restrict g = L->dxg + (size_t)L->rd_slot[k] * ld;
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
    tr_share(m->inputs, tid, nt, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        chan ch = in_chan(m, i);
        chan_forward(&ch, m->x_in + (size_t)i * m->ld, c->R, c->train, m->scratch[tid]);
    }
}

static void in_bwd_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    int lo, hi;
    float *dz = m->scratch[tid], *dy = dz + m->ld;
    tr_share(m->inputs, tid, nt, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        chan ch = in_chan(m, i);
        m->in_ds_part[i] = chan_backward(&ch, m->in_dval + (size_t)i * m->ld, c->R, dz, dy,
                                         &m->grad[m->o_in_gamma + i], &m->grad[m->o_in_beta + i]);
    }
}

/* ---- Whole passes ------------------------------------------------------------------- */

static void run_forward(tr_model *m, int R, bool train) {
    pass_ctx c = {m, 0, R, train, 0.0, 0.0, NULL, NULL, NULL, NULL, NULL};
    tr_pool_run(m->pool, in_fwd_job, &c);
    for (int l = 0; l < m->n_layers; l++) {
        c.l = l;
        tr_pool_run(m->pool, fwd_job, &c);
    }
}

void tr_model_load_rows(tr_model *m, const rt_split *s, const int *perm, int i0, int R) {
    size_t W = (size_t)m->inputs, ld = (size_t)m->ld;
    for (int r = 0; r < R; r++) {
        int i = perm ? perm[i0 + r] : i0 + r;
        const float *src = s->x + (size_t)i * W;
        for (size_t j = 0; j < W; j++)
            m->x_in[j * ld + (size_t)r] = src[j];
        m->y[r] = s->y[i];
    }
}

void tr_model_shift_rows(tr_model *m, const rt_dataset *d, int R, int P, rt_rng *rng) {
    int H = d->img_h, W = d->img_w;
    size_t ld = (size_t)m->ld;
    float *img = xmalloc((size_t)H * (size_t)W * sizeof *img);
    for (int r = 0; r < R; r++) {
        int dy = (int)rt_rng_below(rng, 2u * (unsigned)P + 1) - P;
        int dx = (int)rt_rng_below(rng, 2u * (unsigned)P + 1) - P;
        float *col = m->x_in + r;
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
    tr_layer *last = &m->layers[m->n_layers - 1];
    int C = m->classes;
    size_t ld = (size_t)m->ld;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            m->logits[(size_t)r * C + c] = last->val[(size_t)c * ld + r];
    double loss = tr_ce(m->logits, m->y, R, C, m->dlogits, correct);
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            last->dval[(size_t)c * ld + r] = m->dlogits[(size_t)r * C + c];
    return loss;
}

void tr_model_forward_eval(tr_model *m, int R) {
    run_forward(m, R, false);
}

void tr_model_bn_refit(tr_model *m, const rt_split *s, const int *perm, int n, int rows) {
    int R = rows < m->rows_max ? rows : m->rows_max;
    R = R < n ? R : n;
    int blocks = n / R;
    for (int k = 0; k < blocks; k++) { /* momentum 1/(k+1): the mean over the blocks */
        m->bn_momentum = 1.0f / (float)(k + 1);
        tr_model_load_rows(m, s, perm, k * R, R);
        run_forward(m, R, true);
    }
    m->bn_momentum = TR_BN_MOMENTUM;
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
    tr_share((int)c->m->n_param, tid, nt, &lo, &hi);
    const float *restrict p = c->m->param;
    float *restrict a = c->avg, d = c->decay, e = 1.0f - c->decay;
    for (int i = lo; i < hi; i++)
        a[i] = d * a[i] + e * p[i];
}

void tr_model_average(tr_model *m, float *avg, float decay) {
    avg_pass c = {m, avg, decay};
    tr_pool_run(m->pool, avg_job, &c);
}

/* The backward pass; with a, the fused optimizer step of sparse L-LUTs. */
static void backward(tr_model *m, int R, double wd, double wd1, const tr_adam *a) {
    pass_ctx c = {m, 0, R, true, wd, wd1, a, NULL, NULL, NULL, NULL};
    for (int l = m->n_layers - 1; l >= 0; l--) {
        tr_layer *L = &m->layers[l];
        c.l = l;
        tr_pool_run(m->pool, bwd_job, &c);
        if (L->dense || L->rd_off) tr_pool_run(m->pool, gradin_job, &c);
        float ds = 0.0f;
        for (int o = 0; o < L->out; o++)
            ds += L->ds_part[o];
        m->grad[L->o_scale] = tr_q_scale_grad(m->param[L->o_scale], ds);
    }
    tr_pool_run(m->pool, in_bwd_job, &c);
    float ds = 0.0f;
    for (int i = 0; i < m->inputs; i++)
        ds += m->in_ds_part[i];
    m->grad[m->o_in_scale] = tr_q_scale_grad(m->param[m->o_in_scale], ds);
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
    for (int l = 0; l < m->n_layers; l++) {
        const tr_layer *L = &m->layers[l];
        tr_share(L->out, tid, nt, &lo, &hi);
        if (L->dense) {
            tr_adam_apply(c->a, m, L->o_wd + (size_t)lo * L->in, (size_t)(hi - lo) * L->in, true);
            if (tid == 0) /* bias, gamma and beta are contiguous */
                tr_adam_apply(c->a, m, L->o_b, 3 * (size_t)L->out, false);
        } else if (c->all) {
            for (int o = lo; o < hi; o++)
                lut_adam(c->a, m, L, o);
        }
    }
    if (tid == nt - 1) { /* the scales, then the input's gamma, beta and scale: contiguous */
        size_t s0 = m->layers[0].o_scale;
        tr_adam_apply(c->a, m, s0, m->n_param - s0, false);
    }
}

void tr_adam_step(tr_model *m, const ir_stage *st, double lr) {
    tr_adam a;
    tr_adam_begin(&a, m, st, lr);
    adam_pass c = {m, &a, true};
    tr_pool_run(m->pool, adam_job, &c);
}

void tr_model_step(tr_model *m, int R, const ir_stage *st, double lr, double wd, double wd1) {
    tr_adam a;
    tr_adam_begin(&a, m, st, lr);
    backward(m, R, wd, wd1, &a);
    adam_pass c = {m, &a, false};
    tr_pool_run(m->pool, adam_job, &c);
}

void tr_layer_subnet_forward(tr_model *m, int l, const float *in, int R, float *y) {
    pass_ctx c = {m, l, R, true, 0.0, 0.0, NULL, in, y, NULL, NULL};
    tr_pool_run(m->pool, fwd_job, &c);
}

void tr_layer_subnet_backward(tr_model *m, int l, const float *in, int R, const float *dy,
                              float *din) {
    pass_ctx c = {m, l, R, true, 0.0, 0.0, NULL, in, NULL, dy, din};
    tr_pool_run(m->pool, bwd_job, &c);
    if (m->layers[l].rd_off) tr_pool_run(m->pool, gradin_job, &c);
}

double tr_model_reg(const tr_model *m, double wd, double wd1) {
    double s = 0.0;
    for (int l = 0; l < m->n_layers; l++) {
        const tr_layer *L = &m->layers[l];
        if (L->dense) s += tr_reg_forward(m->param + L->o_wd, L->out, L->in, wd, wd1);
    }
    return s;
}

int **tr_model_masks_from_dense(const tr_model *m) {
    int **masks = xcalloc((size_t)m->n_layers, sizeof(int *));
    for (int l = 0; l < m->n_layers; l++) {
        const tr_layer *L = &m->layers[l];
        if (!L->dense) continue;
        int F = L->sh.F;
        masks[l] = xmalloc((size_t)L->out * F * sizeof(int));
        for (int o = 0; o < L->out; o++) {
            const float *w = m->param + L->o_wd + (size_t)o * L->in;
            int *dst = masks[l] + (size_t)o * F;
            int n = 0; /* dst[0..n) sorted by |w| descending, ties: lower index first */
            for (int i = 0; i < L->in; i++) {
                float a = fabsf(w[i]);
                if (n == F && !(a > fabsf(w[dst[F - 1]]))) continue;
                int p = n < F ? n++ : F - 1;
                while (p > 0 && a > fabsf(w[dst[p - 1]])) {
                    dst[p] = dst[p - 1];
                    p--;
                }
                dst[p] = i;
            }
            for (int a = 1; a < F; a++) /* ascending input order */
                for (int b = a; b > 0 && dst[b - 1] > dst[b]; b--) {
                    int t = dst[b];
                    dst[b] = dst[b - 1];
                    dst[b - 1] = t;
                }
        }
    }
    return masks;
}
