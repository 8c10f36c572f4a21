/* docs.c - OUT/report.md and OUT/report.html: the human-readable run report.
 *
 * The content is built once as a list of blocks (headings, paragraphs, tables, figures,
 * key figures) and then rendered twice, as Markdown (plots linked as plots/NAME.svg) and as
 * one self-contained HTML page (plots inline). Nothing in the output depends on the clock,
 * so the same run gives the same documents. */
#include "doc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

doc_block *doc_add(doc *d, doc_kind kind) {
    rt_grow((void **)&d->b, (size_t)d->n, &d->cap, sizeof *d->b);
    doc_block *b = &d->b[d->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

void doc_heading(doc *d, const char *text) {
    doc_add(d, DOC_HEADING)->text = xstrdup(text);
}

void doc_para(doc *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    doc_add(d, DOC_PARA)->text = rt_vstrfmt(fmt, ap);
    va_end(ap);
}

/* Appends one row to a table or card block; the row is fmt's output split at tabs. */
void doc_row(doc_block *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *line = rt_vstrfmt(fmt, ap);
    va_end(ap);
    b->cells = xrealloc(b->cells, (size_t)(b->rows + 1) * (size_t)b->cols * sizeof *b->cells);
    char *c = line;
    for (int j = 0; j < b->cols; j++) {
        char *tab = c ? strchr(c, '\t') : NULL;
        if (tab) *tab = '\0';
        b->cells[b->rows * b->cols + j] = xstrdup(c ? c : "");
        c = tab ? tab + 1 : NULL;
    }
    b->rows++;
    free(line);
}

/* Starts a table; header is tab-separated, a leading '>' marks a right-aligned column. */
doc_block *doc_table(doc *d, const char *header) {
    doc_block *b = doc_add(d, DOC_TABLE);
    b->cols = 1;
    for (const char *c = header; *c; c++)
        b->cols += *c == '\t';
    doc_row(b, "%s", header);
    for (int j = 0; j < b->cols && j < DOC_MAX_COLS; j++) {
        char *c = b->cells[j];
        if (c[0] == '>') {
            b->numeric[j] = true;
            memmove(c, c + 1, strlen(c));
        }
    }
    return b;
}

static void doc_free(doc *d) {
    for (int i = 0; i < d->n; i++) {
        doc_block *b = &d->b[i];
        free(b->text);
        for (int k = 0; k < b->rows * b->cols; k++)
            free(b->cells[k]);
        free(b->cells);
        for (int k = 0; k < b->n_figs; k++) {
            free(b->figs[k].file);
            free(b->figs[k].alt);
            free(b->figs[k].svg);
        }
    }
    free(d->b);
    free(d->title);
    free(d->sub);
}

/* ---- Number formatting ----------------------------------------------------------------- */

/* Each returns a new string; "n/a" for values that were not measured. */
char *fmt_pct(double v) {
    return isfinite(v) ? rt_strfmt("%.2f%%", v * 100) : xstrdup("n/a");
}

char *fmt_count(long long v) {
    if (v < 0) return xstrdup("n/a");
    char digits[32], out[48];
    int n = snprintf(digits, sizeof digits, "%lld", v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return xstrdup(out);
}

static char *fmt_secs(double s) {
    if (!isfinite(s)) return xstrdup("n/a");
    if (s >= 3600)
        return rt_strfmt("%.0f s (%dh %02dm)", s, (int)(s / 3600), (int)fmod(s / 60, 60));
    if (s >= 120) return rt_strfmt("%.1f s (%.1f min)", s, s / 60);
    if (s < 1) return rt_strfmt("%.3g ms", s * 1000);
    return rt_strfmt(s < 10 ? "%.2f s" : "%.1f s", s);
}

const char *pool_keep(fmt_pool *p, char *s) {
    p->s = xrealloc(p->s, (size_t)(p->n + 1) * sizeof *p->s);
    return p->s[p->n++] = s;
}

static void pool_clear(fmt_pool *p) {
    for (int i = 0; i < p->n; i++)
        free(p->s[i]);
    free(p->s);
    p->s = NULL;
    p->n = 0;
}

#define SECS(v) pool_keep(&pool, fmt_secs(v))

/* ---- Model facts from the IR ------------------------------------------------------------- */

/* The report's phrase of the pipelining strategy (the words are in compiler/ir/enums.def). */
static const char *pipeline_name(const ir_hardware *hw, char *buf, size_t n) {
    if (hw->pipeline != IR_PIPE_EVERY_K) return ir_pipeline_text(hw->pipeline);
    snprintf(buf, n, "every %d layers", hw->pipeline_k);
    return buf;
}

/* LUT cost of each layer: the back end's figures when given, else the analytic estimate. */
static void layer_luts(const report_input *in, double *out) {
    const ir_program *ir = in->ir;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        out[l] = in->layer_luts
                     ? (double)in->layer_luts[l]
                     : (double)L->out_width * L->bits_out *
                           (double)rt_lut_cost(L->fanin * L->bits_in,
                                               ir->hw.lut_inputs > 0 ? ir->hw.lut_inputs : 6);
    }
}

/* ---- Building the content ----------------------------------------------------------------- */

/* Test accuracy acc against the quantized model's ("+0.12 pp"); "" when one is unknown. */
static const char *vs_quantized(fmt_pool *pool, const rt_report *r, double acc) {
    if (!isfinite(acc) || !isfinite(r->accuracy.quantized)) return "";
    return pool_keep(pool, rt_strfmt("%+.2f pp", (acc - r->accuracy.quantized) * 100));
}

static void build_accuracy(doc *d, const rt_report *r, fmt_pool *p) {
    fmt_pool pool = *p;
    doc_heading(d, "Accuracy");
    doc_block *t = doc_table(d, "representation\t>test accuracy\t>vs. quantized");
    static const char *const names[] = {"float model", "quantized model", "table lookup",
                                        "C simulator", "RTL (Verilator)"};
    double acc[] = {r->accuracy.flt, r->accuracy.quantized, r->accuracy.repr[RT_REPR_TABLES],
                    r->accuracy.repr[RT_REPR_CSIM], r->accuracy.repr[RT_REPR_RTL]};
    for (int i = 0; i < 5; i++)
        doc_row(t, "%s\t%s\t%s", names[i], i == 4 && !isfinite(acc[i]) ? "not run" : PCT(acc[i]),
                i == 1 ? "" : vs_quantized(&pool, r, acc[i]));
    for (int k = 0; k < r->members.n; k++) /* a group-sum head's members, each alone */
        doc_row(t, "member %d of %d alone\t%s\t%s", k + 1, r->members.n, PCT(r->members.test[k]),
                vs_quantized(&pool, r, r->members.test[k]));
    char *epoch = r->best_epoch > 0 ? rt_strfmt(" (epoch %d)", r->best_epoch) : xstrdup("");
    doc_para(d,
             "Test accuracy is measured once, at the end, on the test split (%s samples). The "
             "checkpoint was selected on the validation split (%s samples): validation "
             "accuracy %s%s. Training split: %s samples.",
             CNT(r->n_test), CNT(r->n_valid), PCT(r->validation_accuracy), epoch, CNT(r->n_train));
    free(epoch);
    *p = pool;
}

static void build_model(doc *d, const report_input *in, const double *luts, fmt_pool *p) {
    fmt_pool pool = *p;
    const ir_program *ir = in->ir;
    char pipe[48];
    doc_heading(d, "Model");
    doc_para(d,
             "Model %s on dataset %s: %d inputs, %d classes, %d-bit input codes (hard-tanh "
             "quantizer); %d layers in %d trees; tree-level skip %s.",
             ir->model_name, ir->dataset.name, ir->dataset.inputs, ir->dataset.classes,
             ir->input_bits, ir->n_layers, ir->n_trees, ir->tree_skip ? "on" : "off");
    doc_block *t = doc_table(d, "layer\t>in\t>L-LUTs\t>fan-in\tbits in->out\tquantizer\tinputs\t"
                                ">address bits\t>rows per table\t>table bits\t>LUTs\tregister");
    long long total_bits = 0, total_lluts = 0;
    double total_luts = 0;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        int addr = L->fanin * L->bits_in;
        long long rows = 1LL << addr;
        long long bits = rows * L->bits_out * L->out_width;
        total_bits += bits;
        total_lluts += L->out_width;
        total_luts += luts[l];
        doc_row(t, "%s\t%d\t%s\t%d\t%d->%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s", L->name, L->in_width,
                CNT(L->out_width), L->fanin, L->bits_in, L->bits_out, ir_quant_text(L->quant),
                ir_connect_text(L->connect), addr, CNT(rows), CNT(bits), CNT(llround(luts[l])),
                L->reg_after ? "yes" : "");
    }
    doc_row(t, "total\t\t%s\t\t\t\t\t\t\t%s\t%s\t", CNT(total_lluts), CNT(total_bits),
            CNT(llround(total_luts)));
    doc_para(d,
             "Each L-LUT is a table of 2^(fan-in x bits in) rows of bits-out bits. LUTs per "
             "layer are %s. Physical LUT size K = %d; pipelining: %s (%d register stages).",
             in->layer_luts ? "the back end's figures" : "the analytic estimate", ir->hw.lut_inputs,
             pipeline_name(&ir->hw, pipe, sizeof pipe), ir->hw.stages);
    doc_block *s = doc_table(d, "training stage\t>epochs\t>batch\t>learning rate\toptimizer\t"
                                "schedule\tregulariser");
    for (int i = 0; i < ir->train.n_stages; i++) {
        const ir_stage *st = &ir->train.stages[i];
        const char *sched =
            st->schedule == IR_SCHED_CONSTANT ? ir_schedule_text(st->schedule)
            : st->restart_epochs <= 0
                ? pool_keep(&pool, rt_strfmt("cosine to %g, no restarts", st->lr_min))
                : pool_keep(&pool, rt_strfmt("cosine to %g, restart every %d "
                                             "epochs (x%g)",
                                             st->lr_min, st->restart_epochs, st->restart_mult));
        if (st->freeze_mapping > 0)
            sched = pool_keep(&pool, rt_strfmt("%s; mapping fixed the last %d epochs", sched,
                                               st->freeze_mapping));
        const char *reg =
            st->wd > 0 ? pool_keep(&pool, rt_strfmt("hw (wd %g, wd1 %g)", st->wd, st->wd1)) : "";
        doc_row(s, "%s\t%d\t%d\t%g\t%s\t%s\t%s", ir_stage_text(st->kind), st->epochs, st->batch,
                st->lr, ir_optimizer_text(st->optimizer), sched, reg);
    }
    doc_para(d, "Seed %llu; checkpoint selection: %s.", (unsigned long long)ir->train.seed,
             ir_select_text(ir->train.select));
    const rt_report *r = in->r;
    if (r->build.threads > 0)
        doc_para(d,
                 "Reproduction: nltc %s (commit %s), %d thread%s, training library built by %s "
                 "for %s.",
                 r->build.nltc_version ? r->build.nltc_version : "n/a",
                 r->build.commit ? r->build.commit : "unknown", r->build.threads,
                 r->build.threads == 1 ? "" : "s", r->build.compiler ? r->build.compiler : "n/a",
                 r->build.cpu_features ? r->build.cpu_features : "n/a");
    *p = pool;
}

/* The rows of the timing estimate: Fmax, latency, ADP, delay per stage. */
static void build_timing(doc_block *t, const rt_report *r, fmt_pool *p) {
    fmt_pool pool = *p;
    doc_row(t, "Fmax, estimate (MHz)\t%s",
            pool_keep(&pool, rt_strfmt("%.0f", r->hardware.fmax_mhz)));
    doc_row(t, "latency, estimate (ns)\t%s",
            pool_keep(&pool, rt_strfmt("%.2f", r->hardware.latency_ns)));
    doc_row(t, "area-delay product (LUTs x ns)\t%s",
            pool_keep(&pool, rt_strfmt("%.3g", r->hardware.adp)));
    rt_buf s = {0};
    for (int i = 0; i < r->hardware.n_stage_levels; i++)
        rt_buf_printf(&s, "%s%.2f", i ? ", " : "", r->hardware.stage_ns[i]);
    doc_row(t, "delay per pipeline stage (ns)\t%s", pool_keep(&pool, rt_buf_take(&s)));
    *p = pool;
}

static void build_hardware(doc *d, const rt_report *r, fmt_pool *p) {
    fmt_pool pool = *p;
    doc_heading(d, "Hardware cost");
    doc_block *t = doc_table(d, "measure\t>value");
    doc_row(t, "L-LUTs (logical tables)\t%s", CNT(r->llut_count));
    doc_row(t, "table bits\t%s", CNT(r->table_bits));
    if (r->hardware.target) doc_row(t, "target\t%s", r->hardware.target);
    doc_row(t, "LUTs, analytic estimate\t%s", CNT(r->hardware.luts_estimate));
    if (r->hardware.luts_support >= 0)
        doc_row(t,
                "LUTs, analytic over each bit's true support (L-LUTs reaching no output "
                "left out)\t%s (%s left out)",
                CNT(r->hardware.luts_support), CNT(r->hardware.lluts_dead));
    doc_row(t, "LUTs, Yosys\t%s", CNT(r->hardware.luts_yosys));
    if (r->hardware.luts_core_yosys >= 0)
        doc_row(t, "core LUTs alone, Yosys (the encoder and head kept apart)\t%s",
                CNT(r->hardware.luts_core_yosys));
    doc_row(t, "flip-flops\t%s", CNT(r->hardware.ffs));
    doc_row(t, "logic depth (LUT levels)\t%s", CNT(r->hardware.lut_levels));
    if (r->hardware.n_stage_levels > 0) {
        rt_buf s = {0};
        for (int i = 0; i < r->hardware.n_stage_levels; i++)
            rt_buf_printf(&s, "%s%d", i ? ", " : "", r->hardware.stage_levels[i]);
        doc_row(t, "LUT levels per pipeline stage\t%s", pool_keep(&pool, rt_buf_take(&s)));
    }
    doc_row(t, "pipeline stages\t%s", CNT(r->hardware.pipeline_stages));
    doc_row(t, "latency (cycles)\t%s", CNT(r->hardware.latency_cycles));
    if (r->hardware.luts_xilinx >= 0)
        doc_row(t, "LUTs, Yosys synth_xilinx (+ MUXF7/F8)\t%s (+ %s)", CNT(r->hardware.luts_xilinx),
                CNT(r->hardware.muxf));
    if (r->hardware.luts_mapped >= 0 && r->hardware.luts_xilinx < 0)
        doc_row(t, "LUTs, the target's Yosys mapping\t%s", CNT(r->hardware.luts_mapped));
    if (r->hardware.luts_encoder_estimate >= 0)
        doc_row(t,
                "input encoder (beside the core): comparators of thresholds; LUTs, estimate / "
                "Yosys\t%s of %s; %s / %s",
                CNT(r->hardware.encoder_comparators), CNT(r->hardware.encoder_thresholds),
                CNT(r->hardware.luts_encoder_estimate), CNT(r->hardware.luts_encoder_yosys));
    if (r->hardware.luts_head_estimate >= 0)
        doc_row(t, "group-sum head LUTs, estimate / Yosys (beside the core)\t%s / %s",
                CNT(r->hardware.luts_head_estimate), CNT(r->hardware.luts_head_yosys));
    if (r->hardware.timed) build_timing(t, r, &pool);
    if (r->hardware.pnr_part) {
        doc_row(t, "placed and routed on\t%s", r->hardware.pnr_part);
        doc_row(t, "Fmax, nextpnr router (MHz)\t%.1f", r->hardware.pnr_fmax_mhz);
        doc_row(t, "logic cells used\t%s of %s", CNT(r->hardware.pnr_cells),
                CNT(r->hardware.pnr_cells_total));
        doc_row(t, "bitstream\t%s", r->hardware.bitstream);
    }
    if (r->hardware.estimate_note) doc_para(d, "Note: %s.", r->hardware.estimate_note);
    doc_para(d, "Analytic estimate, %s.", rt_lut_cost_formula());
    if (r->reduce.rarity > 0) {
        doc_heading(d, "Table reduction");
        doc_block *u = doc_table(d, "measure\t>before\t>after");
        doc_row(u, "validation accuracy\t%s\t%s", PCT(r->reduce.valid_before),
                PCT(r->reduce.valid_after));
        doc_row(u, "test accuracy\t%s\t%s", PCT(r->reduce.test_before), PCT(r->reduce.test_after));
        doc_row(u, "LUTs, support estimate (identical functions shared)\t%s\t%s",
                CNT(r->reduce.luts_before), CNT(r->reduce.luts_after));
        doc_row(u, "LUTs, with O5/O6 pairs (6-input LUTs only)\t%s\t%s",
                CNT(r->reduce.luts_before_pairs), CNT(r->reduce.luts_after_pairs));
        char rare[64];
        if (r->reduce.rarity > 1)
            snprintf(rare, sizeof rare, "seen fewer than %ld times", r->reduce.rarity);
        else
            snprintf(rare, sizeof rare, "never seen");
        doc_para(d,
                 "Addresses %s on the training split (%s of %s were seen) became "
                 "don't-cares; the tables above are the reduced ones. %s test samples produce "
                 "other codes than the model's.",
                 rare, CNT(r->reduce.seen), CNT(r->reduce.addresses), CNT(r->reduce.changed_test));
        if (r->reduce.budget >= 0)
            doc_para(d,
                     "Beyond them, the support reduction changed %s of the training samples' "
                     "output bits (the budget: %s), the address bits that cost the fewest "
                     "changes per LUT saved first.",
                     CNT(r->reduce.changed_train), CNT(r->reduce.budget));
    }
    if (r->hardware.timed)
        doc_para(d,
                 "Fmax, latency in ns and the area-delay product (synth_xilinx LUTs x latency) "
                 "are an %s. Critical path: %s.",
                 r->hardware.timing_model, r->hardware.critical_path);
    else
        doc_para(d,
                 "No timing estimate (%s): latency is in clock cycles and the critical "
                 "path in LUT levels.",
                 r->hardware.timing_model ? r->hardware.timing_model : "no synthesis");
    doc_heading(d, "Verification");
    doc_block *v = doc_table(d, "measure\tvalue");
    doc_row(v, "test samples compared\t%s", CNT(r->verify.samples));
    doc_row(v, "mismatches\t%s", CNT(r->verify.mismatches));
    char list[256] = "";
    for (int i = 0; i < r->verify.n_pipelines && i < 8; i++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                 r->verify.pipelines_checked[i] ? r->verify.pipelines_checked[i] : "?");
    }
    doc_row(v, "pipelines checked in RTL\t%s", list[0] ? list : "none");
    *p = pool;
}

