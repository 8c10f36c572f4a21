/* test_lint.c - `verilator --lint-only -Wall` is clean on the RTL and the test bench of
 * several models under every pipelining strategy and reset style. Skipped (exit 77) when
 * Verilator is not installed. */
#include "fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *verilator;

/* Lints dir/<ident>.v (and the test bench with --timing); fails with the log. */
static void lint(const char *dir, const char *ident, bool tb) {
    char rtl[512], bench[512], log[512];
    snprintf(rtl, sizeof rtl, "%s/%s.v", dir, ident);
    snprintf(bench, sizeof bench, "%s/%s_tb.v", dir, ident);
    snprintf(log, sizeof log, "%s/lint.log", dir);
    remove(log);
    char *a1[] = {verilator, "--lint-only", "-Wall", rtl, NULL};
    char *a2[] = {verilator, "--lint-only", "-Wall", "--timing", bench, rtl, NULL};
    int st = be_spawn(tb ? a2 : a1, NULL, log, log);
    size_t n = 0;
    rt_error e;
    char *text = (char *)be_read_file(log, &n, &e);
    if (st != 0 || n != 0)
        ck_abort_msg("lint of %s%s: exit %d: %.*s", rtl, tb ? " + test bench" : "", st,
                     (int)(n > 1500 ? 1500 : n), text ? text : "");
    free(text);
}

static void lint_shape(const fx_shape *s, const char *model, uint64_t seed) {
    rt_tables t;
    rt_codes c;
    be_plan p;
    fx_random_tables(s, seed, &t);
    fx_random_codes(&t, 20, seed, &c);
    static const ir_pipeline pipes[4] = {IR_PIPE_NONE, IR_PIPE_EVERY_LAYER, IR_PIPE_TREES,
                                         IR_PIPE_EVERY_K};
    char *dir = fx_tmpdir("lint");
    for (int i = 0; i < 4; i++)
        for (int r = 0; r < 4; r++) {
            fx_plan(s, &t, model, pipes[i], 2, &p);
            p.reset_style = (ir_reset)r;
            be_input in = {&t, &p, &c};
            rt_error e = {0};
            ck_assert_msg(be_emit_verilog(&in, dir, &e) == 0, "%s", e.msg);
            lint(dir, p.ident, false);
            if (r == 0) lint(dir, p.ident, true);
            be_plan_free(&p);
        }
    fx_release(dir, &t, &c, NULL);
}

START_TEST(test_lint_tiny) {
    fx_shape s = fx_tiny(); /* leaves some inputs unread */
    lint_shape(&s, "tiny", 1);
}
END_TEST

START_TEST(test_lint_trees) {
    fx_shape s = fx_trees();
    lint_shape(&s, "trees", 2);
}
END_TEST

START_TEST(test_lint_hand_and_constant) {
    rt_tables t;
    rt_codes c;
    be_plan p;
    fx_hand_tables(&t);
    fx_hand_codes(&c);
    for (int r = 0; r < 4; r++)
        t.layers[0].codes[4 + r] = 1; /* a constant table */
    be_lookup(&t, c.n_samples, c.input, c.layer);
    be_plan_default(&t, "hand", IR_PIPE_NONE, 0, &p);
    char *dir = fx_tmpdir("lint");
    be_input in = {&t, &p, &c};
    rt_error e = {0};
    ck_assert_msg(be_emit_verilog(&in, dir, &e) == 0, "%s", e.msg);
    lint(dir, "hand", false);
    lint(dir, "hand", true);
    fx_release(dir, &t, &c, &p);
}
END_TEST

/* Issue 20: models named like keywords or names of the generated code give RTL and a
 * test bench that lint clean under their renamed identifiers. */
START_TEST(test_lint_reserved_names) {
    static const char *names[][2] = {{"table", "table_m"},         {"logic", "logic_m"},
                                     {"endmodule", "endmodule_m"}, {"clk", "clk_m"},
                                     {"in_data", "in_data_m"},     {"dut", "dut_m"}};
    fx_shape s = fx_tiny();
    rt_tables t;
    rt_codes c;
    fx_random_tables(&s, 5, &t);
    fx_random_codes(&t, 10, 5, &c);
    char *dir = fx_tmpdir("lint");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        be_plan p;
        fx_plan(&s, &t, names[i][0], IR_PIPE_EVERY_LAYER, 0, &p);
        ck_assert_str_eq(p.ident, names[i][1]);
        be_input in = {&t, &p, &c};
        rt_error e = {0};
        ck_assert_msg(be_emit_verilog(&in, dir, &e) == 0, "%s", e.msg);
        lint(dir, p.ident, true);
        be_plan_free(&p);
    }
    fx_release(dir, &t, &c, NULL);
}
END_TEST

int main(void) {
    const char *env = getenv("NLTC_VERILATOR");
    verilator = be_which(env && *env ? env : "verilator");
    if (!verilator) {
        puts("test_be_lint: verilator not installed: skipped");
        return FX_SKIP;
    }
    Suite *s = suite_create("backend lint");
    TCase *tc = tcase_create("lint");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lint_tiny);
    tcase_add_test(tc, test_lint_trees);
    tcase_add_test(tc, test_lint_hand_and_constant);
    tcase_add_test(tc, test_lint_reserved_names);
    suite_add_tcase(s, tc);
    int rc = fx_run_suite(s);
    free(verilator);
    return rc;
}
