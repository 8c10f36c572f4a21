/* layout.c - the model's three parts and their lifetimes: the parameters (tr_params: shapes,
 * wiring, the parameter block and the batch-norm running statistics, what model.bin holds),
 * the optimizer state (tr_optim: gradients and Adam moments, only while training) and the
 * workspace (tr_work: batch buffers sized by rows_max, per-thread scratch, the pool). Each
 * is one allocation sliced into its arrays. Also the initial values, the fingerprint and
 * the masks read from a dense model.
 *
 * Parameter block layout (floats): first every weight that weight decay applies to
 * (per layer: dense weights, or fc1, deeper hidden, fc2 and skip weights of every L-LUT),
 * then biases, batch-norm affines and quantizer scales (per layer, then the input's).
 * The batch-norm running statistics follow in the state slice.
 */
#include "train_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- One block, sliced ---------------------------------------------------------------- */

/* Slices of one allocation, 64-byte aligned. Run a layout once with base NULL to measure
 * (every slice is NULL), then with the allocated base to hand out the slices. */
typedef struct carver {
    char *base; /* the block, or NULL while measuring */
    size_t n;   /* bytes handed out so far */
} carver;

static void *carve(carver *c, size_t bytes) {
    size_t at = c->n;
    c->n += (bytes + 63) / 64 * 64;
    return c->base && bytes ? c->base + at : NULL;
}

#define HUGE_PAGE ((size_t)2 << 20)

/* A zeroed block of n bytes (n > 0), 64-byte aligned. A block of two huge pages or more
 * is aligned to them and asked to be backed by them (Linux: MADV_HUGEPAGE), so that the
 * training's walks over the parameters, moments and batch rows do not miss the TLB every
 * 4 KiB (MNIST batch 256: +6% on 2 threads, +9% on 1; bench/train/README.md); where the
 * system says no, it stays on small pages. */
static void *block_new(size_t n) {
    size_t sz = (n + 63) / 64 * 64, al = sz >= 2 * HUGE_PAGE ? HUGE_PAGE : 64;
    if (al == HUGE_PAGE) sz = (sz + al - 1) / al * al;
    void *p = aligned_alloc(al, sz > 0 ? sz : 64);
    if (!p) rt_oom();
#ifdef MADV_HUGEPAGE
    if (al == HUGE_PAGE) (void)madvise(p, sz, MADV_HUGEPAGE);
#endif
    memset(p, 0, sz > 0 ? sz : 64);
    return p;
}

/* ---- Fingerprint ---------------------------------------------------------------------- */

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
        if (L->kind == IR_KIND_POLY || L->kind == IR_KIND_TABLE ||
            L->connect == IR_CONNECT_MAPPING) { /* (the others: as before) */
            v[0] = (int)L->kind;
            v[1] = L->degree;
            v[2] = (int)L->connect;
            h = mix_ints(h, v, L->connect == IR_CONNECT_MAPPING ? 3 : 2);
        }
    }
    if (ir->encode != IR_ENC_HARDTANH || ir->head != IR_HEAD_CODES) {
        v[0] = (int)ir->encode;
        v[1] = ir->enc_levels;
        v[2] = (int)ir->enc_thresholds;
        v[3] = ir->head_group;
        h = mix_ints(h, v, 4);
    }
    return h;
}

