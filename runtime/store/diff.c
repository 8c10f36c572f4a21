/* diff.c - store_diff, behind `nltc diff A B [--html FILE]`: what changed between two runs. The
 * model files (src/ of each run) as a unified diff through libgit2's diff and patch API, every
 * metric of report.json side by side with its delta, the other artifacts that changed, and with
 * --html a self-contained comparison page (diff, metrics, overlaid training curves). */
#include "store.h"

#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Metrics ------------------------------------------------------------------------------- */

/* One metric row: a dotted report.json key and its value in each run (NULL = absent). */
typedef struct metric_row {
    char key[128];       /* e.g. "accuracy.quantized" */
    const json_value *a; /* value in run A */
    const json_value *b; /* value in run B */
} metric_row;

typedef struct metric_list {
    metric_row *rows; /* [n] in document order (A's keys, then keys only B has) */
    int n, cap;       /* used / allocated */
} metric_list;

static metric_row *metric_find(metric_list *l, const char *key) {
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->rows[i].key, key) == 0) return &l->rows[i];
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->rows = xrealloc(l->rows, (size_t)l->cap * sizeof *l->rows);
    }
    metric_row *r = &l->rows[l->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->key, sizeof r->key, "%s", key);
    return r;
}

/* Adds every leaf (anything but an object) of v under prefix; the artifacts' digests are
 * not metrics. */
static void metric_collect(metric_list *l, const json_value *v, const char *prefix, bool is_b) {
    if (strcmp(prefix, "artifacts") == 0) return;
    if (v->kind != JSON_OBJECT) {
        metric_row *r = metric_find(l, prefix);
        *(is_b ? &r->b : &r->a) = v;
        return;
    }
    for (int i = 0; i < v->n; i++) {
        char key[128];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", v->keys[i]);
        metric_collect(l, &v->items[i], key, is_b);
    }
}

static bool metric_is_pct(const char *key) {
    return strncmp(key, "accuracy.", 9) == 0 || strcmp(key, "validation_accuracy") == 0;
}

/* +1: larger is better, -1: smaller is better, 0: neither. */
static int metric_sense(const char *key) {
    if (metric_is_pct(key) || strcmp(key, "train_samples_per_s") == 0) return 1;
    static const char *const lower[] = {"hardware.", "time_s.", "llut_count", "table_bits",
                                        "verify.mismatches"};
    for (size_t i = 0; i < sizeof lower / sizeof lower[0]; i++)
        if (strncmp(key, lower[i], strlen(lower[i])) == 0) return -1;
    return 0;
}

static void metric_value(char *buf, size_t n, const char *key, const json_value *v) {
    if (!v) {
        snprintf(buf, n, "-");
    } else if (v->kind == JSON_NULL) {
        snprintf(buf, n, "n/a");
    } else if (v->kind == JSON_NUMBER) {
        if (metric_is_pct(key))
            snprintf(buf, n, "%.2f%%", v->number * 100);
        else if (strncmp(key, "time_s.", 7) == 0)
            snprintf(buf, n, "%.3g s", v->number);
        else if (strpbrk(v->text, ".eE"))
            snprintf(buf, n, "%.6g", v->number);
        else
            snprintf(buf, n, "%s", v->text);
    } else if (v->kind == JSON_STRING) {
        snprintf(buf, n, "%s", v->text);
    } else if (v->kind == JSON_BOOL) {
        snprintf(buf, n, "%s", v->boolean ? "true" : "false");
    } else { /* array: its elements, comma-separated */
        buf[0] = '\0';
        for (int i = 0; i < v->n; i++) {
            size_t used = strlen(buf);
            char item[64];
            metric_value(item, sizeof item, key, &v->items[i]);
            snprintf(buf + used, n - used, "%s%s", i ? "," : "", item);
        }
    }
}

