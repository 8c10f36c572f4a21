/* pareto.c - `nltc pareto`: test accuracy (of the checkpoint selected on validation)
 * against LUTs, and against latency and area-delay product where the reports have them,
 * for every run in the store; the Pareto-optimal runs marked; the published figures of
 * /work/shared/docs/FAMILIES.md overlaid, labelled as published. A table in the terminal,
 * and with --html an HTML page with the SVG plots (runtime/report's plot code). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "driver.h"
#include "report.h"
#include "store.h"

/* A published figure (FAMILIES.md: Xilinx xcvu9p, Vivado, out of context). */
typedef struct pa_anchor {
    const char *dataset; /* the data set, as nltc's reports name it */
    const char *design;
    double acc, luts, latency_ns; /* NAN: not published */
} pa_anchor;

static const pa_anchor pa_anchors[] = {
    {"mnist", "DWN sm", 0.971, 692, 2.4},
    {"mnist", "DWN md", 0.979, 1413, 3.6},
    {"mnist", "DWN lg", 0.983, 4082, 6.0},
    {"mnist", "NeuraLUT-Assemble", 0.979, 5070, 2.1},
    {"mnist", "TreeLUT", 0.966, 4478, 2.5},
    {"jsc", "NeuraLUT-Assemble", 0.760, 1780, 2.1},
    {"jsc", "KANELE", 0.760, 1232, 7.1},
    {"jsc", "TreeLUT", 0.760, 2234, 2.7},
    {"jsc", "DWN lg (encoder incl.)", 0.763, 7011, 2.1},
    {"unsw", "NeuraLUT-Assemble", 0.930, 91, 1.4},
    {"unsw", "PolyLUT-Add NID-Add2", 0.92, 1649, 8.0},
};
enum { PA_N_ANCHORS = (int)(sizeof pa_anchors / sizeof pa_anchors[0]) };
static const char pa_anchor_source[] =
    "published: Xilinx xcvu9p, Vivado, out of context (docs FAMILIES.md / METHOD.md)";

/* One stored run. */
typedef struct pa_point {
    char run[24];     /* short id */
    char name[300];   /* MODEL~N */
    char dataset[64]; /* its data set */
    char config[300]; /* sweep configuration, if any */
    double test, valid, luts, latency_ns, adp;
    bool front[3]; /* Pareto-optimal against LUTs, latency, ADP */
} pa_point;

typedef struct pa_set {
    int n, cap;
    pa_point *v;
} pa_set;

static void pa_visit(void *ctx, const store_run_view *run) {
    pa_set *s = ctx;
    report_doc doc;
    if (!run->report_json ||
        report_json_parse(run->report_json, run->report_json_len, "report.json", &doc, NULL))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = xrealloc(s->v, (size_t)s->cap * sizeof *s->v);
    }
    pa_point *p = &s->v[s->n++];
    memset(p, 0, sizeof *p);
    snprintf(p->run, sizeof p->run, "%s", run->shortid);
    snprintf(p->name, sizeof p->name, "%s", run->name);
    snprintf(p->dataset, sizeof p->dataset, "%s", doc.r.dataset ? doc.r.dataset : "");
    const rt_report *r = &doc.r;
    p->test = r->accuracy.quantized;
    p->valid = r->validation_accuracy;
    long luts = r->hardware.luts_yosys >= 0 ? r->hardware.luts_yosys : r->hardware.luts_estimate;
    p->luts = luts >= 0 ? (double)luts : NAN;
    p->latency_ns = r->hardware.latency_ns >= 0 ? r->hardware.latency_ns : NAN;
    p->adp = r->hardware.adp >= 0 ? r->hardware.adp : NAN;
    report_doc_free(&doc);
    json_value *meta = NULL;
    if (run->run_json && !json_parse(run->run_json, run->run_json_len, "run.json", &meta, NULL)) {
        const json_value *c = json_member(meta, "config");
        if (c && c->kind == JSON_STRING) snprintf(p->config, sizeof p->config, "%s", c->text);
    }
    json_free(meta);
}

/* The cost of p on axis k (0 LUTs, 1 latency, 2 ADP). */
static double pa_cost(const pa_point *p, int k) {
    return k == 0 ? p->luts : k == 1 ? p->latency_ns : p->adp;
}

