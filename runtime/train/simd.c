/* simd.c - the fast path of the L-LUT sub-network: one hidden layer, y = fc2(relu(fc1(x)))
 * + skip.x + b, forward and backward, written with GCC/Clang generic vectors.
 *
 * Why vectors here: the sparse stage runs thousands of tiny MLPs (F=6, N=64) per batch and
 * its speed decides the training time. The auto-vectorizer did not keep these loop nests'
 * accumulators in registers; generic vectors say it directly and stay portable (the vector
 * is as wide as the target's registers: 16 floats with AVX-512, 8 with AVX, 4 with SSE or
 * NEON; the only target-specific code is vfma.h's fused multiply-add).
 *
 * Arithmetic: every a + x*w below is an explicit vfma (vfma.h: one rounding, one FMA
 * instruction on AVX2 machines, correctly rounded fmaf lane by lane elsewhere), and the
 * compiler contracts nothing else, so every build computes the same bits. The forward pass
 * is the only code that computes an L-LUT's output, for training, evaluation and tables
 * alike, and it processes rows in padded vector blocks through the same instructions: a
 * row's result never depends on which batch, block or lane it was computed in, nor on the
 * vector width. Per row and hidden unit:
 *     h[n] = relu(b1[n] + x[0]*w1[0][n] + ... + x[F-1]*w1[F-1][n])    (k in order)
 *     y = ((E + O) + S) + b    E, O: sums of h[n]*w2[n] over even / odd n, in order;
 *                              S: sum of x[k]*ws[k], k in order (0 without skip)
 *
 * Layouts: the forward and the input-gradient pass run with rows in the vector lanes
 * (x is feature-major, x[f*ldx + r], rows run to a whole vector), so the sums over
 * hidden units need no horizontal additions; the weight-gradient pass runs with hidden
 * units in the lanes (sums over rows). The backward recomputes the hidden layer in both
 * layouts rather than storing it: an L-LUT's work then stays in L1.
 *
 * The fan-in F is a compile-time constant in the instantiations for F = 1..8, so the
 * per-input vectors stay in registers; other F use the same code with a run-time F.
 */
#include "train_int.h"

#include <string.h>

#include "vfma.h"

#define FMAX   16 /* largest fan-in (F * bits_in <= 16) */
#define INLINE static inline __attribute__((always_inline))
/* Loops over the fan-in are unrolled completely when F is a constant, so the per-input
 * vector arrays become registers. */
#define UNROLL_F _Pragma("GCC unroll 16")
/* With a run-time F (the generic instantiation) the unrolled loops make GCC believe entries
 * of the per-input arrays beyond F may be read uninitialized; they never are (every read is
 * guarded by k < F), and zeroing them would cost a kilobyte of stores per block. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

/* the bias splat (-0 becomes +0; the kernels have always started their sums this way) */
INLINE vf vbias(float x) {
    return (vf){0} + x;
}

/* ---- Forward ------------------------------------------------------------------------ */

/* jac[k*ldj + r] = d y[r] / d x[k][r] (jac not NULL): the input gradient of a unit output
 * gradient, summed as bwd_x sums it (hidden units in order, then the skip weight), so the
 * same bits as bwd_x with dy = 1. */
INLINE void jac_term(const int F, vf a, float w2n, const float *restrict w1n, int N, vf *gk) {
    vf dh = vpos(a, vsplat(w2n));
    UNROLL_F
    for (int k = 0; k < F; k++)
        gk[k] = vfma(dh, vsplat(w1n[(size_t)k * N]), gk[k]);
}

