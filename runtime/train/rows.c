/* rows.c - sums over a batch's rows in int64 fixed point (train_int.h, "Sums over rows"):
 * the conversions the passes use. The terms are added as uint64 (modulo 2^64, which is
 * associative, so the sum does not depend on the order or on how the rows are split over
 * threads and ranks; a true sum within int64 comes out exactly). The loops vectorize with
 * AVX2 as with AVX-512: fix.h converts through doubles, not by float-to-int64 instructions.
 */
#include "train_int.h"

void tr_fix_add(uint64_t *restrict acc, const float *restrict x, size_t n, float k) {
    for (size_t i = 0; i < n; i++)
        acc[i] += tr_fix(x[i], k);
}

void tr_fix_set(uint64_t *restrict acc, const float *restrict x, size_t n, float k) {
    for (size_t i = 0; i < n; i++)
        acc[i] = tr_fix(x[i], k);
}

uint64_t tr_fix_sum(const float *restrict x, int n, float k) {
    uint64_t s = 0;
    for (int r = 0; r < n; r++)
        s += tr_fix(x[r], k);
    return s;
}

uint64_t tr_fix_sum_cnt(const float *restrict x, const uint32_t *restrict cnt, int n, float k) {
    uint64_t s = 0;
    for (int i = 0; i < n; i++)
        s += (uint64_t)cnt[i] * tr_fix(x[i], k);
    return s;
}
