/* test_reduce.c - table reduction with don't-cares (runtime/backend/reduce.c): a seen
 * address never changes, the counted samples run through the reduced tables exactly as
 * through the trained ones, the rarity threshold, the support reduction on a function
 * whose don't-cares hide a plain wire, the budget of changed outputs, the estimate (without the
 * L-LUTs that reach no output), and the group-sum head's pass. */
#include "fixture.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "reduce.h"

/* Random tables of shape s, n random samples counted; reduced copy in *red. */
static void reduce_random(const fx_shape *s, int n, const be_reduce_opts *o, rt_tables *orig,
                          rt_tables *red, rt_codes *c, be_counts *cnt, be_reduce_stats *st) {
    fx_random_tables(s, 5, orig);
    fx_random_tables(s, 5, red);
    fx_random_codes(orig, n, 6, c);
    be_counts_init(cnt, orig);
    be_counts_add(cnt, orig, c);
    ck_assert_int_eq(be_reduce(red, cnt, o, st, NULL), RT_OK);
}

/* Three layers on 16 two-bit inputs: tables of 8, 6 and 6 address bits. */
static fx_shape three_layers(void) {
    fx_shape s = {.n_inputs = 16, .input_bits = 2, .n_layers = 3};
    static const int w[] = {12, 6, 3}, f[] = {4, 3, 2}, b[] = {2, 3, 4};
    for (int l = 0; l < 3; l++)
        s.width[l] = w[l], s.fanin[l] = f[l], s.bits[l] = b[l];
    return s;
}

/* Every address counted at least rarity times keeps its code, in every layer. */
static void assert_seen_kept(const rt_tables *orig, const rt_tables *red, const be_counts *cnt,
                             long rarity) {
    long checked = 0;
    for (int l = 0; l < orig->n_layers; l++) {
        const rt_table_layer *L = &orig->layers[l];
        size_t n = (size_t)L->n_lut << be_addr_bits(L);
        for (size_t x = 0; x < n; x++)
            if (cnt->counts[l][x] >= (uint32_t)rarity) {
                ck_assert_int_eq(red->layers[l].codes[x], L->codes[x]);
                checked++;
            }
    }
    ck_assert_int_gt(checked, 0);
}

START_TEST(test_seen_kept) {
    fx_shape s = three_layers();
    static const long rarities[] = {1, 2, 5};
    for (int r = 0; r < 3; r++) {
        rt_tables orig, red;
        rt_codes c;
        be_counts cnt;
        be_reduce_stats st;
        be_reduce_opts o = {.rarity = rarities[r], .lut_inputs = 6};
        reduce_random(&s, 30, &o, &orig, &red, &c, &cnt, &st);
        assert_seen_kept(&orig, &red, &cnt, rarities[r]);
        /* 8-bit addresses, 30 samples: most unseen, so the pass has room */
        ck_assert_int_lt(st.seen, st.addresses);
        ck_assert_int_lt(st.support_after, st.support_before);
        ck_assert_int_le(st.luts_final, st.luts_before);
        ck_assert_int_eq(st.bits, 12 * 2 + 6 * 3 + 3 * 4);
        if (rarities[r] == 1) { /* the counted samples: the same codes through both */
            rt_codes got;
            be_lookup_codes(&red, &c, &got);
            be_mismatch m;
            ck_assert_int_eq(be_compare_codes(&c, &got, &m), 0);
            rt_codes_free(&got);
        }
        be_counts_free(&cnt);
        rt_tables_free(&orig);
        rt_tables_free(&red);
        rt_codes_free(&c);
    }
}
END_TEST

/* With every address seen, nothing changes. */
START_TEST(test_all_seen_unchanged) {
    fx_shape s = fx_tiny();
    rt_tables orig, red;
    fx_random_tables(&s, 9, &orig);
    fx_random_tables(&s, 9, &red);
    be_counts cnt;
    be_counts_init(&cnt, &orig);
    for (int l = 0; l < orig.n_layers; l++) {
        size_t n = (size_t)orig.layers[l].n_lut << be_addr_bits(&orig.layers[l]);
        for (size_t x = 0; x < n; x++)
            cnt.counts[l][x] = 1;
    }
    be_reduce_opts o = {.rarity = 1, .lut_inputs = 6};
    be_reduce_stats st;
    ck_assert_int_eq(be_reduce(&red, &cnt, &o, &st, NULL), RT_OK);
    ck_assert_int_eq(st.seen, st.addresses);
    for (int l = 0; l < orig.n_layers; l++) {
        size_t n = (size_t)orig.layers[l].n_lut << be_addr_bits(&orig.layers[l]);
        ck_assert_int_eq(memcmp(orig.layers[l].codes, red.layers[l].codes, n * 2), 0);
    }
    ck_assert_int_eq(st.support_after, st.support_before);
    be_counts_free(&cnt);
    rt_tables_free(&orig);
    rt_tables_free(&red);
}
END_TEST

