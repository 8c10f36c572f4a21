/* test_cli.c - re-verifying an output folder (be_verify_folder, and the exit codes of
 * `nltc verify OUT` run as the built nltc), and the flow steps (be_flow_*) filling the
 * report. The RTL step is left out here (test_rtl.c runs it). */
#include "fixture.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes every back end of the tiny model into a fresh OUT; returns OUT. */
static char *make_out(rt_tables *t, rt_codes *c, be_plan *p) {
    fx_shape s = fx_tiny();
    fx_random_tables(&s, 81, t);
    fx_random_codes(t, 90, 82, c);
    fx_plan(&s, t, "cli", IR_PIPE_TREES, 0, p);
    char *dir = fx_tmpdir("cli");
    be_input in = {t, p, c};
    rt_error e = {0};
    ck_assert_msg(be_emit_all(&in, dir, &e) == 0, "%s", e.msg);
    return dir;
}

/* OUT/report.json as a run ends: the digests of every file of OUT, nothing else. */
static void write_digests(const char *out) {
    rt_artifacts as;
    rt_error e = {0};
    ck_assert_msg(rt_artifacts_scan(out, &as, &e) == RT_OK, "%s", e.msg);
    ck_assert_int_gt(as.n, 5);
    char *path = rt_path_join(out, "report.json");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"artifacts\": {", f);
    for (int i = 0; i < as.n; i++)
        fprintf(f, "%s\"%s\": \"%s\"", i ? ", " : "", as.a[i].path, as.a[i].sha256);
    fputs("}}\n", f);
    fclose(f);
    free(path);
    rt_artifacts_free(&as);
}

/* `nltc verify` with up to three arguments, as the built program; its exit code. */
static int verify(const char *a, const char *b, const char *c) {
    char *argv[6] = {NLTC_BIN, "verify", (char *)a, (char *)b, (char *)c, NULL};
    if (!a) argv[2] = NULL;
    char *log = fx_tmpdir("cli-log");
    char *out = rt_path_join(log, "out.txt");
    int st = be_spawn(argv, NULL, out, out);
    rt_rmtree(log);
    free(out);
    free(log);
    return st;
}

/* be_verify_folder without the RTL step; its status, e filled. */
static rt_status verify_folder(const char *out, be_verify_result *r, rt_error *e) {
    be_verify_opts o;
    be_verify_opts_default(&o);
    o.rtl = false;
    o.quiet = true;
    be_hw h;
    rt_status st = be_verify_folder(out, &o, false, r, &h, e);
    ck_assert_int_eq(h.luts_estimate < 0, st == RT_ERR_IO); /* estimated once read */
    be_hw_free(&h);
    return st;
}

