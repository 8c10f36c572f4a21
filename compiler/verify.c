/* verify.c - the IR verifier: checks the invariants listed in ir.h after lowering, so a
 * front-end bug shows up here and not as a wrong table in the back end. */
#include "compiler.h"

#include <stdarg.h>

/* Counts a violation and prints it. */
static void vf_fail(int *n, FILE *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void vf_fail(int *n, FILE *err, const char *fmt, ...) {
    (*n)++;
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("nltc: IR verification: ", err);
    vfprintf(err, fmt, ap);
    fputc('\n', err);
    va_end(ap);
}

int ir_verify(const ir_program *p, FILE *err) {
    int n = 0;
    const ir_dataset *d = &p->dataset;
    if (p->n_layers < 1 || !p->layers) {
        vf_fail(&n, err, "no layers");
        return n;
    }
    if (d->inputs < 1 || d->classes < 2)
        vf_fail(&n, err, "dataset shape %d -> %d", d->inputs, d->classes);
    if (!d->train.path) vf_fail(&n, err, "dataset has no training source");
    if (d->n_class_names != 0 && d->n_class_names != d->classes)
        vf_fail(&n, err, "%d class names for %d classes", d->n_class_names, d->classes);
    if (p->input_bits < 1 || p->input_bits > 8) vf_fail(&n, err, "input bits %d", p->input_bits);
    int enc_width = p->encode == IR_ENC_THERMOMETER ? d->inputs * p->enc_levels : d->inputs;
    if (p->in_width != enc_width)
        vf_fail(&n, err, "encoded input width %d, expected %d", p->in_width, enc_width);
    if (p->encode != IR_ENC_HARDTANH && p->input_bits != 1)
        vf_fail(&n, err, "the %s encoder with %d-bit codes", ir_encode_name(p->encode),
                p->input_bits);
    if ((p->encode == IR_ENC_THERMOMETER) != (p->enc_levels >= 1))
        vf_fail(&n, err, "encoder %s with %d levels", ir_encode_name(p->encode), p->enc_levels);
    int stages = 0, tree = 0;
    for (int i = 0; i < p->n_layers; i++) {
        const ir_layer *l = &p->layers[i];
        int in = i ? p->layers[i - 1].out_width : p->in_width;
        int bits = i ? p->layers[i - 1].bits_out : p->input_bits;
        if (l->in_width != in)
            vf_fail(&n, err, "layer %s: in_width %d, previous width %d", l->name, l->in_width, in);
        if (l->bits_in != bits)
            vf_fail(&n, err, "layer %s: bits_in %d, previous bits %d", l->name, l->bits_in, bits);
        if (l->bits_in < 1 || l->bits_in > 8 || l->bits_out < 1 || l->bits_out > 8)
            vf_fail(&n, err, "layer %s: bits %d->%d outside 1..8", l->name, l->bits_in,
                    l->bits_out);
        if (l->fanin < 1 || l->fanin * l->bits_in > 16)
            vf_fail(&n, err, "layer %s: table address %d x %d bits", l->name, l->fanin, l->bits_in);
        if (l->out_width < 1) vf_fail(&n, err, "layer %s: width %d", l->name, l->out_width);
        if (l->support &&
            (l->in_width != l->out_width * l->fanin || l->connect != IR_CONNECT_CONTIGUOUS))
            vf_fail(&n, err, "layer %s: support layer reads %d != %d x %d contiguously", l->name,
                    l->in_width, l->out_width, l->fanin);
        if (!l->support && l->connect != IR_CONNECT_CONTIGUOUS && l->fanin > l->in_width)
            vf_fail(&n, err, "layer %s: fan-in %d > %d inputs", l->name, l->fanin, l->in_width);
        if (l->support != (l->level > 0))
            vf_fail(&n, err, "layer %s: support flag and level %d disagree", l->name, l->level);
        bool mlp = l->kind == IR_KIND_MLP;
        if (l->hidden < 0 || (l->hidden > 0) != (l->depth >= 1) ||
            (!l->hidden && !l->lut_skip && (mlp || l->kind == IR_KIND_LINEAR)) ||
            (!mlp && l->hidden) || (l->kind == IR_KIND_LINEAR && !l->lut_skip))
            vf_fail(&n, err, "layer %s: kind %s, sub-network hidden %d depth %d", l->name,
                    ir_kind_name(l->kind), l->hidden, l->depth);
        if ((l->kind == IR_KIND_POLY) != (l->degree >= 1 && l->degree <= 4))
            vf_fail(&n, err, "layer %s: kind %s with degree %d", l->name, ir_kind_name(l->kind),
                    l->degree);
        if (l->connect == IR_CONNECT_LEARNED && l->kind == IR_KIND_TABLE)
            vf_fail(&n, err, "layer %s: learned connectivity of a table", l->name);
        if (l->level == 0 && i > 0) tree++;
        if (l->tree != tree)
            vf_fail(&n, err, "layer %s: tree index %d, expected %d", l->name, l->tree, tree);
        bool root = i == p->n_layers - 1 || p->layers[i + 1].level == 0;
        if (l->tree_root != root) vf_fail(&n, err, "layer %s: tree_root flag", l->name);
        stages += l->reg_after;
    }
    const ir_layer *last = &p->layers[p->n_layers - 1];
    bool gs = p->head == IR_HEAD_GROUP_SUM;
    if (p->head_group < 1 || (!gs && p->head_group != 1) || (gs && !(p->head_tau > 0)) ||
        p->head_members < 1 || p->head_group % p->head_members || (!gs && p->head_members != 1) ||
        (p->head_batches != IR_MBATCH_SHARED && p->head_members < 2))
        vf_fail(&n, err, "head %s group %d tau %g members %d batches %s", ir_head_name(p->head),
                p->head_group, p->head_tau, p->head_members, ir_mbatch_name(p->head_batches));
    bool separate = p->head_batches == IR_MBATCH_SEPARATE;
    if (separate && p->encode == IR_ENC_HARDTANH)
        vf_fail(&n, err, "separate members over the hard-tanh input quantizer");
    for (int i = 0; separate && i < p->n_layers; i++)
        if (p->layers[i].out_width % p->head_members || (i && p->layers[i].kind != IR_KIND_TABLE) ||
            p->layers[i].connect == IR_CONNECT_CONTIGUOUS)
            vf_fail(&n, err, "layer %s: not one of %d separate members", p->layers[i].name,
                    p->head_members);
    if (last->out_width != d->classes * p->head_group)
        vf_fail(&n, err, "last layer width %d != %d classes x %d", last->out_width, d->classes,
                p->head_group);
    if (!gs && last->quant != IR_Q_IDENTITY)
        vf_fail(&n, err, "last layer quantizer is not identity");
    if (gs && (last->quant != IR_Q_RELU || last->bits_out != 1))
        vf_fail(&n, err, "group-sum head over %d-bit %s outputs", last->bits_out,
                ir_quant_name(last->quant));
    if (tree + 1 != p->n_trees) vf_fail(&n, err, "%d trees, n_trees %d", tree + 1, p->n_trees);
    if (stages != p->hw.stages)
        vf_fail(&n, err, "%d registered layers, hw.stages %d", stages, p->hw.stages);
    if (p->train.n_stages < 1 || p->train.stages[p->train.n_stages - 1].kind != IR_STAGE_SPARSE)
        vf_fail(&n, err, "training plan does not end with a sparse stage");
    for (int i = 1; i < p->train.n_stages; i++)
        if (p->train.stages[i].kind == IR_STAGE_DENSE)
            vf_fail(&n, err, "dense stage %d is not first", i);
    return n;
}
