/* test_timing.c - the static timing pass on a hand-written mapped netlist whose arrival
 * times are worked out by hand from the model's constants (no Yosys needed).
 *
 * Two layers, a register after each (every_layer). Stage 1: l0 = LUT2(a, b) into r0.
 * Stage 2: two LUT3 over (r0, c, a) and (r0, c, b) joined by a MUXF7 selected by a, into
 * r1. Fanouts: a 3 (LUT2, LUT3, MUXF7.S), b 2, c 2, r0 2, l0 1, l1 1. By hand, with
 * w(fo) = wire_base + wire_fanout * log2(fo):
 *   stage 1 = t_cko + w(3) + t_lut + w(1) + t_setup           (a is the latest input)
 *   stage 2 = t_cko + w(3) + t_lut + t_muxf7 + w(1) + t_setup (the MUXF7's data inputs
 *             come from its slice: no wire)
 * so the period is stage 2, latency 2 periods, ADP = 3 LUTs x latency, and the critical
 * path ends in stage 2 through 1 LUT and 1 MUXF7. */
#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void expect_near(double got, double want, const char *what) {
    if (!(fabs(got - want) < 1e-9)) {
        fprintf(stderr, "test_be_timing: %s: got %.6f, expected %.6f\n", what, got, want);
        failures++;
    }
}

static void expect(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "test_be_timing: %s\n", what);
        failures++;
    }
}

static const char *const netlist_text = ".model top\n"
                                        ".inputs clk a b c\n"
                                        ".outputs y\n"
                                        ".names $false\n"
                                        ".names $true\n"
                                        "1\n"
                                        ".gate LUT2 I0=a I1=b O=l0[0]\n"
                                        ".gate FDRE C=clk CE=$true D=l0[0] Q=r0[0] R=$false\n"
                                        ".gate LUT3 I0=r0[0] I1=c I2=a O=m0\n"
                                        ".gate LUT3 I0=r0[0] I1=c I2=b O=m1\n"
                                        ".gate MUXF7 I0=m0 I1=m1 O=l1[0] S=a\n"
                                        ".gate FDRE C=clk CE=$true D=l1[0] Q=r1[0] R=$false\n"
                                        ".names r1[0] y\n"
                                        "1 1\n"
                                        ".end\n";

int main(void) {
    fx_shape s = {.n_inputs = 3, .input_bits = 1, .n_layers = 2};
    s.width[0] = 1, s.fanin[0] = 2, s.bits[0] = 1;
    s.width[1] = 1, s.fanin[1] = 2, s.bits[1] = 1;
    rt_tables t;
    fx_random_tables(&s, 5, &t);
    be_plan p;
    be_plan_default(&t, "timed", IR_PIPE_EVERY_LAYER, 0, &p);
    char *dir = fx_tmpdir("timing");
    char *blif = rt_path_join(dir, "mapped.blif");
    FILE *f = fopen(blif, "w");
    if (!f || fputs(netlist_text, f) < 0 || fclose(f)) {
        fprintf(stderr, "test_be_timing: cannot write %s\n", blif);
        return 1;
    }
    be_hw h;
    be_hw_init(&h);
    rt_error e = {0};
    if (be_hw_read_mapped(blif, blif, &p, &h, &e)) {
        fprintf(stderr, "test_be_timing: %s\n", e.msg);
        return 1;
    }
    const be_timing_model *m = be_timing_of(IR_TARGET_ULTRASCALE_PLUS);
    double w3 = m->wire_base + m->wire_fanout * log2(3.0), w1 = m->wire_base;
    double s1 = m->t_cko + w3 + m->t_lut + w1 + m->t_setup;
    double s2 = m->t_cko + w3 + m->t_lut + m->t_muxf7 + w1 + m->t_setup;
    expect(h.timed, "the netlist was timed");
    expect(h.luts_mapped == 3 && h.muxf7 == 1 && h.muxf8 == 0 && h.ffs_mapped == 2,
           "cell counts: 3 LUTs, 1 MUXF7, 2 FDRE");
    expect(h.mapped_levels == 2, "2 levels (LUT + MUXF7) in stage 2");
    expect(h.n_stage_depth == 2, "two stages");
    if (h.timed && h.n_stage_depth == 2) {
        expect_near(h.stage_ns[0], s1, "stage 1 delay");
        expect_near(h.stage_ns[1], s2, "stage 2 delay");
        expect_near(h.period_ns, s2, "period");
        expect_near(h.fmax_mhz, 1000.0 / s2, "Fmax");
        expect_near(h.latency_ns, 2 * s2, "latency");
        expect_near(h.adp, 3 * 2 * s2, "area-delay product");
        expect(strstr(h.critical, "stage 2") && strstr(h.critical, "1 LUT, 1 MUXF7"),
               "the critical path is stage 2 through a LUT and the MUXF7");
        printf("stage ns %.3f %.3f, Fmax %.0f MHz; %s\n", h.stage_ns[0], h.stage_ns[1], h.fmax_mhz,
               h.critical);
    }
    /* combinational: the latency is the path delay */
    be_plan_set_pipeline(&p, IR_PIPE_NONE, 0);
    be_hw_free(&h);
    if (be_hw_read_mapped(blif, blif, &p, &h, &e)) {
        fprintf(stderr, "test_be_timing: %s\n", e.msg);
        return 1;
    }
    expect(h.timed && h.latency_ns == h.period_ns, "no registers: latency = the path delay");
    be_hw_free(&h);
    free(blif);
    fx_release(dir, &t, NULL, &p);
    printf("test_be_timing: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
