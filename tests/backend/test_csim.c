/* test_csim.c - the generated C simulator: compiles warning-free with -std=c99 -O2 -Wall
 * -Wextra -Wpedantic, both evaluation paths equal table lookup on several model kinds
 * (bit-sliced, multi-bit, wide tables on the plain path, sample counts that are not a
 * multiple of 64), and a broken table is located at its sample and layer. */
#include "fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Emits model (t, codes) into a fresh folder, compiles the simulator strictly, and runs
 * be_verify on it (C simulator only). Returns the folder. */
static char *emit_and_verify(const rt_tables *t, const rt_codes *c, const char *model,
                             be_verify_result *r) {
    be_plan p;
    be_plan_default(t, model, IR_PIPE_NONE, 0, &p);
    char *dir = fx_tmpdir("csim");
    be_input in = {t, &p, c};
    rt_error e = {0};
    ck_assert_msg(be_emit_all(&in, dir, &e) == 0, "%s", e.msg);
    /* warning-free under the strictest flags */
    char src[512], main_c[512], exe[512], log[512];
    snprintf(src, sizeof src, "%s/csim/%s.c", dir, p.ident);
    snprintf(main_c, sizeof main_c, "%s/csim/main.c", dir);
    snprintf(exe, sizeof exe, "%s/strict", dir);
    snprintf(log, sizeof log, "%s/strict.log", dir);
    char *argv[] = {"cc",      "-std=c99", "-O2", "-Wall", "-Wextra", "-Wpedantic",
                    "-Werror", "-o",       exe,   main_c,  src,       NULL};
    ck_assert_msg(be_spawn(argv, NULL, log, log) == 0, "strict compile failed, see %s", log);
    be_verify_opts o;
    be_verify_opts_default(&o);
    o.rtl = false;
    o.quiet = true;
    ck_assert_msg(be_verify(t, &p, c, dir, &o, r, &e) == 0, "%s", e.msg);
    ck_assert(r->repr[RT_REPR_CSIM].run[0].ran);
    be_plan_free(&p);
    return dir;
}

/* Runs the strict build's single-sample path (-1) and checks its summary line. */
static void single_path_ok(const char *dir, int n) {
    char exe[512], vec[512], out[512], err[512], line[256], want[128];
    snprintf(exe, sizeof exe, "%s/strict", dir);
    snprintf(vec, sizeof vec, "%s/rtl/vectors.hex", dir);
    snprintf(out, sizeof out, "%s/single.hex", dir);
    snprintf(err, sizeof err, "%s/single.log", dir);
    char *argv[] = {exe, "-1", vec, NULL};
    ck_assert_int_eq(be_spawn(argv, NULL, out, err), 0);
    ck_assert_int_eq(be_log_find(err, "NLTC-CSIM", line, sizeof line), 0);
    snprintf(want, sizeof want, "NLTC-CSIM samples=%d mismatches=0 first=-1", n);
    ck_assert_str_eq(line, want);
}

/* Entries of the exhaustive check of t's C simulator. */
static long expected_entries(const rt_tables *t, bool sliced) {
    long n = 0;
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        n += (long)L->n_lut * L->fanin + ((long)L->n_lut << be_addr_bits(L)) * (sliced ? 2 : 1);
    }
    return n;
}

static void run_shape(const fx_shape *s, int n, uint64_t seed, bool sliced) {
    rt_tables t;
    rt_codes c;
    fx_random_tables(s, seed, &t);
    fx_random_codes(&t, n, seed + 1, &c);
    be_verify_result r;
    char *dir = emit_and_verify(&t, &c, "shape", &r);
    ck_assert_int_eq(r.repr[RT_REPR_CSIM].run[0].m.samples, 0);
    ck_assert_int_eq(r.repr[RT_REPR_TABLES].run[0].m.samples, 0);
    ck_assert(r.repr[RT_REPR_CSIM].run[0].accuracy == r.accuracy_ref);
    /* the exhaustive check: wiring, every row, and every row through the sliced path */
    const be_check *ex = &r.repr[RT_REPR_CSIM].run[1];
    ck_assert_int_eq(r.repr[RT_REPR_CSIM].n, 2);
    ck_assert_msg(ex->ran && ex->m.samples == 0, "%s", ex->note);
    ck_assert_int_eq(ex->entries, expected_entries(&t, sliced));
    single_path_ok(dir, n);
    /* the generated header says which path the batch takes */
    char hdr[512];
    snprintf(hdr, sizeof hdr, "%s/csim/shape.h", dir);
    size_t len;
    rt_error e;
    char *h = (char *)be_read_file(hdr, &len, &e);
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_nonnull(strstr(h, sliced ? "#define SHAPE_SLICED 1" : "#define SHAPE_SLICED 0"));
    free(h);
    fx_release(dir, &t, &c, NULL);
}

