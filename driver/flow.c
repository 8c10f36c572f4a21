/* flow.c - the pass pipeline behind `nltc FILE -o DIR`, written out in one function.
 *
 * Each pass reads only what the previous one produced (see ARCHITECTURE.md):
 *   IR -> dataset -> trained model -> tables + reference codes -> table files / RTL / C sim
 *      -> verification -> hardware cost -> report -> experiment store
 * OUT/report.json is written last, so a folder without it is an unfinished run; a
 * finished run's report.json is removed at the start of the next run into the same folder.
 */
#include "flow.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backend.h"
#include "compiler.h"
#include "data.h"
#include "report.h"
#include "rt.h"
#include "store.h"
#include "train.h"

/* Prints the one-screen summary of a lowered model: dataset shape, layers, table sizes. */
static void flow_summary(FILE *f, const ir_program *ir) {
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

/* Writes the IR dump to OUT/model.ir (atomically) and returns it as a malloc'd string. */
static char *flow_write_ir(const ir_program *ir, const char *out_dir) {
    char *text = report_string(flow_put_ir, ir);
    char *path = rt_path_join(out_dir, "model.ir");
    int rc = report_file_write(path, flow_put_ir, ir, stderr);
    free(path);
    if (rc) {
        free(text);
        return NULL;
    }
    return text;
}

static void flow_print_accuracy(const rt_report *r) {
    printf("test accuracy: float %.2f%%, quantized %.2f%%", 100 * r->accuracy.flt,
           100 * r->accuracy.quantized);
    if (!isnan(r->accuracy.repr[RT_REPR_TABLES]))
        printf(", tables %.2f%%", 100 * r->accuracy.repr[RT_REPR_TABLES]);
    if (!isnan(r->accuracy.repr[RT_REPR_CSIM]))
        printf(", C sim %.2f%%", 100 * r->accuracy.repr[RT_REPR_CSIM]);
    if (!isnan(r->accuracy.repr[RT_REPR_RTL]))
        printf(", RTL %.2f%%", 100 * r->accuracy.repr[RT_REPR_RTL]);
    printf("  (validation %.2f%%, %d test samples)\n", 100 * r->validation_accuracy, r->n_test);
}

int nltc_flow_run(const ir_program *ir, const nltc_flow_opts *o) {
    int rc = 0;
    be_err e = {{0}};
    rt_dataset data = {0};
    rt_tables tables = {0};
    rt_codes codes = {0};
    tr_model *model = NULL;
    char *ir_text = NULL;
    store_sources *sources = NULL;
    rt_report rep;
    rt_report_init(&rep);
    rep.model = ir->model_name;
    rep.dataset = ir->dataset.name;
    rep.seed = ir->train.seed;

    /* 0. The output folder, the IR dump, the summary. */
    if (be_mkdirs(o->out_dir, &e)) {
        fprintf(stderr, "nltc: error: %s\n", e.msg);
        return 2;
    }
    char *report_path = rt_path_join(o->out_dir, "report.json");
    if (remove(report_path) != 0 && errno != ENOENT) {
        fprintf(stderr, "nltc: error: cannot remove %s: %s\n", report_path, strerror(errno));
        rc = 2;
        goto done;
    }
    if (!(ir_text = flow_write_ir(ir, o->out_dir))) {
        fprintf(stderr, "nltc: error: cannot write %s/model.ir\n", o->out_dir);
        rc = 2;
        goto done;
    }
    if (!o->quiet) flow_summary(stdout, ir);
    /* The model text as compiled: the store must not see later edits of the files. */
    rt_error se = {0};
    if (o->record && !(sources = store_sources_capture(ir->n_sources, ir->sources, &se))) {
        fprintf(stderr, "nltc: error: %s\n", se.msg);
        rc = 2;
        goto done;
    }

    /* 1. Data. */
    if (data_load(&ir->dataset, &data, stderr)) {
        rc = 1;
        goto done;
    }
    if (!o->quiet) {
        char split[256];
        data_describe(&ir->dataset, &data, split, sizeof split);
        printf("data: %s\n", split);
        fflush(stdout);
    }

    /* 2. Training: dense stage, masks, sparse stage, selection on validation. */
    train_opts topts;
    train_opts_init(&topts);
    topts.out_dir = o->out_dir;
    topts.resume = o->resume;
    topts.threads = o->threads;
    topts.quiet = o->quiet;
    rc = train_run(ir, &data, &topts, &rep, &model);
    if (rc == TR_INTERRUPTED) {
        fprintf(stderr, "nltc: interrupted; the checkpoint is saved, continue with --resume\n");
        goto done;
    }
    if (rc != TR_OK) goto done;

    /* 3. Truth tables and the reference codes of the test split, from the same forward. */
    double t0 = rt_now();
    tr_tabulate(model, &tables);
    rep.time_s.tabulate = rt_now() - t0;
    tr_codes(model, &data.test, &codes);

    /* 4-6. Table files, RTL, C simulator; verification; hardware cost. */
    be_flow_opts bopts = {.rtl = o->rtl, .synth = o->synth, .quiet = o->quiet};
    rc = be_flow(ir, &tables, &codes, o->out_dir, &bopts, &rep);
    if (rc == 2) goto done;

    /* 7. Report: documents first, report.json last (it marks the run complete). */
    report_input rin = {.r = &rep, .ir = ir, .out_dir = o->out_dir, .layer_luts = NULL};
    int drc = report_write_docs(&rin, stderr);
    if (drc == 2 || report_json_write(&rep, report_path, stderr)) {
        rc = 2;
        goto done;
    }
    if (!o->quiet) {
        flow_print_accuracy(&rep);
        printf("hardware: %ld LUT6 (estimate)", rep.hardware.luts_estimate);
        if (rep.hardware.luts_yosys >= 0)
            printf(", %ld LUTs, %ld FFs, %ld LUT levels (Yosys)", rep.hardware.luts_yosys,
                   rep.hardware.ffs, rep.hardware.lut_levels);
        printf(", latency %d cycles\nreport: %s/report.md\n", rep.hardware.latency_cycles,
               o->out_dir);
    }
    if (rc == 3) {
        fprintf(stderr, "nltc: error: verification found %ld mismatching samples\n",
                rep.verify.mismatches);
        goto done;
    }

    /* 8. The experiment store. */
    if (o->record) {
        store_record_args sa = {
            .store_dir = o->store_dir,
            .model_name = ir->model_name,
            .model_path = ir->source_path,
            .n_sources = ir->n_sources,
            .sources = ir->sources,
            .captured = sources,
            .ir_text = ir_text,
            .seed = ir->train.seed,
            .argc = o->argc,
            .argv = o->argv,
            .version = NLTC_VERSION,
            .out_dir = o->out_dir,
            .log = o->quiet ? NULL : stdout,
            .report = &rep,
            .notes = stderr,
        };
        if (store_record(&sa, &se) != RT_OK) {
            fprintf(stderr, "nltc: error: %s\n", se.msg);
            rc = 2;
        }
    }

done:
    free(report_path);
    free(ir_text);
    store_sources_free(sources);
    tr_model_free(model);
    rt_codes_free(&codes);
    rt_tables_free(&tables);
    rt_dataset_free(&data);
    return rc;
}
