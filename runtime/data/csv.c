/* csv.c - the delimited-text loader: a tokenizer (RFC 4180 quoting, LF/CRLF/CR line ends,
 * a UTF-8 byte-order mark, any one-character delimiter) that works in place on the file
 * buffer, the column layout (label / dropped / categorical / numeric) resolved from the
 * dataset's column references, and the row reader that turns cells into raw values.
 *
 * Positions in messages: row = 1-based line of the file (the line a record starts on),
 * col = 1-based field number. Leading and trailing blanks of a field are ignored (unless
 * the blank is the delimiter); whitespace-only lines at the end of a file are ignored,
 * anywhere else they are an error. */
#include "data.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One field of the current record: NUL-terminated text inside the file buffer. */
typedef struct csv_field {
    char *s;    /* text, unquoted and unescaped */
    size_t len; /* length */
} csv_field;

/* Tokenizer state over one file buffer. */
typedef struct csv_reader {
    const char *path; /* file, for messages */
    char *p;          /* next unread character */
    char *end;        /* end of the data (end[0] is a spare NUL) */
    char delim;       /* field delimiter */
    long line;        /* line of *p (1-based) */
    long rec_line;    /* line the current record starts on */
    csv_field *f;     /* [nf] fields of the current record */
    int nf;           /* fields in the current record */
    size_t cap;       /* allocated fields */
} csv_reader;

static int csv_blank(const csv_reader *r, char c) {
    return (c == ' ' || c == '\t') && c != r->delim;
}

/* 1 when [p, end) holds only blanks and line ends. */
static int csv_rest_blank(const char *p, const char *end) {
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return 0;
    return 1;
}

static void csv_push(csv_reader *r, char *s, size_t len) {
    rt_grow((void **)&r->f, (size_t)r->nf, &r->cap, sizeof *r->f);
    r->f[r->nf].s = s;
    r->f[r->nf].len = len;
    r->nf++;
}

/* A NUL byte would cut the field's text short: refused where it stands. */
static int csv_nul(const csv_reader *r, rt_error *err) {
    data_error(err, r->path, r->line, r->nf + 1,
               "NUL byte inside a field (a CSV file holds text; is this a binary file?)");
    return -1;
}

/* Reads the next record into r->f. Returns 1, 0 at the end of the data, -1 on an error
 * (in err). */
