/* commands.c - the store's commands behind `nltc runs`, `nltc show`, `nltc checkout` and
 * `nltc tag` (their command lines are parsed in driver/). */
#include "store.h"

#include "report.h" /* report_json_parse, json_parse: stored reports */

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void store_format_time(const git_commit *c, bool with_zone, char *buf, size_t n) {
    int offset = git_commit_time_offset(c); /* minutes east of UTC */
    time_t t = (time_t)git_commit_time(c) + (time_t)offset * 60;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, with_zone ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
    if (with_zone) {
        size_t used = strlen(buf);
        int a = offset < 0 ? -offset : offset;
        snprintf(buf + used, n - used, " %c%02d%02d", offset < 0 ? '-' : '+', a / 60, a % 60);
    }
}

/* ---- runs ---------------------------------------------------------------------------------- */

/* One line of `nltc runs`. */
typedef struct run_row {
    git_oid id;       /* the commit */
    git_time_t time;  /* commit time, for sorting */
    char when[32];    /* formatted date */
    char name[300];   /* MODEL~N */
    char model[256];  /* MODEL */
    char variant[12]; /* FNV-1a of model.ir, 8 hex digits */
    double acc_v;     /* accuracy (NAN: none) */
    long luts_v;      /* LUTs (-1: none) */
    char shortid[16]; /* unique abbreviation */
    char seed[24];    /* the run's seed */
    char acc[16];     /* quantized test accuracy */
    char luts[24];    /* Yosys LUTs, else the estimate */
    char tags[256];   /* tags on the run */
} run_row;

static store_sort g_sort; /* the key of run_row_cmp (qsort has no context) */

static int run_row_cmp(const void *pa, const void *pb) {
    const run_row *a = pa, *b = pb;
    int c = 0;
    switch (g_sort) {
    case STORE_SORT_ACCURACY: /* highest first, runs without an accuracy last */
        if (isnan(a->acc_v) || isnan(b->acc_v))
            c = isnan(a->acc_v) - isnan(b->acc_v);
        else
            c = (a->acc_v < b->acc_v) - (a->acc_v > b->acc_v);
        break;
    case STORE_SORT_LUTS:
        c = (a->luts_v < 0) != (b->luts_v < 0) ? (a->luts_v < 0) - (b->luts_v < 0)
                                               : (a->luts_v > b->luts_v) - (a->luts_v < b->luts_v);
        break;
    case STORE_SORT_MODEL:
        c = strcmp(a->model, b->model);
        break;
    case STORE_SORT_SEED:
        c = (strtod(a->seed, NULL) > strtod(b->seed, NULL)) -
            (strtod(a->seed, NULL) < strtod(b->seed, NULL));
        break;
    case STORE_SORT_DATE:
        break;
    }
    if (c) return c;
    if (a->time != b->time) return a->time < b->time ? 1 : -1;
    return strcmp(a->name, b->name);
}

/* The variant of a run: the top 32 bits of the 64-bit FNV-1a of its model.ir without the
 * training seed (the seed has a column of its own), as 8 hex digits. */
static void runs_variant(const char *ir, size_t len, char *buf, size_t n) {
    static const char key[] = "\ntrain seed ";
    const char *at = strstr(ir, key), *rest = ir + len; /* ir ends with a NUL */
    if (at) {
        rest = at + sizeof key - 1;
        rest += strspn(rest, "0123456789");
    }
    uint64_t h = rt_fnv1a(RT_FNV_INIT, ir, at ? (size_t)(at - ir) + 6 : len);
    h = rt_fnv1a(h, rest, len - (size_t)(rest - ir));
    snprintf(buf, n, "%08x", (unsigned)(h >> 32));
}

/* The rows of `nltc runs`. */
typedef struct runs_rows {
    run_row *rows;
    int n, cap;
} runs_rows;

