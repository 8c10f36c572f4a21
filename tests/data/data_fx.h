/* data_fx.h - fixtures and assertions shared by the data loader unit tests (test_data.c,
 * test_data_errors.c): fixture files written at run time into a temporary folder (gzipped
 * where asked), dataset descriptions, and loads that check the rt_error protocol. */
#ifndef NLTC_TESTS_DATA_FX_H
#define NLTC_TESTS_DATA_FX_H

#include "data.h"

#include <check.h>

/* The temporary folder of the current test case (tcase_add_unchecked_fixture). */
extern char fx_dir[1024];
void fx_setup(void);
void fx_teardown(void);

/* Path of fixture `name` in the temporary folder (a ring of buffers: valid for a while). */
const char *tpath(const char *name);
/* Writes a fixture, gzipped when gz; returns its path. */
const char *fx(const char *name, const void *data, size_t len, int gz);
/* Writes a text fixture, not gzipped. */
const char *fxs(const char *name, const char *text);
/* Writes an IDX file: magic, dims, then the data as given (already big-endian). */
const char *idx_fx(const char *name, int type, int nd, const int *dims, const void *data,
                   size_t len, int gz);

/* A CSV dataset with a header, ',' and no transformation; label by name or index. */
ir_dataset csv_ds(const char *path, const char *label, int label_index, int inputs, int classes);
/* 3 IDX images of 2 x 3 unsigned bytes (value = 6*item + pixel), labels 0, 1, 2; scale 0.5. */
ir_dataset idx_ds(int gz);

/* Loads with data_load_info, the error (if any) in *e. */
rt_status load_capture(const ir_dataset *ds, rt_dataset *d, data_info *info, rt_error *e);
/* Loads expecting success (and widths as declared). */
void load_ok_info(const ir_dataset *ds, rt_dataset *d, data_info *info);
void load_ok(const ir_dataset *ds, rt_dataset *d);
/* Loads expecting failure with RT_ERR_DATA (expect_err) or RT_ERR_MODEL (expect_model_err):
 * the message must be exactly the formatted text, the output empty, and a load without an
 * rt_error must fail the same way. */
void expect_err(const ir_dataset *ds, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void expect_model_err(const ir_dataset *ds, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same for any status. */
void expect_status(const ir_dataset *ds, rt_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The encoded rows of a split equal want[0..n) (to float rounding). */
void expect_x(const rt_split *s, int width, const float *want, int n);
/* The classes of a split equal want[0..n). */
void expect_y(const rt_split *s, const int *want, int n);

#endif /* NLTC_TESTS_DATA_FX_H */