/* One L-LUT on three 1-bit inputs: f = x0 except f(111) = 0, address 7 seen twice and the
 * others five times. With rarity 3 to 5 address 7 is a don't-care and f becomes the wire
 * x0; with rarity 2 it is seen and kept; with 6 nothing is seen. */
static void one_lut(rt_tables *t, be_counts *cnt) {
    memset(t, 0, sizeof *t);
    t->n_inputs = 3;
    t->input_bits = 1;
    t->n_layers = 1;
    t->layers = xcalloc(1, sizeof *t->layers);
    rt_table_layer *L = &t->layers[0];
    *L = (rt_table_layer){.n_lut = 1, .in_width = 3, .fanin = 3, .bits_in = 1, .bits_out = 1};
    L->inputs = xmalloc(3 * sizeof *L->inputs);
    L->codes = xmalloc(8 * sizeof *L->codes);
    for (int j = 0; j < 3; j++)
        L->inputs[j] = j;
    for (int x = 0; x < 8; x++)
        L->codes[x] = (uint16_t)(x & 1);
    L->codes[7] = 0;
    be_counts_init(cnt, t);
    for (int x = 0; x < 8; x++)
        cnt->counts[0][x] = x == 7 ? 2 : 5;
}

START_TEST(test_rarity) {
    static const long rarities[] = {1, 2, 3, 5, 6};
    for (int i = 0; i < 5; i++) {
        long r = rarities[i];
        rt_tables t;
        be_counts cnt;
        one_lut(&t, &cnt);
        be_reduce_opts o = {.rarity = r, .lut_inputs = 6};
        be_reduce_stats st;
        ck_assert_int_eq(be_reduce(&t, &cnt, &o, &st, NULL), RT_OK);
        if (r <= 2) { /* seen: f keeps all three inputs (x0 and the x1 x2 exception) */
            ck_assert_int_eq(t.layers[0].codes[7], 0);
            ck_assert_int_eq(st.seen, 8);
            ck_assert_int_eq(st.support_after, 3);
        } else if (r <= 5) { /* a don't-care: x0, a plain wire */
            ck_assert_int_eq(t.layers[0].codes[7], 1);
            ck_assert_int_eq(st.seen, 7);
            ck_assert_int_eq(st.support_after, 1);
            ck_assert_int_eq(st.wire_after, 1);
            ck_assert_int_eq(st.luts_final, 0);
        } else { /* nothing seen: a constant */
            ck_assert_int_eq(st.seen, 0);
            ck_assert_int_eq(st.const_after, 1);
            ck_assert_int_eq(st.luts_final, 0);
        }
        for (int x = 0; x < 7 && r <= 5; x++)
            ck_assert_int_eq(t.layers[0].codes[x], x & 1);
        be_counts_free(&cnt);
        rt_tables_free(&t);
    }
}
END_TEST

/* Counts saturate instead of wrapping; one strategy alone is honoured. */
START_TEST(test_counts_and_methods) {
    rt_tables t;
    be_counts cnt;
    one_lut(&t, &cnt);
    cnt.counts[0][0] = UINT32_MAX;
    rt_codes c = {.n_samples = 1, .n_inputs = 3, .n_layers = 1};
    uint16_t in[3] = {0, 0, 0}, out[1] = {0};
    uint16_t *layers[1] = {out};
    c.input = in;
    c.layer = layers;
    be_counts_add(&cnt, &t, &c);
    ck_assert_uint_eq(cnt.counts[0][0], UINT32_MAX);
    be_reduce_opts o = {.rarity = 3, .lut_inputs = 6, .methods = 1u << BE_RD_TRAINED};
    be_reduce_stats st;
    ck_assert_int_eq(be_reduce(&t, &cnt, &o, &st, NULL), RT_OK);
    ck_assert_int_eq(st.wins[BE_RD_TRAINED], 1);
    ck_assert_int_eq(t.layers[0].codes[7], 0); /* the trained value kept */
    ck_assert_str_eq(be_rd_method_name(BE_RD_BEST_FIRST), "best-first");
    be_counts_free(&cnt);
    rt_tables_free(&t);
}
END_TEST

