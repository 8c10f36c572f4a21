/* svg.c - self-contained SVG charts for the reports: a line plot (training loss, validation
 * accuracy; several series with a legend, NaN = gap) and a bar chart (LUTs per layer).
 * Axes get "nice" ticks (1, 2, 5 x 10^k). The output needs no script, font or stylesheet. */
#include "report.h"

#include <math.h>
#include <string.h>

enum { SVG_W = 640, SVG_H = 320, SVG_LEFT = 64, SVG_RIGHT = 20, SVG_TOP = 40, SVG_BOTTOM = 52 };

static const char *const svg_colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                         "#9467bd", "#8c564b", "#e377c2", "#17becf"};
enum { SVG_NCOLORS = sizeof svg_colors / sizeof svg_colors[0] };

/* An axis: data range [lo, hi] with ticks lo, lo+step, ... hi. */
typedef struct svg_axis {
    double lo, hi, step; /* nice bounds and tick spacing */
    int decimals;        /* digits after the point in tick labels */
} svg_axis;

static double svg_nice(double x) {
    double e = pow(10, floor(log10(x)));
    double f = x / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

/* Chooses about `ticks` nice ticks covering [lo, hi]. */
static svg_axis svg_axis_make(double lo, double hi, int ticks) {
    svg_axis a;
    if (!(hi > lo)) {
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    a.step = svg_nice((hi - lo) / ticks);
    a.lo = floor(lo / a.step + 1e-9) * a.step;
    a.hi = ceil(hi / a.step - 1e-9) * a.step;
    a.decimals = a.step >= 1 ? 0 : (int)ceil(-log10(a.step) - 1e-9);
    return a;
}

static double svg_map(const svg_axis *a, double v, double p0, double p1) {
    return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

static void svg_open(FILE *f, const char *title) {
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
            "height=\"%d\" role=\"img\" aria-label=\"",
            SVG_W, SVG_H, SVG_W, SVG_H);
    report_html_escape(f, title);
    fprintf(f,
            "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
            "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
            "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\" fill=\"#222\">",
            SVG_W, SVG_H, SVG_LEFT);
    report_html_escape(f, title);
    fputs("</text>\n", f);
}

/* Axis labels, the y grid with tick labels, and the frame of the plot area. */
static void svg_frame(FILE *f, const svg_axis *y, const char *xlabel, const char *ylabel,
                      bool percent) {
    int x0 = SVG_LEFT, x1 = SVG_W - SVG_RIGHT, y0 = SVG_H - SVG_BOTTOM, y1 = SVG_TOP;
    int n = (int)lround((y->hi - y->lo) / y->step);
    for (int i = 0; i <= n; i++) {
        double v = y->lo + i * y->step;
        double py = svg_map(y, v, y0, y1);
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">",
                x0, py, x1, py, x0 - 6, py + 4);
        int dec = percent ? (y->decimals > 2 ? y->decimals - 2 : 0) : y->decimals;
        fprintf(f, "%.*f%s</text>\n", dec, percent ? v * 100 : v, percent ? "%" : "");
    }
    fprintf(f,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"#888\"/>\n",
            x0, y1, x1 - x0, y0 - y1);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#222\">", (x0 + x1) / 2,
            SVG_H - 10);
    report_html_escape(f, xlabel);
    fprintf(f,
            "</text>\n<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\" "
            "fill=\"#222\">",
            (y0 + y1) / 2);
    report_html_escape(f, ylabel);
    fputs("</text>\n", f);
}

static void svg_no_data(FILE *f) {
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n",
            (SVG_LEFT + SVG_W - SVG_RIGHT) / 2, (SVG_TOP + SVG_H - SVG_BOTTOM) / 2);
}

/* The points of a scatter series: a circle each, its label as a tooltip (and as text). */
static void svg_points(FILE *f, const report_series *se, const svg_axis *x, const svg_axis *y,
                       const char *color) {
    int x0 = SVG_LEFT, x1 = SVG_W - SVG_RIGHT, y0 = SVG_H - SVG_BOTTOM, y1 = SVG_TOP;
    for (int i = 0; i < se->n; i++) {
        if (!isfinite(se->x[i]) || !isfinite(se->y[i])) continue;
        double px = svg_map(x, se->x[i], x0, x1), py = svg_map(y, se->y[i], y0, y1);
        if (se->dashed) /* a ring */
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"%s\" "
                    "stroke-width=\"2\">",
                    px, py, color);
        else
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">", px, py, color);
        if (se->labels && se->labels[i]) {
            fputs("<title>", f);
            report_html_escape(f, se->labels[i]);
            fputs("</title>", f);
        }
        fputs("</circle>\n", f);
        if (se->show_labels && se->labels && se->labels[i]) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">", px + 7, py - 5,
                    color);
            report_html_escape(f, se->labels[i]);
            fputs("</text>\n", f);
        }
    }
}

