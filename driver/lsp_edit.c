/* lsp_edit.c - the language server's answers about a place in a document: hover,
 * completion, definition; and formatting and the code lens of a document.
 *
 * Where the cursor is (which block, after which `key =`) is read from the text itself, so
 * it works while the text does not parse; what the words mean comes from the compiler:
 * the schema (nltc_describe_property, nltc_property_names, nltc_property_words), the
 * declarations and imports (nltc_outline_buffer), the formatter (fmt_source).
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "lsp.h"

enum { LSP_DEPTH = 64 }; /* blocks tracked in depth; deeper ones count as their parent */

/* What surrounds an offset. */
typedef struct lsp_ctx {
    kw_id block;   /* the innermost block's kind; KW_IDENT at the top level */
    kw_id key;     /* in a value: the property's key (KW_IDENT: a word that is no keyword) */
    bool in_value; /* after `key =` */
    bool quiet;    /* in a comment or a string: nothing to complete */
} lsp_ctx;

static bool lsp_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Skips a comment or string starting at t[i] (i < n); returns where it ends, or i. */
static size_t lsp_skip(const char *t, size_t i, size_t n) {
    if (t[i] == '/' && i + 1 < n && t[i + 1] == '/') {
        const char *nl = memchr(t + i, '\n', n - i);
        return nl ? (size_t)(nl - t) : n;
    }
    if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
        for (i += 2; i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'); i++)
            ;
        return i + 2 < n ? i + 2 : n;
    }
    if (t[i] == '"') {
        for (i++; i < n && t[i] != '"' && t[i] != '\n'; i++)
            if (t[i] == '\\') i++;
        return i < n ? i + 1 : n;
    }
    return i;
}

/* Reads the structure of f up to off. */
static lsp_ctx lsp_context(const src_file *f, uint32_t off) {
    const char *t = f->text;
    kw_id stack[LSP_DEPTH], first = KW_COUNT, prev = KW_COUNT; /* KW_COUNT: no word yet */
    int depth = 0;
    lsp_ctx c = {KW_IDENT, KW_IDENT, false, false};
    for (size_t i = 0; i < off;) {
        size_t j = lsp_skip(t, i, f->len);
        if (j != i) {
            c.quiet = j > off || (j == off && t[i] == '/' && t[i + 1] == '/');
            i = j;
            continue;
        }
        char ch = t[i];
        if (lsp_alpha(ch)) {
            for (j = i; j < f->len && (lsp_alpha(t[j]) || (t[j] >= '0' && t[j] <= '9')); j++)
                ;
            if (first == KW_COUNT) first = kw_lookup(t + i, j - i);
            i = j;
            continue;
        }
        if (ch == '{' && depth < LSP_DEPTH)
            stack[depth++] = first != KW_COUNT ? first : prev;
        else if (ch == '}' && depth > 0)
            depth--;
        if (ch == '=' && !c.in_value) c.in_value = true, c.key = first;
        if (ch == '{' || ch == '}' || ch == ';' || ch == '\n') {
            if (first != KW_COUNT) prev = first;
            first = KW_COUNT;
            c.in_value = false;
        }
        i++;
    }
    c.block = depth > 0 ? stack[depth - 1] : KW_IDENT;
    return c;
}

/* The outline (declarations, imports) of d's current text. */
static nltc_outline lsp_outline(lsp_server *s, const lsp_doc *d, nltc_arena *a) {
    nltc_outline o;
    nltc_outline_buffer(d->path, d->src->text, d->src->len, &s->co, a, &o);
    return o;
}

/* The declaration named by bytes [b, e) of text, or NULL. */
static const nltc_symbol *lsp_symbol(const nltc_outline *o, const char *text, uint32_t b,
                                     uint32_t e) {
    for (int i = 0; i < o->n_symbols && e > b; i++)
        if (strlen(o->symbols[i].name) == e - b && memcmp(o->symbols[i].name, text + b, e - b) == 0)
            return &o->symbols[i];
    return NULL;
}

