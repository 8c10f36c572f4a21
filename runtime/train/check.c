/* check.c - what training checks before it starts: the IR against the data
 * (tr_check_run), and what data-parallel training over several ranks covers (tr_check_dp).
 */
#include "train_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The problems found so far ("; "-separated in one message). */
typedef struct problems {
    rt_buf msg; /* "train: " then the problems */
    int n;      /* how many */
} problems;

static void bad(problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(problems *p, const char *fmt, ...) {
    rt_buf_puts(&p->msg, p->n++ ? "; " : "train: ");
    va_list ap;
    va_start(ap, fmt);
    char *t = rt_vstrfmt(fmt, ap);
    va_end(ap);
    rt_buf_puts(&p->msg, t);
    free(t);
}

/* The IR's layers must chain from the data's inputs to its classes. */
static void check_layers(const ir_program *ir, problems *P) {
#define BAD(...) bad(P, __VA_ARGS__)
    if (ir->input_bits < 1 || ir->input_bits > 8) BAD("input bits %d outside 1..8", ir->input_bits);
    int prev_w = ir->in_width > 0 ? ir->in_width : ir->dataset.inputs, prev_b = ir->input_bits;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        const char *nm = L->name ? L->name : "?";
        if (L->in_width != prev_w)
            BAD("layer %s reads %d values but the previous layer gives %d", nm, L->in_width,
                prev_w);
        if (L->bits_in != prev_b)
            BAD("layer %s reads %d-bit codes but the previous layer gives %d bits", nm, L->bits_in,
                prev_b);
        if (L->out_width < 1 || L->fanin < 1)
            BAD("layer %s needs at least one L-LUT and one input each", nm);
        if (L->bits_out < 1 || L->bits_out > 8)
            BAD("layer %s: output bits %d outside 1..8", nm, L->bits_out);
        if (L->fanin * L->bits_in > 16)
            BAD("layer %s: table address %d bits is over 16", nm, L->fanin * L->bits_in);
        if (L->connect != IR_CONNECT_CONTIGUOUS && L->fanin > L->in_width)
            BAD("layer %s: fan-in %d is more than its %d inputs", nm, L->fanin, L->in_width);
        if (L->support && L->in_width != L->out_width * L->fanin)
            BAD("support layer %s needs in_width == out_width * fanin (%d vs %d*%d)", nm,
                L->in_width, L->out_width, L->fanin);
        if (L->hidden < 0 || (L->hidden > 0 && L->depth < 1))
            BAD("layer %s: hidden width %d with depth %d", nm, L->hidden, L->depth);
        if (L->kind == IR_KIND_MLP && L->hidden == 0 && !L->lut_skip)
            BAD("layer %s: an L-LUT with neither hidden layer nor skip is a constant", nm);
        if (L->kind == IR_KIND_POLY &&
            (L->degree < 1 || L->degree > TR_POLY_MAX_DEGREE || L->hidden != 0 ||
             tr_poly_terms(L->fanin, L->degree) > TR_POLY_MAX_TERMS))
            BAD("layer %s: poly(degree = %d) with fan-in %d and hidden %d (degree 1..%d, at most "
                "%d monomials, no hidden layer)",
                nm, L->degree, L->fanin, L->hidden, TR_POLY_MAX_DEGREE, TR_POLY_MAX_TERMS);
        if (L->quant == IR_Q_HARDTANH)
            BAD("layer %s: the hard-tanh quantizer is for the input only", nm);
        prev_w = L->out_width;
        prev_b = L->bits_out;
    }
    int G = ir->head == IR_HEAD_GROUP_SUM ? ir->head_group : 1;
    if (ir->n_layers > 0 && prev_w != ir->dataset.classes * G)
        BAD("the last layer gives %d values for %d classes of %d", prev_w, ir->dataset.classes, G);
#undef BAD
}

rt_status tr_check_run(const ir_program *ir, const rt_dataset *d, rt_error *e) {
    problems P = {{0}, 0};
#define BAD(...) bad(&P, __VA_ARGS__)
    if (ir->n_layers < 1) BAD("the model has no layers");
    if (d->inputs != ir->dataset.inputs)
        BAD("the data has %d inputs, the model expects %d", d->inputs, ir->dataset.inputs);
    if (d->classes != ir->dataset.classes)
        BAD("the data has %d classes, the model expects %d", d->classes, ir->dataset.classes);
    check_layers(ir, &P);
    int sparse = 0;
    for (int s = 0; s < ir->train.n_stages; s++) {
        const ir_stage *st = &ir->train.stages[s];
        if (st->kind == IR_STAGE_DENSE && s > 0)
            BAD("the dense stage must come first (it is stage %d)", s + 1);
        sparse += st->kind == IR_STAGE_SPARSE;
        if (st->batch < 2)
            BAD("stage %d: batch %d (batch norm needs at least 2)", s + 1, st->batch);
        if (st->epochs < 0) BAD("stage %d: negative epoch count", s + 1);
        if (!(st->lr > 0)) BAD("stage %d: the learning rate must be positive", s + 1);
    }
    if (sparse == 0) BAD("training needs a sparse stage");
    if (ir->train.shift > 0 &&
        !(d->blank && d->img_w > ir->train.shift && d->img_h > ir->train.shift))
        BAD("augment = shift(pixels = %d) needs images larger than the shift, with one input per "
            "pixel (IDX files of 2-D images, not binarized)",
            ir->train.shift);
    if (d->train.n < 2) BAD("the training split has %d samples", d->train.n);
    const rt_split *sp[3] = {&d->train, &d->valid, &d->test};
    const char *spn[3] = {"training", "validation", "test"};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < sp[k]->n; i++)
            if (sp[k]->y[i] < 0 || sp[k]->y[i] >= d->classes) {
                BAD("%s sample %d has label %d outside 0..%d", spn[k], i, sp[k]->y[i],
                    d->classes - 1);
                break;
            }
#undef BAD
    if (P.n == 0) return RT_OK;
    char *msg = rt_buf_take(&P.msg);
    rt_fail(e, RT_ERR_MODEL, "%s", msg);
    free(msg);
    return RT_ERR_MODEL;
}

rt_status tr_check_dp(const ir_program *ir, int ranks, rt_error *e) {
    if (ranks <= 1) return RT_OK;
    char prop[160];
    for (int i = 0; i < ir->n_layers; i++) {
        const ir_layer *l = &ir->layers[i];
        const char *what = l->kind == IR_KIND_TABLE           ? "kind = table"
                           : l->connect == IR_CONNECT_MAPPING ? "connect = mapping"
                                                              : NULL;
        if (!what) continue;
        snprintf(prop, sizeof prop, "lut %s.kind", l->lut ? l->lut : "?");
        return rt_fail_prop(e, RT_ERR_USAGE, l->kind == IR_KIND_TABLE ? prop : "",
                            "layer %s: %s is not covered by data-parallel training over %d "
                            "ranks yet; train it as one process (mpirun -np 1)",
                            l->name, what, ranks);
    }
    if (ir->head == IR_HEAD_GROUP_SUM)
        return rt_fail_prop(e, RT_ERR_USAGE, "output.head",
                            "head = group_sum is not covered by data-parallel training over %d "
                            "ranks yet; train it as one process (mpirun -np 1)",
                            ranks);
    return RT_OK;
}
