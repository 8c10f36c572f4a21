/* lower_plan.c - the training plan (stages, optimizer, schedule, regulariser, selection,
 * averaging, augmentation) and the hardware plan (LUT size, pipeline registers, ports);
 * see lower.h. */
#include "lower.h"

#include <string.h>

/* ---- Training ------------------------------------------------------------------------ */

/* optimizer = adam | adamw | adam(...) | adamw(...) (fn): the optimizer and its arguments,
 * each given or the schema's default. */
static void lw_optimizer_set(kw_id fn, const ast_value *v, ir_stage *s) {
    LW_ENUM(optimizer, fn, &s->optimizer);
    s->beta1 = sv_arg_or_default(fn, v, KW_BETA1);
    s->beta2 = sv_arg_or_default(fn, v, KW_BETA2);
    s->weight_decay = sv_arg_or_default(fn, v, KW_WEIGHT_DECAY);
}

static void lw_optimizer(fe_ctx *fe, const ast_value *v, ir_stage *s) {
    kw_id fn = lw_ctor(v);
    if (fn != KW_ADAM && fn != KW_ADAMW) {
        fe_error(fe, v->at,
                 "adam, adamw or adamw(beta1 = B1, beta2 = B2, weight_decay = W) "
                 "expected for 'optimizer'");
        return;
    }
    if (v->kind == AV_CALL && !sv_check_args(fe, v)) return;
    lw_optimizer_set(fn, v, s);
}

/* schedule = constant | cosine | cosine(...) (fn); a constant schedule keeps cosine's
 * defaults in the unused fields. */
static void lw_schedule_set(kw_id fn, const ast_value *v, ir_stage *s) {
    const ast_value *args = fn == KW_COSINE ? v : NULL;
    LW_ENUM(schedule, fn, &s->schedule);
    s->restart_epochs = (int)sv_arg_or_default(KW_COSINE, args, KW_RESTART);
    s->restart_mult = sv_arg_or_default(KW_COSINE, args, KW_MULT);
    s->lr_min = sv_arg_or_default(KW_COSINE, args, KW_LR_MIN);
}

static void lw_schedule(fe_ctx *fe, const ast_value *v, ir_stage *s) {
    kw_id fn = lw_ctor(v);
    if (!(fn == KW_CONSTANT && v->kind == AV_WORD) && fn != KW_COSINE) {
        fe_error(fe, v->at,
                 "constant, cosine or cosine(restart = N epochs, mult = M, lr_min = "
                 "L) expected for 'schedule'");
        return;
    }
    if (v->kind == AV_CALL && !sv_check_args(fe, v)) return;
    lw_schedule_set(fn, v, s);
}

/* regularize = none | hw | hw(...) (fn): the hardware regulariser's weights, 0 for none. */
static void lw_regularize_set(kw_id fn, const ast_value *v, ir_stage *s) {
    s->wd = fn == KW_HW ? sv_arg_or_default(KW_HW, v, KW_WD) : 0;
    s->wd1 = fn == KW_HW ? sv_arg_or_default(KW_HW, v, KW_WD1) : 0;
}

static void lw_regularize(fe_ctx *fe, const ast_value *v, ir_stage *s) {
    kw_id fn = lw_ctor(v);
    if (!(fn == KW_NONE && v->kind == AV_WORD) && fn != KW_HW) {
        fe_error(fe, v->at, "none or hw(wd = W, wd1 = W1) expected for 'regularize'");
        return;
    }
    if (v->kind == AV_CALL && !sv_check_args(fe, v)) return;
    lw_regularize_set(fn, v, s);
}

/* average = none | ema | ema(decay = D): the decay of the parameter average, 0 for none. */
static double lw_average(fe_ctx *fe, const ast_value *v) {
    kw_id fn = lw_ctor(v);
    if (fn == KW_NONE && v->kind == AV_WORD) return 0;
    if (fn != KW_EMA) {
        fe_error(fe, v->at, "none, ema or ema(decay = D) expected for 'average'");
        return 0;
    }
    if (v->kind == AV_CALL && !sv_check_args(fe, v)) return 0;
    double d = sv_arg_or_default(KW_EMA, v, KW_DECAY);
    if (!(d > 0 && d < 1)) {
        fe_error(fe, sv_arg(v, KW_DECAY)->at,
                 "the decay of 'average' must be between 0 and 1 (exclusive)");
        return 0;
    }
    return d;
}

/* augment = none | shift | shift(pixels = P): the largest shift of a training image, 0 for
 * none. Shifting needs images, so the dataset must be IDX. */
