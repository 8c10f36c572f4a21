/* lower_layers.c - L-LUT shapes and trees: each tree level becomes one ir_layer, with
 * widths from `neurons` or `leaves`, bits and quantizers per level, and connectivity (see
 * lower.h). */
#include "lower.h"
#include "rt.h"

/* ---- L-LUTs -------------------------------------------------------------------------- */

/* kind = mlp | linear | poly(degree = D) | table into l->kind, l->degree; false after
 * errors. */
static bool lw_kind(fe_ctx *fe, const eblock *e, lw_lut *l) {
    const ast_value *v = lw_value(e, KW_KIND);
    l->kind = IR_KIND_MLP;
    if (!v) return true;
    kw_id fn = lw_ctor(v);
    bool word = v->kind == AV_WORD && (fn == KW_MLP || fn == KW_LINEAR || fn == KW_TABLE);
    if (!word && fn != KW_POLY) {
        fe_error(fe, v->at, "mlp, linear, poly(degree = D) or table expected for 'kind', found %s",
                 v->kind == AV_WORD ? nltc_arena_printf(fe->a, "'%s'", v->u.word.text)
                                    : ast_value_desc(v));
        return false;
    }
    if (v->kind == AV_CALL && !sv_check_args(fe, v)) return false;
    LW_ENUM(kind, fn, &l->kind);
    l->degree = fn == KW_POLY ? (int)sv_arg_or_default(KW_POLY, v, KW_DEGREE) : 0;
    return true;
}

/* The sub-network of a kind other than mlp: no hidden MLP; the linear kind is the linear
 * path alone (hidden = 0, skip = linear), the others have no skip path. hidden, depth and
 * skip belong to kind = mlp. */
static void lw_kind_shape(fe_ctx *fe, const eblock *e, lw_lut *l) {
    static const kw_id mlp_only[] = {KW_HIDDEN, KW_DEPTH, KW_SKIP};
    for (int i = 0; i < 3; i++) {
        const ast_item *p = sv_prop(e, mlp_only[i]);
        if (!p) continue;
        fe_error(fe, p->u.prop.key.at, "'%s' belongs to kind = mlp; lut '%s' is kind = %s",
                 kw_text(mlp_only[i]), e->name, ir_kind_word(l->kind));
        l->ok = false;
    }
    l->hidden = l->depth = 0;
    l->skip = l->kind == IR_KIND_LINEAR;
}

const lw_lut *lw_lut_of(fe_ctx *fe, fe_decl *d) {
    if (d->lowered) return d->lowered;
    lw_lut *l = nltc_arena_alloc(fe->a, sizeof *l);
    d->lowered = l;
    l->name = d->name;
    eblock *e = eb_of_decl(fe, d);
    if (!e) return l;
    int64_t v;
    l->ok = true;
    if (sv_int(e, KW_FANIN, &v)) {
        l->fanin = (int)v;
    } else {
        fe_error(fe, lw_at(e), "lut '%s' needs 'fanin' (its inputs per L-LUT)", e->name);
        l->ok = false;
    }
    l->ok &= lw_kind(fe, e, l);
    if (l->kind != IR_KIND_MLP) {
        lw_kind_shape(fe, e, l);
        return l;
    }
    l->hidden = (int)sv_int_or_default(e, KW_LUT, KW_HIDDEN);
    l->depth = l->hidden ? (int)sv_default(KW_LUT, KW_IDENT, KW_DEPTH).num : 0;
    const ast_item *depth = sv_prop(e, KW_DEPTH);
    if (depth && l->hidden == 0) {
        fe_error(fe, depth->u.prop.key.at, "'depth' has no meaning when 'hidden = 0'");
        l->ok = false;
    }
    if (depth && sv_int(e, KW_DEPTH, &v)) l->depth = (int)v;
    l->skip = sv_word_or_default(e, KW_LUT, KW_SKIP) == KW_LINEAR;
    if (!l->skip && l->hidden == 0) {
        fe_error(fe, sv_prop(e, KW_SKIP)->u.prop.value->at,
                 "lut '%s' computes nothing: 'hidden = 0' and 'skip = none'", e->name);
        l->ok = false;
    }
    return l;
}

/* ---- Trees --------------------------------------------------------------------------- */

#define LW_MAX_LEVELS 16

