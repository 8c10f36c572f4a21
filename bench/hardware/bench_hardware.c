/* bench_hardware.c - the timing estimate on the architectures of published designs (run by
 * hand; figures and the calibration table in bench/hardware/README.md).
 *   bench_hardware [--keep DIR | --retime DIR] [NAME...]
 *       NAME: mnist, jsc, nid, letter_every_layer, letter_every3 (default: all)
 *       --keep DIR    synthesize in DIR/NAME and keep the RTL and both mapped netlists
 *       --retime DIR  no synthesis: time the netlists kept in DIR/NAME again (after a
 *                     change of the model's constants)
 * Each design is built with random tables of the published architecture (the structure,
 * not the trained function: a random 6-input table is a full LUT6, as a trained one
 * nearly always is), written as RTL, synthesized by be_synth (Yosys generic LUT6 and
 * synth_xilinx mappings) and timed by the static timing pass. One line per design: LUTs
 * (generic, synth_xilinx + MUXF7/F8), cycles, per-stage ns, Fmax, latency, ADP, and the
 * published Vivado figures with the error of the estimate where the paper gives them. */
#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One calibration or comparison point. */
typedef struct design {
    const char *name; /* command-line name */
    const char *what; /* description */
    fx_shape (*shape)(void);
    ir_pipeline pipe; /* register placement */
    int k;            /* k of every(k) */
    double fmax_pub;  /* published Vivado Fmax (MHz), 0 when none */
    double lat_pub;   /* published latency (ns), 0 when none */
} design;

/* JSC (OpenML) of NeuraLUT-Assemble: 16 -> 320 -> 160 -> 80 -> 40 -> 20 -> 10 -> 5, bits 6
 * in, 3 hidden, 8 out, fan-in 1 then 2. */
static fx_shape shape_jsc(void) {
    fx_shape s = {.n_inputs = 16, .input_bits = 6, .input_signed = false, .n_layers = 7};
    for (int l = 0; l < 7; l++) {
        s.width[l] = 320 >> l;
        s.fanin[l] = l == 0 ? 1 : 2;
        s.bits[l] = l == 6 ? 8 : 3;
        s.support[l] = l > 0;
        s.is_signed[l] = l == 6;
    }
    return s;
}

/* The JSC-shaped Letter model of examples/letter.nlt: 16 -> 416 -> 208 -> 104 -> 52 -> 26. */
static fx_shape shape_letter(void) {
    fx_shape s = {.n_inputs = 16, .input_bits = 6, .input_signed = false, .n_layers = 5};
    for (int l = 0; l < 5; l++) {
        s.width[l] = 416 >> l;
        s.fanin[l] = l == 0 ? 1 : 2;
        s.bits[l] = l == 4 ? 8 : 3;
        s.support[l] = l > 0;
        s.is_signed[l] = l == 4;
    }
    return s;
}

/* examples/nid.nlt: 190 one-bit inputs -> 18 (F 6) -> 6 (F 3) -> 2, 2-bit codes, 4 out. */
static fx_shape shape_nid(void) {
    fx_shape s = {.n_inputs = 190, .input_bits = 1, .input_signed = false, .n_layers = 3};
    static const int w[] = {18, 6, 2}, f[] = {6, 3, 3}, b[] = {2, 2, 4};
    for (int l = 0; l < 3; l++) {
        s.width[l] = w[l];
        s.fanin[l] = f[l];
        s.bits[l] = b[l];
        s.support[l] = l > 0;
        s.is_signed[l] = l == 2;
    }
    return s;
}

static const design designs[] = {
    {"mnist", "NeuraLUT-Assemble MNIST, trees (2 stages)", fx_mnist, IR_PIPE_TREES, 0, 863, 2.1},
    {"jsc", "NeuraLUT-Assemble JSC OpenML, every(4) (2 stages)", shape_jsc, IR_PIPE_EVERY_K, 4, 941,
     2.1},
    {"nid", "NeuraLUT-Assemble NID shape, trees (1 stage)", shape_nid, IR_PIPE_TREES, 0, 0, 1.4},
    {"letter_every_layer", "Letter (JSC-shaped), registers after every layer", shape_letter,
     IR_PIPE_EVERY_LAYER, 0, 0, 0},
    {"letter_every3", "Letter (JSC-shaped), registers every three layers", shape_letter,
     IR_PIPE_EVERY_K, 3, 0, 0},
};
enum { N_DESIGNS = sizeof designs / sizeof designs[0] };

