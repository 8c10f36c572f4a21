/* test_poly.c - the linear and polynomial L-LUT kinds (runtime/train/poly.c): the monomial
 * order against a direct evaluation in double, gradients against finite differences (the
 * parameters, the inputs, the per-address path's Jacobian), rows independent of their
 * batch, and whole models of these kinds (and mixed with MLP levels): both sparse-stage
 * paths against each other, the same bits for 1 and 2 threads, tables equal to the model.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "helpers.h"

/* ---- One L-LUT ------------------------------------------------------------------------ */

typedef struct poly_case {
    tr_shape sh;       /* the L-LUT */
    int R, ld, M;      /* rows, row stride, monomials with the constant */
    float *param;      /* ws [M-1], b */
    float *grad;       /* their gradients */
    tr_lut p, g;       /* slices */
    float *x, *y, *dy; /* inputs [F][ld], outputs, loss weights (zero beyond R) */
    float *dx, *sc;    /* input gradients, scratch */
} poly_case;

static tr_lut poly_slice(float *base, int M) {
    tr_lut p = {NULL, NULL, NULL, NULL, NULL, base, base + M - 1};
    return p;
}

static void poly_case_new(poly_case *c, int F, int D, int R) {
    memset(c, 0, sizeof *c);
    c->sh = (tr_shape){.F = F, .skip = true, .degree = D};
    c->R = R;
    c->ld = tr_pad_rows(R);
    c->M = tr_poly_terms(F, D);
    c->param = malloc(sizeof(float) * (size_t)c->M);
    c->grad = malloc(sizeof(float) * (size_t)c->M);
    fill(c->param, (size_t)c->M, 0.5f);
    c->p = poly_slice(c->param, c->M);
    c->g = poly_slice(c->grad, c->M);
    c->x = calloc((size_t)F * c->ld, sizeof(float));
    for (int k = 0; k < F; k++)
        fill(c->x + (size_t)k * c->ld, (size_t)R, 1);
    c->y = malloc(sizeof(float) * (size_t)c->ld);
    c->dy = calloc((size_t)c->ld, sizeof(float));
    fill(c->dy, (size_t)R, 1);
    c->dx = malloc(sizeof(float) * (size_t)F * c->ld);
    c->sc = malloc(sizeof(float) * tr_subnet_scratch(&c->sh, R));
}

static void poly_case_free(poly_case *c) {
    free(c->param), free(c->grad), free(c->x), free(c->y), free(c->dy), free(c->dx), free(c->sc);
}

static double poly_loss(void *vc) {
    poly_case *c = vc;
    tr_subnet_forward(&c->sh, &c->p, c->x, c->ld, c->R, c->y, c->sc);
    double s = 0;
    for (int r = 0; r < c->R; r++)
        s += (double)c->dy[r] * c->y[r];
    return s;
}

/* The documented order, evaluated independently: pre-order over nondecreasing index
 * sequences, recursively, in double. Adds w[*n] * value for every monomial extending
 * prefix (value v, last index k0, degree d). */
static double direct(const double *x, int F, int D, const float *w, int *n, double v, int k0,
                     int d) {
    double s = 0;
    for (int k = k0; k < F; k++) {
        double m = v * x[k];
        s += (double)w[(*n)++] * m;
        if (d + 1 < D) s += direct(x, F, D, w, n, m, k, d + 1);
    }
    return s;
}

START_TEST(test_poly_terms) {
    ck_assert_int_eq(tr_poly_terms(6, 1), 7);
    ck_assert_int_eq(tr_poly_terms(6, 2), 28);
    ck_assert_int_eq(tr_poly_terms(6, 4), 210);
    ck_assert_int_eq(tr_poly_terms(2, 3), 10);
    ck_assert_int_eq(tr_poly_terms(16, 4), TR_POLY_MAX_TERMS);
    ck_assert_int_eq(tr_poly_terms(16, 5), TR_POLY_MAX_TERMS + 1);
    tr_shape lin = {.F = 5, .skip = true}, mlp = {.F = 5, .N = 16, .depth = 1, .skip = true},
             poly = {.F = 5, .skip = true, .degree = 3};
    ck_assert_int_eq(tr_shape_degree(&lin), 1);
    ck_assert_int_eq(tr_shape_degree(&mlp), 0);
    ck_assert_int_eq(tr_shape_degree(&poly), 3);
}
END_TEST

