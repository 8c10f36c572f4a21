/* artifacts.c - what `nltc verify OUT` checks before it runs anything: every file of OUT
 * against the SHA-256 digests report.json recorded, and OUT/csim and OUT/rtl against the
 * C simulator and the RTL regenerated from OUT/tables, byte for byte. Each difference is
 * a finding naming the file (and its first differing line, and for a table array of the
 * C simulator the layer, L-LUT and address). */
#include "backend.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void be_finding(be_findings *f, const char *fmt, ...) {
    if (f->n < BE_MAX_FINDINGS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->text[f->n], sizeof f->text[f->n], fmt, ap);
        va_end(ap);
    }
    f->n++;
}

/* Whether path lies in a folder the run wrote files into (a store checkout adds src/ and
 * run.json beside them; those are no artifacts of the run). */
static bool in_run_folder(const rt_artifacts *want, const char *path) {
    const char *slash = strchr(path, '/');
    if (!slash) return false;
    size_t n = (size_t)(slash - path) + 1;
    for (int i = 0; i < want->n; i++)
        if (strncmp(want->a[i].path, path, n) == 0) return true;
    return false;
}

void be_check_artifacts(const rt_artifacts *want, const rt_artifacts *have, be_findings *f) {
    int i = 0, j = 0;
    while (i < want->n || j < have->n) {
        int c = i == want->n ? 1 : j == have->n ? -1 : strcmp(want->a[i].path, have->a[j].path);
        if (c < 0)
            be_finding(f, "%s: missing (report.json records it)", want->a[i++].path);
        else if (c > 0) {
            if (in_run_folder(want, have->a[j].path))
                be_finding(f, "%s: not written by the run (report.json does not record it)",
                           have->a[j].path);
            j++;
        } else {
            const rt_artifact *w = &want->a[i++], *h = &have->a[j++];
            if (!h->sha256[0] && w->sha256[0])
                be_finding(f, "%s: not a regular file", h->path);
            else if (strcmp(w->sha256, h->sha256) != 0)
                be_finding(f, "%s: SHA-256 %.16s... differs from the %.16s... report.json records",
                           h->path, h->sha256, w->sha256);
        }
    }
}

/* ---- Regenerated files ----------------------------------------------------------------- */

/* Line number (1-based) and offset of the first byte where a and b differ. */
static size_t first_diff(const char *a, size_t na, const char *b, size_t nb, long *line) {
    size_t i = 0;
    *line = 1;
    while (i < na && i < nb && a[i] == b[i])
        *line += a[i++] == '\n';
    return i;
}

/* When offset off of the regenerated C simulator text lies in a "wireL" or "tableL" array,
 * says which entry: counts the numbers from the array's opening brace. */
static bool locate_entry(const rt_tables *t, const char *text, size_t off, char *buf, size_t n) {
    const char *p = text + off;
    while (p > text && (p[-1] >= '0' && p[-1] <= '9')) /* start of the number */
        p--;
    const char *open = NULL;
    for (const char *q = p; q > text; q--) {
        if (*q == ';') return false; /* an earlier statement: not inside an array */
        if (*q == '{') {
            open = q;
            break;
        }
    }
    if (!open) return false;
    const char *ls = open;
    while (ls > text && ls[-1] != '\n')
        ls--;
    int l = -1;
    bool table = sscanf(ls, "static const %*s table%d[", &l) == 1;
    if (!table && sscanf(ls, "static const %*s wire%d[", &l) != 1) return false;
    if (l < 0 || l >= t->n_layers) return false;
    long idx = 0;
    for (const char *q = open; q < p; q++)
        idx += *q == ',';
    const rt_table_layer *L = &t->layers[l];
    if (table) {
        long rows = 1L << be_addr_bits(L);
        snprintf(buf, n, "table of layer %d, L-LUT %ld, address %ld", l, idx / rows, idx % rows);
    } else
        snprintf(buf, n, "wiring of layer %d, L-LUT %ld, slot %ld", l, idx / L->fanin,
                 idx % L->fanin);
    return true;
}

