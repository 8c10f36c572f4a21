/* test_dwn.c - checks of the DWN-style kernels (runtime/train/dwn.c): the trained table's
 * forward and its extended finite difference against the formula worked by hand, the
 * learned mapping's gradients against central differences of its soft choice, the
 * group-sum head's loss gradient, the encoders' thresholds, and what the trainer refuses. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_int.h"

static uint64_t seed_state = 99;

static float urand(void) {
    seed_state = seed_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((seed_state >> 40) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
}

static void expect_near(double a, double n, double tol, const char *what, int i) {
    ck_assert_msg(fabs(a - n) <= tol * fmax(1.0, fmax(fabs(a), fabs(n))),
                  "%s[%d]: analytic %.9g, numeric %.9g", what, i, a, n);
}

/* ---- Trained tables ------------------------------------------------------------------- */

START_TEST(table_forward_backward) {
    float T[4] = {0.5f, -0.25f, 0.75f, -1.0f};
    uint32_t addr[3] = {0, 3, 0};
    float z[3], dz[3] = {1.0f, 2.0f, -0.5f}, dT[4] = {0}, dbit[2 * 3];
    tr_table_forward(T, addr, 3, z);
    ck_assert(z[0] == 0.5f && z[1] == -1.0f && z[2] == 0.5f);
    tr_table_backward(T, 2, addr, 3, dz, dT, dbit, 3);
    /* straight through: each row's entry gets its dz, rows ascending */
    ck_assert(dT[0] == 0.5f && dT[3] == 2.0f && dT[1] == 0.0f && dT[2] == 0.0f);
    /* EFD (A = 2: alpha = 0.5 * 0.75, beta = 1/3) of bit 0 at address 0: alpha ((T1 - T0) +
     * (T3 - T2) / 3); bit 1: alpha ((T2 - T0) + (T3 - T1) / 3) */
    double al = 0.5 * 0.75;
    expect_near(dbit[0 * 3 + 0], al * ((T[1] - T[0]) + (T[3] - T[2]) / 3), 1e-6, "bit0", 0);
    expect_near(dbit[1 * 3 + 0], al * ((T[2] - T[0]) + (T[3] - T[1]) / 3), 1e-6, "bit1", 0);
    /* at address 3 the near neighbours swap roles: bit 0 is alpha ((T3 - T2) + (T1 - T0) / 3) */
    expect_near(dbit[0 * 3 + 1], 2.0 * al * ((T[3] - T[2]) + (T[1] - T[0]) / 3), 1e-6, "bit0", 1);
    /* one address bit: EFD is half the plain finite difference (alpha = 0.5) */
    float T1[2] = {-0.3f, 0.9f}, d1[1];
    uint32_t a1 = 1;
    float one = 1.0f, dT1[2] = {0};
    tr_table_backward(T1, 1, &a1, 1, &one, dT1, d1, 1);
    expect_near(d1[0], 0.5 * (T1[1] - T1[0]), 1e-6, "fd", 0);
    /* a 2-bit code: bits weighted 1 and 2 over the range 3 */
    float bits[2] = {0.3f, 0.6f};
    expect_near(tr_table_code_grad(bits, 1, 0, 2), (0.3 + 2 * 0.6) / 3, 1e-6, "code", 0);
}
END_TEST

/* EFD of address bit j at address a over a table of 2^A entries, in double: the entries
 * at Hamming distance h (bit j aside) weighted alpha beta^h, alpha = 0.5 * 0.75^(A-1),
 * beta = 1/3. */
static double efd_ref(const float *T, int A, uint32_t a, int j) {
    double g = 0.0, alpha = 0.5 * pow(0.75, A - 1);
    for (uint32_t k = 0; k < (1u << A); k++) {
        int h = __builtin_popcount((k ^ a) & ~(1u << j));
        g += (k >> j & 1 ? 1.0 : -1.0) * T[k] * alpha * pow(1.0 / 3.0, h);
    }
    return g;
}

/* A table L-LUT over 2-bit codes (signed and unsigned quantizers feeding it): the address
 * is the codes of the levels x / s, the entries' gradient is the central difference of
 * sum_r dy[r] y[r], each input's the EFD of its code's bits, weighted 1 and 2 over 3. */
