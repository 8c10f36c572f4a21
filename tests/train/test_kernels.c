/* test_kernels.c - gradient checks of the training kernels against finite differences.
 *
 * Every check perturbs one input or parameter at a time by +-h, takes the central
 * difference of a scalar loss L = sum(dy * y) (dy random, fixed) computed in double, and
 * compares it with the kernel's analytic gradient: |analytic - numeric| <= rel * max(|a|,|n|)
 * + abs. ReLU networks are piecewise linear, so their differences are exact unless a step
 * crosses a kink; the ReLU tests place every pre-activation away from its kink (see
 * away_from_kinks), and a coordinate whose one-sided differences disagree is still counted
 * as a kink and skipped (at most 20% may be). Tolerances are stated per test.
 */
#include <check.h>
#include <float.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "gradcheck.h"
#include "train_int.h"

/* ---- Helpers ------------------------------------------------------------------------ */

/* Biases of magnitude 1..2 (random sign) and small weights keep every ReLU pre-activation
 * at least 0.4 away from its kink for inputs in [-1,1]: the differences are then exact,
 * with about half the units active and half inactive. */
static void away_from_kinks(float *w, size_t nw, float *b, size_t nb, float wscale) {
    fill(w, nw, wscale);
    for (size_t i = 0; i < nb; i++) {
        float u = urand();
        b[i] = (u < 0 ? -1.0f : 1.0f) * (1.0f + fabsf(urand()));
    }
}

/* ---- Fully connected rows and ReLU -------------------------------------------------- */

/* A layer of fc rows: x [R][K], w [K][N], b [N]; L = sum dy * fc(x) */
typedef struct fc_case {
    int R, K, N;               /* rows, inputs, outputs */
    bool relu;                 /* with the ReLU */
    float *x, *w, *b, *y, *dy; /* inputs, weights, biases, outputs, loss weights */
} fc_case;

static double fc_loss(void *vc) {
    fc_case *c = vc;
    tr_fc_forward(c->x, c->K, c->R, c->K, c->w, c->b, c->N, c->y, c->N, c->relu);
    double s = 0;
    for (int i = 0; i < c->R * c->N; i++)
        s += (double)c->dy[i] * c->y[i];
    return s;
}

static void fc_check(bool relu) {
    fc_case c = {5, 7, 37, relu, NULL, NULL, NULL, NULL, NULL};
    c.x = malloc(sizeof(float) * c.R * c.K);
    c.w = malloc(sizeof(float) * c.K * c.N);
    c.b = malloc(sizeof(float) * c.N);
    c.y = malloc(sizeof(float) * c.R * c.N);
    c.dy = malloc(sizeof(float) * c.R * c.N);
    fill(c.x, (size_t)c.R * c.K, 1);
    away_from_kinks(c.w, (size_t)c.K * c.N, c.b, (size_t)c.N, 0.08f);
    fill(c.dy, (size_t)c.R * c.N, 1);
    float *dw = malloc(sizeof(float) * c.K * c.N), *db = malloc(sizeof(float) * c.N);
    float *dx = malloc(sizeof(float) * c.R * c.K), *dyr = malloc(sizeof(float) * c.R * c.N);
    /* the backward takes dy already masked by the ReLU */
    tr_fc_forward(c.x, c.K, c.R, c.K, c.w, c.b, c.N, c.y, c.N, relu);
    for (int i = 0; i < c.R * c.N; i++)
        dyr[i] = (!relu || c.y[i] > 0) ? c.dy[i] : 0.0f;
    float *wt = malloc(sizeof(float) * c.N * c.K);
    tr_fc_backward(c.x, c.K, c.R, c.K, c.w, c.N, dyr, c.N, dw, db, dx, c.K, wt);
    free(wt);
    /* piecewise linear and away from kinks: exact differences up to float rounding of y;
     * step 5e-2, tolerance 1e-3 relative + 3e-4 */
    fd_check(fc_loss, &c, c.w, dw, c.K * c.N, 5e-2f, 1e-3, 3e-4, "fc dw");
    fd_check(fc_loss, &c, c.b, db, c.N, 5e-2f, 1e-3, 3e-4, "fc db");
    fd_check(fc_loss, &c, c.x, dx, c.R * c.K, 5e-2f, 1e-3, 3e-4, "fc dx");
    free(c.x), free(c.w), free(c.b), free(c.y), free(c.dy), free(dw), free(db), free(dx), free(dyr);
}

/* The scalar definitions of fc.c's vector kernels (train_int.h): every step one fmaf. */
static float ref_dot(const float *a, const float *b, int n) {
    float acc[16] = {0};
    for (int i = 0; i < n; i++)
        acc[i % 16] = fmaf(a[i], b[i], acc[i % 16]);
    for (int w = 8; w > 0; w /= 2)
        for (int j = 0; j < w; j++)
            acc[j] += acc[j + w];
    return acc[0];
}

/* The vector kernels give the scalar definitions' bits for every shape: full and partial
 * vectors, row and input blocks and their remainders (dx: the chain over n from 0). */