static int csv_next(csv_reader *r, rt_error *err) {
    r->nf = 0;
    char *p = r->p, *end = r->end;
    char *q = p;
    while (q < end && csv_blank(r, *q))
        q++;
    if (q == end || ((*q == '\n' || *q == '\r') && csv_rest_blank(q, end))) {
        r->p = end;
        return 0;
    }
    if (*q == '\n' || *q == '\r') {
        data_error(err, r->path, r->line, 1, "blank line in the middle of the data");
        return -1;
    }
    r->rec_line = r->line;
    for (;;) {
        while (p < end && csv_blank(r, *p))
            p++;
        char *s, *e;
        if (p < end && *p == '"') {
            long qline = r->line;
            s = e = p++;
            for (;;) {
                if (p == end) {
                    data_error(err, r->path, qline, r->nf + 1, "unterminated quoted field");
                    return -1;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *e++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n') r->line++;
                if (*p == '\0') return csv_nul(r, err);
                *e++ = *p++;
            }
            while (p < end && csv_blank(r, *p))
                p++;
            if (p < end && *p != r->delim && *p != '\n' && *p != '\r') {
                char qb[200];
                data_error(err, r->path, r->line, r->nf + 1,
                           "unexpected %s after the closing quote of a field",
                           data_quote(p, 1, qb));
                return -1;
            }
        } else {
            s = p;
            while (p < end && *p != r->delim && *p != '\n' && *p != '\r')
                if (*p++ == '\0') return csv_nul(r, err);
            e = p;
            while (e > s && csv_blank(r, e[-1]))
                e--;
        }
        char c = p < end ? *p : 0; /* the terminator, saved before e may overwrite it */
        *e = 0;
        csv_push(r, s, (size_t)(e - s));
        if (p == end) break;
        p++;
        if (c == r->delim) continue;
        if (c == '\r' && p < end && *p == '\n') p++;
        r->line++;
        break;
    }
    r->p = p;
    return 1;
}

/* The fields of the record starting at p, counted without changing the buffer (quotes
 * honoured); *next receives the start of the following record and *lines the line ends
 * passed. 0 when p holds only blanks and line ends, or a quote that is not closed. */
static int csv_count(const csv_reader *r, const char *p, const char **next, long *lines) {
    const char *end = r->end;
    int n = 0;
    *lines = 0;
    if (csv_rest_blank(p, end)) return *next = end, 0;
    bool quoted = false;
    for (; p < end; p++) {
        if (*p == '"') quoted = !quoted; /* "" inside a quoted field toggles twice */
        if (quoted) {
            *lines += *p == '\n';
            continue;
        }
        if (*p == r->delim) n++;
        if (*p == '\n' || *p == '\r') break;
    }
    if (quoted) return *next = end, 0; /* unterminated: the tokenizer says where */
    if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n') p++;
    if (p < end) ++*lines, p++;
    *next = p;
    return n + 1;
}

/* The first two records must have as many fields (the layout comes from the first): a
 * file that starts with a line of counts or a title (scikit-learn's exports) fails here,
 * naming both lines, both counts and the way out. */
static rt_status csv_first_two(const ir_dataset *ds, const csv_reader *r, rt_error *err) {
    const char *second;
    long l1, l2;
    int n1 = csv_count(r, r->p, &second, &l1);
    int n2 = csv_count(r, second, &second, &l2);
    if (n1 == 0 || n2 == 0 || n1 == n2) return RT_OK;
    return data_error(err, r->path, 0, 0,
                      "line %ld (%s) has %d %s but line %ld (the %s) has %d; if the "
                      "file starts with lines that are neither header nor data, skip them with "
                      "'skip = N' in the dataset (skip = %ld skips line %ld)",
                      r->line, ds->header ? "the header" : "the first row", n1,
                      data_plural(n1, "field", "fields"), r->line + l1,
                      ds->header ? "first data row" : "second row", n2, ds->skip + 1, r->line);
}

/* Skips ds->skip lines at r->p; an error when the file has no more lines than that. */
static rt_status csv_skip(const ir_dataset *ds, csv_reader *r, rt_error *err) {
    for (long i = 0; i < ds->skip; i++) {
        char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
        long lines = i + !csv_rest_blank(r->p, r->end);
        if (!nl)
            return data_error(err, r->path, 0, 0, "skip = %ld, but the file has only %ld %s",
                              ds->skip, lines, data_plural(lines, "line", "lines"));
        r->p = nl + 1;
        r->line++;
    }
    return RT_OK;
}

/* Whether a numeric cell is a missing value: empty, NA, N/A, NaN, ?, null (any case). */
static bool csv_missing(const csv_field *f) {
    static const char *const marks[] = {"na", "n/a", "nan", "?", "null"};
    if (f->len == 0) return true;
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (f->len == strlen(marks[i]) && strncasecmp(f->s, marks[i], f->len) == 0) return true;
    return false;
}

/* "'sbytes'" with a header, else "12" (the 1-based field number). */
static const char *csv_colname(const data_layout *lay, int c, char *buf) {
    if (lay->names) {
        const char *s = lay->names[c];
        return data_quote(s, strlen(s), buf);
    }
    sprintf(buf, "%d", c + 1);
    return buf;
}

/* Resolves a column reference against the training file's layout. */
static rt_status csv_resolve(const char *path, const data_layout *lay, const ir_colref *ref,
                             const char *what, int *col, rt_error *err) {
    char qb[200];
    if (ref->name) {
        const char *nq = data_quote(ref->name, strlen(ref->name), qb);
        if (!lay->names)
            return data_error(err, path, 0, 0,
                              "the %s column is given by name (%s) but the dataset has no header",
                              what, nq);
        int found = -1;
        for (int c = 0; c < lay->n_cols; c++) {
            if (strcmp(lay->names[c], ref->name) != 0) continue;
            if (found >= 0)
                return data_error(err, path, 0, 0,
                                  "%s column name %s is ambiguous: header columns %d and %d", what,
                                  nq, found + 1, c + 1);
            found = c;
        }
        if (found < 0) {
            char list[256];
            size_t o = 0;
            for (int c = 0; c < lay->n_cols && o < 200; c++)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", c ? ", " : "",
                                      lay->names[c]);
            if (o >= 200) strcpy(list + 200, ", ...");
            return data_error(err, path, 0, 0, "%s column %s is not in the header (columns: %s)",
                              what, nq, list);
        }
        *col = found;
        return RT_OK;
    }
    if (ref->index < 0 || ref->index >= lay->n_cols)
        return data_error(err, path, 0, 0,
                          "%s column index %d is out of range: the file has %d %s (indexes 0..%d)",
                          what, ref->index, lay->n_cols,
                          data_plural(lay->n_cols, "column", "columns"), lay->n_cols - 1);
    *col = ref->index;
    return RT_OK;
}

