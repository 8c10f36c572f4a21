/* helpers.h - what the training tests (test_train.c, test_run.c) share. */
#ifndef NLTC_TRAIN_TEST_HELPERS_H
#define NLTC_TRAIN_TEST_HELPERS_H

#include "fixture.h"
#include "train_int.h"

/* XOR of the signs of inputs 0 and 1 among `inputs`; n train, n/4 validation and test. */
void parity_data(rt_dataset *d, int inputs, int n, uint64_t seed);
/* Declares the 12 inputs of d to be 3 x 4 images whose black pixel k encodes as -k. */
void as_images(rt_dataset *d);
/* A four-layer model with masked and support levels, 2-bit inputs and 3-bit codes. */
ir_program *small_program(int sparse_epochs, int dense_epochs, uint64_t seed);
/* small_program's layers as L-LUT kinds: a poly(2) leaf layer (learned: the dense stage's
 * linear surrogate picks its masks), an MLP tree level, linear leaves, a poly(3) root level
 * (seed 2). */
ir_program *kinds_program(int sparse_epochs, int dense_epochs);

/* A DWN-style model (test_dwn_model.c): DWN_FEATURES features -> thermometer(DWN_LEVELS) ->
 * 24 trained tables of 4 inputs (connect) with mid-bit outputs -> 2 classes x DWN_GROUP
 * tables of 3 inputs (contiguous, 3 * mid-bit addresses) -> group-sum head. */
enum { DWN_FEATURES = 12, DWN_LEVELS = 3, DWN_GROUP = 4 };
ir_program *dwn_program(int epochs, ir_connect connect, int mid);
/* Options without progress lines. */
train_opts quiet_opts(int threads);
/* The error record of the calls under test. */
extern rt_error terr;
/* Copies an error message into msg[0..cap). */
void copy_msg(char *msg, size_t cap, const rt_error *e);
/* train_run on one thread with its error message copied to msg[0..cap); returns its status. */
rt_status train_logged(const ir_program *ir, const rt_dataset *d, char *msg, size_t cap);
/* A fresh folder under /tmp (malloc'd path), and its removal with the files training
 * writes. */
char *temp_dir(void);
void remove_dir(const char *dir);
/* Bit-identical parameters and running statistics; tables. */
bool same_params(const tr_model *ma, const tr_model *mb);
bool same_tables(const rt_tables *a, const rt_tables *b);
/* Looks up every layer from the previous codes through the tables; counts mismatches. */
long lookup_mismatches(const rt_tables *t, const rt_codes *c);
/* A quiet training run that must succeed. */
tr_model *train_small(const ir_program *ir, const rt_dataset *d, int threads);

#endif /* NLTC_TRAIN_TEST_HELPERS_H */
