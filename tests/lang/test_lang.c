/* test_lang.c - Check unit tests of the front end: scanner, parser, each semantic check,
 * lowering defaults, the IR verifier and printer.
 *
 * Models are compiled from memory (nltc_compile_buffer) with diagnostics captured in a
 * memory stream; tests that need imports write small files into a temporary directory.
 * NLTC_TEST_STDLIB (a compile definition) is the repository's stdlib/. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"
#include "rt.h"

/* ---- Helpers ------------------------------------------------------------------------ */

/* What one parse or compile produced. */
typedef struct result {
    nltc_arena *a;   /* owns everything below */
    ast_file *ast;   /* parse: the tree */
    ir_program *ir;  /* compile: the IR (NULL after errors) */
    int errors;      /* errors reported */
    int warnings;    /* warnings reported */
    char *msgs;      /* all diagnostics text (malloc'd) */
    size_t msgs_len; /* its length */
} result;

static void result_free(result *r) {
    nltc_arena_free(r->a);
    free(r->msgs);
}

static result parse(const char *text) {
    result r = {.a = nltc_arena_new()};
    FILE *out = open_memstream(&r.msgs, &r.msgs_len);
    diag_ctx d = {.out = out};
    src_file *src = nltc_arena_alloc(r.a, sizeof *src);
    src->path = "t.nlt";
    src->text = nltc_arena_strdup(r.a, text);
    src->len = strlen(text);
    r.ast = lang_parse(r.a, src, &d);
    fclose(out);
    r.errors = d.errors;
    return r;
}

static result compile_opts(const char *name, const char *text, nltc_compile_opts o) {
    result r = {.a = nltc_arena_new()};
    FILE *out = open_memstream(&r.msgs, &r.msgs_len);
    o.diag = out;
    o.no_env = true;
    if (!o.stdlib_dir) o.stdlib_dir = NLTC_TEST_STDLIB;
    nltc_status st;
    r.ir = nltc_compile_buffer(name, text, strlen(text), &o, r.a, &st);
    fclose(out);
    r.errors = st.errors;
    r.warnings = st.warnings;
    return r;
}

static result compile(const char *text) {
    return compile_opts("m.nlt", text, (nltc_compile_opts){0});
}

/* A dataset and two L-LUTs that most models below use. */
#define BASE                                                                                       \
    "dataset tiny { train = \"tiny.csv\"; label = 4; inputs = 4; classes = 2 }\n"                  \
    "lut leaf { fanin = 2; hidden = 8 }\n"                                                         \
    "lut pair { fanin = 2; hidden = 8 }\n"

/* A valid model: BASE plus a one-tree model with extra text inside it. */
#define MODEL(extra)                                                                               \
    BASE "model m {\n dataset = tiny\n tree t { levels = leaf -> pair; neurons = 2 }\n" extra      \
         "\n}\n"

/* Asserts that text fails to compile with exactly n errors, one mentioning needle. */
static void expect_error(const char *text, int n, const char *needle) {
    result r = compile(text);
    ck_assert_msg(r.ir == NULL, "compiled, expected an error: %s", needle);
    ck_assert_msg(r.errors == n, "%d errors, expected %d:\n%s", r.errors, n, r.msgs);
    ck_assert_msg(strstr(r.msgs, needle), "no '%s' in:\n%s", needle, r.msgs);
    result_free(&r);
}

static ir_program *expect_ok(result *r) {
    ck_assert_msg(r->ir != NULL, "did not compile:\n%s", r->msgs);
    return r->ir;
}

