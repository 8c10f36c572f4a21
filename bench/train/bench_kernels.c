/* bench_kernels.c - the one-hidden-layer sub-network kernels (runtime/train/simd.c) alone:
 * time per L-LUT call of the forward, the forward with its Jacobian, the fixed-point
 * backward that reads the Jacobian (the per-sample path's pair, model.c) and the float
 * backward (the per-address path's, addr.c), their GFLOP/s against one core's peak, and a
 * hash of every output so that two builds can be shown to compute the same bits.
 *
 *   bench_kernels [--fanin F] [--hidden N] [--rows R] [--repeat K] [--calls C]
 *
 * Defaults: the paper's L-LUT (F 6, N 64, linear skip) at 32 rows, best of 30 repeats of
 * as many calls as make about 5 million FLOPs of the forward with its Jacobian. The inputs are
 * 1-bit codes (+-0.5), the weights fixed pseudo-random values: the same on every run and build. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_train.h"
#include "train_int.h"

static long arg_long(const char *flag, const char *v, long lo, long hi) {
    char *end;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || x < lo || x > hi) {
        fprintf(stderr, "bench_kernels: %s needs an integer in [%ld, %ld]\n", flag, lo, hi);
        exit(2);
    }
    return x;
}

enum { K_FWD, K_JAC, K_BWD_FIX, K_BWD, K_N };
static const char *const k_name[K_N] = {"forward", "forward + Jacobian",
                                        "backward (fixed, Jacobian)", "backward (float)"};

int main(int argc, char **argv) {
    int F = 6, N = 64, R = 32, repeat = 30;
    long calls = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--fanin"))
            F = (int)arg_long(argv[i], v, 1, 16), i++;
        else if (!strcmp(argv[i], "--hidden"))
            N = (int)arg_long(argv[i], v, 1, 1024), i++;
        else if (!strcmp(argv[i], "--rows"))
            R = (int)arg_long(argv[i], v, 1, 65536), i++;
        else if (!strcmp(argv[i], "--repeat"))
            repeat = (int)arg_long(argv[i], v, 1, 10000), i++;
        else if (!strcmp(argv[i], "--calls"))
            calls = arg_long(argv[i], v, 1, 100000000), i++;
        else {
            fprintf(stderr, "usage: bench_kernels [--fanin F] [--hidden N] [--rows R] "
                            "[--repeat K] [--calls C]\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    int Rp = tr_pad_rows(R), ld = Rp;
    tr_shape sh = {.F = F, .N = N, .depth = 1, .skip = true};
    size_t np = (size_t)F * N + 2 * (size_t)N + (size_t)F + 1;
    float *w = calloc(np, sizeof *w), *gw = calloc(np, sizeof *gw);
    float *x = calloc((size_t)F * ld, sizeof *x), *jac = calloc((size_t)F * ld, sizeof *jac);
    float *y = calloc((size_t)ld, sizeof *y), *dy = calloc((size_t)ld, sizeof *dy);
    float *dx = calloc((size_t)F * ld, sizeof *dx);
    uint64_t *acc = calloc(np, sizeof *acc);
    if (!w || !gw || !x || !jac || !y || !dy || !dx || !acc) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < np; i++)
        w[i] = (float)((long)(i * 7919 % 201) - 100) / 300.0f;
    for (int i = 0; i < F * ld; i++)
        x[i] = i % ld < R && (i * 2654435761u >> 7) % 3 ? 0.5f : -0.5f;
    for (int r = 0; r < R; r++)
        dy[r] = (float)(r * 13 % 7 - 3) * 0.01f;
    tr_lut p = {w, w + F * N, NULL, NULL, w + F * N + N, w + F * N + 2 * N, w + np - 1};
    tr_lut g = {gw, gw + F * N, NULL, NULL, gw + F * N + N, gw + F * N + 2 * N, gw + np - 1};
    tr_lut_fix gf = {acc, acc + F * N, acc + F * N + N, acc + F * N + 2 * N, acc + np - 1};
    /* multiply-adds per row (2 FLOPs each): the hidden layer, fc2 and the skip path, the
     * Jacobian's F per unit, the weight gradients' two products per weight; the fixed
     * backward's time includes copying the Jacobian into dx, which it scales in place */
    double mac_fwd = (double)N * F + N + F, mac_w = 2.0 * N * F + N;
    double mac[K_N] = {mac_fwd, mac_fwd + (double)N * F, mac_w + F, mac_w + 2.0 * N * F + F};
    if (!calls) calls = R >= 4096 ? 1 : 5e6 / (R * mac[K_JAC] * 2) + 1;
    double best[K_N];
    uint64_t h = RT_FNV_INIT;
    for (int k = 0; k < K_N; k++)
        best[k] = 1e30;
    for (int rep = 0; rep < repeat; rep++)
        for (int k = 0; k < K_N; k++) {
            double t0 = rt_now();
            for (long c = 0; c < calls; c++) {
                if (k == K_FWD) tr_sub1_forward(&sh, &p, x, ld, R, y);
                if (k == K_JAC) tr_sub1_forward_jac(&sh, &p, x, ld, R, y, jac, ld);
                if (k == K_BWD_FIX) {
                    memcpy(dx, jac, (size_t)F * ld * sizeof *dx);
                    tr_sub1_backward_fix(&sh, &p, x, ld, R, dy, &gf, dx, ld, true);
                }
                if (k == K_BWD) tr_sub1_backward(&sh, &p, x, ld, R, dy, &g, dx, ld);
            }
            double t = (rt_now() - t0) / (double)calls;
            if (t < best[k]) best[k] = t;
        }
    /* the bits: one call of each from zero sums */
    memset(acc, 0, np * sizeof *acc);
    tr_sub1_forward(&sh, &p, x, ld, R, y);
    h = rt_fnv1a(h, y, (size_t)R * sizeof *y);
    tr_sub1_forward_jac(&sh, &p, x, ld, R, y, jac, ld);
    h = rt_fnv1a(rt_fnv1a(h, y, (size_t)R * sizeof *y), jac, (size_t)F * ld * sizeof *jac);
    memcpy(dx, jac, (size_t)F * ld * sizeof *dx);
    tr_sub1_backward_fix(&sh, &p, x, ld, R, dy, &gf, dx, ld, true);
    h = rt_fnv1a(rt_fnv1a(h, dx, (size_t)F * ld * sizeof *dx), acc, np * sizeof *acc);
    tr_sub1_backward(&sh, &p, x, ld, R, dy, &g, dx, ld);
    h = rt_fnv1a(rt_fnv1a(h, dx, (size_t)F * ld * sizeof *dx), gw, np * sizeof *gw);
    const char *how;
    double peak = bt_peak_gflops(1, tr_simd_floats(), &how);
    printf("bench_kernels: F %d, N %d, %d rows, %d-float vectors, best of %d x %ld calls\n", F, N,
           R, tr_simd_floats(), repeat, calls);
    for (int k = 0; k < K_N; k++) {
        double gf = 2.0 * mac[k] * R / best[k] * 1e-9;
        printf("  %-27s %10.1f ns/call  %7.2f GFLOP/s", k_name[k], best[k] * 1e9, gf);
        if (peak > 0) printf("  (%.0f%% of peak)", 100.0 * gf / peak);
        printf("\n");
    }
    printf("  per-sample step (forward + Jacobian, fixed backward): %.1f ns per L-LUT\n",
           (best[K_JAC] + best[K_BWD_FIX]) * 1e9);
    printf("  peak %.1f GFLOP/s per core (%s)\n  bits: %016llx\n", peak, how,
           (unsigned long long)h);
    free(w), free(gw), free(x), free(jac), free(y), free(dy), free(dx), free(acc);
    return 0;
}
