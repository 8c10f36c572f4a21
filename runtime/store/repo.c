/* repo.c - opening, creating and locking the experiment store, and the look-ups every
 * command shares: resolving RUN names, reading files of a run, naming runs MODEL~N and
 * listing their tags. */
#include "store.h"

#include "report.h" /* json_parse: run.json */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { STORE_FORMAT = 1 };

rt_status store_git_error(const store *s, const char *what, rt_error *e) {
    const git_error *g = git_error_last();
    return rt_fail(e, RT_ERR_IO, "store %s: %s: %s", s->dir, what,
                   g && g->message ? g->message : "failed");
}

rt_status store_check_damage(const store *s, rt_error *e) {
    return s->damaged ? rt_fail(e, RT_ERR_IO, "%s", s->damage) : RT_OK;
}

/* 1 if dir exists and is an empty folder, 0 if missing, -1 otherwise (file or non-empty). */
static int store_dir_state(const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return -1;
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n == 0 ? 1 : -1;
}

/* Creates a store in a temporary sibling folder and renames it over dir, so that no reader
 * ever sees a half-made store. Losing the race to another process is fine. */
static rt_status store_create(const char *dir, const char *init_branch, rt_error *e) {
    size_t n = strlen(dir) + 64;
    char *tmp = xmalloc(n);
    const char *slash = strrchr(dir, '/');
    int plen = slash ? (int)(slash - dir) + 1 : 0;
    snprintf(tmp, n, "%.*s.%s.init-%ld", plen, dir, slash ? slash + 1 : dir, (long)getpid());
    rt_rmtree(tmp);
    git_repository *repo = NULL;
    git_repository_init_options o;
    git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_MKDIR;
    o.initial_head = init_branch ? init_branch : "main";
    o.description = "nltc experiment store: one commit per run, one branch per model";
    git_config *cfg = NULL;
    rt_status rc = RT_OK;
    if (git_repository_init_ext(&repo, tmp, &o) || git_repository_config(&cfg, repo) ||
        git_config_set_int32(cfg, "nltc.store", STORE_FORMAT) ||
        git_config_set_bool(cfg, "core.logallrefupdates", 0)) {
        const git_error *g = git_error_last();
        rc = rt_fail(e, RT_ERR_IO, "store %s: cannot create: %s", dir,
                     g && g->message ? g->message : "failed");
    }
    git_config_free(cfg);
    git_repository_free(repo);
    if (rc == RT_OK && rename(tmp, dir) != 0 && errno != ENOTEMPTY && errno != EEXIST)
        rc = rt_fail(e, RT_ERR_IO, "store %s: cannot create: %s", dir, strerror(errno));
    rt_rmtree(tmp); /* gone after a successful rename; our copy when we lost the race */
    free(tmp);
    return rc;
}

