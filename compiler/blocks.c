/* blocks.c - global names, `extends`, and merging blocks into effective blocks.
 *
 * Every top-level declaration of every module lives in one name table. An effective
 * block (eblock) is a block with its `extends` base applied: the base's entries first,
 * then this block's items on top (a property replaces the one with the same key, a
 * nested block with the same kind and name is merged item by item, unless it has an
 * `extends` of its own, which replaces it). In a model, `dataset = X` (likewise train,
 * hardware) stands for a nested `dataset extends X {}`. */
#include "compiler.h"

#include <string.h>

/* Kinds that may be declared at the top level, and may be named by `extends`. */
static const kw_id blk_top_kinds[] = {KW_LUT, KW_DATASET, KW_MODEL, KW_TRAIN, KW_HARDWARE};

/* Nested blocks each parent kind allows. */
static const struct blk_nest {
    kw_id parent; /* enclosing block kind */
    kw_id child;  /* allowed nested kind */
    bool named;   /* the child needs a name (else it takes none and is unique) */
} blk_nesting[] = {
    {KW_MODEL, KW_INPUT, false},   {KW_MODEL, KW_OUTPUT, false}, {KW_MODEL, KW_TREE, true},
    {KW_MODEL, KW_DATASET, false}, {KW_MODEL, KW_TRAIN, false},  {KW_MODEL, KW_HARDWARE, false},
    {KW_TRAIN, KW_STAGE, true},
};

static bool blk_is_top(kw_id k) {
    for (size_t i = 0; i < sizeof blk_top_kinds / sizeof *blk_top_kinds; i++)
        if (blk_top_kinds[i] == k) return true;
    return false;
}

static const struct blk_nest *blk_nest_of(kw_id parent, kw_id child) {
    for (size_t i = 0; i < sizeof blk_nesting / sizeof *blk_nesting; i++)
        if (blk_nesting[i].parent == parent && blk_nesting[i].child == child)
            return &blk_nesting[i];
    return NULL;
}

/* "a, b or c": the nested kinds parent allows. */
static const char *blk_nest_list(fe_ctx *fe, kw_id parent) {
    const char *s = "";
    int n = 0, total = 0;
    for (size_t i = 0; i < sizeof blk_nesting / sizeof *blk_nesting; i++)
        total += blk_nesting[i].parent == parent;
    for (size_t i = 0; i < sizeof blk_nesting / sizeof *blk_nesting; i++)
        if (blk_nesting[i].parent == parent) {
            n++;
            s = nltc_arena_printf(fe->a, "%s%s%s", s,
                                  n == 1       ? ""
                                  : n == total ? " or "
                                               : ", ",
                                  kw_text(blk_nesting[i].child));
        }
    return s;
}

/* ---- The name table ------------------------------------------------------------------ */

