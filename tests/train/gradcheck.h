/* gradcheck.h - what the gradient-check tests of tests/train share (test_kernels.c,
 * test_poly.c): a seeded uniform generator and the finite-difference check. */
#ifndef NLTC_TRAIN_TEST_GRADCHECK_H
#define NLTC_TRAIN_TEST_GRADCHECK_H

#include <stddef.h>

/* Uniform in [-1, 1) from a fixed-seed linear congruential generator. */
float urand(void);
/* p[0..n) = urand() * scale. */
void fill(float *p, size_t n, float scale);

/* A loss L(v) of one coordinate's value, the rest fixed. */
typedef double (*loss_fn)(void *ctx);

/* Checks analytic gradients g[0..n) of the loss with respect to v[0..n) (v is perturbed in
 * place and restored) by central differences of step h: |analytic - numeric| <= rel *
 * max(|a|,|n|) + abs_tol (check assertions). A coordinate whose one-sided differences
 * disagree is counted as a kink and skipped (at most 20% may be). Returns the skipped. */
int fd_check(loss_fn f, void *ctx, float *v, const float *g, int n, float h, double rel,
             double abs_tol, const char *what);

#endif /* NLTC_TRAIN_TEST_GRADCHECK_H */
