/* hwio_step.h - the flow's encoder-and-head step: the input encoder (thermometer,
 * binarize) and the group-sum head of a trained model into the tables and the reference
 * codes (runtime/backend hwio.c, README "Encoder and head"). */
#ifndef NLTC_HWIO_STEP_H
#define NLTC_HWIO_STEP_H

#include <stdbool.h>

#include "backend.h"
#include "data.h"
#include "ir.h"
#include "rt.h"

/* Whether the model's encoder goes into the hardware: thermometer or binarize over a
 * dataset whose inputs are all numeric features (no categorical or binarized columns). */
bool nltc_hwio_encoder(const ir_program *ir);

/* The raw fixed-point format of the dataset d (after loading, before training: a format
 * past 31 bits is refused then, located at input.encode); m's map from info. Does nothing
 * (m->bits 0) without an encoder in hardware. */
rt_status nltc_hwio_format(const ir_program *ir, const rt_dataset *d, const data_info *info,
                           be_raw_map *m, rt_error *e);

/* After tabulation (and reduction): the head (ir->head_group) and the encoder in hardware
 * (from the trained encoder t->enc: its thresholds on the normalized feature, one per input
 * code; binarize without them: 0) into t, the reference codes c made to follow them (raw
 * test features, integer encoder, layers recomputed through the tables, scores). Prints a
 * line unless quiet. */
rt_status nltc_flow_hwio(const ir_program *ir, const rt_dataset *d, const be_raw_map *m,
                         rt_tables *t, rt_codes *c, bool quiet, rt_error *e);

#endif /* NLTC_HWIO_STEP_H */
