/* values.c - value checking against the property schema (schema.def, schema.c).
 *
 * The schema says which properties a block accepts, with each one's type, unit,
 * range and default. sv_check_file checks every property of a file against it, once; the lowering
 * then reads values of effective blocks through the typed getters without re-checking. Properties
 * of type SV_ANY (lists, chains, calls, column references) are checked where they are lowered. */
#include "compiler.h"

#include <math.h>
#include <string.h>

/* "a, b or c" of a KW_IDENT-terminated word list. */
static const char *sv_word_list(nltc_arena *a, const kw_id *w) {
    int n = 0;
    while (w[n] != KW_IDENT)
        n++;
    const char *s = "";
    for (int i = 0; i < n; i++)
        s = nltc_arena_printf(a, "%s%s%s", s,
                              i == 0       ? ""
                              : i == n - 1 ? " or "
                                           : ", ",
                              kw_text(w[i]));
    return s;
}

double sv_number(const ast_value *v) {
    return v->u.num.unit.percent ? v->u.num.r / 100.0 : v->u.num.r;
}

static bool sv_check_unit(fe_ctx *fe, const ast_value *v, sv_type t, kw_id unit, const char *what) {
    const ast_unit *u = &v->u.num.unit;
    if (!u->present) return true;
    if (u->percent && t == SV_FRACTION) return true;
    if (!u->percent && unit != KW_IDENT && u->word.kw == unit) return true;
    const char *given = u->percent ? "%" : u->word.text;
    src_range at = u->word.at;
    if (unit != KW_IDENT)
        fe_error(fe, at, "'%s' is not a unit of %s (expected %s)", given, what, kw_text(unit));
    else if (t == SV_FRACTION)
        fe_error(fe, at, "'%s' is not a unit of %s (expected '%%' or none)", given, what);
    else if (!u->percent && !(kw_roles(u->word.kw) & KWR_UNIT))
        fe_error(fe, at, "unknown unit '%s' after %s (a ';' or line end missing?)", given, what);
    else
        fe_error(fe, at, "%s takes no unit, found '%s'", what, given);
    return false;
}

bool sv_check_value(fe_ctx *fe, const ast_value *v, sv_type t, kw_id unit, double lo, double hi,
                    const kw_id *words, const char *what) {
    switch (t) {
    case SV_INT:
    case SV_REAL:
    case SV_FRACTION: {
        if (v->kind != AV_INT && (v->kind != AV_REAL || t == SV_INT)) {
            fe_error(fe, v->at, "%s expected for %s, found %s",
                     t == SV_INT ? "an integer" : "a number", what, ast_value_desc(v));
            return false;
        }
        if (!sv_check_unit(fe, v, t, unit, what)) return false;
        double x = sv_number(v);
        if (t == SV_FRACTION) lo = 0, hi = 1;
        if (x < lo || x > hi || (t == SV_FRACTION && x >= 1)) {
            if (t == SV_FRACTION)
                fe_error(fe, v->at, "%s must be a fraction in [0, 1) or a percentage, found %.15g",
                         what, x);
            else
                fe_error(fe, v->at, "%s must be between %.15g and %.15g, found %.15g", what, lo, hi,
                         x);
            return false;
        }
        return true;
    }
    case SV_BOOL:
        if (v->kind == AV_WORD && (v->u.word.kw == KW_TRUE || v->u.word.kw == KW_FALSE))
            return true;
        fe_error(fe, v->at, "true or false expected for %s, found %s", what,
                 v->kind == AV_WORD ? nltc_arena_printf(fe->a, "'%s'", v->u.word.text)
                                    : ast_value_desc(v));
        return false;
    case SV_STRING:
        if (v->kind == AV_STRING) return true;
        fe_error(fe, v->at, "a string expected for %s, found %s", what, ast_value_desc(v));
        return false;
    case SV_WORD:
        if (v->kind == AV_WORD)
            for (int i = 0; words[i] != KW_IDENT; i++)
                if (words[i] == v->u.word.kw) return true;
        if (v->kind == AV_WORD)
            fe_error(fe, v->at, "unknown value '%s' for %s (expected %s)", v->u.word.text, what,
                     sv_word_list(fe->a, words));
        else
            fe_error(fe, v->at, "%s expected for %s, found %s", sv_word_list(fe->a, words), what,
                     ast_value_desc(v));
        return false;
    case SV_ANY:
    case SV_REF:
        return true;
    }
    return false;
}

/* "fanin, hidden, ... or skip": the keys a block kind accepts; *near: the closest to word
 * (at most two edits away), or NULL. */
