/* test_hwio.c - the input encoder and the group-sum head in the back ends: the integer
 * encoder at its edges (a raw value at, below and above a threshold, the smallest and
 * largest raw values, falling features, constant codes), the fit of raw thresholds from
 * thresholds on the normalized feature (equal to the float comparison at every raw value),
 * the head's scores and the argmax tie rule, the table and code files, and the whole
 * verification (table lookup, C simulator, Verilator, unsigned and signed raw formats, with
 * and without pipelining), then a tampered encoder threshold and a tampered adder tree
 * that verification must catch. Plain C; the tool steps are skipped without the tools. */
#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void test_edges(void) {
    rt_tables t;
    fx_hwio_tables(false, 3, &t);
    const rt_hw_encoder *en = &t.hwenc;
    for (int i = 0; i < t.n_inputs; i++) {
        int64_t thr = en->thr[i];
        int up = !en->descending[i];
        EXPECT(be_encode_bit(en, i, thr) == 1, "code %d at its threshold %lld", i, (long long)thr);
        EXPECT(be_encode_bit(en, i, thr - 1) == !up, "code %d below its threshold", i);
        EXPECT(be_encode_bit(en, i, thr + 1) == up, "code %d above its threshold", i);
    }
    EXPECT(be_encode_bit(en, 6, be_raw_min(en)) == 1, "threshold at the minimum: always 1");
    EXPECT(be_encode_bit(en, 7, be_raw_max(en)) == 0, "threshold above the maximum: always 0");
    EXPECT(be_encode_bit(en, 8, be_raw_max(en)) == 1 &&
               be_encode_bit(en, 8, be_raw_max(en) - 1) == 0,
           "threshold at the maximum");
    EXPECT(be_raw_min(en) == 0 && be_raw_max(en) == 255, "8-bit unsigned range");
    rt_tables_free(&t);
    fx_hwio_tables(true, 3, &t);
    EXPECT(be_raw_min(&t.hwenc) == -512 && be_raw_max(&t.hwenc) == 511, "10-bit signed range");
    rt_tables_free(&t);
}

/* The raw thresholds equal the float comparison of the loader's map at every raw value:
 * rising (standardized), falling (negative scale) and through sign*log1p. */
static void test_fit(void) {
    double shift[3] = {33.3, -2.0, 0.7}, mul[3] = {1 / 78.5, 0.25, 3.0};
    float thr[6] = {-0.2f, 0.9f, 0.5f, -1.0f, 0.0f, 2.0f};
    int feature[6] = {0, 0, 1, 1, 2, 2};
    for (int variant = 0; variant < 3; variant++) {
        be_raw_map m = {3, 10, 2, true, variant == 1 ? -0.5 : 1.0, variant == 2, shift, mul};
        rt_hw_encoder en;
        rt_error e = {0};
        EXPECT(be_encoder_fit(&m, 6, feature, thr, &en, &e) == RT_OK, "%s", e.msg);
        rt_tables t = {.n_inputs = 6, .input_bits = 1, .hwenc = en};
        long bad = 0;
        for (int64_t r = be_raw_min(&en); r <= be_raw_max(&en); r++)
            for (int i = 0; i < 6; i++) {
                int f = feature[i];
                double v = ldexp((double)r, -m.frac) * m.scale;
                if (m.log1p) v = v < 0 ? -log1p(-v) : log1p(v);
                float x = (float)((v - shift[f]) * mul[f]);
                bad += be_encode_bit(&en, i, r) != (x > thr[i]);
            }
        EXPECT(bad == 0, "variant %d: %ld raw values where the integer encoder differs", variant,
               bad);
        EXPECT(en.descending[0] == (variant == 1), "variant %d: direction", variant);
        /* a raw value made from its normalized feature comes back unchanged */
        for (int64_t r = be_raw_min(&en); r <= be_raw_max(&en); r += 7) {
            double v = ldexp((double)r, -m.frac) * m.scale;
            if (m.log1p) v = v < 0 ? -log1p(-v) : log1p(v);
            float x = (float)((v - shift[1]) * mul[1]);
            EXPECT(be_raw_quantize(&m, 1, x) == r, "variant %d: raw %lld back as %d", variant,
                   (long long)r, be_raw_quantize(&m, 1, x));
        }
        t.n_layers = 0;
        rt_tables_free(&t);
    }
    be_raw_map bad = {1, 40, 0, false, 1, false, shift, mul};
    rt_hw_encoder en;
    rt_error e = {0};
    EXPECT(be_encoder_fit(&bad, 1, feature, thr, &en, &e) == RT_ERR_MODEL &&
               strcmp(e.prop, "input.encode") == 0,
           "a 40-bit raw format is refused at input.encode: %s", e.msg);
}

