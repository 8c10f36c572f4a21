/* parser.y - the pure, reentrant bison grammar of .nlt (see README.md, "Grammar").
 *
 * The grammar is generic: items are imports, properties `key = value` and blocks
 * `kind [name] [extends base] { items }`; compiler/sema.c gives the words meaning.
 * Each action is one constructor call (ast.c). Syntax errors say what was expected and,
 * when a '}' would do, which block it closes; error rules resynchronise at ';' (or a
 * line end) and at '}', so several errors are reported per file. */
%define api.pure full
%define api.prefix {lang_yy}
%define api.location.type {src_range}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {lang_parser *P}

%code requires {
#include "lang.h"

typedef void *yyscan_t;

/* An open block header, kept while its body is parsed (for "to close" messages). */
typedef struct lang_open {
    ast_word kind; /* block kind word */
    ast_word name; /* block name (text NULL if none) */
    ast_word base; /* extends base (text NULL if none) */
} lang_open;

/* State shared by the scanner (as its extra data) and the parser. */
typedef struct lang_parser {
    nltc_arena *arena;    /* where the tree goes */
    diag_ctx *diag;       /* where errors go */
    const src_file *src;  /* the source being parsed */
    uint32_t off;         /* scanner: offset of the next byte */
    uint32_t last_end;    /* scanner: end of the last real token (EOF is placed there) */
    int depth;            /* scanner: open '(' and '[': line ends are blanks inside */
    bool ends_item;       /* scanner: the last token can end an item (a line end is ';') */
    bool virtual_semi;    /* scanner: the last token is a ';' made from a line end */
    ptr_vec comments;     /* src_range* of every comment, in order */
    ptr_vec open;         /* lang_open* of the blocks being parsed, innermost last */
    ptr_vec items;        /* the file's top-level items (the result) */
} lang_parser;

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                                        \
    do {                                                                                   \
        if (N) {                                                                           \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                                            \
            (Cur).begin = YYRHSLOC(Rhs, 1).begin;                                          \
            (Cur).end = YYRHSLOC(Rhs, N).end;                                              \
        } else {                                                                           \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                                            \
            (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;                                \
        }                                                                                  \
    } while (0)
}

%union {
    ast_word word;    /* WORD, names */
    ast_value *value; /* NUMBER and every value */
    const char *str;  /* STRING (decoded) */
    ast_item *item;   /* items */
    ptr_vec vec;      /* lists of items, values, arguments */
    ast_unit unit;    /* a number's unit */
    ast_arg *arg;     /* one call argument */
    ast_path path;    /* a sweep's property path */
    ast_expr *expr;   /* a where clause's expression */
    lang_open *open;  /* a block header */
}

%code {
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "rt.h"

static void yyerror(src_range *loc, yyscan_t scanner, lang_parser *P, const char *msg);
static lang_open *parse_open(lang_parser *P, ast_word kind, ast_word name, ast_word base);
static void parse_close(lang_parser *P);
static src_range ast_span2(src_range a, src_range b) { a.end = b.end; return a; }
}

%initial-action { @$.file = P->src; }

%token END 0 "end of file"
%token <word> WORD "word"
%token <value> NUMBER "number"
%token <str> STRING "string"
%token IMPORT "'import'"
%token EXTENDS "'extends'"
%token ARROW "'->'"
%token IN "'in'"
%token WHERE "'where'"
%token DOTDOT "'..'"
%token LE "'<='"
%token GE "'>='"
%token EQ "'=='"
%token NE "'!='"

%left '+'
%left '*' '/'

%type <vec> items body values vlist args alist
%type <item> line_item block prop sweep_item
%type <path> path
%type <expr> expr cond
%type <value> range_end
%type <value> value atom
%type <vec> links
%type <word> opt_name opt_base
%type <unit> unit
%type <arg> arg
%type <open> block_open

/* Every value lives in the arena (freed with the compilation); only an open block
 * header holds parser state, which is unwound when error recovery discards it. */
%destructor { parse_close(P); } <open>
%destructor { (void)$$; } <*>

%%

file: body                          { P->items = $1; }
    ;

body: items                         { $$ = $1; }
    | items line_item               { $$ = $1; ptr_vec_push(P->arena, &$$, $2); }
    | items error                   { $$ = $1; }
    ;

/* A block ends with its '}', so it needs no separator after it; other items do. */
items: %empty                       { $$ = (ptr_vec){0}; }
     | items ';'                    { $$ = $1; }
     | items line_item ';'          { $$ = $1; ptr_vec_push(P->arena, &$$, $2); }
     | items block                  { $$ = $1; ptr_vec_push(P->arena, &$$, $2); }
     | items error ';'              { $$ = $1; yyerrok; }
     ;

line_item: IMPORT STRING            { $$ = ast_import(P->arena, @1, $2, @2); }
         | prop
         | sweep_item
         ;

block: block_open body '}'          { $$ = ast_block(P->arena, $1->kind, $1->name, $1->base, &$2, @3); parse_close(P); }
     ;

block_open: WORD opt_name opt_base '{' { $$ = parse_open(P, $1, $2, $3); }
          ;

opt_name: %empty                    { $$ = (ast_word){.kw = KW_IDENT, .at = @$}; }
        | WORD
        ;

opt_base: %empty                    { $$ = (ast_word){.kw = KW_IDENT, .at = @$}; }
        | EXTENDS WORD              { $$ = $2; }
        ;

prop: WORD '=' value                { $$ = ast_prop(P->arena, $1, $3); }
    ;

value: NUMBER
     | NUMBER unit                  { $$ = ast_with_unit($1, $2, @2); }
     | STRING                       { $$ = ast_string(P->arena, @1, $1); }
     | '[' values ']'               { $$ = ast_list(P->arena, AV_LIST, &$2, @$); }
     | atom
     | links                        { $$ = ast_list(P->arena, AV_CHAIN, &$1, @$); }
     ;

unit: WORD                          { $$ = (ast_unit){.present = true, .word = $1}; }
    | '%'                           { $$ = (ast_unit){.present = true, .percent = true, .word = {.kw = KW_IDENT, .at = @1}}; }
    ;

atom: WORD                          { $$ = ast_word_value(P->arena, $1); }
    | WORD '(' args ')'             { $$ = ast_call(P->arena, $1, &$3, @4); }
    ;

links: atom ARROW atom              { $$ = (ptr_vec){0}; ptr_vec_push(P->arena, &$$, $1); ptr_vec_push(P->arena, &$$, $3); }
     | links ARROW atom             { $$ = $1; ptr_vec_push(P->arena, &$$, $3); }
     ;

values: %empty                      { $$ = (ptr_vec){0}; }
      | vlist
      | vlist ','
      ;

vlist: value                        { $$ = (ptr_vec){0}; ptr_vec_push(P->arena, &$$, $1); }
     | vlist ',' value              { $$ = $1; ptr_vec_push(P->arena, &$$, $3); }
     ;

args: %empty                        { $$ = (ptr_vec){0}; }
    | alist
    | alist ','
    ;

alist: arg                          { $$ = (ptr_vec){0}; ptr_vec_push(P->arena, &$$, $1); }
     | alist ',' arg                { $$ = $1; ptr_vec_push(P->arena, &$$, $3); }
     ;

arg: value                          { $$ = ast_arg_new(P->arena, (ast_word){.kw = KW_IDENT, .at = @1}, $1); }
   | WORD '=' value                 { $$ = ast_arg_new(P->arena, $1, $3); }
   ;

/* Items of a sweep block (compiler/sweep.c refuses them elsewhere). */
sweep_item: path IN value           { $$ = ast_axis(P->arena, $1, $3, false, @$); }
          | path IN range_end DOTDOT range_end
                                    { ptr_vec v = {0}; ptr_vec_push(P->arena, &v, $3); ptr_vec_push(P->arena, &v, $5);
                                      $$ = ast_axis(P->arena, $1, ast_list(P->arena, AV_LIST, &v, ast_span2(@3, @5)), true, @$); }
          | WHERE cond              { $$ = ast_where(P->arena, $2, @$); }
          ;

range_end: NUMBER
         ;

path: WORD                          { ast_word none = {.kw = KW_IDENT, .at = @1}; $$ = ast_path_new(none, none, $1, @$); }
    | WORD '.' WORD                 { ast_word none = {.kw = KW_IDENT, .at = @1}; $$ = ast_path_new($1, none, $3, @$); }
    | WORD WORD '.' WORD            { $$ = ast_path_new($1, $2, $4, @$); }
    ;

cond: expr '<' expr                 { $$ = ast_expr_op(P->arena, '<', $1, $3); }
    | expr '>' expr                 { $$ = ast_expr_op(P->arena, '>', $1, $3); }
    | expr LE expr                  { $$ = ast_expr_op(P->arena, 'l', $1, $3); }
    | expr GE expr                  { $$ = ast_expr_op(P->arena, 'g', $1, $3); }
    | expr EQ expr                  { $$ = ast_expr_op(P->arena, '=', $1, $3); }
    | expr NE expr                  { $$ = ast_expr_op(P->arena, '!', $1, $3); }
    ;

expr: NUMBER                        { $$ = ast_expr_leaf(P->arena, $1, (ast_path){0}, @$); }
    | path                          { $$ = ast_expr_leaf(P->arena, NULL, $1, @$); }
    | '(' expr ')'                  { $$ = $2; }
    | expr '+' expr                 { $$ = ast_expr_op(P->arena, '+', $1, $3); }
    | expr '*' expr                 { $$ = ast_expr_op(P->arena, '*', $1, $3); }
    | expr '/' expr                 { $$ = ast_expr_op(P->arena, '/', $1, $3); }
    ;

%%

/* A short description of the token at r for "found ..." (the source text when useful). */
static const char *parse_found(lang_parser *P, yysymbol_kind_t tok, src_range r) {
    switch (tok) {
    case YYSYMBOL_YYEOF: return "end of file";
    case YYSYMBOL_STRING: return "a string";
    case YYSYMBOL_WORD:
    case YYSYMBOL_NUMBER: {
        uint32_t n = r.end - r.begin;
        if (n > 24) return tok == YYSYMBOL_WORD ? "a word" : "a number";
        return nltc_arena_printf(P->arena, "'%.*s'", (int)n, P->src->text + r.begin);
    }
    case YYSYMBOL_YYUNDEF: return "an invalid token";
    default:
        if (P->virtual_semi && strcmp(yysymbol_name(tok), "';'") == 0) return "end of line";
        return yysymbol_name(tok);
    }
}

/* The tokens expected at c into exp; outside a sweep block the tokens only a sweep block
 * takes ('.', 'in', 'where', '..', operators) are left out of the list. */
static int parse_expected(lang_parser *P, const yypcontext_t *c, yysymbol_kind_t *exp, int max) {
    int n = yypcontext_expected_tokens(c, exp, max), k = 0;
    bool sweep = false;
    for (int i = 0; i < P->open.n; i++)
        sweep |= ((const lang_open *)P->open.v[i])->kind.kw == KW_SWEEP;
    for (int i = 0; i < n; i++) {
        const char *name = yysymbol_name(exp[i]);
        bool sweep_only = exp[i] == YYSYMBOL_IN || exp[i] == YYSYMBOL_WHERE ||
                          exp[i] == YYSYMBOL_DOTDOT || strcmp(name, "'.'") == 0;
        if (sweep || !sweep_only) exp[k++] = exp[i];
    }
    return n > 0 ? k : n;
}

/* "X, Y or Z expected (to close 'model' at line 3), found W". */
static int yyreport_syntax_error(const yypcontext_t *c, yyscan_t scanner, lang_parser *P) {
    (void)scanner;
    enum { MAX_EXPECTED = 5, MAX_ANY = 24 };
    yysymbol_kind_t exp[MAX_ANY];
    int n = parse_expected(P, c, exp, MAX_ANY);
    if (n > MAX_EXPECTED) n = 0; /* too many to list */
    src_range at = *yypcontext_location(c);
    const char *found = parse_found(P, yypcontext_token(c), at);
    bool value_start = false, item_start = false, close_ok = false;
    for (int i = 0; i < n; i++) {
        value_start |= exp[i] == YYSYMBOL_NUMBER;
        item_start |= exp[i] == YYSYMBOL_IMPORT;
        close_ok |= strcmp(yysymbol_name(exp[i]), "'}'") == 0;
    }
    char close[160] = "";
    if (close_ok && P->open.n > 0) {
        const lang_open *o = P->open.v[P->open.n - 1];
        int line, col;
        src_line_col(P->src, o->kind.at.begin, &line, &col);
        snprintf(close, sizeof close, " (to close '%s' at line %d)", o->kind.text, line);
    }
    if (item_start && close_ok && yypcontext_token(c) == YYSYMBOL_YYEOF) {
        diag_error(P->diag, at, "'}' expected%s, found end of file", close);
    } else if (item_start) {
        diag_error(P->diag, at, "property or block expected, found %s", found);
    } else if (value_start) {
        diag_error(P->diag, at, "value expected, found %s", found);
    } else if (n <= 0) {
        diag_error(P->diag, at, "unexpected %s", found);
    } else {
        char list[256] = "";
        size_t len = 0;
        for (int i = 0; i < n; i++) {
            const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", sep,
                                    yysymbol_name(exp[i]));
        }
        diag_error(P->diag, at, "%s expected%s, found %s", list, close, found);
    }
    return 0;
}