/* The delta text; *dir is +1/-1 when B is better/worse than A, 0 otherwise. */
static void metric_delta(char *buf, size_t n, const metric_row *r, int *dir) {
    *dir = 0;
    char va[256], vb[256];
    metric_value(va, sizeof va, r->key, r->a);
    metric_value(vb, sizeof vb, r->key, r->b);
    if (r->a && r->b && r->a->kind == JSON_NUMBER && r->b->kind == JSON_NUMBER &&
        strcmp(r->key, "seed") != 0) {
        double d = r->b->number - r->a->number;
        int sense = metric_sense(r->key);
        *dir = d == 0 ? 0 : (d > 0 ? 1 : -1) * sense;
        if (d == 0)
            snprintf(buf, n, "%s", "");
        else if (metric_is_pct(r->key))
            snprintf(buf, n, "%+.2f pp", d * 100);
        else if (r->a->number != 0 && sense != 0)
            snprintf(buf, n, "%+.4g (%+.1f%%)", d, d / fabs(r->a->number) * 100);
        else
            snprintf(buf, n, "%+.4g", d);
    } else {
        snprintf(buf, n, "%s", strcmp(va, vb) ? "changed" : "");
    }
}

/* Formats one row: A's and B's values and the delta; returns the delta's direction. */
static int metric_cells(const metric_row *r, char va[256], char vb[256], char dv[64]) {
    int dir;
    metric_value(va, 256, r->key, r->a);
    metric_value(vb, 256, r->key, r->b);
    metric_delta(dv, 64, r, &dir);
    return dir;
}

/* ---- Runs being compared ------------------------------------------------------------------- */

typedef struct diff_side {
    git_commit *c;      /* the run */
    git_tree *tree;     /* its files */
    char label[340];    /* "abc1234 (model~1)" */
    char when[48];      /* commit date */
    json_value *meta;   /* run.json */
    json_value *report; /* report.json (NULL when unreadable) */
    report_curve curve; /* train/curve.csv (n = 0 when absent) */
} diff_side;

static rt_status side_load(store *s, const char *spec, diff_side *d, FILE *notes, rt_error *e) {
    memset(d, 0, sizeof *d);
    rt_status rc = store_resolve(s, spec, &d->c, e);
    if (rc) return rc;
    if (git_commit_tree(&d->tree, d->c))
        return store_git_error(s, "corrupt repository, a run's files are unreadable", e);
    char name[300];
    store_run_name(s, d->c, name, sizeof name);
    snprintf(d->label, sizeof d->label, "%.7s%s%s%s", git_oid_tostr_s(git_commit_id(d->c)),
             name[0] ? " (" : "", name, name[0] ? ")" : "");
    store_format_time(d->c, false, d->when, sizeof d->when);
    size_t len;
    char *text = store_read_file(s, d->c, "run.json", &len);
    if (text) json_parse(text, len, "run.json", &d->meta, NULL);
    free(text);
    text = store_read_file(s, d->c, "report.json", &len);
    rt_error pe = {0};
    if (text && json_parse(text, len, "report.json", &d->report, &pe) && notes)
        fprintf(notes, "nltc: diff: the report.json of %s is unreadable: %s\n", d->label, pe.msg);
    free(text);
    text = store_read_file(s, d->c, "train/curve.csv", &len);
    if (text && report_curve_parse(text, len, "train/curve.csv", &d->curve, &pe) && notes)
        fprintf(notes, "nltc: diff: the training curve of %s is unreadable: %s\n", d->label,
                pe.msg);
    free(text);
    return RT_OK;
}

static void side_free(diff_side *d) {
    report_curve_free(&d->curve);
    json_free(d->report);
    json_free(d->meta);
    git_tree_free(d->tree);
    git_commit_free(d->c);
}

static const char *side_meta(const diff_side *d, const char *key) {
    const json_value *v = json_member(d->meta, key);
    return v && (v->kind == JSON_STRING || v->kind == JSON_NUMBER) ? v->text : "?";
}

/* ---- Artifact summary ---------------------------------------------------------------------- */

