/* test_checks.c - unit tests of each semantic check: values, shapes, names, structure,
 * data, training, hardware, imports. */
#include "lang_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"

/* ---- Semantic checks ---------------------------------------------------------------- */

START_TEST(check_bits_range) {
    expect_error(MODEL("bits = 9"), 1, "'bits' must be between 1 and 8, found 9");
    expect_error(MODEL("input { bits = 0 }"), 1, "'bits' must be between 1 and 8, found 0");
    expect_error(BASE "model m { dataset = tiny; tree t { levels = leaf -> pair; neurons = 2; "
                      "bits = [1, 9] } }",
                 1, "'bits' must be between 1 and 8, found 9");
}
END_TEST

START_TEST(check_units) {
    expect_error(MODEL("bits = 2 epochs"), 1, "'epochs' is not a unit of 'bits' (expected bits)");
    expect_error(MODEL("train { epochs = 2 bits }"), 1, "'bits' is not a unit of 'epochs'");
    expect_error(MODEL("train { batch = 2 epochs }"), 1, "'batch' takes no unit");
    expect_error(MODEL("bits = 2%"), 1, "'%' is not a unit of 'bits'");
    expect_error(MODEL("train { epochs = 10 days }"), 1, "'days' is not a unit of 'epochs'");
    expect_error(BASE "dataset d extends tiny { valid = 5 bits }\n"
                      "model m { dataset = d; tree t { levels = leaf -> pair; neurons = 2 } }",
                 1, "'bits' is not a unit of 'valid'");
}
END_TEST

START_TEST(check_types) {
    expect_error(MODEL("bits = 2.5"), 1, "an integer expected for 'bits', found a real number");
    expect_error(MODEL("train { lr = \"fast\" }"), 1, "a number expected for 'lr', found a string");
    expect_error(MODEL("skip = maybe"), 1,
                 "unknown value 'maybe' for 'skip' (expected tree or none)");
    expect_error(MODEL("connect = 3"), 1,
                 "learned, random, contiguous or mapping expected for 'connect'");
    expect_error(MODEL("hardware { clock = clk }"), 1,
                 "a string expected for 'clock', found a word");
    expect_error(BASE "dataset d extends tiny { header = 1 }\n"
                      "model m { dataset = d; tree t { levels = leaf -> pair; neurons = 2 } }",
                 1, "true or false expected for 'header', found an integer");
}
END_TEST

START_TEST(check_fanin_divisibility) {
    expect_error(BASE "lut six { fanin = 6 }\nmodel m { dataset = tiny; input { bits = 1 }\n"
                      " tree t { levels = leaf -> six; leaves = 8 } }",
                 1, "level 1 of tree 't' reads 8 inputs in groups of 6: 8 is not divisible by 6");
}
END_TEST

START_TEST(check_width_chain) {
    expect_error(BASE "model m { dataset = tiny; tree t { levels = leaf -> pair; neurons = 3 } }",
                 1, "the last tree 't' has 3 roots, but dataset 'tiny' has 2 classes");
    expect_error(BASE "lut wide { fanin = 6 }\nmodel m { dataset = tiny; input { bits = 1 }\n"
                      " tree t { levels = wide; neurons = 2 } }",
                 1, "fan-in 6 of the leaves of tree 't' exceeds the 4 inputs they read");
    expect_error(BASE "model m { dataset = tiny\n tree t { levels = leaf; neurons = 4; connect = "
                      "contiguous }\n tree u { levels = pair; neurons = 2 } }",
                 1,
                 "the 4 contiguous leaves of tree 't' read 4 groups of 2 = 8 inputs, but the "
                 "layer below has 4");
}
END_TEST

