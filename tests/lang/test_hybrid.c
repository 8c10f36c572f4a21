/* test_hybrid.c - unit tests of the hybrid-network vocabulary (issue 16): L-LUT kinds
 * (lut { kind }), the learned mapping (connect = mapping), input encoders (input { encode })
 * and the group-sum head (output { head }): their lowering, the IR verifier and printer,
 * and each located error. */
#include "lang_test.h"

#include <stdlib.h>
#include <string.h>

/* tiny (4 inputs, 2 classes) with the hybrid luts below and a model with extra text. */
#define HBASE                                                                                      \
    BASE "lut tab { fanin = 2; kind = table }\n"                                                   \
         "lut lin { fanin = 2; kind = linear }\n"                                                  \
         "lut pol { fanin = 2; kind = poly(degree = 3) }\n"
#define HMODEL(extra) HBASE "model m {\n dataset = tiny\n" extra "\n}\n"

START_TEST(hybrid_kinds) {
    result r = compile(HMODEL("tree t { levels = tab -> lin -> pol -> leaf; neurons = 2; "
                              "connect = random }"));
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(p->n_layers, 4);
    ck_assert_int_eq(p->layers[0].kind, IR_KIND_TABLE);
    ck_assert_int_eq(p->layers[0].hidden, 0);
    ck_assert(!p->layers[0].lut_skip);
    /* linear lowers to exactly the MLP kind's hidden = 0 (the linear path only) */
    ck_assert_int_eq(p->layers[1].kind, IR_KIND_LINEAR);
    ck_assert_int_eq(p->layers[1].hidden, 0);
    ck_assert_int_eq(p->layers[1].depth, 0);
    ck_assert(p->layers[1].lut_skip);
    ck_assert_int_eq(p->layers[2].kind, IR_KIND_POLY);
    ck_assert_int_eq(p->layers[2].degree, 3);
    ck_assert_int_eq(p->layers[3].kind, IR_KIND_MLP);
    ck_assert_int_eq(p->layers[3].degree, 0);
    ck_assert_int_eq(p->layers[3].hidden, 8);
    /* the defaults: mlp, hardtanh, codes */
    ck_assert_int_eq(p->encode, IR_ENC_HARDTANH);
    ck_assert_int_eq(p->in_width, 4);
    ck_assert_int_eq(p->head, IR_HEAD_CODES);
    ck_assert_int_eq(p->head_group, 1);
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    result_free(&r);
    r = compile(BASE "lut p { fanin = 2; kind = poly }\nmodel m { dataset = tiny\n tree t { "
                     "levels = p -> pair; neurons = 2 } }");
    ck_assert_int_eq(expect_ok(&r)->layers[0].degree, 2);
    result_free(&r);
}
END_TEST

