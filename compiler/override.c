/* override.c - property overrides from outside the model file (`nltc --set PATH=VALUE`):
 * each is applied to the parsed model before any check, so it is checked and lowered
 * exactly as if the file had said it.
 *
 * PATH is the schema path of ir_locate ("train.batch", "tree t1.neurons", "lut
 * leaf.fanin", "stage sparse.epochs", "model.bits"), with dots or spaces between its
 * words ("tree.t1.neurons"). The path is walked from the main model's block: an existing
 * nested block is entered, a reference (`train = fast`) becomes the equivalent nested
 * `train extends fast {}`, a missing block is added empty (blocks.c merges it with an
 * inherited one), `stage NAME` is looked for in the model's train block, and `lut NAME`
 * is the top-level declaration. The value replaces the property's value in that block,
 * or is added to it. VALUE is parsed as a property value of the language; diagnostics
 * about it name the override's origin ("nltc: error: --set train.batch=0: ..."). */
#include <string.h>

#include "compiler.h"

/* Whether blocks of kind k need a name in a path. */
static bool ov_named(kw_id k) {
    return k == KW_TREE || k == KW_STAGE || k == KW_LUT;
}

static bool ov_block_kind(kw_id k) {
    return ov_named(k) || k == KW_MODEL || k == KW_DATASET || k == KW_INPUT || k == KW_OUTPUT ||
           k == KW_TRAIN || k == KW_HARDWARE;
}

/* A word of the override's own source (located at the whole override). */
static ast_word ov_word(const char *text, src_range at) {
    return (ast_word){text, text ? kw_lookup(text, strlen(text)) : KW_IDENT, at};
}

static void ov_append(nltc_arena *a, ast_item *b, ast_item *it) {
    int n = b->u.block.n;
    ast_item **v = nltc_arena_alloc(a, (size_t)(n + 1) * sizeof *v);
    if (n) memcpy(v, b->u.block.items, (size_t)n * sizeof *v);
    v[n] = it;
    b->u.block.items = v;
    b->u.block.n = n + 1;
}

/* The nested block `kind name` of b, made if needed (see the file's comment). */
static ast_item *ov_enter(fe_ctx *fe, ast_item *b, kw_id kind, const char *name, src_range at) {
    ast_word none = ov_word(NULL, at);
    for (int i = 0; i < b->u.block.n; i++) {
        ast_item *it = b->u.block.items[i];
        if (it->kind == AI_BLOCK && it->u.block.kind.kw == kind) {
            const char *n = it->u.block.name.text;
            if ((!name && !n) || (name && n && strcmp(name, n) == 0)) return it;
        } else if (!name && it->kind == AI_PROP && it->u.prop.key.kw == kind &&
                   it->u.prop.value->kind == AV_WORD) { /* train = fast */
            ptr_vec empty = {0};
            ast_item *nb = ast_block(fe->a, it->u.prop.key, none, it->u.prop.value->u.word, &empty,
                                     it->u.prop.value->at);
            b->u.block.items[i] = nb;
            return nb;
        }
    }
    ptr_vec empty = {0};
    ast_item *nb =
        ast_block(fe->a, ov_word(kw_text(kind), at), ov_word(name, at), none, &empty, at);
    ov_append(fe->a, b, nb);
    return nb;
}

/* Sets property p (parsed from the override) in block b. */
static void ov_put(ast_item *b, ast_item *p, nltc_arena *a) {
    for (int i = 0; i < b->u.block.n; i++) {
        ast_item *it = b->u.block.items[i];
        if (it->kind == AI_PROP && strcmp(it->u.prop.key.text, p->u.prop.key.text) == 0) {
            b->u.block.items[i] = p;
            return;
        }
    }
    ov_append(a, b, p);
}

/* The words of path, split at dots and spaces, into the arena; returns their count. */
static int ov_split(nltc_arena *a, const char *path, const char **words, int max) {
    int n = 0;
    for (const char *p = path; *p && n < max;) {
        size_t len = strcspn(p, ". ");
        if (len) words[n++] = nltc_arena_strndup(a, p, len);
        p += len;
        while (*p == '.' || *p == ' ')
            p++;
    }
    return n;
}

/* Parses "KEY = VALUE" from the override's own source; NULL after an error. */
static ast_item *ov_parse(fe_ctx *fe, const nltc_override *ov, const char *key) {
    src_file *src = nltc_arena_alloc(fe->a, sizeof *src);
    src->path =
        ov->origin ? ov->origin : nltc_arena_printf(fe->a, "--set %s=%s", ov->path, ov->value);
    src->text = nltc_arena_printf(fe->a, "%s = %s", key, ov->value);
    src->len = strlen(src->text);
    src->flag = true;
    int before = fe->d.errors;
    ast_file *f = lang_parse(fe->a, src, &fe->d);
    if (fe->d.errors > before) return NULL;
    if (f->n != 1 || f->items[0]->kind != AI_PROP) {
        fe_error(fe, (src_range){src, 0, 0}, "expected one value after '='");
        return NULL;
    }
    return f->items[0];
}

static void ov_apply(fe_ctx *fe, ast_item *model, const nltc_override *ov) {
    const char *w[16];
    int n = ov_split(fe->a, ov->path, w, 16);
    ast_item *p = n ? ov_parse(fe, ov, w[n - 1]) : NULL;
    if (!n) {
        src_file *src = nltc_arena_alloc(fe->a, sizeof *src);
        *src = (src_file){.path = ov->origin ? ov->origin : "--set", .text = "", .flag = true};
        fe_error(fe, (src_range){src, 0, 0}, "no property path before '='");
    }
    if (!p) return;
    src_range at = {p->u.prop.key.at.file, 0, 0};
    ast_item *b = model;
    for (int i = 0; i + 1 < n; i++) {
        kw_id k = kw_lookup(w[i], strlen(w[i]));
        if (!ov_block_kind(k)) {
            fe_error(fe, at,
                     "unknown block '%s' in the path (expected model, dataset, input, output, "
                     "train, hardware, tree NAME, stage NAME or lut NAME)",
                     w[i]);
            return;
        }
        const char *name = ov_named(k) && i + 2 < n ? w[++i] : NULL;
        if (ov_named(k) && !name) {
            fe_error(fe, at, "'%s' needs a name in the path: %s.NAME.PROPERTY", w[i], w[i]);
            return;
        }
        if (k == KW_MODEL) {
            b = model;
        } else if (k == KW_LUT) {
            ast_word lw = ov_word(name, at);
            fe_decl *d = fe_lookup(fe, &lw, KW_LUT);
            if (!d) return;
            b = (ast_item *)d->item;
        } else {
            if (k == KW_STAGE && b->u.block.kind.kw == KW_MODEL)
                b = ov_enter(fe, b, KW_TRAIN, NULL, at);
            b = ov_enter(fe, b, k, name, at);
        }
    }
    ov_put(b, p, fe->a);
}

void fe_apply_overrides(fe_ctx *fe, fe_decl *model, const nltc_override *ov, int n) {
    for (int i = 0; i < n && model; i++)
        ov_apply(fe, (ast_item *)model->item, &ov[i]);
}
