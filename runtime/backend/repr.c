/* repr.c - the representation table (be_reprs[]): one row per back end with its check,
 * emitter and verification; the checks run before training, the emitters into OUT. */
#include "backend.h"
#include "reduce.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Tables and reference codes ------------------------------------------------------ */

/* A name the manifest stores: one word without '#'. */
static rt_status check_word(const char *prop, const char *what, const char *s, rt_error *e) {
    if (!*s) return rt_fail_prop(e, RT_ERR_MODEL, prop, "the %s name is empty", what);
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '#')
            return rt_fail_prop(e, RT_ERR_MODEL, prop,
                                "%s name \"%s\" contains a space or '#' (the table manifest "
                                "stores names as words)",
                                what, s);
    return RT_OK;
}

/* dont_care(errors = E > 0) needs what be_reduce_head reduces: a group-sum head on tables
 * of at most 8 address bits, and fill = support. */
static rt_status check_reduce_errors(const ir_program *ir, rt_error *e) {
    if (ir->hw.reduce_errors <= 0) return RT_OK;
    const ir_layer *last = ir->n_layers ? &ir->layers[ir->n_layers - 1] : NULL;
    if (ir->head != IR_HEAD_GROUP_SUM)
        return rt_fail_prop(e, RT_ERR_MODEL, "hardware.reduce",
                            "dont_care(errors = %g) needs output { head = group_sum }: without "
                            "it every output code is the class score",
                            ir->hw.reduce_errors);
    if (!last || last->fanin * last->bits_in > 8)
        return rt_fail_prop(e, RT_ERR_MODEL, "hardware.reduce",
                            "dont_care(errors = %g) needs last-layer L-LUTs of at most 8 address "
                            "bits (fan-in times input bits), not %d",
                            ir->hw.reduce_errors, last ? last->fanin * last->bits_in : 0);
    if (ir->hw.reduce_fill == IR_RFILL_ABC)
        return rt_fail_prop(e, RT_ERR_MODEL, "hardware.reduce",
                            "dont_care(errors = %g) works with fill = support, not fill = abc",
                            ir->hw.reduce_errors);
    return RT_OK;
}

rt_status be_check_tables(const ir_program *ir, rt_error *e) {
    be_plan p;
    be_plan_from_ir(ir, &p);
    rt_status st = be_check_model_name(p.model, e);
    if (!st) st = check_word("model", "model", p.model, e);
    if (!st) st = check_word("hardware.clock", "clock", p.clock, e);
    if (!st) st = check_word("hardware.reset", "reset", p.reset, e);
    for (int l = 0; l < p.n_layers && !st; l++)
        st = check_word("model", "layer", p.layers[l].name, e);
    be_plan_free(&p);
    if (!st) st = be_check_hwio(ir, e);
    if (!st && ir->hw.reduce_rarity > 0 && ir->hw.reduce_fill == IR_RFILL_ABC)
        st = be_reduce_abc_check(e);
    if (!st && ir->hw.reduce_rarity > 0) st = check_reduce_errors(ir, e);
    if (!st && ir->hw.reduce_rarity > 0 && ir->hw.reduce_changes > 0 &&
        ir->hw.reduce_fill == IR_RFILL_ABC)
        st = rt_fail_prop(e, RT_ERR_MODEL, "hardware.reduce",
                          "dont_care(changes = %g) works with fill = support, not fill = abc",
                          ir->hw.reduce_changes);
    return st;
}

rt_status be_emit_tables(const be_input *in, const char *dir, rt_error *e) {
    return be_tables_write(in->tables, in->plan, dir, e);
}

rt_status be_verify_tables(const be_verify_ctx *v, be_repr_checks *r, rt_error *e) {
    (void)e;
    be_check *k = &r->run[0];
    r->n = 1;
    double t0 = rt_now();
    rt_codes got;
    be_lookup_codes(v->tables, v->codes, &got);
    k->ran = true;
    be_compare_codes(v->codes, &got, &k->m);
    k->accuracy =
        be_accuracy(be_codes_out(&got), got.n_samples, be_codes_out_width(&got), got.labels);
    rt_codes_free(&got);
    k->seconds = rt_now() - t0;
    snprintf(k->note, sizeof k->note, "every layer compared");
    return RT_OK;
}

rt_status be_emit_vectors(const be_input *in, const char *dir, rt_error *e) {
    if (!in->codes) return RT_OK;
    BE_TRY(be_codes_check(in->tables, in->codes, e));
    BE_TRY(be_mkdirs(dir, e));
    char *path = rt_path_join(dir, "test.codes");
    rt_status rc = be_codes_write(in->codes, path, e);
    free(path);
    return rc;
}

/* ---- The table ----------------------------------------------------------------------- */

/* The C simulator takes every model: its identifiers come from be_ident. */
const be_repr be_reprs[] = {
    {"tables", "tables", RT_REPR_TABLES, be_check_tables, be_emit_tables, be_verify_tables},
    {"vectors", "vectors", -1, NULL, be_emit_vectors, NULL},
    {"rtl", "rtl", RT_REPR_RTL, be_check_verilog, be_emit_verilog, be_verify_rtl},
    {"csim", "csim", RT_REPR_CSIM, NULL, be_emit_csim, be_verify_csim},
};
const int be_n_reprs = (int)(sizeof be_reprs / sizeof be_reprs[0]);

const be_repr *be_repr_of(rt_repr r) {
    for (int i = 0; i < be_n_reprs; i++)
        if (be_reprs[i].repr == (int)r) return &be_reprs[i];
    return NULL;
}

rt_status be_check_model(const ir_program *ir, rt_error *e) {
    for (int i = 0; i < be_n_reprs; i++)
        if (be_reprs[i].check) BE_TRY(be_reprs[i].check(ir, e));
    return RT_OK;
}

rt_status be_emit_all(const be_input *in, const char *out_dir, rt_error *e) {
    for (int i = 0; i < be_n_reprs; i++) {
        char *dir = rt_path_join(out_dir, be_reprs[i].subdir);
        rt_status rc = be_reprs[i].emit(in, dir, e);
        free(dir);
        if (rc) return rc;
    }
    return RT_OK;
}
