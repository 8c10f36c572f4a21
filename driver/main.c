/* main.c - the nltc command line: options, the compile modes and subcommands.
 *
 *   nltc FILE -o DIR      compile, then run the whole flow (flow.c)
 *   nltc --check FILE     diagnostics only
 *   nltc --emit=ir FILE   print the IR
 *   nltc COMMAND ...      a subcommand from nltc_commands[]
 * Exit codes: 0 ok, 1 errors in the model, 2 usage or I/O errors (the flow adds its own,
 * see flow.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "compiler.h"
#include "flow.h"
#include "fmt.h"
#include "store.h"
#include "verify_cmd.h"

#ifndef NLTC_VERSION
#define NLTC_VERSION "0.0.0"
#endif

/* A subcommand: `nltc NAME args...` calls fn(argc, argv) with argv[0] == NAME and exits
 * with its result. Add entries here; --help lists them. */
typedef struct nltc_command {
    const char *name;                 /* the word after nltc */
    int (*fn)(int argc, char **argv); /* runs it; returns the exit code */
    const char *help;                 /* one line for --help */
} nltc_command;

static const nltc_command nltc_commands[] = {
    {"runs", store_cmd_runs, "list recorded runs: nltc runs [--model M] [--store DIR]"},
    {"show", store_cmd_show, "show a run's report: nltc show RUN [--json]"},
    {"diff", store_cmd_diff, "compare two runs: nltc diff A B [--html FILE]"},
    {"checkout", store_cmd_checkout, "restore a run's artifacts: nltc checkout RUN -o DIR"},
    {"tag", store_cmd_tag, "name a run: nltc tag RUN NAME"},
    {"verify", nltc_cmd_verify, "re-verify an output folder: nltc verify OUT [--no-rtl]"},
    {"fmt", fmt_cmd, "format .nlt files: nltc fmt [--write | --check] FILE..."},
    {NULL, NULL, NULL} /* end of table */
};

static void main_usage(FILE *f) {
    fputs("usage: nltc FILE -o DIR [options]     compile FILE and run the whole flow into DIR\n"
          "       nltc --check FILE [options]    parse and check FILE only\n"
          "       nltc --emit=ir FILE [options]  print the lowered IR of FILE\n"
          "       nltc COMMAND [args...]         run a command (listed below)\n"
          "       nltc --help | --version\n"
          "\n"
          "options:\n"
          "  -o DIR          output folder of the flow (created if missing)\n"
          "  -I DIR          add DIR to the import search path (repeatable)\n"
          "  --data-dir DIR  read every data file of the dataset from DIR (file names kept)\n"
          "  --seed N        override the training seed of the model\n"
          "  --resume        continue a stopped training run in the output folder\n"
          "  --threads N     worker threads (default 2)\n"
          "  --store DIR     experiment store (default $NLTC_STORE, else .nltc/ beside the model)\n"
          "  --no-record     do not record the run in the experiment store\n"
          "  --no-rtl        skip the Verilator run of the RTL during verification\n"
          "  --no-synth      skip Yosys synthesis (the analytic LUT estimate remains)\n"
          "  --quiet         no progress output\n"
          "  --help, -h      show this help\n"
          "  --version       show the version\n",
          f);
    fputs("\ncommands:\n", f);
    if (!nltc_commands[0].name) fputs("  (none yet)\n", f);
    for (const nltc_command *c = nltc_commands; c->name; c++)
        fprintf(f, "  %-14s %s\n", c->name, c->help);
    fputs("\nenvironment:\n"
          "  NLTC_PATH      colon-separated directories searched for imports\n"
          "  NLTC_STDLIB    the standard library directory (`import \"std/...\"`)\n"
          "\nexit codes: 0 ok, 1 errors in the model, 2 usage or I/O errors\n"
          "the language: lang/README.md\n",
          f);
}

static int main_usage_error(const char *fmt, const char *arg) {
    fputs("nltc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see nltc --help)\n", stderr);
    return 2;
}

/* Parses a non-negative integer argument; false if it is not one. */
static bool main_number(const char *s, uint64_t max, uint64_t *out) {
    char *end;
    if (!s || !*s || *s == '-' || *s == '+') return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}

/* If argv[*i] is option `name` taking a value ("--name V", "--name=V", "-IV" for short
 * ones), stores the value in *val, advances *i and returns 1; returns 0 if it is another
 * option, -1 if the value is missing. */
static int main_value(int argc, char **argv, int *i, const char *name, const char **val) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=' || (name[1] != '-' && a[n])) {
        *val = a + n + (a[n] == '=');
        return 1;
    }
    if (a[n]) return 0;
    if (*i + 1 >= argc) return -1;
    *val = argv[++*i];
    return 1;
}

/* Runs the flow, prints its error (located through the IR when it names a property) and
 * returns the exit code of its status. */