START_TEST(hybrid_dwn_model) {
    result r = compile(HMODEL("input { encode = thermometer(steps = 5, thresholds = quantile) }\n"
                              "tree t { levels = tab; neurons = 6; connect = mapping; bits = 1 }\n"
                              "output { head = group_sum(tau = 2.5) }"));
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(p->encode, IR_ENC_THERMOMETER);
    ck_assert_int_eq(p->enc_levels, 5);
    ck_assert_int_eq(p->enc_thresholds, IR_THRESH_QUANTILE);
    ck_assert_int_eq(p->in_width, 20);
    ck_assert_int_eq(p->input_bits, 1);
    ck_assert_int_eq(p->layers[0].in_width, 20);
    ck_assert_int_eq(p->layers[0].bits_in, 1);
    ck_assert_int_eq(p->layers[0].connect, IR_CONNECT_MAPPING);
    ck_assert_int_eq(p->head, IR_HEAD_GROUP_SUM);
    ck_assert_double_eq(p->head_tau, 2.5);
    ck_assert_int_eq(p->head_group, 3);
    ck_assert_int_eq(p->layers[0].quant, IR_Q_RELU);
    ck_assert_int_eq(p->layers[0].bits_out, 1);
    /* no learned connectivity: one sparse stage */
    ck_assert_int_eq(p->train.n_stages, 1);
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    char *text = ir_text(p);
    ck_assert_msg(strstr(text, "input bits 1 encode thermometer levels 5 thresholds quantile "
                               "width 20\noutput head group_sum tau 2.5 group 3\n"),
                  "%s", text);
    ck_assert_msg(strstr(text, "in 20 out 6 fanin 2 kind table hidden 0"), "%s", text);
    free(text);
    /* the verifier sees a broken contract */
    p->head_group = 2;
    ck_assert_int_gt(ir_verify(p, NULL), 0);
    p->head_group = 3;
    p->in_width = 4;
    ck_assert_int_gt(ir_verify(p, NULL), 0);
    result_free(&r);
    r = compile(HMODEL("input { encode = binarize }\ntree t { levels = lin -> pol; neurons = 4 }\n"
                       "output { head = group_sum }"));
    p = expect_ok(&r);
    ck_assert_int_eq(p->in_width, 4);
    ck_assert_int_eq(p->input_bits, 1);
    ck_assert_int_eq(p->head_group, 2);
    ck_assert_double_eq(p->head_tau, 3.3333333333333335);
    ck_assert_int_eq(p->head_members, 1);
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    result_free(&r);
    /* members split each class's group; the IR says so (and only then) */
    r = compile(HMODEL("input { encode = binarize }\ntree t { levels = lin -> pol; neurons = 8 }\n"
                       "output { head = group_sum(tau = 2, members = 2) }"));
    p = expect_ok(&r);
    ck_assert_int_eq(p->head_group, 4);
    ck_assert_int_eq(p->head_members, 2);
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    text = ir_text(p);
    ck_assert_msg(strstr(text, "output head group_sum tau 2 group 4 members 2\n"), "%s", text);
    free(text);
    p->head_members = 3;
    ck_assert_int_gt(ir_verify(p, NULL), 0);
    result_free(&r);
    /* own batches: the IR names them; one member has no batches of its own */
    r = compile(HMODEL("input { encode = binarize }\ntree t { levels = lin -> pol; neurons = 8 }\n"
                       "output { head = group_sum(members = 2, batches = own) }"));
    p = expect_ok(&r);
    ck_assert_int_eq(p->head_batches, IR_MBATCH_OWN);
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    text = ir_text(p);
    ck_assert_msg(strstr(text, "group 4 members 2 batches own\n"), "%s", text);
    free(text);
    p->head_members = 1;
    ck_assert_int_gt(ir_verify(p, NULL), 0);
    result_free(&r);
    /* members as models of their own: the IR names them; a later layer of values breaks it */
    r = compile(HMODEL("input { encode = binarize }\n"
                       "tree a { levels = tab; neurons = 8; connect = mapping; bits = 1 }\n"
                       "tree b { levels = tab; neurons = 4; connect = random; bits = 1 }\n"
                       "output { head = group_sum(members = 2, batches = separate) }"));
    p = expect_ok(&r);
    ck_assert_int_eq(p->head_batches, IR_MBATCH_SEPARATE);
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    text = ir_text(p);
    ck_assert_msg(strstr(text, "group 2 members 2 batches separate\n"), "%s", text);
    free(text);
    p->layers[1].kind = IR_KIND_LINEAR;
    ck_assert_int_gt(ir_verify(p, NULL), 0);
    result_free(&r);
}
END_TEST

START_TEST(hybrid_freeze_mapping) {
    result r = compile(HMODEL("tree t { levels = tab; neurons = 6; connect = mapping; bits = 1 }\n"
                              "train { epochs = 8; freeze_mapping = 3 epochs }\n"
                              "output { head = group_sum }"));
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(p->train.stages[0].freeze_mapping, 3);
    char *text = ir_text(p);
    ck_assert_msg(strstr(text, "    freeze_mapping 3\n"), "%s", text);
    free(text);
    result_free(&r);
    expect_error(HMODEL("tree t { levels = tab; neurons = 6; connect = mapping; bits = 1 }\n"
                        "train { epochs = 8; stage sparse { freeze_mapping = 9 epochs } }\n"
                        "output { head = group_sum }"),
                 1, "freeze_mapping of 9 epochs exceeds the sparse stage's 8 epochs");
    expect_error(HMODEL("tree t { levels = tab; neurons = 6; connect = random; bits = 1 }\n"
                        "train { freeze_mapping = 2 epochs }\noutput { head = group_sum }"),
                 1,
                 "m.nlt:10:26: error: freeze_mapping fixes learned mappings, but no tree has "
                 "connect = mapping");
}
END_TEST

