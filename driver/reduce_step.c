/* reduce_step.c - the flow's table-reduction step: address counts on the training split
 * (the model's own reference codes, a block of samples at a time), the reduction
 * (runtime/backend/reduce.c), and the test split's reference codes recomputed through the
 * reduced tables, with the accuracy of both on validation and test. */
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

/* Adds the addresses the model produces on split s to cnt; with t2 set, also the
 * accuracy of the model's codes (*before) and of t2's lookup (*after) on s. */
static rt_status rs_pass(const tr_model *m, const rt_dataset *d, const rt_split *s,
                         const rt_tables *t, be_counts *cnt, const rt_tables *t2, double *before,
                         double *after, rt_error *e) {
    long right[2] = {0, 0};
    for (int off = 0; off < s->n; off += RS_BLOCK) {
        int n = s->n - off < RS_BLOCK ? s->n - off : RS_BLOCK;
        rt_split part = rs_rows(s, d->inputs, off, n);
        rt_codes c;
        rt_status st = tr_codes(m, &part, &c, e);
        if (st) return st;
        if (cnt) be_counts_add(cnt, t, &c);
        if (t2) {
            rt_codes red;
            be_lookup_codes(t2, &c, &red);
            int w = t->layers[t->n_layers - 1].n_lut, L = t->n_layers - 1;
            right[0] += lround(be_accuracy(c.layer[L], n, w, c.labels) * n);
            right[1] += lround(be_accuracy(red.layer[L], n, w, red.labels) * n);
            rt_codes_free(&red);
        }
        rt_codes_free(&c);
    }
    if (t2) {
        *before = s->n ? (double)right[0] / s->n : NAN;
        *after = s->n ? (double)right[1] / s->n : NAN;
    }
    return RT_OK;
}

static void rs_print(const be_reduce_stats *s, const rt_report *r) {
    printf("reduce: rarity %ld, %lld of %lld addresses seen; LUT estimate %ld -> %ld "
           "(support %ld -> %ld inputs, constant bits %ld -> %ld, wires %ld -> %ld, shared %ld, "
           "O5/O6 pairs %ld); %.2f s\n",
           r->reduce.rarity, s->seen, s->addresses, s->luts_before, s->luts_final,
           s->support_before, s->support_after, s->const_before, s->const_after, s->wire_before,
           s->wire_after, s->dup_luts, s->pairs, r->reduce.seconds);
    printf("reduce: strategies chosen per bit:");
    for (int m = 0; m < BE_RD_N; m++)
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
    rt_status st = rs_pass(m, d, &d->train, t, &cnt, NULL, NULL, NULL, e);
    if (st) {
        be_counts_free(&cnt);
        return st;
    }
    be_reduce_opts o = {.rarity = ir->hw.reduce_rarity, .lut_inputs = ir->hw.lut_inputs};
    be_reduce_stats s;
    be_reduce(t, &cnt, &o, &s);
    be_counts_free(&cnt);
    r->reduce.rarity = o.rarity;
    st = rs_pass(m, d, &d->valid, t, NULL, t, &r->reduce.valid_before, &r->reduce.valid_after, e);
    if (st) return st;
    rt_codes red; /* the test split's reference codes, through the reduced tables */
    be_lookup_codes(t, c, &red);
    int L = t->n_layers - 1, w = t->layers[L].n_lut;
    r->reduce.test_before = be_accuracy(c->layer[L], c->n_samples, w, c->labels);
    r->reduce.test_after = be_accuracy(red.layer[L], red.n_samples, w, red.labels);
    be_mismatch mm;
    r->reduce.changed_test = be_compare_codes(c, &red, &mm);
    rt_codes_free(c);
    *c = red;
    r->reduce.addresses = s.addresses;
    r->reduce.seen = s.seen;
    r->reduce.luts_before = s.luts_before;
    r->reduce.luts_after = s.luts_final;
    r->reduce.seconds = rt_now() - t0;
    if (!quiet) rs_print(&s, r);
    return RT_OK;
}
