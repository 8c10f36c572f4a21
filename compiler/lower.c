/* lower.c - semantic checks of the main model and its lowering to the IR (ir.h).
 *
 * Works on effective blocks (blocks.c) whose properties were checked against the schema
 * (values.c). Fills every default, resolves data paths, derives each layer's widths from
 * its tree, its quantizer from the tree-level skip rule, the training stages from the
 * connectivity, and the pipeline registers from the hardware plan. Sections: helpers,
 * dataset, L-LUTs, trees, training, hardware, the model. */
#include "compiler.h"
#include "rt.h"

#include <string.h>

/* ---- Helpers ------------------------------------------------------------------------ */

/* Where to point at a block: its name, else its kind word. */
static src_range lw_at(const eblock *b) {
    const ast_item *d = b->decl;
    return d->u.block.name.text ? d->u.block.name.at : d->u.block.kind.at;
}

/* The value of property key of b, or NULL. */
static const ast_value *lw_value(const eblock *b, kw_id key) {
    const ast_item *p = sv_prop(b, key);
    return p ? p->u.prop.value : NULL;
}

/* The first nested block of kind k, or NULL. */
static eblock *lw_sub(const eblock *b, kw_id k) {
    eblock *e = NULL;
    return sv_blocks(b, k, &e, 1) ? e : NULL;
}

/* The n elements of the list or chain *vp, or *vp itself as a one-element list. */
static const ast_value *const *lw_elems(const ast_value *const *vp, int *n) {
    const ast_value *v = *vp;
    if (v->kind == AV_LIST || v->kind == AV_CHAIN) {
        *n = v->u.list.n;
        return (const ast_value *const *)v->u.list.items;
    }
    *n = 1;
    return vp;
}

/* ---- Dataset ------------------------------------------------------------------------ */

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

/* valid / test: files, or a fraction of train (default dflt). */
static void lw_split(fe_ctx *fe, const eblock *d, kw_id key, ir_data_format fmt, ir_source *src,
                     double *fraction, double dflt) {
    const ast_value *v = lw_value(d, key);
    *fraction = dflt;
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
    static const kw_id keys[] = {KW_HEADER,      KW_DELIMITER, KW_LABEL,      KW_DROP,
                                 KW_CATEGORICAL, KW_ENCODING,  KW_CLASS_NAMES};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const ast_item *p = sv_prop(d, keys[i]);
        if (p)
            fe_error(fe, p->u.prop.key.at, "'%s' applies to csv datasets only (this one is idx)",
                     kw_text(keys[i]));
    }
}