/* Gives column col the role `role`, unless an earlier reference claimed it already. */
static rt_status csv_claim(const char *path, data_layout *lay, int col, data_role role,
                           const char *what, rt_error *err) {
    static const char *const names[] = {"numeric", "categorical", "label", "dropped"};
    char qb[200];
    if (lay->role[col] == role)
        return data_error(err, path, 0, 0, "column %s is listed twice as %s",
                          csv_colname(lay, col, qb), what);
    if (lay->role[col] != DATA_ROLE_NUMERIC)
        return data_error(err, path, 0, 0, "column %s is both %s and %s", csv_colname(lay, col, qb),
                          lay->role[col] == DATA_ROLE_LABEL ? "the label" : names[lay->role[col]],
                          what);
    lay->role[col] = role;
    return RT_OK;
}

/* Builds the layout from the training file's first record (header names or not). */
static rt_status csv_layout(const ir_dataset *ds, const char *path, const csv_reader *r,
                            data_layout *lay, rt_error *err) {
    lay->n_cols = r->nf;
    lay->first_line = r->rec_line;
    if (ds->header) {
        lay->names = xmalloc((size_t)r->nf * sizeof *lay->names);
        for (int c = 0; c < r->nf; c++)
            lay->names[c] = xstrdup(r->f[c].s);
    }
    lay->role = xcalloc((size_t)r->nf, sizeof *lay->role);
    lay->slot = xcalloc((size_t)r->nf, sizeof *lay->slot);
    int col;
    if (csv_resolve(path, lay, &ds->label, "label", &col, err) ||
        csv_claim(path, lay, col, DATA_ROLE_LABEL, "the label", err))
        return RT_ERR_DATA;
    lay->label_col = col;
    for (int i = 0; i < ds->n_drop; i++)
        if (csv_resolve(path, lay, &ds->drop[i], "dropped", &col, err) ||
            csv_claim(path, lay, col, DATA_ROLE_DROP, "dropped", err))
            return RT_ERR_DATA;
    for (int i = 0; i < ds->n_categorical; i++)
        if (csv_resolve(path, lay, &ds->categorical[i], "categorical", &col, err) ||
            csv_claim(path, lay, col, DATA_ROLE_CATEGORICAL, "categorical", err))
            return RT_ERR_DATA;
    lay->num_col = xmalloc((size_t)r->nf * sizeof *lay->num_col);
    lay->cat_col = xmalloc((size_t)r->nf * sizeof *lay->cat_col);
    for (int c = 0; c < r->nf; c++) {
        if (lay->role[c] == DATA_ROLE_NUMERIC) {
            lay->slot[c] = lay->n_num;
            lay->num_col[lay->n_num++] = c;
        } else if (lay->role[c] == DATA_ROLE_CATEGORICAL) {
            lay->slot[c] = lay->n_cat;
            lay->cat_col[lay->n_cat++] = c;
        }
    }
    lay->cats = xcalloc((size_t)(lay->n_cat ? lay->n_cat : 1), sizeof *lay->cats);
    return RT_OK;
}

