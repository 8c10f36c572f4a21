/* bench_backend.c - back-end benchmarks (run by hand; figures in bench/backend/README.md).
 *   bench_backend csim   [--out OUT]   C simulator inferences/s: bit-sliced batch path, plain
 *                                      table-read path, ratio; library table lookup
 *   bench_backend synth  [--out OUT]   Yosys LUTs, flip-flops, LUT levels per stage, time
 *   bench_backend verify [--out OUT] [--pipelines LIST]
 *                                      emission and verification times (C sim + Verilator)
 * Without --out the model is the paper's MNIST configuration (784-2160-360-2160-360-60-10,
 * F=6, 1-bit codes, 6-bit output, 5,110 L-LUTs) with random tables and 10,000 random test
 * samples; with --out, the tables and reference codes of a real run (OUT/tables,
 * OUT/vectors). Each prints a one-line summary last. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The model under test: tables, plan, reference codes, and where they came from. */
typedef struct bench_model {
    rt_tables t;    /* truth tables */
    be_plan p;      /* hardware plan */
    rt_codes c;     /* reference codes */
    char what[256]; /* description for the summary */
} bench_model;

static void load(const char *out, bench_model *m) {
    rt_error e = {0};
    if (out) {
        char *tables = rt_path_join(out, "tables"),
             *codes = rt_path_join(out, "vectors/test.codes");
        if (be_tables_read(tables, &m->t, &m->p, &e) || be_codes_read(codes, &m->c, &e)) {
            fprintf(stderr, "bench_backend: %s\n", e.msg);
            exit(2);
        }
        long n = 0;
        for (int l = 0; l < m->t.n_layers; l++)
            n += m->t.layers[l].n_lut;
        snprintf(m->what, sizeof m->what, "%s (trained tables of %s, %ld L-LUTs)", m->p.model, out,
                 n);
        free(tables);
        free(codes);
        return;
    }
    fx_shape s = fx_mnist();
    fx_random_tables(&s, 2025, &m->t);
    fx_random_codes(&m->t, 10000, 2026, &m->c);
    fx_plan(&s, &m->t, "mnist", IR_PIPE_TREES, 0, &m->p);
    snprintf(m->what, sizeof m->what, "MNIST configuration, random tables (5,110 L-LUTs)");
}

static void unload(bench_model *m) {
    rt_tables_free(&m->t);
    be_plan_free(&m->p);
    rt_codes_free(&m->c);
}

/* CPU seconds of this process: other load on a shared machine does not count. */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_csim(bench_model *m) {
    /* the library's table lookup, in process */
    int n = m->c.n_samples < 4000 ? m->c.n_samples : 4000;
    uint16_t **layers = xmalloc(sizeof *layers * (size_t)m->t.n_layers);
    for (int l = 0; l < m->t.n_layers; l++)
        layers[l] = xmalloc(sizeof **layers * (size_t)n * (size_t)m->t.layers[l].n_lut);
    double t0 = cpu_now(), t1;
    long reps = 0;
    do {
        be_lookup(&m->t, n, m->c.input, layers);
        reps++;
        t1 = cpu_now();
    } while (t1 - t0 < 1.0);
    double lib = (double)n * (double)reps / (t1 - t0);
    for (int l = 0; l < m->t.n_layers; l++)
        free(layers[l]);
    free(layers);

    char *dir = fx_tmpdir("bench-csim");
    be_input in = {&m->t, &m->p, NULL};
    rt_error e = {0};
    t0 = rt_now();
    if (be_emit_csim(&in, dir, &e)) {
        fprintf(stderr, "bench_backend: %s\n", e.msg);
        return 2;
    }
    double emit_s = rt_now() - t0;
    char src[512], exe[512], log[512], out[512], hdr[600], pre[300], up[300];
    snprintf(src, sizeof src, "%s/%s.c", dir, m->p.ident);
    snprintf(exe, sizeof exe, "%s/drv", dir);
    snprintf(log, sizeof log, "%s/cc.log", dir);
    snprintf(out, sizeof out, "%s/drv.out", dir);
    snprintf(hdr, sizeof hdr, "-DSIM_HEADER=\"%s.h\"", m->p.ident);
    snprintf(pre, sizeof pre, "-DSIM_PREFIX=%s", m->p.ident);
    size_t i = 0;
    for (; m->p.ident[i] && i < 280; i++)
        up[i] = (char)(m->p.ident[i] >= 'a' && m->p.ident[i] <= 'z' ? m->p.ident[i] - 32
                                                                    : m->p.ident[i]);
    up[i] = '\0';
    char upd[320], inc[600];
    snprintf(upd, sizeof upd, "-DSIM_UPPER=%s", up);
    snprintf(inc, sizeof inc, "-I%s", dir);
    char *cc_argv[] = {"cc", "-std=c99", "-O2", hdr,
                       pre,  upd,        inc,   NLTC_BE_BENCH_DIR "/csim_driver.c",
                       src,  "-o",       exe,   NULL};
    fprintf(stderr, "bench_backend: compiling the C simulator (%s)\n", src);
    t0 = rt_now();
    if (be_spawn(cc_argv, NULL, log, log) != 0) {
        fprintf(stderr, "bench_backend: cc failed, see %s\n", log);
        return 2;
    }
    double cc_s = rt_now() - t0;
    char *run_argv[] = {exe, "8192", "2", NULL};
    double batch = 0, plain = 0;
    char line[256];
    if (be_spawn(run_argv, NULL, out, log) != 0 || be_log_find(out, "batch ", line, sizeof line) ||
        sscanf(line, "batch %lf plain %lf", &batch, &plain) != 2) {
        fprintf(stderr, "bench_backend: the driver failed, see %s\n", log);
        return 2;
    }
    rt_rmtree(dir);
    free(dir);
    printf("bench_backend csim: %s: bit-sliced batch %.0f inferences/s, plain table-read "
           "path %.0f/s (ratio %.1fx), library be_lookup %.0f/s (one core, CPU time); emit %.2f "
           "s, cc -O2 %.1f s\n",
           m->what, batch, plain, batch / plain, lib, emit_s, cc_s);
    return 0;
}