static double err_pct(double est, double pub) {
    return pub > 0 ? 100.0 * (est - pub) / pub : NAN;
}

static const char *keep_dir, *retime_dir; /* --keep, --retime */

/* Synthesizes d's RTL (or with --retime reads the kept netlists) into h; the work folder
 * is a scratch one unless kept. */
static rt_status build(const design *d, const rt_tables *t, const be_plan *p, be_hw *h,
                       rt_error *e) {
    const char *base = retime_dir ? retime_dir : keep_dir;
    char *dir = base ? rt_path_join(base, d->name) : rt_scratch_new("bench-hw", e);
    if (!dir) return RT_ERR_IO;
    char *rtl = rt_path_join(dir, "design.v"), *gen = rt_path_join(dir, "mapped.blif"),
         *xil = rt_path_join(dir, "vendor.blif");
    rt_status st;
    if (retime_dir) {
        st = be_hw_read_mapped(gen, xil, p, h, e);
        h->synthesized = st == RT_OK;
    } else {
        st = be_mkdirs(dir, e);
        if (!st) st = be_write_rtl(t, p, rtl, e);
        if (!st) st = be_synth(rtl, p, dir, h, e);
    }
    if (!base) rt_scratch_free(dir, false);
    free(dir), free(rtl), free(gen), free(xil);
    return st;
}

static int run(const design *d) {
    fx_shape s = d->shape();
    rt_tables t;
    be_plan p;
    fx_random_tables(&s, 2025, &t);
    fx_plan(&s, &t, d->name, d->pipe, d->k, &p);
    rt_error e = {0};
    be_hw h;
    be_hw_init(&h);
    be_hw_estimate(&t, &p, &h);
    rt_status st = build(d, &t, &p, &h, &e);
    int rc = 0;
    if (st || !h.synthesized || !h.timed) {
        fprintf(stderr, "bench_hardware: %s: %s\n", d->name,
                st              ? e.msg
                : h.synthesized ? h.timing_note
                                : h.synth_note);
        rc = st ? 2 : 77;
    } else {
        printf("%s: %s\n  LUTs generic %ld, synth_xilinx %ld + %ld MUXF7 + %ld MUXF8, FFs %ld; "
               "levels generic %ld, mapped %d; %d cycles; stage ns:",
               d->name, d->what, h.luts_yosys, h.luts_mapped, h.muxf7, h.muxf8, h.ffs_mapped,
               h.lut_levels, h.mapped_levels, h.latency_cycles);
        for (int i = 0; i < h.n_stage_depth; i++)
            printf(" %.3f", h.stage_ns[i]);
        printf("\n  Fmax %.0f MHz, latency %.2f ns, ADP %.3g", h.fmax_mhz, h.latency_ns, h.adp);
        if (!isnan(h.synth_cpu_s)) printf("; synthesis %.1f s CPU", h.synth_cpu_s);
        printf("\n");
        printf("  critical path: %s\n", h.critical);
        if (d->fmax_pub > 0)
            printf("  published Fmax %.0f MHz: estimate error %+.1f%%\n", d->fmax_pub,
                   err_pct(h.fmax_mhz, d->fmax_pub));
        if (d->lat_pub > 0)
            printf("  published latency %.1f ns: estimate error %+.1f%%\n", d->lat_pub,
                   err_pct(h.latency_ns, d->lat_pub));
        fflush(stdout);
    }
    be_hw_free(&h);
    rt_tables_free(&t);
    be_plan_free(&p);
    return rc;
}

int main(int argc, char **argv) {
    int rc = 0, ran = 0, first = 1;
    while (first + 1 < argc &&
           (strcmp(argv[first], "--keep") == 0 || strcmp(argv[first], "--retime") == 0)) {
        *(strcmp(argv[first], "--keep") == 0 ? &keep_dir : &retime_dir) = argv[first + 1];
        first += 2;
    }
    for (int i = 0; i < N_DESIGNS; i++) {
        bool want = argc <= first;
        for (int a = first; a < argc; a++)
            want = want || strcmp(argv[a], designs[i].name) == 0;
        if (!want) continue;
        int r = run(&designs[i]);
        ran++;
        if (r > rc) rc = r;
    }
    if (!ran) {
        fprintf(
            stderr,
            "usage: bench_hardware [--keep DIR | --retime DIR] [mnist|jsc|nid|letter_every_layer|"
            "letter_every3]...\n");
        return 2;
    }
    return rc;
}