static int lw_augment(fe_ctx *fe, const ast_value *v, const ir_dataset *ds) {
    kw_id fn = lw_ctor(v);
    if (fn == KW_NONE && v->kind == AV_WORD) return 0;
    if (fn != KW_SHIFT) {
        fe_error(fe, v->at, "none, shift or shift(pixels = P) expected for 'augment'");
        return 0;
    }
    if (ds->format != IR_DATA_IDX) {
        fe_error(fe, v->at, "'augment = shift' moves images: dataset '%s' is not format = idx",
                 ds->name);
        return 0;
    }
    if (v->kind == AV_CALL && !sv_check_args(fe, v)) return 1;
    return (int)sv_arg_or_default(KW_SHIFT, v, KW_PIXELS);
}

/* Stage properties a block sets (bits of the return value of lw_stage_props). */
enum { LW_SET_EPOCHS = 1, LW_SET_REGULARIZE = 2 };

/* Where a stage's checked properties were set (the train block or the stage's own). */
typedef struct lw_stage_at {
    const ast_value *sched, *freeze;
} lw_stage_at;

/* Applies the stage properties of block b (train or stage) to s; *at: where the schedule
 * and freeze_mapping were set (for their checks). Returns the LW_SET_* bits of what b set. */
static int lw_stage_props(fe_ctx *fe, const eblock *b, ir_stage *s, lw_stage_at *at) {
    int64_t v;
    const ast_value *x;
    int set = 0;
    if (!b) return 0;
    if (sv_int(b, KW_EPOCHS, &v)) s->epochs = (int)v, set |= LW_SET_EPOCHS;
    if (sv_int(b, KW_BATCH, &v)) s->batch = (int)v;
    sv_real(b, KW_LR, &s->lr);
    if ((x = lw_value(b, KW_OPTIMIZER))) lw_optimizer(fe, x, s);
    if ((x = lw_value(b, KW_SCHEDULE))) lw_schedule(fe, x, s), at->sched = x;
    if (sv_int(b, KW_FREEZE_MAPPING, &v))
        s->freeze_mapping = (int)v, at->freeze = lw_value(b, KW_FREEZE_MAPPING);
    if ((x = lw_value(b, KW_REGULARIZE))) lw_regularize(fe, x, s), set |= LW_SET_REGULARIZE;
    return set;
}

/* The stage defaults of the schema (the train block's properties apply on top). */
static ir_stage lw_stage_defaults(void) {
    ir_stage s = {.epochs = (int)sv_default(KW_STAGE, KW_IDENT, KW_EPOCHS).num,
                  .batch = (int)sv_default(KW_STAGE, KW_IDENT, KW_BATCH).num,
                  .lr = sv_default(KW_STAGE, KW_IDENT, KW_LR).num};
    lw_optimizer_set(sv_default(KW_STAGE, KW_IDENT, KW_OPTIMIZER).word, NULL, &s);
    lw_schedule_set(sv_default(KW_STAGE, KW_IDENT, KW_SCHEDULE).word, NULL, &s);
    lw_regularize_set(sv_default(KW_STAGE, KW_IDENT, KW_REGULARIZE).word, NULL, &s);
    return s;
}

/* The given `stage dense` and `stage sparse` blocks of t into given[0], given[1]; returns
 * the number of stage blocks. */
static int lw_stage_blocks(fe_ctx *fe, const eblock *t, bool learned, eblock **given) {
    eblock *stages[8];
    int n = t ? sv_blocks(t, KW_STAGE, stages, 8) : 0;
    for (int i = 0; i < n && i < 8; i++) {
        const ast_word *name = &stages[i]->decl->u.block.name;
        ir_stage_kind kind;
        if (ir_stage_from_word(name->text, &kind))
            given[kind == IR_STAGE_SPARSE] = stages[i];
        else
            fe_error(fe, name->at, "unknown stage '%s' (expected dense or sparse)", name->text);
    }
    if (given[0] && !learned)
        fe_warning(fe, given[0]->decl->u.block.name.at,
                   "the dense stage has no effect: no tree has learned connectivity");
    if (!given[0] && learned && n > 0)
        fe_error(fe, lw_at(t),
                 "learned connectivity needs a dense stage (add: stage dense { "
                 "epochs = 25 })");
    return n;
}

