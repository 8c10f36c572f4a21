/* gemm.c - the dense stage's matrix products in a fixed summation order.
 *
 * Every element of C is one sum over k in order 0..K-1, one fused multiply-add per term
 * (vfma.h), starting from 0. The vectors run along C's rows (the n index), never along k,
 * so no element's sum depends on the vector width, and the blocking over a, n and k only
 * decides when each term is added, not in which order: a thread's share of the rows (the
 * a index) computes exactly what one thread computes for them. The dense stage so gives
 * the same bits for any thread count and on any x86-64 machine (vfma.h), which the
 * OpenBLAS sgemm it replaces did not (its kernels and partition follow the CPU and the
 * thread count).
 */
#include "train_int.h"
#include "vfma.h"

#define INLINE static inline __attribute__((always_inline))
/* rows of C per block (A values broadcast): 8 x 2 accumulators with AVX-512's 32 registers,
 * 4 x 2 with 16 */
#if VL == 16
#define MR 8
#else
#define MR 4
#endif
#define NV 2   /* vectors of C's columns per block */
#define KC 256 /* terms per pass over a block: the B panel stays in cache */

/* The operands of one product. */
typedef struct gemm_args {
    int N, K;
    const float *A;
    size_t sa, sk; /* A(a, k) = A[a*sa + k*sk] */
    const float *B;
    size_t ldb; /* B(k, n) = B[k*ldb + n], readable up to N rounded up to VL */
    float *C;
    size_t ldc; /* C(a, n) = C[a*ldc + n], the first N columns written */
} gemm_args;

/* The first n floats of p, the other lanes 0. */
INLINE vf vld_part(const float *p, int n) {
    vf v = {0};
    memcpy(&v, p, (size_t)(n < VL ? n : VL) * sizeof(float));
    return v;
}

INLINE void vst_part(float *p, vf v, int n) {
    memcpy(p, &v, (size_t)(n < VL ? n : VL) * sizeof(float));
}

/* Rows a0..a0+mr of C, columns n0..n0+nv*VL, terms k0..k1: the accumulators stay in
 * registers over k (from 0 when k0 == 0, else from C). */
INLINE void block(const int mr, const int nv, const gemm_args *g, int a0, int n0, int k0, int k1) {
    vf acc[MR][NV];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++)
            acc[i][v] = k0 == 0 ? (vf){0}
                                : vld_part(g->C + (size_t)(a0 + i) * g->ldc + n0 + v * VL,
                                           g->N - n0 - v * VL);
    const float *A = g->A + (size_t)a0 * g->sa;
    for (int k = k0; k < k1; k++) {
        const float *b = g->B + (size_t)k * g->ldb + n0;
        vf bv[NV];
        for (int v = 0; v < nv; v++) {
            bv[v] = vld(b + v * VL);
            KEEP_IN_REGISTER(bv[v]);
        }
        for (int i = 0; i < mr; i++) {
            vf av = vsplat(A[(size_t)i * g->sa + (size_t)k * g->sk]);
            for (int v = 0; v < nv; v++)
                acc[i][v] = vfma(av, bv[v], acc[i][v]);
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) {
            float *c = g->C + (size_t)(a0 + i) * g->ldc + n0 + v * VL;
            int left = g->N - n0 - v * VL;
            if (left >= VL)
                vst(c, acc[i][v]);
            else if (left > 0)
                vst_part(c, acc[i][v], left);
        }
}

/* Rows a0..a0+mr (mr a constant), all columns, terms k0..k1. */
INLINE void row_block(const int mr, const gemm_args *g, int a0, int k0, int k1) {
    int n0 = 0;
    for (; g->N - n0 > VL; n0 += NV * VL)
        block(mr, NV, g, a0, n0, k0, k1);
    if (n0 < g->N) block(mr, 1, g, a0, n0, k0, k1);
}

void tr_gemm(int M, int N, int K, const float *A, size_t sa, size_t sk, const float *B, size_t ldb,
             float *C, size_t ldc) {
    gemm_args g = {N, K, A, sa, sk, B, ldb, C, ldc};
    if (K == 0) {
        for (int a = 0; a < M; a++)
            memset(C + (size_t)a * ldc, 0, (size_t)N * sizeof(float));
        return;
    }
    for (int k0 = 0; k0 < K; k0 += KC) {
        int k1 = K - k0 > KC ? k0 + KC : K, a = 0;
        for (; a + MR <= M; a += MR)
            row_block(MR, &g, a, k0, k1);
        for (; a + 4 <= M; a += 4)
            row_block(4, &g, a, k0, k1);
        for (; a < M; a++)
            row_block(1, &g, a, k0, k1);
    }
}
