/* sweep.c - `nltc sweep FILE -o DIR`: expand the sweep block, compile every configuration
 * (every check of the model file, located in the sweep block), estimate and prune it by
 * the where clauses and budgets, skip what the store already holds, run the rest with -j N
 * worker processes (or over MPI ranks), one line per finished configuration, a summary. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "cli.h"
#include "driver.h"
#include "flow.h"
#include "report.h"
#include "store.h"
#include "sweep.h"
#include "train.h"

/* ---- The plan ----------------------------------------------------------------------- */

/* The analytic estimates of a compiled configuration (before any training). */
static void sw_estimate(const ir_program *ir, sw_row *r) {
    r->luts = 0;
    r->address_bits = 0;
    double macs = 0;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        int a = L->fanin * L->bits_in;
        r->luts += (long)L->out_width * L->bits_out * rt_lut_cost(a, ir->hw.lut_inputs);
        r->address_bits = a > r->address_bits ? a : r->address_bits;
        double h = L->hidden;
        macs += (double)L->out_width * (L->fanin * (h > 0 ? h : 1) +
                                        (L->depth > 1 ? (L->depth - 1) * h * h : 0) + h + L->fanin);
    }
    int epochs = 0;
    for (int s = 0; s < ir->train.n_stages; s++)
        epochs += ir->train.stages[s].epochs;
    r->mmacs = macs * epochs / 1e6;
    r->latency = ir->hw.stages;
    tr_memory m;
    r->memory = tr_memory_estimate(ir, 1, NULL, &m);
}

/* Prunes row r by the budgets and where clauses; -1 after an error (reported). */
static int sw_prune(sw_plan *p, sw_row *r, diag_ctx *d) {
    const nltc_sweep *s = p->sweep;
    if (s->max_luts >= 0 && r->luts > s->max_luts) {
        r->state = SW_PRUNED;
        r->pruned_by = "max_luts";
        r->pruned_len = 8;
        return 0;
    }
    if (s->max_latency >= 0 && r->latency > s->max_latency) {
        r->state = SW_PRUNED;
        r->pruned_by = "max_latency";
        r->pruned_len = 11;
        return 0;
    }
    nltc_sweep_var vars[] = {
        {"luts", (double)r->luts},         {"latency", r->latency},
        {"address_bits", r->address_bits}, {"memory_mb", (double)r->memory / (1 << 20)},
        {"train_mmacs", r->mmacs},
    };
    for (int w = 0; w < s->n_where; w++) {
        int keep =
            nltc_sweep_where(s, s->where[w], r->c, vars, (int)(sizeof vars / sizeof *vars), d);
        if (keep < 0) return -1;
        if (!keep) {
            const ast_item *it = s->where[w];
            r->state = SW_PRUNED;
            r->pruned_by = it->at.file->text + it->at.begin;
            r->pruned_len = (int)(it->at.end - it->at.begin);
            return 0;
        }
    }
    return 0;
}

