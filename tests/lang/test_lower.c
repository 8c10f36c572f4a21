/* test_lower.c - unit tests of the lowering (defaults and derivations), the IR verifier and
 * printer, the vocabulary tables (schema.def, enums.def) and source locations. */
#include "lang_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"

/* ---- Lowering: defaults and derivations ------------------------------------------------ */

START_TEST(lower_defaults) {
    result r = compile(MODEL(""));
    ir_program *p = expect_ok(&r);
    ck_assert_str_eq(p->model_name, "m");
    ck_assert_str_eq(p->source_path, "m.nlt");
    const ir_dataset *d = &p->dataset;
    ck_assert_str_eq(d->name, "tiny");
    ck_assert_str_eq(d->train.path, "tiny.csv");
    ck_assert_ptr_null(d->valid.path);
    ck_assert_double_eq(d->valid_fraction, 0.1);
    ck_assert_double_eq(d->test_fraction, 0.2);
    ck_assert_int_eq(d->delimiter, ',');
    ck_assert_int_eq(d->label.index, 4);
    ck_assert_ptr_null(d->label.name);
    ck_assert_int_eq(d->norm, IR_NORM_STANDARDIZE);
    ck_assert_double_eq(d->scale, 1);
    ck_assert_int_eq(p->input_bits, 2);
    ck_assert(p->tree_skip);
    ck_assert_int_eq(p->n_trees, 1);
    ck_assert_int_eq(p->n_layers, 2);
    const ir_layer *l = &p->layers[0];
    ck_assert_str_eq(l->name, "t.0");
    ck_assert_int_eq(l->hidden, 8);
    ck_assert_int_eq(l->depth, 1);
    ck_assert(l->lut_skip);
    ck_assert_int_eq(l->connect, IR_CONNECT_LEARNED);
    ck_assert_int_eq(l->in_width, 4);
    ck_assert_int_eq(l->out_width, 4);
    ck_assert_int_eq(p->layers[1].out_width, 2);
    ck_assert_int_eq(p->train.n_stages, 2);
    ck_assert_int_eq(p->train.stages[0].kind, IR_STAGE_DENSE);
    ck_assert_int_eq(p->train.stages[0].epochs, 25);
    ck_assert_double_eq(p->train.stages[0].wd, 1e-4);
    ck_assert_int_eq(p->train.stages[1].epochs, 100);
    ck_assert_double_eq(p->train.stages[1].wd, 0);
    ck_assert_int_eq(p->train.stages[1].optimizer, IR_OPT_ADAMW);
    ck_assert_double_eq(p->train.stages[1].beta1, 0.5);
    ck_assert_int_eq(p->train.select, IR_SELECT_VALIDATION);
    ck_assert_int_eq(p->hw.lut_inputs, 6);
    ck_assert_int_eq(p->hw.pipeline, IR_PIPE_TREES);
    ck_assert_str_eq(p->hw.clock, "clk");
    ck_assert_str_eq(p->hw.reset, "rst");
    ck_assert(!p->hw.argmax); /* no out_class port unless asked for */
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    result_free(&r);
}
END_TEST

START_TEST(lower_lut_defaults) {
    result r = compile(BASE "lut plain { fanin = 2 }\nlut lin { fanin = 2; hidden = 0 }\n"
                            "lut deep { fanin = 2; depth = 3; skip = none }\n"
                            "model m { dataset = tiny; tree t { levels = plain -> lin -> deep; "
                            "leaves = 8 } tree u { levels = pair; neurons = 2 } }");
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(p->layers[0].hidden, 64);
    ck_assert_int_eq(p->layers[1].hidden, 0);
    ck_assert_int_eq(p->layers[1].depth, 0);
    ck_assert_int_eq(p->layers[2].depth, 3);
    ck_assert(!p->layers[2].lut_skip);
    /* widths from the leaf count: 8 -> 4 -> 2 */
    ck_assert_int_eq(p->layers[0].out_width, 8);
    ck_assert_int_eq(p->layers[1].out_width, 4);
    ck_assert_int_eq(p->layers[2].out_width, 2);
    result_free(&r);
}
END_TEST

