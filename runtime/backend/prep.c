/* prep.c - the preprocessing of a trained model: how a raw CSV row becomes the input codes
 * (the encoding fitted on the training split, then each input's quantizer as thresholds)
 * and which output is which class. Written as OUT/tables/preprocess.txt (its format is in
 * runtime/backend/README.md), read back by `nltc verify` (the C simulator regenerated from
 * it) and `nltc predict`, and compiled into the C simulator (csim.c). */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"numeric", "binarized", "onehot", "binary"};

/* Text to the end of the line, with backslash and newline escaped. */
static void put_text(rt_buf *b, const char *s) {
    for (; *s; s++)
        if (*s == '\\' || *s == '\n')
            rt_buf_puts(b, *s == '\n' ? "\\n" : "\\\\");
        else
            rt_buf_put(b, s, 1);
    rt_buf_puts(b, "\n");
}

char *be_prep_format(const be_prep *p) {
    rt_buf b = {0};
    rt_buf_printf(&b,
                  "nltc-preprocess 1\ncsv delimiter=%d header=%d columns=%d label=%d\n"
                  "transform scale=%.17g log1p=%d binarize=%d\n",
                  (unsigned char)p->delimiter, p->header, p->n_cols, p->label_col, p->scale,
                  p->log1p, p->binarize_bits);
    for (int c = 0; c < p->n_cols && p->col_names; c++) {
        rt_buf_printf(&b, "column %d ", c);
        put_text(&b, p->col_names[c]);
    }
    for (int c = 0; c < p->n_cols; c++)
        for (int v = 0; v < p->col_nvalues[c]; v++) {
            rt_buf_printf(&b, "value %d %d ", c, v);
            put_text(&b, p->col_values[c][v]);
        }
    for (int k = 0; k < p->n_classes; k++) {
        rt_buf_printf(&b, "class %d ", k);
        put_text(&b, p->class_names[k]);
    }
    for (int i = 0; i < p->n_inputs; i++) {
        const be_prep_input *in = &p->in[i];
        rt_buf_printf(&b, "input %d %s col=%d index=%d shift=%.17g mul=%.17g lo=%.17g hi=%.17g ", i,
                      kind_names[in->kind], in->col, in->index, in->shift, in->mul, in->lo, in->hi);
        put_text(&b, in->name ? in->name : "");
        rt_buf_printf(&b, "thresholds %d %u", i, in->codes[0]);
        for (int k = 0; k < in->n_thr; k++)
            rt_buf_printf(&b, " %.9g %u", in->thr[k], in->codes[k + 1]);
        rt_buf_puts(&b, "\n");
    }
    return rt_buf_take(&b);
}

/* ---- Reading ------------------------------------------------------------------------- */

typedef struct prep_reader {
    const char *name; /* file name for errors */
    long line;        /* current line */
    rt_error *e;
} prep_reader;

static rt_status bad(const prep_reader *r, const char *what) {
    return rt_fail(r->e, RT_ERR_DATA, "%s:%ld: %s", r->name, r->line, what);
}

/* Unescapes the rest of a line. */
static char *get_text(const char *s) {
    rt_buf b = {0};
    for (; *s; s++) {
        if (*s == '\\' && (s[1] == 'n' || s[1] == '\\')) {
            rt_buf_puts(&b, *++s == 'n' ? "\n" : "\\");
            continue;
        }
        rt_buf_put(&b, s, 1);
    }
    return rt_buf_take(&b);
}

/* The value of "key=" in line, as a double; false when absent or malformed. */
static bool get_num(const char *line, const char *key, double *v) {
    char k[32];
    snprintf(k, sizeof k, " %s=", key);
    const char *s = strstr(line, k);
    if (!s) return false;
    char *end;
    *v = strtod(s + strlen(k), &end);
    return end != s + strlen(k) && (*end == ' ' || *end == '\0');
}

static bool get_int(const char *line, const char *key, int lo, int hi, int *v) {
    double d;
    if (!get_num(line, key, &d) || d != floor(d) || d < lo || d > hi) return false;
    *v = (int)d;
    return true;
}

