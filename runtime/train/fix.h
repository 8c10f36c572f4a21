/* fix.h - sums over rows in int64 fixed point (rows.c).
 *
 * Every sum over a batch's rows (batch-norm statistics and their backward sums, parameter
 * gradients, the masked layers' input gradients on the per-address path, the scale
 * gradients, the loss) adds int64 terms: each row's term (or each 16-row block's partial
 * sum, blocks in row order from row 0 of the batch) times 2^k, truncated toward zero and
 * clamped to +-2^46 (NaN: +2^46), added modulo 2^64. Integer addition is associative, so
 * the sum does not depend on how the rows are split over threads or ranks (train_dp). k
 * per quantity: */
#ifndef NLTC_TRAIN_FIX_H
#define NLTC_TRAIN_FIX_H

#include <stddef.h>
#include <stdint.h>

#define TR_FIX_G   0x1p40f /* gradients and backward sums: resolution 2^-40 */
#define TR_FIX_M   0x1p32f /* batch-norm sums of values (mean), of xhat, the loss */
#define TR_FIX_V   0x1p24f /* batch-norm sums of squared deviations (variance) */
#define TR_FIX_LIM 0x1p46f /* the clamp of one term (2^46 units) */
/* 1.5 * 2^52 and its bits: an integer t, |t| < 2^51, is the low bits of the double
 * TR_FIX_BIAS + t less TR_FIX_BIAS_BITS (tr_fix, and vfma.h's vfix_add lane by lane). */
#define TR_FIX_BIAS      0x1.8p52
#define TR_FIX_BIAS_BITS 0x4338000000000000u

/* The clamped x * k truncated: an integer t, |t| <= 2^46, whose int64 is the low bits of the
 * double TR_FIX_BIAS + t (exact: a double's unit is 1 in [2^52, 2^53)) less
 * TR_FIX_BIAS_BITS, the same as (int64_t)t; unlike that cast it vectorizes without AVX-512DQ.
 * Targets without a vector truncation (x86-64 below SSE4.1) keep the cast: truncf would be
 * a library call there. */
static inline uint64_t tr_fix(float x, float k) {
    float v = x * k;
    v = v < TR_FIX_LIM ? v : TR_FIX_LIM;
    v = v > -TR_FIX_LIM ? v : -TR_FIX_LIM;
#if defined(__x86_64__) && !defined(__SSE4_1__)
    return (uint64_t)(int64_t)v;
#else
    double d = (double)__builtin_truncf(v) + TR_FIX_BIAS;
    uint64_t b;
    __builtin_memcpy(&b, &d, sizeof b);
    return b - TR_FIX_BIAS_BITS;
#endif
}
/* The float of a fixed-point sum s at scale k (a power of two: the product by 1/k is the
 * quotient s / k exactly, without a division). The double of s is formed from its halves
 * as exponent-2^52 doubles (its high half signed, offset by 2^31): both exact, so their
 * sum hi * 2^32 + lo rounds once, to the bits of (double)(int64_t)s. Unlike that
 * conversion it vectorizes without AVX-512DQ (Adam's loop over the gradient sums). */
static inline float tr_unfix(uint64_t s, float k) {
    uint64_t hb = (s >> 32) ^ 0x4330000080000000u, lb = (s & 0xffffffffu) | 0x4330000000000000u;
    double dh, dl;
    __builtin_memcpy(&dh, &hb, sizeof dh);
    __builtin_memcpy(&dl, &lb, sizeof dl);
    double d = (dh - 0x1.000008p52) * 0x1p32 + (dl - 0x1p52);
    return (float)(d * (1.0 / (double)k));
}
/* tr_unfix(tr_fix(x, k), k) in float arithmetic alone (vectorizes): the clamped x * k
 * truncated is an integer a float holds exactly, and times 1/k (a power of two) exact;
 * + 0 gives a zero tr_unfix's sign (+0). */
static inline float tr_fix_round(float x, float k) {
    float v = x * k;
    v = v < TR_FIX_LIM ? v : TR_FIX_LIM;
    v = v > -TR_FIX_LIM ? v : -TR_FIX_LIM;
    return __builtin_truncf(v) * (1.0f / k) + 0.0f;
}
/* acc[i] += tr_fix(x[i], k) for i < n. */
void tr_fix_add(uint64_t *restrict acc, const float *restrict x, size_t n, float k);
/* acc[i] = tr_fix(x[i], k) for i < n (the sums of one term each). */
void tr_fix_set(uint64_t *restrict acc, const float *restrict x, size_t n, float k);
/* The sum over r < n of tr_fix(x[r], k). */
uint64_t tr_fix_sum(const float *restrict x, int n, float k);
/* The sum over i < n of cnt[i] * tr_fix(x[i], k): the sum over rows when cnt[i] rows have
 * the value x[i] (the same integer, modulo 2^64). */
uint64_t tr_fix_sum_cnt(const float *restrict x, const uint32_t *restrict cnt, int n, float k);

#endif
