/* record.c - store_record: one finished run becomes one commit on its model's branch.
 *
 * Order of writes, which is what makes a killed run harmless: every blob and tree, then the
 * commit object (all unreachable until the end), then the branch by compare-and-swap, then
 * HEAD. Writers hold the store lock throughout; a lost compare-and-swap (someone moved the
 * branch without the lock, e.g. plain git) re-parents the commit and tries again.
 *
 * The commit message is made from the rt_report the caller hands over; OUT's files,
 * report.json among them, are recorded as they are, never parsed here. */
#include "store.h"

#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- An in-memory tree, written bottom-up with treebuilders ------------------------------ */

typedef struct tnode {
    char *name;          /* entry name (NULL for the root) */
    bool dir;            /* a folder (kids) or a file (oid, mode) */
    git_oid oid;         /* blob id of a file */
    git_filemode_t mode; /* GIT_FILEMODE_BLOB or GIT_FILEMODE_BLOB_EXECUTABLE */
    struct tnode *kids;  /* [n] entries of a folder */
    int n, cap;          /* used / allocated entries */
} tnode;

static tnode *tnode_child(tnode *t, const char *name, size_t len, bool dir) {
    for (int i = 0; i < t->n; i++)
        if (strlen(t->kids[i].name) == len && memcmp(t->kids[i].name, name, len) == 0)
            return t->kids[i].dir == dir ? &t->kids[i] : NULL;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->kids = xrealloc(t->kids, (size_t)t->cap * sizeof *t->kids);
    }
    tnode *k = &t->kids[t->n++];
    memset(k, 0, sizeof *k);
    k->name = memcpy(xmalloc(len + 1), name, len);
    k->name[len] = '\0';
    k->dir = dir;
    return k;
}

/* Adds a file at a slash-separated path; false if the path is taken by a folder. */
static bool tnode_put(tnode *root, const char *path, const git_oid *oid, git_filemode_t mode) {
    tnode *t = root;
    for (;;) {
        const char *slash = strchr(path, '/');
        if (!slash) break;
        t = tnode_child(t, path, (size_t)(slash - path), true);
        if (!t) return false;
        path = slash + 1;
    }
    tnode *f = tnode_child(t, path, strlen(path), false);
    if (!f) return false;
    git_oid_cpy(&f->oid, oid);
    f->mode = mode;
    return true;
}

static bool tnode_has(const tnode *t, const char *path) {
    for (;;) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        const tnode *next = NULL;
        for (int i = 0; i < t->n && !next; i++)
            if (strlen(t->kids[i].name) == len && memcmp(t->kids[i].name, path, len) == 0)
                next = &t->kids[i];
        if (!next || !slash) return next != NULL;
        t = next;
        path = slash + 1;
    }
}

static int tnode_write(git_repository *repo, const tnode *t, git_oid *out) {
    git_treebuilder *b = NULL;
    if (git_treebuilder_new(&b, repo, NULL)) return -1;
    int rc = 0;
    for (int i = 0; i < t->n && rc == 0; i++) {
        const tnode *k = &t->kids[i];
        git_oid id;
        if (k->dir) {
            rc = tnode_write(repo, k, &id);
            if (rc == 0) rc = git_treebuilder_insert(NULL, b, k->name, &id, GIT_FILEMODE_TREE);
        } else {
            rc = git_treebuilder_insert(NULL, b, k->name, &k->oid, k->mode);
        }
    }
    if (rc == 0) rc = git_treebuilder_write(out, b);
    git_treebuilder_free(b);
    return rc;
}

static void tnode_free(tnode *t) {
    for (int i = 0; i < t->n; i++)
        tnode_free(&t->kids[i]);
    free(t->kids);
    free(t->name);
}

/* ---- Blobs ----------------------------------------------------------------------------- */

/* One recording in progress. */
typedef struct recorder {
    store s;                    /* the open store */
    const store_record_args *a; /* what to record */
    rt_error *e;                /* the error, if any */
    tnode root;                 /* the run's tree */
    git_odb *odb;               /* the object database */
} recorder;