START_TEST(test_fc_scalar_bits) {
    static const int shapes[][3] = {{5, 7, 37}, {9, 64, 64}, {3, 6, 16}, {1, 1, 1}, {6, 17, 70}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        int R = shapes[t][0], K = shapes[t][1], N = shapes[t][2];
        float *x = malloc(sizeof(float) * R * K), *w = malloc(sizeof(float) * K * N);
        float *b = malloc(sizeof(float) * N), *dy = malloc(sizeof(float) * R * N);
        float *y = malloc(sizeof(float) * R * N), *dw = malloc(sizeof(float) * K * N);
        float *db = malloc(sizeof(float) * N), *dx = malloc(sizeof(float) * R * K);
        float *wt = malloc(sizeof(float) * N * K);
        fill(x, (size_t)R * K, 1), fill(w, (size_t)K * N, 1), fill(b, (size_t)N, 1);
        fill(dy, (size_t)R * N, 1);
        tr_fc_forward(x, K, R, K, w, b, N, y, N, true);
        tr_fc_backward(x, K, R, K, w, N, dy, N, dw, db, dx, K, wt);
        float wk[70];
        for (int r = 0; r < R; r++)
            for (int n = 0; n < N; n++) {
                float a = b[n];
                for (int k = 0; k < K; k++)
                    a = fmaf(x[r * K + k], w[k * N + n], a);
                a = a > 0.0f ? a : 0.0f;
                ck_assert_msg(memcmp(&a, &y[r * N + n], sizeof a) == 0, "y[%d][%d] of %dx%dx%d", r,
                              n, R, K, N);
            }
        for (int k = 0; k < K; k++)
            for (int n = 0; n < N; n++) {
                float a = 0.0f, d = 0.0f;
                for (int r = 0; r < R; r++)
                    a = fmaf(x[r * K + k], dy[r * N + n], a), d += dy[r * N + n];
                ck_assert_msg(memcmp(&a, &dw[k * N + n], sizeof a) == 0, "dw[%d][%d]", k, n);
                ck_assert_msg(memcmp(&d, &db[n], sizeof d) == 0, "db[%d]", n);
            }
        for (int r = 0; r < R; r++)
            for (int k = 0; k < K; k++) {
                float a = 0.0f;
                for (int n = 0; n < N; n++)
                    a = fmaf(dy[r * N + n], w[k * N + n], a);
                ck_assert_msg(memcmp(&a, &dx[r * K + k], sizeof a) == 0, "dx[%d][%d]", r, k);
                memcpy(wk, w + k * N, sizeof(float) * N);
                float d = ref_dot(wk, dy + r * N, N), v = tr_dot(wk, dy + r * N, N);
                ck_assert_msg(memcmp(&d, &v, sizeof d) == 0, "tr_dot of %d", N);
            }
        free(x), free(w), free(b), free(dy), free(y), free(dw), free(db), free(dx), free(wt);
    }
}
END_TEST

START_TEST(test_fc_grad) {
    fc_check(false);
}
END_TEST

START_TEST(test_relu_grad) {
    fc_check(true);
}
END_TEST

/* ---- The sub-network (fc1, ReLU, fc2, skip) ----------------------------------------- */

typedef struct sub_case {
    tr_shape sh;                      /* the sub-network */
    int R, ld;                        /* rows, row stride of x and dx */
    float *param, *grad;              /* one block: w1 b1 wh bh w2 ws b */
    size_t n;                         /* floats in the block */
    tr_lut p, g;                      /* its slices */
    float *x, *y, *dy, *dx, *scratch; /* inputs, outputs, loss weights, input grads */
} sub_case;

static tr_lut slice(float *base, const tr_shape *sh) {
    size_t F = (size_t)sh->F, N = (size_t)sh->N;
    size_t D = sh->depth > 1 ? (size_t)sh->depth - 1 : 0;
    tr_lut p;
    p.w1 = base;
    p.b1 = p.w1 + F * N;
    p.wh = p.b1 + N;
    p.bh = p.wh + D * N * N;
    p.w2 = p.bh + D * N;
    p.ws = p.w2 + N;
    p.b = p.ws + F;
    return p;
}

static double sub_loss(void *vc) {
    sub_case *c = vc;
    tr_subnet_forward(&c->sh, &c->p, c->x, c->ld, c->R, c->y, c->scratch);
    double s = 0;
    for (int r = 0; r < c->R; r++)
        s += (double)c->dy[r] * c->y[r];
    return s;
}

/* Checks one sub-network shape: every parameter and input against finite differences.
 * Piecewise linear and away from kinks: step 5e-2, tolerance 1e-3 relative + 3e-4 (the
 * float rounding of y). */
