/* test_report.c - Check tests of runtime/report: report.json round trip and contract keys,
 * the JSON reader's located errors, curve.csv parsing, and the content of report.md,
 * report.html and the plots written from the fixture of fixture.c. */
#include "fixture.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------------ */

/* Captures what a function writes to a FILE. */
typedef struct capture {
    char *buf;  /* text written so far (after capture_end) */
    size_t len; /* its length */
    FILE *f;    /* the stream to write to */
} capture;

static void capture_begin(capture *c) {
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    ck_assert_ptr_nonnull(c->f);
}

static char *capture_end(capture *c) {
    fclose(c->f);
    return c->buf;
}

static char *tmpdir(void) {
    const char *base = getenv("NLTC_TEST_TMP");
    char *t = malloc(4096);
    snprintf(t, 4096, "%s/report-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

static char *slurp(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    char *s = rt_read_file(path, &len, NULL);
    ck_assert_msg(s != NULL, "cannot read %s", path);
    return s;
}

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void write_file(const char *dir, const char *name, const char *text) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* ---- report.json ---------------------------------------------------------------------------- */

START_TEST(json_round_trip) {
    rt_report r;
    fixture_report(&r);
    static const char d1[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    rt_artifacts_add(&r.artifacts, "tables/layer0.bin", d1);
    rt_artifacts_add(&r.artifacts, "csim/a \"b\".c", "");
    rt_artifacts_sort(&r.artifacts);
    capture c;
    capture_begin(&c);
    report_json_print(c.f, &r);
    char *text = capture_end(&c);
    report_doc doc;
    ck_assert_int_eq(report_json_parse(text, strlen(text), "r.json", &doc, NULL), RT_OK);
    const rt_report *b = &doc.r;
    ck_assert_str_eq(b->model, "digits_fixture");
    ck_assert_str_eq(b->dataset, "digits");
    ck_assert_uint_eq(b->seed, 7);
    ck_assert_int_eq(b->n_train, 2873);
    ck_assert_int_eq(b->n_valid, 500);
    ck_assert_int_eq(b->n_test, 1797);
    ck_assert(b->accuracy.flt == r.accuracy.flt);
    ck_assert(b->accuracy.quantized == r.accuracy.quantized);
    ck_assert(b->accuracy.repr[RT_REPR_TABLES] == r.accuracy.repr[RT_REPR_TABLES]);
    ck_assert(b->accuracy.repr[RT_REPR_CSIM] == r.accuracy.repr[RT_REPR_CSIM]);
    ck_assert(b->accuracy.repr[RT_REPR_RTL] == r.accuracy.repr[RT_REPR_RTL]);
    ck_assert(b->validation_accuracy == r.validation_accuracy);
    ck_assert_int_eq(b->best_epoch, 27);
    ck_assert_int_eq(b->llut_count, 230);
    ck_assert_int_eq(b->table_bits, 192000);
    ck_assert(b->time_s.stage1 == 1.25 && b->time_s.stage2 == 14.5);
    ck_assert(b->time_s.tabulate == 0.012 && b->time_s.emit == 0.08);
    ck_assert(b->time_s.verify == 3.4 && b->time_s.synth == 9.75);
    ck_assert(b->train_samples_per_s == 51234.5);
    ck_assert_int_eq(b->verify.samples, 1797);
    ck_assert_int_eq(b->verify.mismatches, 0);
    ck_assert_int_eq(b->verify.n_pipelines, 2);
    ck_assert_str_eq(b->verify.pipelines_checked[1], "trees");
    ck_assert_int_eq(b->hardware.luts_estimate, 3800);
    ck_assert_int_eq(b->hardware.luts_yosys, 3391);
    ck_assert_int_eq(b->hardware.ffs, 120);
    ck_assert_int_eq(b->hardware.lut_levels, 6);
    ck_assert_int_eq(b->hardware.pipeline_stages, 2);
    ck_assert_int_eq(b->hardware.latency_cycles, 2);
    ck_assert_int_eq(b->hardware.n_stage_levels, 2);
    ck_assert_int_eq(b->hardware.stage_levels[0], 4);
    ck_assert_int_eq(b->hardware.stage_levels[1], 2);
    ck_assert_int_eq(b->artifacts.n, 2);
    ck_assert_str_eq(b->artifacts.a[0].path, "csim/a \"b\".c");
    ck_assert_str_eq(b->artifacts.a[0].sha256, "");
    ck_assert_str_eq(rt_artifacts_find(&b->artifacts, "tables/layer0.bin")->sha256, d1);
    ck_assert_ptr_nonnull(strstr(text, "  \"artifacts\": {\n    \"csim/a \\\"b\\\".c\": \"\",\n"));
    rt_artifacts_free(&r.artifacts);
    ck_assert_str_eq(b->build.nltc_version, "0.1.0");
    ck_assert_str_eq(b->build.commit, "0547e53-dirty");
    ck_assert_int_eq(b->build.threads, 4);
    ck_assert_str_eq(b->build.compiler, "gcc 12.2.0");
    ck_assert_str_eq(b->build.cpu_features, "x86-64 sse4.2 avx avx2 fma, 8-float vectors");
    ck_assert_int_eq(b->hardware.luts_xilinx, 3402);
    ck_assert_int_eq(b->hardware.muxf, 12);
    ck_assert(b->hardware.fmax_mhz == 812.5 && b->hardware.latency_ns == 2.5);
    ck_assert(b->hardware.adp == 8505 && b->hardware.timed);
    ck_assert(b->hardware.stage_ns[0] == 1.25 && b->hardware.stage_ns[1] == 0.75);
    ck_assert_str_eq(b->hardware.critical_path, "stage 1: from in_data[3] to l1[0] through 4 LUT");
    ck_assert_str_eq(b->hardware.timing_model, "estimate, not a vendor timing report");
    ck_assert_int_eq(b->hardware.n_layer_luts, 2);
    ck_assert_int_eq(b->hardware.layer_luts[1], 800);
    /* Printing what was read gives the same text. */
    capture_begin(&c);
    report_json_print(c.f, b);
    char *again = capture_end(&c);
    ck_assert_str_eq(again, text);
    free(again);
    report_doc_free(&doc);
    free(text);
}
END_TEST

START_TEST(json_not_measured_is_null) {
    rt_report r;
    rt_report_init(&r);
    r.seed = 18446744073709551615ULL; /* a full 64-bit seed survives */
    capture c;
    capture_begin(&c);
    report_json_print(c.f, &r);
    char *text = capture_end(&c);
    ck_assert_ptr_nonnull(strstr(text, "\"model\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"seed\": 18446744073709551615"));
    ck_assert_ptr_nonnull(strstr(text, "\"rtl\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"luts_yosys\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"stage_ns\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"fmax_mhz\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"pipelines_checked\": []"));
    ck_assert_ptr_nonnull(strstr(text, "\"commit\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"threads\": null"));
    ck_assert_ptr_null(strstr(text, "-1"));
    ck_assert_ptr_null(strstr(text, "nan"));
    report_doc doc;
    ck_assert_int_eq(report_json_parse(text, strlen(text), "r.json", &doc, NULL), RT_OK);
    ck_assert(isnan(doc.r.accuracy.repr[RT_REPR_RTL]) && isnan(doc.r.time_s.synth));
    ck_assert_int_eq(doc.r.hardware.luts_yosys, -1);
    ck_assert_int_eq(doc.r.verify.mismatches, -1);
    ck_assert_int_eq(doc.r.n_test, -1);
    ck_assert_uint_eq(doc.r.seed, 18446744073709551615ULL);
    report_doc_free(&doc);
    free(text);
}
END_TEST

/* Every key of the issue 3 and issue 4 contracts is present, with the right JSON type. */
START_TEST(json_contract_keys) {
    static const char *const keys[] = {"model",
                                       "dataset",
                                       "seed",
                                       "splits.train",
                                       "splits.validation",
                                       "splits.test",
                                       "accuracy.float",
                                       "accuracy.quantized",
                                       "accuracy.table",
                                       "accuracy.csim",
                                       "accuracy.rtl",
                                       "validation_accuracy",
                                       "llut_count",
                                       "table_bits",
                                       "time_s.stage1",
                                       "time_s.stage2",
                                       "time_s.tabulate",
                                       "time_s.emit",
                                       "time_s.verify",
                                       "time_s.synth",
                                       "train_samples_per_s",
                                       "verify.samples",
                                       "verify.mismatches",
                                       "verify.pipelines_checked",
                                       "hardware.luts_estimate",
                                       "hardware.luts_yosys",
                                       "hardware.ffs",
                                       "hardware.lut_levels",
                                       "hardware.pipeline_stages",
                                       "hardware.latency_cycles",
                                       "hardware.stage_lut_levels"};
    rt_report r;
    fixture_report(&r);
    capture c;
    capture_begin(&c);
    report_json_print(c.f, &r);
    char *text = capture_end(&c);
    json_value *root;
    ck_assert_int_eq(json_parse(text, strlen(text), "r.json", &root, NULL), RT_OK);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const json_value *v = json_path(root, keys[i]);
        ck_assert_msg(v != NULL, "key %s missing", keys[i]);
        json_kind want = i < 2 ? JSON_STRING
                         : strcmp(keys[i], "verify.pipelines_checked") == 0 ||
                                 strcmp(keys[i], "hardware.stage_lut_levels") == 0
                             ? JSON_ARRAY
                             : JSON_NUMBER;
        ck_assert_msg(v->kind == want, "key %s has the wrong type", keys[i]);
    }
    ck_assert_str_eq(json_path(root, "accuracy.quantized")->text, "0.9642");
    json_free(root);
    free(text);
}
END_TEST

/* Parses text expecting failure; returns the message (malloc'd). */
static char *parse_error(const char *text) {
    rt_error e = {0};
    json_value *v = (json_value *)1;
    ck_assert_int_eq(json_parse(text, strlen(text), "bad.json", &v, &e), RT_ERR_DATA);
    ck_assert_int_eq(e.status, RT_ERR_DATA);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(json_parse(text, strlen(text), "bad.json", &v, NULL), RT_ERR_DATA);
    return strdup(e.msg);
}

START_TEST(json_errors_are_located) {
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"{\"a\": }", "bad.json:1:7: expected a value"},
        {"{\"a\": 1,\n \"b\" 2}", "bad.json:2:6: expected ':' after member name"},
        {"[1, 2", "bad.json:1:6: expected ',' or ']' (to close '[' opened at byte 1)"},
        {"{\"a\": \"abc", "bad.json:1:7: unterminated string"},
        {"{\"a\": 01}", "bad.json:1:8: expected ',' or '}' (to close '{' opened at byte "
                        "1)"},
        {"{\"a\": 1.}", "bad.json:1:9: expected digits after '.'"},
        {"{\"a\": \"\\q\"}", "bad.json:1:8: unknown escape '\\q'"},
        {"{\"a\": \"\\ud800\"}", "bad.json:1:8: unpaired UTF-16 surrogate in \\u escape"},
        {"{} x", "bad.json:1:4: unexpected text after the JSON value"},
        {"", "bad.json:1:1: unexpected end of input, expected a value"},
        {"nul", "bad.json:1:1: expected a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *msg = parse_error(cases[i].text);
        ck_assert_str_eq(msg, cases[i].msg);
        free(msg);
    }
    char deep[400];
    memset(deep, '[', 200);
    deep[200] = '\0';
    char *msg = parse_error(deep);
    ck_assert_ptr_nonnull(strstr(msg, "nesting deeper than 64 levels"));
    free(msg);
}
END_TEST

START_TEST(json_strings_and_numbers) {
    const char *text = "{\"s\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\n\", \"n\": -1.5e3}";
    json_value *v;
    ck_assert_int_eq(json_parse(text, strlen(text), "s.json", &v, NULL), RT_OK);
    ck_assert_str_eq(json_member(v, "s")->text, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \n");
    ck_assert(json_member(v, "n")->number == -1500);
    capture c;
    capture_begin(&c);
    json_put_string(c.f, json_member(v, "s")->text);
    fputc(' ', c.f);
    json_put_number(c.f, 0.1);
    fputc(' ', c.f);
    json_put_number(c.f, 1.0 / 3);
    fputc(' ', c.f);
    json_put_number(c.f, NAN);
    fputc(' ', c.f);
    json_put_number(c.f, INFINITY);
    fputc(' ', c.f);
    json_put_string(c.f, "\x01");
    char *out = capture_end(&c);
    ck_assert_str_eq(out, "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \\\"q\\\" \\n\" 0.1 "
                          "0.3333333333333333 null null \"\\u0001\"");
    free(out);
    json_free(v);
}
END_TEST

START_TEST(json_type_errors_name_the_key) {
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"{\"accuracy\": {\"float\": \"high\"}}",
         "r.json: key \"accuracy.float\": expected a number or null"},
        {"{\"seed\": -1}", "r.json: key \"seed\": expected a non-negative integer"},
        {"{\"llut_count\": 1.5}",
         "r.json: key \"llut_count\": expected a non-negative integer or null"},
        {"{\"verify\": {\"pipelines_checked\": [1]}}",
         "r.json: key \"verify.pipelines_checked\": expected an array of at most 8 "
         "strings"},
        {"{\"hardware\": {\"stage_lut_levels\": [3, -1]}}",
         "r.json: key \"hardware.stage_lut_levels\": expected null or an array of at "
         "most 64 non-negative integers"},
        {"[1]", "r.json: report.json must hold a JSON object"},
        {"{\"artifacts\": {\"tables/layer0.bin\": \"ABC\"}}",
         "r.json: key \"artifacts\": expected an object of SHA-256 digests (64 lower-case hex "
         "digits)"},
        {"{\"artifacts\": [\"x\"]}",
         "r.json: key \"artifacts\": expected an object of SHA-256 digests (64 lower-case hex "
         "digits)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_error e = {0};
        report_doc doc;
        int rc = report_json_parse(cases[i].text, strlen(cases[i].text), "r.json", &doc, &e);
        ck_assert_int_eq(rc, RT_ERR_DATA);
        ck_assert_str_eq(e.msg, cases[i].msg);
        ck_assert_ptr_null(doc.root);
    }
    /* Absent keys read as not measured; unknown keys are kept. */
    const char *partial = "{\"model\": \"m\", \"extra\": {\"x\": 1}}";
    report_doc doc;
    ck_assert_int_eq(report_json_parse(partial, strlen(partial), "r.json", &doc, NULL), RT_OK);
    ck_assert_str_eq(doc.r.model, "m");
    ck_assert(isnan(doc.r.accuracy.flt));
    ck_assert(json_path(doc.root, "extra.x")->number == 1);
    report_doc_free(&doc);
}
END_TEST

START_TEST(json_write_is_atomic) {
    char *dir = tmpdir();
    char path[4096];
    rt_report r;
    fixture_report(&r);
    snprintf(path, sizeof path, "%s/report.json", dir);
    ck_assert_int_eq(report_json_write(&r, path, NULL), RT_OK);
    report_doc doc;
    ck_assert_int_eq(report_json_read(path, &doc, NULL), RT_OK);
    ck_assert_int_eq(doc.r.hardware.luts_yosys, 3391);
    report_doc_free(&doc);
    snprintf(path, sizeof path, "%s/missing/report.json", dir);
    rt_error e = {0};
    ck_assert_int_eq(report_json_write(&r, path, &e), RT_ERR_IO);
    ck_assert_int_eq(e.status, RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "missing/report.json.tmp."));
    ck_assert_ptr_nonnull(strstr(e.msg, ": cannot write: No such file or directory"));
    ck_assert_ptr_null(strstr(e.msg, "error:"));
    ck_assert_int_eq(report_json_read(path, &doc, &e), RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "missing/report.json: cannot read: "));
    ck_assert_ptr_null(doc.root);
    free(dir);
}
END_TEST

