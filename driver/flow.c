/* flow.c - the pass pipeline behind `nltc FILE -o DIR`, written out in one function.
 *
 * Each pass reads only what the previous one produced (see ARCHITECTURE.md):
 *   IR -> output folder, back-end and memory checks -> dataset -> trained model -> tables +
 * reference codes
 *      -> table files / RTL / C sim -> hardware cost -> verification -> synthesis -> report
 *      -> experiment store
 * OUT/report.json is written last, so a folder without it is an unfinished run; what an
 * earlier run left in the folder (report.json first) is removed before a new run writes
 * (outdir.c, which also refuses folders nltc must not write into).
 * Every step returns an rt_status and fills the caller's rt_error; the driver prints it.
 */
#include "flow.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cli.h"
#include "compiler.h"
#include "data.h"
#include "driver.h"
#include "hwio_step.h"
#include "progress.h"
#include "reduce_step.h"
#include "report.h"
#include "rt.h"
#include "store.h"
#include "train.h"

void nltc_flow_summary(FILE *f, const ir_program *ir) {
    long luts = 0;
    long long bits = 0;
    fprintf(f, "model %s: dataset %s, %d inputs x %d bits, %d classes\n", ir->model_name,
            ir->dataset.name, ir->dataset.inputs, ir->input_bits, ir->dataset.classes);
    fprintf(f, "  %-8s %7s %7s %5s %6s %6s %10s\n", "layer", "in", "L-LUTs", "F", "bits", "addr",
            "table bits");
    for (int i = 0; i < ir->n_layers; i++) {
        const ir_layer *l = &ir->layers[i];
        int addr = l->fanin * l->bits_in;
        long long tb = (long long)l->out_width * (1LL << addr) * l->bits_out;
        fprintf(f, "  %-8s %7d %7d %5d %3d->%-2d %6d %10lld%s\n", l->name, l->in_width,
                l->out_width, l->fanin, l->bits_in, l->bits_out, addr, tb,
                l->reg_after ? "  | reg" : "");
        luts += l->out_width;
        bits += tb;
    }
    fprintf(f, "  total: %ld L-LUTs, %lld table bits, %d pipeline stages\n", luts, bits,
            ir->hw.stages);
}

/* report_string/report_file_write callback: the IR dump. */
static void flow_put_ir(FILE *f, const void *ir) {
    ir_print(f, ir);
}

/* Writes the IR dump to OUT/model.ir (atomically) and keeps it as a malloc'd string. */
static rt_status flow_write_ir(const ir_program *ir, const char *out_dir, char **text,
                               rt_error *e) {
    char *path = rt_path_join(out_dir, "model.ir");
    rt_status st = report_file_write(path, flow_put_ir, ir, e);
    free(path);
    if (!st) *text = report_string(flow_put_ir, ir);
    return st;
}

/* The one-line result (wrapped before column 100): the test accuracy of every
 * representation. */
static void flow_print_accuracy(const rt_report *r) {
    rt_buf b = {0};
    rt_buf_printf(&b, "test accuracy: float %.2f%%, quantized %.2f%%", 100 * r->accuracy.flt,
                  100 * r->accuracy.quantized);
    if (!isnan(r->accuracy.repr[RT_REPR_TABLES]))
        rt_buf_printf(&b, ", tables %.2f%%", 100 * r->accuracy.repr[RT_REPR_TABLES]);
    if (!isnan(r->accuracy.repr[RT_REPR_CSIM]))
        rt_buf_printf(&b, ", C sim %.2f%%", 100 * r->accuracy.repr[RT_REPR_CSIM]);
    if (!isnan(r->accuracy.repr[RT_REPR_RTL]))
        rt_buf_printf(&b, ", RTL %.2f%%", 100 * r->accuracy.repr[RT_REPR_RTL]);
    rt_buf_printf(&b, "  (validation %.2f%%, %d test samples)", 100 * r->validation_accuracy,
                  r->n_test);
    for (int k = 0; k < r->members.n; k++) /* a group-sum head's members, each alone */
        rt_buf_printf(&b, "%s%.2f%%", k ? ", " : "; each member alone: ", 100 * r->members.test[k]);
    cli_printf_wrapped(stdout, 2, "%s", b.data);
    rt_buf_free(&b);
}

