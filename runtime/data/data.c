/* data.c - data_load: the loading pipeline written out in one function (data_load_info),
 * and its steps: checking the dataset description, resolving class labels, carving the
 * seeded splits, fitting the encoding on the training split, checking the declared shapes,
 * and encoding every split into float rows. Also the split description and data_info. */
#include "data.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Split indexes. */
enum { SPLIT_TRAIN, SPLIT_VALID, SPLIT_TEST };

static const char *const split_names[3] = {"train", "validation", "test"};

/* One entry of the input plan: the inputs of one raw column, in input order. */
typedef struct data_plan {
    int cat;   /* 0: numeric feature, 1: categorical feature */
    int slot;  /* its index among the numeric or categorical features */
    int width; /* inputs it produces */
} data_plan;

/* The state of one load. */
typedef struct data_ctx {
    const ir_dataset *ds; /* what to load */
    rt_error *e;          /* where the error goes (may be NULL) */
    data_layout lay;      /* columns and dictionaries */
    data_src src[3];      /* the files: train, valid, test (path NULL when absent) */
    struct {
        int src;   /* source the rows come from */
        int n;     /* rows */
        int *rows; /* [n] row indexes in that source, ascending */
    } split[3];
    double *shift, *mul; /* [n_num] x_in = (f(raw) - shift) * mul (plain numeric) */
    double *lo, *hi;     /* [n_num] training min and max (binarization) */
    double *fill;        /* [n_num] what a missing cell (NAN) becomes, or NULL: none yet */
    int *cat_n;          /* [n_cat] distinct values seen in the training split */
    data_plan *plan;     /* [n_plan] input order */
    int n_plan;          /* plan entries */
    int width;           /* total inputs */
    char *encoding;      /* one-line description of the encoding */
} data_ctx;

/* ---- Checking the dataset description ---------------------------------------------- */