/* ---- curve.csv ------------------------------------------------------------------------------- */

START_TEST(curve_parses_by_column_name) {
    const char *text = "epoch,stage,loss,train_acc,valid_acc,lr,seconds,samples_per_s,extra\n"
                       "1,dense,2.5,0.5,0.4,0.002,1.5,1000,x\n"
                       "2,dense,2.0,0.6,,0.002,1.5,1100,x\n"
                       "\n"
                       "1,sparse,1.0,0.8,nan,0.001,2.0,3000,x\r\n";
    report_curve c;
    ck_assert_int_eq(report_curve_parse(text, strlen(text), "c.csv", &c, NULL), RT_OK);
    ck_assert_int_eq(c.n, 3);
    ck_assert_str_eq(c.rows[0].stage, "dense");
    ck_assert_int_eq(c.rows[1].epoch, 2);
    ck_assert(c.rows[1].loss == 2.0 && isnan(c.rows[1].valid_acc));
    ck_assert(isnan(c.rows[2].valid_acc) && c.rows[2].samples_per_s == 3000);
    double x[3];
    report_curve_epochs(&c, x);
    ck_assert(x[0] == 1 && x[1] == 2 && x[2] == 3);
    report_curve_free(&c);
}
END_TEST

START_TEST(curve_errors_are_located) {
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\n"
         "dense,1,0.5,0.5,0.5,0.1,1,1\ndense,2,abc,0.5,0.5,0.1,1,1\n",
         "c.csv:3:3: loss must be a number, got \"abc\""},
        {"stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\ndense,1,0.5\n",
         "c.csv:2: 3 cells, the header has 8"},
        {"stage,epoch,loss,valid_acc,lr,seconds,samples_per_s\n",
         "c.csv:1: header has no column \"train_acc\""},
        {"stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\n"
         "dense,1.5,0.5,0.5,0.5,0.1,1,1\n",
         "c.csv:2:2: epoch must be a non-negative integer, got \"1.5\""},
        {"", "c.csv: empty file, expected a header line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_error e = {0};
        report_curve c;
        int rc = report_curve_parse(cases[i].text, strlen(cases[i].text), "c.csv", &c, &e);
        ck_assert_int_eq(rc, RT_ERR_DATA);
        ck_assert_str_eq(e.msg, cases[i].msg);
        ck_assert_int_eq(c.n, 0);
    }
}
END_TEST