static void sub_check(int F, int N, int depth, bool skip, int R) {
    sub_case c;
    memset(&c, 0, sizeof c);
    c.sh.F = F;
    c.sh.N = N;
    c.sh.depth = depth;
    c.sh.skip = skip;
    c.R = R;
    c.ld = tr_pad_rows(R);
    size_t D = depth > 1 ? (size_t)depth - 1 : 0;
    c.n = (size_t)F * N + N + D * N * N + D * N + N + F + 1;
    c.param = malloc(sizeof(float) * c.n);
    c.grad = malloc(sizeof(float) * c.n);
    fill(c.param, c.n, 0.5f);
    c.p = slice(c.param, &c.sh);
    away_from_kinks(c.p.w1, (size_t)F * N, c.p.b1, (size_t)N, 0.6f / (float)F);
    away_from_kinks(c.p.wh, D * N * N, c.p.bh, D * N, 0.5f / (float)(N > 0 ? N : 1));
    c.g = slice(c.grad, &c.sh);
    c.x = calloc((size_t)F * c.ld, sizeof(float));
    for (int k = 0; k < F; k++)
        fill(c.x + (size_t)k * c.ld, (size_t)R, 1);
    c.y = malloc(sizeof(float) * c.ld);
    c.dy = calloc((size_t)c.ld, sizeof(float));
    fill(c.dy, (size_t)R, 1);
    c.dx = malloc(sizeof(float) * F * c.ld);
    c.scratch = malloc(sizeof(float) * (tr_subnet_scratch(&c.sh, R) + 1));
    tr_subnet_backward(&c.sh, &c.p, c.x, c.ld, R, c.dy, &c.g, c.dx, c.ld, c.scratch);
    char what[64];
    snprintf(what, sizeof what, "subnet F=%d N=%d depth=%d params", F, N, depth);
    fd_check(sub_loss, &c, c.param, c.grad, (int)c.n - (skip ? 0 : F + 1), 5e-2f, 1e-3, 3e-4, what);
    if (!skip) /* the skip weights are unused: their gradient is whatever; bias still */
        fd_check(sub_loss, &c, c.p.b, c.g.b, 1, 5e-2f, 1e-3, 3e-4, what);
    for (int k = 0; k < F; k++) {
        snprintf(what, sizeof what, "subnet F=%d N=%d dx[%d]", F, N, k);
        fd_check(sub_loss, &c, c.x + (size_t)k * c.ld, c.dx + (size_t)k * c.ld, R, 1e-2f, 1e-3,
                 1e-4, what);
    }
    free(c.param), free(c.grad), free(c.x), free(c.y), free(c.dy), free(c.dx), free(c.scratch);
}

START_TEST(test_subnet_grad) {
    sub_check(6, 64, 1, true, 20); /* the paper's L-LUT (vector fast path) */
    sub_check(3, 21, 1, true, 7);  /* odd widths: partial vectors */
    sub_check(11, 16, 1, true, 5); /* fan-in beyond the specialised cases */
    sub_check(4, 12, 2, true, 6);  /* a deeper sub-network (generic path) */
}
END_TEST

START_TEST(test_skip_grad) {
    sub_check(5, 0, 0, true, 9);   /* the linear skip alone */
    sub_check(5, 16, 1, false, 9); /* no skip: the MLP alone */
}
END_TEST

/* Rows are independent: a row's output does not depend on the batch around it (the
 * property that makes truth tables equal to the model). */
START_TEST(test_subnet_rows_independent) {
    tr_shape sh = {.F = 6, .N = 64, .depth = 1, .skip = true};
    size_t n = 6 * 64 + 64 + 64 + 6 + 1;
    float *param = malloc(sizeof(float) * n);
    fill(param, n, 0.5f);
    tr_lut p = slice(param, &sh);
    int R = 37, ld = tr_pad_rows(R);
    float *x = calloc((size_t)6 * ld, sizeof(float)), *y = malloc(sizeof(float) * ld);
    fill(x, (size_t)6 * ld, 1);
    tr_subnet_forward(&sh, &p, x, ld, R, y, NULL);
    for (int r = 0; r < R; r++) {
        float one[6 * 16] = {0}, y1[16];
        for (int k = 0; k < 6; k++)
            one[k * 16] = x[(size_t)k * ld + r];
        tr_subnet_forward(&sh, &p, one, 16, 1, y1, NULL);
        ck_assert_msg(memcmp(&y1[0], &y[r], sizeof(float)) == 0, "row %d differs alone", r);
    }
    free(param), free(x), free(y);
}
END_TEST

/* tr_sub1_forward_jac: the outputs of tr_sub1_forward and the Jacobian of
 * tr_sub1_backward_jac (unit weights), bit for bit, with and without the skip path; the
 * backward with that Jacobian in dx gives J * dy. */