/* A fresh temporary directory (removed by the test with rm -r). */
static char *temp_dir(void) {
    static char dir[64];
    strcpy(dir, "/tmp/nltc-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void write_file(const char *dir, const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void remove_dir(const char *dir) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The value of property i of top-level block b. */
static const ast_value *prop_value(const ast_file *f, int b, int i) {
    return f->items[b]->u.block.items[i]->u.prop.value;
}

/* ---- Scanner -------------------------------------------------------------------------- */

START_TEST(scan_numbers_and_units) {
    result r = parse("x { v = [1, -2, 0.5, 8e-5, 25 epochs, 10%, 6bits] }");
    ck_assert_int_eq(r.errors, 0);
    const ast_value *l = prop_value(r.ast, 0, 0);
    ck_assert_int_eq(l->kind, AV_LIST);
    ck_assert_int_eq(l->u.list.n, 7);
    ast_value **v = l->u.list.items;
    ck_assert_int_eq(v[0]->kind, AV_INT);
    ck_assert_int_eq(v[0]->u.num.i, 1);
    ck_assert_int_eq(v[1]->u.num.i, -2);
    ck_assert_int_eq(v[2]->kind, AV_REAL);
    ck_assert_double_eq(v[2]->u.num.r, 0.5);
    ck_assert_int_eq(v[3]->kind, AV_REAL);
    ck_assert_double_eq_tol(v[3]->u.num.r, 8e-5, 1e-12);
    ck_assert(v[4]->u.num.unit.present && v[4]->u.num.unit.word.kw == KW_EPOCHS);
    ck_assert(v[5]->u.num.unit.percent);
    ck_assert_double_eq_tol(sv_number(v[5]), 0.1, 1e-12);
    ck_assert(v[6]->u.num.unit.word.kw == KW_BITS);
    ck_assert(!v[0]->u.num.unit.present);
    result_free(&r);
}
END_TEST

START_TEST(scan_strings) {
    result r = parse("x { s = \"a\\\"b\\\\c\\nd\\te\" }");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_str_eq(prop_value(r.ast, 0, 0)->u.str, "a\"b\\c\nd\te");
    result_free(&r);
}
END_TEST

START_TEST(scan_comments_kept) {
    const char *text = "// one\n/* two */ lut x { /* three\n */ fanin = 1 } // four";
    result r = parse(text);
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n_comments, 4);
    src_range c = r.ast->comments[1];
    ck_assert_int_eq(c.begin, 7);
    ck_assert_int_eq(c.end, 16);
    ck_assert_int_eq(strncmp(text + r.ast->comments[2].begin, "/* three", 8), 0);
    ck_assert_int_eq(strncmp(text + r.ast->comments[3].begin, "// four", 7), 0);
    ck_assert_int_eq(r.ast->items[0]->u.block.n, 1);
    result_free(&r);
}
END_TEST

START_TEST(scan_line_ends) {
    /* line ends separate items, not inside [] or (), nor before '{' or '->' */
    result r =
        parse("b {\n a = 1\n c = [1,\n 2]\n d = f(x =\n 1)\n e = p\n -> q\n}\nlut z\n{\n}\n");
    ck_assert_msg(r.errors == 0, "%s", r.msgs);
    ck_assert_int_eq(r.ast->n, 2);
    const ast_item *b = r.ast->items[0];
    ck_assert_int_eq(b->u.block.n, 4);
    ck_assert_int_eq(b->u.block.items[1]->u.prop.value->u.list.n, 2);
    ck_assert_int_eq(b->u.block.items[3]->u.prop.value->kind, AV_CHAIN);
    ck_assert_str_eq(r.ast->items[1]->u.block.name.text, "z");
    result_free(&r);
    /* but two properties on one line need a ';' */
    r = parse("b { a = 1 c = 2 }");
    ck_assert_int_eq(r.errors, 1);
    result_free(&r);
}
END_TEST

START_TEST(scan_keywords) {
    ck_assert_int_eq(kw_lookup("fanin", 5), KW_FANIN);
    ck_assert_int_eq(kw_lookup("fanins", 6), KW_IDENT);
    ck_assert_int_eq(kw_lookup("import", 6), KW_IMPORT);
    ck_assert_str_eq(kw_text(KW_LUT_INPUTS), "lut_inputs");
    ck_assert(kw_roles(KW_IMPORT) & KWR_SYNTAX);
    ck_assert(kw_roles(KW_TRAIN) & KWR_BLOCK);
    ck_assert(kw_roles(KW_TRAIN) & KWR_PROP);
    ck_assert(kw_roles(KW_EPOCHS) & KWR_UNIT);
    ck_assert(!(kw_roles(KW_RELU) & KWR_PROP));
    for (int k = 0; k < KW_COUNT; k++)
        ck_assert_int_eq(kw_lookup(kw_text((kw_id)k), strlen(kw_text((kw_id)k))), k);
    /* words carry their keyword id; non-syntax keywords are usable as names */
    result r = parse("lut tree { skip = linear }");
    ck_assert_int_eq(r.errors, 0);
    const ast_item *b = r.ast->items[0];
    ck_assert_int_eq(b->u.block.kind.kw, KW_LUT);
    ck_assert_int_eq(b->u.block.name.kw, KW_TREE);
    ck_assert_int_eq(b->u.block.items[0]->u.prop.value->u.word.kw, KW_LINEAR);
    result_free(&r);
}
END_TEST

START_TEST(scan_errors) {
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"x { a = 1 @ }", "invalid character '@'"},
        {"x { a = \"abc\n}", "unterminated string"},
        {"x { a = 1 } /* open", "unterminated comment"},
        {"x { a = \"a\\qb\" }", "unknown escape sequence '\\q'"},
        {"x { a = 123456789012345678901234 }", "integer '123456789012345678901234' is too large"},
        {"x { a = 1e999 }", "number '1e999' is too large"},
        {"x { a = \xc3\xa9 }", "non-ASCII text"},
        {"x { a = 1 }\n\xEF\xBB\xBF", "byte-order mark inside the file"},
        {"x { a = \x01 }", "invalid character (byte 0x01)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        result r = parse(cases[i].text);
        ck_assert_msg(r.errors >= 1, "no error for case %zu", i);
        ck_assert_msg(strstr(r.msgs, cases[i].msg), "case %zu: no '%s' in %s", i, cases[i].msg,
                      r.msgs);
        result_free(&r);
    }
    result r = parse("\xEF\xBB\xBFlut x { fanin = 1 }");
    ck_assert_int_eq(r.errors, 0);
    result_free(&r);
}
END_TEST