/* Everything one run holds. */
typedef struct flow {
    const ir_program *ir;
    const nltc_flow_opts *o;
    rt_report rep;
    rt_dataset data;
    data_info info; /* class names, the fitted encoding */
    be_raw_map raw; /* the raw fixed-point format of the features (bits 0: no encoder) */
    tr_model *model;
    rt_tables tables;
    rt_codes codes;
    char *ir_text;          /* the IR dump, recorded with the run */
    char *report_path;      /* OUT/report.json */
    store_sources *sources; /* the model's files as compiled */
    be_flow be;             /* the back end's steps */
    bool be_ready;          /* be was initialized */
} flow;

/* The output folder (what an earlier run left in it removed, report.json first; a folder
 * that holds no earlier run, written into with --force, is left as it is), OUT/model.ir,
 * the summary, and the model's sources as compiled: the store must not see later edits of
 * the files. nltc_outdir_check has accepted the folder. */
static rt_status flow_open(flow *f, rt_error *e) {
    const nltc_flow_opts *o = f->o;
    bool earlier = nltc_outdir_is_output(o->out_dir); /* else new, empty or --force */
    rt_status st = be_mkdirs(o->out_dir, e);
    if (!st && earlier) st = nltc_outdir_clear(o->out_dir, o->resume, e);
    if (st) return st;
    f->report_path = rt_path_join(o->out_dir, "report.json");
    if ((st = flow_write_ir(f->ir, o->out_dir, &f->ir_text, e))) return st;
    if (!o->quiet) nltc_flow_summary(stdout, f->ir);
    if (o->record && !(f->sources = store_sources_capture(f->ir->n_sources, f->ir->sources, e)))
        return e->status;
    return RT_OK;
}

/* The data, then the memory the run needs now that the splits' sizes are known (printed
 * with the summary; refused when it does not fit, before training allocates it). */
static rt_status flow_data(flow *f, rt_error *e) {
    rt_status st = data_load_info(&f->ir->dataset, &f->data, &f->info, e);
    if (!st) st = nltc_hwio_format(f->ir, &f->data, &f->info, &f->raw, e);
    if (st) return st;
    if (!f->o->quiet) {
        char split[256];
        data_describe(&f->ir->dataset, &f->data, split, sizeof split);
        cli_printf_wrapped(stdout, 2, "data: %s", split);
        fflush(stdout);
    }
    tr_mem_rows rows = {f->data.train.n, f->data.valid.n, f->data.test.n};
    return nltc_memory_check(f->ir, f->o->threads, &rows, f->o->max_memory,
                             f->o->quiet ? NULL : stdout, e);
}

/* Training: dense stage, masks, sparse stage, selection on validation; its progress shown
 * as progress.c does (a status line on a terminal, the plain lines elsewhere and to --log). */
static rt_status flow_train(flow *f, rt_error *e) {
    nltc_progress pr;
    rt_status st =
        nltc_progress_open(&pr, f->o->live, driver_color(), f->o->quiet, f->o->log_path, e);
    train_opts topts;
    train_opts_init(&topts);
    topts.out_dir = f->o->out_dir;
    topts.resume = f->o->resume;
    topts.threads = f->o->threads;
    topts.quiet = f->o->quiet && !f->o->log_path;
    topts.progress = nltc_progress_stream(&pr);
    topts.on_epoch = nltc_progress_epoch;
    topts.on_epoch_ctx = &pr;
    topts.dp = f->o->dp;
    if (!st) st = train_run(f->ir, &f->data, &topts, &f->rep, &f->model, e);
    nltc_progress_close(&pr);
    /* a rank that fails alone would leave the others waiting in a reduction: end them all
     * (OUT keeps no report, so it does not look complete) */
    if (st && st != RT_INTERRUPTED && f->o->dp.ranks > 1 && f->o->dp_abort) {
        driver_print_error(f->ir, e);
        f->o->dp_abort(st);
    }
    return st;
}

/* The ranks of a data-parallel run agree to train only when every one is ready (each
 * loaded the same data; rank 0 also opened OUT). */
static rt_status flow_dp_ready(const flow *f, rt_status st, rt_error *e) {
    const train_dp *dp = &f->o->dp;
    if (dp->ranks <= 1) return st;
    uint64_t bad = st != RT_OK;
    dp->reduce(dp->ctx, &bad, 1);
    if (st || !bad) return st;
    return rt_fail(e, RT_ERR_USAGE, "another MPI rank failed before training (see its message)");
}

