/* progress.c - how the flow shows training progress (see progress.h).
 *
 * Not on a terminal, the plain lines of runtime/train go to stderr as they are (tests and
 * CI read them). On a terminal, each stage has one status line, rewritten in place with a
 * carriage return at every epoch:
 *   dense  [##########..........]  10/20  loss 0.4123  valid 91.20%  25k/s  ETA 12.0s
 * Any other line written during training (notes, the selected epoch) ends the status line
 * with its last state, and the next epoch starts a new one below, so the summary and the
 * warnings stay above the live line. A new stage ends the previous stage's line too.
 * --log FILE receives the plain lines in both cases. */
#define _GNU_SOURCE /* fopencookie */
#include "progress.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PR_BAR = 20 };

/* Draws the status line of the last epoch (after a carriage return, erasing the rest). */
static void pr_draw(nltc_progress *p) {
    const tr_progress *t = &p->last;
    char bar[PR_BAR + 1], eta[32], valid[32], rate[32], ep[32];
    int fill = t->epochs > 0 ? (int)((long)PR_BAR * t->epoch / t->epochs) : 0;
    for (int i = 0; i < PR_BAR; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[PR_BAR] = '\0';
    tr_format_seconds(eta, sizeof eta, t->eta_s);
    if (isnan(t->valid_acc))
        snprintf(valid, sizeof valid, "-");
    else
        snprintf(valid, sizeof valid, "%.2f%%", 100 * t->valid_acc);
    if (t->samples_per_s >= 1e4)
        snprintf(rate, sizeof rate, "%.0fk/s", t->samples_per_s / 1e3);
    else
        snprintf(rate, sizeof rate, "%.0f/s", t->samples_per_s);
    snprintf(ep, sizeof ep, "%d/%d", t->epoch, t->epochs);
    const char *on = p->color ? "\033[1;32m" : "", *off = p->color ? "\033[0m" : "";
    fprintf(p->term, "\r\033[K%-6s [%s%.*s%s%.*s] %4d/%-4d loss %.4f  valid %s  %s  ETA %s",
            t->dense ? "dense" : "sparse", on, fill, bar, off, PR_BAR - fill, bar + fill, t->epoch,
            t->epochs, t->loss, valid, rate, eta);
    fflush(p->term);
    p->shown = true;
}

/* Ends the status line shown (if any) with a newline. */
static void pr_end_line(nltc_progress *p) {
    if (p->shown) fputc('\n', p->term);
    p->shown = false;
}

static void pr_log(nltc_progress *p, const char *text, size_t len) {
    if (!p->log) return;
    fwrite(text, 1, len, p->log);
    fflush(p->log);
}

void nltc_progress_epoch(void *ctx, const tr_progress *t, const char *line) {
    nltc_progress *p = ctx;
    pr_log(p, line, strlen(line));
    if (!p->term) return;
    if (!p->live) {
        fputs(line, p->term);
        fflush(p->term);
        return;
    }
    if (p->shown && (t->stage != p->last.stage || t->dense != p->last.dense)) pr_end_line(p);
    p->last = *t;
    pr_draw(p);
}

/* The stream's write: a line of training's own (a note, the result) above the status line. */
static ssize_t pr_write(void *ctx, const char *buf, size_t len) {
    nltc_progress *p = ctx;
    pr_log(p, buf, len);
    if (!p->term) return (ssize_t)len;
    pr_end_line(p); /* the status line stays, the line goes below; the next epoch starts anew */
    fwrite(buf, 1, len, p->term);
    fflush(p->term);
    return (ssize_t)len;
}

rt_status nltc_progress_open(nltc_progress *p, bool live, bool color, bool quiet,
                             const char *log_path, rt_error *e) {
    memset(p, 0, sizeof *p);
    p->term = quiet ? NULL : stderr;
    p->live = live && !quiet;
    p->color = color;
    if (log_path && !(p->log = fopen(log_path, "w")))
        return rt_fail(e, RT_ERR_IO, "--log %s: cannot open it for writing: %s", log_path,
                       strerror(errno));
    if (p->live || p->log || !p->term) {
        cookie_io_functions_t io = {.write = pr_write};
        p->stream = fopencookie(p, "w", io);
        if (p->stream) setvbuf(p->stream, NULL, _IOLBF, 0);
    }
    return RT_OK;
}

FILE *nltc_progress_stream(nltc_progress *p) {
    return p->stream ? p->stream : p->term ? p->term : stderr;
}

void nltc_progress_close(nltc_progress *p) {
    if (p->stream) fclose(p->stream);
    pr_end_line(p);
    if (p->log) fclose(p->log);
    memset(p, 0, sizeof *p);
}
