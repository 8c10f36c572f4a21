/* fc.c - fully connected rows and the fixed-order dot product: the arithmetic of the deep
 * sub-networks (depth > 1; kernels.c composes them), as vector kernels.
 *
 * The bits are the scalar definitions' (train_int.h), whatever the blocking or the vector
 * width (vfma.h's VL):
 *   forward   y[r][n] = relu?(bias[n] + x[r][0]*w[0][n] + ... + x[r][K-1]*w[K-1][n]),
 *             each step one fma, k in order;
 *   backward  dw[k][n] = sum_r x[r][k]*dy[r][n] (fma, rows in order, from 0),
 *             db[n] = sum_r dy[r][n] (rows in order, from 0), dx[r][k] = dot(w[k], dy[r]);
 *   dot       16 partial sums (element n into sum n mod 16, fma, in order), then the tree
 *             s[j] += s[j+w] for w = 8, 4, 2, 1.
 * Lanes hold independent elements (hidden units n, or the 16 partial sums), so vectors
 * change the speed and never the order. The forward keeps up to 4 rows x 4 vectors of
 * accumulators in registers (the weights of input k are loaded once per 4 rows); the
 * weight gradient keeps 4 inputs x 4 vectors (the upstream gradients of row r are loaded
 * once per 4 inputs). A partial vector (N not a multiple of VL) is loaded with zeros
 * beyond N and stored lane by lane.
 */
#include "train_int.h"

#include <string.h>

#include "vfma.h"

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 4")

/* ---- Forward ------------------------------------------------------------------------ */

/* Rows [r0, r0+RB) x the C vectors from column n0 (the last holds nl lanes). */
INLINE void fwd_tile(const int RB, const int C, const bool P, const float *restrict x, int ldx,
                     int r0, int K, const float *restrict w, int N, const float *restrict bias,
                     int n0, int nl, float *restrict y, int ldy, bool relu) {
    vf acc[4][4];
    UNROLL
    for (int c = 0; c < C; c++) {
        vf b = vldn(bias + n0 + c * VL, (P && c == C - 1) ? nl : VL);
        UNROLL
        for (int i = 0; i < RB; i++)
            acc[i][c] = b;
    }
    for (int k = 0; k < K; k++) {
        const float *restrict wk = w + (size_t)k * N + n0;
        vf wv[4];
        UNROLL
        for (int c = 0; c < C; c++)
            wv[c] = vldn(wk + c * VL, (P && c == C - 1) ? nl : VL);
        UNROLL
        for (int i = 0; i < RB; i++) {
            vf xs = vsplat(x[(size_t)(r0 + i) * ldx + k]);
            UNROLL
            for (int c = 0; c < C; c++)
                acc[i][c] = vfma(xs, wv[c], acc[i][c]);
        }
    }
    UNROLL
    for (int i = 0; i < RB; i++)
        UNROLL
    for (int c = 0; c < C; c++) {
        vf v = relu ? vpos(acc[i][c], acc[i][c]) : acc[i][c];
        vstn(y + (size_t)(r0 + i) * ldy + n0 + c * VL, v, (P && c == C - 1) ? nl : VL);
    }
}

/* All rows for the columns [n0, n0 + C*VL) (C a constant of each instantiation). */
INLINE void fwd_cols(const int C, const bool P, const float *x, int ldx, int R, int K,
                     const float *w, int N, const float *bias, int n0, int nl, float *y, int ldy,
                     bool relu) {
    int r = 0;
    for (; r + 4 <= R; r += 4)
        fwd_tile(4, C, P, x, ldx, r, K, w, N, bias, n0, nl, y, ldy, relu);
    for (; r < R; r++)
        fwd_tile(1, C, P, x, ldx, r, K, w, N, bias, n0, nl, y, ldy, relu);
}

void tr_fc_forward(const float *restrict x, int ldx, int R, int K, const float *restrict w,
                   const float *restrict bias, int N, float *restrict y, int ldy, bool relu) {
    /* full vectors in groups of up to 4, then the partial one */
    int nf = N / VL, nl = N % VL, n0 = 0;
    for (; nf >= 4; nf -= 4, n0 += 4 * VL)
        fwd_cols(4, false, x, ldx, R, K, w, N, bias, n0, VL, y, ldy, relu);
    if (nf == 3) fwd_cols(3, false, x, ldx, R, K, w, N, bias, n0, VL, y, ldy, relu);
    if (nf == 2) fwd_cols(2, false, x, ldx, R, K, w, N, bias, n0, VL, y, ldy, relu);
    if (nf == 1) fwd_cols(1, false, x, ldx, R, K, w, N, bias, n0, VL, y, ldy, relu);
    if (nl) fwd_cols(1, true, x, ldx, R, K, w, N, bias, n0 + nf * VL, nl, y, ldy, relu);
}

/* ---- Backward ----------------------------------------------------------------------- */

/* dw for inputs [k0, k0+KB) x the C vectors from column n0: rows in order, from 0. */
INLINE void dw_tile(const int KB, const int C, const bool P, const float *restrict x, int ldx,
                    int R, int k0, const float *restrict dy, int ldy, int n0, int nl,
                    float *restrict dw, int N) {
    vf acc[4][4];
    UNROLL
    for (int i = 0; i < KB; i++)
        UNROLL
    for (int c = 0; c < C; c++)
        acc[i][c] = (vf){0};
    for (int r = 0; r < R; r++) {
        const float *restrict dr = dy + (size_t)r * ldy + n0;
        vf dv[4];
        UNROLL
        for (int c = 0; c < C; c++)
            dv[c] = vldn(dr + c * VL, (P && c == C - 1) ? nl : VL);
        UNROLL
        for (int i = 0; i < KB; i++) {
            vf xs = vsplat(x[(size_t)r * ldx + k0 + i]);
            UNROLL
            for (int c = 0; c < C; c++)
                acc[i][c] = vfma(xs, dv[c], acc[i][c]);
        }
    }
    UNROLL
    for (int i = 0; i < KB; i++)
        UNROLL
    for (int c = 0; c < C; c++)
        vstn(dw + (size_t)(k0 + i) * N + n0 + c * VL, acc[i][c], (P && c == C - 1) ? nl : VL);
}

