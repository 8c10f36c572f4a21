/* fmt.c - the .nlt formatter (`nltc fmt`): syntax tree + comments -> canonical text.
 *
 * The printer walks the tree of lang_parse and weaves in the comments the scanner
 * recorded (ast_file.comments, byte ranges in source order) with one cursor: before an
 * item go the comments that precede it, after it the ones on its last line. Layout rules
 * are in fmt.h. Decisions that depend on the source layout (a block on one line, items
 * joined on a line, blank lines) only look at things the output preserves, so that
 * formatting the output again changes nothing; fmt_source checks that, and that the
 * output parses to the same tree, before returning.
 */
#include "fmt.h"

#include "compiler.h"
#include "rt.h"

#include <stdlib.h>
#include <string.h>

enum {
    FMT_WIDTH = 100, /* column limit */
    FMT_INDENT = 4,  /* spaces per block level */
};

/* A growing output string (malloc'd; fmt_source copies the result into the arena). */
typedef struct fmt_buf {
    char *s;    /* text, NUL-terminated */
    size_t n;   /* bytes used */
    size_t cap; /* bytes allocated */
} fmt_buf;

/* Printer state for one source. */
typedef struct fmt_state {
    const src_file *src;   /* the source being formatted */
    const ast_file *ast;   /* its tree */
    int ci;                /* next comment not yet printed */
    uint32_t *line_starts; /* offset of each line's first byte */
    int n_lines;           /* entries in line_starts */
    fmt_buf out;           /* the output */
} fmt_state;

/* ---- buffer ------------------------------------------------------------------------ */

