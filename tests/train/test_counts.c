/* test_counts.c - address counting by table lookup (issue 17): the input codes of a split
 * alone (tr_input_codes) are tr_codes' input codes, and counting every L-LUT's addresses
 * by walking them through the trained tables (be_counts_lookup) gives exactly the counts
 * of the quantized forward's codes (be_counts_add over tr_codes), on trained models of two
 * shapes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "helpers.h"
#include "reduce.h"

START_TEST(test_lookup_counts_equal_forward) {
    rt_dataset d;
    parity_data(&d, 12, 1200, 41); /* 1200 training rows: several lookup blocks */
    ir_program *ir = _i ? kinds_program(3, 2) : small_program(3, 2, 9);
    tr_model *m = train_small(ir, &d, 2);
    rt_tables t;
    ck_assert_int_eq(tr_tabulate(m, &t, NULL), RT_OK);
    rt_codes c;
    ck_assert_int_eq(tr_codes(m, &d.train, &c, NULL), RT_OK);
    size_t n_in = (size_t)d.train.n * (size_t)t.n_inputs;
    uint16_t *in = malloc(sizeof *in * n_in);
    ck_assert_int_eq(tr_input_codes(m, &d.train, in, NULL), RT_OK);
    ck_assert_mem_eq(in, c.input, sizeof *in * n_in);
    be_counts fwd, look;
    be_counts_init(&fwd, &t);
    be_counts_init(&look, &t);
    be_counts_add(&fwd, &t, &c);
    be_counts_lookup(&look, &t, d.train.n, in);
    for (int l = 0; l < t.n_layers; l++) {
        size_t n = (size_t)t.layers[l].n_lut << be_addr_bits(&t.layers[l]);
        unsigned long long total = 0;
        for (size_t x = 0; x < n; x++) {
            ck_assert_uint_eq(look.counts[l][x], fwd.counts[l][x]);
            total += look.counts[l][x];
        }
        /* every sample reads one address of every L-LUT */
        ck_assert_uint_eq(total, (unsigned long long)d.train.n * (unsigned)t.layers[l].n_lut);
    }
    be_counts_free(&fwd);
    be_counts_free(&look);
    free(in);
    rt_codes_free(&c);
    rt_tables_free(&t);
    tr_model_free(m);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* A stage-1 dense model has no codes: a located refusal, not a crash. */
START_TEST(test_input_codes_dense_refused) {
    rt_dataset d;
    parity_data(&d, 12, 64, 42);
    ir_program *ir = small_program(3, 2, 9);
    tr_model *m = tr_model_new(ir, true, NULL, 1, 64, 1, false);
    uint16_t *in = malloc(sizeof *in * 64 * 12);
    rt_error e;
    ck_assert_int_eq(tr_input_codes(m, &d.train, in, &e), RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(e.msg, "dense"));
    free(in);
    tr_model_free(m);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

int main(void) {
    Suite *s = suite_create("counts");
    TCase *tc = tcase_create("counts");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_lookup_counts_equal_forward, 0, 2);
    tcase_add_test(tc, test_input_codes_dense_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
