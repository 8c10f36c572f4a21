/* query.c - what an editor asks of a model held in memory (nltc lsp): its declarations and
 * those of every module it imports, and where its imports lead. Reads and parses only
 * (load.c), so it answers for a model with errors too. */
#include "compiler.h"

void nltc_outline_buffer(const char *name, const char *text, size_t len, const nltc_compile_opts *o,
                         nltc_arena *a, nltc_outline *out) {
    nltc_compile_opts quiet = o ? *o : (nltc_compile_opts){0};
    quiet.quiet = true;
    quiet.sink = NULL;
    fe_ctx fe = {.a = a, .o = &quiet};
    fe_load(&fe, name, text ? text : "", text ? len : 0);
    ptr_vec syms = {0}, links = {0};
    for (int i = 0; i < fe.modules.n; i++) {
        const fe_module *m = fe.modules.v[i];
        if (i > 0 && m->importer == fe.modules.v[0]) {
            nltc_link *l = nltc_arena_alloc(a, sizeof *l);
            *l = (nltc_link){m->import_at, m->src};
            ptr_vec_push(a, &links, l);
        }
        for (int k = 0; k < m->ast->n; k++) {
            const ast_item *it = m->ast->items[k];
            if (it->kind != AI_BLOCK || !it->u.block.name.text) continue;
            nltc_symbol *s = nltc_arena_alloc(a, sizeof *s);
            *s = (nltc_symbol){it->u.block.name.text, it->u.block.kind.kw, it->u.block.name.at};
            ptr_vec_push(a, &syms, s);
        }
    }
    *out = (nltc_outline){.model = fe.modules.n ? ((fe_module *)fe.modules.v[0])->src : NULL,
                          .n_symbols = syms.n,
                          .n_links = links.n};
    out->symbols = nltc_arena_alloc(a, sizeof *out->symbols * (size_t)(syms.n + 1));
    out->links = nltc_arena_alloc(a, sizeof *out->links * (size_t)(links.n + 1));
    for (int i = 0; i < syms.n; i++)
        out->symbols[i] = *(nltc_symbol *)syms.v[i];
    for (int i = 0; i < links.n; i++)
        out->links[i] = *(nltc_link *)links.v[i];
}
