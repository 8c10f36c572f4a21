/* lang.h - the .nlt language from text to AST: arena, sources, diagnostics, keywords,
 * the syntax tree and the parser entry point.
 *
 * lang/ knows nothing of training or hardware: it turns bytes into a generic tree of
 * blocks, properties and values with source ranges. compiler/ gives the words their
 * meaning (sema.c) and lowers the result to the IR (ir.h).
 *
 * Sections: arena, sources and ranges, diagnostics, keywords, AST, parsing.
 */
#ifndef NLTC_LANG_H
#define NLTC_LANG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Arena ------------------------------------------------------------------------
 * Every allocation of one compilation (sources, AST, IR) comes from one arena and is
 * freed by nltc_arena_free. Allocations are zeroed and never fail (exit 2 on OOM). */

typedef struct nltc_arena nltc_arena;

nltc_arena *nltc_arena_new(void);
void nltc_arena_free(nltc_arena *a);
void *nltc_arena_alloc(nltc_arena *a, size_t n);
char *nltc_arena_strndup(nltc_arena *a, const char *s, size_t n);
char *nltc_arena_strdup(nltc_arena *a, const char *s);
/* printf into the arena. */
char *nltc_arena_printf(nltc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable array of pointers in an arena (old storage is left to the arena). */
typedef struct ptr_vec {
    int n;    /* elements in use */
    int cap;  /* allocated slots */
    void **v; /* [cap] */
} ptr_vec;

void ptr_vec_push(nltc_arena *a, ptr_vec *pv, void *p);

/* ---- Sources and ranges ----------------------------------------------------------- */

/* One loaded source file. */
typedef struct src_file {
    const char *path;      /* path as displayed in diagnostics (as opened) */
    const char *text;      /* contents, NUL-terminated (may hold other NULs) */
    size_t len;            /* bytes of text */
    bool library;          /* found through the stdlib dir or the search path */
    bool flag;             /* text from the command line (path: the flag, e.g. "--set
                              train.batch=0"): diagnostics print "nltc: error: PATH: ..."
                              without line, column or source line */
    const uint32_t *lines; /* NULL, or [n_lines] the offset of every line's start (src_index) */
    uint32_t n_lines;
} src_file;

/* A byte range [begin, end) of a source; line and column are computed when printed. */
typedef struct src_range {
    const src_file *file; /* NULL for "no location" */
    uint32_t begin;       /* offset of the first byte */
    uint32_t end;         /* offset one past the last byte (== begin for a point) */
} src_range;

/* 1-based line and column of offset off in f. The column counts characters (UTF-8 code
 * points; a byte that starts no valid sequence is one character), so it is the same on
 * every terminal and editor that shows characters; the caret line of a diagnostic places
 * the caret by display width (see diag.c). Takes O(log lines + column) with the index of
 * src_index, else O(off). */
void src_line_col(const src_file *f, uint32_t off, int *line, int *col);
/* The 0-based line of offset o (o <= f->len) and the offset *start its line starts at
 * (O(log lines) with the index of src_index, else O(o)). */
size_t src_line_of(const src_file *f, size_t o, size_t *start);
/* Builds f's line index (in a), so src_line_col need not scan from the start. */
void src_index(nltc_arena *a, src_file *f);

/* ---- Diagnostics ------------------------------------------------------------------
 * GCC-style: "file:line:col: error: message", the source line, a caret under the range
 * (^ at the start, ~ under the rest), then notes. Messages are printed as they come and
 * counted; the caller stops after the phase that produced errors. */

typedef enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_level;

/* A receiver of diagnostics as data (the language server): level, where, the message. */
typedef void (*diag_sink_fn)(void *ctx, diag_level lvl, src_range at, const char *msg);

typedef struct diag_ctx {
    FILE *out;         /* where messages go; NULL = count only */
    diag_sink_fn sink; /* if not NULL: also gets every message that is not dropped */
    void *sink_ctx;    /* its first argument */
    int errors;        /* errors reported so far */
    int warnings;      /* warnings reported so far */
    int max_errors;    /* after this many errors further ones are dropped (0 = 50) */
    bool suppressed;   /* the last error/warning was dropped: drop its notes too */
    bool color;        /* GCC's colours (location bold, error red, warning magenta, note
                          cyan, caret green): the driver sets it for a terminal */
} diag_ctx;

void diag_report(diag_ctx *d, diag_level lvl, src_range at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_vreport(diag_ctx *d, diag_level lvl, src_range at, const char *fmt, va_list ap);
#define diag_error(d, at, ...)   diag_report((d), DIAG_ERROR, (at), __VA_ARGS__)
#define diag_warning(d, at, ...) diag_report((d), DIAG_WARNING, (at), __VA_ARGS__)
#define diag_note(d, at, ...)    diag_report((d), DIAG_NOTE, (at), __VA_ARGS__)

/* ---- Keywords (keywords.def) --------------------------------------------------------- */

typedef enum kw_id {
    KW_IDENT = -1, /* an ordinary identifier: no keyword */
#define KW(id, text, roles) KW_##id,
#include "keywords.def"
#undef KW
    KW_COUNT
} kw_id;

/* Roles of a keyword (bit set); see keywords.def. */
enum {
    KWR_SYNTAX = 1,
    KWR_BLOCK = 2,
    KWR_PROP = 4,
    KWR_VALUE = 8,
    KWR_ARG = 16,
    KWR_UNIT = 32,
};

kw_id kw_lookup(const char *s, size_t n);
const char *kw_text(kw_id k);
unsigned kw_roles(kw_id k);

/* ---- AST -----------------------------------------------------------------------------
 * A file is a list of items; an item is an import, a property `key = value`, or a block
 * `kind [name] [extends base] { items }`. The grammar is generic; compiler/sema.c knows
 * which blocks and properties exist. Every node carries its source range. Comments are
 * kept per file (ast_file.comments) as byte ranges, for the formatter. */

/* One word occurrence: a name, a key, a block kind, a value word. */
typedef struct ast_word {
    const char *text; /* the word; NULL when absent (unnamed block, positional arg) */
    kw_id kw;         /* keyword id of text, KW_IDENT if none */
    src_range at;     /* where it is */
} ast_word;

typedef enum ast_value_kind {
    AV_INT,    /* integer literal, optional unit */
    AV_REAL,   /* real literal, optional unit */
    AV_STRING, /* string literal */
    AV_WORD,   /* a bare word: value word or name */
    AV_CALL,   /* word(args) */
    AV_LIST,   /* [values] */
    AV_CHAIN,  /* atom -> atom -> ... */
} ast_value_kind;

typedef struct ast_value ast_value;

/* One argument of a call: `name = value` or a positional value. */
typedef struct ast_arg {
    ast_word name;    /* name.text == NULL for a positional argument */
    ast_value *value; /* the argument's value */
} ast_arg;

/* Unit of a number: a word (bits, epochs) or the percent sign. */
typedef struct ast_unit {
    bool present;  /* the number has a unit */
    bool percent;  /* the unit is '%' (word unused) */
    ast_word word; /* the unit word */
} ast_unit;

struct ast_value {
    ast_value_kind kind; /* which member of the union is live */
    src_range at;        /* the whole value, unit included */
    union {
        struct {
            int64_t i;     /* AV_INT: the value */
            double r;      /* AV_INT and AV_REAL: the value as a double */
            ast_unit unit; /* optional unit */
        } num;
        const char *str; /* AV_STRING: decoded text */
        ast_word word;   /* AV_WORD */
        struct {
            ast_word fn;   /* the constructor word */
            int n;         /* argument count */
            ast_arg *args; /* [n] */
        } call;
        struct {
            int n;             /* element count (>= 2 for a chain) */
            ast_value **items; /* [n]; chain elements are AV_WORD or AV_CALL */
        } list;                /* AV_LIST and AV_CHAIN */
    } u;
};

typedef enum ast_item_kind { AI_IMPORT, AI_PROP, AI_BLOCK, AI_AXIS, AI_WHERE } ast_item_kind;

typedef struct ast_item ast_item;

/* A property path of a sweep: `seed`, `train.lr`, `lut leaf.fanin` (block kind, block
 * name, key; absent words have text NULL). */
typedef struct ast_path {
    ast_word block; /* block kind word, text NULL for a bare key */
    ast_word name;  /* block name, text NULL if none */
    ast_word key;   /* the property */
    src_range at;   /* the whole path */
} ast_path;

/* An expression of a `where` clause: a number, a path or a derived quantity (a word), or
 * an operator applied to two operands. */
typedef struct ast_expr ast_expr;
struct ast_expr {
    int op;          /* 0: leaf; '+', '*', '/', '<', '>', '=' (==), '!' (!=), 'l' (<=), 'g' (>=) */
    src_range at;    /* the whole expression */
    ast_expr *l, *r; /* operands of an operator */
    ast_value *num;  /* leaf: a number, or NULL for a path */
    ast_path path;   /* leaf: the path (key only: a word) */
};

struct ast_item {
    ast_item_kind kind; /* which member of the union is live */
    src_range at;       /* the whole item */
    union {
        struct {
            const char *path;  /* decoded path string */
            src_range path_at; /* the string literal */
        } import;
        struct {
            ast_word key;     /* property name */
            ast_value *value; /* its value */
        } prop;
        struct {
            ast_word kind;    /* block kind word (lut, model, tree, ...) */
            ast_word name;    /* name, text NULL if unnamed */
            ast_word base;    /* extends base, text NULL if none */
            int n;            /* item count */
            ast_item **items; /* [n] in source order */
            src_range close;  /* the closing brace */
        } block;
        struct {
            ast_path path;    /* the swept property */
            ast_value *value; /* a list, a call (logspace, linspace) or, with range, the
                                 AV_LIST [lo, hi] of `lo..hi` */
            bool range;       /* written `lo..hi` */
        } axis;               /* AI_AXIS: `path in values` (sweep blocks) */
        ast_expr *where;      /* AI_WHERE: `where condition` (sweep blocks) */
    } u;
};

typedef struct ast_file {
    const src_file *src; /* the source parsed */
    int n;               /* top-level item count */
    ast_item **items;    /* [n] */
    int n_comments;      /* comments in source order */
    src_range *comments; /* [n_comments]: byte ranges of line and block comments */
} ast_file;

/* Constructors used by the grammar actions (one call per action). */
ast_value *ast_number(nltc_arena *a, src_range at, const char *text, size_t len, diag_ctx *d);
ast_value *ast_with_unit(ast_value *num, ast_unit unit, src_range end);
ast_value *ast_string(nltc_arena *a, src_range at, const char *text);
ast_value *ast_word_value(nltc_arena *a, ast_word w);
ast_value *ast_call(nltc_arena *a, ast_word fn, ptr_vec *args, src_range end);
ast_value *ast_list(nltc_arena *a, ast_value_kind kind, ptr_vec *items, src_range at);
ast_arg *ast_arg_new(nltc_arena *a, ast_word name, ast_value *v);
ast_item *ast_import(nltc_arena *a, src_range at, const char *path, src_range path_at);
ast_item *ast_prop(nltc_arena *a, ast_word key, ast_value *v);
ast_item *ast_block(nltc_arena *a, ast_word kind, ast_word name, ast_word base, ptr_vec *items,
                    src_range close);
ast_path ast_path_new(ast_word block, ast_word name, ast_word key, src_range at);
ast_item *ast_axis(nltc_arena *a, ast_path path, ast_value *v, bool range, src_range at);
ast_item *ast_where(nltc_arena *a, ast_expr *x, src_range at);
ast_expr *ast_expr_leaf(nltc_arena *a, ast_value *num, ast_path path, src_range at);
ast_expr *ast_expr_op(nltc_arena *a, int op, ast_expr *l, ast_expr *r);
ast_file *ast_file_new(nltc_arena *a, const src_file *src, ptr_vec *items, ptr_vec *comments);

/* Short description of a value's kind for messages ("an integer", "a list"). */
const char *ast_value_desc(const ast_value *v);

/* ---- Parsing ------------------------------------------------------------------------ */

/* Parses one source. Syntax errors go to d (d->errors grows); the result is the tree of
 * what could be parsed, never NULL. */
ast_file *lang_parse(nltc_arena *a, const src_file *src, diag_ctx *d);

#endif /* NLTC_LANG_H */