INLINE void dw_cols(const int C, const bool P, const float *x, int ldx, int R, int K,
                    const float *dy, int ldy, int n0, int nl, float *dw, int N) {
    int k = 0;
    for (; k + 4 <= K; k += 4)
        dw_tile(4, C, P, x, ldx, R, k, dy, ldy, n0, nl, dw, N);
    for (; k < K; k++)
        dw_tile(1, C, P, x, ldx, R, k, dy, ldy, n0, nl, dw, N);
}

/* dx[k0 + i] = dot(w[k0 + i], dr) for the n lanes of one vector of inputs, through wt (w
 * transposed, row stride Kp): the 16 partial sums of tr_dot (element n into sum n mod 16,
 * in order) are 16 vectors here, one lane per input, then tr_dot's tree. */
static void dx_block(const float *restrict dr, int N, const float *restrict wt, int Kp,
                     float *restrict dx, int n) {
    vf s[16];
    _Pragma("GCC unroll 16") for (int j = 0; j < 16; j++) s[j] = (vf){0};
    int n0 = 0;
    for (; n0 + 16 <= N; n0 += 16) {
        _Pragma("GCC unroll 16") for (int j = 0; j < 16; j++) s[j] =
            vfma(vsplat(dr[n0 + j]), vld(wt + (size_t)(n0 + j) * Kp), s[j]);
    }
    for (int j = 0; n0 + j < N; j++)
        s[j] = vfma(vsplat(dr[n0 + j]), vld(wt + (size_t)(n0 + j) * Kp), s[j]);
    for (int w = 8; w > 0; w /= 2)
        for (int j = 0; j < w; j++)
            s[j] += s[j + w];
    vstn(dx, s[0], n);
}

void tr_fc_backward(const float *restrict x, int ldx, int R, int K, const float *restrict w, int N,
                    const float *restrict dy, int ldy, float *restrict dw, float *restrict db,
                    float *restrict dx, int lddx, float *restrict wt) {
    for (int n0 = 0; dw && n0 < N; n0 += VL) { /* db: rows in order, from 0 */
        int nl = N - n0 < VL ? N - n0 : VL;
        vf a = {0};
        for (int r = 0; r < R; r++)
            a += vldn(dy + (size_t)r * ldy + n0, nl);
        vstn(db + n0, a, nl);
    }
    if (dw) { /* full vectors in groups of up to 4, then the partial one */
        int nf = N / VL, nl = N % VL, n0 = 0;
        for (; nf >= 4; nf -= 4, n0 += 4 * VL)
            dw_cols(4, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nf == 3) dw_cols(3, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nf == 2) dw_cols(2, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nf == 1) dw_cols(1, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nl) dw_cols(1, true, x, ldx, R, K, dy, ldy, n0 + nf * VL, nl, dw, N);
    }
    if (!dx) return;
    /* dx = dy w^T through w transposed: wt[n][k], K padded to a multiple of 16 with zeros */
    int Kp = tr_fc_pad(K);
    for (int n = 0; n < N; n++)
        for (int k = 0; k < Kp; k++)
            wt[(size_t)n * Kp + k] = k < K ? w[(size_t)k * N + n] : 0.0f;
    for (int r = 0; r < R; r++)
        for (int k0 = 0; k0 < K; k0 += VL)
            dx_block(dy + (size_t)r * ldy, N, wt + k0, Kp, dx + (size_t)r * lddx + k0,
                     K - k0 < VL ? K - k0 : VL);
}

/* ---- Dot product -------------------------------------------------------------------- */

/* The 16 partial sums as whole vectors (16 / VL of them). */
#define DOT_V (16 / VL)

float tr_dot(const float *a, const float *b, int n) {
    vf s[DOT_V];
    for (int v = 0; v < DOT_V; v++)
        s[v] = (vf){0};
    int n0 = 0;
    for (; n0 + 16 <= n; n0 += 16)
        for (int v = 0; v < DOT_V; v++)
            s[v] = vfma(vld(a + n0 + v * VL), vld(b + n0 + v * VL), s[v]);
    if (n0 < n) { /* the tail: lanes j < n - n0 only (a masked fma keeps the others' bits) */
        for (int v = 0; v < DOT_V; v++) {
            int m = n - n0 - v * VL;
            if (m <= 0) break;
            if (m > VL) m = VL;
            vf t = vfma(vldn(a + n0 + v * VL, m), vldn(b + n0 + v * VL, m), s[v]);
            float tl[VL], sl[VL];
            memcpy(tl, &t, sizeof tl);
            memcpy(sl, &s[v], sizeof sl);
            memcpy(sl, tl, (size_t)m * sizeof(float));
            memcpy(&s[v], sl, sizeof sl);
        }
    }
    float acc[16];
    memcpy(acc, s, sizeof acc);
    for (int w = 8; w > 0; w /= 2)
        for (int j = 0; j < w; j++)
            acc[j] += acc[j + w];
    return acc[0];
}