/* A dataset description the loader cannot use: "dataset 'name': MSG". */
static rt_status config_error(const data_ctx *c, const char *fmt, ...) {
    char what[sizeof c->e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rt_fail(c->e, RT_ERR_MODEL, "dataset '%s': %s", c->ds->name ? c->ds->name : "?", what);
}

static rt_status check_colrefs(const data_ctx *c, const ir_colref *refs, int n, const char *what) {
    if (n < 0 || (n > 0 && !refs)) return config_error(c, "bad %s column list", what);
    for (int i = 0; i < n; i++)
        if (!refs[i].name && refs[i].index < 0)
            return config_error(c, "%s column %d has neither a name nor an index", what, i + 1);
    return RT_OK;
}

static rt_status check_config(const data_ctx *c) {
    const ir_dataset *ds = c->ds;
    const ir_source *srcs[3] = {&ds->train, &ds->valid, &ds->test};
    if (!ds->train.path) return config_error(c, "no training file");
    if (ds->format != IR_DATA_IDX && ds->format != IR_DATA_CSV)
        return config_error(c, "unknown data format %d", (int)ds->format);
    for (int i = 0; i < 3; i++) {
        if (!srcs[i]->path) continue;
        if (ds->format == IR_DATA_IDX && !srcs[i]->labels_path)
            return config_error(c, "the IDX %s images %s have no labels file", split_names[i],
                                srcs[i]->path);
        if (ds->format == IR_DATA_CSV && srcs[i]->labels_path)
            return config_error(c, "a separate labels file (%s) is only for IDX data",
                                srcs[i]->labels_path);
    }
    if (ds->format == IR_DATA_CSV) {
        char d = ds->delimiter;
        if (d == 0 || d == '"' || d == '\n' || d == '\r')
            return config_error(c, "bad delimiter (character code %d)", (int)(unsigned char)d);
        if (check_colrefs(c, &ds->label, 1, "label") ||
            check_colrefs(c, ds->drop, ds->n_drop, "dropped") ||
            check_colrefs(c, ds->categorical, ds->n_categorical, "categorical"))
            return RT_ERR_MODEL;
    } else if (ds->n_drop > 0 || ds->n_categorical > 0) {
        return config_error(c, "IDX data has no columns to drop or to treat as categorical");
    }
    double fv = ds->valid_fraction, ft = ds->test_fraction;
    if (!(fv >= 0 && fv < 1) || !(ft >= 0 && ft < 1) || !(fv + ft < 1))
        return config_error(c,
                            "the validation and test fractions (%g, %g) must each be in [0, 1) "
                            "and sum to less than 1",
                            fv, ft);
    if (ds->valid.path && fv > 0)
        return config_error(c, "the validation split is both a file and a fraction (%g)", fv);
    if (ds->test.path && ft > 0)
        return config_error(c, "the test split is both a file and a fraction (%g)", ft);
    if (!isfinite(ds->scale) || ds->scale == 0)
        return config_error(c, "scale must be a finite non-zero number, not %g", ds->scale);
    if (ds->binarize_bits < 0 || ds->binarize_bits > 16)
        return config_error(c, "binarize bits must be 0 (off) to 16, not %d", ds->binarize_bits);
    if (ds->norm != IR_NORM_NONE && ds->norm != IR_NORM_STANDARDIZE && ds->norm != IR_NORM_MINMAX)
        return config_error(c, "unknown normalization %d", (int)ds->norm);
    if (ds->cat_encoding != IR_CAT_ONEHOT && ds->cat_encoding != IR_CAT_BINARIZE)
        return config_error(c, "unknown categorical encoding %d", (int)ds->cat_encoding);
    if (ds->inputs < 1 || ds->classes < 2)
        return config_error(c, "needs inputs >= 1 and classes >= 2 (got %d and %d)", ds->inputs,
                            ds->classes);
    if (ds->n_class_names != 0 && (ds->n_class_names != ds->classes || !ds->class_names))
        return config_error(c, "%d class %s for %d classes", ds->n_class_names,
                            data_plural(ds->n_class_names, "name", "names"), ds->classes);
    for (int i = 0; i < ds->n_class_names; i++) {
        if (!ds->class_names[i]) return config_error(c, "class name %d is missing", i);
        for (int j = 0; j < i; j++)
            if (strcmp(ds->class_names[i], ds->class_names[j]) == 0)
                return config_error(c, "class name '%s' is given twice", ds->class_names[i]);
    }
    return RT_OK;
}

/* ---- Class labels ------------------------------------------------------------------ */

static int cmp_entry_text(const void *a, const void *b) {
    const data_dict_entry *x = *(const data_dict_entry *const *)a;
    const data_dict_entry *y = *(const data_dict_entry *const *)b;
    return strcmp(x->s, y->s);
}

/* Appends "a, b, c" (the first entries, then "...") to buf. */
static void join_names(char *buf, size_t size, const char *const *s, int n) {
    size_t o = strlen(buf);
    for (int i = 0; i < n && o + 8 < size; i++) {
        if (o > size - 40 && i + 1 < n) {
            snprintf(buf + o, size - o, "%s...", i ? ", " : "");
            return;
        }
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", s[i]);
    }
}

/* Label strings (CSV) -> class indexes: through the class names, as integer class indexes,
 * or as sorted distinct strings. Then checks the class count. */
static rt_status resolve_labels(data_ctx *c) {
    const ir_dataset *ds = c->ds;
    data_dict *d = &c->lay.labels;
    char qb[200], list[512] = "";
    /* class names over integer labels (none of which is a name): the labels index them */
    bool by_index = ds->n_class_names > 0;
    for (int i = 0; i < d->n && by_index; i++) {
        double v;
        by_index = data_parse_number(d->e[i].s, d->e[i].len, &v) == 0 && v == floor(v);
        for (int k = 0; k < ds->n_class_names && by_index; k++)
            by_index = strcmp(ds->class_names[k], d->e[i].s) != 0;
    }
    if (ds->n_class_names > 0 && !by_index) {
        join_names(list, sizeof list, ds->class_names, ds->n_class_names);
        for (int i = 0; i < d->n; i++) {
            data_dict_entry *e = &d->e[i];
            for (int k = 0; k < ds->n_class_names && e->code < 0; k++)
                if (strcmp(ds->class_names[k], e->s) == 0) e->code = k;
            if (e->code < 0)
                return data_error(c->e, c->src[e->src].path, e->line, e->col,
                                  "unknown label %s: expected one of %s",
                                  data_quote(e->s, e->len, qb), list);
        }
    } else {
        int numeric = 1;
        for (int i = 0; i < d->n && numeric; i++) {
            double v;
            numeric = data_parse_number(d->e[i].s, d->e[i].len, &v) == 0;
        }
        if (numeric) { /* every label is a number: each must be a class index */
            for (int i = 0; i < d->n; i++) {
                data_dict_entry *e = &d->e[i];
                double v;
                data_parse_number(e->s, e->len, &v);
                if (v != floor(v))
                    return data_error(c->e, c->src[e->src].path, e->line, e->col,
                                      "label %s is not a class index: expected an integer "
                                      "0..%d (classes = %d; class names map other label values)",
                                      data_quote(e->s, e->len, qb), ds->classes - 1, ds->classes);
                if (v < 0 || v >= ds->classes)
                    return data_error(c->e, c->src[e->src].path, e->line, e->col,
                                      "unknown label %s: expected a class index 0..%d (classes = "
                                      "%d; class names map other label values)",
                                      data_quote(e->s, e->len, qb), ds->classes - 1, ds->classes);
                e->code = (int)v;
            }
        } else {
            data_dict_entry **sorted = xmalloc((size_t)d->n * sizeof *sorted);
            const char **names = xmalloc((size_t)d->n * sizeof *names);
            for (int i = 0; i < d->n; i++)
                sorted[i] = &d->e[i];
            qsort(sorted, (size_t)d->n, sizeof *sorted, cmp_entry_text);
            for (int i = 0; i < d->n; i++) {
                sorted[i]->code = i;
                names[i] = sorted[i]->s;
            }
            join_names(list, sizeof list, names, d->n);
            free(sorted);
            free(names);
            if (d->n != ds->classes)
                return data_error(c->e, c->src[0].path, 0, 0,
                                  "the label column has %d distinct %s (%s) but the model "
                                  "declares classes = %d",
                                  d->n, data_plural(d->n, "value", "values"), list, ds->classes);
        }
    }
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < c->src[s].n; i++)
            c->src[s].label[i] = d->e[c->src[s].label[i]].code;
    return RT_OK;
}

