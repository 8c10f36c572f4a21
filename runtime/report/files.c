/* files.c - atomic file writing (temporary file, then rename) and whole-file reading for
 * the report documents and the experiment store. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int report_file_write(const char *path, void (*write)(FILE *f, const void *ctx), const void *ctx,
                      FILE *err) {
    rt_afile a;
    int rc = 0;
    if (rt_afile_open(&a, path)) {
        if (err) fprintf(err, "%s: error: cannot write: %s\n", a.tmp, strerror(a.err));
        rc = 2;
    } else {
        write(a.f, ctx);
        if (rt_afile_commit(&a)) {
            if (err) fprintf(err, "%s: error: cannot write: %s\n", path, strerror(a.err));
            rc = 2;
        }
    }
    rt_afile_free(&a);
    return rc;
}

char *report_string(void (*write)(FILE *f, const void *ctx), const void *ctx) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        fputs("nltc: out of memory\n", stderr);
        exit(2);
    }
    write(f, ctx);
    fclose(f);
    return buf;
}

char *report_file_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        errno = saved ? saved : EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
