/* test_lsp.c - drives `nltc lsp` as an editor would, over pipes (lsp_client.c):
 * initialize (UTF-16 and UTF-8 positions), didOpen of a broken model (the diagnostic's
 * range), didChange fixing it (diagnostics cleared), hover (a property, a call's argument,
 * the model's summary), completion (keys, value words, declarations), definition (into an imported
 * file, an import path, the standard library), formatting, the code lens, an error in an
 * imported module, and bad input: a request before initialize, a body that is no JSON, a
 * header without Content-Length, unknown methods, a 10 MB document, a huge Content-Length
 * at the end of the input; shutdown then exit ends with 0, exit alone with 1.
 *
 * usage: test_lsp NLTC STDLIB_DIR */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsp_client.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static char dir[PATH_MAX];

/* The model of the test; BAD_KEY is the misspelled property of the broken version, on the
 * line with a two-byte and a four-byte character before it (UTF-16: 1 and 2 units). */
#define MODEL_TEXT(LR)                                                                             \
    "// the LSP test's model\n"                                                                    \
    "import \"lib.nlt\"\n"                                                                         \
    "import \"std/datasets/digits.nlt\"\n"                                                         \
    "\n"                                                                                           \
    "model small {\n"                                                                              \
    "    dataset = digits\n"                                                                       \
    "    bits = 2\n"                                                                               \
    "    input { bits = 2 }\n"                                                                     \
    "    tree t1 { levels = leaf -> node; neurons = 120 }\n"                                       \
    "    tree t2 { levels = leaf -> node -> node; neurons = 10 }\n"                                \
    "    output { bits = 4 }\n"                                                                    \
    "    train { batch = 32; /* \xc3\xa9\xf0\x9f\x98\x80 */ " LR " = 0.003\n"                      \
    "        stage dense { regularize = hw(wd = 1e-4) } }\n"                                       \
    "    hardware { pipeline = trees }\n"                                                          \
    "}\n"
static const char good[] = MODEL_TEXT("lr");
static const char bad[] = MODEL_TEXT("lrr");
enum { BAD_LINE = 11, BAD_BYTES = 37, BAD_UNITS = 34 }; /* where `lrr` starts */

static const char lib_text[] = "lut leaf { fanin = 3; hidden = 16 }\n"
                               "lut node { fanin = 3; hidden = 16 }\n";

static void write_file(const char *name, const char *text) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

/* The URI of a file of the test folder (static). */
static const char *uri_of(const char *name) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return lc_uri(path);
}

static double num(const json_value *v, const char *path) {
    const json_value *m = json_path(v, path);
    return m && m->kind == JSON_NUMBER ? m->number : -1;
}
static const char *str(const json_value *v, const char *path) {
    const json_value *m = json_path(v, path);
    return m && m->kind == JSON_STRING ? m->text : "";
}

static void open_doc(lc_server *s, const char *name, const char *text) {
    char *q = lc_quote(text);
    lc_sendf(s,
             "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{"
             "\"textDocument\":{\"uri\":\"%s\",\"languageId\":\"nlt\",\"version\":1,\"text\":%s}}}",
             uri_of(name), q);
    free(q);
}

