/* bench_kernels.c - the one-hidden-layer sub-network kernels (runtime/train/simd.c) alone:
 * time per L-LUT call of the forward, the forward with its Jacobian, the fixed-point
 * backward that reads the Jacobian (the per-sample path's pair, model.c) and the float
 * backward (the per-address path's, addr.c), their GFLOP/s against one core's peak, and a
 * hash of every output so that two builds can be shown to compute the same bits.
 *
 *   bench_kernels [--fanin F] [--hidden N] [--depth D] [--rows R] [--repeat K] [--calls C]
 *
 * With --depth D > 1 it times the deep sub-network instead (kernels.c over fc.c's rows): the
 * forward and the float backward, which recomputes the hidden layers (both paths run it).
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
#define USAGE                                                                                      \
    "usage: bench_kernels [--fanin F] [--hidden N] [--depth D] [--rows R] [--repeat K] [--calls "  \
    "C]\n"

/* The time of the best of `repeat` runs of `calls` calls of fn(arg, k), per call. */
typedef void (*kernel_fn)(void *arg, int k);
static double best_of(kernel_fn fn, void *arg, int k, int repeat, long calls) {
    double best = 1e30;
    for (int rep = 0; rep < repeat; rep++) {
        double t0 = rt_now();
        for (long c = 0; c < calls; c++)
            fn(arg, k);
        double t = (rt_now() - t0) / (double)calls;
        if (t < best) best = t;
    }
    return best;
}

static void print_rate(const char *name, double mac, int R, double t, double peak) {
    double gf = 2.0 * mac * R / t * 1e-9;
    printf("  %-27s %10.1f ns/call  %7.2f GFLOP/s", name, t * 1e9, gf);
    if (peak > 0) printf("  (%.0f%% of peak)", 100.0 * gf / peak);
    printf("\n");
}

/* One shape's kernel calls: the parameters p, their gradients g (gf: the fixed-point sums
 * of the one-hidden-layer backward), rows x and dy, outputs y, jac, dx, scratch sub. */
typedef struct job {
    tr_shape sh;
    tr_lut p, g;
    tr_lut_fix gf;
    const float *x, *dy;
    float *y, *jac, *dx, *sub;
    int ld, R;
} job;

/* ---- Deep sub-networks (--depth D > 1) ---------------------------------------------- */

static void deep_call(void *arg, int k) {
    job *j = arg;
    if (k == 0)
        tr_subnet_forward(&j->sh, &j->p, j->x, j->ld, j->R, j->y, j->sub);
    else
        tr_subnet_backward(&j->sh, &j->p, j->x, j->ld, j->R, j->dy, &j->g, j->dx, j->ld, j->sub);
}

/* A record [w1 F*N][b1 N][wh (D-1)*N*N][bh (D-1)*N][w2 N][ws F][b 1] over base. */
static tr_lut deep_rec(float *base, int F, int N, int D) {
    float *w1 = base, *b1 = w1 + F * N, *wh = b1 + N, *bh = wh + (size_t)(D - 1) * N * N;
    float *w2 = bh + (size_t)(D - 1) * N, *ws = w2 + N;
    return (tr_lut){w1, b1, wh, bh, w2, ws, ws + F};
}