/* What the model says about all trees. */
typedef struct lw_model {
    int bits;             /* default bits of every level */
    ir_connect connect;   /* default leaf connectivity */
    bool tree_skip;       /* tree-level skip connection */
    int out_bits;         /* output { bits }, 0 if not given */
    src_range out_at;     /* where output bits were given */
    bool group_sum;       /* output { head = group_sum(...) } */
    src_range head_at;    /* where the head was given */
    src_range members_at; /* where its members were given (else the head) */
    src_range batches_at; /* where its batches were given (when not shared) */
    src_range connect_at; /* where the model's connect was given (else no file) */
} lw_model;

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
    const sv_spec *spec = sv_spec_of(KW_TREE, key);
    const char *what = nltc_arena_printf(fe->a, "'%s'", kw_text(key));
    bool ok = true;
    for (int i = 0; i < n; i++) {
        if (key == KW_QUANT && el[i]->kind == AV_WORD && el[i]->u.word.kw == KW_HARDTANH)
            fe_error(fe, el[i]->at, "'hardtanh' is the input quantizer (input { quant })"),
                ok = false;
        else
            ok &= sv_check_spec(fe, el[i], spec, what);
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
        if (fe->wide_hint) /* once per model */
            diag_note(&fe->d, at,
                      "most addresses of a wide table never occur on the training data; "
                      "hardware { reduce = dont_care(changes = 0.0005) } makes them "
                      "don't-cares and drops the address bits that change the fewest "
                      "training outputs");
        fe->wide_hint = false;
    }
}

/* The output layer under a group-sum head: 1-bit unsigned codes (IR_Q_RELU). q, bits: the
 * tree's per-level quantizer and bits of this level when given as a list (else NULL). */
static void lw_group_sum_layer(fe_ctx *fe, const lw_model *m, const ast_value *q,
                               const ast_value *bits, ir_layer *l) {
    if (q && q->u.word.kw != KW_RELU)
        fe_error(fe, q->at,
                 "under head = group_sum the output layer gives 1-bit unsigned codes (relu); "
                 "'%s' is not allowed here",
                 q->u.word.text);
    int b = m->out_bits ? m->out_bits : bits ? (int)bits->u.num.i : 1;
    if (b != 1) {
        fe_error(fe, m->out_bits ? m->out_at : bits->at,
                 "a group-sum head counts 1-bit outputs, but the output layer has %d bits", b);
        diag_note(&fe->d, m->head_at, "the head is given here");
    }
    l->quant = IR_Q_RELU;
    l->bits_out = 1;
}

/* A table leaf level with connect = learned: refused (learned masks come from the dense
 * stage's MLP weights, which a table has not); located at the connect that applies. */
static void lw_table_learned(fe_ctx *fe, const eblock *t, const lw_model *m, src_range at) {
    const ast_item *c = sv_prop(t, KW_CONNECT);
    src_range where = c ? c->u.prop.value->at : m->connect_at.file ? m->connect_at : at;
    fe_error(fe, where,
             "the leaves of tree '%s' are kind = table: connect = learned picks inputs from the "
             "dense stage's MLP weights, which a table has not (use connect = mapping, random or "
             "contiguous)",
             t->name);
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
    ir_connect connect = m->connect;
    if (sv_word(t, KW_CONNECT, &cw)) LW_ENUM(connect, cw, &connect);
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
        l->lut = luts[k]->name;
        l->fanin = luts[k]->fanin;
        l->kind = luts[k]->kind;
        l->degree = luts[k]->degree;
        l->hidden = luts[k]->hidden;
        l->depth = luts[k]->depth;
        l->lut_skip = luts[k]->skip;
        l->bits_in = *bits_in;
        l->bits_out = bits ? (int)bits[bits_list ? k : 0]->u.num.i : m->bits;
        l->connect = k > 0 ? IR_CONNECT_CONTIGUOUS : connect;
        const ast_value *q = quant ? quant[quant_list ? k : 0] : NULL;
        if (final && m->group_sum) {
            lw_group_sum_layer(fe, m, q && quant_list ? q : NULL,
                               bits ? bits[bits_list ? k : 0] : NULL, l);
        } else if (final) {
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
            LW_ENUM(quant, q->u.word.kw, &l->quant);
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
        if (k == 0 && l->kind == IR_KIND_TABLE && connect == IR_CONNECT_LEARNED)
            lw_table_learned(fe, t, m, at[0]);
        lw_address(fe, l, at[k]);
        ptr_vec_push(fe->a, layers, l);
        *in_width = w[k];
        *bits_in = l->bits_out;
    }
}

/* ---- Input encoder and output head ---------------------------------------------------- */