/* Compiles, estimates and prunes every configuration. RT_ERR_MODEL after errors (printed). */
static rt_status sw_build(sw_plan *p, rt_error *e) {
    diag_ctx d = {.out = p->co.quiet ? NULL : stderr};
    for (int i = 0; i < p->n; i++) {
        sw_row *r = &p->rows[i];
        nltc_compile_opts co = p->co;
        co.overrides = r->c->ov;
        co.n_overrides = p->sweep->n_axes;
        nltc_arena *a = nltc_arena_new();
        nltc_status cs;
        ir_program *ir = nltc_compile(p->file, &co, a, &cs);
        if (ir) {
            if (!p->model) p->model = xstrdup(ir->model_name);
            sw_estimate(ir, r);
            rt_error be = {0};
            if (be_check_model(ir, &be) != RT_OK) {
                if (!p->co.quiet) driver_print_error(ir, &be);
                cs.errors++;
            }
        }
        nltc_arena_free(a);
        if (!ir || cs.errors) {
            if (!p->co.quiet)
                fprintf(stderr, "nltc: configuration %s (%s) does not compile\n", r->c->name,
                        r->c->key);
            e->prop[0] = e->msg[0] = '\0';
            return e->status = RT_ERR_MODEL;
        }
        if (sw_prune(p, r, &d) < 0) {
            e->prop[0] = e->msg[0] = '\0';
            return e->status = RT_ERR_MODEL;
        }
    }
    int kept = 0;
    for (int i = 0; i < p->n; i++)
        kept += p->rows[i].state != SW_PRUNED;
    if (kept > 0) return RT_OK;
    const nltc_sweep *s = p->sweep;
    diag_error(&d, s->at, "every configuration of the sweep (%d) is pruned before training", p->n);
    for (int w = -2; w < s->n_where; w++) {
        const char *by = w == -2 ? "max_luts" : w == -1 ? "max_latency" : NULL;
        const char *text = by ? by : s->where[w]->at.file->text + s->where[w]->at.begin;
        int count = 0;
        for (int i = 0; i < p->n; i++)
            count += p->rows[i].pruned_by &&
                     (by ? strcmp(p->rows[i].pruned_by, by) == 0 : p->rows[i].pruned_by == text);
        src_range at = w == -2 ? s->max_luts_at : w == -1 ? s->max_latency_at : s->where[w]->at;
        if (at.file) diag_note(&d, at, "this prunes %d of them", count);
    }
    e->prop[0] = e->msg[0] = '\0';
    return e->status = RT_ERR_MODEL;
}

/* ---- Resume: what the store holds ------------------------------------------------------ */

static void sw_stored_visit(void *ctx, const store_run_view *v) {
    sw_plan *p = ctx;
    json_value *meta = NULL;
    if (!v->run_json || json_parse(v->run_json, v->run_json_len, "run.json", &meta, NULL)) return;
    const json_value *cfg = json_member(meta, "config"), *model = json_member(meta, "model");
    bool ours = cfg && cfg->kind == JSON_STRING && model && model->kind == JSON_STRING &&
                strcmp(model->text, p->model) == 0;
    for (int i = 0; ours && i < p->n; i++) {
        sw_row *r = &p->rows[i];
        if (r->state != SW_TODO || strcmp(r->c->key, cfg->text) != 0) continue;
        r->state = SW_STORED;
        report_doc doc;
        if (v->report_json &&
            report_json_parse(v->report_json, v->report_json_len, "report.json", &doc, NULL) == 0) {
            r->test = doc.r.accuracy.quantized;
            r->valid = doc.r.validation_accuracy;
            r->luts_run = doc.r.hardware.luts_yosys >= 0 ? doc.r.hardware.luts_yosys
                                                         : doc.r.hardware.luts_estimate;
            report_doc_free(&doc);
        }
    }
    json_free(meta);
}

/* ---- One configuration ------------------------------------------------------------------ */

