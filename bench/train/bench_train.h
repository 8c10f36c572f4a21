/* bench_train.h - what the training tools of bench/train share: the overrides they apply to
 * a compiled model (random masks instead of the dense stage, stage epochs), and the load
 * average they print beside their figures. */
#ifndef NLTC_BENCH_TRAIN_H
#define NLTC_BENCH_TRAIN_H

#include <stdbool.h>

#include "ir.h"

/* random: every learned layer becomes random and the dense stage (when there is one and a
 * sparse stage follows) is dropped; dense_epochs / sparse_epochs >= 0 replace the epochs of
 * the stages of that kind. The IR is changed in place (it lives in the compilation's arena;
 * the stage array is only re-pointed). */
void bt_override(ir_program *ir, bool random, long dense_epochs, long sparse_epochs);

/* The 1-minute load average (/proc/loadavg), -1 when it cannot be read. */
double bt_loadavg(void);

#endif /* NLTC_BENCH_TRAIN_H */
