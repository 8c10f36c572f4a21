/* batch.c - a batch's rows: loading them from a split (through the input encoder), the loss,
 * augmentation, the class scores of a row after a forward, and the parameter average.
 */
#include "train_int.h"

#include <stdlib.h>

/* What one loading job works on. */
typedef struct load_pass {
    tr_model *m;
    const rt_split *s;
    const int *perm;
    int i0, R, at;
} load_pass;

/* A share of the features of rows [0,R) into the feature-major batch, 16 rows at a time
 * (each feature's 16 values are one cache line of x_in). */
static void load_job(void *vc, int tid, int nt) {
    const load_pass *c = vc;
    const tr_params *P = &c->m->p;
    size_t ld = (size_t)c->m->w.ld, F = (size_t)P->features;
    int lo, hi;
    tr_share(P->inputs, tid, nt, &lo, &hi);
    const float *thr = P->state + P->o_enc;
    for (int r0 = 0; r0 < c->R; r0 += 16) {
        int n = c->R - r0 < 16 ? c->R - r0 : 16;
        const float *src[16];
        for (int k = 0; k < n; k++) {
            int r = r0 + k, i = c->perm ? c->perm[c->i0 + r] : c->i0 + r;
            src[k] = c->s->x + (size_t)i * F;
        }
        float *out = c->m->w.x_in + (size_t)c->at + (size_t)r0;
        for (size_t j = (size_t)lo; j < (size_t)hi; j++) {
            float *o = out + j * ld;
            if (P->encode) /* the bits of tr_encode_row, as 0/1 */
                for (int k = 0; k < n; k++)
                    o[k] = src[k][j / (size_t)P->enc_levels] > thr[j];
            else
                for (int k = 0; k < n; k++)
                    o[k] = src[k][j];
        }
    }
}

void tr_model_load_rows(tr_model *m, const rt_split *s, const int *perm, int i0, int R, int at) {
    for (int r = 0; r < R; r++)
        m->w.y[at + r] = s->y[perm ? perm[i0 + r] : i0 + r];
    load_pass c = {m, s, perm, i0, R, at};
    tr_pool_run(m->w.pool, load_job, &c);
}

/* What one loss job works on. */
typedef struct loss_pass {
    tr_model *m;
    int R;
} loss_pass;

/* The cross-entropy over a share of the batch's rows (tr_ce_rows): the logits row-major,
 * the loss's fixed-point sum and the correct count into lpart[2 tid], [2 tid + 1], the
 * gradients back into the last layer's dval. */
static void loss_job(void *vc, int tid, int nt) {
    const loss_pass *c = vc;
    tr_model *m = c->m;
    const tr_layer_buf *last = &m->w.lb[m->p.n_layers - 1];
    int C = m->p.classes, lo, hi, ok;
    size_t ld = (size_t)m->w.ld;
    tr_share(c->R, tid, nt, &lo, &hi);
    for (int r = lo; r < hi; r++)
        for (int k = 0; k < C; k++)
            m->w.logits[(size_t)r * C + k] = last->val[(size_t)k * ld + r];
    float *lg = m->w.logits + (size_t)lo * C, *dl = m->w.dlogits + (size_t)lo * C;
    m->w.lpart[2 * tid] =
        tr_ce_rows(lg, m->w.y + lo, m->w.class_w, hi - lo, m->w.rows_all, C, dl, &ok);
    m->w.lpart[2 * tid + 1] = (uint64_t)ok;
    for (int r = lo; r < hi; r++)
        for (int k = 0; k < C; k++)
            last->dval[(size_t)k * ld + r] = m->w.dlogits[(size_t)r * C + k];
}

void tr_model_ce(tr_model *m, int R, uint64_t sum[2]) {
    loss_pass c = {m, R};
    tr_pool_run(m->w.pool, loss_job, &c);
    sum[0] = sum[1] = 0;
    for (int t = 0; t < m->w.threads; t++) /* integers: the same sums for any thread count */
        sum[0] += m->w.lpart[2 * t], sum[1] += m->w.lpart[2 * t + 1];
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

void tr_model_shift_rows(tr_model *m, const rt_dataset *d, const rt_split *s, const int *perm,
                         int i0, int R, int at, int P, rt_rng *rng) {
    /* the image is moved, then encoded: with an input encoder pixel j's T bits are its
     * shifted value against its own thresholds (tr_model_load_rows' codes) */
    int H = d->img_h, W = d->img_w, T = m->p.encode ? m->p.enc_levels : 1;
    size_t ld = (size_t)m->w.ld;
    const float *thr = m->p.state + m->p.o_enc;
    for (int r = 0; r < R; r++) {
        int dy = (int)rt_rng_below(rng, 2u * (unsigned)P + 1) - P;
        int dx = (int)rt_rng_below(rng, 2u * (unsigned)P + 1) - P;
        const float *src = s->x + (size_t)(perm ? perm[i0 + r] : i0 + r) * (size_t)(H * W);
        float *col = m->w.x_in + at + r;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int sy = y - dy, sx = x - dx, j = y * W + x;
                bool in = sy >= 0 && sy < H && sx >= 0 && sx < W;
                float v = in ? src[sy * W + sx] : d->blank[j];
                for (int t = 0; t < T; t++) {
                    size_t k = (size_t)j * (size_t)T + (size_t)t;
                    col[k * ld] = m->p.encode ? (float)(v > thr[k]) : v;
                }
            }
    }
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