int sw_run_config(const sw_plan *p, int i) {
    const sw_row *r = &p->rows[i];
    char *out = rt_path_join(p->out_dir, r->c->name);
    char *logname = xmalloc(strlen(out) + 8);
    sprintf(logname, "%s.log", out);
    FILE *log = fopen(logname, "w");
    if (log) {
        fflush(stdout);
        fflush(stderr);
        dup2(fileno(log), STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
        fclose(log);
    }
    printf("nltc sweep: configuration %s: %s\n", r->c->name, r->c->key);
    fflush(stdout);
    nltc_compile_opts co = p->co;
    co.overrides = r->c->ov;
    co.n_overrides = p->sweep->n_axes;
    nltc_arena *a = nltc_arena_new();
    ir_program *ir = nltc_compile(p->file, &co, a, NULL);
    rt_error e = {0};
    rt_status st = RT_ERR_MODEL;
    if (ir) {
        nltc_flow_opts fo = {.out_dir = out,
                             .threads = p->threads,
                             .record = true,
                             .store_dir = p->store_dir,
                             .rtl = p->rtl,
                             .synth = p->synth,
                             .quiet = true,
                             .force = true,
                             .argc = p->argc,
                             .argv = p->argv,
                             .config = r->c->key};
        st = nltc_flow_run(ir, &fo, &e);
        if (st != RT_OK) driver_print_error(ir, &e);
    }
    fflush(stdout);
    nltc_arena_free(a);
    free(logname);
    free(out);
    return st == RT_OK ? 0 : st == RT_INTERRUPTED ? 130 : st == RT_ERR_MISMATCH ? 3 : 1;
}

void sw_read_result(const sw_plan *p, sw_row *r) {
    char *dir = rt_path_join(p->out_dir, r->c->name);
    char *path = rt_path_join(dir, "report.json");
    report_doc doc;
    r->test = r->valid = NAN;
    r->luts_run = -1;
    if (report_json_read(path, &doc, NULL) == RT_OK) {
        r->test = doc.r.accuracy.quantized;
        r->valid = doc.r.validation_accuracy;
        r->luts_run = doc.r.hardware.luts_yosys >= 0 ? doc.r.hardware.luts_yosys
                                                     : doc.r.hardware.luts_estimate;
        report_doc_free(&doc);
    }
    free(path);
    free(dir);
}

void sw_print_progress(const sw_plan *p, const sw_row *r, int k, int n) {
    if (r->state == SW_DONE)
        printf("[%d/%d] %s: test %.2f%% (valid %.2f%%), %ld LUTs\n", k, n, r->c->name,
               100 * r->test, 100 * r->valid, r->luts_run);
    else
        printf("[%d/%d] %s: failed (exit %d, see %s/%s.log)\n", k, n, r->c->name, r->exit_code,
               p->out_dir, r->c->name);
    fflush(stdout);
}

/* ---- Local workers ------------------------------------------------------------------------ */

/* Runs the rows to do with up to jobs child processes at a time. */
static rt_status sw_local_farm(sw_plan *p, int jobs, rt_error *e) {
    int todo = 0, finished = 0, next = 0, running = 0;
    for (int i = 0; i < p->n; i++)
        todo += p->rows[i].state == SW_TODO;
    pid_t *pid = xcalloc((size_t)jobs, sizeof *pid);
    int *row = xcalloc((size_t)jobs, sizeof *row);
    bool stop = false;
    while ((next < p->n && !stop) || running > 0) {
        while (running < jobs && next < p->n && !stop) {
            if (p->rows[next].state != SW_TODO) {
                next++;
                continue;
            }
            int slot = 0;
            while (pid[slot])
                slot++;
            fflush(stdout);
            pid_t c = fork();
            if (c < 0) {
                stop = true;
                rt_fail(e, RT_ERR_IO, "cannot start a worker: %s", strerror(errno));
                break;
            }
            if (c == 0) _exit(sw_run_config(p, next));
            pid[slot] = c;
            row[slot] = next++;
            running++;
        }
        if (running == 0) break;
        int status;
        pid_t w = waitpid(-1, &status, 0);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) break;
        int slot = 0;
        while (slot < jobs && pid[slot] != w)
            slot++;
        if (slot == jobs) continue;
        pid[slot] = 0;
        running--;
        sw_row *r = &p->rows[row[slot]];
        r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        r->state = r->exit_code == 0 ? SW_DONE : SW_FAILED;
        if (r->exit_code == 130 || r->exit_code == 128 + SIGINT) stop = true;
        sw_read_result(p, r);
        sw_print_progress(p, r, ++finished, todo);
    }
    free(pid);
    free(row);
    if (e->status) return e->status;
    return stop ? rt_fail(e, RT_INTERRUPTED, "sweep interrupted; rerun the same command to resume")
                : RT_OK;
}

/* ---- Tables --------------------------------------------------------------------------------- */

static const char *const sw_state_word[] = {"to run", "pruned", "stored",
                                            "done",   "failed", "other"};

static void sw_pct(char *buf, size_t n, double v) {
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.2f%%", 100 * v);
}