START_TEST(curve_read_missing_and_unreadable) {
    char *dir = tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/none.csv", dir);
    report_curve c;
    bool missing = false;
    rt_error e = {0};
    ck_assert_int_eq(report_curve_read(path, &c, &missing, &e), RT_OK);
    ck_assert(missing);
    ck_assert_int_eq(c.n, 0);
    ck_assert_int_eq(report_curve_read(dir, &c, &missing, &e), RT_ERR_IO); /* a folder */
    ck_assert(!missing);
    snprintf(path, sizeof path, "%s: cannot read: ", dir);
    ck_assert_ptr_eq(strstr(e.msg, path), e.msg);
    write_file(dir, "ok.csv",
               "stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\n"
               "dense,1,0.5,0.5,0.5,0.1,1,1\n");
    snprintf(path, sizeof path, "%s/ok.csv", dir);
    ck_assert_int_eq(report_curve_read(path, &c, NULL, NULL), RT_OK);
    ck_assert_int_eq(c.n, 1);
    report_curve_free(&c);
    free(dir);
}
END_TEST

/* ---- Documents ------------------------------------------------------------------------------- */

START_TEST(docs_content) {
    char *dir = tmpdir();
    ck_assert_int_eq(fixture_curve(dir), 0);
    rt_report r;
    fixture_report(&r);
    report_input in = {&r, fixture_ir(), dir, NULL};
    ck_assert_int_eq(report_write_docs(&in, NULL), RT_OK);
    char *md = slurp(dir, "report.md"), *html = slurp(dir, "report.html");
    /* Accuracy at every stage, hardware cost, times. */
    ck_assert_ptr_nonnull(strstr(md, "# nltc report: digits_fixture\n"));
    ck_assert_ptr_nonnull(strstr(md, "| float model | 97.11% | +0.69 pp |"));
    ck_assert_ptr_nonnull(strstr(md, "| quantized model | 96.42% |  |"));
    ck_assert_ptr_nonnull(strstr(md, "| RTL (Verilator) | 96.42% | +0.00 pp |"));
    ck_assert_ptr_nonnull(strstr(md, "validation accuracy 97.40% (epoch 27)"));
    ck_assert_ptr_nonnull(strstr(md, "| LUTs, Yosys | 3,391 |"));
    ck_assert_ptr_nonnull(strstr(md, "| latency (cycles) | 2 |"));
    ck_assert_ptr_nonnull(strstr(md, "Analytic estimate, per output bit of a table"));
    ck_assert_ptr_nonnull(strstr(md, "| pipelines checked in RTL | none, trees |"));
    ck_assert_ptr_nonnull(strstr(md, "| tabulate | 12 ms |"));
    ck_assert_ptr_nonnull(strstr(md, "| total | 29.0 s |"));
    ck_assert_ptr_nonnull(strstr(md, "51,235 samples/s"));
    /* Per-layer L-LUT counts and table sizes from the IR. */
    ck_assert_ptr_nonnull(strstr(md, "| t1.0 | 64 | 120 | 3 | 2->2 | identity | learned | 6 | 64 "
                                     "| 15,360 | 240 |  |"));
    ck_assert_ptr_nonnull(strstr(md, "| t2.1 | 60 | 10 | 6 | 2->4 | identity | contiguous | 12 | "
                                     "4,096 | 163,840 | 3,400 | yes |"));
    ck_assert_ptr_nonnull(strstr(md, "| total |  | 230 |  |  |  |  |  |  | 192,000 | 3,840 |  |"));
    ck_assert_ptr_nonnull(strstr(md, "| sparse | 30 | 64 | 0.002 | AdamW | cosine to 1e-05, "
                                     "restart every 10 epochs (x2) |  |"));
    /* Training summary from curve.csv. */
    ck_assert_ptr_nonnull(strstr(md, "| dense | 5 | 0.3475 | 88.00% | 5 |  | 11,300 |"));
    ck_assert_ptr_nonnull(strstr(md, "| sparse | 30 | 0.1405 | 97.40% | 27 | 27 | 50,775 |"));
    /* Results per class: recall 178/180, precision 178/(178 + 6 from class seven). */
    ck_assert_ptr_nonnull(strstr(md, "| zero | 180 | 184 | 178 | 98.89% | 96.74% |"));
    ck_assert_ptr_nonnull(strstr(md, "| nine | 179 | 170 | 167 | 93.30% | 98.24% |"));
    ck_assert_ptr_nonnull(strstr(md, "1,733 of 1,797 test samples correct (96.44%)"));
    ck_assert_ptr_nonnull(strstr(md, "| eight | 0 | 14 | 0 | 0 | 0 | 0 | 0 | 0 | 165 | 0 |"));
    ck_assert_ptr_nonnull(strstr(md, "![confusion matrix of the test split](plots/confusion.svg)"));
    ck_assert_int_eq(count(html, "true \\ predicted"), 0); /* the page shows the heat map */
    /* Plots: linked from the Markdown, inline in the HTML, nothing external. */
    ck_assert_ptr_nonnull(strstr(md, "![training loss per epoch](plots/loss.svg)"));
    ck_assert_ptr_nonnull(strstr(md, "![validation accuracy per epoch](plots/valid_acc.svg)"));
    ck_assert_ptr_nonnull(strstr(md, "![LUTs per layer](plots/luts.svg)"));
    ck_assert_int_eq(count(html, "<svg "), 6); /* + confusion, recall, stages */
    char *conf = slurp(dir, "plots/confusion.svg");
    ck_assert_int_eq(count(conf, "<rect x="), 100);
    ck_assert_ptr_nonnull(strstr(conf, "<title>true 8, predicted 1: 14</title>"));
    ck_assert_ptr_nonnull(strstr(conf, ">eight</text>"));
    free(conf);
    ck_assert_int_eq(count(html, "<script"), 0);
    ck_assert_int_eq(count(html, "src="), 0);
    ck_assert_int_eq(count(html, "href="), 0);
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"n\">3,400</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<div class=\"v\">96.42%</div>"));
    char *loss = slurp(dir, "plots/loss.svg"), *vacc = slurp(dir, "plots/valid_acc.svg");
    char *luts = slurp(dir, "plots/luts.svg");
    ck_assert_ptr_nonnull(strstr(html, loss)); /* the same SVG inline and as a file */
    /* One polyline per stage with a point per epoch (5 + 30 markers). */
    ck_assert_int_eq(count(loss, "<path "), 2);
    ck_assert_int_eq(count(loss, "<circle "), 35);
    ck_assert_ptr_nonnull(strstr(loss, ">dense</text>"));
    ck_assert_ptr_nonnull(strstr(loss, ">sparse</text>"));
    ck_assert_ptr_nonnull(strstr(vacc, ">100%</text>"));
    ck_assert_ptr_nonnull(strstr(vacc, ">50%</text>"));
    /* Bars: one per layer, labelled with the layer's LUTs. */
    ck_assert_int_eq(count(luts, "<rect x="), 4 + 1); /* + the plot frame */
    ck_assert_ptr_nonnull(strstr(luts, ">3400</text>"));
    ck_assert_ptr_nonnull(strstr(luts, ">t2.1</text>"));
    char *stages = slurp(dir, "plots/stages.svg"); /* the estimated delay per stage */
    ck_assert_ptr_nonnull(strstr(stages, ">1.25</text>"));
    ck_assert_ptr_nonnull(strstr(stages, ">stage 2</text>"));
    free(stages);
    /* Same inputs, same documents (no clock in the output). */
    ck_assert_int_eq(report_write_docs(&in, NULL), RT_OK);
    char *md2 = slurp(dir, "report.md");
    ck_assert_str_eq(md, md2);
    free(md2);
    free(loss);
    free(vacc);
    free(luts);
    free(md);
    free(html);
    free(dir);
}
END_TEST

