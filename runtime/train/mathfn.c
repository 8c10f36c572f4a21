/* mathfn.c - exp, log, cos and integer powers from additions, multiplications and
 * divisions only, for the arithmetic that decides the tables (the loss gradient, the
 * regulariser, Adam's bias correction, the learning-rate schedule).
 *
 * Why not libm: glibc picks exp, log, pow and cos at run time by CPU (FMA variants), and
 * other C libraries compute them differently; their last bits are not promised. These
 * run the same IEEE operations in the same order everywhere (the file is compiled with
 * -ffp-contract=off like the rest), so the result depends on the input alone. Accuracy:
 * a few ulps of double, far below what the float training arithmetic resolves.
 */
#include "train_int.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^20 (fdlibm's constants) */
static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;

/* 1/i! for the Taylor series of e^r */
static const double inv_fact[] = {1.0,
                                  1.0,
                                  1.0 / 2,
                                  1.0 / 6,
                                  1.0 / 24,
                                  1.0 / 120,
                                  1.0 / 720,
                                  1.0 / 5040,
                                  1.0 / 40320,
                                  1.0 / 362880,
                                  1.0 / 3628800,
                                  1.0 / 39916800,
                                  1.0 / 479001600,
                                  1.0 / 6227020800.0,
                                  1.0 / 87178291200.0};

/* e^r for |r| <= 0.35 by its Taylor series to r^14 / 14!, Horner from the top. */
static inline double exp_series(double r) {
    double p = inv_fact[14];
    for (int i = 13; i >= 0; i--)
        p = p * r + inv_fact[i];
    return p;
}

/* The k of x = k ln 2 + r: floor(x / ln 2 + 0.5), exact for |x| < 2^50 (the nearest
 * integer by adding and removing 1.5 * 2^52, minus one where it is above: no libm call,
 * so loops over it vectorize). */
static inline double exp_k(double x) {
    double y = x * (1.0 / M_LN2) + 0.5, t = (y + 0x1.8p52) - 0x1.8p52;
    return t > y ? t - 1.0 : t;
}

/* r = x - k ln 2 */
static inline double exp_r(double x, double k) {
    return (x - k * LN2_HI) - k * LN2_LO;
}

void tr_exp_diff(const float *restrict l, double mx, double *restrict y, int n) {
    for (int i = 0; i < n; i++) { /* no branch: the loop vectorizes */
        double x = (double)l[i] - mx, k = exp_k(x), kk = k >= -1021.0 && k <= 1022.0 ? k : 0.0, m,
               t;
        m = kk + (1023.0 + 0x1p52); /* k + 1023 in the low mantissa bits */
        uint64_t b;
        memcpy(&b, &m, sizeof b);
        b <<= 52; /* 2^k */
        memcpy(&t, &b, sizeof t);
        y[i] = exp_series(exp_r(x, k)) * t;
    }
    for (int i = 0; i < n; i++) { /* NaN, and where k may leave the normal range: tr_exp */
        double x = (double)l[i] - mx;
        if (!(x >= -707.0 && x <= 707.0)) y[i] = tr_exp(x);
    }
}

double tr_exp(double x) {
    if (x != x) return x;
    if (x > 709.78) return HUGE_VAL;
    if (x < -745.2) return 0.0;
    double k = exp_k(x);
    double p = exp_series(exp_r(x, k));                     /* |r| <= 0.35 */
    if (k < -1021.0 || k > 1022.0) return ldexp(p, (int)k); /* |p| < 2: rounding or overflow */
    /* p * 2^k with 2^k from its exponent bits: exact, so ldexp's result, without the call */
    union {
        uint64_t u;
        double d;
    } t = {(uint64_t)((int64_t)k + 1023) << 52};
    return p * t.d;
}

double tr_log(double x) {
    if (x != x || x < 0.0) return NAN;
    if (x == 0.0) return -HUGE_VAL;
    if (isinf(x)) return x;
    int k;
    double m = frexp(x, &k); /* x = m 2^k, m in [0.5, 1) */
    if (m < M_SQRT1_2) {
        m *= 2.0;
        k--;
    }
    /* log m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.172, to s^27 */
    double s = (m - 1.0) / (m + 1.0), s2 = s * s, p = 1.0 / 27;
    for (int i = 25; i >= 1; i -= 2)
        p = p * s2 + 1.0 / i;
    return (double)k * LN2_HI + ((double)k * LN2_LO + 2.0 * s * p);
}

double tr_cos(double x) {
    if (!isfinite(x)) return NAN;
    x = fabs(fmod(x, 2.0 * M_PI)); /* fmod is exact */
    if (x > M_PI) x = 2.0 * M_PI - x;
    double sign = 1.0;
    if (x > M_PI_2) {
        x = M_PI - x;
        sign = -1.0;
    }
    /* cos x to x^28 / 28!, |x| <= pi/2 */
    double x2 = x * x, p = 1.0;
    for (int i = 28; i >= 2; i -= 2)
        p = 1.0 - p * x2 / ((double)i * (double)(i - 1));
    return sign * p;
}

double tr_powi(double b, uint64_t n) {
    double r = 1.0;
    while (n) {
        if (n & 1) r *= b;
        b *= b;
        n >>= 1;
    }
    return r;
}
