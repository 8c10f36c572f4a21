/* store.h - the experiment store: every `nltc model.nlt -o OUT` run recorded as one git
 * commit (libgit2), and the commands that read the history back.
 *
 * The store is a bare git repository (default: .nltc/ beside the model file; --store DIR and
 * $NLTC_STORE override). One branch per model name, refs/heads/MODEL; each run is a commit
 * whose parent is the previous run of that model. A run's tree:
 *
 *   run.json       model, seed, command line, nltc version, source map (written here)
 *   src/...        the model file (src/BASENAME) and every imported module
 *   model.ir       the IR dump
 *   report.json    report.md  report.html  plots/   (from OUT)
 *   train/  tables/  vectors/  rtl/  csim/          (from OUT; hidden, *.tmp* and obj_dir skipped)
 *
 * Safety: recorders serialize on flock(DIR/nltc.lock) (released by the kernel when a process
 * dies) and update the branch with a compare-and-swap; objects are written before the ref
 * and every git write is a rename, so a killed run leaves at most unreachable objects. A new
 * store is initialized in a temporary folder and renamed into place. A folder that is not a
 * bare git repository marked nltc.store = 1 in its config is refused with a clear error.
 *
 * Sections: public API (driver), internal (shared by the files of this folder).
 * The store reads reports it stored (report.json of a run, for runs and diff) but never the
 * output folder's: store_record is handed the rt_report of the run.
 */
#ifndef NLTC_STORE_H
#define NLTC_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <git2.h>

#include "rt.h"

/* ---- Public API ------------------------------------------------------------------------
 * Errors follow the runtime's protocol (rt.h): a function returns an rt_status and fills the
 * caller's rt_error; nothing here prints an error or chooses an exit code. Statuses:
 * RT_ERR_IO for a store that is missing, foreign, corrupt or cannot be written and for file
 * errors; RT_ERR_DATA for a request the store's contents refuse (no such run, a tag that
 * exists, a model name that cannot name a branch, a destination that is not empty);
 * RT_ERR_USAGE for arguments that are missing. Notes that are not errors (a stale lock file
 * removed, a source changed during the run) go to a FILE *notes given by the caller (NULL:
 * none). */

/* The model's source files as they were when compiled (store_sources_capture). */
typedef struct store_sources {
    int n;       /* number of files */
    char **text; /* [n] contents */
    size_t *len; /* [n] byte counts */
} store_sources;

/* Reads the files now. Call it right after compiling, before training, so that the run
 * records the text that was compiled even when a file is edited during the run. Returns
 * NULL (e filled, RT_ERR_IO) when a file cannot be read. */
store_sources *store_sources_capture(int n, const char *const *paths, rt_error *e);
void store_sources_free(store_sources *s);

/* Everything store_record needs about one finished run. */
typedef struct store_record_args {
    const char *store_dir;      /* --store DIR; NULL: $NLTC_STORE, else .nltc beside model_path */
    const char *model_name;     /* ir_program.model_name: names the branch */
    const char *model_path;     /* the model file as given (used when n_sources == 0) */
    int n_sources;              /* ir_program.n_sources */
    const char *const *sources; /* ir_program.sources: resolved, the model file first */
    const store_sources *captured; /* [n_sources] texts from store_sources_capture, or NULL:
                                      the files are read when recording */
    const char *ir_text;           /* the IR dump text, or NULL: read ir_path */
    const char *ir_path;           /* the IR dump file, or NULL: OUT/model.ir (when it exists) */
    const rt_report *report;       /* the run's report (the commit message is made from it);
                                      required */
    uint64_t seed;                 /* ir_program.train.seed */
    int argc;                      /* the command line, recorded as given */
    char *const *argv;             /* [argc] */
    const char *version;           /* nltc version string */
    const char *out_dir; /* OUT: its files are recorded; OUT/report.json (the written report)
                            is required, the rest is taken if present */
    const char *config;  /* a sweep configuration ("lut leaf.fanin=4; seed=2"), recorded as
                            run.json's "config"; NULL: none */
    int64_t time;        /* commit time in seconds since 1970 (UTC); 0 = now */
    FILE *log;           /* receives "nltc: recorded run ID of MODEL in DIR" (the id stays
                            valid; MODEL~0 would name the next run later); NULL: quiet */
    FILE *notes;         /* receives notes (see above); NULL: none */
} store_record_args;