/* Responds with a Markdown hover over [b, e) of d (the response's result). */
static void lsp_hover_md(lsp_server *s, const json_value *id, const lsp_doc *d, uint32_t b,
                         uint32_t e, const char *md) {
    rt_buf r = {0};
    rt_buf_puts(&r, "{\"contents\":{\"kind\":\"markdown\",\"value\":");
    json_buf_string(&r, md);
    rt_buf_puts(&r, "},\"range\":");
    lsp_put_range(s, &r, d->src, b, e);
    rt_buf_puts(&r, "}");
    lsp_respond(s, id, r.data);
    rt_buf_free(&r);
}

/* report_string callbacks for hover texts. */
typedef struct lsp_prop_ref {
    kw_id block, key;
} lsp_prop_ref;
static void lsp_put_prop(FILE *f, const void *ctx) {
    const lsp_prop_ref *p = ctx;
    nltc_describe_property(f, p->block, p->key);
}
static void lsp_put_arg(FILE *f, const void *ctx) {
    const lsp_prop_ref *p = ctx; /* block: the constructor, key: the argument */
    nltc_describe_argument(f, p->block, p->key);
}
static void lsp_put_block(FILE *f, const void *ctx) {
    kw_id block = *(const kw_id *)ctx, keys[256];
    int n = nltc_property_names(block, keys, 256);
    fprintf(f, "**`%s`** block%s", kw_text(block), n ? ": " : "");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s`%s`", i ? ", " : "", kw_text(keys[i]));
    fputs("\n", f);
}

/* The constructor of the call whose parentheses hold offset off of the line, or KW_IDENT. */
static kw_id lsp_call_at(const src_file *f, uint32_t off) {
    const char *t = f->text;
    int depth = 0;
    for (uint32_t i = off; i > 0 && t[i - 1] != '\n' && t[i - 1] != '{'; i--) {
        depth += t[i - 1] == ')' ? 1 : t[i - 1] == '(' ? -1 : 0;
        if (depth < 0) {
            uint32_t b, e;
            lsp_word(f, i - 1, &b, &e);
            return kw_lookup(t + b, e - b);
        }
    }
    return KW_IDENT;
}

/* Where the declaration named [b, e) of d is declared, or NULL (malloc'd). */
static char *lsp_declared_at(lsp_server *s, const lsp_doc *d, uint32_t b, uint32_t e) {
    nltc_arena *a = nltc_arena_new();
    nltc_outline o = lsp_outline(s, d, a);
    const nltc_symbol *y = lsp_symbol(&o, d->src->text, b, e);
    char *md = NULL;
    if (y) {
        int line, col;
        src_line_col(y->at.file, y->at.begin, &line, &col);
        md = rt_strfmt("`%s %s`, declared at %s:%d:%d", kw_text(y->kind), y->name, y->at.file->path,
                       line, col);
    }
    nltc_arena_free(a);
    return md;
}

/* The hover text of the word [b, e) of d, or NULL (malloc'd): a property's reference (the
 * key, or a value of it), where a name is declared, the properties of a block kind. */
static char *lsp_hover_text(lsp_server *s, const lsp_doc *d, uint32_t b, uint32_t e) {
    const char *t = d->src->text;
    lsp_ctx c = lsp_context(d->src, b);
    kw_id w = kw_lookup(t + b, e - b);
    size_t after = e;
    while (after < d->src->len && (t[after] == ' ' || t[after] == '\t'))
        after++;
    bool is_key = after < d->src->len && t[after] == '=';
    kw_id ctor = c.in_value && is_key ? lsp_call_at(d->src, b) : KW_IDENT;
    char *md = !is_key ? lsp_declared_at(s, d, b, e) : NULL;
    if (md) return md;
    if (c.in_value || is_key) { /* an argument, a value, a property */
        lsp_prop_ref p = {ctor != KW_IDENT ? ctor : c.block,
                          c.in_value && ctor == KW_IDENT ? c.key : w};
        md = report_string(ctor != KW_IDENT ? lsp_put_arg : lsp_put_prop, &p);
        if (md[0]) return md;
        free(md);
        return NULL;
    }
    if (w != KW_IDENT && (kw_roles(w) & KWR_BLOCK)) return report_string(lsp_put_block, &w);
    return NULL;
}