START_TEST(test_forward_jacobian_bits) {
    for (int skip = 0; skip < 2; skip++) {
        tr_shape sh = {.F = 5, .N = 13, .depth = 1, .skip = skip};
        size_t n = 5 * 13 + 13 + 13 + 5 + 1;
        float *param = malloc(sizeof(float) * n), *grad = calloc(n, sizeof(float));
        fill(param, n, 0.5f);
        tr_lut p = slice(param, &sh), g = slice(grad, &sh);
        int R = 37, ld = tr_pad_rows(R);
        float *x = calloc((size_t)5 * ld, sizeof(float)), *y = malloc(sizeof(float) * ld),
              *y2 = malloc(sizeof(float) * ld), *one = calloc((size_t)ld, sizeof(float)),
              *dy = calloc((size_t)ld, sizeof(float)), *j1 = malloc(sizeof(float) * 5 * ld),
              *j2 = malloc(sizeof(float) * 5 * ld);
        fill(x, (size_t)5 * ld, 1);
        for (int r = 0; r < R; r++)
            one[r] = 1.0f, dy[r] = 0.25f * (float)(r % 7) - 0.75f;
        tr_sub1_forward(&sh, &p, x, ld, R, y);
        tr_sub1_forward_jac(&sh, &p, x, ld, R, y2, j1, ld);
        tr_sub1_backward_jac(&sh, &p, x, ld, R, dy, one, &g, j2, ld);
        ck_assert(!memcmp(y, y2, sizeof(float) * R));
        int nz = 0;
        for (int k = 0; k < 5; k++)
            for (int r = 0; r < R; r++) {
                float a = j1[(size_t)k * ld + r], b = j2[(size_t)k * ld + r];
                ck_assert_msg(!memcmp(&a, &b, sizeof a), "J[%d][%d] %.9g vs %.9g", k, r, (double)a,
                              (double)b);
                nz += a != 0.0f;
            }
        ck_assert_int_gt(nz, R); /* the Jacobian is not trivially zero */
        uint64_t *acc = calloc(n, sizeof(uint64_t));
        tr_lut_fix f = {acc, acc + 65, acc + 78, acc + 91, acc + 96};
        memcpy(j2, j1, sizeof(float) * 5 * ld);
        tr_sub1_backward_fix(&sh, &p, x, ld, R, dy, &f, j2, ld, true);
        for (int k = 0; k < 5; k++)
            for (int r = 0; r < R; r++)
                ck_assert(j2[(size_t)k * ld + r] == j1[(size_t)k * ld + r] * dy[r]);
        free(param), free(grad), free(x), free(y), free(y2), free(one), free(dy), free(j1),
            free(j2), free(acc);
    }
}
END_TEST

/* ---- Batch norm --------------------------------------------------------------------- */

typedef struct bn_case {
    int R;                                 /* rows */
    float *y, gamma, beta, *xhat, *z, *dz; /* inputs, affine, outputs, loss weights */
} bn_case;

static double bn_loss(void *vc) {
    bn_case *c = vc;
    float mean, var, istd;
    tr_bn_forward(c->y, c->R, c->gamma, c->beta, c->xhat, c->z, &mean, &var, &istd);
    double s = 0;
    for (int r = 0; r < c->R; r++)
        s += (double)c->dz[r] * c->z[r];
    return s;
}

START_TEST(test_bn_grad) {
    bn_case c = {16, NULL, 1.3f, -0.2f, NULL, NULL, NULL};
    c.y = malloc(sizeof(float) * c.R);
    c.xhat = malloc(sizeof(float) * c.R);
    c.z = malloc(sizeof(float) * c.R);
    c.dz = malloc(sizeof(float) * c.R);
    fill(c.y, (size_t)c.R, 2);
    fill(c.dz, (size_t)c.R, 1);
    float mean, var, istd, dg, db, *dy = malloc(sizeof(float) * c.R);
    tr_bn_forward(c.y, c.R, c.gamma, c.beta, c.xhat, c.z, &mean, &var, &istd);
    ck_assert_float_eq_tol(var * istd * istd, 1.0f, 1e-4f);
    tr_bn_backward(c.xhat, c.dz, c.R, c.gamma, istd, dy, &dg, &db);
    /* smooth: step 1e-3, tolerance 2e-3 relative + 2e-4 (float rounding of the sums) */
    fd_check(bn_loss, &c, c.y, dy, c.R, 1e-3f, 2e-3, 2e-4, "bn dy");
    fd_check(bn_loss, &c, &c.gamma, &dg, 1, 1e-3f, 2e-3, 2e-4, "bn dgamma");
    fd_check(bn_loss, &c, &c.beta, &db, 1, 1e-3f, 2e-3, 2e-4, "bn dbeta");
    free(c.y), free(c.xhat), free(c.z), free(c.dz), free(dy);
}
END_TEST

/* ---- Quantizers through their straight-through estimators --------------------------- *
 * The STE treats the rounding as the identity: around a point (z0, s0) the quantizer's
 * value behaves like g(z, s) = s * (clamp(z/s) + c) with the rounding offset
 * c = q0 - clamp(z0/s0) frozen (hard-tanh clamp to [-1,1] for 1-bit signed). Its exact
 * derivatives are what tr_q_backward must return. */

typedef struct q_case {
    tr_qspec q;      /* the quantizer */
    float z, raw, c; /* point, raw scale, frozen rounding offset */
} q_case;

static double q_clamped(const q_case *c, double t) {
    double lo = c->q.binary ? -1.0 : c->q.qmin, hi = c->q.binary ? 1.0 : c->q.qmax;
    return t < lo ? lo : (t > hi ? hi : t);
}

static double q_loss(void *vc) {
    q_case *c = vc;
    double s = tr_q_scale(c->raw);
    return s * (q_clamped(c, c->z / s) + c->c);
}

