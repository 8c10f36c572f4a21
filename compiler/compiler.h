/* compiler.h - the nltc front end: compile a .nlt model to an ir_program.
 *
 * Public section: what the driver (main.c), the flow, the fuzzer and the benchmark use.
 * Internal section: the types shared by the front-end passes, in pipeline order:
 *   load.c   read the model file and its imports (search path, cycles)
 *   blocks.c global names, `extends` and block merging into effective blocks
 *   schema.c the property schema (schema.def): keys, types, units, ranges, defaults
 *   values.c value checks against the schema, typed getters
 *   lower.c  declaration checks, semantic checks and lowering of the model to the IR
 *            (lower.h: lower_data.c, lower_layers.c, lower_plan.c); langdoc.c the
 *            nltc_langdoc tool (lang/README.md tables from the schema)
 *   verify.c the IR verifier; print.c the IR printer
 *   compile.c the pipeline, written out in one function
 */
#ifndef NLTC_COMPILER_H
#define NLTC_COMPILER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"
#include "lang.h"

/* ---- Public API ------------------------------------------------------------------- */

/* One property override, applied to the model as if it were written in the file: the
 * same schema checks and lowering (`nltc sweep` configurations, `--set PATH=VALUE`). Given
 * as path and value (a sweep's point), or as the text "PATH=VALUE" (`--set`: parsed by the
 * compilation with nltc_override_parse; its diagnostics name the flag).
 * path is a schema path as ir_locate takes it: "lut leaf.fanin", "tree t1.neurons",
 * "train.lr", "stage dense.epochs", "hardware.lut_inputs", "input.bits", "model.bits" (a dot
 * may stand for the space: "tree.t1.neurons");
 * a bare key is the model's property, except `seed`, which is "train.seed". The block is
 * the main model's (or, for lut, the declaration of that name; for train, hardware and
 * dataset, a declaration the model names); train, hardware, input, output and stage
 * blocks the model lacks are added. Errors are located at path_at (the path) and at the
 * value's own range. */
typedef struct nltc_override {
    const char *path;       /* the property */
    src_range path_at;      /* where the path was written; file NULL: made from text */
    const ast_value *value; /* the value (a node of a parsed file or of nltc_override_parse) */
    const char *text;       /* or, with value NULL: "PATH=VALUE" as written after --set */
} nltc_override;

/* Parses "PATH=VALUE" (a --set argument) into o, allocated in a: the value is parsed as
 * .nlt text; its diagnostics (to d) print as "nltc: error: --set PATH=VALUE: ...". Returns false,
 * with a diagnostic, when the text is not PATH=VALUE or the value does not parse. */
bool nltc_override_parse(nltc_arena *a, const char *arg, diag_ctx *d, nltc_override *o);

/* Options of one compilation. Zero-initialised options are valid: stdlib from
 * $NLTC_STDLIB or the built-in directory, no extra search path, diagnostics to stderr. */
typedef struct nltc_compile_opts {
    const char *const *include_dirs; /* -I DIR, searched in order after the importing dir */
    int n_include_dirs;              /* entries of include_dirs */
    const char *stdlib_dir;          /* `std/` modules; NULL: $NLTC_STDLIB, else built in */
    bool no_env;                     /* ignore NLTC_PATH and NLTC_STDLIB (fuzzer, tests) */
    const char *data_dir;            /* --data-dir: every data file is read from here */
    bool seed_set;                   /* --seed given: seed replaces the model's seed */
    uint64_t seed;                   /* the --seed value */
    FILE *diag;                      /* diagnostics; NULL = stderr */
    bool quiet;                      /* drop all diagnostics (counts are still kept) */
    diag_sink_fn sink;               /* if set: every diagnostic as data too (nltc lsp) */
    void *sink_ctx;                  /* its first argument */
    bool color;                      /* diagnostics in colour (diag_ctx.color) */
    const nltc_override *overrides;  /* [n_overrides] applied in order (a later one wins) */
    int n_overrides;
} nltc_compile_opts;

/* What a compilation reported. */
typedef struct nltc_status {
    int errors;    /* errors in the model (exit code 1) */
    int warnings;  /* warnings */
    bool io_error; /* the model file itself could not be read (exit code 2) */
} nltc_status;

