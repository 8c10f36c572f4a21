/* commands.c - the command lines of the experiment store's subcommands: `nltc runs`,
 * `nltc show`, `nltc diff`, `nltc checkout` and `nltc tag`. Each parses its arguments
 * with cli.h and calls the store's library function (runtime/store/store.h). */
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "driver.h"
#include "store.h"

#define N_OPTS(a) ((int)(sizeof(a) / sizeof(a)[0]))
#define STORE_OPT(dest)                                                                            \
    {                                                                                              \
        0, "store", CLI_STRING, "DIR", dest,                                                       \
            "the experiment store (default $NLTC_STORE, else .nltc)", 0, 0, NULL, false, NULL      \
    }

static const char store_about[] =
    "RUN is a short run id, a tag, MODEL (its latest run) or MODEL~N (N runs before the\n"
    "latest).\n";

/* Appends to b the experiment stores (.nltc folders) under dir, depth levels down. */
static void cmd_find_stores(rt_buf *b, const char *dir, int depth, int *found) {
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) && *found < 5) {
        if (strcmp(de->d_name, ".nltc") != 0 && de->d_name[0] == '.') continue;
        char *path = strcmp(dir, ".") == 0 ? xstrdup(de->d_name) : rt_path_join(dir, de->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            if (strcmp(de->d_name, ".nltc") == 0)
                rt_buf_printf(b, "%s%s", (*found)++ ? ", " : "", path);
            else if (depth > 0)
                cmd_find_stores(b, path, depth - 1, found);
        }
        free(path);
    }
    if (d) closedir(d);
}

/* The store a reading command uses: --store DIR, else $NLTC_STORE, else the one beside
 * model_file (if given), else ./.nltc. When that is the default and there is none, the
 * error says where stores are (beside each model file) and names those found below the
 * current folder. io->dir is malloc'd (free it). */
static rt_status cmd_store(const char *flag, const char *model_file, store_io *io, rt_error *e) {
    const char *env = getenv("NLTC_STORE");
    io->dir = model_file ? store_default_dir(flag, model_file) : xstrdup(store_cmd_dir(flag));
    io->out = stdout;
    io->notes = stderr;
    struct stat sb;
    if (flag || (env && *env) || stat(io->dir, &sb) == 0) return RT_OK;
    rt_buf found = {0};
    int n = 0;
    cmd_find_stores(&found, ".", 2, &n);
    rt_fail(e, RT_ERR_IO,
            "no experiment store at %s: a run is recorded in .nltc/ beside its model file; %s%s%s",
            io->dir, n ? "found: " : "none below this folder; ", n ? found.data : "",
            n ? " (nltc runs MODEL.nlt or --store DIR)" : "pass MODEL.nlt or --store DIR");
    rt_buf_free(&found);
    return RT_ERR_IO;
}

/* Parses argv against s; *done is set when the command should stop (help printed). */
static rt_status cmd_parse(const cli_spec *s, int argc, char **argv, cli_result *r, bool *done,
                           rt_error *e) {
    rt_status st = cli_parse(s, argc, argv, r, e);
    *done = st != RT_OK || r->help;
    return st;
}

rt_status driver_cmd_runs(int argc, char **argv, rt_error *e) {
    const char *dir = NULL, *model = NULL;
    bool json = false, csv = false;
    int sort = 0;
    static const char *const keys[] = {"date", "accuracy", "luts", "model", "seed", NULL};
    const cli_opt opts[] = {
        {0, "model", CLI_STRING, "M", &model, "only the runs of model M", 0, 0, NULL, false, NULL},
        {0, "json", CLI_FLAG, NULL, &json, "print the list as a JSON array", 0, 0, NULL, false,
         NULL},
        {0, "csv", CLI_FLAG, NULL, &csv, "print the list as CSV (a header row first)", 0, 0, NULL,
         false, NULL},
        {0, "sort", CLI_CHOICE, "KEY", &sort,
         "order: date (newest first), accuracy, luts (fewest first), model, seed", 0, 0, keys,
         false, NULL},
        STORE_OPT(&dir),
    };
    const cli_spec spec = {"nltc runs",
                           "[FILE]",
                           0,
                           1,
                           NULL,
                           "Lists the recorded runs, newest first: id, date, MODEL~N, variant\n"
                           "(a hash of the model as compiled: runs with other properties or\n"
                           "--set differ), seed, quantized test accuracy, LUTs (Yosys, else the\n"
                           "estimate), tags. FILE: the store beside that model file.\n",
                           opts,
                           N_OPTS(opts),
                           NULL};
    cli_result r;
    bool done;
    rt_status st = cmd_parse(&spec, argc, argv, &r, &done, e);
    if (!done && json && csv) st = cli_usage_error(&spec, e, "--json and --csv cannot be combined");
    store_io io = {0};
    if (!done && !st && !(st = cmd_store(dir, r.n_args ? r.args[0] : NULL, &io, e))) {
        store_runs_opts ro = {model,
                              json  ? STORE_LIST_JSON
                              : csv ? STORE_LIST_CSV
                                    : STORE_LIST_TABLE,
                              (store_sort)sort};
        st = store_runs(&io, &ro, e);
    }
    free((char *)io.dir);
    cli_result_free(&r);
    return st;
}

