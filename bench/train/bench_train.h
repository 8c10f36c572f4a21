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

/* Training FLOPs per sample of ir's sparse model as a per-sample implementation computes
 * them (PyTorch's count): the forward's multiply-adds (2 FLOPs each) and the backward's two
 * products of the same size, 3x the forward. Per L-LUT: mlp 2(F N + (D-1) N^2 + N), plus 2F
 * with the skip path; linear 2F; poly 2 C(F+D, D) and one product per monomial of degree 2
 * and up; a trained table none. */
double bt_train_flops(const ir_program *ir);
/* The peak GFLOP/s of T threads: NLTC_PEAK_GFLOPS (per core) when set, else an estimate,
 * T * (clock from /proc/cpuinfo) * vl floats * 2 FMA units * 2 FLOPs (0 when the clock is
 * not readable); *how says which. */
double bt_peak_gflops(int threads, int vl, const char **how);

#endif /* NLTC_BENCH_TRAIN_H */
