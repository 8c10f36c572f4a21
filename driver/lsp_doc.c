/* lsp_doc.c - the language server's open documents, file: URIs, and positions.
 *
 * An LSP position is a 0-based line and a character offset in it, counted in UTF-16 code
 * units unless the client accepted "utf-8" (then in bytes). Lines end at '\n'. The front end
 * reports byte ranges (src_range), so both conversions work from bytes: a byte that starts
 * no valid UTF-8 sequence counts as one unit (the replacement character an editor shows).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsp.h"

/* ---- URIs ---------------------------------------------------------------------------------- */

static int lsp_hex(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

char *lsp_uri_path(const char *uri) {
    static const char scheme[] = "file://";
    if (strncmp(uri, scheme, sizeof scheme - 1) != 0) return xstrdup(uri);
    const char *p = uri + sizeof scheme - 1;
    if (*p != '/') p = strchr(p, '/') ? strchr(p, '/') : ""; /* file://host/path */
    char *out = xmalloc(strlen(p) + 1), *o = out;
    for (; *p; p++) {
        int h = p[0] == '%' ? lsp_hex(p[1]) : -1, l = h >= 0 ? lsp_hex(p[2]) : -1;
        if (l >= 0 && (h || l)) { /* %00 is kept as written: paths hold no NUL */
            *o++ = (char)(h * 16 + l);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

void lsp_put_uri(rt_buf *b, const char *path) {
    char *real = realpath(path, NULL), cwd[PATH_MAX];
    rt_buf u = {0};
    rt_buf_puts(&u, "file://");
    if (!real && path[0] != '/' && getcwd(cwd, sizeof cwd)) rt_buf_printf(&u, "%s/", cwd);
    for (const unsigned char *p = (const unsigned char *)(real ? real : path); *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            rt_buf_put(&u, p, 1);
        else
            rt_buf_printf(&u, "%%%02X", *p);
    }
    rt_buf_put(&u, "", 1);
    json_buf_string(b, u.data);
    rt_buf_free(&u);
    free(real);
}

/* ---- Positions ------------------------------------------------------------------------------- */

/* The bytes of the character at t[i] (i < n) and the UTF-16 units it takes. */
static size_t lsp_char(const char *t, size_t i, size_t n, int *units) {
    unsigned char c = (unsigned char)t[i];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xC2 && c <= 0xDF ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 1;
    for (size_t k = 1; k < len; k++)
        if (i + k >= n || ((unsigned char)t[i + k] & 0xC0) != 0x80) len = 1;
    *units = len == 4 ? 2 : 1;
    return len;
}

/* The start of 0-based line `line` of f (the end of the text past its last line). */
static uint32_t lsp_line_start(const src_file *f, uint32_t line) {
    if (f->lines) return line < f->n_lines ? f->lines[line] : (uint32_t)f->len;
    uint32_t o = 0;
    for (uint32_t l = 0; l < line; l++) {
        const char *nl = memchr(f->text + o, '\n', f->len - o);
        if (!nl) return (uint32_t)f->len;
        o = (uint32_t)(nl - f->text) + 1;
    }
    return o;
}

/* A non-negative integer member of v that fits 32 bits. */
static bool lsp_uint(const json_value *v, const char *key, uint32_t *out) {
    const json_value *m = json_member(v, key);
    if (!m || m->kind != JSON_NUMBER || !(m->number >= 0) || m->number > 4294967295.0) return false;
    *out = (uint32_t)m->number;
    return true;
}

bool lsp_offset(const lsp_server *s, const src_file *f, const json_value *pos, uint32_t *off) {
    uint32_t line, ch;
    if (!lsp_uint(pos, "line", &line) || !lsp_uint(pos, "character", &ch)) return false;
    size_t o = lsp_line_start(f, line);
    const char *nl = memchr(f->text + o, '\n', f->len - o);
    size_t end = nl ? (size_t)(nl - f->text) : f->len;
    if (s->utf8) {
        o = ch < end - o ? o + ch : end;
    } else {
        int u;
        for (uint32_t k = 0; o < end; k += (uint32_t)u) {
            size_t n = lsp_char(f->text, o, end, &u);
            if (k + (uint32_t)u > ch) break;
            o += n;
        }
    }
    *off = (uint32_t)o;
    return true;
}

/* Appends the position of offset off of f. */
static void lsp_put_pos(const lsp_server *s, rt_buf *b, const src_file *f, uint32_t off) {
    if (off > f->len) off = (uint32_t)f->len;
    size_t start, line = src_line_of(f, off, &start);
    uint32_t ch = 0;
    if (s->utf8) {
        ch = (uint32_t)(off - start);
    } else {
        int u;
        for (size_t o = start; o < off; ch += (uint32_t)u)
            o += lsp_char(f->text, o, off, &u);
    }
    rt_buf_printf(b, "{\"line\":%zu,\"character\":%u}", line, ch);
}

void lsp_put_range(const lsp_server *s, rt_buf *b, const src_file *f, uint32_t begin,
                   uint32_t end) {
    rt_buf_puts(b, "{\"start\":");
    lsp_put_pos(s, b, f, begin);
    rt_buf_puts(b, ",\"end\":");
    lsp_put_pos(s, b, f, end < begin ? begin : end);
    rt_buf_puts(b, "}");
}

/* ---- Documents ---------------------------------------------------------------------------- */

lsp_doc *lsp_doc_find(lsp_server *s, const char *uri) {
    for (int i = 0; i < s->n_docs; i++)
        if (strcmp(s->docs[i].uri, uri) == 0) return &s->docs[i];
    return NULL;
}

lsp_doc *lsp_doc_set(lsp_server *s, const char *uri, const char *text, size_t len) {
    lsp_doc *d = lsp_doc_find(s, uri);
    if (len >= UINT32_MAX) return NULL; /* the front end's offsets are 32 bits */
    if (!d) {
        size_t cap = (size_t)s->cap_docs;
        rt_grow((void **)&s->docs, (size_t)s->n_docs, &cap, sizeof *s->docs);
        s->cap_docs = (int)cap;
        d = &s->docs[s->n_docs++];
        *d = (lsp_doc){.uri = xstrdup(uri), .path = lsp_uri_path(uri)};
    }
    if (d->a) nltc_arena_free(d->a);
    d->a = nltc_arena_new();
    d->src = nltc_arena_alloc(d->a, sizeof *d->src);
    d->src->path = d->path;
    d->src->text = nltc_arena_strndup(d->a, text, len);
    d->src->len = len;
    src_index(d->a, d->src);
    d->summary = d->lens = NULL;
    lsp_check(s, d);
    return d;
}

static void lsp_doc_free(lsp_doc *d) {
    free(d->uri);
    free(d->path);
    if (d->a) nltc_arena_free(d->a);
}

void lsp_doc_close(lsp_server *s, const char *uri) {
    lsp_doc *d = lsp_doc_find(s, uri);
    if (!d) return;
    lsp_doc_free(d);
    *d = s->docs[--s->n_docs];
}

void lsp_docs_free(lsp_server *s) {
    for (int i = 0; i < s->n_docs; i++)
        lsp_doc_free(&s->docs[i]);
    free(s->docs);
    s->docs = NULL;
    s->n_docs = s->cap_docs = 0;
}

lsp_doc *lsp_doc_at(lsp_server *s, const json_value *id, const json_value *params, uint32_t *off) {
    const json_value *uri = json_member(json_member(params, "textDocument"), "uri");
    lsp_doc *d = uri && uri->kind == JSON_STRING ? lsp_doc_find(s, uri->text) : NULL;
    if (!d) {
        lsp_respond_error(s, id, LSP_INVALID_PARAMS, "the document is not open");
        return NULL;
    }
    if (off && !lsp_offset(s, d->src, json_member(params, "position"), off)) {
        lsp_respond_error(s, id, LSP_INVALID_PARAMS, "no position {line, character} given");
        return NULL;
    }
    return d;
}
