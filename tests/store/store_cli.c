/* store_cli.c - nltc-store-test: a stand-in for the nltc driver in the store tests. It
 * records a run from a prepared output folder through store_record, exactly as the flow
 * does, and forwards runs/show/diff/checkout/tag to the store's command functions.
 *
 *   nltc-store-test record --out OUT --model NAME --src FILE [--src FILE ...] [--store DIR]
 *                          [--seed N] [--time SECONDS] [--ir FILE] [--version V]
 *   nltc-store-test runs|show|diff|checkout|tag ARGS...
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

static int cli_record(int argc, char **argv) {
    store_record_args a;
    memset(&a, 0, sizeof a);
    const char *src[16];
    a.sources = src;
    a.version = "test";
    a.log = stdout;
    a.argc = argc;
    a.argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "nltc-store-test record: %s needs a value\n", argv[i]);
            return 1;
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
        else {
            fprintf(stderr, "nltc-store-test record: unknown option %s\n", argv[i]);
            return 1;
        }
        i++;
    }
    a.model_path = a.n_sources ? src[0] : NULL;
    return store_record(&a, stderr);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: nltc-store-test record|runs|show|diff|checkout|tag ...\n");
        return 1;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "record") == 0) return cli_record(argc - 1, argv + 1);
    if (strcmp(cmd, "runs") == 0) return store_cmd_runs(argc - 1, argv + 1);
    if (strcmp(cmd, "show") == 0) return store_cmd_show(argc - 1, argv + 1);
    if (strcmp(cmd, "diff") == 0) return store_cmd_diff(argc - 1, argv + 1);
    if (strcmp(cmd, "checkout") == 0) return store_cmd_checkout(argc - 1, argv + 1);
    if (strcmp(cmd, "tag") == 0) return store_cmd_tag(argc - 1, argv + 1);
    fprintf(stderr, "nltc-store-test: unknown command '%s'\n", cmd);
    return 1;
}
