/* main.c - the nltc command line: options, the compile modes, the subcommands, and the one
 * table of exit codes.
 *
 *   nltc FILE -o DIR      compile, then run the whole flow (flow.c)
 *   nltc --check FILE     diagnostics only
 *   nltc --emit=ir FILE   print the IR
 *   nltc COMMAND ...      a subcommand from main_commands[]
 * Every command returns an rt_status and fills an rt_error; main prints the error
 * (driver_print_error) and exits with the code main_exit_codes[] gives the status.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compiler.h"
#include "driver.h"
#include "backend.h"
#include "flow.h"
#include "train.h"

#ifndef NLTC_VERSION
#define NLTC_VERSION "0.0.0"
#endif

/* A subcommand. Add entries here; --help lists them. */
typedef struct main_command {
    const char *name;  /* the word after nltc */
    driver_cmd_fn fn;  /* runs it */
    const char *usage; /* one line for --help */
} main_command;

static const main_command main_commands[] = {
    {"runs", driver_cmd_runs, "list recorded runs: nltc runs [--model M] [--store DIR]"},
    {"show", driver_cmd_show, "show a run's report: nltc show RUN [--json]"},
    {"diff", driver_cmd_diff, "compare two runs: nltc diff A B [--html FILE]"},
    {"checkout", driver_cmd_checkout, "restore a run's artifacts: nltc checkout RUN -o DIR"},
    {"tag", driver_cmd_tag, "name a run: nltc tag RUN NAME"},
    {"verify", driver_cmd_verify, "re-verify an output folder: nltc verify OUT [--no-rtl]"},
    {"fmt", driver_cmd_fmt, "format .nlt files: nltc fmt [--write | --check] FILE..."},
};
enum { MAIN_N_COMMANDS = (int)(sizeof main_commands / sizeof main_commands[0]) };

/* ---- Exit codes: the one place where a status becomes a process exit code ------------- */

static const int main_exit_codes[] = {
    [RT_OK] = 0,     [RT_ERR_MODEL] = 1, [RT_ERR_DATA] = 1,     [RT_ERR_USAGE] = 2,
    [RT_ERR_IO] = 2, [RT_ERR_TOOL] = 2,  [RT_ERR_MISMATCH] = 3, [RT_INTERRUPTED] = 130,
};

/* What each exit code means, for --help (README.md has the same table; a test compares). */
static const struct {
    int code;
    const char *meaning;
} main_exit_meanings[] = {
    {0, "ok"},
    {1, "errors in the model or its data (also: a run the store does not hold)"},
    {2, "usage errors, I/O errors, a failed external tool"},
    {3, "a verification mismatch"},
    {130, "interrupted (the checkpoint is saved; rerun with --resume)"},
};

static int main_exit_code(rt_status st) {
    if ((int)st < 0 || (size_t)st >= sizeof main_exit_codes / sizeof main_exit_codes[0]) return 2;
    return main_exit_codes[st];
}

/* ---- nltc itself ----------------------------------------------------------------------- */

static void main_epilog(FILE *f) {
    fputs("\ncommands (each has --help):\n", f);
    for (int i = 0; i < MAIN_N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", main_commands[i].name, main_commands[i].usage);
    fputs("\nenvironment:\n"
          "  NLTC_PATH      colon-separated directories searched for imports\n"
          "  NLTC_STDLIB    the standard library directory (`import \"std/...\"`)\n"
          "  NLTC_STORE     the experiment store (default .nltc/ beside the model)\n"
          "\nexit codes:\n",
          f);
    for (size_t i = 0; i < sizeof main_exit_meanings / sizeof main_exit_meanings[0]; i++)
        fprintf(f, "  %-4d %s\n", main_exit_meanings[i].code, main_exit_meanings[i].meaning);
    fputs("\nthe language: lang/README.md\n", f);
}

/* Parses a size: a whole number of bytes, or with the binary suffix K, M, G or T (an
 * optional B or iB after it: 8G, 8GB, 8GiB, 512m). 0 on success, -1 when text is not one or
 * it is 0 or above 2^62. */
static int main_size(const char *text, uint64_t *out) {
    const char *p = text;
    uint64_t v = 0;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_C(1) << 62) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    static const char units[] = "KMGT";
    int c = toupper((unsigned char)*p);
    const char *u = c ? strchr(units, c) : NULL;
    int shift = u ? 10 * (int)(u - units + 1) : 0;
    if (u) p++;
    if (u && (*p == 'i' || *p == 'I')) p++;
    if (*p == 'B' || *p == 'b') p++;
    if (*p || v == 0 || v > (UINT64_C(1) << 62) >> shift) return -1;
    *out = v << shift;
    return 0;
}