/* Numeric labels (IDX, or CSV class indexes): the largest must be classes-1. */
static rt_status check_class_count(const data_ctx *c) {
    const ir_dataset *ds = c->ds;
    if (ds->n_class_names > 0) return RT_OK;
    int max = -1;
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < c->src[s].n; i++)
            max = c->src[s].label[i] > max ? c->src[s].label[i] : max;
    if (max + 1 != ds->classes) {
        const char *path = c->src[0].labels_path ? c->src[0].labels_path : c->src[0].path;
        return data_error(c->e, path, 0, 0,
                          "the labels are 0..%d (%d %s) but the model declares classes = %d", max,
                          max + 1, data_plural(max + 1, "class", "classes"), ds->classes);
    }
    return RT_OK;
}

/* ---- Splits ------------------------------------------------------------------------ */

static rt_status make_splits(data_ctx *c) {
    const ir_dataset *ds = c->ds;
    int n = c->src[0].n;
    long nt = ds->test.path ? 0 : lround(ds->test_fraction * n);
    long nv = ds->valid.path ? 0 : lround(ds->valid_fraction * n);
    if (nt + nv >= n)
        return data_error(c->e, c->src[0].path, 0, 0,
                          "the validation and test fractions (%g, %g) leave no training rows of %d",
                          ds->valid_fraction, ds->test_fraction, n);
    /* which[i]: split of training-file row i. The first nt rows of the permutation go to
     * test, the next nv to validation, the rest stay in train; each split keeps file order. */
    unsigned char *which = xcalloc((size_t)n, 1);
    if (nt + nv > 0) {
        int *perm = xmalloc((size_t)n * sizeof *perm);
        rt_permute(perm, n, ds->split_seed);
        for (long i = 0; i < nt + nv; i++)
            which[perm[i]] = i < nt ? SPLIT_TEST : SPLIT_VALID;
        free(perm);
    }
    long count[3] = {n - nt - nv, nv, nt};
    for (int s = 0; s < 3; s++) {
        c->split[s].src = 0;
        c->split[s].n = (int)count[s];
        c->split[s].rows = xmalloc((size_t)(count[s] ? count[s] : 1) * sizeof(int));
    }
    int fill[3] = {0, 0, 0};
    for (int i = 0; i < n; i++)
        c->split[which[i]].rows[fill[which[i]]++] = i;
    free(which);
    for (int s = 1; s < 3; s++) {
        if (!c->src[s].path) continue;
        free(c->split[s].rows);
        c->split[s].src = s;
        c->split[s].n = c->src[s].n;
        c->split[s].rows = xmalloc((size_t)c->src[s].n * sizeof(int));
        for (int i = 0; i < c->src[s].n; i++)
            c->split[s].rows[i] = i;
    }
    return RT_OK;
}

/* ---- Fitting on the training split --------------------------------------------------- */

/* Raw numeric values of a row after scale and sign*log1p. */
static void fetch(const data_ctx *c, const data_src *s, int row, double *out) {
    int n = c->lay.n_num;
    if (s->img)
        data_idx_row(s, n, row, out);
    else
        memcpy(out, s->num + (size_t)row * (size_t)n, (size_t)n * sizeof *out);
    double scale = c->ds->scale;
    for (int k = 0; k < n; k++) {
        if (c->fill && isnan(out[k])) { /* a missing cell (missing = zero | mean) */
            out[k] = c->fill[k];
            continue;
        }
        double v = out[k] * scale;
        if (c->ds->log1p) v = v < 0 ? -log1p(-v) : log1p(v);
        out[k] = v;
    }
}

