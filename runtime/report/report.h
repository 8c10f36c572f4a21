/* report.h - the run report: report.json (writer and reader), report.md and report.html
 * with SVG plots, and the small JSON and SVG helpers the experiment store reuses.
 *
 * Sections:
 *   JSON values     - a small DOM reader (json_parse) and writing helpers (json_put_*)
 *   report.json     - rt_report <-> the report.json contract of issues 3 and 4
 *   training curve  - OUT/train/curve.csv reader
 *   plots           - self-contained SVG line and bar charts
 *   documents       - OUT/report.md, OUT/report.html and OUT/plots/NAME.svg
 *   files           - atomic file writing (temporary file + rename)
 *
 * The flow calls report_write_docs, then report_json_write (report.json is written last).
 * Errors follow the rt_error protocol (runtime/rt.h): nothing here prints an error, exits
 * or aborts on bad input; a function that can fail returns an rt_status and fills the
 * caller's rt_error (NULL: no message) with one located message, "name:line:col: ...",
 * "name:line: ..." or "path: ...". RT_ERR_DATA: malformed content; RT_ERR_IO: a file that
 * cannot be read or written.
 */
#ifndef NLTC_REPORT_H
#define NLTC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ir.h"
#include "rt.h"

/* ---- JSON values -------------------------------------------------------------------- */

typedef enum json_kind {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} json_kind;

/* One parsed JSON value; a tree owned by its root (free with json_free). */
typedef struct json_value {
    json_kind kind;           /* which of the fields below is meaningful */
    bool boolean;             /* JSON_BOOL: the value */
    double number;            /* JSON_NUMBER: the value as a double */
    char *text;               /* JSON_STRING: decoded UTF-8; JSON_NUMBER: the literal as written */
    int n;                    /* JSON_ARRAY / JSON_OBJECT: number of elements / members */
    char **keys;              /* JSON_OBJECT: [n] member names, in document order */
    struct json_value *items; /* JSON_ARRAY / JSON_OBJECT: [n] elements / member values */
} json_value;

/* Parses text[0..len) (RFC 8259, nesting at most 64 deep). RT_OK with *out a new tree, or
 * RT_ERR_DATA with "name:line:col: ..." in e and *out NULL. */
rt_status json_parse(const char *text, size_t len, const char *name, json_value **out, rt_error *e);
void json_free(json_value *v);
/* Member `key` of an object (NULL if v is not an object or has no such member). */
const json_value *json_member(const json_value *v, const char *key);
/* Follows a dotted path of member names, e.g. "accuracy.float"; NULL when absent. */
const json_value *json_path(const json_value *v, const char *dotted);
/* Writes s as a JSON string literal with quotes (NULL writes null): to f, or appended to b
 * (the one escaper of nltc's JSON: report.json, the store's run.json). */
void json_put_string(FILE *f, const char *s);
void json_buf_string(rt_buf *b, const char *s);
/* Writes v in the shortest form that reads back to the same double; NaN/inf write null. */
void json_put_number(FILE *f, double v);

/* ---- report.json --------------------------------------------------------------------- */

/* Writes the report as JSON to f (the exact keys of the contract, plus "best_epoch").
 * NaN doubles and -1 counts are written as null. */
void report_json_print(FILE *f, const rt_report *r);
/* Writes path atomically. RT_OK, or RT_ERR_IO. */
rt_status report_json_write(const rt_report *r, const char *path, rt_error *e);

/* A report read back from JSON: r's strings point into root. */
typedef struct report_doc {
    rt_report r;      /* the decoded report; fields absent from the file stay "not measured" */
    json_value *root; /* the whole parsed document, including keys rt_report has no field for */
} report_doc;

/* Decodes report.json text. Unknown keys are kept in doc->root and otherwise ignored;
 * a known key with the wrong type is an error naming the key. RT_OK or RT_ERR_DATA. */
rt_status report_json_parse(const char *text, size_t len, const char *name, report_doc *doc,
                            rt_error *e);
/* Reads and decodes a report.json file. RT_OK, RT_ERR_DATA (bad content) or RT_ERR_IO
 * (cannot read). */
rt_status report_json_read(const char *path, report_doc *doc, rt_error *e);
void report_doc_free(report_doc *doc);

/* ---- Results per class --------------------------------------------------------------- */

/* Fills r->classes from the test split's verified codes: the confusion matrix of the
 * predicted class (index of the largest output code of the last layer, the first on ties)
 * against the label; names (may be NULL) [n] are kept as pointers. False (and nothing
 * filled) when the last layer has not one output per class. */
bool report_classes_fill(rt_report *r, const rt_codes *c, int n, const char *const *names);
/* A group-sum head of `members` > 1 members (rt_tables.head_group G per class): r->members
 * from the last layer's 1-bit codes of c, member k's class score the number of 1s among
 * codes [c*G + k*G/M, c*G + (k+1)*G/M) (the largest wins, ties to the lowest class). False
 * (and nothing filled) when the last layer is not classes * G wide. */
bool report_members_fill(rt_report *r, const rt_codes *c, int classes, int group, int members);
/* Frees r->classes' and r->members' arrays (not the names' text) and marks them not
 * measured. */
