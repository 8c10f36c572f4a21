/* classes.c - results per class: the confusion matrix of the test split from the verified
 * codes (the table lookup's output codes, which the C simulator and the RTL match bit for
 * bit), recall and precision, and the report's section: a table per class, the matrix as
 * a heat map (plots/confusion.svg) and, in report.md, as a table. */
#include "doc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void classes_clear(rt_report *r) {
    free(r->classes.names);
    free(r->classes.confusion);
    r->classes.n = 0;
    r->classes.names = NULL;
    r->classes.confusion = NULL;
}

static void members_clear(rt_report *r) {
    free(r->members.test);
    r->members.n = 0;
    r->members.test = NULL;
}

void report_classes_free(rt_report *r) {
    classes_clear(r);
    members_clear(r);
}

/* The first of the largest of n scores, as the C simulator's argmax. */
static int first_largest(const uint16_t *s, int n) {
    int best = 0;
    for (int k = 1; k < n; k++)
        if (s[k] > s[best]) best = k;
    return best;
}

bool report_classes_fill(rt_report *r, const rt_codes *c, int n, const char *const *names) {
    classes_clear(r);
    if (n < 1 || c->n_layers < 1) return false;
    /* with a group-sum head the class scores, else the last layer's codes */
    if (c->scores ? c->n_scores != n : c->widths[c->n_layers - 1] != n) return false;
    const uint16_t *out = c->scores ? c->scores : c->layer[c->n_layers - 1];
    r->classes.n = n;
    r->classes.names = xmalloc((size_t)n * sizeof *r->classes.names);
    for (int k = 0; k < n; k++)
        r->classes.names[k] = names ? names[k] : NULL;
    r->classes.confusion = xcalloc((size_t)n * (size_t)n, sizeof *r->classes.confusion);
    for (int s = 0; s < c->n_samples; s++) {
        int best = first_largest(out + (size_t)s * (size_t)n, n);
        int y = c->labels[s];
        if (y >= 0 && y < n) r->classes.confusion[(size_t)y * (size_t)n + (size_t)best]++;
    }
    return true;
}

bool report_members_fill(rt_report *r, const rt_codes *c, int classes, int group, int members) {
    members_clear(r);
    if (members < 2 || classes < 1 || group < 1 || group % members || c->n_layers < 1 ||
        c->widths[c->n_layers - 1] != classes * group || c->n_samples < 1)
        return false;
    const uint16_t *out = c->layer[c->n_layers - 1];
    int part = group / members;
    uint16_t *score = xmalloc((size_t)classes * sizeof *score); /* part <= G < 65536 */
    r->members.test = xmalloc((size_t)members * sizeof *r->members.test);
    r->members.n = members;
    for (int k = 0; k < members; k++) {
        long ok = 0;
        for (int s = 0; s < c->n_samples; s++) {
            const uint16_t *o = out + (size_t)s * (size_t)(classes * group) + k * part;
            for (int j = 0; j < classes; j++) {
                score[j] = 0;
                for (int g = 0; g < part; g++)
                    score[j] = (uint16_t)(score[j] + o[j * group + g]);
            }
            ok += first_largest(score, classes) == c->labels[s];
        }
        r->members.test[k] = (double)ok / c->n_samples;
    }
    free(score);
    return true;
}

/* Row sum (true class k) or column sum (predicted k) of the confusion matrix. */
static long class_sum(const rt_report *r, int k, bool predicted) {
    long s = 0;
    int n = r->classes.n;
    for (int j = 0; j < n; j++)
        s += r->classes.confusion[predicted ? (size_t)j * n + k : (size_t)k * n + j];
    return s;
}

double report_class_recall(const rt_report *r, int k) {
    long t = class_sum(r, k, false);
    return t ? (double)r->classes.confusion[(size_t)k * r->classes.n + k] / (double)t : NAN;
}

double report_class_precision(const rt_report *r, int k) {
    long t = class_sum(r, k, true);
    return t ? (double)r->classes.confusion[(size_t)k * r->classes.n + k] / (double)t : NAN;
}

/* A class's name, or its index when the report has none. */
static const char *class_name(const rt_report *r, int k, char *buf, size_t size) {
    if (r->classes.names && r->classes.names[k]) return r->classes.names[k];
    snprintf(buf, size, "%d", k);
    return buf;
}

/* The confusion matrix as a heat map: rows true class, columns predicted class, each cell
 * shaded by its share of the row (recall on the diagonal), with its count. */
