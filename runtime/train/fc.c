/* fc.c - fully connected rows and the fixed-order dot product: the arithmetic of the deep
 * sub-networks (depth > 1; kernels.c composes them), as vector kernels.
 *
 * The bits are the scalar definitions' (train_int.h), whatever the blocking or the vector
 * width (vfma.h's VL):
 *   forward   y[r][n] = relu?(bias[n] + x[r][0]*w[0][n] + ... + x[r][K-1]*w[K-1][n]),
 *             each step one fma, k in order;
 *   backward  dw[k][n] = sum_r x[r][k]*dy[r][n] (fma, rows in order, from 0),
 *             db[n] = sum_r dy[r][n] (rows in order, from 0),
 *             dx[r][k] = sum_n dy[r][n]*w[k][n] (fma, n in order, from 0): the forward's
 *             product over w transposed, without bias and ReLU;
 *   dot       16 partial sums (element n into sum n mod 16, fma, in order), then the tree
 *             s[j] += s[j+w] for w = 8, 4, 2, 1.
 * Lanes hold independent elements (hidden units n, inputs k, or the 16 partial sums), so
 * vectors change the speed and never the order. The forward keeps up to 4 rows x TILE_C
 * vectors of accumulators in registers (the weights of input k are loaded once per 4
 * rows); the weight gradient keeps 4 inputs x TILE_C vectors (the upstream gradients of row
 * r are loaded once per 4 inputs). A partial vector (N not a multiple of VL) is loaded with
 * zeros beyond N and stored lane by lane.
 */
#include "train_int.h"

#include <string.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "vfma.h"

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 4")

/* Vectors of columns per tile: 4 rows x TILE_C accumulators, TILE_C weight vectors and a
 * broadcast must fit the registers (32 with AVX-512; 16 otherwise, where 4 x 4 spilled). */
#if defined(__AVX512F__)
#define TILE_C 4
#else
#define TILE_C 2
#endif

/* ---- Forward ------------------------------------------------------------------------ */

/* Rows [r0, r0+RB) x the C vectors from column n0 (the last holds nl lanes). */
INLINE void fwd_tile(const int RB, const int C, const bool P, const float *restrict x, int ldx,
                     int r0, int K, const float *restrict w, int N, const float *restrict bias,
                     int n0, int nl, float *restrict y, int ldy, bool relu) {
    vf acc[4][4];
    UNROLL
    for (int c = 0; c < C; c++) {
        vf b = bias ? vldn(bias + n0 + c * VL, (P && c == C - 1) ? nl : VL) : (vf){0};
        UNROLL
        for (int i = 0; i < RB; i++)
            acc[i][c] = b;
    }
    for (int k = 0; k < K; k++) {
        const float *restrict wk = w + (size_t)k * N + n0;
        vf wv[4];
        UNROLL
        for (int c = 0; c < C; c++) {
            wv[c] = vldn(wk + c * VL, (P && c == C - 1) ? nl : VL);
            KEEP_IN_REGISTER(wv[c]);
        }
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
    /* full vectors in groups of up to TILE_C, then the partial one */
    int nf = N / VL, nl = N % VL, n0 = 0;
    for (; nf >= TILE_C; nf -= TILE_C, n0 += TILE_C * VL)
        fwd_cols(TILE_C, false, x, ldx, R, K, w, N, bias, n0, VL, y, ldy, relu);
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
        for (int c = 0; c < C; c++) {
            dv[c] = vldn(dr + c * VL, (P && c == C - 1) ? nl : VL);
            KEEP_IN_REGISTER(dv[c]);
        }
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

/* wt[n][k] = w[k][n] (w is [K][N]): 8 x 8 blocks through AVX registers where there are
 * any (a copy: no arithmetic), the edges one by one. */
static void transpose(const float *restrict w, int K, int N, float *restrict wt) {
    int k8 = 0, n8 = 0;
#if defined(__AVX__)
    k8 = K / 8 * 8, n8 = N / 8 * 8;
    for (int k0 = 0; k0 < k8; k0 += 8)
        for (int n0 = 0; n0 < n8; n0 += 8) {
            __m256 r[8], t[8], u[8];
            for (int i = 0; i < 8; i++)
                r[i] = _mm256_loadu_ps(w + (size_t)(k0 + i) * N + n0);
            for (int i = 0; i < 8; i += 2) {
                t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
                t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
            }
            for (int i = 0; i < 8; i += 4) {
                u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
                u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
                u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
                u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
            }
            for (int i = 0; i < 4; i++) {
                _mm256_storeu_ps(wt + (size_t)(n0 + i) * K + k0,
                                 _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
                _mm256_storeu_ps(wt + (size_t)(n0 + i + 4) * K + k0,
                                 _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
            }
        }
#endif
    for (int k = 0; k < K; k++)
        for (int n = k < k8 ? n8 : 0; n < N; n++)
            wt[(size_t)n * K + k] = w[(size_t)k * N + n];
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
    if (dw) { /* full vectors in groups of up to TILE_C, then the partial one */
        int nf = N / VL, nl = N % VL, n0 = 0;
        for (; nf >= TILE_C; nf -= TILE_C, n0 += TILE_C * VL)
            dw_cols(TILE_C, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nf == 3) dw_cols(3, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nf == 2) dw_cols(2, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nf == 1) dw_cols(1, false, x, ldx, R, K, dy, ldy, n0, VL, dw, N);
        if (nl) dw_cols(1, true, x, ldx, R, K, dy, ldy, n0 + nf * VL, nl, dw, N);
    }
    if (!dx) return;
    /* dx = dy w^T: the forward's tiles over w transposed (wt[n][k]), from 0, no ReLU */
    transpose(w, K, N, wt);
    tr_fc_forward(dy, ldy, R, N, wt, NULL, K, dx, lddx, false);
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