void lsp_hover(lsp_server *s, const json_value *id, const json_value *params) {
    uint32_t off, b, e;
    lsp_doc *d = lsp_doc_at(s, id, params, &off);
    if (!d) return;
    if (d->summary && off >= d->model_at && off <= d->model_end) {
        lsp_hover_md(s, id, d, d->model_at, d->model_end, d->summary);
        return;
    }
    lsp_word(d->src, off, &b, &e);
    char *md = e > b ? lsp_hover_text(s, d, b, e) : NULL;
    if (md)
        lsp_hover_md(s, id, d, b, e, md);
    else
        lsp_respond(s, id, "null");
    free(md);
}

/* ---- Completion ------------------------------------------------------------------------------ */

/* Appends one completion item (kind: LSP's CompletionItemKind); doc may be NULL. */
static void lsp_item(rt_buf *r, const char *label, int kind, const char *detail, const char *doc) {
    rt_buf_puts(r, r->data[r->len - 1] == '[' ? "{\"label\":" : ",{\"label\":");
    json_buf_string(r, label);
    rt_buf_printf(r, ",\"kind\":%d", kind);
    if (detail) {
        rt_buf_puts(r, ",\"detail\":");
        json_buf_string(r, detail);
    }
    if (doc) {
        rt_buf_puts(r, ",\"documentation\":{\"kind\":\"markdown\",\"value\":");
        json_buf_string(r, doc);
        rt_buf_puts(r, "}");
    }
    rt_buf_puts(r, "}");
}

enum { LSP_KIND_PROPERTY = 10, LSP_KIND_KEYWORD = 14, LSP_KIND_VALUE = 12, LSP_KIND_REF = 18 };

/* Values after `key =`: the words of the property, else the declarations (of kind key
 * when there are such, else of every kind but model). */
static void lsp_complete_value(lsp_server *s, const lsp_doc *d, const lsp_ctx *c, rt_buf *r) {
    kw_id words[SV_MAX_WORDS + 1];
    int n = nltc_property_words(c->block, c->key, words);
    for (int i = 0; i < n; i++)
        lsp_item(r, kw_text(words[i]), LSP_KIND_VALUE, kw_text(c->key), NULL);
    if (n > 0) return;
    nltc_arena *a = nltc_arena_new();
    nltc_outline o = lsp_outline(s, d, a);
    bool of_kind = false;
    for (int i = 0; i < o.n_symbols; i++)
        of_kind |= o.symbols[i].kind == c->key;
    for (int i = 0; i < o.n_symbols; i++) {
        const nltc_symbol *y = &o.symbols[i];
        if (of_kind ? y->kind == c->key : y->kind != KW_MODEL)
            lsp_item(r, y->name, LSP_KIND_REF, kw_text(y->kind), NULL);
    }
    nltc_arena_free(a);
}

/* Property names of the block and the block kinds (at the top level: `import` too). */
static void lsp_complete_key(const lsp_ctx *c, rt_buf *r) {
    kw_id keys[256];
    int n = c->block == KW_IDENT ? 0 : nltc_property_names(c->block, keys, 256);
    for (int i = 0; i < n; i++) {
        lsp_prop_ref p = {c->block, keys[i]};
        char *md = report_string(lsp_put_prop, &p);
        lsp_item(r, kw_text(keys[i]), LSP_KIND_PROPERTY, kw_text(c->block), md);
        free(md);
    }
    if (c->block == KW_IDENT) lsp_item(r, "import", LSP_KIND_KEYWORD, NULL, NULL);
    for (int k = 0; k < KW_COUNT; k++)
        if ((kw_roles((kw_id)k) & KWR_BLOCK) &&
            (c->block == KW_IDENT || (k != KW_MODEL && k != KW_LUT)))
            lsp_item(r, kw_text((kw_id)k), LSP_KIND_KEYWORD, "block", NULL);
}

