/* model.c - the multithreaded training forward, backward and evaluation passes over whole
 * layers, and the Adam step (the model's layout is built in layout.c).
 *
 * Threads: every layer is split into fixed contiguous shares of L-LUTs (tr_share; the
 * L-LUT loops of masked layers in chunks of them that a free thread takes over). Every
 * quantity an L-LUT contributes to (its own parameter gradients, its input gradients, its
 * share of the layer's scale gradient) is written per L-LUT. Sums over the batch's rows
 * are int64 fixed-point sums (rows.c), added over the ranks of a data-parallel run
 * between the steps of a layer (train_dp): the results depend neither on the thread count
 * nor on the rank count.
 */
#include "train_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Layer passes ------------------------------------------------------------------- */

/* What one pool job works on. */
typedef struct pass_ctx {
    tr_model *m;     /* the model */
    int l;           /* layer index (-1: the input features) */
    int R;           /* rows (this rank's share of the batch in training) */
    int n;           /* the batch's rows over all ranks (divides the sums; decides the path) */
    bool train;      /* training mode (batch statistics) or evaluation */
    double wd, wd1;  /* regulariser (backward of dense layers) */
    int phase;       /* the step of a multi-step job */
    const float *in; /* [in][ld] the layer's input values */
    float *din;      /* [in][ld] their gradients (backward) */
    /* the test hooks tr_layer_subnet_*: the sub-networks alone */
    float *raw_y;        /* [out][ld] sub-network outputs (forward) */
    const float *raw_dy; /* [out][ld] their gradients (backward) */
    const tr_adam *adam; /* backward: the step run on each sparse L-LUT's record as soon as
                          * its gradient sums are final (one process), or NULL */
    bool fjac;           /* backward: the training forward of this batch wrote the Jacobian
                          * of every per-sample tr_sub1_fits L-LUT where its dx goes */
    int din_mode;        /* backward: how a masked layer sums its input gradients (din.c) */
} pass_ctx;

/* The sums over rows of v[0..n) over all ranks (nothing unless tr_dp_active). */
static void dp_reduce(tr_model *m, uint64_t *v, size_t n) {
    if (tr_dp_active(m)) m->w.dp.reduce(m->w.dp.ctx, v, n);
}

/* The mean over n rows of a fixed-point sum at scale k. */
static float fix_mean(uint64_t s, float k, int n) {
    return (float)((double)(int64_t)s / (double)k / (double)n);
}

/* The input values of layer l and their gradients (each layer reads the previous one). */
static void layer_io(pass_ctx *c, int l) {
    tr_work *w = &c->m->w;
    c->l = l;
    c->in = l == 0 ? w->in_val : w->lb[l - 1].val;
    c->din = l == 0 ? w->in_dval : w->lb[l - 1].dval;
}

/* Where the backward writes the input gradients of L-LUT o of sparse layer c->l: the
 * previous layer's dval rows (DIRECT) or its slot rows dxg (the layer's pass marks them
 * used: tr_din_begin, run_forward; never a job, whose threads would share the line). */
static float *lut_dx(const pass_ctx *c, const tr_layer *L, int o) {
    float *d = L->wire == TR_WIRE_DIRECT ? c->din : c->m->w.lb[c->l].dxg;
    return d + (size_t)o * L->sh.F * c->m->w.ld;
}

/* The gradient sums of L-LUT o's record of sparse layer L. */
static uint64_t *gfix_rec(const tr_model *m, const tr_layer *L, int o) {
    return m->opt->gfix + L->o_lut + (size_t)o * L->stride;
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
    const tr_qspec *q;      /* quantizer */
    float s;                /* effective scale */
    float mo;               /* running-statistics momentum (training) */
    float gamma, beta;      /* batch-norm affine */
    float *rmean, *rvar;    /* running statistics */
    float *istd;            /* batch inverse std (training) */
    float *xhat;            /* [R] normalized values (training) */
    float *val;             /* [R] dequantized outputs */
    uint16_t *codes;        /* [R] codes (evaluation) */
    float *zout;            /* [R] pre-quantizer values (evaluation), or NULL */
    float *y;               /* [R] the values batch norm reads (training: the layer's value row
                             * holds them until chan_finish, the inputs' the raw batch) */
    float *dval;            /* [R] the gradient of val (training) */
    size_t o_gamma, o_beta; /* parameter offsets of gamma and beta */
} chan;

