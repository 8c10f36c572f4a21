/* commands.c - the command lines of the experiment store's subcommands: `nltc runs`,
 * `nltc show`, `nltc diff`, `nltc checkout` and `nltc tag`. Each parses its arguments
 * with cli.h and calls the store's library function (runtime/store/store.h). */
#include <stdbool.h>
#include <stddef.h>

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

/* Parses argv against s; *done is set when the command should stop (help printed). */
static rt_status cmd_parse(const cli_spec *s, int argc, char **argv, cli_result *r, bool *done,
                           rt_error *e) {
    rt_status st = cli_parse(s, argc, argv, r, e);
    *done = st != RT_OK || r->help;
    return st;
}

rt_status driver_cmd_runs(int argc, char **argv, rt_error *e) {
    const char *dir = NULL, *model = NULL;
    const cli_opt opts[] = {
        {0, "model", CLI_STRING, "M", &model, "only the runs of model M", 0, 0, NULL, false, NULL},
        STORE_OPT(&dir),
    };
    const cli_spec spec = {"nltc runs",
                           "",
                           0,
                           0,
                           NULL,
                           "Lists the recorded runs, newest first: id, date, MODEL~N, seed,\n"
                           "quantized test accuracy, LUTs (Yosys, else the estimate), tags.\n",
                           opts,
                           N_OPTS(opts),
                           NULL};
    cli_result r;
    bool done;
    rt_status st = cmd_parse(&spec, argc, argv, &r, &done, e);
    if (!done) {
        store_io io = {dir, stdout, stderr};
        st = store_runs(&io, model, e);
    }
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
    if (!done) {
        store_io io = {dir, stdout, stderr};
        st = store_show(&io, r.args[0], json, e);
    }
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
    if (!done) {
        store_io io = {dir, stdout, stderr};
        st = store_diff(&io, r.args[0], r.args[1], html, e);
    }
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
    if (!done) {
        store_io io = {dir, stdout, stderr};
        st = store_checkout(&io, r.args[0], out, force, e);
    }
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
    if (!done) {
        store_io io = {dir, stdout, stderr};
        st = store_tag(&io, r.args[0], r.args[1], e);
    }
    cli_result_free(&r);
    return st;
}