void lsp_completion(lsp_server *s, const json_value *id, const json_value *params) {
    uint32_t off;
    lsp_doc *d = lsp_doc_at(s, id, params, &off);
    if (!d) return;
    lsp_ctx c = lsp_context(d->src, off);
    rt_buf r = {0};
    rt_buf_puts(&r, "{\"isIncomplete\":false,\"items\":[");
    if (c.quiet)
        ;
    else if (c.in_value)
        lsp_complete_value(s, d, &c, &r);
    else
        lsp_complete_key(&c, &r);
    rt_buf_puts(&r, "]}");
    lsp_respond(s, id, r.data);
    rt_buf_free(&r);
}

/* ---- Definition, formatting, code lens ----------------------------------------------------- */

/* Appends a Location: bytes [b, e) of file f. */
static void lsp_put_location(lsp_server *s, rt_buf *r, const src_file *f, uint32_t b, uint32_t e) {
    rt_buf_puts(r, "{\"uri\":");
    lsp_put_uri(r, f->path);
    rt_buf_puts(r, ",\"range\":");
    lsp_put_range(s, r, f, b, e);
    rt_buf_puts(r, "}");
}

void lsp_definition(lsp_server *s, const json_value *id, const json_value *params) {
    uint32_t off, b, e;
    lsp_doc *d = lsp_doc_at(s, id, params, &off);
    if (!d) return;
    nltc_arena *a = nltc_arena_new();
    nltc_outline o = lsp_outline(s, d, a);
    rt_buf r = {0};
    for (int i = 0; i < o.n_links && !r.len; i++)
        if (off >= o.links[i].at.begin && off <= o.links[i].at.end)
            lsp_put_location(s, &r, o.links[i].target, 0, 0);
    lsp_word(d->src, off, &b, &e);
    const nltc_symbol *y = r.len ? NULL : lsp_symbol(&o, d->src->text, b, e);
    if (y) lsp_put_location(s, &r, y->at.file, y->at.begin, y->at.end);
    lsp_respond(s, id, r.len ? r.data : "null");
    rt_buf_free(&r);
    nltc_arena_free(a);
}

void lsp_formatting(lsp_server *s, const json_value *id, const json_value *params) {
    lsp_doc *d = lsp_doc_at(s, id, params, NULL);
    if (!d) return;
    nltc_arena *a = nltc_arena_new();
    diag_ctx quiet = {0};
    char *text;
    size_t len;
    fmt_status st = fmt_source(a, d->src, &quiet, &text, &len);
    rt_buf r = {0};
    rt_buf_puts(&r, "[");
    if (st == FMT_OK && (len != d->src->len || memcmp(text, d->src->text, len) != 0)) {
        rt_buf_puts(&r, "{\"range\":");
        lsp_put_range(s, &r, d->src, 0, (uint32_t)d->src->len);
        rt_buf_puts(&r, ",\"newText\":");
        json_buf_string(&r, text);
        rt_buf_puts(&r, "}");
    }
    rt_buf_puts(&r, "]");
    if (st == FMT_INTERNAL)
        lsp_respond_error(s, id, LSP_REQUEST_FAILED, "the formatter's self-check failed");
    else /* a text with syntax errors is left as it is (the diagnostics say why) */
        lsp_respond(s, id, r.data);
    rt_buf_free(&r);
    nltc_arena_free(a);
}

void lsp_code_lens(lsp_server *s, const json_value *id, const json_value *params) {
    lsp_doc *d = lsp_doc_at(s, id, params, NULL);
    if (!d) return;
    rt_buf r = {0};
    rt_buf_puts(&r, "[");
    if (d->lens) {
        rt_buf_puts(&r, "{\"range\":");
        lsp_put_range(s, &r, d->src, d->model_at, d->model_end);
        rt_buf_puts(&r, ",\"command\":{\"command\":\"\",\"title\":");
        json_buf_string(&r, d->lens);
        rt_buf_puts(&r, "}}");
    }
    rt_buf_puts(&r, "]");
    lsp_respond(s, id, r.data);
    rt_buf_free(&r);
}