/* Streams a file into a blob (no filters: checkout gives back the same bytes). */
static rt_status rec_blob_file(recorder *r, const char *path, git_oid *oid) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        rt_fail(r->e, RT_ERR_IO, "cannot record %s: %s", path, strerror(errno));
        if (f) fclose(f);
        return RT_ERR_IO;
    }
    git_odb_stream *ws = NULL;
    if (git_odb_open_wstream(&ws, r->odb, (git_object_size_t)st.st_size, GIT_OBJECT_BLOB)) {
        fclose(f);
        return store_git_error(&r->s, "cannot write a blob", r->e);
    }
    char buf[1 << 16];
    size_t got;
    off_t total = 0;
    bool failed = false;
    rt_status rc = RT_OK;
    while (!failed && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        total += (off_t)got;
        if (total > st.st_size || git_odb_stream_write(ws, buf, got)) failed = true;
    }
    if (ferror(f) || total != st.st_size) {
        rc = rt_fail(r->e, RT_ERR_IO, "cannot record %s: %s", path,
                     ferror(f) ? strerror(errno) : "the file changed while it was being recorded");
    } else if (failed || git_odb_stream_finalize_write(oid, ws)) {
        rc = store_git_error(&r->s, "cannot write a blob", r->e);
    }
    git_odb_stream_free(ws);
    fclose(f);
    return rc;
}

static rt_status rec_put_file(recorder *r, const char *fs_path, const char *tree_path, bool exec) {
    git_oid id;
    rt_status rc = rec_blob_file(r, fs_path, &id);
    if (rc) return rc;
    if (!tnode_put(&r->root, tree_path, &id,
                   exec ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB))
        return rt_fail(r->e, RT_ERR_IO, "cannot record %s: %s is already taken in the run", fs_path,
                       tree_path);
    return RT_OK;
}

static rt_status rec_put_text(recorder *r, const char *text, size_t len, const char *tree_path) {
    git_oid id;
    if (git_blob_create_from_buffer(&id, r->s.repo, text, len))
        return store_git_error(&r->s, "cannot write a blob", r->e);
    tnode_put(&r->root, tree_path, &id, GIT_FILEMODE_BLOB);
    return RT_OK;
}

/* Temporary and build files that are not part of a run. */
static bool rec_skip(const char *name) {
    return name[0] == '.' || strcmp(name, "obj_dir") == 0 || strstr(name, ".tmp") != NULL;
}

/* Records every regular file under fs_dir as tree_dir/... (missing fs_dir: nothing). */
static rt_status rec_put_dir(recorder *r, const char *fs_dir, const char *tree_dir) {
    DIR *d = opendir(fs_dir);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) return RT_OK;
        return rt_fail(r->e, RT_ERR_IO, "cannot record %s: %s", fs_dir, strerror(errno));
    }
    rt_status rc = RT_OK;
    struct dirent *e;
    while (rc == RT_OK && (e = readdir(d))) {
        if (rec_skip(e->d_name)) continue;
        char *fs = rt_path_join(fs_dir, e->d_name), *tp = rt_path_join(tree_dir, e->d_name);
        struct stat st;
        if (lstat(fs, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = rec_put_dir(r, fs, tp);
            else if (S_ISREG(st.st_mode))
                rc = rec_put_file(r, fs, tp, (st.st_mode & S_IXUSR) != 0);
        }
        free(fs);
        free(tp);
    }
    closedir(d);
    return rc;
}

/* ---- The run's sources and metadata ----------------------------------------------------- */

