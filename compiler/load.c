/* load.c - reading the model file and its imports.
 *
 * Imports are loaded depth-first; a file is loaded once (by real path). `std/...` comes
 * from the standard library; other relative paths are tried against the importing
 * file's directory, each -I directory, then each NLTC_PATH entry. A module reached
 * through the library or the search path is a "library" module (its data paths resolve
 * against the model file; see lower.c). An import that reaches a file still being
 * loaded is a cycle, reported with the whole chain. */
#include "compiler.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef NLTC_STDLIB_DIR
#define NLTC_STDLIB_DIR "stdlib"
#endif

/* Files larger than this are refused (a model is a few KB; this stops /dev/zero & co). */
#define LOAD_MAX_BYTES (64u << 20)

src_file *nltc_read_source(nltc_arena *a, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    int e = fstat(fileno(f), &st) != 0    ? errno
            : S_ISDIR(st.st_mode)         ? EISDIR
            : !S_ISREG(st.st_mode)        ? EINVAL
            : st.st_size > LOAD_MAX_BYTES ? EFBIG
                                          : 0;
    if (e) {
        fclose(f);
        errno = e;
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    char *text = nltc_arena_alloc(a, n + 1);
    size_t got = fread(text, 1, n, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        errno = EIO;
        return NULL;
    }
    src_file *s = nltc_arena_alloc(a, sizeof *s);
    s->path = nltc_arena_strdup(a, path);
    s->text = text;
    s->len = got;
    return s;
}

const char *fe_join(nltc_arena *a, const char *dir, const char *rel) {
    if (rel[0] == '/' || !dir[0] || strcmp(dir, ".") == 0) return nltc_arena_strdup(a, rel);
    size_t n = strlen(dir);
    return nltc_arena_printf(a, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", rel);
}

/* Directory part of path: "." when there is none. */
static const char *load_dirname(nltc_arena *a, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    if (slash == path) return "/";
    return nltc_arena_strndup(a, path, (size_t)(slash - path));
}

static bool load_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The identity of a file: its real path when it has one. */
static const char *load_key(nltc_arena *a, const char *path) {
    char buf[PATH_MAX];
    return nltc_arena_strdup(a, realpath(path, buf) ? buf : path);
}

fe_module *fe_module_of(fe_ctx *fe, const src_file *f) {
    for (int i = 0; i < fe->modules.n; i++) {
        fe_module *m = fe->modules.v[i];
        if (m->src == f) return m;
    }
    return NULL;
}

/* Notes "imported from here" from the module of f up to the model file. */
static void load_chain_notes(fe_ctx *fe, const src_file *f) {
    const fe_module *m = f ? fe_module_of(fe, f) : NULL;
    for (; m && m->importer; m = m->importer)
        diag_note(&fe->d, m->import_at, "'%s' imported from here", m->src->path);
}

/* Reports a diagnostic, then the import chain of its file. */
static void load_report(fe_ctx *fe, diag_level lvl, src_range at, const char *fmt, va_list ap) {
    diag_vreport(&fe->d, lvl, at, fmt, ap);
    load_chain_notes(fe, at.file);
}

void fe_error(fe_ctx *fe, src_range at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    load_report(fe, DIAG_ERROR, at, fmt, ap);
    va_end(ap);
}

void fe_warning(fe_ctx *fe, src_range at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    load_report(fe, DIAG_WARNING, at, fmt, ap);
    va_end(ap);
}

static const char *load_stdlib_dir(const fe_ctx *fe) {
    const char *env = fe->o->no_env ? NULL : getenv("NLTC_STDLIB");
    if (fe->o->stdlib_dir) return fe->o->stdlib_dir;
    return env && env[0] ? env : NLTC_STDLIB_DIR;
}

/* Finds the file an import names; sets *library. NULL (after an error) if none. */
static const char *load_resolve(fe_ctx *fe, const fe_module *from, const ast_item *imp,
                                bool *library) {
    const char *p = imp->u.import.path;
    src_range at = imp->u.import.path_at;
    if (!p[0]) {
        fe_error(fe, at, "empty import path");
        return NULL;
    }
    if (strncmp(p, "std/", 4) == 0) {
        const char *dir = load_stdlib_dir(fe), *full = fe_join(fe->a, dir, p + 4);
        *library = true;
        if (load_is_file(full)) return full;
        fe_error(fe, at, "cannot find '%s' in the standard library (%s)", p, dir);
        return NULL;
    }
    *library = from->src->library;
    if (p[0] == '/') {
        if (load_is_file(p)) return p;
        fe_error(fe, at, "cannot find module '%s'", p);
        return NULL;
    }
    const char *full = fe_join(fe->a, from->dir, p);
    if (load_is_file(full)) return full;
    *library = true;
    for (int i = 0; i < fe->o->n_include_dirs; i++) {
        full = fe_join(fe->a, fe->o->include_dirs[i], p);
        if (load_is_file(full)) return full;
    }
    const char *env = fe->o->no_env ? NULL : getenv("NLTC_PATH");
    for (const char *s = env; s && *s;) {
        size_t n = strcspn(s, ":");
        if (n > 0) {
            full = fe_join(fe->a, nltc_arena_strndup(fe->a, s, n), p);
            if (load_is_file(full)) return full;
        }
        s += n + (s[n] == ':');
    }
    fe_error(fe, at, "cannot find module '%s' (looked in '%s'%s%s)", p, from->dir,
             fe->o->n_include_dirs ? ", the -I directories" : "",
             env && env[0] ? " and NLTC_PATH" : "");
    return NULL;
}

/* Reports the import cycle that `target` (being loaded) closes at imp. */
static void load_cycle(fe_ctx *fe, const fe_module *target, const ast_item *imp) {
    char chain[1024] = "";
    size_t len = 0;
    bool on = false;
    for (int i = 0; i < fe->import_stack.n; i++) {
        const fe_module *m = fe->import_stack.v[i];
        on |= m == target;
        if (on && len < sizeof chain)
            len += (size_t)snprintf(chain + len, sizeof chain - len, "%s -> ", m->src->path);
    }
    fe_error(fe, imp->u.import.path_at, "import cycle: %s%s", chain, target->src->path);
}

static fe_module *load_module(fe_ctx *fe, src_file *src, fe_module *importer, src_range at) {
    fe_module *m = nltc_arena_alloc(fe->a, sizeof *m);
    m->src = src;
    m->dir = load_dirname(fe->a, src->path);
    m->key = load_key(fe->a, src->path);
    m->importer = importer;
    m->import_at = at;
    ptr_vec_push(fe->a, &fe->modules, m);
    int before = fe->d.errors;
    src_index(fe->a, src);
    m->ast = lang_parse(fe->a, src, &fe->d);
    if (fe->d.errors > before && importer) load_chain_notes(fe, src);
    return m;
}

static void load_imports(fe_ctx *fe, fe_module *m) {
    m->loading = true;
    ptr_vec_push(fe->a, &fe->import_stack, m);
    for (int i = 0; i < m->ast->n; i++) {
        const ast_item *imp = m->ast->items[i];
        if (imp->kind != AI_IMPORT) continue;
        bool library = false;
        const char *path = load_resolve(fe, m, imp, &library);
        if (!path) continue;
        const char *key = load_key(fe->a, path);
        fe_module *seen = NULL;
        for (int j = 0; j < fe->modules.n && !seen; j++) {
            fe_module *o = fe->modules.v[j];
            if (strcmp(o->key, key) == 0) seen = o;
        }
        if (seen) {
            if (seen->loading) load_cycle(fe, seen, imp);
            continue;
        }
        src_file *src = nltc_read_source(fe->a, path);
        if (!src) {
            fe_error(fe, imp->u.import.path_at, "cannot read '%s': %s", path, strerror(errno));
            continue;
        }
        src->library = library;
        load_imports(fe, load_module(fe, src, m, imp->u.import.path_at));
    }
    fe->import_stack.n--;
    m->loading = false;
}

bool fe_load(fe_ctx *fe, const char *path, const char *text, size_t len) {
    src_file *src;
    if (text) {
        src = nltc_arena_alloc(fe->a, sizeof *src);
        src->path = nltc_arena_strdup(fe->a, path);
        src->text = nltc_arena_strndup(fe->a, text, len);
        src->len = len;
    } else if (!(src = nltc_read_source(fe->a, path))) {
        if (fe->d.out) fprintf(fe->d.out, "nltc: cannot read '%s': %s\n", path, strerror(errno));
        return false;
    }
    load_imports(fe, load_module(fe, src, NULL, (src_range){0}));
    return true;
}
