/* cli.c - the table-driven command-line parser (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_list_free(cli_list *l) {
    free(l->items);
    memset(l, 0, sizeof *l);
}

void cli_result_free(cli_result *r) {
    free(r->args);
    memset(r, 0, sizeof *r);
}

rt_status cli_usage_error(const cli_spec *s, rt_error *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = rt_vstrfmt(fmt, ap);
    va_end(ap);
    /* "nltc runs" -> "runs: "; nltc itself has no prefix. */
    const char *space = strchr(s->prog, ' ');
    rt_fail(e, RT_ERR_USAGE, "%s%s%s (see %s --help)", space ? space + 1 : "", space ? ": " : "",
            msg, s->prog);
    free(msg);
    return RT_ERR_USAGE;
}

/* ---- Help ---------------------------------------------------------------------------- */

/* The option as written in usage and help: "--threads N", "-o DIR", "-w, --write". */
static void cli_opt_name(char *buf, size_t n, const cli_opt *o, bool both) {
    char value[64] = "";
    if (o->kind != CLI_FLAG) snprintf(value, sizeof value, " %s", o->meta ? o->meta : "VALUE");
    if (o->short_name && o->long_name && both)
        snprintf(buf, n, "-%c, --%s%s", o->short_name, o->long_name, value);
    else if (o->long_name)
        snprintf(buf, n, "--%s%s", o->long_name, value);
    else
        snprintf(buf, n, "-%c%s", o->short_name, value);
}

enum { CLI_WIDTH = 90 }; /* help lines are wrapped before this column */

static void cli_wrap(FILE *f, const char *text, int col, int indent) {
    rt_write_wrapped(f, text, col, indent, CLI_WIDTH + 1);
}

void cli_printf_wrapped(FILE *f, int indent, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *text = rt_vstrfmt(fmt, ap);
    va_end(ap);
    rt_write_wrapped(f, text, 0, indent, RT_OUT_WIDTH);
    free(text);
}

/* Prints " word" at *col, first wrapping to column indent if it would pass CLI_WIDTH. */
static void cli_word(FILE *f, const char *word, int *col, int indent) {
    int n = (int)strlen(word);
    if (*col > indent && *col + 1 + n > CLI_WIDTH) {
        fprintf(f, "\n%*s", indent, "");
        *col = indent;
    }
    fprintf(f, " %s", word);
    *col += 1 + n;
}

void cli_help(FILE *f, const cli_spec *s) {
    if (s->usage) {
        for (int i = 0; s->usage[i]; i++)
            fprintf(f, "%s%s\n", i ? "       " : "usage: ", s->usage[i]);
    } else {
        fprintf(f, "usage: %s", s->prog);
        int indent = 7 + (int)strlen(s->prog), col = indent;
        if (s->args && *s->args) cli_word(f, s->args, &col, indent);
        for (int i = 0; i < s->n_opts; i++) {
            char name[96], word[100];
            cli_opt_name(name, sizeof name, &s->opts[i], false);
            snprintf(word, sizeof word, s->opts[i].required ? "%s" : "[%s]", name);
            cli_word(f, word, &col, indent);
        }
        fputc('\n', f);
    }
    if (s->about) fprintf(f, "\n%s", s->about);
    int w = 10; /* "-h, --help" */
    char name[96];
    for (int i = 0; i < s->n_opts; i++) {
        cli_opt_name(name, sizeof name, &s->opts[i], true);
        if ((int)strlen(name) > w) w = (int)strlen(name);
    }
    fputs("\noptions:\n", f);
    for (int i = 0; i < s->n_opts; i++) {
        cli_opt_name(name, sizeof name, &s->opts[i], true);
        fprintf(f, "  %-*s  ", w, name);
        cli_wrap(f, s->opts[i].help ? s->opts[i].help : "", w + 4, w + 4);
    }
    fprintf(f, "  %-*s  %s\n", w, "-h, --help", "show this help");
    if (s->epilog) s->epilog(f);
}

/* ---- Parsing ------------------------------------------------------------------------- */

static const cli_opt *cli_find_long(const cli_spec *s, const char *name, size_t len) {
    for (int i = 0; i < s->n_opts; i++) {
        const char *l = s->opts[i].long_name;
        if (l && strlen(l) == len && strncmp(l, name, len) == 0) return &s->opts[i];
    }
    return NULL;
}

static const cli_opt *cli_find_short(const cli_spec *s, char c) {
    for (int i = 0; i < s->n_opts; i++)
        if (s->opts[i].short_name == c) return &s->opts[i];
    return NULL;
}

