/* commands.c - the store's subcommands `nltc runs`, `nltc show`, `nltc checkout` and
 * `nltc tag`, and the option parser they share with `nltc diff` (diff.c). */
#include "store.h"

#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---- Options ------------------------------------------------------------------------------- */

static bool cmd_allowed(const char *allowed, const char *name) {
    size_t n = strlen(name);
    for (const char *a = allowed; a && *a;) {
        size_t len = strcspn(a, ",");
        if (len == n && strncmp(a, name, n) == 0) return true;
        a += len + (a[len] == ',');
    }
    return false;
}

static int cmd_usage_error(const char *cmd, const char *usage, const char *fmt, const char *arg) {
    fprintf(stderr, "nltc %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: %s\n", usage);
    return 1;
}

int store_cmd_parse(int argc, char **argv, const char *allowed, int min_pos, int max_pos,
                    const char *usage, store_cmd_opts *o) {
    memset(o, 0, sizeof *o);
    const char *cmd = argc > 0 ? argv[0] : "?";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("usage: %s\n", usage);
            o->help = true;
            return 0;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->npos >= max_pos)
                return cmd_usage_error(cmd, usage, "unexpected argument '%s'", a);
            o->pos[o->npos++] = a;
            continue;
        }
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        char key[16];
        size_t klen = eq ? (size_t)(eq - name) : strlen(name);
        if (klen >= sizeof key) return cmd_usage_error(cmd, usage, "unknown option '%s'", a);
        memcpy(key, name, klen);
        key[klen] = '\0';
        bool single = a[1] != '-';
        if ((single && strcmp(key, "o") != 0) || (!single && strcmp(key, "o") == 0) ||
            !cmd_allowed(allowed, key))
            return cmd_usage_error(cmd, usage, "unknown option '%s'", a);
        if (strcmp(key, "json") == 0 || strcmp(key, "force") == 0) {
            if (eq) return cmd_usage_error(cmd, usage, "option '%s' takes no value", a);
            *(strcmp(key, "json") == 0 ? &o->json : &o->force) = true;
            continue;
        }
        const char *value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (!value || !*value) return cmd_usage_error(cmd, usage, "option '%s' needs a value", a);
        const char **slot = strcmp(key, "store") == 0   ? &o->store
                            : strcmp(key, "model") == 0 ? &o->model
                            : strcmp(key, "html") == 0  ? &o->html
                                                        : &o->out;
        *slot = value;
    }
    if (o->npos < min_pos) return cmd_usage_error(cmd, usage, "%s", "missing arguments");
    return 0;
}

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
    char shortid[16]; /* unique abbreviation */
    char seed[24];    /* the run's seed */
    char acc[16];     /* quantized test accuracy */
    char luts[24];    /* Yosys LUTs, else the estimate */
    char tags[256];   /* tags on the run */
} run_row;

static int run_row_cmp(const void *pa, const void *pb) {
    const run_row *a = pa, *b = pb;
    if (a->time != b->time) return a->time < b->time ? 1 : -1;
    return strcmp(a->name, b->name);
}