/* Adds one run (store_walk's callback). */
static rt_status runs_row(store *s, git_commit *c, const char *model, const char *name,
                          const char *shortid, void *ctx, rt_error *e) {
    (void)e;
    runs_rows *x = ctx;
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->rows = xrealloc(x->rows, (size_t)x->cap * sizeof *x->rows);
    }
    run_row *r = &x->rows[x->n++];
    memset(r, 0, sizeof *r);
    git_oid_cpy(&r->id, git_commit_id(c));
    r->time = git_commit_time(c);
    store_format_time(c, false, r->when, sizeof r->when);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->model, sizeof r->model, "%s", model);
    r->acc_v = NAN;
    r->luts_v = -1;
    snprintf(r->shortid, sizeof r->shortid, "%s", shortid);
    store_run_tags(s, git_commit_id(c), r->tags, sizeof r->tags);
    size_t len;
    char *text = store_read_file(s, c, "report.json", &len);
    report_doc doc;
    if (text && report_json_parse(text, len, "report.json", &doc, NULL) == 0) {
        double acc = doc.r.accuracy.quantized;
        if (isfinite(acc)) snprintf(r->acc, sizeof r->acc, "%.2f%%", acc * 100);
        if (isfinite(acc)) r->acc_v = acc;
        long luts = doc.r.hardware.luts_yosys >= 0 ? doc.r.hardware.luts_yosys
                                                   : doc.r.hardware.luts_estimate;
        if (luts >= 0) snprintf(r->luts, sizeof r->luts, "%ld", luts);
        r->luts_v = luts;
        report_doc_free(&doc);
    }
    free(text);
    text = store_read_file(s, c, "model.ir", &len);
    if (text) runs_variant(text, len, r->variant, sizeof r->variant);
    free(text);
    json_value *meta = NULL;
    text = store_read_file(s, c, "run.json", &len);
    const json_value *seed = NULL;
    if (text && json_parse(text, len, "run.json", &meta, NULL) == 0 &&
        (seed = json_member(meta, "seed")) && seed->kind == JSON_NUMBER)
        snprintf(r->seed, sizeof r->seed, "%s", seed->text);
    json_free(meta);
    free(text);
    return RT_OK;
}

/* Prints the rows as the format asks. */
static void runs_print(FILE *out, const run_row *rows, int n, store_list format, const char *dir) {
    if (format == STORE_LIST_JSON) {
        fputs("[", out);
        for (int i = 0; i < n; i++) {
            const run_row *r = &rows[i];
            rt_buf b = {0};
            rt_buf_printf(&b, "%s\n  {\"id\": ", i ? "," : "");
            json_buf_string(&b, r->shortid);
            const char *keys[] = {"date", "name", "model", "variant", "tags"};
            const char *vals[] = {r->when, r->name, r->model, r->variant, r->tags};
            for (int k = 0; k < 5; k++) {
                rt_buf_printf(&b, ", \"%s\": ", keys[k]);
                json_buf_string(&b, vals[k]);
            }
            rt_buf_printf(&b, ", \"seed\": %s", r->seed[0] ? r->seed : "null");
            if (isnan(r->acc_v))
                rt_buf_puts(&b, ", \"accuracy\": null");
            else
                rt_buf_printf(&b, ", \"accuracy\": %.6g", r->acc_v);
            if (r->luts_v < 0)
                rt_buf_puts(&b, ", \"luts\": null}");
            else
                rt_buf_printf(&b, ", \"luts\": %ld}", r->luts_v);
            fwrite(b.data, 1, b.len, out);
            rt_buf_free(&b);
        }
        fputs(n ? "\n]\n" : "]\n", out);
        return;
    }
    if (format == STORE_LIST_CSV) {
        fputs("id,date,name,model,variant,seed,accuracy,luts,tags\n", out);
        for (int i = 0; i < n; i++) {
            const run_row *r = &rows[i];
            fprintf(out, "%s,%s,%s,%s,%s,%s,", r->shortid, r->when, r->name, r->model, r->variant,
                    r->seed);
            if (!isnan(r->acc_v)) fprintf(out, "%.6g", r->acc_v);
            fputc(',', out);
            if (r->luts_v >= 0) fprintf(out, "%ld", r->luts_v);
            fprintf(out, ",\"%s\"\n", r->tags);
        }
        return;
    }
    int w = 8;
    for (int i = 0; i < n; i++)
        w = (int)strlen(rows[i].name) > w ? (int)strlen(rows[i].name) : w;
    if (n == 0)
        fprintf(out, "no runs recorded in %s\n", dir);
    else
        fprintf(out, "%-9s %-16s  %-*s %-8s %8s %9s %8s  %s\n", "RUN", "DATE", w, "MODEL~N",
                "VARIANT", "SEED", "ACCURACY", "LUTS", "TAGS");
    for (int i = 0; i < n; i++)
        fprintf(out, "%-9s %-16s  %-*s %-8s %8s %9s %8s  %s\n", rows[i].shortid, rows[i].when, w,
                rows[i].name, rows[i].variant[0] ? rows[i].variant : "-",
                rows[i].seed[0] ? rows[i].seed : "-", rows[i].acc[0] ? rows[i].acc : "n/a",
                rows[i].luts[0] ? rows[i].luts : "n/a", rows[i].tags);
}

