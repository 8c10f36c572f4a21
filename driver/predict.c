/* predict.c - the preprocessing a run exports, and `nltc predict OUT FILE.csv`.
 *
 * The flow records in OUT/tables/preprocess.txt how a raw row becomes the input codes
 * (the encoding the data loader fitted on the training split, then each input's quantizer
 * as thresholds, tr_input_thresholds) and the class names (nltc_prep_text). `nltc
 * predict` reads it back with the tables, encodes every row of a CSV file of the dataset's
 * layout (label column optional) with the same arithmetic, runs the codes through the table
 * lookup (the representation verified bit for bit against the C simulator and the RTL)
 * and prints one class per row; with labels, the accuracy.
 * Statuses: RT_ERR_DATA for rows that do not fit (file:line:field), RT_ERR_IO for OUT or
 * files that cannot be read or written, RT_ERR_USAGE for the command line. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "data.h"
#include "driver.h"
#include "train.h"

char *nltc_prep_text(const ir_program *ir, const data_info *info, const tr_model *m) {
    const ir_dataset *ds = &ir->dataset;
    be_prep p = {
        .delimiter = ds->delimiter ? ds->delimiter : ',',
        .header = ds->header,
        .n_cols = info->n_cols,
        .label_col = info->label_col,
        .scale = ds->scale,
        .log1p = ds->log1p,
        .binarize_bits = ds->binarize_bits,
        .col_names = info->col_names,
        .col_nvalues = info->col_nvalues,
        .col_values = info->col_values,
        .n_classes = info->classes,
        .class_names = info->class_names,
    };
    /* the input codes: one per feature, or with an input encoder its bits, each reading
     * its feature (tr_input_feature) */
    while (tr_input_feature(m, p.n_inputs) >= 0)
        p.n_inputs++;
    p.in = xcalloc((size_t)(p.n_inputs ? p.n_inputs : 1), sizeof *p.in);
    for (int i = 0; i < p.n_inputs; i++) {
        be_prep_input *in = &p.in[i];
        int f = tr_input_feature(m, i);
        in->kind = info->kind[f];
        in->col = info->col[f];
        in->index = info->index[f];
        in->shift = info->shift[f];
        in->mul = info->mul[f];
        in->lo = info->lo[f];
        in->hi = info->hi[f];
        in->name = info->input_names[f];
        in->n_thr = tr_input_thresholds(m, i, in->thr, in->codes);
    }
    char *text = be_prep_format(&p);
    free(p.in);
    return text;
}

/* ---- Reading the rows ------------------------------------------------------------------ */

/* One CSV record: its fields (quotes removed), in a buffer of its own. */
typedef struct record {
    int n;       /* fields */
    char **f;    /* [n] */
    size_t cap;  /* allocated fields */
    rt_buf text; /* the fields' text, NUL-separated */
    size_t *off; /* [n] offsets into text */
    size_t capo; /* allocated offsets */
} record;

/* Reads the record at *s (RFC 4180 quoting; a record ends at an unquoted newline) and
 * advances *s; *line counts the newlines passed. False at the end of the text. */
