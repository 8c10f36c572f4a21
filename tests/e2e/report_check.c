/* report_check.c - asserts what a finished run's OUT/report.json must say, for the
 * end-to-end tests: every representation agrees with the quantized model, the test
 * accuracy clears a floor, the hardware figures are present and consistent.
 * Usage: report_check OUT/report.json MIN_ACCURACY
 * Prints one line per failed check; exit 0 when all hold, 1 otherwise, 2 on bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

static int failures;

static void check(int ok, const char *what, double got) {
    if (!ok) {
        printf("report_check: FAILED: %s (got %g)\n", what, got);
        failures++;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: report_check REPORT.json MIN_ACCURACY\n");
        return 2;
    }
    report_doc doc;
    rt_error err = {0};
    if (report_json_read(argv[1], &doc, &err)) {
        fprintf(stderr, "report_check: %s\n", err.msg);
        return 2;
    }
    const rt_report *r = &doc.r;
    double floor = atof(argv[2]);
    check(r->accuracy.quantized >= floor, "quantized test accuracy >= floor",
          r->accuracy.quantized);
    /* With table reduction the representations are the reduced tables' (reduce.test_after);
     * before it, the model's codes (== quantized). */
    double want = r->accuracy.quantized;
    if (r->reduce.rarity > 0) {
        check(r->reduce.test_before == r->accuracy.quantized, "reduce: test before == quantized",
              r->reduce.test_before);
        check(!isnan(r->reduce.valid_before) && !isnan(r->reduce.valid_after),
              "reduce: validation accuracy before and after", r->reduce.valid_after);
        check(r->reduce.luts_after >= 0 && r->reduce.luts_after <= r->reduce.luts_before,
              "reduce: LUT estimate not larger", (double)r->reduce.luts_after);
        check(r->reduce.seen > 0 && r->reduce.seen <= r->reduce.addresses,
              "reduce: seen addresses counted", (double)r->reduce.seen);
        want = r->reduce.test_after;
    }
    check(r->accuracy.repr[RT_REPR_TABLES] == want, "table accuracy == reference",
          r->accuracy.repr[RT_REPR_TABLES]);
    check(r->accuracy.repr[RT_REPR_CSIM] == want, "C simulator accuracy == reference",
          r->accuracy.repr[RT_REPR_CSIM]);
    check(isnan(r->accuracy.repr[RT_REPR_RTL]) || r->accuracy.repr[RT_REPR_RTL] == want,
          "RTL accuracy == reference (or not run)", r->accuracy.repr[RT_REPR_RTL]);
    check(r->verify.mismatches == 0, "verify mismatches == 0", (double)r->verify.mismatches);
    check(r->verify.samples == r->n_test, "every test sample verified", r->verify.samples);
    check(r->n_train > 0 && r->n_valid > 0 && r->n_test > 0, "three non-empty splits", r->n_valid);
    check(r->hardware.luts_estimate > 0, "analytic LUT estimate present",
          (double)r->hardware.luts_estimate);
    check(r->hardware.latency_cycles == r->hardware.pipeline_stages,
          "latency cycles == pipeline stages", r->hardware.latency_cycles);
    check(r->llut_count > 0 && r->table_bits > 0, "L-LUT count and table bits",
          (double)r->llut_count);
    report_doc_free(&doc);
    if (!failures) printf("report_check: %s: all checks hold\n", argv[1]);
    return failures ? 1 : 0;
}
