/* test_files.c - table files, reference-code files and the hardware plan: round trips,
 * and the located error every damaged file gets. */
#include "fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tables_equal(const rt_tables *a, const rt_tables *b) {
    ck_assert_int_eq(a->n_inputs, b->n_inputs);
    ck_assert_int_eq(a->input_bits, b->input_bits);
    ck_assert_int_eq(a->input_signed, b->input_signed);
    ck_assert_int_eq(a->n_layers, b->n_layers);
    for (int l = 0; l < a->n_layers; l++) {
        const rt_table_layer *x = &a->layers[l], *y = &b->layers[l];
        ck_assert_int_eq(x->n_lut, y->n_lut);
        ck_assert_int_eq(x->in_width, y->in_width);
        ck_assert_int_eq(x->fanin, y->fanin);
        ck_assert_int_eq(x->bits_in, y->bits_in);
        ck_assert_int_eq(x->bits_out, y->bits_out);
        ck_assert_int_eq(x->out_signed, y->out_signed);
        ck_assert_mem_eq(x->inputs, y->inputs, sizeof(int) * (size_t)x->n_lut * (size_t)x->fanin);
        ck_assert_mem_eq(x->codes, y->codes,
                         sizeof(uint16_t) * ((size_t)x->n_lut << be_addr_bits(x)));
    }
}

/* A shape with every kind of layer: multi-bit inputs, wide addresses, 16-bit codes. */
static fx_shape mixed_shape(void) {
    fx_shape s = {.n_inputs = 10, .input_bits = 3, .input_signed = true, .n_layers = 4};
    static const int w[] = {6, 3, 5, 2}, f[] = {2, 2, 1, 5}, b[] = {4, 2, 16, 2};
    for (int l = 0; l < 4; l++) {
        s.width[l] = w[l];
        s.fanin[l] = f[l];
        s.bits[l] = b[l];
        s.is_signed[l] = l % 2;
    }
    s.bits[3] = 3; /* layer 3 reads 16-bit codes with fan-in 1: 16 address bits */
    s.fanin[3] = 1;
    return s;
}

START_TEST(test_tables_round_trip) {
    fx_shape s = mixed_shape();
    rt_tables t, u;
    be_plan p, q;
    rt_error e = {0};
    fx_random_tables(&s, 3, &t);
    fx_plan(&s, &t, "mixed-model", IR_PIPE_EVERY_K, 3, &p);
    p.reset_style = IR_RESET_ASYNC_LOW;
    char *dir = fx_tmpdir("tables");
    ck_assert_msg(be_tables_write(&t, &p, dir, &e) == 0, "%s", e.msg);
    ck_assert_msg(be_tables_read(dir, &u, &q, &e) == 0, "%s", e.msg);
    tables_equal(&t, &u);
    ck_assert_str_eq(q.model, "mixed-model");
    ck_assert_str_eq(q.ident, "mixed_model");
    ck_assert_int_eq(q.pipeline, IR_PIPE_EVERY_K);
    ck_assert_int_eq(q.pipeline_k, 3);
    ck_assert_int_eq(q.reset_style, IR_RESET_ASYNC_LOW);
    ck_assert_int_eq(q.lut_inputs, 6);
    for (int l = 0; l < 4; l++) {
        ck_assert_str_eq(q.layers[l].name, p.layers[l].name);
        ck_assert_int_eq(q.layers[l].reg_after, p.layers[l].reg_after);
        ck_assert_int_eq(q.layers[l].tree_root, p.layers[l].tree_root);
    }
    ck_assert_int_eq(be_plan_stages(&q), 2); /* after layer 2 and the last */
    rt_tables_free(&u);
    be_plan_free(&q);
    fx_release(dir, &t, NULL, &p);
}
END_TEST