INLINE void fwd(const int F, int N, const float *restrict xt, int ldx, int Rp,
                const float *restrict w1, const float *restrict b1, const float *restrict w2,
                const float *restrict ws, bool skip, float b, float *restrict y,
                float *restrict jac, int ldj) {
    for (int r0 = 0; r0 < Rp; r0 += VL) {
        vf xk[FMAX], gk[FMAX];
        UNROLL_F
        for (int k = 0; k < F; k++) {
            xk[k] = vld(xt + (size_t)k * ldx + r0);
            gk[k] = (vf){0};
        }
        vf e = {0}, o = {0};
        int n = 0;
        for (; n + 2 <= N; n += 2) {
            vf a0 = vbias(b1[n]), a1 = vbias(b1[n + 1]);
            UNROLL_F
            for (int k = 0; k < F; k++) {
                a0 = vfma(xk[k], vsplat(w1[(size_t)k * N + n]), a0);
                a1 = vfma(xk[k], vsplat(w1[(size_t)k * N + n + 1]), a1);
            }
            e = vfma(vpos(a0, a0), vsplat(w2[n]), e);
            o = vfma(vpos(a1, a1), vsplat(w2[n + 1]), o);
            if (jac) {
                jac_term(F, a0, w2[n], w1 + n, N, gk);
                jac_term(F, a1, w2[n + 1], w1 + n + 1, N, gk);
            }
        }
        if (n < N) {
            vf a0 = vbias(b1[n]);
            UNROLL_F
            for (int k = 0; k < F; k++)
                a0 = vfma(xk[k], vsplat(w1[(size_t)k * N + n]), a0);
            e = vfma(vpos(a0, a0), vsplat(w2[n]), e);
            if (jac) jac_term(F, a0, w2[n], w1 + n, N, gk);
        }
        vf s = {0};
        if (skip) UNROLL_F
        for (int k = 0; k < F; k++)
            s = vfma(xk[k], vsplat(ws[k]), s);
        vst(y + r0, ((e + o) + s) + b);
        if (jac) UNROLL_F
        for (int k = 0; k < F; k++)
            vst(jac + (size_t)k * ldj + r0, skip ? gk[k] + vsplat(ws[k]) : gk[k]);
    }
}

/* ---- Backward: weight gradients (hidden units in the lanes) ------------------------- */
/* Over all R rows into gw1, gb1, gw2 (fix NULL), or (fix) over blocks of TR_ROW_BLOCK rows
 * from row 0, each block's sums added to the fixed-point sums fix->w1, b1, w2: the weights
 * stay in registers across the blocks.
 *
 * Per row the loop needs F weight vectors, F sums and six more vectors live: 18 for F = 6.
 * With 16 vector registers (AVX2 and below) GCC then spills a sum, whose store and load sit
 * on every row's critical path. There the rows run in chunks of ROW_CHUNK in two phases:
 * each row's hidden-unit gradient dh into a buffer (weights live), then dh into the F sums
 * (sums live). Every sum adds the same terms in the same order: the same bits. With
 * AVX-512's 32 registers a chunk is one row, the one-phase loop. */
#if defined(__AVX512F__)
#define ROW_CHUNK 1
#else
#define ROW_CHUNK 16
#endif

INLINE void bwd_w(const int F, int N, const float *restrict xt, int ldx, int R,
                  const float *restrict w1, const float *restrict b1, const float *restrict w2,
                  const float *restrict dy, float *restrict gw1, float *restrict gb1,
                  float *restrict gw2, const tr_lut_fix *fix) {
    int blk = fix ? TR_ROW_BLOCK : R > 0 ? R : 1;
    for (int n0 = 0; n0 < N; n0 += VL) {
        int W = N - n0 < VL ? N - n0 : VL;
        bool full = W == VL;
        vf wk[FMAX], gk[FMAX];
        UNROLL_F
        for (int k = 0; k < F; k++)
            wk[k] = full ? vld(w1 + (size_t)k * N + n0) : vldn(w1 + (size_t)k * N + n0, W);
        vf bb = full ? vld(b1 + n0) : vldn(b1 + n0, W);
        vf ww2 = full ? vld(w2 + n0) : vldn(w2 + n0, W);
        for (int r0 = 0; r0 < R || r0 == 0; r0 += blk) { /* once when R = 0: zeros */
            int r1 = R - r0 < blk ? R : r0 + blk;
            UNROLL_F
            for (int k = 0; k < F; k++)
                gk[k] = (vf){0};
            vf gb = {0}, g2 = {0}, dh[ROW_CHUNK];
            for (int c0 = r0; c0 < r1; c0 += ROW_CHUNK) {
                int c1 = r1 - c0 < ROW_CHUNK ? r1 : c0 + ROW_CHUNK;
                for (int r = c0; r < c1; r++) {
                    float d = dy[r];
                    vf a = bb;
                    UNROLL_F
                    for (int k = 0; k < F; k++)
                        a = vfma(vsplat(xt[(size_t)k * ldx + r]), wk[k], a);
                    g2 = vfma(vpos(a, a), vsplat(d), g2);
                    dh[r - c0] = vpos(a, ww2 * d);
                    gb = gb + dh[r - c0];
                }
                for (int r = c0; r < c1; r++)
                    UNROLL_F
                for (int k = 0; k < F; k++)
                    gk[k] = vfma(vsplat(xt[(size_t)k * ldx + r]), dh[r - c0], gk[k]);
            }
            if (fix) {
                vfix_add(fix->b1 + n0, gb, W);
                vfix_add(fix->w2 + n0, g2, W);
                UNROLL_F
                for (int k = 0; k < F; k++)
                    vfix_add(fix->w1 + (size_t)k * N + n0, gk[k], W);
            } else if (full) {
                vst(gb1 + n0, gb);
                vst(gw2 + n0, g2);
                UNROLL_F
                for (int k = 0; k < F; k++)
                    vst(gw1 + (size_t)k * N + n0, gk[k]);
            } else {
                vstn(gb1 + n0, gb, W);
                vstn(gw2 + n0, g2, W);
                for (int k = 0; k < F; k++)
                    vstn(gw1 + (size_t)k * N + n0, gk[k], W);
            }
        }
    }
}