/* Codes of n samples with one layer (the last) of `width` outputs, no real inputs. */
static rt_codes last_layer_codes(int n, uint16_t **layer, int *width, uint16_t *in, int *labels) {
    rt_codes c = {.n_samples = n,
                  .n_inputs = 1,
                  .n_layers = 1,
                  .widths = width,
                  .input = in,
                  .layer = layer,
                  .labels = labels};
    return c;
}

/* report.json's text of r (malloc'd). */
static char *json_text(const rt_report *r) {
    capture cap;
    capture_begin(&cap);
    report_json_print(cap.f, r);
    return capture_end(&cap);
}

/* The confusion matrix from codes: argmax of the last layer (the first of equal codes). */
START_TEST(classes_from_codes) {
    uint16_t in[6] = {0}, last[6 * 3] = {
                              3, 1, 0, /* -> 0 */
                              2, 2, 1, /* tie -> 0 */
                              0, 5, 4, /* -> 1 */
                              1, 1, 7, /* -> 2 */
                              0, 3, 3, /* tie -> 1 */
                              4, 0, 0, /* -> 0 */
                          };
    uint16_t *layers[1] = {last};
    int widths[1] = {3}, labels[6] = {0, 1, 1, 2, 2, 0};
    rt_codes c = last_layer_codes(6, layers, widths, in, labels);
    rt_report r;
    rt_report_init(&r);
    const char *names[3] = {"a", "b", "c"};
    ck_assert(report_classes_fill(&r, &c, 3, names));
    long want[9] = {2, 0, 0, 1, 1, 0, 0, 1, 1}, sum = 0;
    for (int i = 0; i < 9; i++) {
        ck_assert_int_eq(r.classes.confusion[i], want[i]);
        sum += r.classes.confusion[i];
    }
    ck_assert_int_eq(sum, 6); /* every test sample once */
    ck_assert_double_eq(report_class_recall(&r, 0), 1.0);
    ck_assert_double_eq(report_class_recall(&r, 1), 0.5);
    ck_assert_double_eq(report_class_precision(&r, 0), 2.0 / 3.0);
    ck_assert_double_eq(report_class_precision(&r, 2), 1.0);
    /* report.json round trip of the per-class keys */
    char *json = json_text(&r);
    ck_assert_ptr_nonnull(strstr(json, "\"names\": [\"a\", \"b\", \"c\"], \"confusion\": [\n    "
                                       "[2, 0, 0],\n    [1, 1, 0],\n    [0, 1, 1]\n  ], "
                                       "\"recall\": [1, 0.5, 0.5]"));
    report_doc doc;
    ck_assert_int_eq(report_json_parse(json, strlen(json), "r.json", &doc, NULL), RT_OK);
    ck_assert_int_eq(doc.r.classes.n, 3);
    ck_assert_str_eq(doc.r.classes.names[2], "c");
    ck_assert_int_eq(doc.r.classes.confusion[7], 1);
    report_doc_free(&doc);
    free(json);
    /* a matrix that is not square is refused, naming the key */
    const char *bad = "{\"classes\": {\"confusion\": [[1, 2], [3]]}}";
    rt_error e = {0};
    ck_assert_int_eq(report_json_parse(bad, strlen(bad), "b.json", &doc, &e), RT_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(e.msg, "b.json: key \"classes.confusion\""));
    /* a last layer without one output per class: not measured */
    ck_assert(!report_classes_fill(&r, &c, 4, NULL));
    ck_assert_int_eq(r.classes.n, 0);
    report_classes_free(&r);
}
END_TEST

