/* lsp.c - `nltc lsp`: the Language Server Protocol over stdin and stdout (see lsp.h).
 *
 * Messages are JSON-RPC 2.0 bodies framed by a "Content-Length: N" header and a blank
 * line. Bad input never ends the server: a body that is no JSON gets a ParseError
 * response, a header block without Content-Length a ParseError (the reader then looks for
 * the next Content-Length, also inside a line, so it finds the next message), an unknown
 * request MethodNotFound, an unknown notification nothing. `shutdown` then `exit` ends with
 * status 0; `exit` without `shutdown`, or the end of the input, with 1 (the protocol's
 * rule).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "driver.h"
#include "lsp.h"

#ifndef NLTC_VERSION
#define NLTC_VERSION "0.0.0"
#endif

enum {
    LSP_MAX_LINE = 4096,                  /* header bytes kept per line */
    LSP_MAX_BODY = 256 * 1024 * 1024 - 1, /* a larger body is read and dropped */
};

/* ---- Writing ------------------------------------------------------------------------------ */

void lsp_put_json(rt_buf *b, const json_value *v) {
    switch (v ? v->kind : JSON_NULL) {
    case JSON_NULL:
        rt_buf_puts(b, "null");
        break;
    case JSON_BOOL:
        rt_buf_puts(b, v->boolean ? "true" : "false");
        break;
    case JSON_NUMBER:
        rt_buf_puts(b, v->text);
        break;
    case JSON_STRING:
        json_buf_string(b, v->text);
        break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        rt_buf_puts(b, v->kind == JSON_ARRAY ? "[" : "{");
        for (int i = 0; i < v->n; i++) {
            if (i) rt_buf_puts(b, ",");
            if (v->kind == JSON_OBJECT) {
                json_buf_string(b, v->keys[i]);
                rt_buf_puts(b, ":");
            }
            lsp_put_json(b, &v->items[i]);
        }
        rt_buf_puts(b, v->kind == JSON_ARRAY ? "]" : "}");
        break;
    }
}

void lsp_send(lsp_server *s, const rt_buf *body) {
    fprintf(s->out, "Content-Length: %zu\r\n\r\n", body->len);
    fwrite(body->data, 1, body->len, s->out);
    fflush(s->out);
}

void lsp_respond(lsp_server *s, const json_value *id, const char *result) {
    rt_buf b = {0};
    rt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    lsp_put_json(&b, id);
    rt_buf_printf(&b, ",\"result\":%s}", result);
    lsp_send(s, &b);
    rt_buf_free(&b);
}

void lsp_respond_error(lsp_server *s, const json_value *id, int code, const char *msg) {
    rt_buf b = {0};
    rt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    lsp_put_json(&b, id);
    rt_buf_printf(&b, ",\"error\":{\"code\":%d,\"message\":", code);
    json_buf_string(&b, msg);
    rt_buf_puts(&b, "}}");
    lsp_send(s, &b);
    rt_buf_free(&b);
}

/* ---- Reading ------------------------------------------------------------------------------ */

/* What lsp_read found. */
typedef enum lsp_frame { LSP_EOF, LSP_BODY, LSP_NO_LENGTH, LSP_TOO_LONG } lsp_frame;

/* Reads one header line (without its line end; of a longer line its last bytes) into line;
 * false at the end of the input. */
static bool lsp_line(FILE *in, char *line, size_t *n) {
    int c;
    *n = 0;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (*n == LSP_MAX_LINE) { /* keep the line's end: a header may follow a bad body */
            memmove(line, line + LSP_MAX_LINE / 2, LSP_MAX_LINE / 2);
            *n = LSP_MAX_LINE / 2;
        }
        line[(*n)++] = (char)c;
    }
    if (*n > 0 && line[*n - 1] == '\r') --*n;
    line[*n] = '\0';
    return c != EOF || *n > 0;
}

/* The value of the last "Content-Length:" in line (any case, anywhere: after a body sent
 * without one the next header follows on the same line), or -1. */
static long long lsp_length(const char *line) {
    static const char key[] = "content-length:";
    long long len = -1;
    for (const char *p = line; *p; p++) {
        if (strncasecmp(p, key, sizeof key - 1) != 0) continue;
        const char *q = p + sizeof key - 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q < '0' || *q > '9') continue;
        len = 0;
        for (; *q >= '0' && *q <= '9' && len <= LSP_MAX_BODY; q++)
            len = len * 10 + (*q - '0');
    }
    return len;
}