static int main_flow(const ir_program *ir, const nltc_flow_opts *fo) {
    static const int exit_code[] = {
        [RT_OK] = 0,     [RT_ERR_MODEL] = 1, [RT_ERR_DATA] = 1,     [RT_ERR_USAGE] = 2,
        [RT_ERR_IO] = 2, [RT_ERR_TOOL] = 2,  [RT_ERR_MISMATCH] = 3, [RT_INTERRUPTED] = 130};
    rt_error e = {0};
    rt_status st = nltc_flow_run(ir, fo, &e);
    const ir_srcloc *at = e.prop[0] ? ir_locate(ir, e.prop) : NULL;
    if (st == RT_INTERRUPTED)
        fprintf(stderr, "nltc: %s\n", e.msg);
    else if (st && e.msg[0] && at)
        fprintf(stderr, "%s:%d:%d: error: %s\n", at->file, at->line, at->col, e.msg);
    else if (st && e.msg[0])
        fprintf(stderr, "nltc: error: %s\n", e.msg);
    return exit_code[st];
}

int main(int argc, char **argv) {
    enum { MODE_RUN, MODE_CHECK, MODE_EMIT } mode = MODE_RUN;
    const char *file = NULL, *val = NULL;
    nltc_compile_opts co = {0};
    nltc_flow_opts fo = {.record = true, .rtl = true, .synth = true, .argc = argc, .argv = argv};
    const char *includes[64];
    co.include_dirs = includes;

    if (argc > 1)
        for (const nltc_command *c = nltc_commands; c->name; c++)
            if (strcmp(argv[1], c->name) == 0) {
                return c->fn(argc - 1, argv + 1);
            }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = 0;
        uint64_t num = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            main_usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("nltc %s\n", NLTC_VERSION);
            return 0;
        } else if (strcmp(a, "--check") == 0) {
            mode = MODE_CHECK;
        } else if (strncmp(a, "--emit", 6) == 0 && (a[6] == '=' || !a[6])) {
            if (strcmp(a, "--emit=ir") != 0) {
                return main_usage_error("unknown --emit kind '%s' (expected --emit=ir)",
                                        a[6] ? a + 7 : "");
            }
            mode = MODE_EMIT;
        } else if ((r = main_value(argc, argv, &i, "-o", &val)) != 0) {
            fo.out_dir = val;
        } else if ((r = main_value(argc, argv, &i, "-I", &val)) != 0) {
            if (co.n_include_dirs == (int)(sizeof includes / sizeof *includes))
                return main_usage_error("too many -I directories (at most %s)", "64");
            includes[co.n_include_dirs++] = val;
        } else if ((r = main_value(argc, argv, &i, "--data-dir", &val)) != 0) {
            co.data_dir = val;
        } else if ((r = main_value(argc, argv, &i, "--store", &val)) != 0) {
            fo.store_dir = val;
        } else if ((r = main_value(argc, argv, &i, "--seed", &val)) != 0) {
            if (r > 0 && !main_number(val, UINT64_MAX, &num)) {
                return main_usage_error("--seed expects a non-negative integer, found '%s'", val);
            }
            co.seed_set = true;
            co.seed = num;
        } else if ((r = main_value(argc, argv, &i, "--threads", &val)) != 0) {
            if (r > 0 && !main_number(val, 1024, &num)) {
                return main_usage_error("--threads expects a number from 0 to 1024, found '%s'",
                                        val);
            }
            fo.threads = (int)num;
        } else if (strcmp(a, "--resume") == 0) {
            fo.resume = true;
        } else if (strcmp(a, "--no-record") == 0) {
            fo.record = false;
        } else if (strcmp(a, "--no-rtl") == 0) {
            fo.rtl = false;
        } else if (strcmp(a, "--no-synth") == 0) {
            fo.synth = false;
        } else if (strcmp(a, "--quiet") == 0) {
            fo.quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return main_usage_error("unknown option '%s'", a);
        } else if (file) {
            return main_usage_error("more than one model file given ('%s')", a);
        } else {
            file = a;
        }
        if (r < 0) {
            return main_usage_error("option '%s' needs a value", a);
        }
    }
    if (!file) return main_usage_error("%s", "no model file given");
    if (mode == MODE_RUN && !fo.out_dir)
        return main_usage_error("missing -o DIR for '%s' (or use --check / --emit=ir)", file);
    nltc_arena *arena = nltc_arena_new();
    nltc_status st;
    ir_program *ir = nltc_compile(file, &co, arena, &st);
    int rc = st.io_error ? 2 : ir ? 0 : 1;
    if (ir && mode == MODE_EMIT) ir_print(stdout, ir);
    if (ir && mode == MODE_RUN) rc = main_flow(ir, &fo);
    if (rc == 1 && st.errors > 1) fprintf(stderr, "nltc: %d errors in %s\n", st.errors, file);
    nltc_arena_free(arena);
    return rc;
}