static uint32_t blk_hash(kw_id kind, const char *s) {
    uint32_t h = 2166136261u ^ (uint32_t)kind;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of kind/name: the declaration, or the empty slot where it would go. */
static fe_decl *blk_slot(fe_ctx *fe, kw_id kind, const char *name) {
    uint32_t mask = (uint32_t)fe->cap_decls - 1, i = blk_hash(kind, name) & mask;
    while (fe->decls[i].name && (fe->decls[i].kind != kind || strcmp(fe->decls[i].name, name) != 0))
        i = (i + 1) & mask;
    return &fe->decls[i];
}

static void blk_grow(fe_ctx *fe) {
    fe_decl *old = fe->decls;
    int old_cap = fe->cap_decls;
    fe->cap_decls = old_cap ? old_cap * 2 : 64;
    fe->decls = nltc_arena_alloc(fe->a, (size_t)fe->cap_decls * sizeof *fe->decls);
    for (int i = 0; i < old_cap; i++)
        if (old[i].name) *blk_slot(fe, old[i].kind, old[i].name) = old[i];
}

/* Reports any import nested inside a block. */
static void blk_no_nested_imports(fe_ctx *fe, const ast_item *b) {
    for (int i = 0; i < b->u.block.n; i++) {
        const ast_item *it = b->u.block.items[i];
        if (it->kind == AI_IMPORT)
            fe_error(fe, it->at, "'import' is only allowed at the top level of a file");
        else if (it->kind == AI_BLOCK)
            blk_no_nested_imports(fe, it);
    }
}

void fe_declare(fe_ctx *fe) {
    /* Imported files first (load order reversed), so a clash is reported in the importer. */
    for (int m = fe->modules.n - 1; m >= 0; m--) {
        const ast_file *f = ((fe_module *)fe->modules.v[m])->ast;
        for (int i = 0; i < f->n; i++) {
            const ast_item *it = f->items[i];
            if (it->kind == AI_IMPORT) continue;
            if (it->kind == AI_AXIS || it->kind == AI_WHERE) {
                fe_error(fe, it->at, "'%s' belongs in a sweep block",
                         it->kind == AI_AXIS ? "PATH in VALUES" : "where");
                continue;
            }
            if (it->kind == AI_BLOCK && it->u.block.kind.kw == KW_SWEEP) continue; /* sweep.c */
            if (it->kind == AI_PROP) {
                fe_error(fe, it->u.prop.key.at,
                         "property '%s' outside a block (expected a declaration: lut, dataset, "
                         "model, train or hardware)",
                         it->u.prop.key.text);
                continue;
            }
            const ast_word *kind = &it->u.block.kind, *name = &it->u.block.name;
            blk_no_nested_imports(fe, it);
            if (!blk_is_top(kind->kw)) {
                if (kind->kw == KW_TREE || kind->kw == KW_INPUT || kind->kw == KW_OUTPUT)
                    fe_error(fe, kind->at, "'%s' blocks belong inside a model", kind->text);
                else if (kind->kw == KW_STAGE)
                    fe_error(fe, kind->at, "'stage' blocks belong inside a train block");
                else
                    fe_error(fe, kind->at,
                             "unknown declaration '%s' (expected lut, dataset, model, train or "
                             "hardware)",
                             kind->text);
                continue;
            }
            if (!name->text) {
                fe_error(fe, kind->at, "a top-level '%s' needs a name: %s NAME { ... }", kind->text,
                         kind->text);
                continue;
            }
            if (2 * (fe->n_decls + 1) > fe->cap_decls) blk_grow(fe);
            fe_decl *d = blk_slot(fe, kind->kw, name->text);
            if (d->name) {
                fe_error(fe, name->at, "redefinition of %s '%s'", kind->text, name->text);
                diag_note(&fe->d, d->item->u.block.name.at, "'%s' was first declared here",
                          name->text);
                continue;
            }
            *d = (fe_decl){.name = name->text, .kind = kind->kw, .item = it};
            fe->n_decls++;
        }
    }
}

fe_decl *fe_decl_of(fe_ctx *fe, const ast_item *it) {
    if (it->kind != AI_BLOCK || !it->u.block.name.text || !fe->cap_decls) return NULL;
    fe_decl *d = blk_slot(fe, it->u.block.kind.kw, it->u.block.name.text);
    return d->item == it ? d : NULL;
}

int fe_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 30 || lb > 30) return 3;
    int row[32];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb] < 3 ? row[lb] : 3;
}

fe_decl *fe_lookup(fe_ctx *fe, const ast_word *w, kw_id kind) {
    if (!fe->cap_decls) blk_grow(fe);
    fe_decl *d = blk_slot(fe, kind, w->text);
    if (d->name) return d;
    for (size_t k = 0; k < sizeof blk_top_kinds / sizeof *blk_top_kinds; k++) {
        const fe_decl *o = blk_slot(fe, blk_top_kinds[k], w->text);
        if (!o->name) continue;
        fe_error(fe, w->at, "'%s' is a %s, not a %s", w->text, kw_text(o->kind), kw_text(kind));
        diag_note(&fe->d, o->item->u.block.name.at, "'%s' is declared here", w->text);
        return NULL;
    }
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; i < fe->cap_decls; i++) {
        const fe_decl *c = &fe->decls[i];
        int dist = c->name && c->kind == kind ? fe_distance(w->text, c->name) : 3;
        if (dist < best_d) best_d = dist, best = c->name;
    }
    if (best)
        fe_error(fe, w->at, "unknown %s '%s' (did you mean '%s'?)", kw_text(kind), w->text, best);
    else
        fe_error(fe, w->at, "unknown %s '%s'", kw_text(kind), w->text);
    return NULL;
}