/* "N rest": an index below n, and the text after it. */
static bool get_index(const char **s, int n, int *v) {
    char *end;
    long x = strtol(*s, &end, 10);
    if (end == *s || x < 0 || x >= n || (*end != ' ' && *end != '\0')) return false;
    *v = (int)x;
    *s = *end ? end + 1 : end;
    return true;
}

static rt_status read_header(prep_reader *r, char **lines, int n, be_prep *p) {
    int delim = 0, header = 0, log1p = 0;
    if (n < 3 || strcmp(lines[0], "nltc-preprocess 1") != 0)
        return bad(r, "not a preprocessing file (expected \"nltc-preprocess 1\")");
    r->line = 2;
    if (strncmp(lines[1], "csv ", 4) || !get_int(lines[1], "delimiter", 1, 255, &delim) ||
        !get_int(lines[1], "header", 0, 1, &header) ||
        !get_int(lines[1], "columns", 0, 1 << 24, &p->n_cols) ||
        !get_int(lines[1], "label", -1, 1 << 24, &p->label_col))
        return bad(r, "expected \"csv delimiter=D header=H columns=N label=L\"");
    r->line = 3;
    if (strncmp(lines[2], "transform ", 10) || !get_num(lines[2], "scale", &p->scale) ||
        !get_int(lines[2], "log1p", 0, 1, &log1p) ||
        !get_int(lines[2], "binarize", 0, 16, &p->binarize_bits))
        return bad(r, "expected \"transform scale=S log1p=0|1 binarize=B\"");
    p->delimiter = (char)delim;
    p->header = header;
    p->log1p = log1p;
    int nc = p->n_cols ? p->n_cols : 1;
    p->col_nvalues = xcalloc((size_t)nc, sizeof *p->col_nvalues);
    p->col_values = xcalloc((size_t)nc, sizeof *p->col_values);
    if (header) p->col_names = xcalloc((size_t)nc, sizeof *p->col_names);
    return RT_OK;
}

/* An "input" line and the "thresholds" line after it. */
static rt_status read_input(prep_reader *r, const char *line, const char *next, be_prep *p) {
    const char *s = line + 6;
    int i;
    if (!get_index(&s, 1 << 24, &i) || i != p->n_inputs) return bad(r, "inputs out of order");
    rt_grow((void **)&p->in, (size_t)p->n_inputs, &p->cap_in, sizeof *p->in);
    be_prep_input *in = &p->in[p->n_inputs++];
    memset(in, 0, sizeof *in);
    in->kind = -1;
    for (int k = 0; k < 4; k++)
        if (strncmp(s, kind_names[k], strlen(kind_names[k])) == 0) in->kind = k;
    const char *name = strstr(s, " hi=");
    name = name ? strchr(name + 1, ' ') : NULL;
    if (in->kind < 0 || !get_int(s, "col", 0, p->n_cols - 1, &in->col) ||
        !get_int(s, "index", 0, 1 << 16, &in->index) || !get_num(s, "shift", &in->shift) ||
        !get_num(s, "mul", &in->mul) || !get_num(s, "lo", &in->lo) || !get_num(s, "hi", &in->hi) ||
        !name)
        return bad(r, "expected \"input I KIND col=C index=K shift=S mul=M lo=L hi=H NAME\"");
    in->name = get_text(name + 1);
    r->line++;
    char want[48];
    int w = snprintf(want, sizeof want, "thresholds %d ", i);
    if (!next || strncmp(next, want, (size_t)w) != 0)
        return bad(r, "expected the input's \"thresholds\" line");
    char *end;
    s = next + w;
    for (int k = 0;; k++) {
        long c = strtol(s, &end, 10);
        if (end == s || c < 0 || c > 65535) return bad(r, "malformed thresholds");
        in->codes[k] = (uint16_t)c;
        s = end;
        if (!*s) break;
        if (k == 255) return bad(r, "more than 255 thresholds");
        in->thr[k] = strtof(s, &end);
        if (end == s || (k && !(in->thr[k] > in->thr[k - 1])))
            return bad(r, "malformed thresholds");
        s = end;
        in->n_thr = k + 1;
    }
    return RT_OK;
}

