/* schema.c - the property schema (schema.def) as data: lookups, defaults, and its
 * reference tables in Markdown (lang/README.md is generated from them by nltc_langdoc). */
#include "compiler.h"

#include <string.h>

#define SV_NO_WORDS   NULL, NULL
#define SV_WORDS(...) (const kw_id[]){__VA_ARGS__, KW_IDENT}, NULL
#define SV_ENUM(sh)   NULL, ir_##sh##_words
#define SVD_NONE                                                                                   \
    { false, 0, KW_IDENT, NULL }
#define SVD_NUM(x)                                                                                 \
    { true, (x), KW_IDENT, NULL }
#define SVD_WORD(w)                                                                                \
    { true, 0, (w), NULL }
#define SVD_STR(s)                                                                                 \
    { true, 0, KW_IDENT, (s) }

static const sv_spec sv_table[] = {
#define SV_PROP(block, key, type, unit, lo, hi, lo_open, each, words, dflt, doc_type, doc_default, \
                meaning)                                                                           \
    {block, key, type, unit, lo, hi, lo_open, each, words, dflt, doc_type, doc_default, meaning},
#include "schema.def"
};

static const sv_arg_spec sv_args[] = {
#define SV_ARG(ctor, name, type, unit, lo, hi, dflt, meaning)                                      \
    {ctor, name, type, unit, lo, hi, dflt, meaning, NULL},
#define SV_ARG_ENUM(ctor, name, sh, dflt, meaning)                                                 \
    {ctor, name, SV_WORD, KW_IDENT, 0, 0, dflt, meaning, ir_##sh##_words},
#include "schema.def"
};

static const struct sv_variant {
    kw_id block, name, key;
    sv_value dflt;
} sv_variants[] = {
#define SV_VARIANT(block, name, key, dflt) {block, name, key, dflt},
#include "schema.def"
};

#define SV_COUNT(a) ((int)(sizeof a / sizeof *a))

const sv_spec *sv_specs(int *n) {
    *n = SV_COUNT(sv_table);
    return sv_table;
}

bool sv_accepts(kw_id block, const sv_spec *s) {
    return s->block == block || (block == KW_TRAIN && s->block == KW_STAGE);
}

const sv_spec *sv_spec_of(kw_id block, kw_id key) {
    for (int i = 0; i < SV_COUNT(sv_table); i++)
        if (sv_accepts(block, &sv_table[i]) && sv_table[i].key == key) return &sv_table[i];
    return NULL;
}

const sv_arg_spec *sv_args_of(kw_id ctor, int *n) {
    int first = -1;
    *n = 0;
    for (int i = 0; i < SV_COUNT(sv_args); i++)
        if (sv_args[i].ctor == ctor) {
            if (first < 0) first = i;
            (*n)++;
        }
    return first < 0 ? NULL : &sv_args[first];
}

const sv_arg_spec *sv_arg_spec_of(kw_id ctor, kw_id name) {
    for (int i = 0; i < SV_COUNT(sv_args); i++)
        if (sv_args[i].ctor == ctor && sv_args[i].name == name) return &sv_args[i];
    return NULL;
}

sv_value sv_default(kw_id block, kw_id variant, kw_id key) {
    for (int i = 0; i < SV_COUNT(sv_variants); i++) {
        const struct sv_variant *v = &sv_variants[i];
        if (v->block == block && v->name == variant && v->key == key) return v->dflt;
    }
    const sv_spec *s = sv_spec_of(block, key);
    return s ? s->dflt : (sv_value)SVD_NONE;
}

double sv_arg_default(kw_id ctor, kw_id name) {
    const sv_arg_spec *a = sv_arg_spec_of(ctor, name);
    return a ? a->dflt.num : 0;
}

int sv_enum_kws(const char *const *enum_words, kw_id *out) {
    int n = 0;
    for (; enum_words && enum_words[n] && n < SV_MAX_WORDS; n++)
        out[n] = kw_lookup(enum_words[n], strlen(enum_words[n]));
    out[n] = KW_IDENT;
    return n;
}

int sv_words(const sv_spec *s, kw_id *out) {
    int n = 0;
    if (!s->words) return sv_enum_kws(s->enum_words, out);
    for (; s->words[n] != KW_IDENT && n < SV_MAX_WORDS; n++)
        out[n] = s->words[n];
    out[n] = KW_IDENT;
    return n;
}

/* ---- Reference tables ------------------------------------------------------------------ */

static void sv_md_number(FILE *f, double x) {
    if (x == 9007199254740992.0)
        fputs("2^53", f);
    else
        fprintf(f, "%.15g", x);
}

/* The type cell: DOC_TYPE, else the type with its unit or words. */
static void sv_md_type(FILE *f, sv_type t, kw_id unit, const kw_id *words, bool each,
                       const char *doc) {
    static const char *const names[] = {"integer", "real", "fraction", "bool",
                                        "string",  "",     "",         ""};
    if (doc) {
        fputs(doc, f);
        return;
    }
    if (t == SV_WORD)
        for (int i = 0; words[i] != KW_IDENT; i++)
            fprintf(f, "%s`%s`", i ? " \\| " : "", kw_text(words[i]));
    else
        fputs(names[t], f);
    if (unit != KW_IDENT) fprintf(f, ", unit `%s`", kw_text(unit));
    if (each) fputs(", or a list of one per level", f);
}

static void sv_md_default(FILE *f, sv_type t, sv_value d, const char *doc) {
    if (doc)
        fputs(doc, f);
    else if (!d.given)
        return;
    else if (d.word != KW_IDENT)
        fprintf(f, "`%s`", kw_text(d.word));
    else if (d.str)
        fprintf(f, "`\"%s\"`", d.str);
    else if (t == SV_BOOL)
        fputs(d.num ? "`true`" : "`false`", f);
    else
        sv_md_number(f, d.num);
}

static void sv_md_range(FILE *f, sv_type t, double lo, double hi, bool lo_open) {
    if (t == SV_FRACTION) {
        fputs("[0, 1)", f);
    } else if (t == SV_INT || t == SV_REAL) {
        if (lo_open && hi >= 1e30) {
            fputs("> ", f);
            sv_md_number(f, lo);
            return;
        }
        fputs(lo_open ? "(" : "", f);
        sv_md_number(f, lo);
        fputs(lo_open ? ", " : "..", f);
        sv_md_number(f, hi);
        fputs(lo_open ? "]" : "", f);
    }
}

void sv_write_reference(FILE *f, kw_id block) {
    fputs("| property | type | default | range | meaning |\n|---|---|---|---|---|\n", f);
    for (int i = 0; i < SV_COUNT(sv_table); i++) {
        const sv_spec *s = &sv_table[i];
        if (s->block != block) continue;
        fprintf(f, "| `%s` | ", kw_text(s->key));
        kw_id words[SV_MAX_WORDS + 1];
        sv_words(s, words);
        sv_md_type(f, s->type, s->unit, words, s->each, s->doc_type);
        fputs(" | ", f);
        sv_md_default(f, s->type, s->dflt, s->doc_default);
        for (int v = 0; v < SV_COUNT(sv_variants); v++)
            if (sv_variants[v].block == block && sv_variants[v].key == s->key && !s->doc_default) {
                fprintf(f, "; %s: ", kw_text(sv_variants[v].name));
                sv_md_default(f, s->type, sv_variants[v].dflt, NULL);
            }
        fputs(" | ", f);
        sv_md_range(f, s->type, s->lo, s->hi, s->lo_open);
        fprintf(f, " | %s |\n", s->meaning);
    }
}

void sv_write_arguments(FILE *f) {
    fputs("| call | argument | type | default | range | meaning |\n|---|---|---|---|---|---|\n", f);
    for (int i = 0; i < SV_COUNT(sv_args); i++) {
        const sv_arg_spec *a = &sv_args[i];
        fprintf(f, "| `%s(...)` | %s%s%s | ", kw_text(a->ctor), a->name == KW_IDENT ? "" : "`",
                a->name == KW_IDENT ? "positional" : kw_text(a->name),
                a->name == KW_IDENT ? "" : "`");
        kw_id words[SV_MAX_WORDS + 1];
        sv_enum_kws(a->enum_words, words);
        sv_md_type(f, a->type, a->unit, words, false, NULL);
        fputs(" | ", f);
        sv_md_default(f, a->type, a->dflt, a->dflt.given ? NULL : "required");
        fputs(" | ", f);
        sv_md_range(f, a->type, a->lo, a->hi, false);
        fprintf(f, " | %s |\n", a->meaning);
    }
}