/* Adds the runs of one branch (first-parent history from its tip). */
static int runs_branch(store *s, const char *branch, run_row **rows, int *n, int *cap) {
    char ref[512];
    snprintf(ref, sizeof ref, "refs/heads/%s", branch);
    git_revwalk *walk = NULL;
    if (git_revwalk_new(&walk, s->repo) || git_revwalk_push_ref(walk, ref)) {
        git_revwalk_free(walk);
        return store_git_error(s, "cannot walk the history", stderr);
    }
    git_revwalk_simplify_first_parent(walk);
    git_oid id;
    int rc = 0, k = 0, got;
    while ((got = git_revwalk_next(&id, walk)) == 0) {
        git_commit *c = NULL;
        if (git_commit_lookup(&c, s->repo, &id)) {
            rc = store_git_error(s, "corrupt repository, a run is unreadable", stderr);
            break;
        }
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *rows = xrealloc(*rows, (size_t)*cap * sizeof **rows);
        }
        run_row *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        git_oid_cpy(&r->id, &id);
        r->time = git_commit_time(c);
        store_format_time(c, false, r->when, sizeof r->when);
        snprintf(r->name, sizeof r->name, "%s~%d", branch, k++);
        git_buf sb = {0};
        if (git_object_short_id(&sb, (const git_object *)c) == 0)
            snprintf(r->shortid, sizeof r->shortid, "%s", sb.ptr);
        git_buf_dispose(&sb);
        store_run_tags(s, &id, r->tags, sizeof r->tags);
        size_t len;
        char *text = store_read_file(s, c, "report.json", &len);
        report_doc doc;
        if (text && report_json_parse(text, len, "report.json", &doc, NULL) == 0) {
            double acc = doc.r.accuracy.quantized;
            if (isfinite(acc)) snprintf(r->acc, sizeof r->acc, "%.2f%%", acc * 100);
            long luts = doc.r.hardware.luts_yosys >= 0 ? doc.r.hardware.luts_yosys
                                                       : doc.r.hardware.luts_estimate;
            if (luts >= 0) snprintf(r->luts, sizeof r->luts, "%ld", luts);
            report_doc_free(&doc);
        }
        free(text);
        json_value *meta = NULL;
        text = store_read_file(s, c, "run.json", &len);
        const json_value *seed = NULL;
        if (text && json_parse(text, len, "run.json", &meta, NULL) == 0 &&
            (seed = json_member(meta, "seed")) && seed->kind == JSON_NUMBER)
            snprintf(r->seed, sizeof r->seed, "%s", seed->text);
        json_free(meta);
        free(text);
        git_commit_free(c);
    }
    if (rc == 0 && got != GIT_ITEROVER) rc = store_git_error(s, "cannot walk the history", stderr);
    git_revwalk_free(walk);
    return rc;
}

int store_cmd_runs(int argc, char **argv) {
    store_cmd_opts o;
    if (store_cmd_parse(argc, argv, "store,model", 0, 0, "nltc runs [--model M] [--store DIR]", &o))
        return 1;
    if (o.help) return 0;
    git_libgit2_init();
    store s;
    int rc = store_open(&s, store_cmd_dir(o.store), false, NULL, stderr);
    run_row *rows = NULL;
    int n = 0, cap = 0;
    if (rc == 0 && o.model) {
        git_reference *ref = NULL;
        char name[512];
        snprintf(name, sizeof name, "refs/heads/%s", o.model);
        if (git_reference_lookup(&ref, s.repo, name) != 0) {
            fprintf(stderr, "nltc runs: no runs of model '%s' in %s\n", o.model, s.dir);
            rc = 1;
        } else {
            rc = runs_branch(&s, o.model, &rows, &n, &cap);
        }
        git_reference_free(ref);
    } else if (rc == 0) {
        git_branch_iterator *it = NULL;
        git_reference *ref = NULL;
        git_branch_t type;
        if (git_branch_iterator_new(&it, s.repo, GIT_BRANCH_LOCAL))
            rc = store_git_error(&s, "cannot list models", stderr);
        while (rc == 0 && git_branch_next(&ref, &type, it) == 0) {
            const char *branch = NULL;
            if (git_branch_name(&branch, ref) == 0) rc = runs_branch(&s, branch, &rows, &n, &cap);
            git_reference_free(ref);
        }
        git_branch_iterator_free(it);
    }
    if (rc == 0) {
        qsort(rows, (size_t)n, sizeof *rows, run_row_cmp);
        int w = 8;
        for (int i = 0; i < n; i++)
            w = (int)strlen(rows[i].name) > w ? (int)strlen(rows[i].name) : w;
        if (n == 0)
            printf("no runs recorded in %s\n", s.dir);
        else
            printf("%-9s %-16s  %-*s %8s %9s %8s  %s\n", "RUN", "DATE", w, "MODEL~N", "SEED",
                   "ACCURACY", "LUTS", "TAGS");
        for (int i = 0; i < n; i++)
            printf("%-9s %-16s  %-*s %8s %9s %8s  %s\n", rows[i].shortid, rows[i].when, w,
                   rows[i].name, rows[i].seed[0] ? rows[i].seed : "-",
                   rows[i].acc[0] ? rows[i].acc : "n/a", rows[i].luts[0] ? rows[i].luts : "n/a",
                   rows[i].tags);
    }
    free(rows);
    if (rc == 0 && s.damaged) rc = 2;
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}

/* ---- show ---------------------------------------------------------------------------------- */

static const char *meta_string(const json_value *meta, const char *key) {
    const json_value *v = json_member(meta, key);
    return v && v->kind == JSON_STRING ? v->text : v && v->kind == JSON_NUMBER ? v->text : "?";
}