/* What `nltc FILE` does after compiling. */
typedef enum main_mode { MAIN_RUN, MAIN_EMIT, MAIN_CHECK } main_mode;

/* Compiles file and does what the mode asks. Errors about the model are printed here,
 * located through the IR, while it is alive. */
static rt_status main_compile(const char *file, main_mode mode, const nltc_compile_opts *co,
                              const nltc_flow_opts *fo, rt_error *e) {
    nltc_arena *arena = nltc_arena_new();
    nltc_status cs;
    ir_program *ir = nltc_compile(file, co, arena, &cs);
    rt_status st = RT_OK;
    if (!ir) {
        if (cs.errors > 1) fprintf(stderr, "nltc: %d errors in %s\n", cs.errors, file);
        st = cs.io_error ? RT_ERR_IO : RT_ERR_MODEL;
        e->status = st;
        e->prop[0] = e->msg[0] = '\0'; /* the diagnostics are printed */
    } else if (mode == MAIN_EMIT) {
        ir_print(stdout, ir);
    } else if (mode == MAIN_CHECK) {
        st = tr_check_model(ir, e);                  /* what training refuses */
        if (st == RT_OK) st = be_check_model(ir, e); /* what the back ends refuse */
        if (st == RT_OK) /* and what does not fit the machine (the data not counted) */
            st = nltc_memory_check(ir, fo->threads, NULL, fo->max_memory, stdout, e);
    } else {
        st = nltc_flow_run(ir, fo, e); /* the flow checks the back ends first too */
    }
    if (st != RT_OK && e->prop[0]) {
        driver_print_error(ir, e);
        e->msg[0] = '\0';
    }
    nltc_arena_free(arena);
    return st;
}