static void build_times(doc *d, const rt_report *r, fmt_pool *p) {
    fmt_pool pool = *p;
    doc_heading(d, "Times");
    doc_block *t = doc_table(d, "step\t>wall time");
    static const char *const names[] = {"stage 1 (dense)", "stage 2 (sparse)", "tabulate", "emit",
                                        "verify",          "synthesis"};
    double v[] = {r->time_s.stage1, r->time_s.stage2, r->time_s.tabulate,
                  r->time_s.emit,   r->time_s.verify, r->time_s.synth};
    double total = 0;
    for (int i = 0; i < 6; i++) {
        doc_row(t, "%s\t%s", names[i], SECS(v[i]));
        total += isfinite(v[i]) ? v[i] : 0;
    }
    doc_row(t, "total\t%s", SECS(total));
    doc_para(d, "Training throughput of the last stage: %s samples/s.",
             isfinite(r->train_samples_per_s) ? CNT(llround(r->train_samples_per_s)) : "n/a");
    *p = pool;
}

/* Renders a plot into a new string. */
static void put_lines(FILE *f, const void *p) {
    report_svg_lines(f, p);
}

static void put_bars(FILE *f, const void *p) {
    report_svg_bars(f, p);
}

static char *plot_lines(const report_line_plot *p) {
    return report_string(put_lines, p);
}