/* A group-sum head of 2 classes x 4 outputs in 2 members: each member's accuracy alone
 * from its half of every group, in report.json (null when not measured) and report.md. */
START_TEST(members_from_codes) {
    /* outputs per sample: class 0's group (members 0, 0, 1, 1), then class 1's */
    uint16_t last[3 * 8] = {
        1, 1, 0, 0, 0, 0, 1, 1, /* member 1 says 0, member 2 says 1; label 0 */
        1, 0, 1, 1, 0, 1, 0, 0, /* member 1 ties (0 wins), member 2 says 0; label 1 */
        0, 0, 1, 0, 1, 1, 0, 1, /* member 1 says 1, member 2 ties (0); label 1 */
    };
    uint16_t in[3] = {0};
    uint16_t *layers[1] = {last};
    int widths[1] = {8}, labels[3] = {0, 1, 1};
    rt_codes c = last_layer_codes(3, layers, widths, in, labels);
    rt_report r;
    rt_report_init(&r);
    ck_assert(!report_members_fill(&r, &c, 2, 4, 1)); /* one member: nothing to say */
    ck_assert(!report_members_fill(&r, &c, 2, 4, 3)); /* 3 does not divide 4 */
    ck_assert(!report_members_fill(&r, &c, 2, 3, 2)); /* not classes x G wide */
    ck_assert_int_eq(r.members.n, 0);
    char *json = json_text(&r);
    ck_assert_ptr_nonnull(strstr(json, "\"members\": null"));
    free(json);
    ck_assert(report_members_fill(&r, &c, 2, 4, 2));
    ck_assert_int_eq(r.members.n, 2);
    ck_assert_double_eq(r.members.test[0], 2.0 / 3.0); /* samples 1 and 3 */
    ck_assert_double_eq(r.members.test[1], 0.0);
    json = json_text(&r);
    ck_assert_msg(strstr(json, "\"rtl\": null, \"members\": [0.6666666666666666, 0]}"), "%s",
                  json); /* the shortest text that reads back the same double */
    report_doc doc;
    ck_assert_int_eq(report_json_parse(json, strlen(json), "r.json", &doc, NULL), RT_OK);
    ck_assert_int_eq(doc.r.members.n, 2);
    ck_assert_double_eq_tol(doc.r.members.test[0], 2.0 / 3.0, 1e-12);
    report_doc_free(&doc);
    free(json);
    const char *bad = "{\"accuracy\": {\"members\": [0.5, \"x\"]}}";
    rt_error e = {0};
    ck_assert_int_eq(report_json_parse(bad, strlen(bad), "b.json", &doc, &e), RT_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(e.msg, "b.json: key \"accuracy.members\""));
    /* report.md gives each member's row */
    char *dir = tmpdir();
    ck_assert_int_eq(fixture_curve(dir), 0);
    r.accuracy.quantized = 0.5;
    report_input rin = {&r, fixture_ir(), dir, NULL};
    ck_assert_int_eq(report_write_docs(&rin, NULL), RT_OK);
    char *md = slurp(dir, "report.md");
    ck_assert_msg(strstr(md, "| member 1 of 2 alone | 66.67% | +16.67 pp |"), "%s", md);
    free(md);
    rt_rmtree(dir);
    free(dir);
    report_classes_free(&r);
    ck_assert_int_eq(r.members.n, 0);
}
END_TEST