/* Evaluation: batch norm with the running statistics and the quantizer over y[0..R). */
static void chan_eval(const chan *c, const float *y, int R) {
    float rm = *c->rmean, rv = *c->rvar;
    for (int r = 0; r < R; r++) {
        float zz = tr_bn_eval(y[r], c->gamma, c->beta, rm, rv);
        int q = tr_q_int(c->q, zz, c->s);
        c->val[r] = tr_q_value(q, c->s);
        c->codes[r] = tr_q_code(c->q, q);
        if (c->zout) c->zout[r] = zz;
    }
}

/* Batch norm and quantizer over rows [0,R) of c whose values are the per-address record
 * a's outputs: per used address into its xhat (a's outputs become them; a's mean), value
 * and code (sc: 2 tr_pad_rows(U) floats), then the codes gathered per row, and the values
 * when c->val is not NULL (the backward reads xhat per address). */
static void finish_addr(const chan *c, int R, float mu, float is, const tr_addr_rec *a, float *sc) {
    int U = *a->U;
    *a->mu = mu;
    float *val = sc;
    uint32_t *code = (uint32_t *)(sc + tr_pad_rows(U));
    for (int u = 0; u < U; u++) {
        float xh = (a->y[u] - mu) * is;
        a->y[u] = xh;
        int q = tr_q_int(c->q, c->gamma * xh + c->beta, c->s);
        val[u] = tr_q_value(q, c->s);
        code[u] = tr_q_code(c->q, q);
    }
    if (c->val) tr_addr_gather(val, U, a->num, R, NULL, c->val);
    tr_addr_gather16(code, U, a->num, R, c->codes);
}

/* Training: batch norm with the batch's mean mu and variance var (over n rows) and the
 * quantizer over c->y[0..R) (in place for layers), or over the per-address record a's
 * outputs (finish_addr; sc: its scratch); the running statistics. */
static void chan_finish(const chan *c, int R, int n, float mu, float var, const tr_addr_rec *a,
                        float *sc) {
    float is = 1.0f / sqrtf(var + TR_BN_EPS), mo = c->mo;
    *c->istd = is;
    *c->rmean = (1.0f - mo) * *c->rmean + mo * mu;
    float unb = n > 1 ? var * (float)n / (float)(n - 1) : var;
    *c->rvar = (1.0f - mo) * *c->rvar + mo * unb;
    if (a) {
        finish_addr(c, R, mu, is, a, sc);
        return;
    }
    for (int r = 0; r < R; r++) { /* the codes too: the per-address path reads them */
        float xh = (c->y[r] - mu) * is;
        c->xhat[r] = xh;
        int q = tr_q_int(c->q, c->gamma * xh + c->beta, c->s);
        c->val[r] = tr_q_value(q, c->s);
        c->codes[r] = tr_q_code(c->q, q);
    }
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
              at(B->zlast, row),
              B->val + row,
              at(B->dval, row),
              tr_gamma_off(L, o),
              tr_beta_off(L, o)};
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
              NULL,
              m->w.x_in + row,
              at(m->w.in_dval, row),
              m->p.o_in_gamma + (size_t)i,
              m->p.o_in_beta + (size_t)i};
    return c;
}

/* Channel o of layer l, or input feature o for l < 0; their count. */
static chan any_chan(tr_model *m, int l, int o) {
    return l < 0 ? in_chan(m, o) : lut_chan(m, l, o);
}

static int chan_count(const tr_model *m, int l) {
    return l < 0 ? m->p.inputs : m->p.layers[l].out;
}

void tr_lut_codes(tr_model *m, int l, int o, const float *y, int R, float *val, uint16_t *codes) {
    chan c = lut_chan(m, l, o);
    c.val = val;
    c.codes = codes;
    c.zout = NULL;
    chan_eval(&c, y, R);
}

/* Phases p0..p1 of the batch statistics of channel o of layer c->l (training): 0 the sum
 * of the values (the inputs'; layers sum in fwd_job), 1 of the squared deviations from the
 * mean, 2 the normalization and quantizer. In one process (c->phase -1) phase 1 first takes
 * the mean from phase 0's sum. Layers on the per-address path sum per used address (count *
 * term: the same integers as per row). d: the thread's scratch. */
