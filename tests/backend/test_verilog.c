/* test_verilog.c - the Verilog back end: golden RTL, test bench and vectors of the
 * hand-made model, shared and constant tables, and reset styles. Lint and simulation are
 * in test_lint.c and test_rtl.c. Set NLTC_UPDATE_GOLDEN=1 to rewrite the golden files. */
#include "fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path) {
    size_t n;
    rt_error e = {0};
    char *s = (char *)be_read_file(path, &n, &e);
    ck_assert_msg(s != NULL, "%s", e.msg);
    s = xrealloc(s, n + 1);
    s[n] = '\0';
    return s;
}

/* Compares dir/name with the golden copy (or rewrites it when asked). */
static void golden(const char *dir, const char *name, const char *golden_name) {
    char *got_path = rt_path_join(dir, name),
         *want_path = rt_path_join(NLTC_BE_GOLDEN_DIR, golden_name);
    char *got = slurp(got_path);
    const char *upd = getenv("NLTC_UPDATE_GOLDEN");
    if (upd && *upd == '1') {
        FILE *f = fopen(want_path, "w");
        fputs(got, f);
        fclose(f);
    }
    char *want = slurp(want_path);
    if (strcmp(got, want) != 0) {
        size_t i = 0, line = 1;
        while (got[i] && got[i] == want[i])
            line += got[i++] == '\n';
        ck_abort_msg("%s differs from %s at line %zu", got_path, want_path, line);
    }
    free(got), free(want), free(got_path), free(want_path);
}

START_TEST(test_golden_hand) {
    rt_tables t;
    rt_codes c;
    be_plan p;
    fx_hand_tables(&t);
    fx_hand_codes(&c);
    be_plan_default(&t, "hand", IR_PIPE_EVERY_LAYER, 0, &p);
    char *dir = fx_tmpdir("golden");
    be_input in = {&t, &p, &c};
    rt_error e = {0};
    ck_assert_msg(be_emit_verilog(&in, dir, &e) == 0, "%s", e.msg);
    golden(dir, "hand.v", "hand.v");
    golden(dir, "hand_tb.v", "hand_tb.v");
    golden(dir, "vectors.hex", "hand_vectors.hex");
    fx_release(dir, &t, &c, &p);
}
END_TEST

/* Counts occurrences of needle in s. */
static int count(const char *s, const char *needle) {
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(test_shared_and_constant_tables) {
    fx_shape s = {.n_inputs = 6, .input_bits = 1, .n_layers = 2};
    s.width[0] = 4, s.fanin[0] = 2, s.bits[0] = 1;
    s.width[1] = 2, s.fanin[1] = 2, s.bits[1] = 2;
    rt_tables t;
    be_plan p;
    fx_random_tables(&s, 3, &t);
    /* layer 0: L-LUTs 0, 1, 3 share one AND table; L-LUT 2 is constant 1 */
    static const uint16_t and_[4] = {0, 0, 0, 1}, one[4] = {1, 1, 1, 1};
    for (int j = 0; j < 4; j++)
        memcpy(t.layers[0].codes + 4 * j, j == 2 ? one : and_, sizeof and_);
    be_plan_default(&t, "shared", IR_PIPE_NONE, 0, &p);
    p.reset_style = IR_RESET_ASYNC_LOW;
    char *dir = fx_tmpdir("shared");
    be_input in = {&t, &p, NULL};
    rt_error e = {0};
    ck_assert_msg(be_emit_verilog(&in, dir, &e) == 0, "%s", e.msg);
    char *path = rt_path_join(dir, "shared.v");
    char *v = slurp(path);
    /* 2 layer-0 tables + at most 2 layer-1 tables; no test bench without codes */
    ck_assert_int_le(count(v, "\nmodule shared_t"), 4);
    ck_assert_int_eq(count(v, "shared_t0 u0_"), 3);
    ck_assert_ptr_nonnull(strstr(v, "    assign o = 1'd1;"));
    /* no register stage: clock and reset are unread ports, marked for lint */
    ck_assert_ptr_nonnull(strstr(v, "    // verilator lint_off UNUSED\n    input  wire clk,"));
    ck_assert_ptr_nonnull(strstr(v, "assign out_valid = in_valid;"));
    char *tb = rt_path_join(dir, "shared_tb.v");
    FILE *f = fopen(tb, "r");
    ck_assert_ptr_null(f);
    free(tb);
    free(v);
    /* the same model pipelined with an active-low asynchronous reset */
    be_plan_set_pipeline(&p, IR_PIPE_EVERY_LAYER, 0);
    ck_assert_msg(be_emit_verilog(&in, dir, &e) == 0, "%s", e.msg);
    v = slurp(path);
    ck_assert_ptr_nonnull(strstr(v, "always @(posedge clk or negedge rst) begin\n"
                                    "        if (!rst) v0 <= 1'b0;"));
    ck_assert_ptr_nonnull(strstr(v, "assign out_valid = v1;"));
    free(v);
    free(path);
    fx_release(dir, &t, NULL, &p);
}
END_TEST

START_TEST(test_bad_port_names) {
    rt_tables t;
    be_plan p;
    fx_hand_tables(&t);
    be_plan_default(&t, "hand", IR_PIPE_TREES, 0, &p);
    char *dir = fx_tmpdir("ports");
    be_input in = {&t, &p, NULL};
    rt_error e = {0};
    static const char *const bad[] = {"in_data", "r0", "v12", "2clk", "posedge", "a-b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        free(p.clock);
        p.clock = xstrdup(bad[i]);
        ck_assert_int_ne(be_emit_verilog(&in, dir, &e), 0);
        ck_assert_ptr_nonnull(strstr(e.msg, "clock port name"));
    }
    free(p.clock);
    p.clock = xstrdup("rst");
    ck_assert_int_ne(be_emit_verilog(&in, dir, &e), 0);
    ck_assert_str_eq(e.msg, "the clock and reset ports are both named \"rst\"");
    ck_assert_str_eq(e.prop, "hardware.reset");
    free(p.clock);
    p.clock = xstrdup("r0x"); /* not a generated name */
    ck_assert_msg(be_emit_verilog(&in, dir, &e) == 0, "%s", e.msg);
    fx_release(dir, &t, NULL, &p);
}
END_TEST

int main(void) {
    Suite *s = suite_create("backend verilog");
    TCase *tc = tcase_create("verilog");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_golden_hand);
    tcase_add_test(tc, test_shared_and_constant_tables);
    tcase_add_test(tc, test_bad_port_names);
    suite_add_tcase(s, tc);
    return fx_run_suite(s);
}
