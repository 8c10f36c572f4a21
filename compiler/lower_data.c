/* lower_data.c - the dataset block: sources and splits, csv layout, encodings and the
 * declared shapes (see lower.h). */
#include "lower.h"

#include <string.h>

/* A data path: relative to its file, or to the model file for library modules; under
 * --data-dir only the file name is kept. */
static const char *lw_path(fe_ctx *fe, const ast_value *v) {
    const char *s = v->u.str;
    if (!s[0]) {
        fe_error(fe, v->at, "empty file name");
        return "";
    }
    if (fe->o->data_dir) {
        const char *slash = strrchr(s, '/');
        return fe_join(fe->a, fe->o->data_dir, slash ? slash + 1 : s);
    }
    const fe_module *main = fe->modules.v[0], *m = fe_module_of(fe, v->at.file);
    const char *dir = !m || v->at.file->library ? main->dir : m->dir;
    return fe_join(fe->a, dir, s);
}

/* A split given as files: a csv path, or [images, labels] for idx. */
static bool lw_source(fe_ctx *fe, const ast_value *v, ir_data_format fmt, ir_source *out,
                      const char *what) {
    if (fmt == IR_DATA_CSV && v->kind == AV_STRING) {
        out->path = lw_path(fe, v);
        return true;
    }
    if (fmt == IR_DATA_IDX && v->kind == AV_LIST && v->u.list.n == 2 &&
        v->u.list.items[0]->kind == AV_STRING && v->u.list.items[1]->kind == AV_STRING) {
        out->path = lw_path(fe, v->u.list.items[0]);
        out->labels_path = lw_path(fe, v->u.list.items[1]);
        return true;
    }
    if (fmt == IR_DATA_CSV)
        fe_error(fe, v->at, "a file name (string) expected for '%s' of a csv dataset, found %s",
                 what, ast_value_desc(v));
    else
        fe_error(fe, v->at,
                 "[\"images\", \"labels\"] file names expected for '%s' of an idx dataset", what);
    return false;
}

/* valid / test: files, or a fraction of train (by default the schema's). */
static void lw_split(fe_ctx *fe, const eblock *d, kw_id key, ir_data_format fmt, ir_source *src,
                     double *fraction) {
    const ast_value *v = lw_value(d, key);
    *fraction = sv_default(KW_DATASET, KW_IDENT, key).num;
    if (!v) return;
    if (v->kind == AV_INT || v->kind == AV_REAL) {
        const char *what = nltc_arena_printf(fe->a, "'%s'", kw_text(key));
        if (sv_check_value(fe, v, SV_FRACTION, KW_IDENT, 0, 1, NULL, what))
            *fraction = sv_number(v);
        return;
    }
    *fraction = 0;
    lw_source(fe, v, fmt, src, kw_text(key));
}

/* A column: a header name or a 0-based index. */
static bool lw_colref(fe_ctx *fe, const ast_value *v, bool header, ir_colref *out,
                      const char *what) {
    if (v->kind == AV_STRING) {
        if (!header) {
            fe_error(fe, v->at, "column name \"%s\" in %s needs 'header = true'", v->u.str, what);
            return false;
        }
        *out = (ir_colref){v->u.str, -1};
        return true;
    }
    if (v->kind == AV_INT && !v->u.num.unit.present && v->u.num.i >= 0 && v->u.num.i < 1000000) {
        *out = (ir_colref){NULL, (int)v->u.num.i};
        return true;
    }
    if (v->kind == AV_INT && v->u.num.i < 0)
        fe_error(fe, v->at, "column index %lld in %s is negative (indices start at 0)",
                 (long long)v->u.num.i, what);
    else
        fe_error(fe, v->at,
                 "a column name (string) or 0-based column index expected in %s, found %s", what,
                 ast_value_desc(v));
    return false;
}

/* drop / categorical: a list of columns (or one column). */
static ir_colref *lw_columns(fe_ctx *fe, const eblock *d, kw_id key, bool header, int *n) {
    const ast_value *v = lw_value(d, key);
    *n = 0;
    if (!v) return NULL;
    int count;
    const ast_value *const *el = lw_elems(&v, &count);
    ir_colref *cols = nltc_arena_alloc(fe->a, (size_t)count * sizeof *cols);
    const char *what = nltc_arena_printf(fe->a, "'%s'", kw_text(key));
    for (int i = 0; i < count; i++)
        if (lw_colref(fe, el[i], header, &cols[*n], what)) (*n)++;
    return cols;
}

static bool lw_same_col(ir_colref a, ir_colref b) {
    return a.name ? b.name && strcmp(a.name, b.name) == 0 : !b.name && a.index == b.index;
}

/* Errors for properties that only csv datasets have. */
static void lw_csv_only(fe_ctx *fe, const eblock *d) {
    static const kw_id keys[] = {KW_HEADER, KW_DELIMITER,   KW_LABEL,
                                 KW_DROP,   KW_CATEGORICAL, KW_ENCODING,
                                 KW_SKIP,   KW_CLASS_NAMES, KW_MISSING};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const ast_item *p = sv_prop(d, keys[i]);
        if (p)
            fe_error(fe, p->u.prop.key.at, "'%s' applies to csv datasets only (this one is idx)",
                     kw_text(keys[i]));
    }
}