static void q_check(ir_quant_kind kind, int bits) {
    tr_qspec q = tr_qspec_make(kind, bits);
    for (int i = 0; i < 200; i++) {
        q_case c = {q, urand() * 3.0f * (float)(q.qmax > 1 ? q.qmax : 1), 0.0f, 0.0f};
        c.raw = (0.4f + urand() * 0.3f) * (i % 2 ? 1.0f : -1.0f); /* negative raw too */
        float s = tr_q_scale(c.raw);
        double t = c.z / s;
        /* stay clear of the clamp corners, where the surrogate itself has a kink */
        double lo = q.binary ? -1.0 : q.qmin, hi = q.binary ? 1.0 : q.qmax;
        if (fabs(t - lo) < 0.05 || fabs(t - hi) < 0.05) continue;
        int level = tr_q_int(&q, c.z, s);
        c.c = (float)(level - q_clamped(&c, t));
        /* the forward value is s*q, and equals the surrogate at the point */
        ck_assert_float_eq_tol((float)q_loss(&c), tr_q_value(level, s), 1e-5f);
        ck_assert_int_ge(level, q.qmin);
        ck_assert_int_le(level, q.qmax);
        float ds = 0.0f;
        float dz = tr_q_backward(&q, c.z, s, 1.0f, &ds);
        float draw = tr_q_scale_grad(c.raw, ds);
        /* piecewise linear surrogate: tolerance 1e-3 relative + 1e-4 */
        fd_check(q_loss, &c, &c.z, &dz, 1, 1e-3f, 1e-3, 1e-4, "quant dz");
        fd_check(q_loss, &c, &c.raw, &draw, 1, 1e-3f, 1e-3, 1e-4, "quant dscale");
    }
}

START_TEST(test_quant_relu_grad) {
    q_check(IR_Q_RELU, 1);
    q_check(IR_Q_RELU, 3);
}
END_TEST

START_TEST(test_quant_identity_grad) {
    q_check(IR_Q_IDENTITY, 1); /* binary +-s */
    q_check(IR_Q_IDENTITY, 4);
    q_check(IR_Q_IDENTITY, 8);
}
END_TEST

START_TEST(test_quant_hardtanh_grad) {
    q_check(IR_Q_HARDTANH, 1);
    q_check(IR_Q_HARDTANH, 2);
}
END_TEST

/* Codes are what the hardware sees: unsigned q; signed offset binary; 1-bit signed 0/1. */
START_TEST(test_quant_codes) {
    tr_qspec u = tr_qspec_make(IR_Q_RELU, 2), sg = tr_qspec_make(IR_Q_IDENTITY, 3),
             b = tr_qspec_make(IR_Q_HARDTANH, 1);
    ck_assert_int_eq(tr_q_int(&u, -5.0f, 1.0f), 0);
    ck_assert_int_eq(tr_q_int(&u, 2.5f, 1.0f), 2); /* half to even */
    ck_assert_int_eq(tr_q_int(&u, 9.0f, 1.0f), 3);
    ck_assert_int_eq(tr_q_int(&sg, -9.0f, 0.5f), -4);
    ck_assert_int_eq(tr_q_code(&sg, -4), 0);
    ck_assert_int_eq(tr_q_code(&sg, 3), 7);
    ck_assert_int_eq(tr_q_level(&sg, 5), 1);
    ck_assert_int_eq(tr_q_int(&b, -0.001f, 1.0f), -1);
    ck_assert_int_eq(tr_q_int(&b, 0.0f, 1.0f), 1);
    ck_assert_int_eq(tr_q_code(&b, -1), 0);
    ck_assert_int_eq(tr_q_level(&b, 1), 1);
    ck_assert_int_eq(tr_q_int(&u, NAN, 1.0f), 0);
    for (int c = 0; c < 8; c++)
        ck_assert_int_eq(tr_q_code(&sg, tr_q_level(&sg, (uint16_t)c)), c);
}
END_TEST

/* ---- Regulariser and loss ----------------------------------------------------------- */

typedef struct reg_case {
    float *w;       /* weights */
    int rows, cols; /* shape */
    double wd, wd1; /* regulariser constants */
} reg_case;

static double reg_loss(void *vc) {
    reg_case *c = vc;
    return tr_reg_forward(c->w, c->rows, c->cols, c->wd, c->wd1);
}

START_TEST(test_reg_grad) {
    reg_case c = {NULL, 4, 30, 8e-2, 0.3};
    c.w = malloc(sizeof(float) * 120);
    fill(c.w, 120, 1);
    for (int i = 0; i < 120; i++) /* away from the kink of |w| at 0 */
        if (fabsf(c.w[i]) < 0.05f) c.w[i] = 0.1f;
    float *g = calloc(120, sizeof(float));
    tr_reg_backward(c.w, c.rows, c.cols, c.wd, c.wd1, g);
    /* value: wd * sum_rows (2^(wd1*||row||_1) - 1) */
    double want = 0;
    for (int i = 0; i < 4; i++) {
        double l1 = 0;
        for (int j = 0; j < 30; j++)
            l1 += fabs(c.w[i * 30 + j]);
        want += pow(2.0, 0.3 * l1) - 1;
    }
    ck_assert_double_eq_tol(reg_loss(&c), 8e-2 * want, 1e-9);
    /* smooth: step 1e-3, tolerance 1e-3 relative + 1e-6 */
    fd_check(reg_loss, &c, c.w, g, 120, 1e-3f, 1e-3, 1e-6, "regulariser");
    free(c.w), free(g);
}
END_TEST

typedef struct ce_case {
    float *l; /* logits [3][5] */
    int *y;   /* labels */
    float *w; /* class weights [5], or NULL */
} ce_case;

static double ce_loss(void *vc) {
    ce_case *c = vc;
    return tr_ce(c->l, c->y, c->w, 3, 5, NULL, NULL);
}