START_TEST(table_multibit) {
    enum { F = 3, B = 2, A = F * B, R = 9 };
    tr_shape sh = {.F = F, .table = true, .b_in = B};
    sh.in_q = tr_qspec_make(_i ? IR_Q_IDENTITY : IR_Q_RELU, B); /* levels -2..1 or 0..3 */
    sh.in_s = 0.37f;
    ck_assert_int_eq(tr_shape_addr_bits(&sh), A);
    float T[1 << A], gT[1 << A], b0 = 0.0f, gb = 0.0f;
    for (int k = 0; k < (1 << A); k++)
        T[k] = urand();
    tr_lut p = {.ws = T, .b = &b0}, g = {.ws = gT, .b = &gb};
    float x[F * R], dy[R], y[R], dx[F * R];
    uint32_t addr[R];
    for (int r = 0; r < R; r++) {
        addr[r] = 0;
        for (int j = 0; j < F; j++) {
            int code = (r * 7 + j * 5 + r * j) % 4;
            x[j * R + r] = tr_q_value(tr_q_level(&sh.in_q, (uint16_t)code), sh.in_s);
            addr[r] |= (uint32_t)code << (j * B);
        }
        dy[r] = urand();
    }
    tr_tlut_forward(&sh, &p, x, R, R, y);
    for (int r = 0; r < R; r++)
        ck_assert(y[r] == T[addr[r]]);
    tr_tlut_backward(&sh, &p, x, R, R, dy, &g, dx, R);
    for (int k = 0; k < (1 << A); k++) { /* central differences of sum_r dy y */
        double lp = 0.0, lm = 0.0, h = 1e-3, keep = T[k];
        for (int sgn = 0; sgn < 2; sgn++) {
            T[k] = (float)(keep + (sgn ? -h : h));
            tr_tlut_forward(&sh, &p, x, R, R, y);
            for (int r = 0; r < R; r++)
                *(sgn ? &lm : &lp) += (double)dy[r] * y[r];
        }
        T[k] = (float)keep;
        expect_near(gT[k], (lp - lm) / (2 * (double)(float)h), 1e-3, "entry", k);
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < F; j++)
            expect_near(
                dx[j * R + r],
                dy[r] * (efd_ref(T, A, addr[r], j * B) + 2 * efd_ref(T, A, addr[r], j * B + 1)) / 3,
                1e-5, "input", j * R + r);
}
END_TEST

/* ---- Learned mapping ------------------------------------------------------------------ */

enum { MR = 5, MS = 3, MI = 7 };

/* The soft choice's loss sum_r sum_s dsel[r][s] sum_i P[s][i] X[r][i] in double. */
static double soft_loss(const float *W, const float *X, const float *dsel, int ld, float tau) {
    double L = 0.0;
    for (int s = 0; s < MS; s++) {
        double mx = -1e30, se = 0.0, p[MI];
        for (int i = 0; i < MI; i++)
            mx = fmax(mx, W[s * ld + i]);
        for (int i = 0; i < MI; i++)
            se += p[i] = exp((W[s * ld + i] - mx) / tau);
        for (int r = 0; r < MR; r++)
            for (int i = 0; i < MI; i++)
                L += dsel[r * MS + s] * p[i] / se * X[r * ld + i];
    }
    return L;
}

/* Central differences of soft_loss in each of the first n x MI entries of v (W or X, row
 * stride ld) against the analytic gradient g. */
static void fd_check(float *v, int n, const float *W, const float *X, const float *dsel, int ld,
                     float tau, const float *g, const char *what) {
    const float h = 1e-3f;
    for (int s = 0; s < n; s++)
        for (int i = 0; i < MI; i++) {
            float v0 = v[s * ld + i];
            v[s * ld + i] = v0 + h;
            double up = soft_loss(W, X, dsel, ld, tau);
            v[s * ld + i] = v0 - h;
            double dn = soft_loss(W, X, dsel, ld, tau);
            v[s * ld + i] = v0;
            expect_near(g[s * ld + i], (up - dn) / (2 * h), 2e-3, what, s * MI + i);
        }
}