rt_status store_open(store *s, const char *dir, bool create, const char *init_branch, rt_error *e) {
    memset(s, 0, sizeof *s);
    s->dir = xstrdup(dir);
    s->lock_fd = -1;
    for (size_t n = strlen(s->dir); n > 1 && s->dir[n - 1] == '/'; n--)
        s->dir[n - 1] = '\0'; /* "store/" names the same folder as "store" */
    dir = s->dir;
    int state = store_dir_state(dir);
    if (state >= 0 && !create)
        return rt_fail(e, RT_ERR_IO,
                       "no experiment store at %s (record a run first, or pass --store DIR or "
                       "set NLTC_STORE)",
                       dir);
    if (state >= 0 && store_create(dir, init_branch, e)) return RT_ERR_IO;
    if (git_repository_open_ext(&s->repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
        char *head = rt_path_join(dir, "HEAD"), *objects = rt_path_join(dir, "objects");
        struct stat st;
        bool gitlike = stat(head, &st) == 0 || stat(objects, &st) == 0;
        free(head);
        free(objects);
        if (gitlike) return store_git_error(s, "corrupt repository, cannot open it", e);
        return rt_fail(e, RT_ERR_IO,
                       "store %s: not an nltc experiment store (not a git repository); "
                       "pass --store DIR to use another folder",
                       dir);
    }
    git_config *cfg = NULL;
    int32_t format = 0;
    int got = -1;
    if (git_repository_config_snapshot(&cfg, s->repo) == 0)
        got = git_config_get_int32(&format, cfg, "nltc.store");
    git_config_free(cfg);
    if (!git_repository_is_bare(s->repo) || got != 0)
        return rt_fail(e, RT_ERR_IO,
                       "store %s: a git repository, but not an nltc experiment store (no "
                       "nltc.store in its config); refusing to record into it",
                       dir);
    if (format != STORE_FORMAT)
        return rt_fail(e, RT_ERR_IO, "store %s: store format %d, this nltc reads format %d", dir,
                       (int)format, STORE_FORMAT);
    return RT_OK;
}

void store_close(store *s) {
    store_unlock(s);
    git_repository_free(s->repo);
    free(s->dir);
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
}

rt_status store_lock(store *s, const char *const *stale, FILE *notes, rt_error *e) {
    char *path = rt_path_join(s->dir, "nltc.lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        rt_fail(e, RT_ERR_IO, "store %s: cannot open %s: %s", s->dir, path, strerror(errno));
        free(path);
        return RT_ERR_IO;
    }
    struct timespec pause = {0, 20 * 1000 * 1000};
    bool said = false;
    for (int tries = 0;; tries++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            rt_fail(e, RT_ERR_IO, "store %s: cannot lock %s: %s", s->dir, path, strerror(errno));
            close(fd);
            free(path);
            return RT_ERR_IO;
        }
        if (tries == 100 && !said && notes) {
            fprintf(notes, "nltc: waiting for the lock of store %s (another nltc is writing)\n",
                    s->dir);
            said = true;
        }
        if (tries >= 30000) {
            rt_fail(e, RT_ERR_IO, "store %s: gave up waiting for %s after 10 minutes", s->dir,
                    path);
            close(fd);
            free(path);
            return RT_ERR_IO;
        }
        nanosleep(&pause, NULL);
    }
    free(path);
    s->lock_fd = fd;
    /* Partial loose objects of a killed writer (libgit2 names them tmp_object_git2_*). */
    char *objects = rt_path_join(s->dir, "objects");
    DIR *d = opendir(objects);
    struct dirent *de;
    int removed = 0;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, "tmp_object_git2_", 16) != 0) continue;
        char *p = rt_path_join(objects, de->d_name);
        removed += unlink(p) == 0;
        free(p);
    }
    if (d) closedir(d);
    free(objects);
    if (removed && notes)
        fprintf(notes, "nltc: store %s: removed %d partial object file(s) of a killed writer\n",
                s->dir, removed);
    for (int i = 0; stale && stale[i]; i++) {
        char *p = rt_path_join(s->dir, stale[i]);
        if (unlink(p) == 0 && notes)
            fprintf(notes, "nltc: store %s: removed %s, left behind by a killed writer\n", s->dir,
                    stale[i]);
        free(p);
    }
    return RT_OK;
}

void store_unlock(store *s) {
    if (s->lock_fd >= 0) {
        flock(s->lock_fd, LOCK_UN);
        close(s->lock_fd);
    }
    s->lock_fd = -1;
}

const char *store_cmd_dir(const char *flag) {
    if (flag) return flag;
    const char *env = getenv("NLTC_STORE");
    return env && *env ? env : ".nltc";
}

char *store_default_dir(const char *flag_dir, const char *model_path) {
    if (flag_dir) return xstrdup(flag_dir);
    const char *env = getenv("NLTC_STORE");
    if (env && *env) return xstrdup(env);
    const char *slash = model_path ? strrchr(model_path, '/') : NULL;
    if (!slash) return xstrdup(".nltc");
    size_t n = (size_t)(slash - model_path) + 7;
    char *p = xmalloc(n);
    snprintf(p, n, "%.*s/.nltc", (int)(slash - model_path), model_path);
    return p;
}

char *store_read_file(store *s, const git_commit *c, const char *path, size_t *len) {
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    git_blob *blob = NULL;
    char *out = NULL;
    int rc = git_commit_tree(&tree, c);
    if (rc == 0) rc = git_tree_entry_bypath(&e, tree, path);
    if (rc == 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB)
        rc = git_blob_lookup(&blob, s->repo, git_tree_entry_id(e));
    if (rc != 0 && rc != GIT_ENOTFOUND) {
        if (!s->damaged)
            snprintf(s->damage, sizeof s->damage,
                     "store %s: corrupt repository: %s of run %.7s is unreadable: %s", s->dir, path,
                     git_oid_tostr_s(git_commit_id(c)),
                     git_error_last() ? git_error_last()->message : "failed");
        s->damaged = true;
    } else if (blob) {
        size_t n = (size_t)git_blob_rawsize(blob);
        out = xmalloc(n + 1);
        memcpy(out, git_blob_rawcontent(blob), n);
        out[n] = '\0';
        if (len) *len = n;
    }
    git_blob_free(blob);
    git_tree_entry_free(e);
    git_tree_free(tree);
    return out;
}

