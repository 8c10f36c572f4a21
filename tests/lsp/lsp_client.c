/* lsp_client.c - the scripted LSP client of the tests (see lsp_client.h). */
#include "lsp_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void lc_start(lc_server *s, const char *nltc) {
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) {
        perror("pipe");
        exit(2);
    }
    *s = (lc_server){.pid = fork()};
    if (s->pid < 0) {
        perror("fork");
        exit(2);
    }
    if (s->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[1]);
        close(from[0]);
        execl(nltc, nltc, "lsp", (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    s->to = to[1];
    s->from = from[0];
    fcntl(s->to, F_SETFL, O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
}

/* Reads what is there (waiting at most ms milliseconds for something); false at EOF. */
static bool lc_pump(lc_server *s, int ms) {
    struct pollfd p = {.fd = s->from, .events = POLLIN};
    if (s->eof || poll(&p, 1, ms) <= 0) return !s->eof;
    char buf[65536];
    ssize_t n = read(s->from, buf, sizeof buf);
    if (n > 0)
        rt_buf_put(&s->in, buf, (size_t)n);
    else if (n == 0 || errno != EINTR)
        s->eof = true;
    return !s->eof;
}

void lc_write(lc_server *s, const char *data, size_t n) {
    while (n > 0) {
        struct pollfd p[2] = {{.fd = s->to, .events = POLLOUT}, {.fd = s->from, .events = POLLIN}};
        if (poll(p, s->eof ? 1 : 2, 60000) <= 0) return;
        if (p[1].revents) lc_pump(s, 0);
        if (!(p[0].revents & POLLOUT)) {
            if (p[0].revents) return; /* it closed its stdin */
            continue;
        }
        ssize_t k = write(s->to, data, n);
        if (k < 0 && errno != EAGAIN && errno != EINTR) return;
        if (k > 0) data += k, n -= (size_t)k;
    }
}

void lc_send(lc_server *s, const char *json) {
    char head[64];
    int h = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", strlen(json));
    lc_write(s, head, (size_t)h);
    lc_write(s, json, strlen(json));
}

void lc_sendf(lc_server *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *j = rt_vstrfmt(fmt, ap);
    va_end(ap);
    lc_send(s, j);
    free(j);
}

/* Takes one framed message from s->in into *body (malloc'd) if a whole one is there. */
static bool lc_take(lc_server *s, char **body, size_t *len) {
    if (!s->in.len) return false;
    char *end = strstr(s->in.data, "\r\n\r\n");
    if (!end) return false;
    const char *cl = strstr(s->in.data, "Content-Length: ");
    if (!cl || cl > end) {
        fprintf(stderr, "lsp test: a message without Content-Length\n");
        exit(1);
    }
    size_t n = strtoul(cl + 16, NULL, 10), start = (size_t)(end + 4 - s->in.data);
    if (s->in.len < start + n) return false;
    *body = xmalloc(n + 1);
    memcpy(*body, s->in.data + start, n);
    (*body)[n] = '\0';
    *len = n;
    memmove(s->in.data, s->in.data + start + n, s->in.len - start - n + 1);
    s->in.len -= start + n;
    return true;
}

json_value *lc_next(lc_server *s, int timeout_s) {
    time_t until = time(NULL) + timeout_s;
    char *body;
    size_t n;
    bool got;
    while (!(got = lc_take(s, &body, &n)) && time(NULL) <= until && lc_pump(s, 200))
        ;
    if (!got && !lc_take(s, &body, &n)) return NULL;
    json_value *v = NULL;
    rt_error e = {0};
    if (json_parse(body, n, "server message", &v, &e) != RT_OK) {
        fprintf(stderr, "lsp test: the server sent no JSON: %s\n", e.msg);
        exit(1);
    }
    free(body);
    return v;
}

json_value *lc_wait(lc_server *s, int id, const char *method) {
    json_value *v;
    while ((v = lc_next(s, 120)) != NULL) {
        const json_value *i = json_member(v, "id"), *m = json_member(v, "method");
        if (id >= 0 && i && i->kind == JSON_NUMBER && (int)i->number == id && !m) return v;
        if (id < 0 && m && m->kind == JSON_STRING && strcmp(m->text, method) == 0) return v;
        json_free(v);
    }
    return NULL;
}

int lc_finish(lc_server *s, int timeout_s) {
    close(s->to);
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < timeout_s * 10 && (r = waitpid(s->pid, &status, WNOHANG)) == 0; i++) {
        lc_pump(s, 0);
        struct timespec t = {0, 100000000};
        nanosleep(&t, NULL);
    }
    if (r == 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
    }
    close(s->from);
    rt_buf_free(&s->in);
    return r == s->pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *lc_uri(const char *path) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "file://%s", path);
    return buf;
}

char *lc_quote(const char *text) {
    rt_buf b = {0};
    json_buf_string(&b, text);
    return rt_buf_take(&b);
}
