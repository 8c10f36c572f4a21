/* lsp_client.h - a scripted LSP client for the tests of `nltc lsp`: spawns the server over
 * pipes, frames and sends messages, and reads its messages back (with a timeout, so that a
 * server that hangs fails the test instead of hanging it). */
#ifndef NLTC_LSP_CLIENT_H
#define NLTC_LSP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "report.h"
#include "rt.h"

/* One server process and what it has sent but the test has not read yet. */
typedef struct lc_server {
    pid_t pid;
    int to, from; /* its stdin (our write end), its stdout (our read end) */
    rt_buf in;    /* bytes read from it, not yet taken as messages */
    bool eof;     /* it closed its stdout */
} lc_server;

/* Starts `nltc lsp` (its stderr is the test's: a sanitizer's report shows). */
void lc_start(lc_server *s, const char *nltc);
/* Writes raw bytes (while reading what the server sends, so neither side blocks). */
void lc_write(lc_server *s, const char *data, size_t n);
/* Sends a JSON body with its Content-Length header. */
void lc_send(lc_server *s, const char *json);
/* printf-style JSON body. */
void lc_sendf(lc_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next message (parsed; json_free it), or NULL at the end of its output or after
 * timeout_s seconds. */
json_value *lc_next(lc_server *s, int timeout_s);
/* Reads messages until the response to request id, or (id < 0) a notification of method;
 * others are dropped. NULL when none comes. */
json_value *lc_wait(lc_server *s, int id, const char *method);
/* Closes its stdin and waits for it to exit; its exit status, or -1 after a timeout (it is
 * killed then) or a signal. */
int lc_finish(lc_server *s, int timeout_s);

/* A file: URI of path, into a static buffer. */
const char *lc_uri(const char *path);
/* A JSON string literal of text (malloc'd). */
char *lc_quote(const char *text);

#endif /* NLTC_LSP_CLIENT_H */
