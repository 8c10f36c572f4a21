/* gradcheck.c - the finite-difference check of the gradient tests (see gradcheck.h). */
#include "gradcheck.h"

#include <check.h>
#include <math.h>
#include <stdint.h>

static uint64_t rng_state = 12345;

float urand(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((rng_state >> 40) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
}

void fill(float *p, size_t n, float scale) {
    for (size_t i = 0; i < n; i++)
        p[i] = urand() * scale;
}

int fd_check(loss_fn f, void *ctx, float *v, const float *g, int n, float h, double rel,
             double abs_tol, const char *what) {
    /* smooth functions (large steps) have one-sided slopes that differ by about h*f'' */
    double kink = h >= 1e-2f ? 1e-3 : 1e-1;
    int skipped = 0;
    for (int i = 0; i < n; i++) {
        float keep = v[i];
        double f0 = f(ctx);
        v[i] = keep + h;
        double p1 = f(ctx);
        v[i] = keep - h;
        double m1 = f(ctx);
        v[i] = keep;
        double n1 = (p1 - m1) / (2.0 * h);
        /* one-sided slopes differ by the slope change of a kink inside the step */
        if (fabs((p1 - f0) - (f0 - m1)) / h > kink * (1.0 + fabs(n1))) {
            skipped++;
            continue;
        }
        double a = g[i];
        double tol = rel * fmax(fabs(a), fabs(n1)) + abs_tol;
        ck_assert_msg(fabs(a - n1) <= tol, "%s[%d]: analytic %.7g, numeric %.7g (tol %.3g)", what,
                      i, a, n1, tol);
    }
    ck_assert_msg(skipped * 5 <= n, "%s: %d of %d coordinates at kinks", what, skipped, n);
    return skipped;
}
