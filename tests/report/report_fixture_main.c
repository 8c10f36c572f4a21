/* report_fixture_main.c - the report-fixture tool: writes a complete fixture OUT folder
 * (train/curve.csv, report.md, report.html, plots/, report.json) for scripts/render-report.sh
 * and the store tests.  Usage: report-fixture OUT [ACCURACY] */
#include "fixture.h"

#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: report-fixture OUT [QUANTIZED_ACCURACY]\n");
        return 1;
    }
    rt_report r;
    fixture_report(&r);
    if (argc == 3) r.accuracy.quantized = r.accuracy.repr[RT_REPR_TABLES] = strtod(argv[2], NULL);
    if (fixture_mkdirs(argv[1]) || fixture_curve(argv[1])) {
        fprintf(stderr, "report-fixture: cannot write %s\n", argv[1]);
        return 2;
    }
    report_input in = {&r, fixture_ir(), argv[1], NULL};
    rt_error err = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/report.json", argv[1]);
    if (report_write_docs(&in, &err) || report_json_write(&r, path, &err)) {
        fprintf(stderr, "report-fixture: %s\n", err.msg);
        return 2;
    }
    return 0;
}