START_TEST(docs_back_end_layer_luts) {
    char *dir = tmpdir();
    rt_report r;
    fixture_report(&r);
    const long per_layer[4] = {111, 22, 33, 4444};
    report_input in = {&r, fixture_ir(), dir, per_layer};
    ck_assert_int_eq(report_write_docs(&in, NULL), RT_OK);
    char *md = slurp(dir, "report.md"), *luts = slurp(dir, "plots/luts.svg");
    ck_assert_ptr_nonnull(strstr(md, "| 163,840 | 4,444 | yes |"));
    ck_assert_ptr_nonnull(strstr(md, "| 192,000 | 4,610 |  |"));
    ck_assert_ptr_nonnull(strstr(md, "the back end's figures"));
    ck_assert_ptr_nonnull(strstr(luts, ">4444</text>"));
    /* No curve.csv: a note instead of the training plots. */
    ck_assert_ptr_nonnull(strstr(md, "No training curve: "));
    ck_assert_ptr_null(strstr(md, "plots/loss.svg"));
    free(md);
    free(luts);
    free(dir);
}
END_TEST

START_TEST(docs_bad_curve_and_no_ir) {
    char *dir = tmpdir();
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/train", dir);
    ck_assert_int_eq(fixture_mkdirs(sub), 0);
    write_file(dir, "train/curve.csv",
               "stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\n"
               "dense,1,0.5,0.5,0.5,0.1,1,1\ndense,2,0.4,oops,0.5,0.1,1,1\n");
    rt_report r;
    rt_report_init(&r);
    r.model = "m";
    report_input in = {&r, NULL, dir, NULL};
    rt_error e = {0};
    ck_assert_int_eq(report_write_docs(&in, &e), RT_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(e.msg, "train/curve.csv:3:4: train_acc must be a number"));
    char *md = slurp(dir, "report.md");
    ck_assert_ptr_nonnull(strstr(md, "could not be read: "));
    ck_assert_ptr_nonnull(strstr(md, "train_acc must be a number"));
    ck_assert_ptr_null(strstr(md, "## Model"));
    ck_assert_ptr_null(strstr(md, "LUTs per layer"));
    ck_assert_ptr_nonnull(strstr(md, "| RTL (Verilator) | not run |  |"));
    ck_assert_ptr_nonnull(strstr(md, "| LUTs, Yosys | n/a |"));
    free(md);
    free(dir);
}
END_TEST