static int bench_deep(int F, int N, int D, int R, int repeat, long calls, float *x, float *dy,
                      int ld) {
    size_t np = (size_t)F * N + N + (size_t)(D - 1) * N * (N + 1) + N + F + 1;
    float *w = calloc(np, sizeof *w), *gw = calloc(np, sizeof *gw);
    float *y = calloc((size_t)ld, sizeof *y), *dx = calloc((size_t)F * ld, sizeof *dx);
    job j = {.sh = {.F = F, .N = N, .depth = D, .skip = true}, .x = x, .dy = dy, .ld = ld, .R = R};
    float *sub = calloc(tr_subnet_scratch(&j.sh, R) + 1, sizeof *sub);
    if (!w || !gw || !y || !dx || !sub) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < np; i++) /* scaled so that the deep layers keep their range */
        w[i] = (float)((long)(i * 7919 % 201) - 100) / (30.0f * sqrtf((float)N));
    j.p = deep_rec(w, F, N, D), j.g = deep_rec(gw, F, N, D), j.y = y, j.dx = dx, j.sub = sub;
    double hid = (double)N * F + (double)(D - 1) * N * N;
    double mac[2] = {hid + N + F, 3.0 * hid + 2.0 * N + 2.0 * F};
    if (!calls) calls = 5e6 / (R * mac[0] * 2) + 1;
    double t[2];
    for (int k = 0; k < 2; k++)
        t[k] = best_of(deep_call, &j, k, repeat, calls);
    deep_call(&j, 0);
    deep_call(&j, 1);
    uint64_t h = rt_fnv1a(RT_FNV_INIT, y, (size_t)R * sizeof *y);
    h = rt_fnv1a(rt_fnv1a(h, dx, (size_t)F * ld * sizeof *dx), gw, np * sizeof *gw);
    const char *how;
    double peak = bt_peak_gflops(1, tr_simd_floats(), &how);
    printf("bench_kernels: F %d, N %d, depth %d, %d rows, %d-float vectors, best of %d x %ld "
           "calls\n",
           F, N, D, R, tr_simd_floats(), repeat, calls);
    print_rate("forward (deep)", mac[0], R, t[0], peak);
    print_rate("backward (deep, float)", mac[1], R, t[1], peak);
    printf("  step (forward, backward): %.1f ns per L-LUT\n", (t[0] + t[1]) * 1e9);
    printf("  peak %.1f GFLOP/s per core (%s)\n  bits: %016llx\n", peak, how,
           (unsigned long long)h);
    free(w), free(gw), free(y), free(dx), free(sub);
    return 0;
}

/* ---- One hidden layer (simd.c) ------------------------------------------------------ */

static void sub1_call(void *arg, int k) {
    job *j = arg;
    if (k == K_FWD) tr_sub1_forward(&j->sh, &j->p, j->x, j->ld, j->R, j->y);
    if (k == K_JAC) tr_sub1_forward_jac(&j->sh, &j->p, j->x, j->ld, j->R, j->y, j->jac, j->ld);
    if (k == K_BWD_FIX) {
        memcpy(j->dx, j->jac, (size_t)j->sh.F * j->ld * sizeof *j->dx);
        tr_sub1_backward_fix(&j->sh, &j->p, j->x, j->ld, j->R, j->dy, &j->gf, j->dx, j->ld, true);
    }
    if (k == K_BWD) tr_sub1_backward(&j->sh, &j->p, j->x, j->ld, j->R, j->dy, &j->g, j->dx, j->ld);
}

static const char *const k_name[K_N] = {"forward", "forward + Jacobian",
                                        "backward (fixed, Jacobian)", "backward (float)"};