static void stat_phases(pass_ctx *c, int o, int p0, int p1, float *d) {
    tr_model *m = c->m;
    int N = chan_count(m, c->l);
    chan ch = any_chan(m, c->l, o);
    bool per_addr = c->l >= 0 && tr_addr_use(&m->w, &m->p.layers[c->l], c->n);
    tr_addr_rec a = per_addr ? tr_addr_rec_of(m, c->l, o) : (tr_addr_rec){0};
    for (int p = p0; p <= p1; p++) {
        if (p == 0) {
            m->w.st[o] = tr_fix_sum(ch.y, c->R, TR_FIX_M);
            continue;
        }
        if (p == 1 && c->phase < 0) m->w.mu[o] = fix_mean(m->w.st[o], TR_FIX_M, c->n);
        float mu = m->w.mu[o];
        if (p == 1) {
            const float *y = per_addr ? a.y : ch.y;
            int n = per_addr ? *a.U : c->R;
            for (int r = 0; r < n; r++) {
                float t = y[r] - mu;
                d[r] = t * t;
            }
            m->w.st[N + o] =
                per_addr ? tr_fix_sum_cnt(d, a.cnt, n, TR_FIX_V) : tr_fix_sum(d, n, TR_FIX_V);
            continue;
        }
        /* the rows' values of a per-address layer are read by the loss or a next layer on
         * another path (a next one on the per-address path reads the codes) */
        if (per_addr && c->l < m->p.n_layers - 1 &&
            tr_addr_use(&m->w, &m->p.layers[c->l + 1], c->n))
            ch.val = NULL;
        chan_finish(&ch, c->R, c->n, mu, fix_mean(m->w.st[N + o], TR_FIX_V, c->n),
                    per_addr ? &a : NULL, d);
    }
}

/* The batch statistics of a share of layer c->l's channels: phase c->phase, or (phase
 * -1, one process) all three per channel. */
static void stat_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    int lo, hi;
    float *d = c->m->w.scratch[tid];
    tr_share(chan_count(c->m, c->l), tid, nt, &lo, &hi);
    for (int o = lo; o < hi; o++)
        stat_phases(c, o, c->phase < 0 ? 0 : c->phase, c->phase < 0 ? 2 : c->phase, d);
}

/* Sub-network outputs y of L-LUTs [lo, hi) of layer c->l on thread tid; in training each
 * into its value row with its sum (phase 0 of the batch statistics; phase -1: then the
 * rest of them), else finished at once. */
static void fwd_luts(pass_ctx *c, int tid, int lo, int hi) {
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    tr_layer_buf *B = &m->w.lb[c->l];
    int R = c->R, ld = m->w.ld;
    float *sc = m->w.scratch[tid];
    float *y = sc, *xg = y + ld, *sub = xg + (size_t)L->sh.F * ld;
    bool dense = L->wire == TR_WIRE_DENSE, per_addr = tr_addr_use(&m->w, L, c->n);
    if (dense)
        tr_gemm(hi - lo, R, L->in, m->p.param + L->o_wd + (size_t)lo * L->in, (size_t)L->in, 1,
                c->in, (size_t)ld, B->ypre + (size_t)lo * ld, (size_t)ld);
    for (int o = lo; o < hi; o++) {
        float *yo = c->train ? B->val + (size_t)o * ld : y;
        if (per_addr && c->train) { /* outputs and their sum per address (addr.c) */
            m->w.st[o] = tr_addr_forward_train(m, c->l, o, R, xg);
            if (c->phase < 0) stat_phases(c, o, 1, 2, sc);
            continue;
        }
        if (dense) {
            float b = m->p.param[L->o_b + o];
            const float *yp = B->ypre + (size_t)o * ld;
            for (int r = 0; r < R; r++)
                yo[r] = yp[r] + b;
        } else if (per_addr) {
            tr_addr_forward(m, c->l, o, R, yo, xg);
        } else {
            tr_lut p = tr_layer_lut(L, m->p.param, o);
            int ldx;
            const float *x = lut_inputs(m, L, o, c->in, R, xg, &ldx);
            if (c->train && tr_sub1_fits(&L->sh)) /* the Jacobian where the backward's dx goes */
                tr_sub1_forward_jac(&L->sh, &p, x, ldx, R, yo, lut_dx(c, L, o), ld);
            else
                tr_subnet_forward(&L->sh, &p, x, ldx, R, yo, sub);
        }
        if (c->train) {
            m->w.st[o] = tr_fix_sum(yo, R, TR_FIX_M);
            if (c->phase < 0) stat_phases(c, o, 1, 2, sc);
        } else {
            chan ch = lut_chan(m, c->l, o);
            chan_eval(&ch, yo, R);
        }
    }
}

/* Runs body over layer c->l's L-LUTs on thread tid: a masked layer's in chunks that a
 * free thread takes over (tr_pool_chunk), a dense layer's over its fixed share (its GEMMs
 * are split with it). */
static void lut_chunks(pass_ctx *c, int tid, void (*body)(pass_ctx *c, int tid, int lo, int hi)) {
    const tr_layer *L = &c->m->p.layers[c->l];
    int lo, hi;
    while (tr_pool_chunk(c->m->w.pool, L->out, tid, L->wire != TR_WIRE_DENSE, &lo, &hi))
        body(c, tid, lo, hi);
}