/* Compiles the model file at path. Returns the verified IR, allocated in a, or NULL when
 * there were errors (st says which kind). st may be NULL. */
ir_program *nltc_compile(const char *path, const nltc_compile_opts *o, nltc_arena *a,
                         nltc_status *st);

/* Same, for a model held in memory; name is used in diagnostics, and relative imports and
 * data paths resolve against the directory part of name ("." if none). */
ir_program *nltc_compile_buffer(const char *name, const char *text, size_t len,
                                const nltc_compile_opts *o, nltc_arena *a, nltc_status *st);

/* What an editor needs to know of a model held in memory without checking it (nltc lsp):
 * every top-level declaration of the model and of the modules it imports, and the imports
 * of the model text itself with the files they load. Only reading and parsing happen;
 * the diagnostics are dropped. */
typedef struct nltc_symbol {
    const char *name; /* the declared name */
    kw_id kind;       /* its block kind (KW_LUT, KW_DATASET, KW_MODEL, ...) */
    src_range at;     /* the name in its file */
} nltc_symbol;
typedef struct nltc_link {
    src_range at;           /* the import string in the model text */
    const src_file *target; /* the file it loads */
} nltc_link;
typedef struct nltc_outline {
    const src_file *model;  /* the model text as read (its line index built) */
    int n_symbols, n_links; /* entries of symbols and links */
    nltc_symbol *symbols;   /* [n_symbols] in load order, the model's first */
    nltc_link *links;       /* [n_links] */
} nltc_outline;
void nltc_outline_buffer(const char *name, const char *text, size_t len, const nltc_compile_opts *o,
                         nltc_arena *a, nltc_outline *out);

/* Writes the reference of property `key` of a block of kind `block` in Markdown (its
 * meaning, type, default and range, as lang/README.md's tables give them, from the one
 * table schema.def); false (nothing written) when there is no such property. */
bool nltc_describe_property(FILE *f, kw_id block, kw_id key);
/* The same for argument `name` of the constructor call ctor(...) (KW_IDENT: its positional
 * argument). */
bool nltc_describe_argument(FILE *f, kw_id ctor, kw_id name);
/* The property names a block of kind `block` accepts, in table order, into out[max];
 * returns their count. */
int nltc_property_names(kw_id block, kw_id *out, int max);
/* The value words property `key` of block kind `block` accepts (true/false for a bool),
 * KW_IDENT-terminated into out[17]; returns their count (0: no words, or no property). */
int nltc_property_words(kw_id block, kw_id key, kw_id *out);
/* ---- Sweeps (sweep.c): the `sweep` block of a model file or of a file importing one ---- */

/* One configuration of a sweep: one value per axis. */
typedef struct nltc_sweep_config {
    int index;         /* in grid order, 0-based */
    const char *name;  /* folder name: "007_leaf.fanin-4_seed-2" */
    const char *key;   /* identity, recorded with the run: "lut leaf.fanin=4; seed=2" */
    nltc_override *ov; /* [n_axes] the overrides that make it */
    double *num;       /* [n_axes] each value as a number (NAN: not a number) */
} nltc_sweep_config;

/* A variable of a where clause: a derived quantity or a swept property. */
typedef struct nltc_sweep_var {
    const char *name; /* "address_bits", "luts", "lut leaf.fanin" */
    double value;
} nltc_sweep_var;

/* An expanded sweep. Configurations are not compiled here: compiling one (nltc_compile
 * with its overrides) applies every check of the model file, located in the sweep block. */
typedef struct nltc_sweep {
    const char *file;           /* the sweep file */
    src_range at;               /* the `sweep` word */
    int n_axes;                 /* axes `PATH in VALUES` */
    const char **paths;         /* [n_axes] canonical paths ("lut leaf.fanin") */
    src_range *axis_at;         /* [n_axes] each axis as written */
    int n_grid;                 /* configurations of the whole grid */
    int n_configs;              /* configurations drawn (the grid when draws = 0) */
    nltc_sweep_config *configs; /* [n_configs] in grid order */
    int n_where;                /* where clauses */
    const ast_item **where;     /* [n_where] */
    long max_luts, max_latency; /* budgets; -1 when absent */
    src_range max_luts_at, max_latency_at;
} nltc_sweep;