/* encode = thermometer(steps = T, thresholds = ...) (call or word e): p->enc_*, in_width. */
static void lw_thermometer(fe_ctx *fe, const ast_value *e, ir_program *p) {
    const ast_value *levels = e->kind == AV_CALL ? sv_arg(e, KW_STEPS) : NULL;
    if (!levels) {
        fe_error(fe, e->at,
                 "a thermometer needs its thresholds per feature: thermometer(steps = T)");
        return;
    }
    p->enc_levels = (int)sv_number(levels);
    LW_ENUM(thresh, sv_arg_word_or_default(KW_THERMOMETER, e, KW_THRESHOLDS), &p->enc_thresholds);
    long long w = (long long)p->dataset.inputs * p->enc_levels;
    if (w > 16777216) {
        fe_error(fe, levels->at, "%d features x %d steps = %lld encoded inputs (at most 16777216)",
                 p->dataset.inputs, p->enc_levels, w);
        return;
    }
    p->in_width = (int)w;
}

/* input { bits, quant, encode }: p->input_bits, encode, enc_*, in_width. */
static void lw_input(fe_ctx *fe, const eblock *in, int model_bits, ir_program *p) {
    int64_t v = 0;
    bool bits_given = in && sv_int(in, KW_BITS, &v);
    p->input_bits = bits_given ? (int)v : model_bits;
    p->in_width = p->dataset.inputs;
    p->encode = IR_ENC_HARDTANH;
    const ast_value *e = lw_value(in, KW_ENCODE);
    if (!e) return;
    kw_id fn = lw_ctor(e);
    bool word = e->kind == AV_WORD && (fn == KW_HARDTANH || fn == KW_BINARIZE);
    if (!word && fn != KW_THERMOMETER) {
        fe_error(fe, e->at,
                 "hardtanh, thermometer(steps = T, thresholds = uniform | quantile) or "
                 "binarize expected for 'encode'");
        return;
    }
    if (e->kind == AV_CALL && !sv_check_args(fe, e)) return;
    LW_ENUM(encode, fn, &p->encode);
    if (p->encode == IR_ENC_HARDTANH) return;
    const ast_item *q = sv_prop(in, KW_QUANT);
    if (q)
        fe_error(fe, q->u.prop.key.at,
                 "'quant' is the hard-tanh encoder's; this input is "
                 "encode = %s",
                 ir_encode_word(p->encode));
    if (bits_given && v != 1)
        fe_error(fe, sv_prop(in, KW_BITS)->u.prop.value->at,
                 "the %s encoder gives 1-bit inputs: 'bits = %d' contradicts it",
                 ir_encode_word(p->encode), (int)v);
    p->input_bits = 1;
    if (p->encode == IR_ENC_THERMOMETER) lw_thermometer(fe, e, p);
}

/* output { head }: p->head, head_tau (head_group follows from the widths); lm->group_sum.
 * False when the head is not one. */
static bool lw_head(fe_ctx *fe, const eblock *out, ir_program *p, lw_model *lm) {
    p->head = IR_HEAD_CODES;
    p->head_group = 1;
    p->head_members = 1;
    p->head_batches = IR_MBATCH_SHARED;
    const ast_value *h = lw_value(out, KW_HEAD);
    if (!h) return true;
    kw_id fn = lw_ctor(h);
    if (!(fn == KW_CODES && h->kind == AV_WORD) && fn != KW_GROUP_SUM) {
        fe_error(fe, h->at, "codes or group_sum(tau = X) expected for 'head'");
        return false;
    }
    LW_ENUM(head, fn, &p->head);
    if (p->head != IR_HEAD_GROUP_SUM) return true;
    lm->group_sum = true;
    lm->head_at = h->at;
    if (h->kind == AV_CALL && !sv_check_args(fe, h)) return true;
    p->head_tau = sv_arg_or_default(KW_GROUP_SUM, h, KW_TAU);
    p->head_members = (int)sv_arg_or_default(KW_GROUP_SUM, h, KW_MEMBERS);
    const ast_value *mv = sv_arg(h, KW_MEMBERS);
    lm->members_at = mv ? mv->at : h->at;
    LW_ENUM(mbatch, sv_arg_word_or_default(KW_GROUP_SUM, h, KW_BATCHES), &p->head_batches);
    if (p->head_batches != IR_MBATCH_SHARED) lm->batches_at = sv_arg(h, KW_BATCHES)->at;
    if (p->head_batches != IR_MBATCH_SHARED && p->head_members < 2) /* written, so found */
        fe_error(fe, lm->batches_at,
                 "'batches = %s' is about the members of the head: it needs members = M with "
                 "M > 1",
                 ir_mbatch_word(p->head_batches));
    const ast_item *q = sv_prop(out, KW_QUANT);
    if (q)
        fe_error(fe, q->u.prop.value->at,
                 "'quant' is the codes head's; under head = group_sum the output layer gives "
                 "1-bit unsigned codes");
    return true;
}

/* The last tree's root count against the classes: equal under head = codes, a multiple
 * (p->head_group per class, split evenly among the head's members) under group_sum. */