static void fwd_job(void *vc, int tid, int nt) {
    (void)nt;
    lut_chunks(vc, tid, fwd_luts);
}

/* Encoded inputs (bits 0/1): the code, and its level's value, over a feature share. */
static void in_enc_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    int lo, hi;
    tr_share(m->p.inputs, tid, nt, &lo, &hi);
    float s = tr_q_scale(m->p.param[m->p.o_in_scale]);
    for (int i = lo; i < hi; i++) {
        size_t row = (size_t)i * m->w.ld;
        for (int r = 0; r < c->R; r++) {
            uint16_t code = m->w.x_in[row + (size_t)r] > 0.5f;
            m->w.in_codes[row + (size_t)r] = code;
            m->w.in_val[row + (size_t)r] = tr_q_value(tr_q_level(&m->p.in_q, code), s);
        }
    }
}

/* Input batch norm and quantizer in evaluation, over a feature share. */
static void in_eval_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    int lo, hi;
    tr_share(m->p.inputs, tid, nt, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        chan ch = in_chan(m, i);
        chan_eval(&ch, ch.y, c->R);
    }
}

/* The job computing layer c->l's values: fwd_job, or stat_job for the inputs (-1). */
static void values_run(tr_model *m, pass_ctx *c) {
    if (c->l < 0)
        tr_pool_run(m->w.pool, stat_job, c);
    else
        tr_pool_run(m->w.pool, fwd_job, c);
}

/* The forward of layer c->l (-1: the inputs) in training: the values and their sums
 * (fwd_job or phase 0), the means over all ranks, the squared deviations' sums, the
 * variances over all ranks, then batch norm and quantizer; in one process each channel's
 * phases in one job. */
static void layer_forward_train(tr_model *m, pass_ctx *c) {
    int N = chan_count(m, c->l);
    c->phase = tr_dp_active(m) ? 0 : -1; /* one process: each channel's phases at once */
    values_run(m, c);
    if (c->phase < 0) return;
    dp_reduce(m, m->w.st, (size_t)N);
    for (int o = 0; o < N; o++)
        m->w.mu[o] = fix_mean(m->w.st[o], TR_FIX_M, c->n);
    c->phase = 1;
    tr_pool_run(m->w.pool, stat_job, c);
    dp_reduce(m, m->w.st + N, (size_t)N);
    c->phase = 2;
    tr_pool_run(m->w.pool, stat_job, c);
}

/* ---- Backward ----------------------------------------------------------------------- */

/* Step 1 of the backward of channel o of layer c->l (-1: the inputs): the
 * quantizer's straight-through estimator per row (dz replaces dval), and the fixed-point
 * sums of dz, dz * xhat and the scale-gradient terms into st[3o .. 3o+2]; layers on the
 * per-address path only sum dval per address (their estimator runs per address in
 * bwd_job, which writes st). ch: its channel; sc: the thread's scratch. */
static void unfinish_one(pass_ctx *c, int o, const chan *ch, uint64_t *sc) {
    tr_model *m = c->m;
    uint64_t *st = m->w.st + 3 * (size_t)o;
    st[0] = st[1] = st[2] = 0;
    if (c->l < 0 && m->p.encode) return; /* fixed encoder: nothing to learn */
    if (c->l >= 0 && tr_addr_use(&m->w, &m->p.layers[c->l], c->n)) { /* estimator: bwd_job */
        const tr_layer *L = &m->p.layers[c->l];
        size_t A = (size_t)1 << (L->sh.F * L->bits_in);
        tr_addr_sums(m, c->l, o, c->R, ch->dval, m->w.atab + (size_t)o * TR_ADDR_TAB * A, sc);
    } else {
        tr_q_backward_rows(ch->q, ch->gamma, ch->beta, ch->s, c->R, ch->dval, ch->xhat, st);
    }
}

static void unfinish_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    int lo, hi;
    tr_share(chan_count(c->m, c->l), tid, nt, &lo, &hi);
    for (int o = lo; o < hi; o++) {
        chan ch = any_chan(c->m, c->l, o);
        unfinish_one(c, o, &ch, (uint64_t *)c->m->w.scratch[tid]);
    }
}

/* The gradients of channel ch's batch-norm affine from the sums st over all ranks (rank 0). */
static void bn_affine_grad(tr_model *m, const chan *ch, const uint64_t *st) {
    bool own = tr_dp_own(m);
    m->opt->gfix[ch->o_gamma] = own ? st[1] : 0;
    m->opt->gfix[ch->o_beta] = own ? st[0] : 0;
}

