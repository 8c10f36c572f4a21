/* store_cli.c - nltc-store-test: a stand-in for the flow's last step in the store tests.
 * It records a run from a prepared output folder through store_record, exactly as the flow
 * does: the flow holds the run's rt_report in memory, this tool reads it from
 * OUT/report.json (or --report FILE) first. The reading commands (runs, show, diff,
 * checkout, tag) are tested through the nltc executable itself.
 *
 *   nltc-store-test record --out OUT --model NAME --src FILE [--src FILE ...] [--store DIR]
 *                          [--seed N] [--time SECONDS] [--ir FILE] [--version V]
 *                          [--report FILE]
 * Exit codes as nltc's: 0 ok, 1 model or data errors (a report that cannot be read, a
 * model name that cannot name a branch), 2 usage, I/O or store errors.
 */
#include "report.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

static int cli_record(int argc, char **argv) {
    store_record_args a;
    memset(&a, 0, sizeof a);
    const char *src[16] = {NULL}, *report = NULL;
    a.sources = src;
    a.version = "test";
    a.log = stdout;
    a.notes = stderr;
    a.argc = argc;
    a.argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "nltc-store-test record: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--out") == 0)
            a.out_dir = v;
        else if (strcmp(argv[i], "--model") == 0)
            a.model_name = v;
        else if (strcmp(argv[i], "--src") == 0 && a.n_sources < 16)
            src[a.n_sources++] = v;
        else if (strcmp(argv[i], "--store") == 0)
            a.store_dir = v;
        else if (strcmp(argv[i], "--seed") == 0)
            a.seed = strtoull(v, NULL, 10);
        else if (strcmp(argv[i], "--time") == 0)
            a.time = strtoll(v, NULL, 10);
        else if (strcmp(argv[i], "--ir") == 0)
            a.ir_path = v;
        else if (strcmp(argv[i], "--version") == 0)
            a.version = v;
        else if (strcmp(argv[i], "--report") == 0)
            report = v;
        else {
            fprintf(stderr, "nltc-store-test record: unknown option %s\n", argv[i]);
            return 2;
        }
        i++;
    }
    a.model_path = a.n_sources ? src[0] : NULL;
    char *path =
        report ? xstrdup(report) : rt_path_join(a.out_dir ? a.out_dir : ".", "report.json");
    report_doc doc;
    rt_error e = {0};
    rt_status got = report_json_read(path, &doc, &e);
    free(path);
    if (got) {
        fprintf(stderr, "nltc: error: %s\n", e.msg);
        return 1;
    }
    a.report = &doc.r;
    rt_status st = store_record(&a, &e);
    report_doc_free(&doc);
    if (st == RT_OK) return 0;
    fprintf(stderr, "nltc: error: %s\n", e.msg);
    return st == RT_ERR_MODEL || st == RT_ERR_DATA ? 1 : 2;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "record") != 0) {
        fprintf(stderr, "usage: nltc-store-test record --out OUT --model NAME --src FILE ...\n");
        return 2;
    }
    return cli_record(argc - 1, argv + 1);
}
