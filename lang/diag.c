/* diag.c - GCC-style diagnostics: "file:line:col: error: message", the source line and a
 * caret/tilde underline. Line and column are computed here, from byte offsets. */
#include "lang.h"

void src_line_col(const src_file *f, uint32_t off, int *line, int *col) {
    int ln = 1;
    size_t start = 0;
    if (off > f->len) off = (uint32_t)f->len;
    for (size_t i = 0; i < off; i++)
        if (f->text[i] == '\n') {
            ln++;
            start = i + 1;
        }
    *line = ln;
    *col = (int)(off - start) + 1;
}

/* Prints the line holding r.begin and underlines r (up to the end of that line). */
static void diag_show_line(FILE *out, src_range r) {
    const char *t = r.file->text;
    size_t len = r.file->len, b = r.begin > len ? len : r.begin, s = b, e = b;
    while (s > 0 && t[s - 1] != '\n')
        s--;
    while (e < len && t[e] != '\n')
        e++;
    if (e > s && t[e - 1] == '\r') e--;
    for (size_t i = s; i < e; i++)
        fputc(t[i] ? t[i] : ' ', out);
    fputc('\n', out);
    for (size_t i = s; i < b; i++)
        fputc(t[i] == '\t' ? '\t' : ' ', out);
    fputc('^', out);
    size_t stop = r.end < e ? r.end : e;
    for (size_t i = b + 1; i < stop; i++)
        fputc('~', out);
    fputc('\n', out);
}

void diag_vreport(diag_ctx *d, diag_level lvl, src_range at, const char *fmt, va_list ap) {
    static const char *const names[] = {"error", "warning", "note"};
    int max = d->max_errors > 0 ? d->max_errors : 50;
    if (lvl == DIAG_ERROR) d->errors++;
    if (lvl == DIAG_WARNING) d->warnings++;
    if (lvl != DIAG_NOTE) d->suppressed = lvl == DIAG_ERROR && d->errors > max;
    if (!d->out || d->suppressed) {
        if (lvl == DIAG_ERROR && d->out && d->errors == max + 1)
            fprintf(d->out, "nltc: too many errors; stopping here\n");
        return;
    }
    if (at.file) {
        int line, col;
        src_line_col(at.file, at.begin, &line, &col);
        fprintf(d->out, "%s:%d:%d: %s: ", at.file->path, line, col, names[lvl]);
    } else {
        fprintf(d->out, "nltc: %s: ", names[lvl]);
    }
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    if (at.file) diag_show_line(d->out, at);
}

void diag_report(diag_ctx *d, diag_level lvl, src_range at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(d, lvl, at, fmt, ap);
    va_end(ap);
}