/* Changed files per top-level entry outside src/, e.g. "tables/ (2), report.json". */
static void artifact_summary(store *s, const diff_side *a, const diff_side *b, char *buf,
                             size_t n) {
    buf[0] = '\0';
    git_diff *d = NULL;
    if (git_diff_tree_to_tree(&d, s->repo, a->tree, b->tree, NULL)) return;
    char names[32][64];
    int counts[32], k = 0;
    for (size_t i = 0; i < git_diff_num_deltas(d); i++) {
        const git_diff_delta *dl = git_diff_get_delta(d, i);
        const char *p = dl->new_file.path ? dl->new_file.path : dl->old_file.path;
        size_t len = strcspn(p, "/");
        if (strncmp(p, "src/", 4) == 0) continue;
        char top[64];
        snprintf(top, sizeof top, "%.*s%s", (int)(len < 60 ? len : 60), p, p[len] ? "/" : "");
        int j = 0;
        while (j < k && strcmp(names[j], top))
            j++;
        if (j == k && k < 32) {
            snprintf(names[k], sizeof names[k], "%s", top);
            counts[k++] = 0;
        }
        if (j < k) counts[j]++;
    }
    for (int j = 0; j < k; j++) {
        size_t used = strlen(buf);
        if (names[j][strlen(names[j]) - 1] == '/')
            snprintf(buf + used, n - used, "%s%s (%d)", j ? ", " : "", names[j], counts[j]);
        else
            snprintf(buf + used, n - used, "%s%s", j ? ", " : "", names[j]);
    }
    git_diff_free(d);
}

/* ---- Text output --------------------------------------------------------------------------- */

static int diff_print_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
                           const git_diff_line *line, void *payload) {
    (void)delta;
    (void)hunk;
    FILE *f = payload;
    if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
        line->origin == GIT_DIFF_LINE_DELETION)
        fputc(line->origin, f);
    fwrite(line->content, 1, line->content_len, f);
    return 0;
}

static void diff_text(FILE *f, git_diff *model, const metric_list *m, const diff_side *a,
                      const diff_side *b, const char *artifacts) {
    fprintf(f, "A  %s  %s  seed %s  %s\n", a->label, a->when, side_meta(a, "seed"),
            side_meta(a, "command"));
    fprintf(f, "B  %s  %s  seed %s  %s\n\n", b->label, b->when, side_meta(b, "seed"),
            side_meta(b, "command"));
    fputs("== model files ==\n", f);
    if (git_diff_num_deltas(model) == 0)
        fputs("(identical)\n", f);
    else
        git_diff_print(model, GIT_DIFF_FORMAT_PATCH, diff_print_line, f);
    fputs("\n== metrics ==\n", f);
    int w = 6;
    for (int i = 0; i < m->n; i++)
        w = (int)strlen(m->rows[i].key) > w ? (int)strlen(m->rows[i].key) : w;
    fprintf(f, "%-*s  %14s  %14s  %s\n", w, "metric", "A", "B", "delta (B - A)");
    for (int i = 0; i < m->n; i++) {
        char va[256], vb[256], dv[64];
        int dir = metric_cells(&m->rows[i], va, vb, dv);
        fprintf(f, "%-*s  %14s  %14s  %s%s\n", w, m->rows[i].key, va, vb, dv,
                dir > 0   ? "  better"
                : dir < 0 ? "  worse"
                          : "");
    }
    fprintf(f, "\n== other artifacts changed ==\n%s\n", artifacts[0] ? artifacts : "(none)");
}

/* ---- HTML output --------------------------------------------------------------------------- */

