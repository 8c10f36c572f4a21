/* test_yosys.c - the Yosys LUT count of a tiny hand-checked model equals the count derived
 * by hand. Skipped (exit 77) when Yosys is not installed.
 *
 * The model: 36 one-bit inputs; layer 0 has six L-LUTs, L-LUT j reading inputs 6j..6j+5;
 * layer 1 has one L-LUT reading the six layer-0 codes, with a 2-bit output. Every table
 * bit is a random function that depends on all six of its inputs, so each needs exactly
 * one LUT6 and no two can merge (a layer-1 bit depends on 36 inputs).
 * Hand count:
 *   pipeline none:               6 + 2 = 8 LUTs, 0 flip-flops, depth 2 LUT levels;
 *   every layer, sync reset:     8 + 2 = 10 LUTs (each valid bit's D = in & ~rst is a
 *                                LUT2), 6 + 1 + 2 + 1 = 10 flip-flops, depth 1 per stage;
 *   every layer, async reset:    8 LUTs (the reset is in the flip-flop), 10 flip-flops. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define EXPECT_EQ(got, want, what)                                                                 \
    do {                                                                                           \
        long g_ = (long)(got), w_ = (long)(want);                                                  \
        if (g_ != w_) {                                                                            \
            fprintf(stderr, "test_be_yosys: %s: got %ld, expected %ld\n", what, g_, w_);           \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* A random 6-input truth table (one bit per row in bit `bit`) depending on every input. */
static void full_support(uint16_t *rows, int bit, uint64_t *st) {
    for (;;) {
        uint64_t tt = fx_rand(st);
        bool all = true;
        for (int v = 0; v < 6 && all; v++) {
            bool dep = false;
            for (int r = 0; r < 64 && !dep; r++)
                dep = (tt >> r & 1) != (tt >> (r ^ 1 << v) & 1);
            all = dep;
        }
        if (!all) continue;
        for (int r = 0; r < 64; r++)
            rows[r] = (uint16_t)((rows[r] & ~(1u << bit)) | (unsigned)(tt >> r & 1) << bit);
        return;
    }
}

static void synth_case(const rt_tables *t, ir_pipeline pipe, ir_reset reset, long luts, long ffs,
                       long levels, const int *stage_depth, int n_stages) {
    be_plan p;
    be_plan_default(t, "handcount", pipe, 0, &p);
    p.reset_style = reset;
    char *dir = fx_tmpdir("yosys");
    be_input in = {t, &p, NULL};
    rt_error e = {0};
    if (be_emit_verilog(&in, dir, &e)) {
        fprintf(stderr, "test_be_yosys: %s\n", e.msg);
        exit(1);
    }
    char *rtl = rt_path_join(dir, "handcount.v");
    be_hw h;
    be_hw_init(&h);
    if (be_synth(rtl, &p, dir, &h, &e) || !h.synthesized) {
        fprintf(stderr, "test_be_yosys: %s%s\n", e.msg, h.synth_note);
        exit(1);
    }
    char what[128];
    snprintf(what, sizeof what, "%s/reset %d: LUTs", ir_pipeline_name(pipe), (int)reset);
    EXPECT_EQ(h.luts_yosys, luts, what);
    snprintf(what, sizeof what, "%s/reset %d: flip-flops", ir_pipeline_name(pipe), (int)reset);
    EXPECT_EQ(h.ffs, ffs, what);
    snprintf(what, sizeof what, "%s/reset %d: LUT levels", ir_pipeline_name(pipe), (int)reset);
    EXPECT_EQ(h.lut_levels, levels, what);
    EXPECT_EQ(h.n_stage_depth, n_stages, "pipeline stages with logic");
    for (int s = 0; s < n_stages && s < h.n_stage_depth; s++)
        EXPECT_EQ(h.stage_depth[s], stage_depth[s], "depth of a stage");
    /* synth_xilinx maps the 8 table LUT6 too (the valid bits' reset may go into the FDRE
     * R pin); the timing estimate covers every stage, the slowest sets the period */
    EXPECT_EQ(h.luts_mapped >= 8 && h.luts_mapped <= luts, 1, "synth_xilinx LUTs in [8, LUTs]");
    EXPECT_EQ(h.ffs_mapped, ffs, "synth_xilinx flip-flops");
    EXPECT_EQ(h.timed, 1, "timed");
    double slowest = 0;
    for (int s = 0; h.timed && s < h.n_stage_depth; s++)
        if (h.stage_ns[s] > slowest) slowest = h.stage_ns[s];
    EXPECT_EQ(h.timed && slowest == h.period_ns && h.period_ns > 0.3 && h.period_ns < 3.0, 1,
              "period = the slowest stage, in a plausible range");
    EXPECT_EQ(h.timed && h.latency_ns == (n_stages > 1 ? (n_stages)*h.period_ns : h.period_ns), 1,
              "latency = cycles x period, or the path delay");
    printf("%s, reset %d: %ld LUTs, %ld flip-flops, %ld levels (%.1f s)\n", ir_pipeline_name(pipe),
           (int)reset, h.luts_yosys, h.ffs, h.lut_levels, h.synth_s);
    be_hw_free(&h);
    free(rtl);
    fx_release(dir, NULL, NULL, &p);
}

int main(void) {
    const char *env = getenv("NLTC_YOSYS");
    char *yosys = be_which(env && *env ? env : "yosys");
    if (!yosys) {
        puts("test_be_yosys: yosys not installed: skipped");
        return FX_SKIP;
    }
    free(yosys);
    fx_shape s = {.n_inputs = 36, .input_bits = 1, .n_layers = 2};
    s.width[0] = 6, s.fanin[0] = 6, s.bits[0] = 1, s.support[0] = true;
    s.width[1] = 1, s.fanin[1] = 6, s.bits[1] = 2, s.support[1] = true;
    rt_tables t;
    fx_random_tables(&s, 71, &t);
    uint64_t st = 72;
    for (int j = 0; j < 6; j++)
        full_support(t.layers[0].codes + 64 * j, 0, &st);
    full_support(t.layers[1].codes, 0, &st);
    full_support(t.layers[1].codes, 1, &st);
    /* the analytic count agrees with the hand count of the tables */
    be_plan p;
    be_plan_default(&t, "handcount", IR_PIPE_NONE, 0, &p);
    be_hw h;
    be_hw_init(&h);
    be_hw_estimate(&t, &p, &h);
    EXPECT_EQ(h.luts_estimate, 8, "analytic estimate");
    EXPECT_EQ(h.luts_support, 8, "support estimate");
    be_hw_free(&h);
    be_plan_free(&p);
    static const int comb[1] = {2}, piped[2] = {1, 1};
    synth_case(&t, IR_PIPE_NONE, IR_RESET_SYNC_HIGH, 8, 0, 2, comb, 1);
    synth_case(&t, IR_PIPE_EVERY_LAYER, IR_RESET_SYNC_HIGH, 10, 10, 1, piped, 2);
    synth_case(&t, IR_PIPE_EVERY_LAYER, IR_RESET_ASYNC_HIGH, 8, 10, 1, piped, 2);
    rt_tables_free(&t);
    printf("test_be_yosys: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
