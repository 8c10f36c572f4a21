/* override.c - property overrides (nltc_override): a value set by path, applied to the
 * parsed files before the schema checks, so an override is checked and lowered exactly as
 * if it were written in the model file (`nltc sweep` configurations, `--set PATH=VALUE`).
 * Also the placement rules of sweep blocks and their items (fe_sweep_block). */
#include "compiler.h"

#include <string.h>

/* The block kinds a path may name, and whether they take a name. */
static const struct {
    kw_id kind;
    bool named;
} ov_kinds[] = {
    {KW_MODEL, false}, {KW_TRAIN, false},  {KW_HARDWARE, false},
    {KW_INPUT, false}, {KW_OUTPUT, false}, {KW_DATASET, false},
    {KW_LUT, true},    {KW_TREE, true},    {KW_STAGE, true},
};
enum { OV_N_KINDS = (int)(sizeof ov_kinds / sizeof ov_kinds[0]) };

/* A path split into its words: block kind (KW_IDENT: none), block name, key. */
typedef struct ov_path {
    kw_id kind;
    const char *name, *key;
} ov_path;

/* Splits path into p; false (with an error at o->path_at) when it is not a path. */
static bool ov_split(fe_ctx *fe, const nltc_override *o, ov_path *p) {
    const char *s = o->path, *dot = strrchr(s, '.');
    *p = (ov_path){.kind = KW_IDENT, .key = dot ? dot + 1 : s};
    bool ok = p->key[0] != '\0';
    for (const char *c = p->key; *c && ok; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
             (c > p->key && *c >= '0' && *c <= '9');
    if (ok && dot) {
        const char *sp = memchr(s, ' ', (size_t)(dot - s));
        if (!sp) sp = memchr(s, '.', (size_t)(dot - s)); /* "tree.t1.neurons" */
        size_t klen = sp ? (size_t)(sp - s) : (size_t)(dot - s);
        p->kind = kw_lookup(s, klen);
        if (sp) p->name = nltc_arena_strndup(fe->a, sp + 1, (size_t)(dot - sp - 1));
        int k = 0;
        while (k < OV_N_KINDS && ov_kinds[k].kind != p->kind)
            k++;
        if (k == OV_N_KINDS) {
            fe_error(fe, o->path_at,
                     "'%.*s' names no block of a model (expected model, train, hardware, input, "
                     "output, dataset, lut NAME, tree NAME or stage NAME)",
                     (int)klen, s);
            return false;
        }
        if (ov_kinds[k].named != (p->name != NULL) || (p->name && !p->name[0])) {
            fe_error(fe, o->path_at,
                     ov_kinds[k].named ? "'%s' needs its name: '%s NAME.%s'"
                                       : "'%s' takes no name: '%s.%s'",
                     kw_text(p->kind), kw_text(p->kind), p->key);
            return false;
        }
    }
    if (!ok) {
        fe_error(fe, o->path_at,
                 "'%s' is not a property path (write KEY, BLOCK.KEY or BLOCK NAME.KEY, e.g. "
                 "'train.lr' or 'lut leaf.fanin')",
                 s);
        return false;
    }
    if (!dot) p->kind = strcmp(p->key, "seed") == 0 ? KW_TRAIN : KW_MODEL;
    return true;
}

/* The block nested in b of kind `kind` (named name, if not NULL), or NULL. */
static ast_item *ov_nested(const ast_item *b, kw_id kind, const char *name) {
    for (int i = 0; i < b->u.block.n; i++) {
        ast_item *it = b->u.block.items[i];
        if (it->kind == AI_BLOCK && it->u.block.kind.kw == kind &&
            (!name || (it->u.block.name.text && strcmp(it->u.block.name.text, name) == 0)))
            return it;
    }
    return NULL;
}

/* The declaration a property `kind = NAME` of b refers to, or NULL. */
static ast_item *ov_referenced(fe_ctx *fe, const ast_item *b, kw_id kind) {
    for (int i = 0; i < b->u.block.n; i++) {
        const ast_item *it = b->u.block.items[i];
        if (it->kind != AI_PROP || it->u.prop.key.kw != kind || it->u.prop.value->kind != AV_WORD)
            continue;
        fe_decl *d = fe_lookup(fe, &it->u.prop.value->u.word, kind);
        return d ? (ast_item *)d->item : NULL;
    }
    return NULL;
}

/* Appends item it to block b. */
static void ov_append(fe_ctx *fe, ast_item *b, ast_item *it) {
    ast_item **items = nltc_arena_alloc(fe->a, (size_t)(b->u.block.n + 1) * sizeof *items);
    if (b->u.block.n) memcpy(items, b->u.block.items, (size_t)b->u.block.n * sizeof *items);
    items[b->u.block.n++] = it;
    b->u.block.items = items;
}

/* The block of kind `kind` (named name) of the model m, looked for in m, in the
 * declaration m names for it, then in m's bases; added to m when absent and create. */
static ast_item *ov_model_block(fe_ctx *fe, ast_item *m, kw_id kind, const char *name, bool create,
                                src_range at) {
    for (ast_item *b = m; b;) {
        ast_item *x = ov_nested(b, kind, name);
        if (!x && !name) x = ov_referenced(fe, b, kind);
        if (x) return x;
        fe_decl *base = b->u.block.base.text ? fe_lookup(fe, &b->u.block.base, KW_MODEL) : NULL;
        b = base ? (ast_item *)base->item : NULL;
    }
    if (!create) return NULL;
    ptr_vec none = {0};
    ast_word kw = {kw_text(kind), kind, at}, nm = {name, KW_IDENT, at}, no = {NULL, KW_IDENT, at};
    ast_item *x = ast_block(fe->a, kw, name ? nm : no, no, &none, at);
    ov_append(fe, m, x);
    return x;
}

/* The block o's path names, or NULL (reported). */
static ast_item *ov_block(fe_ctx *fe, const nltc_override *o, const ov_path *p) {
    if (p->kind == KW_LUT) {
        ast_word w = {p->name, KW_IDENT, o->path_at};
        fe_decl *d = fe_lookup(fe, &w, KW_LUT);
        return d ? (ast_item *)d->item : NULL;
    }
    fe_decl *md = fe_main_model(fe);
    if (!md) return NULL;
    ast_item *m = (ast_item *)md->item;
    if (p->kind == KW_MODEL) return m;
    if (p->kind == KW_TREE) {
        ast_item *t = ov_model_block(fe, m, KW_TREE, p->name, false, o->path_at);
        if (!t) fe_error(fe, o->path_at, "model '%s' has no tree '%s'", md->name, p->name);
        return t;
    }
    ast_item *t =
        ov_model_block(fe, m, p->kind == KW_STAGE ? KW_TRAIN : p->kind, NULL, true, o->path_at);
    if (!t || p->kind != KW_STAGE) return t;
    ast_item *s = ov_nested(t, KW_STAGE, p->name);
    if (s) return s;
    ptr_vec none = {0};
    ast_word kw = {"stage", KW_STAGE, o->path_at}, nm = {p->name, KW_IDENT, o->path_at};
    ast_word no = {NULL, KW_IDENT, o->path_at};
    s = ast_block(fe->a, kw, nm, no, &none, o->path_at);
    ov_append(fe, t, s);
    return s;
}

void fe_apply_overrides(fe_ctx *fe) {
    for (int i = 0; i < fe->o->n_overrides; i++) {
        const nltc_override *o = &fe->o->overrides[i];
        nltc_override parsed;
        if (!o->value) { /* --set PATH=VALUE: parsed here, in the compilation's arena */
            if (!o->text || !nltc_override_parse(fe->a, o->text, &fe->d, &parsed)) continue;
            o = &parsed;
        }
        ov_path p;
        ast_item *b = ov_split(fe, o, &p) ? ov_block(fe, o, &p) : NULL;
        if (!b) continue;
        ast_word key = {nltc_arena_strdup(fe->a, p.key), kw_lookup(p.key, strlen(p.key)),
                        o->path_at};
        bool found = false;
        for (int j = 0; j < b->u.block.n; j++) {
            ast_item *it = b->u.block.items[j];
            if (it->kind != AI_PROP || strcmp(it->u.prop.key.text, p.key) != 0) continue;
            b->u.block.items[j] = ast_prop(fe->a, it->u.prop.key, (ast_value *)o->value);
            found = true;
        }
        if (!found) ov_append(fe, b, ast_prop(fe->a, key, (ast_value *)o->value));
    }
}

bool nltc_override_parse(nltc_arena *a, const char *arg, diag_ctx *d, nltc_override *o) {
    const char *eq = strchr(arg, '=');
    src_file *src = nltc_arena_alloc(a, sizeof *src);
    *src = (src_file){.path = nltc_arena_printf(a, "--set %s", arg),
                      .text = nltc_arena_strdup(a, arg),
                      .len = strlen(arg),
                      .flag = true};
    if (!eq || eq == arg) {
        src_range all = {src, 0, (uint32_t)src->len};
        diag_error(d, all, "expected PATH=VALUE, e.g. 'train.lr=0.002' or 'lut leaf.fanin=4'");
        return false;
    }
    size_t plen = (size_t)(eq - arg);
    while (plen > 0 && arg[plen - 1] == ' ')
        plen--;
    o->path = nltc_arena_strndup(a, arg, plen);
    o->path_at = (src_range){src, 0, (uint32_t)plen};
    const char *key = arg + plen;
    while (key > arg && key[-1] != '.' && key[-1] != ' ')
        key--;
    /* The value is parsed as `KEY = VALUE`, so its messages show the property. */
    src_file *vs = nltc_arena_alloc(a, sizeof *vs);
    *vs = (src_file){.path = src->path, .flag = true};
    vs->text = nltc_arena_printf(a, "%.*s = %s", (int)(arg + plen - key), key, eq + 1);
    vs->len = strlen(vs->text);
    int before = d->errors;
    ast_file *f = lang_parse(a, vs, d);
    if (d->errors > before) return false;
    if (f->n != 1 || f->items[0]->kind != AI_PROP) {
        src_range all = {vs, 0, (uint32_t)vs->len};
        diag_error(d, all, "expected one value after '='");
        return false;
    }
    o->value = f->items[0]->u.prop.value;
    return true;
}

/* Reports sweep items in b (not a sweep block) and sweep blocks nested in it. */
static void ov_check_nested(fe_ctx *fe, const ast_item *b) {
    for (int i = 0; i < b->u.block.n; i++) {
        const ast_item *it = b->u.block.items[i];
        if (it->kind == AI_AXIS || it->kind == AI_WHERE)
            fe_error(fe, it->at, "'%s' belongs in a sweep block",
                     it->kind == AI_AXIS ? "PATH in VALUES" : "where");
        else if (it->kind == AI_BLOCK && it->u.block.kind.kw == KW_SWEEP)
            fe_error(fe, it->u.block.kind.at, "a sweep block belongs at the top level of a file");
        else if (it->kind == AI_BLOCK)
            ov_check_nested(fe, it);
    }
}

const ast_item *fe_sweep_block(fe_ctx *fe) {
    const ast_item *found = NULL;
    for (int m = 0; m < fe->modules.n; m++) {
        const ast_file *f = ((fe_module *)fe->modules.v[m])->ast;
        for (int i = 0; i < f->n; i++) {
            const ast_item *it = f->items[i];
            bool sweep = it->kind == AI_BLOCK && it->u.block.kind.kw == KW_SWEEP;
            if (sweep) {
                for (int j = 0; j < it->u.block.n; j++)
                    if (it->u.block.items[j]->kind == AI_BLOCK)
                        fe_error(fe, it->u.block.items[j]->at,
                                 "a sweep block holds properties, 'PATH in VALUES' and 'where' "
                                 "clauses, not blocks");
                if (m == 0 && found) {
                    fe_error(fe, it->u.block.kind.at, "a file holds one sweep block");
                    diag_note(&fe->d, found->u.block.kind.at, "the first is here");
                }
                if (m == 0 && !found) found = it;
            } else if (it->kind == AI_BLOCK) {
                ov_check_nested(fe, it);
            }
        }
    }
    return found;
}
