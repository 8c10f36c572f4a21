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
