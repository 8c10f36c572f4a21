/* test_dwn_model.c - a DWN-style model through the trainer's model passes (issue 16): a
 * thermometer encoder, two layers of trained tables (kind = table; random leaves, a
 * contiguous support level) and a group-sum head. The tables are what the model computes
 * (table lookup of the test split's codes gives the model's codes, and the accuracy from
 * the group sums of the codes is the quantized model's), the encoder and the head reach
 * rt_tables, and one and two threads train the same bits (also with a head of two members
 * on their own batches); a head of members trained as models of their own holds their
 * tables. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

enum { FEATURES = DWN_FEATURES, LEVELS = DWN_LEVELS, GROUP = DWN_GROUP };

/* The class of the largest group sum of sample s's last-layer codes (ties: the lowest). */
static int group_class(const rt_codes *c, int s) {
    const uint16_t *o = c->layer[c->n_layers - 1] + (size_t)s * 2 * GROUP;
    int best = 0, score[2] = {0, 0};
    for (int k = 0; k < 2; k++)
        for (int g = 0; g < GROUP; g++)
            score[k] += o[k * GROUP + g];
    if (score[1] > score[0]) best = 1;
    return best;
}

/* The quantized model's test accuracy, asserted equal to the group sums' of the codes c. */
static double group_accuracy(tr_model *m, const rt_dataset *d, const rt_codes *c) {
    double q;
    tr_evaluate(m, &d->test, NULL, &q);
    long ok = 0;
    for (int s = 0; s < c->n_samples; s++)
        ok += group_class(c, s) == c->labels[s];
    ck_assert_double_eq(q, (double)ok / c->n_samples);
    return q;
}

/* The test split's codes of m are the table lookup of t; returns their group accuracy (the
 * quantized model's, group_accuracy). */
static double lookup_accuracy(tr_model *m, const rt_dataset *d, const rt_tables *t) {
    rt_codes c;
    ck_assert_int_eq(tr_codes(m, &d->test, &c, NULL), RT_OK);
    ck_assert_int_eq(lookup_mismatches(t, &c), 0);
    double q = group_accuracy(m, d, &c);
    rt_codes_free(&c);
    return q;
}

