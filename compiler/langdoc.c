/* langdoc.c - nltc_langdoc: writes the reference tables of lang/README.md from the schema
 * (schema.def), so the language's documentation cannot drift from the compiler.
 *
 *   nltc_langdoc --check FILE   exit 1 (naming the first table that differs) unless every
 *                               generated section of FILE equals the schema's table
 *   nltc_langdoc --write FILE   rewrite the generated sections of FILE in place
 *
 * A generated section is the text between a line starting "<!-- schema NAME" and the line
 * "<!-- end schema -->"; NAME is a block kind (lut, dataset, model, input, output, tree,
 * train, stage, hardware) or "arguments" (the arguments of value constructors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "rt.h"

#define LD_BEGIN "<!-- schema "
#define LD_END   "<!-- end schema -->"

/* The generated table of section `name` (malloc'd), or NULL for an unknown name. */
static char *ld_table(const char *name) {
    kw_id block = kw_lookup(name, strlen(name));
    bool args = strcmp(name, "arguments") == 0;
    if (!args && !(kw_roles(block) & KWR_BLOCK)) return NULL;
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    if (!f) rt_oom();
    if (args)
        sv_write_arguments(f);
    else
        sv_write_reference(f, block);
    fclose(f);
    return s;
}

/* text with every generated section replaced; NULL after a malformed section (message on
 * stderr). *first_diff: the first section whose text changes, or NULL. */
static char *ld_regenerate(const char *path, const char *text, char **first_diff) {
    rt_buf out = {0};
    const char *p = text;
    *first_diff = NULL;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
        rt_buf_printf(&out, "%.*s", (int)len, p);
        bool begin = strncmp(p, LD_BEGIN, strlen(LD_BEGIN)) == 0;
        const char *at = p;
        p += len;
        if (!begin) continue;
        const char *name_at = at + strlen(LD_BEGIN);
        char name[32];
        size_t nl = strcspn(name_at, " :\n");
        snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1),
                 name_at);
        const char *end = strstr(p, "\n" LD_END);
        end = strncmp(p, LD_END, strlen(LD_END)) == 0 ? p : end ? end + 1 : NULL;
        char *table = ld_table(name);
        if (!end || !table) {
            fprintf(stderr, "%s: section '%s': %s\n", path, name,
                    table ? "no '" LD_END "' line after it" : "unknown block or table name");
            free(table);
            rt_buf_free(&out);
            return NULL;
        }
        if (!*first_diff &&
            ((size_t)(end - p) != strlen(table) || strncmp(p, table, strlen(table)) != 0))
            *first_diff = xstrdup(name);
        rt_buf_puts(&out, table);
        free(table);
        p = end;
    }
    return rt_buf_take(&out);
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "--check") != 0 && strcmp(argv[1], "--write") != 0)) {
        fprintf(stderr, "usage: nltc_langdoc --check|--write lang/README.md\n");
        return 2;
    }
    const char *path = argv[2];
    size_t len;
    char *text = rt_read_file(path, &len, NULL);
    if (!text) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 2;
    }
    char *diff = NULL;
    char *out = ld_regenerate(path, text, &diff);
    int rc = out ? 0 : 1;
    if (out && strcmp(argv[1], "--check") == 0 && diff) {
        fprintf(stderr,
                "%s: the '%s' table differs from compiler/schema.def; regenerate with "
                "`cmake --build build --target lang_readme_update`\n",
                path, diff);
        rc = 1;
    } else if (out && strcmp(argv[1], "--write") == 0 && strcmp(out, text) != 0) {
        rc = rt_write_file(path, out, strlen(out)) == 0 ? 0 : 2;
        if (rc) fprintf(stderr, "%s: cannot write\n", path);
    }
    free(diff);
    free(out);
    free(text);
    return rc;
}