rt_status store_runs(const store_io *io, const store_runs_opts *o, rt_error *e) {
    const char *model = o->model;
    git_libgit2_init();
    store s;
    rt_status rc = store_open(&s, store_cmd_dir(io->dir), false, NULL, e);
    runs_rows x = {0};
    if (rc == RT_OK) rc = store_walk(&s, model, runs_row, &x, e);
    if (rc == RT_OK) {
        g_sort = o->sort;
        qsort(x.rows, (size_t)x.n, sizeof *x.rows, run_row_cmp);
        runs_print(io->out, x.rows, x.n, o->format, s.dir);
    }
    free(x.rows);
    if (rc == RT_OK) rc = store_check_damage(&s, e);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}

/* ---- show ---------------------------------------------------------------------------------- */

static const char *meta_string(const json_value *meta, const char *key) {
    const json_value *v = json_member(meta, key);
    return v && v->kind == JSON_STRING ? v->text : v && v->kind == JSON_NUMBER ? v->text : "?";
}

rt_status store_show(const store_io *io, const char *run, bool json, rt_error *e) {
    FILE *out = io->out;
    git_libgit2_init();
    store s;
    git_commit *c = NULL;
    rt_status rc = store_open(&s, store_cmd_dir(io->dir), false, NULL, e);
    if (rc == RT_OK) rc = store_resolve(&s, run, &c, e);
    if (rc == RT_OK) {
        size_t len = 0;
        char *report = store_read_file(&s, c, "report.json", &len);
        if (json) {
            if (report)
                fwrite(report, 1, len, out);
            else if (!s.damaged)
                rc = rt_fail(e, RT_ERR_IO, "store %s: run %s has no report.json", s.dir, run);
        } else {
            char *metatext = store_read_file(&s, c, "run.json", &len);
            json_value *meta = NULL;
            json_parse(metatext, len, "run.json", &meta, NULL);
            char hex[GIT_OID_HEXSZ + 1], name[300], tags[256], when[48];
            git_oid_tostr(hex, sizeof hex, git_commit_id(c));
            store_run_name(&s, c, name, sizeof name);
            store_run_tags(&s, git_commit_id(c), tags, sizeof tags);
            store_format_time(c, true, when, sizeof when);
            fprintf(out, "run      %s\nname     %s\ntags     %s\ndate     %s\n", hex,
                    name[0] ? name : "(no longer on its model's branch)", tags[0] ? tags : "-",
                    when);
            fprintf(out, "model    %s (%s)\nseed     %s\ncommand  %s\nnltc     %s\n\n",
                    meta_string(meta, "model"), meta_string(meta, "model_file"),
                    meta_string(meta, "seed"), meta_string(meta, "command"),
                    meta_string(meta, "version"));
            char *md = store_read_file(&s, c, "report.md", &len);
            if (md)
                fputs(md, out);
            else if (report)
                fputs(report, out);
            free(md);
            json_free(meta);
            free(metatext);
        }
        free(report);
    }
    if (rc == RT_OK) rc = store_check_damage(&s, e);
    git_commit_free(c);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}

/* ---- checkout ------------------------------------------------------------------------------ */

/* State of one checkout walk. */
typedef struct checkout_ctx {
    store *s;       /* the store */
    const char *to; /* destination folder */
    FILE *notes;    /* notes (unsafe names skipped) */
    int files;      /* files written */
    rt_status rc;   /* first error */
    rt_error *e;    /* its message */
} checkout_ctx;

/* Makes path (inside the destination) a real folder: a symbolic link there (to a folder
 * or not) is replaced by a folder, never written through, so nothing is written outside
 * the destination (--force); any other file there is an error. */
static rt_status checkout_folder(checkout_ctx *x, const char *path) {
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) return RT_OK;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (unlink(path) != 0)
            return x->rc = rt_fail(x->e, RT_ERR_IO, "cannot remove the symbolic link %s: %s", path,
                                   strerror(errno));
        if (x->notes)
            fprintf(x->notes, "nltc: checkout: %s was a symbolic link; replaced by a folder\n",
                    path);
    }
    if (mkdir(path, 0777) != 0)
        return x->rc = rt_fail(x->e, RT_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    return RT_OK;
}