START_TEST(test_hand) {
    rt_tables t;
    rt_codes c;
    fx_hand_tables(&t);
    fx_hand_codes(&c);
    be_verify_result r;
    char *dir = emit_and_verify(&t, &c, "hand", &r);
    ck_assert_int_eq(r.repr[RT_REPR_CSIM].run[0].m.samples, 0);
    single_path_ok(dir, 16);
    fx_release(dir, &t, &c, NULL);
}
END_TEST

START_TEST(test_tiny_sliced) {
    fx_shape s = fx_tiny();
    run_shape(&s, 130, 21, true);
}
END_TEST

START_TEST(test_odd_inputs_sliced) {
    /* 1-bit inputs not a multiple of 4 (the 4-inputs-per-load transposition has a tail) */
    fx_shape s = fx_tiny();
    s.n_inputs = 13;
    run_shape(&s, 77, 25, true);
}
END_TEST

START_TEST(test_multibit_sliced) {
    /* 2-bit inputs, fan-in 3 (6 address bits), 4-bit codes, fan-in 2 (8 address bits) */
    fx_shape s = {.n_inputs = 20, .input_bits = 2, .input_signed = true, .n_layers = 3};
    static const int w[] = {12, 6, 4}, f[] = {3, 2, 2}, b[] = {4, 1, 7};
    for (int l = 0; l < 3; l++)
        s.width[l] = w[l], s.fanin[l] = f[l], s.bits[l] = b[l], s.is_signed[l] = l == 2;
    run_shape(&s, 200, 31, true);
}
END_TEST

START_TEST(test_wide_plain) {
    /* a 9-address-bit table: the batch runs the plain path */
    fx_shape s = {.n_inputs = 16, .input_bits = 3, .n_layers = 2};
    s.width[0] = 5, s.fanin[0] = 3, s.bits[0] = 3;
    s.width[1] = 3, s.fanin[1] = 2, s.bits[1] = 9, s.is_signed[1] = true;
    run_shape(&s, 70, 41, false);
}
END_TEST

START_TEST(test_mismatch_located) {
    fx_shape s = fx_tiny();
    rt_tables t;
    rt_codes c;
    fx_random_tables(&s, 51, &t);
    fx_random_codes(&t, 300, 52, &c);
    /* Flip one row of L-LUT 2 in layer 1 after the reference was computed: the first
     * sample that reads that row fails at layer 1. */
    const rt_table_layer *L = &t.layers[1];
    int a = be_addr_bits(L), row = -1, first = -1;
    for (int n = 0; n < c.n_samples && first < 0; n++) {
        unsigned addr = 0;
        for (int f = 0; f < L->fanin; f++)
            addr |= (unsigned)c.layer[0][n * 8 + L->inputs[2 * L->fanin + f]] << (f * L->bits_in);
        row = (int)addr, first = n;
    }
    t.layers[1].codes[(2 << a) + row] ^= 1;
    rt_codes got;
    be_lookup_codes(&t, &c, &got);
    be_mismatch want;
    be_compare_codes(&c, &got, &want);
    ck_assert_int_eq(want.sample, first);
    ck_assert_int_eq(want.layer, 1);
    be_verify_result r;
    char *dir = emit_and_verify(&t, &c, "broken", &r);
    ck_assert_int_eq(r.repr[RT_REPR_TABLES].run[0].m.sample, first);
    ck_assert_int_eq(r.repr[RT_REPR_TABLES].run[0].m.layer, 1);
    ck_assert_int_gt(r.repr[RT_REPR_TABLES].run[0].m.samples, 0);
    /* the C simulator agrees with the broken tables, so it differs from the reference at
     * the outputs whenever the change reaches them */
    be_mismatch out;
    be_compare_outputs(&c, got.layer[2], &out);
    ck_assert_int_eq(r.repr[RT_REPR_CSIM].run[0].m.samples, out.samples);
    if (out.samples) {
        ck_assert_int_eq(r.repr[RT_REPR_CSIM].run[0].m.sample, out.sample);
        /* located at layer 1 through the simulator's -l dump */
        ck_assert_int_eq(r.repr[RT_REPR_CSIM].run[0].m.layer, 1);
    }
    ck_assert_int_gt(r.mismatches, 0);
    rt_codes_free(&c);
    fx_release(dir, &t, &got, NULL);
}
END_TEST

/* The exhaustive check names the first entry where the simulator and the tables differ:
 * a table row, a wire, and a row only the sliced path gets wrong. */