START_TEST(check_table_address) {
    /* 6 inputs x 3 bits = 18 > 16: an error */
    expect_error(BASE "lut six { fanin = 6 }\nmodel m { dataset { train = \"x\"; label = 0; inputs "
                      "= 12; classes = 2 }\n input { bits = 3 }\n tree t { levels = six; neurons = "
                      "2 } }",
                 1, "table address of 18 bits (fan-in 6 x 3-bit inputs) exceeds the 16-bit limit");
    /* 6 x 2 = 12 > 6: a warning with the cost, and the model compiles */
    result r = compile(BASE "lut six { fanin = 6 }\nmodel m { dataset { train = \"x\"; label = 0; "
                            "inputs = 12; classes = 2 }\n tree t { levels = six; neurons = 2 } }");
    expect_ok(&r);
    ck_assert_int_eq(r.warnings, 1);
    ck_assert_msg(strstr(r.msgs, "warning: table address of 12 bits (fan-in 6 x 2-bit inputs) "
                                 "exceeds lut_inputs = 6: about 85 LUT6 per output bit instead of "
                                 "1, 340 for layer t.0 (2 L-LUTs x 2 bits)"),
                  "%s", r.msgs);
    result_free(&r);
    /* with 12-input physical LUTs it fits */
    r = compile(BASE "lut six { fanin = 6 }\nmodel m { dataset { train = \"x\"; label = 0; "
                     "inputs = 12; classes = 2 }\n tree t { levels = six; neurons = 2 }\n"
                     " hardware { lut_inputs = 12 } }");
    expect_ok(&r);
    ck_assert_int_eq(r.warnings, 0);
    result_free(&r);
}
END_TEST

START_TEST(check_lut_cost) {
    ck_assert_int_eq(rt_lut_cost(4, 6), 1);
    ck_assert_int_eq(rt_lut_cost(6, 6), 1);
    ck_assert_int_eq(rt_lut_cost(7, 6), 3);
    ck_assert_int_eq(rt_lut_cost(8, 6), 5);
    ck_assert_int_eq(rt_lut_cost(12, 6), 85);
    ck_assert_int_eq(rt_lut_cost(5, 4), 3);
    ck_assert_int_eq(rt_lut_cost(6, 3), 15); /* 2:1 muxes on LUT3s */
    ck_assert_int_eq(rt_lut_cost(10, 7), 11);
}
END_TEST

START_TEST(check_names) {
    expect_error(BASE "model m { dataset = tiny; tree t { levels = lef -> pair; neurons = 2 } }", 1,
                 "unknown lut 'lef' (did you mean 'leaf'?)");
    expect_error(BASE "model m { dataset = leaf; tree t { levels = leaf -> pair; neurons = 2 } }",
                 1, "'leaf' is a lut, not a dataset");
    expect_error(MODEL("") "lut leaf { fanin = 3 }\n", 1, "redefinition of lut 'leaf'");
    expect_error(BASE "model m { dataset = zzz; tree t { levels = leaf; neurons = 2 } }", 1,
                 "unknown dataset 'zzz'");
    /* different kinds may share a name */
    result r = compile(BASE "lut tiny { fanin = 2 }\n"
                            "model tiny { dataset = tiny; tree t { levels = tiny -> pair; neurons "
                            "= 2 } }");
    expect_ok(&r);
    result_free(&r);
}
END_TEST

START_TEST(check_structure) {
    expect_error(MODEL("fanin = 3"), 1, "unknown property 'fanin' in 'model'");
    expect_error(MODEL("") "lut x { fanni = 2 }\n", 1, "did you mean 'fanin'?");
    expect_error(MODEL("bits = 2; bits = 3"), 1, "'bits' is given twice");
    expect_error(MODEL("input { bits = 1 }; input { bits = 2 }"), 1, "'input' is given twice");
    expect_error(MODEL("tree t { levels = leaf; neurons = 2 }"), 1, "'tree t' is given twice");
    expect_error(MODEL("stage dense { }"), 1, "a 'stage' block is not allowed inside 'model'");
    expect_error(MODEL("tree { levels = leaf }"), 1, "a 'tree' needs a name");
    expect_error(MODEL("train fast { }"), 1, "a nested 'train' takes no name");
    expect_error(MODEL("tree u extends leaf { }"), 1, "a 'tree' block cannot use 'extends'");
    expect_error(MODEL("") "lut a extends b { }\nlut b extends a { fanin = 2 }\n", 1,
                 "extends itself");
    expect_error(MODEL("dataset = \"tiny\""), 1, "the name of a dataset expected");
    expect_error(MODEL("") "bits = 2\n", 1, "property 'bits' outside a block");
    expect_error(MODEL("") "tree t { }\n", 1, "'tree' blocks belong inside a model");
    expect_error(MODEL("") "lut { fanin = 1 }\n", 1, "a top-level 'lut' needs a name");
    expect_error(BASE, 1, "declares no model");
    expect_error(MODEL("") "model n { dataset = tiny; tree t { levels = leaf; neurons = 2 } }", 1,
                 "a model file compiles one model, but 'm' and 'n' are both candidates");
    expect_error(MODEL("import \"x.nlt\""), 1, "'import' is only allowed at the top level");
    /* errors in declarations nobody uses are reported too */
    expect_error(MODEL("") "lut unused { fanin = 2; fanin = 3 }\n", 1, "'fanin' is given twice");
}
END_TEST