START_TEST(test_dwn_tables_equal_model) {
    rt_dataset d;
    parity_data(&d, FEATURES, 1024, 31);
    ir_program *ir = dwn_program(15, IR_CONNECT_RANDOM, 1);
    ck_assert_int_eq(tr_check_model(ir, &terr), RT_OK);
    tr_model *m = train_small(ir, &d, 2);
    rt_tables t;
    ck_assert_int_eq(tr_tabulate(m, &t, NULL), RT_OK);
    ck_assert_int_eq(t.n_inputs, FEATURES * LEVELS);
    ck_assert(!t.input_signed);
    ck_assert_int_eq(t.head_group, GROUP);
    ck_assert_int_eq(t.enc.encode, IR_ENC_THERMOMETER);
    ck_assert_int_eq(t.enc.levels, LEVELS);
    ck_assert_int_eq(t.enc.n_features, FEATURES);
    for (int f = 0; f < FEATURES; f++) /* quantile thresholds ascend per feature */
        for (int k = 1; k < LEVELS; k++)
            ck_assert(t.enc.thresholds[f * LEVELS + k - 1] <= t.enc.thresholds[f * LEVELS + k]);
    rt_codes c;
    ck_assert_int_eq(tr_codes(m, &d.test, &c, NULL), RT_OK);
    /* the input codes are the encoder's bits of the raw features */
    uint16_t bits[FEATURES * LEVELS];
    for (int s = 0; s < c.n_samples; s++) {
        tr_encode_row(&t.enc, d.test.x + (size_t)s * FEATURES, bits);
        ck_assert_mem_eq(bits, c.input + (size_t)s * FEATURES * LEVELS, sizeof bits);
    }
    ck_assert_int_eq(lookup_mismatches(&t, &c), 0);
    ck_assert_double_gt(group_accuracy(m, &d, &c), 0.6); /* XOR of two signs: chance is 0.5 */
    rt_codes_free(&c);
    rt_tables_free(&t);
    tr_model_free(m);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* The same with the learned mapping (connect = mapping) on the leaves, with 1-bit leaves
 * and (_i = 1) multi-bit tables: the leaves give 2-bit codes (relu), which the second
 * level's tables read as 6-bit addresses (3 inputs x 2 bits). */
START_TEST(test_dwn_mapping) {
    rt_dataset d;
    int mid = 1 + _i;
    parity_data(&d, FEATURES, 1024, 33 + _i);
    ir_program *ir = dwn_program(15, IR_CONNECT_MAPPING, mid);
    ck_assert_int_eq(tr_check_model(ir, &terr), RT_OK);
    tr_model *m = train_small(ir, &d, 2);
    rt_tables t;
    ck_assert_int_eq(tr_tabulate(m, &t, NULL), RT_OK);
    ck_assert_int_eq(t.layers[0].bits_out, mid);
    ck_assert_int_eq(t.layers[1].bits_in, mid);
    rt_codes c;
    ck_assert_int_eq(tr_codes(m, &d.test, &c, NULL), RT_OK);
    ck_assert_int_eq(lookup_mismatches(&t, &c), 0);
    int used[4] = {0}; /* the leaves use all their codes, more than two of 2-bit ones */
    for (size_t k = 0; k < (size_t)c.n_samples * 24; k++)
        used[c.layer[0][k]] = 1;
    ck_assert_int_gt(used[0] + used[1] + used[2] + used[3], mid);
    ck_assert_double_gt(group_accuracy(m, &d, &c), 0.85); /* the learned wires find the signs */
    rt_codes_free(&c);
    rt_tables_free(&t);
    tr_model_free(m);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* One and two threads train the same bits, with random wires and with the mapping, with 1-
 * and 2-bit leaves. */
START_TEST(test_dwn_threads) {
    rt_dataset d;
    parity_data(&d, FEATURES, 512, 32);
    ir_program *ir =
        dwn_program(2, _i & 1 ? IR_CONNECT_MAPPING : IR_CONNECT_RANDOM, _i < 2 ? 1 : 2);
    tr_model *a = train_small(ir, &d, 1), *b = train_small(ir, &d, 2);
    ck_assert(same_params(a, b));
    rt_tables ta, tb;
    ck_assert_int_eq(tr_tabulate(a, &ta, NULL), RT_OK);
    ck_assert_int_eq(tr_tabulate(b, &tb, NULL), RT_OK);
    ck_assert(same_tables(&ta, &tb));
    rt_tables_free(&ta);
    rt_tables_free(&tb);
    tr_model_free(a);
    tr_model_free(b);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* A head of two members on their own batches (group_sum(members = 2, batches = own)): one
 * and two threads train the same bits, the tables are still what the model computes, and
 * the members' own orders change the training (other parameters than the same members on
 * shared batches). */
START_TEST(test_dwn_own_batches) {
    rt_dataset d;
    parity_data(&d, FEATURES, 512, 34);
    ir_program *ir = dwn_program(15, IR_CONNECT_MAPPING, 1);
    ir->head_members = 2;
    tr_model *shared = train_small(ir, &d, 1);
    ir->head_batches = IR_MBATCH_OWN;
    tr_model *a = train_small(ir, &d, 1), *b = train_small(ir, &d, 2);
    ck_assert(same_params(a, b));
    ck_assert(!same_params(a, shared));
    rt_tables t;
    ck_assert_int_eq(tr_tabulate(b, &t, NULL), RT_OK);
    ck_assert_double_gt(lookup_accuracy(b, &d, &t), 0.6); /* XOR of two signs: chance is 0.5 */
    rt_tables_free(&t);
    tr_model_free(shared);
    tr_model_free(a);
    tr_model_free(b);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* Member k's L-LUT o of layer l in tables t holds the table and wires of L-LUT o of the
 * member's own tables mt (its later layers' wires offset to its part of the layer before). */
static bool holds_member(const rt_tables *t, const rt_tables *mt, int k) {
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *x = &t->layers[l], *y = &mt->layers[l];
        int last = l == t->n_layers - 1, Gm = GROUP / 2, F = x->fanin;
        size_t A = (size_t)1 << (F * x->bits_in);
        for (int o = 0; o < y->n_lut; o++) {
            int at = last ? (o / Gm) * GROUP + k * Gm + o % Gm : k * y->n_lut + o;
            if (memcmp(x->codes + at * A, y->codes + o * A, A * sizeof(uint16_t))) return false;
            for (int f = 0; f < F; f++)
                if (x->inputs[at * F + f] != y->inputs[o * F + f] + (l ? k * y->in_width : 0))
                    return false;
        }
    }
    return true;
}

/* A head of two members that train as models of their own (batches = separate) over two
 * trees wired by a learned mapping: the assembled model holds exactly the tables and wires
 * of the half-size model trained with seeds 7 and 8, those tables are what it computes, and
 * one and two threads give the same bits. */
START_TEST(test_dwn_separate) {
    rt_dataset d;
    parity_data(&d, FEATURES, 512, 34);
    ir_program *ir = dwn_program(15, IR_CONNECT_MAPPING, 1);
    ir_layer *t2 = &ir->layers[1]; /* a second tree of mapping-wired tables */
    t2->support = false;
    t2->connect = IR_CONNECT_MAPPING;
    t2->level = 0;
    t2->tree = 1;
    ir->layers[0].tree_root = true;
    ir->n_trees = 2;
    ir->head_members = 2;
    ir->head_batches = IR_MBATCH_SEPARATE;
    tr_model *a = train_small(ir, &d, 1), *b = train_small(ir, &d, 2);
    ck_assert(same_params(a, b));
    rt_tables t;
    ck_assert_int_eq(tr_tabulate(a, &t, NULL), RT_OK);
    ir_layer half[2];
    memcpy(half, ir->layers, sizeof half);
    ir_program mi = *ir;
    mi.layers = half;
    for (int l = 0; l < 2; l++)
        half[l].out_width /= 2;
    half[1].in_width /= 2;
    mi.head_group /= 2;
    mi.head_members = 1;
    mi.head_batches = IR_MBATCH_SHARED;
    for (int k = 0; k < 2; k++) {
        mi.train.seed = ir->train.seed + (uint64_t)k;
        tr_model *m = train_small(&mi, &d, 2);
        rt_tables mt;
        ck_assert_int_eq(tr_tabulate(m, &mt, NULL), RT_OK);
        ck_assert(holds_member(&t, &mt, k));
        rt_tables_free(&mt);
        tr_model_free(m);
    }
    ck_assert_double_gt(lookup_accuracy(a, &d, &t), 0.6); /* chance: 0.5 */
    rt_tables_free(&t);
    tr_model_free(a);
    tr_model_free(b);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* The wires of tables a and b are the same (every layer); the tables themselves differ. */
static bool same_wires(const rt_tables *a, const rt_tables *b) {
    for (int l = 0; l < a->n_layers; l++) {
        const rt_table_layer *x = &a->layers[l], *y = &b->layers[l];
        if (memcmp(x->inputs, y->inputs, (size_t)x->n_lut * x->fanin * sizeof(int))) return false;
    }
    return true;
}

/* freeze_mapping (constant rate): 6 epochs with the last 3 frozen end with the wires of 3
 * epochs unfrozen (the same first 3 epochs), but with other tables (3 more epochs of
 * training); one and two threads train the same bits. */
START_TEST(test_dwn_freeze_mapping) {
    rt_dataset d;
    parity_data(&d, FEATURES, 1024, 34);
    ir_program *half = dwn_program(3, IR_CONNECT_MAPPING, 1);
    ir_program *frozen = dwn_program(6, IR_CONNECT_MAPPING, 1);
    frozen->train.stages[0].freeze_mapping = 3;
    tr_model *mh = train_small(half, &d, 2), *mf = train_small(frozen, &d, 1);
    tr_model *mf2 = train_small(frozen, &d, 2);
    ck_assert(same_params(mf, mf2));
    rt_tables th, tf;
    ck_assert_int_eq(tr_tabulate(mh, &th, NULL), RT_OK);
    ck_assert_int_eq(tr_tabulate(mf, &tf, NULL), RT_OK);
    ck_assert(same_wires(&th, &tf));
    ck_assert(!same_tables(&th, &tf));
    ck_assert_double_gt(lookup_accuracy(mf, &d, &tf), 0.7); /* chance: 0.5 */
    rt_tables_free(&th);
    rt_tables_free(&tf);
    tr_model_free(mh);
    tr_model_free(mf);
    tr_model_free(mf2);
    fx_program_free(half);
    fx_program_free(frozen);
    rt_dataset_free(&d);
}
END_TEST

int main(void) {
    Suite *s = suite_create("dwn_model");
    TCase *tc = tcase_create("dwn_model");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dwn_tables_equal_model);
    tcase_add_loop_test(tc, test_dwn_mapping, 0, 2);
    tcase_add_loop_test(tc, test_dwn_threads, 0, 4);
    tcase_add_test(tc, test_dwn_freeze_mapping);
    tcase_add_test(tc, test_dwn_own_batches);
    tcase_add_test(tc, test_dwn_separate);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