START_TEST(scan_locations) {
    const char *text = "lut a {\n  fanin = 12\n}";
    result r = parse(text);
    const ast_item *p = r.ast->items[0]->u.block.items[0];
    ck_assert_int_eq(p->u.prop.key.at.begin, 10);
    ck_assert_int_eq(p->u.prop.key.at.end, 15);
    ck_assert_int_eq(p->u.prop.value->at.begin, 18);
    ck_assert_int_eq(p->u.prop.value->at.end, 20);
    int line, col;
    src_line_col(p->u.prop.value->at.file, p->u.prop.value->at.begin, &line, &col);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(col, 11);
    ck_assert_int_eq(r.ast->items[0]->u.block.close.begin, 21);
    result_free(&r);
}
END_TEST

/* ---- Parser ---------------------------------------------------------------------------- */

START_TEST(parse_blocks) {
    result r = parse("import \"std/x.nlt\"\nmodel b extends a {\n tree t { levels = x }\n "
                     "input { bits = 1 }\n}\n");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n, 2);
    ck_assert_int_eq(r.ast->items[0]->kind, AI_IMPORT);
    ck_assert_str_eq(r.ast->items[0]->u.import.path, "std/x.nlt");
    ck_assert_int_eq(r.ast->items[0]->u.import.path_at.begin, 7);
    const ast_item *m = r.ast->items[1];
    ck_assert_int_eq(m->kind, AI_BLOCK);
    ck_assert_str_eq(m->u.block.kind.text, "model");
    ck_assert_str_eq(m->u.block.name.text, "b");
    ck_assert_str_eq(m->u.block.base.text, "a");
    ck_assert_int_eq(m->u.block.n, 2);
    ck_assert_str_eq(m->u.block.items[0]->u.block.name.text, "t");
    ck_assert_ptr_null(m->u.block.items[1]->u.block.name.text);
    ck_assert_ptr_null(m->u.block.items[1]->u.block.base.text);
    result_free(&r);
}
END_TEST

START_TEST(parse_values) {
    result r =
        parse("x { a = f(p = 1, 2, q = g(3),); b = u -> v(w = 1) -> z; c = []; d = [\"s\",]; "
              "e = word }");
    ck_assert_msg(r.errors == 0, "%s", r.msgs);
    const ast_value *f = prop_value(r.ast, 0, 0);
    ck_assert_int_eq(f->kind, AV_CALL);
    ck_assert_int_eq(f->u.call.n, 3);
    ck_assert_str_eq(f->u.call.args[0].name.text, "p");
    ck_assert_ptr_null(f->u.call.args[1].name.text);
    ck_assert_int_eq(f->u.call.args[2].value->kind, AV_CALL);
    ck_assert_ptr_null(sv_arg(f, KW_WD));
    ck_assert_ptr_nonnull(sv_arg(f, KW_IDENT)); /* 'p' is no keyword */
    const ast_value *c = prop_value(r.ast, 0, 1);
    ck_assert_int_eq(c->kind, AV_CHAIN);
    ck_assert_int_eq(c->u.list.n, 3);
    ck_assert_int_eq(c->u.list.items[1]->kind, AV_CALL);
    ck_assert_int_eq(prop_value(r.ast, 0, 2)->u.list.n, 0);
    ck_assert_int_eq(prop_value(r.ast, 0, 3)->u.list.n, 1);
    ck_assert_int_eq(prop_value(r.ast, 0, 4)->kind, AV_WORD);
    result_free(&r);
}
END_TEST