static char *plot_bars(const report_bar_plot *p) {
    return report_string(put_bars, p);
}

void add_figure(doc_block *b, const char *file, const char *alt, char *svg) {
    doc_figure *f = &b->figs[b->n_figs++];
    f->file = xstrdup(file);
    f->alt = xstrdup(alt);
    f->svg = svg;
}

/* The loss and validation-accuracy plots, one series per training stage. curve_note: a
 * paragraph; the plots follow it when c holds a curve. */
static void build_training(doc *d, const rt_report *r, const report_curve *c,
                           const char *curve_note, fmt_pool *p) {
    fmt_pool pool = *p;
    doc_heading(d, "Training");
    if (curve_note) doc_para(d, "%s", curve_note);
    if (c->n == 0) return;
    double *x = xmalloc(sizeof(double) * (size_t)(c->n + 1));
    double *loss = xmalloc(sizeof(double) * (size_t)(c->n + 1));
    double *vacc = xmalloc(sizeof(double) * (size_t)(c->n + 1));
    report_curve_epochs(c, x);
    report_series ls[8], vs[8];
    int ns = 0;
    doc_block *t = doc_table(d, "stage\t>epochs\t>final loss\t>best validation accuracy\t"
                                ">at epoch\t>selected epoch\t>mean samples/s");
    for (int i = 0; i < c->n;) {
        int j = i;
        while (j < c->n && strcmp(c->rows[j].stage, c->rows[i].stage) == 0)
            j++;
        double best = NAN, sps = 0;
        int best_ep = -1, nsps = 0;
        for (int k = i; k < j; k++) {
            loss[k] = c->rows[k].loss;
            vacc[k] = c->rows[k].valid_acc;
            if (isfinite(vacc[k]) && !(vacc[k] <= best)) {
                best = vacc[k];
                best_ep = c->rows[k].epoch;
            }
            if (isfinite(c->rows[k].samples_per_s)) {
                sps += c->rows[k].samples_per_s;
                nsps++;
            }
        }
        /* The sparse stage's checkpoint: among epochs of equal validation accuracy, training
         * selects the one of lower validation loss, so "at epoch" names the selected one. */
        bool sparse = strcmp(c->rows[i].stage, "sparse") == 0;
        int sel = sparse && r->best_epoch > 0 && r->best_epoch <= j - i ? r->best_epoch : -1;
        if (sel > 0 && c->rows[i + sel - 1].valid_acc == best) best_ep = sel;
        if (ns < 8) {
            ls[ns] = (report_series){
                .name = c->rows[i].stage, .n = j - i, .x = x + i, .y = loss + i, .dashed = false};
            vs[ns] = (report_series){
                .name = c->rows[i].stage, .n = j - i, .x = x + i, .y = vacc + i, .dashed = false};
            ns++;
        }
        doc_row(t, "%s\t%d\t%s\t%s\t%s\t%s\t%s", c->rows[i].stage, j - i,
                pool_keep(&pool,
                          isfinite(loss[j - 1]) ? rt_strfmt("%.4f", loss[j - 1]) : xstrdup("n/a")),
                PCT(best), best_ep > 0 ? CNT(best_ep) : "n/a", sel > 0 ? CNT(sel) : "",
                nsps ? CNT(llround(sps / nsps)) : "n/a");
        i = j;
    }
    doc_block *f = doc_add(d, DOC_FIGURES);
    report_line_plot lp = {"Training loss", "epoch", "loss", false, ns, ls};
    add_figure(f, "plots/loss.svg", "training loss per epoch", plot_lines(&lp));
    report_line_plot vp = {"Validation accuracy", "epoch", "accuracy", true, ns, vs};
    add_figure(f, "plots/valid_acc.svg", "validation accuracy per epoch", plot_lines(&vp));
    free(x);
    free(loss);
    free(vacc);
    *p = pool;
}

