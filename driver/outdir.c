/* outdir.c - the rules for the output folder of `nltc FILE -o DIR` (see flow.h):
 *
 *   - never a filesystem root or the user's home folder, whatever path names it
 *     (symbolic links and ".." resolved);
 *   - a folder that exists and is not empty must be an nltc output folder (it holds
 *     model.ir, report.json or train/checkpoint.bin), unless --force;
 *   - before a run writes, what an earlier run left is removed: report.json first (a
 *     folder without it is an unfinished run), then model.ir, tables/, vectors/, rtl/,
 *     csim/, plots/, report.md, report.html, and train/ unless the run resumes. So a run
 *     that fails leaves no artifact of an earlier one that `nltc verify` could accept.
 * Removal never follows a symbolic link (rt_rmtree removes the link itself).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flow.h"

/* What a run writes into its folder; each is removed before a new run writes (train/ only
 * when it does not resume). report.json comes first: removing it marks the folder as an
 * unfinished run before anything else changes. */
static const char *const outdir_artifacts[] = {
    "report.json", "model.ir", "tables",    "vectors",     "rtl",
    "csim",        "plots",    "report.md", "report.html", "pnr",
};

/* Files whose presence makes a folder an nltc output folder. */
static const char *const outdir_marks[] = {"model.ir", "report.json", "train/checkpoint.bin",
                                           "train/model.bin"};

/* The canonical form of path: realpath of its longest existing prefix, then the rest as
 * written ("." and ".." of the rest resolved lexically). Malloc'd; NULL when even "/" or
 * "." cannot be resolved. */
static char *outdir_resolve(const char *path) {
    char *copy = xstrdup(path[0] ? path : ".");
    size_t n = strlen(copy);
    char *real = NULL;
    size_t cut = n; /* copy[0..cut) is the prefix tried */
    for (;;) {
        char keep = copy[cut];
        copy[cut] = '\0';
        real = realpath(cut ? copy : (path[0] == '/' ? "/" : "."), NULL);
        copy[cut] = keep;
        if (real || cut == 0) break;
        while (cut > 0 && copy[cut - 1] != '/') /* drop the last component */
            cut--;
        while (cut > 1 && copy[cut - 1] == '/')
            cut--;
        if (cut == 1 && copy[0] == '/') cut = 0;
    }
    if (!real) {
        free(copy);
        return NULL;
    }
    rt_buf b = {0};
    rt_buf_puts(&b, strcmp(real, "/") == 0 ? "" : real);
    free(real);
    char *save = NULL;
    for (char *c = strtok_r(copy + cut, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0) continue;
        if (strcmp(c, "..") == 0) { /* the rest does not exist: lexical */
            char *slash = b.data ? strrchr(b.data, '/') : NULL;
            if (slash) b.len = (size_t)(slash - b.data), b.data[b.len] = '\0';
            continue;
        }
        rt_buf_printf(&b, "/%s", c);
    }
    free(copy);
    if (b.len == 0) rt_buf_puts(&b, "/");
    return rt_buf_take(&b);
}

/* Whether resolved equals the resolved form of the folder dir (NULL or empty: no). */
static bool outdir_same(const char *resolved, const char *dir) {
    if (!dir || !*dir) return false;
    char *r = realpath(dir, NULL);
    bool same = r && strcmp(r, resolved) == 0;
    free(r);
    return same;
}

/* Whether path names a file or folder (not following a final symbolic link). */
static bool outdir_exists(const char *dir, const char *name) {
    char *p = rt_path_join(dir, name);
    struct stat st;
    bool yes = lstat(p, &st) == 0;
    free(p);
    return yes;
}

/* Number of entries of a folder other than "." and ".." (-1: unreadable, errno set). */
static long outdir_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

bool nltc_outdir_is_output(const char *dir) {
    for (size_t i = 0; i < sizeof outdir_marks / sizeof *outdir_marks; i++) {
        char *p = rt_path_join(dir, outdir_marks[i]);
        struct stat st;
        bool file = lstat(p, &st) == 0 && S_ISREG(st.st_mode);
        free(p);
        if (file) return true;
    }
    return false;
}

rt_status nltc_outdir_check(const char *dir, bool force, rt_error *e) {
    char *resolved = outdir_resolve(dir);
    if (!resolved) return rt_fail(e, RT_ERR_USAGE, "-o %s: cannot resolve the path", dir);
    const char *home = getenv("HOME");
    struct passwd *pw = getpwuid(getuid());
    rt_status st = RT_OK;
    if (strcmp(resolved, "/") == 0)
        st = rt_fail(e, RT_ERR_USAGE, "-o %s: refusing to write into the filesystem root", dir);
    else if (outdir_same(resolved, home) || (pw && outdir_same(resolved, pw->pw_dir)))
        st = rt_fail(e, RT_ERR_USAGE, "-o %s: refusing to write into the home folder %s", dir,
                     resolved);
    free(resolved);
    if (st) return st;
    struct stat sb;
    if (stat(dir, &sb) != 0) return RT_OK; /* created by the run */
    if (!S_ISDIR(sb.st_mode))
        return rt_fail(e, RT_ERR_USAGE, "-o %s: exists and is not a folder", dir);
    long n = outdir_entries(dir);
    if (n < 0)
        return rt_fail(e, RT_ERR_IO, "-o %s: cannot read the folder: %s", dir, strerror(errno));
    if (n > 0 && !force && !nltc_outdir_is_output(dir))
        return rt_fail(e, RT_ERR_USAGE,
                       "-o %s: the folder is not empty and holds no earlier nltc run (no "
                       "model.ir, report.json or train/checkpoint.bin); choose another folder "
                       "or use --force to write into it",
                       dir);
    return RT_OK;
}

/* Removes dir/name (a file, or a folder with its contents) if it exists. */
static rt_status outdir_remove(const char *dir, const char *name, rt_error *e) {
    if (!outdir_exists(dir, name)) return RT_OK;
    char *p = rt_path_join(dir, name);
    rt_rmtree(p);
    rt_status st = RT_OK;
    if (outdir_exists(dir, name)) /* rt_rmtree is quiet: what is left says it failed */
        st = rt_fail(e, RT_ERR_IO, "cannot remove %s, left by an earlier run", p);
    free(p);
    return st;
}

rt_status nltc_outdir_clear(const char *dir, bool resume, rt_error *e) {
    rt_status st = RT_OK;
    for (size_t i = 0; !st && i < sizeof outdir_artifacts / sizeof *outdir_artifacts; i++)
        st = outdir_remove(dir, outdir_artifacts[i], e);
    if (!st && !resume) st = outdir_remove(dir, "train", e);
    return st;
}