/* The forward pass computes b + sum w[m] x^a(m) in the documented monomial order. */
START_TEST(test_poly_order) {
    static const int FD[][2] = {{2, 2}, {3, 3}, {6, 2}, {4, 1}, {5, 4}};
    for (size_t t = 0; t < sizeof FD / sizeof FD[0]; t++) {
        poly_case c;
        poly_case_new(&c, FD[t][0], FD[t][1], 21);
        poly_loss(&c);
        for (int r = 0; r < c.R; r++) {
            double x[16];
            for (int k = 0; k < c.sh.F; k++)
                x[k] = c.x[(size_t)k * c.ld + r];
            int n = 0;
            double want = direct(x, c.sh.F, c.sh.degree, c.p.ws, &n, 1.0, 0, 0) + c.p.b[0];
            ck_assert_int_eq(n, c.M - 1);
            ck_assert_msg(fabs(c.y[r] - want) <= 1e-5 * (1 + fabs(want)),
                          "F=%d D=%d row %d: %.7g, direct %.7g", c.sh.F, c.sh.degree, r, c.y[r],
                          want);
        }
        poly_case_free(&c);
    }
}
END_TEST

/* Parameters (linear in y: step 5e-2, exact up to float rounding) and inputs (a polynomial:
 * step 1e-3, whose truncation error is far below the tolerance). */
static void poly_grad_check(int F, int D, int R) {
    poly_case c;
    poly_case_new(&c, F, D, R);
    tr_subnet_backward(&c.sh, &c.p, c.x, c.ld, R, c.dy, &c.g, c.dx, c.ld, c.sc);
    char what[64];
    snprintf(what, sizeof what, "poly F=%d D=%d params", F, D);
    fd_check(poly_loss, &c, c.param, c.grad, c.M, 5e-2f, 1e-3, 3e-4, what);
    for (int k = 0; k < F; k++) {
        snprintf(what, sizeof what, "poly F=%d D=%d dx[%d]", F, D, k);
        fd_check(poly_loss, &c, c.x + (size_t)k * c.ld, c.dx + (size_t)k * c.ld, R, 1e-3f, 2e-3,
                 5e-4, what);
    }
    poly_case_free(&c);
}

START_TEST(test_poly_grad) {
    poly_grad_check(6, 2, 20); /* PolyLUT's degree 2 at the paper's fan-in */
    poly_grad_check(3, 3, 7);  /* partial vectors, degree 3 */
    poly_grad_check(4, 1, 9);  /* linear (LogicNets) */
    poly_grad_check(11, 2, 5); /* a wide fan-in */
    poly_grad_check(2, 6, 33); /* a high degree, more rows than a vector block */
}
END_TEST

/* The per-address path's call: parameter gradients from dy and the Jacobian from ones,
 * each against the separate computations. */
START_TEST(test_poly_jacobian) {
    poly_case c;
    poly_case_new(&c, 5, 3, 19);
    float *one = calloc((size_t)c.ld, sizeof(float)), *jac = malloc(sizeof(float) * 5 * c.ld);
    float *g2 = malloc(sizeof(float) * (size_t)c.M);
    for (int r = 0; r < c.R; r++)
        one[r] = 1.0f;
    tr_lut gj = poly_slice(g2, c.M);
    tr_poly_backward(&c.sh, &c.p, c.x, c.ld, c.R, c.dy, &gj, one, jac, c.ld, c.sc);
    tr_subnet_backward(&c.sh, &c.p, c.x, c.ld, c.R, c.dy, &c.g, c.dx, c.ld, c.sc);
    ck_assert(memcmp(g2, c.grad, sizeof(float) * (size_t)c.M) == 0); /* the same sums */
    memcpy(c.dy, one, sizeof(float) * (size_t)c.ld); /* the Jacobian: the gradient of sum y */
    for (int k = 0; k < 5; k++)
        fd_check(poly_loss, &c, c.x + (size_t)k * c.ld, jac + (size_t)k * c.ld, c.R, 1e-3f, 2e-3,
                 5e-4, "poly jacobian");
    free(one), free(jac), free(g2);
    poly_case_free(&c);
}
END_TEST

/* A row's output does not depend on the batch around it (tables = model). */
START_TEST(test_poly_rows_independent) {
    poly_case c;
    poly_case_new(&c, 6, 2, 37);
    poly_loss(&c);
    for (int r = 0; r < c.R; r++) {
        float one[6 * 16] = {0}, y1[16];
        for (int k = 0; k < 6; k++)
            one[k * 16] = c.x[(size_t)k * c.ld + r];
        tr_subnet_forward(&c.sh, &c.p, one, 16, 1, y1, c.sc);
        ck_assert_msg(memcmp(&y1[0], &c.y[r], sizeof(float)) == 0, "row %d differs alone", r);
    }
    poly_case_free(&c);
}
END_TEST