/* Ranks other than 0 of a data-parallel run: the checks, the data and training, writing
 * nothing (a resume reads rank 0's checkpoint). */
static rt_status flow_worker(flow *f, rt_error *e) {
    rt_status st = tr_check_model(f->ir, e);
    if (!st) st = tr_check_dp(f->ir, f->o->dp.ranks, e);
    if (!st) st = flow_data(f, e);
    st = flow_dp_ready(f, st, e);
    if (!st) st = flow_train(f, e);
    return st;
}

/* Truth tables and the reference codes of the test split, from the same forward pass. */
static rt_status flow_tabulate(flow *f, rt_error *e) {
    double t0 = rt_now();
    rt_status st = tr_tabulate(f->model, &f->tables, e);
    if (!st) st = tr_codes(f->model, &f->data.test, &f->codes, e);
    if (st) return st;
    f->rep.time_s.tabulate = rt_now() - t0;
    be_flow_opts bo = {
        .rtl = f->o->rtl, .synth = f->o->synth, .quiet = f->o->quiet, .verbose = f->o->verbose};
    be_flow_init(&f->be, f->ir, &f->tables, &f->codes, f->o->out_dir, &bo);
    f->be.plan.prep = nltc_prep_text(f->ir, &f->info, f->model); /* tables/preprocess.txt */
    f->be_ready = true;
    return RT_OK;
}

/* Verification; a mismatch goes to verdict (the report is still written, then the run
 * fails with it). */
static rt_status flow_verify(flow *f, rt_error *verdict, rt_error *e) {
    rt_status st = be_flow_verify(&f->be, &f->rep, verdict);
    if (st == RT_ERR_MISMATCH) return RT_OK;
    if (st) *e = *verdict;
    verdict->status = RT_OK;
    return st;
}

/* The run fails with the verdict of verification, if any. */
static rt_status flow_verdict(const rt_error *verdict, rt_error *e) {
    if (verdict->status) *e = *verdict;
    return verdict->status;
}

/* Report: documents first, report.json last (it marks the run complete); the summary. */
static rt_status flow_report(flow *f, rt_error *e) {
    const rt_report *r = &f->rep;
    report_classes_fill(&f->rep, &f->codes, f->ir->dataset.classes,
                        (const char *const *)f->info.class_names);
    report_members_fill(&f->rep, &f->codes, f->ir->dataset.classes, f->ir->head_group,
                        f->ir->head_members);
    report_input rin = {.r = r, .ir = f->ir, .out_dir = f->o->out_dir, .layer_luts = NULL};
    rt_error doc = {0};
    rt_status st = report_write_docs(&rin, &doc);
    if (st == RT_ERR_DATA) /* the curve could not be read: the documents say so */
        fprintf(stderr, "nltc: warning: %s\n", doc.msg);
    else if (st)
        return *e = doc, st;
    /* the digest of every file written so far: report.json's "artifacts" */
    if ((st = rt_artifacts_scan(f->o->out_dir, &f->rep.artifacts, e))) return st;
    if ((st = report_json_write(r, f->report_path, e))) return st;
    flow_print_accuracy(r); /* the one-line result, with -q too */
    if (!f->o->quiet) {
        rt_buf b = {0};
        int K = f->ir->hw.lut_inputs;
        rt_buf_printf(&b, "hardware: %ld LUT%d (estimate", r->hardware.luts_estimate, K);
        if (r->hardware.luts_support >= 0 && r->hardware.luts_support < r->hardware.luts_estimate)
            rt_buf_printf(&b, "; %ld over the true supports", r->hardware.luts_support);
        rt_buf_printf(&b, ")");
        if (r->hardware.luts_yosys >= 0)
            rt_buf_printf(&b, ", %ld LUTs, %ld FFs, %ld LUT levels (Yosys)", r->hardware.luts_yosys,
                          r->hardware.ffs, r->hardware.lut_levels);
        if (!isnan(r->hardware.fmax_mhz))
            rt_buf_printf(&b, ", Fmax %.0f MHz, %.2f ns (estimate)", r->hardware.fmax_mhz,
                          r->hardware.latency_ns);
        cli_printf_wrapped(stdout, 2, "%s, latency %d cycles", b.data, r->hardware.latency_cycles);
        printf("report: %s/report.md\n", f->o->out_dir);
        rt_buf_free(&b);
    }
    return RT_OK;
}