void lw_train(fe_ctx *fe, const eblock *t, src_range model_at, const ir_program *p, ir_train *tr) {
    bool learned = false, mapping = false;
    for (int i = 0; i < p->n_layers; i++) {
        learned |= p->layers[i].connect == IR_CONNECT_LEARNED;
        mapping |= p->layers[i].connect == IR_CONNECT_MAPPING;
    }
    tr->seed = (uint64_t)sv_int_or_default(t, KW_TRAIN, KW_SEED);
    LW_ENUM(select, sv_word_or_default(t, KW_TRAIN, KW_SELECT), &tr->select);
    LW_ENUM(class_weight, sv_word_or_default(t, KW_TRAIN, KW_CLASS_WEIGHT), &tr->class_weight);
    const ast_value *avg = lw_value(t, KW_AVERAGE);
    tr->average = avg ? lw_average(fe, avg) : 0;
    const ast_value *aug = lw_value(t, KW_AUGMENT);
    tr->shift = aug ? lw_augment(fe, aug, &p->dataset) : 0;
    eblock *given[2] = {NULL, NULL};
    int n = lw_stage_blocks(fe, t, learned, given);
    /* The train block's stage properties, read once, are the defaults of every stage. */
    ir_stage common = lw_stage_defaults();
    lw_stage_at common_at = {NULL, NULL};
    int common_set = lw_stage_props(fe, t, &common, &common_at);
    bool dense = given[0] || (learned && n == 0);
    tr->n_stages = dense ? 2 : 1;
    tr->stages = nltc_arena_alloc(fe->a, (size_t)tr->n_stages * sizeof *tr->stages);
    for (int i = 0; i < tr->n_stages; i++) {
        ir_stage *s = &tr->stages[i];
        bool is_dense = dense && i == 0;
        *s = common;
        s->kind = is_dense ? IR_STAGE_DENSE : IR_STAGE_SPARSE;
        kw_id variant = is_dense ? KW_DENSE : KW_SPARSE;
        if (!(common_set & LW_SET_EPOCHS))
            s->epochs = (int)sv_default(KW_STAGE, variant, KW_EPOCHS).num;
        if (!(common_set & LW_SET_REGULARIZE))
            lw_regularize_set(sv_default(KW_STAGE, variant, KW_REGULARIZE).word, NULL, s);
        lw_stage_at at = common_at;
        lw_stage_props(fe, given[!is_dense], s, &at);
        const char *kind = is_dense ? "dense" : "sparse";
        if (s->schedule == IR_SCHED_COSINE && s->restart_epochs > s->epochs)
            fe_error(fe, at.sched->at,
                     "cosine restart period of %d epochs exceeds the %s stage's %d epochs",
                     s->restart_epochs, kind, s->epochs);
        if (s->freeze_mapping > 0 && !mapping)
            fe_error(fe, at.freeze->at,
                     "freeze_mapping fixes learned mappings, but no tree has connect = mapping");
        else if (s->freeze_mapping > s->epochs)
            fe_error(fe, at.freeze->at,
                     "freeze_mapping of %d epochs exceeds the %s stage's %d epochs",
                     s->freeze_mapping, kind, s->epochs);
    }
    const ir_dataset *ds = &p->dataset;
    if (tr->select == IR_SELECT_VALIDATION && !ds->valid.path && ds->valid_fraction <= 0) {
        const ast_item *sel = t ? sv_prop(t, KW_SELECT) : NULL;
        fe_error(fe, sel ? sel->u.prop.value->at : model_at,
                 "select = validation needs a validation split, but dataset '%s' has valid = "
                 "0 (give a fraction or file, or select = last)",
                 ds->name);
    }
}

/* ---- Hardware ------------------------------------------------------------------------ */