/* The exact strategy finds a smallest support where the greedy ones do not: seen at 0 (0),
 * 5 and 6 (1), the rest don't-cares whose trained values make x2 the cheapest first drop
 * for best-first and the first for high-first; both then keep x0 and x1, while f = x2
 * alone fits every seen address. */
START_TEST(test_exact_support) {
    static const uint16_t trained[8] = {0, 1, 1, 0, 0, 1, 1, 0};
    for (int only = 0; only < 2; only++) {
        rt_tables t;
        be_counts cnt;
        one_lut(&t, &cnt);
        for (int x = 0; x < 8; x++) {
            t.layers[0].codes[x] = trained[x];
            cnt.counts[0][x] = x == 0 || x == 5 || x == 6 ? 4 : 0;
        }
        be_reduce_opts o = {.rarity = 1, .lut_inputs = 4};
        o.methods = only ? 1u << BE_RD_BEST_FIRST | 1u << BE_RD_HIGH_FIRST : 0;
        be_reduce_stats st;
        ck_assert_int_eq(be_reduce(&t, &cnt, &o, &st, NULL), RT_OK);
        for (int x = 0; x < 8; x++)
            if (!only) ck_assert_int_eq(t.layers[0].codes[x], x >> 2); /* f = x2 */
        if (only) ck_assert_int_eq(st.support_after, 2);
        if (!only) ck_assert_int_eq(st.wins[BE_RD_EXACT], 1);
        if (!only) ck_assert_int_eq(st.support_after, 1);
        ck_assert_str_eq(be_rd_method_name(BE_RD_EXACT), "exact");
        be_counts_free(&cnt);
        rt_tables_free(&t);
    }
}
END_TEST

/* ABC's fill (fill = abc): the don't-care of the one-L-LUT model makes f the wire x0 (the
 * ISOP between x0 without address 7 and x0); on random tables every seen address keeps its
 * code in every layer. Without yosys-abc: a refusal that names it. */
START_TEST(test_abc_fill) {
    char *abc = be_which("yosys-abc");
    rt_tables t;
    be_counts cnt;
    one_lut(&t, &cnt);
    be_reduce_opts o = {.rarity = 3, .lut_inputs = 6, .abc = true};
    be_reduce_stats st;
    rt_error e;
    if (!abc) {
        setenv("NLTC_YOSYS_ABC", "/nonexistent/yosys-abc", 1);
        ck_assert_int_eq(be_reduce(&t, &cnt, &o, &st, &e), RT_ERR_TOOL);
        ck_assert_ptr_nonnull(strstr(e.msg, "yosys-abc"));
        puts("test_abc_fill: yosys-abc not installed: only the refusal checked");
        be_counts_free(&cnt);
        rt_tables_free(&t);
        return;
    }
    free(abc);
    ck_assert_int_eq(be_reduce(&t, &cnt, &o, &st, &e), RT_OK);
    for (int x = 0; x < 8; x++)
        ck_assert_int_eq(t.layers[0].codes[x], x & 1);
    ck_assert_int_eq(st.wire_after, 1);
    be_counts_free(&cnt);
    rt_tables_free(&t);
    fx_shape s = {.n_inputs = 16, .input_bits = 2, .n_layers = 2};
    static const int w[] = {8, 4}, f[] = {3, 2}, b[] = {2, 3};
    for (int l = 0; l < 2; l++)
        s.width[l] = w[l], s.fanin[l] = f[l], s.bits[l] = b[l];
    rt_tables orig, red;
    rt_codes c;
    fx_random_tables(&s, 5, &orig);
    fx_random_tables(&s, 5, &red);
    fx_random_codes(&orig, 20, 6, &c);
    be_counts_init(&cnt, &orig);
    be_counts_add(&cnt, &orig, &c);
    ck_assert_int_eq(be_reduce(&red, &cnt, &o, &st, &e), RT_OK);
    assert_seen_kept(&orig, &red, &cnt, 3);
    ck_assert_int_lt(st.seen, st.addresses);
    be_counts_free(&cnt);
    rt_tables_free(&orig);
    rt_tables_free(&red);
    rt_codes_free(&c);
}
END_TEST