/* The plan (--dry-run) or the summary: one row per configuration. */
static void sw_table(const sw_plan *p, bool summary) {
    int w = 4;
    for (int i = 0; i < p->n; i++)
        w = (int)strlen(p->rows[i].c->name) > w ? (int)strlen(p->rows[i].c->name) : w;
    if (summary)
        printf("%-*s  %-7s %8s %8s %8s %8s\n", w, "NAME", "STATE", "TEST", "VALID", "LUTS",
               "EST.LUTS");
    else
        printf("%-*s  %-7s %8s %7s %6s %10s %12s  %s\n", w, "NAME", "STATE", "EST.LUTS", "LATENCY",
               "ADDR", "MEMORY", "TRAIN.MMAC", "CONFIGURATION");
    for (int i = 0; i < p->n; i++) {
        const sw_row *r = &p->rows[i];
        if (summary) {
            char t[16], v[16], l[24];
            sw_pct(t, sizeof t, r->test);
            sw_pct(v, sizeof v, r->valid);
            snprintf(l, sizeof l, r->luts_run >= 0 ? "%ld" : "-", r->luts_run);
            printf("%-*s  %-7s %8s %8s %8s %8ld\n", w, r->c->name, sw_state_word[r->state], t, v, l,
                   r->luts);
            continue;
        }
        char mem[32];
        tr_mem_format(r->memory, mem, sizeof mem);
        printf("%-*s  %-7s %8ld %7d %6.0f %10s %12.1f  %s", w, r->c->name, sw_state_word[r->state],
               r->luts, r->latency, r->address_bits, mem, r->mmacs, r->c->key);
        if (r->pruned_by) printf("  (pruned: %.*s)", r->pruned_len, r->pruned_by);
        printf("\n");
    }
}

/* ---- The command ------------------------------------------------------------------------------
 */

/* The counts of each state, as one line. */
static void sw_counts(const sw_plan *p) {
    int c[SW_OTHER + 1] = {0};
    for (int i = 0; i < p->n; i++)
        c[p->rows[i].state]++;
    printf("%d configurations (grid %d): %d to run, %d pruned, %d already in the store %s", p->n,
           p->sweep->n_grid, c[SW_TODO], c[SW_PRUNED], c[SW_STORED], p->store_dir);
    if (c[SW_OTHER]) printf(", %d for other shards", c[SW_OTHER]);
    printf("\n");
}