START_TEST(hybrid_errors) {
    expect_error(HMODEL("tree t { levels = tab -> pair; neurons = 2 }"), 1,
                 "the leaves of tree 't' are kind = table: connect = learned");
    expect_error(HMODEL("connect = learned\ntree t { levels = tab -> pair; neurons = 2 }"), 1,
                 "m.nlt:9:11: error: the leaves of tree 't' are kind = table");
    expect_error(BASE "lut x { fanin = 2; kind = table; hidden = 4 }\nmodel m { dataset = tiny\n"
                      " tree t { levels = x; neurons = 2; connect = random } }",
                 1, "m.nlt:4:34: error: 'hidden' belongs to kind = mlp; lut 'x' is kind = table");
    expect_error(BASE "lut x { fanin = 2; kind = linear; skip = none }\nmodel m { dataset = tiny\n"
                      " tree t { levels = x; neurons = 2 } }",
                 1, "'skip' belongs to kind = mlp; lut 'x' is kind = linear");
    expect_error(BASE "lut x { fanin = 2; kind = cubic }\nmodel m { dataset = tiny\n"
                      " tree t { levels = x; neurons = 2 } }",
                 1, "mlp, linear, poly(degree = D) or table expected for 'kind', found 'cubic'");
    expect_error(BASE "lut x { fanin = 2; kind = poly(degree = 5) }\nmodel m { dataset = tiny\n"
                      " tree t { levels = x; neurons = 2 } }",
                 1, "argument 'degree' of poly() must be between 1 and 4, found 5");
    expect_error(MODEL("input { encode = thermometer(steps = 256) }"), 1,
                 "argument 'steps' of thermometer() must be between 1 and 255, found 256");
    expect_error(MODEL("input { encode = thermometer }"), 1,
                 "a thermometer needs its thresholds per feature: thermometer(steps = T)");
    expect_error(MODEL("input { encode = thermometer(steps = 2, thresholds = median) }"), 1,
                 "unknown value 'median' for argument 'thresholds' of thermometer() (expected "
                 "uniform or quantile)");
    expect_error(MODEL("input { bits = 2; encode = thermometer(steps = 2) }"), 1,
                 "the thermometer encoder gives 1-bit inputs: 'bits = 2' contradicts it");
    expect_error(MODEL("input { quant = hardtanh; encode = binarize }"), 1,
                 "'quant' is the hard-tanh encoder's; this input is encode = binarize");
    expect_error(MODEL("input { encode = relu }"), 1,
                 "hardtanh, thermometer(steps = T, thresholds = uniform | quantile) or binarize "
                 "expected for 'encode'");
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 3 }\n"
                        "output { head = group_sum }"),
                 1,
                 "the last tree 't' has 3 roots: a group-sum head needs a multiple of dataset "
                 "'tiny''s 2 classes");
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 4 }\n"
                        "output { head = group_sum; bits = 2 }"),
                 1, "a group-sum head counts 1-bit outputs, but the output layer has 2 bits");
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 4; bits = [2, 3] }\n"
                        "output { head = group_sum }"),
                 1, "m.nlt:9:55: error: a group-sum head counts 1-bit outputs");
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 4 }\n"
                        "output { head = group_sum(tau = 0) }"),
                 1, "argument 'tau' of group_sum() must be between 0.001 and 1000000, found 0");
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 6 }\n"
                        "output { head = group_sum(members = 2) }"),
                 1,
                 "m.nlt:10:37: error: a group-sum head of 2 members needs groups that split "
                 "evenly, but the last tree 't' gives 3 outputs per class");
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 6 }\n"
                        "output { head = group_sum(batches = own) }"),
                 1,
                 "m.nlt:10:37: error: 'batches = own' is about the members of the head: it "
                 "needs members = M with M > 1");
#define SEPARATE "output { head = group_sum(members = 2, batches = separate) }"
    expect_error(
        HMODEL("tree t { levels = tab; neurons = 4; connect = random; bits = 1 }\n" SEPARATE), 1,
        "m.nlt:10:50: error: 'batches = separate' trains each member as a model of its "
        "own, and the members cannot share the input's learned quantizer: it needs an "
        "input encoder");
    expect_error(
        HMODEL("input { encode = binarize }\n"
               "tree a { levels = tab; neurons = 3; connect = random; bits = 1 }\n"
               "tree b { levels = tab; neurons = 4; connect = random; bits = 1 }\n" SEPARATE),
        1,
        "'batches = separate' gives each of the 2 members 1/2 of every layer, but layer "
        "'a.0' has 3 L-LUTs");
    expect_error(
        HMODEL(
            "input { encode = binarize }\n"
            "tree t { levels = tab -> lin; neurons = 4; connect = random; bits = 1 }\n" SEPARATE),
        1,
        "'batches = separate' needs the layers after the first to read codes (kind "
        "table), but layer 't.1' is of kind linear");
    expect_error(
        HMODEL("input { encode = thermometer(steps = 2) }\n"
               "tree t { levels = tab; neurons = 4; connect = contiguous; bits = 1 }\n" SEPARATE),
        1,
        "'batches = separate' gives each member its own wires, but layer 't.0' is wired "
        "contiguous");
#undef SEPARATE
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 6 }\n"
                        "output { head = group_sum(members = 3, batches = mine) }"),
                 1,
                 "m.nlt:10:50: error: unknown value 'mine' for argument 'batches' of group_sum() "
                 "(expected shared, own or separate)");
    expect_error(HMODEL("tree t { levels = lin -> pol; neurons = 4 }\n"
                        "output { head = softmax }"),
                 1, "codes or group_sum(tau = X) expected for 'head'");
}
END_TEST

void add_hybrid_tests(Suite *s) {
    ADD_CASE(s, "hybrid", hybrid_kinds, hybrid_dwn_model, hybrid_freeze_mapping, hybrid_errors);
}
