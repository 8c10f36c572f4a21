/* din.c - the input gradients of a masked layer (model.c's backward): each input's sum over
 * the slots that read it (the readers rd_off, rd_slot).
 *
 * The per-sample path writes each slot's gradient row into the slot rows dxg, summed here in
 * slot order (floats: TR_DIN_FLOAT). The per-address path (addr.c) sums the slots' terms
 * J * dy in int64 fixed point (fix.h, TR_FIX_G), whose sums do not depend on the order:
 * each thread adds its L-LUTs' terms into its own [in][ld] slice of dxg while they are in
 * cache, and the inputs' gradients are the sums over the slices (TR_DIN_SLICES, when every
 * thread's slice fits in dxg); else the slots write their rows and each row's terms are
 * added here (TR_DIN_FIXED). Both give the same sums, so the thread count changes no bit.
 * The slices start at 0: tr_din_sum leaves them so, and tr_din_begin zeroes dxg when
 * anything else wrote there since (dxg_used).
 */
#include "train_int.h"

#include <string.h>

enum { CHUNK = 256 }; /* rows (or entries) per pass over the terms */

/* Whether every thread's slice ([in][ld] int64) fits in masked layer L's dxg ([out * F][ld]
 * floats). */
static bool slices_fit(const tr_model *m, const tr_layer *L) {
    return 2 * (size_t)m->w.threads * (size_t)L->in <= (size_t)L->out * (size_t)L->sh.F;
}

int tr_din_begin(tr_model *m, int l, bool per_addr) {
    const tr_layer *L = &m->p.layers[l];
    tr_layer_buf *B = &m->w.lb[l];
    int mode = L->wire != TR_WIRE_MASKED || !per_addr ? TR_DIN_FLOAT
               : slices_fit(m, L)                     ? TR_DIN_SLICES
                                                      : TR_DIN_FIXED;
    if (mode == TR_DIN_SLICES && B->dxg_used)
        memset(B->dxg, 0, (size_t)m->w.threads * L->in * m->w.ld * sizeof(uint64_t));
    B->dxg_used = B->dxg && mode != TR_DIN_SLICES;
    return mode;
}

uint64_t *tr_din_slice(const tr_model *m, int l, int tid) {
    return (uint64_t *)m->w.lb[l].dxg + (size_t)tid * m->p.layers[l].in * m->w.ld;
}

/* x[i] = the float of the sum over the T slices s + t * stride of entry off + i, for
 * i < n; those entries zeroed. */
static void sum_slices(uint64_t *s, int T, size_t stride, size_t off, size_t n, float *restrict x) {
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        size_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        uint64_t sum[CHUNK] = {0};
        for (int t = 0; t < T; t++) {
            uint64_t *restrict a = s + t * stride + off + i0;
            for (size_t i = 0; i < m; i++) {
                sum[i] += a[i];
                a[i] = 0;
            }
        }
        for (size_t i = 0; i < m; i++)
            x[i0 + i] = tr_unfix(sum[i], TR_FIX_G);
    }
}

/* x[r] = the float of the sum over the K slot rows v + slot[k] * ld of tr_fix(term r), for
 * r < R. */
static void sum_fixed(const float *v, size_t ld, const int *slot, int K, int R, float *restrict x) {
    for (int r0 = 0; r0 < R; r0 += CHUNK) {
        int m = R - r0 < CHUNK ? R - r0 : CHUNK;
        uint64_t sum[CHUNK] = {0};
        for (int k = 0; k < K; k++)
            tr_fix_add(sum, v + (size_t)slot[k] * ld + r0, (size_t)m, TR_FIX_G);
        for (int r = 0; r < m; r++)
            x[r0 + r] = tr_unfix(sum[r], TR_FIX_G);
    }
}

/* x[r] += g[r] for r < R; a function of its own: inlined into sum_float's loop over the
 * slots, GCC's unroll-and-jam (-O3) read every second slot's row by gathers, which took
 * 7% of an MNIST batch-32 step on an AVX2 machine (bench/train/README.md, session 17). */
static __attribute__((noinline)) void add_row(float *restrict x, const float *restrict g, int R) {
    for (int r = 0; r < R; r++)
        x[r] += g[r];
}

/* x[r] = the sum over the K slot rows v + slot[k] * ld of term r in slot order, r < R. */
static void sum_float(const float *v, size_t ld, const int *slot, int K, int R, float *restrict x) {
    if (K == 0) { /* no reader */
        memset(x, 0, (size_t)R * sizeof(float));
        return;
    }
    memcpy(x, v + (size_t)slot[0] * ld, (size_t)R * sizeof(float));
    for (int k = 1; k < K; k++)
        add_row(x, v + (size_t)slot[k] * ld, R);
}

void tr_din_sum(const tr_model *m, int l, int mode, int R, float *din, int lo, int hi) {
    const tr_layer *L = &m->p.layers[l];
    const float *dxg = m->w.lb[l].dxg;
    size_t ld = (size_t)m->w.ld;
    if (mode == TR_DIN_SLICES) {
        sum_slices(tr_din_slice(m, l, 0), m->w.threads, (size_t)L->in * ld, (size_t)lo * ld,
                   (size_t)(hi - lo) * ld, din + (size_t)lo * ld);
        return;
    }
    for (int i = lo; i < hi; i++) {
        int k = L->rd_off[i], K = L->rd_off[i + 1] - k;
        if (mode == TR_DIN_FIXED)
            sum_fixed(dxg, ld, L->rd_slot + k, K, R, din + (size_t)i * ld);
        else
            sum_float(dxg, ld, L->rd_slot + k, K, R, din + (size_t)i * ld);
    }
}