START_TEST(test_tables_exhaustive) {
    fx_shape s = fx_tiny();
    rt_tables t;
    fx_random_tables(&s, 61, &t);
    be_plan p;
    be_plan_default(&t, "exh", IR_PIPE_NONE, 0, &p);
    char *dir = fx_tmpdir("csim-exh");
    char *csim = rt_path_join(dir, "csim");
    be_input in = {&t, &p, NULL};
    rt_error e = {0};
    ck_assert_msg(be_emit_csim(&in, csim, &e) == 0, "%s", e.msg);
    char *cc = be_which(getenv("CC") && *getenv("CC") ? getenv("CC") : "cc");
    be_check k;
    be_check_init(&k, "C simulator tables");
    be_csim_check_tables(&t, &p, csim, dir, cc, &k);
    ck_assert_msg(k.ran && k.m.samples == 0, "%s", k.note);
    ck_assert_int_eq(k.entries, expected_entries(&t, true));
    /* the tables say otherwise at layer 1, L-LUT 2, address 3: the table row and the
     * sliced value differ there */
    int a1 = be_addr_bits(&t.layers[1]);
    t.layers[1].codes[(2 << a1) + 3] ^= 1;
    be_check_init(&k, "C simulator tables");
    be_csim_check_tables(&t, &p, csim, dir, cc, &k);
    ck_assert_int_eq(k.m.samples, 2);
    ck_assert_str_eq(k.what, "table");
    ck_assert_int_eq(k.m.layer, 1);
    ck_assert_int_eq(k.m.index, 2);
    ck_assert_int_eq(k.addr, 3);
    ck_assert_uint_eq(k.m.want, t.layers[1].codes[(2 << a1) + 3]);
    ck_assert_uint_eq(k.m.got, k.m.want ^ 1u);
    t.layers[1].codes[(2 << a1) + 3] ^= 1;
    /* a wire of layer 0 L-LUT 1, slot 2 */
    int old = t.layers[0].inputs[1 * 3 + 2];
    t.layers[0].inputs[1 * 3 + 2] = (old + 1) % t.n_inputs;
    be_check_init(&k, "C simulator tables");
    be_csim_check_tables(&t, &p, csim, dir, cc, &k);
    ck_assert_str_eq(k.what, "wiring");
    ck_assert_int_eq(k.m.layer, 0);
    ck_assert_int_eq(k.m.index, 1);
    ck_assert_int_eq(k.addr, 2);
    t.layers[0].inputs[1 * 3 + 2] = old;
    /* the sliced operations of one output bit replaced by a constant: only the sliced
     * path is wrong, at the first address whose bit is set */
    char *src = rt_path_join(csim, "exh.c");
    size_t len;
    char *text = (char *)be_read_file(src, &len, &e);
    ck_assert_ptr_nonnull(text);
    char *d0 = strstr(text, "        d[0] = ");
    ck_assert_ptr_nonnull(d0);
    char *end = strchr(d0, ';');
    rt_buf b = {0};
    rt_buf_printf(&b, "%.*s        d[0] = 0%s", (int)(d0 - text), text, end);
    ck_assert_int_eq(rt_write_file(src, b.data, b.len), 0);
    be_check_init(&k, "C simulator tables");
    be_csim_check_tables(&t, &p, csim, dir, cc, &k);
    ck_assert_int_gt(k.m.samples, 0);
    ck_assert_str_eq(k.what, "sliced");
    ck_assert_int_eq(k.m.layer, 0);
    ck_assert_int_eq(k.m.index, 0);
    ck_assert_uint_eq(k.m.got, k.m.want & ~1u);
    ck_assert_uint_eq(t.layers[0].codes[k.addr] & 1u, 1u);
    for (long a = 0; a < k.addr; a++) /* every earlier address had bit 0 clear */
        ck_assert_uint_eq(t.layers[0].codes[a] & 1u, 0u);
    rt_buf_free(&b);
    free(text), free(src), free(cc), free(csim);
    be_plan_free(&p);
    fx_release(dir, &t, NULL, NULL);
}
END_TEST

int main(void) {
    char *cc = be_which(getenv("CC") && *getenv("CC") ? getenv("CC") : "cc");
    if (!cc) {
        puts("test_be_csim: no C compiler (cc or $CC) found: skipped");
        return FX_SKIP;
    }
    free(cc);
    Suite *s = suite_create("backend C simulator");
    TCase *tc = tcase_create("csim");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hand);
    tcase_add_test(tc, test_tiny_sliced);
    tcase_add_test(tc, test_odd_inputs_sliced);
    tcase_add_test(tc, test_multibit_sliced);
    tcase_add_test(tc, test_wide_plain);
    tcase_add_test(tc, test_mismatch_located);
    tcase_add_test(tc, test_tables_exhaustive);
    suite_add_tcase(s, tc);
    return fx_run_suite(s);
}
