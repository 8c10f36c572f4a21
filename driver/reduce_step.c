/* reduce_step.c - the flow's table-reduction step: address counts on the training split
 * (the model's input codes, then table lookup through the trained tables, a block of
 * samples at a time), the reduction (runtime/backend/reduce.c), and the test split's
 * reference codes recomputed through the reduced tables, with the accuracy of both on
 * validation and test. */
#include "reduce_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "reduce.h"

enum { RS_BLOCK = 4096 }; /* samples whose codes are held at once */

/* Rows [off, off + n) of s as a split of their own (no copy). */
static rt_split rs_rows(const rt_split *s, int inputs, int off, int n) {
    return (rt_split){.n = n, .x = s->x + (size_t)off * (size_t)inputs, .y = s->y + off};
}

/* Accuracy of a code set: the class scores with a group-sum head, else the last layer. */
static double rs_accuracy(const rt_codes *c) {
    return be_accuracy(be_codes_out(c), c->n_samples, be_codes_out_width(c), c->labels);
}

/* Over split s, a block of samples at a time: the model's input codes (tr_input_codes),
 * then table lookup through t. Adds every L-LUT's addresses to cnt when set; returns the
 * accuracy of t's lookup in *acc when set; fills smp's last-layer addresses when set. The tables
 * are what the quantized forward computes, so these are the model's own codes, without its forward
 * pass. */
static rt_status rs_pass(const tr_model *m, const rt_dataset *d, const rt_split *s,
                         const rt_tables *t, be_counts *cnt, be_samples *smp, double *acc,
                         rt_error *e) {
    long right = 0;
    int blk = s->n < RS_BLOCK ? s->n : RS_BLOCK;
    uint16_t *in = xmalloc(sizeof *in * ((size_t)blk * (size_t)t->n_inputs + 1));
    rt_status st = RT_OK;
    for (int off = 0; off < s->n && !st; off += RS_BLOCK) {
        int n = s->n - off < RS_BLOCK ? s->n - off : RS_BLOCK;
        rt_split part = rs_rows(s, d->inputs, off, n);
        st = tr_input_codes(m, &part, in, e);
        if (st) break;
        if (cnt || smp) be_reduce_lookup(t, off, n, in, cnt, smp);
        if (acc) {
            rt_codes ref = {.n_samples = n, .n_inputs = t->n_inputs, .input = in, .labels = part.y},
                     got;
            be_lookup_codes(t, &ref, &got);
            right += lround(rs_accuracy(&got) * n);
            rt_codes_free(&got);
        }
    }
    free(in);
    if (acc) *acc = s->n ? (double)right / s->n : NAN;
    return st;
}

static void rs_print(const be_reduce_stats *s, const rt_report *r, int k, bool abc, bool head) {
    printf("reduce: rarity %ld, %lld of %lld addresses seen; LUT%d estimate %ld -> %ld without "
           "O5/O6 pairs, %ld -> %ld with them (pairs %ld -> %ld%s; support %ld -> %ld inputs, "
           "constant bits %ld -> %ld, wires %ld -> %ld, identical functions shared %ld -> %ld); "
           "%.2f s\n",
           r->reduce.rarity, s->seen, s->addresses, k, r->reduce.luts_before, r->reduce.luts_after,
           r->reduce.luts_before_pairs, r->reduce.luts_after_pairs, s->pairs_before, s->pairs,
           k == 6 ? "" : ": only 6-input LUTs pair", s->support_before, s->support_after,
           s->const_before, s->const_after, s->wire_before, s->wire_after, s->dup_before,
           s->dup_luts, r->reduce.seconds);
    if (head) {
        printf("reduce: group-sum head: last-layer L-LUTs by inputs kept:");
        for (int i = 0; i < 9; i++)
            if (s->head_support[i]) printf(" %d: %ld", i, s->head_support[i]);
        printf("; net new errors on the %ld training samples %ld\n", s->head_samples,
               s->head_errors);
    }
    if (abc)
        printf("reduce: fill abc (ABC's collapse with the don't-cares, read back)");
    else if (r->reduce.budget >= 0)
        printf("reduce: changes: %lld of the training samples' output bits changed (budget %lld), "
               "the cheapest drops per LUT saved first",
               s->changed, s->budget);
    else
        printf("reduce: strategies chosen per bit:");
    for (int m = 0; m < BE_RD_N && !abc && r->reduce.budget < 0; m++)
        printf(" %s %ld", be_rd_method_name((be_rd_method)m), s->wins[m]);
    printf("\nreduce: accuracy validation %.2f%% -> %.2f%%, test %.2f%% -> %.2f%% (%ld test "
           "samples changed)\n",
           100 * r->reduce.valid_before, 100 * r->reduce.valid_after, 100 * r->reduce.test_before,
           100 * r->reduce.test_after, r->reduce.changed_test);
    fflush(stdout);
}