static const char *sv_keys_of(fe_ctx *fe, kw_id block, const char *word, const char **near) {
    const char *s = "";
    int n = 0, total = 0, best = 3, count;
    const sv_spec *t = sv_specs(&count);
    for (int i = 0; i < count; i++)
        total += sv_accepts(block, &t[i]);
    *near = NULL;
    for (int i = 0; i < count; i++) {
        if (!sv_accepts(block, &t[i])) continue;
        const char *k = kw_text(t[i].key);
        n++;
        s = nltc_arena_printf(fe->a, "%s%s%s", s, n == 1 ? "" : n == total ? " or " : ", ", k);
        int d = fe_distance(word, k);
        if (d < best) best = d, *near = k;
    }
    return s;
}

/* Checks one property of a block of kind `block` against the schema. */
static void sv_check_prop(fe_ctx *fe, kw_id block, const ast_item *p) {
    const ast_word *key = &p->u.prop.key;
    const sv_spec *s = sv_spec_of(block, key->kw);
    if (!s) {
        const char *near, *keys = sv_keys_of(fe, block, key->text, &near);
        if (near)
            fe_error(fe, key->at, "unknown property '%s' in '%s' (did you mean '%s'?)", key->text,
                     kw_text(block), near);
        else
            fe_error(fe, key->at, "unknown property '%s' in '%s' (expected %s)", key->text,
                     kw_text(block), keys);
        return;
    }
    if (s->each) return; /* one value or a list: the lowering checks each element */
    sv_check_spec(fe, p->u.prop.value, s, nltc_arena_printf(fe->a, "'%s'", key->text));
}

bool sv_check_spec(fe_ctx *fe, const ast_value *v, const sv_spec *s, const char *what) {
    kw_id words[SV_MAX_WORDS + 1];
    sv_words(s, words);
    if (!sv_check_value(fe, v, s->type, s->unit, s->lo, s->hi, words, what)) return false;
    if (!s->lo_open || sv_number(v) > s->lo) return true;
    fe_error(fe, v->at, "%s must be greater than %.15g, found %.15g", what, s->lo, sv_number(v));
    return false;
}

/* Checks the properties of block b and of the blocks nested in it. Blocks of a kind with
 * no schema are left to blocks.c, which reports them. */
static void sv_check_ast_block(fe_ctx *fe, const ast_item *b) {
    kw_id kind = b->u.block.kind.kw;
    bool known = false;
    int count;
    const sv_spec *t = sv_specs(&count);
    for (int i = 0; i < count && !known; i++)
        known = t[i].block == kind;
    if (!known) return;
    for (int i = 0; i < b->u.block.n; i++) {
        const ast_item *it = b->u.block.items[i];
        if (it->kind == AI_BLOCK) {
            sv_check_ast_block(fe, it);
        } else if (it->kind == AI_PROP) {
            sv_check_prop(fe, kind, it);
        }
    }
}

void sv_check_file(fe_ctx *fe, const ast_file *f) {
    for (int i = 0; i < f->n; i++)
        if (f->items[i]->kind == AI_BLOCK) sv_check_ast_block(fe, f->items[i]);
}

const ast_item *sv_prop(const eblock *b, kw_id key) {
    for (int i = 0; b && i < b->n; i++)
        if (!b->v[i].sub && b->v[i].item->u.prop.key.kw == key) return b->v[i].item;
    return NULL;
}

int sv_blocks(const eblock *b, kw_id kind, eblock **out, int max) {
    int n = 0;
    for (int i = 0; b && i < b->n; i++)
        if (b->v[i].sub && b->v[i].sub->kind == kind) {
            if (n < max) out[n] = b->v[i].sub;
            n++;
        }
    return n;
}

bool sv_int(const eblock *b, kw_id key, int64_t *out) {
    const ast_item *p = sv_prop(b, key);
    if (!p || p->u.prop.value->kind != AV_INT) return false;
    *out = p->u.prop.value->u.num.i;
    return true;
}

bool sv_real(const eblock *b, kw_id key, double *out) {
    const ast_item *p = sv_prop(b, key);
    if (!p || (p->u.prop.value->kind != AV_INT && p->u.prop.value->kind != AV_REAL)) return false;
    *out = sv_number(p->u.prop.value);
    return true;
}

bool sv_bool(const eblock *b, kw_id key, bool *out) {
    const ast_item *p = sv_prop(b, key);
    if (!p || p->u.prop.value->kind != AV_WORD) return false;
    *out = p->u.prop.value->u.word.kw == KW_TRUE;
    return true;
}