/* ---- Whole models ---------------------------------------------------------------------- */

/* Trains and tabulates; the tables equal the model on the test split. */
static tr_model *train_checked(const ir_program *ir, const rt_dataset *d, int threads,
                               rt_tables *t) {
    tr_model *m = train_small(ir, d, threads);
    ck_assert_int_eq(tr_tabulate(m, t, NULL), RT_OK);
    rt_codes c;
    ck_assert_int_eq(tr_codes(m, &d->test, &c, NULL), RT_OK);
    ck_assert_int_eq(lookup_mismatches(t, &c), 0);
    rt_codes_free(&c);
    return m;
}

/* The record sizes follow the kinds: C(F+D, D) - 1 monomial weights per poly L-LUT. */
START_TEST(test_kinds_layout) {
    ir_program *ir = kinds_program(1, 0);
    tr_model *m = tr_model_new(ir, false, NULL, 1, 16, 1, true);
    const tr_layer *L = m->p.layers;
    ck_assert_int_eq(L[0].sh.degree, 2);
    ck_assert_int_eq((int)(L[0].n_dec), tr_poly_terms(4, 2) - 1); /* 14 weights */
    ck_assert_int_eq((int)(L[2].n_dec), 3);                       /* linear: F weights */
    ck_assert_int_eq((int)(L[3].n_dec), tr_poly_terms(4, 3) - 1);
    ck_assert_int_eq(tr_shape_degree(&L[1].sh), 0); /* the MLP level */
    ck_assert_uint_ne(tr_ir_fingerprint(ir), 0);
    uint64_t fp = tr_ir_fingerprint(ir);
    ir->layers[3].degree = 2; /* another degree, another model */
    ck_assert_uint_ne(tr_ir_fingerprint(ir), fp);
    tr_model_free(m);
    fx_program_free(ir);
}
END_TEST

/* Dense and sparse stages on both paths with 1 and 2 threads: the same bits; the tables
 * equal the model. */
START_TEST(test_kinds_threads) {
    rt_dataset d;
    parity_data(&d, 12, 512, 21);
    ir_program *ir = kinds_program(3, 2);
    rt_tables t1, t2;
    tr_model *m1 = train_checked(ir, &d, 1, &t1), *m2 = train_checked(ir, &d, 2, &t2);
    ck_assert(same_params(m1, m2));
    ck_assert(same_tables(&t1, &t2));
    rt_tables_free(&t1), rt_tables_free(&t2);
    tr_model_free(m1), tr_model_free(m2);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* The polynomial means what it says: on the XOR of two binary inputs one degree-2 L-LUT per
 * class (its x0*x1 monomial is the label) separates the classes. */
static double xor_accuracy(ir_lut_kind kind, int degree) { /* test accuracy */
    fx_net n;
    memset(&n, 0, sizeof n);
    n.n_layers = 1;
    n.widths[0] = 2;
    n.widths[1] = 2;
    n.bits_in = 1;
    n.bits_out = 4;
    n.fanin_in = 2;
    n.connect = IR_CONNECT_CONTIGUOUS; /* both classes read x0, x1 */
    n.kind[0] = kind;
    n.degree[0] = degree;
    ir_stage st = fx_stage(IR_STAGE_SPARSE, 30, 32, 1e-2);
    ir_program *ir = fx_program(&n, &st, 1, 4);
    rt_dataset d;
    parity_data(&d, 2, 512, 5);
    rt_tables t;
    tr_model *m = train_checked(ir, &d, 2, &t);
    double q;
    tr_evaluate(m, &d.test, NULL, &q);
    rt_tables_free(&t);
    tr_model_free(m);
    fx_program_free(ir);
    rt_dataset_free(&d);
    return q;
}

START_TEST(test_kinds_xor) {
    double poly = xor_accuracy(IR_KIND_POLY, 2);
    ck_assert_msg(poly >= 0.99, "poly(2) on XOR: %.3f", poly);
}
END_TEST

static Suite *poly_suite(void) {
    Suite *s = suite_create("train_poly");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_poly_terms);
    tcase_add_test(tc, test_poly_order);
    tcase_add_test(tc, test_poly_grad);
    tcase_add_test(tc, test_poly_jacobian);
    tcase_add_test(tc, test_poly_rows_independent);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("models");
    tcase_set_timeout(tm, 60);
    tcase_add_test(tm, test_kinds_layout);
    tcase_add_test(tm, test_kinds_threads);
    tcase_add_test(tm, test_kinds_xor);
    suite_add_tcase(s, tm);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(poly_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