/* LUTs per layer, and the logic depth (and delay, when estimated) per pipeline stage. */
static void build_lut_plot(doc *d, const ir_program *ir, const rt_report *r, const double *luts) {
    doc_heading(d, "LUTs per layer, depth per pipeline stage");
    const char **labels = xmalloc(sizeof(char *) * (size_t)(ir->n_layers + RT_MAX_STAGE_LEVELS));
    for (int l = 0; l < ir->n_layers; l++)
        labels[l] = ir->layers[l].name;
    report_bar_plot bp = {"LUTs per layer", "layer", "LUTs", ir->n_layers, labels, luts};
    doc_block *f = doc_add(d, DOC_FIGURES);
    add_figure(f, "plots/luts.svg", "LUTs per layer", plot_bars(&bp));
    int ns = r->hardware.n_stage_levels < RT_MAX_STAGE_LEVELS ? r->hardware.n_stage_levels
                                                              : RT_MAX_STAGE_LEVELS;
    if (ns > 0) {
        char names[RT_MAX_STAGE_LEVELS][16];
        double lv[RT_MAX_STAGE_LEVELS];
        for (int i = 0; i < ns; i++) {
            snprintf(names[i], sizeof names[i], "stage %d", i + 1);
            labels[i] = names[i];
            lv[i] = r->hardware.timed ? r->hardware.stage_ns[i] : r->hardware.stage_levels[i];
        }
        report_bar_plot sp = {r->hardware.timed ? "Delay per pipeline stage (estimate)"
                                                : "LUT levels per pipeline stage",
                              "pipeline stage",
                              r->hardware.timed ? "ns" : "LUT levels",
                              ns,
                              labels,
                              lv};
        add_figure(f, "plots/stages.svg", "logic depth per pipeline stage", plot_bars(&sp));
    }
    free(labels);
}