/* Parses a decimal number without sign; false if s is not one or is out of [min, max]. */
static bool cli_number(const char *s, uint64_t min, uint64_t max, uint64_t *out) {
    if (!*s || *s < '0' || *s > '9') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

/* Stores value into the destination of option o (written as `flag` on the command line). */
static rt_status cli_store(const cli_spec *s, const cli_opt *o, const char *flag, const char *value,
                           rt_error *e) {
    if (o->given) *o->given = true;
    switch (o->kind) {
    case CLI_FLAG:
        *(bool *)o->dest = true;
        return RT_OK;
    case CLI_STRING:
        *(const char **)o->dest = value;
        return RT_OK;
    case CLI_LIST: {
        cli_list *l = o->dest;
        rt_grow((void **)&l->items, l->n, &l->cap, sizeof *l->items);
        l->items[l->n++] = value;
        return RT_OK;
    }
    case CLI_NUMBER:
        if (cli_number(value, o->min, o->max, o->dest)) return RT_OK;
        if (o->min == 0 && o->max == UINT64_MAX)
            return cli_usage_error(s, e, "%s expects a non-negative integer, found '%s'", flag,
                                   value);
        return cli_usage_error(s, e, "%s expects a number from %llu to %llu, found '%s'", flag,
                               (unsigned long long)o->min, (unsigned long long)o->max, value);
    case CLI_CHOICE: {
        rt_buf names = {0};
        for (int i = 0; o->choices[i]; i++) {
            if (strcmp(o->choices[i], value) == 0) {
                *(int *)o->dest = i;
                rt_buf_free(&names);
                return RT_OK;
            }
            rt_buf_printf(&names, "%s%s", i ? ", " : "", o->choices[i]);
        }
        rt_status st = cli_usage_error(s, e, "%s expects %s%s, found '%s'", flag,
                                       o->choices[0] && o->choices[1] ? "one of " : "",
                                       names.data ? names.data : "", value);
        rt_buf_free(&names);
        return st;
    }
    }
    return RT_OK;
}

/* Parses the option at argv[*i] (it starts with '-'), taking its value from the next
 * argument when needed. */
static rt_status cli_option(const cli_spec *s, int argc, char **argv, int *i, bool *seen,
                            rt_error *e) {
    const char *a = argv[*i];
    const cli_opt *o;
    const char *value = NULL;
    char flag[128];
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        o = cli_find_long(s, a + 2, len);
        snprintf(flag, sizeof flag, "--%.*s", (int)len, a + 2);
        if (!o) return cli_usage_error(s, e, "unknown option '%s'", flag);
        if (eq) value = eq + 1;
    } else {
        o = cli_find_short(s, a[1]);
        snprintf(flag, sizeof flag, "-%c", a[1]);
        if (!o) return cli_usage_error(s, e, "unknown option '%s'", a);
        if (a[2]) {
            if (o->kind == CLI_FLAG) return cli_usage_error(s, e, "unknown option '%s'", a);
            value = a + 2;
        }
    }
    seen[o - s->opts] = true;
    if (o->kind == CLI_FLAG) {
        if (value) return cli_usage_error(s, e, "option '%s' takes no value", flag);
        return cli_store(s, o, flag, NULL, e);
    }
    if (!value) {
        if (*i + 1 >= argc) return cli_usage_error(s, e, "option '%s' needs a value", flag);
        value = argv[++*i];
    }
    if (!*value) return cli_usage_error(s, e, "option '%s' needs a value", flag);
    return cli_store(s, o, flag, value, e);
}

rt_status cli_parse(const cli_spec *s, int argc, char **argv, cli_result *r, rt_error *e) {
    memset(r, 0, sizeof *r);
    r->args = xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *r->args);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cli_help(stdout, s);
            r->help = true;
            return RT_OK;
        }
    bool *seen = xcalloc((size_t)s->n_opts + 1, sizeof *seen);
    bool options = true;
    rt_status st = RT_OK;
    for (int i = 1; i < argc && st == RT_OK; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0) {
            options = false;
        } else if (options && a[0] == '-' && a[1]) {
            st = cli_option(s, argc, argv, &i, seen, e);
        } else if (s->max_args >= 0 && r->n_args >= s->max_args) {
            st = cli_usage_error(s, e, "unexpected argument '%s'", a);
        } else {
            r->args[r->n_args++] = a;
        }
    }
    if (st == RT_OK && r->n_args < s->min_args) st = cli_usage_error(s, e, "missing %s", s->args);
    for (int k = 0; k < s->n_opts && st == RT_OK; k++)
        if (s->opts[k].required && !seen[k]) {
            char name[96];
            cli_opt_name(name, sizeof name, &s->opts[k], false);
            st = cli_usage_error(s, e, "missing %s", name);
        }
    free(seen);
    return st;
}