int store_cmd_show(int argc, char **argv) {
    store_cmd_opts o;
    if (store_cmd_parse(argc, argv, "store,json", 1, 1, "nltc show RUN [--json] [--store DIR]", &o))
        return 1;
    if (o.help) return 0;
    git_libgit2_init();
    store s;
    git_commit *c = NULL;
    int rc = store_open(&s, store_cmd_dir(o.store), false, NULL, stderr);
    if (rc == 0) rc = store_resolve(&s, o.pos[0], &c, stderr);
    if (rc == 0) {
        size_t len = 0;
        char *report = store_read_file(&s, c, "report.json", &len);
        if (o.json) {
            if (report)
                fwrite(report, 1, len, stdout);
            else
                fprintf(stderr, "nltc show: run %s has no report.json\n", o.pos[0]);
            rc = report ? 0 : 2;
        } else {
            char *metatext = store_read_file(&s, c, "run.json", &len);
            json_value *meta = NULL;
            json_parse(metatext, len, "run.json", &meta, NULL);
            char hex[GIT_OID_HEXSZ + 1], name[300], tags[256], when[48];
            git_oid_tostr(hex, sizeof hex, git_commit_id(c));
            store_run_name(&s, c, name, sizeof name);
            store_run_tags(&s, git_commit_id(c), tags, sizeof tags);
            store_format_time(c, true, when, sizeof when);
            printf("run      %s\nname     %s\ntags     %s\ndate     %s\n", hex,
                   name[0] ? name : "(no longer on its model's branch)", tags[0] ? tags : "-",
                   when);
            printf("model    %s (%s)\nseed     %s\ncommand  %s\nnltc     %s\n\n",
                   meta_string(meta, "model"), meta_string(meta, "model_file"),
                   meta_string(meta, "seed"), meta_string(meta, "command"),
                   meta_string(meta, "version"));
            char *md = store_read_file(&s, c, "report.md", &len);
            if (md)
                fputs(md, stdout);
            else if (report)
                fputs(report, stdout);
            free(md);
            json_free(meta);
            free(metatext);
        }
        free(report);
    }
    if (rc == 0 && s.damaged) rc = 2;
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
    int files;      /* files written */
    int rc;         /* first error */
} checkout_ctx;

static void checkout_blob(FILE *f, const void *blob) {
    fwrite(git_blob_rawcontent(blob), 1, (size_t)git_blob_rawsize(blob), f);
}

static int checkout_entry(const char *root, const git_tree_entry *e, void *payload) {
    checkout_ctx *x = payload;
    const char *name = git_tree_entry_name(e);
    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strcmp(name, ".git") == 0) {
        fprintf(stderr, "nltc checkout: store %s: unsafe file name '%s' in the run, skipped\n",
                x->s->dir, name);
        return 1; /* skip this entry (and, for a folder, its contents) */
    }
    size_t n = strlen(x->to) + strlen(root) + strlen(name) + 3;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s%s", x->to, root, name);
    git_object_t type = git_tree_entry_type(e);
    int rc = 0;
    if (type == GIT_OBJECT_TREE) {
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "nltc checkout: cannot create %s: %s\n", path, strerror(errno));
            rc = -1;
        }
    } else if (type == GIT_OBJECT_BLOB) {
        git_blob *blob = NULL;
        if (git_blob_lookup(&blob, x->s->repo, git_tree_entry_id(e))) {
            store_git_error(x->s, "corrupt repository, a file of the run is unreadable", stderr);
            rc = -1;
        } else {
            rt_error err = {0};
            rc = report_file_write(path, checkout_blob, blob, &err) ? -1 : 0;
            if (rc) fprintf(stderr, "nltc: error: %s\n", err.msg);
            if (rc == 0 && git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE)
                chmod(path, 0755);
            x->files += rc == 0;
        }
        git_blob_free(blob);
    }
    free(path);
    if (rc) x->rc = 2;
    return rc;
}