rt_status driver_cmd_sweep(int argc, char **argv, rt_error *e) {
    const char *out = NULL, *store = NULL, *data_dir = NULL, *shard = NULL;
    bool dry = false, no_rtl = false, no_synth = false;
    uint64_t jobs = 1, threads = 1;
    cli_list includes = {0};
    const cli_opt opts[] = {
        {'o', NULL, CLI_STRING, "DIR", &out, "the runs go to DIR/NAME/ (one per configuration)", 0,
         0, NULL, false, NULL},
        {'j', "jobs", CLI_NUMBER, "N", &jobs, "worker processes (default 1)", 1, 256, NULL, false,
         NULL},
        {0, "threads", CLI_NUMBER, "N", &threads, "training threads per run (default 1)", 1, 1024,
         NULL, false, NULL},
        {0, "dry-run", CLI_FLAG, NULL, &dry,
         "list the configurations with their estimates; train nothing", 0, 0, NULL, false, NULL},
        {0, "store", CLI_STRING, "DIR", &store,
         "experiment store (default $NLTC_STORE, else .nltc/ beside FILE)", 0, 0, NULL, false,
         NULL},
        {'I', NULL, CLI_LIST, "DIR", &includes, "add DIR to the import search path", 0, 0, NULL,
         false, NULL},
        {0, "data-dir", CLI_STRING, "DIR", &data_dir, "read every data file from DIR", 0, 0, NULL,
         false, NULL},
        {0, "no-rtl", CLI_FLAG, NULL, &no_rtl, "skip the Verilator run of each RTL", 0, 0, NULL,
         false, NULL},
        {0, "shard", CLI_STRING, "K/N", &shard,
         "run only the configurations whose number is K modulo N (job arrays)", 0, 0, NULL, false,
         NULL},
        {0, "no-synth", CLI_FLAG, NULL, &no_synth, "skip Yosys synthesis of each run", 0, 0, NULL,
         false, NULL},
    };
    const cli_spec spec = {
        "nltc sweep",
        "FILE",
        1,
        1,
        NULL,
        "Runs every configuration of FILE's sweep block (lang/README.md, \"Sweeps\") as\n"
        "`nltc FILE -o DIR/NAME` would, recording each run in the store with its\n"
        "configuration; configurations the store already holds are skipped. Under mpirun the\n"
        "ranks share the configurations (README.md, \"Sweeps on MPI\").\n",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        NULL};
    cli_result cr;
    rt_status st = cli_parse(&spec, argc, argv, &cr, e);
    if (st == RT_OK && !cr.help && !out && !dry)
        st = cli_usage_error(&spec, e, "missing -o DIR (or use --dry-run)");
    unsigned shard_k = 0, shard_n = 1;
    char shard_end = 0;
    if (st == RT_OK && !cr.help && shard &&
        (sscanf(shard, "%u/%u%c", &shard_k, &shard_n, &shard_end) != 2 || shard_n == 0 ||
         shard_k >= shard_n))
        st = cli_usage_error(&spec, e, "--shard expects K/N with 0 <= K < N, found '%s'", shard);
    if (st != RT_OK || cr.help) {
        cli_list_free(&includes);
        cli_result_free(&cr);
        return st;
    }
    nltc_arena *a = nltc_arena_new();
    sw_plan p = {.file = cr.args[0],
                 .out_dir = out,
                 .threads = (int)threads,
                 .rtl = !no_rtl,
                 .synth = !no_synth,
                 .argc = argc,
                 .argv = argv};
    p.co = (nltc_compile_opts){
        .include_dirs = includes.items, .n_include_dirs = (int)includes.n, .data_dir = data_dir};
    int rank = 0, ranks = 1;
#ifdef NLTC_MPI
    ranks = sw_mpi_ranks(&rank);
#endif
    p.co.quiet = rank > 0; /* rank 0 speaks for all */
    nltc_status cs;
    p.sweep = nltc_sweep_load(p.file, &p.co, a, &cs);
    if (!p.sweep) {
        st = e->status = cs.io_error ? RT_ERR_IO : RT_ERR_MODEL;
        e->prop[0] = e->msg[0] = '\0';
    }
    char *store_dir = NULL;
    if (!st) {
        p.n = p.sweep->n_configs;
        p.rows = xcalloc((size_t)p.n, sizeof *p.rows);
        for (int i = 0; i < p.n; i++)
            p.rows[i] =
                (sw_row){.c = &p.sweep->configs[i], .test = NAN, .valid = NAN, .luts_run = -1};
        p.store_dir = store_dir = store_default_dir(store, p.file);
        st = sw_build(&p, e);
        for (int i = 0; i < p.n; i++) /* a shard (--shard K/N) keeps its own rows */
            if (p.rows[i].state == SW_TODO && (unsigned)i % shard_n != shard_k)
                p.rows[i].state = SW_OTHER;
    }
    if (!st && rank == 0) st = store_each_run(p.store_dir, p.model, true, sw_stored_visit, &p, e);
    if (st == RT_ERR_DATA) st = e->status = RT_OK; /* no run of the model yet */
    if (!st && rank == 0) sw_counts(&p);
    if (!st && rank == 0 && dry) sw_table(&p, false);
    if (!st && !dry && rank == 0) st = nltc_outdir_check(out, true, e);
    int mk = !st && !dry && rank == 0 ? rt_mkdirs(out, NULL) : 0;
    if (mk) st = rt_fail(e, RT_ERR_IO, "-o %s: %s", out, strerror(mk));
#ifdef NLTC_MPI
    if (ranks > 1 && !dry && !sw_mpi_go(st == RT_OK) && !st) st = e->status = RT_ERR_USAGE;
    if (ranks > 1 && !dry && !st) st = sw_mpi_farm(&p, e);
    if (rank > 0) e->msg[0] = '\0'; /* rank 0 reports */
#endif
    if (!st && !dry && ranks == 1) st = sw_local_farm(&p, (int)jobs, e);
    if (rank == 0 && !dry && p.rows && (st == RT_OK || st == RT_INTERRUPTED)) sw_table(&p, true);
    int failed = 0;
    for (int i = 0; i < p.n; i++)
        failed += p.rows[i].state == SW_FAILED;
    if (!st && failed && rank == 0)
        st = rt_fail(e, RT_ERR_TOOL, "%d of the sweep's runs failed (their logs are in %s)", failed,
                     out);
    free(p.rows);
    free((char *)p.model);
    free(store_dir);
    nltc_arena_free(a);
    cli_list_free(&includes);
    cli_result_free(&cr);
    return st;
}