static void lw_classes(fe_ctx *fe, const eblock *last, int width, const lw_model *lm,
                       ir_program *p) {
    int classes = p->dataset.classes;
    bool gs = p->head == IR_HEAD_GROUP_SUM;
    if (width <= 0 || !classes) return;
    if (gs && width % classes == 0) {
        p->head_group = width / classes;
        if (p->head_group % p->head_members)
            fe_error(fe, lm->members_at,
                     "a group-sum head of %d members needs groups that split evenly, but the "
                     "last tree '%s' gives %d outputs per class",
                     p->head_members, last->name, p->head_group);
        return;
    }
    if (!gs && width == classes) return;
    const ast_item *w =
        sv_prop(last, KW_NEURONS) ? sv_prop(last, KW_NEURONS) : sv_prop(last, KW_LEAVES);
    if (gs)
        fe_error(fe, w->u.prop.value->at,
                 "the last tree '%s' has %d roots: a group-sum head needs a multiple of "
                 "dataset '%s''s %d classes (G roots per class)",
                 last->name, width, p->dataset.name, classes);
    else
        fe_error(fe, w->u.prop.value->at,
                 "the last tree '%s' has %d roots, but dataset '%s' has %d classes", last->name,
                 width, p->dataset.name, classes);
}

/* batches = separate: each member is the model with every layer's L-LUTs / M, trained alone,
 * and the whole model is assembled from their parameters (runtime/train/members.c); that is
 * exact only when no parameter is shared and every later layer reads codes. */
static void lw_separate(fe_ctx *fe, const lw_model *lm, const ir_program *p) {
    int M = p->head_members;
    if (p->head_batches != IR_MBATCH_SEPARATE || M < 2) return;
    if (p->encode == IR_ENC_HARDTANH)
        fe_error(fe, lm->batches_at,
                 "'batches = separate' trains each member as a model of its own, and the "
                 "members cannot share the input's learned quantizer: it needs an input "
                 "encoder (input { encode = thermometer(...) } or binarize)");
    for (int l = 0; l < p->n_layers; l++) {
        const ir_layer *L = &p->layers[l];
        if (L->out_width % M)
            fe_error(fe, lm->batches_at,
                     "'batches = separate' gives each of the %d members 1/%d of every layer, "
                     "but layer '%s' has %d L-LUTs",
                     M, M, L->name, L->out_width);
        else if (l > 0 && L->kind != IR_KIND_TABLE)
            fe_error(fe, lm->batches_at,
                     "'batches = separate' needs the layers after the first to read codes (kind "
                     "table), but layer '%s' is of kind %s",
                     L->name, ir_kind_word(L->kind));
        else if (L->connect == IR_CONNECT_CONTIGUOUS)
            fe_error(fe, lm->batches_at,
                     "'batches = separate' gives each member its own wires, but layer '%s' is "
                     "wired contiguous (use connect = mapping or random)",
                     L->name);
        else
            continue;
        return;
    }
}

/* Lowers every tree of model m into p->layers. */
void lw_trees(fe_ctx *fe, const eblock *m, ir_program *p) {
    lw_model lm = {.bits = (int)sv_int_or_default(m, KW_MODEL, KW_BITS),
                   .tree_skip = sv_word_or_default(m, KW_MODEL, KW_SKIP) == KW_TREE};
    int64_t v;
    LW_ENUM(connect, sv_word_or_default(m, KW_MODEL, KW_CONNECT), &lm.connect);
    if (sv_prop(m, KW_CONNECT)) lm.connect_at = sv_prop(m, KW_CONNECT)->u.prop.value->at;
    p->tree_skip = lm.tree_skip;
    const eblock *in = lw_sub(m, KW_INPUT), *out = lw_sub(m, KW_OUTPUT);
    lw_input(fe, in, lm.bits, p);
    if (out && sv_int(out, KW_BITS, &v)) {
        lm.out_bits = (int)v;
        lm.out_at = sv_prop(out, KW_BITS)->u.prop.value->at;
    }
    bool head_ok = lw_head(fe, out, p, &lm);
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
    int in_width = p->in_width, bits_in = p->input_bits;
    for (int i = 0; i < n && in_width > 0; i++)
        lw_tree(fe, trees[i], i, i == n - 1, &lm, &in_width, &bits_in, &layers);
    p->n_trees = n;
    p->n_layers = layers.n;
    p->layers = nltc_arena_alloc(fe->a, (size_t)layers.n * sizeof *p->layers);
    for (int i = 0; i < layers.n; i++)
        p->layers[i] = *(ir_layer *)layers.v[i];
    if (head_ok) lw_classes(fe, trees[n - 1], in_width, &lm, p);
    if (head_ok) lw_separate(fe, &lm, p);
}