static int checkout_prepare(const char *dir, bool force) {
    struct stat st;
    if (stat(dir, &st) != 0) {
        /* Create it with its parents. */
        int at = 0, err = rt_mkdirs(dir, &at);
        if (err) {
            fprintf(stderr, "nltc checkout: cannot create %.*s: %s\n", at, dir, strerror(err));
            return 2;
        }
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "nltc checkout: %s exists and is not a folder\n", dir);
        return 1;
    }
    if (force) return 0;
    size_t n = 0;
    char *probe = xmalloc(strlen(dir) + 2);
    sprintf(probe, "%s/", dir);
    DIR *d = opendir(probe);
    free(probe);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
        closedir(d);
    }
    if (n) {
        fprintf(stderr, "nltc checkout: %s is not empty (use --force to write into it)\n", dir);
        return 1;
    }
    return 0;
}

int store_cmd_checkout(int argc, char **argv) {
    store_cmd_opts o;
    const char *usage = "nltc checkout RUN -o DIR [--force] [--store DIR]";
    if (store_cmd_parse(argc, argv, "store,o,force", 1, 1, usage, &o)) return 1;
    if (o.help) return 0;
    if (!o.out) {
        fprintf(stderr, "nltc checkout: missing -o DIR\nusage: %s\n", usage);
        return 1;
    }
    git_libgit2_init();
    store s;
    git_commit *c = NULL;
    git_tree *tree = NULL;
    int rc = store_open(&s, store_cmd_dir(o.store), false, NULL, stderr);
    if (rc == 0) rc = store_resolve(&s, o.pos[0], &c, stderr);
    if (rc == 0 && git_commit_tree(&tree, c))
        rc = store_git_error(&s, "corrupt repository, the run's files are unreadable", stderr);
    if (rc == 0) rc = checkout_prepare(o.out, o.force);
    if (rc == 0) {
        checkout_ctx x = {&s, o.out, 0, 0};
        if (git_tree_walk(tree, GIT_TREEWALK_PRE, checkout_entry, &x) && x.rc == 0)
            x.rc = store_git_error(&s, "cannot read the run's files", stderr);
        rc = x.rc;
        char name[300];
        store_run_name(&s, c, name, sizeof name);
        if (rc == 0)
            printf("nltc: restored run %.7s%s%s%s into %s: %d files\n",
                   git_oid_tostr_s(git_commit_id(c)), name[0] ? " (" : "", name, name[0] ? ")" : "",
                   o.out, x.files);
    }
    git_tree_free(tree);
    git_commit_free(c);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}

/* ---- tag ----------------------------------------------------------------------------------- */

int store_cmd_tag(int argc, char **argv) {
    store_cmd_opts o;
    if (store_cmd_parse(argc, argv, "store", 2, 2, "nltc tag RUN NAME [--store DIR]", &o)) return 1;
    if (o.help) return 0;
    const char *name = o.pos[1];
    git_libgit2_init();
    int valid = 0;
    if (git_tag_name_is_valid(&valid, name) || !valid || strchr(name, '~') || strchr(name, '^')) {
        fprintf(stderr, "nltc tag: '%s' is not a valid tag name\n", name);
        git_libgit2_shutdown();
        return 1;
    }
    store s;
    git_commit *c = NULL;
    int rc = store_open(&s, store_cmd_dir(o.store), false, NULL, stderr);
    char stale[600], branch[600];
    snprintf(stale, sizeof stale, "refs/tags/%s.lock", name);
    snprintf(branch, sizeof branch, "refs/heads/%s", name);
    const char *const stale_list[] = {stale, NULL};
    if (rc == 0) rc = store_resolve(&s, o.pos[0], &c, stderr);
    git_reference *clash = NULL;
    if (rc == 0 && git_reference_lookup(&clash, s.repo, branch) == 0) {
        fprintf(stderr, "nltc tag: '%s' is a model name; choose another tag name\n", name);
        rc = 1;
    }
    git_reference_free(clash);
    if (rc == 0) rc = store_lock(&s, stale_list, stderr);
    if (rc == 0) {
        git_oid id;
        int got = git_tag_create_lightweight(&id, s.repo, name, (const git_object *)c, 0);
        if (got == GIT_EEXISTS) {
            fprintf(stderr, "nltc tag: tag '%s' already exists in %s\n", name, s.dir);
            rc = 1;
        } else if (got) {
            rc = store_git_error(&s, "cannot create the tag", stderr);
        } else {
            char run[300];
            store_run_name(&s, c, run, sizeof run);
            printf("nltc: tagged run %.7s%s%s%s as %s\n", git_oid_tostr_s(git_commit_id(c)),
                   run[0] ? " (" : "", run, run[0] ? ")" : "", name);
        }
    }
    git_commit_free(c);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}