bool sv_string(const eblock *b, kw_id key, const char **out) {
    const ast_item *p = sv_prop(b, key);
    if (!p || p->u.prop.value->kind != AV_STRING) return false;
    *out = p->u.prop.value->u.str;
    return true;
}

bool sv_word(const eblock *b, kw_id key, kw_id *out) {
    const ast_item *p = sv_prop(b, key);
    if (!p || p->u.prop.value->kind != AV_WORD) return false;
    *out = p->u.prop.value->u.word.kw;
    return true;
}

const ast_value *sv_arg(const ast_value *call, kw_id name) {
    for (int i = 0; i < call->u.call.n; i++)
        if (call->u.call.args[i].name.text && call->u.call.args[i].name.kw == name)
            return call->u.call.args[i].value;
    return NULL;
}

bool sv_check_args(fe_ctx *fe, const ast_value *call) {
    bool ok = true;
    const char *fn = call->u.call.fn.text;
    int n_spec;
    const sv_arg_spec *spec = sv_args_of(call->u.call.fn.kw, &n_spec);
    for (int i = 0; i < call->u.call.n; i++) {
        const ast_arg *g = &call->u.call.args[i];
        if (!g->name.text) {
            fe_error(fe, g->value->at, "%s() takes named arguments only: name = value", fn);
            ok = false;
            continue;
        }
        bool dup = false;
        for (int j = 0; j < i; j++)
            dup |= call->u.call.args[j].name.text && call->u.call.args[j].name.kw == g->name.kw &&
                   strcmp(call->u.call.args[j].name.text, g->name.text) == 0;
        if (dup) {
            fe_error(fe, g->name.at, "argument '%s' is given twice", g->name.text);
            ok = false;
            continue;
        }
        const sv_arg_spec *s = NULL;
        for (int k = 0; k < n_spec && !s; k++)
            if (spec[k].name == g->name.kw) s = &spec[k];
        if (!s) {
            const char *names = "";
            for (int k = 0; k < n_spec; k++)
                names = nltc_arena_printf(fe->a, "%s%s%s", names,
                                          k == 0            ? ""
                                          : k == n_spec - 1 ? " or "
                                                            : ", ",
                                          kw_text(spec[k].name));
            fe_error(fe, g->name.at, "unknown argument '%s' of %s() (expected %s)", g->name.text,
                     fn, names);
            ok = false;
            continue;
        }
        const char *what = nltc_arena_printf(fe->a, "argument '%s' of %s()", g->name.text, fn);
        kw_id words[SV_MAX_WORDS + 1];
        sv_enum_kws(s->enum_words, words);
        ok &= sv_check_value(fe, g->value, s->type, s->unit, s->lo, s->hi, words, what);
    }
    return ok;
}

kw_id sv_arg_word_or_default(kw_id ctor, const ast_value *v, kw_id name) {
    const ast_value *a = v && v->kind == AV_CALL ? sv_arg(v, name) : NULL;
    if (a && a->kind == AV_WORD) return a->u.word.kw;
    const sv_arg_spec *s = sv_arg_spec_of(ctor, name);
    return s ? s->dflt.word : KW_IDENT;
}

double sv_arg_or_default(kw_id ctor, const ast_value *v, kw_id name) {
    const ast_value *a = v && v->kind == AV_CALL ? sv_arg(v, name) : NULL;
    return a ? sv_number(a) : sv_arg_default(ctor, name);
}

/* ---- Values or defaults ------------------------------------------------------------ */

int64_t sv_int_or_default(const eblock *b, kw_id kind, kw_id key) {
    int64_t v;
    return sv_int(b, key, &v) ? v : (int64_t)sv_default(kind, KW_IDENT, key).num;
}

double sv_real_or_default(const eblock *b, kw_id kind, kw_id key) {
    double v;
    return sv_real(b, key, &v) ? v : sv_default(kind, KW_IDENT, key).num;
}

bool sv_bool_or_default(const eblock *b, kw_id kind, kw_id key) {
    bool v;
    return sv_bool(b, key, &v) ? v : sv_default(kind, KW_IDENT, key).num != 0;
}

const char *sv_string_or_default(const eblock *b, kw_id kind, kw_id key) {
    const char *v;
    return sv_string(b, key, &v) ? v : sv_default(kind, KW_IDENT, key).str;
}

kw_id sv_word_or_default(const eblock *b, kw_id kind, kw_id key) {
    kw_id v;
    return sv_word(b, key, &v) ? v : sv_default(kind, KW_IDENT, key).word;
}