rt_status store_resolve(store *s, const char *spec, git_commit **out, rt_error *e) {
    *out = NULL;
    /* A name that exists but leads to a missing object is damage, not a typo. (Checked
     * first: libgit2 1.5's revparse leaks memory when a ref's target is missing.) */
    char base[256];
    snprintf(base, sizeof base, "%.*s", (int)strcspn(spec, "~^"), spec);
    git_reference *ref = NULL, *direct = NULL;
    git_object *target = NULL;
    bool broken =
        git_reference_dwim(&ref, s->repo, base) == 0 &&
        (git_reference_resolve(&direct, ref) != 0 ||
         git_object_lookup(&target, s->repo, git_reference_target(direct), GIT_OBJECT_ANY) != 0);
    git_object_free(target);
    git_reference_free(direct);
    git_reference_free(ref);
    if (broken)
        return rt_fail(e, RT_ERR_IO,
                       "store %s: corrupt repository: '%s' names a run that is missing", s->dir,
                       base);
    git_object *obj = NULL, *peeled = NULL;
    int rc = git_revparse_single(&obj, s->repo, spec);
    if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
        return rt_fail(e, RT_ERR_DATA,
                       "store %s: no run '%s' (expected a short id, a tag, MODEL or MODEL~N; "
                       "see `nltc runs`)",
                       s->dir, spec);
    if (rc == GIT_EAMBIGUOUS)
        return rt_fail(e, RT_ERR_DATA, "store %s: run id '%s' is ambiguous; give more digits",
                       s->dir, spec);
    if (rc) return store_git_error(s, "cannot resolve run", e);
    rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc) return rt_fail(e, RT_ERR_DATA, "store %s: '%s' does not name a run", s->dir, spec);
    git_commit *c = (git_commit *)peeled;
    size_t len;
    char *meta = store_read_file(s, c, "run.json", &len);
    if (!meta) {
        git_commit_free(c);
        return rt_fail(e, RT_ERR_DATA,
                       "store %s: '%s' is a commit without run.json, not an nltc run", s->dir,
                       spec);
    }
    free(meta);
    *out = c;
    return RT_OK;
}

void store_run_name(store *s, const git_commit *c, char *buf, size_t n) {
    buf[0] = '\0';
    size_t len;
    char *meta = store_read_file(s, c, "run.json", &len);
    json_value *root = NULL;
    if (!meta || json_parse(meta, len, "run.json", &root, NULL)) {
        free(meta);
        return;
    }
    const json_value *model = json_member(root, "model");
    git_revwalk *walk = NULL;
    char ref[512];
    if (model && model->kind == JSON_STRING &&
        snprintf(ref, sizeof ref, "refs/heads/%s", model->text) < (int)sizeof ref &&
        git_revwalk_new(&walk, s->repo) == 0 && git_revwalk_push_ref(walk, ref) == 0) {
        git_revwalk_simplify_first_parent(walk);
        git_oid id;
        for (int i = 0; git_revwalk_next(&id, walk) == 0; i++)
            if (git_oid_equal(&id, git_commit_id(c))) {
                snprintf(buf, n, "%s~%d", model->text, i);
                break;
            }
    }
    git_revwalk_free(walk);
    json_free(root);
    free(meta);
}

/* Accumulates tag names that point at one commit. */
typedef struct tag_scan {
    store *s;          /* the store */
    const git_oid *id; /* the commit */
    char *buf;         /* output, comma-separated */
    size_t n;          /* its size */
} tag_scan;

static int tag_scan_one(const char *name, git_oid *oid, void *payload) {
    tag_scan *t = payload;
    git_object *obj = NULL, *peeled = NULL;
    if (git_object_lookup(&obj, t->s->repo, oid, GIT_OBJECT_ANY) == 0 &&
        git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0 &&
        git_oid_equal(git_object_id(peeled), t->id)) {
        const char *short_name = strncmp(name, "refs/tags/", 10) == 0 ? name + 10 : name;
        size_t used = strlen(t->buf);
        snprintf(t->buf + used, t->n - used, "%s%s", used ? "," : "", short_name);
    }
    git_object_free(peeled);
    git_object_free(obj);
    return 0;
}

void store_run_tags(store *s, const git_oid *id, char *buf, size_t n) {
    buf[0] = '\0';
    tag_scan t = {s, id, buf, n};
    git_tag_foreach(s->repo, tag_scan_one, &t);
}