START_TEST(check_lut) {
    expect_error(MODEL("") "lut v { hidden = 2 }\n", 1, "lut 'v' needs 'fanin'");
    expect_error(MODEL("") "lut v { fanin = 2; hidden = 0; skip = none }\n", 1, "computes nothing");
    expect_error(MODEL("") "lut v { fanin = 2; hidden = 0; depth = 1 }\n", 1,
                 "'depth' has no meaning when 'hidden = 0'");
    expect_error(MODEL("") "lut v { fanin = 17 }\n", 1, "'fanin' must be between 1 and 16");
}
END_TEST

START_TEST(check_tree) {
    expect_error(BASE "model m { dataset = tiny; tree t { neurons = 2 } }", 1,
                 "tree 't' needs 'levels'");
    expect_error(BASE "model m { dataset = tiny; tree t { levels = leaf } }", 1,
                 "tree 't' needs 'neurons' (its root count) or 'leaves'");
    expect_error(BASE "model m { dataset = tiny; tree t { levels = leaf; neurons = 2; leaves = 4 } "
                      "}",
                 1, "gives both 'neurons' and 'leaves'");
    expect_error(BASE "model m { dataset = tiny; tree t { levels = [leaf]; neurons = 2 } }", 1,
                 "a chain of lut names expected for 'levels'");
    expect_error(BASE "model m { dataset = tiny; tree t { levels = leaf -> pair; neurons = 2; bits "
                      "= [1, 2, 3] } }",
                 1, "tree 't' has 2 levels: 'bits' takes one value or a list of 2");
    expect_error(BASE
                 "model m { dataset = tiny; tree t { levels = leaf -> pair; neurons = 2; quant "
                 "= [relu, relu] } }",
                 1, "the output layer uses the identity quantizer");
    expect_error(BASE
                 "model m { dataset = tiny; tree t { levels = leaf -> pair; neurons = 2; quant "
                 "= hardtanh } }",
                 1, "'hardtanh' is the input quantizer");
    expect_error(BASE "model m { dataset = tiny; output { bits = 6 }\n tree t { levels = leaf -> "
                      "pair; neurons = 2; bits = [2, 4] } }",
                 1, "the output layer's bits are given twice");
    expect_error(BASE "model m { dataset = tiny }", 1, "model 'm' has no trees");
    expect_error(BASE "model m { tree t { levels = leaf; neurons = 2 } }", 1,
                 "model 'm' has no dataset");
}
END_TEST