/* Records the run as one commit on branch model_name. RT_ERR_USAGE when a required
 * argument is missing, RT_ERR_DATA for a model name that cannot name a git branch,
 * RT_ERR_IO for a store or file error (foreign or corrupt repository, lock timeout, an
 * unreadable file of OUT). */
rt_status store_record(const store_record_args *a, rt_error *e);

/* The store folder for recording: flag_dir if not NULL, else $NLTC_STORE if set and not
 * empty, else ".nltc" in the folder of model_path. Returns a new string. */
char *store_default_dir(const char *flag_dir, const char *model_path);

/* Where the reading commands look and write. */
typedef struct store_io {
    const char *dir; /* the store; NULL: $NLTC_STORE, else ./.nltc (store_cmd_dir) */
    FILE *out;       /* normal output */
    FILE *notes;     /* notes (an unreadable report of a run, an unsafe file name skipped) */
} store_io;

/* The commands behind `nltc runs/show/diff/checkout/tag` (driver/ parses their command
 * lines). RUN is a short commit id, a tag, MODEL (its latest run) or MODEL~N (N runs
 * before the latest). Output goes to io->out.
 *   store_runs       one line per run: id, date, MODEL~N, variant (FNV-1a of the run's
 *                    model.ir: runs of one model with other properties differ), seed,
 *                    accuracy, LUTs, tags; or JSON or CSV; sorted (store_runs_opts)
 *   store_show       run facts, then report.md (json: report.json as stored)
 *   store_diff       model-file diff and metric deltas; html (if not NULL) names a page to
 *                    write
 *   store_checkout   restores the run's files into folder to (new or empty; force allows
 *                    overwriting files in a non-empty one)
 *   store_tag        names a run (a lightweight tag refs/tags/NAME) */
typedef enum store_list { STORE_LIST_TABLE, STORE_LIST_JSON, STORE_LIST_CSV } store_list;
typedef enum store_sort {
    STORE_SORT_DATE,     /* newest first */
    STORE_SORT_ACCURACY, /* highest quantized test accuracy first */
    STORE_SORT_LUTS,     /* fewest LUTs first */
    STORE_SORT_MODEL,    /* by model name, then MODEL~N */
    STORE_SORT_SEED,     /* by seed */
} store_sort;
typedef struct store_runs_opts {
    const char *model; /* only that model's runs; NULL: all */
    store_list format; /* a table, a JSON array of objects, or CSV with a header row */
    store_sort sort;   /* the order (ties: newest first) */
} store_runs_opts;
rt_status store_runs(const store_io *io, const store_runs_opts *o, rt_error *e);
rt_status store_show(const store_io *io, const char *run, bool json, rt_error *e);
rt_status store_diff(const store_io *io, const char *run_a, const char *run_b, const char *html,
                     rt_error *e);
rt_status store_checkout(const store_io *io, const char *run, const char *to, bool force,
                         rt_error *e);
rt_status store_tag(const store_io *io, const char *run, const char *name, rt_error *e);

/* One recorded run, as store_each_run hands it over (valid during the call only). */
typedef struct store_run_view {
    const char *shortid;     /* unique abbreviation of the commit id */
    const char *name;        /* MODEL~N */
    const char *model;       /* the model (its branch) */
    const char *run_json;    /* run.json, NUL-terminated; NULL when unreadable */
    size_t run_json_len;     /* its bytes */
    const char *report_json; /* report.json, likewise */
    size_t report_json_len;
} store_run_view;
typedef void (*store_run_fn)(void *ctx, const store_run_view *run);