START_TEST(test_verify_folder) {
    rt_tables t;
    rt_codes c;
    be_plan p;
    char *out = make_out(&t, &c, &p);
    be_verify_result r;
    rt_error e = {0};
    ck_assert_msg(verify_folder(out, &r, &e) == RT_OK, "%s", e.msg);
    ck_assert_int_eq(r.samples, 90);
    ck_assert_int_eq(r.mismatches, 0);
    ck_assert_int_eq(verify_folder("/nonexistent/out", &r, &e), RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/out/tables/manifest.txt"));
    ck_assert_int_eq(r.samples, -1);
    /* reference codes that disagree with the tables: a mismatch */
    c.layer[2][5] ^= 1;
    char *codes = rt_path_join(out, "vectors/test.codes");
    ck_assert_msg(be_codes_write(&c, codes, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(verify_folder(out, &r, &e), RT_ERR_MISMATCH);
    ck_assert_int_gt(r.mismatches, 0);
    /* the test-bench vectors of OUT/rtl no longer match the ones regenerated */
    ck_assert_msg(strstr(e.msg, "rtl/vectors.hex:2: differs from the RTL regenerated"), "%s",
                  e.msg);
    ck_assert_int_gt(r.repr[RT_REPR_TABLES].run[0].m.samples, 0);
    /* a damaged table file: an I/O error naming it */
    char *layer = rt_path_join(out, "tables/layer0.bin");
    FILE *f = fopen(layer, "r+b");
    fseek(f, 40, SEEK_SET);
    fputc(0xff, f);
    fclose(f);
    ck_assert_int_eq(verify_folder(out, &r, &e), RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "layer0.bin"));
    free(layer);
    free(codes);
    fx_release(out, &t, &c, &p);
}
END_TEST

/* The exit codes of `nltc verify` that scripts rely on. */
START_TEST(test_verify_command) {
    rt_tables t;
    rt_codes c;
    be_plan p;
    char *out = make_out(&t, &c, &p);
    ck_assert_int_eq(verify(out, "--no-rtl", "--quiet"), 2); /* no report.json: no finished run */
    write_digests(out);
    ck_assert_int_eq(verify(out, "--no-rtl", "--quiet"), 0);
    ck_assert_int_eq(verify(out, "--bogus", NULL), 2); /* usage errors: 2, as everywhere */
    ck_assert_int_eq(verify(NULL, NULL, NULL), 2);
    ck_assert_int_eq(verify(out, "--pipelines", "sometimes"), 2);
    ck_assert_int_eq(verify("/nonexistent/out", NULL, NULL), 2);
    c.layer[2][5] ^= 1;
    char *codes = rt_path_join(out, "vectors/test.codes");
    rt_error e = {0};
    ck_assert_msg(be_codes_write(&c, codes, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(verify(out, "--no-rtl", "--quiet"), 3);
    free(codes);
    fx_release(out, &t, &c, &p);
}
END_TEST

START_TEST(test_flow_fills_report) {
    rt_tables t;
    rt_codes c;
    fx_shape s = fx_tiny();
    fx_random_tables(&s, 91, &t);
    fx_random_codes(&t, 64, 92, &c);
    ir_layer layers[3];
    memset(layers, 0, sizeof layers);
    static const char *names[3] = {"t1.0", "t2.0", "t3.0"};
    for (int l = 0; l < 3; l++) {
        layers[l].name = names[l];
        layers[l].tree = l;
        layers[l].tree_root = true;
        layers[l].reg_after = l != 1;
    }
    ir_program ir = {.model_name = "flow", .n_layers = 3, .layers = layers};
    ir.hw = (ir_hardware){.lut_inputs = 6,
                          .pipeline = IR_PIPE_EVERY_K,
                          .pipeline_k = 1,
                          .stages = 2,
                          .clock = "clk",
                          .reset = "rst"};
    char *out = fx_tmpdir("flow");
    rt_report r;
    rt_report_init(&r);
    be_flow_opts o = {.rtl = false, .synth = true, .quiet = true};
    rt_error e = {0};
    be_flow f;
    /* an output folder that cannot be created: an I/O error */
    be_flow_init(&f, &ir, &t, &c, "/dev/null/out", &o);
    ck_assert_int_eq(be_flow_emit(&f, &r, &e), RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "/dev/null"));
    ck_assert_int_eq(r.verify.samples, -1);
    be_flow_free(&f);
    be_flow_init(&f, &ir, &t, &c, out, &o);
    ck_assert_msg(be_flow_emit(&f, &r, &e) == RT_OK, "%s", e.msg);
    ck_assert_msg(be_flow_estimate(&f, &r, &e) == RT_OK, "%s", e.msg);
    ck_assert_msg(be_flow_verify(&f, &r, &e) == RT_OK, "%s", e.msg);
    ck_assert_msg(be_flow_synth(&f, &r, &e) == RT_OK, "%s", e.msg);
    be_flow_free(&f);
    ck_assert_int_eq(r.verify.samples, 64);
    ck_assert_int_eq(r.verify.mismatches, 0);
    ck_assert_int_eq(r.verify.n_pipelines, 0); /* the RTL step was not asked for */
    ck_assert(isnan(r.accuracy.repr[RT_REPR_RTL]));
    ck_assert(!isnan(r.accuracy.repr[RT_REPR_TABLES]));
    ck_assert(r.accuracy.repr[RT_REPR_CSIM] == r.accuracy.repr[RT_REPR_TABLES]);
    ck_assert_int_eq(r.hardware.pipeline_stages, 2);
    ck_assert_int_eq(r.hardware.latency_cycles, 2);
    ck_assert_int_eq(r.hardware.luts_estimate, 8 * 2 + 4 * 1 + 3 * 3);
    ck_assert(!isnan(r.time_s.emit) && !isnan(r.time_s.verify));
    char *yosys = be_which("yosys");
    if (yosys) {
        ck_assert_int_gt(r.hardware.luts_yosys, 0);
        ck_assert_int_gt(r.hardware.ffs, 0);
        ck_assert_int_ge(r.hardware.lut_levels, 1);
        ck_assert(!isnan(r.time_s.synth));
    } else
        ck_assert_int_eq(r.hardware.luts_yosys, -1);
    free(yosys);
    /* what the flow wrote reads back */
    rt_tables u;
    be_plan p;
    char *tables = rt_path_join(out, "tables");
    ck_assert_msg(be_tables_read(tables, &u, &p, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(be_plan_stages(&p), 2);
    ck_assert(!p.layers[1].reg_after);
    free(tables);
    rt_tables_free(&u);
    be_plan_free(&p);
    /* codes that disagree with the tables: the step fills the report, then says so */
    c.layer[2][7] ^= 1;
    rt_report_init(&r);
    be_flow_init(&f, &ir, &t, &c, out, &o);
    ck_assert_int_eq(be_flow_verify(&f, &r, &e), RT_ERR_MISMATCH);
    ck_assert_int_gt(r.verify.mismatches, 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "mismatching samples"));
    be_flow_free(&f);
    fx_release(out, &t, &c, NULL);
}
END_TEST

START_TEST(test_missing_tools_are_skipped) {
    rt_tables t;
    rt_codes c;
    be_plan p;
    char *out = make_out(&t, &c, &p);
    setenv("NLTC_VERILATOR", "/nonexistent/verilator", 1);
    setenv("CC", "/nonexistent/cc", 1);
    setenv("NLTC_YOSYS", "/nonexistent/yosys", 1);
    be_verify_opts o;
    be_verify_opts_default(&o);
    o.quiet = true;
    be_verify_result r;
    rt_error e = {0};
    ck_assert_msg(be_verify(&t, &p, &c, out, &o, &r, &e) == 0, "%s", e.msg);
    ck_assert(r.repr[RT_REPR_TABLES].run[0].ran);
    ck_assert(!r.repr[RT_REPR_CSIM].run[0].ran);
    ck_assert_ptr_nonnull(strstr(r.repr[RT_REPR_CSIM].run[0].note, "no C compiler"));
    ck_assert(isnan(r.repr[RT_REPR_CSIM].run[0].accuracy));
    ck_assert_int_eq(r.repr[RT_REPR_RTL].n, 1);
    ck_assert(!r.repr[RT_REPR_RTL].run[0].ran);
    ck_assert_str_eq(r.repr[RT_REPR_RTL].run[0].note, "verilator not installed: RTL step skipped");
    ck_assert(isnan(r.repr[RT_REPR_RTL].run[0].accuracy));
    ck_assert_int_eq(r.mismatches, 0);
    be_hw h;
    be_hw_init(&h);
    char *rtl = rt_path_join(out, "rtl/cli.v");
    ck_assert_int_eq(be_synth(rtl, &p, out, &h, &e), 0);
    ck_assert(!h.synthesized);
    ck_assert_str_eq(h.synth_note, "yosys not installed: synthesis skipped");
    ck_assert_int_eq(h.luts_yosys, -1);
    unsetenv("NLTC_VERILATOR");
    unsetenv("CC");
    unsetenv("NLTC_YOSYS");
    free(rtl);
    be_hw_free(&h);
    fx_release(out, &t, &c, &p);
}
END_TEST

int main(void) {
    Suite *s = suite_create("backend command and flow");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_verify_folder);
    tcase_add_test(tc, test_verify_command);
    tcase_add_test(tc, test_flow_fills_report);
    tcase_add_test(tc, test_missing_tools_are_skipped);
    suite_add_tcase(s, tc);
    return fx_run_suite(s);
}