void lw_dataset(fe_ctx *fe, const eblock *d, ir_dataset *ds) {
    int64_t i;
    ds->name = d->name ? d->name : "dataset";
    LW_ENUM(format, sv_word_or_default(d, KW_DATASET, KW_FORMAT), &ds->format);
    const ast_value *train = lw_value(d, KW_TRAIN);
    if (train)
        lw_source(fe, train, ds->format, &ds->train, "train");
    else
        fe_error(fe, lw_at(d), "dataset '%s' needs 'train' (its training file%s)", ds->name,
                 ds->format == IR_DATA_IDX ? "s" : "");
    lw_split(fe, d, KW_VALID, ds->format, &ds->valid, &ds->valid_fraction);
    lw_split(fe, d, KW_TEST, ds->format, &ds->test, &ds->test_fraction);
    if (ds->valid_fraction + ds->test_fraction >= 1) {
        const ast_value *v = lw_value(d, KW_TEST) ? lw_value(d, KW_TEST) : lw_value(d, KW_VALID);
        fe_error(fe, v ? v->at : lw_at(d),
                 "the valid and test fractions (%g + %g) leave no training rows",
                 ds->valid_fraction, ds->test_fraction);
    }
    ds->split_seed = (uint64_t)sv_int_or_default(d, KW_DATASET, KW_SPLIT_SEED);
    const char *delim = sv_string_or_default(d, KW_DATASET, KW_DELIMITER);
    ds->delimiter = delim[0];
    if (ds->format == IR_DATA_IDX) {
        lw_csv_only(fe, d);
    } else {
        ds->header = sv_bool_or_default(d, KW_DATASET, KW_HEADER);
        ds->skip = (long)sv_int_or_default(d, KW_DATASET, KW_SKIP);
        LW_ENUM(missing, sv_word_or_default(d, KW_DATASET, KW_MISSING), &ds->missing);
        if (strlen(delim) != 1 || delim[0] == '"' || delim[0] == '\n') {
            fe_error(fe, lw_value(d, KW_DELIMITER)->at,
                     "'delimiter' must be one character other than '\"' and a line end");
            ds->delimiter = ',';
        }
        const ast_value *label = lw_value(d, KW_LABEL);
        ds->label = (ir_colref){NULL, -1};
        if (!label)
            fe_error(fe, lw_at(d), "csv dataset '%s' needs 'label' (a column name or index)",
                     ds->name);
        else
            lw_colref(fe, label, ds->header, &ds->label, "'label'");
        ds->drop = lw_columns(fe, d, KW_DROP, ds->header, &ds->n_drop);
        ds->categorical = lw_columns(fe, d, KW_CATEGORICAL, ds->header, &ds->n_categorical);
        for (int k = 0; label && k < ds->n_drop + ds->n_categorical; k++) {
            bool drop = k < ds->n_drop;
            ir_colref c = drop ? ds->drop[k] : ds->categorical[k - ds->n_drop];
            if ((ds->label.name || ds->label.index >= 0) && lw_same_col(c, ds->label))
                fe_error(fe, label->at, "the label column is also listed in '%s'",
                         drop ? "drop" : "categorical");
        }
        LW_ENUM(encoding, sv_word_or_default(d, KW_DATASET, KW_ENCODING), &ds->cat_encoding);
    }
    ds->binarize_bits = (int)sv_int_or_default(d, KW_DATASET, KW_BINARIZE);
    ds->log1p = sv_bool_or_default(d, KW_DATASET, KW_LOG1P);
    ds->scale = sv_real_or_default(d, KW_DATASET, KW_SCALE);
    LW_ENUM(norm, sv_word_or_default(d, KW_DATASET, KW_NORM), &ds->norm);
    if (sv_int(d, KW_INPUTS, &i))
        ds->inputs = (int)i;
    else
        fe_error(fe, lw_at(d),
                 "dataset '%s' must declare 'inputs' (the model input width after encoding)",
                 ds->name);
    if (sv_int(d, KW_CLASSES, &i))
        ds->classes = (int)i;
    else
        fe_error(fe, lw_at(d), "dataset '%s' must declare 'classes'", ds->name);

    const ast_value *names = lw_value(d, KW_CLASS_NAMES);
    if (names) {
        int n;
        const ast_value *const *el = lw_elems(&names, &n);
        if (names->kind != AV_LIST || (ds->classes && n != ds->classes)) {
            fe_error(fe, names->at, "'class_names' must list %d strings, one per class",
                     ds->classes);
            return;
        }
        ds->class_names = nltc_arena_alloc(fe->a, (size_t)n * sizeof(char *));
        for (int k = 0; k < n; k++) {
            if (el[k]->kind != AV_STRING) {
                fe_error(fe, el[k]->at, "a string expected in 'class_names', found %s",
                         ast_value_desc(el[k]));
                return;
            }
            for (int j = 0; j < k; j++)
                if (strcmp(ds->class_names[j], el[k]->u.str) == 0) {
                    fe_error(fe, el[k]->at, "class name \"%s\" appears twice", el[k]->u.str);
                    return;
                }
            ds->class_names[k] = el[k]->u.str;
        }
        ds->n_class_names = n;
    }
}