/* Calls fn for every run in store dir (model: only that model's; NULL: all), each branch
 * newest first. A dir that does not exist: RT_OK and no call when missing_ok, else
 * RT_ERR_IO. Readers take no lock: a branch moves only after its objects are written. */
rt_status store_each_run(const char *dir, const char *model, bool missing_ok, store_run_fn fn,
                         void *ctx, rt_error *e);

/* ---- Internal ----------------------------------------------------------------------------- */

/* An open store. */
typedef struct store {
    git_repository *repo; /* the bare repository */
    char *dir;            /* its folder as given */
    int lock_fd;          /* DIR/nltc.lock while locked, else -1 */
    bool damaged;         /* a read met a missing or corrupt object; commands then fail with
                             RT_ERR_IO and the first such message, damage */
    char damage[600];     /* the first damage met */
} store;

/* Calls fn for every run of model `model` (NULL: of every model), each branch newest first
 * (first-parent history from its tip), with the run's commit, its model (branch), its name
 * MODEL~N and its short id; a status other than RT_OK stops the walk and is returned. A
 * model without runs: RT_ERR_DATA. */
typedef rt_status (*store_commit_fn)(store *s, git_commit *c, const char *model, const char *name,
                                     const char *shortid, void *ctx, rt_error *e);
rt_status store_walk(store *s, const char *model, store_commit_fn fn, void *ctx, rt_error *e);

/* Opens the store at dir. With create, a missing or empty folder becomes a new store whose
 * HEAD names init_branch. RT_OK, or RT_ERR_IO (missing, foreign, corrupt). */
rt_status store_open(store *s, const char *dir, bool create, const char *init_branch, rt_error *e);
void store_close(store *s);
/* Takes the store's writer lock (waits up to 10 minutes, saying so on notes after 2 s) and
 * removes what only a killed writer can have left while we hold the lock: partial objects
 * (objects/tmp_object_git2_*) and the git lock files listed in stale[] (NULL-terminated,
 * relative to DIR), each noted on notes. RT_OK or RT_ERR_IO. */
rt_status store_lock(store *s, const char *const *stale, FILE *notes, rt_error *e);
void store_unlock(store *s);
/* Fills e with "store DIR: WHAT: <libgit2's last error>" and returns RT_ERR_IO. */
rt_status store_git_error(const store *s, const char *what, rt_error *e);
/* RT_ERR_IO with the first damage message when a read met damage (s->damaged), else RT_OK. */
rt_status store_check_damage(const store *s, rt_error *e);
/* The folder for commands: flag, else $NLTC_STORE, else ".nltc". */
const char *store_cmd_dir(const char *flag);
/* Resolves RUN (see above) to a commit that holds run.json. RT_OK, RT_ERR_DATA (no such
 * run) or RT_ERR_IO (store error). */
rt_status store_resolve(store *s, const char *spec, git_commit **out, rt_error *e);
/* The content of file `path` in a commit's tree, NUL-terminated (length in *len); NULL when
 * absent or not a file. A missing or corrupt object sets s->damaged (and s->damage). */
char *store_read_file(store *s, const git_commit *c, const char *path, size_t *len);
/* "MODEL~N" of a run (N = its distance from the tip of its model's branch), written to buf;
 * empty when the commit is no longer on its branch. */
void store_run_name(store *s, const git_commit *c, char *buf, size_t n);
/* The tags pointing at commit id, comma-separated, into buf (empty when none). */
void store_run_tags(store *s, const git_oid *id, char *buf, size_t n);
/* Commit time of a run as "YYYY-MM-DD HH:MM" in the committer's zone (with_zone: seconds
 * and the +HHMM offset too). */
void store_format_time(const git_commit *c, bool with_zone, char *buf, size_t n);

#endif /* NLTC_STORE_H */