/* dont_care(changes = C): the pass changes at most C x (samples x output bits) counted
 * outputs, and exactly as many as it reports (each L-LUT's counted addresses, weighted by
 * their counts, where the reduced bit differs from the trained one); with a budget of 0
 * every counted address keeps its code. The first layer's 8-bit tables exceed the LUT6, so
 * spending the budget saves LUTs. */
START_TEST(test_changes_budget) {
    fx_shape s = three_layers();
    static const double changes[] = {0.02, 1e-9};
    for (int i = 0; i < 2; i++) {
        rt_tables orig, red;
        rt_codes c;
        be_counts cnt;
        be_reduce_stats st;
        be_reduce_opts o = {.rarity = 1, .lut_inputs = 6, .changes = changes[i]};
        reduce_random(&s, 200, &o, &orig, &red, &c, &cnt, &st);
        ck_assert_int_eq(st.budget, (long long)(changes[i] * 200 * (12 * 2 + 6 * 3 + 3 * 4)));
        long long changed = 0;
        for (int l = 0; l < 3; l++) {
            const rt_table_layer *L = &orig.layers[l];
            size_t n = (size_t)L->n_lut << be_addr_bits(L);
            for (size_t x = 0; x < n; x++)
                changed += (long long)cnt.counts[l][x] *
                           __builtin_popcount((unsigned)(L->codes[x] ^ red.layers[l].codes[x]));
        }
        ck_assert_int_eq(changed, st.changed);
        ck_assert_int_le(st.changed, st.budget);
        if (i == 0) {
            ck_assert_int_gt(st.changed, 0);
            ck_assert_int_lt(st.luts_after, st.luts_before);
        } else {
            ck_assert_int_eq(st.changed, 0);
            assert_seen_kept(&orig, &red, &cnt, 1);
        }
        be_counts_free(&cnt);
        rt_tables_free(&orig);
        rt_tables_free(&red);
        rt_codes_free(&c);
    }
}
END_TEST

/* The estimate: the hand model's functions are all small and distinct. */
START_TEST(test_estimate) {
    rt_tables t;
    fx_hand_tables(&t);
    long no_pairs = be_reduce_estimate(&t, 6, false);
    long pairs = be_reduce_estimate(&t, 6, true);
    ck_assert_int_gt(no_pairs, 0);
    ck_assert_int_lt(pairs, no_pairs);
    ck_assert_int_eq(be_reduce_estimate(&t, 4, true), no_pairs); /* no O5/O6 on K = 4 */
    /* As in test_lookup's test_hw_estimate: the second layer's bits become a wire, a
     * constant and an inverted wire, and nothing reads the first layer's L-LUT 2 through a
     * bit its table depends on. The estimate leaves that L-LUT out, as synthesis does: the
     * two first-layer L-LUTs left and the inverter, one LUT each. */
    for (int r = 0; r < 8; r++) {
        t.layers[1].codes[r] = (uint16_t)(r & 1);
        t.layers[1].codes[8 + r] = (uint16_t)(r >> 1 & 1 ? 2 : 3);
    }
    ck_assert_int_eq(be_reduce_estimate(&t, 6, false), 2 + 1);
    rt_tables_free(&t);
}
END_TEST

/* A group-sum model (two 1-bit layers of 12 L-LUTs, 3 classes of 4) and n samples labelled
 * with its own classes, counted; *red a copy to reduce. */
static void head_model(int n, rt_tables *t, rt_tables *red, rt_codes *c, be_counts *cnt) {
    fx_shape s = {.n_inputs = 16, .input_bits = 1, .n_layers = 2};
    s.width[0] = 12, s.fanin[0] = 4, s.bits[0] = 1;
    s.width[1] = 12, s.fanin[1] = 3, s.bits[1] = 1;
    fx_random_tables(&s, 11, t);
    fx_random_tables(&s, 11, red);
    t->head_group = red->head_group = 4;
    fx_random_codes(t, n, 12, c);
    be_codes_add_scores(t, c);
    for (int i = 0; i < n; i++) { /* the model's own class: every sample classified */
        const uint16_t *sc = c->scores + (size_t)i * 3;
        int k = 0;
        for (int j = 1; j < 3; j++)
            k = sc[j] > sc[k] ? j : k;
        c->labels[i] = k;
    }
    be_counts_init(cnt, t);
    be_counts_add(cnt, t, c);
}