START_TEST(test_ce_grad) {
    float l[15], g[15];
    int y[3] = {0, 4, 2}, ok;
    fill(l, 15, 3);
    ce_case c = {l, y, NULL};
    double plain = tr_ce(l, y, NULL, 3, 5, g, &ok);
    ck_assert_int_ge(ok, 0);
    fd_check(ce_loss, &c, l, g, 15, 1e-3f, 2e-3, 1e-5, "cross-entropy");
    /* class weights: the loss is the weighted mean, the gradient follows it */
    float w[5] = {2.0f, 1.0f, 0.5f, 1.0f, 3.0f}, ones[5] = {1, 1, 1, 1, 1};
    ck_assert(tr_ce(l, y, ones, 3, 5, NULL, NULL) == plain); /* weight 1: the same bits */
    double sum = 0;
    for (int r = 0; r < 3; r++)
        sum += w[y[r]] * tr_ce(l + 5 * r, y + r, NULL, 1, 5, NULL, NULL);
    c.w = w;
    ck_assert_double_eq_tol(tr_ce(l, y, w, 3, 5, g, NULL), sum / 3, 1e-12);
    ck_assert(fabs(tr_ce(l, y, w, 3, 5, NULL, NULL) - plain) > 1e-3);
    fd_check(ce_loss, &c, l, g, 15, 1e-3f, 2e-3, 1e-5, "weighted cross-entropy");
}
END_TEST

/* ---- Schedules ---------------------------------------------------------------------- */

START_TEST(test_lr_schedules) {
    ir_stage st = fx_stage(IR_STAGE_SPARSE, 10, 32, 0.01);
    ck_assert_double_eq(tr_lr_at(&st, 7.3), 0.01); /* constant */
    st.schedule = IR_SCHED_COSINE;
    st.lr_min = 0.001;
    /* one cosine over the stage's epochs */
    ck_assert_double_eq_tol(tr_lr_at(&st, 0), 0.01, 1e-12);
    ck_assert_double_eq_tol(tr_lr_at(&st, 5), 0.0055, 1e-12);
    ck_assert_double_eq_tol(tr_lr_at(&st, 10 - 1e-9), 0.001, 1e-9);
    /* warm restarts every 4 epochs */
    st.restart_epochs = 4;
    ck_assert_double_eq_tol(tr_lr_at(&st, 2), 0.0055, 1e-12);
    ck_assert_double_eq_tol(tr_lr_at(&st, 4), 0.01, 1e-12);
    ck_assert_double_eq_tol(tr_lr_at(&st, 6), 0.0055, 1e-12);
    /* periods 4, 8, 16, ... with mult 2: restarts at 4 and 12 */
    st.restart_mult = 2;
    ck_assert_double_eq_tol(tr_lr_at(&st, 8), 0.0055, 1e-12);
    ck_assert_double_eq_tol(tr_lr_at(&st, 12), 0.01, 1e-12);
    ck_assert_double_eq_tol(tr_lr_at(&st, 20), 0.0055, 1e-12);
}
END_TEST

/* One Adam and one AdamW step against the hand-computed values (PyTorch's formulas). */
START_TEST(test_adam_step) {
    float p[2] = {1.0f, 1.0f}, mm[2] = {0}, vv[2] = {0};
    uint64_t g[2] = {tr_fix(0.5f, TR_FIX_G), tr_fix(0.5f, TR_FIX_G)}; /* what Adam reads */
    tr_optim o;
    memset(&o, 0, sizeof o);
    o.gfix = g;
    o.adam_m = mm;
    o.adam_v = vv;
    o.n_param = 2;
    ir_stage st = fx_stage(IR_STAGE_SPARSE, 1, 32, 0.1);
    st.weight_decay = 0.1;
    tr_adam a;
    tr_adam_begin(&a, &o, &st, 0.1); /* Adam: L2 decay added to the gradient */
    tr_adam_apply(&a, p, &o, 0, 1, true);
    tr_adam_apply(&a, p, &o, 1, 1, false);
    /* g' = 0.5 + 0.1*1 = 0.6: m = 0.06, v = 0.00036; mhat/sqrt(vhat) = 1 -> p = 0.9 */
    ck_assert_float_eq_tol(p[0], 0.9f, 1e-6f);
    ck_assert_float_eq_tol(p[1], 0.9f, 1e-6f); /* no decay: mhat/sqrt(vhat) = 1 as well */
    ck_assert_float_eq_tol(mm[0], 0.06f, 1e-7f);
    ck_assert_float_eq_tol(vv[0], 0.00036f, 1e-8f); /* (1 - 0.999f) is 0.99999e-3 in float */
    p[0] = 1.0f;
    mm[0] = vv[0] = 0.0f;
    o.adam_t = 0;
    st.optimizer = IR_OPT_ADAMW; /* decoupled: p*(1 - lr*wd) - lr * 1 */
    tr_adam_begin(&a, &o, &st, 0.1);
    tr_adam_apply(&a, p, &o, 0, 1, true);
    ck_assert_float_eq_tol(p[0], 0.99f - 0.1f, 1e-6f);
    ck_assert_int_eq(o.adam_t, 1);
}
END_TEST

/* ---- Wiring: a support level and a masked level, through the model's own routing ---- */

typedef struct wire_case {
    tr_model *m;        /* the model */
    int l, R;           /* layer, rows */
    float *in, *y, *dy; /* layer inputs, sub-network outputs, loss weights */
} wire_case;