START_TEST(lower_quantizers) {
    const char *model = BASE "model m { dataset = tiny; skip = %s\n"
                             "tree a { levels = leaf -> pair -> pair; neurons = 2 }\n"
                             "tree b { levels = pair; neurons = 2 %s } }";
    char text[1024];
    snprintf(text, sizeof text, model, "tree", "");
    result r = compile(text);
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(p->layers[0].quant, IR_Q_IDENTITY); /* non-root: tree skip */
    ck_assert_int_eq(p->layers[1].quant, IR_Q_IDENTITY);
    ck_assert_int_eq(p->layers[2].quant, IR_Q_RELU);     /* a root */
    ck_assert_int_eq(p->layers[3].quant, IR_Q_IDENTITY); /* the output */
    ck_assert(p->layers[2].tree_root && !p->layers[1].tree_root);
    ck_assert(p->layers[1].support && !p->layers[0].support && !p->layers[3].support);
    ck_assert_int_eq(p->layers[1].connect, IR_CONNECT_CONTIGUOUS);
    result_free(&r);
    snprintf(text, sizeof text, model, "none", "");
    r = compile(text);
    p = expect_ok(&r);
    ck_assert(!p->tree_skip);
    ck_assert_int_eq(p->layers[0].quant, IR_Q_RELU);
    ck_assert_int_eq(p->layers[1].quant, IR_Q_RELU);
    ck_assert_int_eq(p->layers[3].quant, IR_Q_IDENTITY);
    result_free(&r);
    /* an explicit quant overrides all but the output layer */
    r = compile(BASE "model m { dataset = tiny\n tree t { levels = leaf -> pair -> pair; "
                     "neurons = 2; quant = relu } }");
    p = expect_ok(&r);
    ck_assert_int_eq(p->layers[0].quant, IR_Q_RELU);
    ck_assert_int_eq(p->layers[2].quant, IR_Q_IDENTITY);
    result_free(&r);
}
END_TEST

START_TEST(lower_bits) {
    result r =
        compile(BASE "model m { dataset = tiny; bits = 3\n input { bits = 1 }\n"
                     "tree t { levels = leaf -> pair -> pair; neurons = 2; bits = [2, 4, 5] }"
                     "\n}");
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(p->input_bits, 1);
    ck_assert_int_eq(p->layers[0].bits_in, 1);
    ck_assert_int_eq(p->layers[0].bits_out, 2);
    ck_assert_int_eq(p->layers[1].bits_in, 2);
    ck_assert_int_eq(p->layers[2].bits_out, 5);
    result_free(&r);
    r = compile(BASE "model m { dataset = tiny; bits = 1 bits\n output { bits = 6 }\n"
                     "tree t { levels = leaf -> pair; neurons = 2 } }");
    p = expect_ok(&r);
    ck_assert_int_eq(p->input_bits, 1);
    ck_assert_int_eq(p->layers[0].bits_out, 1);
    ck_assert_int_eq(p->layers[1].bits_out, 6);
    result_free(&r);
}
END_TEST

START_TEST(lower_pipeline) {
    static const struct {
        const char *pipeline;
        const char *regs; /* reg_after per layer */
        int stages;
    } cases[] = {
        {"none", "0000", 0},     {"every_layer", "1111", 4}, {"trees", "0101", 2},
        {"every(3)", "0011", 2}, {"every(1)", "1111", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 BASE "model m { dataset = tiny\n tree a { levels = leaf -> pair; neurons = 2 }\n"
                      " tree b { levels = pair -> pair; neurons = 2; leaves = 4 }\n"
                      " hardware { pipeline = %s } }",
                 cases[i].pipeline);
        /* neurons and leaves together are an error; keep only leaves */
        char *both = strstr(text, "neurons = 2; leaves");
        memmove(both, both + 13, strlen(both + 13) + 1);
        result r = compile(text);
        ir_program *p = expect_ok(&r);
        ck_assert_int_eq(p->n_layers, 4);
        for (int l = 0; l < 4; l++)
            ck_assert_msg(p->layers[l].reg_after == (cases[i].regs[l] == '1'), "%s layer %d",
                          cases[i].pipeline, l);
        ck_assert_int_eq(p->hw.stages, cases[i].stages);
        result_free(&r);
    }
}
END_TEST

