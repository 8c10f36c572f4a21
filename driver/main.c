/* main.c - the nltc command line: options, the compile modes, the subcommands, and the one
 * table of exit codes.
 *
 *   nltc FILE -o DIR      compile, then run the whole flow (flow.c)
 *   nltc --check FILE     diagnostics, the back ends' and the memory checks, and a csv
 *                         dataset read and encoded (when its training file is there)
 *   nltc --emit=ir FILE   print the IR
 *   nltc COMMAND ...      a subcommand from main_commands[]
 * Every command returns an rt_status and fills an rt_error; main prints the error
 * (driver_print_error) and exits with the code main_exit_codes[] gives the status.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "compiler.h"
#include "driver.h"
#include "backend.h"
#include "data.h"
#include "flow.h"
#include "train.h"
#ifdef NLTC_MPI
#include "sweep.h"
#endif

#ifndef NLTC_VERSION
#define NLTC_VERSION "0.0.0"
#endif
#ifndef NLTC_COMMIT
#define NLTC_COMMIT "unknown"
#endif

static rt_status main_run(int argc, char **argv, rt_error *e);

/* A subcommand. Add entries here; --help lists them. */
typedef struct main_command {
    const char *name;  /* the word after nltc */
    driver_cmd_fn fn;  /* runs it */
    const char *usage; /* one line for --help */
} main_command;

static const main_command main_commands[] = {
    {"run", main_run, "the default command spelled out: nltc run FILE -o DIR [options]"},
    {"runs", driver_cmd_runs, "list recorded runs: nltc runs [--model M] [--store DIR]"},
    {"show", driver_cmd_show, "show a run's report: nltc show RUN [--json]"},
    {"diff", driver_cmd_diff, "compare two runs: nltc diff A B [--html FILE]"},
    {"checkout", driver_cmd_checkout, "restore a run's artifacts: nltc checkout RUN -o DIR"},
    {"tag", driver_cmd_tag, "name a run: nltc tag RUN NAME"},
    {"verify", driver_cmd_verify, "re-verify an output folder: nltc verify OUT [--no-rtl]"},
    {"fmt", driver_cmd_fmt, "format .nlt files: nltc fmt [--write | --check] FILE..."},
    {"lsp", driver_cmd_lsp, "the language server for editors (LSP over stdio): nltc lsp"},
    {"predict", driver_cmd_predict, "classify raw CSV rows: nltc predict OUT FILE.csv [-o FILE]"},
    {"sweep", driver_cmd_sweep, "run a sweep block's configurations: nltc sweep FILE -o DIR"},
    {"pareto", driver_cmd_pareto, "accuracy against LUTs of the stored runs: nltc pareto"},
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
          "  NLTC_YOSYS     the Yosys program for synthesis (default: yosys on PATH)\n"
          "  NLTC_VERILATOR the Verilator program for the RTL check (default: verilator)\n"
          "  NLTC_YOSYS_ABC the ABC of reduce = dont_care(fill = abc) (default: yosys-abc)\n"
          "  CC             the C compiler of the C simulator's check (default: cc)\n"
          "  TMPDIR         where scratch folders go (default /tmp)\n"
          "  NO_COLOR       set and not empty: no colour (unless --color=always)\n"
          "\nexit codes:\n",
          f);
    for (size_t i = 0; i < sizeof main_exit_meanings / sizeof main_exit_meanings[0]; i++)
        fprintf(f, "  %-4d %s\n", main_exit_meanings[i].code, main_exit_meanings[i].meaning);
    fputs("\nmore: man nltc, man nltc-lang (the language), lang/README.md\n", f);
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

/* --check of a csv dataset whose training file is there: loads and encodes it (columns,
 * cells, the encoded width against `inputs`, an error located there that says the right
 * number) and prints how the columns become the inputs. Other data is not read. */
static rt_status main_check_data(const ir_program *ir, rt_error *e) {
    const ir_dataset *ds = &ir->dataset;
    struct stat sb;
    if (ds->format != IR_DATA_CSV || !ds->train.path || stat(ds->train.path, &sb) != 0)
        return RT_OK;
    rt_dataset d;
    data_info info;
    rt_status st = data_load_info(ds, &d, &info, e);
    if (st) return st;
    cli_printf_wrapped(stdout, 2, "data: %s", info.encoding);
    rt_dataset_free(&d);
    data_info_free(&info);
    return RT_OK;
}

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
        if (st == RT_OK) st = main_check_data(ir, e);
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