/* Compares OUT/sub/name with the regenerated copy. */
static void compare_file(const rt_tables *t, const char *sub, const char *name, const char *out,
                         const char *regen, be_findings *f) {
    size_t na = 0, nb = 0;
    bool opened = false;
    char *a = rt_read_file(out, &na, &opened);
    char *b = rt_read_file(regen, &nb, NULL);
    if (!a)
        be_finding(f, "%s/%s: %s", sub, name,
                   opened ? "cannot be read" : "missing (the emitter writes it from OUT/tables)");
    else if (b && (na != nb || memcmp(a, b, na) != 0)) {
        long line;
        size_t off = first_diff(a, na, b, nb, &line);
        char where[160];
        bool csim = strcmp(sub, "csim") == 0;
        if (csim && locate_entry(t, b, off, where, sizeof where))
            be_finding(f,
                       "%s/%s:%ld: differs from the C simulator regenerated from OUT/tables at "
                       "the %s",
                       sub, name, line, where);
        else
            be_finding(f, "%s/%s:%ld: differs from the %s", sub, name, line,
                       csim ? "C simulator regenerated from OUT/tables"
                            : "RTL regenerated from OUT/tables and OUT/vectors");
    }
    free(a);
    free(b);
}

/* The names of the entries of dir, sorted; NULL when it cannot be read. */
static char **list_dir(const char *dir, int *n) {
    DIR *d = opendir(dir);
    *n = 0;
    if (!d) return NULL;
    char **v = NULL;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        rt_grow((void **)&v, (size_t)*n, &cap, sizeof *v);
        v[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    for (int i = 1; i < *n; i++) /* insertion sort: a handful of names */
        for (int j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *x = v[j];
            v[j] = v[j - 1], v[j - 1] = x;
        }
    return v ? v : xcalloc(1, sizeof *v);
}

static void free_list(char **v, int n) {
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void be_compare_regenerated(const rt_tables *t, const char *out_dir, const char *regen_dir,
                            const char *sub, be_findings *f) {
    char *od = rt_path_join(out_dir, sub), *rd = rt_path_join(regen_dir, sub);
    int no = 0, nr = 0;
    char **vo = list_dir(od, &no), **vr = list_dir(rd, &nr);
    if (!vo) be_finding(f, "%s: missing (the emitter writes it from OUT/tables)", sub);
    for (int i = 0; i < nr; i++) {
        char *o = rt_path_join(od, vr[i]), *r = rt_path_join(rd, vr[i]);
        if (vo) compare_file(t, sub, vr[i], o, r, f);
        free(o);
        free(r);
    }
    for (int i = 0; vo && i < no; i++) {
        bool known = false;
        for (int j = 0; j < nr && !known; j++)
            known = strcmp(vo[i], vr[j]) == 0;
        if (!known)
            be_finding(f, "%s/%s: not written by the emitter (not regenerated from OUT/tables)",
                       sub, vo[i]);
    }
    free_list(vo, no);
    free_list(vr, nr);
    free(od);
    free(rd);
}

/* ---- The trained model ------------------------------------------------------------------ */

void be_compare_trained(const rt_tables *t, const rt_tables *m, be_findings *f) {
    if (t->n_layers != m->n_layers || t->n_inputs != m->n_inputs ||
        t->input_bits != m->input_bits) {
        be_finding(f,
                   "tables/manifest.txt: %d layers of %d inputs of %d bits; train/model.bin "
                   "gives %d layers of %d inputs of %d bits",
                   t->n_layers, t->n_inputs, t->input_bits, m->n_layers, m->n_inputs,
                   m->input_bits);
        return;
    }
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *A = &t->layers[l], *B = &m->layers[l];
        if (A->n_lut != B->n_lut || A->fanin != B->fanin || A->bits_in != B->bits_in ||
            A->bits_out != B->bits_out || A->in_width != B->in_width) {
            be_finding(f, "tables/layer%d.bin: the shape differs from train/model.bin's", l);
            continue;
        }
        long n = (long)A->n_lut * A->fanin, rows = 1L << be_addr_bits(A), i = 0;
        while (i < n && A->inputs[i] == B->inputs[i])
            i++;
        if (i < n) {
            be_finding(f,
                       "tables/layer%d.bin: wiring of L-LUT %ld, slot %ld: %d, train/model.bin "
                       "gives %d",
                       l, i / A->fanin, i % A->fanin, A->inputs[i], B->inputs[i]);
            continue;
        }
        for (i = 0; i < A->n_lut * rows && A->codes[i] == B->codes[i]; i++)
            ;
        if (i < A->n_lut * rows)
            be_finding(f,
                       "tables/layer%d.bin: L-LUT %ld, address %ld: %u, train/model.bin "
                       "tabulated gives %u",
                       l, i / rows, i % rows, A->codes[i], B->codes[i]);
    }
}
