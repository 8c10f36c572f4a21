/* test_lookup.c - table-lookup inference against a hand-made model and a naive
 * re-derivation of the address convention, mismatch location, argmax and accuracy, and the
 * analytic LUT cost. */
#include "fixture.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_hand_model) {
    rt_tables t;
    rt_codes want, got;
    fx_hand_tables(&t);
    fx_hand_codes(&want);
    be_lookup_codes(&t, &want, &got);
    be_mismatch m;
    ck_assert_int_eq(be_compare_codes(&want, &got, &m), 0);
    /* a few samples spelled out: x = 1011 (x0=1,x1=1,x2=0,x3=1) -> AND 1, XOR 1, OR 1 */
    ck_assert_int_eq(got.layer[1][2 * 11], 3);
    ck_assert_int_eq(got.layer[1][2 * 11 + 1], 0);
    ck_assert_int_eq(got.layer[1][2 * 0], 0);     /* all zero */
    ck_assert_int_eq(got.layer[1][2 * 4 + 1], 1); /* x2 only: XOR 1, OR 1 -> 2 ones */
    rt_tables_free(&t);
    rt_codes_free(&want);
    rt_codes_free(&got);
}
END_TEST

/* The address convention spelled out independently: bit k of the code in slot f is
 * address bit f*bits_in + k. */
static unsigned naive_lut(const rt_table_layer *L, int j, const uint16_t *src) {
    unsigned addr = 0;
    for (int f = 0; f < L->fanin; f++) {
        unsigned code = src[L->inputs[j * L->fanin + f]];
        for (int k = 0; k < L->bits_in; k++)
            if (code >> k & 1u) addr += 1u << (f * L->bits_in + k);
    }
    return L->codes[((size_t)j << be_addr_bits(L)) + addr];
}

START_TEST(test_random_against_naive) {
    fx_shape s = {.n_inputs = 9, .input_bits = 2, .n_layers = 3};
    static const int w[] = {7, 5, 4}, f[] = {3, 2, 3}, b[] = {3, 1, 5};
    for (int l = 0; l < 3; l++)
        s.width[l] = w[l], s.fanin[l] = f[l], s.bits[l] = b[l];
    rt_tables t;
    rt_codes c;
    fx_random_tables(&s, 11, &t);
    fx_random_codes(&t, 300, 12, &c);
    for (int n = 0; n < 300; n++) {
        const uint16_t *src = c.input + n * 9;
        for (int l = 0; l < 3; l++) {
            const rt_table_layer *L = &t.layers[l];
            for (int j = 0; j < L->n_lut; j++)
                ck_assert_uint_eq(c.layer[l][n * L->n_lut + j], naive_lut(L, j, src));
            src = c.layer[l] + n * L->n_lut;
        }
    }
    rt_tables_free(&t);
    rt_codes_free(&c);
}
END_TEST

START_TEST(test_mismatch_location) {
    rt_tables t;
    rt_codes want, got;
    fx_shape s = fx_tiny();
    fx_random_tables(&s, 5, &t);
    fx_random_codes(&t, 50, 6, &want);
    be_lookup_codes(&t, &want, &got);
    got.layer[1][17 * 4 + 2] ^= 1; /* sample 17, layer 1, code 2 */
    got.layer[2][30 * 3] ^= 4;     /* sample 30, layer 2 */
    got.layer[0][30 * 8 + 5] ^= 1; /* and layer 0 of sample 30: the first failing layer */
    be_mismatch m;
    ck_assert_int_eq(be_compare_codes(&want, &got, &m), 2);
    ck_assert_int_eq(m.sample, 17);
    ck_assert_int_eq(m.layer, 1);
    ck_assert_int_eq(m.index, 2);
    ck_assert_uint_eq(m.got ^ m.want, 1);
    got.layer[1][17 * 4 + 2] ^= 1;
    ck_assert_int_eq(be_compare_codes(&want, &got, &m), 1);
    ck_assert_int_eq(m.sample, 30);
    ck_assert_int_eq(m.layer, 0);
    ck_assert_int_eq(be_compare_outputs(&want, got.layer[2], &m), 1);
    ck_assert_int_eq(m.sample, 30);
    ck_assert_int_eq(m.layer, 2);
    rt_tables_free(&t);
    rt_codes_free(&want);
    rt_codes_free(&got);
}
END_TEST

START_TEST(test_argmax_accuracy) {
    const uint16_t out[3 * 4] = {1, 7, 7, 2, 9, 0, 0, 0, 3, 3, 3, 4};
    const int labels[3] = {1, 0, 2};
    ck_assert_int_eq(be_argmax(out, 4), 1); /* first of the tied maxima */
    ck_assert_int_eq(be_argmax(out + 4, 4), 0);
    ck_assert_int_eq(be_argmax(out + 8, 4), 3);
    ck_assert(fabs(be_accuracy(out, 3, 4, labels) - 2.0 / 3.0) < 1e-12);
    ck_assert(isnan(be_accuracy(out, 0, 4, labels)));
}
END_TEST