static const char *rec_base(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The last two components of a path ("datasets/digits.nlt"), or the whole of a shorter one. */
static const char *rec_tail2(const char *path) {
    const char *base = rec_base(path);
    const char *p = base > path ? base - 1 : path;
    while (p > path && p[-1] != '/')
        p--;
    return base > path ? p : base;
}

/* Tree path of source i: the model file is src/BASENAME; a module below the model's folder
 * keeps its relative path; any other module (the standard library, -I folders) goes to
 * src/ext/ with its last folder kept, e.g. src/ext/datasets/digits.nlt (made unique). */
static char *rec_source_path(const tnode *root, const char *model, const char *src, int i) {
    size_t dlen = (size_t)(rec_base(model) - model);
    const char *rel = i == 0                                   ? rec_base(src)
                      : dlen && strncmp(src, model, dlen) == 0 ? src + dlen
                                                               : NULL;
    char *p = rel ? rt_path_join("src", rel) : rt_path_join("src/ext", rec_tail2(src));
    for (int k = 2; tnode_has(root, p); k++) {
        free(p);
        size_t n = strlen(src) + 32;
        p = xmalloc(n);
        snprintf(p, n, "src/ext/%d/%s", k, rec_tail2(src));
    }
    return p;
}

/* The command line as a shell would need it typed (malloc'd). */
static char *rec_command(const store_record_args *ra) {
    rt_buf b = {0};
    for (int i = 0; i < ra->argc; i++) {
        const char *a = ra->argv[i];
        bool plain = *a != '\0';
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%",
                        *c))
                plain = false;
        rt_buf_puts(&b, i ? " " : "");
        if (plain) {
            rt_buf_puts(&b, a);
            continue;
        }
        rt_buf_puts(&b, "'");
        for (const char *c = a; *c; c++)
            if (*c == '\'')
                rt_buf_puts(&b, "'\\''");
            else
                rt_buf_put(&b, c, 1);
        rt_buf_puts(&b, "'");
    }
    return rt_buf_take(&b);
}

store_sources *store_sources_capture(int n, const char *const *paths, rt_error *e) {
    store_sources *s = xcalloc(1, sizeof *s);
    s->text = xcalloc((size_t)(n > 0 ? n : 1), sizeof *s->text);
    s->len = xcalloc((size_t)(n > 0 ? n : 1), sizeof *s->len);
    for (; s->n < n; s->n++) {
        s->text[s->n] = rt_read_file(paths[s->n], &s->len[s->n], NULL);
        if (!s->text[s->n]) {
            rt_fail(e, RT_ERR_IO, "cannot read %s: %s", paths[s->n], strerror(errno));
            store_sources_free(s);
            return NULL;
        }
    }
    return s;
}

void store_sources_free(store_sources *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++)
        free(s->text[i]);
    free(s->text);
    free(s->len);
    free(s);
}

/* Records a captured source; notes when the file on disk no longer holds that text. */
static rt_status rec_put_captured(recorder *r, const char *src, const char *tree_path, int i) {
    const store_sources *c = r->a->captured;
    size_t len = 0;
    char *now = rt_read_file(src, &len, NULL);
    if ((!now || len != c->len[i] || memcmp(now, c->text[i], len) != 0) && r->a->notes)
        fprintf(r->a->notes, "nltc: note: %s changed during the run; recording the text compiled\n",
                src);
    free(now);
    return rec_put_text(r, c->text[i], c->len[i], tree_path);
}

static rt_status rec_sources(recorder *r, char ***paths_out) {
    const store_record_args *a = r->a;
    int n = a->n_sources > 0 ? a->n_sources : 1;
    const char *model = a->n_sources > 0 ? a->sources[0] : a->model_path;
    char **paths = xcalloc((size_t)n, sizeof *paths);
    *paths_out = paths;
    bool captured = a->captured && a->n_sources > 0 && a->captured->n == a->n_sources;
    for (int i = 0; i < n; i++) {
        const char *src = a->n_sources > 0 ? a->sources[i] : a->model_path;
        paths[i] = rec_source_path(&r->root, model, src, i);
        rt_status rc = captured ? rec_put_captured(r, src, paths[i], i)
                                : rec_put_file(r, src, paths[i], false);
        if (rc) return rc;
    }
    return RT_OK;
}