/* Reads one framed message into body (NUL-terminated). */
static lsp_frame lsp_read(FILE *in, rt_buf *body) {
    char line[LSP_MAX_LINE + 1];
    size_t n;
    long long len = -1;
    bool headers = false;
    for (;;) {
        if (!lsp_line(in, line, &n)) return LSP_EOF;
        if (n == 0 && headers) break;
        if (n == 0) continue; /* blank lines between messages */
        headers = true;
        long long l = lsp_length(line);
        if (l >= 0) len = l;
    }
    if (len < 0) return LSP_NO_LENGTH;
    if (len > LSP_MAX_BODY) { /* read past it, keeping nothing */
        for (long long k = 0; k < len && getc(in) != EOF; k++)
            ;
        return LSP_TOO_LONG;
    }
    body->len = 0;
    rt_grow((void **)&body->data, (size_t)len, &body->cap, 1);
    size_t got = fread(body->data, 1, (size_t)len, in);
    body->data[got] = '\0';
    body->len = got;
    return got == (size_t)len ? LSP_BODY : LSP_EOF;
}

/* ---- Lifecycle and the method table ------------------------------------------------------- */

/* Whether the string array v holds text. */
static bool lsp_has(const json_value *v, const char *text) {
    for (int i = 0; v && v->kind == JSON_ARRAY && i < v->n; i++)
        if (v->items[i].kind == JSON_STRING && strcmp(v->items[i].text, text) == 0) return true;
    return false;
}

static void lsp_initialize(lsp_server *s, const json_value *id, const json_value *params) {
    s->utf8 = lsp_has(json_path(params, "capabilities.general.positionEncodings"), "utf-8");
    s->initialized = true;
    rt_buf b = {0};
    rt_buf_printf(&b,
                  "{\"capabilities\":{\"positionEncoding\":\"%s\","
                  "\"textDocumentSync\":{\"openClose\":true,\"change\":1},"
                  "\"hoverProvider\":true,"
                  "\"completionProvider\":{\"triggerCharacters\":[\"=\",\" \"]},"
                  "\"definitionProvider\":true,\"documentFormattingProvider\":true,"
                  "\"codeLensProvider\":{\"resolveProvider\":false}},"
                  "\"serverInfo\":{\"name\":\"nltc\",\"version\":\"%s\"}}",
                  s->utf8 ? "utf-8" : "utf-16", NLTC_VERSION);
    lsp_respond(s, id, b.data);
    rt_buf_free(&b);
}

static void lsp_shutdown(lsp_server *s, const json_value *id, const json_value *params) {
    (void)params;
    s->shutdown = true;
    lsp_respond(s, id, "null");
}

static void lsp_exit(lsp_server *s, const json_value *id, const json_value *params) {
    (void)id, (void)params;
    s->exit = true;
}

/* The string member `key` of params.textDocument, or NULL. */
static const char *lsp_doc_member(const json_value *params, const char *key) {
    const json_value *v = json_member(json_member(params, "textDocument"), key);
    return v && v->kind == JSON_STRING ? v->text : NULL;
}

static void lsp_did_open(lsp_server *s, const json_value *id, const json_value *params) {
    (void)id;
    const char *uri = lsp_doc_member(params, "uri"), *text = lsp_doc_member(params, "text");
    if (uri && text) lsp_doc_set(s, uri, text, strlen(text));
}

/* Applies one content change to the text t[*n] (malloc'd): the whole text, or a range. */
static char *lsp_apply(lsp_server *s, lsp_doc *d, char *t, size_t *n, const json_value *c) {
    const json_value *text = json_member(c, "text"), *range = json_member(c, "range");
    if (!text || text->kind != JSON_STRING) return t;
    size_t tl = strlen(text->text);
    uint32_t b = 0, e = (uint32_t)*n;
    src_file f = {.path = d->path, .text = t, .len = *n};
    if (range && (!lsp_offset(s, &f, json_member(range, "start"), &b) ||
                  !lsp_offset(s, &f, json_member(range, "end"), &e) || e < b))
        return t;
    if (!range) b = 0, e = (uint32_t)*n;
    char *out = xmalloc(*n - (e - b) + tl + 1);
    memcpy(out, t, b);
    memcpy(out + b, text->text, tl);
    memcpy(out + b + tl, t + e, *n - e);
    *n = *n - (e - b) + tl;
    out[*n] = '\0';
    free(t);
    return out;
}

static void lsp_did_change(lsp_server *s, const json_value *id, const json_value *params) {
    (void)id;
    const char *uri = lsp_doc_member(params, "uri");
    lsp_doc *d = uri ? lsp_doc_find(s, uri) : NULL;
    const json_value *changes = json_member(params, "contentChanges");
    if (!d || !changes || changes->kind != JSON_ARRAY) return;
    size_t n = d->src->len;
    char *t = xmalloc(n + 1);
    memcpy(t, d->src->text, n + 1);
    for (int i = 0; i < changes->n; i++)
        t = lsp_apply(s, d, t, &n, &changes->items[i]);
    lsp_doc_set(s, uri, t, n);
    free(t);
}

static void lsp_did_close(lsp_server *s, const json_value *id, const json_value *params) {
    (void)id;
    const char *uri = lsp_doc_member(params, "uri");
    if (!uri) return;
    lsp_doc_close(s, uri);
    lsp_publish_none(s, uri);
}

typedef void (*lsp_method_fn)(lsp_server *s, const json_value *id, const json_value *params);