/* A validation/test file's header must name the same columns as the training file's. */
static rt_status csv_same_header(const char *path, const csv_reader *r, const data_layout *lay,
                                 rt_error *err) {
    if (r->nf != lay->n_cols)
        return data_error(err, path, r->rec_line, 1,
                          "header has %d %s but the training file's header has %d", r->nf,
                          data_plural(r->nf, "column", "columns"), lay->n_cols);
    for (int c = 0; c < r->nf; c++) {
        if (strcmp(r->f[c].s, lay->names[c]) != 0) {
            char a[200], b[200];
            return data_error(err, path, r->rec_line, c + 1,
                              "header column %d is %s but the training file has %s", c + 1,
                              data_quote(r->f[c].s, r->f[c].len, a),
                              data_quote(lay->names[c], strlen(lay->names[c]), b));
        }
    }
    return RT_OK;
}

/* Stores the current record as row `row` of src. */
static rt_status csv_row(const csv_reader *r, data_layout *lay, data_src *src, int which, int row,
                         ir_missing missing, rt_error *err) {
    char qb[200], cb[200];
    if (r->nf != lay->n_cols && !which)
        return data_error(err, r->path, r->rec_line,
                          (r->nf < lay->n_cols ? r->nf : lay->n_cols) + 1,
                          "ragged row: line %ld has %d %s but line %ld (%s) has %d", r->rec_line,
                          r->nf, data_plural(r->nf, "field", "fields"), lay->first_line,
                          lay->names ? "the header" : "the first row", lay->n_cols);
    if (r->nf != lay->n_cols)
        return data_error(err, r->path, r->rec_line,
                          (r->nf < lay->n_cols ? r->nf : lay->n_cols) + 1,
                          "ragged row: %d %s, expected %d as in the training file", r->nf,
                          data_plural(r->nf, "field", "fields"), lay->n_cols);
    src->line[row] = r->rec_line;
    for (int c = 0; c < r->nf; c++) {
        const csv_field *f = &r->f[c];
        switch (lay->role[c]) {
        case DATA_ROLE_NUMERIC: {
            double *v = &src->num[(size_t)row * (size_t)lay->n_num + (size_t)lay->slot[c]];
            int rc = data_parse_number(f->s, f->len, v);
            if (rc == 0) break;
            if (csv_missing(f) && missing != IR_MISSING_ERROR) {
                *v = NAN; /* filled when the training split is fitted (data.c) */
                break;
            }
            if (csv_missing(f))
                return data_error(err, r->path, r->rec_line, c + 1,
                                  "missing value %s in numeric column %s (fill such cells with "
                                  "'missing = zero' or 'missing = mean' in the dataset)",
                                  f->len ? data_quote(f->s, f->len, qb) : "(an empty cell)",
                                  csv_colname(lay, c, cb));
            return data_error(err, r->path, r->rec_line, c + 1,
                              rc == 1 ? "non-numeric cell %s in column %s"
                                      : "number %s is out of range in column %s",
                              data_quote(f->s, f->len, qb), csv_colname(lay, c, cb));
        }
        case DATA_ROLE_CATEGORICAL: {
            int k = lay->slot[c];
            src->cat[(size_t)row * (size_t)lay->n_cat + (size_t)k] =
                data_dict_intern(&lay->cats[k], f->s, f->len, which, r->rec_line, c + 1);
            break;
        }
        case DATA_ROLE_LABEL:
            if (f->len == 0)
                return data_error(err, r->path, r->rec_line, c + 1, "empty label in column %s",
                                  csv_colname(lay, c, cb));
            src->label[row] =
                data_dict_intern(&lay->labels, f->s, f->len, which, r->rec_line, c + 1);
            break;
        case DATA_ROLE_DROP:
            break;
        }
    }
    return RT_OK;
}

