/* each.c - store_each_run: every recorded run with its run.json and report.json, for the
 * readers that need all of them (`nltc sweep`'s resume, `nltc pareto`). */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The runs of one branch, newest first (first-parent history from its tip). */
static rt_status walk_branch(store *s, const char *branch, store_commit_fn fn, void *ctx,
                             rt_error *e) {
    char ref[512];
    snprintf(ref, sizeof ref, "refs/heads/%s", branch);
    git_revwalk *walk = NULL;
    if (git_revwalk_new(&walk, s->repo) || git_revwalk_push_ref(walk, ref)) {
        git_revwalk_free(walk);
        return store_git_error(s, "cannot walk the history", e);
    }
    git_revwalk_simplify_first_parent(walk);
    git_oid id;
    rt_status rc = RT_OK;
    int k = 0, got;
    while (rc == RT_OK && (got = git_revwalk_next(&id, walk)) == 0) {
        git_commit *c = NULL;
        if (git_commit_lookup(&c, s->repo, &id)) {
            rc = store_git_error(s, "corrupt repository, a run is unreadable", e);
            break;
        }
        char name[600], shortid[16] = "";
        snprintf(name, sizeof name, "%s~%d", branch, k++);
        git_buf sb = {0};
        if (git_object_short_id(&sb, (const git_object *)c) == 0)
            snprintf(shortid, sizeof shortid, "%s", sb.ptr);
        git_buf_dispose(&sb);
        rc = fn(s, c, branch, name, shortid, ctx, e);
        git_commit_free(c);
    }
    if (rc == RT_OK && got != GIT_ITEROVER) rc = store_git_error(s, "cannot walk the history", e);
    git_revwalk_free(walk);
    return rc;
}

rt_status store_walk(store *s, const char *model, store_commit_fn fn, void *ctx, rt_error *e) {
    rt_status rc = RT_OK;
    if (model) {
        git_reference *ref = NULL;
        char name[512];
        snprintf(name, sizeof name, "refs/heads/%s", model);
        if (git_reference_lookup(&ref, s->repo, name) != 0)
            rc = rt_fail(e, RT_ERR_DATA, "no runs of model '%s' in %s", model, s->dir);
        else
            rc = walk_branch(s, model, fn, ctx, e);
        git_reference_free(ref);
        return rc;
    }
    git_branch_iterator *it = NULL;
    git_reference *ref = NULL;
    git_branch_t type;
    if (git_branch_iterator_new(&it, s->repo, GIT_BRANCH_LOCAL))
        rc = store_git_error(s, "cannot list models", e);
    while (rc == RT_OK && git_branch_next(&ref, &type, it) == 0) {
        const char *branch = NULL;
        if (git_branch_name(&branch, ref) == 0) rc = walk_branch(s, branch, fn, ctx, e);
        git_reference_free(ref);
    }
    git_branch_iterator_free(it);
    return rc;
}

/* store_each_run's callback: the run's view for the caller's fn. */
typedef struct each_ctx {
    store_run_fn fn;
    void *ctx;
} each_ctx;

static rt_status each_commit(store *s, git_commit *c, const char *branch, const char *name,
                             const char *shortid, void *vctx, rt_error *e) {
    (void)e;
    each_ctx *x = vctx;
    store_run_view v = {.shortid = shortid, .name = name, .model = branch};
    char *run = store_read_file(s, c, "run.json", &v.run_json_len);
    char *rep = store_read_file(s, c, "report.json", &v.report_json_len);
    v.run_json = run;
    v.report_json = rep;
    x->fn(x->ctx, &v);
    free(run);
    free(rep);
    return RT_OK;
}

rt_status store_each_run(const char *dir, const char *model, bool missing_ok, store_run_fn fn,
                         void *ctx, rt_error *e) {
    struct stat st;
    if (missing_ok && stat(dir, &st) != 0) return RT_OK;
    git_libgit2_init();
    store s;
    rt_status rc = store_open(&s, dir, false, NULL, e);
    each_ctx x = {fn, ctx};
    if (rc == RT_OK) rc = store_walk(&s, model, each_commit, &x, e);
    if (rc == RT_OK) rc = store_check_damage(&s, e);
    store_close(&s);
    git_libgit2_shutdown();
    return rc;
}