static void build_doc(doc *d, const report_input *in, const report_curve *c,
                      const char *curve_note) {
    const rt_report *r = in->r;
    fmt_pool pool = {NULL, 0};
    const char *model = r->model ? r->model : in->ir ? in->ir->model_name : "model";
    d->title = rt_strfmt("nltc report: %s", model);
    d->sub = rt_strfmt("dataset %s, seed %llu", r->dataset ? r->dataset : "n/a",
                       (unsigned long long)r->seed);
    double *luts = NULL;
    if (in->ir) {
        luts = xmalloc(sizeof(double) * (size_t)(in->ir->n_layers + 1));
        layer_luts(in, luts);
    }
    doc_block *k = doc_add(d, DOC_CARDS);
    k->cols = 2;
    long lut = r->hardware.luts_yosys >= 0 ? r->hardware.luts_yosys : r->hardware.luts_estimate;
    doc_row(k, "test accuracy (quantized)\t%s", PCT(r->accuracy.quantized));
    doc_row(k, "%s\t%s", r->hardware.luts_yosys >= 0 ? "LUTs (Yosys)" : "LUTs (estimate)",
            CNT(lut));
    doc_row(k, "L-LUTs\t%s", CNT(r->llut_count));
    doc_row(k, "latency\t%s",
            r->hardware.latency_cycles < 0 ? "n/a"
            : isnan(r->hardware.latency_ns)
                ? pool_keep(&pool, rt_strfmt("%d cycles", r->hardware.latency_cycles))
                : pool_keep(&pool, rt_strfmt("%d cycles, %.2f ns (est.)",
                                             r->hardware.latency_cycles, r->hardware.latency_ns)));
    doc_row(k, "verify mismatches\t%s", CNT(r->verify.mismatches));
    build_accuracy(d, r, &pool);
    doc_classes(d, r, &pool);
    if (in->ir) build_model(d, in, luts, &pool);
    build_hardware(d, r, &pool);
    build_times(d, r, &pool);
    build_training(d, r, c, curve_note, &pool);
    if (in->ir) build_lut_plot(d, in->ir, r, luts);
    free(luts);
    pool_clear(&pool);
}

