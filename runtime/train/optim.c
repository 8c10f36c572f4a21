/* optim.c - Adam / AdamW over the model's parameter block, and the learning-rate schedules
 * (constant; cosine annealing with warm restarts, SGDR).
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

void tr_adam_apply(const tr_adam *a, float *param, tr_optim *o, size_t i0, size_t n, bool decay) {
    float *restrict p = param + i0;
    const uint64_t *restrict g = o->gfix + i0; /* the gradients' fixed-point sums */
    float *restrict mm = o->adam_m + i0, *restrict vv = o->adam_v + i0;
    float b1 = a->b1, b2 = a->b2, lr = a->lr;
    /* lr * (m/c1) / (sqrt(v/c2) + eps), with the bias corrections folded into constants */
    float step = lr / a->c1, rc2 = 1.0f / sqrtf(a->c2);
    float wd = decay ? a->wd : 0.0f;
    float l2 = a->decoupled ? 0.0f : wd, shrink = a->decoupled ? 1.0f - lr * wd : 1.0f;
    for (size_t i = 0; i < n; i++) {
        float gi = tr_unfix(g[i], TR_FIX_G) + l2 * p[i];
        mm[i] = b1 * mm[i] + (1.0f - b1) * gi;
        vv[i] = b2 * vv[i] + (1.0f - b2) * gi * gi;
        p[i] = p[i] * shrink - step * mm[i] / (sqrtf(vv[i]) * rc2 + ADAM_EPS);
    }
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