void report_classes_free(rt_report *r);
/* Recall (correct / test samples of class k) and precision (correct / samples predicted
 * as k); NaN when the divisor is 0. */
double report_class_recall(const rt_report *r, int k);
double report_class_precision(const rt_report *r, int k);

/* ---- Training curve ------------------------------------------------------------------ */

/* One row of OUT/train/curve.csv. Empty, "nan" and "null" cells read as NaN. */
typedef struct report_curve_row {
    char stage[32];       /* stage column as written, e.g. "dense" or "sparse" */
    int epoch;            /* 1-based epoch within the stage */
    double loss;          /* mean training loss of the epoch */
    double train_acc;     /* training accuracy, fraction 0..1 */
    double valid_acc;     /* validation accuracy, fraction 0..1 */
    double lr;            /* learning rate at the end of the epoch */
    double seconds;       /* wall time of the epoch */
    double samples_per_s; /* training throughput of the epoch */
} report_curve_row;

typedef struct report_curve {
    int n;                  /* number of rows */
    report_curve_row *rows; /* [n] in file order */
} report_curve;

/* Parses curve.csv text (header: stage,epoch,loss,train_acc,valid_acc,lr,seconds,
 * samples_per_s; columns found by name, extra columns ignored). Errors name
 * "name:row:column". RT_OK or RT_ERR_DATA. */
rt_status report_curve_parse(const char *text, size_t len, const char *name, report_curve *c,
                             rt_error *e);
/* Reads a curve file. RT_OK, RT_ERR_DATA (bad content) or RT_ERR_IO (cannot read). A file
 * that does not exist is RT_OK with an empty curve and *missing (if not NULL) set: a run
 * that did not train has no curve. */
rt_status report_curve_read(const char *path, report_curve *c, bool *missing, rt_error *e);
void report_curve_free(report_curve *c);
/* Fills x with a running epoch number across stages (stage 2 continues after stage 1). */
void report_curve_epochs(const report_curve *c, double *x);

/* ---- Plots --------------------------------------------------------------------------- */

/* One polyline of a line plot; NaN y values leave a gap. */
typedef struct report_series {
    const char *name; /* legend text */
    int n;            /* number of points */
    const double *x;  /* [n] */
    const double *y;  /* [n] */
    bool dashed;      /* draw dashed (to tell apart series that may overlap); scatter: rings */
    bool scatter;     /* points only, no line (the x axis is then not forced to integers) */
    const char *const *labels; /* [n] each point's name (a tooltip), or NULL */
    bool show_labels;          /* also write each label beside its point */
} report_series;

typedef struct report_line_plot {
    const char *title, *xlabel, *ylabel; /* chart title and axis labels */
    bool percent;                        /* y values are fractions, labelled as percent */
    int n_series;                        /* number of series */
    const report_series *series;         /* [n_series] */
} report_line_plot;

typedef struct report_bar_plot {
    const char *title, *xlabel, *ylabel; /* chart title and axis labels */
    int n;                               /* number of bars */
    const char *const *labels;           /* [n] bar labels */
    const double *values;                /* [n] bar heights (>= 0) */
} report_bar_plot;

/* Write one standalone <svg> element (usable inline in HTML or as an .svg file). */
void report_svg_lines(FILE *f, const report_line_plot *p);
void report_svg_bars(FILE *f, const report_bar_plot *p);

/* ---- Documents ----------------------------------------------------------------------- */

/* What report_write_docs needs. */
typedef struct report_input {
    const rt_report *r;     /* the run's numbers */
    const ir_program *ir;   /* the model (layers, table sizes); NULL omits the model section */
    const char *out_dir;    /* OUT: curve read from OUT/train/curve.csv, documents written here */
    const long *layer_luts; /* [ir->n_layers] LUT cost per layer from the back end
                               (be_hw.layer_luts), or NULL: computed with rt_lut_cost */
} report_input;

/* Writes OUT/report.md, OUT/report.html (self-contained, inline SVG) and the plots as
 * OUT/plots/{loss,valid_acc,luts}.svg (which report.md links). RT_OK; RT_ERR_IO when a
 * document cannot be written; RT_ERR_DATA when curve.csv is malformed or unreadable: then
 * its plots are replaced by a note and the documents are still written (the caller may
 * go on after showing the message). */
rt_status report_write_docs(const report_input *in, rt_error *e);

/* Escapes s for HTML text and attribute values. */
void report_html_escape(FILE *f, const char *s);
/* The shared stylesheet of nltc's HTML pages (a <style> element). */
void report_html_style(FILE *f);

/* ---- Files --------------------------------------------------------------------------- */

/* Writes path atomically (rt_afile): write(f, ctx) fills the temporary file. RT_OK, or
 * RT_ERR_IO with "FILE: cannot write: REASON" in e. */
rt_status report_file_write(const char *path, void (*write)(FILE *f, const void *ctx),
                            const void *ctx, rt_error *e);
/* What write(f, ctx) prints, as a new string (rt_oom when out of memory). */
char *report_string(void (*write)(FILE *f, const void *ctx), const void *ctx);

#endif /* NLTC_REPORT_H */