/* ---- Rendering -------------------------------------------------------------------------- */

static void md_cell(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputc('\\', f);
        fputc(*s, f);
    }
}

static void render_md(FILE *f, const doc *d) {
    fprintf(f, "# %s\n\n%s\n\n", d->title, d->sub);
    for (int i = 0; i < d->n; i++) {
        const doc_block *b = &d->b[i];
        switch (b->kind) {
        case DOC_HEADING:
            fprintf(f, "## %s\n\n", b->text);
            break;
        case DOC_PARA:
            fprintf(f, "%s\n\n", b->text);
            break;
        case DOC_CARDS:
            for (int r = 0; r < b->rows; r++)
                fprintf(f, "- **%s**: %s\n", b->cells[r * 2], b->cells[r * 2 + 1]);
            fputc('\n', f);
            break;
        case DOC_TABLE:
            for (int r = 0; r < b->rows; r++) {
                fputc('|', f);
                for (int j = 0; j < b->cols; j++) {
                    fputc(' ', f);
                    md_cell(f, b->cells[r * b->cols + j]);
                    fputs(" |", f);
                }
                fputc('\n', f);
                if (r == 0) {
                    fputc('|', f);
                    for (int j = 0; j < b->cols; j++)
                        fputs(b->numeric[j] ? "---:|" : "---|", f);
                    fputc('\n', f);
                }
            }
            fputc('\n', f);
            break;
        case DOC_FIGURES:
            for (int k = 0; k < b->n_figs; k++)
                fprintf(f, "![%s](%s)\n", b->figs[k].alt, b->figs[k].file);
            fputc('\n', f);
            break;
        }
    }
}