static void unwire(rt_tables *t);

/* A dataset of pixels 0..255, standardized: the raw format is 8-bit unsigned integers, and
 * the reference codes follow the integer encoder through the tables. */
static void test_attach(void) {
    enum { N = 40, NF = 4 };
    double shift[NF] = {33.3, 100, 0, 7}, mul[NF] = {1 / 78.5, 0.01, 0.5, 1};
    rt_dataset d = {.inputs = NF, .classes = 3};
    rt_split *sp[3] = {&d.train, &d.valid, &d.test};
    for (int k = 0; k < 3; k++) {
        sp[k]->n = N;
        sp[k]->x = xmalloc(sizeof(float) * N * NF);
        sp[k]->y = xcalloc(N, sizeof(int));
        for (int i = 0; i < N * NF; i++) {
            int raw = (i * 37 + k * 11) % 256;
            sp[k]->x[i] = (float)(((double)raw - shift[i % NF]) * mul[i % NF]);
        }
    }
    be_raw_map m = {NF, 0, 0, false, 1, false, shift, mul};
    rt_error e = {0};
    EXPECT(be_raw_format(&d, &m, &e) == RT_OK && m.bits == 8 && m.frac == 0 && !m.is_signed,
           "pixels: %d bits, %d fraction bits, signed %d", m.bits, m.frac, m.is_signed);
    rt_tables t;
    rt_codes c;
    fx_hwio_tables(false, 21, &t);
    free(t.hwenc.feature), free(t.hwenc.thr), free(t.hwenc.descending);
    memset(&t.hwenc, 0, sizeof t.hwenc);
    t.head_group = 0;
    unwire(&t); /* the encoder keeps no comparator for codes 1, 4, 10 */
    fx_random_codes(&t, N, 22, &c);
    float thr[12];
    int feature[12];
    for (int i = 0; i < 12; i++)
        feature[i] = i / 3, thr[i] = (float)(i % 3) * 0.5f - 0.4f;
    for (int i = 0; i < N * 12; i++) /* the float encoder on the test split */
        c.input[i] = d.test.x[(i / 12) * NF + feature[i % 12]] > thr[i % 12];
    be_lookup(&t, N, c.input, c.layer);
    be_hwio_spec spec = {4, thr, feature, &m, &d.test};
    long changed = -1;
    EXPECT(be_hwio_attach(&t, &c, &spec, &changed, &e) == RT_OK, "%s", e.msg);
    EXPECT(changed == 0, "integer raw values: the integer encoder changes %ld samples", changed);
    EXPECT(be_encode_const(&t.hwenc, 1) == 0 && be_encode_const(&t.hwenc, 4) == 0 &&
               be_encode_const(&t.hwenc, 10) == 0 && be_encode_const(&t.hwenc, 0) < 0 &&
               be_encoder_comparators(&t) <= 9,
           "the codes no L-LUT reads are constant 0: %d comparators", be_encoder_comparators(&t));
    EXPECT(c.raw && c.n_raw == NF && c.raw[1] == 59 && c.scores && c.n_scores == 3,
           "raw features and scores in the reference codes");
    EXPECT(be_codes_check(&t, &c, &e) == RT_OK, "%s", e.msg);
    rt_tables_free(&t);
    rt_codes_free(&c);
    rt_dataset_free(&d);
}