rt_status nltc_flow_reduce(const ir_program *ir, const tr_model *m, const rt_dataset *d,
                           rt_tables *t, rt_codes *c, rt_report *r, bool quiet, rt_error *e) {
    if (ir->hw.reduce_rarity <= 0) return RT_OK;
    double t0 = rt_now();
    be_counts cnt;
    be_counts_init(&cnt, t);
    rt_status st = rs_pass(m, d, &d->train, t, &cnt, NULL, NULL, e);
    if (!st) st = rs_pass(m, d, &d->valid, t, NULL, NULL, &r->reduce.valid_before, e);
    if (st) {
        be_counts_free(&cnt);
        return st;
    }
    be_reduce_opts o = {.rarity = ir->hw.reduce_rarity,
                        .lut_inputs = ir->hw.lut_inputs,
                        .abc = ir->hw.reduce_fill == IR_RFILL_ABC,
                        .changes = ir->hw.reduce_changes,
                        .errors = ir->hw.reduce_errors,
                        .margin = ir->hw.reduce_margin};
    o.head = !o.abc && o.errors >= 0 && be_reduce_head_applies(t); /* < 0: benches only */
    be_reduce_stats s;
    st = be_reduce(t, &cnt, &o, &s, e);
    be_counts_free(&cnt);
    if (!st && o.head) { /* the group-sum head's layer, on the samples through the rest */
        be_samples smp;
        be_samples_init(&smp, t, d->train.n, d->train.y);
        st = rs_pass(m, d, &d->train, t, NULL, &smp, NULL, e);
        if (!st) be_reduce_head(t, &smp, &o, &s);
        be_samples_free(&smp);
    }
    if (st) return st;
    r->reduce.rarity = o.rarity;
    st = rs_pass(m, d, &d->valid, t, NULL, NULL, &r->reduce.valid_after, e);
    if (st) return st;
    rt_codes red; /* the test split's reference codes, through the reduced tables */
    be_lookup_codes(t, c, &red);
    be_codes_add_scores(t, c);
    r->reduce.test_before = rs_accuracy(c);
    r->reduce.test_after = rs_accuracy(&red);
    be_mismatch mm;
    r->reduce.changed_test = be_compare_codes(c, &red, &mm);
    rt_codes_free(c);
    *c = red;
    r->reduce.addresses = s.addresses;
    r->reduce.seen = s.seen;
    r->reduce.luts_before = s.luts_before - s.dup_before;
    r->reduce.luts_after = s.luts_after - s.dup_luts;
    r->reduce.luts_before_pairs = r->reduce.luts_before - s.pairs_before;
    r->reduce.luts_after_pairs = s.luts_final;
    if (o.changes > 0 && !o.abc) r->reduce.budget = s.budget, r->reduce.changed_train = s.changed;
    r->reduce.seconds = rt_now() - t0;
    if (!quiet) rs_print(&s, r, o.lut_inputs, o.abc, o.head);
    return RT_OK;
}