static rt_status main_run(int argc, char **argv, rt_error *e) {
    bool check = false, version = false, seed_given = false, resume = false, no_record = false;
    bool no_rtl = false, no_synth = false, quiet = false, force = false;
    int emit = -1;
    uint64_t seed = 0, threads = 0, mem = 0;
    const char *out = NULL, *data_dir = NULL, *store = NULL, *max_memory = NULL;
    cli_list includes = {0};
    static const char *const emit_kinds[] = {"ir", NULL};
    const cli_opt opts[] = {
        {'o', NULL, CLI_STRING, "DIR", &out, "output folder of the flow (created if missing)", 0, 0,
         NULL, false, NULL},
        {0, "check", CLI_FLAG, NULL, &check, "parse and check FILE only", 0, 0, NULL, false, NULL},
        {0, "emit", CLI_CHOICE, "KIND", &emit, "print the lowered IR of FILE (--emit=ir)", 0, 0,
         emit_kinds, false, NULL},
        {'I', NULL, CLI_LIST, "DIR", &includes, "add DIR to the import search path (repeatable)", 0,
         0, NULL, false, NULL},
        {0, "data-dir", CLI_STRING, "DIR", &data_dir,
         "read every data file of the dataset from DIR (file names kept)", 0, 0, NULL, false, NULL},
        {0, "seed", CLI_NUMBER, "N", &seed, "override the training seed of the model", 0,
         UINT64_MAX, NULL, false, &seed_given},
        {0, "resume", CLI_FLAG, NULL, &resume,
         "continue a stopped training run in the output folder", 0, 0, NULL, false, NULL},
        {0, "threads", CLI_NUMBER, "N", &threads,
         "worker threads (default: the machine's cores; the tables do not depend on it)", 0, 1024,
         NULL, false, NULL},
        {0, "store", CLI_STRING, "DIR", &store,
         "experiment store (default $NLTC_STORE, else .nltc/ beside the model)", 0, 0, NULL, false,
         NULL},
        {0, "no-record", CLI_FLAG, NULL, &no_record,
         "do not record the run in the experiment store", 0, 0, NULL, false, NULL},
        {0, "no-rtl", CLI_FLAG, NULL, &no_rtl,
         "skip the Verilator run of the RTL during verification", 0, 0, NULL, false, NULL},
        {0, "no-synth", CLI_FLAG, NULL, &no_synth,
         "skip Yosys synthesis (the analytic LUT estimate remains)", 0, 0, NULL, false, NULL},
        {0, "force", CLI_FLAG, NULL, &force,
         "write into a non-empty -o folder that holds no earlier nltc run", 0, 0, NULL, false,
         NULL},
        {0, "max-memory", CLI_STRING, "SIZE", &max_memory,
         "memory the run may use, e.g. 8G (default: the physical memory)", 0, 0, NULL, false, NULL},
        {0, "quiet", CLI_FLAG, NULL, &quiet, "no progress output", 0, 0, NULL, false, NULL},
        {0, "version", CLI_FLAG, NULL, &version, "show the version", 0, 0, NULL, false, NULL},
    };
    static const char *const usage[] = {
        "nltc FILE -o DIR [options]     compile FILE and run the whole flow into DIR",
        "nltc --check FILE [options]    parse and check FILE only",
        "nltc --emit=ir FILE [options]  print the lowered IR of FILE",
        "nltc COMMAND [args...]         run a command (listed below)",
        "nltc --help | --version",
        NULL};
    const cli_spec spec = {
        "nltc", "FILE", 0, -1, usage, NULL, opts, (int)(sizeof opts / sizeof opts[0]), main_epilog};
    cli_result r;
    rt_status st = cli_parse(&spec, argc, argv, &r, e);
    if (st == RT_OK && !r.help && version) {
        printf("nltc %s\n", NLTC_VERSION);
    } else if (st == RT_OK && !r.help) {
        main_mode mode = emit == 0 ? MAIN_EMIT : check ? MAIN_CHECK : MAIN_RUN;
        if (r.n_args == 0)
            st = cli_usage_error(&spec, e, "no model file given");
        else if (r.n_args > 1)
            st = cli_usage_error(&spec, e, "more than one model file given ('%s')", r.args[1]);
        else if (max_memory && main_size(max_memory, &mem) != 0)
            st = cli_usage_error(&spec, e,
                                 "--max-memory expects a size such as 512M, 8G or 1T, found '%s'",
                                 max_memory);
        else if (mode == MAIN_RUN && !out)
            st = cli_usage_error(&spec, e, "missing -o DIR for '%s' (or use --check / --emit=ir)",
                                 r.args[0]);
        nltc_compile_opts co = {.include_dirs = includes.items,
                                .n_include_dirs = (int)includes.n,
                                .data_dir = data_dir,
                                .seed_set = seed_given,
                                .seed = seed};
        nltc_flow_opts fo = {.out_dir = out,
                             .resume = resume,
                             .threads = (int)threads,
                             .record = !no_record,
                             .store_dir = store,
                             .rtl = !no_rtl,
                             .synth = !no_synth,
                             .quiet = quiet,
                             .force = force,
                             .max_memory = mem,
                             .argc = argc,
                             .argv = argv};
        if (st == RT_OK) st = main_compile(r.args[0], mode, &co, &fo, e);
    }
    cli_list_free(&includes);
    cli_result_free(&r);
    return st;
}

int main(int argc, char **argv) {
    rt_error e = {0};
    rt_status st = RT_ERR_USAGE;
    bool found = false;
    for (int i = 0; argc > 1 && i < MAIN_N_COMMANDS && !found; i++)
        if (strcmp(argv[1], main_commands[i].name) == 0) {
            st = main_commands[i].fn(argc - 1, argv + 1, &e);
            found = true;
        }
    if (!found) st = main_run(argc, argv, &e);
    if (st != RT_OK) driver_print_error(NULL, &e);
    return main_exit_code(st);
}