static void test_head(void) {
    rt_tables t;
    rt_codes c;
    fx_hwio_tables(false, 5, &t);
    fx_hwio_codes(&t, 64, 6, &c);
    EXPECT(be_classes(&t) == 3 && be_score_bits(&t) == 3 && be_out_bits(&t) == 3,
           "3 classes of 3-bit scores");
    for (int s = 0; s < c.n_samples; s++)
        for (int k = 0; k < 3; k++) {
            int n = 0;
            for (int g = 0; g < 4; g++)
                n += c.layer[1][s * 12 + k * 4 + g];
            EXPECT(c.scores[s * 3 + k] == n, "sample %d class %d: score %u, popcount %d", s, k,
                   c.scores[s * 3 + k], n);
        }
    uint16_t tie[3] = {2, 4, 4}, all[3] = {1, 1, 1};
    EXPECT(be_argmax(tie, 3) == 1 && be_argmax(all, 3) == 0, "ties go to the lowest class");
    rt_error e = {0};
    EXPECT(be_codes_check(&t, &c, &e) == RT_OK, "%s", e.msg);
    c.input[5] ^= 1; /* an input code the encoder does not give */
    EXPECT(be_codes_check(&t, &c, &e) == RT_ERR_IO && strstr(e.msg, "the encoder gives"), "%s",
           e.msg);
    c.input[5] ^= 1;
    t.layers[1].bits_out = 2;
    EXPECT(be_tables_check(&t, &e) == RT_ERR_IO, "a group sum over 2-bit outputs is refused");
    t.layers[1].bits_out = 1;
    rt_tables_free(&t);
    rt_codes_free(&c);
}

/* The files keep the encoder, the head, the raw features and the scores. */
static void test_files(const char *dir) {
    rt_tables t, t2;
    rt_codes c, c2;
    be_plan p, p2;
    rt_error e = {0};
    fx_hwio_tables(true, 7, &t);
    fx_hwio_codes(&t, 50, 8, &c);
    be_plan_default(&t, "hw", IR_PIPE_EVERY_LAYER, 0, &p);
    char *tdir = rt_path_join(dir, "tables"), *cpath = rt_path_join(dir, "test.codes");
    EXPECT(be_tables_write(&t, &p, tdir, &e) == RT_OK, "%s", e.msg);
    EXPECT(be_tables_read(tdir, &t2, &p2, &e) == RT_OK, "%s", e.msg);
    EXPECT(t2.head_group == 4 && p2.head && t2.hwenc.n_features == 4 && t2.hwenc.raw_bits == 10 &&
               t2.hwenc.raw_frac == 4 && t2.hwenc.raw_signed,
           "head and encoder read back");
    EXPECT(memcmp(t.hwenc.thr, t2.hwenc.thr, sizeof *t.hwenc.thr * 12) == 0 &&
               memcmp(t.hwenc.descending, t2.hwenc.descending, 12) == 0,
           "thresholds read back");
    EXPECT(be_plan_stages(&p2) == 3, "2 layers and the head's register: %d", be_plan_stages(&p2));
    EXPECT(be_codes_write(&c, cpath, &e) == RT_OK, "%s", e.msg);
    EXPECT(be_codes_read(cpath, &c2, &e) == RT_OK, "%s", e.msg);
    EXPECT(c2.n_raw == 4 && memcmp(c.raw, c2.raw, sizeof *c.raw * 200) == 0 && c2.n_scores == 3 &&
               memcmp(c.scores, c2.scores, sizeof *c.scores * 150) == 0,
           "raw features and scores read back");
    rt_codes_free(&c2);
    rt_tables_free(&t2);
    be_plan_free(&p2);
    free(tdir);
    free(cpath);
    rt_tables_free(&t);
    rt_codes_free(&c);
    be_plan_free(&p);
}