/* Before a file is written at path: a symbolic link there is removed (the file replaces
 * the link itself); a folder there is an error. */
static rt_status checkout_unlink(checkout_ctx *x, const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return RT_OK;
    if (S_ISDIR(st.st_mode))
        return x->rc = rt_fail(x->e, RT_ERR_IO, "cannot write %s: a folder is in the way", path);
    if (S_ISLNK(st.st_mode) && unlink(path) != 0)
        return x->rc = rt_fail(x->e, RT_ERR_IO, "cannot remove the symbolic link %s: %s", path,
                               strerror(errno));
    return RT_OK;
}

static int checkout_entry(const char *root, const git_tree_entry *te, void *payload) {
    checkout_ctx *x = payload;
    const char *name = git_tree_entry_name(te);
    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strcmp(name, ".git") == 0) {
        if (x->notes)
            fprintf(x->notes,
                    "nltc: checkout: store %s: unsafe file name '%s' in the run, skipped\n",
                    x->s->dir, name);
        return 1; /* skip this entry (and, for a folder, its contents) */
    }
    size_t n = strlen(x->to) + strlen(root) + strlen(name) + 3;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s%s", x->to, root, name);
    git_object_t type = git_tree_entry_type(te);
    if (type == GIT_OBJECT_TREE) {
        x->rc = checkout_folder(x, path);
    } else if (type == GIT_OBJECT_BLOB && checkout_unlink(x, path) == RT_OK) {
        git_blob *blob = NULL;
        if (git_blob_lookup(&blob, x->s->repo, git_tree_entry_id(te))) {
            x->rc =
                store_git_error(x->s, "corrupt repository, a file of the run is unreadable", x->e);
        } else if (rt_write_file(path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) !=
                   0) {
            x->rc = rt_fail(x->e, RT_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        } else {
            if (git_tree_entry_filemode(te) == GIT_FILEMODE_BLOB_EXECUTABLE) chmod(path, 0755);
            x->files++;
        }
        git_blob_free(blob);
    }
    free(path);
    return x->rc ? -1 : 0;
}

static rt_status checkout_prepare(const char *dir, bool force, rt_error *e) {
    struct stat st;
    if (stat(dir, &st) != 0) {
        /* Create it with its parents. */
        int at = 0, err = rt_mkdirs(dir, &at);
        if (err) return rt_fail(e, RT_ERR_IO, "cannot create %.*s: %s", at, dir, strerror(err));
        return RT_OK;
    }
    if (!S_ISDIR(st.st_mode)) return rt_fail(e, RT_ERR_DATA, "%s exists and is not a folder", dir);
    if (force) return RT_OK;
    size_t n = 0;
    char *probe = xmalloc(strlen(dir) + 2);
    sprintf(probe, "%s/", dir);
    DIR *d = opendir(probe);
    free(probe);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        closedir(d);
    }
    if (n) return rt_fail(e, RT_ERR_DATA, "%s is not empty (use --force to write into it)", dir);
    return RT_OK;
}

rt_status store_checkout(const store_io *io, const char *run, const char *to, bool force,
                         rt_error *e) {
    if (!run || !to) return rt_fail(e, RT_ERR_USAGE, "checkout needs a run and a folder");
    git_libgit2_init();
    store s;
    git_commit *c = NULL;
    git_tree *tree = NULL;
    rt_status rc = store_open(&s, store_cmd_dir(io->dir), false, NULL, e);
    if (rc == RT_OK) rc = store_resolve(&s, run, &c, e);
    if (rc == RT_OK && git_commit_tree(&tree, c))
        rc = store_git_error(&s, "corrupt repository, the run's files are unreadable", e);
    if (rc == RT_OK) rc = checkout_prepare(to, force, e);
    if (rc == RT_OK) {
        checkout_ctx x = {&s, to, io->notes, 0, RT_OK, e};
        if (git_tree_walk(tree, GIT_TREEWALK_PRE, checkout_entry, &x) && x.rc == RT_OK)
            x.rc = store_git_error(&s, "cannot read the run's files", e);
        rc = x.rc;
        char name[300];
        store_run_name(&s, c, name, sizeof name);
        if (rc == RT_OK)
            fprintf(io->out, "nltc: restored run %.7s%s%s%s into %s: %d files\n",
                    git_oid_tostr_s(git_commit_id(c)), name[0] ? " (" : "", name,
                    name[0] ? ")" : "", to, x.files);
    }
    if (rc == RT_OK) rc = store_check_damage(&s, e);
    git_tree_free(tree);
    git_commit_free(c);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}

