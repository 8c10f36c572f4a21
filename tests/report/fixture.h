/* fixture.h - a hand-built model, report and training curve for the report tests and for
 * scripts/render-report.sh (through the report-fixture tool). */
#ifndef NLTC_TESTS_REPORT_FIXTURE_H
#define NLTC_TESTS_REPORT_FIXTURE_H

#include "report.h"

/* A two-tree model over 64 inputs and 10 classes (four layers, 230 L-LUTs); static data. */
const ir_program *fixture_ir(void);
/* A fully measured report matching fixture_ir (every field set, rtl accuracy included). */
void fixture_report(rt_report *r);
/* Writes OUT/train/curve.csv: a dense stage of 5 epochs then a sparse stage of 30. */
int fixture_curve(const char *out_dir);
/* Creates dir and its parents (like mkdir -p). Returns 0 or -1. */
int fixture_mkdirs(const char *dir);

#endif
