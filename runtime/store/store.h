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
 */
#ifndef NLTC_STORE_H
#define NLTC_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <git2.h>

/* ---- Public API ------------------------------------------------------------------------ */

/* The model's source files as they were when compiled (store_sources_capture). */
typedef struct store_sources {
    int n;       /* number of files */
    char **text; /* [n] contents */
    size_t *len; /* [n] byte counts */
} store_sources;

/* Reads the files now. Call it right after compiling, before training, so that the run
 * records the text that was compiled even when a file is edited during the run. Returns
 * NULL (message on err) when a file cannot be read. */
store_sources *store_sources_capture(int n, const char *const *paths, FILE *err);
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
    uint64_t seed;                 /* ir_program.train.seed */
    int argc;                      /* the command line, recorded as given */
    char *const *argv;             /* [argc] */
    const char *version;           /* nltc version string */
    const char *out_dir;           /* OUT: report.json is required, the rest is taken if present */
    int64_t time;                  /* commit time in seconds since 1970 (UTC); 0 = now */
    FILE *log; /* receives "nltc: recorded run ID as MODEL~0 in DIR"; NULL: quiet */
} store_record_args;

/* Records the run as one commit on branch model_name. Returns 0, 1 on bad arguments (an
 * invalid model name, missing or malformed OUT/report.json), 2 on a store or I/O error
 * (foreign or corrupt repository, lock timeout). Messages go to err. */
int store_record(const store_record_args *a, FILE *err);

/* The store folder for recording: flag_dir if not NULL, else $NLTC_STORE if set and not
 * empty, else ".nltc" in the folder of model_path. Returns a new string. */
char *store_default_dir(const char *flag_dir, const char *model_path);

/* Subcommands. argv[0] is the subcommand's name; options may come anywhere. Output goes to
 * stdout, errors to stderr. Every command takes --store DIR (default: $NLTC_STORE, else
 * ./.nltc). RUN is a short commit id, a tag, MODEL (its latest run) or MODEL~N (N runs
 * before the latest). Return: 0 ok, 1 usage error or unknown run, 2 store or I/O error.
 *   runs [--model M]                 one line per run: id, date, MODEL~N, seed, accuracy, LUTs
 *   show RUN [--json]                run facts, then report.md (--json: report.json as stored)
 *   diff A B [--html FILE]           model-file diff and metric deltas; --html writes a page
 *   checkout RUN -o DIR [--force]    restores the run's files into DIR (new or empty folder;
 *                                    --force allows overwriting files in a non-empty one)
 *   tag RUN NAME                     names a run (a lightweight tag refs/tags/NAME) */
int store_cmd_runs(int argc, char **argv);
int store_cmd_show(int argc, char **argv);
int store_cmd_diff(int argc, char **argv);
int store_cmd_checkout(int argc, char **argv);
int store_cmd_tag(int argc, char **argv);

/* ---- Internal ----------------------------------------------------------------------------- */

/* An open store. */
typedef struct store {
    git_repository *repo; /* the bare repository */
    char *dir;            /* its folder as given */
    int lock_fd;          /* DIR/nltc.lock while locked, else -1 */
    bool damaged;         /* a read met a missing or corrupt object (reported on stderr);
                             commands then exit with 2 */
} store;

/* Opens the store at dir. With create, a missing or empty folder becomes a new store whose
 * HEAD names init_branch. Returns 0, or 2 with a message (missing, foreign, corrupt). */
int store_open(store *s, const char *dir, bool create, const char *init_branch, FILE *err);
void store_close(store *s);
/* Takes the store's writer lock (waits up to 10 minutes, saying so after 2 s) and removes
 * what only a killed writer can have left while we hold the lock: partial objects
 * (objects/tmp_object_git2_*) and the git lock files listed in stale[] (NULL-terminated,
 * relative to DIR). Returns 0 or 2. */
int store_lock(store *s, const char *const *stale, FILE *err);
void store_unlock(store *s);
/* Prints "nltc: store DIR: WHAT: <libgit2's last error>" and returns 2. */
int store_git_error(const store *s, const char *what, FILE *err);
/* The folder for commands: flag, else $NLTC_STORE, else ".nltc". */
const char *store_cmd_dir(const char *flag);
/* Resolves RUN (see above) to a commit that holds run.json. Returns 0, 1 (no such run,
 * message on err) or 2 (store error). */
int store_resolve(store *s, const char *spec, git_commit **out, FILE *err);
/* The content of file `path` in a commit's tree, NUL-terminated (length in *len); NULL when
 * absent or not a file. A missing or corrupt object is reported and sets s->damaged. */
char *store_read_file(store *s, const git_commit *c, const char *path, size_t *len);
/* "MODEL~N" of a run (N = its distance from the tip of its model's branch), written to buf;
 * empty when the commit is no longer on its branch. */
void store_run_name(store *s, const git_commit *c, char *buf, size_t n);
/* The tags pointing at commit id, comma-separated, into buf (empty when none). */
void store_run_tags(store *s, const git_oid *id, char *buf, size_t n);

/* Options of the subcommands (each accepts a subset). */
typedef struct store_cmd_opts {
    const char *store;  /* --store DIR */
    const char *model;  /* --model M (runs) */
    const char *html;   /* --html FILE (diff) */
    const char *out;    /* -o DIR (checkout) */
    bool json;          /* --json (show) */
    bool force;         /* --force (checkout) */
    bool help;          /* -h / --help: usage was printed */
    int npos;           /* positional arguments */
    const char *pos[4]; /* [npos] */
} store_cmd_opts;

/* Parses argv[1..argc) for the options named in `allowed` (a comma list of "store", "model",
 * "html", "o", "json", "force") and min_pos..max_pos positionals. Returns 0, or 1 after
 * printing "nltc CMD: problem" and the usage line to stderr. */
int store_cmd_parse(int argc, char **argv, const char *allowed, int min_pos, int max_pos,
                    const char *usage, store_cmd_opts *o);
/* Commit time of a run as "YYYY-MM-DD HH:MM" in the committer's zone (with_zone: seconds
 * and the +HHMM offset too). */
void store_format_time(const git_commit *c, bool with_zone, char *buf, size_t n);

#endif /* NLTC_STORE_H */