int main(int argc, char **argv) {
    int F = 6, N = 64, D = 1, R = 32, repeat = 30;
    long calls = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--fanin"))
            F = (int)arg_long(argv[i], v, 1, 16), i++;
        else if (!strcmp(argv[i], "--hidden"))
            N = (int)arg_long(argv[i], v, 1, 1024), i++;
        else if (!strcmp(argv[i], "--depth"))
            D = (int)arg_long(argv[i], v, 1, 8), i++;
        else if (!strcmp(argv[i], "--rows"))
            R = (int)arg_long(argv[i], v, 1, 65536), i++;
        else if (!strcmp(argv[i], "--repeat"))
            repeat = (int)arg_long(argv[i], v, 1, 10000), i++;
        else if (!strcmp(argv[i], "--calls"))
            calls = arg_long(argv[i], v, 1, 100000000), i++;
        else {
            fputs(USAGE, stderr);
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    int Rp = tr_pad_rows(R), ld = Rp;
    float *x = calloc((size_t)F * ld, sizeof *x), *dy = calloc((size_t)ld, sizeof *dy);
    if (!x || !dy) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        return 1;
    }
    for (int i = 0; i < F * ld; i++)
        x[i] = i % ld < R && (i * 2654435761u >> 7) % 3 ? 0.5f : -0.5f;
    for (int r = 0; r < R; r++)
        dy[r] = (float)(r * 13 % 7 - 3) * 0.01f;
    if (D > 1) {
        int rc = bench_deep(F, N, D, R, repeat, calls, x, dy, ld);
        free(x), free(dy);
        return rc;
    }
    job j = {.sh = {.F = F, .N = N, .depth = 1, .skip = true}, .x = x, .dy = dy, .ld = ld, .R = R};
    size_t np = (size_t)F * N + 2 * (size_t)N + (size_t)F + 1;
    float *w = calloc(np, sizeof *w), *gw = calloc(np, sizeof *gw);
    float *jac = calloc((size_t)F * ld, sizeof *jac), *y = calloc((size_t)ld, sizeof *y);
    float *dx = calloc((size_t)F * ld, sizeof *dx);
    uint64_t *acc = calloc(np, sizeof *acc);
    if (!w || !gw || !jac || !y || !dx || !acc) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < np; i++)
        w[i] = (float)((long)(i * 7919 % 201) - 100) / 300.0f;
    j.p = (tr_lut){w, w + F * N, NULL, NULL, w + F * N + N, w + F * N + 2 * N, w + np - 1};
    j.g = (tr_lut){gw, gw + F * N, NULL, NULL, gw + F * N + N, gw + F * N + 2 * N, gw + np - 1};
    j.gf = (tr_lut_fix){acc, acc + F * N, acc + F * N + N, acc + F * N + 2 * N, acc + np - 1};
    j.y = y, j.jac = jac, j.dx = dx;
    /* multiply-adds per row (2 FLOPs each): the hidden layer, fc2 and the skip path, the
     * Jacobian's F per unit, the weight gradients' two products per weight; the fixed
     * backward's time includes copying the Jacobian into dx, which it scales in place */
    double mac_fwd = (double)N * F + N + F, mac_w = 2.0 * N * F + N;
    double mac[K_N] = {mac_fwd, mac_fwd + (double)N * F, mac_w + F, mac_w + 2.0 * N * F + F};
    if (!calls) calls = R >= 4096 ? 1 : 5e6 / (R * mac[K_JAC] * 2) + 1;
    double best[K_N];
    for (int k = 0; k < K_N; k++)
        best[k] = 1e30;
    for (int rep = 0; rep < repeat; rep++) /* the kernels in turns, the best of each */
        for (int k = 0; k < K_N; k++) {
            double t = best_of(sub1_call, &j, k, 1, calls);
            if (t < best[k]) best[k] = t;
        }
    /* the bits: one call of each from zero sums */
    memset(acc, 0, np * sizeof *acc);
    uint64_t h = RT_FNV_INIT;
    sub1_call(&j, K_FWD);
    h = rt_fnv1a(h, y, (size_t)R * sizeof *y);
    sub1_call(&j, K_JAC);
    h = rt_fnv1a(rt_fnv1a(h, y, (size_t)R * sizeof *y), jac, (size_t)F * ld * sizeof *jac);
    sub1_call(&j, K_BWD_FIX);
    h = rt_fnv1a(rt_fnv1a(h, dx, (size_t)F * ld * sizeof *dx), acc, np * sizeof *acc);
    sub1_call(&j, K_BWD);
    h = rt_fnv1a(rt_fnv1a(h, dx, (size_t)F * ld * sizeof *dx), gw, np * sizeof *gw);
    const char *how;
    double peak = bt_peak_gflops(1, tr_simd_floats(), &how);
    printf("bench_kernels: F %d, N %d, %d rows, %d-float vectors, best of %d x %ld calls\n", F, N,
           R, tr_simd_floats(), repeat, calls);
    for (int k = 0; k < K_N; k++)
        print_rate(k_name[k], mac[k], R, best[k], peak);
    printf("  per-sample step (forward + Jacobian, fixed backward): %.1f ns per L-LUT\n",
           (best[K_JAC] + best[K_BWD_FIX]) * 1e9);
    printf("  peak %.1f GFLOP/s per core (%s)\n  bits: %016llx\n", peak, how,
           (unsigned long long)h);
    free(w), free(gw), free(x), free(jac), free(y), free(dy), free(dx), free(acc);
    return 0;
}