START_TEST(test_codes_round_trip) {
    fx_shape s = mixed_shape();
    rt_tables t;
    rt_codes c, d;
    rt_error e = {0};
    fx_random_tables(&s, 4, &t);
    fx_random_codes(&t, 37, 5, &c);
    char *dir = fx_tmpdir("codes");
    char *path = rt_path_join(dir, "test.codes");
    ck_assert_msg(be_codes_write(&c, path, &e) == 0, "%s", e.msg);
    ck_assert_msg(be_codes_read(path, &d, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(d.n_samples, 37);
    ck_assert_int_eq(d.n_inputs, c.n_inputs);
    ck_assert_int_eq(d.n_layers, c.n_layers);
    ck_assert_mem_eq(d.input, c.input, sizeof(uint16_t) * 37 * (size_t)c.n_inputs);
    ck_assert_mem_eq(d.labels, c.labels, sizeof(int) * 37);
    be_mismatch m;
    ck_assert_int_eq(be_compare_codes(&c, &d, &m), 0);
    ck_assert_int_eq(m.sample, -1);
    ck_assert_int_eq(be_codes_check(&t, &d, &e), 0);
    rt_codes_free(&d);
    /* One flipped byte in the middle is caught by the checksum. */
    size_t n;
    uint8_t *b = be_read_file(path, &n, &e);
    b[n / 2] ^= 0x10;
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    ck_assert_int_ne(be_codes_read(path, &d, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "test.codes: checksum"));
    /* Truncated. */
    f = fopen(path, "wb");
    fwrite(b, 1, 20, f);
    fclose(f);
    ck_assert_int_ne(be_codes_read(path, &d, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "test.codes"));
    free(b);
    rt_rmtree(dir);
    free(dir);
    free(path);
    rt_codes_free(&c);
    rt_codes_free(&d);
    rt_tables_free(&t);
}
END_TEST

/* Writes the tiny model's tables into a fresh folder. */
static char *tiny_dir(rt_tables *t, be_plan *p) {
    fx_shape s = fx_tiny();
    rt_error e = {0};
    fx_random_tables(&s, 9, t);
    fx_plan(&s, t, "tiny", IR_PIPE_TREES, 0, p);
    char *dir = fx_tmpdir("bad");
    ck_assert_msg(be_tables_write(t, p, dir, &e) == 0, "%s", e.msg);
    return dir;
}

/* Replaces line `line` (1-based) of the manifest with text. */
static void edit_manifest(const char *dir, int line, const char *text) {
    char *path = rt_path_join(dir, "manifest.txt");
    rt_error e;
    size_t n;
    char *s = (char *)be_read_file(path, &n, &e);
    FILE *f = fopen(path, "w");
    int ln = 1;
    for (size_t i = 0; i < n; i++) {
        if (ln == line) {
            fputs(text, f);
            fputc('\n', f);
            while (i < n && s[i] != '\n')
                i++;
            ln++;
            continue;
        }
        fputc(s[i], f);
        if (s[i] == '\n') ln++;
    }
    fclose(f);
    free(s);
    free(path);
}

static void expect_read_error(const char *dir, const char *needle) {
    rt_tables u;
    be_plan q;
    rt_error e = {0};
    ck_assert_int_ne(be_tables_read(dir, &u, &q, &e), 0);
    ck_assert_msg(strstr(e.msg, needle) != NULL, "message \"%s\" lacks \"%s\"", e.msg, needle);
    ck_assert_int_eq(u.n_layers, 0);
    ck_assert_ptr_null(q.model);
}

START_TEST(test_bad_manifest) {
    rt_tables t;
    be_plan p;
    char *dir = tiny_dir(&t, &p);
    /* manifest lines: 1 comment, 2 nltc-tables, 3 model, 4 inputs, ..., 9 layers, 10
     * comment, 11-13 layers, 14 end */
    edit_manifest(dir, 4, "inputs 12 one 0");
    expect_read_error(dir, "manifest.txt:4: 'inputs COUNT BITS SIGNED' expected");
    rt_error e;
    be_tables_write(&t, &p, dir, &e);
    edit_manifest(dir, 12, "layer 1 t2.0 1 0 1 4 8 2 2 1 0 1 layer1.bin 72");
    expect_read_error(dir, "manifest.txt:12: layer line needs 15 fields");
    be_tables_write(&t, &p, dir, &e);
    edit_manifest(dir, 14, "");
    expect_read_error(dir, "manifest.txt:15: unexpected end of file, expected 'end'");
    be_tables_write(&t, &p, dir, &e);
    edit_manifest(dir, 6, "pipeline sometimes 0");
    expect_read_error(dir, "manifest.txt:6: 'pipeline none|every_layer|trees|every_k K'");
    be_tables_write(&t, &p, dir, &e);
    edit_manifest(dir, 2, "nltc-tables 2");
    expect_read_error(dir, "manifest.txt:2: format version 1 expected");
    rt_rmtree(dir);
    expect_read_error(dir, "manifest.txt: cannot open");
    free(dir);
    rt_tables_free(&t);
    be_plan_free(&p);
}
END_TEST

START_TEST(test_bad_layer_file) {
    rt_tables t;
    be_plan p;
    char *dir = tiny_dir(&t, &p);
    char *path = rt_path_join(dir, "layer1.bin");
    rt_error e;
    size_t n;
    uint8_t *b = be_read_file(path, &n, &e);
    /* a changed row */
    b[n - 1] ^= 1;
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    expect_read_error(dir, "layer1.bin: checksum differs from the manifest");
    /* truncated */
    f = fopen(path, "wb");
    fwrite(b, 1, n - 3, f);
    fclose(f);
    expect_read_error(dir, "layer1.bin: 69 bytes, the manifest says 72");
    remove(path);
    expect_read_error(dir, "layer1.bin: cannot open");
    free(b);
    free(path);
    fx_release(dir, &t, NULL, &p);
}
END_TEST

START_TEST(test_tables_check) {
    rt_tables t;
    be_plan p;
    rt_error e = {0};
    fx_shape s = fx_tiny();
    fx_random_tables(&s, 2, &t);
    ck_assert_int_eq(be_tables_check(&t, &e), 0);
    t.layers[1].inputs[5] = 8; /* layer 0 has 8 codes: 0..7 */
    ck_assert_int_ne(be_tables_check(&t, &e), 0);
    ck_assert_str_eq(e.msg, "tables: layer 1 L-LUT 2 slot 1 reads code 8 of 8");
    t.layers[1].inputs[5] = 7;
    t.layers[2].codes[17] = 8; /* 3-bit codes */
    ck_assert_int_ne(be_tables_check(&t, &e), 0);
    ck_assert_str_eq(e.msg, "tables: layer 2 L-LUT 1 row 1 holds 8, above 3 bits");
    t.layers[2].codes[17] = 7;
    t.layers[2].bits_in = 2;
    ck_assert_int_ne(be_tables_check(&t, &e), 0);
    ck_assert_str_eq(e.msg, "tables: layer 2 reads 2-bit codes but gets 1-bit codes");
    t.layers[2].bits_in = 1;
    fx_plan(&s, &t, "tiny", IR_PIPE_NONE, 0, &p);
    p.layers[0].name[0] = ' ';
    char *dir = fx_tmpdir("check");
    ck_assert_int_ne(be_tables_write(&t, &p, dir, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "contains a space"));
    fx_release(dir, &t, NULL, &p);
}
END_TEST

START_TEST(test_plan_pipelines) {
    fx_shape s = fx_mnist();
    rt_tables t;
    be_plan p;
    fx_random_tables(&s, 1, &t);
    /* MNIST: trees t1 = layers 0-1, t2 = layers 2-5 */
    fx_plan(&s, &t, "mnist", IR_PIPE_TREES, 0, &p);
    static const bool trees[6] = {0, 1, 0, 0, 0, 1};
    for (int l = 0; l < 6; l++)
        ck_assert_int_eq(p.layers[l].reg_after, trees[l]);
    ck_assert_str_eq(p.layers[3].name, "t2.1");
    be_plan_set_pipeline(&p, IR_PIPE_EVERY_K, 4);
    static const bool every4[6] = {0, 0, 0, 1, 0, 1};
    for (int l = 0; l < 6; l++)
        ck_assert_int_eq(p.layers[l].reg_after, every4[l]);
    be_plan_set_pipeline(&p, IR_PIPE_EVERY_LAYER, 0);
    ck_assert_int_eq(be_plan_stages(&p), 6);
    be_plan_set_pipeline(&p, IR_PIPE_NONE, 0);
    ck_assert_int_eq(be_plan_stages(&p), 0);
    ir_pipeline pp;
    int k = 0;
    ck_assert_int_eq(be_pipeline_parse("every(3)", &pp, &k), 0);
    ck_assert_int_eq(pp, IR_PIPE_EVERY_K);
    ck_assert_int_eq(k, 3);
    ck_assert_int_eq(be_pipeline_parse("every5", &pp, &k), 0);
    ck_assert_int_eq(k, 5);
    ck_assert_int_ne(be_pipeline_parse("every(0)", &pp, &k), 0);
    ck_assert_int_ne(be_pipeline_parse("every(2", &pp, &k), 0);
    ck_assert_int_ne(be_pipeline_parse("tree", &pp, &k), 0);
    ck_assert_str_eq(ir_pipeline_name(IR_PIPE_TREES), "trees");
    char *id = be_ident("2nd model");
    ck_assert_str_eq(id, "m_2nd_model");
    free(id);
    be_plan_free(&p);
    rt_tables_free(&t);
}
END_TEST

START_TEST(test_plan_from_ir) {
    ir_layer layers[2] = {
        {.name = "a.0", .tree = 0, .level = 0, .tree_root = false, .reg_after = false},
        {.name = "a.1", .tree = 0, .level = 1, .tree_root = true, .reg_after = true},
    };
    ir_program ir = {.model_name = "m", .n_layers = 2, .layers = layers};
    ir.hw = (ir_hardware){.lut_inputs = 4,
                          .pipeline = IR_PIPE_TREES,
                          .stages = 1,
                          .clock = "ck",
                          .reset = "rst_n",
                          .reset_style = IR_RESET_SYNC_LOW};
    be_plan p;
    be_plan_from_ir(&ir, &p);
    ck_assert_int_eq(p.lut_inputs, 4);
    ck_assert_str_eq(p.clock, "ck");
    ck_assert_str_eq(p.reset, "rst_n");
    ck_assert_int_eq(p.reset_style, IR_RESET_SYNC_LOW);
    ck_assert_str_eq(p.layers[1].name, "a.1");
    ck_assert(!p.layers[0].reg_after && p.layers[1].reg_after);
    ck_assert_int_eq(be_plan_stages(&p), ir.hw.stages);
    be_plan q;
    be_plan_copy(&p, &q);
    be_plan_free(&p);
    ck_assert_str_eq(q.layers[0].name, "a.0");
    ck_assert_str_eq(q.ident, "m");
    be_plan_free(&q);
}
END_TEST

int main(void) {
    Suite *s = suite_create("backend files");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_tables_round_trip);
    tcase_add_test(tc, test_codes_round_trip);
    tcase_add_test(tc, test_bad_manifest);
    tcase_add_test(tc, test_bad_layer_file);
    tcase_add_test(tc, test_tables_check);
    tcase_add_test(tc, test_plan_pipelines);
    tcase_add_test(tc, test_plan_from_ir);
    suite_add_tcase(s, tc);
    return fx_run_suite(s);
}