void report_html_escape(FILE *f, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

void report_html_style(FILE *f) {
    fputs("<style>\n"
          "body{margin:0;background:#f4f5f7;color:#222;font:14px/1.45 'DejaVu Sans',Helvetica,"
          "Arial,sans-serif}\n"
          "main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}\n"
          "h1{font-size:24px;margin:0 0 2px}h2{font-size:18px;margin:28px 0 10px;"
          "border-bottom:2px solid #d8dbe0;padding-bottom:4px}\n"
          ".sub{color:#666;margin:0 0 18px}\n"
          ".cards{display:flex;flex-wrap:wrap;gap:12px}\n"
          ".card{background:#fff;border:1px solid #d8dbe0;border-radius:6px;padding:10px 16px;"
          "min-width:150px}\n"
          ".card .v{font-size:22px;font-weight:bold;color:#1f4e8c}.card .k{color:#666;"
          "font-size:12px}\n"
          "table{border-collapse:collapse;background:#fff;margin:6px 0 10px}\n"
          "th,td{border:1px solid #d8dbe0;padding:4px 10px;text-align:left;"
          "white-space:nowrap}\n"
          "th{background:#eceef2}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          "table.facts td{white-space:normal;word-break:break-all;max-width:520px}\n"
          ".figs{display:flex;flex-wrap:wrap;gap:16px}\n"
          ".figs figure{margin:0;flex:1 1 460px;max-width:660px;background:#fff;"
          "border:1px solid #d8dbe0;border-radius:6px;padding:6px}\n"
          ".figs svg{display:block;width:100%;height:auto}\n"
          ".scroll{overflow-x:auto}\n"
          "pre.diff{background:#fff;border:1px solid #d8dbe0;padding:8px;overflow-x:auto;"
          "font:12px/1.4 'DejaVu Sans Mono',monospace}\n"
          ".add{background:#e6ffec;display:block}.del{background:#ffebe9;display:block}"
          ".hunk{color:#6f42c1;display:block}\n"
          ".up{color:#1a7f37}.down{color:#cf222e}\n"
          "</style>\n",
          f);
}

static void render_html(FILE *f, const doc *d) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    report_html_escape(f, d->title);
    fputs("</title>\n", f);
    report_html_style(f);
    fputs("</head>\n<body>\n<main>\n<h1>", f);
    report_html_escape(f, d->title);
    fputs("</h1>\n<p class=\"sub\">", f);
    report_html_escape(f, d->sub);
    fputs("</p>\n", f);
    for (int i = 0; i < d->n; i++) {
        const doc_block *b = &d->b[i];
        if (b->md_only) continue;
        switch (b->kind) {
        case DOC_HEADING:
            fputs("<h2>", f);
            report_html_escape(f, b->text);
            fputs("</h2>\n", f);
            break;
        case DOC_PARA:
            fputs("<p>", f);
            report_html_escape(f, b->text);
            fputs("</p>\n", f);
            break;
        case DOC_CARDS:
            fputs("<div class=\"cards\">\n", f);
            for (int r = 0; r < b->rows; r++) {
                fputs("<div class=\"card\"><div class=\"v\">", f);
                report_html_escape(f, b->cells[r * 2 + 1]);
                fputs("</div><div class=\"k\">", f);
                report_html_escape(f, b->cells[r * 2]);
                fputs("</div></div>\n", f);
            }
            fputs("</div>\n", f);
            break;
        case DOC_TABLE:
            fputs("<div class=\"scroll\"><table>\n", f);
            for (int r = 0; r < b->rows; r++) {
                fputs("<tr>", f);
                for (int j = 0; j < b->cols; j++) {
                    const char *tag = r == 0 ? "th" : "td";
                    fprintf(f, "<%s%s>", tag, b->numeric[j] ? " class=\"n\"" : "");
                    report_html_escape(f, b->cells[r * b->cols + j]);
                    fprintf(f, "</%s>", tag);
                }
                fputs("</tr>\n", f);
            }
            fputs("</table></div>\n", f);
            break;
        case DOC_FIGURES:
            fputs("<div class=\"figs\">\n", f);
            for (int k = 0; k < b->n_figs; k++) {
                fputs("<figure>\n", f);
                fputs(b->figs[k].svg, f);
                fputs("</figure>\n", f);
            }
            fputs("</div>\n", f);
            break;
        }
    }
    fputs("</main>\n</body>\n</html>\n", f);
}