/* Sends request id `method` at (line, ch) of document name. */
static void at(lc_server *s, int id, const char *method, const char *name, int line, int ch) {
    lc_sendf(s,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{\"textDocument\":{"
             "\"uri\":\"%s\"},\"position\":{\"line\":%d,\"character\":%d}}}",
             id, method, uri_of(name), line, ch);
}

/* The diagnostics published next (the params), after the notification that caused them. */
static json_value *diagnostics(lc_server *s) {
    json_value *v = lc_wait(s, -1, "textDocument/publishDiagnostics");
    CHECK(v, "no diagnostics arrived");
    return v;
}

/* Whether the labels of the completion items of v include label. */
static bool has_item(const json_value *v, const char *label) {
    const json_value *items = json_path(v, "result.items");
    for (int i = 0; items && i < items->n; i++)
        if (strcmp(str(&items->items[i], "label"), label) == 0) return true;
    return false;
}

static void initialize(lc_server *s, bool utf8) {
    lc_sendf(s,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"processId\":null,\"rootUri\":null,\"capabilities\":{%s}}}",
             utf8 ? "\"general\":{\"positionEncodings\":[\"utf-8\",\"utf-16\"]}" : "");
    json_value *v = lc_wait(s, 1, NULL);
    CHECK(v, "no answer to initialize");
    CHECK(strcmp(str(v, "result.capabilities.positionEncoding"), utf8 ? "utf-8" : "utf-16") == 0,
          "encoding %s", str(v, "result.capabilities.positionEncoding"));
    CHECK(json_path(v, "result.capabilities.hoverProvider"), "no hover");
    json_free(v);
    lc_send(s, "{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}");
}

/* didOpen of the broken model: one error on `lrr`, at column col (in the session's units). */
static void broken_model(lc_server *s, int col) {
    open_doc(s, "model.nlt", bad);
    json_value *v = diagnostics(s);
    const json_value *d = json_path(v, "params.diagnostics");
    CHECK(d && d->n == 1, "%d diagnostics", d ? d->n : -1);
    if (d && d->n >= 1) {
        const json_value *g = &d->items[0];
        CHECK(num(g, "range.start.line") == BAD_LINE && num(g, "range.end.line") == BAD_LINE,
              "line %g", num(g, "range.start.line"));
        CHECK(num(g, "range.start.character") == col, "start %g, expected %d",
              num(g, "range.start.character"), col);
        CHECK(num(g, "range.end.character") == col + 3, "end %g", num(g, "range.end.character"));
        CHECK(strstr(str(g, "message"), "'lrr'") && num(g, "severity") == 1, "message %s",
              str(g, "message"));
    }
    json_free(v);
}

/* Hover, completion, definition, code lens on the fixed model. */
static void queries(lc_server *s) {
    at(s, 10, "textDocument/hover", "model.nlt", 11, 13); /* batch */
    json_value *v = lc_wait(s, 10, NULL);
    CHECK(v && strstr(str(v, "result.contents.value"), "**`batch`**") &&
              strstr(str(v, "result.contents.value"), "default"),
          "hover on batch: %s", v ? str(v, "result.contents.value") : "none");
    json_free(v);
    at(s, 11, "textDocument/hover", "model.nlt", 4, 8); /* the model's name */
    v = lc_wait(s, 11, NULL);
    CHECK(v && strstr(str(v, "result.contents.value"), "610 L-LUTs, 79360 table bits") &&
              strstr(str(v, "result.contents.value"), "estimated LUTs: **1240** LUT6"),
          "hover on the model: %s", v ? str(v, "result.contents.value") : "none");
    json_free(v);
    at(s, 19, "textDocument/hover", "model.nlt", 12, 39); /* wd, an argument of hw(...) */
    v = lc_wait(s, 19, NULL);
    CHECK(v && strstr(str(v, "result.contents.value"), "**`wd`** (argument of `hw(...)`)"),
          "hover on an argument: %s", v ? str(v, "result.contents.value") : "none");
    json_free(v);
    at(s, 12, "textDocument/completion", "model.nlt", 11, 12); /* a key of train */
    v = lc_wait(s, 12, NULL);
    CHECK(v && has_item(v, "batch") && has_item(v, "lr") && has_item(v, "stage") &&
              !has_item(v, "fanin"),
          "train's keys");
    json_free(v);
    at(s, 13, "textDocument/completion", "model.nlt", 13, 27); /* pipeline = |trees */
    v = lc_wait(s, 13, NULL);
    CHECK(v && has_item(v, "none") && has_item(v, "trees"), "pipeline's words");
    json_free(v);
    at(s, 14, "textDocument/completion", "model.nlt", 5, 14); /* dataset = di|gits */
    v = lc_wait(s, 14, NULL);
    CHECK(v && has_item(v, "digits") && !has_item(v, "leaf"), "the datasets");
    json_free(v);
    at(s, 15, "textDocument/definition", "model.nlt", 8, 25); /* leaf */
    v = lc_wait(s, 15, NULL);
    CHECK(v && strcmp(str(v, "result.uri"), uri_of("lib.nlt")) == 0 &&
              num(v, "result.range.start.line") == 0 &&
              num(v, "result.range.start.character") == 4 &&
              num(v, "result.range.end.character") == 8,
          "definition of leaf: %s", v ? str(v, "result.uri") : "none");
    json_free(v);
    at(s, 16, "textDocument/definition", "model.nlt", 1, 10); /* "lib.nlt" */
    v = lc_wait(s, 16, NULL);
    CHECK(v && strcmp(str(v, "result.uri"), uri_of("lib.nlt")) == 0, "the import's file");
    json_free(v);
    at(s, 17, "textDocument/definition", "model.nlt", 5, 15); /* digits */
    v = lc_wait(s, 17, NULL);
    const char *u = v ? str(v, "result.uri") : "";
    CHECK(strlen(u) > 20 && strcmp(u + strlen(u) - 20, "/datasets/digits.nlt") == 0 &&
              num(v, "result.range.start.line") >= 0,
          "definition in the standard library: %s", u);
    json_free(v);
    lc_sendf(s,
             "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"textDocument/codeLens\",\"params\":{"
             "\"textDocument\":{\"uri\":\"%s\"}}}",
             uri_of("model.nlt"));
    v = lc_wait(s, 18, NULL);
    const json_value *lens = v ? json_path(v, "result") : NULL;
    CHECK(lens && lens->n == 1 && strstr(str(&lens->items[0], "command.title"), "610 L-LUTs") &&
              num(&lens->items[0], "range.start.line") == 4,
          "code lens");
    json_free(v);
}

/* Formatting an unformatted document, and an error in an imported module. */
static void formatting_and_imports(lc_server *s) {
    open_doc(s, "lib.nlt", "lut leaf {fanin=3;hidden=16}\nlut node { fanin = 3; hidden = 16 }\n");
    json_free(diagnostics(s));
    lc_sendf(s,
             "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"textDocument/formatting\",\"params\":{"
             "\"textDocument\":{\"uri\":\"%s\"},\"options\":{\"tabSize\":4,"
             "\"insertSpaces\":true}}}",
             uri_of("lib.nlt"));
    json_value *v = lc_wait(s, 20, NULL);
    const json_value *edits = v ? json_path(v, "result") : NULL;
    CHECK(edits && edits->n == 1 && strcmp(str(&edits->items[0], "newText"), lib_text) == 0 &&
              num(&edits->items[0], "range.end.line") == 2,
          "formatting: %s", edits && edits->n ? str(&edits->items[0], "newText") : "no edit");
    json_free(v);
    open_doc(s, "uses_broken.nlt",
             "// imports a module with a syntax error\n"
             "import \"broken_lib.nlt\"\n");
    v = diagnostics(s);
    const json_value *d = json_path(v, "params.diagnostics");
    CHECK(d && d->n >= 1, "no diagnostic for the broken import");
    if (d && d->n >= 1) {
        const json_value *g = &d->items[0];
        CHECK(num(g, "range.start.line") == 1 && num(g, "range.start.character") == 7 &&
                  num(g, "range.end.character") == 23,
              "the import string: %g:%g", num(g, "range.start.line"),
              num(g, "range.start.character"));
        CHECK(strstr(str(g, "message"), "broken_lib.nlt:2:"), "message %s", str(g, "message"));
    }
    json_free(v);
}

/* Input no server should choke on. */
static void bad_input(lc_server *s) {
    static const char not_json[] = "{\"jsonrpc\":\"2.0\",\"id\":30,";
    char head[64];
    snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", strlen(not_json));
    lc_write(s, head, strlen(head));
    lc_write(s, not_json, strlen(not_json));
    json_value *v = lc_next(s, 60);
    CHECK(v && num(v, "error.code") == -32700 && json_path(v, "id")->kind == JSON_NULL,
          "parse error");
    json_free(v);
    lc_send(s, "{\"jsonrpc\":\"2.0\",\"method\":\"nltc/unknownNote\",\"params\":{}}");
    lc_send(s, "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"nltc/unknown\",\"params\":{}}");
    v = lc_next(s, 60); /* the notification has no answer: this is the request's */
    CHECK(v && num(v, "id") == 31 && num(v, "error.code") == -32601, "method not found");
    json_free(v);
    static const char no_length[] = "X-Whatever: 1\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":32,"
                                    "\"method\":\"shutdown\"}";
    lc_write(s, no_length, strlen(no_length));
    v = lc_next(s, 60);
    CHECK(v && num(v, "error.code") == -32700, "a header without Content-Length");
    json_free(v);
    at(s, 33, "textDocument/hover", "model.nlt", 0, 0); /* found after the bad message */
    v = lc_wait(s, 33, NULL);
    CHECK(v && json_member(v, "result"), "the next message after a missing Content-Length");
    json_free(v);
    at(s, 34, "textDocument/hover", "not-open.nlt", 0, 0);
    v = lc_wait(s, 34, NULL);
    CHECK(v && num(v, "error.code") == -32602, "a document that is not open");
    json_free(v);
}

/* A 10 MB document: a model, 10 MB of comments, a misspelled property on the last line. */
static void big_document(lc_server *s) {
    rt_buf b = {0};
    rt_buf_puts(&b, good);
    int lines = 15;
    while (b.len < 10 * 1024 * 1024) {
        rt_buf_puts(&b, "// padding: a comment line of a very large model file, 64 bytes\n");
        lines++;
    }
    rt_buf_puts(&b, "lut extra { fanin = 3; hiddn = 16 }\n");
    open_doc(s, "big.nlt", b.data);
    json_value *v = diagnostics(s);
    const json_value *d = json_path(v, "params.diagnostics");
    CHECK(d && d->n == 1 && num(&d->items[0], "range.start.line") == lines &&
              num(&d->items[0], "range.start.character") == 23,
          "the 10 MB document's error at line %d", lines);
    json_free(v);
    at(s, 40, "textDocument/hover", "big.nlt", lines, 13);
    v = lc_wait(s, 40, NULL);
    CHECK(v && strstr(str(v, "result.contents.value"), "**`fanin`**"), "hover in 10 MB");
    json_free(v);
    rt_buf_free(&b);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_lsp NLTC STDLIB_DIR\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nltc-lsp-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    char real[PATH_MAX];
    if (!mkdtemp(dir) || !realpath(dir, real)) {
        perror(dir);
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", real);
    setenv("NLTC_STDLIB", argv[2], 1);
    write_file("lib.nlt", lib_text);
    write_file("broken_lib.nlt", "lut leaf { fanin = 3;\n    hidden = }\n");

    lc_server s;
    lc_start(&s, argv[1]);
    at(&s, 2, "textDocument/hover", "model.nlt", 0, 0);
    json_value *v = lc_wait(&s, 2, NULL);
    CHECK(v && num(v, "error.code") == -32002, "a request before initialize");
    json_free(v);
    initialize(&s, false);
    broken_model(&s, BAD_UNITS);
    char *q = lc_quote(good);
    lc_sendf(&s,
             "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{"
             "\"textDocument\":{\"uri\":\"%s\",\"version\":2},\"contentChanges\":[{\"text\":%s}]}}",
             uri_of("model.nlt"), q);
    free(q);
    v = diagnostics(&s);
    CHECK(v && json_path(v, "params.diagnostics")->n == 0, "the fix clears the diagnostics");
    json_free(v);
    queries(&s);
    formatting_and_imports(&s);
    bad_input(&s);
    big_document(&s);
    lc_send(&s, "{\"jsonrpc\":\"2.0\",\"id\":90,\"method\":\"shutdown\"}");
    v = lc_wait(&s, 90, NULL);
    CHECK(v && json_member(v, "result") && json_member(v, "result")->kind == JSON_NULL, "shutdown");
    json_free(v);
    lc_send(&s, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}");
    int st = lc_finish(&s, 60);
    CHECK(st == 0, "shutdown then exit: status %d", st);

    lc_start(&s, argv[1]); /* UTF-8 positions; exit without shutdown */
    initialize(&s, true);
    broken_model(&s, BAD_BYTES);
    lc_send(&s, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}");
    st = lc_finish(&s, 60);
    CHECK(st == 1, "exit without shutdown: status %d", st);

    lc_start(&s, argv[1]); /* a body longer than the input: the end of input ends it */
    lc_write(&s, "Content-Length: 99999999999\r\n\r\n{}", 34);
    st = lc_finish(&s, 60);
    CHECK(st == 1, "a huge Content-Length, then the end of the input: status %d", st);

    static const char *const files[] = {"lib.nlt", "broken_lib.nlt", NULL};
    for (int i = 0; files[i]; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures ? 1 : 0;
}