static void svg_confusion(FILE *f, const void *vr) {
    const rt_report *r = vr;
    int n = r->classes.n;
    int cell = n <= 10 ? 44 : n <= 20 ? 26 : 18, left = 120, top = 70;
    int w = left + n * cell + 20, h = top + n * cell + 40;
    char nb[32];
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
            "height=\"%d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
            "font-size=\"%d\">\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
            w, h, w, h, cell >= 26 ? 11 : 9, w, h);
    fprintf(f,
            "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\" "
            "text-anchor=\"middle\">Confusion matrix (test split)</text>\n",
            w / 2);
    fprintf(f,
            "<text x=\"%d\" y=\"38\" text-anchor=\"middle\" fill=\"#444\">predicted class</text>\n",
            left + n * cell / 2);
    fprintf(f,
            "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\" "
            "transform=\"rotate(-90 14 %d)\">true class</text>\n",
            top + n * cell / 2, top + n * cell / 2);
    for (int i = 0; i < n; i++) {
        long row = class_sum(r, i, false);
        fputs("<text x=\"", f);
        fprintf(f, "%d\" y=\"%d\" text-anchor=\"end\" dominant-baseline=\"middle\">", left - 6,
                top + i * cell + cell / 2);
        report_html_escape(f, class_name(r, i, nb, sizeof nb));
        fputs("</text>\n", f);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\" transform=\"rotate(-45 %d %d)\">",
                left + i * cell + cell / 2, top - 6, left + i * cell + cell / 2, top - 6);
        report_html_escape(f, class_name(r, i, nb, sizeof nb));
        fputs("</text>\n", f);
        for (int j = 0; j < n; j++) {
            long v = r->classes.confusion[(size_t)i * n + j];
            double t = row ? (double)v / (double)row : 0;
            /* white to blue on the diagonal; white to red off it, on a square-root scale so
             * that a few errors show */
            double u = i == j ? t : sqrt(t);
            static const int to[2][3] = {{214, 39, 40}, {31, 119, 180}};
            const int *c = to[i == j];
            fprintf(f,
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%ld,%ld,%ld)\" "
                    "stroke=\"#d8dbe0\"><title>true %d, predicted %d: %ld</title></rect>\n",
                    left + j * cell, top + i * cell, cell, cell, lround(255 - (255 - c[0]) * u),
                    lround(255 - (255 - c[1]) * u), lround(255 - (255 - c[2]) * u), i, j, v);
            if (v && cell >= 26)
                fprintf(f,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                        "dominant-baseline=\"middle\" fill=\"%s\">%ld</text>\n",
                        left + j * cell + cell / 2, top + i * cell + cell / 2,
                        u > 0.55 ? "#fff" : "#222", v);
        }
    }
    fputs("</svg>\n", f);
}

static void put_bars(FILE *f, const void *p) {
    report_svg_bars(f, p);
}

void doc_classes(doc *d, const rt_report *r, fmt_pool *p) {
    int n = r->classes.n;
    if (n < 1 || !r->classes.confusion) return;
    fmt_pool pool = *p;
    char nb[32];
    doc_heading(d, "Results per class");
    doc_block *t = doc_table(d, "class\t>test samples\t>predicted as it\t>correct\t>recall\t"
                                ">precision");
    double *recall = xmalloc((size_t)n * sizeof *recall);
    const char **labels = xmalloc((size_t)n * sizeof *labels);
    long total = 0, correct = 0;
    for (int k = 0; k < n; k++) {
        long ok = r->classes.confusion[(size_t)k * n + k];
        total += class_sum(r, k, false);
        correct += ok;
        recall[k] = report_class_recall(r, k);
        labels[k] = pool_keep(&pool, xstrdup(class_name(r, k, nb, sizeof nb)));
        doc_row(t, "%s\t%s\t%s\t%s\t%s\t%s", labels[k], CNT(class_sum(r, k, false)),
                CNT(class_sum(r, k, true)), CNT(ok), PCT(recall[k]),
                PCT(report_class_precision(r, k)));
        recall[k] = isfinite(recall[k]) ? 100 * recall[k] : 0;
    }
    doc_para(d,
             "Recall is the share of a class's test samples predicted as that class (the "
             "per-class accuracy); precision the share of the samples predicted as a class "
             "that belong to it. From the verified output codes: %s of %s test samples "
             "correct (%s).",
             CNT(correct), CNT(total), PCT(total ? (double)correct / (double)total : NAN));
    if (n + 1 <= DOC_MAX_COLS) { /* the matrix as a table too (report.md shows no SVG inline) */
        rt_buf h = {0};
        rt_buf_puts(&h, "true \\ predicted");
        for (int j = 0; j < n; j++)
            rt_buf_printf(&h, "\t>%s", labels[j]);
        doc_block *m = doc_table(d, h.data);
        m->md_only = true; /* the page shows the heat map */
        rt_buf_free(&h);
        for (int i = 0; i < n; i++) {
            rt_buf row = {0};
            rt_buf_puts(&row, labels[i]);
            for (int j = 0; j < n; j++)
                rt_buf_printf(&row, "\t%ld", r->classes.confusion[(size_t)i * n + j]);
            doc_row(m, "%s", row.data);
            rt_buf_free(&row);
        }
    }
    doc_block *f = doc_add(d, DOC_FIGURES);
    add_figure(f, "plots/confusion.svg", "confusion matrix of the test split",
               report_string(svg_confusion, r));
    report_bar_plot bp = {"Recall per class", "class", "recall (%)", n, labels, recall};
    add_figure(f, "plots/recall.svg", "recall per class", report_string(put_bars, &bp));
    free(recall);
    free(labels);
    *p = pool;
}