/* Loads the file at path (and its imports), checks the sweep block and expands it. NULL
 * after errors (printed as the compiler prints them; st as nltc_compile's). */
nltc_sweep *nltc_sweep_load(const char *path, const nltc_compile_opts *o, nltc_arena *a,
                            nltc_status *st);
/* Evaluates where clause w of configuration c with the derived quantities vars (the swept
 * paths are added from c). 1 kept, 0 pruned, -1 an error (an unknown name, a property
 * that is no number, a division by zero) reported to d at the clause. */
int nltc_sweep_where(const nltc_sweep *s, const ast_item *w, const nltc_sweep_config *c,
                     const nltc_sweep_var *vars, int n_vars, diag_ctx *d);

/* Reads a whole file into the arena (NUL-terminated). NULL with errno set on failure. */
src_file *nltc_read_source(nltc_arena *a, const char *path);

/* Prints the IR as stable text (the --emit=ir format, used by golden tests). */
void ir_print(FILE *f, const ir_program *p);

/* Checks the invariants listed in ir.h; prints one line per violation to err (if not
 * NULL). Returns the number of violations. */
int ir_verify(const ir_program *p, FILE *err);

/* The names of the IR enums (ir_quant_name, ir_pipeline_parse, ...) are in ir.h. */

/* ---- Internal: modules (load.c) ----------------------------------------------------- */

/* One loaded source file and its place in the import graph. */
typedef struct fe_module {
    src_file *src;              /* the text */
    ast_file *ast;              /* its syntax tree */
    const char *dir;            /* directory part of src->path ("." if none) */
    const char *key;            /* identity for "loaded once" and cycles (real path) */
    struct fe_module *importer; /* the module that imported it first; NULL for the model */
    src_range import_at;        /* the import string in importer */
    bool loading;               /* its imports are being loaded (cycle detection) */
} fe_module;

/* An effective block: a block with its `extends` chain and merges applied. */
typedef struct eblock eblock;

/* One top-level declaration. */
typedef struct fe_decl {
    const char *name;     /* declared name */
    kw_id kind;           /* KW_LUT, KW_DATASET, KW_MODEL, KW_TRAIN, KW_HARDWARE */
    const ast_item *item; /* the block */
    int state;            /* effective block: 0 not built, 1 being built (a cycle if reached),
                             2 built (eb holds it, NULL after errors) */
    eblock *eb;           /* the effective block, built once; users get copies */
    const void *lowered;  /* lower.c's cached result for this declaration (a lut's shape) */
} fe_decl;

/* One entry of an effective block: a property or a nested effective block. */
typedef struct eb_entry {
    const ast_item *item;  /* the property or nested block as written */
    const ast_item *owner; /* the block whose body holds item (duplicate detection) */
    eblock *sub;           /* nested block, NULL for a property */
} eb_entry;

struct eblock {
    kw_id kind;           /* block kind */
    const char *name;     /* name (the declaration's for referenced blocks), or NULL */
    const ast_item *decl; /* the most derived block as written (for locations) */
    int n, cap;           /* entries in use, allocated */
    eb_entry *v;          /* [n] entries in order */
};

/* The state of one compilation. */
typedef struct fe_ctx {
    nltc_arena *a;              /* everything lives here */
    const nltc_compile_opts *o; /* options */
    diag_ctx d;                 /* diagnostics */
    ptr_vec modules;            /* fe_module*, the model file first, in load order */
    ptr_vec import_stack;       /* fe_module* being loaded (for cycle messages) */
    int n_decls, cap_decls;     /* the global name table (open addressing) */
    fe_decl *decls;             /* [cap_decls] */
    ptr_vec extends_stack;      /* fe_decl* whose extends are being resolved */
    int lut_inputs;             /* physical LUT size, for the table-cost warning */
    bool wide_hint;             /* the table-cost warning may add its note on `reduce` */
} fe_ctx;

/* Loads path (or the given text) and every module it imports into fe->modules. Returns
 * false if the model file itself could not be read. */