/* Replaces the first occurrence of from in file path by to; 0 when found. */
static int edit_file(const char *path, const char *from, const char *to) {
    size_t n;
    char *s = rt_read_file(path, &n, NULL);
    char *at = s ? strstr(s, from) : NULL;
    if (!at) {
        free(s);
        return -1;
    }
    FILE *f = fopen(path, "w");
    fwrite(s, 1, (size_t)(at - s), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(s);
    return 0;
}

/* Rewires layer 0 so that no L-LUT reads input codes 1, 4 and 10. */
static void unwire(rt_tables *t) {
    rt_table_layer *L = &t->layers[0];
    for (int j = 0; j < L->n_lut; j++)
        for (int f = 0; f < L->fanin; f++) {
            int *w = &L->inputs[j * L->fanin + f];
            while (*w == 1 || *w == 4 || *w == 10)
                *w = (*w + 1) % t->n_inputs;
        }
}

/* unwire, then keeps the encoder's comparators to the codes read (4 is a falling code);
 * want[i]: code i has a comparator. */
static void keep_read(rt_tables *t, bool *want) {
    unwire(t);
    bool *read = be_layer_reads(t, 0);
    int n = 0;
    for (int i = 0; i < t->n_inputs; i++)
        n += want[i] = read[i] && be_encode_const(&t->hwenc, i) < 0;
    be_encoder_keep(&t->hwenc, t->n_inputs, read);
    EXPECT(!read[1] && !read[4] && !read[10] && be_encoder_comparators(t) == n && n >= 6,
           "%d comparators kept, want %d of the codes layer 0 reads", be_encoder_comparators(t), n);
    for (int i = 0; i < t->n_inputs; i++)
        EXPECT(read[i] || be_encode_const(&t->hwenc, i) == 0, "unread code %d: constant 0", i);
    free(read);
}

/* The comparators an emitted file holds: has[i] for each line that compares input code i
 * (prefix "c[" in the RTL, "in[" in the C simulator, followed by "%d] = " and the raw
 * feature, "x[" or "raw["); returns their number, -1 without the file. */
static int comparators_in(const char *path, const char *prefix, const char *raw, bool *has) {
    size_t n;
    char *s = rt_read_file(path, &n, NULL);
    if (!s) return -1;
    int count = 0;
    for (const char *at = s; (at = strstr(at, prefix)) != NULL; at++) {
        int i, used = 0;
        if (sscanf(at + strlen(prefix), "%d] = %n", &i, &used) == 1 && used > 0 && i >= 0 &&
            i < 12 && strncmp(at + strlen(prefix) + used, raw, strlen(raw)) == 0 &&
            (at == s || at[-1] == ' '))
            count += has[i] = true;
    }
    free(s);
    return count;
}

/* Emits, verifies, then breaks the RTL's first comparator and the C simulator's head;
 * with prune, the encoder first keeps only the comparators layer 0 reads (keep_read) and
 * the emitted RTL and C simulator must hold exactly those. */
static void test_verify(const char *dir, bool is_signed, ir_pipeline pipe, bool prune) {
    rt_tables t;
    rt_codes c;
    be_plan p;
    rt_error e = {0};
    fx_hwio_tables(is_signed, 11, &t);
    bool want[12] = {0};
    if (prune) keep_read(&t, want);
    fx_hwio_codes(&t, 300, 12, &c);
    be_plan_default(&t, "hw", pipe, 0, &p);
    be_input in = {&t, &p, &c};
    EXPECT(be_emit_all(&in, dir, &e) == RT_OK, "%s", e.msg);
    if (prune) {
        char *rv = rt_path_join(dir, "rtl/hw.v"), *rc = rt_path_join(dir, "csim/hw.c");
        bool in_rtl[12] = {0}, in_c[12] = {0};
        int nr = comparators_in(rv, "c[", "{~x[", in_rtl),
            nc = comparators_in(rc, "in[", "raw[", in_c);
        EXPECT(
            nr == be_encoder_comparators(&t) && nc == nr &&
                memcmp(in_rtl, want, sizeof want) == 0 && memcmp(in_c, want, sizeof want) == 0,
            "comparators emitted: %d in the RTL, %d in the C simulator, want %d (the read codes)",
            nr, nc, be_encoder_comparators(&t));
        free(rv), free(rc);
    }
    be_verify_opts o;
    be_verify_opts_default(&o);
    o.quiet = true;
    be_verify_result r;
    EXPECT(be_verify(&t, &p, &c, dir, &o, &r, &e) == RT_OK, "%s", e.msg);
    EXPECT(r.mismatches == 0, "signed %d pipe %s: %ld mismatches", is_signed,
           ir_pipeline_name(pipe), r.mismatches);
    if (r.mismatches) be_verify_print(stderr, &r);
    const be_check *rtl = &r.repr[RT_REPR_RTL].run[0];
    if (rtl->ran)
        EXPECT(rtl->latency == be_plan_stages(&p) && rtl->lint_warnings == 0,
               "RTL latency %d (want %d), %ld lint warnings", rtl->latency, be_plan_stages(&p),
               rtl->lint_warnings);
    /* the formal proof covers the encoder and the head at every input */
    char *v = rt_path_join(dir, "rtl/hw.v"), *work = rt_path_join(dir, "formal");
    /* their LUTs beside the core: estimated, and by Yosys for each module alone */
    be_hw h;
    be_hw_init(&h);
    be_hw_estimate(&t, &p, &h);
    EXPECT(h.luts_enc_estimate > 0 && h.luts_head_estimate > 0, "estimates %ld, %ld",
           h.luts_enc_estimate, h.luts_head_estimate);
    EXPECT(h.enc_thresholds == 12 && h.enc_comparators == be_encoder_comparators(&t) &&
               h.luts_enc_estimate == h.enc_comparators * rt_lut_cost(t.hwenc.raw_bits, 6),
           "encoder: %d comparators of %d thresholds, %ld LUTs", h.enc_comparators,
           h.enc_thresholds, h.luts_enc_estimate);
    char *sw = rt_path_join(dir, "synth");
    EXPECT(be_synth(v, &p, sw, &h, &e) == RT_OK, "%s", e.msg);
    if (h.synthesized)
        EXPECT(h.luts_enc_yosys > 0 && h.luts_head_yosys > 0 &&
                   h.n_stage_depth == be_plan_stages(&p) + (pipe == IR_PIPE_NONE) &&
                   h.luts_core_yosys > 0 && h.luts_core_yosys < h.luts_yosys &&
                   h.luts_core_yosys <= h.luts_estimate + h.ffs, /* + a reset gate per FF */
               "Yosys: encoder %ld, head %ld, core %ld of %ld LUTs (estimate %ld, %ld FFs), %d "
               "stages",
               h.luts_enc_yosys, h.luts_head_yosys, h.luts_core_yosys, h.luts_yosys,
               h.luts_estimate, h.ffs, h.n_stage_depth);
    be_hw_free(&h);
    free(sw);
    be_formal_result fr;
    EXPECT(be_formal(&t, &p, v, work, dir, &fr, &e) == RT_OK, "%s", e.msg);
    EXPECT(!fr.ran || fr.proved, "formal: %s", fr.note);
    /* a comparator's threshold edited in the RTL: the RTL run fails at the encoder */
    EXPECT(edit_file(v, is_signed ? "} >= 10'd" : "] >= 8'd", is_signed ? "} > 10'd" : "] > 8'd") ==
               0,
           "no comparator in %s", v);
    char *cs = rt_path_join(dir, "csim/hw.c");
    EXPECT(edit_file(cs, "scores[c] = (uint16_t)s;", "scores[c] = (uint16_t)(s ^ (c == 1));") == 0,
           "no head in %s", cs);
    EXPECT(be_formal(&t, &p, v, work, dir, &fr, &e) == RT_OK, "%s", e.msg);
    EXPECT(!fr.ran || (!fr.proved && strstr(fr.note, "input encoder")), "formal: %s", fr.note);
    EXPECT(be_verify(&t, &p, &c, dir, &o, &r, &e) == RT_OK, "%s", e.msg);
    const be_check *k = &r.repr[RT_REPR_RTL].run[0];
    if (k->ran)
        EXPECT(k->m.samples > 0 && k->m.layer == BE_LAYER_ENCODER,
               "the edited comparator: %ld samples, layer %d", k->m.samples, k->m.layer);
    k = &r.repr[RT_REPR_CSIM].run[0];
    if (k->ran)
        EXPECT(k->m.samples > 0 && k->m.layer == t.n_layers,
               "the edited head: %ld samples, layer %d", k->m.samples, k->m.layer);
    free(v);
    free(work);
    free(cs);
    rt_tables_free(&t);
    rt_codes_free(&c);
    be_plan_free(&p);
}

int main(void) {
    test_edges();
    test_fit();
    test_attach();
    test_head();
    char *dir = fx_tmpdir("hwio");
    test_files(dir);
    char *sub = rt_path_join(dir, "u");
    test_verify(sub, false, IR_PIPE_NONE, false);
    free(sub);
    sub = rt_path_join(dir, "s");
    test_verify(sub, true, IR_PIPE_EVERY_LAYER, true);
    free(sub);
    if (!getenv("HWIO_KEEP")) fx_release(dir, NULL, NULL, NULL);
    if (failures) fprintf(stderr, "test_be_hwio: %d failures\n", failures);
    return failures ? 1 : 0;
}