/* ---- tag ----------------------------------------------------------------------------------- */

/* Whether name is all hexadecimal digits (a run id, or the start of one). */
static bool tag_is_hex(const char *name) {
    for (const char *p = name; *p; p++)
        if (!strchr("0123456789abcdefABCDEF", *p)) return false;
    return *name != '\0';
}

/* Refuses a tag name git would reject or read as something else: NULL when name is a good
 * tag name, else why not (static text). */
static const char *tag_name_problem(const char *name) {
    static const char *const dwim[] = {"refs/", "heads/", "tags/", "remotes/"};
    size_t n = strlen(name);
    if (!*name) return "it is empty";
    for (size_t i = 0; i < sizeof dwim / sizeof *dwim; i++)
        if (strncmp(name, dwim[i], strlen(dwim[i])) == 0)
            return "it starts like a git reference path (refs/, heads/, tags/, remotes/), so "
                   "a run name would be ambiguous";
    if (strcmp(name, "@") == 0) return "git reads '@' as HEAD";
    if (n >= 4 && strcmp(name + n - 4, "HEAD") == 0 &&
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == n)
        return "git reserves HEAD and the other all-capital *HEAD names";
    if (tag_is_hex(name))
        return "it is made of hexadecimal digits only, like a run id, so a run name would be "
               "ambiguous";
    if (name[0] == '-') return "it starts with '-', like a command-line option";
    if (strpbrk(name, "~^:?*[\\ ") || strstr(name, "..") || strstr(name, "@{"))
        return "it contains '..', '@{', '~', '^', ':', '?', '*', '[', '\\' or a space, which "
               "git reads as revision syntax";
    char ref[600];
    int valid = 0;
    snprintf(ref, sizeof ref, "refs/tags/%s", name);
    if (n > 400 || git_reference_name_is_valid(&valid, ref) || !valid ||
        git_tag_name_is_valid(&valid, name) || !valid)
        return "git's reference-name rules reject it (no control characters, no component "
               "starting with '.' or ending in '.lock', no '//' or trailing '/')";
    return NULL;
}

rt_status store_tag(const store_io *io, const char *run, const char *name, rt_error *e) {
    if (!run || !name) return rt_fail(e, RT_ERR_USAGE, "tag needs a run and a name");
    git_libgit2_init();
    const char *why = tag_name_problem(name);
    if (why) {
        git_libgit2_shutdown();
        return rt_fail(e, RT_ERR_DATA, "'%s' is not a valid tag name: %s", name, why);
    }
    store s;
    git_commit *c = NULL;
    rt_status rc = store_open(&s, store_cmd_dir(io->dir), false, NULL, e);
    char stale[600], branch[600];
    snprintf(stale, sizeof stale, "refs/tags/%s.lock", name);
    snprintf(branch, sizeof branch, "refs/heads/%s", name);
    const char *const stale_list[] = {stale, NULL};
    if (rc == RT_OK) rc = store_resolve(&s, run, &c, e);
    git_reference *clash = NULL;
    if (rc == RT_OK && git_reference_lookup(&clash, s.repo, branch) == 0)
        rc = rt_fail(e, RT_ERR_DATA, "'%s' is a model name; choose another tag name", name);
    git_reference_free(clash);
    if (rc == RT_OK) rc = store_lock(&s, stale_list, io->notes, e);
    if (rc == RT_OK) {
        git_oid id;
        int got = git_tag_create_lightweight(&id, s.repo, name, (const git_object *)c, 0);
        if (got == GIT_EEXISTS) {
            rc = rt_fail(e, RT_ERR_DATA, "tag '%s' already exists in %s", name, s.dir);
        } else if (got) {
            rc = store_git_error(&s, "cannot create the tag", e);
        } else {
            char label[300];
            store_run_name(&s, c, label, sizeof label);
            fprintf(io->out, "nltc: tagged run %.7s%s%s%s as %s\n",
                    git_oid_tostr_s(git_commit_id(c)), label[0] ? " (" : "", label,
                    label[0] ? ")" : "", name);
        }
    }
    git_commit_free(c);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}