static int bench_synth(bench_model *m) {
    char *dir = fx_tmpdir("bench-synth");
    be_input in = {&m->t, &m->p, NULL};
    rt_error e = {0};
    double t0 = rt_now();
    if (be_emit_verilog(&in, dir, &e)) {
        fprintf(stderr, "bench_backend: %s\n", e.msg);
        return 2;
    }
    double emit_s = rt_now() - t0;
    char name[300];
    snprintf(name, sizeof name, "%s.v", m->p.ident);
    char *rtl = rt_path_join(dir, name);
    be_hw h;
    be_hw_init(&h);
    be_hw_estimate(&m->t, &m->p, &h);
    fprintf(stderr, "bench_backend: synthesizing %s\n", rtl);
    if (be_synth(rtl, &m->p, dir, &h, &e)) {
        fprintf(stderr, "bench_backend: %s\n", e.msg);
        return 2;
    }
    if (!h.synthesized) {
        printf("bench_backend synth: %s: %s\n", m->what, h.synth_note);
        return 0;
    }
    char stages[256] = "";
    for (int s = 0, k = 0; s < h.n_stage_depth; s++)
        k +=
            snprintf(stages + k, sizeof stages - (size_t)k, "%s%d", s ? "/" : "", h.stage_depth[s]);
    printf("bench_backend synth: %s, pipeline %s: Yosys %ld LUTs (analytic %ld, over true "
           "support %ld; paper 5,070 for MNIST), %ld flip-flops, %ld LUT levels (per stage "
           "%s), latency %d cycles; Verilog emit %.2f s, synthesis %.1f s (%.1f s CPU)\n",
           m->what, ir_pipeline_name(m->p.pipeline), h.luts_yosys, h.luts_estimate, h.luts_support,
           h.ffs, h.lut_levels, stages, h.latency_cycles, emit_s, h.synth_s, h.synth_cpu_s);
    be_hw_free(&h);
    free(rtl);
    rt_rmtree(dir);
    free(dir);
    return 0;
}

static int bench_verify(bench_model *m, const char *pipelines) {
    char *dir = fx_tmpdir("bench-verify");
    be_input in = {&m->t, &m->p, &m->c};
    rt_error e = {0};
    double t0 = rt_now();
    if (be_emit_all(&in, dir, &e)) {
        fprintf(stderr, "bench_backend: %s\n", e.msg);
        return 2;
    }
    double emit_s = rt_now() - t0;
    be_verify_opts o;
    be_verify_opts_default(&o);
    if (pipelines) {
        char *copy = xstrdup(pipelines), *save = NULL;
        for (char *s = strtok_r(copy, ",", &save); s && o.n_pipelines < 4;
             s = strtok_r(NULL, ",", &save)) {
            int k = 2;
            if (be_pipeline_parse(s, &o.pipelines[o.n_pipelines], &k) == 0)
                o.pipeline_k[o.n_pipelines++] = k;
        }
        free(copy);
    }
    be_verify_result r;
    t0 = rt_now();
    if (be_verify(&m->t, &m->p, &m->c, dir, &o, &r, &e)) {
        fprintf(stderr, "bench_backend: %s\n", e.msg);
        return 2;
    }
    double verify_s = rt_now() - t0;
    be_verify_print(stderr, &r);
    char rtl[512] = "";
    for (int i = 0, k = 0; i < r.repr[RT_REPR_RTL].n; i++)
        k += snprintf(rtl + k, sizeof rtl - (size_t)k, ", %s %.1f s",
                      r.repr[RT_REPR_RTL].run[i].label, r.repr[RT_REPR_RTL].run[i].seconds);
    printf("bench_backend verify: %s, %d samples: %ld mismatches; emit all %.2f s, verify "
           "%.1f s (table lookup %.2f s, C sim %.1f s%s)\n",
           m->what, r.samples, r.mismatches, emit_s, verify_s,
           r.repr[RT_REPR_TABLES].run[0].seconds, r.repr[RT_REPR_CSIM].run[0].seconds, rtl);
    rt_rmtree(dir);
    free(dir);
    return r.mismatches ? 3 : 0;
}

int main(int argc, char **argv) {
    const char *out = NULL, *pipelines = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--pipelines") == 0 && i + 1 < argc)
            pipelines = argv[++i];
        else {
            fprintf(stderr, "bench_backend: unknown argument '%s'\n", argv[i]);
            return 1;
        }
    }
    if (argc < 2 ||
        (strcmp(argv[1], "csim") && strcmp(argv[1], "synth") && strcmp(argv[1], "verify"))) {
        fprintf(stderr, "usage: bench_backend csim|synth|verify [--out OUT] [--pipelines "
                        "LIST]\n");
        return 1;
    }
    bench_model m;
    memset(&m, 0, sizeof m);
    load(out, &m);
    int rc = strcmp(argv[1], "csim") == 0    ? bench_csim(&m)
             : strcmp(argv[1], "synth") == 0 ? bench_synth(&m)
                                             : bench_verify(&m, pipelines);
    unload(&m);
    return rc;
}