START_TEST(lower_training_plan) {
    result r = compile(MODEL("train {\n batch = 64; lr = 3e-3; seed = 7; select = last\n"
                             " class_weight = balanced\n"
                             " optimizer = adam(beta2 = 0.99, weight_decay = 0.01)\n"
                             " stage dense { epochs = 5 epochs; regularize = hw(wd = 8e-5) }\n"
                             " stage sparse { epochs = 50; lr = 0.001; schedule = cosine(restart "
                             "= 10 epochs, mult = 2, lr_min = 1e-5) }\n}"));
    ir_program *p = expect_ok(&r);
    const ir_train *t = &p->train;
    ck_assert_int_eq(t->seed, 7);
    ck_assert_int_eq(t->select, IR_SELECT_LAST);
    ck_assert_int_eq(t->class_weight, IR_CW_BALANCED);
    ck_assert_int_eq(t->n_stages, 2);
    const ir_stage *d = &t->stages[0], *s = &t->stages[1];
    ck_assert_int_eq(d->epochs, 5);
    ck_assert_int_eq(d->batch, 64);
    ck_assert_double_eq(d->lr, 3e-3);
    ck_assert_int_eq(d->optimizer, IR_OPT_ADAM);
    ck_assert_double_eq(d->beta1, 0.9);
    ck_assert_double_eq(d->beta2, 0.99);
    ck_assert_double_eq(d->weight_decay, 0.01);
    ck_assert_double_eq(d->wd, 8e-5);
    ck_assert_double_eq(d->wd1, 0.05);
    ck_assert_int_eq(s->epochs, 50);
    ck_assert_double_eq(s->lr, 0.001);
    ck_assert_int_eq(s->schedule, IR_SCHED_COSINE);
    ck_assert_int_eq(s->restart_epochs, 10);
    ck_assert_double_eq(s->restart_mult, 2);
    ck_assert_double_eq(s->lr_min, 1e-5);
    ck_assert_double_eq(s->wd, 0);
    result_free(&r);
    /* random connectivity: no dense stage by default */
    r = compile(BASE "model m { dataset = tiny; connect = random\n tree t { levels = leaf -> pair; "
                     "neurons = 2 }\n train { schedule = constant } }");
    p = expect_ok(&r);
    ck_assert_int_eq(p->train.n_stages, 1);
    ck_assert_int_eq(p->train.stages[0].kind, IR_STAGE_SPARSE);
    ck_assert_int_eq(p->train.stages[0].schedule, IR_SCHED_CONSTANT);
    ck_assert_int_eq(p->train.class_weight, IR_CW_NONE); /* the default */
    ck_assert_int_eq(p->layers[0].connect, IR_CONNECT_RANDOM);
    result_free(&r);
}
END_TEST

START_TEST(lower_extends) {
    result r = compile(
        BASE
        "train slow { batch = 16; stage dense { }; stage sparse { epochs = 500; lr = 0.01 } }\n"
        "model base { dataset = tiny; bits = 3\n"
        " tree t { levels = leaf -> pair; neurons = 2 }\n train = slow }\n"
        "model m extends base {\n bits = 4\n"
        " tree t { bits = [1, 2] }\n"
        " train extends slow { stage sparse { epochs = 9 } }\n"
        " dataset extends tiny { valid = 5% }\n}");
    ir_program *p = expect_ok(&r);
    ck_assert_str_eq(p->model_name, "m");
    ck_assert_str_eq(p->dataset.name, "tiny");
    ck_assert_double_eq_tol(p->dataset.valid_fraction, 0.05, 1e-12);
    ck_assert_int_eq(p->input_bits, 4);
    ck_assert_int_eq(p->layers[0].bits_out, 1);
    ck_assert_int_eq(p->layers[1].bits_out, 2);
    const ir_stage *s = &p->train.stages[p->train.n_stages - 1];
    ck_assert_int_eq(s->epochs, 9);
    ck_assert_double_eq(s->lr, 0.01);
    ck_assert_int_eq(s->batch, 16);
    result_free(&r);
    /* a base L-LUT reused with one change */
    r = compile(BASE "lut wide extends leaf { hidden = 16 }\n"
                     "model m { dataset = tiny; tree t { levels = wide -> pair; neurons = 2 } }");
    p = expect_ok(&r);
    ck_assert_int_eq(p->layers[0].fanin, 2);
    ck_assert_int_eq(p->layers[0].hidden, 16);
    result_free(&r);
}
END_TEST