/* The options of `nltc FILE`. */
typedef struct main_args {
    bool check, version, seed_given, resume, no_record, no_rtl, no_synth, quiet, verbose, force;
    int emit, color;
    uint64_t seed, threads;
    const char *out, *data_dir, *store, *max_memory, *log;
    cli_list includes, sets;
} main_args;

#ifdef NLTC_MPI
static void main_dp_abort(rt_status st) {
    sw_mpi_abort(main_exit_code(st));
}
#endif

/* Under mpirun with more than one rank: the flow trains data-parallel over the ranks;
 * ranks other than 0 are quiet and write nothing. */
static void main_dp(nltc_flow_opts *fo) {
#ifdef NLTC_MPI
    int rank, ranks = sw_mpi_ranks(&rank);
    if (ranks <= 1) return;
    fo->dp = (train_dp){rank, ranks, sw_mpi_reduce, NULL};
    fo->dp_abort = main_dp_abort;
    if (rank == 0) return;
    fo->quiet = true;
    fo->verbose = fo->live = false;
    fo->log_path = NULL;
#else
    (void)fo;
#endif
}

/* Each --set PATH=VALUE as an override (the text points into argv; the compilation parses
 * it, nltc_override_parse). */
static rt_status main_sets(const cli_spec *spec, const cli_list *sets, nltc_override *ov,
                           rt_error *e) {
    for (size_t i = 0; i < sets->n; i++) {
        const char *t = sets->items[i], *eq = strchr(t, '=');
        if (!eq || eq == t)
            return cli_usage_error(spec, e,
                                   "--set expects PATH=VALUE (e.g. train.batch=256), "
                                   "found '%s'",
                                   t);
        ov[i] = (nltc_override){.text = t};
    }
    return RT_OK;
}

/* Checks the positional arguments and options of `nltc FILE`, then compiles and runs. */
static rt_status main_go(const cli_spec *spec, const cli_result *r, main_args *m, int argc,
                         char **argv, rt_error *e) {
    main_mode mode = m->emit == 0 ? MAIN_EMIT : m->check ? MAIN_CHECK : MAIN_RUN;
    uint64_t mem = 0;
    if (r->n_args == 0) return cli_usage_error(spec, e, "no model file given");
    if (r->n_args > 1)
        return cli_usage_error(spec, e, "more than one model file given ('%s')", r->args[1]);
    if (m->max_memory && main_size(m->max_memory, &mem) != 0)
        return cli_usage_error(spec, e,
                               "--max-memory expects a size such as 512M, 8G or 1T, found '%s'",
                               m->max_memory);
    if (m->quiet && m->verbose) return cli_usage_error(spec, e, "-q and -v cannot be combined");
    if (mode == MAIN_RUN && !m->out)
        return cli_usage_error(spec, e, "missing -o DIR for '%s' (or use --check / --emit=ir)",
                               r->args[0]);
    nltc_override *ov = xcalloc(m->sets.n + 1, sizeof *ov);
    rt_status st = main_sets(spec, &m->sets, ov, e);
    nltc_compile_opts co = {.include_dirs = m->includes.items,
                            .n_include_dirs = (int)m->includes.n,
                            .stdlib_dir = driver_stdlib_dir(),
                            .data_dir = m->data_dir,
                            .seed_set = m->seed_given,
                            .seed = m->seed,
                            .color = driver_color(),
                            .overrides = ov,
                            .n_overrides = (int)m->sets.n};
    nltc_flow_opts fo = {.out_dir = m->out,
                         .resume = m->resume,
                         .threads = (int)m->threads,
                         .record = !m->no_record,
                         .store_dir = m->store,
                         .rtl = !m->no_rtl,
                         .synth = !m->no_synth,
                         .quiet = m->quiet,
                         .verbose = m->verbose,
                         .log_path = m->log,
                         .live = isatty(STDERR_FILENO) != 0,
                         .force = m->force,
                         .max_memory = mem,
                         .argc = argc,
                         .argv = argv};
    if (mode == MAIN_RUN) main_dp(&fo);
    if (st == RT_OK) st = main_compile(r->args[0], mode, &co, &fo, e);
    free(ov);
    return st;
}

