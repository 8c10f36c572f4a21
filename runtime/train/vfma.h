/* vfma.h - the training kernels' vectors and their fused multiply-add, one rounding on
 * every machine.
 *
 * The kernels that decide the tables (simd.c's sub-network, gemm.c's dense stage) write
 * every multiply-add as vfma(a, b, c) = a*b + c rounded once (IEEE fma). With FMA hardware
 * (every x86-64 CPU with AVX2) that is one instruction; without it each lane calls fmaf,
 * which is correctly rounded too, only slower. The compiler's own contraction is off
 * (-ffp-contract=off), so it never fuses what the source keeps separate: a build for any
 * x86-64 target computes the same bits.
 *
 * The vector is as wide as the target's registers (16 floats with AVX-512, 8 with AVX, 4
 * otherwise). No kernel sums across lanes in a width-dependent way: a lane's arithmetic is
 * the same whatever the width (where a sum over rows runs in lanes, it is over the 16
 * logical lanes r mod 16, see simd.c's bwd_x).
 */
#ifndef NLTC_TRAIN_VFMA_H
#define NLTC_TRAIN_VFMA_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fix.h"
#if defined(__FMA__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define VL 16
#elif defined(__AVX__)
#define VL 8
#else
#define VL 4
#endif
typedef float vf __attribute__((vector_size(VL * 4)));
typedef int32_t vi __attribute__((vector_size(VL * 4)));

#define VFMA_INLINE static inline __attribute__((always_inline))

/* a*b + c, rounded once. */
VFMA_INLINE vf vfma(vf a, vf b, vf c) {
#if defined(__AVX512F__)
    return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__FMA__) && VL == 8
    return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#elif defined(__FMA__) && VL == 4
    return (vf)_mm_fmadd_ps((__m128)a, (__m128)b, (__m128)c);
#else
    vf r;
    for (int j = 0; j < VL; j++)
        r[j] = fmaf(a[j], b[j], c[j]);
    return r;
#endif
}

VFMA_INLINE vf vld(const float *p) {
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

VFMA_INLINE void vst(float *p, vf v) {
    memcpy(p, &v, sizeof v);
}

/* n <= VL floats, the other lanes zero */
VFMA_INLINE vf vldn(const float *p, int n) {
    if (n == VL) return vld(p);
    vf v = {0};
    memcpy(&v, p, (size_t)n * sizeof(float));
    return v;
}

/* The first n <= VL lanes of v. */
VFMA_INLINE void vstn(float *p, vf v, int n) {
    memcpy(p, &v, (size_t)n * sizeof(float));
}

/* Keeps a loaded vector in a register: otherwise GCC folds the load into every fma that
 * reads it, and a loop that reuses the vector waits on the load ports instead of the FMA
 * units (gemm.c's and fc.c's tiles). */
#if defined(__GNUC__) && defined(__AVX512F__)
#define KEEP_IN_REGISTER(v) __asm__("" : "+v"(v))
#elif defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define KEEP_IN_REGISTER(v) __asm__("" : "+x"(v))
#else
#define KEEP_IN_REGISTER(v) ((void)0)
#endif

/* v where a > 0, else +0 (the ReLU, and its mask with a the pre-activation) */
VFMA_INLINE vf vpos(vf a, vf v) {
    vi m = a > (vf){0};
    return (vf)((vi)v & m);
}

/* x in every lane (x - 0 is x, -0 included) */
VFMA_INLINE vf vsplat(float x) {
    return x - (vf){0};
}

/* e^x for x <= 0 in every lane, from IEEE operations alone (Cephes' expf: x = k ln 2 + r,
 * |r| <= ln 2 / 2, a degree-6 polynomial by fused Horner steps, 2^k from the exponent
 * bits). A lane's result depends on its x alone, whatever the width; x < -87 gives 0 (the
 * true value is under 2^-125). Relative error about 2 ulp of float. */
VFMA_INLINE vf vexp_neg(vf x) {
    vi under = x < vsplat(-87.0f);
    vf xc = (vf)(((vi)x & ~under) | ((vi)vsplat(-87.0f) & under));
    vf big = vsplat(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
    vf k = vfma(xc, vsplat(1.44269504088896341f), big) - big;
    vf r = vfma(k, vsplat(-0.693359375f), xc);
    r = vfma(k, vsplat(2.12194440e-4f), r);
    vf p = vsplat(1.9875691500e-4f);
    p = vfma(p, r, vsplat(1.3981999507e-3f));
    p = vfma(p, r, vsplat(8.3334519073e-3f));
    p = vfma(p, r, vsplat(4.1665795894e-2f));
    p = vfma(p, r, vsplat(1.6666665459e-1f));
    p = vfma(p, r, vsplat(5.0000001201e-1f));
    vf y = vfma(p, r * r, r) + vsplat(1.0f);
    vi e = (__builtin_convertvector(k, vi) + 127) << 23;
    return (vf)((vi)(y * (vf)e) & ~under);
}

/* ---- Fixed-point sums (fix.h's tr_fix, TR_FIX_G) ------------------------------ */
/* Half a vector's lanes as floats and as int64 (one register each). */
typedef float vfh __attribute__((vector_size(VL * 2)));
typedef int64_t vqh __attribute__((vector_size(VL * 4)));

/* acc[i] += tr_fix(lane i of v, TR_FIX_G) for the first W lanes. */
VFMA_INLINE void vfix_add(uint64_t *restrict acc, vf v, int W) {
#if defined(__AVX512DQ__) && VL == 16
    if (W == VL) { /* min/max: x < lim ? x : lim and x > -lim ? x : -lim, NaN included */
        __m512 x = _mm512_mul_ps((__m512)v, _mm512_set1_ps(TR_FIX_G));
        x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(TR_FIX_LIM)),
                          _mm512_set1_ps(-TR_FIX_LIM));
        __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1));
        __m512i a = _mm512_loadu_si512(acc), b = _mm512_loadu_si512(acc + 8);
        _mm512_storeu_si512(acc,
                            _mm512_add_epi64(a, _mm512_cvttps_epi64(_mm512_castps512_ps256(x))));
        _mm512_storeu_si512(acc + 8, _mm512_add_epi64(b, _mm512_cvttps_epi64(hi)));
        return;
    }