static int diff_html_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
                          const git_diff_line *line, void *payload) {
    (void)delta;
    (void)hunk;
    FILE *f = payload;
    const char *cls = line->origin == GIT_DIFF_LINE_ADDITION   ? "add"
                      : line->origin == GIT_DIFF_LINE_DELETION ? "del"
                      : line->origin == GIT_DIFF_LINE_HUNK_HDR ? "hunk"
                                                               : NULL;
    char *text = xmalloc(line->content_len + 2);
    size_t n = 0;
    if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
        line->origin == GIT_DIFF_LINE_DELETION)
        text[n++] = line->origin;
    memcpy(text + n, line->content, line->content_len);
    n += line->content_len;
    while (n && text[n - 1] == '\n')
        n--;
    text[n] = '\0';
    if (cls) fprintf(f, "<span class=\"%s\">", cls);
    report_html_escape(f, text);
    fputs(cls ? "</span>" : "\n", f);
    free(text);
    return 0;
}

/* Plots one curve column of both runs. */
static void diff_curve_plot(FILE *f, const diff_side *a, const diff_side *b, bool acc) {
    const diff_side *sides[2] = {a, b};
    report_series series[2];
    double *mem[4] = {NULL, NULL, NULL, NULL};
    int ns = 0;
    for (int k = 0; k < 2; k++) {
        const report_curve *c = &sides[k]->curve;
        if (c->n == 0) continue;
        /* One polyline per run, with a gap (NaN) where a new training stage starts. */
        double *ex = xmalloc(sizeof(double) * (size_t)c->n);
        double *x = mem[2 * k] = xmalloc(sizeof(double) * (size_t)c->n * 2);
        double *y = mem[2 * k + 1] = xmalloc(sizeof(double) * (size_t)c->n * 2);
        report_curve_epochs(c, ex);
        int m = 0;
        for (int i = 0; i < c->n; i++) {
            if (i && strcmp(c->rows[i].stage, c->rows[i - 1].stage) != 0) {
                x[m] = ex[i];
                y[m++] = NAN;
            }
            x[m] = ex[i];
            y[m++] = acc ? c->rows[i].valid_acc : c->rows[i].loss;
        }
        free(ex);
        series[ns++] =
            (report_series){.name = k ? "B" : "A", .n = m, .x = x, .y = y, .dashed = k == 1};
    }
    report_line_plot p = {acc ? "Validation accuracy" : "Training loss",
                          "epoch",
                          acc ? "accuracy" : "loss",
                          acc,
                          ns,
                          series};
    fputs("<figure>\n", f);
    report_svg_lines(f, &p);
    fputs("</figure>\n", f);
    for (int k = 0; k < 4; k++)
        free(mem[k]);
}

/* What the comparison page shows. */
typedef struct diff_page {
    git_diff *model;       /* the model-file diff */
    const metric_list *m;  /* the metrics of both runs */
    const diff_side *a;    /* run A */
    const diff_side *b;    /* run B */
    const char *artifacts; /* summary of the other changed files */
} diff_page;