void report_svg_lines(FILE *f, const report_line_plot *p) {
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    int points = 0;
    for (int s = 0; s < p->n_series; s++) {
        const report_series *se = &p->series[s];
        for (int i = 0; i < se->n; i++) {
            if (!isfinite(se->x[i]) || !isfinite(se->y[i])) continue;
            points++;
            xmin = fmin(xmin, se->x[i]);
            xmax = fmax(xmax, se->x[i]);
            ymin = fmin(ymin, se->y[i]);
            ymax = fmax(ymax, se->y[i]);
        }
    }
    svg_open(f, p->title);
    if (points == 0) {
        svg_axis y = svg_axis_make(0, 1, 5);
        svg_frame(f, &y, p->xlabel, p->ylabel, p->percent);
        svg_no_data(f);
        fputs("</svg>\n", f);
        return;
    }
    if (p->percent) {
        ymin = fmax(0, ymin);
        ymax = fmin(1, ymax);
    }
    svg_axis y = svg_axis_make(ymin, ymax, 5);
    svg_axis x = svg_axis_make(xmin, xmax, 8);
    bool scatter = p->n_series > 0 && p->series[0].scatter;
    if (x.step < 1 && !scatter) { /* epochs are integers: never tick between them */
        x = svg_axis_make(xmin, xmin + fmax(1, xmax - xmin), 1);
        x.step = 1;
        x.decimals = 0;
    }
    int x0 = SVG_LEFT, x1 = SVG_W - SVG_RIGHT, y0 = SVG_H - SVG_BOTTOM, y1 = SVG_TOP;
    svg_frame(f, &y, p->xlabel, p->ylabel, p->percent);
    int nx = (int)lround((x.hi - x.lo) / x.step);
    for (int i = 0; i <= nx; i++) {
        double v = x.lo + i * x.step;
        double px = svg_map(&x, v, x0, x1);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\"/>\n"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%.*f</text>\n",
                px, y0, px, y0 + 5, px, y0 + 18, x.decimals, v);
    }
    for (int s = 0; s < p->n_series; s++) {
        const report_series *se = &p->series[s];
        const char *color = svg_colors[s % SVG_NCOLORS];
        if (se->scatter) {
            svg_points(f, se, &x, &y, color);
            continue;
        }
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s d=\"", color,
                se->dashed ? " stroke-dasharray=\"7 4\"" : "");
        bool pen = false;
        int drawn = 0;
        for (int i = 0; i < se->n; i++) {
            if (!isfinite(se->x[i]) || !isfinite(se->y[i])) {
                pen = false;
                continue;
            }
            fprintf(f, "%s%.1f %.1f ", pen ? "L" : "M", svg_map(&x, se->x[i], x0, x1),
                    svg_map(&y, se->y[i], y0, y1));
            pen = true;
            drawn++;
        }
        fputs("\"/>\n", f);
        if (drawn <= 60) { /* few points: mark each one */
            for (int i = 0; i < se->n; i++)
                if (isfinite(se->x[i]) && isfinite(se->y[i]))
                    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                            svg_map(&x, se->x[i], x0, x1), svg_map(&y, se->y[i], y0, y1), color);
        }
    }
    /* Legend: one row right-aligned in the title band, above the plot area. */
    if (p->n_series > 1 || (p->n_series == 1 && p->series[0].name)) {
        int lx = x1;
        for (int s = p->n_series - 1; s >= 0; s--) {
            const char *name = p->series[s].name ? p->series[s].name : "";
            lx -= 26 + 7 * (int)strlen(name) + (s + 1 < p->n_series ? 14 : 0);
            fprintf(f,
                    "<line x1=\"%d\" y1=\"18\" x2=\"%d\" y2=\"18\" stroke=\"%s\" "
                    "stroke-width=\"3\"%s/>\n<text x=\"%d\" y=\"22\" fill=\"#222\">",
                    lx, lx + 18, svg_colors[s % SVG_NCOLORS],
                    p->series[s].dashed ? " stroke-dasharray=\"5 3\"" : "", lx + 23);
            report_html_escape(f, name);
            fputs("</text>\n", f);
        }
    }
    fputs("</svg>\n", f);
}

void report_svg_bars(FILE *f, const report_bar_plot *p) {
    double vmax = 0;
    for (int i = 0; i < p->n; i++)
        if (isfinite(p->values[i])) vmax = fmax(vmax, p->values[i]);
    svg_open(f, p->title);
    svg_axis y = svg_axis_make(0, vmax > 0 ? vmax : 1, 5);
    y.lo = 0;
    svg_frame(f, &y, p->xlabel, p->ylabel, false);
    if (p->n == 0) {
        svg_no_data(f);
        fputs("</svg>\n", f);
        return;
    }
    int x0 = SVG_LEFT, x1 = SVG_W - SVG_RIGHT, y0 = SVG_H - SVG_BOTTOM, y1 = SVG_TOP;
    double slot = (double)(x1 - x0) / p->n;
    double bw = slot * 0.7;
    bool slanted = p->n > 8; /* many bars: slant the labels so they do not collide */
    for (int i = 0; i < p->n; i++) {
        double v = isfinite(p->values[i]) ? p->values[i] : 0;
        double cx = x0 + slot * (i + 0.5);
        double top = svg_map(&y, v, y0, y1);
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#222\">%.*f</text>\n",
                cx - bw / 2, top, bw, y0 - top, svg_colors[0], cx, top - 4,
                v == floor(v) || v >= 100 ? 0 : 2, v); /* 3400 LUTs, 1.25 ns */
        if (slanted)
            fprintf(f,
                    "<text transform=\"translate(%.1f %d) rotate(-35)\" text-anchor=\"end\" "
                    "fill=\"#444\">",
                    cx, y0 + 14);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">", cx,
                    y0 + 18);
        report_html_escape(f, p->labels[i]);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
}