static rt_status main_run(int argc, char **argv, rt_error *e) {
    main_args m = {.emit = -1};
    static const char *const emit_kinds[] = {"ir", NULL};
    static const char *const colors[] = {"auto", "always", "never", NULL};
    const cli_opt opts[] = {
        {'o', NULL, CLI_STRING, "DIR", &m.out, "output folder of the flow (created if missing)", 0,
         0, NULL, false, NULL},
        {0, "check", CLI_FLAG, NULL, &m.check, "parse and check FILE only", 0, 0, NULL, false,
         NULL},
        {0, "emit", CLI_CHOICE, "KIND", &m.emit, "print the lowered IR of FILE (--emit=ir)", 0, 0,
         emit_kinds, false, NULL},
        {0, "set", CLI_LIST, "PATH=VALUE", &m.sets,
         "override a property of the model, e.g. train.batch=256 or tree.t1.neurons=60 "
         "(repeatable; checked like the file)",
         0, 0, NULL, false, NULL},
        {'I', NULL, CLI_LIST, "DIR", &m.includes, "add DIR to the import search path (repeatable)",
         0, 0, NULL, false, NULL},
        {0, "data-dir", CLI_STRING, "DIR", &m.data_dir,
         "read every data file of the dataset from DIR (file names kept)", 0, 0, NULL, false, NULL},
        {0, "seed", CLI_NUMBER, "N", &m.seed, "override the training seed of the model", 0,
         UINT64_MAX, NULL, false, &m.seed_given},
        {0, "resume", CLI_FLAG, NULL, &m.resume,
         "continue a stopped training run in the output folder", 0, 0, NULL, false, NULL},
        {0, "threads", CLI_NUMBER, "N", &m.threads,
         "worker threads (default: the machine's cores; the tables do not depend on it)", 0, 1024,
         NULL, false, NULL},
        {0, "store", CLI_STRING, "DIR", &m.store,
         "experiment store (default $NLTC_STORE, else .nltc/ beside the model)", 0, 0, NULL, false,
         NULL},
        {0, "no-record", CLI_FLAG, NULL, &m.no_record,
         "do not record the run in the experiment store", 0, 0, NULL, false, NULL},
        {0, "no-rtl", CLI_FLAG, NULL, &m.no_rtl,
         "skip the Verilator run of the RTL during verification", 0, 0, NULL, false, NULL},
        {0, "no-synth", CLI_FLAG, NULL, &m.no_synth,
         "skip Yosys synthesis (the analytic LUT estimate remains)", 0, 0, NULL, false, NULL},
        {0, "force", CLI_FLAG, NULL, &m.force,
         "write into a non-empty -o folder that holds no earlier nltc run", 0, 0, NULL, false,
         NULL},
        {0, "max-memory", CLI_STRING, "SIZE", &m.max_memory,
         "memory the run may use, e.g. 8G (default: the physical memory)", 0, 0, NULL, false, NULL},
        {'q', "quiet", CLI_FLAG, NULL, &m.quiet,
         "no progress: only warnings, errors and the one-line result", 0, 0, NULL, false, NULL},
        {'v', "verbose", CLI_FLAG, NULL, &m.verbose,
         "more detail (the LUT cost formula of the estimate)", 0, 0, NULL, false, NULL},
        {0, "log", CLI_STRING, "FILE", &m.log,
         "also write the plain progress lines (one per epoch) to FILE", 0, 0, NULL, false, NULL},
        {0, "color", CLI_CHOICE, "WHEN", &m.color,
         "colour diagnostics and progress: auto (a terminal without $NO_COLOR), always, never", 0,
         0, colors, false, NULL},
        {0, "version", CLI_FLAG, NULL, &m.version, "show the version and the source commit", 0, 0,
         NULL, false, NULL},
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
    driver_color_init(m.color);
    if (st == RT_OK && !r.help && m.version)
        printf("nltc %s (commit %s)\n", NLTC_VERSION, NLTC_COMMIT);
    else if (st == RT_OK && !r.help)
        st = main_go(&spec, &r, &m, argc, argv, e);
    cli_list_free(&m.includes);
    cli_list_free(&m.sets);
    cli_result_free(&r);
    return st;
}

int main(int argc, char **argv) {
#ifdef NLTC_MPI
    sw_mpi_start(&argc, &argv);
    atexit(sw_mpi_end);
#endif
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
