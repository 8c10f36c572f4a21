/* verify_cmd.c - `nltc verify OUT`: re-runs the test split of an output folder through the
 * table lookup, the C simulator and Verilator, compares bit for bit with the reference
 * codes, and prints the hardware summary (with --synth, after Yosys).
 * Statuses: RT_ERR_MISMATCH when a representation disagrees, RT_ERR_IO when OUT cannot be
 * read or a step cannot run, RT_ERR_USAGE for the command line. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "compiler.h"
#include "driver.h"
#include "report.h"
#include "train.h"

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

/* The digests OUT/report.json records, and report.json's own (to compare with the
 * store's copy). A folder without report.json is no finished run: nothing to check the
 * files against (RT_ERR_IO); a report.json without digests cannot vouch for any file
 * (RT_ERR_MISMATCH). */
static rt_status verify_digests(const char *out, report_doc *doc, char hex[65], rt_error *e) {
    char *path = rt_path_join(out, "report.json");
    rt_status st = report_json_read(path, doc, e);
    if (st == RT_ERR_IO) {
        size_t n = strlen(e->msg);
        snprintf(e->msg + n, sizeof e->msg - n,
                 " (not a finished nltc run: nothing to verify the files against)");
    } else if (st == RT_OK && doc->r.artifacts.n == 0)
        st = rt_fail(e, RT_ERR_MISMATCH,
                     "%s: records no artifact digests (\"artifacts\"): its files cannot be "
                     "verified",
                     path);
    if (st == RT_OK && rt_sha256_file(path, hex) != 0)
        st = rt_fail(e, RT_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    free(path);
    return st;
}

/* OUT/train/model.bin tabulated again under the model file (its diagnostics printed). */
static rt_status retabulate(const char *model, const char *out, rt_tables *t, rt_error *e) {
    nltc_arena *arena = nltc_arena_new();
    nltc_status cs;
    nltc_compile_opts co = {0};
    ir_program *ir = nltc_compile(model, &co, arena, &cs);
    tr_model *m = NULL;
    rt_status st = RT_OK;
    if (!ir)
        st = rt_fail(e, cs.io_error ? RT_ERR_IO : RT_ERR_MODEL, "--model %s: %d errors", model,
                     cs.errors);
    if (!st && (st = tr_model_load(ir, out, 2, &m, e)) == RT_OK) st = tr_tabulate(m, t, e);
    tr_model_free(m);
    nltc_arena_free(arena);
    return st;
}

/* Verifies OUT, prints the verification and hardware summaries. */
static rt_status verify_folder(const char *out, be_verify_opts *o, const char *model, bool synth,
                               rt_error *e) {
    report_doc doc;
    char hex[65];
    rt_status st = verify_digests(out, &doc, hex, e);
    rt_tables trained = {0};
    if (!st && model) {
        be_verify_progress(o, "tabulating train/model.bin under %s", model);
        st = retabulate(model, out, &trained, e);
        o->trained = &trained;
    }
    if (st) {
        rt_tables_free(&trained);
        report_doc_free(&doc);
        return st;
    }
    o->artifacts = &doc.r.artifacts;
    be_verify_result r;
    be_hw hw;
    st = be_verify_folder(out, o, synth, &r, &hw, e);
    be_verify_print(stdout, &r);
    if (hw.luts_estimate >= 0) be_hw_print(stdout, &hw, false);
    if (!st)
        printf("verify: %d artifacts match report.json (SHA-256 %s; the store records it: "
               "nltc show RUN --json | sha256sum)\n",
               doc.r.artifacts.n, hex);
    if (!st && model)
        printf("verify: OUT/tables equal train/model.bin tabulated under %s\n", model);
    be_hw_free(&hw);
    rt_tables_free(&trained);
    report_doc_free(&doc);
    return st;
}

rt_status driver_cmd_verify(int argc, char **argv, rt_error *e) {
    bool no_rtl = false, no_csim = false, formal = false, synth = false, quiet = false;
    const char *pipelines = NULL, *keep = NULL, *work = NULL, *model = NULL;
    const cli_opt opts[] = {
        {0, "pipelines", CLI_STRING, "LIST", &pipelines,
         "RTL pipelinings to check, comma-separated: none, every_layer, trees, every(K), all "
         "(default: the model's own, OUT/rtl)",
         0, 0, NULL, false, NULL},
        {0, "no-rtl", CLI_FLAG, NULL, &no_rtl, "skip the Verilator run of the RTL", 0, 0, NULL,
         false, NULL},
        {0, "no-csim", CLI_FLAG, NULL, &no_csim, "skip the C simulator", 0, 0, NULL, false, NULL},
        {0, "formal", CLI_FLAG, NULL, &formal,
         "also prove with Yosys that the RTL equals the tables for every input (slow on large "
         "models: minutes)",
         0, 0, NULL, false, NULL},
        {0, "synth", CLI_FLAG, NULL, &synth,
         "also synthesize OUT/rtl with Yosys and report LUTs and depth", 0, 0, NULL, false, NULL},
        {0, "keep", CLI_STRING, "DIR", &keep, "keep the scratch files (builds, logs) in DIR", 0, 0,
         NULL, false, NULL},
        {0, "work", CLI_STRING, "DIR", &work, "the same as --keep DIR", 0, 0, NULL, false, NULL},
        {0, "model", CLI_STRING, "FILE", &model,
         "also tabulate OUT/train/model.bin again under the model FILE of the run and compare "
         "every table entry with OUT/tables",
         0, 0, NULL, false, NULL},
        {0, "quiet", CLI_FLAG, NULL, &quiet, "no progress lines", 0, 0, NULL, false, NULL},
    };
    const cli_spec spec = {
        "nltc verify",
        "OUT",
        1,
        1,
        NULL,
        "Checks every file of OUT against the SHA-256 digests OUT/report.json records,\n"
        "regenerates the C simulator and the RTL from OUT/tables and compares them byte for\n"
        "byte with OUT/csim and OUT/rtl, checks the C simulator's tables at every address,\n"
        "and runs the test split of OUT/vectors/test.codes through the tables, the\n"
        "regenerated C simulator and Verilator on the regenerated RTL, bit for bit. Nothing\n"
        "OUT holds is compiled or run. Exit code 3 when anything differs.\n",
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
        o.formal = formal;
        o.quiet = quiet;
        o.work_dir = keep ? keep : work;
        o.keep_work = o.work_dir != NULL;
        st = verify_folder(r.args[0], &o, model, synth, e);
    }
    cli_result_free(&r);
    return st;
}