static bool lw_verilog_name(const char *s) {
    if (!s[0] || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") ==
           strlen(s);
}

/* reduce = none | dont_care | dont_care(rarity = R, fill = F, changes = C, errors = E,
 * margin = M): R (0 for none), F, C, E and M. */
static void lw_reduce(fe_ctx *fe, const ast_value *v, ir_hardware *hw) {
    kw_id fn = lw_ctor(v);
    if (fn == KW_NONE && v->kind == AV_WORD) return;
    if (fn != KW_DONT_CARE) {
        fe_error(fe, v->at, "none, dont_care or dont_care(rarity = R) expected for 'reduce'");
        return;
    }
    if (v->kind == AV_CALL && !sv_check_args(fe, v)) return;
    hw->reduce_rarity = (long)sv_arg_or_default(KW_DONT_CARE, v, KW_RARITY);
    LW_ENUM(rfill, sv_arg_word_or_default(KW_DONT_CARE, v, KW_FILL), &hw->reduce_fill);
    hw->reduce_changes = sv_arg_or_default(KW_DONT_CARE, v, KW_CHANGES);
    hw->reduce_errors = sv_arg_or_default(KW_DONT_CARE, v, KW_ERRORS);
    hw->reduce_margin = (int)sv_arg_or_default(KW_DONT_CARE, v, KW_MARGIN);
}

/* The LUT size of each target family: lut_inputs' default and its upper bound. */
static int lw_family_lut(ir_target t) {
    return t == IR_TARGET_ICE40 || t == IR_TARGET_ECP5 ? 4 : 6;
}

/* target, part and interface; lut_inputs follows the target unless written, and may not
 * exceed the family's LUT (a smaller K maps onto it) when the target is written. */
static void lw_target(fe_ctx *fe, const eblock *h, ir_hardware *hw) {
    LW_ENUM(target, sv_word_or_default(h, KW_HARDWARE, KW_TARGET), &hw->target);
    LW_ENUM(part, sv_word_or_default(h, KW_HARDWARE, KW_PART), &hw->part);
    LW_ENUM(interface, sv_word_or_default(h, KW_HARDWARE, KW_INTERFACE), &hw->interface);
    int fam = lw_family_lut(hw->target);
    const ast_value *k = lw_value(h, KW_LUT_INPUTS), *t = lw_value(h, KW_TARGET);
    if (!k)
        hw->lut_inputs = fam;
    else if (t && hw->lut_inputs > fam)
        fe_error(fe, k->at,
                 "lut_inputs = %d: target %s has %d-input LUTs (a smaller K maps onto them, a "
                 "larger one does not)",
                 hw->lut_inputs, ir_target_word(hw->target), fam);
    const ast_value *part = lw_value(h, KW_PART);
    if (part && hw->target != IR_TARGET_ICE40)
        fe_error(fe, part->at, "part = %s is an iCE40 part, but the target is %s",
                 ir_part_word(hw->part), ir_target_word(hw->target));
}

void lw_hardware(fe_ctx *fe, const eblock *h, ir_hardware *hw) {
    *hw = (ir_hardware){.lut_inputs = (int)sv_int_or_default(h, KW_HARDWARE, KW_LUT_INPUTS),
                        .clock = sv_string_or_default(h, KW_HARDWARE, KW_CLOCK),
                        .reset = sv_string_or_default(h, KW_HARDWARE, KW_RESET),
                        .argmax = sv_bool_or_default(h, KW_HARDWARE, KW_ARGMAX)};
    lw_target(fe, h, hw);
    LW_ENUM(pipeline, sv_default(KW_HARDWARE, KW_IDENT, KW_PIPELINE).word, &hw->pipeline);
    LW_ENUM(reset, sv_word_or_default(h, KW_HARDWARE, KW_RESET_STYLE), &hw->reset_style);
    const ast_value *p = lw_value(h, KW_PIPELINE);
    kw_id fn = p ? lw_ctor(p) : KW_IDENT;
    ir_pipeline word;
    if (p && p->kind == AV_WORD && ir_pipeline_from_word(kw_text(fn), &word) &&
        word != IR_PIPE_EVERY_K) {
        hw->pipeline = word;
    } else if (p && p->kind == AV_CALL && fn == KW_EVERY && p->u.call.n == 1 &&
               !p->u.call.args[0].name.text) {
        const ast_value *k = p->u.call.args[0].value;
        const sv_arg_spec *a = sv_arg_spec_of(KW_EVERY, KW_IDENT);
        if (sv_check_value(fe, k, a->type, a->unit, a->lo, a->hi, NULL,
                           "the layer count of every()")) {
            hw->pipeline = IR_PIPE_EVERY_K;
            hw->pipeline_k = (int)k->u.num.i;
        }
    } else if (p) {
        fe_error(fe, p->at, "none, every_layer, trees or every(K) expected for 'pipeline'");
    }
    const ast_value *r = lw_value(h, KW_REDUCE);
    if (r) lw_reduce(fe, r, hw);
    if (!h) return;
    const char *names[2] = {hw->clock, hw->reset};
    static const kw_id keys[2] = {KW_CLOCK, KW_RESET};
    for (int i = 0; i < 2; i++) {
        if (!sv_string(h, keys[i], &names[i])) continue;
        if (!lw_verilog_name(names[i]))
            fe_error(fe, lw_value(h, keys[i])->at,
                     "%s port name \"%s\" is not a Verilog identifier", kw_text(keys[i]), names[i]);
    }
    if (strcmp(names[0], names[1]) == 0)
        fe_error(fe, lw_at(h), "the clock and reset ports are both named \"%s\"", names[0]);
    hw->clock = names[0];
    hw->reset = names[1];
}

/* Places the pipeline registers (reg_after) and counts them. */
void lw_pipeline(ir_program *p) {
    ir_hardware *hw = &p->hw;
    hw->stages = 0;
    for (int i = 0; i < p->n_layers; i++) {
        ir_layer *l = &p->layers[i];
        l->reg_after = ir_reg_after(hw->pipeline, hw->pipeline_k, i, p->n_layers, l->tree_root);
        hw->stages += l->reg_after;
    }
}
