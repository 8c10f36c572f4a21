/* verify_cmd.c - `nltc verify OUT`: re-runs the test split of an output folder through the
 * table lookup, the C simulator and Verilator, compares bit for bit with the reference
 * codes, and prints the hardware summary (with --synth, after Yosys).
 * Statuses: RT_ERR_MISMATCH when a representation disagrees, RT_ERR_IO when OUT cannot be
 * read or a step cannot run, RT_ERR_USAGE for the command line. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "driver.h"

/* Parses a comma-separated pipeline list into o. */
static rt_status verify_pipelines(const cli_spec *spec, const char *arg, be_verify_opts *o,
                                  rt_error *e) {
    char *copy = xstrdup(arg), *save = NULL;
    o->n_pipelines = 0;
    rt_status st = RT_OK;
    for (char *s = strtok_r(copy, ",", &save); s && st == RT_OK; s = strtok_r(NULL, ",", &save)) {
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
        if (o->n_pipelines == 4 || be_pipeline_parse(s, &o->pipelines[o->n_pipelines], &k)) {
            st = cli_usage_error(spec, e,
                                 "--pipelines: '%s' is not none, every_layer, trees, every(K) or "
                                 "all (at most 4)",
                                 s);
            break;
        }
        o->pipeline_k[o->n_pipelines++] = k;
    }
    free(copy);
    return st;
}

/* Verifies OUT, prints the verification and hardware summaries. */
static rt_status verify_folder(const char *out, const be_verify_opts *o, bool synth, rt_error *e) {
    be_verify_result r;
    be_hw hw;
    rt_status st = be_verify_folder(out, o, synth, &r, &hw, e);
    if (r.samples >= 0) be_verify_print(stdout, &r);
    if (hw.luts_estimate >= 0) be_hw_print(stdout, &hw);
    be_hw_free(&hw);
    return st;
}

rt_status driver_cmd_verify(int argc, char **argv, rt_error *e) {
    bool no_rtl = false, no_csim = false, no_formal = false, synth = false, quiet = false;
    const char *pipelines = NULL, *keep = NULL, *work = NULL;
    const cli_opt opts[] = {
        {0, "pipelines", CLI_STRING, "LIST", &pipelines,
         "RTL pipelinings to check, comma-separated: none, every_layer, trees, every(K), all "
         "(default: the model's own, OUT/rtl)",
         0, 0, NULL, false, NULL},
        {0, "no-rtl", CLI_FLAG, NULL, &no_rtl, "skip the Verilator run of the RTL", 0, 0, NULL,
         false, NULL},
        {0, "no-csim", CLI_FLAG, NULL, &no_csim, "skip the C simulator", 0, 0, NULL, false, NULL},
        {0, "no-formal", CLI_FLAG, NULL, &no_formal,
         "skip the Yosys proof that the RTL equals the tables for every input", 0, 0, NULL, false,
         NULL},
        {0, "synth", CLI_FLAG, NULL, &synth,
         "also synthesize OUT/rtl with Yosys and report LUTs and depth", 0, 0, NULL, false, NULL},
        {0, "keep", CLI_STRING, "DIR", &keep, "keep the scratch files (builds, logs) in DIR", 0, 0,
         NULL, false, NULL},
        {0, "work", CLI_STRING, "DIR", &work, "the same as --keep DIR", 0, 0, NULL, false, NULL},
        {0, "quiet", CLI_FLAG, NULL, &quiet, "no progress lines", 0, 0, NULL, false, NULL},
    };
    const cli_spec spec = {
        "nltc verify",
        "OUT",
        1,
        1,
        NULL,
        "Runs the test split of OUT/vectors/test.codes through the tables of OUT/tables, the\n"
        "C simulator of OUT/csim and Verilator on the RTL, and compares bit for bit; exit\n"
        "code 3 when a representation disagrees.\n",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        NULL};
    cli_result r;
    be_verify_opts o;
    be_verify_opts_default(&o);
    rt_status st = cli_parse(&spec, argc, argv, &r, e);
    if (st == RT_OK && !r.help && pipelines) st = verify_pipelines(&spec, pipelines, &o, e);
    if (st == RT_OK && !r.help) {
        o.rtl = !no_rtl;
        o.csim = !no_csim;
        o.formal = !no_formal;
        o.quiet = quiet;
        o.work_dir = keep ? keep : work;
        o.keep_work = o.work_dir != NULL;
        st = verify_folder(r.args[0], &o, synth, e);
    }
    cli_result_free(&r);
    return st;
}