/* Reduces red as the flow does (be_reduce, then be_reduce_head on the samples through
 * red's reduced first layer); returns the accuracy of red on c's samples. */
static double head_reduce(rt_tables *red, const rt_codes *c, const be_counts *cnt, double errors,
                          int margin, be_reduce_stats *st) {
    be_reduce_opts o = {
        .rarity = 1, .lut_inputs = 6, .head = true, .errors = errors, .margin = margin};
    ck_assert(be_reduce_head_applies(red));
    ck_assert_int_eq(be_reduce(red, cnt, &o, st, NULL), RT_OK);
    be_samples smp;
    be_samples_init(&smp, red, c->n_samples, c->labels);
    be_reduce_lookup(red, 0, c->n_samples, c->input, NULL, &smp);
    be_reduce_head(red, &smp, &o, st);
    be_samples_free(&smp);
    rt_codes got;
    be_lookup_codes(red, c, &got);
    be_codes_add_scores(red, &got);
    double acc = be_accuracy(got.scores, got.n_samples, 3, c->labels);
    rt_codes_free(&got);
    return acc;
}

/* Inputs the last layer of t depends on, summed over its L-LUTs. */
static long last_support(const rt_tables *t) {
    const rt_table_layer *L = &t->layers[t->n_layers - 1];
    const int a = be_addr_bits(L);
    long n = 0;
    for (int j = 0; j < L->n_lut; j++)
        for (int i = 0; i < a; i++) {
            bool dep = false;
            for (int x = 0; x < 1 << a && !dep; x++)
                dep = !(x >> i & 1) && L->codes[(j << a) | x] != L->codes[(j << a) | x | 1 << i];
            n += dep;
        }
    return n;
}

/* The group-sum head's pass: with errors = 0 no training sample loses its class, yet the
 * last layer loses inputs; with errors = E (margin 0: the class alone) at most E of the
 * samples do and it loses at least as many; without a group-sum head it does not apply. */
START_TEST(test_head) {
    enum { N = 60 };
    rt_tables t, red, red2;
    rt_codes c;
    be_counts cnt;
    be_reduce_stats st, st2;
    head_model(N, &t, &red, &c, &cnt);
    ck_assert_double_eq(head_reduce(&red, &c, &cnt, 0, 1, &st), 1.0);
    ck_assert_int_eq(st.head_errors, 0);
    ck_assert_int_eq(st.head_samples, N);
    long kept = 0;
    for (int k = 0; k <= 3; k++)
        kept += k * st.head_support[k];
    ck_assert_int_eq(kept, last_support(&red));
    ck_assert_int_lt(kept, last_support(&t)); /* the last layer lost inputs */
    rt_tables_free(&red);
    fx_shape s = {.n_inputs = 16, .input_bits = 1, .n_layers = 2};
    s.width[0] = 12, s.fanin[0] = 4, s.bits[0] = 1;
    s.width[1] = 12, s.fanin[1] = 3, s.bits[1] = 1;
    fx_random_tables(&s, 11, &red2);
    red2.head_group = 4;
    double acc = head_reduce(&red2, &c, &cnt, 0.1, 0, &st2);
    ck_assert_int_gt(st2.head_errors, 0);
    ck_assert_int_le(st2.head_errors, N / 10);
    ck_assert_double_ge(acc, 1.0 - (double)st2.head_errors / N);
    ck_assert_int_le(st2.support_after, st.support_after);
    red2.head_group = 0;
    ck_assert(!be_reduce_head_applies(&red2));
    rt_tables_free(&red2);
    rt_tables_free(&t);
    rt_codes_free(&c);
    be_counts_free(&cnt);
}
END_TEST

int main(void) {
    Suite *s = suite_create("reduce");
    TCase *tc = tcase_create("reduce");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_seen_kept);
    tcase_add_test(tc, test_all_seen_unchanged);
    tcase_add_test(tc, test_rarity);
    tcase_add_test(tc, test_counts_and_methods);
    tcase_add_test(tc, test_exact_support);
    tcase_add_test(tc, test_estimate);
    tcase_add_test(tc, test_changes_budget);
    tcase_add_test(tc, test_abc_fill);
    tcase_add_test(tc, test_head);
    suite_add_tcase(s, tc);
    return fx_run_suite(s);
}