static const struct lsp_method {
    const char *name;
    lsp_method_fn fn;
    bool notification; /* answers nothing (sent with an id anyway, it gets a null result) */
} lsp_methods[] = {
    {"initialize", lsp_initialize, false},
    {"shutdown", lsp_shutdown, false},
    {"exit", lsp_exit, true},
    {"textDocument/didOpen", lsp_did_open, true},
    {"textDocument/didChange", lsp_did_change, true},
    {"textDocument/didClose", lsp_did_close, true},
    {"textDocument/hover", lsp_hover, false},
    {"textDocument/completion", lsp_completion, false},
    {"textDocument/definition", lsp_definition, false},
    {"textDocument/formatting", lsp_formatting, false},
    {"textDocument/codeLens", lsp_code_lens, false},
};

/* Handles one message (a parsed body). */
static void lsp_dispatch(lsp_server *s, const json_value *msg) {
    const json_value *id = json_member(msg, "id"), *m = json_member(msg, "method");
    const json_value *params = json_member(msg, "params");
    if (!m || m->kind != JSON_STRING) {
        /* a response to a request of ours (we send none) or no message at all */
        if (msg->kind != JSON_OBJECT || (!json_member(msg, "result") && !json_member(msg, "error")))
            lsp_respond_error(s, id, LSP_INVALID_REQUEST, "not a JSON-RPC request");
        return;
    }
    const struct lsp_method *f = NULL;
    for (size_t i = 0; i < sizeof lsp_methods / sizeof lsp_methods[0] && !f; i++)
        if (strcmp(lsp_methods[i].name, m->text) == 0) f = &lsp_methods[i];
    bool is_exit = f && f->fn == lsp_exit;
    if (!id) { /* a notification: no answer, whatever happens */
        if (f && (s->initialized || is_exit)) f->fn(s, NULL, params);
        return;
    }
    if (!f) {
        rt_buf b = {0};
        rt_buf_printf(&b, "unknown method '%s'", m->text);
        lsp_respond_error(s, id, LSP_METHOD_NOT_FOUND, b.data);
        rt_buf_free(&b);
    } else if (!s->initialized && f->fn != lsp_initialize && !is_exit) {
        lsp_respond_error(s, id, LSP_NOT_INITIALIZED, "the server is not initialized");
    } else if (s->shutdown && !is_exit) {
        lsp_respond_error(s, id, LSP_INVALID_REQUEST, "the server is shut down");
    } else {
        f->fn(s, id, params);
        if (f->notification) lsp_respond(s, id, "null");
    }
}

/* Serves messages from in until exit or the end of the input. */
static void lsp_serve(lsp_server *s, FILE *in) {
    rt_buf body = {0};
    while (!s->exit) {
        lsp_frame fr = lsp_read(in, &body);
        if (fr == LSP_EOF) break;
        if (fr != LSP_BODY) {
            lsp_respond_error(s, NULL, LSP_PARSE_ERROR,
                              fr == LSP_NO_LENGTH ? "a message header without Content-Length"
                                                  : "a message longer than 256 MiB");
            continue;
        }
        json_value *msg = NULL;
        rt_error e = {0};
        if (json_parse(body.data, body.len, "message", &msg, &e) != RT_OK)
            lsp_respond_error(s, NULL, LSP_PARSE_ERROR, e.msg);
        else
            lsp_dispatch(s, msg);
        json_free(msg);
    }
    rt_buf_free(&body);
}

rt_status driver_cmd_lsp(int argc, char **argv, rt_error *e) {
    bool stdio = false;
    cli_list includes = {0};
    const cli_opt opts[] = {
        {'I', NULL, CLI_LIST, "DIR", &includes, "add DIR to the import search path (repeatable)", 0,
         0, NULL, false, NULL},
        {0, "stdio", CLI_FLAG, NULL, &stdio,
         "talk over stdin and stdout (the default, the only way)", 0, 0, NULL, false, NULL},
    };
    const cli_spec spec = {
        "nltc lsp",
        "",
        0,
        0,
        NULL,
        "The language server of .nlt files (Language Server Protocol over\n"
        "stdin/stdout): diagnostics, hover, completion, definition, formatting.\n",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        NULL};
    cli_result r;
    rt_status st = cli_parse(&spec, argc, argv, &r, e);
    if (st == RT_OK && !r.help) {
        signal(SIGPIPE, SIG_IGN); /* a client gone away is the end of the input, not a crash */
        lsp_server s = {.out = stdout,
                        .co = {.include_dirs = includes.items, .n_include_dirs = (int)includes.n}};
        lsp_serve(&s, stdin);
        lsp_docs_free(&s);
        if (!(s.exit && s.shutdown))
            st = rt_fail(e, RT_ERR_DATA, "lsp: %s before a shutdown request",
                         s.exit ? "exit" : "the end of the input");
    }
    cli_list_free(&includes);
    cli_result_free(&r);
    return st;
}