void tr_layer_readers(tr_layer *L) {
    int F = L->sh.F;
    memset(L->rd_off, 0, ((size_t)L->in + 1) * sizeof(int));
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

/* ---- Parameters ----------------------------------------------------------------------- */

/* Shape and wiring kind of layer l from the IR. */
static void layer_shape(tr_layer *L, const ir_layer *il, bool dense) {
    snprintf(L->name, sizeof L->name, "%s", il->name ? il->name : "layer");
    L->in = il->in_width;
    L->out = il->out_width;
    L->sh.F = il->fanin;
    L->sh.N = il->hidden;
    L->sh.depth = il->hidden > 0 ? (il->depth > 0 ? il->depth : 1) : 0;
    L->sh.skip = il->lut_skip;
    L->sh.degree = il->kind == IR_KIND_POLY ? il->degree : 0; /* linear: hidden 0 with skip */
    L->sh.table = il->kind == IR_KIND_TABLE;
    L->sh.b_in = L->sh.table ? il->bits_in : 0;
    L->q = tr_qspec_make(il->quant, il->bits_out);
    L->bits_in = il->bits_in;
    L->connect = il->connect;
    if (dense && il->connect == IR_CONNECT_LEARNED)
        L->wire = TR_WIRE_DENSE;
    else if (il->connect == IR_CONNECT_CONTIGUOUS && L->out * L->sh.F == L->in)
        L->wire = TR_WIRE_DIRECT;
    else /* masks, or contiguous inputs read 0 or many times (leaf layers that wrap) */
        L->wire = TR_WIRE_MASKED;
}

/* Weights in an L-LUT record's ws slice: the skip path's F, or a linear or polynomial
 * L-LUT's monomial weights (poly.c). */
static size_t ws_count(const tr_shape *sh) {
    if (sh->table) return (size_t)1 << tr_shape_addr_bits(sh); /* the table's entries */
    int D = tr_shape_degree(sh);
    return D > 0 ? (size_t)tr_poly_terms(sh->F, D) - 1 : sh->skip ? (size_t)sh->F : 0;
}

/* Parameter offsets of layer L from float n on; returns the next free offset. */
static size_t layer_offsets(tr_layer *L, size_t n) {
    size_t O = (size_t)L->out, F = (size_t)L->sh.F, N = (size_t)L->sh.N;
    size_t D = L->sh.depth > 1 ? (size_t)L->sh.depth - 1 : 0;
    if (L->wire == TR_WIRE_DENSE) {
        L->o_wd = n;
        n += O * (size_t)L->in;
        L->o_b = n;
        n += O;
        L->o_gamma = n;
        n += O;
        L->o_beta = n;
        return n + O;
    }
    /* one record per L-LUT: weights (decayed) then biases and norm, 16-float aligned */
    size_t r = F * N;
    L->r_wh = r;
    r += D * N * N;
    L->r_w2 = r;
    r += N;
    L->r_ws = r;
    r += ws_count(&L->sh);
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
    if (L->connect == IR_CONNECT_MAPPING) { /* the selection weights */
        L->ldw = tr_map_pad(L->in);
        L->o_map = n;
        n += O * F * (size_t)L->ldw;
    }
    return n;
}

/* Offsets of every parameter and running statistic: the layers' records or arrays, the
 * quantizer scales, the input's parameters; then the state block. */
static void param_offsets(tr_params *p) {
    size_t n = 0;
    for (int l = 0; l < p->n_layers; l++)
        n = layer_offsets(&p->layers[l], n);
    for (int l = 0; l < p->n_layers; l++)
        p->layers[l].o_scale = n++;
    p->o_in_gamma = n;
    n += (size_t)p->inputs;
    p->o_in_beta = n;
    n += (size_t)p->inputs;
    p->o_in_scale = n;
    p->n_param = n + 1;
    size_t ns = 0;
    for (int l = 0; l < p->n_layers; l++) {
        tr_layer *L = &p->layers[l];
        L->o_rmean = ns;
        ns += (size_t)L->out;
        L->o_rvar = ns;
        ns += (size_t)L->out;
    }
    p->o_in_rmean = ns;
    ns += (size_t)p->inputs;
    p->o_in_rvar = ns;
    ns += (size_t)p->inputs;
    p->o_enc = ns; /* the encoder's thresholds */
    p->n_state = ns + (p->encode ? (size_t)p->inputs : 0);
}

/* The slices of the parameter block: param, state, then every layer's wiring tables. */
static void param_slices(tr_params *p, carver *c) {
    p->param = carve(c, p->n_param * sizeof(float));
    p->state = carve(c, p->n_state * sizeof(float));
    for (int l = 0; l < p->n_layers; l++) {
        tr_layer *L = &p->layers[l];
        size_t slots = (size_t)L->out * L->sh.F;
        L->idx = L->wire == TR_WIRE_DENSE ? NULL : carve(c, slots * sizeof(int));
        L->rd_off = L->wire == TR_WIRE_MASKED ? carve(c, ((size_t)L->in + 1) * sizeof(int)) : NULL;
        L->rd_slot = L->wire == TR_WIRE_MASKED ? carve(c, slots * sizeof(int)) : NULL;
    }
}

void tr_params_build(tr_params *p, const ir_program *ir, bool dense, int *const *masks,
                     uint64_t seed) {
    memset(p, 0, sizeof *p);
    p->n_layers = ir->n_layers;
    p->layers = xcalloc((size_t)p->n_layers, sizeof(tr_layer));
    p->inputs = ir->in_width > 0 ? ir->in_width : ir->dataset.inputs;
    p->classes = ir->dataset.classes;
    p->encode = (int)ir->encode;
    p->features = ir->dataset.inputs;
    p->enc_thresh = (int)ir->enc_thresholds;
    p->enc_levels = ir->encode == IR_ENC_THERMOMETER ? ir->enc_levels : 1;
    p->head_group = ir->head == IR_HEAD_GROUP_SUM ? ir->head_group : 0;
    p->head_tau = (float)ir->head_tau;
    p->head_members = ir->head_members > 1 ? ir->head_members : 1;
    p->head_own = ir->head_batches == IR_MBATCH_OWN && p->head_members > 1;
    p->in_q = tr_qspec_make(IR_Q_HARDTANH, ir->input_bits);
    p->dense = dense;
    p->fingerprint = tr_ir_fingerprint(ir);
    for (int l = 0; l < p->n_layers; l++)
        layer_shape(&p->layers[l], &ir->layers[l], dense);
    param_offsets(p);
    carver c = {NULL, 0};
    param_slices(p, &c);
    p->block = block_new(c.n);
    c = (carver){p->block, 0};
    param_slices(p, &c);
    for (int l = 0; l < p->n_layers; l++) {
        tr_layer *L = &p->layers[l];
        int F = L->sh.F;
        if (L->wire == TR_WIRE_DENSE) continue;
        if (L->connect == IR_CONNECT_CONTIGUOUS) {
            for (int s = 0; s < L->out * F; s++)
                L->idx[s] = s % L->in; /* j*F+k; wraps only for leaf layers */
        } else if (masks && masks[l]) {
            memcpy(L->idx, masks[l], (size_t)L->out * F * sizeof(int));
        } else {
            random_mask(L, seed, l); /* mapping: until tr_map_refresh */
            if (L->connect != IR_CONNECT_MAPPING)
                L->connect = IR_CONNECT_RANDOM; /* learned without a dense stage */
        }
        if (L->wire == TR_WIRE_MASKED) tr_layer_readers(L);
    }
}

void tr_params_free(tr_params *p) {
    free(p->layers);
    free(p->block);
    memset(p, 0, sizeof *p);
}

/* ---- Optimizer state ------------------------------------------------------------------ */

tr_optim *tr_optim_new(size_t n) {
    tr_optim *o = xcalloc(1, sizeof *o);
    size_t sz = (n * sizeof(float) + 63) / 64 * 64;
    o->block = block_new(5 * sz);
    o->grad = o->block;
    o->adam_m = (float *)((char *)o->block + sz);
    o->adam_v = (float *)((char *)o->block + 2 * sz);
    o->gfix = (uint64_t *)((char *)o->block + 3 * sz);
    o->n_param = n;
    return o;
}

void tr_optim_free(tr_optim *o) {
    if (!o) return;
    free(o->block);
    free(o);
}

void tr_optim_reset(tr_optim *o) {
    memset(o->adam_m, 0, o->n_param * sizeof(float));
    memset(o->adam_v, 0, o->n_param * sizeof(float));
    o->adam_t = 0;
}

/* ---- Workspace ------------------------------------------------------------------------ */

/* Floats of per-thread scratch the passes over p need with leading dimension ld. */
static size_t scratch_floats(const tr_params *p, size_t ld) {
    size_t scratch = 4 * ld;
    for (int l = 0; l < p->n_layers; l++) {
        const tr_layer *L = &p->layers[l];
        /* gathered inputs, four row vectors, the sub-network's own scratch */
        size_t need = (size_t)L->sh.F * ld + 4 * ld +
                      (L->wire == TR_WIRE_DENSE ? 0 : tr_subnet_scratch(&L->sh, (int)ld));
        if (need > scratch) scratch = need;
        need = 2 * ld + tr_addr_scratch(L, (int)ld); /* two rows, then the per-address path */
        if (need > scratch) scratch = need;
    }
    return scratch + 64;
}

/* Floats of a thread's block gradients (training): an L-LUT record and its fixed-point
 * sums (model.c's bwd_job), or TR_DENSE_CHUNK rows of a dense layer's weights. */
static size_t block_grad_floats(const tr_params *p) {
    size_t n = 16;
    for (int l = 0; l < p->n_layers; l++) {
        const tr_layer *L = &p->layers[l];
        size_t need = L->wire == TR_WIRE_DENSE ? (size_t)TR_DENSE_CHUNK * L->in
                                               : 3 * (size_t)tr_pad_rows((int)L->stride);
        n = need > n ? need : n;
    }
    return n + 16;
}

/* The slices of the workspace block (w->train, ld, threads and scratch_n set). */
static void work_slices(tr_work *w, const tr_params *p, carver *c) {
    size_t ld = (size_t)w->ld, W = (size_t)p->inputs;
    bool t = w->train;
    w->lb = carve(c, (size_t)p->n_layers * sizeof(tr_layer_buf));
    for (int l = 0; l < p->n_layers; l++) {
        const tr_layer *L = &p->layers[l];
        size_t O = (size_t)L->out, F = (size_t)L->sh.F;
        tr_layer_buf b = {0};
        b.val = carve(c, O * ld * sizeof(float));
        b.codes = carve(c, O * ld * sizeof(uint16_t));
        if (l == p->n_layers - 1) b.zlast = carve(c, O * ld * sizeof(float));
        if (t) {
            b.xhat = carve(c, O * ld * sizeof(float));
            b.dval = carve(c, O * ld * sizeof(float));
            b.istd = carve(c, O * sizeof(float));
            if (L->wire == TR_WIRE_DENSE) b.ypre = carve(c, O * ld * sizeof(float));
            if (L->wire == TR_WIRE_DENSE || L->connect == IR_CONNECT_MAPPING)
                b.xt = carve(c, ld * (size_t)tr_pad_rows(L->in) * sizeof(float));
            if (L->connect == IR_CONNECT_MAPPING) {
                b.mp = carve(c, O * F * (size_t)L->ldw * sizeof(float));
                b.mg = carve(c, O * F * (size_t)L->ldw * sizeof(float));
            }
            if (L->wire == TR_WIRE_MASKED) b.dxg = carve(c, O * F * ld * sizeof(float));
            if (tr_addr_scratch(L, (int)ld) > 0) {
                size_t ua = O * (size_t)tr_addr_rows(L, (int)ld);
                b.anum = carve(c, O * ld * sizeof(uint16_t));
                b.arep = carve(c, ua * sizeof(uint16_t));
                b.acnt = carve(c, ua * sizeof(uint32_t));
                b.ay = carve(c, ua * sizeof(float));
                if (tr_sub1_fits(&L->sh)) b.ajac = carve(c, ua * F * sizeof(float));
                b.aU = carve(c, O * sizeof(int));
                b.amu = carve(c, O * sizeof(float));
            }
        }
        if (w->lb) w->lb[l] = b;
    }
    w->x_in = carve(c, W * ld * sizeof(float));
    w->in_val = carve(c, W * ld * sizeof(float));
    w->in_codes = carve(c, W * ld * sizeof(uint16_t));
    w->in_xhat = t ? carve(c, W * ld * sizeof(float)) : NULL;
    w->in_dval = t ? carve(c, W * ld * sizeof(float)) : NULL;
    w->in_istd = t ? carve(c, W * sizeof(float)) : NULL;
    size_t C = W; /* the most channels of one layer */
    for (int l = 0; l < p->n_layers; l++)
        C = (size_t)p->layers[l].out > C ? (size_t)p->layers[l].out : C;
    w->st = t ? carve(c, 3 * C * sizeof(uint64_t)) : NULL;
    w->mu = t ? carve(c, C * sizeof(float)) : NULL;
    w->lpart = t ? carve(c, 2 * (size_t)w->threads * sizeof(uint64_t)) : NULL;
    w->logits = carve(c, ld * (size_t)p->classes * sizeof(float));
    w->dlogits = t ? carve(c, ld * (size_t)p->classes * sizeof(float)) : NULL;
    w->y = carve(c, ld * sizeof(int));
    w->scratch = carve(c, (size_t)w->threads * sizeof(float *));
    for (int k = 0; k < w->threads; k++) {
        float *s = carve(c, w->scratch_n * sizeof(float));
        if (w->scratch) w->scratch[k] = s;
    }
    w->gsc = t ? carve(c, (size_t)w->threads * sizeof(float *)) : NULL;
    for (int k = 0; t && k < w->threads; k++) {
        float *s = carve(c, w->gsc_n * sizeof(float));
        if (w->gsc) w->gsc[k] = s;
    }
}

void tr_work_build(tr_work *w, const tr_params *p, int rows_max, int threads, bool train) {
    memset(w, 0, sizeof *w);
    w->train = train;
    w->rows_max = rows_max;
    w->ld = tr_pad_rows(rows_max);
    w->bn_momentum = TR_BN_MOMENTUM;
    w->pool = tr_pool_new(tr_threads(threads));
    w->threads = tr_pool_threads(w->pool);
    w->scratch_n = scratch_floats(p, (size_t)w->ld);
    w->gsc_n = block_grad_floats(p);
    carver c = {NULL, 0};
    work_slices(w, p, &c);
    w->block = block_new(c.n);
    c = (carver){w->block, 0};
    work_slices(w, p, &c);
}

void tr_work_free(tr_work *w) {
    tr_pool_free(w->pool);
    free(w->atab);
    free(w->block);
    memset(w, 0, sizeof *w);
}

/* ---- The model ------------------------------------------------------------------------ */

tr_model *tr_model_new(const ir_program *ir, bool dense, int *const *masks, uint64_t seed,
                       int rows_max, int threads, bool train) {
    tr_model *m = xcalloc(1, sizeof *m);
    tr_params_build(&m->p, ir, dense, masks, seed);
    if (train) m->opt = tr_optim_new(m->p.n_param);
    tr_work_build(&m->w, &m->p, rows_max, threads, train);
    return m;
}

void tr_model_finish_training(tr_model *m) {
    tr_optim_free(m->opt);
    m->opt = NULL;
    if (!m->w.train) return;
    int rows = m->w.rows_max, threads = m->w.threads;
    tr_work_free(&m->w);
    tr_work_build(&m->w, &m->p, rows, threads, false);
}

void tr_model_free(tr_model *m) {
    if (!m) return;
    tr_work_free(&m->w);
    tr_optim_free(m->opt);
    tr_params_free(&m->p);
    free(m);
}

/* ---- Initial values and slices ------------------------------------------------------- */

/* fills n floats with uniform(-1,1)/sqrt(fan) */
static void fill_uniform(float *p, size_t n, int fan, rt_rng *r) {
    float k = 1.0f / sqrtf((float)(fan > 0 ? fan : 1));
    for (size_t i = 0; i < n; i++)
        p[i] = rt_rng_sym(r) * k;
}

void tr_model_init_params(tr_model *m, uint64_t seed, int stage) {
    rt_rng r;
    rt_rng_seed(&r, seed, 0x696e6974ULL /* "init" */, (uint64_t)stage, 0);
    tr_params *pm = &m->p;
    float *P = pm->param;
    memset(P, 0, pm->n_param * sizeof(float));
    for (int l = 0; l < pm->n_layers; l++) {
        tr_layer *L = &pm->layers[l];
        size_t F = (size_t)L->sh.F, N = (size_t)L->sh.N;
        size_t D = L->sh.depth > 1 ? (size_t)L->sh.depth - 1 : 0;
        bool dense = L->wire == TR_WIRE_DENSE;
        if (dense) {
            fill_uniform(P + L->o_wd, (size_t)L->out * L->in, L->in, &r);
            fill_uniform(P + L->o_b, (size_t)L->out, L->in, &r);
        }
        for (int o = 0; o < L->out; o++) {
            if (!dense) {
                tr_lut p = tr_layer_lut(L, P, o);
                fill_uniform(p.w1, F * N, (int)F, &r);
                fill_uniform(p.b1, N, (int)F, &r);
                fill_uniform(p.wh, D * N * N, (int)N, &r);
                fill_uniform(p.bh, D * N, (int)N, &r);
                fill_uniform(p.w2, N, (int)N, &r);
                size_t nws = ws_count(&L->sh);
                fill_uniform(p.ws, nws, (int)nws, &r);
                fill_uniform(p.b, 1, (int)F, &r);
            }
            P[tr_gamma_off(L, o)] = 1.0f;
            P[tr_beta_off(L, o)] = 0.0f;
            pm->state[L->o_rmean + o] = 0.0f;
            pm->state[L->o_rvar + o] = 1.0f;
        }
        bool last = l == pm->n_layers - 1;
        P[L->o_scale] = init_max(last) / (float)(L->q.qmax > 1 ? L->q.qmax : 1);
    }
    rt_rng_seed(&r, seed, 0x6d6170ULL /* "map" */, (uint64_t)stage, 0);
    for (int l = 0; l < pm->n_layers; l++) { /* mapping weights: their own stream */
        const tr_layer *L = &pm->layers[l];
        if (L->connect != IR_CONNECT_MAPPING || L->wire == TR_WIRE_DENSE) continue;
        for (int s = 0; s < L->out * L->sh.F; s++)
            fill_uniform(P + L->o_map + (size_t)s * L->ldw, (size_t)L->in, 1, &r);
    }
    for (int i = 0; i < pm->inputs; i++) {
        P[pm->o_in_gamma + i] = 1.0f;
        P[pm->o_in_beta + i] = 0.0f;
        pm->state[pm->o_in_rmean + i] = 0.0f;
        pm->state[pm->o_in_rvar + i] = 1.0f;
    }
    P[pm->o_in_scale] = 1.0f / (float)(pm->in_q.qmax > 1 ? pm->in_q.qmax : 1);
    if (m->opt) {
        tr_optim_reset(m->opt);
        memset(m->opt->grad, 0, pm->n_param * sizeof(float));
    }
}

tr_lut tr_layer_lut(const tr_layer *L, float *base, int o) {
    return tr_lut_rec(L, base + L->o_lut + (size_t)o * L->stride);
}

tr_lut tr_lut_rec(const tr_layer *L, float *rec) {
    tr_lut p = {rec,           rec + L->r_b1, rec + L->r_wh, rec + L->r_bh,
                rec + L->r_w2, rec + L->r_ws, rec + L->r_b};
    return p;
}

tr_lut_fix tr_lut_fixrec(const tr_layer *L, uint64_t *rec) {
    tr_lut_fix f = {rec, rec + L->r_b1, rec + L->r_w2, rec + L->r_ws, rec + L->r_b};
    return f;
}

size_t tr_gamma_off(const tr_layer *L, int o) {
    return L->wire == TR_WIRE_DENSE ? L->o_gamma + (size_t)o
                                    : L->o_lut + (size_t)o * L->stride + L->r_gamma;
}

size_t tr_beta_off(const tr_layer *L, int o) {
    return L->wire == TR_WIRE_DENSE ? L->o_beta + (size_t)o
                                    : L->o_lut + (size_t)o * L->stride + L->r_beta;
}

int **tr_model_masks_from_dense(const tr_model *m) {
    int **masks = xcalloc((size_t)m->p.n_layers, sizeof(int *));
    for (int l = 0; l < m->p.n_layers; l++) {
        const tr_layer *L = &m->p.layers[l];
        if (L->wire != TR_WIRE_DENSE) continue;
        int F = L->sh.F;
        masks[l] = xmalloc((size_t)L->out * F * sizeof(int));
        for (int o = 0; o < L->out; o++) {
            const float *w = m->p.param + L->o_wd + (size_t)o * L->in;
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

/* ---- Sizes without allocating (the memory estimate) ----------------------------------- */

/* The shapes and offsets of ir's parameters, without the block: layers only. */
static void params_measure(tr_params *p, const ir_program *ir, bool dense) {
    memset(p, 0, sizeof *p);
    p->n_layers = ir->n_layers;
    p->layers = xcalloc((size_t)(p->n_layers > 0 ? p->n_layers : 1), sizeof(tr_layer));
    p->inputs = ir->dataset.inputs;
    p->classes = ir->dataset.classes;
    p->dense = dense;
    for (int l = 0; l < p->n_layers; l++)
        layer_shape(&p->layers[l], &ir->layers[l], dense);
    param_offsets(p);
}

void tr_layout_measure(const ir_program *ir, bool dense, int rows_max, int threads,
                       tr_layout_size *out) {
    tr_params p;
    params_measure(&p, ir, dense);
    carver c = {NULL, 0};
    param_slices(&p, &c);
    out->params = c.n;
    out->n_param = p.n_param;
    out->n_state = p.n_state;
    for (int t = 0; t < 2; t++) {
        tr_work w;
        memset(&w, 0, sizeof w);
        w.train = t == 1;
        w.ld = tr_pad_rows(rows_max);
        w.threads = tr_threads(threads);
        w.scratch_n = scratch_floats(&p, (size_t)w.ld);
        w.gsc_n = block_grad_floats(&p);
        c = (carver){NULL, 0};
        work_slices(&w, &p, &c);
        if (t)
            out->work_train = c.n;
        else
            out->work_eval = c.n;
    }
    tr_params_free(&p);
}