rt_status data_csv_load(const ir_dataset *ds, const char *path, int which, int first,
                        data_layout *lay, data_src *src, rt_error *err) {
    memset(src, 0, sizeof *src);
    src->path = path;
    data_buf b;
    rt_status rc = data_read_file(path, &b, err);
    if (rc) return rc;
    char *p = (char *)b.p, *end = p + b.n;
    if (b.n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    csv_reader r = {.path = path, .p = p, .end = end, .delim = ds->delimiter, .line = 1};
    int got;
    rc = RT_ERR_DATA;
    if (memchr(p, 0, (size_t)(end - p) < 4096 ? (size_t)(end - p) : 4096)) {
        data_error(err, path, 0, 0, "binary file: expected delimited text");
        goto done;
    }
    if (csv_rest_blank(p, end)) {
        data_error(err, path, 0, 0, "empty file");
        goto done;
    }
    if (csv_skip(ds, &r, err) || csv_first_two(ds, &r, err)) goto done;
    if ((got = csv_next(&r, err)) < 0) goto done;
    if (got == 0) {
        data_error(err, path, 0, 0, "no rows after the %ld skipped %s", ds->skip,
                   data_plural(ds->skip, "line", "lines"));
        goto done;
    }
    if (first && csv_layout(ds, path, &r, lay, err)) goto done;
    if (ds->header) {
        if (!first && csv_same_header(path, &r, lay, err)) goto done;
        if ((got = csv_next(&r, err)) < 0) goto done;
        if (got == 0) {
            data_error(err, path, 0, 0, "no data rows after the header");
            goto done;
        }
    }
    /* Rows are about the lines left; grow when CR-only line ends make that too few. */
    size_t cap = 2, nn = (size_t)(lay->n_num ? lay->n_num : 1);
    size_t nc = (size_t)(lay->n_cat ? lay->n_cat : 1);
    for (const char *q = r.p; (q = memchr(q, '\n', (size_t)(end - q))); q++)
        cap++;
    for (; got == 1; got = csv_next(&r, err)) {
        if (src->n == (1 << 30)) {
            data_error(err, path, 0, 0, "too many rows (more than 2^30)");
            goto done;
        }
        if (!src->label || (size_t)src->n == cap) {
            cap = src->label ? cap * 2 : cap;
            src->num = xrealloc(src->num, cap * nn * sizeof *src->num);
            src->cat = xrealloc(src->cat, cap * nc * sizeof *src->cat);
            src->label = xrealloc(src->label, cap * sizeof *src->label);
            src->line = xrealloc(src->line, cap * sizeof *src->line);
        }
        if (csv_row(&r, lay, src, which, src->n, ds->missing, err)) goto done;
        src->n++;
    }
    rc = got < 0 ? RT_ERR_DATA : RT_OK;
done:
    free(r.f);
    free(b.p);
    return rc;
}

void data_layout_free(data_layout *lay) {
    for (int c = 0; lay->names && c < lay->n_cols; c++)
        free(lay->names[c]);
    free(lay->names);
    free(lay->role);
    free(lay->slot);
    free(lay->num_col);
    free(lay->cat_col);
    data_dict_free(&lay->labels);
    for (int k = 0; lay->cats && k < lay->n_cat; k++)
        data_dict_free(&lay->cats[k]);
    free(lay->cats);
    memset(lay, 0, sizeof *lay);
}

void data_src_free(data_src *src) {
    free(src->num);
    free(src->cat);
    free(src->label);
    free(src->line);
    free(src->buf.p);
    memset(src, 0, sizeof *src);
}