/* The batch-norm backward of channel ch over all ranks' sums st (gamma's and beta's
 * gradients, on rank 0) into dy[0..R), zero-padded to the vector block; *k, *sd, *sdx:
 * its factor and sums. */
static void bn_back(const pass_ctx *c, const chan *ch, const uint64_t *st, float *dy, float *k,
                    float *sd, float *sdx) {
    bn_affine_grad(c->m, ch, st);
    *sd = tr_unfix(st[0], TR_FIX_G);
    *sdx = tr_unfix(st[1], TR_FIX_G);
    /* dxhat = gamma*dz; dy = istd/n * (n*dxhat - sum dxhat - xhat * sum(dxhat*xhat)) */
    *k = ch->gamma * *ch->istd / (float)c->n;
    float kk = *k, nn = (float)c->n, a = *sd, b = *sdx;
    for (int r = 0; r < c->R; r++)
        dy[r] = kk * (nn * ch->dval[r] - a - ch->xhat[r] * b);
    for (int r = c->R; r < tr_pad_rows(c->R); r++)
        dy[r] = 0.0f;
}

/* Sub-network backward of L-LUT o of a sparse layer from dy over 16-row blocks: each
 * block's parameter gradients (into gb) added to the fixed-point sums acc (its gfix record,
 * or the thread's own when the step follows at once), the input gradients into din
 * (DIRECT) or the slot rows dxg (MASKED). */
static void lut_subnet_bwd(const pass_ctx *c, int o, const float *dy, float *xg, float *sub,
                           float *gb, uint64_t *acc) {
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int ld = m->w.ld, ldx;
    tr_lut p = tr_layer_lut(L, m->p.param, o), g = tr_lut_rec(L, gb);
    const float *x = lut_inputs(m, L, o, c->in, c->R, xg, &ldx);
    float *dx = lut_dx(c, L, o);
    memset(acc, 0, L->r_gamma * sizeof(uint64_t));
    if (tr_sub1_fits(&L->sh)) {
        tr_lut_fix f = tr_lut_fixrec(L, acc); /* the blocks in one pass */
        tr_sub1_backward_fix(&L->sh, &p, x, ldx, c->R, dy, &f, dx, ld, c->fjac);
        return;
    }
    tr_subnet_backward_fix(&L->sh, &p, x, ldx, c->R, dy, &g, acc, dx, ld, sub);
}

/* The weight gradients of a dense layer's outputs [lo, hi) from their output gradients
 * (ypre) and the transposed inputs xt: products over 16-row blocks of TR_DENSE_CHUNK
 * outputs, each added to the fixed-point sums; the regulariser's (rank 0). */