START_TEST(check_dataset) {
    const char *model = "lut l { fanin = 2 }\nmodel m { dataset = d; tree t { levels = l; neurons "
                        "= 2 } }\n";
    static const struct {
        const char *dataset, *msg;
    } cases[] = {
        {"label = 0; inputs = 4; classes = 2", "dataset 'd' needs 'train'"},
        {"train = \"x\"; inputs = 4; classes = 2", "csv dataset 'd' needs 'label'"},
        {"train = \"x\"; label = 0; classes = 2", "must declare 'inputs'"},
        {"train = \"x\"; label = 0; inputs = 4", "must declare 'classes'"},
        {"train = \"x\"; label = \"y\"; inputs = 4; classes = 2", "needs 'header = true'"},
        {"train = \"x\"; label = 0; valid = 60%; test = 40%; inputs = 4; classes = 2",
         "leave no training rows"},
        {"train = \"x\"; label = 0; valid = 1; inputs = 4; classes = 2",
         "must be a fraction in [0, 1)"},
        {"format = idx; train = \"x\"; inputs = 4; classes = 2", "[\"images\", \"labels\"]"},
        {"format = idx; train = [\"a\", \"b\"]; label = 1; inputs = 4; classes = 2",
         "'label' applies to csv datasets only"},
        {"train = [\"a\", \"b\"]; label = 0; inputs = 4; classes = 2",
         "a file name (string) expected for 'train' of a csv dataset"},
        {"train = \"x\"; label = 0; inputs = 4; classes = 2; class_names = [\"a\"]",
         "'class_names' must list 2 strings"},
        {"train = \"x\"; label = 0; inputs = 4; classes = 2; class_names = [\"a\", \"a\"]",
         "class name \"a\" appears twice"},
        {"train = \"x\"; label = 0; drop = [0]; inputs = 4; classes = 2",
         "the label column is also listed in 'drop'"},
        {"train = \"x\"; label = 0; delimiter = \"\"; inputs = 4; classes = 2",
         "'delimiter' must be one character"},
        {"train = \"\"; label = 0; inputs = 4; classes = 2", "empty file name"},
        {"train = \"x\"; label = -2; inputs = 4; classes = 2",
         "column index -2 in 'label' is negative"},
        {"train = \"x\"; label = 0; inputs = 4; classes = 1", "'classes' must be between 2"},
        {"train = \"x\"; label = 0; inputs = 4; classes = 2; scale = 0",
         "'scale' must be greater than 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1024];
        snprintf(text, sizeof text, "dataset d { %s }\n%s", cases[i].dataset, model);
        expect_error(text, 1, cases[i].msg);
    }
}
END_TEST

START_TEST(check_training) {
    expect_error(MODEL("train { stage sparse { } }"), 1,
                 "learned connectivity needs a dense stage");
    expect_error(MODEL("train { stage warm { }; stage dense { } }"), 1, "unknown stage 'warm'");
    expect_error(
        MODEL("train { stage dense { epochs = 5; schedule = cosine(restart = 6 epochs) } }"), 1,
        "cosine restart period of 6 epochs exceeds the dense stage's 5 epochs");
    expect_error(MODEL("train { optimizer = sgd }"), 1, "adam, adamw or adamw(");
    expect_error(MODEL("train { optimizer = adamw(beta1 = 1) }"), 1, "argument 'beta1' of adamw()");
    expect_error(MODEL("train { optimizer = adamw(momentum = 1) }"), 1,
                 "unknown argument 'momentum' of adamw() (expected beta1, beta2 or weight_decay)");
    expect_error(MODEL("train { optimizer = adamw(beta1 = 0.1, beta1 = 0.2) }"), 1,
                 "argument 'beta1' is given twice");
    expect_error(MODEL("train { schedule = linear }"), 1, "constant, cosine or cosine(");
    expect_error(MODEL("train { schedule = constant(1) }"), 1, "constant, cosine or cosine(");
    expect_error(MODEL("train { regularize = l2 }"), 1, "none or hw(wd = W, wd1 = W1)");
    expect_error(MODEL("train { regularize = hw(0.1) }"), 1, "hw() takes named arguments only");
    expect_error(MODEL("train { select = best }"), 1, "unknown value 'best' for 'select'");
    expect_error(BASE "dataset d extends tiny { valid = 0 }\n"
                      "model m { dataset = d; tree t { levels = leaf -> pair; neurons = 2 } }",
                 1, "select = validation needs a validation split");
    result r = compile(MODEL("connect = random; train { stage dense { } }"));
    expect_ok(&r);
    ck_assert_int_eq(r.warnings, 1);
    ck_assert(strstr(r.msgs, "the dense stage has no effect"));
    result_free(&r);
}
END_TEST

START_TEST(check_hardware) {
    expect_error(MODEL("hardware { pipeline = every }"), 1, "none, every_layer, trees or every(K)");
    expect_error(MODEL("hardware { pipeline = every(0) }"), 1, "the layer count of every()");
    expect_error(MODEL("hardware { pipeline = sometimes }"), 1, "none, every_layer, trees");
    expect_error(MODEL("hardware { clock = \"a b\" }"), 1,
                 "clock port name \"a b\" is not a Verilog identifier");
    expect_error(MODEL("hardware { reset = \"clk\" }"), 1, "both named \"clk\"");
    expect_error(MODEL("hardware { lut_inputs = 1 }"), 1, "'lut_inputs' must be between 3 and 12");
    result r =
        compile(MODEL("hardware { clock = \"ck\"; reset = \"rst_n\"; reset_style = async_low }"));
    ir_program *p = expect_ok(&r);
    ck_assert_str_eq(p->hw.clock, "ck");
    ck_assert_str_eq(p->hw.reset, "rst_n");
    ck_assert_int_eq(p->hw.reset_style, IR_RESET_ASYNC_LOW);
    result_free(&r);
}
END_TEST

START_TEST(check_imports) {
    char *dir = temp_dir();
    write_file(dir, "a.nlt", "import \"b.nlt\"\n");
    write_file(dir, "b.nlt", "import \"c.nlt\"\n");
    write_file(dir, "c.nlt", "import \"a.nlt\"\n");
    write_file(dir, "bad.nlt", "lut x { fanin = 2; fanin = 3 }\n");
    write_file(dir, "d.nlt", "import \"bad.nlt\"\nimport \"bad.nlt\"\n");
    char path[160];
    nltc_compile_opts o = {.no_env = true, .stdlib_dir = NLTC_TEST_STDLIB};
    snprintf(path, sizeof path, "%s/main.nlt", dir);
    result r = compile_opts(path, "import \"a.nlt\"\n", o);
    ck_assert_int_eq(r.errors, 1);
    char want[512];
    snprintf(want, sizeof want,
             "c.nlt:1:8: error: import cycle: %s/a.nlt -> %s/b.nlt -> %s/c.nlt -> %s/a.nlt\n", dir,
             dir, dir, dir);
    ck_assert_msg(strstr(r.msgs, want), "%s", r.msgs);
    ck_assert(strstr(r.msgs, "note: ") && strstr(r.msgs, "imported from here"));
    result_free(&r);
    /* an error in an imported module, with its import chain; loaded once */
    snprintf(path, sizeof path, "%s/m.nlt", dir);
    r = compile_opts(path, "import \"d.nlt\"\n", o);
    ck_assert_int_eq(r.errors, 1);
    ck_assert(strstr(r.msgs, "bad.nlt:1:20: error: 'fanin' is given twice"));
    ck_assert(strstr(r.msgs, "d.nlt' imported from here"));
    result_free(&r);
    r = compile_opts(path, "import \"nope.nlt\"\n", o);
    ck_assert(strstr(r.msgs, "cannot find module 'nope.nlt'"));
    result_free(&r);
    r = compile_opts(path, "import \"std/nope.nlt\"\n", o);
    ck_assert(strstr(r.msgs, "cannot find 'std/nope.nlt' in the standard library"));
    result_free(&r);
    r = compile_opts(path, "import \"\"\n", o);
    ck_assert(strstr(r.msgs, "empty import path"));
    result_free(&r);
    remove_dir(dir);
}
END_TEST

START_TEST(check_many_errors) {
    /* independent errors in one phase are all reported */
    result r = compile(BASE "lut a { fanin = 0; colour = red }\n"
                            "model m { dataset = tiny; bits = 12; skip = always\n"
                            " tree t { levels = leaf -> pair; neurons = 2 }\n"
                            " hardware { lut_inputs = 40 } }");
    ck_assert_int_eq(r.errors, 5);
    result_free(&r);
}
END_TEST

void add_check_tests(Suite *s) {
    ADD_CASE(s, "checks", check_bits_range, check_units, check_types, check_fanin_divisibility,
             check_width_chain, check_table_address, check_lut_cost, check_names, check_structure,
             check_lut, check_tree, check_dataset, check_training, check_hardware, check_imports,
             check_many_errors);
}