START_TEST(svg_empty_and_escaped) {
    report_series s = {.name = "a<b", .n = 2, .x = (double[]){1, 2}, .y = (double[]){NAN, NAN}};
    report_line_plot p = {"T & U", "x", "y", false, 1, &s};
    capture c;
    capture_begin(&c);
    report_svg_lines(c.f, &p);
    char *svg = capture_end(&c);
    ck_assert_ptr_nonnull(strstr(svg, ">no data</text>"));
    ck_assert_ptr_nonnull(strstr(svg, "T &amp; U"));
    ck_assert_ptr_null(strstr(svg, "T & U"));
    free(svg);
    report_bar_plot b = {"B", "x", "y", 0, NULL, NULL};
    capture_begin(&c);
    report_svg_bars(c.f, &b);
    svg = capture_end(&c);
    ck_assert_ptr_nonnull(strstr(svg, ">no data</text>"));
    free(svg);
}
END_TEST

static Suite *report_suite(void) {
    Suite *s = suite_create("report");
    TCase *t = tcase_create("json");
    tcase_add_test(t, json_round_trip);
    tcase_add_test(t, json_not_measured_is_null);
    tcase_add_test(t, json_contract_keys);
    tcase_add_test(t, json_errors_are_located);
    tcase_add_test(t, json_strings_and_numbers);
    tcase_add_test(t, json_type_errors_name_the_key);
    tcase_add_test(t, json_write_is_atomic);
    suite_add_tcase(s, t);
    t = tcase_create("curve");
    tcase_add_test(t, curve_parses_by_column_name);
    tcase_add_test(t, curve_errors_are_located);
    tcase_add_test(t, curve_read_missing_and_unreadable);
    suite_add_tcase(s, t);
    t = tcase_create("docs");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, docs_content);
    tcase_add_test(t, classes_from_codes);
    tcase_add_test(t, members_from_codes);
    tcase_add_test(t, docs_back_end_layer_luts);
    tcase_add_test(t, docs_bad_curve_and_no_ir);
    tcase_add_test(t, svg_empty_and_escaped);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(report_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