/* What run.json and the commit message are made of. */
typedef struct rec_facts {
    const store_record_args *a; /* the run */
    const rt_report *r;         /* its report */
    char **paths;               /* [sources] tree paths of the sources */
    const char *command;        /* the command line as text */
} rec_facts;

/* run.json (malloc'd). */
static char *rec_run_json(const rec_facts *x) {
    const store_record_args *a = x->a;
    int n = a->n_sources > 0 ? a->n_sources : 1;
    rt_buf b = {0};
    rt_buf_puts(&b, "{\n  \"nltc_store\": 1,\n  \"model\": ");
    json_buf_string(&b, a->model_name);
    rt_buf_puts(&b, ",\n  \"model_file\": ");
    json_buf_string(&b, x->paths[0]);
    rt_buf_printf(&b, ",\n  \"seed\": %llu,\n  \"version\": ", (unsigned long long)a->seed);
    json_buf_string(&b, a->version ? a->version : "unknown");
    rt_buf_puts(&b, ",\n  \"command\": ");
    json_buf_string(&b, x->command);
    rt_buf_puts(&b, ",\n  \"argv\": [");
    for (int i = 0; i < a->argc; i++) {
        rt_buf_puts(&b, i ? ", " : "");
        json_buf_string(&b, a->argv[i]);
    }
    rt_buf_puts(&b, "],\n  \"out_dir\": ");
    json_buf_string(&b, a->out_dir);
    if (a->config) {
        rt_buf_puts(&b, ",\n  \"config\": ");
        json_buf_string(&b, a->config);
    }
    if (a->config) {
        rt_buf_puts(&b, ",\n  \"config\": ");
        json_buf_string(&b, a->config);
    }
    rt_buf_puts(&b, ",\n  \"sources\": [");
    for (int i = 0; i < n; i++) {
        rt_buf_puts(&b, i ? ",\n    " : "\n    ");
        rt_buf_puts(&b, "{\"path\": ");
        json_buf_string(&b, x->paths[i]);
        rt_buf_puts(&b, ", \"from\": ");
        json_buf_string(&b, a->n_sources > 0 ? a->sources[i] : a->model_path);
        rt_buf_puts(&b, "}");
    }
    rt_buf_puts(&b, "\n  ]\n}\n");
    return rt_buf_take(&b);
}

static void rec_pct(rt_buf *b, const char *name, double v, bool first) {
    rt_buf_printf(b, "%s%s ", first ? "" : ", ", name);
    if (isfinite(v))
        rt_buf_printf(b, "%.2f%%", v * 100);
    else
        rt_buf_puts(b, "n/a");
}

/* The commit message (malloc'd). */
static char *rec_message(const rec_facts *x) {
    const store_record_args *a = x->a;
    const rt_report *r = x->r;
    const char *model_file = x->paths[0], *command = x->command;
    double acc = isfinite(r->accuracy.quantized) ? r->accuracy.quantized : r->accuracy.flt;
    long luts = r->hardware.luts_yosys >= 0 ? r->hardware.luts_yosys : r->hardware.luts_estimate;
    rt_buf b = {0};
    rt_buf_printf(&b, "%s: test ", a->model_name);
    if (isfinite(acc))
        rt_buf_printf(&b, "%.2f%%", acc * 100);
    else
        rt_buf_puts(&b, "n/a");
    rt_buf_printf(&b, " on %s, ", r->dataset ? r->dataset : "?");
    if (luts >= 0)
        rt_buf_printf(&b, "%ld LUTs", luts);
    else
        rt_buf_puts(&b, "LUTs n/a");
    rt_buf_printf(&b,
                  "\n\nmodel:    %s (%s)\ndataset:  %s\nseed:     %llu\naccuracy: ", a->model_name,
                  model_file, r->dataset ? r->dataset : "?", (unsigned long long)a->seed);
    rec_pct(&b, "float", r->accuracy.flt, true);
    rec_pct(&b, "quantized", r->accuracy.quantized, false);
    rec_pct(&b, "table", r->accuracy.repr[RT_REPR_TABLES], false);
    rec_pct(&b, "csim", r->accuracy.repr[RT_REPR_CSIM], false);
    rec_pct(&b, "rtl", r->accuracy.repr[RT_REPR_RTL], false);
    rt_buf_printf(
        &b, "\nLUTs:     %ld (Yosys), %ld (estimate); %ld L-LUTs\ncommand:  %s\nnltc:     %s\n",
        r->hardware.luts_yosys, r->hardware.luts_estimate, r->llut_count, command,
        a->version ? a->version : "unknown");
    return rt_buf_take(&b);
}