static rt_status read_line(prep_reader *r, char **lines, int *j, int n, be_prep *p) {
    const char *l = lines[*j], *s;
    int c, v;
    if (strncmp(l, "column ", 7) == 0 && p->col_names) {
        s = l + 7;
        if (!get_index(&s, p->n_cols, &c)) return bad(r, "bad column index");
        free(p->col_names[c]);
        p->col_names[c] = get_text(s);
    } else if (strncmp(l, "value ", 6) == 0) {
        s = l + 6;
        if (!get_index(&s, p->n_cols, &c) || !get_index(&s, p->col_nvalues[c] + 1, &v) ||
            v != p->col_nvalues[c])
            return bad(r, "bad value line (column, then codes 0, 1, ... in order)");
        p->col_values[c] = xrealloc(p->col_values[c], (size_t)(v + 1) * sizeof(char *));
        p->col_values[c][p->col_nvalues[c]++] = get_text(s);
    } else if (strncmp(l, "class ", 6) == 0) {
        s = l + 6;
        if (!get_index(&s, p->n_classes + 1, &c) || c != p->n_classes)
            return bad(r, "classes out of order");
        p->class_names = xrealloc(p->class_names, (size_t)(c + 1) * sizeof(char *));
        p->class_names[p->n_classes++] = get_text(s);
    } else if (strncmp(l, "input ", 6) == 0) {
        BE_TRY(read_input(r, l, *j + 1 < n ? lines[*j + 1] : NULL, p));
        ++*j;
    } else if (*l) {
        return bad(r, "unknown line");
    }
    return RT_OK;
}

rt_status be_prep_parse(const char *text, const char *name, be_prep *p, rt_error *e) {
    memset(p, 0, sizeof *p);
    char *copy = xstrdup(text);
    char **lines = NULL;
    size_t cap = 0;
    int n = 0;
    for (char *s = copy; *s;) {
        rt_grow((void **)&lines, (size_t)n, &cap, sizeof *lines);
        lines[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl) break;
        *nl = '\0';
        s = nl + 1;
    }
    prep_reader r = {name, 1, e};
    rt_status st = read_header(&r, lines, n, p);
    for (int j = 3; j < n && !st; j++) {
        r.line = j + 1;
        st = read_line(&r, lines, &j, n, p);
    }
    free(lines);
    free(copy);
    if (st) be_prep_free(p);
    return st;
}

void be_prep_free(be_prep *p) {
    for (int c = 0; c < p->n_cols; c++) {
        if (p->col_names) free(p->col_names[c]);
        for (int v = 0; p->col_nvalues && v < p->col_nvalues[c]; v++)
            free(p->col_values[c][v]);
        if (p->col_values) free(p->col_values[c]);
    }
    free(p->col_names);
    free(p->col_nvalues);
    free(p->col_values);
    for (int k = 0; k < p->n_classes; k++)
        free(p->class_names[k]);
    free(p->class_names);
    for (int i = 0; i < p->n_inputs; i++)
        free(p->in[i].name);
    free(p->in);
    memset(p, 0, sizeof *p);
}

/* ---- Encoding ------------------------------------------------------------------------- */

/* The data loader's arithmetic (runtime/data/data.c), step for step. */
float be_prep_feature(const be_prep *p, const be_prep_input *in, double raw, int cat) {
    double v = raw * p->scale;
    if (p->log1p) v = v < 0 ? -log1p(-v) : log1p(v);
    switch (in->kind) {
    case BE_PREP_NUMERIC:
        return (float)((v - in->shift) * in->mul);
    case BE_PREP_BINARIZED: {
        double qmax = (double)((1 << p->binarize_bits) - 1);
        double t = in->hi > in->lo ? (v - in->lo) / (in->hi - in->lo) : 0;
        double q = floor(t * qmax + 0.5);
        unsigned code = (unsigned)(q < 0 ? 0 : q > qmax ? qmax : q);
        return (float)((code >> in->index) & 1);
    }
    case BE_PREP_ONEHOT:
        return (float)(cat == in->index);
    default:
        return (float)(((unsigned)(cat < 0 ? 0 : cat) >> in->index) & 1);
    }
}