/* True if a model of the model file other than d names d as its base. */
static bool blk_is_base_in_main(const fe_module *main, const fe_decl *d) {
    for (int i = 0; i < main->ast->n; i++) {
        const ast_item *it = main->ast->items[i];
        if (it != d->item && it->kind == AI_BLOCK && it->u.block.kind.kw == KW_MODEL &&
            it->u.block.base.text && strcmp(it->u.block.base.text, d->name) == 0)
            return true;
    }
    return false;
}

/* The model of module `main` that no other model of it extends (reported when two are). */
static fe_decl *blk_model_of(fe_ctx *fe, const fe_module *main, bool *two) {
    fe_decl *found = NULL;
    for (int i = 0; i < main->ast->n; i++) {
        const ast_item *it = main->ast->items[i];
        if (it->kind != AI_BLOCK || it->u.block.kind.kw != KW_MODEL || !it->u.block.name.text)
            continue;
        fe_decl *d = blk_slot(fe, KW_MODEL, it->u.block.name.text);
        if (d->item != it || blk_is_base_in_main(main, d)) continue;
        if (found) {
            fe_error(fe, it->u.block.name.at,
                     "a model file compiles one model, but '%s' and '%s' are both candidates "
                     "(neither extends the other)",
                     found->name, d->name);
            diag_note(&fe->d, found->item->u.block.name.at, "'%s' is declared here", found->name);
            *two = true;
            return NULL;
        }
        found = d;
    }
    return found;
}

fe_decl *fe_main_model(fe_ctx *fe) {
    const fe_module *main = fe->modules.v[0];
    bool two = false, sweep = false;
    fe_decl *found = blk_model_of(fe, main, &two);
    for (int i = 0; i < main->ast->n; i++)
        sweep |= main->ast->items[i]->kind == AI_BLOCK &&
                 main->ast->items[i]->u.block.kind.kw == KW_SWEEP;
    /* A sweep file without a model sweeps the model of the first file it imports. */
    if (!found && !two && sweep && fe->modules.n > 1)
        found = blk_model_of(fe, fe->modules.v[1], &two);
    if (!found && !two)
        fe_error(fe, (src_range){main->src, 0, 0},
                 "%s declares no model (models of imported files are bases: write "
                 "'model NAME extends BASE { }'%s)",
                 main->src->path,
                 sweep ? "; a sweep file sweeps the model of the file it imports first" : "");
    return found;
}

/* ---- Effective blocks ------------------------------------------------------------------ */

static eblock *eb_new(fe_ctx *fe, kw_id kind, const char *name, const ast_item *decl) {
    eblock *e = nltc_arena_alloc(fe->a, sizeof *e);
    e->kind = kind;
    e->name = name;
    e->decl = decl;
    return e;
}

static eb_entry *eb_push(fe_ctx *fe, eblock *e) {
    if (e->n == e->cap) {
        int cap = e->cap ? 2 * e->cap : 8;
        eb_entry *v = nltc_arena_alloc(fe->a, (size_t)cap * sizeof *v);
        if (e->n) memcpy(v, e->v, (size_t)e->n * sizeof *v);
        e->v = v;
        e->cap = cap;
    }
    return &e->v[e->n++];
}

/* The property `kind` (text name for plain words) or the nested block kind/name of e
 * (name NULL for unnamed kinds); NULL if none. */
