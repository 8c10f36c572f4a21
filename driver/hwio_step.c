/* hwio_step.c - the flow's encoder-and-head step (hwio_step.h). */
#include "hwio_step.h"

#include <stdio.h>
#include <stdlib.h>

bool nltc_hwio_encoder(const ir_program *ir) {
    const ir_dataset *ds = &ir->dataset;
    return (ir->encode == IR_ENC_THERMOMETER || ir->encode == IR_ENC_BINARIZE) &&
           ds->n_categorical == 0 && ds->binarize_bits == 0;
}

rt_status nltc_hwio_format(const ir_program *ir, const rt_dataset *d, const data_info *info,
                           be_raw_map *m, rt_error *e) {
    *m = (be_raw_map){d->inputs,         0,           0,        false, ir->dataset.scale,
                      ir->dataset.log1p, info->shift, info->mul};
    if (!nltc_hwio_encoder(ir)) return RT_OK;
    return be_raw_format(d, m, e);
}

rt_status nltc_flow_hwio(const ir_program *ir, const rt_dataset *d, const be_raw_map *m,
                         rt_tables *t, rt_codes *c, bool quiet, rt_error *e) {
    const float *thr =
        t->enc.encode && t->enc.levels == (ir->encode == IR_ENC_THERMOMETER ? ir->enc_levels : 1)
            ? t->enc.thresholds
            : NULL;
    be_hwio_spec s = {ir->head == IR_HEAD_GROUP_SUM ? ir->head_group : 0, NULL, NULL, m, &d->test};
    int n = t->n_inputs, per = ir->encode == IR_ENC_THERMOMETER ? ir->enc_levels : 1;
    int *feature = xmalloc(sizeof *feature * (size_t)n);
    float *zero = xcalloc((size_t)n, sizeof *zero); /* binarize: x > 0 */
    for (int i = 0; i < n; i++)
        feature[i] = i / per;
    if (m->bits > 0 && (thr || ir->encode == IR_ENC_BINARIZE)) {
        s.thr = thr ? thr : zero;
        s.feature = feature;
    }
    long changed = 0;
    rt_status st = be_hwio_attach(t, c, &s, &changed, e);
    if (!st && !quiet && s.thr)
        printf("encoder in hardware: %d raw features, %d-bit %s fixed point with %d fraction "
               "bits; %d comparators of %d thresholds (the codes the L-LUTs read); the integer "
               "encoder changed %ld of %d test samples' input codes\n",
               m->n_features, m->bits, m->is_signed ? "signed" : "unsigned", m->frac,
               be_encoder_comparators(t), t->n_inputs, changed, c->n_samples);
    if (!st && !quiet && s.head_group)
        printf("group-sum head: %d classes x %d outputs, %d-bit scores\n", be_classes(t),
               s.head_group, be_score_bits(t));
    free(feature);
    free(zero);
    return st;
}
