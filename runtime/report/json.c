/* json.c - a small JSON reader (a DOM with located errors) and the writing helpers that
 * report.json and the experiment store's run.json use. Enough JSON for nltc's own files and
 * strict enough to reject anything RFC 8259 does not allow. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { JSON_MAX_DEPTH = 64 };

/* Parser state over one buffer. */
typedef struct json_parser {
    const char *s, *end; /* the text and its end */
    const char *pos;     /* next unread byte */
    const char *name;    /* file name used in messages */
    rt_error *e;         /* where the message goes (may be NULL) */
    bool failed;         /* an error was reported */
} json_parser;

static void json_fail(json_parser *p, const char *at, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = true;
    if (!p->e) return;
    int line = 1, col = 1;
    for (const char *c = p->s; c < at && c < p->end; c++) {
        if (*c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char what[sizeof p->e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    rt_fail(p->e, RT_ERR_DATA, "%s:%d:%d: %s", p->name, line, col, what);
}

static void json_skip_ws(json_parser *p) {
    while (p->pos < p->end &&
           (*p->pos == ' ' || *p->pos == '\t' || *p->pos == '\n' || *p->pos == '\r'))
        p->pos++;
}

static bool json_literal(json_parser *p, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(p->end - p->pos) >= n && memcmp(p->pos, word, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static int json_hex4(json_parser *p, const char *at) {
    if (p->end - p->pos < 4) {
        json_fail(p, at, "truncated \\u escape");
        return -1;
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->pos[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) {
            json_fail(p, p->pos + i, "expected a hex digit in \\u escape");
            return -1;
        }
        v = v * 16 + d;
    }
    p->pos += 4;
    return v;
}

static size_t json_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a string literal (p->pos at the opening quote); returns a new decoded string. */
static char *json_string(json_parser *p) {
    const char *start = p->pos++;
    /* Decoded text is never longer than the literal. */
    size_t cap = 1;
    for (const char *c = p->pos; c < p->end && *c != '"'; c++, cap++) {
        if (*c == '\\' && c + 1 < p->end) {
            c++;
            cap++;
        }
    }
    char *out = xmalloc(cap + 4), *o = out;
    while (p->pos < p->end && *p->pos != '"') {
        unsigned char c = (unsigned char)*p->pos;
        if (c < 0x20) {
            json_fail(p, p->pos, "control character in string");
            free(out);
            return NULL;
        }
        if (c != '\\') {
            *o++ = (char)c;
            p->pos++;
            continue;
        }
        const char *esc = p->pos++;
        if (p->pos >= p->end) break;
        char e = *p->pos++;
        switch (e) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '/':
            *o++ = '/';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            int hi = json_hex4(p, esc);
            if (hi < 0) {
                free(out);
                return NULL;
            }
            uint32_t cp = (uint32_t)hi;
            if (hi >= 0xD800 && hi < 0xDC00) {
                int lo = -1;
                if (p->end - p->pos >= 2 && p->pos[0] == '\\' && p->pos[1] == 'u') {
                    p->pos += 2;
                    lo = json_hex4(p, esc);
                }
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    json_fail(p, esc, "unpaired UTF-16 surrogate in \\u escape");
                    free(out);
                    return NULL;
                }
                cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            } else if (hi >= 0xDC00 && hi <= 0xDFFF) {
                json_fail(p, esc, "unpaired UTF-16 surrogate in \\u escape");
                free(out);
                return NULL;
            }
            if (cp == 0) {
                json_fail(p, esc, "\\u0000 is not supported in strings");
                free(out);
                return NULL;
            }
            o += json_utf8(o, cp);
            break;
        }
        default:
            json_fail(p, esc, "unknown escape '\\%c'", e);
            free(out);
            return NULL;
        }
    }
    if (p->pos >= p->end) {
        json_fail(p, start, "unterminated string");
        free(out);
        return NULL;
    }
    p->pos++; /* closing quote */
    *o = '\0';
    return out;
}

static bool json_digits(json_parser *p) {
    const char *s = p->pos;
    while (p->pos < p->end && *p->pos >= '0' && *p->pos <= '9')
        p->pos++;
    return p->pos > s;
}

static void json_number(json_parser *p, json_value *v) {
    const char *start = p->pos;
    if (p->pos < p->end && *p->pos == '-') p->pos++;
    if (p->pos < p->end && *p->pos == '0') {
        p->pos++;
    } else if (!json_digits(p)) {
        json_fail(p, start, "expected a value");
        return;
    }
    if (p->pos < p->end && *p->pos == '.') {
        p->pos++;
        if (!json_digits(p)) {
            json_fail(p, p->pos, "expected digits after '.'");
            return;
        }
    }
    if (p->pos < p->end && (*p->pos == 'e' || *p->pos == 'E')) {
        p->pos++;
        if (p->pos < p->end && (*p->pos == '+' || *p->pos == '-')) p->pos++;
        if (!json_digits(p)) {
            json_fail(p, p->pos, "expected digits in exponent");
            return;
        }
    }
    size_t n = (size_t)(p->pos - start);
    v->kind = JSON_NUMBER;
    v->text = memcpy(xmalloc(n + 1), start, n);
    v->text[n] = '\0';
    v->number = strtod(v->text, NULL);
}

static void json_value_parse(json_parser *p, json_value *v, int depth);

/* Parses the members or elements after '[' or '{' (p->pos just past it). */
static void json_container(json_parser *p, json_value *v, bool object, int depth) {
    const char *open = p->pos - 1;
    char close = object ? '}' : ']';
    int cap = 0;
    v->kind = object ? JSON_OBJECT : JSON_ARRAY;
    json_skip_ws(p);
    if (p->pos < p->end && *p->pos == close) {
        p->pos++;
        return;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? 2 * cap : 8;
            v->items = xrealloc(v->items, (size_t)cap * sizeof *v->items);
            if (object) v->keys = xrealloc(v->keys, (size_t)cap * sizeof *v->keys);
        }
        json_value *item = &v->items[v->n];
        memset(item, 0, sizeof *item);
        json_skip_ws(p);
        if (object) {
            if (p->pos >= p->end || *p->pos != '"') {
                json_fail(p, p->pos, "expected a member name in quotes");
                return;
            }
            char *key = json_string(p);
            if (!key) return;
            v->keys[v->n] = key;
            v->n++;
            json_skip_ws(p);
            if (p->pos >= p->end || *p->pos != ':') {
                json_fail(p, p->pos, "expected ':' after member name");
                return;
            }
            p->pos++;
        } else {
            v->n++;
        }
        json_value_parse(p, item, depth + 1);
        if (p->failed) return;
        json_skip_ws(p);
        if (p->pos < p->end && *p->pos == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->end && *p->pos == close) {
            p->pos++;
            return;
        }
        json_fail(p, p->pos, "expected ',' or '%c' (to close '%c' opened at byte %ld)", close,
                  object ? '{' : '[', (long)(open - p->s) + 1);
        return;
    }
}

static void json_value_parse(json_parser *p, json_value *v, int depth) {
    json_skip_ws(p);
    if (depth > JSON_MAX_DEPTH) {
        json_fail(p, p->pos, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        return;
    }
    if (p->pos >= p->end) {
        json_fail(p, p->pos, "unexpected end of input, expected a value");
        return;
    }
    char c = *p->pos;
    if (c == '{' || c == '[') {
        p->pos++;
        json_container(p, v, c == '{', depth);
    } else if (c == '"') {
        v->text = json_string(p);
        v->kind = JSON_STRING;
    } else if (json_literal(p, "null")) {
        v->kind = JSON_NULL;
    } else if (json_literal(p, "true")) {
        v->kind = JSON_BOOL;
        v->boolean = true;
    } else if (json_literal(p, "false")) {
        v->kind = JSON_BOOL;
    } else {
        json_number(p, v);
    }
}

static void json_clear(json_value *v) {
    for (int i = 0; i < v->n; i++) {
        json_clear(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->text);
}

rt_status json_parse(const char *text, size_t len, const char *name, json_value **out,
                     rt_error *e) {
    json_parser p = {text, text + len, text, name, e, false};
    json_value *v = xcalloc(1, sizeof *v);
    if (memchr(text, '\0', len)) {
        json_fail(&p, (const char *)memchr(text, '\0', len), "NUL byte in JSON text");
    } else {
        json_value_parse(&p, v, 0);
        json_skip_ws(&p);
        if (!p.failed && p.pos != p.end)
            json_fail(&p, p.pos, "unexpected text after the JSON value");
    }
    if (p.failed) {
        json_free(v);
        *out = NULL;
        return RT_ERR_DATA;
    }
    *out = v;
    return RT_OK;
}

void json_free(json_value *v) {
    if (!v) return;
    json_clear(v);
    free(v);
}

const json_value *json_member(const json_value *v, const char *key) {
    if (!v || v->kind != JSON_OBJECT) return NULL;
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0) return &v->items[i];
    return NULL;
}

const json_value *json_path(const json_value *v, const char *dotted) {
    char key[128];
    while (v && *dotted) {
        size_t n = strcspn(dotted, ".");
        if (n >= sizeof key) return NULL;
        memcpy(key, dotted, n);
        key[n] = '\0';
        v = json_member(v, key);
        dotted += n + (dotted[n] == '.');
    }
    return v;
}

void json_buf_string(rt_buf *b, const char *s) {
    if (!s) {
        rt_buf_puts(b, "null");
        return;
    }
    rt_buf_puts(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"':
            rt_buf_puts(b, "\\\"");
            break;
        case '\\':
            rt_buf_puts(b, "\\\\");
            break;
        case '\n':
            rt_buf_puts(b, "\\n");
            break;
        case '\r':
            rt_buf_puts(b, "\\r");
            break;
        case '\t':
            rt_buf_puts(b, "\\t");
            break;
        default:
            if (*c < 0x20)
                rt_buf_printf(b, "\\u%04x", *c);
            else
                rt_buf_put(b, c, 1);
        }
    }
    rt_buf_puts(b, "\"");
}

void json_put_string(FILE *f, const char *s) {
    rt_buf b = {0};
    json_buf_string(&b, s);
    fwrite(b.data, 1, b.len, f);
    rt_buf_free(&b);
}

void json_put_number(FILE *f, double v) {
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    char buf[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}