static void diff_html(FILE *f, const void *ctx) {
    const diff_page *pg = ctx;
    git_diff *model = pg->model;
    const metric_list *m = pg->m;
    const diff_side *a = pg->a, *b = pg->b;
    const char *artifacts = pg->artifacts;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>nltc "
          "diff</title>\n",
          f);
    report_html_style(f);
    fputs("</head>\n<body>\n<main>\n<h1>nltc diff</h1>\n<p class=\"sub\">A = ", f);
    report_html_escape(f, a->label);
    fputs(", B = ", f);
    report_html_escape(f, b->label);
    fputs("</p>\n<div class=\"scroll\"><table class=\"facts\">\n<tr><th></th><th>A</th><th>B</th>"
          "</tr>\n",
          f);
    const char *facts[][2] = {{"run", NULL},    {"date", NULL},         {"model", "model"},
                              {"seed", "seed"}, {"command", "command"}, {"nltc", "version"}};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        fprintf(f, "<tr><th>%s</th>", facts[i][0]);
        for (int k = 0; k < 2; k++) {
            const diff_side *d = k ? b : a;
            fputs("<td>", f);
            report_html_escape(f, i == 0 ? d->label : i == 1 ? d->when : side_meta(d, facts[i][1]));
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n<h2>Metrics</h2>\n<div class=\"scroll\"><table>\n<tr><th>metric</th>"
          "<th class=\"n\">A</th><th class=\"n\">B</th><th class=\"n\">delta (B - A)</th></tr>\n",
          f);
    for (int i = 0; i < m->n; i++) {
        char va[256], vb[256], dv[64];
        int dir = metric_cells(&m->rows[i], va, vb, dv);
        fputs("<tr><td>", f);
        report_html_escape(f, m->rows[i].key);
        fputs("</td><td class=\"n\">", f);
        report_html_escape(f, va);
        fputs("</td><td class=\"n\">", f);
        report_html_escape(f, vb);
        fprintf(f, "</td><td class=\"n%s\">", dir > 0 ? " up" : dir < 0 ? " down" : "");
        report_html_escape(f, dv);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></div>\n<h2>Model files</h2>\n", f);
    if (git_diff_num_deltas(model) == 0) {
        fputs("<p>The model files are identical.</p>\n", f);
    } else {
        fputs("<pre class=\"diff\">", f);
        git_diff_print(model, GIT_DIFF_FORMAT_PATCH, diff_html_line, f);
        fputs("</pre>\n", f);
    }
    fputs("<h2>Training curves</h2>\n<div class=\"figs\">\n", f);
    diff_curve_plot(f, a, b, false);
    diff_curve_plot(f, a, b, true);
    fputs("</div>\n<h2>Other artifacts changed</h2>\n<p>", f);
    report_html_escape(f, artifacts[0] ? artifacts : "none");
    fputs("</p>\n</main>\n</body>\n</html>\n", f);
}

/* ---- diff ---------------------------------------------------------------------------------- */

/* Writes the comparison page to path atomically. */
static rt_status diff_write_html(const char *path, const diff_page *page, rt_error *e) {
    rt_afile f;
    int step = rt_afile_open(&f, path);
    if (step == 0) {
        diff_html(f.f, page);
        step = rt_afile_commit(&f);
    }
    rt_status rc = RT_OK;
    if (step)
        rc = rt_fail(e, RT_ERR_IO, "cannot write %s: %s", path, strerror(f.err ? f.err : EIO));
    rt_afile_free(&f);
    return rc;
}

rt_status store_diff(const store_io *io, const char *run_a, const char *run_b, const char *html,
                     rt_error *e) {
    if (!run_a || !run_b) return rt_fail(e, RT_ERR_USAGE, "diff needs two runs");
    git_libgit2_init();
    store s;
    diff_side a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    git_diff *model = NULL;
    metric_list m = {NULL, 0, 0};
    rt_status rc = store_open(&s, store_cmd_dir(io->dir), false, NULL, e);
    if (rc == RT_OK) rc = side_load(&s, run_a, &a, io->notes, e);
    if (rc == RT_OK) rc = side_load(&s, run_b, &b, io->notes, e);
    if (rc == RT_OK) {
        git_diff_options opts;
        git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
        char *spec[] = {"src/"};
        opts.pathspec.strings = spec;
        opts.pathspec.count = 1;
        if (git_diff_tree_to_tree(&model, s.repo, a.tree, b.tree, &opts))
            rc = store_git_error(&s, "cannot compare the model files", e);
    }
    if (rc == RT_OK) {
        if (a.report) metric_collect(&m, a.report, "", false);
        if (b.report) metric_collect(&m, b.report, "", true);
        char artifacts[1024];
        artifact_summary(&s, &a, &b, artifacts, sizeof artifacts);
        diff_text(io->out, model, &m, &a, &b, artifacts);
        diff_page page = {model, &m, &a, &b, artifacts};
        if (html) {
            rc = diff_write_html(html, &page, e);
            if (rc == RT_OK) fprintf(io->out, "\nnltc: wrote %s\n", html);
        }
    }
    if (rc == RT_OK) rc = store_check_damage(&s, e);
    free(m.rows);
    git_diff_free(model);
    side_free(&a);
    side_free(&b);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}