bool fe_load(fe_ctx *fe, const char *path, const char *text, size_t len);
/* The module whose source is f. */
fe_module *fe_module_of(fe_ctx *fe, const src_file *f);
/* Reports an error at `at` followed by the import chain of its file. */
void fe_error(fe_ctx *fe, src_range at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void fe_warning(fe_ctx *fe, src_range at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Joins a directory and a relative path ("." and absolute paths handled). */
const char *fe_join(nltc_arena *a, const char *dir, const char *rel);

/* ---- Internal: property overrides (override.c) ------------------------------------- */

/* Applies fe->o's overrides to the loaded ASTs (override.c); errors are reported. */
void fe_apply_overrides(fe_ctx *fe);
/* The model file's sweep block (a top-level `sweep`), or NULL; nested axis and where
 * items and sweep blocks anywhere else are reported. */
const ast_item *fe_sweep_block(fe_ctx *fe);

/* ---- Internal: names and effective blocks (blocks.c) --------------------------------- */

/* Enters every top-level declaration of every module into the name table. */
void fe_declare(fe_ctx *fe);
/* The declaration that top-level item it declared, or NULL (not a declaration, or a
 * redefinition). */
fe_decl *fe_decl_of(fe_ctx *fe, const ast_item *it);
/* The declaration named w, which must be of kind `kind` (reports otherwise). */
fe_decl *fe_lookup(fe_ctx *fe, const ast_word *w, kw_id kind);
/* A copy of the effective block of a declaration (built once, so its errors are reported
 * once). NULL after errors. */
eblock *eb_of_decl(fe_ctx *fe, fe_decl *d);
/* Edit distance of two words (for "did you mean"), capped at 3. */
int fe_distance(const char *a, const char *b);
/* The main model: the only model of the model file. */
fe_decl *fe_main_model(fe_ctx *fe);

/* ---- Internal: the schema (schema.def, schema.c) --------------------------------------- */

/* Value types of properties and arguments. */
typedef enum sv_type {
    SV_INT,      /* integer, optional unit */
    SV_REAL,     /* integer or real */
    SV_FRACTION, /* real in [0, 1), or percent */
    SV_BOOL,     /* true | false */
    SV_STRING,   /* string */
    SV_WORD,     /* one of a list of value words */
    SV_ANY,      /* checked by the lowering code (lists, chains, calls, names) */
    SV_REF,      /* the name of a declaration, or a nested block (checked by blocks.c) */
} sv_type;

/* A default: a number (booleans 0/1), a word (also a call's constructor), or a string. */
typedef struct sv_value {
    bool given;      /* false: required, or derived by the lowering */
    double num;      /* numbers and booleans */
    kw_id word;      /* words; KW_IDENT when not a word */
    const char *str; /* strings; NULL when not a string */
} sv_value;

/* One property of one block kind (a line of schema.def; fields as documented there). */
typedef struct sv_spec {
    kw_id block, key;
    sv_type type;
    kw_id unit; /* KW_IDENT if none */
    double lo, hi;
    bool lo_open, each;
    const kw_id *words;            /* SV_WORD: KW_IDENT-terminated, or NULL: */
    const char *const *enum_words; /* the words of an IR enum (ir_<s>_words) */
    sv_value dflt;
    const char *doc_type, *doc_default, *meaning;
} sv_spec;

/* One named argument of a constructor call (name KW_IDENT: the positional argument). */
typedef struct sv_arg_spec {
    kw_id ctor, name;
    sv_type type; /* SV_INT, SV_REAL, SV_FRACTION, or SV_WORD (an enum's words) */
    kw_id unit;   /* accepted unit word, KW_IDENT if none */
    double lo, hi;
    sv_value dflt;
    const char *meaning;
    const char *const *enum_words; /* SV_WORD: the words of an IR enum (ir_<s>_words) */
} sv_arg_spec;

/* The accepted words of an SV_WORD property into out[SV_MAX_WORDS + 1], KW_IDENT-terminated
 * (a word of an enum that is not a keyword becomes KW_IDENT: tests/lang checks there is
 * none); returns their count. */
enum { SV_MAX_WORDS = 16 };
int sv_words(const sv_spec *s, kw_id *out);
/* The keywords of an IR enum's words (ir_<s>_words, NULL: none) into out[SV_MAX_WORDS + 1],
 * KW_IDENT-terminated; returns their count. */
int sv_enum_kws(const char *const *enum_words, kw_id *out);
/* Every property, in table order. */
const sv_spec *sv_specs(int *n);
/* Whether a block of kind `block` accepts property s (train accepts stage properties). */
bool sv_accepts(kw_id block, const sv_spec *s);
/* The property `key` of block kind `block`, or NULL. */
const sv_spec *sv_spec_of(kw_id block, kw_id key);
/* The arguments of constructor ctor (consecutive in the table; *n of them), or NULL. */
const sv_arg_spec *sv_args_of(kw_id ctor, int *n);
const sv_arg_spec *sv_arg_spec_of(kw_id ctor, kw_id name);
/* The default of `key` in block kind `block` named `variant` (KW_IDENT: any name). */
sv_value sv_default(kw_id block, kw_id variant, kw_id key);
/* The default of argument `name` of constructor ctor. */
double sv_arg_default(kw_id ctor, kw_id name);
/* The Markdown reference table of a block kind's properties / of every argument. */
void sv_write_reference(FILE *f, kw_id block);
void sv_write_arguments(FILE *f);

/* ---- Internal: properties (values.c) --------------------------------------------------- */

/* Checks every property of every block of f against the schema of the block's kind
 * (unknown keys, types, units, ranges). */
void sv_check_file(fe_ctx *fe, const ast_file *f);
/* The property `key` of b, or NULL. */
const ast_item *sv_prop(const eblock *b, kw_id key);
/* The nested blocks of b of kind `kind`, in order, into out (returns the count). */
int sv_blocks(const eblock *b, kw_id kind, eblock **out, int max);
/* Typed getters: if b has a valid `key`, store it and return true; else leave *out.
 * Types and ranges come from the schema (already checked by sv_check_file). */
bool sv_int(const eblock *b, kw_id key, int64_t *out);
bool sv_real(const eblock *b, kw_id key, double *out);
bool sv_bool(const eblock *b, kw_id key, bool *out);
bool sv_string(const eblock *b, kw_id key, const char **out);
bool sv_word(const eblock *b, kw_id key, kw_id *out);
/* The same, falling back to the schema's default of `key` in a block of kind `kind`
 * (b may be NULL: an absent block). */
int64_t sv_int_or_default(const eblock *b, kw_id kind, kw_id key);
double sv_real_or_default(const eblock *b, kw_id kind, kw_id key);
bool sv_bool_or_default(const eblock *b, kw_id kind, kw_id key);
const char *sv_string_or_default(const eblock *b, kw_id kind, kw_id key);
kw_id sv_word_or_default(const eblock *b, kw_id kind, kw_id key);
/* Checks a value against a type, unit and range (for list elements and call args). */
bool sv_check_value(fe_ctx *fe, const ast_value *v, sv_type t, kw_id unit, double lo, double hi,
                    const kw_id *words, const char *what);
/* Checks a value against a property's spec (an element of an EACH property). */
bool sv_check_spec(fe_ctx *fe, const ast_value *v, const sv_spec *s, const char *what);
/* The numeric value of a checked number (percent applied). */
double sv_number(const ast_value *v);
/* Checks a call's named arguments against the schema's arguments of its constructor. */
bool sv_check_args(fe_ctx *fe, const ast_value *call);
/* The value of argument `name` of a checked call, or NULL. */
const ast_value *sv_arg(const ast_value *call, kw_id name);
/* The number of argument `name` of constructor ctor in v when v is a checked call giving
 * it, else the argument's default (v may be a word or NULL). */
double sv_arg_or_default(kw_id ctor, const ast_value *v, kw_id name);
/* The same for a word argument (SV_ARG_ENUM): the word given, else its default. */
kw_id sv_arg_word_or_default(kw_id ctor, const ast_value *v, kw_id name);

/* ---- Internal: lowering (lower.c) -------------------------------------------------------- */

/* Builds the effective block of every declaration of every module and checks L-LUT
 * shapes, whether the declarations are used or not (extends, references, nesting). */
void fe_check_decls(fe_ctx *fe);
/* Checks the main model and lowers it; NULL after errors. */
ir_program *fe_lower(fe_ctx *fe, fe_decl *model);

#endif /* NLTC_COMPILER_H */
