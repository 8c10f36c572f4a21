/* keywords.c - the keyword table built from keywords.def, and its lookup. */
#include "lang.h"

#include <string.h>

/* The role names used in keywords.def. */
#define SYNTAX KWR_SYNTAX
#define BLOCK  KWR_BLOCK
#define PROP   KWR_PROP
#define VALUE  KWR_VALUE
#define ARG    KWR_ARG
#define UNIT   KWR_UNIT

/* One keyword. */
static const struct kw_entry {
    const char *text; /* spelling */
    size_t len;       /* strlen(text) */
    unsigned roles;   /* KWR_* bits */
} kw_table[KW_COUNT] = {
#define KW(id, text, roles) {text, sizeof(text) - 1, roles},
#include "keywords.def"
#undef KW
};

kw_id kw_lookup(const char *s, size_t n) {
    for (int k = 0; k < KW_COUNT; k++)
        if (kw_table[k].len == n && memcmp(kw_table[k].text, s, n) == 0) return (kw_id)k;
    return KW_IDENT;
}

const char *kw_text(kw_id k) {
    return k >= 0 && k < KW_COUNT ? kw_table[k].text : "?";
}

unsigned kw_roles(kw_id k) {
    return k >= 0 && k < KW_COUNT ? kw_table[k].roles : 0;
}