START_TEST(test_lut_cost) {
    /* K = 6: one LUT up to 6 inputs, then LogicNets' (2^(A-4) - (-1)^A) / 3 */
    for (int a = 1; a <= 6; a++)
        ck_assert_int_eq(rt_lut_cost(a, 6), 1);
    ck_assert_int_eq(rt_lut_cost(7, 6), 3);
    ck_assert_int_eq(rt_lut_cost(8, 6), 5);
    ck_assert_int_eq(rt_lut_cost(12, 6), 85);
    for (int a = 6; a <= 20; a++)
        ck_assert_int_eq(rt_lut_cost(a, 6), ((1L << (a - 4)) - (a % 2 ? -1 : 1)) / 3);
    /* K = 4: only 2:1 muxes fit (m + 2^m <= 4): C(A) = 2 C(A-1) + 1 */
    ck_assert_int_eq(rt_lut_cost(5, 4), 3);
    ck_assert_int_eq(rt_lut_cost(6, 4), 7);
    /* K = 2: a mux is three 2-input LUTs */
    ck_assert_int_eq(rt_lut_cost(3, 2), 5);
}
END_TEST

START_TEST(test_hw_estimate) {
    rt_tables t;
    be_plan p;
    fx_hand_tables(&t);
    be_plan_default(&t, "hand", IR_PIPE_EVERY_LAYER, 0, &p);
    be_hw h;
    be_hw_init(&h);
    be_hw_estimate(&t, &p, &h);
    /* 3 one-bit tables of 2 address bits + 2 two-bit tables of 3 address bits */
    ck_assert_int_eq(h.luts_estimate, 3 + 4);
    ck_assert_int_eq(h.layer_luts[0], 3);
    ck_assert_int_eq(h.layer_luts[1], 4);
    ck_assert_int_eq(h.luts_support, 7); /* every bit depends on all its inputs */
    ck_assert_int_eq(h.luts_dead, 0);
    ck_assert_int_eq(h.latency_cycles, 2);
    /* Constant bits and plain wires cost nothing over their true support; an inverted
     * wire costs one LUT. */
    for (int r = 0; r < 8; r++) {
        t.layers[1].codes[r] = (uint16_t)(r & 1);                  /* bit 0 = slot 0, bit 1 = 0 */
        t.layers[1].codes[8 + r] = (uint16_t)(r >> 1 & 1 ? 2 : 3); /* bit 0 = ~slot 1 */
    }
    be_hw_estimate(&t, &p, &h);
    ck_assert_int_eq(h.luts_estimate, 7);
    /* Now no output depends on slot 2, the only reader of the first layer's L-LUT 2: it
     * reaches no output, and only L-LUTs 0 and 1 count (one LUT each). */
    ck_assert_int_eq(h.luts_dead, 1);
    ck_assert_int_eq(h.luts_support, 2 + 1);
    be_hw_free(&h);
    be_plan_free(&p);
    rt_tables_free(&t);
}
END_TEST

/* A 4-input LUT family (iCE40, ECP5) under tables of 6 address bits: every output bit is a
 * Shannon decomposition of C(6) = 7 LUT4 (four LUT4 cofactors of 5 bits... down to 2:1
 * muxes), and the estimate says so in its note; a table that fits costs one. */
START_TEST(test_hw_estimate_lut4) {
    fx_shape s = {.n_inputs = 12,
                  .input_bits = 2,
                  .n_layers = 2,
                  .width = {6, 2},
                  .fanin = {3, 2},
                  .bits = {2, 2}};
    rt_tables t;
    be_plan p;
    fx_random_tables(&s, 7, &t);
    be_plan_default(&t, "lut4", IR_PIPE_EVERY_LAYER, 0, &p);
    p.lut_inputs = 4;
    p.target = IR_TARGET_ICE40;
    be_hw h;
    be_hw_init(&h);
    be_hw_estimate(&t, &p, &h);
    ck_assert_int_eq(h.layer_luts[0], 6L * 2 * 7); /* 6-bit tables: 7 LUT4 a bit */
    ck_assert_int_eq(h.layer_luts[1], 2L * 2 * 1); /* 4-bit tables: one LUT4 a bit */
    ck_assert_int_eq(h.luts_estimate, 84 + 4);
    ck_assert_ptr_nonnull(strstr(h.estimate_note, "Shannon decomposition of 7 LUT4"));
    ck_assert_ptr_nonnull(strstr(h.estimate_note, "6-bit table addresses"));
    p.lut_inputs = 6; /* the same tables on LUT6: one each, no note */
    be_hw_estimate(&t, &p, &h);
    ck_assert_int_eq(h.luts_estimate, 6 * 2 + 2 * 2);
    ck_assert_str_eq(h.estimate_note, "");
    be_hw_free(&h);
    be_plan_free(&p);
    rt_tables_free(&t);
}
END_TEST

int main(void) {
    Suite *s = suite_create("backend lookup");
    TCase *tc = tcase_create("lookup");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_hand_model);
    tcase_add_test(tc, test_random_against_naive);
    tcase_add_test(tc, test_mismatch_location);
    tcase_add_test(tc, test_argmax_accuracy);
    tcase_add_test(tc, test_lut_cost);
    tcase_add_test(tc, test_hw_estimate);
    tcase_add_test(tc, test_hw_estimate_lut4);
    suite_add_tcase(s, tc);
    return fx_run_suite(s);
}