/* ---- Backward: input, skip and bias gradients (rows in the lanes) ------------------ */
/* The sums over rows of the skip and bias gradients run in 16 logical lanes, row r in lane
 * r mod 16 (16 / VL vectors), then the 16 lanes in order: the same additions whatever the
 * vector width. */

#define LG (16 / VL) /* vectors per 16 logical lanes */

/* The 16 logical lanes of v[0..LG) summed in order 0..15. */
INLINE float lanes16(const vf *v) {
    float t[16], acc = 0.0f;
    for (int g = 0; g < LG; g++)
        vst(t + g * VL, v[g]);
    for (int j = 0; j < 16; j++)
        acc += t[j];
    return acc;
}

/* Zero sums in sk[0..F)[LG] and sb[LG]. */
INLINE void lanes_zero(const int F, vf sk[][LG], vf *sb) {
    for (int g = 0; g < LG; g++) {
        sb[g] = (vf){0};
        UNROLL_F
        for (int k = 0; k < F; k++)
            sk[k][g] = (vf){0};
    }
}

INLINE void bwd_x(const int F, int N, const float *restrict xt, int ldx, int Rp,
                  const float *restrict w1, const float *restrict b1, const float *restrict w2,
                  const float *restrict ws, bool skip, const float *restrict dyp,
                  float *restrict dx, int lddx, bool scale, float *restrict gws, float *restrict gb,
                  const tr_lut_fix *fix) {
    vf sk[FMAX][LG], sb[LG];
    lanes_zero(F, sk, sb);
    for (int r0 = 0; r0 < Rp; r0 += VL) {
        vf xk[FMAX], gk[FMAX];
        UNROLL_F
        for (int k = 0; k < F; k++) {
            xk[k] = vld(xt + (size_t)k * ldx + r0);
            gk[k] = (vf){0};
        }
        vf dyv = vld(dyp + r0);
        int g = r0 / VL % LG;
        sb[g] = sb[g] + dyv;
        if (skip) {
            UNROLL_F
            for (int k = 0; k < F; k++)
                sk[k][g] = vfma(dyv, xk[k], sk[k][g]);
        }
        /* a 16-row block's sums, added in fixed point (the last block may end at Rp: the
         * rows it lacks would add zeros) */
        if (fix && (g == LG - 1 || r0 + VL == Rp)) {
            fix->b[0] += tr_fix(lanes16(sb), TR_FIX_G);
            if (skip)
                for (int k = 0; k < F; k++)
                    fix->ws[k] += tr_fix(lanes16(sk[k]), TR_FIX_G);
            lanes_zero(F, sk, sb);
        }
        if (!dx) continue;
        if (scale) { /* dx holds the forward's Jacobian: dx = J * dy */
            UNROLL_F
            for (int k = 0; k < F; k++)
                vst(dx + (size_t)k * lddx + r0, vld(dx + (size_t)k * lddx + r0) * dyv);
            continue;
        }
        for (int n = 0; n < N; n++) {
            vf a = vbias(b1[n]);
            UNROLL_F
            for (int k = 0; k < F; k++)
                a = vfma(xk[k], vsplat(w1[(size_t)k * N + n]), a);
            vf dh = vpos(a, dyv * w2[n]);
            UNROLL_F
            for (int k = 0; k < F; k++)
                gk[k] = vfma(dh, vsplat(w1[(size_t)k * N + n]), gk[k]);
        }
        if (skip) {
            UNROLL_F
            for (int k = 0; k < F; k++)
                gk[k] = vfma(dyv, vsplat(ws[k]), gk[k]);
        }
        UNROLL_F
        for (int k = 0; k < F; k++)
            vst(dx + (size_t)k * lddx + r0, gk[k]);
    }
    if (fix) return;
    *gb = lanes16(sb);
    if (skip)
        for (int k = 0; k < F; k++)
            gws[k] = lanes16(sk[k]);
}