/* The experiment store: --store, $NLTC_STORE, else .nltc/ beside the model; when the
 * model's folder cannot be written (an installed example), ./.nltc, saying so. */
static rt_status flow_record(flow *f, rt_error *e) {
    const nltc_flow_opts *o = f->o;
    if (!o->record) return RT_OK;
    const char *dir = o->store_dir, *env = getenv("NLTC_STORE");
    char *parent = xstrdup(f->ir->source_path);
    char *slash = strrchr(parent, '/');
    if (slash) *slash = '\0';
    const char *folder = slash ? (*parent ? parent : "/") : ".";
    if (!dir && !(env && *env) && access(folder, W_OK) != 0) {
        dir = ".nltc";
        if (!o->quiet)
            printf("nltc: %s cannot be written; recording into ./.nltc instead\n", folder);
    }
    free(parent);
    store_record_args sa = {
        .store_dir = dir,
        .model_name = f->ir->model_name,
        .model_path = f->ir->source_path,
        .n_sources = f->ir->n_sources,
        .sources = f->ir->sources,
        .captured = f->sources,
        .ir_text = f->ir_text,
        .seed = f->ir->train.seed,
        .argc = o->argc,
        .argv = o->argv,
        .version = NLTC_VERSION,
        .out_dir = o->out_dir,
        .config = o->config,
        .log = o->quiet ? NULL : stdout,
        .report = &f->rep,
        .notes = stderr,
    };
    return store_record(&sa, e);
}

static void flow_init(flow *f, const ir_program *ir, const nltc_flow_opts *o) {
    memset(f, 0, sizeof *f);
    f->ir = ir;
    f->o = o;
    rt_report_init(&f->rep);
    f->rep.model = ir->model_name;
    f->rep.dataset = ir->dataset.name;
    f->rep.seed = ir->train.seed;
}

static void flow_free(flow *f) {
    if (f->be_ready) be_flow_free(&f->be);
    free(f->report_path);
    rt_artifacts_free(&f->rep.artifacts);
    report_classes_free(&f->rep);
    data_info_free(&f->info);
    free(f->ir_text);
    store_sources_free(f->sources);
    tr_model_free(f->model);
    rt_codes_free(&f->codes);
    rt_tables_free(&f->tables);
    rt_dataset_free(&f->data);
    data_info_free(&f->info);
}

rt_status nltc_flow_run(const ir_program *ir, const nltc_flow_opts *o, rt_error *e) {
    flow f;
    flow_init(&f, ir, o);
    if (o->dp.ranks > 1 && o->dp.rank > 0) {
        rt_status st = flow_worker(&f, e);
        flow_free(&f);
        return st;
    }
    rt_error verdict = {0};
    rt_status st = nltc_outdir_check(o->out_dir, o->force, e);
    if (!st) st = tr_check_model(ir, e);
    if (!st) st = tr_check_dp(ir, o->dp.ranks, e);
    if (!st) st = be_check_model(ir, e);
    if (!st) st = nltc_memory_check(ir, o->threads, NULL, o->max_memory, NULL, e);
    if (!st) st = flow_open(&f, e);
    if (!st) st = flow_data(&f, e);
    st = flow_dp_ready(&f, st, e);
    if (!st) st = flow_train(&f, e);
    if (!st) st = flow_tabulate(&f, e);
    if (!st) st = nltc_flow_reduce(ir, f.model, &f.data, &f.tables, &f.codes, &f.rep, o->quiet, e);
    if (!st) st = nltc_flow_hwio(ir, &f.data, &f.raw, &f.tables, &f.codes, o->quiet, e);
    if (!st) st = be_flow_emit(&f.be, &f.rep, e);
    if (!st) st = be_flow_estimate(&f.be, &f.rep, e);
    if (!st) st = flow_verify(&f, &verdict, e);
    if (!st) st = be_flow_synth(&f.be, &f.rep, e);
    if (!st) st = flow_report(&f, e);
    if (!st) st = flow_verdict(&verdict, e);
    if (!st) st = flow_record(&f, e);
    flow_free(&f);
    return st;
}
