/* fixture.c - the hand-built model, report and training curve of fixture.h. The numbers are
 * chosen so that tests can assert exact text: e.g. quantized accuracy 0.9642 -> "96.42%",
 * 230 L-LUTs, layer t2.1 has 12 address bits -> 85 LUT6 per output bit. */
#include "fixture.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static ir_layer fixture_layers[] = {
    {"t1.0", 0, 0, false, false, 64, 120, 3, 16, 1, true, 2, 2, IR_Q_IDENTITY, IR_CONNECT_LEARNED,
     false, NULL, IR_KIND_MLP, 0},
    {"t1.1", 0, 1, true, true, 120, 40, 3, 16, 1, true, 2, 2, IR_Q_RELU, IR_CONNECT_CONTIGUOUS,
     true, NULL, IR_KIND_MLP, 0},
    {"t2.0", 1, 0, false, false, 40, 60, 3, 16, 1, true, 2, 2, IR_Q_IDENTITY, IR_CONNECT_LEARNED,
     false, NULL, IR_KIND_MLP, 0},
    {"t2.1", 1, 1, true, true, 60, 10, 6, 16, 1, true, 2, 4, IR_Q_IDENTITY, IR_CONNECT_CONTIGUOUS,
     true, NULL, IR_KIND_MLP, 0},
};

static ir_stage fixture_stages[] = {
    {IR_STAGE_DENSE, 5, 64, 0.002, IR_OPT_ADAMW, 0.9, 0.999, 0, IR_SCHED_CONSTANT, 0, 1, 0, 8e-5,
     0.03, 0},
    {IR_STAGE_SPARSE, 30, 64, 0.002, IR_OPT_ADAMW, 0.9, 0.999, 0, IR_SCHED_COSINE, 10, 2, 1e-5, 0,
     0, 0},
};

static const char *fixture_sources[] = {"/models/digits.nlt", "/models/std/blocks.nlt"};

const ir_program *fixture_ir(void) {
    static ir_program p;
    memset(&p, 0, sizeof p);
    p.model_name = "digits_fixture";
    p.source_path = "digits.nlt";
    p.n_sources = 2;
    p.sources = fixture_sources;
    p.dataset.name = "digits";
    p.dataset.format = IR_DATA_CSV;
    p.dataset.train.path = "/data/digits.csv";
    p.dataset.inputs = 64;
    p.dataset.classes = 10;
    p.input_bits = 2;
    p.n_layers = 4;
    p.layers = fixture_layers;
    p.tree_skip = true;
    p.n_trees = 2;
    p.train.n_stages = 2;
    p.train.stages = fixture_stages;
    p.train.seed = 7;
    p.train.select = IR_SELECT_VALIDATION;
    p.hw.lut_inputs = 6;
    p.hw.pipeline = IR_PIPE_TREES;
    p.hw.stages = 2;
    p.hw.clock = "clk";
    p.hw.reset = "rst";
    return &p;
}

void fixture_report(rt_report *r) {
    rt_report_init(r);
    r->model = "digits_fixture";
    r->dataset = "digits";
    r->seed = 7;
    r->n_train = 2873;
    r->n_valid = 500;
    r->n_test = 1797;
    r->accuracy.flt = 0.9711;
    r->accuracy.quantized = 0.9642;
    r->accuracy.repr[RT_REPR_TABLES] = 0.9642;
    r->accuracy.repr[RT_REPR_CSIM] = 0.9642;
    r->accuracy.repr[RT_REPR_RTL] = 0.9642;
    r->validation_accuracy = 0.974;
    r->best_epoch = 27;
    r->llut_count = 230;
    r->table_bits = 192000;
    r->time_s.stage1 = 1.25;
    r->time_s.stage2 = 14.5;
    r->time_s.tabulate = 0.012;
    r->time_s.emit = 0.08;
    r->time_s.verify = 3.4;
    r->time_s.synth = 9.75;
    r->train_samples_per_s = 51234.5;
    r->verify.samples = 1797;
    r->verify.mismatches = 0;
    r->verify.n_pipelines = 2;
    r->verify.pipelines_checked[0] = "none";
    r->verify.pipelines_checked[1] = "trees";
    r->hardware.luts_estimate = 3800;
    r->hardware.luts_yosys = 3391;
    r->hardware.ffs = 120;
    r->hardware.lut_levels = 6;
    r->hardware.pipeline_stages = 2;
    r->hardware.latency_cycles = 2;
    r->hardware.n_stage_levels = 2;
    r->hardware.stage_levels[0] = 4;
    r->hardware.stage_levels[1] = 2;
    r->build.nltc_version = "0.1.0";
    r->build.commit = "0547e53-dirty";
    r->build.threads = 4;
    r->build.compiler = "gcc 12.2.0";
    r->build.cpu_features = "x86-64 sse4.2 avx avx2 fma, 8-float vectors";
    r->hardware.luts_xilinx = 3402;
    r->hardware.muxf = 12;
    r->hardware.fmax_mhz = 812.5;
    r->hardware.latency_ns = 2.5;
    r->hardware.adp = 8505;
    r->hardware.timed = true;
    r->hardware.stage_ns[0] = 1.25;
    r->hardware.stage_ns[1] = 0.75;
    r->hardware.critical_path = "stage 1: from in_data[3] to l1[0] through 4 LUT";
    r->hardware.timing_model = "estimate, not a vendor timing report";
    r->hardware.n_layer_luts = 2;
    r->hardware.layer_luts[0] = 3000;
    r->hardware.layer_luts[1] = 800;
    /* 1797 test samples, 1733 correct (96.42%): rows of 180 (179 for classes 7..9), the
     * errors of class i all predicted as (i + 3) % 10 */
    static const char *names[10] = {"zero", "one", "two",   "three", "four",
                                    "five", "six", "seven", "eight", "nine"};
    static const int errors[10] = {2, 1, 5, 9, 4, 8, 3, 6, 14, 12};
    static long confusion[100];
    memset(confusion, 0, sizeof confusion);
    for (int i = 0; i < 10; i++) {
        confusion[i * 10 + i] = (i < 7 ? 180 : 179) - errors[i];
        confusion[i * 10 + (i + 3) % 10] = errors[i];
    }
    r->classes.n = 10;
    r->classes.names = names;
    r->classes.confusion = confusion;
}

int fixture_mkdirs(const char *dir) {
    char *p = strdup(dir);
    if (!p) return -1;
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c == '/' || c == '\0') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = c;
        }
        if (!c) break;
    }
    free(p);
    return 0;
}

int fixture_curve(const char *out_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/train", out_dir);
    if (fixture_mkdirs(path)) return -1;
    snprintf(path, sizeof path, "%s/train/curve.csv", out_dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs("stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\n", f);
    for (int e = 1; e <= 5; e++)
        fprintf(f, "dense,%d,%.4f,%.4f,%.4f,0.002,0.25,%d\n", e, 2.0 * exp(-0.35 * e),
                0.5 + 0.08 * e, 0.48 + 0.08 * e, 11000 + 100 * e);
    for (int e = 1; e <= 30; e++)
        fprintf(f, "sparse,%d,%.4f,%.4f,%.4f,%.6f,0.48,%d\n", e, 0.9 * exp(-0.09 * e) + 0.08,
                0.70 + 0.27 * (1 - exp(-0.15 * e)),
                e == 27 ? 0.974 : 0.68 + 0.28 * (1 - exp(-0.14 * e)),
                0.002 * (0.5 + 0.5 * cos(3.14159 * (e % 10) / 10)), 50000 + 50 * e);
    return fclose(f) == 0 ? 0 : -1;
}
