/* reduce_step.h - the flow's table-reduction step (hardware { reduce = dont_care(...) }). */
#ifndef NLTC_REDUCE_STEP_H
#define NLTC_REDUCE_STEP_H

#include <stdbool.h>

#include "ir.h"
#include "rt.h"
#include "train.h"

/* When the model asks for it: counts every L-LUT's addresses on the training split,
 * reduces t with the unseen ones as don't-cares, and recomputes the test split's reference
 * codes c through the reduced tables (verification then compares every representation
 * with them). Fills r->reduce (accuracy before/after on validation and test, LUT estimate
 * before/after); prints a summary unless quiet. Does nothing without the property. */
rt_status nltc_flow_reduce(const ir_program *ir, const tr_model *m, const rt_dataset *d,
                           rt_tables *t, rt_codes *c, rt_report *r, bool quiet, rt_error *e);

#endif /* NLTC_REDUCE_STEP_H */
