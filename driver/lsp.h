/* lsp.h - `nltc lsp`, the language server: what its files share.
 *
 *   lsp.c        the command, the message loop (Content-Length framing, JSON-RPC 2.0,
 *                the method table), the lifecycle (initialize, shutdown, exit)
 *   lsp_doc.c    open documents, URIs and file paths, LSP positions (UTF-8 or UTF-16)
 *   lsp_check.c  diagnostics from the compiler's library code (nltc_compile_buffer, the
 *                back ends' and the memory checks: what `nltc --check` reports) and the
 *                model summary
 *   lsp_edit.c   hover, completion, definition, formatting, code lens
 * JSON is read with runtime/report's parser (json_parse) and written into an rt_buf with
 * its string escaper (json_buf_string).
 */
#ifndef NLTC_LSP_H
#define NLTC_LSP_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "report.h"
#include "rt.h"

/* One open document: its text as the client last sent it, and what its last check found. */
typedef struct lsp_doc {
    char *uri;           /* as the client names it */
    char *path;          /* the file path (imports resolve beside it) */
    nltc_arena *a;       /* holds src and the check's results; replaced on every change */
    src_file *src;       /* the text, with its line index */
    const char *summary; /* the model summary in Markdown (in a), NULL when it has errors */
    const char *lens;    /* the same in one line (in a) */
    uint32_t model_at;   /* the model's name in src (offsets), when summary is set */
    uint32_t model_end;
} lsp_doc;

/* The server's state. */
typedef struct lsp_server {
    FILE *out;            /* where messages go (stdout) */
    bool utf8;            /* positions count UTF-8 bytes (negotiated), else UTF-16 units */
    bool initialized;     /* initialize was answered */
    bool shutdown;        /* shutdown was received */
    bool exit;            /* exit was received */
    nltc_compile_opts co; /* -I directories for every compilation */
    int n_docs, cap_docs; /* open documents */
    lsp_doc *docs;        /* [n_docs] */
} lsp_server;

/* JSON-RPC error codes. */
enum {
    LSP_PARSE_ERROR = -32700,
    LSP_INVALID_REQUEST = -32600,
    LSP_METHOD_NOT_FOUND = -32601,
    LSP_INVALID_PARAMS = -32602,
    LSP_NOT_INITIALIZED = -32002,
    LSP_REQUEST_FAILED = -32803,
};

/* ---- Messages (lsp.c) ------------------------------------------------------------------ */

/* Sends one message whose JSON text is body (framed with Content-Length). */
void lsp_send(lsp_server *s, const rt_buf *body);
/* Sends the response to request id (the id's JSON as received) whose result is the JSON
 * text result. */
void lsp_respond(lsp_server *s, const json_value *id, const char *result);
/* Sends an error response (id NULL: the id is null). */
void lsp_respond_error(lsp_server *s, const json_value *id, int code, const char *msg);
/* Appends v as JSON. */
void lsp_put_json(rt_buf *b, const json_value *v);

/* ---- Documents and positions (lsp_doc.c) --------------------------------------------------- */

/* The open document named uri, or NULL. */
lsp_doc *lsp_doc_find(lsp_server *s, const char *uri);
/* Opens uri with text (or replaces its text) and checks it; NULL only for a bad uri. */
lsp_doc *lsp_doc_set(lsp_server *s, const char *uri, const char *text, size_t len);
/* Closes uri (nothing when it is not open). */
void lsp_doc_close(lsp_server *s, const char *uri);
void lsp_docs_free(lsp_server *s);
/* The file path of a file: URI (percent-decoded, malloc'd), else a copy of uri. */
char *lsp_uri_path(const char *uri);
/* Appends the file: URI of path (made absolute, percent-encoded) as a JSON string. */
void lsp_put_uri(rt_buf *b, const char *path);
/* The byte offset of an LSP position {line, character} in f (clamped to the text);
 * false when pos is no position. */
bool lsp_offset(const lsp_server *s, const src_file *f, const json_value *pos, uint32_t *off);
/* Appends {"start":..,"end":..} for bytes [begin, end) of f. */
void lsp_put_range(const lsp_server *s, rt_buf *b, const src_file *f, uint32_t begin, uint32_t end);
/* The document and the offset a textDocument/position request names; NULL (after an
 * error response) when the document is not open or the position is no position. */
lsp_doc *lsp_doc_at(lsp_server *s, const json_value *id, const json_value *params, uint32_t *off);

/* ---- Checks (lsp_check.c) --------------------------------------------------------------- */

/* Compiles d like `nltc --check` and publishes its diagnostics; keeps the model summary. */
void lsp_check(lsp_server *s, lsp_doc *d);
/* Publishes an empty list for uri (a closed document). */
void lsp_publish_none(lsp_server *s, const char *uri);
/* The bytes [*b, *e) of the word (letters, digits, '_', '.') around off in f. */
void lsp_word(const src_file *f, uint32_t off, uint32_t *b, uint32_t *e);

/* ---- Requests (lsp_edit.c): each answers request id -------------------------------------- */

void lsp_hover(lsp_server *s, const json_value *id, const json_value *params);
void lsp_completion(lsp_server *s, const json_value *id, const json_value *params);
void lsp_definition(lsp_server *s, const json_value *id, const json_value *params);
void lsp_formatting(lsp_server *s, const json_value *id, const json_value *params);
void lsp_code_lens(lsp_server *s, const json_value *id, const json_value *params);

#endif /* NLTC_LSP_H */