/* ---- Writing ------------------------------------------------------------------------------ */

/* report_file_write callbacks. */
static void put_md(FILE *f, const void *d) {
    render_md(f, d);
}

static void put_html(FILE *f, const void *d) {
    render_html(f, d);
}

static void put_text(FILE *f, const void *text) {
    fputs(text, f);
}

rt_status report_write_docs(const report_input *in, rt_error *e) {
    report_curve curve = {0, NULL};
    char *curve_path = rt_path_join(in->out_dir, "train/curve.csv");
    char *member = rt_path_join(in->out_dir, "train/member1/train/curve.csv");
    struct stat sb;
    bool of_member = stat(curve_path, &sb) != 0 && stat(member, &sb) == 0;
    if (of_member) { /* group_sum(batches = separate): each member has its own curve */
        char *t = curve_path;
        curve_path = member;
        member = t;
    }
    bool missing = false;
    rt_error ce = {0};
    rt_status rc = report_curve_read(curve_path, &curve, &missing, &ce);
    char *note = NULL;
    if (rc) { /* the documents are still written, with this note instead of the plots */
        rc = rt_fail(e, RT_ERR_DATA, "%s", ce.msg);
        note = rt_strfmt("The training curve could not be read: %s.", ce.msg);
    } else if (missing) {
        note = rt_strfmt("No training curve: %s does not exist.", curve_path);
    } else if (of_member) {
        note = rt_strfmt("The members of the head trained as models of their own (batches = "
                         "separate), one after another: the plots are member 1's training "
                         "(%s); member k's curve is train/member<k>/train/curve.csv.",
                         curve_path);
    }
    doc d = {0};
    build_doc(&d, in, &curve, note);
    char *plots = rt_path_join(in->out_dir, "plots");
    if (mkdir(plots, 0777) != 0 && errno != EEXIST)
        rc = rt_fail(e, RT_ERR_IO, "%s: cannot create folder: %s", plots, strerror(errno));
    for (int i = 0; i < d.n && rc != RT_ERR_IO; i++)
        for (int k = 0; k < d.b[i].n_figs && rc != RT_ERR_IO; k++) {
            char *path = rt_path_join(in->out_dir, d.b[i].figs[k].file);
            if (report_file_write(path, put_text, d.b[i].figs[k].svg, e)) rc = RT_ERR_IO;
            free(path);
        }
    char *md = rt_path_join(in->out_dir, "report.md");
    char *html = rt_path_join(in->out_dir, "report.html");
    if (rc != RT_ERR_IO &&
        (report_file_write(md, put_md, &d, e) || report_file_write(html, put_html, &d, e)))
        rc = RT_ERR_IO;
    free(md);
    free(html);
    free(plots);
    free(note);
    free(curve_path);
    free(member);
    report_curve_free(&curve);
    doc_free(&d);
    return rc;
}