static void lw_dataset(fe_ctx *fe, const eblock *d, ir_dataset *ds) {
    kw_id w = KW_CSV;
    int64_t i;
    ds->name = d->name ? d->name : "dataset";
    sv_word(d, KW_FORMAT, &w);
    ds->format = w == KW_IDX ? IR_DATA_IDX : IR_DATA_CSV;
    const ast_value *train = lw_value(d, KW_TRAIN);
    if (train)
        lw_source(fe, train, ds->format, &ds->train, "train");
    else
        fe_error(fe, lw_at(d), "dataset '%s' needs 'train' (its training file%s)", ds->name,
                 ds->format == IR_DATA_IDX ? "s" : "");
    lw_split(fe, d, KW_VALID, ds->format, &ds->valid, &ds->valid_fraction, 0.1);
    lw_split(fe, d, KW_TEST, ds->format, &ds->test, &ds->test_fraction, 0.2);
    if (ds->valid_fraction + ds->test_fraction >= 1) {
        const ast_value *v = lw_value(d, KW_TEST) ? lw_value(d, KW_TEST) : lw_value(d, KW_VALID);
        fe_error(fe, v ? v->at : lw_at(d),
                 "the valid and test fractions (%g + %g) leave no training rows",
                 ds->valid_fraction, ds->test_fraction);
    }
    if (sv_int(d, KW_SPLIT_SEED, &i)) ds->split_seed = (uint64_t)i;

    ds->delimiter = ',';
    if (ds->format == IR_DATA_IDX) {
        lw_csv_only(fe, d);
    } else {
        sv_bool(d, KW_HEADER, &ds->header);
        const char *delim;
        if (sv_string(d, KW_DELIMITER, &delim)) {
            if (strlen(delim) != 1 || delim[0] == '"' || delim[0] == '\n')
                fe_error(fe, lw_value(d, KW_DELIMITER)->at,
                         "'delimiter' must be one character other than '\"' and a line end");
            else
                ds->delimiter = delim[0];
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
        w = KW_ONEHOT;
        sv_word(d, KW_ENCODING, &w);
        ds->cat_encoding = w == KW_BINARIZE ? IR_CAT_BINARIZE : IR_CAT_ONEHOT;
    }
    if (sv_int(d, KW_BINARIZE, &i)) ds->binarize_bits = (int)i;
    sv_bool(d, KW_LOG1P, &ds->log1p);
    ds->scale = 1;
    sv_real(d, KW_SCALE, &ds->scale);
    w = KW_STANDARDIZE;
    sv_word(d, KW_NORM, &w);
    ds->norm = w == KW_MINMAX ? IR_NORM_MINMAX : w == KW_NONE ? IR_NORM_NONE : IR_NORM_STANDARDIZE;
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

/* ---- L-LUTs ----------------------------------------------------------------------------- */

/* The lowered shape of one `lut` declaration (cached in fe_decl.lowered). */
typedef struct lw_lut {
    bool ok;    /* the declaration is valid */
    int fanin;  /* F */
    int hidden; /* N */
    int depth;  /* hidden layers */
    bool skip;  /* linear skip path */
} lw_lut;

static const lw_lut *lw_lut_of(fe_ctx *fe, fe_decl *d) {
    if (d->lowered) return d->lowered;
    lw_lut *l = nltc_arena_alloc(fe->a, sizeof *l);
    d->lowered = l;
    eblock *e = eb_of_decl(fe, d);
    if (!e) return l;
    int64_t v;
    kw_id skip = KW_LINEAR;
    l->ok = true;
    if (sv_int(e, KW_FANIN, &v)) {
        l->fanin = (int)v;
    } else {
        fe_error(fe, lw_at(e), "lut '%s' needs 'fanin' (its inputs per L-LUT)", e->name);
        l->ok = false;
    }
    l->hidden = 64;
    if (sv_int(e, KW_HIDDEN, &v)) l->hidden = (int)v;
    l->depth = l->hidden ? 1 : 0;
    const ast_item *depth = sv_prop(e, KW_DEPTH);
    if (depth && l->hidden == 0) {
        fe_error(fe, depth->u.prop.key.at, "'depth' has no meaning when 'hidden = 0'");
        l->ok = false;
    }
    if (depth && sv_int(e, KW_DEPTH, &v)) l->depth = (int)v;
    sv_word(e, KW_SKIP, &skip);
    l->skip = skip == KW_LINEAR;
    if (!l->skip && l->hidden == 0) {
        fe_error(fe, sv_prop(e, KW_SKIP)->u.prop.value->at,
                 "lut '%s' computes nothing: 'hidden = 0' and 'skip = none'", e->name);
        l->ok = false;
    }
    return l;
}

/* ---- Trees -------------------------------------------------------------------------------- */

#define LW_MAX_LEVELS 16

/* What the model says about all trees. */
typedef struct lw_model {
    int bits;           /* default bits of every level */
    ir_connect connect; /* default leaf connectivity */
    bool tree_skip;     /* tree-level skip connection */
    int out_bits;       /* output { bits }, 0 if not given */
    src_range out_at;   /* where output bits were given */
} lw_model;

static ir_connect lw_connect(kw_id w) {
    return w == KW_RANDOM       ? IR_CONNECT_RANDOM
           : w == KW_CONTIGUOUS ? IR_CONNECT_CONTIGUOUS
                                : IR_CONNECT_LEARNED;
}

/* bits / quant of a tree: one value for every level, or a list of one per level. Checks
 * each element; returns the elements (NULL if absent or invalid). */
static const ast_value *const *lw_per_level(fe_ctx *fe, const eblock *t, kw_id key, int levels,
                                            bool *list) {
    const ast_item *p = sv_prop(t, key);
    if (!p) return NULL;
    const ast_value *v = p->u.prop.value;
    int n;
    const ast_value *const *el = lw_elems((const ast_value *const *)&p->u.prop.value, &n);
    *list = v->kind == AV_LIST;
    if (v->kind == AV_CHAIN || (*list && n != levels)) {
        fe_error(fe, v->at, "tree '%s' has %d level%s: '%s' takes one value or a list of %d",
                 t->name, levels, levels == 1 ? "" : "s", kw_text(key), levels);
        return NULL;
    }
    static const kw_id quant_words[] = {KW_RELU, KW_IDENTITY, KW_IDENT};
    const char *what = nltc_arena_printf(fe->a, "'%s'", kw_text(key));
    bool ok = true;
    for (int i = 0; i < n; i++) {
        if (key == KW_BITS)
            ok &= sv_check_value(fe, el[i], SV_INT, KW_BITS, 1, 8, NULL, what);
        else if (el[i]->kind == AV_WORD && el[i]->u.word.kw == KW_HARDTANH)
            fe_error(fe, el[i]->at, "'hardtanh' is the input quantizer (input { quant })"),
                ok = false;
        else
            ok &= sv_check_value(fe, el[i], SV_WORD, KW_IDENT, 0, 0, quant_words, what);
    }
    return ok ? el : NULL;
}

/* The luts of a tree's `levels` chain; returns the level count (0 after errors). */
static int lw_levels(fe_ctx *fe, const eblock *t, const lw_lut **luts, src_range *at) {
    const ast_value *v = lw_value(t, KW_LEVELS);
    if (!v) {
        fe_error(fe, lw_at(t),
                 "tree '%s' needs 'levels' (its L-LUTs from the leaves up: "
                 "leaf -> node)",
                 t->name);
        return 0;
    }
    int n;
    const ast_value *const *el = lw_elems(&v, &n);
    if (v->kind != AV_WORD && v->kind != AV_CHAIN) {
        fe_error(fe, v->at, "a chain of lut names expected for 'levels' (leaf -> node), found %s",
                 ast_value_desc(v));
        return 0;
    }
    if (n > LW_MAX_LEVELS) {
        fe_error(fe, v->at, "tree '%s' has %d levels; at most %d are allowed", t->name, n,
                 LW_MAX_LEVELS);
        return 0;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        at[i] = el[i]->at;
        if (el[i]->kind != AV_WORD) {
            fe_error(fe, el[i]->at, "a lut name expected in 'levels', found %s",
                     ast_value_desc(el[i]));
            ok = false;
            continue;
        }
        fe_decl *d = fe_lookup(fe, &el[i]->u.word, KW_LUT);
        luts[i] = d ? lw_lut_of(fe, d) : NULL;
        ok &= luts[i] && luts[i]->ok;
    }
    return ok ? n : 0;
}

/* Level widths from `neurons` (roots) or `leaves`; false after errors. */
static bool lw_widths(fe_ctx *fe, const eblock *t, const lw_lut **luts, const src_range *at, int n,
                      int *w) {
    int64_t roots = 0, leaves = 0;
    bool has_roots = sv_int(t, KW_NEURONS, &roots), has_leaves = sv_int(t, KW_LEAVES, &leaves);
    if (has_roots == has_leaves) {
        if (has_roots)
            fe_error(fe, sv_prop(t, KW_LEAVES)->u.prop.key.at,
                     "tree '%s' gives both 'neurons' and 'leaves'; give one", t->name);
        else
            fe_error(fe, lw_at(t), "tree '%s' needs 'neurons' (its root count) or 'leaves'",
                     t->name);
        return false;
    }
    if (has_roots) {
        int64_t x = roots;
        w[n - 1] = (int)x;
        for (int k = n - 2; k >= 0; k--) {
            x *= luts[k + 1]->fanin;
            if (x > 16777216) {
                fe_error(fe, at[k],
                         "level %d of tree '%s' would be %lld L-LUTs wide (at most "
                         "16777216)",
                         k, t->name, (long long)x);
                return false;
            }
            w[k] = (int)x;
        }
        return true;
    }
    w[0] = (int)leaves;
    for (int k = 1; k < n; k++) {
        int f = luts[k]->fanin;
        if (w[k - 1] % f != 0) {
            fe_error(fe, at[k],
                     "level %d of tree '%s' reads %d inputs in groups of %d: %d is not "
                     "divisible by %d",
                     k, t->name, w[k - 1], f, w[k - 1], f);
            diag_note(&fe->d, sv_prop(t, KW_LEAVES)->u.prop.value->at, "the tree has %d leaves",
                      w[0]);
            return false;
        }
        w[k] = w[k - 1] / f;
    }
    return true;
}

/* Checks one layer's table address against the hard limit and the physical LUT. */
static void lw_address(fe_ctx *fe, const ir_layer *l, src_range at) {
    int addr = l->fanin * l->bits_in, K = fe->lut_inputs;
    if (addr > 16) {
        fe_error(fe, at,
                 "table address of %d bits (fan-in %d x %d-bit inputs) exceeds the 16-bit limit",
                 addr, l->fanin, l->bits_in);
    } else if (addr > K) {
        long per_bit = rt_lut_cost(addr, K);
        fe_warning(fe, at,
                   "table address of %d bits (fan-in %d x %d-bit inputs) exceeds lut_inputs = "
                   "%d: about %ld LUT%d per output bit instead of 1, %ld for layer %s (%d L-LUTs "
                   "x %d bits)",
                   addr, l->fanin, l->bits_in, K, per_bit, K, per_bit * l->out_width * l->bits_out,
                   l->name, l->out_width, l->bits_out);
    }
}

/* Lowers one tree into layers; *in_width and *bits_in carry the layer below. */
static void lw_tree(fe_ctx *fe, const eblock *t, int index, bool last_tree, const lw_model *m,
                    int *in_width, int *bits_in, ptr_vec *layers) {
    const lw_lut *luts[LW_MAX_LEVELS];
    src_range at[LW_MAX_LEVELS];
    int w[LW_MAX_LEVELS];
    int n = lw_levels(fe, t, luts, at);
    if (!n || !lw_widths(fe, t, luts, at, n, w)) {
        *in_width = 0;
        return;
    }
    bool bits_list = false, quant_list = false;
    const ast_value *const *bits = lw_per_level(fe, t, KW_BITS, n, &bits_list);
    const ast_value *const *quant = lw_per_level(fe, t, KW_QUANT, n, &quant_list);
    kw_id cw;
    ir_connect connect = sv_word(t, KW_CONNECT, &cw) ? lw_connect(cw) : m->connect;
    for (int k = 0; k < n; k++) {
        ir_layer *l = nltc_arena_alloc(fe->a, sizeof *l);
        bool final = last_tree && k == n - 1;
        l->name = nltc_arena_printf(fe->a, "%s.%d", t->name, k);
        l->tree = index;
        l->level = k;
        l->tree_root = k == n - 1;
        l->support = k > 0;
        l->in_width = *in_width;
        l->out_width = w[k];
        l->fanin = luts[k]->fanin;
        l->hidden = luts[k]->hidden;
        l->depth = luts[k]->depth;
        l->lut_skip = luts[k]->skip;
        l->bits_in = *bits_in;
        l->bits_out = bits ? (int)bits[bits_list ? k : 0]->u.num.i : m->bits;
        l->connect = k > 0 ? IR_CONNECT_CONTIGUOUS : connect;
        const ast_value *q = quant ? quant[quant_list ? k : 0] : NULL;
        if (final) {
            if (q && quant_list && q->u.word.kw != KW_IDENTITY)
                fe_error(fe, q->at,
                         "the output layer uses the identity quantizer (signed "
                         "codes); '%s' is not allowed here",
                         q->u.word.text);
            l->quant = IR_Q_IDENTITY;
            if (m->out_bits && bits_list && l->bits_out != m->out_bits) {
                fe_error(fe, bits[k]->at, "the output layer's bits are given twice: %d here",
                         l->bits_out);
                diag_note(&fe->d, m->out_at, "and %d here", m->out_bits);
            }
            if (m->out_bits) l->bits_out = m->out_bits;
        } else if (q) {
            l->quant = q->u.word.kw == KW_RELU ? IR_Q_RELU : IR_Q_IDENTITY;
        } else {
            l->quant = m->tree_skip && k < n - 1 ? IR_Q_IDENTITY : IR_Q_RELU;
        }
        if (k == 0 && connect == IR_CONNECT_CONTIGUOUS && l->in_width != w[0] * l->fanin &&
            l->in_width > 0)
            fe_error(fe, at[0],
                     "the %d contiguous leaves of tree '%s' read %d groups of %d = %d inputs, "
                     "but the layer below has %d",
                     w[0], t->name, w[0], l->fanin, w[0] * l->fanin, l->in_width);
        else if (k == 0 && l->fanin > l->in_width && l->in_width > 0)
            fe_error(fe, at[0],
                     "fan-in %d of the leaves of tree '%s' exceeds the %d inputs they "
                     "read",
                     l->fanin, t->name, l->in_width);
        lw_address(fe, l, at[k]);
        ptr_vec_push(fe->a, layers, l);
        *in_width = w[k];
        *bits_in = l->bits_out;
    }
}

/* Lowers every tree of model m into p->layers. */
static void lw_trees(fe_ctx *fe, const eblock *m, ir_program *p) {
    lw_model lm = {.bits = 2, .connect = IR_CONNECT_LEARNED, .tree_skip = true};
    int64_t v;
    kw_id w;
    if (sv_int(m, KW_BITS, &v)) lm.bits = (int)v;
    if (sv_word(m, KW_CONNECT, &w)) lm.connect = lw_connect(w);
    if (sv_word(m, KW_SKIP, &w)) lm.tree_skip = w == KW_TREE;
    p->tree_skip = lm.tree_skip;
    const eblock *in = lw_sub(m, KW_INPUT), *out = lw_sub(m, KW_OUTPUT);
    p->input_bits = lm.bits;
    if (in && sv_int(in, KW_BITS, &v)) p->input_bits = (int)v;
    if (out && sv_int(out, KW_BITS, &v)) {
        lm.out_bits = (int)v;
        lm.out_at = sv_prop(out, KW_BITS)->u.prop.value->at;
    }
    int n = sv_blocks(m, KW_TREE, NULL, 0);
    if (n == 0) {
        fe_error(fe, lw_at(m),
                 "model '%s' has no trees (add: tree NAME { levels = LUT; "
                 "neurons = N })",
                 m->name);
        return;
    }
    eblock **trees = nltc_arena_alloc(fe->a, (size_t)n * sizeof *trees);
    sv_blocks(m, KW_TREE, trees, n);
    ptr_vec layers = {0};
    int in_width = p->dataset.inputs, bits_in = p->input_bits;
    for (int i = 0; i < n && in_width > 0; i++)
        lw_tree(fe, trees[i], i, i == n - 1, &lm, &in_width, &bits_in, &layers);
    p->n_trees = n;
    p->n_layers = layers.n;
    p->layers = nltc_arena_alloc(fe->a, (size_t)layers.n * sizeof *p->layers);
    for (int i = 0; i < layers.n; i++)
        p->layers[i] = *(ir_layer *)layers.v[i];
    const eblock *last = trees[n - 1];
    if (in_width > 0 && p->dataset.classes && in_width != p->dataset.classes) {
        const ast_item *width =
            sv_prop(last, KW_NEURONS) ? sv_prop(last, KW_NEURONS) : sv_prop(last, KW_LEAVES);
        fe_error(fe, width->u.prop.value->at,
                 "the last tree '%s' has %d roots, but dataset '%s' has %d classes", last->name,
                 in_width, p->dataset.name, p->dataset.classes);
    }
}

/* ---- Training ------------------------------------------------------------------------------ */

/* The constructor word of a value written `word` or `word(args)`; KW_IDENT otherwise. */
static kw_id lw_ctor(const ast_value *v) {
    return v->kind == AV_WORD ? v->u.word.kw : v->kind == AV_CALL ? v->u.call.fn.kw : KW_IDENT;
}

static void lw_optimizer(fe_ctx *fe, const ast_value *v, ir_stage *s) {
    static const sv_arg_spec spec[] = {
        {KW_BETA1, SV_FRACTION, KW_IDENT, 0, 1},
        {KW_BETA2, SV_FRACTION, KW_IDENT, 0, 1},
        {KW_WEIGHT_DECAY, SV_REAL, KW_IDENT, 0, 1000},
    };
    kw_id fn = lw_ctor(v);
    if (fn != KW_ADAM && fn != KW_ADAMW) {
        fe_error(fe, v->at,
                 "adam, adamw or adamw(beta1 = B1, beta2 = B2, weight_decay = W) "
                 "expected for 'optimizer'");
        return;
    }
    s->optimizer = fn == KW_ADAM ? IR_OPT_ADAM : IR_OPT_ADAMW;
    s->beta1 = fn == KW_ADAM ? 0.9 : 0.5;
    s->beta2 = 0.999;
    s->weight_decay = 0;
    if (v->kind != AV_CALL || !sv_check_args(fe, v, spec, 3)) return;
    const ast_value *a;
    if ((a = sv_arg(v, KW_BETA1))) s->beta1 = sv_number(a);
    if ((a = sv_arg(v, KW_BETA2))) s->beta2 = sv_number(a);
    if ((a = sv_arg(v, KW_WEIGHT_DECAY))) s->weight_decay = sv_number(a);
}

static void lw_schedule(fe_ctx *fe, const ast_value *v, ir_stage *s) {
    static const sv_arg_spec spec[] = {
        {KW_RESTART, SV_INT, KW_EPOCHS, 0, 1000000},
        {KW_MULT, SV_REAL, KW_IDENT, 1, 100},
        {KW_LR_MIN, SV_REAL, KW_IDENT, 0, 10},
    };
    kw_id fn = lw_ctor(v);
    s->restart_epochs = 0;
    s->restart_mult = 1;
    s->lr_min = 0;
    if (fn == KW_CONSTANT && v->kind == AV_WORD) {
        s->schedule = IR_SCHED_CONSTANT;
        return;
    }
    if (fn != KW_COSINE) {
        fe_error(fe, v->at,
                 "constant, cosine or cosine(restart = N epochs, mult = M, lr_min = "
                 "L) expected for 'schedule'");
        return;
    }
    s->schedule = IR_SCHED_COSINE;
    if (v->kind != AV_CALL || !sv_check_args(fe, v, spec, 3)) return;
    const ast_value *a;
    if ((a = sv_arg(v, KW_RESTART))) s->restart_epochs = (int)a->u.num.i;
    if ((a = sv_arg(v, KW_MULT))) s->restart_mult = sv_number(a);
    if ((a = sv_arg(v, KW_LR_MIN))) s->lr_min = sv_number(a);
}

static void lw_regularize(fe_ctx *fe, const ast_value *v, ir_stage *s) {
    static const sv_arg_spec spec[] = {
        {KW_WD, SV_REAL, KW_IDENT, 0, 1000},
        {KW_WD1, SV_REAL, KW_IDENT, 0, 1000},
    };
    kw_id fn = lw_ctor(v);
    if (fn == KW_NONE && v->kind == AV_WORD) {
        s->wd = s->wd1 = 0;
        return;
    }
    if (fn != KW_HW) {
        fe_error(fe, v->at, "none or hw(wd = W, wd1 = W1) expected for 'regularize'");
        return;
    }
    s->wd = 1e-4;
    s->wd1 = 0.05;
    if (v->kind != AV_CALL || !sv_check_args(fe, v, spec, 2)) return;
    const ast_value *a;
    if ((a = sv_arg(v, KW_WD))) s->wd = sv_number(a);
    if ((a = sv_arg(v, KW_WD1))) s->wd1 = sv_number(a);
}

/* average = none | ema | ema(decay = D): the decay of the parameter average, 0 for none. */
static double lw_average(fe_ctx *fe, const ast_value *v) {
    static const sv_arg_spec spec[] = {{KW_DECAY, SV_FRACTION, KW_IDENT, 0, 1}};
    kw_id fn = lw_ctor(v);
    if (fn == KW_NONE && v->kind == AV_WORD) return 0;
    if (fn != KW_EMA) {
        fe_error(fe, v->at, "none, ema or ema(decay = D) expected for 'average'");
        return 0;
    }
    double d = 0.9995;
    const ast_value *a;
    if (v->kind == AV_CALL && sv_check_args(fe, v, spec, 1) && (a = sv_arg(v, KW_DECAY))) {
        d = sv_number(a);
        if (!(d > 0 && d < 1)) {
            fe_error(fe, a->at, "the decay of 'average' must be between 0 and 1 (exclusive)");
            return 0;
        }
    }
    return d;
}

/* augment = none | shift | shift(pixels = P): the largest shift of a training image, 0 for
 * none. Shifting needs images, so the dataset must be IDX. */
static int lw_augment(fe_ctx *fe, const ast_value *v, const ir_dataset *ds) {
    static const sv_arg_spec spec[] = {{KW_PIXELS, SV_INT, KW_IDENT, 1, 8}};
    kw_id fn = lw_ctor(v);
    if (fn == KW_NONE && v->kind == AV_WORD) return 0;
    if (fn != KW_SHIFT) {
        fe_error(fe, v->at, "none, shift or shift(pixels = P) expected for 'augment'");
        return 0;
    }
    if (ds->format != IR_DATA_IDX) {
        fe_error(fe, v->at, "'augment = shift' moves images: dataset '%s' is not format = idx",
                 ds->name);
        return 0;
    }
    const ast_value *a;
    if (v->kind == AV_CALL && sv_check_args(fe, v, spec, 1) && (a = sv_arg(v, KW_PIXELS)))
        return (int)sv_number(a);
    return 1;
}

/* Stage properties a block sets (bits of the return value of lw_stage_props). */
enum { LW_SET_EPOCHS = 1, LW_SET_REGULARIZE = 2 };

/* Applies the stage properties of block b (train or stage) to s; *sched: where the
 * schedule was set (for the restart check). Returns the LW_SET_* bits of what b set. */
static int lw_stage_props(fe_ctx *fe, const eblock *b, ir_stage *s, const ast_value **sched) {
    int64_t v;
    const ast_value *x;
    int set = 0;
    if (!b) return 0;
    if (sv_int(b, KW_EPOCHS, &v)) s->epochs = (int)v, set |= LW_SET_EPOCHS;
    if (sv_int(b, KW_BATCH, &v)) s->batch = (int)v;
    sv_real(b, KW_LR, &s->lr);
    if ((x = lw_value(b, KW_OPTIMIZER))) lw_optimizer(fe, x, s);
    if ((x = lw_value(b, KW_SCHEDULE))) lw_schedule(fe, x, s), *sched = x;
    if ((x = lw_value(b, KW_REGULARIZE))) lw_regularize(fe, x, s), set |= LW_SET_REGULARIZE;
    return set;
}

static void lw_train(fe_ctx *fe, const eblock *t, src_range model_at, const ir_program *p,
                     ir_train *tr) {
    int64_t v;
    kw_id w;
    bool learned = false;
    for (int i = 0; i < p->n_layers; i++)
        learned |= p->layers[i].connect == IR_CONNECT_LEARNED;
    tr->seed = 0;
    tr->select = IR_SELECT_VALIDATION;
    if (t && sv_int(t, KW_SEED, &v)) tr->seed = (uint64_t)v;
    if (t && sv_word(t, KW_SELECT, &w)) tr->select = w == KW_LAST ? IR_SELECT_LAST : tr->select;
    const ast_value *avg = t ? lw_value(t, KW_AVERAGE) : NULL;
    tr->average = avg ? lw_average(fe, avg) : 0;
    const ast_value *aug = t ? lw_value(t, KW_AUGMENT) : NULL;
    tr->shift = aug ? lw_augment(fe, aug, &p->dataset) : 0;
    eblock *given[2] = {NULL, NULL}, *stages[8];
    int n = t ? sv_blocks(t, KW_STAGE, stages, 8) : 0;
    for (int i = 0; i < n && i < 8; i++) {
        const ast_word *name = &stages[i]->decl->u.block.name;
        if (name->kw == KW_DENSE || name->kw == KW_SPARSE)
            given[name->kw == KW_SPARSE] = stages[i];
        else
            fe_error(fe, name->at, "unknown stage '%s' (expected dense or sparse)", name->text);
    }
    if (given[0] && !learned)
        fe_warning(fe, given[0]->decl->u.block.name.at,
                   "the dense stage has no effect: no tree has learned connectivity");
    if (!given[0] && learned && n > 0)
        fe_error(fe, lw_at(t),
                 "learned connectivity needs a dense stage (add: stage dense { "
                 "epochs = 25 })");
    /* The train block's stage properties, read once, are the defaults of every stage. */
    ir_stage common = {.batch = 32,
                       .lr = 0.002,
                       .optimizer = IR_OPT_ADAMW,
                       .beta1 = 0.5,
                       .beta2 = 0.999,
                       .schedule = IR_SCHED_COSINE,
                       .restart_mult = 1};
    const ast_value *common_sched = NULL;
    int common_set = lw_stage_props(fe, t, &common, &common_sched);
    bool dense = given[0] || (learned && n == 0);
    tr->n_stages = dense ? 2 : 1;
    tr->stages = nltc_arena_alloc(fe->a, (size_t)tr->n_stages * sizeof *tr->stages);
    for (int i = 0; i < tr->n_stages; i++) {
        ir_stage *s = &tr->stages[i];
        bool is_dense = dense && i == 0;
        *s = common;
        s->kind = is_dense ? IR_STAGE_DENSE : IR_STAGE_SPARSE;
        if (!(common_set & LW_SET_EPOCHS)) s->epochs = is_dense ? 25 : 100;
        if (!(common_set & LW_SET_REGULARIZE) && is_dense) s->wd = 1e-4, s->wd1 = 0.05;
        const ast_value *sched = common_sched;
        lw_stage_props(fe, given[!is_dense], s, &sched);
        if (s->schedule == IR_SCHED_COSINE && s->restart_epochs > s->epochs)
            fe_error(fe, sched->at,
                     "cosine restart period of %d epochs exceeds the %s stage's %d epochs",
                     s->restart_epochs, is_dense ? "dense" : "sparse", s->epochs);
    }
    const ir_dataset *ds = &p->dataset;
    if (tr->select == IR_SELECT_VALIDATION && !ds->valid.path && ds->valid_fraction <= 0) {
        const ast_item *sel = t ? sv_prop(t, KW_SELECT) : NULL;
        fe_error(fe, sel ? sel->u.prop.value->at : model_at,
                 "select = validation needs a validation split, but dataset '%s' has valid = "
                 "0 (give a fraction or file, or select = last)",
                 ds->name);
    }
}

/* ---- Hardware -------------------------------------------------------------------------------- */

static bool lw_verilog_name(const char *s) {
    if (!s[0] || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") ==
           strlen(s);
}

static void lw_hardware(fe_ctx *fe, const eblock *h, ir_hardware *hw) {
    int64_t v;
    kw_id w;
    *hw = (ir_hardware){.lut_inputs = 6,
                        .pipeline = IR_PIPE_TREES,
                        .clock = "clk",
                        .reset = "rst",
                        .reset_style = IR_RESET_SYNC_HIGH};
    if (!h) return;
    if (sv_int(h, KW_LUT_INPUTS, &v)) hw->lut_inputs = (int)v;
    const ast_value *p = lw_value(h, KW_PIPELINE);
    kw_id fn = !p                   ? KW_IDENT
               : p->kind == AV_WORD ? p->u.word.kw
               : p->kind == AV_CALL ? p->u.call.fn.kw
                                    : KW_IDENT;
    if (p && p->kind == AV_WORD && (fn == KW_NONE || fn == KW_EVERY_LAYER || fn == KW_TREES)) {
        hw->pipeline = fn == KW_NONE          ? IR_PIPE_NONE
                       : fn == KW_EVERY_LAYER ? IR_PIPE_EVERY_LAYER
                                              : IR_PIPE_TREES;
    } else if (p && p->kind == AV_CALL && fn == KW_EVERY && p->u.call.n == 1 &&
               !p->u.call.args[0].name.text) {
        const ast_value *k = p->u.call.args[0].value;
        if (sv_check_value(fe, k, SV_INT, KW_IDENT, 1, 1000000, NULL,
                           "the layer count of every()")) {
            hw->pipeline = IR_PIPE_EVERY_K;
            hw->pipeline_k = (int)k->u.num.i;
        }
    } else if (p) {
        fe_error(fe, p->at, "none, every_layer, trees or every(K) expected for 'pipeline'");
    }
    const char *names[2] = {hw->clock, hw->reset};
    static const kw_id keys[2] = {KW_CLOCK, KW_RESET};
    for (int i = 0; i < 2; i++) {
        if (!sv_string(h, keys[i], &names[i])) continue;
        if (!lw_verilog_name(names[i]))
            fe_error(fe, lw_value(h, keys[i])->at,
                     "%s port name \"%s\" is not a Verilog identifier", kw_text(keys[i]), names[i]);
    }
    if (strcmp(names[0], names[1]) == 0)
        fe_error(fe, lw_at(h), "the clock and reset ports are both named \"%s\"", names[0]);
    hw->clock = names[0];
    hw->reset = names[1];
    if (sv_word(h, KW_RESET_STYLE, &w))
        hw->reset_style = w == KW_SYNC_LOW     ? IR_RESET_SYNC_LOW
                          : w == KW_ASYNC_HIGH ? IR_RESET_ASYNC_HIGH
                          : w == KW_ASYNC_LOW  ? IR_RESET_ASYNC_LOW
                                               : IR_RESET_SYNC_HIGH;
}

/* Places the pipeline registers (reg_after) and counts them. */
static void lw_pipeline(ir_program *p) {
    ir_hardware *hw = &p->hw;
    hw->stages = 0;
    for (int i = 0; i < p->n_layers; i++) {
        ir_layer *l = &p->layers[i];
        l->reg_after = ir_reg_after(hw->pipeline, hw->pipeline_k, i, p->n_layers, l->tree_root);
        hw->stages += l->reg_after;
    }
}

/* ---- The model ---------------------------------------------------------------------------------
 */

void fe_check_decls(fe_ctx *fe) {
    /* In source order, imported files first (as fe_declare), so messages come in order. */
    for (int m = fe->modules.n - 1; m >= 0; m--) {
        const ast_file *f = ((fe_module *)fe->modules.v[m])->ast;
        for (int i = 0; i < f->n; i++) {
            fe_decl *d = fe_decl_of(fe, f->items[i]);
            if (d && d->kind == KW_LUT)
                lw_lut_of(fe, d);
            else if (d)
                eb_of_decl(fe, d);
        }
    }
}

ir_program *fe_lower(fe_ctx *fe, fe_decl *model) {
    int before = fe->d.errors;
    eblock *m = eb_of_decl(fe, model);
    if (!m || fe->d.errors > before) return NULL;
    ir_program *p = nltc_arena_alloc(fe->a, sizeof *p);
    const fe_module *main = fe->modules.v[0];
    p->model_name = m->name;
    p->source_path = main->src->path;
    p->n_sources = fe->modules.n;
    p->sources = nltc_arena_alloc(fe->a, (size_t)p->n_sources * sizeof(char *));
    for (int i = 0; i < p->n_sources; i++)
        p->sources[i] = ((fe_module *)fe->modules.v[i])->src->path;

    lw_hardware(fe, lw_sub(m, KW_HARDWARE), &p->hw);
    fe->lut_inputs = p->hw.lut_inputs;
    const eblock *ds = lw_sub(m, KW_DATASET);
    if (ds)
        lw_dataset(fe, ds, &p->dataset);
    else
        fe_error(fe, lw_at(m), "model '%s' has no dataset (add: dataset = NAME)", m->name);
    if (fe->d.errors > before) return NULL;
    lw_trees(fe, m, p);
    if (fe->d.errors > before) return NULL;
    lw_train(fe, lw_sub(m, KW_TRAIN), lw_at(m), p, &p->train);
    if (fe->o->seed_set) p->train.seed = fe->o->seed;
    lw_pipeline(p);
    return fe->d.errors > before ? NULL : p;
}
