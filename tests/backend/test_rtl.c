/* test_rtl.c - Verilator runs of the RTL: the outputs equal the C simulator and table
 * lookup bit for bit, the latency in cycles equals the register stages, and a broken
 * table is located at its first failing sample and layer. One pipelining per run:
 *   test_be_rtl none | every_layer | trees | every(K) | broken
 * Skipped (exit 77) when Verilator is not installed. Plain C (one Verilator build each
 * keeps every CTest well under a minute). */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

int main(int argc, char **argv) {
    const char *env = getenv("NLTC_VERILATOR");
    char *verilator = be_which(env && *env ? env : "verilator");
    if (!verilator) {
        puts("test_be_rtl: verilator not installed: skipped");
        return FX_SKIP;
    }
    free(verilator);
    if (argc != 2) {
        fprintf(stderr, "usage: test_be_rtl none|every_layer|trees|every(K)|broken\n");
        return 2;
    }
    bool broken = strcmp(argv[1], "broken") == 0;
    ir_pipeline pipe = IR_PIPE_TREES;
    int k = 0;
    if (!broken && be_pipeline_parse(argv[1], &pipe, &k)) {
        fprintf(stderr, "test_be_rtl: unknown pipelining '%s'\n", argv[1]);
        return 2;
    }
    fx_shape s = fx_trees();
    rt_tables t;
    rt_codes c;
    be_plan p;
    fx_random_tables(&s, 61, &t);
    fx_random_codes(&t, 700, 62, &c);
    fx_plan(&s, &t, "trees", pipe, k, &p);
    /* stages of each strategy on this 5-layer, 2-tree model */
    int stages = be_plan_stages(&p);
    switch (pipe) {
    case IR_PIPE_NONE:
        EXPECT(stages == 0, "none: %d stages", stages);
        break;
    case IR_PIPE_EVERY_LAYER:
        EXPECT(stages == 5, "every_layer: %d stages", stages);
        break;
    case IR_PIPE_TREES:
        EXPECT(stages == 2, "trees: %d stages", stages);
        break;
    case IR_PIPE_EVERY_K:
        EXPECT(stages == (5 + k - 1) / k, "every(%d): %d stages", k, stages);
        break;
    }
    int bad_sample = -1;
    if (broken) {
        /* change the row of support L-LUT 1 in layer 2 that sample 0 reads */
        const rt_table_layer *L = &t.layers[2];
        unsigned addr = 0;
        for (int f = 0; f < L->fanin; f++)
            addr |= (unsigned)c.layer[1][L->inputs[L->fanin + f]] << (f * L->bits_in);
        t.layers[2].codes[(1u << be_addr_bits(L)) + addr] ^= 1;
        rt_codes got;
        be_lookup_codes(&t, &c, &got);
        be_mismatch m;
        be_compare_outputs(&c, got.layer[4], &m);
        bad_sample = m.sample;
        EXPECT(bad_sample >= 0, "the broken row changes no output");
        rt_codes_free(&got);
    }
    char *dir = fx_tmpdir("rtl");
    be_input in = {&t, &p, &c};
    rt_error e = {0};
    if (be_emit_all(&in, dir, &e)) {
        fprintf(stderr, "test_be_rtl: %s\n", e.msg);
        return 1;
    }
    be_verify_opts o;
    be_verify_opts_default(&o);
    o.quiet = true;
    be_verify_result r;
    if (be_verify(&t, &p, &c, dir, &o, &r, &e)) {
        fprintf(stderr, "test_be_rtl: %s\n", e.msg);
        return 1;
    }
    be_verify_print(stdout, &r);
    EXPECT(r.repr[RT_REPR_RTL].n == 1 && r.repr[RT_REPR_RTL].run[0].ran, "the RTL did not run: %s",
           r.repr[RT_REPR_RTL].run[0].note);
    EXPECT(r.repr[RT_REPR_CSIM].run[0].ran, "the C simulator did not run: %s",
           r.repr[RT_REPR_CSIM].run[0].note);
    if (!broken) {
        EXPECT(r.mismatches == 0, "%ld mismatches", r.mismatches);
        EXPECT(r.repr[RT_REPR_RTL].run[0].m.samples == 0 &&
                   r.repr[RT_REPR_CSIM].run[0].m.samples == 0,
               "RTL or C sim differ");
        EXPECT(r.repr[RT_REPR_RTL].run[0].latency == stages, "latency %d, expected %d",
               r.repr[RT_REPR_RTL].run[0].latency, stages);
        EXPECT(r.repr[RT_REPR_RTL].run[0].latency_errors == 0, "%ld timing errors",
               r.repr[RT_REPR_RTL].run[0].latency_errors);
        EXPECT(r.repr[RT_REPR_RTL].run[0].accuracy == r.repr[RT_REPR_CSIM].run[0].accuracy,
               "accuracy differs from the C simulator");
        EXPECT(r.repr[RT_REPR_RTL].run[0].lint_warnings == 0, "%ld Verilator -Wall warnings",
               r.repr[RT_REPR_RTL].run[0].lint_warnings);
    } else {
        /* the RTL and the C simulator agree with each other, not with the reference */
        EXPECT(r.repr[RT_REPR_RTL].run[0].m.samples == r.repr[RT_REPR_CSIM].run[0].m.samples &&
                   r.repr[RT_REPR_RTL].run[0].m.samples > 0,
               "RTL %ld vs C sim %ld mismatching samples", r.repr[RT_REPR_RTL].run[0].m.samples,
               r.repr[RT_REPR_CSIM].run[0].m.samples);
        EXPECT(r.repr[RT_REPR_RTL].run[0].m.sample == bad_sample,
               "first RTL failure at sample %d, expected %d", r.repr[RT_REPR_RTL].run[0].m.sample,
               bad_sample);
        EXPECT(r.repr[RT_REPR_RTL].run[0].m.layer == 2,
               "RTL failure located at layer %d, expected 2", r.repr[RT_REPR_RTL].run[0].m.layer);
        EXPECT(r.repr[RT_REPR_CSIM].run[0].m.layer == 2,
               "C sim failure located at layer %d, expected 2",
               r.repr[RT_REPR_CSIM].run[0].m.layer);
        EXPECT(r.repr[RT_REPR_TABLES].run[0].m.sample == 0 &&
                   r.repr[RT_REPR_TABLES].run[0].m.layer == 2,
               "table lookup failure at sample %d layer %d", r.repr[RT_REPR_TABLES].run[0].m.sample,
               r.repr[RT_REPR_TABLES].run[0].m.layer);
        EXPECT(r.repr[RT_REPR_RTL].run[0].latency_errors == 0, "%ld timing errors",
               r.repr[RT_REPR_RTL].run[0].latency_errors);
    }
    fx_release(dir, &t, &c, &p);
    printf("test_be_rtl %s: %s\n", argv[1], failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