static double wire_loss(void *vc) {
    wire_case *c = vc;
    tr_layer_subnet_forward(c->m, c->l, c->in, c->R, c->y);
    const tr_layer *L = &c->m->p.layers[c->l];
    size_t ld = (size_t)c->m->w.ld;
    double s = 0;
    for (int o = 0; o < L->out; o++)
        for (int r = 0; r < c->R; r++)
            s += (double)c->dy[(size_t)o * ld + r] * c->y[(size_t)o * ld + r];
    return s;
}

/* Checks layer l of a small model through the model's own routing (contiguous tree level or
 * masked level with its reader reduction): input and parameter gradients, same tolerance
 * as the sub-network check. */
static void wire_check(int l) {
    fx_net n = fx_small(1, true);
    n.fanin_in = 4;
    ir_stage st = fx_stage(IR_STAGE_SPARSE, 1, 8, 1e-3);
    ir_program *ir = fx_program(&n, &st, 1, 3);
    tr_model *m = tr_model_new(ir, false, NULL, 3, 8, 2, true);
    tr_model_init_params(m, 3, 1);
    const tr_layer *L = &m->p.layers[l];
    ck_assert_int_eq(L->wire, l == 1 ? TR_WIRE_DIRECT : TR_WIRE_MASKED);
    wire_case c = {m, l, 6, NULL, NULL, NULL};
    size_t ld = (size_t)m->w.ld;
    c.in = calloc((size_t)L->in * ld, sizeof(float));
    c.y = calloc((size_t)L->out * ld, sizeof(float));
    c.dy = calloc((size_t)L->out * ld, sizeof(float));
    float *din = calloc((size_t)L->in * ld, sizeof(float));
    for (int i = 0; i < L->in; i++)
        fill(c.in + i * ld, (size_t)c.R, 1);
    for (int o = 0; o < L->out; o++) {
        tr_lut q = tr_layer_lut(L, m->p.param, o);
        away_from_kinks(q.w1, (size_t)L->sh.F * L->sh.N, q.b1, (size_t)L->sh.N,
                        0.6f / (float)L->sh.F);
    }
    for (int o = 0; o < L->out; o++)
        fill(c.dy + o * ld, (size_t)c.R, 1);
    tr_layer_subnet_backward(m, l, c.in, c.R, c.dy, din);
    /* the layer's input gradients, input by input, row by row */
    for (int i = 0; i < L->in; i++)
        fd_check(wire_loss, &c, c.in + i * ld, din + i * ld, c.R, 5e-2f, 1e-3, 3e-4,
                 L->wire == TR_WIRE_DIRECT ? "support level din" : "masked level din");
    /* and the parameter gradients of one L-LUT */
    tr_lut p = tr_layer_lut(L, m->p.param, 1), g = tr_layer_lut(L, m->opt->grad, 1);
    fd_check(wire_loss, &c, p.w1, g.w1, L->sh.F * L->sh.N, 5e-2f, 1e-3, 3e-4, "layer w1");
    fd_check(wire_loss, &c, p.ws, g.ws, L->sh.F, 5e-2f, 1e-3, 3e-4, "layer ws");
    free(c.in), free(c.y), free(c.dy), free(din);
    tr_model_free(m);
    fx_program_free(ir);
}

START_TEST(test_support_level_grad) {
    wire_check(1); /* 12 -> 4, F=3: L-LUT j reads 3j..3j+2 */
}
END_TEST

START_TEST(test_masked_level_grad) {
    wire_check(0); /* 10 -> 12, F=4 random masks: inputs read 0..n times */
}
END_TEST

/* Pool jobs run with subnormals flushed to zero (results and operands), and the caller's
 * own floating-point mode is restored after the job. */
typedef struct flush_probe {
    volatile float operand; /* a subnormal made outside the job */
    float product[2];       /* FLT_MIN * 0.25 in the job: subnormal unless flushed */
    float passed[2];        /* operand * 1 in the job: the operand unless flushed */
} flush_probe;

static void flush_job(void *ctx, int tid, int n) {
    (void)n;
    flush_probe *p = ctx;
    volatile float min = FLT_MIN, quarter = 0.25f, one = 1.0f;
    p->product[tid] = min * quarter;
    p->passed[tid] = p->operand * one;
}

START_TEST(test_pool_flushes_subnormals) {
    volatile float min = FLT_MIN, quarter = 0.25f;
    flush_probe p = {.operand = min * quarter};
    ck_assert(p.operand > 0.0f && p.operand < FLT_MIN); /* the test thread keeps subnormals */
    tr_pool *pool = tr_pool_new(2);
    ck_assert_int_eq(tr_pool_threads(pool), 2);
    tr_pool_run(pool, flush_job, &p);
    for (int t = 0; t < 2; t++) {
#if defined(__SSE__) || defined(__x86_64__) || defined(__aarch64__)
        ck_assert_msg(p.product[t] == 0.0f, "thread %d: result %g not flushed", t,
                      (double)p.product[t]);
        ck_assert_msg(p.passed[t] == 0.0f, "thread %d: operand %g not flushed", t,
                      (double)p.passed[t]);
#else
        ck_assert(p.product[t] > 0.0f); /* no flush mode on this target */
#endif
    }
    volatile float after = min * quarter;
    ck_assert_msg(after > 0.0f, "the caller's mode was not restored");
    tr_pool_free(pool);
}
END_TEST