START_TEST(parse_error_messages) {
    result r = parse("lut a {\n fanin = 1\n");
    ck_assert_int_eq(r.errors, 1);
    ck_assert_msg(strstr(r.msgs, "t.nlt:2:11: error: '}' expected (to close 'lut' at line 1), "
                                 "found end of file"),
                  "%s", r.msgs);
    result_free(&r);
    r = parse("lut a { fanin = }");
    ck_assert(strstr(r.msgs, "t.nlt:1:17: error: value expected, found '}'"));
    result_free(&r);
    r = parse("lut a { = 1 }");
    ck_assert(strstr(r.msgs, "property or block expected, found '='"));
    result_free(&r);
    r = parse("lut a extends {}");
    ck_assert(strstr(r.msgs, "word expected, found '{'"));
    result_free(&r);
    r = parse("x {\n a = [1 2]\n}");
    ck_assert(strstr(r.msgs, "word, ']', '%' or ',' expected, found '2'"));
    /* the caret line */
    ck_assert(strstr(r.msgs, "\n a = [1 2]\n        ^\n"));
    result_free(&r);
}
END_TEST

START_TEST(parse_recovery) {
    /* errors in three places are all reported, and the good blocks are kept */
    result r = parse("lut a { fanin = }\nlut b { fanin = 2 }\nlut c { x y }\nlut d { fanin = 3 "
                     "}\nmodel e { f = ( }\n");
    ck_assert_int_eq(r.errors, 3);
    int good = 0;
    for (int i = 0; i < r.ast->n; i++)
        good += r.ast->items[i]->kind == AI_BLOCK && r.ast->items[i]->u.block.name.text &&
                (strcmp(r.ast->items[i]->u.block.name.text, "b") == 0 ||
                 strcmp(r.ast->items[i]->u.block.name.text, "d") == 0);
    ck_assert_int_eq(good, 2);
    result_free(&r);
}
END_TEST

START_TEST(parse_empty) {
    result r = parse("");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n, 0);
    result_free(&r);
    r = parse("// only a comment\n\n;;\n");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n, 0);
    ck_assert_int_eq(r.ast->n_comments, 1);
    result_free(&r);
}
END_TEST

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
                             " optimizer = adam(beta2 = 0.99, weight_decay = 0.01)\n"
                             " stage dense { epochs = 5 epochs; regularize = hw(wd = 8e-5) }\n"
                             " stage sparse { epochs = 50; lr = 0.001; schedule = cosine(restart "
                             "= 10 epochs, mult = 2, lr_min = 1e-5) }\n}"));
    ir_program *p = expect_ok(&r);
    const ir_train *t = &p->train;
    ck_assert_int_eq(t->seed, 7);
    ck_assert_int_eq(t->select, IR_SELECT_LAST);
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
    expect_error(MODEL("connect = 3"), 1, "learned, random or contiguous expected for 'connect'");
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
    ck_assert(strstr(text, "nltc: IR verification: layer t.0: sub-network hidden 0 depth 1"));
    free(text);
    result_free(&r);
}
END_TEST

START_TEST(ir_printer) {
    result r = compile(MODEL("hardware { pipeline = every(2) }"));
    ir_program *p = expect_ok(&r);
    char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    FILE *f = open_memstream(&a, &la);
    ir_print(f, p);
    fclose(f);
    f = open_memstream(&b, &lb);
    ir_print(f, p);
    fclose(f);
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

START_TEST(arena_and_vectors) {
    nltc_arena *a = nltc_arena_new();
    ptr_vec v = {0};
    for (int i = 0; i < 1000; i++)
        ptr_vec_push(a, &v, (void *)(intptr_t)i);
    ck_assert_int_eq(v.n, 1000);
    ck_assert_int_eq((int)(intptr_t)v.v[999], 999);
    char *big = nltc_arena_alloc(a, 1 << 20);
    ck_assert_int_eq(big[(1 << 20) - 1], 0);
    ck_assert_str_eq(nltc_arena_printf(a, "%s-%d", "x", 42), "x-42");
    ck_assert_str_eq(nltc_arena_strndup(a, "abcdef", 3), "abc");
    nltc_arena_free(a);
}
END_TEST

static Suite *lang_suite(void) {
    Suite *s = suite_create("lang");
    struct {
        const char *name;
        const TTest *tests[24];
    } cases[] = {
        {"scanner",
         {scan_numbers_and_units, scan_strings, scan_comments_kept, scan_line_ends, scan_keywords,
          scan_errors, scan_locations}},
        {"parser", {parse_blocks, parse_values, parse_error_messages, parse_recovery, parse_empty}},
        {"lower",
         {lower_defaults, lower_lut_defaults, lower_quantizers, lower_bits, lower_pipeline,
          lower_training_plan, lower_extends, lower_dataset, lower_paths, lower_stdlib_import}},
        {"checks",
         {check_bits_range, check_units, check_types, check_fanin_divisibility, check_width_chain,
          check_table_address, check_lut_cost, check_names, check_structure, check_lut, check_tree,
          check_dataset, check_training, check_hardware, check_imports, check_many_errors}},
        {"ir", {ir_verifier, ir_printer, arena_and_vectors}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 30);
        for (int j = 0; j < 24 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(lang_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
