/* diag.c - GCC-style diagnostics: "file:line:col: error: message", the source line and a
 * caret/tilde underline. Line and column are computed here, from byte offsets.
 *
 * Columns count characters (UTF-8 code points; a byte that is no valid UTF-8 counts as
 * one character), both in "file:line:col" and where the caret goes; a tab is copied to
 * the caret line so the caret stays under the character whatever the tab width, and an
 * East Asian wide character takes two columns of the caret line. A line longer than
 * DIAG_WINDOW characters is shown only around the error column, with "..." where it was
 * cut. Each diagnostic is built in memory and written with one call. */
#include "lang.h"

#include <stdlib.h>
#include <string.h>

#include "rt.h"

enum {
    DIAG_WINDOW = 100, /* characters of a long line shown */
    DIAG_BEFORE = 40   /* of which before the caret, when the line is cut on the left */
};

/* The length of the character at t[i] (i < n): its UTF-8 sequence, or 1 for a byte that
 * starts no valid sequence. *cp receives the code point (the byte itself when invalid). */
static size_t u8_char(const char *t, size_t i, size_t n, uint32_t *cp) {
    const unsigned char *u = (const unsigned char *)t + i;
    unsigned char c = u[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xC2 && c <= 0xDF ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    *cp = c;
    if (len <= 1 || i + len > n) return 1;
    uint32_t v = c & (0x7F >> len);
    for (size_t k = 1; k < len; k++) {
        if ((u[k] & 0xC0) != 0x80) return 1;
        v = v << 6 | (u[k] & 0x3F);
    }
    /* overlong forms, surrogates and values past U+10FFFF are no valid UTF-8 */
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < least[len] || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return 1;
    *cp = v;
    return len;
}

/* Columns code point cp takes on a terminal: 0 for combining marks and zero-width
 * characters, 2 for East Asian wide and fullwidth ones, else 1. */
static int u8_width(uint32_t cp) {
    static const uint32_t zero[][2] = {{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
                                       {0x0610, 0x061A}, {0x064B, 0x065F}, {0x1AB0, 0x1AFF},
                                       {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF},
                                       {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}};
    static const uint32_t wide[][2] = {{0x1100, 0x115F},   {0x2E80, 0x303E},  {0x3041, 0x33FF},
                                       {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},  {0xA000, 0xA4CF},
                                       {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},  {0xFE30, 0xFE4F},
                                       {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},  {0x1F300, 0x1F64F},
                                       {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD}};
    if (cp < 0x300) return 1;
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1]) return 0;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1]) return 2;
    return 1;
}

/* Characters in t[from, to). */
static size_t u8_count(const char *t, size_t from, size_t to) {
    size_t n = 0;
    uint32_t cp;
    for (size_t i = from; i < to; n++)
        i += (unsigned char)t[i] < 0x80 ? 1 : u8_char(t, i, to, &cp);
    return n;
}

/* The offset k characters after i (not past end). */
static size_t u8_skip(const char *t, size_t i, size_t end, size_t k) {
    uint32_t cp;
    for (; k > 0 && i < end; k--)
        i += u8_char(t, i, end, &cp);
    return i;
}

/* The offset k characters before i (not before start): steps over continuation bytes. */
static size_t u8_back(const char *t, size_t i, size_t start, size_t k) {
    for (; k > 0 && i > start; k--) {
        size_t j = i - 1;
        while (j > start && i - j < 4 && (t[j] & 0xC0) == 0x80)
            j--;
        uint32_t cp;
        i = u8_char(t, j, i, &cp) == i - j ? j : i - 1;
    }
    return i;
}

/* The start of the line holding offset off. */
static size_t line_start(const char *t, size_t off) {
    while (off > 0 && t[off - 1] != '\n')
        off--;
    return off;
}

