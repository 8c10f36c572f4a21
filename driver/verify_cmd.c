/* verify_cmd.c - `nltc verify OUT`: parses the command line, runs be_verify_folder and
 * prints its summaries (stdout) and error (stderr). */
#include "verify_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

static int verify_usage(void) {
    fputs("usage: nltc verify OUT [--pipelines LIST] [--no-rtl] [--no-csim] [--synth]\n"
          "                       [--work DIR] [--quiet]\n"
          "  Runs the test split of OUT/vectors/test.codes through the tables of OUT/tables,\n"
          "  the C simulator of OUT/csim and Verilator on the RTL, and compares bit for bit.\n"
          "  --pipelines LIST  comma-separated: none, every_layer, trees, every(K), all\n"
          "                    (default: the model's own pipelining, OUT/rtl)\n"
          "  --synth           also synthesize OUT/rtl with Yosys and report LUTs and depth\n"
          "  --work DIR        keep the scratch files (builds, logs) in DIR\n"
          "exit: 0 all equal, 1 usage, 2 I/O error, 3 mismatch\n",
          stderr);
    return 1;
}

/* Parses a comma-separated pipeline list into o; false (message printed) when bad. */
static bool verify_pipelines(const char *arg, be_verify_opts *o) {
    char *copy = xstrdup(arg), *save = NULL;
    bool ok = true;
    o->n_pipelines = 0;
    for (char *s = strtok_r(copy, ",", &save); s && ok; s = strtok_r(NULL, ",", &save)) {
        if (strcmp(s, "all") == 0) {
            static const ir_pipeline all[4] = {IR_PIPE_NONE, IR_PIPE_EVERY_LAYER, IR_PIPE_TREES,
                                               IR_PIPE_EVERY_K};
            for (int i = 0; i < 4; i++) {
                o->pipelines[i] = all[i];
                o->pipeline_k[i] = 2;
            }
            o->n_pipelines = 4;
            continue;
        }
        int k = 2;
        if (o->n_pipelines == BE_MAX_RUNS ||
            be_pipeline_parse(s, &o->pipelines[o->n_pipelines], &k)) {
            fprintf(stderr,
                    "nltc verify: --pipelines: '%s' is not none, every_layer, trees, "
                    "every(K) or all (at most 4)\n",
                    s);
            ok = false;
        } else
            o->pipeline_k[o->n_pipelines++] = k;
    }
    free(copy);
    return ok;
}

int nltc_cmd_verify(int argc, char **argv) {
    const char *out = NULL;
    bool synth = false;
    be_verify_opts o;
    be_verify_opts_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--no-rtl") == 0)
            o.rtl = false;
        else if (strcmp(a, "--no-csim") == 0)
            o.csim = false;
        else if (strcmp(a, "--synth") == 0)
            synth = true;
        else if (strcmp(a, "--quiet") == 0)
            o.quiet = true;
        else if (strcmp(a, "--pipelines") == 0 && i + 1 < argc) {
            if (!verify_pipelines(argv[++i], &o)) return 1;
        } else if (strcmp(a, "--work") == 0 && i + 1 < argc)
            o.work_dir = argv[++i];
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return verify_usage(), 0;
        else if (a[0] == '-' || out) {
            fprintf(stderr, "nltc verify: unknown or repeated argument '%s'\n", a);
            return verify_usage();
        } else
            out = a;
    }
    if (!out) return verify_usage();
    be_verify_result r;
    be_hw hw;
    rt_error e = {0};
    rt_status st = be_verify_folder(out, &o, synth, &r, &hw, &e);
    if (r.samples >= 0) be_verify_print(stdout, &r);
    if (st && st != RT_ERR_MISMATCH) fprintf(stderr, "nltc verify: %s\n", e.msg);
    if (hw.luts_estimate >= 0) be_hw_print(stdout, &hw);
    be_hw_free(&hw);
    return st == RT_OK ? 0 : st == RT_ERR_MISMATCH ? 3 : 2;
}