/* tr_pool_chunk hands out every item exactly once: without steal each thread its own
 * tr_share; with steal, what a late thread has not reached goes to the others (thread 0
 * here starts only after thread 1 has found nothing left, so it gets nothing). */
typedef struct chunk_probe {
    tr_pool *pool;
    int n;
    bool steal;
    int owner[300];       /* the thread that got each item, -1 before */
    atomic_int hits[300]; /* times each item was handed out */
    atomic_bool done1;    /* thread 1 found nothing left */
} chunk_probe;

static void chunk_job(void *ctx, int tid, int nt) {
    (void)nt;
    chunk_probe *p = ctx;
    while (p->steal && tid == 0 && !atomic_load(&p->done1))
        ;
    int lo, hi;
    while (tr_pool_chunk(p->pool, p->n, tid, p->steal, &lo, &hi)) {
        ck_assert(0 <= lo && lo < hi && hi <= p->n);
        for (int i = lo; i < hi; i++) {
            atomic_fetch_add(&p->hits[i], 1);
            p->owner[i] = tid;
        }
    }
    if (tid == 1) atomic_store(&p->done1, true);
}

START_TEST(test_pool_chunks) {
    static chunk_probe p;
    const int ns[] = {0, 1, 7, 100, 300};
    for (int nt = 2; nt <= 3; nt++) {
        p.pool = tr_pool_new(nt);
        for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
            for (int steal = 0; steal < 2; steal++) {
                p.n = ns[k];
                p.steal = steal;
                atomic_store(&p.done1, false);
                for (int i = 0; i < p.n; i++) {
                    atomic_store(&p.hits[i], 0);
                    p.owner[i] = -1;
                }
                tr_pool_run(p.pool, chunk_job, &p);
                for (int i = 0; i < p.n; i++) {
                    ck_assert_msg(atomic_load(&p.hits[i]) == 1, "n %d steal %d: item %d %d times",
                                  p.n, steal, i, atomic_load(&p.hits[i]));
                    int lo, hi, t = 0;
                    for (; t < nt; t++) { /* the share item i is in */
                        tr_share(p.n, t, nt, &lo, &hi);
                        if (i < hi) break;
                    }
                    if (steal) /* thread 0 came too late for any */
                        ck_assert_int_ne(p.owner[i], 0);
                    else
                        ck_assert_int_eq(p.owner[i], t);
                }
            }
        tr_pool_free(p.pool);
    }
}
END_TEST

/* tr_pool_stats: one entry per call site, its runs counted, the job's wall time and its
 * threads' busy time bounded by what the job did (thread 1 sleeps 10 ms, thread 0 not). */
static void nap_job(void *ctx, int tid, int nt) {
    (void)ctx, (void)nt;
    if (tid == 1) nanosleep(&(struct timespec){0, 10000000}, NULL);
}

START_TEST(test_pool_stats) {
    tr_pool *pool = tr_pool_new(2);
    flush_probe fp = {.operand = 1.0f};
    for (int i = 0; i < 3; i++)
        tr_pool_run(pool, nap_job, NULL);
    tr_pool_run(pool, flush_job, &fp);
    const tr_pool_stat *st;
    int n = tr_pool_stats(pool, &st);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(st[0].site, "nap_job");
    ck_assert_str_eq(st[1].site, "flush_job");
    ck_assert_int_eq(st[0].runs, 3);
    ck_assert_int_eq(st[1].runs, 1);
    ck_assert_msg(st[0].wall >= 0.03 && st[0].busy >= 0.03, "wall %g busy %g", st[0].wall,
                  st[0].busy);
    ck_assert_msg(st[0].busy <= 2 * st[0].wall, "busy %g beyond 2 x wall %g", st[0].busy,
                  st[0].wall);
    tr_pool_free(pool);
}
END_TEST

static Suite *kernels_suite(void) {
    Suite *s = suite_create("train_kernels");
    TCase *tc = tcase_create("grad");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_fc_grad);
    tcase_add_test(tc, test_fc_scalar_bits);
    tcase_add_test(tc, test_relu_grad);
    tcase_add_test(tc, test_subnet_grad);
    tcase_add_test(tc, test_skip_grad);
    tcase_add_test(tc, test_subnet_rows_independent);
    tcase_add_test(tc, test_forward_jacobian_bits);
    tcase_add_test(tc, test_bn_grad);
    tcase_add_test(tc, test_quant_relu_grad);
    tcase_add_test(tc, test_quant_identity_grad);
    tcase_add_test(tc, test_quant_hardtanh_grad);
    tcase_add_test(tc, test_quant_codes);
    tcase_add_test(tc, test_reg_grad);
    tcase_add_test(tc, test_ce_grad);
    tcase_add_test(tc, test_lr_schedules);
    tcase_add_test(tc, test_adam_step);
    tcase_add_test(tc, test_support_level_grad);
    tcase_add_test(tc, test_masked_level_grad);
    tcase_add_test(tc, test_pool_flushes_subnormals);
    tcase_add_test(tc, test_pool_chunks);
    tcase_add_test(tc, test_pool_stats);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(kernels_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