void src_index(nltc_arena *a, src_file *f) {
    uint32_t n = 1;
    for (const char *p = f->text, *end = f->text + f->len;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        n++;
    uint32_t *lines = nltc_arena_alloc(a, n * sizeof *lines), k = 0;
    lines[k++] = 0;
    for (const char *p = f->text, *end = f->text + f->len;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        lines[k++] = (uint32_t)(p + 1 - f->text);
    f->lines = lines;
    f->n_lines = n;
}

size_t src_line_of(const src_file *f, size_t o, size_t *start) {
    if (f->lines) { /* the last line starting at or before o */
        uint32_t lo = 0, hi = f->n_lines;
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (f->lines[mid] <= o)
                lo = mid;
            else
                hi = mid;
        }
        *start = f->lines[lo];
        return lo;
    }
    const unsigned char *t = (const unsigned char *)f->text;
    size_t nl = 0;
    for (size_t i = 0; i < o; i++)
        nl += t[i] == '\n';
    *start = line_start(f->text, o);
    return nl;
}

void src_line_col(const src_file *f, uint32_t off, int *line, int *col) {
    size_t o = off > f->len ? f->len : off, start;
    *line = (int)src_line_of(f, o, &start) + 1;
    *col = (int)u8_count(f->text, start, o) + 1;
}

/* Appends t[from, to) as the caret line's blanks: a tab stays a tab, every other
 * character becomes as many spaces as it takes columns. */
static void put_blanks(rt_buf *b, const char *t, size_t from, size_t to) {
    uint32_t cp;
    for (size_t i = from; i < to;) {
        size_t n = u8_char(t, i, to, &cp);
        if (cp == '\t')
            rt_buf_put(b, "\t", 1);
        else
            for (int w = n == 1 ? 1 : u8_width(cp); w > 0; w--)
                rt_buf_put(b, " ", 1);
        i += n;
    }
}

/* Appends the line holding r.begin (the part of it around r.begin when it is long) and
 * the underline of r (up to the end of the shown part). */
static void show_line(rt_buf *b, src_range r, bool color) {
    const char *t = r.file->text;
    size_t len = r.file->len, at = r.begin > len ? len : r.begin, s;
    src_line_of(r.file, at, &s);
    const char *nl = memchr(t + at, '\n', len - at);
    size_t e = nl ? (size_t)(nl - t) : len;
    if (e > s && t[e - 1] == '\r') e--;
    /* the window [ws, we) of at most DIAG_WINDOW characters holding at */
    size_t ws = s, we = u8_skip(t, s, e, DIAG_WINDOW);
    if (we < e && u8_skip(t, s, at, DIAG_WINDOW - DIAG_BEFORE) < at) {
        ws = u8_back(t, at, s, DIAG_BEFORE);
        we = u8_skip(t, ws, e, DIAG_WINDOW);
        if (we == e) ws = u8_back(t, e, s, DIAG_WINDOW);
    }
    const char *dots = "...";
    if (ws > s) rt_buf_puts(b, dots);
    for (size_t i = ws; i < we;) { /* NULs shown as spaces */
        const char *z = memchr(t + i, '\0', we - i);
        size_t stop = z ? (size_t)(z - t) : we;
        rt_buf_put(b, t + i, stop - i);
        if (z) rt_buf_put(b, " ", 1);
        i = z ? stop + 1 : we;
    }
    if (we < e) rt_buf_puts(b, dots);
    rt_buf_put(b, "\n", 1);
    if (ws > s) rt_buf_puts(b, "   ");
    put_blanks(b, t, ws, at);
    if (color) rt_buf_puts(b, "\033[1;32m");
    rt_buf_put(b, "^", 1);
    uint32_t cp;
    size_t stop = r.end < we ? r.end : we, first = at < we ? at + u8_char(t, at, we, &cp) : at;
    if (stop > first) {
        size_t n = u8_count(t, first, stop);
        for (size_t i = 0; i < n; i++)
            rt_buf_put(b, "~", 1);
    }
    if (color) rt_buf_puts(b, "\033[0m");
    rt_buf_put(b, "\n", 1);
}

/* Appends vprintf(fmt, ap) to b. */
static void buf_vprintf(rt_buf *b, const char *fmt, va_list ap) {
    char small[512];
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        rt_buf_put(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    rt_buf_put(b, big, (size_t)n);
    free(big);
}

/* Formats the message and hands it to d->sink. */
static void diag_to_sink(diag_ctx *d, diag_level lvl, src_range at, const char *fmt, va_list ap) {
    rt_buf m = {0};
    buf_vprintf(&m, fmt, ap);
    rt_buf_put(&m, "", 1); /* data is a string even for an empty message */
    d->sink(d->sink_ctx, lvl, at, m.data);
    rt_buf_free(&m);
}

void diag_vreport(diag_ctx *d, diag_level lvl, src_range at, const char *fmt, va_list ap) {
    static const char *const names[] = {"error", "warning", "note"};
    static const char *const colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
    int max = d->max_errors > 0 ? d->max_errors : 50;
    if (lvl == DIAG_ERROR) d->errors++;
    if (lvl == DIAG_WARNING) d->warnings++;
    if (lvl != DIAG_NOTE) d->suppressed = lvl == DIAG_ERROR && d->errors > max;
    if (!d->out || d->suppressed) {
        if (lvl == DIAG_ERROR && d->out && d->errors == max + 1)
            fprintf(d->out, "nltc: too many errors; stopping here\n");
        if (d->sink && !d->suppressed) diag_to_sink(d, lvl, at, fmt, ap);
        return;
    }
    if (d->sink) {
        va_list aq;
        va_copy(aq, ap);
        diag_to_sink(d, lvl, at, fmt, aq);
        va_end(aq);
    }
    const char *bold = d->color ? "\033[1m" : "", *off = d->color ? "\033[0m" : "";
    const char *lc = d->color ? colors[lvl] : "";
    rt_buf b = {0};
    if (at.file && at.file->flag) {
        rt_buf_printf(&b, "%snltc:%s %s%s:%s %s: ", bold, off, lc, names[lvl], off, at.file->path);
    } else if (at.file) {
        int line, col;
        src_line_col(at.file, at.begin, &line, &col);
        rt_buf_printf(&b, "%s%s:%d:%d:%s %s%s:%s ", bold, at.file->path, line, col, off, lc,
                      names[lvl], off);
    } else {
        rt_buf_printf(&b, "%snltc:%s %s%s:%s ", bold, off, lc, names[lvl], off);
    }
    buf_vprintf(&b, fmt, ap);
    rt_buf_put(&b, "\n", 1);
    if (at.file && !at.file->flag) show_line(&b, at, d->color);
    fwrite(b.data, 1, b.len, d->out);
    fflush(d->out);
    rt_buf_free(&b);
}

void diag_report(diag_ctx *d, diag_level lvl, src_range at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(d, lvl, at, fmt, ap);
    va_end(ap);
}
