/* files.c - atomic file writing (temporary file, then rename) and whole-file reading for
 * the report documents and the experiment store. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FILE *report_file_open(const char *path, char *tmp, FILE *err) {
    sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f && err) fprintf(err, "%s: error: cannot write: %s\n", tmp, strerror(errno));
    return f;
}

int report_file_commit(FILE *f, const char *tmp, const char *path, FILE *err) {
    bool bad = ferror(f) != 0;
    int saved = bad ? EIO : 0;
    if (fclose(f) != 0 && !bad) {
        bad = true;
        saved = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = true;
        saved = errno;
    }
    if (bad) {
        if (err) fprintf(err, "%s: error: cannot write: %s\n", path, strerror(saved));
        remove(tmp);
        return 2;
    }
    return 0;
}

int report_file_write(const char *path, void (*write)(FILE *f, const void *ctx), const void *ctx,
                      FILE *err) {
    char *tmp = xmalloc(strlen(path) + 32);
    FILE *f = report_file_open(path, tmp, err);
    int rc = 2;
    if (f) {
        write(f, ctx);
        rc = report_file_commit(f, tmp, path, err);
    }
    free(tmp);
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
