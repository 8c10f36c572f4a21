/* test_check.c - the back ends' checks before training (be_check_model: Verilog port
 * names, manifest words), the representation table, module names from be_ident, and the
 * templates of generated files. */
#include "fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A three-layer IR with the given clock and reset (NULL: the defaults). */
static ir_program make_ir(ir_layer *layers, const char *clock, const char *reset) {
    static const char *names[3] = {"t1.0", "t2.0", "t3.0"};
    memset(layers, 0, 3 * sizeof *layers);
    for (int l = 0; l < 3; l++) {
        layers[l].name = names[l];
        layers[l].tree = l;
        layers[l].tree_root = true;
    }
    ir_program ir = {.model_name = "chk", .n_layers = 3, .layers = layers};
    ir.hw = (ir_hardware){.lut_inputs = 6, .clock = clock, .reset = reset};
    return ir;
}

/* be_check_model's status for a clock and reset, with e filled. */
static rt_status check(const char *clock, const char *reset, rt_error *e) {
    ir_layer layers[3];
    ir_program ir = make_ir(layers, clock, reset);
    memset(e, 0, sizeof *e);
    return be_check_model(&ir, e);
}

START_TEST(test_clock_keyword_refused) {
    rt_error e;
    ck_assert_int_eq(check("module", NULL, &e), RT_ERR_MODEL);
    ck_assert_int_eq(e.status, RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.clock");
    ck_assert_str_eq(e.msg, "clock port name \"module\" is a Verilog keyword");
    ck_assert_int_eq(check("clk", "always", &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.reset");
    ck_assert_str_eq(e.msg, "reset port name \"always\" is a Verilog keyword");
}
END_TEST

/* dont_care(errors = E > 0) is refused, at hardware.reduce, without a group-sum head, with
 * last-layer addresses over 8 bits, and with fill = abc; accepted where it applies. So is
 * dont_care(changes = C > 0) with fill = abc. */
START_TEST(test_reduce_errors) {
    ir_layer layers[3];
    ir_program ir = make_ir(layers, NULL, NULL);
    for (int l = 0; l < 3; l++)
        layers[l].fanin = 6, layers[l].bits_in = 1;
    ir.hw.reduce_rarity = 1;
    ir.hw.reduce_errors = 0.01;
    rt_error e = {0};
    ck_assert_int_eq(be_check_model(&ir, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.reduce");
    ck_assert_ptr_nonnull(strstr(e.msg, "group_sum"));
    ir.head = IR_HEAD_GROUP_SUM;
    ir.head_group = 4;
    ck_assert_msg(be_check_model(&ir, &e) == RT_OK, "%s", e.msg);
    layers[2].bits_in = 2;
    ck_assert_int_eq(be_check_model(&ir, &e), RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(e.msg, "not 12"));
    layers[2].bits_in = 1;
    ir.hw.reduce_fill = IR_RFILL_ABC;
    setenv("NLTC_YOSYS_ABC", "/bin/true", 1); /* the abc check passes; ours refuses */
    ck_assert_int_eq(be_check_model(&ir, &e), RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(e.msg, "fill = abc"));
    ir.hw.reduce_errors = 0;
    ck_assert_int_eq(be_check_model(&ir, &e), RT_OK);
    ir.hw.reduce_changes = 0.001; /* the budget is the support reduction's: not with abc */
    ck_assert_int_eq(be_check_model(&ir, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.reduce");
    ck_assert_ptr_nonnull(strstr(e.msg, "changes = 0.001"));
    ir.hw.reduce_fill = IR_RFILL_SUPPORT;
    ck_assert_int_eq(be_check_model(&ir, &e), RT_OK);
    unsetenv("NLTC_YOSYS_ABC");
}
END_TEST

START_TEST(test_port_names) {
    rt_error e;
    ck_assert_int_eq(check(NULL, NULL, &e), RT_OK);
    ck_assert_int_eq(check("sys_clk", "rst_n", &e), RT_OK);
    ck_assert_int_eq(check("l2x", "u3", &e), RT_OK); /* not a design name: no digits only */
    ck_assert_int_eq(check("3clk", NULL, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.clock");
    ck_assert_ptr_nonnull(strstr(e.msg, "is not a Verilog identifier"));
    ck_assert_int_eq(check("clk-a", NULL, &e), RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(e.msg, "is not a Verilog identifier"));
    ck_assert_int_eq(check("clk", "in_data", &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.reset");
    ck_assert_ptr_nonnull(strstr(e.msg, "data port"));
    ck_assert_int_eq(check("r12", NULL, &e), RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(e.msg, "taken by the generated design"));
    ck_assert_int_eq(check("u0_1", NULL, &e), RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(e.msg, "taken by the generated design"));
    ck_assert_int_eq(check("tick", "tick", &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.reset");
    ck_assert_str_eq(e.msg, "the clock and reset ports are both named \"tick\"");
    /* a space is refused by the tables' manifest first */
    ck_assert_int_eq(check("a b", NULL, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.clock");
    ck_assert_ptr_nonnull(strstr(e.msg, "contains a space"));
}
END_TEST

/* The emitter refuses what the check refuses, with the same words. */
START_TEST(test_emit_refuses_too) {
    rt_tables t;
    rt_codes c;
    fx_shape s = fx_tiny();
    fx_random_tables(&s, 7, &t);
    fx_random_codes(&t, 8, 8, &c);
    be_plan p;
    fx_plan(&s, &t, "chk", IR_PIPE_NONE, 0, &p);
    free(p.clock);
    p.clock = xstrdup("module");
    char *dir = fx_tmpdir("check");
    be_input in = {&t, &p, &c};
    rt_error e = {0};
    ck_assert_int_eq(be_emit_verilog(&in, dir, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.clock");
    ck_assert_str_eq(e.msg, "clock port name \"module\" is a Verilog keyword");
    fx_release(dir, &t, &c, &p);
}
END_TEST

START_TEST(test_repr_table) {
    /* every verified representation has exactly one row, with all three steps */
    for (int r = 0; r < RT_N_REPR; r++) {
        const be_repr *row = be_repr_of((rt_repr)r);
        ck_assert_ptr_nonnull(row);
        ck_assert(row->emit != NULL);
        ck_assert(row->verify != NULL);
        int rows = 0;
        for (int i = 0; i < be_n_reprs; i++)
            rows += be_reprs[i].repr == r;
        ck_assert_int_eq(rows, 1);
    }
    ck_assert_str_eq(be_repr_of(RT_REPR_RTL)->subdir, "rtl");
    ck_assert_str_eq(be_repr_of(RT_REPR_CSIM)->subdir, "csim");
    ck_assert_str_eq(be_repr_of(RT_REPR_TABLES)->subdir, "tables");
}
END_TEST

START_TEST(test_module_names) {
    static const char *cases[][2] = {{"digits", "digits"},   {"initial", "initial_m"},
                                     {"module", "module_m"}, {"3x", "m_3x"},
                                     {"a-b", "a_b"},         {"while", "while_m"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *id = be_ident(cases[i][0]);
        ck_assert_str_eq(id, cases[i][1]);
        ck_assert(!be_verilog_keyword(id));
        free(id);
    }
}
END_TEST

/* Issue 20: every reserved word of the generated code is renamed; the rename is exact. */
START_TEST(test_reserved_names) {
    static const char *cases[][3] = {
        {"table", "table_m", "is a Verilog keyword"},
        {"logic", "logic_m", "is a SystemVerilog keyword"},
        {"endmodule", "endmodule_m", "is a Verilog keyword"},
        {"config", "config_m", "is a Verilog keyword"},
        {"class", "class_m", "is a SystemVerilog keyword"},
        {"clk", "clk_m", "is a name the generated RTL or its test bench declares"},
        {"rst", "rst_m", "is a name the generated RTL or its test bench declares"},
        {"in_data", "in_data_m", "is a data port of the generated design"},
        {"out_data", "out_data_m", "is a data port of the generated design"},
        {"l3", "l3_m",
         "is taken by the generated design (l<k>, r<k>, v<k> and u<k>_<j> name "
         "its layers, registers and table instances)"},
        {"u2_7", "u2_7_m",
         "is taken by the generated design (l<k>, r<k>, v<k> and u<k>_<j> "
         "name its layers, registers and table instances)"},
        {"volatile", "volatile_m", "is a C keyword"},
        {"memcpy", "memcpy_m", "is a name the generated C simulator declares or uses"},
        {"table3", "table3_m", "is a name the generated C simulator declares or uses"},
        {"_Bool", "m__Bool", "is a C keyword"},
        {"digits", "digits", NULL},
        {"u2x", "u2x", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *why = be_reserved_why(cases[i][0]);
        if (cases[i][2])
            ck_assert_str_eq(why, cases[i][2]);
        else
            ck_assert_ptr_null(why);
        char *id = be_ident(cases[i][0]);
        ck_assert_str_eq(id, cases[i][1]);
        ck_assert_ptr_null(be_reserved_why(id));
        free(id);
    }
}
END_TEST

/* Issue 20: the length of the model name, and a port named like a data port, at --check. */
START_TEST(test_name_checks) {
    ir_layer layers[3];
    ir_program ir = make_ir(layers, NULL, NULL);
    char name[251];
    memset(name, 'a', 250);
    name[250] = '\0';
    ir.model_name = name;
    rt_error e = {0};
    ck_assert_int_eq(be_check_model(&ir, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "model");
    ck_assert_str_eq(e.msg, "model name \"aaaaaaaaaaaaaaaaaaaa...\" is 250 characters long: at "
                            "most 64 (it names the generated modules, functions and files)");
    name[64] = '\0'; /* 64 is allowed */
    ck_assert_int_eq(be_check_model(&ir, &e), RT_OK);
    ir.model_name = "chk";
    ck_assert_int_eq(check("out_data", NULL, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.clock");
    ck_assert_str_eq(e.msg, "clock port name \"out_data\" is a data port of the generated design");
    ck_assert_int_eq(check("clk", "logic", &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.msg, "reset port name \"logic\" is a SystemVerilog keyword");
    ck_assert_int_eq(check("chk", NULL, &e), RT_ERR_MODEL);
    ck_assert_str_eq(e.msg, "clock port name \"chk\" is the name of the generated top module "
                            "(the model's name)");
    /* the test bench's own names are fine as ports: they connect by name */
    ck_assert_int_eq(check("vec", "dut", &e), RT_OK);
}
END_TEST

START_TEST(test_template_fill) {
    const char *vars[] = {"a", "1", "name", "xyz", NULL};
    char *s = be_template_fill("${a}+${name}=${b} $x ${", vars);
    ck_assert_str_eq(s, "1+xyz=${b} $x ${");
    free(s);
    /* the embedded templates are non-empty text with placeholders */
    ck_assert_ptr_nonnull(strstr(be_tpl_csim_main_c, "int main(int argc"));
    ck_assert_ptr_nonnull(strstr(be_tpl_csim_main_c, "${IDENT}"));
    ck_assert_ptr_nonnull(strstr(be_tpl_testbench_v, "module ${ident}_tb;"));
}
END_TEST

/* Every placeholder of the generated main.c and test bench is filled. */
START_TEST(test_templates_filled) {
    rt_tables t;
    rt_codes c;
    fx_shape s = fx_tiny();
    fx_random_tables(&s, 11, &t);
    fx_random_codes(&t, 16, 12, &c);
    be_plan p;
    fx_plan(&s, &t, "filled", IR_PIPE_TREES, 0, &p);
    char *dir = fx_tmpdir("tpl");
    be_input in = {&t, &p, &c};
    rt_error e = {0};
    ck_assert_msg(be_emit_all(&in, dir, &e) == RT_OK, "%s", e.msg);
    static const char *files[] = {"csim/main.c", "rtl/filled_tb.v"};
    for (int i = 0; i < 2; i++) {
        char *path = rt_path_join(dir, files[i]);
        size_t n;
        char *text = (char *)be_read_file(path, &n, &e);
        ck_assert_msg(text != NULL, "%s", e.msg);
        ck_assert_msg(!strstr(text, "${"), "%s: a placeholder is not filled", path);
        free(text);
        free(path);
    }
    fx_release(dir, &t, &c, &p);
}
END_TEST

int main(void) {
    Suite *s = suite_create("backend checks");
    TCase *tc = tcase_create("check");
    tcase_add_test(tc, test_clock_keyword_refused);
    tcase_add_test(tc, test_port_names);
    tcase_add_test(tc, test_emit_refuses_too);
    tcase_add_test(tc, test_repr_table);
    tcase_add_test(tc, test_module_names);
    tcase_add_test(tc, test_reserved_names);
    tcase_add_test(tc, test_name_checks);
    tcase_add_test(tc, test_template_fill);
    tcase_add_test(tc, test_templates_filled);
    tcase_add_test(tc, test_reduce_errors);
    suite_add_tcase(s, tc);
    return fx_run_suite(s);
}
