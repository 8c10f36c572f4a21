/* files.c - atomic file writing (temporary file, then rename) and whole-file reading for
 * the report documents and the experiment store. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

rt_status report_file_write(const char *path, void (*write)(FILE *f, const void *ctx),
                            const void *ctx, rt_error *e) {
    rt_afile a;
    rt_status st = RT_OK;
    if (rt_afile_open(&a, path)) {
        st = rt_fail(e, RT_ERR_IO, "%s: cannot write: %s", a.tmp, strerror(a.err));
    } else {
        write(a.f, ctx);
        if (rt_afile_commit(&a))
            st = rt_fail(e, RT_ERR_IO, "%s: cannot write: %s", path, strerror(a.err));
    }
    rt_afile_free(&a);
    return st;
}

char *report_string(void (*write)(FILE *f, const void *ctx), const void *ctx) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) rt_oom();
    write(f, ctx);
    fclose(f);
    return buf;
}
