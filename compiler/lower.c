/* lower.c - semantic checks of the main model and its lowering to the IR (ir.h): the
 * shared helpers, the model itself, and the source location of every property.
 *
 * Works on effective blocks (blocks.c) whose properties were checked against the schema
 * (values.c). Fills every default, resolves data paths, derives each layer's widths from
 * its tree, its quantizer from the tree-level skip rule, the training stages from the
 * connectivity, and the pipeline registers from the hardware plan; lower.h says which
 * file does what. */
#include "lower.h"

/* ---- Helpers ------------------------------------------------------------------------ */

src_range lw_at(const eblock *b) {
    const ast_item *d = b->decl;
    return d->u.block.name.text ? d->u.block.name.at : d->u.block.kind.at;
}

const ast_value *lw_value(const eblock *b, kw_id key) {
    const ast_item *p = sv_prop(b, key);
    return p ? p->u.prop.value : NULL;
}

eblock *lw_sub(const eblock *b, kw_id k) {
    eblock *e = NULL;
    return sv_blocks(b, k, &e, 1) ? e : NULL;
}

const ast_value *const *lw_elems(const ast_value *const *vp, int *n) {
    const ast_value *v = *vp;
    if (v->kind == AV_LIST || v->kind == AV_CHAIN) {
        *n = v->u.list.n;
        return (const ast_value *const *)v->u.list.items;
    }
    *n = 1;
    return vp;
}

kw_id lw_ctor(const ast_value *v) {
    return v->kind == AV_WORD ? v->u.word.kw : v->kind == AV_CALL ? v->u.call.fn.kw : KW_IDENT;
}

/* ---- Source locations --------------------------------------------------------------- */

/* The schema path of block b's properties: "<kind>" for blocks a model has once (model,
 * dataset, input, output, train, hardware), "<kind> <name>" for those it may have many of
 * (lut, tree, stage); see ir.h. */
static const char *lw_loc_prefix(fe_ctx *fe, const eblock *b) {
    bool named = b->kind == KW_LUT || b->kind == KW_TREE || b->kind == KW_STAGE;
    const char *name = b->decl->u.block.name.text;
    return named && name ? nltc_arena_printf(fe->a, "%s %s", kw_text(b->kind), name)
                         : kw_text(b->kind);
}

static ir_srcloc *lw_loc_new(fe_ctx *fe, const char *prop, src_range at) {
    ir_srcloc *l = nltc_arena_alloc(fe->a, sizeof *l);
    l->prop = prop;
    l->file = at.file ? at.file->path : "";
    if (at.file && !at.file->flag) /* a --set override: line 0, the flag as file */
        src_line_col(at.file, at.begin, &l->line, &l->col);
    return l;
}

/* Records where each property of b and of its nested blocks was written (its value). */
static void lw_locs_block(fe_ctx *fe, const eblock *b, ptr_vec *out) {
    const char *prefix = lw_loc_prefix(fe, b);
    for (int i = 0; i < b->n; i++) {
        const eb_entry *e = &b->v[i];
        if (e->sub) {
            lw_locs_block(fe, e->sub, out);
            continue;
        }
        const ast_item *p = e->item;
        const char *path = nltc_arena_printf(fe->a, "%s.%s", prefix, p->u.prop.key.text);
        ptr_vec_push(fe->a, out, lw_loc_new(fe, path, p->u.prop.value->at));
    }
}

/* Fills p->locs (the model's properties and those of every valid lut) and p->model_loc. */
static void lw_locs(fe_ctx *fe, const eblock *m, ir_program *p) {
    ptr_vec v = {0};
    lw_locs_block(fe, m, &v);
    for (int i = 0; i < fe->cap_decls; i++) {
        const fe_decl *d = &fe->decls[i];
        if (d->name && d->kind == KW_LUT && d->eb && d->lowered) lw_locs_block(fe, d->eb, &v);
    }
    ir_srcloc *locs = nltc_arena_alloc(fe->a, (size_t)(v.n ? v.n : 1) * sizeof *locs);
    for (int i = 0; i < v.n; i++)
        locs[i] = *(ir_srcloc *)v.v[i];
    p->locs = locs;
    p->n_locs = v.n;
    p->model_loc = lw_loc_new(fe, "model", lw_at(m));
}

/* ---- The model ---------------------------------------------------------------------- */

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
    fe->wide_hint = p->hw.reduce_rarity == 0;
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
    lw_locs(fe, m, p);
    return fe->d.errors > before ? NULL : p;
}
