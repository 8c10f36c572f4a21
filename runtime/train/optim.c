/* optim.c - Adam / AdamW over the model's parameter block, and the learning-rate schedules
 * (constant; cosine annealing with warm restarts, SGDR), and the step over a model (tr_adam_run;
 * the backward runs it per L-LUT record when fused, model.c).
 *
 * Weight decay applies to the weights only (fc, skip and dense weights; the callers in
 * model.c know the layout), never to biases, batch-norm affines or quantizer scales. Adam
 * adds it to the gradient (L2); AdamW shrinks the weight first (decoupled), as PyTorch does.
 */
#include "train_int.h"

#include <math.h>

#define ADAM_EPS 1e-8f

void tr_adam_begin(tr_adam *a, tr_optim *o, const ir_stage *st, double lr) {
    o->adam_t++;
    a->lr = (float)lr;
    a->b1 = (float)st->beta1;
    a->b2 = (float)st->beta2;
    a->c1 = (float)(1.0 - tr_powi(st->beta1, o->adam_t));
    a->c2 = (float)(1.0 - tr_powi(st->beta2, o->adam_t));
    a->wd = (float)st->weight_decay;
    a->decoupled = st->optimizer == IR_OPT_ADAMW;
}

/* One step's constants for one kind of parameter (decay or not). */
typedef struct adam_k {
    float b1, b2, step, rc2, l2, shrink;
} adam_k;

static adam_k adam_consts(const tr_adam *a, bool decay) {
    /* lr * (m/c1) / (sqrt(v/c2) + eps), with the bias corrections folded into constants */
    float wd = decay ? a->wd : 0.0f;
    adam_k k = {a->b1,
                a->b2,
                a->lr / a->c1,
                1.0f / sqrtf(a->c2),
                a->decoupled ? 0.0f : wd,
                a->decoupled ? 1.0f - a->lr * wd : 1.0f};
    return k;
}

/* Element i's update from its gradient G (a fixed-point sum's float). */
#define ADAM_ELEM(G)                                                                               \
    do {                                                                                           \
        float gi = (G) + k.l2 * p[i];                                                              \
        mm[i] = k.b1 * mm[i] + (1.0f - k.b1) * gi;                                                 \
        vv[i] = k.b2 * vv[i] + (1.0f - k.b2) * gi * gi;                                            \
        p[i] = p[i] * k.shrink - k.step * mm[i] / (sqrtf(vv[i]) * k.rc2 + ADAM_EPS);               \
    } while (0)

/* The step over n parameters p (moments mm, vv) from their gradients' sums g. */
static void adam_sums(adam_k k, float *restrict p, float *restrict mm, float *restrict vv,
                      const uint64_t *restrict g, size_t n) {
    for (size_t i = 0; i < n; i++)
        ADAM_ELEM(tr_unfix(g[i], TR_FIX_G));
}

/* The same from gradients g of one term each (the sums tr_fix(g[i])): the same floats. */
static void adam_terms(adam_k k, float *restrict p, float *restrict mm, float *restrict vv,
                       const float *restrict g, size_t n) {
    for (size_t i = 0; i < n; i++)
        ADAM_ELEM(tr_fix_round(g[i], TR_FIX_G));
}
#undef ADAM_ELEM

void tr_adam_apply(const tr_adam *a, float *param, tr_optim *o, size_t i0, size_t n, bool decay) {
    adam_sums(adam_consts(a, decay), param + i0, o->adam_m + i0, o->adam_v + i0, o->gfix + i0, n);
}

bool tr_dp_own(const tr_model *m) {
    return m->w.split_rows == 0 || m->w.dp.rank == 0;
}

bool tr_dp_active(const tr_model *m) {
    const tr_work *w = &m->w;
    return w->split_rows > 0 && w->dp.ranks > 1 && w->dp.reduce;
}