static void yyerror(src_range *loc, yyscan_t scanner, lang_parser *P, const char *msg) {
    (void)scanner;
    diag_error(P->diag, *loc, "%s", msg);
}

static lang_open *parse_open(lang_parser *P, ast_word kind, ast_word name, ast_word base) {
    lang_open *o = nltc_arena_alloc(P->arena, sizeof *o);
    o->kind = kind;
    o->name = name;
    o->base = base;
    ptr_vec_push(P->arena, &P->open, o);
    return o;
}

static void parse_close(lang_parser *P) {
    if (P->open.n > 0) P->open.n--;
}

ast_file *lang_parse(nltc_arena *a, const src_file *src, diag_ctx *d) {
    lang_parser P = {.arena = a, .diag = d, .src = src};
    if (src->len >= INT32_MAX) {
        diag_error(d, (src_range){0}, "%s: file too large", src->path);
    } else {
        yyscan_t sc;
        if (lang_yylex_init_extra(&P, &sc) != 0) rt_oom();
        YY_BUFFER_STATE b = lang_yy_scan_bytes(src->text, (int)src->len, sc);
        lang_yyparse(sc, &P);
        lang_yy_delete_buffer(b, sc);
        lang_yylex_destroy(sc);
    }
    return ast_file_new(a, src, &P.items, &P.comments);
}
