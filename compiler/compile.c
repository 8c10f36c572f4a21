/* compile.c - the front-end pipeline, written out in one function:
 * load (read + parse every module) -> declare (global names) -> sweep blocks' placement
 * -> apply the overrides (override.c) -> check every property
 * against the schema -> check every declaration (extends, references, nesting, L-LUTs)
 * -> find the model -> lower (semantic checks, IR) -> verify the IR.
 * Each phase runs only if the ones before it reported no error. */
#include "compiler.h"

static ir_program *cc_run(const char *path, const char *text, size_t len,
                          const nltc_compile_opts *o, nltc_arena *a, nltc_status *st) {
    static const nltc_compile_opts defaults = {0};
    fe_ctx fe = {.a = a, .o = o ? o : &defaults};
    fe.d.out = fe.o->quiet ? NULL : fe.o->diag ? fe.o->diag : stderr;
    fe.d.sink = fe.o->sink;
    fe.d.sink_ctx = fe.o->sink_ctx;
    fe.d.color = fe.o->color;
    ir_program *p = NULL;
    fe_decl *model = NULL;
    bool read = fe_load(&fe, path, text, len);
    if (read && !fe.d.errors) fe_declare(&fe);
    if (read && !fe.d.errors) fe_sweep_block(&fe);
    if (read && !fe.d.errors) fe_apply_overrides(&fe);
    bool declared = read && !fe.d.errors;
    for (int i = 0; declared && i < fe.modules.n; i++)
        sv_check_file(&fe, ((fe_module *)fe.modules.v[i])->ast);
    if (read && !fe.d.errors) fe_check_decls(&fe);
    if (read && !fe.d.errors && !model) model = fe_main_model(&fe);
    if (model && !fe.d.errors) p = fe_lower(&fe, model);
    if (p && ir_verify(p, fe.d.out) > 0) {
        fe.d.errors++;
        p = NULL;
    }
    if (st) *st = (nltc_status){fe.d.errors, fe.d.warnings, !read};
    return p;
}

ir_program *nltc_compile(const char *path, const nltc_compile_opts *o, nltc_arena *a,
                         nltc_status *st) {
    return cc_run(path, NULL, 0, o, a, st);
}

ir_program *nltc_compile_buffer(const char *name, const char *text, size_t len,
                                const nltc_compile_opts *o, nltc_arena *a, nltc_status *st) {
    return cc_run(name, text ? text : "", text ? len : 0, o, a, st);
}