static void dense_wgrad(const pass_ctx *c, int lo, int hi, float *gb) {
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    const tr_layer_buf *B = &m->w.lb[c->l];
    size_t ld = (size_t)m->w.ld, in = (size_t)L->in, ldt = (size_t)tr_pad_rows(L->in);
    for (int o0 = lo; o0 < hi; o0 += TR_DENSE_CHUNK) {
        int M = hi - o0 < TR_DENSE_CHUNK ? hi - o0 : TR_DENSE_CHUNK;
        uint64_t *acc = m->opt->gfix + L->o_wd + (size_t)o0 * in;
        memset(acc, 0, (size_t)M * in * sizeof(uint64_t));
        for (int r0 = 0; r0 < c->R; r0 += TR_ROW_BLOCK) {
            int n = c->R - r0 < TR_ROW_BLOCK ? c->R - r0 : TR_ROW_BLOCK;
            tr_gemm(M, (int)in, n, B->ypre + (size_t)o0 * ld + r0, ld, 1, B->xt + (size_t)r0 * ldt,
                    ldt, gb, in);
            tr_fix_add(acc, gb, (size_t)M * in, TR_FIX_G);
        }
        if (c->wd > 0.0 && tr_dp_own(m)) {
            memset(gb, 0, (size_t)M * in * sizeof(float));
            tr_reg_backward(m->p.param + L->o_wd + (size_t)o0 * in, M, (int)in, c->wd, c->wd1, gb);
            tr_fix_add(acc, gb, (size_t)M * in, TR_FIX_G);
        }
    }
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

/* Step 2 of the backward of L-LUTs [lo, hi) of layer c->l on thread tid (phase -1, one
 * process: each one's step 1 first): the batch-norm backward, then the sub-network's (or
 * the dense layer's bias and weights'). */
static void bwd_luts(pass_ctx *c, int tid, int lo, int hi) {
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int ld = m->w.ld;
    float *sc = m->w.scratch[tid], *gb = m->w.gsc[tid];
    float *dy = sc, *xg = dy + ld, *sub = xg + (size_t)L->sh.F * ld;
    bool dense = L->wire == TR_WIRE_DENSE, per_addr = tr_addr_use(&m->w, L, c->n);
    bool slices = c->din_mode == TR_DIN_SLICES;
    /* a fixed-point record after gb's (layout.c's block_grad_floats) */
    uint64_t *own = dense ? NULL : (uint64_t *)(gb + tr_pad_rows((int)L->stride));
    size_t A = per_addr ? (size_t)1 << (L->sh.F * L->bits_in) : 0;
    for (int o = lo; o < hi; o++) {
        chan ch = lut_chan(m, c->l, o);
        if (!dense && o + 1 < hi) tr_lut_prefetch(m, c->l, o + 1, per_addr);
        if (c->phase < 0) unfinish_one(c, o, &ch, (uint64_t *)sc); /* one process: step 1 */
        uint64_t *st = m->w.st + 3 * (size_t)o;
        if (per_addr) { /* batch norm and estimator per address, then the sub-network */
            tr_lut g = tr_lut_rec(L, gb);
            uint64_t *acc = gfix_rec(m, L, o);
            tr_addr_bn bn = {ch.q, ch.gamma, ch.beta, ch.s, *ch.istd, c->n};
            if (tr_shape_degree(&L->sh) > 0) /* simd.c and deep_backward write every entry */
                memset(gb, 0, L->r_gamma * sizeof(float));
            tr_addr_backward(m, c->l, o, c->R, m->w.atab + (size_t)o * TR_ADDR_TAB * A, &bn,
                             ch.dval, st, &g, slices ? NULL : lut_dx(c, L, o), ld,
                             slices ? tr_din_slice(m, c->l, tid) : NULL, xg);
            bn_affine_grad(m, &ch, st);
            if (c->adam) { /* the step from the record itself (one process: complete sums) */
                tr_adam_lut(c->adam, m, L, o, gb, NULL);
                continue;
            }
            if (tr_dp_own(m)) /* complete sums: one rank holds them, the others 0 */
                tr_fix_set(acc, gb, L->r_gamma, TR_FIX_G);
            else
                memset(acc, 0, L->r_gamma * sizeof(uint64_t));
        } else {
            float k, sd, sdx;
            bn_back(c, &ch, st, dy, &k, &sd, &sdx);
            if (dense) {
                m->opt->gfix[L->o_b + o] = tr_fix_sum(dy, c->R, TR_FIX_G);
                memcpy(m->w.lb[c->l].ypre + (size_t)o * ld, dy, (size_t)c->R * sizeof(float));
            } else { /* fused: the sums in the thread's own record, in cache for the step */
                uint64_t *acc = c->adam ? own : gfix_rec(m, L, o);
                lut_subnet_bwd(c, o, dy, xg, sub, gb, acc);
            }
        }
        if (c->adam && !dense)
            tr_adam_lut(c->adam, m, L, o, NULL, own); /* the record's sums are final */
    }
    if (dense) dense_wgrad(c, lo, hi, gb);
}

static void bwd_job(void *vc, int tid, int nt) {
    (void)nt;
    lut_chunks(vc, tid, bwd_luts);
}

/* Input gradients of a masked layer (din.c), its inputs in chunks a free thread takes over
 * (each input's sum is its own; learned masks crowd the readers in an image's middle); of a
 * dense layer: W^T dY over a fixed share of the inputs. (Direct layers wrote them.) */
static void gradin_job(void *vc, int tid, int nt) {
    pass_ctx *c = vc;
    tr_model *m = c->m;
    const tr_layer *L = &m->p.layers[c->l];
    int W = L->in, ld = m->w.ld, lo, hi;
    bool dense = L->wire == TR_WIRE_DENSE;
    (void)nt;
    while (tr_pool_chunk(m->w.pool, W, tid, !dense, &lo, &hi))
        if (dense)
            tr_gemm(hi - lo, c->R, L->out, m->p.param + L->o_wd + lo, 1, (size_t)W,
                    m->w.lb[c->l].ypre, (size_t)ld, c->din + (size_t)lo * ld, (size_t)ld);
        else
            tr_din_sum(m, c->l, c->din_mode, c->R, c->din, lo, hi);
}

/* ---- Whole passes ------------------------------------------------------------------- */

/* The input stage of the forward pass (c->layer = -1): the encoder's bits, or the inputs'
 * batch norm and quantizer. */
static void run_inputs(tr_model *m, pass_ctx *c) {
    if (m->p.encode)
        tr_pool_run(m->w.pool, in_enc_job, c);
    else if (c->train)
        layer_forward_train(m, c);
    else
        tr_pool_run(m->w.pool, in_eval_job, c);
}

/* The forward pass over rows [0,R) (training: this rank's share of a batch of
 * m->w.rows_all rows). */
static void run_forward(tr_model *m, int R, bool train) {
    pass_ctx c = {.m = m, .l = -1, .R = R, .n = train ? m->w.rows_all : R, .train = train};
    tr_map_refresh(m, train);
    tr_table_refresh(m);
    run_inputs(m, &c);
    for (int l = 0; l < m->p.n_layers; l++) {
        layer_io(&c, l);
        if (train && !tr_addr_use(&m->w, &m->p.layers[l], c.n)) /* fwd_job's Jacobians */
            m->w.lb[l].dxg_used = true;
        if (train)
            layer_forward_train(m, &c);
        else
            tr_pool_run(m->w.pool, fwd_job, &c);
    }
}

double tr_model_forward_train(tr_model *m, int R, int *correct) {
    m->w.rows_all = m->w.split_rows > 0 ? m->w.split_rows : R;
    run_forward(m, R, true);
    tr_layer_buf *last = &m->w.lb[m->p.n_layers - 1];
    int C = m->p.classes, n = m->w.rows_all;
    size_t ld = (size_t)m->w.ld;
    if (m->p.head_group > 0) /* softmax(group sums / tau) cross-entropy (one process) */
        return tr_group_sum_ce(last->val, R, (int)ld, C, m->p.head_group, m->p.head_members,
                               m->p.head_own ? R / m->p.head_members : 0, m->p.head_tau, m->w.y,
                               m->w.logits, m->w.dlogits, last->dval, correct);
    uint64_t sum[2];
    tr_model_ce(m, R, sum);
    dp_reduce(m, sum, 2);
    if (correct) *correct = (int)sum[1];
    return (double)(int64_t)sum[0] / (double)TR_FIX_M / (double)n;
}

void tr_model_forward_eval(tr_model *m, int R) {
    run_forward(m, R, false);
}

void tr_model_forward_inputs(tr_model *m, int R) {
    pass_ctx c = {.m = m, .l = -1, .R = R, .n = R};
    run_inputs(m, &c);
}

void tr_model_bn_refit(tr_model *m, const rt_split *s, const int *perm, int n, int rows) {
    int R = rows < m->w.rows_max ? rows : m->w.rows_max;
    R = R < n ? R : n;
    int blocks = n / R;
    for (int k = 0; k < blocks; k++) { /* momentum 1/(k+1): the mean over the blocks */
        m->w.bn_momentum = 1.0f / (float)(k + 1);
        m->w.rows_all = R; /* every rank refits on the same rows: nothing is split */
        tr_model_load_rows(m, s, perm, k * R, R, 0);
        run_forward(m, R, true);
    }
    m->w.bn_momentum = TR_BN_MOMENTUM;
}

/* The gradients from their fixed-point sums over a share of the parameters. */
static void unfix_job(void *vc, int tid, int nt) {
    tr_model *m = vc;
    int lo, hi;
    tr_share((int)m->p.n_param, tid, nt, &lo, &hi);
    const uint64_t *restrict s = m->opt->gfix;
    float *restrict g = m->opt->grad;
    for (int i = lo; i < hi; i++)
        g[i] = tr_unfix(s[i], TR_FIX_G);
}

/* The gradient of the scale at offset o of layer l (-1: the input's) from the channels'
 * fixed-point sums of the scale-gradient terms (st, over all ranks; rank 0). */
static void scale_grad(tr_model *m, int l, size_t o) {
    int N = chan_count(m, l);
    uint64_t ds = 0;
    for (int k = 0; k < N; k++)
        ds += m->w.st[3 * (size_t)k + 2];
    float raw = m->p.param[o];
    bool live = tr_dp_own(m) && !(raw <= 1e-4f && raw >= -1e-4f);
    m->opt->gfix[o] = !live ? 0 : raw > 0 ? ds : 0 - ds;
}

/* The per-address sums of layer l need TR_ADDR_TAB * 2^A entries per L-LUT (grown on first
 * use). */
static void atab_fit(tr_model *m, const tr_layer *L) {
    size_t n = (size_t)L->out * TR_ADDR_TAB * ((size_t)1 << (L->sh.F * L->bits_in));
    if (n <= m->w.atab_n) return;
    free(m->w.atab);
    m->w.atab = xmalloc(n * sizeof(uint64_t));
    m->w.atab_n = n;
}

/* The backward pass: every gradient as a fixed-point sum over the rows (gfix), over all
 * ranks (every entry is written: the records' padding stays 0); with adam, the step of
 * the records tr_adam_fused allows. */
static void backward(tr_model *m, int R, double wd, double wd1, const tr_adam *adam) {
    pass_ctx c = {
        .m = m, .R = R, .n = m->w.rows_all, .train = true, .wd = wd, .wd1 = wd1, .fjac = true};
    for (int l = m->p.n_layers - 1; l >= 0; l--) {
        const tr_layer *L = &m->p.layers[l];
        layer_io(&c, l);
        c.adam = adam && tr_adam_fused(m, L) ? adam : NULL;
        bool map = L->connect == IR_CONNECT_MAPPING && !m->w.map_frozen;
        bool per_addr = tr_addr_use(&m->w, L, c.n);
        c.din_mode = tr_din_begin(m, l, per_addr && !map);
        if (per_addr) atab_fit(m, L);
        if (L->wire == TR_WIRE_DENSE || map) tr_pool_run(m->w.pool, transpose_job, &c);
        c.phase = tr_dp_active(m) ? 0 : -1; /* one process: step 1 inside bwd_job */
        if (c.phase == 0) {
            tr_pool_run(m->w.pool, unfinish_job, &c);
            dp_reduce(m, m->w.st, 3 * (size_t)L->out);
            if (per_addr)
                dp_reduce(m, m->w.atab,
                          (size_t)L->out * TR_ADDR_TAB * ((size_t)1 << (L->sh.F * L->bits_in)));
        }
        tr_pool_run(m->w.pool, bwd_job, &c);
        if (map) { /* a fixed encoder's bits need no gradient */
            tr_map_layer_backward(m, l, R, l > 0 || !m->p.encode ? c.din : NULL);
        } else if (L->wire != TR_WIRE_DIRECT) {
            tr_pool_run(m->w.pool, gradin_job, &c);
        }
        scale_grad(m, l, L->o_scale);
    }
    c.l = -1;
    c.adam = NULL;
    tr_pool_run(m->w.pool, unfinish_job, &c);
    dp_reduce(m, m->w.st, 3 * (size_t)m->p.inputs);
    for (int i = 0; i < m->p.inputs; i++) {
        bool own = tr_dp_own(m);
        m->opt->gfix[m->p.o_in_gamma + (size_t)i] = own ? m->w.st[3 * (size_t)i + 1] : 0;
        m->opt->gfix[m->p.o_in_beta + (size_t)i] = own ? m->w.st[3 * (size_t)i] : 0;
    }
    scale_grad(m, -1, m->p.o_in_scale);
    dp_reduce(m, m->opt->gfix, m->p.n_param);
}

void tr_model_backward(tr_model *m, int R, double wd, double wd1) {
    backward(m, R, wd, wd1, NULL);
    tr_pool_run(m->w.pool, unfix_job, m); /* the floats, for the tests (Adam reads gfix) */
}

void tr_model_step(tr_model *m, int R, const ir_stage *st, double lr, double wd, double wd1) {
    tr_adam a;
    tr_adam_begin(&a, m->opt, st, lr);
    backward(m, R, wd, wd1, &a);
    tr_adam_run(m, &a, true);
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
    float *gb = m->w.gsc[tid];
    tr_share(L->out, tid, nt, &lo, &hi);
    for (int o = lo; o < hi; o++) {
        memcpy(dy, c->raw_dy + (size_t)o * ld, (size_t)c->R * sizeof(float));
        for (int r = c->R; r < tr_pad_rows(c->R); r++)
            dy[r] = 0.0f;
        lut_subnet_bwd(c, o, dy, xg, sub, gb, gfix_rec(m, L, o));
    }
}

void tr_layer_subnet_forward(tr_model *m, int l, const float *in, int R, float *y) {
    tr_table_refresh(m);
    pass_ctx c = {.m = m, .l = l, .R = R, .n = R, .train = true, .in = in, .raw_y = y};
    tr_pool_run(m->w.pool, raw_fwd_job, &c);
}

void tr_layer_subnet_backward(tr_model *m, int l, const float *in, int R, const float *dy,
                              float *din) {
    pass_ctx c = {
        .m = m, .l = l, .R = R, .n = R, .train = true, .in = in, .din = din, .raw_dy = dy};
    memset(m->opt->gfix, 0, m->p.n_param * sizeof(uint64_t));
    m->w.lb[l].dxg_used = true;
    tr_pool_run(m->w.pool, raw_bwd_job, &c);
    tr_pool_run(m->w.pool, unfix_job, m);
    if (m->p.layers[l].wire == TR_WIRE_MASKED) tr_pool_run(m->w.pool, gradin_job, &c);
}