uint16_t be_prep_code(const be_prep_input *in, float x) {
    int k = 0;
    while (k < in->n_thr && x >= in->thr[k])
        k++;
    return in->codes[k];
}

/* ---- The C simulator's preprocessing (<ident>_prep.h and .c) ---------------------------- */

/* A C string literal. */
static void c_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++)
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 32 || *s == 127)
            fprintf(f, "\\%03o", (unsigned char)*s);
        else
            fputc(*s, f);
    fputc('"', f);
}

void be_prep_emit_h(FILE *f, const be_prep *p, const char *id, const char *ID) {
    fprintf(f,
            "/* %s_prep.h - from raw data to the C simulator's input codes, generated by nltc "
            "from\n * tables/preprocess.txt (the encoding fitted on the training split and the "
            "input\n * quantizer's thresholds). */\n#ifndef %s_PREP_H\n#define %s_PREP_H\n\n"
            "#include <stdint.h>\n\n",
            id, ID, ID);
    fprintf(f,
            "#define %s_RAW_COLUMNS %d /* columns of a raw row (the label's is ignored) */\n"
            "#define %s_CLASSES %d     /* output code k is class k */\n\n",
            ID, p->n_cols, ID, p->n_classes);
    fprintf(f, "extern const char *const %s_class_names[%s_CLASSES];\n\n", id, ID);
    fprintf(f,
            "/* The code of a categorical column's value (as %s_encode takes it), -1 when the "
            "training\n * split did not have it. */\nint %s_value_code(int column, const char "
            "*value);\n\n",
            id, id);
    fprintf(f,
            "/* One raw row -> in[%s_INPUTS] input codes: raw[c] is column c's number; for a "
            "categorical\n * column cat[c] is its value's code instead (cat may be NULL "
            "without them). */\n"
            "void %s_encode(const double *raw, const int *cat, uint16_t *in);\n\n",
            ID, id);
    fprintf(f,
            "/* The class of one raw row: %s_encode, %s_infer, %s_argmax. */\n"
            "int %s_classify(const double *raw, const int *cat);\n\n#endif\n",
            id, id, id, id);
}