START_TEST(mapping_gradients) {
    int ld = tr_map_pad(MI);
    ck_assert_int_eq(ld, 16);
    float *W = calloc((size_t)MS * ld, sizeof(float)), *P = calloc((size_t)MS * ld, sizeof(float));
    float *X = calloc((size_t)(MR + 16) * ld, sizeof(float)), *G = calloc((size_t)MS * ld, 4);
    float *dW = calloc((size_t)MS * ld, sizeof(float)), *dX = calloc((size_t)MR * ld, 4);
    float dsel[MR * MS], sel[MR * MS];
    int arg[MS];
    float tau = 0.7f;
    for (int s = 0; s < MS; s++)
        for (int i = 0; i < MI; i++)
            W[s * ld + i] = urand();
    for (int r = 0; r < MR; r++)
        for (int i = 0; i < MI; i++)
            X[r * ld + i] = urand();
    for (int k = 0; k < MR * MS; k++)
        dsel[k] = urand();
    tr_map_softmax(W, MS, MI, ld, tau, P, arg);
    tr_map_forward(X, MR, ld, arg, MS, sel);
    for (int s = 0; s < MS; s++) {
        ck_assert_int_eq(arg[s], tr_argmax_f(W + s * ld, MI));
        ck_assert(sel[2 * MS + s] == X[2 * ld + arg[s]]);
    }
    tr_map_backward(X, MR, ld, P, MS, MI, tau, dsel, G, dW, dX);
    fd_check(W, MS, W, X, dsel, ld, tau, dW, "dW");
    fd_check(X, MR, W, X, dsel, ld, tau, dX, "dX");
    free(W), free(P), free(X), free(G), free(dW), free(dX);
}
END_TEST

/* ---- Group-sum head ------------------------------------------------------------------- */

START_TEST(group_sum_gradient) {
    /* M = 1: DWN's group sum; M = 2: two members, each with its own loss, on the same rows
     * (Rm 0) or each on its own two rows (Rm 2: batches = own) */
    enum { R = 4, C = 3, G = 4, LD = 16 };
    float out[C * G * LD], dout[C * G * LD], logits[R * C], dlogits[R * C];
    int y[R] = {0, 2, 1, 2}, correct, whole;
    for (int k = 0; k < C * G * LD; k++)
        out[k] = (urand() + 1.0f) / 2.0f;
    float tau = 0.5f;
    const int cases[3][2] = {{1, 0}, {2, 0}, {2, 2}};
    for (int t = 0; t < 3; t++) {
        int M = cases[t][0], Rm = cases[t][1];
        double L =
            tr_group_sum_ce(out, R, LD, C, G, M, Rm, tau, y, logits, dlogits, dout, &correct);
        ck_assert(L > 0);
        /* the last member's logit of class 1 of row 2 (its row 0 with own rows) is its
         * part's sum over tau */
        float s = 0.0f;
        for (int g = G - G / M; g < G; g++)
            s += out[(G + g) * LD + 2];
        expect_near(logits[(Rm ? 0 : 2) * C + 1], s / tau, 1e-6, "logit", t);
        if (M == 1) whole = correct; /* members count the whole group's classes */
        ck_assert_int_eq(correct, whole);
        if (Rm) /* member 0 (outputs 0, 1 of each group) learns nothing from rows 2, 3 */
            for (int c = 0; c < C; c++)
                ck_assert(dout[(c * G + 1) * LD + 3] == 0.0f && dout[(c * G) * LD + 2] == 0.0f);
        const float h = 1e-3f;
        for (int j = 0; j < C * G; j++)
            for (int r = 0; r < R; r++) {
                float o = out[j * LD + r];
                out[j * LD + r] = o + h;
                double up =
                    tr_group_sum_ce(out, R, LD, C, G, M, Rm, tau, y, logits, NULL, NULL, NULL);
                out[j * LD + r] = o - h;
                double dn =
                    tr_group_sum_ce(out, R, LD, C, G, M, Rm, tau, y, logits, NULL, NULL, NULL);
                out[j * LD + r] = o;
                expect_near(dout[j * LD + r], (up - dn) / (2 * h), 2e-3, "dout", j * R + r);
            }
    }
    /* two members' loss is the mean of their losses alone: member 1 is outputs 2, 3 of
     * every group, a group sum of 2 over a copy that holds only them; with own batches
     * member k's loss reads only its rows [2k, 2k + 2) */
    float part[C * 2 * LD];
    double mem[2], own[2];
    for (int k = 0; k < 2; k++) {
        for (int c = 0; c < C; c++)
            for (int g = 0; g < 2; g++)
                memcpy(&part[(c * 2 + g) * LD], &out[(c * G + k * 2 + g) * LD], sizeof(float) * LD);
        mem[k] = tr_group_sum_ce(part, R, LD, C, 2, 1, 0, tau, y, logits, NULL, NULL, NULL);
        own[k] = tr_group_sum_ce(part + 2 * k, 2, LD, C, 2, 1, 0, tau, y + 2 * k, logits, NULL,
                                 NULL, NULL);
    }
    double both = tr_group_sum_ce(out, R, LD, C, G, 2, 0, tau, y, logits, NULL, NULL, NULL);
    expect_near(both, (mem[0] + mem[1]) / 2, 1e-9, "members", 0);
    double apart = tr_group_sum_ce(out, R, LD, C, G, 2, 2, tau, y, logits, NULL, NULL, NULL);
    expect_near(apart, (own[0] + own[1]) / 2, 1e-9, "own batches", 0);
    ck_assert(fabs(apart - both) > 1e-6); /* the rows matter */
}
END_TEST