/* ---- The commit ------------------------------------------------------------------------ */

static rt_status rec_commit(recorder *r, const char *refname, const char *message, git_oid *out) {
    git_oid tree_id;
    if (tnode_write(r->s.repo, &r->root, &tree_id))
        return store_git_error(&r->s, "cannot write the run's tree", r->e);
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    if (git_tree_lookup(&tree, r->s.repo, &tree_id) ||
        (r->a->time ? git_signature_new(&sig, "nltc", "nltc@localhost", r->a->time, 0)
                    : git_signature_now(&sig, "nltc", "nltc@localhost"))) {
        git_tree_free(tree);
        return store_git_error(&r->s, "cannot prepare the commit", r->e);
    }
    rt_status rc = RT_ERR_IO;
    int attempt;
    struct timespec pause = {0, 50 * 1000 * 1000};
    for (attempt = 0; attempt < 20; attempt++) {
        git_reference *tip = NULL, *updated = NULL;
        git_commit *parent = NULL;
        int got = git_reference_lookup(&tip, r->s.repo, refname);
        if (got != 0 && got != GIT_ENOTFOUND) {
            rc = store_git_error(&r->s, "cannot read the model's branch", r->e);
            break;
        }
        if (got == 0 && git_commit_lookup(&parent, r->s.repo, git_reference_target(tip))) {
            git_reference_free(tip);
            rc = store_git_error(&r->s, "corrupt repository, the model's last run is unreadable",
                                 r->e);
            break;
        }
        const git_commit *parents[1] = {parent};
        int c = git_commit_create(out, r->s.repo, NULL, sig, sig, NULL, message, tree,
                                  parent ? 1 : 0, parents);
        int u = c ? c
                : parent
                    ? git_reference_create_matching(&updated, r->s.repo, refname, out, 1,
                                                    git_commit_id(parent), "nltc: record")
                    : git_reference_create(&updated, r->s.repo, refname, out, 0, "nltc: record");
        git_reference_free(updated);
        git_commit_free(parent);
        git_reference_free(tip);
        if (u == 0) {
            rc = RT_OK;
            break;
        }
        if (c || (u != GIT_EMODIFIED && u != GIT_EEXISTS && u != GIT_ELOCKED)) {
            rc = store_git_error(&r->s, "cannot record the run", r->e);
            break;
        }
        nanosleep(&pause, NULL); /* the branch moved under us: re-parent and retry */
    }
    if (attempt == 20)
        rc = rt_fail(r->e, RT_ERR_IO, "store %s: the branch %s kept changing; run not recorded",
                     r->s.dir, refname);
    git_signature_free(sig);
    git_tree_free(tree);
    return rc;
}

/* ---- store_record ------------------------------------------------------------------------- */

static const char *const rec_out_files[] = {"report.json", "report.md", "report.html", NULL};
static const char *const rec_out_dirs[] = {"plots", "train", "tables", "vectors",
                                           "rtl",   "csim",  NULL};