/* Marks the runs no other run beats on both accuracy and cost k. */
static void pa_front(pa_set *s, int k) {
    for (int i = 0; i < s->n; i++) {
        pa_point *p = &s->v[i];
        double c = pa_cost(p, k);
        bool ok = isfinite(c) && isfinite(p->test);
        for (int j = 0; ok && j < s->n; j++) {
            const pa_point *q = &s->v[j];
            double d = pa_cost(q, k);
            if (j == i || !isfinite(d) || !isfinite(q->test)) continue;
            if (q->test >= p->test && d <= c && (q->test > p->test || d < c)) ok = false;
        }
        p->front[k] = ok;
    }
}

static int pa_by_luts(const void *a, const void *b) {
    const pa_point *x = a, *y = b;
    if (x->luts != y->luts) return x->luts < y->luts ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Whether anchor a is for a data set of the runs (its name contains the anchor's). */
static bool pa_anchor_matches(const pa_set *s, const pa_anchor *a) {
    for (int i = 0; i < s->n; i++) {
        char low[64];
        size_t j = 0;
        for (; s->v[i].dataset[j] && j + 1 < sizeof low; j++)
            low[j] = (char)tolower((unsigned char)s->v[i].dataset[j]);
        low[j] = '\0';
        if (strstr(low, a->dataset)) return true;
    }
    return false;
}

static void pa_table(FILE *f, const pa_set *s) {
    fprintf(f, "%-9s %-24s %8s %8s %8s %8s %9s  %-7s %s\n", "RUN", "MODEL~N", "TEST", "VALID",
            "LUTS", "LAT.NS", "ADP", "PARETO", "CONFIGURATION");
    for (int i = 0; i < s->n; i++) {
        const pa_point *p = &s->v[i];
        char lat[16] = "-", adp[16] = "-", mark[8] = "";
        if (isfinite(p->latency_ns)) snprintf(lat, sizeof lat, "%.2f", p->latency_ns);
        if (isfinite(p->adp)) snprintf(adp, sizeof adp, "%.3g", p->adp);
        snprintf(mark, sizeof mark, "%s%s%s", p->front[0] ? "L" : "", p->front[1] ? "T" : "",
                 p->front[2] ? "A" : "");
        fprintf(f, "%-9s %-24s %7.2f%% %7.2f%% %8.0f %8s %9s  %-7s %s\n", p->run, p->name,
                100 * p->test, 100 * p->valid, p->luts, lat, adp, mark[0] ? mark : "-", p->config);
    }
    fprintf(f, "PARETO: L optimal in accuracy and LUTs, T in accuracy and latency, A in accuracy "
               "and area-delay product\n");
}

/* One plot of accuracy against cost k: the runs, the front, the published anchors. */
static void pa_plot(FILE *f, const pa_set *s, int k) {
    static const char *const xl[] = {"LUTs", "latency (ns)", "area-delay product (LUTs x ns)"};
    int n = s->n, nf = 0, na = 0;
    double *x = xcalloc((size_t)(2 * n + PA_N_ANCHORS + 1), sizeof *x);
    double *y = xcalloc((size_t)(2 * n + PA_N_ANCHORS + 1), sizeof *y);
    const char **lab = xcalloc((size_t)(2 * n + PA_N_ANCHORS + 1), sizeof *lab);
    char **own = xcalloc((size_t)(n + PA_N_ANCHORS + 1), sizeof *own);
    for (int i = 0; i < n; i++) {
        x[i] = pa_cost(&s->v[i], k);
        y[i] = s->v[i].test;
        own[i] = xmalloc(700);
        snprintf(own[i], 700, "%s (%s) %s", s->v[i].name, s->v[i].run, s->v[i].config);
        lab[i] = own[i];
        if (s->v[i].front[k]) { /* sorted by LUTs; the front by its own cost below */
            x[n + nf] = x[i];
            y[n + nf] = y[i];
            lab[n + nf++] = own[i];
        }
    }
    for (int a = 1; a < nf; a++) /* insertion sort of the front by cost */
        for (int b = a; b > 0 && x[n + b - 1] > x[n + b]; b--) {
            double tx = x[n + b], ty = y[n + b];
            const char *tl = lab[n + b];
            x[n + b] = x[n + b - 1], y[n + b] = y[n + b - 1], lab[n + b] = lab[n + b - 1];
            x[n + b - 1] = tx, y[n + b - 1] = ty, lab[n + b - 1] = tl;
        }
    int base = n + nf;
    for (int a = 0; a < PA_N_ANCHORS; a++) {
        const pa_anchor *an = &pa_anchors[a];
        double c = k == 0 ? an->luts : k == 1 ? an->latency_ns : an->luts * an->latency_ns;
        if (!pa_anchor_matches(s, an)) continue;
        x[base + na] = c;
        y[base + na] = an->acc;
        own[n + na] = xmalloc(160);
        snprintf(own[n + na], 160, "%s (published)", an->design);
        lab[base + na] = own[n + na];
        na++;
    }
    report_series se[3] = {
        {.name = "runs", .n = n, .x = x, .y = y, .scatter = true, .labels = lab},
        {.name = "Pareto front", .n = nf, .x = x + n, .y = y + n, .labels = lab + n},
        {.name = "published",
         .n = na,
         .x = x + base,
         .y = y + base,
         .dashed = true,
         .scatter = true,
         .labels = lab + base,
         .show_labels = true},
    };
    char title[96];
    snprintf(title, sizeof title, "Test accuracy against %s", xl[k]);
    report_line_plot pl = {title, xl[k], "test accuracy", true, na ? 3 : 2, se};
    report_svg_lines(f, &pl);
    for (int i = 0; i < n + na; i++)
        free(own[i]);
    free(own);
    free(lab);
    free(x);
    free(y);
}

static rt_status pa_html(const char *path, const pa_set *s, rt_error *e) {
    FILE *f = fopen(path, "w");
    if (!f) return rt_fail(e, RT_ERR_IO, "--html %s: cannot write", path);
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>nltc pareto</title>"
          "</head>\n<body style=\"font-family: sans-serif\">\n<h1>Accuracy against cost</h1>\n"
          "<p>Test accuracy of the checkpoint selected on validation. Each point is a run "
          "(hover: its name for <code>nltc show</code>); the line joins the Pareto-optimal "
          "runs; rings are ",
          f);
    report_html_escape(f, pa_anchor_source);
    fputs(".</p>\n", f);
    for (int k = 0; k < 3; k++) {
        bool any = false;
        for (int i = 0; i < s->n; i++)
            any |= isfinite(pa_cost(&s->v[i], k));
        if (any) pa_plot(f, s, k);
    }
    fputs("<pre>\n", f);
    pa_table(f, s);
    fputs("</pre>\n</body></html>\n", f);
    return fclose(f) == 0 ? RT_OK : rt_fail(e, RT_ERR_IO, "--html %s: write failed", path);
}

rt_status driver_cmd_pareto(int argc, char **argv, rt_error *e) {
    const char *dir = NULL, *model = NULL, *html = NULL;
    const cli_opt opts[] = {
        {0, "store", CLI_STRING, "DIR", &dir,
         "the experiment store (default $NLTC_STORE, else .nltc)", 0, 0, NULL, false, NULL},
        {0, "model", CLI_STRING, "M", &model, "only the runs of model M", 0, 0, NULL, false, NULL},
        {0, "html", CLI_STRING, "FILE", &html, "write the plots (SVG) and the table to FILE", 0, 0,
         NULL, false, NULL},
    };
    const cli_spec spec = {
        "nltc pareto",
        "",
        0,
        0,
        NULL,
        "Test accuracy (the checkpoint selected on validation) against LUTs (Yosys, else the\n"
        "estimate), latency and area-delay product (where a run has the timing estimate) of\n"
        "every stored run, sorted by LUTs; the Pareto-optimal runs marked.\n",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        NULL};
    cli_result r;
    rt_status st = cli_parse(&spec, argc, argv, &r, e);
    pa_set s = {0};
    if (st == RT_OK && !r.help)
        st = store_each_run(store_cmd_dir(dir), model, false, pa_visit, &s, e);
    if (st == RT_OK && !r.help) {
        qsort(s.v, (size_t)s.n, sizeof *s.v, pa_by_luts);
        for (int k = 0; k < 3; k++)
            pa_front(&s, k);
        if (s.n == 0)
            printf("no runs with a report in %s\n", store_cmd_dir(dir));
        else
            pa_table(stdout, &s);
        for (int a = 0; a < PA_N_ANCHORS; a++)
            if (pa_anchor_matches(&s, &pa_anchors[a]))
                printf("published %-24s %.1f%% %6.0f LUTs %4.1f ns  (%s)\n", pa_anchors[a].design,
                       100 * pa_anchors[a].acc, pa_anchors[a].luts, pa_anchors[a].latency_ns,
                       pa_anchor_source);
        if (html) st = pa_html(html, &s, e);
        if (html && st == RT_OK) printf("wrote %s\n", html);
    }
    free(s.v);
    cli_result_free(&r);
    return st;
}