/* Sort key of a categorical value: numeric when every seen value is a number. */
typedef struct cat_key {
    data_dict_entry *e; /* the value */
    double v;           /* its number (numeric order) */
} cat_key;

static int cmp_cat_num(const void *a, const void *b) {
    const cat_key *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

static int cmp_cat_text(const void *a, const void *b) {
    const cat_key *x = a, *y = b;
    return strcmp(x->e->s, y->e->s);
}

/* Codes the values of categorical feature k seen in the training split 0..m-1 in sorted
 * order (numeric order when all are numbers, else byte order); unseen values get -1. */
static void fit_categorical(data_ctx *c, int k) {
    data_dict *d = &c->lay.cats[k];
    const data_src *s = &c->src[c->split[SPLIT_TRAIN].src];
    for (int i = 0; i < d->n; i++)
        d->e[i].code = -1;
    for (int i = 0; i < c->split[SPLIT_TRAIN].n; i++) {
        int row = c->split[SPLIT_TRAIN].rows[i];
        d->e[s->cat[(size_t)row * (size_t)c->lay.n_cat + (size_t)k]].code = 0;
    }
    cat_key *keys = xmalloc((size_t)(d->n ? d->n : 1) * sizeof *keys);
    int m = 0, numeric = 1;
    for (int i = 0; i < d->n; i++) {
        if (d->e[i].code < 0) continue;
        keys[m].e = &d->e[i];
        numeric = numeric && data_parse_number(d->e[i].s, d->e[i].len, &keys[m].v) == 0;
        m++;
    }
    qsort(keys, (size_t)m, sizeof *keys, numeric ? cmp_cat_num : cmp_cat_text);
    for (int i = 0; i < m; i++)
        keys[i].e->code = i;
    free(keys);
    c->cat_n[k] = m;
}

/* Bits for m values: ceil(log2(m)), 0 for a single value. */
static int bits_for(int m) {
    int b = 0;
    while ((1L << b) < m)
        b++;
    return b;
}

static rt_status value_error(const data_ctx *c, const data_src *s, int row, int k, double v);

/* What missing cells become (missing = zero | mean): 0, or the mean over the training
 * split's present cells of the column after scale and log1p (0 when it has none). */
static void fit_missing(data_ctx *c) {
    int n = c->lay.n_num;
    size_t nn = (size_t)(n ? n : 1);
    const data_src *s = &c->src[c->split[SPLIT_TRAIN].src];
    double *sum = xcalloc(nn, sizeof *sum), *v = xmalloc(nn * sizeof *v);
    long *count = xcalloc(nn, sizeof *count);
    for (int i = 0; c->ds->missing == IR_MISSING_MEAN && !s->img && i < c->split[SPLIT_TRAIN].n;
         i++) {
        fetch(c, s, c->split[SPLIT_TRAIN].rows[i], v); /* c->fill is NULL: missing stays NAN */
        for (int k = 0; k < n; k++)
            if (!isnan(v[k])) sum[k] += v[k], count[k]++;
    }
    for (int k = 0; k < n; k++)
        sum[k] = count[k] ? sum[k] / (double)count[k] : 0;
    c->fill = sum;
    free(v);
    free(count);
}

/* Fits the statistics on the training split (a value that is no finite number after
 * scaling is an error at its row: it would spoil the statistics of every row) and makes
 * the input plan. */
static rt_status fit(data_ctx *c) {
    const ir_dataset *ds = c->ds;
    int n = c->lay.n_num;
    size_t nn = (size_t)(n ? n : 1);
    c->shift = xcalloc(nn, sizeof *c->shift);
    c->mul = xcalloc(nn, sizeof *c->mul);
    c->lo = xmalloc(nn * sizeof *c->lo);
    c->hi = xmalloc(nn * sizeof *c->hi);
    double *sum = xcalloc(nn, sizeof *sum), *ss = xcalloc(nn, sizeof *ss);
    double *v = xmalloc(nn * sizeof *v);
    for (int k = 0; k < n; k++) {
        c->lo[k] = INFINITY;
        c->hi[k] = -INFINITY;
    }
    const data_src *s = &c->src[c->split[SPLIT_TRAIN].src];
    int nt = c->split[SPLIT_TRAIN].n;
    rt_status rc = RT_OK;
    if (ds->missing != IR_MISSING_ERROR) fit_missing(c);
    for (int i = 0; i < nt && !rc; i++) {
        fetch(c, s, c->split[SPLIT_TRAIN].rows[i], v);
        for (int k = 0; k < n && !rc; k++) {
            if (!isfinite(v[k])) rc = value_error(c, s, c->split[SPLIT_TRAIN].rows[i], k, v[k]);
            sum[k] += v[k];
            c->lo[k] = v[k] < c->lo[k] ? v[k] : c->lo[k];
            c->hi[k] = v[k] > c->hi[k] ? v[k] : c->hi[k];
        }
    }
    if (rc) {
        free(sum);
        free(ss);
        free(v);
        return rc;
    }
    if (ds->norm == IR_NORM_STANDARDIZE && !ds->binarize_bits) {
        for (int i = 0; i < nt; i++) {
            fetch(c, s, c->split[SPLIT_TRAIN].rows[i], v);
            for (int k = 0; k < n; k++) {
                double dv = v[k] - sum[k] / nt;
                ss[k] += dv * dv;
            }
        }
    }
    /* A constant column (max == min over train) keeps mul 1: it becomes x - shift. */
    for (int k = 0; k < n; k++) {
        int constant = !(c->hi[k] > c->lo[k]);
        c->mul[k] = 1;
        if (ds->binarize_bits || ds->norm == IR_NORM_NONE) continue;
        if (ds->norm == IR_NORM_STANDARDIZE) {
            c->shift[k] = sum[k] / nt;
            if (!constant && ss[k] > 0) c->mul[k] = 1 / sqrt(ss[k] / nt);
        } else {
            c->shift[k] = c->lo[k];
            if (!constant) c->mul[k] = 1 / (c->hi[k] - c->lo[k]);
        }
    }
    free(sum);
    free(ss);
    free(v);
    c->cat_n = xcalloc((size_t)(c->lay.n_cat ? c->lay.n_cat : 1), sizeof *c->cat_n);
    for (int k = 0; k < c->lay.n_cat; k++)
        fit_categorical(c, k);
    /* The input plan: CSV columns in file order, IDX values in order. */
    int bits = ds->binarize_bits ? ds->binarize_bits : 1;
    c->plan = xmalloc((size_t)(n + c->lay.n_cat + 1) * sizeof *c->plan);
    c->n_plan = 0;
    c->width = 0;
    int ncol = c->lay.n_cols ? c->lay.n_cols : n;
    for (int col = 0; col < ncol; col++) {
        data_plan p = {0, col, bits};
        if (c->lay.n_cols) {
            data_role r = c->lay.role[col];
            if (r != DATA_ROLE_NUMERIC && r != DATA_ROLE_CATEGORICAL) continue;
            p.cat = r == DATA_ROLE_CATEGORICAL;
            p.slot = c->lay.slot[col];
            if (p.cat)
                p.width = ds->cat_encoding == IR_CAT_ONEHOT ? c->cat_n[p.slot]
                                                            : bits_for(c->cat_n[p.slot]);
        }
        c->plan[c->n_plan++] = p;
        c->width += p.width;
    }
    return RT_OK;
}

/* "39 numeric (log1p, standardize) + proto one-hot 131 + ... = 190 inputs" */
static char *describe_encoding(const data_ctx *c) {
    static const char *const norms[] = {"no normalization", "standardized", "min-max scaled"};
    const ir_dataset *ds = c->ds;
    rt_buf b = {0};
    rt_buf_printf(&b, "%d numeric", c->lay.n_num);
    if (ds->binarize_bits) rt_buf_printf(&b, " x %d bits", ds->binarize_bits);
    rt_buf_puts(&b, " (");
    for (int i = 0; i < c->lay.idx_nd; i++)
        rt_buf_printf(&b, "%s%d", i ? " x " : "", c->lay.idx_dims[i]);
    if (c->lay.idx_nd) rt_buf_puts(&b, " IDX values, ");
    if (ds->scale != 1) rt_buf_printf(&b, "scale %g, ", ds->scale);
    if (ds->log1p) rt_buf_puts(&b, "sign*log1p, ");
    rt_buf_printf(&b, "%s)", ds->binarize_bits ? "min-max binarized" : norms[ds->norm]);
    for (int k = 0; k < c->lay.n_cat; k++) {
        int col = c->lay.cat_col[k];
        if (c->lay.names)
            rt_buf_printf(&b, " + %.200s", c->lay.names[col]);
        else
            rt_buf_printf(&b, " + column %d", col + 1);
        if (ds->cat_encoding == IR_CAT_ONEHOT)
            rt_buf_printf(&b, " one-hot %d", c->cat_n[k]);
        else
            rt_buf_printf(&b, " binary %d (%d %s)", bits_for(c->cat_n[k]), c->cat_n[k],
                          data_plural(c->cat_n[k], "value", "values"));
    }
    rt_buf_printf(&b, " = %d %s", c->width, data_plural(c->width, "input", "inputs"));
    return rt_buf_take(&b);
}

/* ---- Encoding ---------------------------------------------------------------------- */

/* Reports a value that does not fit a float after scaling/normalization. */
static rt_status value_error(const data_ctx *c, const data_src *s, int row, int k, double v) {
    if (s->img)
        return data_error(c->e, s->path, 0, 0,
                          "value %g at index %d, element %d is out of range after scaling", v, row,
                          k);
    return data_error(c->e, s->path, s->line[row], c->lay.num_col[k] + 1,
                      "value %g is out of range after scaling and normalization", v);
}

static rt_status encode_split(const data_ctx *c, int which, rt_split *out) {
    const ir_dataset *ds = c->ds;
    const data_src *s = &c->src[c->split[which].src];
    int n = c->split[which].n, w = c->width, bits = ds->binarize_bits;
    double qmax = (double)((1 << bits) - 1);
    out->n = n;
    out->x = xmalloc((size_t)(n ? n : 1) * (size_t)w * sizeof *out->x);
    out->y = xmalloc((size_t)(n ? n : 1) * sizeof *out->y);
    double *v = xmalloc((size_t)(c->lay.n_num ? c->lay.n_num : 1) * sizeof *v);
    rt_status rc = RT_OK;
    for (int i = 0; i < n && !rc; i++) {
        int row = c->split[which].rows[i];
        float *x = out->x + (size_t)i * (size_t)w;
        fetch(c, s, row, v);
        out->y[i] = s->label[row];
        for (int p = 0; p < c->n_plan && !rc; p++) {
            int k = c->plan[p].slot;
            if (c->plan[p].cat) {
                int id = s->cat[(size_t)row * (size_t)c->lay.n_cat + (size_t)k];
                int code = c->lay.cats[k].e[id].code, width = c->plan[p].width;
                if (ds->cat_encoding == IR_CAT_ONEHOT) {
                    for (int b = 0; b < width; b++)
                        x[b] = (float)(b == code);
                } else {
                    code = code < 0 ? 0 : code;
                    for (int b = 0; b < width; b++)
                        x[b] = (float)((code >> (width - 1 - b)) & 1);
                }
                x += width;
            } else if (bits) {
                if (!isfinite(v[k])) {
                    rc = value_error(c, s, row, k, v[k]);
                    break;
                }
                double t = c->hi[k] > c->lo[k] ? (v[k] - c->lo[k]) / (c->hi[k] - c->lo[k]) : 0;
                double q = floor(t * qmax + 0.5);
                unsigned code = (unsigned)(q < 0 ? 0 : q > qmax ? qmax : q);
                for (int b = 0; b < bits; b++)
                    x[b] = (float)((code >> (bits - 1 - b)) & 1);
                x += bits;
            } else {
                double o = (v[k] - c->shift[k]) * c->mul[k];
                if (!(fabs(o) <= FLT_MAX)) {
                    rc = value_error(c, s, row, k, v[k]);
                    break;
                }
                *x++ = (float)o;
            }
        }
    }
    free(v);
    return rc;
}

/* ---- Descriptions ------------------------------------------------------------------ */

int data_describe(const ir_dataset *ds, const rt_dataset *d, char *buf, size_t size) {
    rt_buf b = {0};
    rt_buf_printf(&b, "train %d, validation %d, test %d rows", d->train.n, d->valid.n, d->test.n);
    const ir_source *files[3] = {NULL, &ds->valid, &ds->test};
    for (int s = 1; s < 3; s++)
        if (files[s]->path) rt_buf_printf(&b, "; %s from %.400s", split_names[s], files[s]->path);
    int cv = !ds->valid.path && ds->valid_fraction > 0,
        ct = !ds->test.path && ds->test_fraction > 0;
    if (cv || ct) {
        int total = d->train.n + (cv ? d->valid.n : 0) + (ct ? d->test.n : 0);
        rt_buf_puts(&b, "; ");
        if (cv)
            rt_buf_printf(&b, "validation (fraction %g)%s", ds->valid_fraction, ct ? " and " : "");
        if (ct) rt_buf_printf(&b, "test (fraction %g)", ds->test_fraction);
        rt_buf_printf(&b, " carved from %.400s (%d %s) with seed %llu", ds->train.path, total,
                      data_plural(total, "row", "rows"), (unsigned long long)ds->split_seed);
    } else if (!ds->valid.path && !ds->test.path) {
        rt_buf_printf(&b, "; all rows of %.400s are training rows", ds->train.path);
    }
    int n = snprintf(buf, size, "%s", b.data);
    rt_buf_free(&b);
    return n;
}

/* Name of numeric feature k: header name, "column N", "pixel[r,c]" or "x[i,j,...]". */
static char *numeric_name(const data_ctx *c, int k) {
    const data_layout *l = &c->lay;
    if (l->n_cols)
        return l->names ? xstrdup(l->names[l->num_col[k]])
                        : rt_strfmt("column %d", l->num_col[k] + 1);
    char b[128];
    size_t o = 0;
    int idx[8], r = k;
    for (int i = l->idx_nd - 1; i >= 0; i--) {
        idx[i] = r % l->idx_dims[i];
        r /= l->idx_dims[i];
    }
    o += (size_t)snprintf(b + o, sizeof b - o, "%s[", l->idx_nd == 2 ? "pixel" : "x");
    for (int i = 0; i < l->idx_nd; i++)
        o += (size_t)snprintf(b + o, sizeof b - o, "%s%d", i ? "," : "", idx[i]);
    snprintf(b + o, sizeof b - o, "]");
    return xstrdup(b);
}

/* The raw columns: names, the label's, and each categorical column's values in code order. */
static void fill_columns(const data_ctx *c, data_info *info) {
    const data_layout *l = &c->lay;
    info->n_cols = l->n_cols ? l->n_cols : l->n_num;
    info->label_col = l->n_cols ? l->label_col : -1;
    int n = info->n_cols ? info->n_cols : 1;
    info->col_nvalues = xcalloc((size_t)n, sizeof *info->col_nvalues);
    info->col_values = xcalloc((size_t)n, sizeof *info->col_values);
    if (l->names) {
        info->col_names = xmalloc((size_t)n * sizeof *info->col_names);
        for (int i = 0; i < l->n_cols; i++)
            info->col_names[i] = xstrdup(l->names[i]);
    }
    for (int k = 0; k < l->n_cat; k++) {
        int col = l->cat_col[k], m = c->cat_n[k];
        info->col_nvalues[col] = m;
        info->col_values[col] = xcalloc((size_t)(m ? m : 1), sizeof(char *));
        for (int i = 0; i < l->cats[k].n; i++)
            if (l->cats[k].e[i].code >= 0)
                info->col_values[col][l->cats[k].e[i].code] = xstrdup(l->cats[k].e[i].s);
    }
}

static void fill_info(const data_ctx *c, const rt_dataset *d, data_info *info) {
    const ir_dataset *ds = c->ds;
    info->inputs = c->width;
    info->classes = ds->classes;
    info->input_names = xmalloc((size_t)c->width * sizeof *info->input_names);
    info->shift = xcalloc((size_t)c->width, sizeof *info->shift);
    info->mul = xmalloc((size_t)c->width * sizeof *info->mul);
    info->kind = xcalloc((size_t)c->width, sizeof *info->kind);
    info->col = xcalloc((size_t)c->width, sizeof *info->col);
    info->index = xcalloc((size_t)c->width, sizeof *info->index);
    info->lo = xcalloc((size_t)c->width, sizeof *info->lo);
    info->hi = xcalloc((size_t)c->width, sizeof *info->hi);
    fill_columns(c, info);
    int o = 0;
    for (int p = 0; p < c->n_plan; p++) {
        int k = c->plan[p].slot, w = c->plan[p].width;
        char *base;
        if (c->plan[p].cat) {
            const data_layout *l = &c->lay;
            base = l->names ? xstrdup(l->names[l->cat_col[k]])
                            : rt_strfmt("column %d", l->cat_col[k] + 1);
        } else {
            base = numeric_name(c, k);
        }
        for (int b = 0; b < w; b++, o++) {
            info->mul[o] = 1;
            info->col[o] =
                c->lay.n_cols ? (c->plan[p].cat ? c->lay.cat_col[k] : c->lay.num_col[k]) : k;
            info->index[o] = w - 1 - b; /* the bit, for the bit encodings */
            if (c->plan[p].cat && ds->cat_encoding == IR_CAT_ONEHOT) {
                const data_dict *dict = &c->lay.cats[k];
                info->kind[o] = DATA_IN_ONEHOT;
                info->index[o] = b;
                for (int i = 0; i < dict->n; i++)
                    if (dict->e[i].code == b)
                        info->input_names[o] = rt_strfmt("%s=%s", base, dict->e[i].s);
            } else if (c->plan[p].cat || ds->binarize_bits) {
                info->kind[o] = c->plan[p].cat ? DATA_IN_BINARY : DATA_IN_BINARIZED;
                info->input_names[o] = rt_strfmt("%s.bit%d", base, w - 1 - b);
                if (!c->plan[p].cat) info->lo[o] = c->lo[k], info->hi[o] = c->hi[k];
            } else {
                info->kind[o] = DATA_IN_NUMERIC;
                info->input_names[o] = xstrdup(base);
                info->shift[o] = c->shift[k];
                info->mul[o] = c->mul[k];
            }
        }
        free(base);
    }
    info->class_names = xmalloc((size_t)ds->classes * sizeof *info->class_names);
    for (int k = 0; k < ds->classes; k++) {
        info->class_names[k] = NULL;
        if (ds->n_class_names) info->class_names[k] = xstrdup(ds->class_names[k]);
        for (int i = 0; !info->class_names[k] && i < c->lay.labels.n; i++)
            if (c->lay.labels.e[i].code == k) info->class_names[k] = xstrdup(c->lay.labels.e[i].s);
        if (!info->class_names[k]) info->class_names[k] = rt_strfmt("%d", k);
    }
    info->encoding = xstrdup(c->encoding);
    int n = data_describe(ds, d, NULL, 0);
    info->split = xmalloc((size_t)n + 1);
    data_describe(ds, d, info->split, (size_t)n + 1);
}

void data_info_free(data_info *info) {
    for (int i = 0; info->input_names && i < info->inputs; i++)
        free(info->input_names[i]);
    for (int k = 0; info->class_names && k < info->classes; k++)
        free(info->class_names[k]);
    free(info->input_names);
    free(info->class_names);
    free(info->encoding);
    free(info->split);
    free(info->shift);
    free(info->mul);
    free(info->kind);
    free(info->col);
    free(info->index);
    free(info->lo);
    free(info->hi);
    for (int i = 0; i < info->n_cols; i++) {
        if (info->col_names) free(info->col_names[i]);
        for (int v = 0; info->col_values && v < info->col_nvalues[i]; v++)
            free(info->col_values[i][v]);
        if (info->col_values) free(info->col_values[i]);
    }
    free(info->col_names);
    free(info->col_values);
    free(info->col_nvalues);
    memset(info, 0, sizeof *info);
}

/* ---- The pipeline ------------------------------------------------------------------- */

static rt_status load_sources(data_ctx *c) {
    const ir_dataset *ds = c->ds;
    const ir_source *srcs[3] = {&ds->train, &ds->valid, &ds->test};
    for (int s = 0; s < 3; s++) {
        if (!srcs[s]->path) continue;
        rt_status rc = ds->format == IR_DATA_IDX
                           ? data_idx_load(ds, srcs[s], s == 0, &c->lay, &c->src[s], c->e)
                           : data_csv_load(ds, srcs[s]->path, s, s == 0, &c->lay, &c->src[s], c->e);
        if (rc) return rc;
    }
    if (ds->format == IR_DATA_IDX) c->lay.label_col = -1;
    return ds->format == IR_DATA_CSV ? resolve_labels(c) : RT_OK;
}

rt_status data_load_info(const ir_dataset *ds, rt_dataset *out, data_info *info, rt_error *e) {
    data_ctx c;
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    if (info) memset(info, 0, sizeof *info);
    c.ds = ds;
    c.e = e;
    rt_status rc = check_config(&c);
    if (!rc) rc = load_sources(&c);
    if (!rc) rc = check_class_count(&c);
    if (!rc) rc = make_splits(&c);
    if (!rc) rc = fit(&c);
    if (!rc) {
        c.encoding = describe_encoding(&c);
        if (c.width != ds->inputs &&
            (rc = data_error(e, ds->train.path, 0, 0,
                             "the data gives %d %s but the model "
                             "declares inputs = %d (%s)",
                             c.width, data_plural(c.width, "input", "inputs"), ds->inputs,
                             c.encoding)) &&
            e)
            snprintf(e->prop, sizeof e->prop, "dataset.inputs"); /* located at inputs */
    }
    out->inputs = c.width;
    out->classes = ds->classes;
    rt_split *splits[3] = {&out->train, &out->valid, &out->test};
    for (int s = 0; s < 3 && !rc; s++)
        rc = encode_split(&c, s, splits[s]);
    if (!rc && c.lay.idx_nd == 2 && c.width == c.lay.n_num) {
        out->img_h = c.lay.idx_dims[0];
        out->img_w = c.lay.idx_dims[1];
        out->blank = xmalloc((size_t)c.width * sizeof *out->blank);
        for (int k = 0; k < c.width; k++) /* a raw 0 stays 0 through scale and log1p */
            out->blank[k] = (float)((0.0 - c.shift[k]) * c.mul[k]);
    }
    if (!rc && info) fill_info(&c, out, info);
    if (rc) rt_dataset_free(out), memset(out, 0, sizeof *out);
    data_layout_free(&c.lay);
    for (int s = 0; s < 3; s++) {
        data_src_free(&c.src[s]);
        free(c.split[s].rows);
    }
    free(c.shift);
    free(c.mul);
    free(c.lo);
    free(c.hi);
    free(c.fill);
    free(c.cat_n);
    free(c.plan);
    free(c.encoding);
    return rc;
}

rt_status data_load(const ir_dataset *ds, rt_dataset *out, rt_error *e) {
    return data_load_info(ds, out, NULL, e);
}
