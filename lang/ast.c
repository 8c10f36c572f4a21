/* ast.c - constructors of the syntax tree, one per grammar action. */
#include "lang.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static src_range ast_span(src_range a, src_range b) {
    a.end = b.end > a.end ? b.end : a.end;
    return a;
}

ast_value *ast_number(nltc_arena *a, src_range at, const char *text, size_t len, diag_ctx *d) {
    ast_value *v = nltc_arena_alloc(a, sizeof *v);
    char *s = nltc_arena_strndup(a, text, len);
    v->at = at;
    errno = 0;
    if (strpbrk(s, ".eE")) {
        v->kind = AV_REAL;
        v->u.num.r = strtod(s, NULL);
        if (errno == ERANGE && fabs(v->u.num.r) > 1.0)
            diag_error(d, at, "number '%s' is too large", s);
    } else {
        v->kind = AV_INT;
        v->u.num.i = strtoll(s, NULL, 10);
        if (errno == ERANGE) diag_error(d, at, "integer '%s' is too large", s);
        v->u.num.r = (double)v->u.num.i;
    }
    return v;
}

ast_value *ast_with_unit(ast_value *num, ast_unit unit, src_range end) {
    num->u.num.unit = unit;
    num->at = ast_span(num->at, end);
    return num;
}

ast_value *ast_string(nltc_arena *a, src_range at, const char *text) {
    ast_value *v = nltc_arena_alloc(a, sizeof *v);
    v->kind = AV_STRING;
    v->at = at;
    v->u.str = text;
    return v;
}

ast_value *ast_word_value(nltc_arena *a, ast_word w) {
    ast_value *v = nltc_arena_alloc(a, sizeof *v);
    v->kind = AV_WORD;
    v->at = w.at;
    v->u.word = w;
    return v;
}

ast_value *ast_call(nltc_arena *a, ast_word fn, ptr_vec *args, src_range end) {
    ast_value *v = nltc_arena_alloc(a, sizeof *v);
    v->kind = AV_CALL;
    v->at = ast_span(fn.at, end);
    v->u.call.fn = fn;
    v->u.call.n = args->n;
    v->u.call.args = nltc_arena_alloc(a, (size_t)args->n * sizeof(ast_arg));
    for (int i = 0; i < args->n; i++)
        v->u.call.args[i] = *(ast_arg *)args->v[i];
    return v;
}

ast_value *ast_list(nltc_arena *a, ast_value_kind kind, ptr_vec *items, src_range at) {
    ast_value *v = nltc_arena_alloc(a, sizeof *v);
    v->kind = kind;
    v->at = at;
    v->u.list.n = items->n;
    v->u.list.items = (ast_value **)items->v;
    return v;
}

ast_arg *ast_arg_new(nltc_arena *a, ast_word name, ast_value *v) {
    ast_arg *g = nltc_arena_alloc(a, sizeof *g);
    g->name = name;
    g->value = v;
    return g;
}

ast_item *ast_import(nltc_arena *a, src_range at, const char *path, src_range path_at) {
    ast_item *it = nltc_arena_alloc(a, sizeof *it);
    it->kind = AI_IMPORT;
    it->at = ast_span(at, path_at);
    it->u.import.path = path;
    it->u.import.path_at = path_at;
    return it;
}

ast_item *ast_prop(nltc_arena *a, ast_word key, ast_value *v) {
    ast_item *it = nltc_arena_alloc(a, sizeof *it);
    it->kind = AI_PROP;
    it->at = ast_span(key.at, v->at);
    it->u.prop.key = key;
    it->u.prop.value = v;
    return it;
}

ast_item *ast_block(nltc_arena *a, ast_word kind, ast_word name, ast_word base, ptr_vec *items,
                    src_range close) {
    ast_item *it = nltc_arena_alloc(a, sizeof *it);
    it->kind = AI_BLOCK;
    it->at = ast_span(kind.at, close);
    it->u.block.kind = kind;
    it->u.block.name = name;
    it->u.block.base = base;
    it->u.block.n = items->n;
    it->u.block.items = (ast_item **)items->v;
    it->u.block.close = close;
    return it;
}

ast_path ast_path_new(ast_word block, ast_word name, ast_word key, src_range at) {
    return (ast_path){.block = block, .name = name, .key = key, .at = at};
}

ast_item *ast_axis(nltc_arena *a, ast_path path, ast_value *v, bool range, src_range at) {
    ast_item *it = nltc_arena_alloc(a, sizeof *it);
    it->kind = AI_AXIS;
    it->at = at;
    it->u.axis.path = path;
    it->u.axis.value = v;
    it->u.axis.range = range;
    return it;
}

ast_item *ast_where(nltc_arena *a, ast_expr *x, src_range at) {
    ast_item *it = nltc_arena_alloc(a, sizeof *it);
    it->kind = AI_WHERE;
    it->at = at;
    it->u.where = x;
    return it;
}

ast_expr *ast_expr_leaf(nltc_arena *a, ast_value *num, ast_path path, src_range at) {
    ast_expr *x = nltc_arena_alloc(a, sizeof *x);
    x->at = at;
    x->num = num;
    x->path = path;
    return x;
}

ast_expr *ast_expr_op(nltc_arena *a, int op, ast_expr *l, ast_expr *r) {
    ast_expr *x = nltc_arena_alloc(a, sizeof *x);
    x->op = op;
    x->at = ast_span(l->at, r->at);
    x->l = l;
    x->r = r;
    return x;
}

ast_file *ast_file_new(nltc_arena *a, const src_file *src, ptr_vec *items, ptr_vec *comments) {
    ast_file *f = nltc_arena_alloc(a, sizeof *f);
    f->src = src;
    f->n = items->n;
    f->items = (ast_item **)items->v;
    f->n_comments = comments->n;
    f->comments = nltc_arena_alloc(a, (size_t)comments->n * sizeof(src_range));
    for (int i = 0; i < comments->n; i++)
        f->comments[i] = *(src_range *)comments->v[i];
    return f;
}

const char *ast_value_desc(const ast_value *v) {
    switch (v->kind) {
    case AV_INT:
        return "an integer";
    case AV_REAL:
        return "a real number";
    case AV_STRING:
        return "a string";
    case AV_WORD:
        return "a word";
    case AV_CALL:
        return "a call";
    case AV_LIST:
        return "a list";
    case AV_CHAIN:
        return "a chain";
    }
    return "a value";
}