START_TEST(lower_dataset) {
    result r =
        compile("dataset d {\n train = \"tr.csv\"; valid = \"va.csv\"; test = 25%\n"
                " header = true; delimiter = \";\"; label = \"y\"\n"
                " drop = [\"id\", 3]; categorical = \"proto\"; encoding = binarize\n"
                " binarize = 8 bits; log1p = true; scale = 2.5; norm = minmax; split_seed = 9\n"
                " inputs = 20; classes = 3; class_names = [\"a\", \"b\", \"c\"] }\n"
                "lut l { fanin = 2 }\n"
                "model m { dataset = d; tree t { levels = l; neurons = 3 } }");
    ir_program *p = expect_ok(&r);
    const ir_dataset *d = &p->dataset;
    ck_assert_str_eq(d->valid.path, "va.csv");
    ck_assert_double_eq(d->valid_fraction, 0);
    ck_assert_double_eq(d->test_fraction, 0.25);
    ck_assert(d->header);
    ck_assert_int_eq(d->delimiter, ';');
    ck_assert_str_eq(d->label.name, "y");
    ck_assert_int_eq(d->n_drop, 2);
    ck_assert_str_eq(d->drop[0].name, "id");
    ck_assert_int_eq(d->drop[1].index, 3);
    ck_assert_int_eq(d->n_categorical, 1);
    ck_assert_int_eq(d->cat_encoding, IR_CAT_BINARIZE);
    ck_assert_int_eq(d->binarize_bits, 8);
    ck_assert(d->log1p);
    ck_assert_double_eq(d->scale, 2.5);
    ck_assert_int_eq(d->norm, IR_NORM_MINMAX);
    ck_assert_int_eq(d->split_seed, 9);
    ck_assert_int_eq(d->n_class_names, 3);
    ck_assert_str_eq(d->class_names[2], "c");
    result_free(&r);
    r = compile("dataset d { format = idx; train = [\"i.gz\", \"l.gz\"]; test = [\"ti\", \"tl\"]\n"
                " inputs = 784; classes = 10 }\nlut l { fanin = 6 }\n"
                "model m { dataset = d; input { bits = 1 }; tree t { levels = l; neurons = 10 } }");
    p = expect_ok(&r);
    ck_assert_int_eq(p->dataset.format, IR_DATA_IDX);
    ck_assert_str_eq(p->dataset.train.labels_path, "l.gz");
    ck_assert_str_eq(p->dataset.test.path, "ti");
    ck_assert_double_eq(p->dataset.test_fraction, 0);
    result_free(&r);
}
END_TEST