static eb_entry *eb_find(eblock *e, bool prop, kw_id kind, const char *name) {
    for (int i = 0; i < e->n; i++) {
        eb_entry *x = &e->v[i];
        if (prop && !x->sub && x->item->u.prop.key.kw == kind &&
            (kind != KW_IDENT || strcmp(x->item->u.prop.key.text, name) == 0))
            return x;
        if (!prop && x->sub && x->sub->kind == kind &&
            (!name || (x->sub->name && strcmp(x->sub->name, name) == 0)))
            return x;
    }
    return NULL;
}

static eblock *eb_from(fe_ctx *fe, const ast_item *b);

/* A deep copy of e (callers overlay their own items on it). */
static eblock *eb_clone(fe_ctx *fe, const eblock *e) {
    eblock *c = eb_new(fe, e->kind, e->name, e->decl);
    c->n = c->cap = e->n;
    c->v = nltc_arena_alloc(fe->a, (size_t)e->n * sizeof *c->v);
    for (int i = 0; i < e->n; i++) {
        c->v[i] = e->v[i];
        if (e->v[i].sub) c->v[i].sub = eb_clone(fe, e->v[i].sub);
    }
    return c;
}

eblock *eb_of_decl(fe_ctx *fe, fe_decl *d) {
    if (d->state == 1) {
        const char *chain = "";
        bool on = false;
        for (int i = 0; i < fe->extends_stack.n; i++) {
            const fe_decl *x = fe->extends_stack.v[i];
            on |= x == d;
            if (on) chain = nltc_arena_printf(fe->a, "%s%s -> ", chain, x->name);
        }
        const fe_decl *last = fe->extends_stack.v[fe->extends_stack.n - 1];
        fe_error(fe, last->item->u.block.base.at, "'%s' extends itself: %s%s", d->name, chain,
                 d->name);
        return NULL;
    }
    if (d->state == 0) {
        d->state = 1;
        ptr_vec_push(fe->a, &fe->extends_stack, d);
        d->eb = eb_from(fe, d->item);
        fe->extends_stack.n--;
        d->state = 2;
    }
    return d->eb ? eb_clone(fe, d->eb) : NULL;
}

static void eb_overlay(fe_ctx *fe, eblock *e, const ast_item *b);

/* Adds or replaces the nested block `sub` (from item) in e; owner holds item. */
static void eb_put_sub(fe_ctx *fe, eblock *e, eb_entry *match, const ast_item *item,
                       const ast_item *owner, eblock *sub) {
    eb_entry *x = match ? match : eb_push(fe, e);
    *x = (eb_entry){item, owner, sub};
}

/* `dataset = X` in a model: a nested block copied from declaration X. */
static void eb_reference(fe_ctx *fe, eblock *e, const ast_item *prop, const ast_item *owner) {
    const ast_word *key = &prop->u.prop.key;
    const ast_value *v = prop->u.prop.value;
    if (v->kind != AV_WORD) {
        fe_error(fe, v->at, "the name of a %s expected after '%s =', found %s", key->text,
                 key->text, ast_value_desc(v));
        return;
    }
    eb_entry *match = eb_find(e, false, key->kw, NULL);
    if (match && match->owner == owner) {
        fe_error(fe, prop->at, "the model's %s is given twice", key->text);
        diag_note(&fe->d, match->item->at, "first given here");
        return;
    }
    fe_decl *d = fe_lookup(fe, &v->u.word, key->kw);
    eblock *sub = d ? eb_of_decl(fe, d) : NULL;
    if (sub) eb_put_sub(fe, e, match, prop, owner, sub);
}

static void eb_overlay_prop(fe_ctx *fe, eblock *e, const ast_item *it, const ast_item *owner) {
    const ast_word *key = &it->u.prop.key;
    const sv_spec *spec = sv_spec_of(e->kind, key->kw);
    if (spec && spec->type == SV_REF) { /* dataset = NAME, train = NAME, hardware = NAME */
        eb_reference(fe, e, it, owner);
        return;
    }
    eb_entry *x = eb_find(e, true, key->kw, key->text);
    if (x && x->owner == owner) {
        fe_error(fe, key->at, "'%s' is given twice", key->text);
        diag_note(&fe->d, x->item->u.prop.key.at, "first given here");
        return;
    }
    if (!x) x = eb_push(fe, e);
    *x = (eb_entry){it, owner, NULL};
}