/* ---- Encoders ------------------------------------------------------------------------- */

START_TEST(encoder_thresholds) {
    /* two features over 8 rows: 0..7 and 7..0 scaled by 2 */
    float x[8 * 2];
    for (int r = 0; r < 8; r++)
        x[r * 2] = (float)r, x[r * 2 + 1] = (float)(2 * (7 - r));
    rt_split s = {.n = 8, .x = x, .y = NULL};
    ir_program ir = {
        .encode = IR_ENC_THERMOMETER, .enc_levels = 3, .enc_thresholds = IR_THRESH_UNIFORM};
    rt_encoder enc = {0};
    tr_encoder_fit(&ir, &s, 2, &enc);
    ck_assert_int_eq(enc.levels, 3);
    /* uniform: min + (t+1)(max-min)/4 */
    ck_assert(enc.thresholds[0] == 1.75f && enc.thresholds[1] == 3.5f);
    ck_assert(enc.thresholds[5] == 10.5f);
    uint16_t codes[6];
    float row[2] = {3.6f, 3.5f};
    tr_encode_row(&enc, row, codes);
    ck_assert(codes[0] == 1 && codes[1] == 1 && codes[2] == 0);
    ck_assert(codes[3] == 0 && codes[4] == 0 && codes[5] == 0);
    free(enc.thresholds);
    /* quantile: ranks floor((t+1)*8/4) = 2, 4, 6 of the sorted column */
    ir.enc_thresholds = IR_THRESH_QUANTILE;
    tr_encoder_fit(&ir, &s, 2, &enc);
    ck_assert(enc.thresholds[0] == 2.0f && enc.thresholds[1] == 4.0f && enc.thresholds[2] == 6.0f);
    ck_assert(enc.thresholds[3] == 4.0f && enc.thresholds[5] == 12.0f);
    free(enc.thresholds);
    ir.encode = IR_ENC_BINARIZE;
    tr_encoder_fit(&ir, &s, 2, &enc);
    ck_assert_int_eq(enc.levels, 1);
    ck_assert(enc.thresholds[0] == 0.0f && enc.thresholds[1] == 0.0f);
    free(enc.thresholds);
}
END_TEST

/* ---- What the trainer refuses ---------------------------------------------------------- */

START_TEST(check_refuses) {
    /* the table kind, the mapping, the encoders and the group-sum head train, tables over
     * multi-bit codes too; a table address over TR_TABLE_MAX_BITS does not */
    ir_layer l = {.name = "t.0",
                  .lut = "six",
                  .kind = IR_KIND_TABLE,
                  .connect = IR_CONNECT_MAPPING,
                  .fanin = 6,
                  .bits_in = 1};
    ir_program ir = {
        .n_layers = 1, .layers = &l, .encode = IR_ENC_THERMOMETER, .head = IR_HEAD_GROUP_SUM};
    rt_error e = {0};
    ck_assert_int_eq(tr_check_model(&ir, &e), RT_OK);
    l.bits_in = 2; /* 12 address bits */
    ck_assert_int_eq(tr_check_model(&ir, &e), RT_OK);
    l.fanin = 7; /* 14 */
    ck_assert_int_eq(tr_check_model(&ir, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "lut six.kind");
    ck_assert_ptr_nonnull(strstr(e.msg, "14-bit address"));
    l.kind = IR_KIND_MLP;
    ck_assert_int_eq(tr_check_model(&ir, &e), RT_OK);
}
END_TEST

int main(void) {
    Suite *s = suite_create("dwn");
    TCase *tc = tcase_create("dwn");
    tcase_add_test(tc, table_forward_backward);
    tcase_add_loop_test(tc, table_multibit, 0, 2);
    tcase_add_test(tc, mapping_gradients);
    tcase_add_test(tc, group_sum_gradient);
    tcase_add_test(tc, encoder_thresholds);
    tcase_add_test(tc, check_refuses);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