#elif defined(__AVX2__) && VL == 8
    if (W == VL) { /* the same clamps and truncation; the int64 by fix.h's tr_fix double */
        __m256 x = _mm256_mul_ps((__m256)v, _mm256_set1_ps(TR_FIX_G));
        x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(TR_FIX_LIM)),
                          _mm256_set1_ps(-TR_FIX_LIM));
        x = _mm256_round_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        for (int k = 0; k < 2; k++) {
            __m256d d = _mm256_add_pd(
                _mm256_cvtps_pd(k ? _mm256_extractf128_ps(x, 1) : _mm256_castps256_ps128(x)),
                _mm256_set1_pd(TR_FIX_BIAS));
            __m256i q = _mm256_sub_epi64(_mm256_castpd_si256(d),
                                         _mm256_set1_epi64x((long long)TR_FIX_BIAS_BITS));
            __m256i a = _mm256_loadu_si256((const __m256i *)(acc + 4 * k));
            _mm256_storeu_si256((__m256i *)(acc + 4 * k), _mm256_add_epi64(a, q));
        }
        return;
    }
#endif
    if (W == VL) { /* tr_fix lane by lane in vectors: the same clamps, the same truncation */
        vf x = v * TR_FIX_G, lim = (vf){0} + TR_FIX_LIM;
        vi lt = x < lim; /* NaN: not less, so the limit, as tr_fix */
        x = (vf)(((vi)x & lt) | ((vi)lim & ~lt));
        vi gt = x > -lim;
        x = (vf)(((vi)x & gt) | ((vi)(-lim) & ~gt));
        vfh h[2];
        memcpy(h, &x, sizeof h);
        for (int k = 0; k < 2; k++) { /* by halves: no round trip through memory */
            vqh a;
            memcpy(&a, acc + k * (VL / 2), sizeof a);
            a += __builtin_convertvector(h[k], vqh);
            memcpy(acc + k * (VL / 2), &a, sizeof a);
        }
        return;
    }
    float t[VL];
    vst(t, v);
    for (int i = 0; i < W; i++)
        acc[i] += tr_fix(t[i], TR_FIX_G);
}

#endif