void be_prep_emit_c(FILE *f, const be_prep *p, const char *id, const char *ID) {
    fprintf(f,
            "/* %s_prep.c - see %s_prep.h. Compile with %s.c (and -lm). */\n"
            "#include \"%s.h\"\n#include \"%s_prep.h\"\n\n#include <math.h>\n"
            "#include <string.h>\n\n",
            id, id, id, id, id);
    fprintf(f, "const char *const %s_class_names[%s_CLASSES] = {", id, ID);
    for (int k = 0; k < p->n_classes; k++) {
        fputs(k ? ", " : "", f);
        c_string(f, p->class_names[k]);
    }
    fputs("};\n\n/* Categorical values in code order, per column. */\n", f);
    for (int c = 0; c < p->n_cols; c++) {
        if (!p->col_nvalues[c]) continue;
        fprintf(f, "static const char *const values%d[] = {", c);
        for (int v = 0; v < p->col_nvalues[c]; v++) {
            fputs(v ? (v % 8 ? ", " : ",\n    ") : "", f);
            c_string(f, p->col_values[c][v]);
        }
        fputs("};\n", f);
    }
    int ncat = 0;
    for (int c = 0; c < p->n_cols; c++)
        ncat += p->col_nvalues[c] > 0;
    fprintf(f, "\nint %s_value_code(int column, const char *value) {\n", id);
    fputs(ncat ? "    int v;\n    switch (column) {\n"
               : "    (void)column;\n    (void)value;\n    return -1;\n}\n\n",
          f);
    for (int c = 0; c < p->n_cols && ncat; c++)
        if (p->col_nvalues[c])
            fprintf(f,
                    "    case %d:\n        for (v = 0; v < %d; v++)\n"
                    "            if (strcmp(values%d[v], value) == 0)\n"
                    "                return v;\n        return -1;\n",
                    c, p->col_nvalues[c], c);
    if (ncat) fputs("    default:\n        return -1;\n    }\n}\n\n", f);
    fputs("/* Per input: kind (0 numeric, 1 binarized, 2 one-hot, 3 binary), column, index, "
          "shift, mul,\n * lo, hi, and its thresholds thr[first ..] with codes code[first + "
          "k] (n thresholds). */\n"
          "struct input {\n    int kind, col, index;\n    double shift, mul, lo, hi;\n"
          "    int first, n;\n};\n\n",
          f);
    int total = 0;
    fputs("static const float thr[] = {", f);
    for (int i = 0; i < p->n_inputs; i++)
        for (int k = 0; k < p->in[i].n_thr; k++, total++)
            fprintf(f, "%s%.9gf", total ? (total % 8 ? ", " : ",\n    ") : "", p->in[i].thr[k]);
    fprintf(f, "%s};\nstatic const uint16_t code[] = {", total ? "" : "0");
    total = 0;
    for (int i = 0; i < p->n_inputs; i++)
        for (int k = 0; k <= p->in[i].n_thr; k++, total++)
            fprintf(f, "%s%u", total ? (total % 16 ? ", " : ",\n    ") : "", p->in[i].codes[k]);
    fprintf(f, "};\n\nstatic const struct input inputs[%s_INPUTS] = {\n", ID);
    int first = 0;
    for (int i = 0; i < p->n_inputs; i++) {
        const be_prep_input *in = &p->in[i];
        fprintf(f, "    {%d, %d, %d, %.17g, %.17g, %.17g, %.17g, %d, %d},\n", in->kind, in->col,
                in->index, in->shift, in->mul, in->lo, in->hi, first, in->n_thr);
        first += in->n_thr;
    }
    fprintf(f,
            "};\n\nvoid %s_encode(const double *raw, const int *cat, uint16_t *in) {\n"
            "    const double qmax = %d.0;\n    int i, k;\n"
            "    for (i = 0; i < %s_INPUTS; i++) {\n"
            "        const struct input *p = &inputs[i];\n"
            "        double v = raw ? raw[p->col] * %.17g : 0;\n"
            "        int c = cat ? cat[p->col] : -1;\n        float x;\n",
            id, (1 << p->binarize_bits) - 1, ID, p->scale);
    if (p->log1p) fputs("        v = v < 0 ? -log1p(-v) : log1p(v);\n", f);
    fputs("        if (p->kind == 0) {\n            x = (float)((v - p->shift) * p->mul);\n"
          "        } else if (p->kind == 1) {\n"
          "            double t = p->hi > p->lo ? (v - p->lo) / (p->hi - p->lo) : 0;\n"
          "            double q = floor(t * qmax + 0.5);\n"
          "            unsigned u = (unsigned)(q < 0 ? 0 : q > qmax ? qmax : q);\n"
          "            x = (float)((u >> p->index) & 1);\n"
          "        } else if (p->kind == 2) {\n            x = (float)(c == p->index);\n"
          "        } else {\n"
          "            x = (float)(((unsigned)(c < 0 ? 0 : c) >> p->index) & 1);\n        }\n"
          "        for (k = 0; k < p->n && x >= thr[p->first + k]; k++)\n            ;\n"
          "        in[i] = code[p->first + i + k];\n    }\n}\n\n",
          f);
    fprintf(f,
            "int %s_classify(const double *raw, const int *cat) {\n"
            "    uint16_t in[%s_INPUTS], out[%s_OUTPUTS];\n"
            "    %s_encode(raw, cat, in);\n    %s_infer(in, out);\n"
            "    return %s_argmax(out);\n}\n",
            id, ID, ID, id, id, id);
}