static void eb_overlay_block(fe_ctx *fe, eblock *e, const ast_item *it, const ast_item *owner) {
    const ast_word *kind = &it->u.block.kind, *name = &it->u.block.name;
    const struct blk_nest *nest = blk_nest_of(e->kind, kind->kw);
    if (!nest) {
        if (blk_is_top(kind->kw) || kind->kw == KW_TREE || kind->kw == KW_INPUT ||
            kind->kw == KW_OUTPUT || kind->kw == KW_STAGE)
            fe_error(fe, kind->at, "a '%s' block is not allowed inside '%s'%s%s%s", kind->text,
                     kw_text(e->kind), blk_nest_list(fe, e->kind)[0] ? " (expected " : "",
                     blk_nest_list(fe, e->kind), blk_nest_list(fe, e->kind)[0] ? ")" : "");
        else if (blk_nest_list(fe, e->kind)[0])
            fe_error(fe, kind->at, "unknown block '%s' in '%s' (expected %s)", kind->text,
                     kw_text(e->kind), blk_nest_list(fe, e->kind));
        else
            fe_error(fe, kind->at, "unknown block '%s': '%s' holds only properties", kind->text,
                     kw_text(e->kind));
        return;
    }
    if (nest->named && !name->text) {
        fe_error(fe, kind->at, "a '%s' needs a name: %s NAME { ... }", kind->text, kind->text);
        return;
    }
    if (!nest->named && name->text) {
        fe_error(fe, name->at,
                 "a nested '%s' takes no name (refer to a declaration with '%s = %s' or '%s "
                 "extends %s { ... }')",
                 kind->text, kind->text, name->text, kind->text, name->text);
        return;
    }
    if (it->u.block.base.text && !blk_is_top(kind->kw)) {
        fe_error(fe, it->u.block.base.at, "a '%s' block cannot use 'extends'", kind->text);
        return;
    }
    eb_entry *match = eb_find(e, false, kind->kw, name->text);
    if (match && match->owner == owner) {
        if (name->text)
            fe_error(fe, name->at, "'%s %s' is given twice", kind->text, name->text);
        else
            fe_error(fe, kind->at, "'%s' is given twice", kind->text);
        diag_note(&fe->d, match->item->at, "first given here");
        return;
    }
    if (match && !it->u.block.base.text) {
        match->item = it;
        match->owner = owner;
        match->sub->decl = it;
        eb_overlay(fe, match->sub, it);
        return;
    }
    eblock *sub = eb_from(fe, it);
    if (sub) eb_put_sub(fe, e, match, it, owner, sub);
}

/* Applies the items of block b on top of e. */
static void eb_overlay(fe_ctx *fe, eblock *e, const ast_item *b) {
    for (int i = 0; i < b->u.block.n; i++) {
        const ast_item *it = b->u.block.items[i];
        if (it->kind == AI_PROP)
            eb_overlay_prop(fe, e, it, b);
        else if (it->kind == AI_BLOCK)
            eb_overlay_block(fe, e, it, b);
    }
}

/* A fresh effective block for block b (its base resolved first). */
static eblock *eb_from(fe_ctx *fe, const ast_item *b) {
    const ast_word *kind = &b->u.block.kind, *base = &b->u.block.base;
    eblock *e;
    if (base->text) {
        fe_decl *d = fe_lookup(fe, base, kind->kw);
        e = d ? eb_of_decl(fe, d) : NULL;
        if (!e) return NULL;
    } else {
        e = eb_new(fe, kind->kw, NULL, b);
    }
    if (b->u.block.name.text) e->name = b->u.block.name.text;
    e->decl = b;
    eb_overlay(fe, e, b);
    return e;
}