/* ---- Entry points ------------------------------------------------------------------- */

/* Calls KERNEL(F, ...) with F a constant for 1..8. */
#define F_DISPATCH(F, KERNEL, ...)                                                                 \
    switch (F) {                                                                                   \
    case 1:                                                                                        \
        KERNEL(1, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    case 2:                                                                                        \
        KERNEL(2, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    case 3:                                                                                        \
        KERNEL(3, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    case 4:                                                                                        \
        KERNEL(4, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    case 5:                                                                                        \
        KERNEL(5, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    case 6:                                                                                        \
        KERNEL(6, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    case 7:                                                                                        \
        KERNEL(7, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    case 8:                                                                                        \
        KERNEL(8, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    default:                                                                                       \
        KERNEL(F, __VA_ARGS__);                                                                    \
        break;                                                                                     \
    }

int tr_simd_floats(void) {
    return VL;
}

bool tr_sub1_fits(const tr_shape *sh) {
    return sh->depth == 1 && sh->N > 0 && !sh->table && tr_shape_degree(sh) == 0;
}

int tr_pad_rows(int R) {
    return (R + 15) / 16 * 16;
}

/* The rows the kernels run: R rounded up to the vector, at most tr_pad_rows(R) (rows R and
 * beyond give ignored results, so fewer of them give the same bits). */
static int run_rows(int R) {
    return (R + VL - 1) / VL * VL;
}

void tr_sub1_forward(const tr_shape *sh, const tr_lut *p, const float *xt, int ldx, int R,
                     float *y) {
    int F = sh->F, N = sh->N, Rp = run_rows(R);
    F_DISPATCH(F, fwd, N, xt, ldx, Rp, p->w1, p->b1, p->w2, p->ws, sh->skip, p->b[0], y, NULL, 0);
}

void tr_sub1_forward_jac(const tr_shape *sh, const tr_lut *p, const float *xt, int ldx, int R,
                         float *y, float *jac, int ldj) {
    int F = sh->F, N = sh->N, Rp = run_rows(R);
    F_DISPATCH(F, fwd, N, xt, ldx, Rp, p->w1, p->b1, p->w2, p->ws, sh->skip, p->b[0], y, jac, ldj);
}

void tr_sub1_backward(const tr_shape *sh, const tr_lut *p, const float *xt, int ldx, int R,
                      const float *dy, const tr_lut *g, float *dx, int lddx) {
    int F = sh->F, N = sh->N, Rp = run_rows(R);
    F_DISPATCH(F, bwd_w, N, xt, ldx, R, p->w1, p->b1, p->w2, dy, g->w1, g->b1, g->w2, NULL);
    F_DISPATCH(F, bwd_x, N, xt, ldx, Rp, p->w1, p->b1, p->w2, p->ws, sh->skip, dy, dx, lddx, false,
               g->ws, g->b, NULL);
}

void tr_sub1_backward_fix(const tr_shape *sh, const tr_lut *p, const float *xt, int ldx, int R,
                          const float *dy, const tr_lut_fix *g, float *dx, int lddx, bool jac) {
    int F = sh->F, N = sh->N, Rp = run_rows(R);
    F_DISPATCH(F, bwd_w, N, xt, ldx, R, p->w1, p->b1, p->w2, dy, NULL, NULL, NULL, g);
    F_DISPATCH(F, bwd_x, N, xt, ldx, Rp, p->w1, p->b1, p->w2, p->ws, sh->skip, dy, dx, lddx, jac,
               NULL, NULL, g);
}

void tr_sub1_backward_jac(const tr_shape *sh, const tr_lut *p, const float *xt, int ldx, int R,
                          const float *dy, const float *one, const tr_lut *g, float *jac, int ldj) {
    int F = sh->F, N = sh->N, Rp = run_rows(R);
    float gws[FMAX], gb;
    F_DISPATCH(F, bwd_w, N, xt, ldx, R, p->w1, p->b1, p->w2, dy, g->w1, g->b1, g->w2, NULL);
    F_DISPATCH(F, bwd_x, N, xt, ldx, Rp, p->w1, p->b1, p->w2, p->ws, sh->skip, dy, NULL, 0, false,
               g->ws, g->b, NULL);
    F_DISPATCH(F, bwd_x, N, xt, ldx, Rp, p->w1, p->b1, p->w2, p->ws, sh->skip, one, jac, ldj, false,
               gws, &gb, NULL);
}