static bool read_record(const char **s, const char *end, char delim, long *line, record *r) {
    if (*s >= end) return false;
    r->n = 0;
    r->text.len = 0;
    const char *p = *s;
    bool quoted = false, field = true;
    while (p < end) {
        if (field) {
            rt_grow((void **)&r->off, (size_t)r->n, &r->capo, sizeof *r->off);
            r->off[r->n++] = r->text.len;
            field = false;
        }
        char c = *p++;
        if (quoted) {
            if (c == '"' && p < end && *p == '"')
                rt_buf_put(&r->text, p++, 1);
            else if (c == '"')
                quoted = false;
            else {
                *line += c == '\n';
                rt_buf_put(&r->text, &c, 1);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == delim) {
            rt_buf_put(&r->text, "", 1);
            field = true;
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            rt_buf_put(&r->text, &c, 1);
        }
    }
    rt_buf_put(&r->text, "", 1);
    *s = p;
    if ((size_t)r->n > r->cap) {
        r->cap = (size_t)r->n;
        r->f = xrealloc(r->f, r->cap * sizeof *r->f);
    }
    for (int i = 0; i < r->n; i++)
        r->f[i] = r->text.data + r->off[i];
    return true;
}

/* What predict works with. */
typedef struct predictor {
    const char *file;  /* the CSV file, for messages */
    be_prep p;         /* OUT/tables/preprocess.txt */
    rt_tables t;       /* OUT/tables */
    double *raw;       /* [n_cols] numbers of a row */
    int *cat;          /* [n_cols] categorical codes of a row */
    bool *numeric;     /* [n_cols] the column is read as a number */
    uint16_t *in;      /* [n_inputs] */
    uint16_t **layers; /* [n_layers] one row's codes */
} predictor;

/* The column of field k of a row with or without its label. */
static int field_column(const predictor *P, int k, bool labelled) {
    return labelled || P->p.label_col < 0 || k < P->p.label_col ? k : k + 1;
}

/* Encodes one row into P->in. */
static rt_status encode_row(predictor *P, const record *r, bool labelled, long line, rt_error *e) {
    char qb[200];
    for (int k = 0; k < r->n; k++) {
        int c = field_column(P, k, labelled);
        if (c == P->p.label_col) continue;
        const char *s = r->f[k];
        P->cat[c] = -1;
        for (int v = 0; v < P->p.col_nvalues[c]; v++)
            if (strcmp(P->p.col_values[c][v], s) == 0) P->cat[c] = v;
        if (P->numeric[c] && data_parse_number(s, strlen(s), &P->raw[c]) != 0)
            return rt_fail(e, RT_ERR_DATA, "%s:%ld:%d: %s is not a number", P->file, line, k + 1,
                           data_quote(s, strlen(s), qb));
    }
    for (int i = 0; i < P->p.n_inputs; i++) {
        const be_prep_input *in = &P->p.in[i];
        float x = be_prep_feature(&P->p, in, P->raw[in->col], P->cat[in->col]);
        if (!isfinite(x)) {
            int k = in->col - (!labelled && P->p.label_col >= 0 && in->col > P->p.label_col);
            return rt_fail(e, RT_ERR_DATA,
                           "%s:%ld:%d: value %g is out of range after scaling and normalization",
                           P->file, line, k + 1, P->raw[in->col]);
        }
        P->in[i] = be_prep_code(in, x);
    }
    return RT_OK;
}

/* The class index of a label: its name, else an integer index. -1: unknown. */
static int label_class(const be_prep *p, const char *s) {
    for (int k = 0; k < p->n_classes; k++)
        if (strcmp(p->class_names[k], s) == 0) return k;
    double v;
    if (data_parse_number(s, strlen(s), &v) == 0 && v == floor(v) && v >= 0 && v < p->n_classes)
        return (int)v;
    return -1;
}

/* The row's codes as the test bench's vector line: hex of {output codes, input codes}. */
static void put_vector(FILE *f, const predictor *P) {
    const rt_table_layer *last = &P->t.layers[P->t.n_layers - 1];
    int iw = P->t.n_inputs * P->t.input_bits, ow = last->n_lut * last->bits_out;
    uint8_t *b = xcalloc((size_t)(iw + ow + 7) / 8 + 1, 1);
    for (int i = 0; i < P->t.n_inputs; i++)
        be_bits_put(b, (size_t)i * P->t.input_bits, P->in[i], P->t.input_bits);
    for (int j = 0; j < last->n_lut; j++)
        be_bits_put(b, (size_t)iw + (size_t)j * last->bits_out, P->layers[P->t.n_layers - 1][j],
                    last->bits_out);
    for (int d = (iw + ow + 3) / 4 - 1; d >= 0; d--)
        fputc("0123456789abcdef"[(b[d / 2] >> ((d & 1) * 4)) & 15u], f);
    fputc('\n', f);
    free(b);
}

/* Every row of the file: one line of output each; the accuracy when labelled. */
static rt_status predict_rows(predictor *P, const data_buf *b, FILE *out, bool codes, rt_error *e) {
    const char *s = (const char *)b->p, *end = s + b->n;
    if (b->n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) s += 3;
    record r = {0};
    long line = 1, rows = 0, labelled_rows = 0, correct = 0;
    rt_status st = RT_OK;
    int with = P->p.n_cols, without = P->p.label_col >= 0 ? with - 1 : with, width = 0;
    uint16_t *scores = xmalloc((size_t)be_classes(&P->t) * sizeof *scores); /* group sums */
    for (bool first = true; !st; first = false) {
        long at = line;
        if (!read_record(&s, end, P->p.delimiter, &line, &r)) break;
        line++;
        if (r.n == 1 && !r.f[0][0]) continue; /* an empty line */
        if (first && P->p.header) continue;
        if (r.n != with && r.n != without) {
            st = rt_fail(e, RT_ERR_DATA,
                         "%s:%ld: %d fields, but the model's data has %d columns (%d without "
                         "the label)",
                         P->file, at, r.n, with, without);
            break;
        }
        if (width && r.n != width) { /* every row with its label, or none */
            st = rt_fail(e, RT_ERR_DATA, "%s:%ld: %d fields, but the rows before have %d", P->file,
                         at, r.n, width);
            break;
        }
        width = r.n;
        bool labelled = r.n == with && P->p.label_col >= 0;
        if ((st = encode_row(P, &r, labelled, at, e))) break;
        be_lookup(&P->t, 1, P->in, P->layers);
        const rt_table_layer *last = &P->t.layers[P->t.n_layers - 1];
        const uint16_t *last_codes = P->layers[P->t.n_layers - 1];
        if (P->t.head_group > 0) be_head_scores(&P->t, 1, last_codes, scores);
        int k = P->t.head_group > 0 ? be_argmax(scores, be_classes(&P->t))
                                    : be_argmax(last_codes, last->n_lut);
        rows++;
        if (codes)
            put_vector(out, P);
        else
            fprintf(out, "%s\n", k < P->p.n_classes ? P->p.class_names[k] : "?");
        if (labelled) {
            int y = label_class(&P->p, r.f[P->p.label_col]);
            char qb[200];
            const char *l = r.f[P->p.label_col];
            if (y < 0)
                st = rt_fail(e, RT_ERR_DATA, "%s:%ld:%d: unknown label %s", P->file, at,
                             P->p.label_col + 1, data_quote(l, strlen(l), qb));
            labelled_rows++;
            correct += y == k;
        }
    }
    if (!st && labelled_rows)
        fprintf(stderr, "predict: accuracy %.2f%% (%ld of %ld labelled rows)\n",
                100.0 * (double)correct / (double)labelled_rows, correct, labelled_rows);
    else if (!st)
        fprintf(stderr, "predict: %ld rows\n", rows);
    free(scores);
    free(r.f);
    free(r.off);
    rt_buf_free(&r.text);
    return st;
}

static rt_status predict(const char *out_dir, const char *file, const char *output, bool codes,
                         rt_error *e) {
    predictor P = {.file = file};
    be_plan plan;
    char *tables = rt_path_join(out_dir, "tables");
    rt_status st = be_tables_read(tables, &P.t, &plan, e);
    free(tables);
    if (st) return st;
    if (!plan.prep)
        st = rt_fail(e, RT_ERR_IO,
                     "%s/tables/preprocess.txt: no such file: a run of an nltc without exported "
                     "preprocessing (run the model again)",
                     out_dir);
    if (!st) st = be_prep_parse(plan.prep, "tables/preprocess.txt", &P.p, e);
    be_plan_free(&plan);
    if (!st && (P.p.n_inputs != P.t.n_inputs || P.p.n_cols < 1))
        st = rt_fail(e, RT_ERR_DATA, "%s/tables/preprocess.txt: %d inputs for tables of %d",
                     out_dir, P.p.n_inputs, P.t.n_inputs);
    data_buf b = {0};
    if (!st) st = data_read_file(file, &b, e);
    FILE *f = stdout;
    if (!st && output && !(f = fopen(output, "w")))
        st = rt_fail(e, RT_ERR_IO, "%s: cannot write: %s", output, strerror(errno));
    if (!st) {
        int nc = P.p.n_cols;
        P.raw = xcalloc((size_t)nc, sizeof *P.raw);
        P.cat = xcalloc((size_t)nc, sizeof *P.cat);
        P.numeric = xcalloc((size_t)nc, sizeof *P.numeric);
        for (int i = 0; i < P.p.n_inputs; i++)
            P.numeric[P.p.in[i].col] |= P.p.in[i].kind <= BE_PREP_BINARIZED;
        P.in = xcalloc((size_t)P.t.n_inputs, sizeof *P.in);
        P.layers = xcalloc((size_t)P.t.n_layers, sizeof *P.layers);
        for (int l = 0; l < P.t.n_layers; l++)
            P.layers[l] = xcalloc((size_t)P.t.layers[l].n_lut, sizeof **P.layers);
        st = predict_rows(&P, &b, f, codes, e);
        if (f != stdout && fclose(f) != 0 && !st)
            st = rt_fail(e, RT_ERR_IO, "%s: cannot write: %s", output, strerror(errno));
        for (int l = 0; l < P.t.n_layers; l++)
            free(P.layers[l]);
    }
    free(b.p);
    free(P.raw);
    free(P.cat);
    free(P.numeric);
    free(P.in);
    free(P.layers);
    be_prep_free(&P.p);
    rt_tables_free(&P.t);
    return st;
}

rt_status driver_cmd_predict(int argc, char **argv, rt_error *e) {
    const char *output = NULL;
    bool codes = false;
    const cli_opt opts[] = {
        {'o', "output", CLI_STRING, "FILE", &output, "write the classes to FILE (default: stdout)",
         0, 0, NULL, false, NULL},
        {0, "codes", CLI_FLAG, NULL, &codes,
         "print each row's codes instead, as the RTL test bench's vector line (hex of the "
         "output codes, then the input codes)",
         0, 0, NULL, false, NULL},
    };
    const cli_spec spec = {
        "nltc predict",
        "OUT FILE.csv",
        2,
        2,
        NULL,
        "Classifies the rows of FILE.csv (the layout of the model's dataset; the label column\n"
        "may be left out) with the model of the output folder OUT: each row is encoded with\n"
        "OUT/tables/preprocess.txt (the normalization fitted on the training split and the\n"
        "input quantizer's thresholds) and run through OUT/tables, the table lookup verified\n"
        "bit for bit against the C simulator and the RTL. Prints one class name per row; with\n"
        "labels, the accuracy on stderr.\n",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        NULL};
    cli_result r;
    rt_status st = cli_parse(&spec, argc, argv, &r, e);
    if (st == RT_OK && !r.help) st = predict(r.args[0], r.args[1], output, codes, e);
    cli_result_free(&r);
    return st;
}