static rt_status rec_build(recorder *r, char **paths_holder[], char **command) {
    const store_record_args *a = r->a;
    rt_status rc = rec_sources(r, paths_holder);
    if (rc) return rc;
    if (a->ir_text) {
        rc = rec_put_text(r, a->ir_text, strlen(a->ir_text), "model.ir");
    } else {
        char *p = a->ir_path ? xstrdup(a->ir_path) : rt_path_join(a->out_dir, "model.ir");
        if (a->ir_path || access(p, F_OK) == 0) rc = rec_put_file(r, p, "model.ir", false);
        free(p);
    }
    for (int i = 0; rc == RT_OK && rec_out_files[i]; i++) {
        char *p = rt_path_join(a->out_dir, rec_out_files[i]);
        if (i == 0 || access(p, F_OK) == 0) rc = rec_put_file(r, p, rec_out_files[i], false);
        free(p);
    }
    for (int i = 0; rc == RT_OK && rec_out_dirs[i]; i++) {
        char *p = rt_path_join(a->out_dir, rec_out_dirs[i]);
        rc = rec_put_dir(r, p, rec_out_dirs[i]);
        free(p);
    }
    if (rc) return rc;
    *command = rec_command(a);
    rec_facts facts = {a, a->report, *paths_holder, *command};
    char *meta = rec_run_json(&facts);
    rc = rec_put_text(r, meta, strlen(meta), "run.json");
    free(meta);
    return rc;
}

/* Checks the arguments; RT_OK when the run can be recorded. */
static rt_status rec_check_args(const store_record_args *a, const char *refname, rt_error *e) {
    if (!a->model_name || !a->out_dir || !a->report || (!a->model_path && a->n_sources <= 0))
        return rt_fail(e, RT_ERR_USAGE,
                       "store_record: model name, model file, report and output folder are needed");
    int valid = 0;
    if (git_reference_name_is_valid(&valid, refname) || !valid || strchr(a->model_name, '~') ||
        strchr(a->model_name, '^'))
        return rt_fail(e, RT_ERR_DATA, "cannot record: model name '%s' cannot name a git branch",
                       a->model_name);
    return RT_OK;
}

rt_status store_record(const store_record_args *a, rt_error *e) {
    char refname[1024], stale_ref[1100];
    snprintf(refname, sizeof refname, "refs/heads/%s", a->model_name ? a->model_name : "");
    git_libgit2_init();
    rt_status rc = rec_check_args(a, refname, e);
    if (rc) {
        git_libgit2_shutdown();
        return rc;
    }
    recorder r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.e = e;
    char *dir = store_default_dir(a->store_dir, a->n_sources > 0 ? a->sources[0] : a->model_path);
    char **paths = NULL, *command = NULL, *message = NULL;
    snprintf(stale_ref, sizeof stale_ref, "%s.lock", refname);
    const char *const stale[] = {stale_ref, "HEAD.lock", "packed-refs.lock", NULL};
    rc = store_open(&r.s, dir, true, a->model_name, e);
    if (rc == RT_OK) rc = store_lock(&r.s, stale, a->notes, e);
    if (rc == RT_OK && git_repository_odb(&r.odb, r.s.repo))
        rc = store_git_error(&r.s, "cannot open the object database", e);
    if (rc == RT_OK) rc = rec_build(&r, &paths, &command);
    git_oid id;
    if (rc == RT_OK) {
        rec_facts facts = {a, a->report, paths, command};
        message = rec_message(&facts);
        rc = rec_commit(&r, refname, message, &id);
    }
    if (rc == RT_OK) {
        git_reference *head = NULL;
        if (git_reference_symbolic_create(&head, r.s.repo, "HEAD", refname, 1, NULL) && a->notes) {
            const git_error *g = git_error_last();
            fprintf(a->notes,
                    "nltc: store %s: warning: run recorded, but HEAD was not updated: %s\n",
                    r.s.dir, g && g->message ? g->message : "failed");
        }
        git_reference_free(head);
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof hex, &id);
        if (a->log)
            fprintf(a->log, "nltc: recorded run %.7s of %s in %s\n", hex, a->model_name, r.s.dir);
    }
    int n = a->n_sources > 0 ? a->n_sources : 1;
    for (int i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
    free(command);
    free(message);
    git_odb_free(r.odb);
    tnode_free(&r.root);
    store_close(&r.s);
    free(dir);
    git_libgit2_shutdown();
    return rc;
}