START_TEST(lower_paths) {
    char *dir = temp_dir();
    char sub[128], lib[128], main_path[160];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(lib, sizeof lib, "%s/lib", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_int_eq(mkdir(lib, 0700), 0);
    write_file(sub, "data.nlt",
               "dataset near { train = \"files/a.csv\"; test = \"/abs/t.csv\"; "
               "label = 0; inputs = 4; classes = 2 }");
    write_file(lib, "far.nlt",
               "dataset far { train = \"data/f.csv\"; label = 0; inputs = 4; "
               "classes = 2 }");
    write_file(dir, "m.nlt",
               "import \"sub/data.nlt\"\nimport \"far.nlt\"\nlut l { fanin = 2 }\n"
               "model m { dataset = near; tree t { levels = l; neurons = 2 } }\n");
    write_file(dir, "n.nlt",
               "import \"far.nlt\"\nlut l { fanin = 2 }\n"
               "model n { dataset = far; tree t { levels = l; neurons = 2 } }\n");
    /* relative to the declaring file; absolute paths kept */
    snprintf(main_path, sizeof main_path, "%s/m.nlt", dir);
    const char *inc[] = {lib};
    nltc_compile_opts o = {
        .include_dirs = inc, .n_include_dirs = 1, .no_env = true, .stdlib_dir = NLTC_TEST_STDLIB};
    nltc_arena *a = nltc_arena_new();
    nltc_status st;
    FILE *quiet = fopen("/dev/null", "w");
    o.diag = quiet;
    ir_program *p = nltc_compile(main_path, &o, a, &st);
    ck_assert_ptr_nonnull(p);
    char want[256];
    snprintf(want, sizeof want, "%s/sub/files/a.csv", dir);
    ck_assert_str_eq(p->dataset.train.path, want);
    ck_assert_str_eq(p->dataset.test.path, "/abs/t.csv");
    ck_assert_int_eq(p->n_sources, 3);
    ck_assert_str_eq(p->sources[0], main_path);
    /* a module found through -I: its data is beside the model file */
    snprintf(main_path, sizeof main_path, "%s/n.nlt", dir);
    p = nltc_compile(main_path, &o, a, &st);
    ck_assert_ptr_nonnull(p);
    snprintf(want, sizeof want, "%s/data/f.csv", dir);
    ck_assert_str_eq(p->dataset.train.path, want);
    /* --data-dir keeps only file names */
    o.data_dir = "/data";
    p = nltc_compile(main_path, &o, a, &st);
    ck_assert_str_eq(p->dataset.train.path, "/data/f.csv");
    /* --seed */
    o.seed_set = true;
    o.seed = 123;
    p = nltc_compile(main_path, &o, a, &st);
    ck_assert_int_eq(p->train.seed, 123);
    /* without -I the module is not found */
    o.n_include_dirs = 0;
    p = nltc_compile(main_path, &o, a, &st);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(st.errors, 1);
    ck_assert(!st.io_error);
    /* an unreadable model file is an I/O error */
    p = nltc_compile(dir, &o, a, &st);
    ck_assert_ptr_null(p);
    ck_assert(st.io_error);
    errno = 0;
    ck_assert_ptr_null(nltc_read_source(a, dir));
    ck_assert_int_eq(errno, EISDIR);
    fclose(quiet);
    nltc_arena_free(a);
    remove_dir(dir);
}
END_TEST

START_TEST(lower_stdlib_import) {
    result r = compile("import \"std/datasets/digits.nlt\"\nlut l { fanin = 2 }\n"
                       "model m { dataset = digits; tree t { levels = l -> l -> l; leaves = 40 }"
                       " }");
    ir_program *p = expect_ok(&r);
    ck_assert_str_eq(p->dataset.train.path, "data/digits.csv.gz");
    ck_assert_int_eq(p->dataset.inputs, 64);
    ck_assert_int_eq(p->layers[2].out_width, 10);
    ck_assert_int_eq(p->n_sources, 2);
    result_free(&r);
}
END_TEST

/* ---- IR verifier and printer --------------------------------------------------------- */

START_TEST(ir_verifier) {
    result r = compile(MODEL(""));
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    p->layers[1].in_width = 5;
    ck_assert_int_ge(ir_verify(p, NULL), 1);
    p->layers[1].in_width = 4;
    p->layers[1].quant = IR_Q_RELU;
    ck_assert_int_eq(ir_verify(p, NULL), 1);
    p->layers[1].quant = IR_Q_IDENTITY;
    p->layers[0].bits_out = 9;
    ck_assert_int_ge(ir_verify(p, NULL), 1);
    p->layers[0].bits_out = 2;
    p->hw.stages = 7;
    ck_assert_int_eq(ir_verify(p, NULL), 1);
    p->hw.stages = 1;
    p->layers[0].fanin = 9;
    ck_assert_int_ge(ir_verify(p, NULL), 1);
    p->layers[0].fanin = 2;
    p->layers[1].connect = IR_CONNECT_RANDOM;
    ck_assert_int_eq(ir_verify(p, NULL), 1);
    p->layers[1].connect = IR_CONNECT_CONTIGUOUS;
    p->dataset.classes = 3;
    ck_assert_int_eq(ir_verify(p, NULL), 1);
    p->dataset.classes = 2;
    ck_assert_int_eq(ir_verify(p, NULL), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    p->layers[0].hidden = 0;
    ck_assert_int_eq(ir_verify(p, f), 1);
    fclose(f);
    ck_assert(
        strstr(text, "nltc: IR verification: layer t.0: kind mlp, sub-network hidden 0 depth 1"));
    free(text);
    result_free(&r);
}
END_TEST

START_TEST(ir_printer) {
    result r = compile(MODEL("hardware { pipeline = every(2) }"));
    ir_program *p = expect_ok(&r);
    char *a = ir_text(p), *b = ir_text(p);
    ck_assert_str_eq(a, b);
    ck_assert(strstr(a, "model m\nsource \"m.nlt\"\ndataset tiny\n  format csv\n"));
    ck_assert(strstr(a, "  label 4\n"));
    ck_assert(strstr(a, "layer t.0 tree 0 level 0 in 4 out 4 fanin 2 hidden 8 depth 1 skip linear "
                        "bits 2->2 quant identity connect learned\n"));
    ck_assert(strstr(a, "layer t.1 tree 0 level 1 support root in 4 out 2 fanin 2 hidden 8 depth 1 "
                        "skip linear bits 2->2 quant identity connect contiguous reg\n"));
    ck_assert(strstr(a, "hardware lut_inputs 6 pipeline every_k k 2 stages 1\n"));
    ck_assert_str_eq(ir_quant_name(IR_Q_HARDTANH), "hardtanh");
    ck_assert_str_eq(ir_connect_name(IR_CONNECT_RANDOM), "random");
    ck_assert_str_eq(ir_pipeline_name(IR_PIPE_NONE), "none");
    free(a);
    free(b);
    result_free(&r);
}
END_TEST

/* ---- Vocabulary tables and source locations ---------------------------------------- */

START_TEST(ir_enum_tables) {
    /* Every value of every enum: name and word read back to the value. */
#define CHECK_ENUM(type, sh, VALUES)                                                               \
    for (int i = 0; i < ir_##sh##_count(); i++) {                                                  \
        ir_##type v = (ir_##type)(i == 0 ? 1 : 0);                                                 \
        ck_assert(ir_##sh##_parse(ir_##sh##_name((ir_##type)i), &v));                              \
        ck_assert_int_eq(v, i);                                                                    \
        v = (ir_##type)(i == 0 ? 1 : 0);                                                           \
        ck_assert(ir_##sh##_from_word(ir_##sh##_word((ir_##type)i), &v));                          \
        ck_assert_int_eq(v, i);                                                                    \
        ck_assert_str_ne(ir_##sh##_text((ir_##type)i), "?");                                       \
        ck_assert_str_eq(ir_##sh##_words[i], ir_##sh##_word((ir_##type)i));                        \
    }                                                                                              \
    ck_assert_str_eq(ir_##sh##_name((ir_##type)ir_##sh##_count()), "?");                           \
    ck_assert_ptr_null(ir_##sh##_words[ir_##sh##_count()]);
    IR_ENUMS(CHECK_ENUM)
#undef CHECK_ENUM
    ir_pipeline p = IR_PIPE_NONE;
    ck_assert_int_eq(ir_pipeline_count(), 4);
    ck_assert_str_eq(ir_pipeline_name(IR_PIPE_EVERY_K), "every_k");
    ck_assert_str_eq(ir_pipeline_word(IR_PIPE_EVERY_K), "every");
    ck_assert(!ir_pipeline_parse("every", &p));
    ck_assert(ir_pipeline_from_word("every", &p) && p == IR_PIPE_EVERY_K);
    ck_assert(!ir_pipeline_parse("tree", &p));
    ck_assert_str_eq(ir_optimizer_text(IR_OPT_ADAMW), "AdamW");
    ir_reset r;
    ck_assert(ir_reset_parse("async_low", &r) && r == IR_RESET_ASYNC_LOW);
    ck_assert(!ir_norm_parse(NULL, &(ir_norm){0}));
    /* The language words of the schema's word-typed properties that name enum values. */
    ck_assert(ir_norm_from_word(kw_text(KW_MINMAX), &(ir_norm){0}));
    ck_assert(ir_select_from_word(kw_text(KW_LAST), &(ir_select){0}));
}
END_TEST

START_TEST(ir_pipeline_rule) {
    /* Five layers; trees end at layers 1 and 4. */
    const bool root[5] = {false, true, false, false, true};
    const char *want[] = {"00000", "11111", "01001", "01011"};
    const ir_pipeline pipes[] = {IR_PIPE_NONE, IR_PIPE_EVERY_LAYER, IR_PIPE_TREES, IR_PIPE_EVERY_K};
    for (int s = 0; s < 4; s++)
        for (int l = 0; l < 5; l++)
            ck_assert_msg(ir_reg_after(pipes[s], 2, l, 5, root[l]) == (want[s][l] == '1'),
                          "%s layer %d", ir_pipeline_name(pipes[s]), l);
    /* every(3) of 7 layers: after 2, 5 and the last. */
    for (int l = 0; l < 7; l++)
        ck_assert_int_eq(ir_reg_after(IR_PIPE_EVERY_K, 3, l, 7, false), l == 2 || l == 5 || l == 6);
}
END_TEST

START_TEST(schema_table) {
    int n;
    const sv_spec *t = sv_specs(&n);
    ck_assert_int_gt(n, 40);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(kw_roles(t[i].key) & KWR_PROP, "%s is not a property word",
                      kw_text(t[i].key));
        ck_assert_msg(kw_roles(t[i].block) & KWR_BLOCK, "%s is not a block word",
                      kw_text(t[i].block));
        ck_assert_ptr_nonnull(t[i].meaning);
        ck_assert_msg(sv_spec_of(t[i].block, t[i].key) == &t[i], "%s.%s twice", kw_text(t[i].block),
                      kw_text(t[i].key));
        if (t[i].type != SV_WORD) continue;
        kw_id words[SV_MAX_WORDS + 1];
        int n_words = sv_words(&t[i], words);
        ck_assert_int_gt(n_words, 0);
        bool found = !t[i].dflt.given;
        for (int w = 0; w < n_words; w++) {
            ck_assert_msg(kw_roles(words[w]) & KWR_VALUE, "word %d of %s is not a value keyword", w,
                          kw_text(t[i].key));
            found |= words[w] == t[i].dflt.word;
        }
        ck_assert_msg(found, "default of %s is not one of its words", kw_text(t[i].key));
    }
    ck_assert_ptr_eq(sv_spec_of(KW_TRAIN, KW_BATCH), sv_spec_of(KW_STAGE, KW_BATCH));
    ck_assert_ptr_null(sv_spec_of(KW_STAGE, KW_SEED));
    ck_assert_double_eq(sv_default(KW_STAGE, KW_DENSE, KW_EPOCHS).num, 25);
    ck_assert_double_eq(sv_default(KW_STAGE, KW_SPARSE, KW_EPOCHS).num, 100);
    ck_assert_int_eq(sv_default(KW_STAGE, KW_DENSE, KW_REGULARIZE).word, KW_HW);
    ck_assert_str_eq(sv_default(KW_HARDWARE, KW_IDENT, KW_CLOCK).str, "clk");
    ck_assert_double_eq(sv_arg_default(KW_ADAMW, KW_BETA1), 0.5);
    ck_assert_double_eq(sv_arg_default(KW_ADAM, KW_BETA1), 0.9);
    ck_assert_ptr_nonnull(sv_arg_spec_of(KW_EVERY, KW_IDENT));
    /* The reference table of lut: a header, a rule and one row per property. */
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    sv_write_reference(f, KW_LUT);
    fclose(f);
    ck_assert(strstr(md, "| `hidden` | integer | 64 | 0..4096 | "));
    ck_assert(strstr(md, "| `skip` | `linear` \\| `none` | `linear` |  | "));
    int rows = 0;
    for (char *c = md; *c; c++)
        rows += *c == '\n';
    ck_assert_int_eq(rows, 7);
    free(md);
}
END_TEST

/* Asserts that property prop of p was located at line:col of file. */
static void expect_loc(const ir_program *p, const char *prop, const char *file, int line, int col) {
    const ir_srcloc *l = ir_locate(p, prop);
    ck_assert_ptr_nonnull(l);
    ck_assert_msg(strcmp(l->file, file) == 0 && l->line == line && l->col == col,
                  "%s at %s:%d:%d (prop %s), expected %s:%d:%d", prop, l->file, l->line, l->col,
                  l->prop, file, line, col);
}

START_TEST(ir_source_locations) {
    result r = compile(MODEL(" train { batch = 16; stage dense {}; stage sparse { epochs = 3 } }\n"
                             " hardware { clock = \"ck\"; pipeline = none }"));
    ir_program *p = expect_ok(&r);
    ck_assert_ptr_nonnull(p->model_loc);
    ck_assert_int_eq(p->model_loc->line, 4);
    ck_assert_int_eq(p->model_loc->col, 7);
    expect_loc(p, "dataset.label", "m.nlt", 1, 44);
    expect_loc(p, "lut leaf.fanin", "m.nlt", 2, 20);
    expect_loc(p, "lut pair.hidden", "m.nlt", 3, 32);
    expect_loc(p, "model.dataset", "m.nlt", 4, 7); /* a reference: the model itself */
    expect_loc(p, "tree t.levels", "m.nlt", 6, 20);
    expect_loc(p, "tree t.neurons", "m.nlt", 6, 44);
    expect_loc(p, "train.batch", "m.nlt", 7, 18);
    expect_loc(p, "stage sparse.epochs", "m.nlt", 7, 62);
    expect_loc(p, "hardware.clock", "m.nlt", 8, 21);
    expect_loc(p, "hardware.pipeline", "m.nlt", 8, 38);
    /* Not written: the default applies, located at the model. */
    ck_assert_ptr_eq(ir_locate(p, "hardware.reset"), p->model_loc);
    ck_assert_ptr_eq(ir_locate(p, "model.bits"), p->model_loc);
    for (int i = 0; i < p->n_locs; i++)
        ck_assert_msg(strchr(p->locs[i].prop, '.'), "path %s", p->locs[i].prop);
    result_free(&r);

    /* A property inherited through extends is located where it was written. */
    char *dir = temp_dir();
    write_file(dir, "base.nlt", BASE "hardware hw { lut_inputs = 4 }\n");
    char *main_path = rt_strfmt("%s/main.nlt", dir);
    r = compile_opts(main_path,
                     "import \"base.nlt\"\nmodel m {\n dataset = tiny\n hardware extends hw { "
                     "clock = \"c\" }\n tree t { levels = leaf -> pair; neurons = 2 }\n}\n",
                     (nltc_compile_opts){0});
    p = expect_ok(&r);
    char *base_path = rt_strfmt("%s/base.nlt", dir);
    expect_loc(p, "hardware.lut_inputs", base_path, 4, 28);
    expect_loc(p, "hardware.clock", main_path, 4, 32);
    free(base_path);
    free(main_path);
    result_free(&r);
    remove_dir(dir);
}
END_TEST

/* Property overrides (nltc_override, --set and sweeps): applied as if written in the file,
 * checked like it, located where the override was written. */
START_TEST(lower_overrides) {
    nltc_arena *a = nltc_arena_new();
    diag_ctx d = {0};
    nltc_override ov[5];
    ck_assert(nltc_override_parse(a, "lut leaf.fanin=4", &d, &ov[0]));
    ck_assert(nltc_override_parse(a, "tree t.neurons = 2", &d, &ov[1]));
    ck_assert(nltc_override_parse(a, "train.lr=0.01", &d, &ov[2]));
    ck_assert(nltc_override_parse(a, "seed=7", &d, &ov[3]));
    ck_assert(nltc_override_parse(a, "stage dense.epochs=2", &d, &ov[4]));
    ck_assert_str_eq(ov[1].path, "tree t.neurons");
    ck_assert_int_eq(d.errors, 0);
    result r =
        compile_opts("m.nlt", MODEL(""), (nltc_compile_opts){.overrides = ov, .n_overrides = 5});
    ir_program *p = expect_ok(&r);
    ck_assert_int_eq(p->layers[0].fanin, 4);
    ck_assert_str_eq(ir_locate(p, "tree t.neurons")->file, "--set tree t.neurons = 2");
    ck_assert_int_eq((int)p->train.seed, 7);
    ck_assert(p->train.stages[p->train.n_stages - 1].lr == 0.01);
    ck_assert_int_eq(p->train.stages[0].epochs, 2);
    const ir_srcloc *l = ir_locate(p, "lut leaf.fanin");
    ck_assert_str_eq(l->file, "--set lut leaf.fanin=4");
    result_free(&r);

    /* checked like the file: out of range, unknown property, unknown block, a bad path */
    static const struct {
        const char *arg, *needle;
    } bad[] = {
        {"lut leaf.fanin=40", "'fanin' must be between 1 and 16"},
        {"lut leaf.fanim=4", "unknown property 'fanim' in 'lut' (did you mean 'fanin'?)"},
        {"tree u.neurons=4", "model 'm' has no tree 'u'"},
        {"lut.fanin=4", "'lut' needs its name"},
        {"train x.lr=1", "'train' takes no name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nltc_override o;
        ck_assert(nltc_override_parse(a, bad[i].arg, &d, &o));
        r = compile_opts("m.nlt", MODEL(""),
                         (nltc_compile_opts){.overrides = &o, .n_overrides = 1});
        ck_assert_msg(!r.ir && strstr(r.msgs, bad[i].needle), "%s: %s", bad[i].arg, r.msgs);
        ck_assert_msg(strstr(r.msgs, "--set"), "located at the override: %s", r.msgs);
        result_free(&r);
    }
    nltc_override o;
    ck_assert(!nltc_override_parse(a, "fanin", &d, &o));
    ck_assert(!nltc_override_parse(a, "train.lr=[", &d, &o));
    nltc_arena_free(a);
}
END_TEST

void add_lower_tests(Suite *s) {
    ADD_CASE(s, "lower", lower_defaults, lower_lut_defaults, lower_quantizers, lower_bits,
             lower_pipeline, lower_training_plan, lower_extends, lower_dataset, lower_paths,
             lower_stdlib_import, lower_overrides);
    ADD_CASE(s, "ir", ir_verifier, ir_printer, ir_enum_tables, ir_pipeline_rule, schema_table,
             ir_source_locations);
}