static void fmt_put(fmt_buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            fputs("nltc: out of memory\n", stderr);
            exit(2);
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void fmt_puts(fmt_buf *b, const char *s) {
    fmt_put(b, s, strlen(s));
}

static void fmt_spaces(fmt_buf *b, int n) {
    for (int i = 0; i < n; i++)
        fmt_put(b, " ", 1);
}

/* Column (0-based) after the last byte of b. */
static int fmt_col(const fmt_buf *b) {
    size_t i = b->n;
    while (i > 0 && b->s[i - 1] != '\n')
        i--;
    return (int)(b->n - i);
}

static bool fmt_at_line_start(const fmt_buf *b) {
    return b->n == 0 || b->s[b->n - 1] == '\n';
}

static void fmt_newline(fmt_buf *b) {
    if (!fmt_at_line_start(b)) fmt_put(b, "\n", 1);
}

/* ---- source positions ---------------------------------------------------------------- */

static void fmt_lines(fmt_state *st) {
    int n = 1;
    for (size_t i = 0; i < st->src->len; i++)
        n += st->src->text[i] == '\n';
    st->line_starts = malloc((size_t)n * sizeof *st->line_starts);
    if (!st->line_starts) {
        fputs("nltc: out of memory\n", stderr);
        exit(2);
    }
    st->n_lines = 0;
    st->line_starts[st->n_lines++] = 0;
    for (size_t i = 0; i < st->src->len; i++)
        if (st->src->text[i] == '\n') st->line_starts[st->n_lines++] = (uint32_t)i + 1;
}

/* 0-based line of byte offset off. */
static int fmt_line(const fmt_state *st, uint32_t off) {
    int lo = 0, hi = st->n_lines - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (st->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Line of the last byte of a range [begin, end). */
static int fmt_end_line(const fmt_state *st, src_range r) {
    return fmt_line(st, r.end > r.begin ? r.end - 1 : r.begin);
}

/* True when the source between a and b holds an empty line. */
static bool fmt_blank_between(const fmt_state *st, uint32_t a, uint32_t b) {
    int nl = 0;
    for (uint32_t i = a; i < b && i < st->src->len; i++)
        nl += st->src->text[i] == '\n';
    return nl >= 2;
}

static const src_range *fmt_comment(const fmt_state *st, int i) {
    return &st->ast->comments[i];
}

/* True when a comment starts in [a, b). */
static bool fmt_comment_in(const fmt_state *st, uint32_t a, uint32_t b) {
    for (int i = st->ci; i < st->ast->n_comments; i++) {
        if (fmt_comment(st, i)->begin >= b) break;
        if (fmt_comment(st, i)->begin >= a) return true;
    }
    return false;
}

/* Prints comment i: line comments without trailing blanks, block comments as written. */
static void fmt_put_comment(fmt_state *st, fmt_buf *b, int i) {
    const src_range *c = fmt_comment(st, i);
    const char *s = st->src->text + c->begin;
    size_t n = c->end - c->begin;
    if (n >= 2 && s[1] == '/')
        while (n > 2 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            n--;
    fmt_put(b, s, n);
}

/* Offset of the `{` of a block: the first '{' after its header, skipping comments. */
static uint32_t fmt_lbrace(const fmt_state *st, const ast_item *it) {
    uint32_t p = it->u.block.kind.at.end;
    if (it->u.block.name.text && it->u.block.name.at.end > p) p = it->u.block.name.at.end;
    if (it->u.block.base.text && it->u.block.base.at.end > p) p = it->u.block.base.at.end;
    const char *t = st->src->text;
    while (p < it->u.block.close.begin) {
        if (t[p] == '{') return p;
        if (t[p] == '/' && t[p + 1] == '/') {
            while (p < st->src->len && t[p] != '\n')
                p++;
        } else if (t[p] == '/' && t[p + 1] == '*') {
            const char *e = strstr(t + p + 2, "*/");
            p = e ? (uint32_t)(e - t) + 2 : it->u.block.close.begin;
        } else {
            p++;
        }
    }
    return it->u.block.close.begin;
}

/* ---- values -------------------------------------------------------------------------- */

/* Length of the number literal at s: -?[0-9]+(.[0-9]+)?([eE][-+]?[0-9]+)? */
static size_t fmt_number_len(const char *s) {
    size_t i = 0;
    if (s[i] == '-') i++;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    if (s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
        i++;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if ((s[i] == 'e' || s[i] == 'E') &&
        ((s[i + 1] >= '0' && s[i + 1] <= '9') ||
         ((s[i + 1] == '-' || s[i + 1] == '+') && s[i + 2] >= '0' && s[i + 2] <= '9'))) {
        i += 2;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i;
}

static void fmt_value_flat(const fmt_state *st, fmt_buf *b, const ast_value *v);

static void fmt_args_flat(const fmt_state *st, fmt_buf *b, const ast_value *v) {
    fmt_puts(b, v->u.call.fn.text);
    fmt_puts(b, "(");
    for (int i = 0; i < v->u.call.n; i++) {
        if (i) fmt_puts(b, ", ");
        if (v->u.call.args[i].name.text) {
            fmt_puts(b, v->u.call.args[i].name.text);
            fmt_puts(b, " = ");
        }
        fmt_value_flat(st, b, v->u.call.args[i].value);
    }
    fmt_puts(b, ")");
}

/* A value on one line. */
static void fmt_value_flat(const fmt_state *st, fmt_buf *b, const ast_value *v) {
    const char *t = st->src->text + v->at.begin;
    switch (v->kind) {
    case AV_INT:
    case AV_REAL:
        fmt_put(b, t, fmt_number_len(t));
        if (v->u.num.unit.present) {
            if (v->u.num.unit.percent) {
                fmt_puts(b, "%");
            } else {
                fmt_puts(b, " ");
                fmt_puts(b, v->u.num.unit.word.text);
            }
        }
        break;
    case AV_STRING:
        /* As written (escapes kept); a string literal never spans lines. */
        fmt_put(b, t, v->at.end - v->at.begin);
        break;
    case AV_WORD:
        fmt_puts(b, v->u.word.text);
        break;
    case AV_CALL:
        fmt_args_flat(st, b, v);
        break;
    case AV_LIST:
        fmt_puts(b, "[");
        for (int i = 0; i < v->u.list.n; i++) {
            if (i) fmt_puts(b, ", ");
            fmt_value_flat(st, b, v->u.list.items[i]);
        }
        fmt_puts(b, "]");
        break;
    case AV_CHAIN:
        for (int i = 0; i < v->u.list.n; i++) {
            if (i) fmt_puts(b, " -> ");
            fmt_value_flat(st, b, v->u.list.items[i]);
        }
        break;
    }
}

/* A value starting at the current column of b, wrapped when it does not fit: a list
 * breaks after `[` and fills lines one level deeper, a chain breaks after `->`. */
static void fmt_value(const fmt_state *st, fmt_buf *b, const ast_value *v, int indent) {
    fmt_buf flat = {0};
    fmt_value_flat(st, &flat, v);
    bool fits = fmt_col(b) + (int)flat.n <= FMT_WIDTH;
    if (fits || (v->kind != AV_LIST && v->kind != AV_CHAIN) || v->u.list.n == 0) {
        fmt_put(b, flat.s, flat.n);
        free(flat.s);
        return;
    }
    free(flat.s);
    if (v->kind == AV_LIST) {
        fmt_puts(b, "[\n");
        fmt_spaces(b, indent + FMT_INDENT);
        for (int i = 0; i < v->u.list.n; i++) {
            fmt_buf item = {0};
            fmt_value_flat(st, &item, v->u.list.items[i]);
            bool last = i == v->u.list.n - 1;
            if (i > 0) {
                if (fmt_col(b) + 1 + (int)item.n + (last ? 0 : 1) > FMT_WIDTH) {
                    fmt_puts(b, "\n");
                    fmt_spaces(b, indent + FMT_INDENT);
                } else {
                    fmt_puts(b, " ");
                }
            }
            fmt_put(b, item.s, item.n);
            if (!last) fmt_puts(b, ",");
            free(item.s);
        }
        fmt_puts(b, "\n");
        fmt_spaces(b, indent);
        fmt_puts(b, "]");
    } else {
        for (int i = 0; i < v->u.list.n; i++) {
            fmt_buf item = {0};
            fmt_value_flat(st, &item, v->u.list.items[i]);
            bool last = i == v->u.list.n - 1;
            if (i > 0) {
                if (fmt_col(b) + 1 + (int)item.n + (last ? 0 : 3) > FMT_WIDTH) {
                    fmt_puts(b, "\n");
                    fmt_spaces(b, indent + FMT_INDENT);
                } else {
                    fmt_puts(b, " ");
                }
            }
            fmt_put(b, item.s, item.n);
            if (!last) fmt_puts(b, " ->");
            free(item.s);
        }
    }
}

/* ---- items --------------------------------------------------------------------------- */

static void fmt_block_header(fmt_buf *b, const ast_item *it) {
    fmt_puts(b, it->u.block.kind.text);
    if (it->u.block.name.text) {
        fmt_puts(b, " ");
        fmt_puts(b, it->u.block.name.text);
    }
    if (it->u.block.base.text) {
        fmt_puts(b, " extends ");
        fmt_puts(b, it->u.block.base.text);
    }
}

/* The item on one line into b (which starts empty), or false when it must not be: a
 * comment inside it, or a block that the source does not write on one line. */
static bool fmt_item_inline(const fmt_state *st, fmt_buf *b, const ast_item *it) {
    if (fmt_comment_in(st, it->at.begin, it->at.end)) return false;
    switch (it->kind) {
    case AI_IMPORT:
        fmt_puts(b, "import ");
        fmt_put(b, st->src->text + it->u.import.path_at.begin,
                it->u.import.path_at.end - it->u.import.path_at.begin);
        return true;
    case AI_PROP:
        fmt_puts(b, it->u.prop.key.text);
        fmt_puts(b, " = ");
        fmt_value_flat(st, b, it->u.prop.value);
        return true;
    case AI_AXIS:
    case AI_WHERE: /* a sweep's axis or condition: as written */
        fmt_put(b, st->src->text + it->at.begin, it->at.end - it->at.begin);
        return true;
    case AI_BLOCK:
        fmt_block_header(b, it);
        if (it->u.block.n == 0) {
            fmt_puts(b, " {}");
            return true;
        }
        if (fmt_line(st, it->u.block.close.begin) != fmt_line(st, fmt_lbrace(st, it))) return false;
        fmt_puts(b, " { ");
        for (int i = 0; i < it->u.block.n; i++) {
            if (i) fmt_puts(b, "; ");
            fmt_buf sub = {0};
            bool ok = fmt_item_inline(st, &sub, it->u.block.items[i]);
            if (ok) fmt_put(b, sub.s, sub.n);
            free(sub.s);
            if (!ok) return false;
        }
        fmt_puts(b, " }");
        return true;
    }
    return false;
}

static void fmt_items(fmt_state *st, ast_item **items, int n, int indent, uint32_t lo, uint32_t hi);

/* Same-line comments after offset `after` (before `limit`): printed after the current
 * text. Returns true if any was printed (the line must then end). */
static bool fmt_trailing(fmt_state *st, uint32_t after, uint32_t limit) {
    bool any = false;
    int line = fmt_line(st, after);
    while (st->ci < st->ast->n_comments && fmt_comment(st, st->ci)->begin < limit &&
           fmt_line(st, fmt_comment(st, st->ci)->begin) == line) {
        fmt_puts(&st->out, " ");
        fmt_put_comment(st, &st->out, st->ci);
        line = fmt_end_line(st, *fmt_comment(st, st->ci));
        st->ci++;
        any = true;
    }
    return any;
}

/* One item at the current position of the output (after its indentation). */
static void fmt_item(fmt_state *st, const ast_item *it, int indent) {
    fmt_buf *b = &st->out;
    if (it->kind != AI_BLOCK) {
        if (fmt_comment_in(st, it->at.begin, it->at.end)) {
            /* A comment inside the item: copy it as written; skip its comments. */
            fmt_put(b, st->src->text + it->at.begin, it->at.end - it->at.begin);
            while (st->ci < st->ast->n_comments && fmt_comment(st, st->ci)->begin < it->at.end)
                st->ci++;
        } else if (it->kind != AI_PROP) {
            fmt_buf line = {0};
            fmt_item_inline(st, &line, it);
            fmt_put(b, line.s, line.n);
            free(line.s);
        } else {
            fmt_puts(b, it->u.prop.key.text);
            fmt_puts(b, " = ");
            fmt_value(st, b, it->u.prop.value, indent);
        }
        return;
    }
    fmt_buf line = {0};
    bool inl = fmt_item_inline(st, &line, it);
    if (inl && fmt_col(b) + (int)line.n <= FMT_WIDTH) {
        fmt_put(b, line.s, line.n);
        free(line.s);
        return;
    }
    free(line.s);
    uint32_t lbrace = fmt_lbrace(st, it);
    fmt_block_header(b, it);
    fmt_puts(b, " {");
    uint32_t first = it->u.block.n ? it->u.block.items[0]->at.begin : it->u.block.close.begin;
    fmt_trailing(st, lbrace, first);
    fmt_puts(b, "\n");
    fmt_items(st, it->u.block.items, it->u.block.n, indent + FMT_INDENT, lbrace + 1,
              it->u.block.close.begin);
    fmt_newline(b);
    fmt_spaces(b, indent);
    fmt_puts(b, "}");
}

/* A sequence of items (a file or a block body between offsets lo and hi), each on its
 * own line at `indent`, with the comments between them. */
static void fmt_items(fmt_state *st, ast_item **items, int n, int indent, uint32_t lo,
                      uint32_t hi) {
    fmt_buf *b = &st->out;
    uint32_t prev_end = lo; /* end of the last item or comment printed */
    bool first = true;      /* nothing printed yet in this sequence */
    int prev_item = -1;     /* index of the last item printed, if it ends the output line */
    for (int i = 0; i <= n; i++) {
        const ast_item *it = i < n ? items[i] : NULL;
        /* Own-line comments before the item (a block's header comments move up too). */
        uint32_t limit = it ? (it->kind == AI_BLOCK ? fmt_lbrace(st, it) : it->at.begin) : hi;
        while (st->ci < st->ast->n_comments && fmt_comment(st, st->ci)->begin < limit) {
            const src_range *c = fmt_comment(st, st->ci);
            fmt_newline(b);
            if (!first && fmt_blank_between(st, prev_end, c->begin)) fmt_puts(b, "\n");
            fmt_spaces(b, indent);
            fmt_put_comment(st, b, st->ci);
            st->ci++;
            prev_end = c->end;
            first = false;
            prev_item = -1;
            fmt_trailing(st, prev_end, limit);
            fmt_puts(b, "\n");
        }
        if (!it) break;
        /* Join with the previous item when the source has both on one line. */
        fmt_buf one = {0};
        bool joined = false;
        if (prev_item >= 0 && it->kind != AI_BLOCK &&
            fmt_line(st, it->at.begin) == fmt_end_line(st, items[prev_item]->at) &&
            fmt_item_inline(st, &one, it) && fmt_col(b) + 2 + (int)one.n <= FMT_WIDTH) {
            fmt_puts(b, "; ");
            fmt_put(b, one.s, one.n);
            joined = true;
        }
        free(one.s);
        if (!joined) {
            fmt_newline(b);
            if (!first && fmt_blank_between(st, prev_end, it->at.begin)) fmt_puts(b, "\n");
            fmt_spaces(b, indent);
            size_t start = b->n;
            fmt_item(st, it, indent);
            prev_item = memchr(b->s + start, '\n', b->n - start) || it->kind == AI_BLOCK ? -1 : i;
        }
        first = false;
        prev_end = it->at.end;
        uint32_t next = i + 1 < n ? items[i + 1]->at.begin : hi;
        if (fmt_trailing(st, prev_end, next)) {
            fmt_puts(b, "\n");
            prev_item = -1;
            prev_end = fmt_comment(st, st->ci - 1)->end;
        }
    }
    fmt_newline(b);
}

/* ---- verification -------------------------------------------------------------------- */

static bool fmt_same_word(const ast_word *a, const ast_word *b) {
    if (!a->text || !b->text) return !a->text && !b->text;
    return strcmp(a->text, b->text) == 0;
}

static bool fmt_same_value(const ast_value *a, const ast_value *b) {
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case AV_INT:
    case AV_REAL:
        return a->u.num.i == b->u.num.i && a->u.num.r == b->u.num.r &&
               a->u.num.unit.present == b->u.num.unit.present &&
               a->u.num.unit.percent == b->u.num.unit.percent &&
               (!a->u.num.unit.present || a->u.num.unit.percent ||
                fmt_same_word(&a->u.num.unit.word, &b->u.num.unit.word));
    case AV_STRING:
        return strcmp(a->u.str, b->u.str) == 0;
    case AV_WORD:
        return fmt_same_word(&a->u.word, &b->u.word);
    case AV_CALL:
        if (!fmt_same_word(&a->u.call.fn, &b->u.call.fn) || a->u.call.n != b->u.call.n)
            return false;
        for (int i = 0; i < a->u.call.n; i++)
            if (!fmt_same_word(&a->u.call.args[i].name, &b->u.call.args[i].name) ||
                !fmt_same_value(a->u.call.args[i].value, b->u.call.args[i].value))
                return false;
        return true;
    case AV_LIST:
    case AV_CHAIN:
        if (a->u.list.n != b->u.list.n) return false;
        for (int i = 0; i < a->u.list.n; i++)
            if (!fmt_same_value(a->u.list.items[i], b->u.list.items[i])) return false;
        return true;
    }
    return false;
}

static bool fmt_same_items(ast_item **a, int na, ast_item **b, int nb) {
    if (na != nb) return false;
    for (int i = 0; i < na; i++) {
        const ast_item *x = a[i], *y = b[i];
        if (x->kind != y->kind) return false;
        switch (x->kind) {
        case AI_IMPORT:
            if (strcmp(x->u.import.path, y->u.import.path) != 0) return false;
            break;
        case AI_PROP:
            if (!fmt_same_word(&x->u.prop.key, &y->u.prop.key) ||
                !fmt_same_value(x->u.prop.value, y->u.prop.value))
                return false;
            break;
        case AI_AXIS:
        case AI_WHERE: {
            uint32_t nx = x->at.end - x->at.begin, ny = y->at.end - y->at.begin;
            if (nx != ny ||
                memcmp(x->at.file->text + x->at.begin, y->at.file->text + y->at.begin, nx) != 0)
                return false;
            break;
        }
        case AI_BLOCK:
            if (!fmt_same_word(&x->u.block.kind, &y->u.block.kind) ||
                !fmt_same_word(&x->u.block.name, &y->u.block.name) ||
                !fmt_same_word(&x->u.block.base, &y->u.block.base) ||
                !fmt_same_items(x->u.block.items, x->u.block.n, y->u.block.items, y->u.block.n))
                return false;
            break;
        }
    }
    return true;
}

/* Same tree and the same comments (line comments compared without trailing blanks). */
static bool fmt_same_file(const ast_file *a, const ast_file *b) {
    if (!fmt_same_items(a->items, a->n, b->items, b->n) || a->n_comments != b->n_comments)
        return false;
    for (int i = 0; i < a->n_comments; i++) {
        fmt_state sa = {.src = a->src, .ast = a}, sb = {.src = b->src, .ast = b};
        fmt_buf ca = {0}, cb = {0};
        fmt_put_comment(&sa, &ca, i);
        fmt_put_comment(&sb, &cb, i);
        bool same = ca.n == cb.n && memcmp(ca.s, cb.s, ca.n) == 0;
        free(ca.s);
        free(cb.s);
        if (!same) return false;
    }
    return true;
}

/* Formats an already parsed file into a malloc'd string of *len bytes (comments may
 * hold NUL bytes). */
static char *fmt_print(const ast_file *f, size_t *len) {
    fmt_state st = {.src = f->src, .ast = f};
    fmt_lines(&st);
    fmt_items(&st, f->items, f->n, 0, 0, (uint32_t)f->src->len);
    free(st.line_starts);
    if (!st.out.s) fmt_put(&st.out, "", 0);
    *len = st.out.n;
    return st.out.s;
}

fmt_status fmt_source(nltc_arena *a, const src_file *src, diag_ctx *d, char **out,
                      size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    int errors = d->errors;
    ast_file *f = lang_parse(a, src, d);
    if (d->errors > errors) return FMT_SYNTAX_ERROR;
    size_t len;
    char *text = fmt_print(f, &len);

    /* Verify: the output parses to the same tree and comments, and is a fixed point. */
    src_file *again = nltc_arena_alloc(a, sizeof *again);
    again->path = nltc_arena_printf(a, "%s (formatted)", src->path);
    again->len = len;
    again->text = nltc_arena_strndup(a, text, len);
    again->library = src->library;
    free(text);
    diag_ctx quiet = {.out = d->out};
    ast_file *g = lang_parse(a, again, &quiet);
    const char *problem = NULL;
    if (quiet.errors)
        problem = "the formatted text does not parse";
    else if (!fmt_same_file(f, g))
        problem = "the formatted text parses to a different model";
    else {
        size_t len2;
        char *twice = fmt_print(g, &len2);
        if (len2 != len || memcmp(twice, again->text, len) != 0)
            problem = "formatting is not idempotent";
        free(twice);
    }
    if (problem) {
        if (d->out) fprintf(d->out, "%s: internal error: %s (please report)\n", src->path, problem);
        d->errors++;
        return FMT_INTERNAL;
    }
    *out = (char *)again->text;
    *out_len = len;
    return FMT_OK;
}