rt_status driver_cmd_show(int argc, char **argv, rt_error *e) {
    const char *dir = NULL;
    bool json = false;
    const cli_opt opts[] = {
        {0, "json", CLI_FLAG, NULL, &json, "print the run's report.json as stored", 0, 0, NULL,
         false, NULL},
        STORE_OPT(&dir),
    };
    const cli_spec spec = {"nltc show", "RUN", 1, 1, NULL, store_about, opts, N_OPTS(opts), NULL};
    cli_result r;
    bool done;
    rt_status st = cmd_parse(&spec, argc, argv, &r, &done, e);
    store_io io = {0};
    if (!done && !(st = cmd_store(dir, NULL, &io, e))) st = store_show(&io, r.args[0], json, e);
    free((char *)io.dir);
    cli_result_free(&r);
    return st;
}

rt_status driver_cmd_diff(int argc, char **argv, rt_error *e) {
    const char *dir = NULL, *html = NULL;
    const cli_opt opts[] = {
        {0, "html", CLI_STRING, "FILE", &html,
         "also write a comparison page (diff, metrics, training curves)", 0, 0, NULL, false, NULL},
        STORE_OPT(&dir),
    };
    const cli_spec spec = {"nltc diff",
                           "A B",
                           2,
                           2,
                           NULL,
                           "Compares two runs: the model files as a unified diff, every metric\n"
                           "of report.json with its delta, the other artifacts that changed.\n"
                           "A and B are runs (see nltc show --help).\n",
                           opts,
                           N_OPTS(opts),
                           NULL};
    cli_result r;
    bool done;
    rt_status st = cmd_parse(&spec, argc, argv, &r, &done, e);
    store_io io = {0};
    if (!done && !(st = cmd_store(dir, NULL, &io, e)))
        st = store_diff(&io, r.args[0], r.args[1], html, e);
    free((char *)io.dir);
    cli_result_free(&r);
    return st;
}

rt_status driver_cmd_checkout(int argc, char **argv, rt_error *e) {
    const char *dir = NULL, *out = NULL;
    bool force = false;
    const cli_opt opts[] = {
        {'o', NULL, CLI_STRING, "DIR", &out, "the folder to restore into (new or empty)", 0, 0,
         NULL, true, NULL},
        {0, "force", CLI_FLAG, NULL, &force, "write into a non-empty folder, overwriting files", 0,
         0, NULL, false, NULL},
        STORE_OPT(&dir),
    };
    const cli_spec spec = {"nltc checkout", "RUN", 1, 1, NULL, store_about, opts,
                           N_OPTS(opts),    NULL};
    cli_result r;
    bool done;
    rt_status st = cmd_parse(&spec, argc, argv, &r, &done, e);
    store_io io = {0};
    if (!done && !(st = cmd_store(dir, NULL, &io, e)))
        st = store_checkout(&io, r.args[0], out, force, e);
    free((char *)io.dir);
    cli_result_free(&r);
    return st;
}

rt_status driver_cmd_tag(int argc, char **argv, rt_error *e) {
    const char *dir = NULL;
    const cli_opt opts[] = {STORE_OPT(&dir)};
    const cli_spec spec = {
        "nltc tag", "RUN NAME",   2,
        2,          NULL,         "Names a run: NAME then works wherever a RUN is expected.\n",
        opts,       N_OPTS(opts), NULL};
    cli_result r;
    bool done;
    rt_status st = cmd_parse(&spec, argc, argv, &r, &done, e);
    store_io io = {0};
    if (!done && !(st = cmd_store(dir, NULL, &io, e))) st = store_tag(&io, r.args[0], r.args[1], e);
    free((char *)io.dir);
    cli_result_free(&r);
    return st;
}