void tr_adam_lut(const tr_adam *a, tr_model *m, const tr_layer *L, int o, const float *g,
                 const uint64_t *gs) {
    size_t rec = L->o_lut + (size_t)o * L->stride, nd = L->n_dec, nb = L->r_gamma - nd;
    float *p = m->p.param + rec, *mm = m->opt->adam_m + rec, *vv = m->opt->adam_v + rec;
    adam_k kd = adam_consts(a, true), kn = adam_consts(a, false);
    if (g) { /* the sub-network's from its float record, weights with decay */
        adam_terms(kd, p, mm, vv, g, nd);
        adam_terms(kn, p + nd, mm + nd, vv + nd, g + nd, nb);
    } else { /* from its sums (gs, or gfix's own) */
        if (!gs) gs = m->opt->gfix + rec;
        adam_sums(kd, p, mm, vv, gs, nd);
        adam_sums(kn, p + nd, mm + nd, vv + nd, gs + nd, nb);
    }
    tr_adam_apply(a, m->p.param, m->opt, rec + L->r_gamma, L->n_rec - L->r_gamma, false);
}

/* Fused only in one process (the sums over the rows are final when an L-LUT's rows are
 * done; ranks must add theirs first) and not for mapping layers (their weights' gradient
 * comes after the records'). An element's update reads only its own sum: no bit changes. */
bool tr_adam_fused(const tr_model *m, const tr_layer *L) {
    return !tr_dp_active(m) && L->wire != TR_WIRE_DENSE && L->connect != IR_CONNECT_MAPPING;
}

/* What one Adam job works on. */
typedef struct adam_pass {
    tr_model *m;      /* the model */
    const tr_adam *a; /* the step */
    bool fused;       /* the records tr_adam_fused allows are done */
} adam_pass;

static void adam_job(void *vc, int tid, int nt) {
    const tr_adam *a = ((adam_pass *)vc)->a;
    tr_model *m = ((adam_pass *)vc)->m;
    bool fused = ((adam_pass *)vc)->fused;
    int lo, hi;
    for (int l = 0; l < m->p.n_layers; l++) {
        const tr_layer *L = &m->p.layers[l];
        tr_share(L->out, tid, nt, &lo, &hi);
        if (L->wire == TR_WIRE_DENSE) {
            tr_adam_apply(a, m->p.param, m->opt, L->o_wd + (size_t)lo * L->in,
                          (size_t)(hi - lo) * L->in, true);
            if (tid == 0) /* bias, gamma and beta are contiguous */
                tr_adam_apply(a, m->p.param, m->opt, L->o_b, 3 * (size_t)L->out, false);
        } else if (!fused || !tr_adam_fused(m, L)) {
            for (int o = lo; o < hi; o++)
                tr_adam_lut(a, m, L, o, NULL, NULL);
        }
        if (L->connect == IR_CONNECT_MAPPING && L->wire != TR_WIRE_DENSE && !m->w.map_frozen)
            tr_adam_apply(a, m->p.param, m->opt, L->o_map + (size_t)lo * L->sh.F * L->ldw,
                          (size_t)(hi - lo) * L->sh.F * L->ldw, false);
    }
    if (tid == nt - 1) { /* the scales, then the input's gamma, beta and scale: contiguous */
        size_t s0 = m->p.layers[0].o_scale;
        tr_adam_apply(a, m->p.param, m->opt, s0, m->p.n_param - s0, false);
    }
}

void tr_adam_run(tr_model *m, const tr_adam *a, bool fused) {
    adam_pass c = {m, a, fused};
    tr_pool_run(m->w.pool, adam_job, &c);
}

void tr_adam_step(tr_model *m, const ir_stage *st, double lr) {
    tr_adam a;
    tr_adam_begin(&a, m->opt, st, lr);
    tr_adam_run(m, &a, false);
}

double tr_lr_at(const ir_stage *st, double e) {
    if (st->schedule != IR_SCHED_COSINE) return st->lr;
    double t0 = st->restart_epochs > 0 ? st->restart_epochs : (st->epochs > 0 ? st->epochs : 1);
    double mult = st->restart_mult >= 1.0 ? st->restart_mult : 1.0;
    double tcur, ti;
    if (mult == 1.0) {
        ti = t0;
        tcur = fmod(e, t0);
    } else {
        double n = floor(tr_log(e / t0 * (mult - 1.0) + 1.0) / tr_log(mult));
        ti = t0 * tr_powi(mult, (uint64_t)n);
        tcur = e - t0 * (tr_powi(mult, (uint64_t)n) - 1.0) / (mult - 1.0);
    }
    return st->lr_min + (st->lr - st->lr_min) * 0.5 * (1.0 + tr_cos(M_PI * tcur / ti));
}
